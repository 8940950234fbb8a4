// SPDX-License-Identifier: GPL-2.0
/*
 * hauth.c - virtual hierarchy authorization (see hauth.h and
 * Documentation/keysep.rst).
 *
 * The chip checks an authorization of TPM_RH_OWNER, _ENDORSEMENT or
 * _LOCKOUT against the host's value.  A guest's is checked here against
 * the VM's own value and then made again with the host's:
 *
 *  - a password is compared in constant time, trailing zeros removed on
 *    both sides as the TPM does, and replaced by the host's value;
 *  - an unsalted, unbound HMAC session with SHA-256 (what tpm2-tools and
 *    tpm2-tss use by default) has the authValue alone as its HMAC key:
 *    its HMAC is checked with the VM's value (cpHash over the command as
 *    the guest sent it, the nonceTPM followed from the chip's responses)
 *    and made again with the host's value over the command as it goes to
 *    the chip; the response HMAC is made again with the VM's value;
 *  - anything else (salted or bound sessions, policy sessions, parameter
 *    encryption, another hash) cannot be re-keyed: it passes only when
 *    both values are empty, so the chip's check is the VM's, and never
 *    for the lockout hierarchy, whose failures lock the host's lockoutAuth.
 *
 * Pure logic: no allocation; the command is changed only within @bufsize.
 */
#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"
#include "hauth.h"

#define HAUTH_DIGEST		32	/* SHA-256 */
/* cpHash || nonceNewer || nonceOlder || sessionAttributes */
#define HAUTH_HMAC_DATA		(HAUTH_DIGEST + 2 * TPM2_MAX_HASH_SIZE + 1)

/**
 * hauth_slot_of() - the virtual hierarchy a handle names
 * @handle: a handle from a command's handle area
 *
 * Return: HAUTH_OWNER, HAUTH_ENDORSEMENT, HAUTH_LOCKOUT, or -1.
 */
int hauth_slot_of(u32 handle)
{
	switch (handle) {
	case TPM_RH_OWNER:
		return HAUTH_OWNER;
	case TPM_RH_ENDORSEMENT:
		return HAUTH_ENDORSEMENT;
	case TPM_RH_LOCKOUT:
		return HAUTH_LOCKOUT;
	default:
		return -1;
	}
}

static u32 hauth_strip(const u8 *buf, u32 len)
{
	while (len && !buf[len - 1])
		len--;
	return len;
}

/**
 * hauth_value_set() - set an authorization value, trailing zeros removed
 * @v: the value
 * @buf: the new value
 * @len: its length; more than HAUTH_MAX_AUTH bytes are cut (callers check)
 */
void hauth_value_set(struct hauth_value *v, const u8 *buf, u32 len)
{
	len = hauth_strip(buf, len);
	if (len > HAUTH_MAX_AUTH)
		len = HAUTH_MAX_AUTH;
	memset(v, 0, sizeof(*v));
	if (len)
		memcpy(v->buf, buf, len);
	v->size = len;
}

/**
 * hauth_value_eq() - does a password match a value, in constant time?
 * @v: the value
 * @buf: the password
 * @len: its length, at most HAUTH_MAX_AUTH
 *
 * Trailing zeros are removed from the password, as the TPM does.  The
 * time taken depends on neither value's contents (only on @len).
 *
 * Return: true if they are equal.
 */
bool hauth_value_eq(const struct hauth_value *v, const u8 *buf, u32 len)
{
	u32 i, n = 0, diff;

	if (len > HAUTH_MAX_AUTH)
		return false;
	/* the stripped length, without a data-dependent early exit */
	for (i = 0; i < len; i++)
		n = buf[i] ? i + 1 : n;
	diff = n ^ v->size;
	for (i = 0; i < HAUTH_MAX_AUTH; i++)
		diff |= (i < len ? buf[i] : 0) ^ v->buf[i];
	return diff == 0;
}

static struct hauth_session *hauth_find(struct hauth_vm *vm, u32 handle)
{
	unsigned int i;

	for (i = 0; i < HAUTH_MAX_SESSIONS; i++)
		if (vm->ses[i].handle == handle && handle)
			return &vm->ses[i];
	return NULL;
}

