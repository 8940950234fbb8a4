#!/bin/bash
# Load/use/unload tpmmux 50 times: no kernel warning, no slab growth.
cd "$(dirname "$0")/.." || exit 1
exec selftests/vm/run --tpm crb -- selftests/module/test_load_cycles.py
