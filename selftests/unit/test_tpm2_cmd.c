// SPDX-License-Identifier: GPL-2.0
/*
 * test_tpm2_cmd.c - unit tests for tpmmux/tpm2_cmd.c (TAP output).
 *
 * Every buffer handed to the parser is copied into a heap block of exactly
 * its length, so AddressSanitizer reports any read past its end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tpm2_cmd.h"

/* ------------------------------------------------------------------ */
/* helpers                                                            */
/* ------------------------------------------------------------------ */

static unsigned long invariant_checks;
static unsigned long invariant_failures;

#define INV(cond) do {							\
	if (!(cond)) {							\
		if (invariant_failures++ < 10)				\
			diag("invariant failed: %s (len %u rc 0x%x)",	\
			     #cond, len, (unsigned int)rc);		\
		return;							\
	}								\
} while (0)

/* What must hold after any tpm2_cmd_parse(), whatever the input. */
static void check_cmd(const u8 *buf, u32 len, int rc,
		      const struct tpm2_cmd *c)
{
	unsigned int i;

	invariant_checks++;
	INV(rc <= 0 || (rc & 0x80000000) == 0);
	if (rc) {
		INV(c->num_handles == 0 && c->num_sessions == 0);
		INV(c->param_off == 0 && c->param_size == 0);
		INV(c->auth_off == 0 && c->auth_size == 0);
		INV(tpm2_cmd_policy(c) != 0 || c->desc);
		if (rc == -EINVAL)
			INV(len < 10 || len > TPM2_MAX_COMMAND_SIZE ||
			    get_unaligned_be32(buf + 2) != len);
		if (rc == TPMMUX_RC_REFUSED)
			INV(!c->desc && tpm2_cmd_policy(c) == (u32)rc);
		return;
	}
	INV(len >= 10 && len <= TPM2_MAX_COMMAND_SIZE && c->size == len);
	INV(c->tag == TPM_ST_NO_SESSIONS || c->tag == TPM_ST_SESSIONS);
	INV(c->desc && c->desc->cc == c->cc);
	INV(c->num_handles == c->desc->handles && c->num_handles <= 3);
	for (i = 0; i < c->num_handles; i++) {
		INV(c->handle_off[i] == 10 + 4 * i);
		INV(c->handle_off[i] + 4 <= len);
		INV(get_unaligned_be32(buf + c->handle_off[i]) == c->handle[i]);
	}
	INV(c->num_sessions <= TPM2_MAX_SESSIONS);
	if (c->tag == TPM_ST_SESSIONS) {
		u32 end = c->auth_off + 4 + c->auth_size, pos;

		INV(c->auth_off == 10 + 4u * c->num_handles);
		INV(c->auth_size >= 9 && end <= len && end == c->param_off);
		INV(get_unaligned_be32(buf + c->auth_off) == c->auth_size);
		INV(c->num_sessions >= 1);
		pos = c->auth_off + 4;
		for (i = 0; i < c->num_sessions; i++) {
			const struct tpm2_cmd_session *s = &c->session[i];

			INV(s->off == pos && s->off + s->len <= end);
			INV(s->nonce_off == s->off + 6);
			INV(s->nonce_off + s->nonce_size <= end);
			INV(s->attrs_off == s->nonce_off + s->nonce_size);
			INV(s->hmac_off == s->attrs_off + 3);
			INV(s->hmac_off + s->hmac_size == s->off + s->len);
			INV(s->nonce_size <= 64 && s->hmac_size <= 64);
			INV(buf[s->attrs_off] == s->attrs);
			pos += s->len;
		}
		INV(pos == end);
	} else {
		INV(c->num_sessions == 0 && c->auth_off == 0);
		INV(c->param_off == 10 + 4u * c->num_handles);
	}
	INV(c->param_off <= len && c->param_off + c->param_size == len);
	INV((tpm2_cmd_policy(c) == 0) ==
	    !(c->desc->flags & TPM2_CMDF_REFUSE));
}

/* Parse a copy of @b in a heap block of exactly @len bytes. */
static int parse(const u8 *b, u32 len, struct tpm2_cmd *cmd)
{
	u8 *copy = malloc(len ? len : 1);
	int rc;

	if (len)
		memcpy(copy, b, len);
	rc = tpm2_cmd_parse(copy, len, cmd);
	check_cmd(copy, len, rc, cmd);
	free(copy);
	return rc;
}

/* A command builder; cb_finish() fills in commandSize. */
struct cb {
	u8 b[2 * TPM2_MAX_COMMAND_SIZE];
	u32 n;
	u32 auth;
};

static void cb_u8(struct cb *c, u8 v)
{
	c->b[c->n++] = v;
}

static void cb_u16(struct cb *c, u16 v)
{
	put_unaligned_be16(v, c->b + c->n);
	c->n += 2;
}

static void cb_u32(struct cb *c, u32 v)
{
	put_unaligned_be32(v, c->b + c->n);
	c->n += 4;
}

static void cb_fill(struct cb *c, u8 v, u32 count)
{
	memset(c->b + c->n, v, count);
	c->n += count;
}

/* a TPM2B whose size field says @size and which has @count data bytes */
static void cb_tpm2b(struct cb *c, u16 size, u32 count, u8 fill)
{
	cb_u16(c, size);
	cb_fill(c, fill, count);
}

static void cb_init(struct cb *c, u16 tag, u32 cc)
{
	memset(c, 0, sizeof(*c));
	cb_u16(c, tag);
	cb_u32(c, 0);
	cb_u32(c, cc);
}

static void cb_auth_begin(struct cb *c)
{
	c->auth = c->n;
	cb_u32(c, 0);
}

static void cb_auth_end(struct cb *c)
{
	put_unaligned_be32(c->n - c->auth - 4, c->b + c->auth);
}

static void cb_session(struct cb *c, u32 handle, u16 nonce, u8 attrs,
		       u16 hmac)
{
	cb_u32(c, handle);
	cb_tpm2b(c, nonce, nonce, 0xaa);
	cb_u8(c, attrs);
	cb_tpm2b(c, hmac, hmac, 0xbb);
}

static void cb_pw_session(struct cb *c)
{
	cb_auth_begin(c);
	cb_session(c, TPM_RS_PW, 0, TPMA_SESSION_CONTINUESESSION, 0);
	cb_auth_end(c);
}

static u32 cb_finish(struct cb *c)
{
	put_unaligned_be32(c->n, c->b + 2);
	return c->n;
}

static int cb_parse(struct cb *c, struct tpm2_cmd *cmd)
{
	return parse(c->b, cb_finish(c), cmd);
}

static unsigned int rnd_state = 0x12345678;

