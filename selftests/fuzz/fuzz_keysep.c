// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_keysep.c - libFuzzer target for tpmmux/keysep.c.
 *
 * The first input byte picks what the rest is:
 *   0  a whole command for keysep_create_primary() (bufsize: the command's
 *      length plus the second byte; with its bit 0 set, commandSize is
 *      made to match the input's length)
 *   1  the parameters of a CreatePrimary or CreateLoaded with a password
 *      session (the second byte picks the command, the handle and the
 *      buffer's room), so that every input reaches the template parser
 *   2  XOR mask over a valid CreatePrimary of one of a few templates, so
 *      that mutants stay close to what parses
 *   3  a whole command for keysep_open_context() (commandSize as in 0)
 *   4  a TPMS_CONTEXT: ContextLoad through keysep_open_context()
 *   5  a ContextSave response for keysep_seal_context(); what it seals
 *      must open again to the same context with the same key, and not
 *      with another
 * Invariants: *len <= bufsize, the header's size == *len, a command
 * keysep answers (tpm_rc) is unchanged, a rewritten command parses, and
 * rewriting twice gives the length rewriting once gave.  The HMAC is a
 * deterministic stand-in (the fuzzer links no crypto library): keysep's
 * logic does not depend on what the MAC is, only on it being a function
 * of key and data.  A broken invariant aborts.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I../../tpmmux \
 *		fuzz_keysep.c ../../tpmmux/keysep.c ../../tpmmux/tpm2_cmd.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#include "tpm2_cmd.h"
#include "keysep.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "invariant failed: %s at %s:%d\n",	\
			#cond, __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

#define BUFSIZE		TPM2_MAX_COMMAND_SIZE

/* Four FNV-1a lanes over key || data: deterministic, not cryptographic */
static int fake_hmac(void *priv, const u8 *key, u32 keylen, const u8 *data,
		     u32 len, u8 out[KEYSEP_MAC_SIZE])
{
	u64 h[4] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull,
		     0x9ce484222325cbf2ull, 0x2325cbf29ce48422ull };
	unsigned int l, i;

	(void)priv;
	for (l = 0; l < 4; l++) {
		for (i = 0; i < keylen; i++)
			h[l] = (h[l] ^ key[i]) * 0x100000001b3ull;
		for (i = 0; i < len; i++)
			h[l] = (h[l] ^ data[i] ^ l) * 0x100000001b3ull;
		put_unaligned_be64(h[l], out + 8 * l);
	}
	return 0;
}

static const struct keysep_ops ops = { .hmac_sha256 = fake_hmac };
static const u8 key_a[KEYSEP_KEY_SIZE] = { 0xA1, 0xA2, 0xA3 };
static const u8 key_b[KEYSEP_KEY_SIZE] = { 0xB1, 0xB2, 0xB3 };

static u8 buf[BUFSIZE + 64], copy[BUFSIZE + 64];

/* keysep_create_primary() on buf[0, len) with @room bytes to spare */
static void do_primary(u32 len, u32 room)
{
	u32 bufsize = len + room, new_len = len, again, tpm_rc = 0;
	struct tpm2_cmd cmd;
	int ret;

	if (bufsize > sizeof(buf))
		bufsize = sizeof(buf);
	if (tpm2_cmd_parse(buf, len, &cmd))
		return;
	memcpy(copy, buf, len);
	ret = keysep_create_primary(buf, &new_len, bufsize, &cmd, key_a, &ops,
				    NULL, &tpm_rc);
	CHECK(ret == 0);
	CHECK(new_len <= bufsize && new_len <= TPM2_MAX_COMMAND_SIZE);
	CHECK(get_unaligned_be32(buf + 2) == new_len);
	if (tpm_rc) {
		CHECK(new_len == len && !memcmp(buf, copy, len));
		CHECK(tpm2_rc_is_fmt1(tpm_rc) && (tpm_rc & TPM_RC_P));
		return;
	}
	if (new_len == len && !memcmp(buf, copy, len))
		return;
	/* rewritten: it parses, and a second rewrite keeps the length */
	CHECK(cmd.cc == TPM_CC_CreatePrimary || cmd.cc == TPM_CC_CreateLoaded);
	CHECK(!tpm2_cmd_parse(buf, new_len, &cmd));
	again = new_len;
	ret = keysep_create_primary(buf, &again, sizeof(buf) - 64, &cmd,
				    key_a, &ops, NULL, &tpm_rc);
	CHECK(ret == 0 && !tpm_rc && again == new_len);
	CHECK(get_unaligned_be32(buf + 2) == again);
}

/* keysep_open_context() on buf[0, len) */
static int do_open(u32 len, const u8 *key, u32 *tpm_rc)
{
	u32 new_len = len;
	struct tpm2_cmd cmd;
	int ret;

	*tpm_rc = 0;
	if (tpm2_cmd_parse(buf, len, &cmd))
		return -1;
	memcpy(copy, buf, len);
	ret = keysep_open_context(buf, &new_len, &cmd, key, &ops, NULL,
				  tpm_rc);
	CHECK(ret == 0);
	CHECK(get_unaligned_be32(buf + 2) == new_len);
	if (*tpm_rc || cmd.cc != TPM_CC_ContextLoad) {
		CHECK(new_len == len && !memcmp(buf, copy, len));
		return 0;
	}
	CHECK(new_len == len - KEYSEP_MAC_SIZE);
	CHECK(!tpm2_cmd_parse(buf, new_len, &cmd));
	return (int)new_len;
}

static u32 put_header(u16 tag, u32 cc)
{
	put_unaligned_be16(tag, buf);
	put_unaligned_be32(cc, buf + 6);
	return TPM2_HEADER_SIZE;
}

/* A CreatePrimary/CreateLoaded with a password session, then @params */
static u32 build_create(u8 sel, const u8 *params, u32 n)
{
	static const u32 handles[] = {
		TPM_RH_OWNER, TPM_RH_ENDORSEMENT, TPM_RH_PLATFORM, TPM_RH_NULL,
		0x80000000, 0x40000140, 0x81000001, TPM_RH_LOCKOUT,
	};
	u32 off = put_header(TPM_ST_SESSIONS, (sel & 1) ?
			     TPM_CC_CreateLoaded : TPM_CC_CreatePrimary);

	put_unaligned_be32(handles[(sel >> 1) & 7], buf + off);
	off += 4;
	put_unaligned_be32(9, buf + off);
	put_unaligned_be32(TPM_RS_PW, buf + off + 4);
	memset(buf + off + 8, 0, 5);
	buf[off + 10] = TPMA_SESSION_CONTINUESESSION;
	off += 13;
	if (n > BUFSIZE - off)
		n = BUFSIZE - off;
	memcpy(buf + off, params, n);
	off += n;
	put_unaligned_be32(off, buf + 2);
	return off;
}

/* Templates that parse: ECC SRK, RSA EK (low range), keyed hash */
static const u8 tmpl_ecc[] = {
	0x00, 0x23, 0x00, 0x0B, 0x00, 0x03, 0x04, 0x72, 0x00, 0x00,
	0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10, 0x00, 0x03,
	0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
};

static const u8 tmpl_keyedhash[] = {
	0x00, 0x08, 0x00, 0x0B, 0x00, 0x04, 0x00, 0x72, 0x00, 0x00,
	0x00, 0x05, 0x00, 0x0B, 0x00, 0x00,
};

static const u8 tmpl_rsa_head[] = {
	0x00, 0x01, 0x00, 0x0B, 0x00, 0x03, 0x00, 0xB2, 0x00, 0x20,
};

static u32 build_template(u8 sel, u8 *t)
{
	u32 n = 0;

	switch (sel % 3) {
	case 0:
		memcpy(t, tmpl_ecc, sizeof(tmpl_ecc));
		return sizeof(tmpl_ecc);
	case 1:
		memcpy(t, tmpl_keyedhash, sizeof(tmpl_keyedhash));
		return sizeof(tmpl_keyedhash);
	default:
		memcpy(t, tmpl_rsa_head, sizeof(tmpl_rsa_head));
		n = sizeof(tmpl_rsa_head);
		memset(t + n, 0x83, 32);		/* authPolicy */
		n += 32;
		put_unaligned_be16(TPM2_ALG_AES, t + n);
		put_unaligned_be16(128, t + n + 2);
		put_unaligned_be16(TPM2_ALG_CFB, t + n + 4);
		put_unaligned_be16(TPM2_ALG_NULL, t + n + 6);
		put_unaligned_be16(2048, t + n + 8);
		put_unaligned_be32(0, t + n + 10);
		put_unaligned_be16(256, t + n + 14);
		memset(t + n + 16, 0, 256);
		return n + 16 + 256;
	}
}

/* Seal a ContextSave response, then open it with key A and key B */
static void do_seal(const u8 *data, u32 n, u8 room)
{
	static u8 orig[BUFSIZE + 64], sealed[BUFSIZE + 64];
	u32 len, sealed_len, tpm_rc, bufsize;
	int ret;

	len = put_header(TPM_ST_NO_SESSIONS, TPM_RC_SUCCESS);
	if (n > BUFSIZE - len)
		n = BUFSIZE - len;
	memcpy(buf + len, data, n);
	len += n;
	put_unaligned_be32(len, buf + 2);
	memcpy(orig, buf, len);
	sealed_len = len;
	bufsize = len + room;
	if (bufsize > sizeof(buf))
		bufsize = sizeof(buf);
	ret = keysep_seal_context(buf, &sealed_len, bufsize, key_a, &ops,
				  NULL);
	if (ret) {
		CHECK(ret == -EIO || ret == -ENOSPC);
		CHECK(sealed_len == len && !memcmp(buf, orig, len));
		return;
	}
	CHECK(sealed_len == len + KEYSEP_MAC_SIZE);
	CHECK(sealed_len <= bufsize);
	CHECK(get_unaligned_be32(buf + 2) == sealed_len);

	/* the sealed TPMS_CONTEXT as a ContextLoad: opens to the original */
	put_header(TPM_ST_NO_SESSIONS, TPM_CC_ContextLoad);
	put_unaligned_be32(sealed_len, buf + 2);
	memcpy(sealed, buf, sealed_len);
	ret = do_open(sealed_len, key_a, &tpm_rc);
	CHECK(ret == (int)len && !tpm_rc);
	CHECK(!memcmp(buf + TPM2_HEADER_SIZE, orig + TPM2_HEADER_SIZE,
		      len - TPM2_HEADER_SIZE));

	/* and not with another key: answered, unchanged */
	memcpy(buf, sealed, sealed_len);
	ret = do_open(sealed_len, key_b, &tpm_rc);
	CHECK(ret == 0 && tpm_rc == tpm2_rc_param(TPM_RC_INTEGRITY, 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 t[512], params[600];
	u32 len, n, i, tpm_rc;

	if (size < 2 || size > BUFSIZE)
		return 0;
	memset(buf, 0xEE, sizeof(buf));
	n = size - 2;
	switch (data[0] % 6) {
	case 0:
		memcpy(buf, data + 2, n);
		if (n >= TPM2_HEADER_SIZE && (data[1] & 1))
			put_unaligned_be32(n, buf + 2);
		do_primary(n, data[1]);
		break;
	case 1:
		len = build_create(data[1], data + 2, n);
		do_primary(len, (data[1] >> 4) * 8);
		break;
	case 2:
		n = build_template(data[1], t);
		for (i = 0; i + 2 < size && i < n; i++)
			t[i] ^= data[2 + i];
		/* inSensitive (empty), inPublic, outsideInfo, creationPCR */
		len = 0;
		put_unaligned_be16(4, params);
		put_unaligned_be32(0, params + 2);
		len = 6;
		put_unaligned_be16(n, params + len);
		memcpy(params + len + 2, t, n);
		len += 2 + n;
		memset(params + len, 0, 6);
		len += 6;
		len = build_create(data[1] >> 3, params, len);
		do_primary(len, (data[1] >> 4) * 8);
		break;
	case 3:
		memcpy(buf, data + 2, n);
		if (n >= TPM2_HEADER_SIZE && (data[1] & 1))
			put_unaligned_be32(n, buf + 2);
		do_open(n, key_a, &tpm_rc);
		break;
	case 4:
		len = put_header(TPM_ST_NO_SESSIONS, TPM_CC_ContextLoad);
		memcpy(buf + len, data + 2, n);
		len += n;
		put_unaligned_be32(len, buf + 2);
		do_open(len, key_a, &tpm_rc);
		break;
	default:
		do_seal(data + 2, n, data[1]);
		break;
	}
	return 0;
}
