// SPDX-License-Identifier: GPL-2.0
/*
 * keysep.c - per-VM primary keys and per-VM contexts on a shared TPM.
 *
 * Primary keys.  TPM2_CreatePrimary derives the key from the hierarchy's
 * primary seed with a DRBG whose other input is the template: Part 1,
 * "Primary Key Generation" (and the reference code's CreatePrimary, which
 * instantiates the DRBG with the seed and the Name of the public area,
 * that is nameAlg || H(TPMT_PUBLIC), unique included).  The unique field
 * is there for exactly this purpose: callers put what they like in it to
 * get a different key from the same seed.  So rewriting unique to a value
 * only one VM can produce, HMAC(vm_secret, "tpmmux-primary" || template ||
 * hierarchy), gives every VM its own SRK, EK and NULL-hierarchy keys, the
 * same ones every time, while the guest's template (algorithms,
 * attributes, policy) is used as it is.  No guest can name the host's
 * template (or another VM's): whatever it sends is rewritten with its own
 * secret.  The returned public area carries the key itself in unique, so
 * the guest sees nothing unusual.
 *
 * Contexts.  A TPMS_CONTEXT is protected by the chip with keys derived
 * from the hierarchy's proof value, shared by everyone using the chip.
 * keysep_seal_context() appends HMAC(vm_key, "tpmmux-context" || sequence
 * || savedHandle || hierarchy || contextBlob) to the blob of each context
 * the guest saves; keysep_open_context() checks and strips it before a
 * guest's ContextLoad reaches the chip, and refuses a blob without the
 * VM's MAC the way a TPM refuses a blob that fails its integrity check.
 *
 * Every length in the guest's command is checked before it is used; a
 * template that does not parse is left to the chip, which parses it with
 * the same rules and refuses it.  Templates that use an algorithm keysep
 * does not know the layout of are refused here: passing them on would
 * give the guest the host's key if the chip knew the algorithm.
 */
#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"
#include "keysep.h"

#define KEYSEP_PRIMARY_LABEL		"tpmmux-primary"
#define KEYSEP_CONTEXT_LABEL		"tpmmux-context"
/* Both labels are 14 bytes; the MAC input has no terminating NUL. */
#define KEYSEP_LABEL_LEN		(sizeof(KEYSEP_PRIMARY_LABEL) - 1)

/*
 * TPMS_CONTEXT: sequence (8), savedHandle (4), hierarchy (4), then
 * contextBlob, a TPM2B_CONTEXT_DATA.
 */
#define KS_CTX_BOUND_LEN		16
#define KS_CTX_BLOB_SIZE_OFF		16
#define KS_CTX_BLOB_OFF			18

/* A template keysep cannot parse: left for the chip to refuse */
#define KS_MALFORMED			(-EBADMSG)
/* Room for what is written next to the data by ks_hmac_framed() */
#define KS_FRAME_MAX			64

/* A read cursor over guest bytes: never moves past its end. */
struct ks_cur {
	const u8 *p;
	u32 left;
};

static bool ks_u16(struct ks_cur *c, u16 *v)
{
	if (c->left < 2)
		return false;
	*v = get_unaligned_be16(c->p);
	c->p += 2;
	c->left -= 2;
	return true;
}