static unsigned int rnd(void)
{
	/* xorshift32: deterministic, so failures reproduce */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* ------------------------------------------------------------------ */
/* commands as tpm2-tools (tpm2-tss) sends them                       */
/* ------------------------------------------------------------------ */

/* tpm2_getrandom 16 */
static const u8 cmd_getrandom[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b,
	0x00, 0x10,
};

/* tpm2_pcrread sha256:0,1,2,3,4,5,6,7 */
static const u8 cmd_pcrread[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x7e,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0xff, 0x00, 0x00,
};

/* RSA-2048 storage key template, AES-128-CFB, as TPM2B_PUBLIC */
#define RSA_TEMPLATE							\
	0x00, 0x1a, 0x00, 0x01, 0x00, 0x0b, 0x00, 0x03, 0x00, 0x72,	\
	0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10,	\
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

/* tpm2_createprimary -C o: owner hierarchy, empty password session */
static const u8 cmd_createprimary[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x43, 0x00, 0x00, 0x01, 0x31,
	0x40, 0x00, 0x00, 0x01,				/* TPM_RH_OWNER */
	0x00, 0x00, 0x00, 0x09,				/* authSize */
	0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00,		/* inSensitive */
	RSA_TEMPLATE,					/* inPublic */
	0x00, 0x00,					/* outsideInfo */
	0x00, 0x00, 0x00, 0x00,				/* creationPCR */
};

#define BYTES32(b) b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b,	\
		   b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b

/* tpm2_load under 0x80000000 with an HMAC session */
static const u8 cmd_load[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x89, 0x00, 0x00, 0x01, 0x57,
	0x80, 0x00, 0x00, 0x00,				/* parentHandle */
	0x00, 0x00, 0x00, 0x49,				/* authSize 73 */
	0x02, 0x00, 0x00, 0x00,				/* HMAC session */
	0x00, 0x20, BYTES32(0x11),			/* nonceCaller */
	0x01,						/* continueSession */
	0x00, 0x20, BYTES32(0x22),			/* hmac */
	0x00, 0x10, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* inPrivate */
	RSA_TEMPLATE,					/* inPublic */
};

/* tpm2_startauthsession: unbound, unsalted HMAC session */
static const u8 cmd_startauthsession[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x01, 0x76,
	0x40, 0x00, 0x00, 0x07,				/* tpmKey NULL */
	0x40, 0x00, 0x00, 0x07,				/* bind NULL */
	0x00, 0x20, BYTES32(0x33),			/* nonceCaller */
	0x00, 0x00,					/* encryptedSalt */
	0x00,						/* TPM_SE_HMAC */
	0x00, 0x06, 0x00, 0x80, 0x00, 0x43,		/* AES-128-CFB */
	0x00, 0x0b,					/* SHA-256 */
};

/* tpm2_flushcontext 0x80000000 */
static const u8 cmd_flushcontext[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x01, 0x65,
	0x80, 0x00, 0x00, 0x00,
};

/* tpm2_getcap properties-fixed */
static const u8 cmd_getcap[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x7f,
};

/* tpm2_nvread 0x1c00002 (index authorizes itself, password) */
static const u8 cmd_nvread[] = {
	0x80, 0x02, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0x01, 0x4e,
	0x01, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x09,
	0x40, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x20, 0x00, 0x00,				/* size, offset */
};

/* ------------------------------------------------------------------ */
/* tests                                                              */
/* ------------------------------------------------------------------ */

static void test_wellformed(void)
{
	struct tpm2_cmd c;
	const struct tpm2_cmd_session *s;
	struct tpm2_pcr_selection_list pl;
	const u8 *p;
	u32 left;
	int rc;

	rc = parse(cmd_getrandom, sizeof(cmd_getrandom), &c);
	is_int(rc, 0, "GetRandom parses");
	is_hex(c.cc, TPM_CC_GetRandom, "GetRandom: cc");
	ok(c.tag == TPM_ST_NO_SESSIONS && c.num_handles == 0 &&
	   c.num_sessions == 0, "GetRandom: no handles, no sessions");
	ok(c.param_off == 10 && c.param_size == 2,
	   "GetRandom: parameters at 10, 2 bytes");
	is_int(tpm2_cmd_policy(&c), 0, "GetRandom: allowed");

	rc = parse(cmd_pcrread, sizeof(cmd_pcrread), &c);
	is_int(rc, 0, "PCR_Read parses");
	ok(c.num_handles == 0 && c.param_off == 10 && c.param_size == 10,
	   "PCR_Read: 0 handles, 10 parameter bytes");
	ok((c.desc->flags & (TPM2_CMDF_VIRTUAL | TPM2_CMDF_PCR)) ==
	   (TPM2_CMDF_VIRTUAL | TPM2_CMDF_PCR), "PCR_Read: VIRTUAL|PCR");
	p = cmd_pcrread + c.param_off;
	left = c.param_size;
	rc = tpm2_pcr_selection_list_pull(&p, &left, &pl);
	ok(rc == 0 && left == 0 && pl.count == 1 &&
	   pl.sel[0].hash == TPM2_ALG_SHA256 &&
	   pl.sel[0].size_of_select == 3 && pl.sel[0].pcr_select[0] == 0xff &&
	   pl.sel[0].pcr_select[1] == 0 && pl.sel[0].pcr_select[3] == 0,
	   "PCR_Read: pcrSelectionIn is sha256:0-7");

	rc = parse(cmd_createprimary, sizeof(cmd_createprimary), &c);
	is_int(rc, 0, "CreatePrimary with a password session parses");
	ok(c.num_handles == 1 && c.handle[0] == TPM_RH_OWNER &&
	   c.handle_off[0] == 10, "CreatePrimary: handle owner at 10");
	ok(c.auth_off == 14 && c.auth_size == 9 && c.num_sessions == 1,
	   "CreatePrimary: one session, authorizationSize 9 at 14");
	s = &c.session[0];
	ok(s->handle == TPM_RS_PW && s->off == 18 && s->len == 9 &&
	   s->nonce_size == 0 && s->attrs == 1 && s->attrs_off == 24 &&
	   s->hmac_size == 0, "CreatePrimary: TPM_RS_PW session fields");
	ok(c.param_off == 27 && c.param_size == 40,
	   "CreatePrimary: parameters at 27, 40 bytes");
	ok(c.desc->rhandle, "CreatePrimary: response has a handle");

	rc = parse(cmd_load, sizeof(cmd_load), &c);
	is_int(rc, 0, "Load with an HMAC session parses");
	ok(c.num_handles == 1 && c.handle[0] == 0x80000000,
	   "Load: parent 0x80000000");
	s = &c.session[0];
	ok(c.num_sessions == 1 && s->handle == 0x02000000 &&
	   s->nonce_off == 24 && s->nonce_size == 32 && s->attrs_off == 56 &&
	   s->hmac_off == 59 && s->hmac_size == 32 && s->len == 73,
	   "Load: HMAC session nonce/attrs/hmac offsets");
	ok(cmd_load[s->nonce_off] == 0x11 && cmd_load[s->hmac_off] == 0x22,
	   "Load: offsets point at the nonce and hmac bytes");
	ok(c.param_off == 91 && c.param_size == 46,
	   "Load: parameters at 91, 46 bytes");

	rc = parse(cmd_startauthsession, sizeof(cmd_startauthsession), &c);
	is_int(rc, 0, "StartAuthSession parses");
	ok(c.num_handles == 2 && c.handle[0] == TPM_RH_NULL &&
	   c.handle[1] == TPM_RH_NULL && c.handle_off[1] == 14,
	   "StartAuthSession: tpmKey and bind at 10 and 14");
	ok(c.param_off == 18 && c.param_size == 45,
	   "StartAuthSession: parameters at 18, 45 bytes");

	rc = parse(cmd_flushcontext, sizeof(cmd_flushcontext), &c);
	is_int(rc, 0, "FlushContext parses");
	ok(c.num_handles == 0 && c.param_off == 10 && c.param_size == 4 &&
	   get_unaligned_be32(cmd_flushcontext + c.param_off) == 0x80000000,
	   "FlushContext: flushHandle is a parameter");
	ok(c.desc->flags & TPM2_CMDF_CONTEXT, "FlushContext: CONTEXT");

	rc = parse(cmd_getcap, sizeof(cmd_getcap), &c);
	is_int(rc, 0, "GetCapability parses");
	ok(c.num_handles == 0 && c.param_size == 12,
	   "GetCapability: 12 parameter bytes");

	rc = parse(cmd_nvread, sizeof(cmd_nvread), &c);
	is_int(rc, 0, "NV_Read parses");
	ok(c.num_handles == 2 && c.handle[0] == 0x01c00002 &&
	   c.handle[1] == 0x01c00002 && c.num_sessions == 1 &&
	   c.param_off == 31 && c.param_size == 4,
	   "NV_Read: 2 handles, 1 session, 4 parameter bytes");
	ok(c.desc->flags & TPM2_CMDF_NV, "NV_Read: NV");
	ok(tpm2_handle_type(c.handle[1]) == TPM_HT_NV_INDEX,
	   "tpm2_handle_type() of an NV index");
}

static void test_sessions_ok(void)
{
	struct tpm2_cmd c;
	struct cb b;
	int rc;

	/* Unseal: policy session + audit HMAC session + encrypt session */
	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_Unseal);
	cb_u32(&b, 0x80000001);
	cb_auth_begin(&b);
	cb_session(&b, 0x03000000, 32, 0x01, 0);
	cb_session(&b, 0x02000001, 32, 0x81, 32);
	cb_session(&b, 0x02000002, 64, 0x41, 64);
	cb_auth_end(&b);
	rc = cb_parse(&b, &c);
	is_int(rc, 0, "Unseal with 3 sessions parses");
	ok(c.num_sessions == 3 && c.session[0].handle == 0x03000000 &&
	   c.session[1].attrs == 0x81 && c.session[2].nonce_size == 64 &&
	   c.session[2].hmac_size == 64, "Unseal: 3 sessions recorded");
	ok(c.param_size == 0 && c.param_off == b.n,
	   "Unseal: auth area ends exactly at the end, no parameters");

	/* authorizationSize exactly at the end, parameters empty */
	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_pw_session(&b);
	rc = cb_parse(&b, &c);
	ok(rc == 0 && c.param_off == 23 && c.param_size == 0,
	   "authorizationSize reaching exactly the end of the command");
}

