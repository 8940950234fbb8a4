#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the test VM by `make demo` (selftests/vm/run): the
# VM's TPM (a fresh swtpm) plays the host's physical TPM.  Two vTPMs,
# vm-alpha and vm-beta, are created, started and used with the stock
# tpm2-tools through their nodes, as QEMU's passthrough backend would use
# them; a command that would change the shared chip is refused while the
# host's own TPM users keep working.
#
# Every step is shown with its command; a step that fails stops the demo
# with a message saying which, cleans up, and the demo exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

VTPMCTL=tools/vtpmctl/vtpmctl
VMS=(vm-alpha vm-beta)
# TPM_RC_COMMAND_CODE (0x143) in tpmmux's response-code layer 0x74.
TPMMUX_RC_REFUSED=0x740143
LOADED_HERE=0
CREATED=()	# the vTPMs this demo created, destroyed again on a failure
FAILED=0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cmdline() { printf '$ %s\n' "$*"; }

cleanup() {
	local vm
	[ -e /dev/tpmmux ] || return 0
	for vm in "${CREATED[@]}"; do
		"$VTPMCTL" destroy "$vm" >/dev/null 2>&1 || true
	done
	if [ "$LOADED_HERE" = 1 ]; then
		rmmod tpmmux 2>/dev/null || true
	fi
}

fail() {
	FAILED=1
	printf '\n\033[1;31m** demo failed: %s\033[0m\n' "$*" >&2
	if [ -e /dev/tpmmux ]; then
		dmesg | grep 'tpmmux' | tail -n 20 | sed 's/^/  kernel: /' >&2 || true
	fi
	cleanup
	exit 1
}
# A failure the helpers below did not catch (a pipeline, an assignment).
trap 'rc=$?; [ "$FAILED" = 1 ] || fail "line $LINENO: $BASH_COMMAND (exit $rc)"' ERR

# run CMD...: show it, run it, stop the demo if it fails.
run() {
	cmdline "$@"
	"$@" || fail "step '$*' exited with status $?"
}

# run_short CMD...: as run, but each output line cut to 76 columns (keys).
run_short() {
	local out rc=0
	cmdline "$@"
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | cut -c1-76
	[ "$rc" = 0 ] || fail "step '$*' exited with status $rc"
}

# run_refused CMD...: the command must fail with tpmmux's refusal code.
run_refused() {
	local out rc=0
	cmdline "$@"
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" != 0 ] || fail "'$*' succeeded: tpmmux should have refused it"
	grep -qi -- "$TPMMUX_RC_REFUSED" <<<"$out" ||
		fail "'$*' failed (status $rc) but not with tpmmux's $TPMMUX_RC_REFUSED"
	echo "-> refused by tpmmux: $TPMMUX_RC_REFUSED is TPM_RC_COMMAND_CODE in tpmmux's own layer (0x74),"
	echo "   answered by the module; the command never reached the chip."
}

# tcti VM: the tpm2-tools TCTI for a vTPM's node.
tcti() { printf 'device:/dev/tpmmux-vm/%s' "$1"; }

say "The host TPM, as the kernel sees it"
run ls -l /dev/tpm0 /dev/tpmrm0
cmdline "tpm2_getcap -T device:/dev/tpmrm0 properties-fixed | grep -A2 -E 'TPM2_PT_(MANUFACTURER|VENDOR_STRING_1|FIRMWARE_VERSION_1):'"
tpm2_getcap -T device:/dev/tpmrm0 properties-fixed |
	grep -A2 -E 'TPM2_PT_(MANUFACTURER|VENDOR_STRING_1|FIRMWARE_VERSION_1):' ||
	fail "tpm2_getcap on the host's /dev/tpmrm0 failed"

say "Load tpmmux"
if [ -e /sys/module/tpmmux ]; then
	echo "tpmmux is loaded already"
else
	run insmod tpmmux/tpmmux.ko
	LOADED_HERE=1
fi
run ls -l /dev/tpmmux
dmesg | grep 'tpmmux:' | sed 's/^/  kernel: /' || true

say "vtpmctl status: the chip identity read through tpmmux"
run "$VTPMCTL" status

say "Two VMs, two vTPMs"
for vm in "${VMS[@]}"; do
	run "$VTPMCTL" create "$vm"
	CREATED+=("$vm")
done
run "$VTPMCTL" list
run ls -l /dev/tpmmux-vm/

say "Each VM starts its vTPM, as its firmware would (TPM2_Startup is virtual)"
# Before Startup every command is answered TPM_RC_INITIALIZE, as by a real
# TPM.  tpm2-tss 3.2's device TCTI probes the node with a GetRandom when it
# opens it and, given that 10-byte answer, logs a spurious "timeout waiting
# for response" (later tpm2-tss versions skip it); TSS2_LOG=tcti+none hides
# that one line.
for vm in "${VMS[@]}"; do
	run env TSS2_LOG=tcti+none tpm2_startup -c -T "$(tcti "$vm")"
