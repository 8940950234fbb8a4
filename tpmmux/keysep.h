/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keysep.h - key separation between the VMs that share one TPM.
 *
 * Handle isolation (space.c) is not enough on a shared chip:
 *  - a primary key is derived from the hierarchy's seed and the template,
 *    so the same CreatePrimary template gives the same key in every VM
 *    and on the host;
 *  - a TPMS_CONTEXT that ContextSave gave one VM loads in any other VM
 *    (the chip protects it with a key of the hierarchy, shared by all).
 * keysep makes both per VM: the template's unique field is replaced by a
 * MAC of the template keyed by the VM's secret, and every context the
 * guest saves carries a MAC keyed by the VM's key that is checked and
 * removed before the chip sees the context again.
 * See Documentation/keysep.rst.
 *
 * Pure logic (see pure.h): the HMAC comes from the caller (crypto
 * "hmac(sha256)" in the kernel, OpenSSL in the tests).  Nothing here
 * allocates, sleeps, or reads outside the buffer it is given.
 */
#ifndef _TPMMUX_KEYSEP_H
#define _TPMMUX_KEYSEP_H

#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"

/* Bytes of a VM's secret and key, and of an HMAC-SHA256 */
#define KEYSEP_KEY_SIZE		32
#define KEYSEP_MAC_SIZE		32
/* What a sealed context adds to the contextBlob */
#define KEYSEP_CONTEXT_OVERHEAD	KEYSEP_MAC_SIZE
/* Bytes of the unique value written into a template (at most) */
#define KEYSEP_UNIQUE_SIZE	32

/**
 * struct keysep_ops - the crypto keysep needs
 * @hmac_sha256:	HMAC-SHA256 of @len bytes at @data with the @keylen
 *			bytes at @key, into @out; 0, or a negative errno.
 *			@data may be any bytes of the caller's buffer.
 */
struct keysep_ops {
	int (*hmac_sha256)(void *priv, const u8 *key, u32 keylen,
			   const u8 *data, u32 len, u8 out[KEYSEP_MAC_SIZE]);
};

int keysep_create_primary(u8 *buf, u32 *len, u32 bufsize,
			  const struct tpm2_cmd *cmd,
			  const u8 vm_secret[KEYSEP_KEY_SIZE],
			  const struct keysep_ops *ops, void *priv,
			  u32 *tpm_rc);
int keysep_seal_context(u8 *rsp, u32 *len, u32 bufsize,
			const u8 vm_key[KEYSEP_KEY_SIZE],
			const struct keysep_ops *ops, void *priv);
int keysep_open_context(u8 *cmd, u32 *len, const struct tpm2_cmd *c,
			const u8 vm_key[KEYSEP_KEY_SIZE],
			const struct keysep_ops *ops, void *priv,
			u32 *tpm_rc);

#endif /* _TPMMUX_KEYSEP_H */