static void test_header(void)
{
	struct tpm2_cmd c;
	u8 buf[16];
	struct cb b;
	u32 len;

	for (len = 0; len < 10; len++) {
		memcpy(buf, cmd_getrandom, sizeof(cmd_getrandom));
		put_unaligned_be32(len, buf + 2);
		is_int(parse(buf, len, &c), -EINVAL,
		       "%u bytes (header is 10) -> -EINVAL", len);
	}
	for (len = 0; len < 10; len++) {
		memcpy(buf, cmd_getrandom, sizeof(cmd_getrandom));
		put_unaligned_be32(len, buf + 2);
		is_int(parse(buf, 12, &c), -EINVAL,
		       "commandSize %u < 10 -> -EINVAL", len);
	}
	is_int(tpm2_cmd_parse(NULL, 12, &c), -EINVAL, "NULL buffer");

	memcpy(buf, cmd_getrandom, 12);
	put_unaligned_be32(13, buf + 2);
	is_int(parse(buf, 12, &c), -EINVAL, "commandSize > bytes written");
	put_unaligned_be32(11, buf + 2);
	is_int(parse(buf, 12, &c), -EINVAL, "commandSize < bytes written");
	put_unaligned_be32(0xffffffff, buf + 2);
	is_int(parse(buf, 12, &c), -EINVAL, "commandSize 0xffffffff");
	ok(c.cc == TPM_CC_GetRandom && c.size == 0xffffffff && !c.desc,
	   "header kept after -EINVAL for logging");

	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_StirRandom);
	cb_tpm2b(&b, 4097 - 12, 4097 - 12, 0x5a);
	is_int(cb_parse(&b, &c), -EINVAL,
	       "4097-byte command (max 4096) -> -EINVAL");
	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_StirRandom);
	cb_tpm2b(&b, 8000, 8000, 0x5a);
	is_int(cb_parse(&b, &c), -EINVAL, "8010-byte command -> -EINVAL");

	memcpy(buf, cmd_getrandom, 12);
	put_unaligned_be16(0x00c1, buf);
	is_hex(parse(buf, 12, &c), TPM_RC_BAD_TAG, "TPM 1.2 tag -> BAD_TAG");
	ok(c.tag == 0x00c1 && c.cc == TPM_CC_GetRandom,
	   "tag and code kept after BAD_TAG");
	put_unaligned_be16(TPM_ST_NULL, buf);
	is_hex(parse(buf, 12, &c), TPM_RC_BAD_TAG, "TPM_ST_NULL -> BAD_TAG");
	put_unaligned_be16(0x8003, buf);
	is_hex(parse(buf, 12, &c), TPM_RC_BAD_TAG, "tag 0x8003 -> BAD_TAG");
	put_unaligned_be16(0, buf);
	put_unaligned_be32(0xdeadbeef, buf + 6);
	is_hex(parse(buf, 12, &c), TPM_RC_BAD_TAG,
	       "bad tag checked before the command code");
}

static void test_codes(void)
{
	static const u32 unknown[] = {
		0, 1, 0x100, 0x11e, 0x123, 0x15a, 0x15f, 0x166, 0x175,
		0x19b, 0x19f, 0x1a0, 0xffff, 0x0001017b, 0x1000017b,
		0x4000017b, 0x8000017b, 0xffffffff,
	};
	static const u32 vendor[] = {
		TPM_CC_Vendor_TCG_Test, TPM_CC_V | TPM_CC_GetRandom,
		TPM_CC_V | TPM_CC_Clear, TPM_CC_V | 0xffff, 0x20001000,
	};
	struct tpm2_cmd c;
	u8 buf[32];
	unsigned int i;

	memcpy(buf, cmd_getrandom, 12);
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		put_unaligned_be32(unknown[i], buf + 6);
		is_hex(parse(buf, 12, &c), TPMMUX_RC_REFUSED,
		       "unknown code 0x%x -> TPMMUX_RC_LAYER|COMMAND_CODE",
		       unknown[i]);
	}
	ok(c.cc == 0xffffffff && !c.desc &&
	   tpm2_cmd_policy(&c) == TPMMUX_RC_REFUSED,
	   "unknown code: cc kept, no desc, policy refuses");
	for (i = 0; i < ARRAY_SIZE(vendor); i++) {
		put_unaligned_be32(vendor[i], buf + 6);
		is_hex(parse(buf, 12, &c), TPMMUX_RC_REFUSED,
		       "vendor code 0x%x -> TPMMUX_RC_LAYER|COMMAND_CODE",
		       vendor[i]);
	}
	is_hex(TPMMUX_RC_REFUSED, 0x00740143, "the refusal code is 0x740143");
	is_hex(TPMMUX_RC_LAYER, 0x740000, "TPMMUX_RC_LAYER is 't' << 16");
}