static bool ks_skip(struct ks_cur *c, u32 n)
{
	if (c->left < n)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

/* One TPM2B: its size field, then that many bytes that must be there. */
static bool ks_tpm2b(struct ks_cur *c, u16 *size)
{
	const u8 *data;

	return !tpm2b_pull(&c->p, &c->left, &data, size);
}

/*
 * The parsers below return 0, KS_MALFORMED when the bytes run out, or,
 * for an algorithm whose layout keysep does not know, the format-one
 * code the reference implementation (libtpms) answers for it; the caller
 * adds the parameter number.
 */

/* TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless NULL */
static int ks_sym_def_object(struct ks_cur *c)
{
	u16 alg;

	if (!ks_u16(c, &alg))
		return KS_MALFORMED;
	switch (alg) {
	case TPM2_ALG_NULL:
		return 0;
	case TPM2_ALG_AES:
	case TPM2_ALG_SM4:
	case TPM2_ALG_CAMELLIA:
	case TPM2_ALG_TDES:
		return ks_skip(c, 2 + 2) ? 0 : KS_MALFORMED;
	default:
		return TPM_RC_SYMMETRIC;
	}
}

/* TPMT_RSA_SCHEME: scheme, then hashAlg (RSAES has no details) */
static int ks_rsa_scheme(struct ks_cur *c)
{
	u16 scheme;

	if (!ks_u16(c, &scheme))
		return KS_MALFORMED;
	switch (scheme) {
	case TPM2_ALG_NULL:
	case TPM2_ALG_RSAES:	/* TPMS_ENC_SCHEME_RSAES is TPMS_EMPTY */
		return 0;
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
	case TPM2_ALG_OAEP:
		return ks_skip(c, 2) ? 0 : KS_MALFORMED;
	default:
		return TPM_RC_VALUE;
	}
}

/* TPMT_ECC_SCHEME: scheme, then hashAlg (and ECDAA's count) */
static int ks_ecc_scheme(struct ks_cur *c)
{
	u16 scheme;

	if (!ks_u16(c, &scheme))
		return KS_MALFORMED;
	switch (scheme) {
	case TPM2_ALG_NULL:
		return 0;
	case TPM2_ALG_ECDSA:
	case TPM2_ALG_ECDH:
	case TPM2_ALG_SM2:
	case TPM2_ALG_ECSCHNORR:
	case TPM2_ALG_ECMQV:
		return ks_skip(c, 2) ? 0 : KS_MALFORMED;
	case TPM2_ALG_ECDAA:	/* TPMS_SCHEME_ECDAA: hashAlg, count */
		return ks_skip(c, 2 + 2) ? 0 : KS_MALFORMED;
	default:
		return TPM_RC_SCHEME;
	}
}

/* TPMT_KDF_SCHEME: scheme, then hashAlg unless NULL */
static int ks_kdf_scheme(struct ks_cur *c)
{
	u16 kdf;

	if (!ks_u16(c, &kdf))
		return KS_MALFORMED;
	switch (kdf) {
	case TPM2_ALG_NULL:
		return 0;
	case TPM2_ALG_MGF1:
	case TPM2_ALG_KDF1_SP800_56A:
	case TPM2_ALG_KDF2:
	case TPM2_ALG_KDF1_SP800_108:
		return ks_skip(c, 2) ? 0 : KS_MALFORMED;
	default:
		return TPM_RC_KDF;
	}
}

/* TPMT_KEYEDHASH_SCHEME: NULL, HMAC (hashAlg), XOR (hashAlg, kdf) */
static int ks_keyedhash_scheme(struct ks_cur *c)
{
	u16 scheme;

	if (!ks_u16(c, &scheme))
		return KS_MALFORMED;
	switch (scheme) {
	case TPM2_ALG_NULL:
		return 0;
	case TPM2_ALG_HMAC:
		return ks_skip(c, 2) ? 0 : KS_MALFORMED;
	case TPM2_ALG_XOR:
		return ks_skip(c, 2 + 2) ? 0 : KS_MALFORMED;
	default:
		return TPM_RC_VALUE;
	}
}

/* Digest size of a hash algorithm; 0 if unknown (or TPM_ALG_NULL). */
static u32 ks_digest_size(u16 alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:
		return TPM2_SHA1_DIGEST_SIZE;
	case TPM2_ALG_SHA256:
	case TPM2_ALG_SM3_256:
	case TPM2_ALG_SHA3_256:
		return TPM2_SHA256_DIGEST_SIZE;
	case TPM2_ALG_SHA384:
	case TPM2_ALG_SHA3_384:
		return TPM2_SHA384_DIGEST_SIZE;
	case TPM2_ALG_SHA512:
	case TPM2_ALG_SHA3_512:
		return TPM2_SHA512_DIGEST_SIZE;
	default:
		return 0;
	}
}

/**
 * struct ks_template - where the parts of a TPMT_PUBLIC are
 * @type:	type (TPM2_ALG_RSA, _ECC, _KEYEDHASH, _SYMCIPHER)
 * @name_alg:	nameAlg
 * @unique_off:	offset in the buffer of the unique field
 * @end:	offset just past the TPMT_PUBLIC
 */
struct ks_template {
	u16 type;
	u16 name_alg;
	u32 unique_off;
	u32 end;
};

