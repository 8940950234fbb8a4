// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_tpm2_cmd.c - libFuzzer target for tpmmux/tpm2_cmd.c.
 *
 * Each input is parsed as a command, as a response and as a
 * TPML_PCR_SELECTION.  libFuzzer hands over a heap copy of exactly the
 * input's size, so AddressSanitizer catches any read past the end; the
 * invariants below catch a parser that stays in bounds but lies about
 * where things are.  A broken invariant aborts (a crash for libFuzzer).
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I../../tpmmux \
 *		fuzz_tpm2_cmd.c ../../tpmmux/tpm2_cmd.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#include "tpm2_cmd.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "invariant failed: %s at %s:%d\n",	\
			#cond, __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

static void fuzz_cmd(const u8 *buf, u32 len)
{
	struct tpm2_pcr_selection_list l;
	struct tpm2_cmd c;
	const u8 *p, *data;
	u32 left, end, pos;
	unsigned int i;
	u16 size;
	int rc;

	rc = tpm2_cmd_parse(buf, len, &c);
	CHECK(rc <= 0 || ((u32)rc & 0x80000000u) == 0);
	if (rc) {
		CHECK(c.num_handles == 0 && c.num_sessions == 0);
		CHECK(c.param_off == 0 && c.param_size == 0 && c.auth_off == 0);
		CHECK(tpm2_cmd_policy(&c) == TPMMUX_RC_REFUSED ||
		      (c.desc && !(c.desc->flags & TPM2_CMDF_REFUSE)));
		if (rc == TPMMUX_RC_REFUSED)
			CHECK(!c.desc && !tpm2_cmd_lookup(c.cc));
		if (rc < 0)
			CHECK(rc == -EINVAL);
		return;
	}

	CHECK(len >= TPM2_HEADER_SIZE && len <= TPM2_MAX_COMMAND_SIZE);
	CHECK(c.size == len && get_unaligned_be32(buf + 2) == len);
	CHECK(c.tag == TPM_ST_NO_SESSIONS || c.tag == TPM_ST_SESSIONS);
	CHECK(c.desc && c.desc == tpm2_cmd_lookup(c.cc));
	CHECK(c.num_handles == c.desc->handles && c.num_handles <= 3);
	for (i = 0; i < c.num_handles; i++) {
		CHECK(c.handle_off[i] + 4 <= len);
		CHECK(get_unaligned_be32(buf + c.handle_off[i]) == c.handle[i]);
	}
	CHECK(c.num_sessions <= TPM2_MAX_SESSIONS);
	if (c.tag == TPM_ST_SESSIONS) {
		CHECK(c.auth_off + 4 + c.auth_size <= len);
		CHECK(c.auth_size >= TPM2_MIN_SESSION_SIZE);
		CHECK(c.num_sessions >= 1);
		end = c.auth_off + 4 + c.auth_size;
		pos = c.auth_off + 4;
		for (i = 0; i < c.num_sessions; i++) {
			const struct tpm2_cmd_session *s = &c.session[i];
			u8 t = tpm2_handle_type(s->handle);

			CHECK(s->off == pos && s->off + s->len <= end);
			CHECK(s->nonce_off + s->nonce_size <= end);
			CHECK(s->hmac_off + s->hmac_size <= end);
			CHECK(s->attrs_off < end);
			CHECK(buf[s->attrs_off] == s->attrs);
			CHECK(s->nonce_size <= TPM2_MAX_HASH_SIZE);
			CHECK(s->hmac_size <= TPM2_MAX_HASH_SIZE);
			CHECK(s->handle == TPM_RS_PW ||
			      t == TPM_HT_HMAC_SESSION ||
			      t == TPM_HT_POLICY_SESSION);
			pos += s->len;
		}
		CHECK(pos == end && c.param_off == end);
	} else {
		CHECK(c.num_sessions == 0 && c.auth_off == 0);
	}
	CHECK(c.param_off <= len && c.param_off + c.param_size == len);
	CHECK((tpm2_cmd_policy(&c) == 0) ==
	      !(c.desc->flags & TPM2_CMDF_REFUSE));

	/* walk the parameter area as a chain of TPM2Bs */
	p = buf + c.param_off;
	left = c.param_size;
	while (tpm2b_pull(&p, &left, &data, &size) == 0) {
		CHECK(data + size == p && p <= buf + len);
		CHECK(p + left == buf + len);
	}
	CHECK(p + left == buf + len);

	/* and as a PCR selection list (PCR_Read, PolicyPCR, Quote, ...) */
	p = buf + c.param_off;
	left = c.param_size;
	if (tpm2_pcr_selection_list_pull(&p, &left, &l) == 0)
		CHECK(l.count <= TPM2_PCR_SELECTION_MAX_BANKS &&
		      p + left == buf + len);
	else
		CHECK(p == buf + c.param_off && left == c.param_size);
}

static void fuzz_rsp(const u8 *buf, u32 len)
{
	struct tpm2_rsp r;
	u32 cc;
	int rc;

	/* pick the command being answered from the input's last byte */
	cc = TPM_CC_FIRST + (len ? buf[len - 1] % 0x7c : 0);
	rc = tpm2_rsp_parse(buf, len, cc, &r);
	CHECK(rc == 0 || rc == -EIO);
	if (rc)
		return;
	CHECK(len >= TPM2_HEADER_SIZE && r.size == len);
	CHECK(r.param_off + r.param_size <= len);
	if (r.rc) {
		CHECK(!r.has_handle && r.param_size == 0);
		return;
	}
	if (r.has_handle)
		CHECK(r.handle_off == 10 && r.handle_off + 4 <= len &&
		      tpm2_cmd_lookup(cc)->rhandle);
	if (r.tag == TPM_ST_SESSIONS) {
		CHECK(r.auth_off == r.param_off + r.param_size);
		CHECK(r.auth_off + r.auth_size == len);
		CHECK(r.num_sessions >= 1 && r.num_sessions <= 3);
	} else {
		CHECK(r.param_off + r.param_size == len && !r.num_sessions);
	}
}

static void fuzz_pcr(const u8 *buf, u32 len)
{
	struct tpm2_pcr_selection_list l;
	const u8 *p = buf;
	u32 left = len, i;

	if (tpm2_pcr_selection_list_pull(&p, &left, &l)) {
		CHECK(p == buf && left == len && l.count == 0);
		return;
	}
	CHECK(p + left == buf + len && l.count <= 16);
	for (i = 0; i < l.count; i++)
		CHECK(l.sel[i].size_of_select <= TPM2_PCR_SELECT_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u32 len = size > 0xffffffffu ? 0xffffffffu : (u32)size;

	fuzz_cmd(data, len);
	fuzz_rsp(data, len);
	fuzz_pcr(data, len);
	return 0;
}
