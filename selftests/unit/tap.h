/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a tiny Test Anything Protocol helper for tpmmux's C unit tests.
 *
 *	plan(n);			optional: "1..n" up front
 *	ok(cond, fmt, ...);		"ok N - name" / "not ok N - name"
 *	is_int(got, want, fmt, ...);	ok(got == want), and on failure
 *					"# got: ... want: ..."
 *	is_hex(got, want, fmt, ...);	the same, printed in hex
 *	diag(fmt, ...);			"# ..." on stdout
 *	return done_testing();		prints the plan if none was given,
 *					a summary; returns 1 if any test
 *					failed or the count is off, else 0
 *
 * Header-only: each test program includes it once.
 */
#ifndef _TPMMUX_TAP_H
#define _TPMMUX_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_planned = -1;
static int tap_run;
static int tap_failed;

static inline void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void tap_vdiag(const char *fmt, va_list ap)
{
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
}

static inline __attribute__((format(printf, 1, 2)))
void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static inline int tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static inline __attribute__((format(printf, 2, 3)))
int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

static inline __attribute__((format(printf, 3, 4)))
int is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!r)
		diag("got: %lld want: %lld", got, want);
	return r;
}

static inline __attribute__((format(printf, 3, 4)))
int is_hex(unsigned long long got, unsigned long long want,
	   const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!r)
		diag("got: 0x%llx want: 0x%llx", got, want);
	return r;
}

static inline int done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	if (tap_failed)
		diag("failed %d of %d tests", tap_failed, tap_run);
	fflush(stdout);
	return tap_failed || (tap_planned >= 0 && tap_planned != tap_run);
}

#endif /* _TPMMUX_TAP_H */