/*
 * Parse the TPMT_PUBLIC that fills exactly [@off, @off + @size) of @buf
 * (Part 2: type, nameAlg, objectAttributes, authPolicy, the parameters
 * of the type, unique).  Returns 0, KS_MALFORMED, or a response code for
 * an algorithm keysep does not know (see above).
 */
static int ks_parse_public(const u8 *buf, u32 off, u32 size,
			   struct ks_template *t)
{
	struct ks_cur c = { .p = buf + off, .left = size };
	unsigned int i, nunique = 1;
	u16 n;
	int rc;

	if (!ks_u16(&c, &t->type) || !ks_u16(&c, &t->name_alg) ||
	    !ks_skip(&c, 4))			/* objectAttributes */
		return KS_MALFORMED;
	/* authPolicy: a TPM2B_DIGEST */
	if (!ks_tpm2b(&c, &n) || n > TPM2_MAX_HASH_SIZE)
		return KS_MALFORMED;

	switch (t->type) {
	case TPM2_ALG_RSA:
		/* TPMS_RSA_PARMS: symmetric, scheme, keyBits, exponent */
		rc = ks_sym_def_object(&c);
		if (!rc)
			rc = ks_rsa_scheme(&c);
		if (!rc && !ks_skip(&c, 2 + 4))
			rc = KS_MALFORMED;
		break;
	case TPM2_ALG_ECC:
		/* TPMS_ECC_PARMS: symmetric, scheme, curveID, kdf */
		rc = ks_sym_def_object(&c);
		if (!rc)
			rc = ks_ecc_scheme(&c);
		if (!rc && !ks_skip(&c, 2))
			rc = KS_MALFORMED;
		if (!rc)
			rc = ks_kdf_scheme(&c);
		nunique = 2;			/* TPMS_ECC_POINT: x, y */
		break;
	case TPM2_ALG_KEYEDHASH:
		rc = ks_keyedhash_scheme(&c);
		break;
	case TPM2_ALG_SYMCIPHER:
		rc = ks_sym_def_object(&c);
		break;
	default:
		return TPM_RC_TYPE;
	}
	if (rc)
		return rc;
	/* the new unique of these types is sized by nameAlg */
	if ((t->type == TPM2_ALG_KEYEDHASH || t->type == TPM2_ALG_SYMCIPHER) &&
	    !ks_digest_size(t->name_alg))
		return TPM_RC_HASH;

	t->unique_off = c.p - buf;
	for (i = 0; i < nunique; i++)
		if (!ks_tpm2b(&c, &n))
			return KS_MALFORMED;
	/* the chip answers TPM_RC_SIZE for bytes left over */
	if (c.left)
		return KS_MALFORMED;
	t->end = c.p - buf;
	return 0;
}

/*
 * HMAC-SHA256 of @pre || @buf[@off, @off + @n) || @post, without a copy
 * of the data (up to a whole command; nothing here allocates, and a 4 KiB
 * stack buffer is not an option in the kernel): the data is moved within
 * @buf so that @pre and @post fit right next to it, the HMAC is taken
 * over those contiguous bytes, and @buf is put back.  The @spare bytes
 * after the data are scratch the caller gives up: they may be clobbered.
 * Every other byte is restored, also when the HMAC fails.  Needs
 * @off + @spare >= @prelen + @postlen, and @buf writable from 0 to
 * @off + @n + @spare.
 */
static int ks_hmac_framed(const struct keysep_ops *ops, void *priv,
			  const u8 *key, u8 *buf, u32 off, u32 n, u32 spare,
			  const u8 *pre, u32 prelen,
			  const u8 *post, u32 postlen,
			  u8 out[KEYSEP_MAC_SIZE])
{
	u8 save[KS_FRAME_MAX];
	u32 frame = prelen + postlen, w0, d;
	int ret;

	if (frame > KS_FRAME_MAX || off + spare < frame)
		return -EINVAL;
	/* the window starts before the data if there is room, else at 0 */
	w0 = off >= frame ? off - frame : 0;
	d = w0 + prelen;
	memcpy(save, buf + w0, off - w0);
	memmove(buf + d, buf + off, n);
	memcpy(buf + w0, pre, prelen);
	if (postlen)
		memcpy(buf + d + n, post, postlen);
	ret = ops->hmac_sha256(priv, key, KEYSEP_KEY_SIZE, buf + w0,
			       prelen + n + postlen, out);
	memmove(buf + off, buf + d, n);
	memcpy(buf + w0, save, off - w0);
	return ret;
}

