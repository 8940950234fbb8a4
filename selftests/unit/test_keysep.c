// SPDX-License-Identifier: GPL-2.0
/*
 * test_keysep.c - unit tests for tpmmux/keysep.c (TAP output).
 *
 * The chip is libtpms, in this process, with its NV state in memory (as
 * in test_space.c); the HMAC is OpenSSL's.  Commands are built by hand.
 * The last part runs keysep around a real space (space.c) in the order
 * the dispatcher must use: parse, policy, keysep_open_context() and
 * keysep_create_primary(), parse again, tpmmux_space_run(),
 * keysep_seal_context().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_library.h>
#include <libtpms/tpm_error.h>
#include <libtpms/tpm_memory.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "tap.h"
#include "tpm2_cmd.h"
#include "keysep.h"
#include "space.h"

#define BUFSIZE		TPM2_MAX_COMMAND_SIZE

/* ------------------------------------------------------------------ */
/* libtpms as the chip                                                */
/* ------------------------------------------------------------------ */

#include "libtpms_nv.h"

static unsigned char *tpm_rbuf;
static uint32_t tpm_rbufsize;
static unsigned long chip_calls;

/* The last response from the chip or from keysep */
static u8 rsp[BUFSIZE];
static u32 rsp_len;

/* Send @len bytes at @cmd to libtpms; the response into rsp[]. */
static u32 chip(const u8 *cmd, u32 len)
{
	unsigned char in[BUFSIZE];
	uint32_t rlen = 0;

	chip_calls++;
	if (len > sizeof(in))
		return 0xBAD00000;
	memcpy(in, cmd, len);
	if (TPMLIB_Process(&tpm_rbuf, &rlen, &tpm_rbufsize, in, len) ||
	    rlen < TPM2_HEADER_SIZE || rlen > sizeof(rsp))
		return 0xBAD00001;
	memcpy(rsp, tpm_rbuf, rlen);
	rsp_len = rlen;
	return get_unaligned_be32(rsp + 6);
}

/* struct tpmmux_space_ops.xmit */
static int chip_xmit(void *priv, u8 *buf, u32 bufsize)
{
	u32 len = get_unaligned_be32(buf + 2);

	(void)priv;
	if (len < TPM2_HEADER_SIZE || len > bufsize)
		return -EINVAL;
	if (chip(buf, len) >= 0xBAD00000 || rsp_len > bufsize)
		return -EIO;
	memcpy(buf, rsp, rsp_len);
	return 0;
}

static const struct tpmmux_space_ops space_ops = { .xmit = chip_xmit };

/* ------------------------------------------------------------------ */
/* OpenSSL as keysep's crypto                                         */
/* ------------------------------------------------------------------ */

static unsigned long hmac_calls;
static int hmac_fail;	/* non-zero: the next HMAC fails with it */

static int ossl_hmac(void *priv, const u8 *key, u32 keylen, const u8 *data,
		     u32 len, u8 out[KEYSEP_MAC_SIZE])
{
	unsigned int olen = KEYSEP_MAC_SIZE;

	(void)priv;
	hmac_calls++;
	if (hmac_fail) {
		int ret = hmac_fail;

		hmac_fail = 0;
		return ret;
	}
	if (!HMAC(EVP_sha256(), key, keylen, data, len, out, &olen) ||
	    olen != KEYSEP_MAC_SIZE)
		return -EIO;
	return 0;
}

static const struct keysep_ops ks_ops = { .hmac_sha256 = ossl_hmac };

static u8 secret_a[KEYSEP_KEY_SIZE], secret_b[KEYSEP_KEY_SIZE];
static u8 ctxkey_a[KEYSEP_KEY_SIZE], ctxkey_b[KEYSEP_KEY_SIZE];

/* ------------------------------------------------------------------ */
/* Building commands and templates                                    */
/* ------------------------------------------------------------------ */

struct cmdb {
	u8 b[BUFSIZE];
	u32 len;
};

static void cb_u8(struct cmdb *c, u8 v)
{
	c->b[c->len++] = v;
}

static void cb_u16(struct cmdb *c, u16 v)
{
	put_unaligned_be16(v, c->b + c->len);
	c->len += 2;
}

static void cb_u32(struct cmdb *c, u32 v)
{
	put_unaligned_be32(v, c->b + c->len);
	c->len += 4;
}

static void cb_bytes(struct cmdb *c, const void *p, u32 n)
{
	if (n)
		memcpy(c->b + c->len, p, n);
	c->len += n;
}

static void cb_tpm2b(struct cmdb *c, const void *p, u16 n)
{
	cb_u16(c, n);
	cb_bytes(c, p, n);
}

static void cb_zeros(struct cmdb *c, u16 n)
{
	cb_u16(c, n);
	memset(c->b + c->len, 0, n);
	c->len += n;
}

static void cb_init(struct cmdb *c, u16 tag, u32 cc)
{
	memset(c, 0, sizeof(*c));
	cb_u16(c, tag);
	cb_u32(c, 0);
	cb_u32(c, cc);
}

/* A password session with empty auth */
static void cb_pw(struct cmdb *c)
{
	cb_u32(c, 9);
	cb_u32(c, TPM_RS_PW);
	cb_u16(c, 0);
	cb_u8(c, TPMA_SESSION_CONTINUESESSION);
	cb_u16(c, 0);
}

static void cb_done(struct cmdb *c)
{
	put_unaligned_be32(c->len, c->b + 2);
}

/* TPMA_OBJECT bits */
#define FIXEDTPM	0x00000002
#define FIXEDPARENT	0x00000010
#define SENSDATAORIGIN	0x00000020
#define USERWITHAUTH	0x00000040
#define ADMINWITHPOLICY	0x00000080
#define NODA		0x00000400
#define RESTRICTED	0x00010000
#define DECRYPT		0x00020000
#define SIGN		0x00040000

#define SRK_ATTRS	(FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | \
			 USERWITHAUTH | NODA | RESTRICTED | DECRYPT)
/* tpm2_createprimary's default: restricted|decrypt|fixedtpm|fixedparent|
 * sensitivedataorigin|userwithauth
 */
#define TOOLS_SRK_ATTRS	(FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | \
			 USERWITHAUTH | RESTRICTED | DECRYPT)
#define EK_LOW_ATTRS	(FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | \
			 ADMINWITHPOLICY | RESTRICTED | DECRYPT)
#define EK_HIGH_ATTRS	(EK_LOW_ATTRS | USERWITHAUTH)

#define ECC_NIST_P256	0x0003
#define ECC_NIST_P384	0x0004

/* TCG EK Credential Profile 2.x: PolicyA (SHA-256), PolicyB (SHA-256/384) */
static const u8 policy_a_sha256[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC,
	0x8D, 0x46, 0xA5, 0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52,
	0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA,
};

static const u8 policy_b_sha256[32] = {
	0xCA, 0x3D, 0x0A, 0x99, 0xA2, 0xB9, 0x39, 0x06, 0xF7, 0xA3, 0x34,
	0x24, 0x14, 0xEF, 0xCF, 0xB3, 0xA3, 0x85, 0xD4, 0x4C, 0xD1, 0xFD,
	0x45, 0x90, 0x89, 0xD1, 0x9B, 0x50, 0x71, 0xC0, 0xB7, 0xA0,
};

static const u8 policy_b_sha384[48] = {
	0xB2, 0x6E, 0x7D, 0x28, 0xD1, 0x1A, 0x50, 0xBC, 0x53, 0xD8, 0x82,
	0xBC, 0xF5, 0xFD, 0x3A, 0x1A, 0x07, 0x41, 0x48, 0xBB, 0x35, 0xD3,
	0xB4, 0xE4, 0xCB, 0x1C, 0x0A, 0xD9, 0xBD, 0xE4, 0x19, 0xCA, 0xCB,
	0x47, 0xBA, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0F, 0x9F, 0xC0, 0x00,
	0xF3, 0xF8, 0x0E, 0x12,
};

/* A TPMT_PUBLIC, marshaled */
struct tmpl {
	const char *name;
	struct cmdb t;
};