static void test_handle_area(void)
{
	struct tpm2_cmd c;
	struct cb b;

	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_CreatePrimary);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_H | TPM_RC_1,
	       "CreatePrimary without its handle -> INSUFFICIENT+H+1");
	ok(c.desc && c.cc == TPM_CC_CreatePrimary && c.num_handles == 0,
	   "desc kept, no handles recorded after a handle error");

	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_NV_Certify);
	cb_u32(&b, 0x80000000);
	cb_u32(&b, TPM_RH_OWNER);
	cb_u16(&b, 0x0100);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_H | TPM_RC_3,
	       "NV_Certify with 2.5 handles -> INSUFFICIENT+H+3");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_PolicySecret);
	cb_u32(&b, TPM_RH_OWNER);
	cb_u8(&b, 0x03);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_H | TPM_RC_2,
	       "PolicySecret with 1 handle + 1 byte -> INSUFFICIENT+H+2");

	/* 1 handle short: the session area is read as the handle */
	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_ActivateCredential);
	cb_u32(&b, 0x80000000);
	cb_pw_session(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
	       "ActivateCredential missing a handle: area misread -> AUTHSIZE");
}

static void test_auth_area(void)
{
	struct tpm2_cmd c;
	struct cb b;
	u32 sz;

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
	       "SESSIONS tag, 2 bytes left: no authorizationSize -> AUTHSIZE");

	for (sz = 0; sz < 9; sz++) {
		cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
		cb_u32(&b, sz);
		cb_session(&b, TPM_RS_PW, 0, 1, 0);
		cb_u16(&b, 16);
		is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
		       "authorizationSize %u (< 9) -> AUTHSIZE", sz);
	}

	/* area: 9 bytes of session + 2 bytes of parameter = 11 left */
	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_u32(&b, 12);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
	       "authorizationSize 1 past the command -> AUTHSIZE");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_u32(&b, 15);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
	       "authorizationSize counting its own 4 bytes -> AUTHSIZE");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_u32(&b, 0xffffffff);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
	       "authorizationSize 0xffffffff -> AUTHSIZE (no wrap)");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_u32(&b, 11);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_2,
	       "authorizationSize taking the parameter: 2 stray bytes -> INSUFFICIENT+S+2");

	/* CVE-2023-1017/1018 pattern: a size that counts its own bytes */
	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_u32(&b, TPM_RS_PW);
	cb_tpm2b(&b, 0, 0, 0);
	cb_u8(&b, 1);
	cb_tpm2b(&b, 2 + 4, 4, 0xbb);	/* claims 6, has 4 in the area */
	cb_auth_end(&b);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_1,
	       "hmac.size counting its own 2 bytes -> INSUFFICIENT+S+1");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_u32(&b, TPM_RS_PW);
	cb_tpm2b(&b, 2 + 1 + 2, 0, 0);	/* the rest of the area, + 2 */
	cb_u8(&b, 1);
	cb_u16(&b, 0);
	cb_auth_end(&b);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_1,
	       "nonce.size counting its own 2 bytes -> INSUFFICIENT+S+1");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_u32(&b, TPM_RS_PW);
	cb_tpm2b(&b, 3, 0, 0);		/* fits the area: takes attrs+hmac */
	cb_u8(&b, 1);
	cb_u16(&b, 0);
	cb_auth_end(&b);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_1,
	       "nonce swallowing attributes and hmac -> INSUFFICIENT+S+1");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_u32(&b, TPM_RS_PW);
	cb_tpm2b(&b, 4, 0, 0);		/* runs into the parameters */
	cb_u8(&b, 1);
	cb_u16(&b, 0);
	cb_auth_end(&b);
	cb_fill(&b, 0, 8);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_1,
	       "nonce running into the parameter area -> INSUFFICIENT+S+1");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_u32(&b, 0x02000000);
	cb_tpm2b(&b, 32, 32, 0);
	cb_u8(&b, 1);
	cb_tpm2b(&b, 33, 32, 0);	/* one short, at the very end */
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_2,
	       "second session's hmac 1 past the end -> INSUFFICIENT+S+2");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, 0x02000000, 65, 1, 0);
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_SIZE | TPM_RC_S | TPM_RC_1,
	       "65-byte nonce -> SIZE+S+1");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, 0x02000000, 16, 1, 16);
	cb_session(&b, 0x02000001, 16, 1, 16);
	cb_u32(&b, 0x02000002);
	cb_tpm2b(&b, 0, 0, 0);
	cb_u8(&b, 0);
	cb_tpm2b(&b, 0xffff, 0, 0);
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_SIZE | TPM_RC_S | TPM_RC_3,
	       "hmac size 0xffff in session 3 -> SIZE+S+3");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_session(&b, 0x02000000, 0, 1, 0);
	cb_session(&b, 0x03000000, 0, 1, 0);
	cb_session(&b, 0x03000001, 0, 1, 0);
	cb_auth_end(&b);
	cb_u16(&b, 16);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE, "4 sessions -> AUTHSIZE");
	ok(c.num_sessions == 0 && c.param_size == 0,
	   "no sessions recorded after the failure");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_session(&b, 0x02000000, 0, 1, 0);
	cb_session(&b, 0x03000000, 0, 1, 0);
	cb_u8(&b, 0);
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_AUTHSIZE,
	       "1 byte after the third session -> AUTHSIZE");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_fill(&b, 0x02, 3);
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_INSUFFICIENT | TPM_RC_S | TPM_RC_2,
	       "3 stray bytes after a session -> INSUFFICIENT+S+2");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, 0x80000000, 0, 1, 0);
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_HANDLE | TPM_RC_S | TPM_RC_1,
	       "transient handle as session -> HANDLE+S+1");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_GetRandom);
	cb_auth_begin(&b);
	cb_session(&b, TPM_RS_PW, 0, 1, 0);
	cb_session(&b, TPM_RH_OWNER, 0, 1, 0);
	cb_auth_end(&b);
	is_hex(cb_parse(&b, &c), TPM_RC_HANDLE | TPM_RC_S | TPM_RC_2,
	       "TPM_RH_OWNER as session 2 -> HANDLE+S+2");
}

static void test_tpm2b(void)
{
	struct tpm2_cmd c;
	const u8 *p, *data = NULL;
	struct cb b;
	static const u16 claims[] = { 0, 5, 6, 7 };
	u32 left, k;
	u16 size = 0;
	u8 *copy;
	int rc;

	/* StirRandom: inData, a TPM2B with 4 data bytes, is all parameters */
	for (k = 0; k < ARRAY_SIZE(claims); k++) {
		u16 claim = claims[k];

		cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_StirRandom);
		cb_tpm2b(&b, claim, 4, 0x5a);
		cb_finish(&b);
		copy = malloc(b.n);
		memcpy(copy, b.b, b.n);
		rc = tpm2_cmd_parse(copy, b.n, &c);
		p = copy + c.param_off;
		left = c.param_size;
		rc = rc ? rc : tpm2b_pull(&p, &left, &data, &size);
		if (claim == 0)
			ok(rc == 0 && size == 0 && left == 4,
			   "TPM2B of 0 in a 6-byte area");
		else if (claim == 5)
			is_hex(rc, TPM_RC_INSUFFICIENT,
			       "TPM2B of 5 with 4 data bytes -> INSUFFICIENT");
		else if (claim == 6)
			is_hex(rc, TPM_RC_INSUFFICIENT,
			       "TPM2B size counting its own 2 bytes -> INSUFFICIENT");
		else
			ok(rc == TPM_RC_INSUFFICIENT && p == copy + 10 &&
			   left == 6, "TPM2B failure leaves p and left alone");
		free(copy);
	}

	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_StirRandom);
	cb_tpm2b(&b, 4, 4, 0x5a);
	rc = cb_parse(&b, &c);
	p = b.b + c.param_off;
	left = c.param_size;
	rc = rc ? rc : tpm2b_pull(&p, &left, &data, &size);
	ok(rc == 0 && size == 4 && data == b.b + 12 && left == 0 &&
	   p == b.b + b.n, "TPM2B exactly filling the parameter area");
	left = 0;
	is_hex(tpm2b_pull(&p, &left, &data, &size), TPM_RC_INSUFFICIENT,
	       "TPM2B with 0 bytes left -> INSUFFICIENT");
	left = 1;
	is_hex(tpm2b_pull(&p, &left, &data, &size), TPM_RC_INSUFFICIENT,
	       "TPM2B with 1 byte left -> INSUFFICIENT");
}

