#!/bin/bash
# vTPM management, the per-VM device, command policy, bad input, cancel,
# destroy under load, 1024 vTPMs: in the test VM.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_vtpm.py