static void hauth_forget(struct hauth_vm *vm, u32 handle)
{
	struct hauth_session *s = hauth_find(vm, handle);

	if (s)
		memset(s, 0, sizeof(*s));
}

/* What answers a wrong authorization of @slot by session @i (0-based). */
static u32 hauth_fail_rc(int slot, unsigned int i)
{
	/* Only lockoutAuth is DA-protected: owner and endorsement BAD_AUTH. */
	return tpm2_rc_session(slot == HAUTH_LOCKOUT ? TPM_RC_AUTH_FAIL :
			       TPM_RC_BAD_AUTH, i + 1);
}

/* Are all handles of @cmd named by their handle (permanent, PCR, session)? */
static bool hauth_names_known(const struct tpm2_cmd *cmd)
{
	unsigned int i;

	for (i = 0; i < cmd->num_handles; i++) {
		u8 ht = tpm2_handle_type(cmd->handle[i]);

		if (ht != TPM_HT_PERMANENT && ht != TPM_HT_PCR &&
		    ht != TPM_HT_HMAC_SESSION && ht != TPM_HT_POLICY_SESSION)
			return false;
	}
	return true;
}

/*
 * cpHash = SHA-256(commandCode || names || parameters).  The names (the
 * handles themselves, see hauth_names_known()) and the code are written
 * for a moment right before the parameters, over the end of the
 * authorization area, so that the hash runs over one range; the bytes are
 * put back afterwards.
 */
static int hauth_cphash(u8 *buf, const struct tpm2_cmd *cmd,
			const struct hauth_ops *ops, void *priv,
			u8 out[HAUTH_DIGEST])
{
	u32 pre = 4 + 4 * cmd->num_handles, start, i;
	u8 save[4 + 4 * TPM2_MAX_HANDLES];
	int rc;

	if (!cmd->auth_off || cmd->param_off - cmd->auth_off < pre)
		return -EINVAL;
	start = cmd->param_off - pre;
	memcpy(save, buf + start, pre);
	put_unaligned_be32(cmd->cc, buf + start);
	for (i = 0; i < cmd->num_handles; i++)
		put_unaligned_be32(cmd->handle[i], buf + start + 4 + 4 * i);
	rc = ops->sha256(priv, buf + start, pre + cmd->param_size, out);
	memcpy(buf + start, save, pre);
	return rc;
}

/* HMAC-SHA-256(key, digest || n1 || n2 || attrs) */
static int hauth_hmac(const struct hauth_value *key, const u8 *digest,
		      const u8 *n1, u16 n1_size, const u8 *n2, u16 n2_size,
		      u8 attrs, const struct hauth_ops *ops, void *priv,
		      u8 out[HAUTH_DIGEST])
{
	u8 data[HAUTH_HMAC_DATA];
	u32 len = 0;
	int rc;

	if (n1_size > TPM2_MAX_HASH_SIZE || n2_size > TPM2_MAX_HASH_SIZE)
		return -EINVAL;
	memcpy(data, digest, HAUTH_DIGEST);
	len = HAUTH_DIGEST;
	memcpy(data + len, n1, n1_size);
	len += n1_size;
	memcpy(data + len, n2, n2_size);
	len += n2_size;
	data[len++] = attrs;
	rc = ops->hmac_sha256(priv, key->buf, key->size, data, len, out);
	memset(data, 0, sizeof(data));
	return rc;
}

