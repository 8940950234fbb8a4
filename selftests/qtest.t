#!/bin/bash
# A vTPM behind QEMU 7.2's own tpm-crb device and passthrough backend,
# driven over qtest, in the test VM.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_qtest.py
