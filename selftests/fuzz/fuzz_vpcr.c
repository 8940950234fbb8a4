// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_vpcr.c - libFuzzer target for tpmmux/vpcr.c.
 *
 * Each input is a short script run against a fresh vpcr with all five
 * banks: up to 16 steps, each one selector byte, a 2-byte length and
 * that many bytes (or what is left).  A step is
 *  - a control step (selector 0xF0-0xFF): Startup, Shutdown, locality;
 *  - a raw command (selector bit 7 set): the bytes as the guest wrote
 *    them (commandSize set to their length half the time);
 *  - otherwise a PCR command or GetCapability (selector bits 0-3, % 6)
 *    with the bytes after the header (tag from bit 6), so that the fuzzer
 *    need not find the header first; with bits 6 and 4 set, a valid
 *    password session (empty password) is put after the handle, so that
 *    it need not find the authorization area either.
 * Bit 5 makes one of the step's digests fail.
 * A command goes through tpm2_cmd_parse() and, when it parses, through
 * vpcr_run() or vpcr_getcap(), in a heap buffer of exactly the size
 * given to them (sometimes too small for the response), so that
 * AddressSanitizer sees any access past it.  Hashing is a deterministic
 * stand-in that can be told to fail.  Broken invariants abort.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I../../tpmmux \
 *		fuzz_vpcr.c ../../tpmmux/vpcr.c ../../tpmmux/tpm2_cmd.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#include "tpm2_cmd.h"
#include "vpcr.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "invariant failed: %s at %s:%d\n",	\
			#cond, __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

static int hash_fail;	/* > 0: the hash_fail-th digest from now fails */

static u32 digest_size(u16 alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:
		return 20;
	case TPM2_ALG_SHA256:
	case TPM2_ALG_SM3_256:
		return 32;
	case TPM2_ALG_SHA384:
		return 48;
	case TPM2_ALG_SHA512:
		return 64;
	}
	return 0;
}