/*
 * Constant time: how long it takes says nothing about where they differ.
 * The barrier keeps the compiler from turning the loop into one that
 * stops at the first difference (as crypto_memneq() does).
 */
static bool ks_mac_equal(const u8 *a, const u8 *b)
{
	unsigned int i;
	u8 diff = 0;

	for (i = 0; i < KEYSEP_MAC_SIZE; i++) {
		diff |= a[i] ^ b[i];
#ifdef OPTIMIZER_HIDE_VAR
		OPTIMIZER_HIDE_VAR(diff);	/* <linux/compiler.h> */
#else
		__asm__ ("" : "+r" (diff));
#endif
	}
	return !diff;
}

/* Does the parsed command describe the @len bytes at @buf? */
static bool ks_cmd_sane(const u8 *buf, u32 len, const struct tpm2_cmd *cmd)
{
	return len >= TPM2_HEADER_SIZE && len <= TPM2_MAX_COMMAND_SIZE &&
	       cmd->size == len && get_unaligned_be32(buf + 2) == len &&
	       get_unaligned_be32(buf + 6) == cmd->cc &&
	       cmd->param_off >= TPM2_HEADER_SIZE && cmd->param_off <= len &&
	       cmd->param_size == len - cmd->param_off;
}

/**
 * keysep_create_primary() - give a VM primary keys of its own
 * @buf:	the guest's command, rewritten in place
 * @len:	in: its length; out: the new length
 * @bufsize:	bytes at @buf
 * @cmd:	@buf parsed by tpm2_cmd_parse()
 * @vm_secret:	the VM's secret (KEYSEP_KEY_SIZE bytes)
 * @ops:	the HMAC
 * @priv:	passed to @ops
 * @tpm_rc:	out: 0, or a response code to answer the guest with (the
 *		command must then not be sent)
 *
 * For TPM2_CreatePrimary, and for TPM2_CreateLoaded whose parent is a
 * hierarchy (a permanent handle: TPM_RH_OWNER, _ENDORSEMENT, _PLATFORM,
 * _NULL), the template's unique field is replaced by
 * HMAC-SHA256(@vm_secret, "tpmmux-primary" || TPMT_PUBLIC || hierarchy),
 * over the template as the guest sent it (unique included) and the 4-byte
 * handle, truncated to what the type takes: 32 bytes for RSA
 * (TPM2B_PUBLIC_KEY_RSA), x = 32 bytes and y empty for ECC, and
 * min(32, digest size of nameAlg) for KEYEDHASH and SYMCIPHER.  unique is
 * input to the primary key derivation, so the same template gives each
 * VM its own key, the same one every time, and never the host's.  The
 * command may grow or shrink: the parameters after unique move, and the
 * TPM2B's size, commandSize and *@len are updated.  Other commands,
 * and CreateLoaded under an object (already the VM's own), are left as
 * they are.
 *
 * A template that does not parse (truncated, sizes that do not add up,
 * bytes left over) is left as it is for the chip to refuse: the chip
 * parses it with the same rules.  A template with a type, scheme,
 * symmetric algorithm or KDF keysep does not know (or, for KEYEDHASH and
 * SYMCIPHER, a nameAlg without a known digest size) is refused with the
 * code a TPM gives for it: TPM_RC_TYPE, TPM_RC_VALUE (RSA and keyed-hash
 * schemes), TPM_RC_SCHEME (ECC), TPM_RC_SYMMETRIC, TPM_RC_KDF or
 * TPM_RC_HASH, + TPM_RC_P + TPM_RC_2 (inPublic); passing it on unchanged
 * would give the guest the host's key if the chip knew the algorithm.  A
 * command that would no longer fit in @bufsize (or in
 * TPM2_MAX_COMMAND_SIZE) is refused with TPM_RC_SIZE + TPM_RC_P +
 * TPM_RC_2.  A refused command is left unchanged.
 *
 * When *@len changed, parse the command again before it goes on.
 *
 * Return: 0 (see *@tpm_rc); -EINVAL for bad arguments or a @cmd that does
 * not describe @buf; or the HMAC's error, with the command unchanged.
 */
