#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the test-VM harness selftests/vm/run itself, as TAP for prove:
#
#   prove -v selftests/harness.t
#
# Five VM boots (two of them at once); checks that share a boot share it,
# but every TAP line states one fact.

set -u

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." || exit 1
PROJECT=$(pwd -P)
RUN=selftests/vm/run
WARNMOD=selftests/vm/warnmod

# Every run's temp dir goes under a directory of our own, so the leftover
# check is not confused by other runs on this machine.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tpmmux-harness.XXXXXX") || exit 1
OUT=$(mktemp -d "${TMPDIR:-/tmp}/tpmmux-harness-out.XXXXXX") || exit 1
trap 'rm -rf "$TEST_TMP" "$OUT"' EXIT
export TMPDIR=$TEST_TMP

N=0
FAILED=0

# tap STATUS DESCRIPTION [FILE...]: one TAP line; on failure the files
# (a run's output) follow as diagnostics.
tap() {
	local st=$1 desc=$2 f
	shift 2
	N=$((N + 1))
	if [ "$st" = 0 ]; then
		echo "ok $N - $desc"
	else
		echo "not ok $N - $desc"
		FAILED=$((FAILED + 1))
		for f in "$@"; do
			echo "# --- $f (without # dmesg lines; last 30) ---"
			grep -v '^# dmesg: ' "$f" | tail -n 30 | sed 's/^/#   /'
		done
	fi
}

echo "1..15"

if ! [ -f "$WARNMOD/tpmmux_warn_test.ko" ] ||
	[ "$WARNMOD/tpmmux_warn_test.c" -nt "$WARNMOD/tpmmux_warn_test.ko" ]; then
	make -C "$WARNMOD" >"$OUT/warnmod-build" 2>&1 || {
		echo "# building $WARNMOD failed:"
		sed 's/^/#   /' "$OUT/warnmod-build"
	}
fi

start=$EPOCHREALTIME

# Boots 1 and 2, at the same time: default TPM (crb) and tis.
"$RUN" -- true >"$OUT/true" 2>&1 &
pid_true=$!
"$RUN" --tpm tis -- sh -c 'echo hello-from-vm; ls -l /dev/tpm0 /dev/tpmrm0' \
	>"$OUT/tis.stdout" 2>"$OUT/tis.stderr" &
pid_tis=$!
wait "$pid_true"
rc_true=$?
wait "$pid_tis"
rc_tis=$?
cat "$OUT/tis.stdout" "$OUT/tis.stderr" >"$OUT/tis"

# Boot 3: default TPM, exit status 7.
# shellcheck disable=SC2016 # $(pwd) is for the shell inside the VM
"$RUN" -- sh -c 'echo "cwd=$(pwd)"; ls -l /dev/tpm0 /dev/tpmrm0; exit 7' >"$OUT/crb" 2>&1
rc_crb=$?

# Boot 4: no TPM, exit status 1.
"$RUN" --tpm none -- sh -c 'if [ -e /dev/tpm0 ]; then echo tpm0-present; else echo no-tpm0; fi; false' \
	>"$OUT/none" 2>&1
rc_none=$?

# Boot 5: a module that WARNs on load; insmod itself succeeds.
"$RUN" -- sh -c "insmod $WARNMOD/tpmmux_warn_test.ko && echo insmod-succeeded" >"$OUT/warn" 2>&1
rc_warn=$?

end=$EPOCHREALTIME

tap "$([ "$rc_true" = 0 ]; echo $?)" "run -- true exits 0 (got $rc_true)" "$OUT/true"
tap "$([ "$rc_none" = 1 ]; echo $?)" "a command that exits 1 (sh -c '...; false') makes run exit 1 (got $rc_none)" "$OUT/none"
tap "$([ "$rc_crb" = 7 ]; echo $?)" "a command that exits 7 (sh -c '...; exit 7') makes run exit 7 (got $rc_crb)" "$OUT/crb"
tap "$(grep -qx hello-from-vm "$OUT/tis.stdout"; echo $?)" "the command's output arrives on stdout (hello-from-vm)" "$OUT/tis"
tap "$(grep -q '^# dmesg: ' "$OUT/tis.stderr" && ! grep -q '^# dmesg: ' "$OUT/tis.stdout"; echo $?)" \
	"the kernel log goes to stderr as '# dmesg: ' lines, not to stdout" "$OUT/tis"
tap "$(grep -qx "cwd=$PROJECT" "$OUT/crb"; echo $?)" "the command runs in the project directory $PROJECT" "$OUT/crb"
tap "$(grep -q '^c.* /dev/tpm0$' "$OUT/crb"; echo $?)" "/dev/tpm0 is a character device with the default (crb) TPM" "$OUT/crb"
tap "$(grep -q '^c.* /dev/tpmrm0$' "$OUT/crb"; echo $?)" "/dev/tpmrm0 is a character device with the default (crb) TPM" "$OUT/crb"
tap "$(grep -qx insmod-succeeded "$OUT/warn"; echo $?)" "insmod of the warnmod module succeeds inside the VM" "$OUT/warn"
tap "$([ "$rc_warn" = 125 ]; echo $?)" "a WARNING in the kernel log makes run exit 125 (got $rc_warn)" "$OUT/warn"
tap "$(grep -q '^# vm: kernel log has a WARNING.*tpmmux_warn_test' "$OUT/warn"; echo $?)" \
	"run names the warning (# vm: kernel log has a WARNING ... tpmmux_warn_test)" "$OUT/warn"
tap "$(grep -qx no-tpm0 "$OUT/none"; echo $?)" "--tpm none: no /dev/tpm0 inside the VM" "$OUT/none"
tap "$(grep -q '^c.* /dev/tpm0$' "$OUT/tis"; echo $?)" "--tpm tis: /dev/tpm0 is a character device" "$OUT/tis"
tap "$([ "$rc_true" = 0 ] && [ "$rc_tis" = 0 ]; echo $?)" \
	"two runs started at once both exit 0 (got $rc_true and $rc_tis)" "$OUT/true" "$OUT/tis"

# Nothing left behind: no temp dir under our TMPDIR, no swtpm or QEMU that
# was started for one of our runs.
sleep 0.2
left_dirs=$(find "$TEST_TMP" -mindepth 1 -maxdepth 1 | wc -l)
left_procs=$(pgrep -f -- "$TEST_TMP/" | wc -l)
echo "# leftover temp dirs: $left_dirs, leftover swtpm/qemu processes: $left_procs"
[ "$left_procs" = 0 ] || ps -o pid,stat,args -p "$(pgrep -d, -f -- "$TEST_TMP/")" | sed 's/^/#   /'
tap "$([ "$left_dirs" = 0 ] && [ "$left_procs" = 0 ]; echo $?)" \
	"no temp dir and no swtpm/QEMU process is left after the runs"

awk -v a="$start" -v b="$end" 'BEGIN { printf "# 5 VM boots took %.1f s\n", b - a }'
[ "$FAILED" = 0 ]