done

for vm in "${VMS[@]}"; do
	ctx=/tmp/${vm#vm-}.ctx
	say "$vm uses its vTPM: random bytes, a primary key, its transient handles"
	run tpm2_getrandom -T "$(tcti "$vm")" --hex 8
	echo
	run_short tpm2_createprimary -T "$(tcti "$vm")" -C o -c "$ctx"
	echo "The key's saved context: the handle is $vm's own (virtual) handle."
	run tpm2_print -t TPMS_CONTEXT "$ctx"
	echo "tpm2-tools closed the node on exit, so tpmmux flushed $vm's objects:"
	run tpm2_getcap -T "$(tcti "$vm")" handles-transient
	echo "(no transient handles left: nothing of one VM stays on the chip for the next)"
done

say "Each VM has its own PCRs: it measures its boot, the host's PCR 10 stays as it was"
run tpm2_pcrread -T device:/dev/tpmrm0 sha256:10
for vm in "${VMS[@]}"; do
	run tpm2_pcrextend -T "$(tcti "$vm")" "10:sha256=$(printf '%s kernel' "$vm" | sha256sum | cut -d' ' -f1)"
	run tpm2_pcrread -T "$(tcti "$vm")" sha256:10
done
run tpm2_pcrread -T device:/dev/tpmrm0 sha256:10

say "Each VM has its own keys: one SRK template, three different keys"
# tpm2_createprimary's default template in each VM and on the host: the
# module gives each VM's CreatePrimary a template derived from the VM's
# secret (its UUID and the host TPM), so the keys differ, and a VM
# re-created with the same UUID gets its key back.
declare -A SRK
for who in "${VMS[@]}" host; do
	t=$([ "$who" = host ] && echo device:/dev/tpmrm0 || tcti "$who")
	cmdline "tpm2_createprimary -T $t -C o -G ecc -c /tmp/srk.ctx; tpm2_readpublic -c /tmp/srk.ctx | grep x:"
	tpm2_createprimary -T "$t" -C o -G ecc -c /tmp/srk.ctx >/dev/null ||
		fail "tpm2_createprimary in $who failed"
	pub=$(tpm2_readpublic -T "$t" -c /tmp/srk.ctx) || fail "tpm2_readpublic in $who failed"
	SRK[$who]=$(printf '%s\n' "$pub" | sed -n 's/^ *x: *//p' | head -n 1)
	echo "  $who: ${SRK[$who]:0:40}..."
	rm -f /tmp/srk.ctx
done
[ "${SRK[vm-alpha]}" != "${SRK[vm-beta]}" ] && [ "${SRK[vm-alpha]}" != "${SRK[host]}" ] &&
	[ "${SRK[vm-beta]}" != "${SRK[host]}" ] || fail "two of the keys are equal"
echo "(three different keys: a blob wrapped under one VM's SRK loads nowhere else)"

say "A deep quote: the host TPM vouches for vm-alpha's PCRs"
run "$VTPMCTL" ak-public -o /tmp/ak.pem
run "$VTPMCTL" quote vm-alpha --nonce 0011223344556677 -o /tmp/alpha.quote
run "$VTPMCTL" verify-quote /tmp/alpha.quote --nonce 0011223344556677 --ak /tmp/ak.pem

say "What tpmmux counted for each VM"
for vm in "${VMS[@]}"; do
	run "$VTPMCTL" show "$vm"
done

say "A VM may not change the shared chip: TPM2_Clear is refused"
run_refused tpm2_clear -T "$(tcti vm-alpha)"
run "$VTPMCTL" show vm-alpha

say "The host's own TPM users keep working"
cmdline "tpm2_getcap -T device:/dev/tpmrm0 properties-variable | sed -n 1,12p"
out=$(tpm2_getcap -T device:/dev/tpmrm0 properties-variable) ||
	fail "tpm2_getcap properties-variable on the host's /dev/tpmrm0 failed"
printf '%s\n' "$out" | sed -n 1,12p
run tpm2_getrandom -T device:/dev/tpmrm0 --hex 16
echo

say "Giving vm-alpha's vTPM to a QEMU VM"
run "$VTPMCTL" qemu-args vm-alpha

say "Tear down: destroying a vTPM flushes and zeroes all it had"
for vm in "${VMS[@]}"; do
	run "$VTPMCTL" destroy "$vm"
done
CREATED=()
run "$VTPMCTL" list
rm -f /tmp/alpha.ctx /tmp/beta.ctx

say "Unload"
if [ "$LOADED_HERE" = 1 ]; then
	run rmmod tpmmux
	echo "tpmmux unloaded; demo done."
else
	echo "tpmmux was loaded before the demo: left loaded; demo done."
fi
