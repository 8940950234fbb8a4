#!/bin/bash
# The control device on a TPM 2.0 (CRB), in the test VM.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_control.py
