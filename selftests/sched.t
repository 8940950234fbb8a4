#!/bin/bash
# The scheduler's interface in the test VM: weights, statistics, sysfs, CLI.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_sched.py
