#!/bin/bash
# No TPM, a TPM 1.2, and a TPM 2.0 that goes away while tpmmux is loaded.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm none -- selftests/module/test_chip_presence.py
