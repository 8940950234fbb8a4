/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hauth.h - virtual hierarchy authorization.
 *
 * Each VM has its own ownerAuth, endorsementAuth and lockoutAuth (empty
 * at create).  A guest's authorization of TPM_RH_OWNER, _ENDORSEMENT or
 * _LOCKOUT is checked against the VM's value; on the way to the chip the
 * password, or the HMAC of an unsalted, unbound HMAC session, is replaced
 * by one made with the host's real value, and the response HMAC is made
 * again with the VM's.  HierarchyChangeAuth changes only the VM's value.
 * See Documentation/keysep.rst ("Virtual hierarchy authorization").
 *
 * Pure logic (see pure.h): hashes come from the caller.
 */
#ifndef _TPMMUX_HAUTH_H
#define _TPMMUX_HAUTH_H

#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"

/* The longest authorization value kept (a SHA-512 digest) */
#define HAUTH_MAX_AUTH		64
/* HMAC sessions whose nonceTPM one VM's tracker follows */
#define HAUTH_MAX_SESSIONS	8

/*
 * What a hierarchy authorization that cannot be virtualized is answered
 * with (a salted, bound or policy session, parameter encryption, ... while
 * the VM's or the host's value is not empty): the code vpcr.c gives HMAC
 * and policy sessions on PCRs, 0x74012F.
 */
#define TPMMUX_RC_AUTH_UNSUPPORTED	(TPMMUX_RC_LAYER | TPM_RC_AUTH_UNAVAILABLE)

/* The virtualized hierarchies: index of struct hauth_vm.auth */
enum hauth_slot {
	HAUTH_OWNER,
	HAUTH_ENDORSEMENT,
	HAUTH_LOCKOUT,
	HAUTH_NR,
};

/**
 * struct hauth_value - an authorization value, trailing zeros removed
 * @size:	bytes of @buf used (0: empty)
 * @buf:	the value
 */
struct hauth_value {
	u16 size;
	u8 buf[HAUTH_MAX_AUTH];
};

/**
 * struct hauth_session - an HMAC session of the VM whose nonces are followed
 * @handle:	the session's handle; 0: slot free
 * @plain:	unsalted, unbound, SHA-256: its HMAC key is the authValue
 *		alone, so tpmmux can check and make its HMACs
 * @nonce_size:	size of @nonce_tpm
 * @nonce_tpm:	the chip's last nonceTPM (nonceOlder of the next command)
 */
struct hauth_session {
	u32 handle;
	bool plain;
	u16 nonce_size;
	u8 nonce_tpm[TPM2_MAX_HASH_SIZE];
};

/**
 * struct hauth_vm - one VM's hierarchy authorization state
 * @auth:	ownerAuth, endorsementAuth, lockoutAuth (enum hauth_slot)
 * @ses:	HMAC sessions being followed
 */
struct hauth_vm {
	struct hauth_value auth[HAUTH_NR];
	struct hauth_session ses[HAUTH_MAX_SESSIONS];
};

/**
 * struct hauth_plan - what hauth_check() found in a command, for the
 *	dispatcher (hauth_apply(), hauth_response())
 * @cc:		the command code
 * @num_sessions: sessions in the command
 * @subst:	bit i: session i is a password for a hierarchy: replace it
 *		with the host's value of @slot[i]
 * @rekey:	bit i: session i is a plain HMAC session for a hierarchy:
 *		make its HMAC with the host's value of @slot[i], and the
 *		response's with the VM's
 * @slot:	enum hauth_slot of each session in @subst or @rekey
 * @handle:	each session's handle
 * @attrs:	each session's attributes
 * @nonce_size:	each session's nonceCaller size
 * @nonce:	each session's nonceCaller
 * @start_plain: StartAuthSession of a plain HMAC session
 * @flush:	FlushContext: the handle it flushes
 */
struct hauth_plan {
	u32 cc;
	u8 num_sessions;
	u8 subst;
	u8 rekey;
	u8 slot[TPM2_MAX_SESSIONS];
	u32 handle[TPM2_MAX_SESSIONS];
	u8 attrs[TPM2_MAX_SESSIONS];
	u16 nonce_size[TPM2_MAX_SESSIONS];
	u8 nonce[TPM2_MAX_SESSIONS][TPM2_MAX_HASH_SIZE];
	bool start_plain;
	u32 flush;
};

/**
 * struct hauth_ops - the hashes hauth needs
 * @sha256:	SHA-256 of @len bytes at @data into @out; 0 or -errno
 * @hmac_sha256: HMAC-SHA-256 with the @keylen bytes at @key (may be 0)
 */
struct hauth_ops {
	int (*sha256)(void *priv, const u8 *data, u32 len, u8 out[32]);
	int (*hmac_sha256)(void *priv, const u8 *key, u32 keylen,
			   const u8 *data, u32 len, u8 out[32]);
};

int hauth_slot_of(u32 handle);
void hauth_value_set(struct hauth_value *v, const u8 *buf, u32 len);
bool hauth_value_eq(const struct hauth_value *v, const u8 *buf, u32 len);
bool hauth_is_change_auth(const struct tpm2_cmd *cmd);
u32 hauth_change_auth(struct hauth_vm *vm, u8 *buf, u32 bufsize,
		      const struct tpm2_cmd *cmd, const struct hauth_ops *ops,
		      void *priv);
u32 hauth_check(struct hauth_vm *vm, u32 host_set, u8 *buf,
		const struct tpm2_cmd *cmd, const struct hauth_ops *ops,
		void *priv, struct hauth_plan *plan);
int hauth_apply(const struct hauth_vm *vm, const struct hauth_plan *plan,
		const struct hauth_value host[HAUTH_NR], u8 *buf, u32 *len,
		u32 bufsize, const struct tpm2_cmd *cmd,
		const struct hauth_ops *ops, void *priv);
int hauth_response(struct hauth_vm *vm, const struct hauth_plan *plan,
		   u8 *buf, u32 len,
		   const struct hauth_ops *ops, void *priv);

#endif /* _TPMMUX_HAUTH_H */
