#!/bin/bash
# The control device on a TPM 2.0 behind a TIS interface, in the test VM.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm tis -- selftests/module/test_control.py
