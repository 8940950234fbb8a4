#!/bin/bash
# Per-VM primary keys and VM-bound contexts, with tpm2-tools, in the test VM.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_keysep.py
