/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pure.h - the small environment that tpmmux's pure-logic files build in.
 *
 * The TPM2 command parser, the virtual PCR bank, the scheduler's policy and
 * the CRB/TIS register state machines are plain C that never sleeps, never
 * allocates and never touches the hardware.  They include this header and
 * nothing else, so the same source builds into the kernel module and into
 * userspace unit tests and fuzzers (selftests/unit, selftests/fuzz).
 */
#ifndef _TPMMUX_PURE_H
#define _TPMMUX_PURE_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
/* Kbuild defines this where <asm/unaligned.h> moved (Linux 6.12). */
#ifdef TPMMUX_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#else /* userspace */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

static inline u16 get_unaligned_be16(const void *p)
{
	const u8 *b = p;

	return (u16)((b[0] << 8) | b[1]);
}

static inline u32 get_unaligned_be32(const void *p)
{
	const u8 *b = p;

	return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3];
}

static inline u64 get_unaligned_be64(const void *p)
{
	const u8 *b = p;

	return ((u64)get_unaligned_be32(b) << 32) | get_unaligned_be32(b + 4);
}

static inline void put_unaligned_be16(u16 v, void *p)
{
	u8 *b = p;

	b[0] = v >> 8;
	b[1] = v;
}

static inline void put_unaligned_be32(u32 v, void *p)
{
	u8 *b = p;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static inline void put_unaligned_be64(u64 v, void *p)
{
	put_unaligned_be32(v >> 32, p);
	put_unaligned_be32((u32)v, (u8 *)p + 4);
}

#endif /* __KERNEL__ */

/*
 * One aligned 32-bit store, little endian, for a page another party reads
 * concurrently (the register pages a VMM maps): never seen torn.
 */
static inline void pure_store_le32(u32 *p, u32 v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
#ifdef __KERNEL__
	WRITE_ONCE(*p, v);
#else
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
#endif
}

/*
 * One read of a byte of memory another party may change at any time (a
 * guest's buffer): the value checked is the value used, never a second
 * fetch.
 */
static inline u8 pure_load_u8(const u8 *p)
{
#ifdef __KERNEL__
	return READ_ONCE(*p);
#else
	return __atomic_load_n(p, __ATOMIC_RELAXED);
#endif
}

#endif /* _TPMMUX_PURE_H */