int keysep_create_primary(u8 *buf, u32 *len, u32 bufsize,
			  const struct tpm2_cmd *cmd,
			  const u8 vm_secret[KEYSEP_KEY_SIZE],
			  const struct keysep_ops *ops, void *priv,
			  u32 *tpm_rc)
{
	u8 mac[KEYSEP_MAC_SIZE], hierarchy[4];
	u8 unique[2 + KEYSEP_UNIQUE_SIZE + 2];
	u32 pub_off, limit, old_unique, unique_len = 0, new_len, n;
	struct ks_template t;
	const u8 *p, *data;
	u16 size;
	u32 left;
	int ret;

	if (!buf || !len || !cmd || !vm_secret || !ops ||
	    !ops->hmac_sha256 || !tpm_rc)
		return -EINVAL;
	*tpm_rc = 0;
	if (cmd->cc != TPM_CC_CreatePrimary && cmd->cc != TPM_CC_CreateLoaded)
		return 0;
	if (*len > bufsize || !ks_cmd_sane(buf, *len, cmd) ||
	    cmd->num_handles != 1)
		return -EINVAL;
	/* under an object the parent's seed is already the VM's own */
	if (cmd->cc == TPM_CC_CreateLoaded &&
	    tpm2_handle_type(cmd->handle[0]) != TPM_HT_PERMANENT)
		return 0;

	/* inSensitive, then inPublic (TPM2B_PUBLIC or TPM2B_TEMPLATE) */
	p = buf + cmd->param_off;
	left = cmd->param_size;
	if (tpm2b_pull(&p, &left, &data, &size) ||
	    tpm2b_pull(&p, &left, &data, &size) || !size)
		return 0;
	pub_off = data - buf;
	ret = ks_parse_public(buf, pub_off, size, &t);
	if (ret == KS_MALFORMED)
		return 0;
	if (ret) {
		*tpm_rc = tpm2_rc_param(ret, 2);
		return 0;
	}

	old_unique = t.end - t.unique_off;
	switch (t.type) {
	case TPM2_ALG_ECC:
		n = KEYSEP_UNIQUE_SIZE;
		unique_len = 2 + n + 2;		/* y: empty */
		break;
	case TPM2_ALG_RSA:
		n = KEYSEP_UNIQUE_SIZE;
		unique_len = 2 + n;
		break;
	default:
		n = ks_digest_size(t.name_alg);
		if (n > KEYSEP_UNIQUE_SIZE)
			n = KEYSEP_UNIQUE_SIZE;
		unique_len = 2 + n;
		break;
	}
	new_len = *len - old_unique + unique_len;
	limit = bufsize < TPM2_MAX_COMMAND_SIZE ? bufsize :
		TPM2_MAX_COMMAND_SIZE;
	if (new_len > limit) {
		*tpm_rc = tpm2_rc_param(TPM_RC_SIZE, 2);
		return 0;
	}

	/* pub_off >= 18: header, one handle, two TPM2B size fields */
	put_unaligned_be32(cmd->handle[0], hierarchy);
	ret = ks_hmac_framed(ops, priv, vm_secret, buf, pub_off, size, 0,
			     (const u8 *)KEYSEP_PRIMARY_LABEL,
			     KEYSEP_LABEL_LEN, hierarchy, sizeof(hierarchy),
			     mac);
	if (ret)
		return ret;

	put_unaligned_be16(n, unique);
	memcpy(unique + 2, mac, n);
	if (t.type == TPM2_ALG_ECC)
		put_unaligned_be16(0, unique + 2 + n);
	memmove(buf + t.unique_off + unique_len, buf + t.end, *len - t.end);
	memcpy(buf + t.unique_off, unique, unique_len);
	if (new_len < *len)
		memset(buf + new_len, 0, *len - new_len);
	put_unaligned_be16(size - old_unique + unique_len, buf + pub_off - 2);
	put_unaligned_be32(new_len, buf + 2);
	*len = new_len;
	return 0;
}