static void test_max_size(void)
{
	struct tpm2_cmd c;
	const u8 *p, *data;
	struct cb b;
	u32 left;
	u16 size;
	int rc;

	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_StirRandom);
	cb_tpm2b(&b, 4096 - 12, 4096 - 12, 0x5a);
	rc = cb_parse(&b, &c);
	ok(rc == 0 && b.n == 4096 && c.param_size == 4086,
	   "4096-byte command (exactly the buffer) parses");
	p = b.b + c.param_off;
	left = c.param_size;
	ok(tpm2b_pull(&p, &left, &data, &size) == 0 && left == 0 &&
	   size == 4084, "its TPM2B ends at byte 4096");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_NV_Write);
	cb_u32(&b, 0x01000001);
	cb_u32(&b, 0x01000001);
	cb_auth_begin(&b);
	cb_session(&b, 0x02000000, 32, 1, 32);
	cb_session(&b, 0x03000000, 64, 0x21, 64);
	cb_auth_end(&b);
	cb_tpm2b(&b, 4096 - b.n - 4, 4096 - b.n - 4, 0x77);
	cb_u16(&b, 0);
	rc = cb_parse(&b, &c);
	ok(rc == 0 && b.n == 4096 && c.num_sessions == 2 &&
	   c.param_off + c.param_size == 4096,
	   "4096-byte NV_Write with 2 sessions parses");

	cb_init(&b, TPM_ST_SESSIONS, TPM_CC_NV_Write);
	cb_u32(&b, 0x01000001);
	cb_u32(&b, 0x01000001);
	cb_auth_begin(&b);
	cb_session(&b, 0x02000000, 32, 1, 32);
	cb_fill(&b, 0, 4096 - b.n);
	cb_auth_end(&b);
	rc = cb_parse(&b, &c);
	ok(b.n == 4096 && rc == (TPM_RC_HANDLE | TPM_RC_S | TPM_RC_2),
	   "4096-byte command whose auth area fills it with zeros -> HANDLE+S+2");
}

/* design.md's list, plus two that also change the chip for every VM */
static const u32 refused[] = {
	TPM_CC_Clear, TPM_CC_ClearControl, TPM_CC_HierarchyControl,
	TPM_CC_HierarchyChangeAuth, TPM_CC_ChangeEPS, TPM_CC_ChangePPS,
	TPM_CC_DictionaryAttackLockReset, TPM_CC_DictionaryAttackParameters,
	TPM_CC_SetPrimaryPolicy, TPM_CC_PCR_Allocate,
	TPM_CC_PCR_SetAuthPolicy, TPM_CC_PCR_SetAuthValue,
	TPM_CC_NV_DefineSpace, TPM_CC_NV_UndefineSpace,
	TPM_CC_NV_UndefineSpaceSpecial, TPM_CC_NV_GlobalWriteLock,
	TPM_CC_EvictControl, TPM_CC_FieldUpgradeStart,
	TPM_CC_FieldUpgradeData, TPM_CC_FirmwareRead, TPM_CC_ClockSet,
	TPM_CC_ClockRateAdjust, TPM_CC_SetCommandCodeAuditStatus,
	TPM_CC_PP_Commands,
	/* beyond design.md: */
	TPM_CC_SetAlgorithmSet, TPM_CC_ACT_SetTimeout,
};

static int is_refused(u32 cc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(refused); i++)
		if (refused[i] == cc)
			return 1;
	return 0;
}

static void test_policy(void)
{
	static const u32 virt[] = {
		TPM_CC_Startup, TPM_CC_Shutdown, TPM_CC_PCR_Extend,
		TPM_CC_PCR_Event, TPM_CC_PCR_Read, TPM_CC_PCR_Reset,
	};
	static const u32 ctx[] = {
		TPM_CC_ContextSave, TPM_CC_ContextLoad, TPM_CC_FlushContext,
	};
	const struct tpm2_cmd_desc *d;
	unsigned int i, n, bad;
	struct tpm2_cmd c;
	struct cb b;
	u32 cc;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		d = tpm2_cmd_lookup(refused[i]);
		cb_init(&b, TPM_ST_NO_SESSIONS, refused[i]);
		for (n = 0; d && n < d->handles; n++)
			cb_u32(&b, TPM_RH_PLATFORM);
		ok(cb_parse(&b, &c) == 0 &&
		   tpm2_cmd_policy(&c) == TPMMUX_RC_REFUSED,
		   "%s (0x%x) parses and is refused with 0x%x",
		   tpm2_cc_name(refused[i]), refused[i], TPMMUX_RC_REFUSED);
	}

	bad = 0;
	for (cc = TPM_CC_FIRST; cc <= TPM_CC_LAST; cc++) {
		d = tpm2_cmd_lookup(cc);
		if (d && !!(d->flags & TPM2_CMDF_REFUSE) != is_refused(cc)) {
			diag("0x%x %s: REFUSE flag unexpected", cc, d->name);
			bad++;
		}
	}
	is_int(bad, 0, "exactly the listed commands carry TPM2_CMDF_REFUSE");

	for (i = 0; i < ARRAY_SIZE(virt); i++) {
		d = tpm2_cmd_lookup(virt[i]);
		cb_init(&b, TPM_ST_NO_SESSIONS, virt[i]);
		for (n = 0; d && n < d->handles; n++)
			cb_u32(&b, 0);
		ok(cb_parse(&b, &c) == 0 && tpm2_cmd_policy(&c) == 0 &&
		   (c.desc->flags & TPM2_CMDF_VIRTUAL),
		   "%s: VIRTUAL, may go on (answered by tpmmux)",
		   tpm2_cc_name(virt[i]));
	}
	n = 0;
	for (i = 2; i < ARRAY_SIZE(virt); i++)
		n += !!(tpm2_cmd_lookup(virt[i])->flags & TPM2_CMDF_PCR);
	is_int(n, 4, "PCR_Extend/Event/Read/Reset carry TPM2_CMDF_PCR");
	ok(!(tpm2_cmd_lookup(TPM_CC_Startup)->flags & TPM2_CMDF_PCR),
	   "Startup is not a PCR command");

	for (i = 0; i < ARRAY_SIZE(ctx); i++)
		ok(tpm2_cmd_lookup(ctx[i])->flags & TPM2_CMDF_CONTEXT,
		   "%s: CONTEXT", tpm2_cc_name(ctx[i]));

	bad = 0;
	n = 0;
	for (cc = TPM_CC_FIRST; cc <= TPM_CC_LAST; cc++) {
		d = tpm2_cmd_lookup(cc);
		if (!d)
			continue;
		if (!strncmp(d->name, "NV_", 3)) {
			n++;
			bad += !(d->flags & TPM2_CMDF_NV);
		}
		if ((d->flags & TPM2_CMDF_CONTEXT) &&
		    cc != TPM_CC_ContextSave && cc != TPM_CC_ContextLoad &&
		    cc != TPM_CC_FlushContext)
			bad++;
		if ((d->flags & TPM2_CMDF_PCR) &&
		    !(d->flags & TPM2_CMDF_VIRTUAL))
			bad++;
		if ((d->flags & TPM2_CMDF_REFUSE) &&
		    (d->flags & TPM2_CMDF_VIRTUAL))
			bad++;
	}
	ok(n == 14 && bad == 0,
	   "all 14 NV_* carry NV; CONTEXT/PCR/REFUSE/VIRTUAL consistent");

	cb_init(&b, TPM_ST_NO_SESSIONS, TPM_CC_Create);
	cb_u32(&b, 0x80000000);
	ok(cb_parse(&b, &c) == 0 && tpm2_cmd_policy(&c) == 0,
	   "Create may go on");
	memset(&c, 0, sizeof(c));
	is_hex(tpm2_cmd_policy(&c), TPMMUX_RC_REFUSED,
	       "policy of a command without desc refuses");
}

