#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the test VM by `make demo` (selftests/vm/run): the
# VM's TPM (a fresh swtpm) plays the host's physical TPM.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "The host TPM, as the kernel sees it"
run ls -l /dev/tpm0 /dev/tpmrm0
run tpm2_getcap -T device:/dev/tpmrm0 properties-fixed | grep -A2 -E 'TPM2_PT_(MANUFACTURER|VENDOR_STRING_1|FIRMWARE_VERSION_1):'

say "Load tpmmux"
run insmod tpmmux/tpmmux.ko
run ls -l /dev/tpmmux
dmesg | grep 'tpmmux:' | sed 's/^/  kernel: /'

say "vtpmctl status: the chip identity read through tpmmux"
run tools/vtpmctl/vtpmctl status

say "The host's own TPM users keep working"
run tpm2_getrandom -T device:/dev/tpmrm0 --hex 16
echo

say "Unload"
run rmmod tpmmux
echo "tpmmux unloaded; demo done."
