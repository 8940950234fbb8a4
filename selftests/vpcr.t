#!/bin/bash
# Virtual PCR banks in the test VM, against swtpm, hashlib and tpm2-tools.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_vpcr.py