static void test_table(void)
{
	static const struct { u32 cc; u8 h; } spec[] = {
		{ TPM_CC_Create, 1 }, { TPM_CC_Load, 1 },
		{ TPM_CC_Unseal, 1 }, { TPM_CC_PolicySecret, 2 },
		{ TPM_CC_ActivateCredential, 2 }, { TPM_CC_Duplicate, 2 },
		{ TPM_CC_Import, 1 }, { TPM_CC_NV_Write, 2 },
		{ TPM_CC_NV_Certify, 3 }, { TPM_CC_PolicyNV, 3 },
		{ TPM_CC_CreatePrimary, 1 }, { TPM_CC_StartAuthSession, 2 },
		{ TPM_CC_ContextLoad, 0 }, { TPM_CC_FlushContext, 0 },
		{ TPM_CC_EvictControl, 2 }, { TPM_CC_Certify, 2 },
		{ TPM_CC_Quote, 1 }, { TPM_CC_GetCapability, 0 },
		{ TPM_CC_PCR_Extend, 1 }, { TPM_CC_PCR_Event, 1 },
		{ TPM_CC_PCR_Read, 0 }, { TPM_CC_HierarchyChangeAuth, 1 },
		{ TPM_CC_GetSessionAuditDigest, 3 },
		{ TPM_CC_PolicyAuthorizeNV, 3 }, { TPM_CC_AC_Send, 3 },
		{ TPM_CC_NV_UndefineSpaceSpecial, 2 },
		{ TPM_CC_FieldUpgradeStart, 2 }, { TPM_CC_ContextSave, 1 },
		{ TPM_CC_EventSequenceComplete, 2 }, { TPM_CC_PolicySigned, 2 },
		{ TPM_CC_CertifyX509, 2 }, { TPM_CC_ACT_SetTimeout, 1 },
		{ TPM_CC_ECC_Decrypt, 1 }, { TPM_CC_Startup, 0 },
	};
	static const u32 rhandle[] = {
		TPM_CC_CreatePrimary, TPM_CC_Load, TPM_CC_HMAC_Start,
		TPM_CC_ContextLoad, TPM_CC_LoadExternal,
		TPM_CC_StartAuthSession, TPM_CC_HashSequenceStart,
		TPM_CC_CreateLoaded,
	};
	const struct tpm2_cmd_desc *d;
	unsigned int i, j, n, nr, bad;
	u32 cc;

	for (i = 0; i < ARRAY_SIZE(spec); i++) {
		d = tpm2_cmd_lookup(spec[i].cc);
		is_int(d ? d->handles : -1, spec[i].h, "%s has %u handle(s)",
		       tpm2_cc_name(spec[i].cc), spec[i].h);
	}

	n = nr = bad = 0;
	for (cc = 0; cc < 0x400; cc++) {
		d = tpm2_cmd_lookup(cc);
		if (!d)
			continue;
		n++;
		if (d->cc != cc || d->handles > 3 || !d->name[0])
			bad++;
		if (d->rhandle) {
			nr++;
			for (j = 0; j < ARRAY_SIZE(rhandle); j++)
				if (rhandle[j] == cc)
					break;
			bad += j == ARRAY_SIZE(rhandle);
		}
	}
	is_int(n, 119, "the table has all 119 commands of rev 1.59");
	is_int(nr, ARRAY_SIZE(rhandle), "8 commands have a response handle");
	is_int(bad, 0, "entries are self-consistent");
	ok(!tpm2_cmd_lookup(TPM_CC_FIRST - 1) &&
	   !tpm2_cmd_lookup(TPM_CC_LAST + 1) && !tpm2_cmd_lookup(0x123),
	   "lookup outside the table and in holes gives NULL");
	ok(!strcmp(tpm2_cc_name(TPM_CC_ACT_SetTimeout), "ACT_SetTimeout") &&
	   !strcmp(tpm2_cc_name(TPM_CC_PolicyAuthorizeNV),
		   "PolicyAuthorizeNV") &&
	   !strcmp(tpm2_cc_name(TPM_CC_NV_UndefineSpaceSpecial),
		   "NV_UndefineSpaceSpecial") && !tpm2_cc_name(0x175),
	   "tpm2_cc_name()");
	ok((tpm2_cmd_lookup(TPM_CC_SequenceComplete)->flags &
	    TPM2_CMDF_FLUSHED) &&
	   (tpm2_cmd_lookup(TPM_CC_EventSequenceComplete)->flags &
	    TPM2_CMDF_FLUSHED), "sequence completion flushes (TPMA_CC)");
	ok((tpm2_cmd_lookup(TPM_CC_PolicyPCR)->flags & TPM2_CMDF_READS_PCR) &&
	   (tpm2_cmd_lookup(TPM_CC_Quote)->flags & TPM2_CMDF_READS_PCR),
	   "PolicyPCR and Quote read the chip's PCRs");
}

