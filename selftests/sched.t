#!/bin/bash
# The scheduler's interface in the test VM: weights, statistics, sysfs, CLI;
# with a slow chip, a light VM's GetRandom/PCR_Read beside RSA key generations.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb --chip-latency selftests/vm/chip-profiles/slow-discrete.txt \
	-- selftests/module/test_sched.py
