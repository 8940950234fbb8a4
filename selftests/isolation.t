#!/bin/bash
# tpm2-tools on a vTPM; isolation between two VMs and the host; teardown.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_isolation.py