static void t_head(struct tmpl *t, const char *name, u16 type, u16 name_alg,
		   u32 attrs, const u8 *policy, u16 policy_len)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	cb_u16(&t->t, type);
	cb_u16(&t->t, name_alg);
	cb_u32(&t->t, attrs);
	cb_tpm2b(&t->t, policy, policy_len);
}

static void t_aes(struct tmpl *t, u16 bits)
{
	cb_u16(&t->t, TPM2_ALG_AES);
	cb_u16(&t->t, bits);
	cb_u16(&t->t, TPM2_ALG_CFB);
}

/* RSA storage key; @unique_len zero bytes of unique (0 or 256) */
static void t_rsa(struct tmpl *t, const char *name, u32 attrs,
		  const u8 *policy, u16 policy_len, u16 unique_len)
{
	t_head(t, name, TPM2_ALG_RSA, TPM2_ALG_SHA256, attrs, policy,
	       policy_len);
	t_aes(t, 128);
	cb_u16(&t->t, TPM2_ALG_NULL);	/* scheme */
	cb_u16(&t->t, 2048);		/* keyBits */
	cb_u32(&t->t, 0);		/* exponent */
	cb_zeros(&t->t, unique_len);
}

/* ECC storage key; unique x and y of @unique_len zero bytes each */
static void t_ecc(struct tmpl *t, const char *name, u16 name_alg, u32 attrs,
		  const u8 *policy, u16 policy_len, u16 aes_bits, u16 curve,
		  u16 unique_len)
{
	t_head(t, name, TPM2_ALG_ECC, name_alg, attrs, policy, policy_len);
	t_aes(t, aes_bits);
	cb_u16(&t->t, TPM2_ALG_NULL);	/* scheme */
	cb_u16(&t->t, curve);
	cb_u16(&t->t, TPM2_ALG_NULL);	/* kdf */
	cb_zeros(&t->t, unique_len);
	cb_zeros(&t->t, unique_len);
}

/* An HMAC key the TPM generates */
static void t_keyedhash(struct tmpl *t, const char *name, u16 name_alg)
{
	t_head(t, name, TPM2_ALG_KEYEDHASH, name_alg,
	       FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | USERWITHAUTH | SIGN,
	       NULL, 0);
	cb_u16(&t->t, TPM2_ALG_HMAC);
	cb_u16(&t->t, name_alg);
	cb_u16(&t->t, 0);		/* unique */
}

/* An AES-128-CFB key the TPM generates */
static void t_symcipher(struct tmpl *t, const char *name)
{
	t_head(t, name, TPM2_ALG_SYMCIPHER, TPM2_ALG_SHA256,
	       FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | USERWITHAUTH |
	       DECRYPT | SIGN, NULL, 0);
	t_aes(t, 128);
	cb_u16(&t->t, 0);		/* unique */
}

/*
 * CreatePrimary(@hierarchy) (or CreateLoaded(@hierarchy) with @loaded)
 * with template @t; *@pub_off is where the TPMT_PUBLIC starts.
 */
static void cb_primary(struct cmdb *c, u32 cc, u32 hierarchy,
		       const struct cmdb *t, u32 *pub_off)
{
	cb_init(c, TPM_ST_SESSIONS, cc);
	cb_u32(c, hierarchy);
	cb_pw(c);
	cb_u16(c, 4);			/* inSensitive */
	cb_u16(c, 0);			/*   userAuth */
	cb_u16(c, 0);			/*   data */
	cb_u16(c, t->len);		/* inPublic */
	if (pub_off)
		*pub_off = c->len;
	cb_bytes(c, t->b, t->len);
	if (cc == TPM_CC_CreatePrimary) {
		cb_u16(c, 0);		/* outsideInfo */
		cb_u32(c, 0);		/* creationPCR */
	}
	cb_done(c);
}

static void cb_flush(struct cmdb *c, u32 handle)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_FlushContext);
	cb_u32(c, handle);
	cb_done(c);
}

static void flush(u32 handle)
{
	struct cmdb c;

	cb_flush(&c, handle);
	if (chip(c.b, c.len))
		diag("FlushContext(0x%08x): 0x%x", handle,
		     get_unaligned_be32(rsp + 6));
}

/* ------------------------------------------------------------------ */
/* keysep in front of the chip                                        */
/* ------------------------------------------------------------------ */

/*
 * Run @c through keysep_create_primary() with @secret (raw when NULL)
 * and, unless keysep answered, send it to the chip.  Returns the
 * response code; *@answered tells whether keysep answered.
 */
static u32 ks_primary_run(const struct cmdb *c, const u8 *secret,
			  struct cmdb *out, bool *answered)
{
	struct tpm2_cmd cmd;
	u32 tpm_rc = 0;
	int ret;

	*out = *c;
	if (answered)
		*answered = false;
	if (secret) {
		if (tpm2_cmd_parse(out->b, out->len, &cmd))
			return 0xBAD00010;
		ret = keysep_create_primary(out->b, &out->len, sizeof(out->b),
					    &cmd, secret, &ks_ops, NULL,
					    &tpm_rc);
		if (ret)
			return 0xDEAD0000 | -ret;
		if (tpm_rc) {
			if (answered)
				*answered = true;
			return tpm_rc;
		}
		if (tpm2_cmd_parse(out->b, out->len, &cmd))
			return 0xBAD00011;
	}
	return chip(out->b, out->len);
}

/*
 * A primary of template @t in @hierarchy through keysep with @secret (or
 * raw): its handle (0 on failure) and the SHA-256 of its public area
 * (outPublic), which differs exactly when the key does.
 */
static u32 primary(const u8 *secret, u32 cc, u32 hierarchy,
		   const struct tmpl *t, u8 fp[SHA256_DIGEST_LENGTH])
{
	struct cmdb c, out;
	u32 rc, off, n;

	cb_primary(&c, cc, hierarchy, &t->t, NULL);
	rc = ks_primary_run(&c, secret, &out, NULL);
	if (rc) {
		diag("%s: %s 0x%x", t->name, tpm2_cc_name(cc), rc);
		return 0;
	}
	/* handle, parameterSize, outPublic (CreateLoaded: outPrivate first) */
	off = TPM2_HEADER_SIZE + 4 + 4;
	if (cc == TPM_CC_CreateLoaded)
		off += 2 + get_unaligned_be16(rsp + off);
	n = get_unaligned_be16(rsp + off);
	if (off + 2 + n > rsp_len)
		return 0;
	SHA256(rsp + off + 2, n, fp);
	return get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
}

static const char *hex8(const u8 *p)
{
	static char s[4][17];
	static int i;
	char *o = s[i++ & 3];
	int k;

	for (k = 0; k < 8; k++)
		sprintf(o + 2 * k, "%02x", p[k]);
	return o;
}

/* ------------------------------------------------------------------ */
/* Tests: primary keys                                                */
/* ------------------------------------------------------------------ */

static void test_setup(void)
{
	struct libtpms_callbacks cbs = {
		.sizeOfStruct = sizeof(cbs),
		.tpm_nvram_init = nv_init,
		.tpm_nvram_loaddata = nv_load,
		.tpm_nvram_storedata = nv_store,
		.tpm_nvram_deletename = nv_delete,
		.tpm_io_init = io_init,
		.tpm_io_getlocality = io_locality,
		.tpm_io_getphysicalpresence = io_pp,
	};
	static const u8 startup[] = {
		0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0,
	};
	unsigned int i;
	int ok_init;

	for (i = 0; i < KEYSEP_KEY_SIZE; i++) {
		secret_a[i] = 0xA0 + i;
		secret_b[i] = 0xB0 + i;
		ctxkey_a[i] = 0xC0 + i;
		ctxkey_b[i] = 0xD0 + i;
	}
	ok_init = !TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) &&
		  !TPMLIB_RegisterCallbacks(&cbs) && !TPMLIB_MainInit();
	ok(ok_init, "libtpms initialised as a TPM 2.0");
	if (!ok_init)
		exit(done_testing());
	is_hex(chip(startup, sizeof(startup)), 0, "TPM2_Startup(CLEAR)");
}

