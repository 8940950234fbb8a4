#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build hygiene, on the host: the module builds from a clean copy at W=1
# with zero warnings, checkpatch.pl and kernel-doc are clean, every
# non-static function has kernel-doc, the UAPI header has no implicit
# padding, vtpmctl builds warning-free, and dkms builds the module for
# the installed Debian kernel.
cd "$(dirname "$0")/.." || exit 1
root=$PWD
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "$l" | sed 's/^/# /'; done; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }

KDIR=${KDIR:-$(make -s --no-print-directory print-KDIR)}
KVER=${KVER:-$(make -s --no-print-directory print-KVER)}
echo "# KDIR=$KDIR KVER=$KVER"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A clean copy of the sources: what git tracks, plus new files not ignored.
copy_sources() {
	mkdir -p "$1"
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$1"
	else
		tar -C . --exclude='*.o' --exclude='*.ko' -cf - . | tar -C "$1" -xf -
	fi
}
src=$tmp/tree
copy_sources "$src"

log=$tmp/build.log
if make -C "$KDIR" M="$src" W=1 modules >"$log" 2>&1 && [ -f "$src/tpmmux/tpmmux.ko" ]; then
	ok "module builds from a clean copy at W=1"
else
	nok "module builds from a clean copy at W=1" "$(tail -n 20 "$log")"
fi
warnings=$(grep -c -i -E 'warning:|error:|undefined!' "$log")
if [ "$warnings" -eq 0 ]; then
	ok "W=1 build has zero warnings"
else
	nok "W=1 build has zero warnings ($warnings found)" "$(grep -i -E 'warning:|error:|undefined!' "$log")"
fi

make -s -C "$KDIR" M="$src" clean >/dev/null 2>&1
out=$(make -C "$KDIR" M="$src" C=2 W=1 modules 2>&1 | grep -E 'warning:|error:')
if [ -z "$out" ]; then
	ok "sparse (C=2) reports nothing"
else
	nok "sparse (C=2) reports nothing" "$out"
fi

out=$(tools/checkpatch 2>&1)
if [ -z "$out" ]; then
	ok "checkpatch.pl is clean on tpmmux/ and the UAPI header"
else
	nok "checkpatch.pl is clean on tpmmux/ and the UAPI header" "$out"
fi

srcs=$(ls tpmmux/*.[ch] | grep -v '\.mod\.c$')
out=$(perl "$KDIR/scripts/kernel-doc" -none $srcs include/uapi/linux/tpmmux.h 2>&1)
if [ -z "$out" ]; then
	ok "kernel-doc parses every doc comment without a warning"
else
	nok "kernel-doc parses every doc comment without a warning" "$out"
fi

# Every non-static function defined in tpmmux/*.c has a /** comment.
out=$(awk '
	/^\/\*\*/ { doc = 1 }
	/^[a-z].*[a-z0-9_]+\(/ && !/^static/ && !/;$/ && FILENAME !~ /_test/ {
		if (!doc) print FILENAME ":" FNR ": no kernel-doc: " $0
	}
	/^}/ { doc = 0 }
	/^(static|#)/ { doc = 0 }
' $(ls tpmmux/*.c | grep -v '\.mod\.c$'))
if [ -z "$out" ]; then
	ok "every non-static function in tpmmux/ has kernel-doc"
else
	nok "every non-static function in tpmmux/ has kernel-doc" "$out"
fi

cat >"$tmp/uapi.c" <<'EOF'
#include <linux/tpmmux.h>
struct tpmmux_version v;
struct tpmmux_chip_info c;
EOF
out=$(gcc -c -std=c99 -Wall -Wextra -Wpadded -Werror -Iinclude/uapi "$tmp/uapi.c" -o "$tmp/uapi.o" 2>&1)
check "the UAPI header compiles alone with no implicit padding (-Wpadded)" [ -z "$out" ]

out=$(make -s -C tools/vtpmctl clean 2>&1; make -s -C tools/vtpmctl CFLAGS="-O2 -Wall -Wextra -Werror" 2>&1)
check "vtpmctl builds with -Wall -Wextra -Werror" [ -z "$out" ]
make -s -C tools/vtpmctl clean >/dev/null 2>&1
make -s -C tools/vtpmctl >/dev/null 2>&1

# dkms, in a private tree so the host's dkms state is not touched.
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
mkdir -p "$tmp/dkms" "$tmp/src"
copy_sources "$tmp/src/tpmmux-$ver"
dlog=$tmp/dkms.log
if dkms build tpmmux/"$ver" -k "$KVER" --dkmstree "$tmp/dkms" --sourcetree "$tmp/src" \
	>"$dlog" 2>&1 && dkms_ko=$(find "$tmp/dkms" -name 'tpmmux.ko*' | head -n 1) && [ -n "$dkms_ko" ]; then
	ok "dkms build tpmmux/$ver for $KVER succeeds (dkms.conf is accepted)"
	vm=$(modinfo -F vermagic "$dkms_ko" | cut -d' ' -f1)
	check "the dkms-built module is for $KVER (vermagic $vm)" [ "$vm" = "$KVER" ]
else
	nok "dkms build tpmmux/$ver for $KVER succeeds (dkms.conf is accepted)" "$(tail -n 30 "$dlog")"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
