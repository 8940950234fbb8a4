#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP wrapper so that prove can include the fuzz smoke test:
#	prove selftests/fuzz/fuzz.t
# Runs `make -C selftests/fuzz smoke`, about 30 s in all (SMOKE_SECONDS,
# shared among the fuzzers).

cd "$(dirname "$0")" || exit 1
echo "1..1"
if ! command -v "${CLANG:-clang}" >/dev/null 2>&1; then
	echo "ok 1 # SKIP ${CLANG:-clang} not found"
	exit 0
fi
n=$(ls fuzz_*.c 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || n=1
secs=$(( ${SMOKE_SECONDS:-30} / n ))
[ "$secs" -gt 0 ] || secs=1
if out=$(make --no-print-directory smoke FUZZ_SECONDS="$secs" 2>&1); then
	echo "$out" | sed 's/^/# /'
	echo "ok 1 - fuzz smoke (${secs} s per fuzzer)"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok 1 - fuzz smoke (${secs} s per fuzzer)"
	exit 1
fi