/* The rewritten unique is exactly HMAC(secret, label || T || hierarchy). */
static void test_formula(void)
{
	u8 want[SHA256_DIGEST_LENGTH], msg[64 + 1024];
	unsigned int wlen = sizeof(want);
	struct tmpl t;
	struct cmdb c, out;
	struct tpm2_cmd cmd;
	u32 pub_off, tpm_rc = 1, len, n;
	u8 keep[BUFSIZE];
	int ret;

	t_ecc(&t, "SRK ECC P-256", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t.t, &pub_off);
	memcpy(msg, "tpmmux-primary", 14);
	memcpy(msg + 14, t.t.b, t.t.len);
	put_unaligned_be32(TPM_RH_OWNER, msg + 14 + t.t.len);
	HMAC(EVP_sha256(), secret_a, sizeof(secret_a), msg, 18 + t.t.len,
	     want, &wlen);

	out = c;
	len = out.len;
	ok(!tpm2_cmd_parse(out.b, len, &cmd), "CreatePrimary parses");
	ret = keysep_create_primary(out.b, &len, sizeof(out.b), &cmd,
				    secret_a, &ks_ops, NULL, &tpm_rc);
	ok(!ret && !tpm_rc, "keysep_create_primary: 0, nothing to answer");
	is_int(len, c.len + 32,
	       "empty ECC unique -> x 32 bytes, y empty: the command grows by 32");
	is_int(get_unaligned_be32(out.b + 2), len, "  commandSize follows");
	is_int(get_unaligned_be16(out.b + pub_off - 2), t.t.len + 32,
	       "  and so does the TPM2B_PUBLIC size");
	n = pub_off + t.t.len - 4;	/* the original unique: 2 + 2 bytes */
	ok(!memcmp(out.b, c.b, 2) && !memcmp(out.b + 6, c.b + 6, pub_off - 8) &&
	   !memcmp(out.b + pub_off, c.b + pub_off, n - pub_off),
	   "  everything else before unique is unchanged");
	ok(get_unaligned_be16(out.b + n) == 32 &&
	   !memcmp(out.b + n + 2, want, 32) &&
	   get_unaligned_be16(out.b + n + 34) == 0,
	   "  unique.x = HMAC-SHA256(secret, \"tpmmux-primary\" || TPMT_PUBLIC || hierarchy)");
	ok(!memcmp(out.b + n + 36, c.b + n + 4, c.len - n - 4),
	   "  outsideInfo and creationPCR moved intact");

	/* the hierarchy is part of the MAC */
	cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_ENDORSEMENT, &t.t, NULL);
	memcpy(keep, out.b, out.len);
	out = c;
	len = out.len;
	tpm2_cmd_parse(out.b, len, &cmd);
	keysep_create_primary(out.b, &len, sizeof(out.b), &cmd, secret_a,
			      &ks_ops, NULL, &tpm_rc);
	ok(memcmp(out.b + n + 2, keep + n + 2, 32),
	   "the same template in another hierarchy gets another unique");

	/* commands keysep does not touch */
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_GetRandom);
	cb_u16(&c, 8);
	cb_done(&c);
	out = c;
	len = out.len;
	tpm2_cmd_parse(out.b, len, &cmd);
	ret = keysep_create_primary(out.b, &len, sizeof(out.b), &cmd,
				    secret_a, &ks_ops, NULL, &tpm_rc);
	ok(!ret && !tpm_rc && len == c.len && !memcmp(out.b, c.b, c.len),
	   "GetRandom is left alone");
}

/* Same template: A, B and raw differ; A twice is the same key. */
static void test_three_keys(const struct tmpl *t, u32 hierarchy)
{
	u8 fa[32], fa2[32], fb[32], fr[32];
	u32 ha, ha2, hb, hr;

	ha = primary(secret_a, TPM_CC_CreatePrimary, hierarchy, t, fa);
	if (ha)
		flush(ha);
	ha2 = primary(secret_a, TPM_CC_CreatePrimary, hierarchy, t, fa2);
	if (ha2)
		flush(ha2);
	hb = primary(secret_b, TPM_CC_CreatePrimary, hierarchy, t, fb);
	if (hb)
		flush(hb);
	hr = primary(NULL, TPM_CC_CreatePrimary, hierarchy, t, fr);
	if (hr)
		flush(hr);
	if (!ok(ha && ha2 && hb && hr, "%s: created with A, A, B and raw",
		t->name))
		return;
	diag("%s: A %s  A %s  B %s  raw %s", t->name, hex8(fa), hex8(fa2),
	     hex8(fb), hex8(fr));
	ok(!memcmp(fa, fa2, 32), "  secret A twice: the same key");
	ok(memcmp(fa, fb, 32) && memcmp(fa, fr, 32) && memcmp(fb, fr, 32),
	   "  A, B and raw: three different keys");
}

static void test_primaries(void)
{
	struct tmpl t;

	t_ecc(&t, "SRK ECC P-256 (tpm2-tools default)", TPM2_ALG_SHA256,
	      TOOLS_SRK_ATTRS, NULL, 0, 128, ECC_NIST_P256, 0);
	test_three_keys(&t, TPM_RH_OWNER);
	t_rsa(&t, "SRK RSA-2048 (tpm2-tools default)", TOOLS_SRK_ATTRS, NULL,
	      0, 0);
	test_three_keys(&t, TPM_RH_OWNER);
	t_rsa(&t, "SRK RSA-2048 (TCG provisioning, zero unique)", SRK_ATTRS,
	      NULL, 0, 256);
	test_three_keys(&t, TPM_RH_OWNER);
	t_rsa(&t, "EK RSA-2048 (L-1)", EK_LOW_ATTRS, policy_a_sha256, 32, 256);
	test_three_keys(&t, TPM_RH_ENDORSEMENT);
	t_ecc(&t, "EK ECC P-256 (L-2)", TPM2_ALG_SHA256, EK_LOW_ATTRS,
	      policy_a_sha256, 32, 128, ECC_NIST_P256, 32);
	test_three_keys(&t, TPM_RH_ENDORSEMENT);
	t_rsa(&t, "EK RSA-2048 (H-1)", EK_HIGH_ATTRS, policy_b_sha256, 32, 0);
	test_three_keys(&t, TPM_RH_ENDORSEMENT);
	t_ecc(&t, "EK ECC P-256 (H-2)", TPM2_ALG_SHA256, EK_HIGH_ATTRS,
	      policy_b_sha256, 32, 128, ECC_NIST_P256, 0);
	test_three_keys(&t, TPM_RH_ENDORSEMENT);
	t_ecc(&t, "EK ECC P-384 (H-3)", TPM2_ALG_SHA384, EK_HIGH_ATTRS,
	      policy_b_sha384, 48, 256, ECC_NIST_P384, 0);
	test_three_keys(&t, TPM_RH_ENDORSEMENT);
	t_keyedhash(&t, "KEYEDHASH HMAC SHA-256", TPM2_ALG_SHA256);
	test_three_keys(&t, TPM_RH_OWNER);
	t_keyedhash(&t, "KEYEDHASH HMAC SHA-1 (20-byte unique)", TPM2_ALG_SHA1);
	test_three_keys(&t, TPM_RH_OWNER);
	t_symcipher(&t, "SYMCIPHER AES-128-CFB");
	test_three_keys(&t, TPM_RH_OWNER);
	t_ecc(&t, "NULL-hierarchy ECC P-256", TPM2_ALG_SHA256, SRK_ATTRS,
	      NULL, 0, 128, ECC_NIST_P256, 0);
	test_three_keys(&t, TPM_RH_NULL);
}