/**
 * keysep_seal_context() - bind a context the guest saves to its VM
 * @rsp:	the chip's response to the guest's TPM2_ContextSave
 * @len:	in: its length; out: the new length
 * @bufsize:	bytes at @rsp
 * @vm_key:	the VM's context key (KEYSEP_KEY_SIZE bytes)
 * @ops:	the HMAC
 * @priv:	passed to @ops
 *
 * Call only for the response to a ContextSave the guest sent.  A
 * successful response carries a TPMS_CONTEXT (sequence, savedHandle,
 * hierarchy, contextBlob); HMAC-SHA256(@vm_key, "tpmmux-context" ||
 * sequence || savedHandle || hierarchy || contextBlob contents) is
 * appended to contextBlob, whose size grows by KEYSEP_CONTEXT_OVERHEAD
 * (32), as do responseSize and *@len.  An error response is left as it
 * is.
 *
 * Return: 0; -EINVAL for bad arguments; -EIO for a success response that
 * is not a ContextSave answer without sessions; -ENOSPC when the sealed
 * response would not fit in @bufsize (or TPM2_MAX_RESPONSE_SIZE); or the
 * HMAC's error.  On error the response is unchanged and must not reach
 * the guest: the caller answers it.
 */
int keysep_seal_context(u8 *rsp, u32 *len, u32 bufsize,
			const u8 vm_key[KEYSEP_KEY_SIZE],
			const struct keysep_ops *ops, void *priv)
{
	u8 pre[KEYSEP_LABEL_LEN + KS_CTX_BOUND_LEN], mac[KEYSEP_MAC_SIZE];
	u32 ctx, blob, blob_size, end, limit, new_len;
	struct tpm2_rsp r;
	int ret;

	if (!rsp || !len || !vm_key || !ops || !ops->hmac_sha256 ||
	    *len > bufsize)
		return -EINVAL;
	if (tpm2_rsp_parse(rsp, *len, TPM_CC_ContextSave, &r))
		return -EIO;
	if (r.rc != TPM_RC_SUCCESS)
		return 0;
	/* a TPM takes no sessions with ContextSave (TPM_RC_AUTH_CONTEXT) */
	if (r.tag != TPM_ST_NO_SESSIONS || r.param_size < KS_CTX_BLOB_OFF)
		return -EIO;
	ctx = r.param_off;
	blob_size = get_unaligned_be16(rsp + ctx + KS_CTX_BLOB_SIZE_OFF);
	if (r.param_size != KS_CTX_BLOB_OFF + blob_size)
		return -EIO;
	limit = bufsize < TPM2_MAX_RESPONSE_SIZE ? bufsize :
		TPM2_MAX_RESPONSE_SIZE;
	new_len = *len + KEYSEP_MAC_SIZE;
	if (new_len > limit || blob_size + KEYSEP_MAC_SIZE > 0xFFFF)
		return -ENOSPC;

	blob = ctx + KS_CTX_BLOB_OFF;
	end = blob + blob_size;		/* == *len: the blob comes last */
	memcpy(pre, KEYSEP_CONTEXT_LABEL, KEYSEP_LABEL_LEN);
	memcpy(pre + KEYSEP_LABEL_LEN, rsp + ctx, KS_CTX_BOUND_LEN);
	/* the 32 bytes where the MAC goes are the scratch */
	ret = ks_hmac_framed(ops, priv, vm_key, rsp, blob, blob_size,
			     KEYSEP_MAC_SIZE, pre, sizeof(pre), NULL, 0, mac);
	if (ret)
		return ret;
	memcpy(rsp + end, mac, KEYSEP_MAC_SIZE);
	put_unaligned_be16(blob_size + KEYSEP_MAC_SIZE,
			   rsp + ctx + KS_CTX_BLOB_SIZE_OFF);
	put_unaligned_be32(new_len, rsp + 2);
	*len = new_len;
	return 0;
}

