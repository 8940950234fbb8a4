#!/bin/bash
# The KVM front end's kernel interface (CRB and TIS), the VMM played by the test.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_frontend.py