/* CreateLoaded under a hierarchy is CreatePrimary; under an object, untouched */
static void test_create_loaded(void)
{
	u8 fp[32], fl[32], fr[32];
	struct tmpl t;
	struct cmdb c, out;
	struct tpm2_cmd cmd;
	u32 hp, hl, hr, tpm_rc, len;
	int ret;

	t_ecc(&t, "SRK ECC P-256", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	hp = primary(secret_a, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, fp);
	hl = primary(secret_a, TPM_CC_CreateLoaded, TPM_RH_OWNER, &t, fl);
	if (hl)
		flush(hl);
	hr = primary(NULL, TPM_CC_CreateLoaded, TPM_RH_OWNER, &t, fr);
	if (hr)
		flush(hr);
	ok(hp && hl && hr, "CreateLoaded(TPM_RH_OWNER): A and raw");
	ok(!memcmp(fp, fl, 32),
	   "  A's CreateLoaded(owner) gives A's CreatePrimary(owner) key");
	ok(memcmp(fl, fr, 32), "  and not the raw one");

	/* a child under A's primary: the parent is already the VM's */
	t_ecc(&t, "child", TPM2_ALG_SHA256,
	      FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | USERWITHAUTH | SIGN,
	      NULL, 0, 0, ECC_NIST_P256, 0);
	/* an unrestricted signing key: symmetric NULL, scheme ECDSA */
	t.t.len = 0;
	cb_u16(&t.t, TPM2_ALG_ECC);
	cb_u16(&t.t, TPM2_ALG_SHA256);
	cb_u32(&t.t, FIXEDTPM | FIXEDPARENT | SENSDATAORIGIN | USERWITHAUTH |
	       SIGN);
	cb_u16(&t.t, 0);
	cb_u16(&t.t, TPM2_ALG_NULL);
	cb_u16(&t.t, TPM2_ALG_ECDSA);
	cb_u16(&t.t, TPM2_ALG_SHA256);
	cb_u16(&t.t, ECC_NIST_P256);
	cb_u16(&t.t, TPM2_ALG_NULL);
	cb_u16(&t.t, 0);
	cb_u16(&t.t, 0);
	cb_primary(&c, TPM_CC_CreateLoaded, hp, &t.t, NULL);
	out = c;
	len = out.len;
	tpm2_cmd_parse(out.b, len, &cmd);
	ret = keysep_create_primary(out.b, &len, sizeof(out.b), &cmd,
				    secret_a, &ks_ops, NULL, &tpm_rc);
	ok(!ret && !tpm_rc && len == c.len && !memcmp(out.b, c.b, c.len),
	   "CreateLoaded under an object is left alone");
	is_hex(chip(out.b, len), 0, "  and works (ECDSA key under A's SRK)");
	flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
	flush(hp);
}

/* Create under @parent: a sealed data object; its private and public. */
static u32 create_sealed(u32 parent, struct cmdb *priv, struct cmdb *pub)
{
	static const char secret[] = "a VM's disk key";
	struct cmdb c;
	u32 rc, off, n;

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_Create);
	cb_u32(&c, parent);
	cb_pw(&c);
	cb_u16(&c, 4 + sizeof(secret));	/* inSensitive */
	cb_u16(&c, 0);
	cb_tpm2b(&c, secret, sizeof(secret));
	cb_u16(&c, 14);				/* inPublic */
	cb_u16(&c, TPM2_ALG_KEYEDHASH);
	cb_u16(&c, TPM2_ALG_SHA256);
	cb_u32(&c, FIXEDTPM | FIXEDPARENT | USERWITHAUTH | NODA);
	cb_u16(&c, 0);
	cb_u16(&c, TPM2_ALG_NULL);
	cb_u16(&c, 0);
	cb_u16(&c, 0);				/* outsideInfo */
	cb_u32(&c, 0);				/* creationPCR */
	cb_done(&c);
	rc = chip(c.b, c.len);
	if (rc)
		return rc;
	off = TPM2_HEADER_SIZE + 4;
	memset(priv, 0, sizeof(*priv));
	memset(pub, 0, sizeof(*pub));
	n = get_unaligned_be16(rsp + off);
	cb_bytes(priv, rsp + off, 2 + n);
	off += 2 + n;
	n = get_unaligned_be16(rsp + off);
	cb_bytes(pub, rsp + off, 2 + n);
	return 0;
}

static u32 load(u32 parent, const struct cmdb *priv, const struct cmdb *pub)
{
	struct cmdb c;

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_Load);
	cb_u32(&c, parent);
	cb_pw(&c);
	cb_bytes(&c, priv->b, priv->len);
	cb_bytes(&c, pub->b, pub->len);
	cb_done(&c);
	return chip(c.b, c.len);
}

static void test_sealed(void)
{
	struct cmdb priv, pub, c;
	struct tmpl t;
	u8 fp[32];
	u32 ha, hb, hr, h, rc;

	t_ecc(&t, "SRK ECC P-256", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	ha = primary(secret_a, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, fp);
	hb = primary(secret_b, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, fp);
	if (!ok(ha && hb, "SRKs of A and B loaded"))
		return;
	is_hex(create_sealed(ha, &priv, &pub), 0,
	       "Create: a sealed object under A's SRK");

	is_hex(load(ha, &priv, &pub), 0, "  Load under A's SRK works");
	h = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_Unseal);
	cb_u32(&c, h);
	cb_pw(&c);
	cb_done(&c);
	rc = chip(c.b, c.len);
	if (rc)
		diag("Unseal: 0x%x", rc);
	ok(!rc && get_unaligned_be16(rsp + 14) == 16 &&
	   !memcmp(rsp + 16, "a VM's disk key", 16), "  and unseals");
	flush(h);

	rc = load(hb, &priv, &pub);
	is_hex(rc, tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	       "  Load under B's SRK: TPM_RC_INTEGRITY + P1 (0x%x)", rc);
	flush(hb);
	hr = primary(NULL, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, fp);
	rc = load(hr, &priv, &pub);
	is_hex(rc, tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	       "  Load under the raw (host's) SRK: TPM_RC_INTEGRITY + P1");
	if (!rc)
		flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
	flush(hr);
	flush(ha);
}

/*
 * Fail closed: a template keysep does not know the layout of is refused
 * with what the chip answers for it; the chip's own answer is checked.
 */
static void test_unknown_algs(void)
{
	static const struct {
		const char *what;
		u32 at;		/* offset in the template of the alg id */
		u16 val;
		u32 rc;
		int kind;	/* 0: ECC SRK, 1: KEYEDHASH, 2: RSA SRK */
	} cases[] = {
		{ "unknown type", 0, 0x0099, TPM_RC_TYPE, 0 },
		{ "unknown symmetric", 10, 0x0099, TPM_RC_SYMMETRIC, 0 },
		{ "unknown ECC scheme", 16, 0x0099, TPM_RC_SCHEME, 0 },
		{ "unknown KDF", 20, 0x0099, TPM_RC_KDF, 0 },
		{ "unknown RSA scheme", 16, 0x0099, TPM_RC_VALUE, 2 },
		{ "unknown keyed-hash scheme", 10, 0x0099, TPM_RC_VALUE, 1 },
		{ "KEYEDHASH, unknown nameAlg", 2, 0x0099, TPM_RC_HASH, 1 },
	};
	struct cmdb c, out;
	struct tmpl t;
	unsigned int i;
	unsigned long calls;
	bool answered;
	u32 rc, raw;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].kind == 0)
			t_ecc(&t, "", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
			      ECC_NIST_P256, 0);
		else if (cases[i].kind == 1)
			t_keyedhash(&t, "", TPM2_ALG_SHA256);
		else
			t_rsa(&t, "", SRK_ATTRS, NULL, 0, 0);
		put_unaligned_be16(cases[i].val, t.t.b + cases[i].at);
		cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t.t, NULL);
		calls = chip_calls;
		rc = ks_primary_run(&c, secret_a, &out, &answered);
		ok(answered && chip_calls == calls &&
		   rc == tpm2_rc_param(cases[i].rc, 2) &&
		   !memcmp(out.b, c.b, c.len) && out.len == c.len,
		   "%s: refused (0x%x), unchanged, chip not called",
		   cases[i].what, rc);
		raw = chip(c.b, c.len);
		is_hex(raw, rc, "  the chip answers the same for it");
		if (!raw)
			flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
	}
}

