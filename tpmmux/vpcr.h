/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vpcr.h - per-VM virtual PCR banks.
 *
 * Each VM has PCRs of its own, answered by tpmmux: PCR_Extend, PCR_Event,
 * PCR_Read, PCR_Reset and PCR_Allocate never reach the chip, and the
 * chip's PCRs are never read or changed by a VM.  The banks behave as the
 * TCG reference implementation (libtpms) does with the PC Client profile:
 * 24 PCRs; PCR 17-22 start as all ones, the others as zero; PCR 16 and 23
 * are the only ones a locality-0 guest may reset.  See
 * Documentation/vpcr.rst.
 *
 * Pure logic (see pure.h): builds in the kernel module and in userspace
 * unit tests and fuzzers.  Hashing is the caller's (struct vpcr_hash_ops):
 * the kernel glue uses crypto_shash, the tests OpenSSL.  A struct vpcr is
 * not locked: its owner serializes every call.
 */
#ifndef _TPMMUX_VPCR_H
#define _TPMMUX_VPCR_H

#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"

#ifdef __KERNEL__
#include <linux/slab.h>

/* A zeroed allocation that may sleep; NULL on failure. */
static inline void *vpcr_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

/* Zero and free what vpcr_zalloc() returned (NULL is fine). */
static inline void vpcr_free_sensitive(void *ptr, size_t size)
{
	kfree_sensitive(ptr);
}

#else /* userspace */

#include <stdlib.h>

static inline void *vpcr_zalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

static inline void vpcr_free_sensitive(void *ptr, size_t size)
{
	if (!ptr)
		return;
	memset(ptr, 0, size);
	/* the compiler must assume the zeroed bytes are read */
	__asm__ __volatile__("" : : "r" (ptr) : "memory");
	free(ptr);
}

#endif /* __KERNEL__ */

/* PCRs per bank (PC Client: IMPLEMENTATION_PCR) */
#define VPCR_NUM_PCRS			24
/* sizeofSelect of every TPMS_PCR_SELECTION: PCR_SELECT_MIN == MAX == 3 */
#define VPCR_SELECT_SIZE		3

/*
 * Banks (hash algorithms), in the order the TPM lists them (by algorithm
 * identifier): the implemented set is given to vpcr_new(), and so is the
 * set allocated ("active") at the first start.
 */
#define VPCR_BANK_SHA1			0x01
#define VPCR_BANK_SHA256		0x02
#define VPCR_BANK_SHA384		0x04
#define VPCR_BANK_SHA512		0x08
#define VPCR_BANK_SM3			0x10
#define VPCR_BANKS_ALL			0x1f

/*
 * The answer to a PCR command (or a GetCapability for PCR data) that
 * carries an HMAC or policy session.  Such a session lives on the
 * physical TPM (or nowhere): tpmmux cannot check its HMAC, cannot compute
 * the response HMAC or roll its nonces, cannot evaluate a policy for a
 * PCR that exists only in tpmmux, and the physical TPM cannot check a
 * session against a virtual PCR.  Only password sessions (TPM_RS_PW) are
 * verified here: a PCR's authValue is empty.  The code is
 * TPM_RC_AUTH_UNAVAILABLE ("authValue or authPolicy is not available
 * for the selected entity"), format zero (no session number), in
 * tpmmux's own layer so that it is never taken for the chip's.
 */
#define VPCR_RC_AUTH_UNSUPPORTED	(TPMMUX_RC_LAYER | TPM_RC_AUTH_UNAVAILABLE)

/* The largest response vpcr_run() or vpcr_getcap() builds is below this. */
#define VPCR_MAX_RESPONSE		1024

struct vpcr;

/**
 * struct vpcr_hash_ops - how a vpcr hashes
 * @digest: hash @len bytes at @data with @alg (TPM2_ALG_SHA1, _SHA256,
 *	_SHA384, _SHA512 or _SM3_256: only those of the banks given to
 *	vpcr_new()) into @out, which has room for the digest (at most
 *	TPM2_MAX_HASH_SIZE bytes).  @data may be NULL when @len is 0.
 *	Return 0, or a negative errno (vpcr_run() then returns it).
 */
struct vpcr_hash_ops {
	int (*digest)(void *priv, u16 alg, const u8 *data, u32 len, u8 *out);
};

struct vpcr *vpcr_new(u32 banks, u32 active);
void vpcr_free(struct vpcr *v);
void vpcr_set_locality(struct vpcr *v, u8 locality);
u32 vpcr_shutdown(struct vpcr *v, bool state);
u32 vpcr_startup(struct vpcr *v, bool clear);
bool vpcr_handles(const struct tpm2_cmd *cmd);
int vpcr_run(struct vpcr *v, const struct vpcr_hash_ops *ops, void *priv,
	     u8 *buf, u32 bufsize, const struct tpm2_cmd *cmd, u32 *rsp_len);
int vpcr_getcap(struct vpcr *v, u8 *buf, u32 bufsize,
		const struct tpm2_cmd *cmd, u32 *rsp_len, bool *handled);
void vpcr_getcap_fixup(const struct vpcr *v, u8 *rsp, u32 rsp_len);
int vpcr_read(const struct vpcr *v, u16 alg, u32 pcr, u8 *out);
u32 vpcr_update_counter(const struct vpcr *v);
u32 vpcr_active_banks(const struct vpcr *v);

#endif /* _TPMMUX_VPCR_H */