static void test_rsp(void)
{
	static const u8 getrandom_rsp[] = {
		0x80, 0x01, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		16,
	};
	static const u8 createprimary_rsp[] = {
		0x80, 0x02, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00,
		0x80, 0x00, 0x00, 0x00,			/* objectHandle */
		0x00, 0x00, 0x00, 0x08,			/* parameterSize */
		1, 2, 3, 4, 5, 6, 7, 8,
		0x00, 0x00, 0x01, 0x00, 0x00,		/* session */
	};
	struct tpm2_rsp r;
	u8 buf[64], *copy;
	u32 n;

	is_int(tpm2_rsp_parse(getrandom_rsp, sizeof(getrandom_rsp),
			      TPM_CC_GetRandom, &r), 0,
	       "GetRandom response parses");
	ok(r.rc == 0 && !r.has_handle && r.param_off == 10 &&
	   r.param_size == 18, "GetRandom response: 18 parameter bytes");

	copy = malloc(sizeof(createprimary_rsp));
	memcpy(copy, createprimary_rsp, sizeof(createprimary_rsp));
	is_int(tpm2_rsp_parse(copy, sizeof(createprimary_rsp),
			      TPM_CC_CreatePrimary, &r), 0,
	       "CreatePrimary response parses");
	ok(r.has_handle && r.handle == 0x80000000 && r.handle_off == 10 &&
	   r.param_off == 18 && r.param_size == 8 && r.auth_off == 26 &&
	   r.auth_size == 5 && r.num_sessions == 1,
	   "CreatePrimary response: handle at 10, params, one session");
	is_int(tpm2_rsp_parse(copy, sizeof(createprimary_rsp),
			      TPM_CC_Create, &r), -EIO,
	       "same bytes as a Create response (no handle) -> -EIO");
	copy[17] = 0x0e;	/* parameterSize 14 > 13 left */
	is_int(tpm2_rsp_parse(copy, sizeof(createprimary_rsp),
			      TPM_CC_CreatePrimary, &r), -EIO,
	       "parameterSize past the end -> -EIO");
	copy[17] = 0x0d;	/* no room left for a session */
	is_int(tpm2_rsp_parse(copy, sizeof(createprimary_rsp),
			      TPM_CC_CreatePrimary, &r), -EIO,
	       "SESSIONS response without a session -> -EIO");
	free(copy);

	n = tpm2_rsp_error(buf, sizeof(buf), TPMMUX_RC_REFUSED);
	ok(n == 10 && !memcmp(buf, "\x80\x01\x00\x00\x00\x0a\x00\x74\x01\x43",
			      10), "tpm2_rsp_error() writes 10 bytes");
	is_int(tpm2_rsp_error(buf, 9, 0x101), 0, "no room -> 0 bytes");
	is_int(tpm2_rsp_parse(buf, 10, TPM_CC_Clear, &r), 0,
	       "error response parses");
	is_hex(r.rc, TPMMUX_RC_REFUSED, "error response: rc");
	put_unaligned_be16(TPM_ST_RSP_COMMAND, buf);
	put_unaligned_be32(TPM_RC_BAD_TAG, buf + 6);
	ok(tpm2_rsp_parse(buf, 10, TPM_CC_Load, &r) == 0 &&
	   r.rc == TPM_RC_BAD_TAG, "TPM 1.2-tag error answer parses");
	put_unaligned_be32(0, buf + 6);
	is_int(tpm2_rsp_parse(buf, 10, TPM_CC_Load, &r), -EIO,
	       "success with TPM_ST_RSP_COMMAND -> -EIO");
	tpm2_rsp_error(buf, sizeof(buf), 0);
	is_int(tpm2_rsp_parse(buf, 10, TPM_CC_Load, &r), -EIO,
	       "Load success without its handle -> -EIO");
	is_int(tpm2_rsp_parse(buf, 9, TPM_CC_GetRandom, &r), -EIO,
	       "9-byte response -> -EIO");
	is_int(tpm2_rsp_parse(buf, 11, TPM_CC_GetRandom, &r), -EIO,
	       "responseSize != length -> -EIO");
}

static void test_pcr_selection(void)
{
	struct tpm2_pcr_selection_list l;
	struct tpm2_pcr_selection s;
	u8 buf[4 + 16 * 7 + 8];
	const u8 *p;
	u32 left, i, n;

	n = 0;
	put_unaligned_be32(16, buf);
	n = 4;
	for (i = 0; i < 16; i++) {
		put_unaligned_be16(0x0004 + i, buf + n);
		buf[n + 2] = 4;
		memset(buf + n + 3, (u8)i, 4);
		n += 7;
	}
	p = buf;
	left = n;
	ok(tpm2_pcr_selection_list_pull(&p, &left, &l) == 0 && left == 0 &&
	   l.count == 16 && l.sel[15].hash == 0x13 &&
	   l.sel[15].pcr_select[3] == 15, "16 banks of 4 bytes parse");

	put_unaligned_be32(17, buf);
	p = buf;
	left = sizeof(buf);
	is_hex(tpm2_pcr_selection_list_pull(&p, &left, &l), TPM_RC_SIZE,
	       "17 banks -> TPM_RC_SIZE");
	ok(p == buf && left == sizeof(buf) && l.count == 0,
	   "failure leaves p and left alone");

	put_unaligned_be32(1, buf);
	buf[6] = 5;
	p = buf;
	left = sizeof(buf);
	is_hex(tpm2_pcr_selection_list_pull(&p, &left, &l), TPM_RC_VALUE,
	       "sizeofSelect 5 -> TPM_RC_VALUE");
	buf[6] = 3;
	p = buf;
	left = 9;
	is_hex(tpm2_pcr_selection_list_pull(&p, &left, &l),
	       TPM_RC_INSUFFICIENT, "selection cut short -> INSUFFICIENT");
	left = 10;
	ok(tpm2_pcr_selection_list_pull(&p, &left, &l) == 0 && left == 0,
	   "selection of 3 bytes exactly at the end");
	put_unaligned_be32(0, buf);
	p = buf;
	left = 4;
	ok(tpm2_pcr_selection_list_pull(&p, &left, &l) == 0 && l.count == 0,
	   "empty list");
	p = buf;
	left = 3;
	is_hex(tpm2_pcr_selection_list_pull(&p, &left, &l),
	       TPM_RC_INSUFFICIENT, "3 bytes: no count -> INSUFFICIENT");
	p = buf;
	left = 2;
	is_hex(tpm2_pcr_selection_pull(&p, &left, &s), TPM_RC_INSUFFICIENT,
	       "TPMS_PCR_SELECTION in 2 bytes -> INSUFFICIENT");
	is_hex(tpm2_rc_param(TPM_RC_VALUE, 1), 0x1c4,
	       "tpm2_rc_param(VALUE, 1) = 0x1c4");
}

/*
 * A GetRandom with a SESSIONS tag, authorizationSize @a and one password
 * session whose nonce says @ns bytes and whose hmac says @hs bytes.
 */
static void session_probe(u8 *buf, u32 len, u32 a, u32 ns, u32 hs)
{
	memset(buf, 0, len);
	put_unaligned_be16(TPM_ST_SESSIONS, buf);
	put_unaligned_be32(len, buf + 2);
	put_unaligned_be32(TPM_CC_GetRandom, buf + 6);
	put_unaligned_be32(a, buf + 10);
	put_unaligned_be32(TPM_RS_PW, buf + 14);
	put_unaligned_be16(ns, buf + 18);
	if (20 + ns + 3 <= len) {
		buf[20 + ns] = 1;
		put_unaligned_be16(hs, buf + 21 + ns);
	}
}

/*
 * No input of 0..64 bytes reads out of bounds: random bytes, and
 * structured commands (valid header, real codes, random rest).  Each
 * buffer sits in a heap block of exactly its length (ASan).
 */