/*
 * A known limit: the command's parameters are the guest's, and an HMAC
 * session's HMAC covers them (cpHash).  CreatePrimary authorized by an
 * HMAC session fails after the template is rewritten; the chip answers
 * TPM_RC_BAD_AUTH for the session (TPM_RC_BAD_AUTH, not TPM_RC_AUTH_FAIL:
 * hierarchies are not DA-protected, so no lockout counter moves).
 */
static u32 start_hmac_session(u8 *nonce_tpm, u16 *nonce_len)
{
	u8 nonce[32];
	struct cmdb c;
	u32 rc;

	memset(nonce, 0x11, sizeof(nonce));
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_StartAuthSession);
	cb_u32(&c, TPM_RH_NULL);
	cb_u32(&c, TPM_RH_NULL);
	cb_tpm2b(&c, nonce, sizeof(nonce));
	cb_u16(&c, 0);
	cb_u8(&c, TPM_SE_HMAC);
	cb_u16(&c, TPM2_ALG_NULL);
	cb_u16(&c, TPM2_ALG_SHA256);
	cb_done(&c);
	rc = chip(c.b, c.len);
	if (rc)
		return 0;
	*nonce_len = get_unaligned_be16(rsp + TPM2_HEADER_SIZE + 4);
	if (*nonce_len > 64)
		return 0;
	memcpy(nonce_tpm, rsp + TPM2_HEADER_SIZE + 6, *nonce_len);
	return get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
}

static void cb_primary_hmac(struct cmdb *c, const struct cmdb *t, u32 s,
			    const u8 *nonce_tpm, u16 nonce_len)
{
	u8 msg[8 + BUFSIZE], cphash[32], hm[32 + 32 + 64 + 1], hmac[32];
	unsigned int hlen = sizeof(hmac), n = 0;
	u8 nonce[32];
	struct cmdb p;

	memset(&p, 0, sizeof(p));
	cb_u16(&p, 4);
	cb_u16(&p, 0);
	cb_u16(&p, 0);
	cb_tpm2b(&p, t->b, t->len);
	cb_u16(&p, 0);
	cb_u32(&p, 0);
	put_unaligned_be32(TPM_CC_CreatePrimary, msg);
	put_unaligned_be32(TPM_RH_OWNER, msg + 4);
	memcpy(msg + 8, p.b, p.len);
	SHA256(msg, 8 + p.len, cphash);
	memset(nonce, 0x22, sizeof(nonce));
	memcpy(hm, cphash, 32);
	n = 32;
	memcpy(hm + n, nonce, 32);
	n += 32;
	memcpy(hm + n, nonce_tpm, nonce_len);
	n += nonce_len;
	hm[n++] = 0;			/* attributes: end the session */
	HMAC(EVP_sha256(), "", 0, hm, n, hmac, &hlen);

	cb_init(c, TPM_ST_SESSIONS, TPM_CC_CreatePrimary);
	cb_u32(c, TPM_RH_OWNER);
	cb_u32(c, 4 + 2 + 32 + 1 + 2 + 32);
	cb_u32(c, s);
	cb_tpm2b(c, nonce, 32);
	cb_u8(c, 0);
	cb_tpm2b(c, hmac, 32);
	cb_bytes(c, p.b, p.len);
	cb_done(c);
}

static void test_hmac_session_limit(void)
{
	u8 nonce_tpm[64];
	u16 nonce_len = 0;
	struct cmdb c, out;
	struct tmpl t;
	u32 s, rc;

	t_ecc(&t, "SRK ECC", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	s = start_hmac_session(nonce_tpm, &nonce_len);
	cb_primary_hmac(&c, &t.t, s, nonce_tpm, nonce_len);
	rc = chip(c.b, c.len);
	is_hex(rc, 0, "raw CreatePrimary authorized by an HMAC session works");
	if (!rc)
		flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));

	s = start_hmac_session(nonce_tpm, &nonce_len);
	cb_primary_hmac(&c, &t.t, s, nonce_tpm, nonce_len);
	rc = ks_primary_run(&c, secret_a, &out, NULL);
	is_hex(rc, tpm2_rc_session(TPM_RC_BAD_AUTH, 1),
	       "through keysep: TPM_RC_BAD_AUTH + S1 (known limit: cpHash covers the template)");
	if (!rc)
		flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
	flush(s);
}

/* tiny deterministic PRNG */
static u32 rnd_state = 0x12345678;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/*
 * Malformed templates: keysep leaves what does not parse to the chip,
 * which must refuse it.  A template keysep leaves unchanged that the chip
 * accepts would give the VM the host's key: that must never happen.
 */
static void test_malformed(void)
{
	struct tmpl ts[5];
	struct cmdb c, out, t;
	unsigned int i, k, untouched = 0, accepted = 0, bad = 0, rewritten = 0;
	unsigned int refused = 0, chip_ok = 0, runs = 0;
	u32 pub_off, rc, tpm_rc, len;
	struct tpm2_cmd cmd;
	bool answered;
	int ret;

	t_ecc(&ts[0], "SRK ECC", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	t_rsa(&ts[1], "EK RSA L-1", EK_LOW_ATTRS, policy_a_sha256, 32, 256);
	t_keyedhash(&ts[2], "KEYEDHASH", TPM2_ALG_SHA256);
	t_symcipher(&ts[3], "SYMCIPHER");
	t_ecc(&ts[4], "EK ECC L-2", TPM2_ALG_SHA256, EK_LOW_ATTRS,
	      policy_a_sha256, 32, 128, ECC_NIST_P256, 32);

	/* the TPMT_PUBLIC cut at every length, the TPM2B size following */
	for (i = 0; i < ARRAY_SIZE(ts); i++) {
		for (k = 0; k < ts[i].t.len; k++) {
			t = ts[i].t;
			t.len = k;
			cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t,
				   NULL);
			rc = ks_primary_run(&c, secret_a, &out, &answered);
			runs++;
			if (answered) {
				bad++;
				continue;
			}
			if (out.len != c.len || memcmp(out.b, c.b, c.len))
				bad++;
			if (!rc) {
				accepted++;
				flush(get_unaligned_be32(rsp +
							 TPM2_HEADER_SIZE));
			}
		}
		/* one byte too many */
		t = ts[i].t;
		cb_u8(&t, 0);
		cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, NULL);
		rc = ks_primary_run(&c, secret_a, &out, &answered);
		runs++;
		if (answered || out.len != c.len || memcmp(out.b, c.b, c.len))
			bad++;
		if (!rc) {
			accepted++;
			flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
		}
	}
	ok(!bad, "%u truncated or overlong templates: all left unchanged",
	   runs);
	ok(!accepted, "  and the chip refused every one");

	/* the whole command cut at every length (size fields not fixed) */
	bad = accepted = runs = 0;
	for (i = 0; i < ARRAY_SIZE(ts); i++) {
		cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &ts[i].t,
			   &pub_off);
		for (k = TPM2_HEADER_SIZE; k < c.len; k++) {
			out = c;
			put_unaligned_be32(k, out.b + 2);
			len = k;
			if (tpm2_cmd_parse(out.b, len, &cmd))
				continue;
			runs++;
			tpm_rc = 0;
			ret = keysep_create_primary(out.b, &len, sizeof(out.b),
						    &cmd, secret_a, &ks_ops,
						    NULL, &tpm_rc);
			if (ret || tpm_rc)
				bad++;
			if (tpm2_cmd_parse(out.b, len, &cmd))
				bad++;
			rc = chip(out.b, len);
			if (!rc) {
				accepted++;
				flush(get_unaligned_be32(rsp +
							 TPM2_HEADER_SIZE));
			}
		}
	}
	ok(!bad, "%u commands cut short: keysep never fails, the result parses",
	   runs);
	ok(!accepted, "  and the chip refuses every one");

	/* random bytes changed in the TPM2B_PUBLIC (size field included) */
	bad = accepted = runs = 0;
	for (k = 0; k < 6000; k++) {
		const struct tmpl *tp = &ts[k % ARRAY_SIZE(ts)];
		unsigned int flips = 1 + rnd() % 3, j;

		cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &tp->t,
			   &pub_off);
		for (j = 0; j < flips; j++) {
			u32 at = pub_off - 2 + rnd() % (tp->t.len + 2);

			if (rnd() & 1)
				c.b[at] ^= 1 << (rnd() % 8);
			else
				c.b[at] = rnd();
		}
		out = c;
		len = out.len;
		if (tpm2_cmd_parse(out.b, len, &cmd))
			continue;
		runs++;
		tpm_rc = 0;
		ret = keysep_create_primary(out.b, &len, sizeof(out.b), &cmd,
					    secret_a, &ks_ops, NULL, &tpm_rc);
		if (ret || len > sizeof(out.b) ||
		    get_unaligned_be32(out.b + 2) != len) {
			bad++;
			continue;
		}
		if (tpm_rc) {
			refused++;
			if (memcmp(out.b, c.b, c.len))
				bad++;
			continue;
		}
		if (len != c.len || memcmp(out.b, c.b, c.len)) {
			rewritten++;
			continue;
		}
		untouched++;
		rc = chip(out.b, len);
		if (!rc) {
			chip_ok++;
			diag("mutant %u of %s: left unchanged, chip accepted",
			     k, tp->name);
			flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
		}
	}
	ok(!bad, "%u mutated templates: no error, header size == length",
	   runs);
	diag("mutants: %u rewritten, %u refused by keysep, %u left to the chip",
	     rewritten, refused, untouched);
	ok(!chip_ok, "  the chip refused every one keysep left unchanged");
}