static bool hauth_ct_eq(const u8 *a, const u8 *b, u32 n)
{
	u8 diff = 0;
	u32 i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

/* Can session @i of @cmd be checked and re-keyed here? */
static struct hauth_session *hauth_plain(struct hauth_vm *vm,
					 const struct tpm2_cmd *cmd,
					 unsigned int i)
{
	const struct tpm2_cmd_session *s = &cmd->session[i];
	struct hauth_session *hs;
	unsigned int k;

	if (tpm2_handle_type(s->handle) != TPM_HT_HMAC_SESSION)
		return NULL;
	hs = hauth_find(vm, s->handle);
	if (!hs || !hs->plain || hs->nonce_size != HAUTH_DIGEST ||
	    s->hmac_size != HAUTH_DIGEST || !hauth_names_known(cmd))
		return NULL;
	/* parameter encryption would be keyed with the authValue too */
	for (k = 0; k < cmd->num_sessions; k++)
		if (cmd->session[k].attrs &
		    (TPMA_SESSION_DECRYPT | TPMA_SESSION_ENCRYPT))
			return NULL;
	return hs;
}

#define HAUTH_PASS	0	/* to the chip unchanged */
#define HAUTH_SUBST	1	/* a password: replace it */
#define HAUTH_REKEY	2	/* a plain HMAC session: make it again */

/*
 * Check session @i's authorization of hierarchy @slot against the VM's
 * value.  Return: 0 with *@kind set, or what to answer the guest.
 */
static u32 hauth_verify(struct hauth_vm *vm, u32 host_set, u8 *buf,
			const struct tpm2_cmd *cmd, unsigned int i, int slot,
			const struct hauth_ops *ops, void *priv, int *kind)
{
	const struct tpm2_cmd_session *s = &cmd->session[i];
	const struct hauth_value *v = &vm->auth[slot];
	struct hauth_session *hs;
	u8 cp[HAUTH_DIGEST], mac[HAUTH_DIGEST];
	bool eq;

	if (s->handle == TPM_RS_PW) {
		if (!hauth_value_eq(v, buf + s->hmac_off, s->hmac_size))
			return hauth_fail_rc(slot, i);
		*kind = HAUTH_SUBST;
		return 0;
	}
	hs = hauth_plain(vm, cmd, i);
	if (hs) {
		if (hauth_cphash(buf, cmd, ops, priv, cp) ||
		    hauth_hmac(v, cp, buf + s->nonce_off, s->nonce_size,
			       hs->nonce_tpm, hs->nonce_size, s->attrs, ops,
			       priv, mac))
			return TPMMUX_RC_LAYER | TPM_RC_FAILURE;
		eq = hauth_ct_eq(mac, buf + s->hmac_off, HAUTH_DIGEST);
		memset(mac, 0, sizeof(mac));
		if (!eq)
			return hauth_fail_rc(slot, i);
		*kind = HAUTH_REKEY;
		return 0;
	}
	/* The chip would check it against the host's value: only if equal. */
	if (slot == HAUTH_LOCKOUT || v->size || (host_set & (1u << slot)))
		return TPMMUX_RC_AUTH_UNSUPPORTED;
	*kind = HAUTH_PASS;
	return 0;
}

/* StartAuthSession: is it a plain HMAC session?  Bound to a hierarchy? */
static u32 hauth_start(struct hauth_vm *vm, u32 host_set, const u8 *buf,
		       const struct tpm2_cmd *cmd, struct hauth_plan *plan)
{
	const u8 *p = buf + cmd->param_off, *d;
	u32 left = cmd->param_size, tpm_key = cmd->handle[0];
	u32 bind = cmd->handle[1];
	u16 n, sym, hash;
	u8 type;
	int slot = hauth_slot_of(bind);

	/* A session bound to a hierarchy has its authValue in its key. */
	if (slot == HAUTH_LOCKOUT ||
	    (slot >= 0 && (vm->auth[slot].size || (host_set & (1u << slot)))))
		return TPMMUX_RC_AUTH_UNSUPPORTED;
	/* nonceCaller, encryptedSalt, sessionType, symmetric, authHash */
	if (tpm2b_pull(&p, &left, &d, &n) || tpm2b_pull(&p, &left, &d, &n) ||
	    left < 3)
		return 0;	/* the chip says what is wrong */
	type = p[0];
	sym = get_unaligned_be16(p + 1);
	p += 3;
	left -= 3;
	/* keyBits and mode; XOR has a hash for keyBits and no mode */
	n = sym == TPM2_ALG_NULL ? 0 : sym == TPM2_ALG_XOR ? 2 : 4;
	if (left < n + 2u)
		return 0;
	hash = get_unaligned_be16(p + n);
	plan->start_plain = tpm_key == TPM_RH_NULL && bind == TPM_RH_NULL &&
			    type == 0x00 /* TPM_SE_HMAC */ &&
			    hash == TPM2_ALG_SHA256;
	return 0;
}

/**
 * hauth_check() - check a command's hierarchy authorizations
 * @vm: the VM's state
 * @host_set: bit (1 << slot) set for each hierarchy whose host value is
 *	not empty
 * @buf: the command; bytes are changed for a moment and put back
 * @cmd: @buf parsed
 * @ops: the hashes
 * @priv: for @ops
 * @plan: out: what hauth_apply() and hauth_response() do for it
 *
 * Return: 0 (the command may go to the chip, as @plan says), or a TPM
 * response code to answer the guest with: TPM_RC_BAD_AUTH (owner,
 * endorsement) or TPM_RC_AUTH_FAIL (lockout) + TPM_RC_S + the session,
 * as a TPM answers a wrong value; TPMMUX_RC_AUTH_UNSUPPORTED.
 */
u32 hauth_check(struct hauth_vm *vm, u32 host_set, u8 *buf,
		const struct tpm2_cmd *cmd, const struct hauth_ops *ops,
		void *priv, struct hauth_plan *plan)
{
	unsigned int i;
	int slot, kind;
	u32 rc;

	memset(plan, 0, sizeof(*plan));
	plan->cc = cmd->cc;
	plan->num_sessions = cmd->num_sessions;
	for (i = 0; i < cmd->num_sessions; i++) {
		const struct tpm2_cmd_session *s = &cmd->session[i];

		plan->handle[i] = s->handle;
		plan->attrs[i] = s->attrs;
		plan->nonce_size[i] = s->nonce_size;
		memcpy(plan->nonce[i], buf + s->nonce_off, s->nonce_size);
	}
	if (cmd->cc == TPM_CC_FlushContext && cmd->param_size == 4)
		plan->flush = get_unaligned_be32(buf + cmd->param_off);
	if (cmd->cc == TPM_CC_StartAuthSession)
		return hauth_start(vm, host_set, buf, cmd, plan);

	/* Session i authorizes handle i (Part 1, 16.1: handles that need an
	 * authorization come first).
	 */
	for (i = 0; i < cmd->num_sessions && i < cmd->num_handles; i++) {
		slot = hauth_slot_of(cmd->handle[i]);
		if (slot < 0)
			continue;
		rc = hauth_verify(vm, host_set, buf, cmd, i, slot, ops, priv,
				  &kind);
		if (rc)
			return rc;
		plan->slot[i] = slot;
		if (kind == HAUTH_SUBST)
			plan->subst |= 1u << i;
		else if (kind == HAUTH_REKEY)
			plan->rekey |= 1u << i;
	}
	return 0;
}

/**
 * hauth_apply() - put the host's values into a checked command
 * @vm: the VM's state
 * @plan: what hauth_check() found
 * @host: the host's values
 * @buf: the command, parsed as @cmd (maybe changed since hauth_check(),
 *	e.g. by keysep_create_primary(), and parsed again)
 * @len: in: its length; out: the new length
 * @bufsize: bytes available at @buf
 * @cmd: @buf parsed; stale when *@len changed (parse again)
 * @ops: the hashes
 * @priv: for @ops
 *
 * The HMACs of the plain sessions are made with the host's value over the
 * command as it is now; the passwords are replaced (the command grows or
 * shrinks; authorizationSize and commandSize follow).  The caller must
 * scrub the host's values out of @buf when the command is done.
 *
 * Return: 0, -ENOSPC (the command would outgrow @bufsize), or another
 * negative errno (hash failure).
 */
int hauth_apply(const struct hauth_vm *vm, const struct hauth_plan *plan,
		const struct hauth_value host[HAUTH_NR], u8 *buf, u32 *len,
		u32 bufsize, const struct tpm2_cmd *cmd,
		const struct hauth_ops *ops, void *priv)
{
	u8 cp[HAUTH_DIGEST];
	int i, rc = 0;
	u32 n = *len;

	/* The plan must be this command's (the sessions may not move). */
	if (plan->cc != cmd->cc || plan->num_sessions != cmd->num_sessions)
		return -EINVAL;
	for (i = 0; i < cmd->num_sessions; i++)
		if (((plan->subst | plan->rekey) & (1u << i)) &&
		    (i >= cmd->num_handles ||
		     hauth_slot_of(cmd->handle[i]) != plan->slot[i] ||
		     cmd->session[i].handle != plan->handle[i]))
			return -EINVAL;
	if (plan->rekey) {
		rc = hauth_cphash(buf, cmd, ops, priv, cp);
		if (rc)
			return rc;
	}
	for (i = 0; i < cmd->num_sessions; i++) {
		const struct tpm2_cmd_session *s = &cmd->session[i];
		const struct hauth_session *hs = NULL;
		unsigned int k;

		if (!(plan->rekey & (1u << i)))
			continue;
		for (k = 0; k < HAUTH_MAX_SESSIONS; k++)
			if (vm->ses[k].handle == s->handle && s->handle)
				hs = &vm->ses[k];
		if (!hs || s->hmac_size != HAUTH_DIGEST)
			return -EINVAL;
		rc = hauth_hmac(&host[plan->slot[i]], cp, buf + s->nonce_off,
				s->nonce_size, hs->nonce_tpm, hs->nonce_size,
				s->attrs, ops, priv, buf + s->hmac_off);
		if (rc)
			return rc;
	}
	/* From the last session back: earlier offsets stay valid. */
	for (i = cmd->num_sessions - 1; i >= 0; i--) {
		const struct tpm2_cmd_session *s = &cmd->session[i];
		const struct hauth_value *h = &host[plan->slot[i]];
		u32 end = s->hmac_off + s->hmac_size;
		s32 grow;

		if (!(plan->subst & (1u << i)))
			continue;
		grow = (s32)h->size - (s32)s->hmac_size;
		if (grow > 0 && n + grow > bufsize)
			return -ENOSPC;
		memmove(buf + end + grow, buf + end, n - end);
		memcpy(buf + s->hmac_off, h->buf, h->size);
		put_unaligned_be16(h->size, buf + s->hmac_off - 2);
		put_unaligned_be32(get_unaligned_be32(buf + cmd->auth_off) +
				   grow, buf + cmd->auth_off);
		n += grow;
		put_unaligned_be32(n, buf + 2);
	}
	*len = n;
	return 0;
}

/*
 * rpHash = SHA-256(responseCode || commandCode || parameters): the eight
 * bytes before the parameters (rHandle or responseCode, parameterSize)
 * are borrowed for a moment, as in hauth_cphash().
 */
static int hauth_rphash(u8 *buf, const struct tpm2_rsp *r, u32 cc,
			const struct hauth_ops *ops, void *priv,
			u8 out[HAUTH_DIGEST])
{
	u32 start = r->param_off - 8;
	u8 save[8];
	int rc;

	if (r->param_off < TPM2_HEADER_SIZE + 4)
		return -EINVAL;
	memcpy(save, buf + start, 8);
	put_unaligned_be32(0, buf + start);
	put_unaligned_be32(cc, buf + start + 4);
	rc = ops->sha256(priv, buf + start, 8 + r->param_size, out);
	memcpy(buf + start, save, 8);
	return rc;
}

/**
 * hauth_response() - follow a response's sessions, and re-key its HMACs
 * @vm: the VM's state
 * @plan: hauth_check()'s plan for the command
 * @buf: the chip's response to it
 * @len: its length
 * @ops: the hashes
 * @priv: for @ops
 *
 * Records the session a plain StartAuthSession started and its nonceTPM,
 * each followed session's new nonceTPM, and forgets sessions that end
 * (continueSession clear, FlushContext).  The HMAC of each response
 * session that hauth_apply() re-keyed is made again with the VM's value.
 *
 * Return: 0, -EIO (a success response that does not parse: it must not
 * reach the guest), or a hash failure.
 */
int hauth_response(struct hauth_vm *vm, const struct hauth_plan *plan,
		   u8 *buf, u32 len, const struct hauth_ops *ops, void *priv)
{
	struct tpm2_rsp r;
	u8 rp[HAUTH_DIGEST];
	const u8 *p, *nonce, *mac;
	u16 nonce_size, mac_size;
	u32 left, i;
	int rc;

	if (tpm2_rsp_parse(buf, len, plan->cc, &r))
		return plan->rekey ? -EIO : 0;
	if (r.rc)
		return 0;
	if (plan->cc == TPM_CC_FlushContext)
		hauth_forget(vm, plan->flush);
	if (plan->cc == TPM_CC_StartAuthSession && r.has_handle) {
		struct hauth_session *s = hauth_find(vm, r.handle);

		for (i = 0; !s && i < HAUTH_MAX_SESSIONS; i++)
			if (!vm->ses[i].handle)
				s = &vm->ses[i];
		if (!s)	/* full: the oldest entry goes */
			s = &vm->ses[0];
		memset(s, 0, sizeof(*s));
		p = buf + r.param_off;
		left = r.param_size;
		if (tpm2b_pull(&p, &left, &nonce, &nonce_size) ||
		    nonce_size > TPM2_MAX_HASH_SIZE)
			return 0;
		s->handle = r.handle;
		s->plain = plan->start_plain;
		s->nonce_size = nonce_size;
		memcpy(s->nonce_tpm, nonce, nonce_size);
		return 0;
	}
	if (r.tag != TPM_ST_SESSIONS || r.num_sessions != plan->num_sessions)
		return plan->rekey ? -EIO : 0;
	if (plan->rekey) {
		rc = hauth_rphash(buf, &r, plan->cc, ops, priv, rp);
		if (rc)
			return rc;
	}
	p = buf + r.auth_off;
	left = r.auth_size;
	for (i = 0; i < r.num_sessions; i++) {
		struct hauth_session *s = hauth_find(vm, plan->handle[i]);
		u8 attrs;

		if (tpm2b_pull(&p, &left, &nonce, &nonce_size) || left < 1)
			return -EIO;
		attrs = *p++;
		left--;
		if (tpm2b_pull(&p, &left, &mac, &mac_size))
			return -EIO;
		if (plan->rekey & (1u << i)) {
			if (mac_size != HAUTH_DIGEST)
				return -EIO;
			rc = hauth_hmac(&vm->auth[plan->slot[i]], rp, nonce,
					nonce_size, plan->nonce[i],
					plan->nonce_size[i], attrs, ops, priv,
					(u8 *)mac);
			if (rc)
				return rc;
		}
		if (!s)
			continue;
		if (!(plan->attrs[i] & TPMA_SESSION_CONTINUESESSION)) {
			memset(s, 0, sizeof(*s));
		} else if (nonce_size <= TPM2_MAX_HASH_SIZE) {
			s->nonce_size = nonce_size;
			memcpy(s->nonce_tpm, nonce, nonce_size);
		}
	}
	return 0;
}

/**
 * hauth_is_change_auth() - is this a HierarchyChangeAuth tpmmux answers?
 * @cmd: a parsed command
 *
 * Return: true for HierarchyChangeAuth of the owner, endorsement or
 * lockout hierarchy (the platform's stays refused).
 */
bool hauth_is_change_auth(const struct tpm2_cmd *cmd)
{
	return cmd->cc == TPM_CC_HierarchyChangeAuth &&
	       cmd->num_handles == 1 && hauth_slot_of(cmd->handle[0]) >= 0;
}

/**
 * hauth_change_auth() - answer a guest's HierarchyChangeAuth
 * @vm: the VM's state; the hierarchy's value changes on success
 * @buf: the command; the response replaces it
 * @bufsize: bytes at @buf (at least the command's length)
 * @cmd: @buf parsed; hauth_is_change_auth() is true
 * @ops: the hashes
 * @priv: for @ops
 *
 * The authorization (a password, or a plain HMAC session) is checked
 * against the VM's value; newAuth (trailing zeros removed, at most 64
 * bytes) becomes the VM's value.  A plain HMAC session's response carries
 * the chip's current nonceTPM again (the chip did not see the command)
 * and an HMAC made with the new value, as a TPM makes it.
 *
 * Return: the length of the response now in @buf.
 */
u32 hauth_change_auth(struct hauth_vm *vm, u8 *buf, u32 bufsize,
		      const struct tpm2_cmd *cmd, const struct hauth_ops *ops,
		      void *priv)
{
	int slot = hauth_slot_of(cmd->handle[0]), kind = HAUTH_PASS;
	const struct tpm2_cmd_session *s = &cmd->session[0];
	struct hauth_value newv;
	struct hauth_session *hs = NULL;
	u8 nonce_caller[TPM2_MAX_HASH_SIZE], attrs = s->attrs;
	u16 nonce_size = s->nonce_size, n;
	const u8 *p = buf + cmd->param_off, *d;
	u32 left = cmd->param_size, rc, off;
	u8 rp[HAUTH_DIGEST];
	struct tpm2_rsp r;

	if (cmd->tag != TPM_ST_SESSIONS)
		return tpm2_rsp_error(buf, bufsize, TPM_RC_AUTH_MISSING);
	/* one session: its response HMAC is the only one made here */
	if (cmd->num_sessions != 1)
		return tpm2_rsp_error(buf, bufsize, TPMMUX_RC_AUTH_UNSUPPORTED);
	rc = hauth_verify(vm, 0, buf, cmd, 0, slot, ops, priv, &kind);
	if (!rc && kind == HAUTH_PASS)
		rc = TPMMUX_RC_AUTH_UNSUPPORTED;	/* cannot be checked */
	if (rc)
		return tpm2_rsp_error(buf, bufsize, rc);
	if (tpm2b_pull(&p, &left, &d, &n))
		return tpm2_rsp_error(buf, bufsize,
				      tpm2_rc_param(TPM_RC_INSUFFICIENT, 1));
	if (n > HAUTH_MAX_AUTH && hauth_strip(d, n) > HAUTH_MAX_AUTH)
		return tpm2_rsp_error(buf, bufsize,
				      tpm2_rc_param(TPM_RC_SIZE, 1));
	if (left)
		return tpm2_rsp_error(buf, bufsize, TPM_RC_SIZE);
	hauth_value_set(&newv, d, n);
	if (kind == HAUTH_REKEY)
		hs = hauth_find(vm, s->handle);
	memcpy(nonce_caller, buf + s->nonce_off, nonce_size);
	vm->auth[slot] = newv;
	memset(&newv, 0, sizeof(newv));

	/* tag, size, rc, parameterSize 0, then one session */
	off = TPM2_HEADER_SIZE;
	put_unaligned_be16(TPM_ST_SESSIONS, buf);
	put_unaligned_be32(0, buf + 6);
	put_unaligned_be32(0, buf + off);
	off += 4;
	if (hs) {
		put_unaligned_be16(hs->nonce_size, buf + off);
		memcpy(buf + off + 2, hs->nonce_tpm, hs->nonce_size);
		off += 2 + hs->nonce_size;
		buf[off++] = attrs;
		put_unaligned_be16(HAUTH_DIGEST, buf + off);
		off += 2 + HAUTH_DIGEST;
	} else {
		put_unaligned_be16(0, buf + off);
		buf[off + 2] = TPMA_SESSION_CONTINUESESSION;
		put_unaligned_be16(0, buf + off + 3);
		off += 5;
	}
	put_unaligned_be32(off, buf + 2);
	memset(buf + off, 0, cmd->size > off ? cmd->size - off : 0);
	if (hs) {
		if (tpm2_rsp_parse(buf, off, cmd->cc, &r) ||
		    hauth_rphash(buf, &r, cmd->cc, ops, priv, rp) ||
		    hauth_hmac(&vm->auth[slot], rp, hs->nonce_tpm,
			       hs->nonce_size, nonce_caller, nonce_size,
			       attrs, ops, priv, buf + off - HAUTH_DIGEST))
			return tpm2_rsp_error(buf, bufsize,
					      TPMMUX_RC_LAYER | TPM_RC_FAILURE);
		if (!(attrs & TPMA_SESSION_CONTINUESESSION))
			memset(hs, 0, sizeof(*hs));
	}
	return off;
}