/* FNV-1a spread over the digest: deterministic, not cryptographic */
static int fake_digest(void *priv, u16 alg, const u8 *data, u32 len, u8 *out)
{
	u32 size = digest_size(alg), i;
	u64 h = 0xcbf29ce484222325ULL ^ alg;

	CHECK(priv == (void *)&hash_fail);
	CHECK(size);
	CHECK(len == 0 || data);
	if (hash_fail > 0 && --hash_fail == 0)
		return -EIO;
	for (i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	for (i = 0; i < size; i++) {
		h = (h ^ i) * 0x100000001b3ULL;
		out[i] = h >> 56;
	}
	return 0;
}

static const struct vpcr_hash_ops ops = { .digest = fake_digest };

static const u32 ccs[6] = {
	TPM_CC_PCR_Extend, TPM_CC_PCR_Event, TPM_CC_PCR_Read,
	TPM_CC_PCR_Reset, TPM_CC_PCR_Allocate, TPM_CC_GetCapability,
};

/* Check a response vpcr built in @buf */
static void check_rsp(const u8 *buf, u32 bufsize, u32 len, u32 cc)
{
	struct tpm2_rsp r;
	u32 rc;

	CHECK(len >= TPM2_HEADER_SIZE && len <= bufsize);
	CHECK(len <= VPCR_MAX_RESPONSE);
	CHECK(get_unaligned_be32(buf + 2) == len);
	rc = get_unaligned_be32(buf + 6);
	if (rc) {
		CHECK(len == TPM2_HEADER_SIZE);
		CHECK(get_unaligned_be16(buf) == TPM_ST_NO_SESSIONS);
		return;
	}
	CHECK(tpm2_rsp_parse(buf, len, cc, &r) == 0);
	CHECK(!r.has_handle);
}

static void run_cmd(struct vpcr *v, const u8 *cmd, u32 len, u32 bufsize,
		    bool fail)
{
	struct tpm2_cmd c;
	u32 rsp_len, before;
	bool handled;
	u8 *buf;
	int ret;

	if (bufsize < len)
		bufsize = len;
	buf = malloc(bufsize ? bufsize : 1);
	CHECK(buf);
	memcpy(buf, cmd, len);
	if (tpm2_cmd_parse(buf, len, &c)) {
		free(buf);
		return;
	}
	before = vpcr_update_counter(v);
	hash_fail = fail ? 1 + (len % 7) : 0;
	if (vpcr_handles(&c)) {
		ret = vpcr_run(v, &ops, (void *)&hash_fail, buf, bufsize, &c,
			       &rsp_len);
		if (ret) {
			CHECK(ret == -ENOSPC || ret == -EIO);
			CHECK(ret != -ENOSPC || bufsize < VPCR_MAX_RESPONSE);
			CHECK(ret != -EIO || fail);
			CHECK(ret != -EIO ||
			      vpcr_update_counter(v) == before);
		} else {
			check_rsp(buf, bufsize, rsp_len, c.cc);
			/* an error changes nothing that the counter shows */
			if (get_unaligned_be32(buf + 6))
				CHECK(vpcr_update_counter(v) == before);
		}
	} else {
		ret = vpcr_getcap(v, buf, bufsize, &c, &rsp_len, &handled);
		CHECK(ret == 0 || ret == -ENOSPC);
		CHECK(ret == 0 || handled);
		if (!ret && handled)
			check_rsp(buf, bufsize, rsp_len, c.cc);
		CHECK(handled || c.cc != TPM_CC_GetCapability ||
		      c.param_size < 4 ||
		      (get_unaligned_be32(buf + c.param_off) != TPM_CAP_PCRS &&
		       get_unaligned_be32(buf + c.param_off) !=
		       TPM_CAP_PCR_PROPERTIES));
		CHECK(vpcr_update_counter(v) == before);
	}
	hash_fail = 0;
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 cmd[TPM2_MAX_COMMAND_SIZE + TPM2_HEADER_SIZE];
	const u8 *p = data;
	size_t left = size;
	unsigned int steps = 0;
	struct vpcr *v;
	u8 out[TPM2_MAX_HASH_SIZE];
	u32 i;

	v = vpcr_new(VPCR_BANKS_ALL, data && size ? data[0] & 0x1f : 0);
	CHECK(v);
	while (left >= 3 && steps++ < 16) {
		u8 sel = p[0];
		u32 n = get_unaligned_be16(p + 1), bufsize;

		p += 3;
		left -= 3;
		if (n > left)
			n = left;
		if (n > TPM2_MAX_COMMAND_SIZE)
			n = TPM2_MAX_COMMAND_SIZE;
		/* the response buffer: usually roomy, sometimes tight */
		bufsize = (n & 3) ? TPM2_MAX_RESPONSE_SIZE : (n * 7) % 600;

		if (sel >= 0xF0) {
			u32 rc;

			switch (sel & 3) {
			case 0:
				rc = vpcr_startup(v, sel & 4);
				CHECK(rc == 0 || rc == TPM_RC_LOCALITY ||
				      rc == tpm2_rc_param(TPM_RC_VALUE, 1));
				break;
			case 1:
				rc = vpcr_shutdown(v, sel & 4);
				CHECK(rc == 0 || rc == tpm2_rc_param(TPM_RC_TYPE, 1));
				break;
			default:
				vpcr_set_locality(v, (sel >> 2) & 7);
				break;
			}
		} else if (sel & 0x80) {
			memcpy(cmd, p, n);
			if ((sel & 1) && n >= TPM2_HEADER_SIZE)
				put_unaligned_be32(n, cmd + 2);
			run_cmd(v, cmd, n, bufsize, sel & 0x20);
			/* and as a response to fix up */
			vpcr_getcap_fixup(v, cmd, n);
		} else {
			u32 cc = ccs[(sel & 0xF) % 6], len = TPM2_HEADER_SIZE;
			u32 nh = 0, body = n;

			put_unaligned_be16(sel & 0x40 ? TPM_ST_SESSIONS :
					   TPM_ST_NO_SESSIONS, cmd);
			put_unaligned_be32(cc, cmd + 6);
			if ((sel & 0x50) == 0x50 && n) {
				u8 a = p[0], pw = a & 3;

				/*
				 * the handle (TPM_RH_PLATFORM for
				 * PCR_Allocate), then a password session:
				 * byte a gives its attributes (usually
				 * continueSession) and a password of 0-3
				 * bytes, zeros or not
				 */
				nh = 1;
				if (cc == TPM_CC_PCR_Allocate) {
					put_unaligned_be32(TPM_RH_PLATFORM,
							   cmd + len);
					len += 4;
				} else if (cc != TPM_CC_PCR_Read &&
					   cc != TPM_CC_GetCapability) {
					nh += n - 1 < 4 ? n - 1 : 4;
					memcpy(cmd + len, p + 1, nh - 1);
					len += nh - 1;
				}
				put_unaligned_be32(9 + pw, cmd + len);
				put_unaligned_be32(TPM_RS_PW, cmd + len + 4);
				put_unaligned_be16(0, cmd + len + 8);
				cmd[len + 10] = a & 0x40 ? a : 0x01;
				put_unaligned_be16(pw, cmd + len + 11);
				memset(cmd + len + 13, a & 0x20 ? 'x' : 0, pw);
				len += 13 + pw;
				body = n - nh;
			}
			if (body > TPM2_MAX_COMMAND_SIZE - len)
				body = TPM2_MAX_COMMAND_SIZE - len;
			memcpy(cmd + len, p + nh, body);
			len += body;
			put_unaligned_be32(len, cmd + 2);
			run_cmd(v, cmd, len, bufsize, sel & 0x20);
		}
		p += n;
		left -= n;
	}

	/* every allocated PCR reads back; nothing past the banks */
	for (i = 0; i < VPCR_NUM_PCRS; i++) {
		int r = vpcr_read(v, TPM2_ALG_SHA384, i, out);

		CHECK(r == 48 || r == -ENOENT);
	}
	CHECK(vpcr_read(v, TPM2_ALG_SHA1, VPCR_NUM_PCRS, out) == -EINVAL);
	CHECK((vpcr_active_banks(v) & ~VPCR_BANKS_ALL) == 0);
	vpcr_free(v);
	return 0;
}