/* The command may not outgrow the buffer; an HMAC failure changes nothing */
static void test_limits(void)
{
	struct cmdb c, out;
	struct tpm2_cmd cmd;
	struct tmpl t;
	u32 tpm_rc, len;
	int ret;

	t_ecc(&t, "SRK ECC", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t.t, NULL);
	out = c;
	len = out.len;
	tpm2_cmd_parse(out.b, len, &cmd);
	ret = keysep_create_primary(out.b, &len, c.len + 31, &cmd, secret_a,
				    &ks_ops, NULL, &tpm_rc);
	ok(!ret && tpm_rc == tpm2_rc_param(TPM_RC_SIZE, 2) &&
	   len == c.len && !memcmp(out.b, c.b, c.len),
	   "31 bytes of room for 32 more: TPM_RC_SIZE + P2, unchanged");
	ret = keysep_create_primary(out.b, &len, c.len + 32, &cmd, secret_a,
				    &ks_ops, NULL, &tpm_rc);
	ok(!ret && !tpm_rc && len == c.len + 32,
	   "32 bytes of room: fits exactly");

	out = c;
	len = out.len;
	tpm2_cmd_parse(out.b, len, &cmd);
	hmac_fail = -ENOKEY;
	ret = keysep_create_primary(out.b, &len, sizeof(out.b), &cmd,
				    secret_a, &ks_ops, NULL, &tpm_rc);
	ok(ret == -ENOKEY && len == c.len && !memcmp(out.b, c.b, c.len),
	   "the HMAC fails: its error, the command unchanged");

	ret = keysep_create_primary(out.b, &len, sizeof(out.b), NULL,
				    secret_a, &ks_ops, NULL, &tpm_rc);
	is_int(ret, -EINVAL, "no parsed command: -EINVAL");
	len = c.len - 1;
	ret = keysep_create_primary(out.b, &len, sizeof(out.b), &cmd,
				    secret_a, &ks_ops, NULL, &tpm_rc);
	is_int(ret, -EINVAL, "a length the parsed command does not have: -EINVAL");
}

/* ------------------------------------------------------------------ */
/* Tests: contexts                                                    */
/* ------------------------------------------------------------------ */

static void cb_context_save(struct cmdb *c, u32 handle)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_ContextSave);
	cb_u32(c, handle);
	cb_done(c);
}

static void cb_context_load(struct cmdb *c, const u8 *ctx, u32 len)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_ContextLoad);
	cb_bytes(c, ctx, len);
	cb_done(c);
}

/*
 * ContextLoad of the TPMS_CONTEXT @ctx through keysep_open_context() with
 * @key; sent to the chip unless keysep answers.  The response code;
 * *@opened gets the command as opened.
 */
static u32 open_and_load(const u8 *ctx, u32 ctx_len, const u8 *key,
			 struct cmdb *opened, bool *answered)
{
	struct tpm2_cmd cmd;
	struct cmdb c;
	u32 tpm_rc = 0;
	int ret;

	cb_context_load(&c, ctx, ctx_len);
	*opened = c;
	*answered = false;
	if (tpm2_cmd_parse(opened->b, opened->len, &cmd))
		return 0xBAD00020;
	ret = keysep_open_context(opened->b, &opened->len, &cmd, key, &ks_ops,
				  NULL, &tpm_rc);
	if (ret)
		return 0xDEAD0000 | -ret;
	if (tpm_rc) {
		*answered = true;
		if (opened->len != c.len || memcmp(opened->b, c.b, c.len))
			return 0xBAD00021;	/* must be untouched */
		return tpm_rc;
	}
	if (tpm2_cmd_parse(opened->b, opened->len, &cmd))
		return 0xBAD00022;
	return chip(opened->b, opened->len);
}

/* ContextSave(@h) on the chip, sealed with @key: the TPMS_CONTEXT */
static u32 save_sealed(u32 h, const u8 *key, u8 *ctx, u32 *ctx_len,
		       u8 *raw, u32 *raw_len)
{
	struct cmdb c;
	u32 rc, len;
	int ret;

	cb_context_save(&c, h);
	rc = chip(c.b, c.len);
	if (rc)
		return rc;
	if (raw) {
		*raw_len = rsp_len - TPM2_HEADER_SIZE;
		memcpy(raw, rsp + TPM2_HEADER_SIZE, *raw_len);
	}
	len = rsp_len;
	ret = keysep_seal_context(rsp, &len, sizeof(rsp), key, &ks_ops, NULL);
	if (ret)
		return 0xDEAD0000 | -ret;
	*ctx_len = len - TPM2_HEADER_SIZE;
	memcpy(ctx, rsp + TPM2_HEADER_SIZE, *ctx_len);
	return 0;
}