/**
 * keysep_open_context() - check and strip the VM's MAC from a context
 * @cmd:	the guest's command, rewritten in place
 * @len:	in: its length; out: the new length
 * @c:		@cmd parsed by tpm2_cmd_parse()
 * @vm_key:	the VM's context key (KEYSEP_KEY_SIZE bytes)
 * @ops:	the HMAC
 * @priv:	passed to @ops
 * @tpm_rc:	out: 0, or a response code to answer the guest with (the
 *		command must then not be sent)
 *
 * For TPM2_ContextLoad: the context's blob must end with the MAC that
 * keysep_seal_context() appends with @vm_key; the MAC is compared in
 * constant time, removed, and the blob's size, commandSize and *@len
 * shrink by 32.  Any other command is left as it is.  A context that is
 * not this VM's (another VM's, the host's, one altered anywhere, one
 * never sealed) never reaches the chip; the guest is answered as a TPM
 * answers, with the command left unchanged:
 *
 *  - blob shorter than the MAC, or a MAC that does not match:
 *    TPM_RC_INTEGRITY + TPM_RC_P + TPM_RC_1 (Part 3, ContextLoad: "the
 *    integrity check fails");
 *  - a TPMS_CONTEXT cut short: TPM_RC_INSUFFICIENT + TPM_RC_P + TPM_RC_1;
 *  - bytes after it: TPM_RC_SIZE;
 *  - with sessions: TPM_RC_AUTH_CONTEXT.
 *
 * When *@len changed, parse the command again before it goes on.
 *
 * Return: 0 (see *@tpm_rc); -EINVAL for bad arguments or a @c that does
 * not describe @cmd; or the HMAC's error, with the command unchanged.
 */
int keysep_open_context(u8 *cmd, u32 *len, const struct tpm2_cmd *c,
			const u8 vm_key[KEYSEP_KEY_SIZE],
			const struct keysep_ops *ops, void *priv,
			u32 *tpm_rc)
{
	u8 pre[KEYSEP_LABEL_LEN + KS_CTX_BOUND_LEN];
	u8 mac[KEYSEP_MAC_SIZE], given[KEYSEP_MAC_SIZE];
	u32 ctx, blob, blob_size, total;
	int ret;

	if (!cmd || !len || !c || !vm_key || !ops || !ops->hmac_sha256 ||
	    !tpm_rc)
		return -EINVAL;
	*tpm_rc = 0;
	if (c->cc != TPM_CC_ContextLoad)
		return 0;
	if (!ks_cmd_sane(cmd, *len, c))
		return -EINVAL;
	if (c->tag != TPM_ST_NO_SESSIONS) {
		*tpm_rc = TPM_RC_AUTH_CONTEXT;
		return 0;
	}
	ctx = c->param_off;
	if (c->param_size < KS_CTX_BLOB_OFF) {
		*tpm_rc = tpm2_rc_param(TPM_RC_INSUFFICIENT, 1);
		return 0;
	}
	total = get_unaligned_be16(cmd + ctx + KS_CTX_BLOB_SIZE_OFF);
	if (total > c->param_size - KS_CTX_BLOB_OFF) {
		*tpm_rc = tpm2_rc_param(TPM_RC_INSUFFICIENT, 1);
		return 0;
	}
	if (total < c->param_size - KS_CTX_BLOB_OFF) {
		*tpm_rc = TPM_RC_SIZE;
		return 0;
	}
	if (total < KEYSEP_MAC_SIZE) {
		*tpm_rc = tpm2_rc_param(TPM_RC_INTEGRITY, 1);
		return 0;
	}

	blob = ctx + KS_CTX_BLOB_OFF;
	blob_size = total - KEYSEP_MAC_SIZE;
	/* the MAC is the command's last 32 bytes: keep it, use its room */
	memcpy(given, cmd + blob + blob_size, KEYSEP_MAC_SIZE);
	memcpy(pre, KEYSEP_CONTEXT_LABEL, KEYSEP_LABEL_LEN);
	memcpy(pre + KEYSEP_LABEL_LEN, cmd + ctx, KS_CTX_BOUND_LEN);
	ret = ks_hmac_framed(ops, priv, vm_key, cmd, blob, blob_size,
			     KEYSEP_MAC_SIZE, pre, sizeof(pre), NULL, 0, mac);
	memcpy(cmd + blob + blob_size, given, KEYSEP_MAC_SIZE);
	if (ret)
		return ret;
	if (!ks_mac_equal(mac, given)) {
		*tpm_rc = tpm2_rc_param(TPM_RC_INTEGRITY, 1);
		return 0;
	}
	memset(cmd + blob + blob_size, 0, KEYSEP_MAC_SIZE);
	put_unaligned_be16(blob_size, cmd + ctx + KS_CTX_BLOB_SIZE_OFF);
	*len -= KEYSEP_MAC_SIZE;
	put_unaligned_be32(*len, cmd + 2);
	return 0;
}