static void test_fuzzish(void)
{
	static const u16 tags[] = { TPM_ST_NO_SESSIONS, TPM_ST_SESSIONS };
	unsigned long before = invariant_failures, parses = 0, okays = 0;
	struct tpm2_pcr_selection_list l;
	struct tpm2_cmd c;
	struct tpm2_rsp r;
	u32 len, it, i;
	u8 *buf;
	int rc;

	for (len = 0; len <= 64; len++) {
		for (it = 0; it < 3000; it++) {
			const u8 *p;
			u32 left;

			buf = malloc(len ? len : 1);
			for (i = 0; i < len; i++)
				buf[i] = rnd();
			if ((it & 1) && len >= 10) {
				put_unaligned_be16(tags[rnd() & 1], buf);
				put_unaligned_be32(len, buf + 2);
				put_unaligned_be32(TPM_CC_FIRST +
						   rnd() % 0x7c, buf + 6);
				/* small sizes make the inner paths likely */
				for (i = 10; i + 4 <= len; i += 4)
					if (rnd() & 1)
						put_unaligned_be32(rnd() % 24,
								   buf + i);
				if (len > 22 && (rnd() & 1))
					put_unaligned_be32(TPM_RS_PW,
							   buf + 18);
			}
			rc = tpm2_cmd_parse(buf, len, &c);
			check_cmd(buf, len, rc, &c);
			okays += rc == 0;
			tpm2_rsp_parse(buf, len, rnd() % 0x200, &r);
			p = buf;
			left = len;
			tpm2_pcr_selection_list_pull(&p, &left, &l);
			parses++;
			free(buf);
		}
	}
	ok(invariant_failures == before,
	   "%lu random/structured inputs of 0..64 bytes: no invariant broken, in bounds (%lu parsed OK)",
	   parses, okays);

	/*
	 * Exhaustive over the lengths that matter: a GetRandom with a
	 * SESSIONS tag and every authorizationSize, nonce size and hmac
	 * size up to the command length.
	 */
	before = invariant_failures;
	parses = okays = 0;
	for (len = 23; len <= 64; len++) {
		u32 a, ns, hs;

		buf = malloc(len);
		for (a = 0; a <= len; a++) {
			for (ns = 0; ns <= len; ns++) {
				for (hs = 0; hs <= len; hs++) {
					struct tpm2_cmd cc;

					session_probe(buf, len, a, ns, hs);
					rc = tpm2_cmd_parse(buf, len, &cc);
					check_cmd(buf, len, rc, &cc);
					okays += rc == 0;
					parses++;
				}
			}
		}
		free(buf);
	}
	ok(invariant_failures == before && okays > 0,
	   "%lu exhaustive session-area layouts (23..64 bytes): in bounds, invariants hold (%lu parsed OK)",
	   parses, okays);
}

static void test_clamp_property(void)
{
	/* GetCapability(TPM_PROPERTIES) answer: MAX_COMMAND_SIZE, MAX_RESPONSE_SIZE */
	u8 rsp[35] = {
		0x80, 0x01, 0, 0, 0, 35, 0, 0, 0, 0,
		0, 0, 0, 0, 6, 0, 0, 0, 2,
		0, 0, 0x01, 0x1e, 0, 0, 0x10, 0x00,
		0, 0, 0x01, 0x1f, 0, 0, 0x10, 0x00,
	};
	u8 copy[35];
	u32 len;

	ok(tpm2_rsp_clamp_property(rsp, sizeof(rsp), TPM_PT_MAX_COMMAND_SIZE, 3968),
	   "clamp: 4096 is lowered to 3968");
	is_int(get_unaligned_be32(rsp + 23), 3968, "clamp: MAX_COMMAND_SIZE is 3968");
	is_int(get_unaligned_be32(rsp + 31), 4096, "clamp: MAX_RESPONSE_SIZE untouched");
	ok(!tpm2_rsp_clamp_property(rsp, sizeof(rsp), TPM_PT_MAX_COMMAND_SIZE, 3968),
	   "clamp: a value already at the limit is left alone");
	memcpy(copy, rsp, sizeof(rsp));
	copy[18] = 200;	/* count runs past the end */
	ok(tpm2_rsp_clamp_property(copy, sizeof(copy), TPM_PT_MAX_RESPONSE_SIZE, 100) &&
	   get_unaligned_be32(copy + 31) == 100,
	   "clamp: a count past the end stops at the end of the response");
	memcpy(copy, rsp, sizeof(rsp));
	copy[9] = 1;	/* an error response */
	ok(!tpm2_rsp_clamp_property(copy, sizeof(copy), TPM_PT_MAX_RESPONSE_SIZE, 100),
	   "clamp: an error response is left alone");
	memcpy(copy, rsp, sizeof(rsp));
	copy[14] = 1;	/* TPM_CAP_HANDLES */
	ok(!tpm2_rsp_clamp_property(copy, sizeof(copy), TPM_PT_MAX_RESPONSE_SIZE, 100),
	   "clamp: another capability is left alone");
	for (len = 0; len < sizeof(rsp); len++) {
		u8 *b = malloc(len ? len : 1);

		memcpy(b, rsp, len);
		if (len >= 6)
			put_unaligned_be32(len, b + 2);
		tpm2_rsp_clamp_property(b, len, TPM_PT_MAX_RESPONSE_SIZE, 1);
		free(b);
	}
	ok(1, "clamp: every truncated response stays in bounds (ASan)");
}

static void test_reads_pcrs(void)
{
	/* CreatePrimary(owner) pw session, empty inSensitive/inPublic/outsideInfo */
	u8 cp[] = {
		0x80, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x31,
		0x40, 0, 0, 0x01,
		0, 0, 0, 9, 0x40, 0, 0, 0x09, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0,		/* three empty TPM2Bs */
		0, 0, 0, 1, 0, 0x0b, 3, 0, 0, 0,	/* one sha256 bank, no PCR */
	};
	struct tpm2_cmd cmd;
	u8 pol[] = { 0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x7f, 0x03, 0, 0, 0 };

	put_unaligned_be32(sizeof(cp), cp + 2);
	is_int(tpm2_cmd_parse(cp, sizeof(cp), &cmd), 0, "reads_pcrs: CreatePrimary parses");
	ok(!tpm2_cmd_reads_pcrs(cp, &cmd), "reads_pcrs: empty creationPCR selection: no");
	cp[sizeof(cp) - 3] = 0x01;	/* select PCR 0 */
	ok(tpm2_cmd_reads_pcrs(cp, &cmd), "reads_pcrs: creationPCR selects PCR 0: yes");
	cp[sizeof(cp) - 4] = 5;		/* sizeofSelect 5: malformed, the chip rejects it */
	ok(!tpm2_cmd_reads_pcrs(cp, &cmd), "reads_pcrs: a malformed selection is left to the chip");
	put_unaligned_be32(sizeof(pol), pol + 2);
	tpm2_cmd_parse(pol, sizeof(pol), &cmd);
	ok(cmd.cc == TPM_CC_PolicyPCR && tpm2_cmd_reads_pcrs(pol, &cmd),
	   "reads_pcrs: PolicyPCR always reads PCRs");
}

int main(void)
{
	test_wellformed();
	test_sessions_ok();
	test_header();
	test_codes();
	test_handle_area();
	test_auth_area();
	test_tpm2b();
	test_max_size();
	test_policy();
	test_table();
	test_rsp();
	test_pcr_selection();
	test_fuzzish();
	test_clamp_property();
	test_reads_pcrs();
	is_int(invariant_failures, 0,
	       "invariants held in all %lu parser calls checked",
	       invariant_checks);
	return done_testing();
}