static void test_contexts(void)
{
	u8 ctx[BUFSIZE], raw[BUFSIZE], bad[BUFSIZE], fp[32];
	u32 ctx_len, raw_len, h, h2, rc, i, want, flips = 0, wrong = 0;
	u32 len, blob_size;
	unsigned long calls;
	struct cmdb opened, c;
	struct tmpl t;
	bool answered;
	int ret;

	t_ecc(&t, "SRK ECC", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	h = primary(secret_a, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, fp);
	is_hex(save_sealed(h, ctxkey_a, ctx, &ctx_len, raw, &raw_len), 0,
	       "ContextSave of A's SRK, sealed with A's key");
	is_int(ctx_len, raw_len + 32, "  the context grew by 32 bytes");
	blob_size = get_unaligned_be16(raw + 16);
	ok(get_unaligned_be16(ctx + 16) == blob_size + 32 &&
	   !memcmp(ctx, raw, 16) && !memcmp(ctx + 18, raw + 18, blob_size),
	   "  contextBlob = the chip's blob || MAC, size + 32");
	diag("object context: %u-byte blob from the chip, %u sealed",
	     blob_size, blob_size + 32);

	calls = chip_calls;
	rc = open_and_load(ctx, ctx_len, ctxkey_a, &opened, &answered);
	is_hex(rc, 0, "ContextLoad opened with A's key works");
	ok(opened.len == TPM2_HEADER_SIZE + raw_len &&
	   !memcmp(opened.b + TPM2_HEADER_SIZE, raw, raw_len),
	   "  the chip got exactly the context it made");
	is_int(chip_calls - calls, 1, "  one chip command");
	h2 = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	flush(h2);

	calls = chip_calls;
	rc = open_and_load(ctx, ctx_len, ctxkey_b, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	   "with B's key: TPM_RC_INTEGRITY + P1 (0x%x), command unchanged", rc);
	is_int(chip_calls - calls, 0, "  the chip was not called");

	rc = open_and_load(raw, raw_len, ctxkey_a, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	   "a raw (unsealed, e.g. the host's) context: TPM_RC_INTEGRITY + P1");

	/* one flipped bit anywhere: sequence .. hierarchy, blob, MAC */
	for (i = 0; i < ctx_len * 8; i++) {
		if (i / 8 == 16 || i / 8 == 17)
			continue;	/* the size field: not a MAC matter */
		memcpy(bad, ctx, ctx_len);
		bad[i / 8] ^= 1 << (i % 8);
		calls = chip_calls;
		rc = open_and_load(bad, ctx_len, ctxkey_a, &opened, &answered);
		flips++;
		if (!answered || rc != tpm2_rc_param(TPM_RC_INTEGRITY, 1) ||
		    chip_calls != calls)
			wrong++;
	}
	ok(!wrong, "%u single-bit flips in the sealed context: all TPM_RC_INTEGRITY, none reach the chip",
	   flips);

	/* what the chip itself answers for a raw context with a flipped bit */
	memcpy(bad, raw, raw_len);
	bad[raw_len - 1] ^= 1;
	cb_context_load(&c, bad, raw_len);
	want = chip(c.b, c.len);
	is_hex(want, tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	       "the chip answers a damaged context with the same code");

	/* structure */
	rc = open_and_load(ctx, 17, ctxkey_a, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INSUFFICIENT, 1),
	   "a TPMS_CONTEXT cut short: TPM_RC_INSUFFICIENT + P1");
	rc = open_and_load(ctx, ctx_len - 1, ctxkey_a, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INSUFFICIENT, 1),
	   "a blob that runs past the command: TPM_RC_INSUFFICIENT + P1");
	memcpy(bad, ctx, ctx_len);
	bad[ctx_len] = 0;
	rc = open_and_load(bad, ctx_len + 1, ctxkey_a, &opened, &answered);
	ok(answered && rc == TPM_RC_SIZE, "a byte after it: TPM_RC_SIZE");
	memcpy(bad, ctx, 18 + 31);
	put_unaligned_be16(31, bad + 16);
	rc = open_and_load(bad, 18 + 31, ctxkey_a, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	   "a blob shorter than a MAC: TPM_RC_INTEGRITY + P1");
	put_unaligned_be16(0, bad + 16);
	rc = open_and_load(bad, 18, ctxkey_a, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	   "an empty blob: TPM_RC_INTEGRITY + P1");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_ContextLoad);
	cb_pw(&c);
	cb_bytes(&c, ctx, ctx_len);
	cb_done(&c);
	{
		struct tpm2_cmd cmd;
		u32 tpm_rc;

		len = c.len;
		tpm2_cmd_parse(c.b, len, &cmd);
		ret = keysep_open_context(c.b, &len, &cmd, ctxkey_a, &ks_ops,
					  NULL, &tpm_rc);
		ok(!ret && tpm_rc == TPM_RC_AUTH_CONTEXT,
		   "ContextLoad with a session: TPM_RC_AUTH_CONTEXT");
		hmac_fail = -ENOKEY;
		cb_context_load(&c, ctx, ctx_len);
		len = c.len;
		tpm2_cmd_parse(c.b, len, &cmd);
		memcpy(bad, c.b, c.len);
		ret = keysep_open_context(c.b, &len, &cmd, ctxkey_a, &ks_ops,
					  NULL, &tpm_rc);
		ok(ret == -ENOKEY && len == c.len && !memcmp(bad, c.b, c.len),
		   "open: the HMAC fails: its error, the command unchanged");
	}

	/* seal: error responses, room, malformed */
	len = tpm2_rsp_error(rsp, sizeof(rsp), TPM_RC_HANDLE | TPM_RC_1);
	memcpy(bad, rsp, len);
	ret = keysep_seal_context(rsp, &len, sizeof(rsp), ctxkey_a, &ks_ops,
				  NULL);
	ok(!ret && len == 10 && !memcmp(rsp, bad, 10),
	   "seal: an error response is left alone");
	cb_context_save(&c, h);
	chip(c.b, c.len);
	len = rsp_len;
	memcpy(bad, rsp, len);
	ret = keysep_seal_context(rsp, &len, rsp_len + 31, ctxkey_a, &ks_ops,
				  NULL);
	ok(ret == -ENOSPC && len == rsp_len && !memcmp(rsp, bad, len),
	   "seal: 31 bytes of room: -ENOSPC, unchanged");
	hmac_fail = -ENOKEY;
	ret = keysep_seal_context(rsp, &len, sizeof(rsp), ctxkey_a, &ks_ops,
				  NULL);
	ok(ret == -ENOKEY && len == rsp_len && !memcmp(rsp, bad, len),
	   "seal: the HMAC fails: its error, unchanged");
	put_unaligned_be16(get_unaligned_be16(rsp + 26) + 1, rsp + 26);
	ret = keysep_seal_context(rsp, &len, sizeof(rsp), ctxkey_a, &ks_ops,
				  NULL);
	is_int(ret, -EIO, "seal: a blob size that does not add up: -EIO");
	memcpy(rsp, bad, len);
	ret = keysep_seal_context(rsp, &len, rsp_len + 32, ctxkey_a, &ks_ops,
				  NULL);
	ok(!ret && len == rsp_len + 32, "seal: 32 bytes of room: fits");
	flush(h);
}

/* A session's context, and the largest contexts libtpms makes */
static void test_session_and_sizes(void)
{
	u8 ctx[BUFSIZE], fp[32];
	u32 ctx_len, h, rc, s, i, max_obj = 0, max_ses = 0;
	struct cmdb c, opened;
	struct tmpl t;
	bool answered;
	u8 nonce[32] = { 1 };

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_StartAuthSession);
	cb_u32(&c, TPM_RH_NULL);
	cb_u32(&c, TPM_RH_NULL);
	cb_tpm2b(&c, nonce, sizeof(nonce));
	cb_u16(&c, 0);
	cb_u8(&c, TPM_SE_HMAC);
	cb_u16(&c, TPM2_ALG_AES);
	cb_u16(&c, 128);
	cb_u16(&c, TPM2_ALG_CFB);
	cb_u16(&c, TPM2_ALG_SHA256);
	cb_done(&c);
	is_hex(chip(c.b, c.len), 0, "StartAuthSession");
	s = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	is_hex(save_sealed(s, ctxkey_a, ctx, &ctx_len, NULL, NULL), 0,
	       "ContextSave of the session, sealed with A's key");
	diag("session context: %u-byte blob sealed",
	     get_unaligned_be16(ctx + 16));
	rc = open_and_load(ctx, ctx_len, ctxkey_b, &opened, &answered);
	ok(answered && rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1),
	   "  with B's key: TPM_RC_INTEGRITY + P1");
	rc = open_and_load(ctx, ctx_len, ctxkey_a, &opened, &answered);
	ok(!rc && get_unaligned_be32(rsp + TPM2_HEADER_SIZE) == s,
	   "  with A's key: loads, same session handle");
	flush(s);

	/* the chip's own idea of its largest contexts */
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_GetCapability);
	cb_u32(&c, TPM_CAP_TPM_PROPERTIES);
	cb_u32(&c, TPM_PT_MAX_OBJECT_CONTEXT);
	cb_u32(&c, 2);
	cb_done(&c);
	rc = chip(c.b, c.len);
	for (i = 0; !rc && i < get_unaligned_be32(rsp + 15); i++) {
		u32 p = get_unaligned_be32(rsp + 19 + 8 * i);
		u32 v = get_unaligned_be32(rsp + 23 + 8 * i);

		if (p == TPM_PT_MAX_OBJECT_CONTEXT)
			max_obj = v;
		else if (p == TPM_PT_MAX_SESSION_CONTEXT)
			max_ses = v;
	}
	ok(max_obj && max_ses,
	   "libtpms: TPM_PT_MAX_OBJECT_CONTEXT %u, TPM_PT_MAX_SESSION_CONTEXT %u",
	   max_obj, max_ses);

	/* the largest object libtpms 0.9 makes: RSA-3072, SHA-512 policy */
	{
		u8 pol[64];

		memset(pol, 0x5A, sizeof(pol));
		t_head(&t, "RSA-3072 SHA-512", TPM2_ALG_RSA, TPM2_ALG_SHA512,
		       SRK_ATTRS, pol, sizeof(pol));
		t_aes(&t, 256);
		cb_u16(&t.t, TPM2_ALG_NULL);
		cb_u16(&t.t, 3072);
		cb_u32(&t.t, 0);
		cb_u16(&t.t, 0);
	}
	h = primary(secret_a, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t, fp);
	if (ok(h, "an RSA-3072 primary (SHA-512 nameAlg, 64-byte policy)")) {
		is_hex(save_sealed(h, ctxkey_a, ctx, &ctx_len, NULL, NULL), 0,
		       "  its context sealed");
		diag("RSA-3072 context: %u-byte blob sealed (max object context %u + 32 = %u; TSS TPM2B_CONTEXT_DATA holds 5188; a 4096-byte ContextLoad holds %u)",
		     get_unaligned_be16(ctx + 16), max_obj, max_obj + 32,
		     4096 - 10 - 18);
		ok(max_obj + 32 <= 5188 && max_obj + 32 + 28 <= 4096 &&
		   get_unaligned_be16(ctx + 16) <= max_obj + 32,
		   "  the largest context + 32 fits the TSS (5188) and a 4 KiB command");
		rc = open_and_load(ctx, ctx_len, ctxkey_a, &opened, &answered);
		is_hex(rc, 0, "  and loads again");
		if (!rc)
			flush(get_unaligned_be32(rsp + TPM2_HEADER_SIZE));
		flush(h);
	}
}

