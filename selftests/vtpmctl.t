#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtpmctl's command line, on the host (no module needed).
cd "$(dirname "$0")/.." || exit 1
V=tools/vtpmctl/vtpmctl
n=0 fails=0
t() { # t DESC WANT_RC GREP_STREAM GREP_PATTERN -- CMD...
	local desc=$1 want=$2 stream=$3 pat=$4; shift 5
	local out err rc
	out=$("$@" 2>/tmp/vtpmctl.t.$$); rc=$?; err=$(cat /tmp/vtpmctl.t.$$); rm -f /tmp/vtpmctl.t.$$
	n=$((n + 1))
	local text=$out; [ "$stream" = err ] && text=$err
	if [ "$rc" = "$want" ] && grep -q -- "$pat" <<<"$text"; then
		echo "ok $n - $desc"
	else
		fails=$((fails + 1)); echo "not ok $n - $desc"
		echo "# rc=$rc want=$want; stdout: $out"; echo "# stderr: $err"
	fi
}
t "--help lists the subcommands, exit 0" 0 out "create: Creates a vTPM" -- $V --help
t "help status shows its usage, exit 0" 0 out "Usage: .*vtpmctl status" -- $V help status
t "CMD --help shows its usage, exit 0" 0 out "Usage: .*vtpmctl create NAME" -- $V create --help
t "help of an unknown subcommand names it, exit 1" 1 err "invalid subcommand 'frob'" -- $V help frob
t "an unknown subcommand is named, exit 1" 1 err "invalid subcommand 'frob'" -- $V frob
t "no subcommand prints the usage, exit 1" 1 err "Usage:" -- $V
t "status with an extra argument names it, exit 1" 1 err "unexpected argument 'x'" -- $V status x
t "create with a bad name names it, exit 1" 1 err "invalid vTPM name 'a/b'" -- $V create a/b
t "create with a bad mode names it, exit 1" 1 err "invalid mode '999'" -- $V create x --mode 999
t "create with a bad uuid names it, exit 1" 1 err "invalid UUID 'nope'" -- $V create x --uuid nope
t "create with an unknown owner names it, exit 1" 1 err "invalid owner 'no-such-user-x'" -- $V create x --owner no-such-user-x
t "create with an unknown option names it, exit 1" 1 err "unknown option '--frob'" -- $V create x --frob
t "a missing option value is named, exit 1" 1 err "option '--uuid' needs a value" -- $V create x --uuid
if [ -e /dev/tpmmux ]; then
	n=$((n + 1)); echo "ok $n - # SKIP /dev/tpmmux exists on this host"
else
	t "status without the module says to load it, exit 1" 1 err "is the tpmmux module loaded" -- $V status
fi
t "the man page renders" 0 out "vtpmctl" -- man -l tools/vtpmctl/vtpmctl.8
echo "1..$n"
[ "$fails" = 0 ]