/* ------------------------------------------------------------------ */
/* keysep around a real space, in the dispatcher's order              */
/* ------------------------------------------------------------------ */

/*
 * The dispatcher's order: parse, policy; keysep_open_context() and
 * keysep_create_primary() (either may answer); parse again if the length
 * changed; tpmmux_space_run(); for a ContextSave, keysep_seal_context().
 */
static u32 dispatch(struct tpmmux_space *sp, const u8 *secret,
		    const u8 *ctxkey, const struct cmdb *c)
{
	static u8 buf[TPMMUX_SPACE_BUFSIZE];
	struct tpm2_cmd cmd;
	u32 len = c->len, tpm_rc = 0, out_len = 0;
	int ret;

	memset(buf, 0xA5, sizeof(buf));
	memcpy(buf, c->b, c->len);
	if (tpm2_cmd_parse(buf, len, &cmd) || tpm2_cmd_policy(&cmd))
		return 0xBAD00030;
	ret = keysep_open_context(buf, &len, &cmd, ctxkey, &ks_ops, NULL,
				  &tpm_rc);
	if (!ret && !tpm_rc)
		ret = keysep_create_primary(buf, &len, sizeof(buf), &cmd,
					    secret, &ks_ops, NULL, &tpm_rc);
	if (ret)
		return 0xDEAD0000 | -ret;
	if (tpm_rc)
		return tpm_rc;
	if (len != cmd.size && tpm2_cmd_parse(buf, len, &cmd))
		return 0xBAD00031;
	ret = tpmmux_space_run(sp, &space_ops, NULL, buf, sizeof(buf), &cmd,
			       &out_len);
	if (ret)
		return 0xDEAD0000 | -ret;
	if (cmd.cc == TPM_CC_ContextSave) {
		ret = keysep_seal_context(buf, &out_len, sizeof(buf), ctxkey,
					  &ks_ops, NULL);
		if (ret)
			return 0xDEAD0000 | -ret;
	}
	memcpy(rsp, buf, out_len);
	rsp_len = out_len;
	return get_unaligned_be32(rsp + 6);
}

static void test_with_space(void)
{
	struct tpmmux_space *vm1, *vm2;
	u8 ctx[BUFSIZE], fp1[32], fp2[32];
	u32 ctx_len, h1, h2, hl, rc, off, n;
	unsigned long calls;
	struct cmdb c;
	struct tmpl t;

	vm1 = tpmmux_space_new(1, 16, 4);
	vm2 = tpmmux_space_new(2, 16, 4);
	if (!ok(vm1 && vm2, "spaces for vm 1 (secret A) and vm 2 (secret B)"))
		return;
	t_ecc(&t, "SRK ECC", TPM2_ALG_SHA256, SRK_ATTRS, NULL, 0, 128,
	      ECC_NIST_P256, 0);
	cb_primary(&c, TPM_CC_CreatePrimary, TPM_RH_OWNER, &t.t, NULL);
	rc = dispatch(vm1, secret_a, ctxkey_a, &c);
	h1 = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	off = TPM2_HEADER_SIZE + 8;
	n = get_unaligned_be16(rsp + off);
	SHA256(rsp + off + 2, n, fp1);
	ok(!rc && (h1 >> 12) == 0x80001,
	   "vm1: CreatePrimary through keysep and the space: 0x%08x", h1);
	is_int(tpmmux_space_evict(vm1, &space_ops, NULL), 0, "evict vm1");
	rc = dispatch(vm2, secret_b, ctxkey_b, &c);
	h2 = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	n = get_unaligned_be16(rsp + off);
	SHA256(rsp + off + 2, n, fp2);
	ok(!rc && (h2 >> 12) == 0x80002 && memcmp(fp1, fp2, 32),
	   "vm2: the same template, another SRK (%s vs %s)", hex8(fp1),
	   hex8(fp2));
	is_int(tpmmux_space_evict(vm2, &space_ops, NULL), 0, "evict vm2");

	cb_context_save(&c, h1);
	rc = dispatch(vm1, secret_a, ctxkey_a, &c);
	ctx_len = rsp_len - TPM2_HEADER_SIZE;
	memcpy(ctx, rsp + TPM2_HEADER_SIZE, ctx_len);
	is_hex(rc, 0, "vm1: the guest's ContextSave, sealed after the space");

	cb_context_load(&c, ctx, ctx_len);
	rc = dispatch(vm1, secret_a, ctxkey_a, &c);
	hl = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	ok(!rc && (hl >> 12) == 0x80001 && hl != h1,
	   "vm1: its ContextLoad, opened before the space: new handle 0x%08x",
	   hl);
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_ReadPublic);
	cb_u32(&c, hl);
	cb_done(&c);
	rc = dispatch(vm1, secret_a, ctxkey_a, &c);
	n = get_unaligned_be16(rsp + TPM2_HEADER_SIZE);
	SHA256(rsp + TPM2_HEADER_SIZE + 2, n, fp2);
	ok(!rc && !memcmp(fp1, fp2, 32), "  it is vm1's SRK");
	is_int(tpmmux_space_evict(vm1, &space_ops, NULL), 0, "evict vm1");

	cb_context_load(&c, ctx, ctx_len);
	calls = chip_calls;
	rc = dispatch(vm2, secret_b, ctxkey_b, &c);
	ok(rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1) && chip_calls == calls,
	   "vm2 loading vm1's context: TPM_RC_INTEGRITY + P1, chip not called");

	tpmmux_space_destroy(vm1, &space_ops, NULL);
	tpmmux_space_destroy(vm2, &space_ops, NULL);
}

int main(void)
{
	test_setup();
	test_formula();
	test_primaries();
	test_create_loaded();
	test_sealed();
	test_unknown_algs();
	test_hmac_session_limit();
	test_malformed();
	test_limits();
	test_contexts();
	test_session_and_sizes();
	test_with_space();

	TPMLIB_Terminate();
	TPM_Free(tpm_rbuf);
	for (unsigned int i = 0; i < ARRAY_SIZE(nvfile); i++)
		free(nvfile[i].data);
	return done_testing();
}
