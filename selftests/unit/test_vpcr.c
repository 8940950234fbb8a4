// SPDX-License-Identifier: GPL-2.0
/*
 * test_vpcr.c - unit tests for tpmmux/vpcr.c (TAP output).
 *
 * libtpms, in this process, is the oracle: every PCR command is sent
 * byte for byte to the virtual PCRs and to libtpms, and the two responses
 * must be byte for byte the same (response code, digests, update counter,
 * response sessions).  OpenSSL hashes for the virtual PCRs.  Commands are
 * built by hand, as in test_space.c.
 *
 * libtpms 0.9 allocates all four of its banks (SHA-1, SHA-256, SHA-384,
 * SHA-512) at manufacture; the setup checks that with
 * GetCapability(TPM_CAP_PCRS) and, if it is not so, allocates them with
 * PCR_Allocate and a restart.  The vpcr implements the same four banks.
 *
 * VPCR_SEED=n in the environment changes the random sequence (default 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_library.h>
#include <libtpms/tpm_error.h>
#include <libtpms/tpm_memory.h>
#include <openssl/evp.h>

#include "tap.h"
#include "tpm2_cmd.h"
#include "vpcr.h"

#define BANKS4	(VPCR_BANK_SHA1 | VPCR_BANK_SHA256 | VPCR_BANK_SHA384 | \
		 VPCR_BANK_SHA512)

static const u16 algs4[4] = {
	TPM2_ALG_SHA1, TPM2_ALG_SHA256, TPM2_ALG_SHA384, TPM2_ALG_SHA512,
};

static u32 alg_size(u16 alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:
		return 20;
	case TPM2_ALG_SHA256:
		return 32;
	case TPM2_ALG_SHA384:
		return 48;
	case TPM2_ALG_SHA512:
		return 64;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* libtpms as the oracle                                              */
/* ------------------------------------------------------------------ */

#include "libtpms_nv.h"

static unsigned char *tpm_rbuf;
static uint32_t tpm_rbufsize;

/* Responses of the two sides */
static u8 rsp_t[TPM2_MAX_RESPONSE_SIZE], rsp_v[TPM2_MAX_RESPONSE_SIZE];
static u32 len_t, len_v;

/* libtpms: the response to @len bytes at @cmd into rsp_t. */
static u32 tpm_run_raw(const u8 *cmd, u32 len)
{
	unsigned char in[TPM2_MAX_COMMAND_SIZE];
	uint32_t rlen = 0;

	len_t = 0;
	if (len > sizeof(in))
		return 0xDEAD0001;
	memcpy(in, cmd, len);
	if (TPMLIB_Process(&tpm_rbuf, &rlen, &tpm_rbufsize, in, len) ||
	    rlen < TPM2_HEADER_SIZE || rlen > sizeof(rsp_t))
		return 0xDEAD0002;
	memcpy(rsp_t, tpm_rbuf, rlen);
	len_t = rlen;
	return get_unaligned_be32(rsp_t + 6);
}

static u32 tpm_startup(bool clear)
{
	u8 c[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, !clear };

	return tpm_run_raw(c, sizeof(c));
}

static u32 tpm_shutdown(bool state)
{
	u8 c[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, state };

	return tpm_run_raw(c, sizeof(c));
}

/* _TPM_Init: libtpms reloads its state, including the PCR allocation. */
static int tpm_power_cycle(void)
{
	TPMLIB_Terminate();
	return TPMLIB_MainInit() ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* OpenSSL hashes for the vpcr                                        */
/* ------------------------------------------------------------------ */

static int hash_fail;	/* > 0: the hash_fail-th digest from now fails */

static int ossl_digest(void *priv, u16 alg, const u8 *data, u32 len, u8 *out)
{
	const EVP_MD *md;
	unsigned int n;

	(void)priv;
	if (hash_fail > 0 && --hash_fail == 0)
		return -EIO;
	switch (alg) {
	case TPM2_ALG_SHA1:
		md = EVP_sha1();
		break;
	case TPM2_ALG_SHA256:
		md = EVP_sha256();
		break;
	case TPM2_ALG_SHA384:
		md = EVP_sha384();
		break;
	case TPM2_ALG_SHA512:
		md = EVP_sha512();
		break;
	default:
		return -EINVAL;
	}
	if (len && !data)
		return -EINVAL;
	return EVP_Digest(data ? data : (const u8 *)"", len, out, &n, md,
			  NULL) ? 0 : -EIO;
}

static const struct vpcr_hash_ops hops = { .digest = ossl_digest };

/* ------------------------------------------------------------------ */
/* Building commands                                                  */
/* ------------------------------------------------------------------ */

struct cmdb {
	u8 b[TPM2_MAX_COMMAND_SIZE];
	u32 len;
	u32 auth_off;
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

static void cb_init(struct cmdb *c, u16 tag, u32 cc)
{
	memset(c, 0, sizeof(*c));
	cb_u16(c, tag);
	cb_u32(c, 0);
	cb_u32(c, cc);
}

static void cb_session(struct cmdb *c, u32 handle, const u8 *nonce,
		       u16 nonce_len, u8 attrs, const u8 *hmac, u16 hmac_len)
{
	cb_u32(c, handle);
	cb_u16(c, nonce_len);
	cb_bytes(c, nonce, nonce_len);
	cb_u8(c, attrs);
	cb_u16(c, hmac_len);
	cb_bytes(c, hmac, hmac_len);
}

static void cb_auth_begin(struct cmdb *c)
{
	c->auth_off = c->len;
	cb_u32(c, 0);
}

static void cb_auth_end(struct cmdb *c)
{
	put_unaligned_be32(c->len - c->auth_off - 4, c->b + c->auth_off);
}

/* The usual password session: empty password, continueSession */
static void cb_pw(struct cmdb *c)
{
	cb_auth_begin(c);
	cb_session(c, TPM_RS_PW, NULL, 0, TPMA_SESSION_CONTINUESESSION,
		   NULL, 0);
	cb_auth_end(c);
}

static void cb_done(struct cmdb *c)
{
	put_unaligned_be32(c->len, c->b + 2);
}

/* PCR_Extend(@pcr) with @n digests of banks @alg[], random bytes */
static void cb_extend(struct cmdb *c, u32 pcr, unsigned int n,
		      const u16 *alg, const u8 *data)
{
	unsigned int i;

	cb_init(c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(c, pcr);
	cb_pw(c);
	cb_u32(c, n);
	for (i = 0; i < n; i++) {
		cb_u16(c, alg[i]);
		cb_bytes(c, data + 64 * i, alg_size(alg[i]));
	}
	cb_done(c);
}

static void cb_event(struct cmdb *c, u32 pcr, const u8 *data, u16 n)
{
	cb_init(c, TPM_ST_SESSIONS, TPM_CC_PCR_Event);
	cb_u32(c, pcr);
	cb_pw(c);
	cb_u16(c, n);
	cb_bytes(c, data, n);
	cb_done(c);
}

static void cb_reset(struct cmdb *c, u32 pcr)
{
	cb_init(c, TPM_ST_SESSIONS, TPM_CC_PCR_Reset);
	cb_u32(c, pcr);
	cb_pw(c);
	cb_done(c);
}

/* A TPMS_PCR_SELECTION with the PCRs in @mask */
static void cb_sel(struct cmdb *c, u16 alg, u8 size, u32 mask)
{
	unsigned int i;

	cb_u16(c, alg);
	cb_u8(c, size);
	for (i = 0; i < size; i++)
		cb_u8(c, i < 4 ? mask >> (8 * i) : 0);
}

/* PCR_Read of @n selections (@alg[i], sizeofSelect 3, @mask[i]) */
static void cb_read(struct cmdb *c, unsigned int n, const u16 *alg,
		    const u32 *mask)
{
	unsigned int i;

	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	cb_u32(c, n);
	for (i = 0; i < n; i++)
		cb_sel(c, alg[i], 3, mask[i]);
	cb_done(c);
}

static void cb_allocate(struct cmdb *c, unsigned int n, const u16 *alg,
			const u32 *mask)
{
	unsigned int i;

	cb_init(c, TPM_ST_SESSIONS, TPM_CC_PCR_Allocate);
	cb_u32(c, TPM_RH_PLATFORM);
	cb_pw(c);
	cb_u32(c, n);
	for (i = 0; i < n; i++)
		cb_sel(c, alg[i], 3, mask[i]);
	cb_done(c);
}

static void cb_get_cap(struct cmdb *c, u32 cap, u32 prop, u32 count)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_GetCapability);
	cb_u32(c, cap);
	cb_u32(c, prop);
	cb_u32(c, count);
	cb_done(c);
}

/* ------------------------------------------------------------------ */
/* Running commands on both sides                                     */
/* ------------------------------------------------------------------ */

static struct vpcr *vp;

/* Parser answers (tpm2_cmd_parse() failed): vpcr was not asked */
#define PARSE_FAILED	0xBAD00000

/*
 * Run @len bytes at @cmd as the dispatcher would: parse, then vpcr_run()
 * or vpcr_getcap().  The response into rsp_v; returns its code,
 * PARSE_FAILED | the parser's code, or 0xDEAD0000 | -errno.
 */
static u32 vpcr_run_raw(const u8 *cmd, u32 len, u32 bufsize)
{
	static u8 buf[TPM2_MAX_RESPONSE_SIZE];
	struct tpm2_cmd c;
	bool handled;
	int ret;

	len_v = 0;
	memset(buf, 0xA5, sizeof(buf));
	memcpy(buf, cmd, len);
	ret = tpm2_cmd_parse(buf, len, &c);
	if (ret)
		return PARSE_FAILED | (ret & 0xFFFFF);
	if (vpcr_handles(&c)) {
		ret = vpcr_run(vp, &hops, NULL, buf, bufsize, &c, &len_v);
	} else {
		ret = vpcr_getcap(vp, buf, bufsize, &c, &len_v, &handled);
		if (!ret && !handled)
			return 0xBAD0BAD0;
	}
	if (ret)
		return 0xDEAD0000 | -ret;
	if (len_v < TPM2_HEADER_SIZE || len_v > bufsize ||
	    get_unaligned_be32(buf + 2) != len_v)
		return 0xBAD00001;
	memcpy(rsp_v, buf, len_v);
	return get_unaligned_be32(rsp_v + 6);
}

static void hexdump(const char *who, const u8 *p, u32 n)
{
	char line[3 * 32 + 1];
	u32 i, k = 0;

	diag("%s (%u bytes):", who, n);
	for (i = 0; i < n; i++) {
		sprintf(line + 3 * k, "%02x ", p[i]);
		if (++k == 32 || i + 1 == n) {
			diag("  %s", line);
			k = 0;
		}
	}
}

/* Responses identical?  With @verbose, dump both when they are not. */
static bool same(bool verbose)
{
	bool eq = len_t && len_t == len_v && !memcmp(rsp_t, rsp_v, len_t);

	if (!eq && verbose) {
		hexdump("vpcr", rsp_v, len_v);
		hexdump("libtpms", rsp_t, len_t);
	}
	return eq;
}

/* Send @c to both; both response codes in *@rc_t / *@rc_v */
static bool both(const struct cmdb *c, u32 *rc_t, u32 *rc_v, bool verbose)
{
	u32 t = tpm_run_raw(c->b, c->len);
	u32 v = vpcr_run_raw(c->b, c->len, sizeof(rsp_v));

	if (rc_t)
		*rc_t = t;
	if (rc_v)
		*rc_v = v;
	return same(verbose);
}

/* One test: @c gives byte-identical responses; the code is printed. */
static __attribute__((format(printf, 2, 3)))
bool cmp(const struct cmdb *c, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	u32 t, v;
	bool eq;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	eq = both(c, &t, &v, true);
	ok(eq, "%s: 0x%x%s", name, t, eq ? "" : " (vpcr differs)");
	if (!eq)
		diag("vpcr: 0x%x libtpms: 0x%x", v, t);
	return eq;
}

/*
 * PCR_Read of every PCR of every bank of @algs, 8 at a time, on both
 * sides; returns the number of reads that differ.
 */
static int read_all(const u16 *algs, unsigned int nalgs)
{
	unsigned int b, g;
	struct cmdb c;
	int bad = 0;

	for (b = 0; b < nalgs; b++) {
		for (g = 0; g < 3; g++) {
			u32 mask = 0xFFu << (8 * g);

			cb_read(&c, 1, &algs[b], &mask);
			if (!both(&c, NULL, NULL, bad == 0))
				bad++;
		}
	}
	return bad;
}

/* Start both sides again: Shutdown(@state), _TPM_Init, Startup(@clear) */
static bool restart(bool state, bool clear)
{
	u32 rt, rv;

	rt = tpm_shutdown(state);
	rv = vpcr_shutdown(vp, state);
	if (rt != rv) {
		diag("shutdown: libtpms 0x%x vpcr 0x%x", rt, rv);
		return false;
	}
	if (tpm_power_cycle())
		return false;
	rt = tpm_startup(clear);
	rv = vpcr_startup(vp, clear);
	if (rt != rv) {
		diag("startup: libtpms 0x%x vpcr 0x%x", rt, rv);
		return false;
	}
	return !rt || tpm_startup(true) == vpcr_startup(vp, true);
}

/* xorshift64*: a reproducible random sequence */
static u64 rnd_state = 1;

static u32 rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (rnd_state * 0x2545F4914F6CDD1DULL) >> 32;
}

static void rnd_bytes(u8 *p, u32 n)
{
	while (n--)
		*p++ = rnd();
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
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
	static const u8 want_pcrs[] = {
		0, 0, 0, 0, 5, 0, 0, 0, 4,
		0, 0x04, 3, 0xFF, 0xFF, 0xFF,
		0, 0x0B, 3, 0xFF, 0xFF, 0xFF,
		0, 0x0C, 3, 0xFF, 0xFF, 0xFF,
		0, 0x0D, 3, 0xFF, 0xFF, 0xFF,
	};
	u32 mask[4] = { 0xFFFFFF, 0xFFFFFF, 0xFFFFFF, 0xFFFFFF };
	struct cmdb c;
	int ok_init;

	ok_init = !TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) &&
		  !TPMLIB_RegisterCallbacks(&cbs) && !TPMLIB_MainInit();
	ok(ok_init, "libtpms initialised as a TPM 2.0");
	if (!ok_init)
		exit(done_testing());
	is_hex(tpm_startup(true), 0, "libtpms: TPM2_Startup(CLEAR)");

	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	tpm_run_raw(c.b, c.len);
	if (len_t != TPM2_HEADER_SIZE + sizeof(want_pcrs) ||
	    memcmp(rsp_t + TPM2_HEADER_SIZE, want_pcrs, sizeof(want_pcrs))) {
		diag("libtpms does not have all four banks: PCR_Allocate");
		hexdump("TPM_CAP_PCRS", rsp_t, len_t);
		cb_allocate(&c, 4, algs4, mask);
		tpm_run_raw(c.b, c.len);
		tpm_shutdown(false);
		tpm_power_cycle();
		tpm_startup(true);
		tpm_run_raw(c.b, c.len);
	} else {
		diag("libtpms allocates SHA-1, SHA-256, SHA-384, SHA-512 (all 24 PCRs)");
	}
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	tpm_run_raw(c.b, c.len);
	ok(len_t == TPM2_HEADER_SIZE + sizeof(want_pcrs) &&
	   !memcmp(rsp_t + TPM2_HEADER_SIZE, want_pcrs, sizeof(want_pcrs)),
	   "libtpms: the four banks are active");

	ok(!vpcr_new(0, 0), "vpcr_new() without banks fails");
	vp = vpcr_new(BANKS4, 0);
	ok(vp != NULL, "vpcr_new(SHA-1 | SHA-256 | SHA-384 | SHA-512)");
	if (!vp)
		exit(done_testing());
	is_hex(vpcr_active_banks(vp), BANKS4, "  all four banks active");
	is_int(read_all(algs4, 4), 0,
	       "a new vpcr reads as libtpms after Startup(CLEAR): every PCR, every bank, pcrUpdateCounter");
	is_int(vpcr_update_counter(vp), 20,
	       "  pcrUpdateCounter is 20 (the start counts PCR 0-15, 17-20)");
}

/* (a) 200 random PCR_Extend / PCR_Event / PCR_Reset */
static void test_random(void)
{
	unsigned int i, n_ext = 0, n_evt = 0, n_rst = 0, n_ok = 0, n_err = 0;
	unsigned int mismatch = 0;
	u8 data[1024];
	struct cmdb c;
	u32 t, v;

	for (i = 0; i < 200; i++) {
		u32 pcr = rnd() % 24, kind = rnd() % 10;
		u16 alg[4];
		unsigned int n, k;

		if (kind < 5) {
			/* 1-4 digests, random banks (repeats allowed) */
			n = 1 + rnd() % 4;
			for (k = 0; k < n; k++)
				alg[k] = algs4[rnd() % 4];
			rnd_bytes(data, sizeof(data));
			cb_extend(&c, pcr, n, alg, data);
			n_ext++;
		} else if (kind < 8) {
			n = rnd() % 3 ? rnd() % 64 : rnd() % 1025;
			rnd_bytes(data, n);
			cb_event(&c, pcr, data, n);
			n_evt++;
		} else {
			cb_reset(&c, pcr);
			n_rst++;
		}
		if (!both(&c, &t, &v, mismatch == 0)) {
			if (!mismatch)
				diag("command %u (0x%x on PCR %u) differs: libtpms 0x%x vpcr 0x%x",
				     i, get_unaligned_be32(c.b + 6), pcr, t, v);
			mismatch++;
		}
		if (t)
			n_err++;
		else
			n_ok++;
	}
	diag("%u PCR_Extend, %u PCR_Event, %u PCR_Reset: %u succeeded, %u errors (TPM_RC_LOCALITY)",
	     n_ext, n_evt, n_rst, n_ok, n_err);
	is_int(mismatch, 0,
	       "200 random PCR_Extend/PCR_Event/PCR_Reset (PCR 0-23): every response byte-identical to libtpms");
	ok(n_ok > 100 && n_err > 10, "  the sequence has successes and locality errors");
	is_int(read_all(algs4, 4), 0,
	       "then PCR_Read of every PCR in every bank: byte-identical");
}

/* (b) PCR_Read selection rules */
static void test_read(void)
{
	static const u16 two[2] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256 };
	static const u16 dup[2] = { TPM2_ALG_SHA256, TPM2_ALG_SHA256 };
	u32 m2[2] = { 0x3F, 0x3F }, md[2] = { 0x1, 0x1 | 0x800000 };
	u32 all4[4] = { 0xFFFFFF, 0xFFFFFF, 0xFFFFFF, 0xFFFFFF };
	u32 mask = 0xFFFFFF;
	struct cmdb c;
	unsigned int s;
	u16 alg;

	cb_read(&c, 1, &algs4[1], &mask);
	if (cmp(&c, "PCR_Read of 24 PCRs in SHA-256"))
		ok(get_unaligned_be32(rsp_v + 14) == 1 &&
		   !memcmp(rsp_v + 18, "\x00\x0b\x03\xff\x00\x00", 6) &&
		   get_unaligned_be32(rsp_v + 24) == 8,
		   "  8 digests, pcrSelectionOut trimmed to PCR 0-7");
	cb_read(&c, 2, two, m2);
	if (cmp(&c, "PCR_Read of PCR 0-5 in SHA-1 and SHA-256"))
		ok(!memcmp(rsp_v + 18, "\x00\x04\x03\x3f\x00\x00\x00\x0b\x03\x03\x00\x00", 12),
		   "  6 + 2 digests: the SHA-256 selection trimmed to PCR 0-1");
	cb_read(&c, 4, algs4, all4);
	cmp(&c, "PCR_Read of everything in four banks: 8 digests, the rest cleared");
	cb_read(&c, 2, dup, md);
	cmp(&c, "PCR_Read naming SHA-256 twice");
	cb_read(&c, 0, NULL, NULL);
	cmp(&c, "PCR_Read of no bank");
	mask = 0;
	cb_read(&c, 1, &algs4[3], &mask);
	cmp(&c, "PCR_Read of no PCR");

	for (s = 0; s <= 5; s++) {
		cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
		cb_u32(&c, 1);
		cb_sel(&c, TPM2_ALG_SHA256, s, 0xFFFFFFFF);
		cb_done(&c);
		cmp(&c, "PCR_Read with sizeofSelect %u", s);
	}
	alg = TPM2_ALG_SM3_256;
	mask = 0xFF;
	cb_read(&c, 1, &alg, &mask);
	cmp(&c, "PCR_Read of SM3_256, a bank neither implements");
	alg = TPM2_ALG_NULL;
	cb_read(&c, 1, &alg, &mask);
	cmp(&c, "PCR_Read of TPM_ALG_NULL");
	alg = TPM2_ALG_SHA3_256;
	cb_read(&c, 1, &alg, &mask);
	cmp(&c, "PCR_Read of SHA3-256");

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	cb_u32(&c, 5);
	for (s = 0; s < 5; s++)
		cb_sel(&c, TPM2_ALG_SHA1, 3, 1);
	cb_done(&c);
	cmp(&c, "PCR_Read with count 5 (more than the banks)");

	cb_read(&c, 1, &algs4[0], &mask);
	c.b[c.len++] = 0;
	cb_done(&c);
	cmp(&c, "PCR_Read with a byte left over");

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Read);
	cb_pw(&c);
	cb_u32(&c, 1);
	cb_sel(&c, TPM2_ALG_SHA1, 3, 1);
	cb_done(&c);
	cmp(&c, "PCR_Read with a password session (for no handle)");

	/* small buffers: the response does not fit */
	cb_read(&c, 1, &algs4[3], &all4[0]);
	is_hex(vpcr_run_raw(c.b, c.len, 64), 0xDEAD0000 | ENOSPC,
	       "a response that does not fit the buffer: -ENOSPC");
}

/* (c) Startup, initial values, PCR_Allocate */
static void test_startup(void)
{
	static const u16 two[2] = { TPM2_ALG_SHA384, TPM2_ALG_SHA512 };
	u32 mask = 0xFFFFFF, none[2] = { 0, 0 }, m[4];
	u32 all[4] = { mask, mask, mask, mask }, half[2] = { mask, 0 };
	u8 data[4 * 64];
	struct cmdb c;
	unsigned int i;

	ok(restart(false, true), "Shutdown(CLEAR), _TPM_Init, Startup(CLEAR) on both");
	is_int(read_all(algs4, 4), 0,
	       "  after TPM Reset: PCR 17-22 all ones, the rest zero, counter 20, as libtpms");
	ok(vpcr_read(vp, TPM2_ALG_SHA256, 17, data) == 32 &&
	   data[0] == 0xFF && data[31] == 0xFF &&
	   vpcr_read(vp, TPM2_ALG_SHA512, 16, data) == 64 && !data[63],
	   "  vpcr_read(): PCR 17 is all ones, PCR 16 zero");

	for (i = 0; i < 24; i++) {
		rnd_bytes(data, sizeof(data));
		cb_extend(&c, i, 4, algs4, data);
		both(&c, NULL, NULL, false);
	}
	ok(restart(true, false), "Shutdown(STATE), _TPM_Init, Startup(STATE) (Resume)");
	is_int(read_all(algs4, 4), 0,
	       "  after TPM Resume: PCR 0-15 kept, 16-23 initialized, counter kept + 4");
	ok(restart(true, true), "Shutdown(STATE), _TPM_Init, Startup(CLEAR) (Restart)");
	is_int(read_all(algs4, 4), 0,
	       "  after TPM Restart: every PCR initialized, counter kept + 20");

	/* Resume needs an orderly Shutdown(STATE) */
	tpm_shutdown(true);
	vpcr_shutdown(vp, true);
	rnd_bytes(data, sizeof(data));
	cb_extend(&c, 3, 4, algs4, data);
	cmp(&c, "PCR_Extend of PCR 3 after Shutdown(STATE)");
	ok(!tpm_power_cycle(), "_TPM_Init");
	is_hex(vpcr_startup(vp, false), tpm_startup(false),
	       "  Startup(STATE) then fails as on libtpms (the extend made the shutdown disorderly)");
	is_hex(vpcr_startup(vp, true), tpm_startup(true), "  Startup(CLEAR) works");
	is_int(read_all(algs4, 4), 0, "  and gives the same PCRs (counter kept: TPM Restart)");

	/* PCR_Allocate: SHA-384 and SHA-512 off */
	cb_allocate(&c, 2, two, none);
	cmp(&c, "PCR_Allocate: SHA-384 and SHA-512 without PCRs");
	is_int(read_all(algs4, 4), 0, "  the banks stay until the next start");
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	cmp(&c, "  GetCapability(TPM_CAP_PCRS) still lists the old allocation");
	is_hex(vpcr_shutdown(vp, true), tpm_shutdown(true),
	       "  Shutdown(STATE) is refused while the allocation is pending");
	ok(restart(false, true), "Shutdown(CLEAR), _TPM_Init, Startup(CLEAR)");
	is_hex(vpcr_active_banks(vp), VPCR_BANK_SHA1 | VPCR_BANK_SHA256,
	       "  SHA-1 and SHA-256 are active");
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	cmp(&c, "  GetCapability(TPM_CAP_PCRS) lists the new allocation");
	is_int(read_all(algs4, 4), 0, "  PCR_Read of SHA-384/512 returns empty selections");
	rnd_bytes(data, sizeof(data));
	cb_extend(&c, 7, 4, algs4, data);
	cmp(&c, "  PCR_Extend with digests of inactive banks (ignored)");
	cb_event(&c, 8, data, 100);
	cmp(&c, "  PCR_Event lists a digest for every implemented bank");
	is_int(read_all(algs4, 4), 0, "  PCR_Read of everything");
	ok(vpcr_read(vp, TPM2_ALG_SHA384, 0, data) == -ENOENT &&
	   vpcr_read(vp, TPM2_ALG_SM3_256, 0, data) == -EINVAL &&
	   vpcr_read(vp, TPM2_ALG_SHA1, 24, data) == -EINVAL,
	   "  vpcr_read(): -ENOENT for an inactive bank, -EINVAL for no bank or PCR");

	/* a partial bank; PCR 0 or 17 in no bank is refused */
	m[0] = 0;
	m[1] = 0x03FFFF;	/* SHA-256: PCR 0-17 */
	cb_allocate(&c, 2, algs4, m);
	cmp(&c, "PCR_Allocate: SHA-1 off, SHA-256 PCR 0-17 only");
	m[1] = 0xFFFFFE;
	cb_allocate(&c, 2, algs4, m);
	cmp(&c, "PCR_Allocate without PCR 0 in any bank: TPM_RC_PCR");
	m[1] = 0xFDFFFF;
	cb_allocate(&c, 2, algs4, m);
	cmp(&c, "PCR_Allocate without PCR 17 in any bank: TPM_RC_PCR");
	ok(restart(false, true), "restart");
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	cmp(&c, "  GetCapability(TPM_CAP_PCRS): the first (successful) allocation");
	is_int(read_all(algs4, 4), 0, "  PCR_Read: SHA-256 PCR 18-23 are not returned");
	cb_extend(&c, 20, 2, algs4, data);
	cmp(&c, "  PCR_Extend of an unallocated PCR (locality error first)");
	cb_extend(&c, 23, 2, algs4, data);
	cmp(&c, "  PCR_Extend of PCR 23, not allocated in any bank");
	cb_reset(&c, 23);
	cmp(&c, "  PCR_Reset of PCR 23, not allocated");
	cb_event(&c, 16, data, 3);
	cmp(&c, "  PCR_Event of PCR 16");

	/* back to four banks */
	cb_allocate(&c, 4, algs4, all);
	cmp(&c, "PCR_Allocate of all four banks");
	cb_allocate(&c, 2, two, half);
	cmp(&c, "  a second PCR_Allocate replaces the first (relative to the active one)");
	cb_allocate(&c, 4, algs4, all);
	cmp(&c, "  and a third");
	ok(restart(false, true), "restart");
	is_int(read_all(algs4, 4), 0, "  four banks again, as on libtpms");

	/* GetCapability */
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 0);
	cmp(&c, "GetCapability(TPM_CAP_PCRS, count 0)");
	cb_get_cap(&c, TPM_CAP_PCRS, 1, 1);
	cmp(&c, "GetCapability(TPM_CAP_PCRS, property 1)");
	{
		static const u32 pc[][2] = {
			{ 0, 100 }, { 0, 1 }, { 0, 0 }, { 5, 3 }, { 0x0A, 2 },
			{ 0x0B, 1 }, { 0x0B, 100 }, { 0x14, 1 }, { 0x15, 1 },
			{ 0x10, 2 }, { 0xFFFFFFFF, 5 }, { 1, 0xFFFFFFFF },
		};

		for (i = 0; i < ARRAY_SIZE(pc); i++) {
			cb_get_cap(&c, TPM_CAP_PCR_PROPERTIES, pc[i][0], pc[i][1]);
			cmp(&c, "GetCapability(TPM_CAP_PCR_PROPERTIES, 0x%x, %u)",
			    pc[i][0], pc[i][1]);
		}
	}
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	c.len -= 2;
	cb_done(&c);
	cmp(&c, "GetCapability(TPM_CAP_PCRS) without all of propertyCount");
	cb_get_cap(&c, TPM_CAP_PCR_PROPERTIES, 0, 1);
	c.b[c.len++] = 1;
	cb_done(&c);
	cmp(&c, "GetCapability(TPM_CAP_PCR_PROPERTIES) with a byte left over");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_GetCapability);
	cb_pw(&c);
	cb_u32(&c, TPM_CAP_PCRS);
	cb_u32(&c, 0);
	cb_u32(&c, 1);
	cb_done(&c);
	cmp(&c, "GetCapability(TPM_CAP_PCRS) with a password session");
	cb_get_cap(&c, TPM_CAP_ALGS, 0, 1);
	is_hex(vpcr_run_raw(c.b, c.len, sizeof(rsp_v)), 0xBAD0BAD0,
	       "GetCapability(TPM_CAP_ALGS) is not vpcr's");

	cb_get_cap(&c, TPM_CAP_TPM_PROPERTIES, TPM_PT_FIXED, 100);
	tpm_run_raw(c.b, c.len);
	memcpy(rsp_v, rsp_t, len_t);
	vpcr_getcap_fixup(vp, rsp_v, len_t);
	len_v = len_t;
	ok(same(true) && len_t > 100,
	   "vpcr_getcap_fixup() leaves libtpms's TPM properties as they are (PCR_COUNT 24, PCR_SELECT_MIN 3)");
	for (i = 19; i + 8 <= len_t; i += 8)
		if (get_unaligned_be32(rsp_v + i) == TPM_PT_PCR_COUNT)
			put_unaligned_be32(32, rsp_v + i + 4);
	vpcr_getcap_fixup(vp, rsp_v, len_t);
	ok(same(true), "  and puts back a PCR_COUNT of 32");
}

/* (d) authorization */
static void test_auth(void)
{
	static const u8 pw[3] = "abc", zeros[4] = { 0 }, nonce[16] = { 1 };
	u8 hmac[32] = { 1 }, data[4 * 64] = { 0 };
	struct cmdb c;
	u32 rc;

	/* HMAC and policy sessions: vpcr cannot check them */
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_auth_begin(&c);
	cb_session(&c, 0x02000000, nonce, 16, TPMA_SESSION_CONTINUESESSION,
		   hmac, 32);
	cb_auth_end(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	rc = vpcr_run_raw(c.b, c.len, sizeof(rsp_v));
	is_hex(rc, VPCR_RC_AUTH_UNSUPPORTED,
	       "PCR_Extend with an HMAC session: VPCR_RC_AUTH_UNSUPPORTED");
	ok(len_v == 10 && get_unaligned_be16(rsp_v) == TPM_ST_NO_SESSIONS,
	   "  a 10-byte error response");
	put_unaligned_be32(0x03000001, c.b + c.auth_off + 4);
	is_hex(vpcr_run_raw(c.b, c.len, sizeof(rsp_v)), VPCR_RC_AUTH_UNSUPPORTED,
	       "PCR_Extend with a policy session: VPCR_RC_AUTH_UNSUPPORTED");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Read);
	cb_auth_begin(&c);
	cb_session(&c, 0x02000000, nonce, 16, TPMA_SESSION_AUDIT |
		   TPMA_SESSION_CONTINUESESSION, hmac, 32);
	cb_auth_end(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	is_hex(vpcr_run_raw(c.b, c.len, sizeof(rsp_v)), VPCR_RC_AUTH_UNSUPPORTED,
	       "PCR_Read with an audit session: VPCR_RC_AUTH_UNSUPPORTED");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Event);
	cb_u32(&c, 0);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 0, NULL, 0);
	cb_session(&c, 0x02000001, nonce, 16, TPMA_SESSION_DECRYPT, hmac, 32);
	cb_auth_end(&c);
	cb_u16(&c, 1);
	cb_u8(&c, 'x');
	cb_done(&c);
	is_hex(vpcr_run_raw(c.b, c.len, sizeof(rsp_v)), VPCR_RC_AUTH_UNSUPPORTED,
	       "PCR_Event with a password and a decrypt session: VPCR_RC_AUTH_UNSUPPORTED");

	/* what vpcr can check, it checks as the TPM does */
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Extend without a session");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Reset);
	cb_u32(&c, 16);
	cb_done(&c);
	cmp(&c, "PCR_Reset without a session");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Event);
	cb_u32(&c, TPM_RH_NULL);
	cb_u16(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Event(TPM_RH_NULL) without a session");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Allocate);
	cb_u32(&c, TPM_RH_PLATFORM);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Allocate without a session");

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 0, pw, 3);
	cb_auth_end(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Extend with a wrong (non-empty) password");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 0, zeros, 4);
	cb_auth_end(&c);
	cb_u32(&c, 1);
	cb_u16(&c, TPM2_ALG_SHA1);
	cb_bytes(&c, data, 20);
	cb_done(&c);
	cmp(&c, "PCR_Extend with a password of zeros (the empty one), continueSession clear");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, nonce, 16, 1, NULL, 0);
	cb_auth_end(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Extend with a password session with a nonce");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, TPMA_SESSION_AUDIT, NULL, 0);
	cb_auth_end(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Extend with a password session with audit");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Reset);
	cb_u32(&c, 16);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 0x09, NULL, 0);
	cb_auth_end(&c);
	cb_done(&c);
	cmp(&c, "PCR_Reset with a reserved session attribute");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Reset);
	cb_u32(&c, 16);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 1, NULL, 0);
	cb_session(&c, TPM_RS_PW, NULL, 0, 1, NULL, 0);
	cb_auth_end(&c);
	cb_done(&c);
	cmp(&c, "PCR_Reset with two password sessions");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Reset);
	cb_u32(&c, 16);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 1, pw, 1);
	cb_session(&c, TPM_RS_PW, NULL, 0, 1, NULL, 0);
	cb_auth_end(&c);
	cb_done(&c);
	cmp(&c, "PCR_Reset with a wrong password and a second password session");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Allocate);
	cb_u32(&c, TPM_RH_OWNER);
	cb_pw(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Allocate(TPM_RH_OWNER)");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Allocate);
	cb_u32(&c, TPM_RH_PLATFORM);
	cb_auth_begin(&c);
	cb_session(&c, TPM_RS_PW, NULL, 0, 1, pw, 2);
	cb_auth_end(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Allocate with a wrong platform password");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Allocate);
	cb_u32(&c, TPM_RH_PLATFORM);
	cb_pw(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Allocate of nothing (keeps the allocation)");
	ok(restart(false, true), "restart");
}

/* (e) malformed parameters */
static void test_malformed(void)
{
	u8 data[2048];
	struct cmdb c, base[6];
	static const u32 some[4] = { 1, 2, 3, 0xF00000 };
	static const u32 all[4] = { 0xFFFFFF, 0xFFFFFF, 0xFFFFFF, 0xFFFFFF };
	unsigned int i, k, ncmp = 0, nparse = 0, nsess = 0, bad = 0;
	u32 v;

	memset(data, 0x5A, sizeof(data));

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Event);
	cb_u32(&c, 16);
	cb_pw(&c);
	cb_u16(&c, 10);
	cb_bytes(&c, data, 5);
	cb_done(&c);
	cmp(&c, "PCR_Event: eventData runs past the end");
	cb_event(&c, 16, data, 1025);
	cmp(&c, "PCR_Event: eventData of 1025 bytes");
	cb_event(&c, 16, data, 1024);
	cmp(&c, "PCR_Event: eventData of 1024 bytes");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Event);
	cb_u32(&c, 16);
	cb_pw(&c);
	cb_u16(&c, 0xFFFF);
	cb_done(&c);
	cmp(&c, "PCR_Event: eventData size 0xFFFF and nothing after");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Event);
	cb_u32(&c, 16);
	cb_pw(&c);
	cb_u8(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Event: half a size field");
	cb_event(&c, 24, data, 4);
	cmp(&c, "PCR_Event of PCR 24");
	cb_event(&c, TPM_RH_NULL, data, 4);
	cmp(&c, "PCR_Event of TPM_RH_NULL: digests, no extend");

	for (i = 0; i < 3; i++) {
		static const u32 counts[3] = { 5, 0x80000000, 0xFFFFFFFF };

		cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
		cb_u32(&c, 0);
		cb_pw(&c);
		cb_u32(&c, counts[i]);
		for (k = 0; k < 5; k++) {
			cb_u16(&c, TPM2_ALG_SHA1);
			cb_bytes(&c, data, 20);
		}
		cb_done(&c);
		cmp(&c, "PCR_Extend: count 0x%x", counts[i]);
	}
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_pw(&c);
	cb_u32(&c, 1);
	cb_u16(&c, TPM2_ALG_SHA256);
	cb_bytes(&c, data, 20);
	cb_done(&c);
	cmp(&c, "PCR_Extend: a SHA-256 digest of 20 bytes");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_pw(&c);
	cb_u32(&c, 1);
	cb_u16(&c, TPM2_ALG_SHA1);
	cb_bytes(&c, data, 32);
	cb_done(&c);
	cmp(&c, "PCR_Extend: a SHA-1 digest of 32 bytes");
	{
		static const u16 bad_algs[] = {
			TPM2_ALG_NULL, TPM2_ALG_SM3_256, TPM2_ALG_RSA, 0xFFFF,
			TPM2_ALG_SHA3_256,
		};

		for (i = 0; i < ARRAY_SIZE(bad_algs); i++) {
			u16 a[2] = { TPM2_ALG_SHA1, bad_algs[i] };

			cb_extend(&c, 0, 2, a, data);
			cmp(&c, "PCR_Extend: second digest of algorithm 0x%x",
			    bad_algs[i]);
		}
	}
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_pw(&c);
	cb_done(&c);
	cmp(&c, "PCR_Extend: no parameters");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Extend);
	cb_u32(&c, 0);
	cb_pw(&c);
	cb_u32(&c, 0);
	cb_done(&c);
	cmp(&c, "PCR_Extend: no digest");
	cb_extend(&c, 24, 1, algs4, data);
	cmp(&c, "PCR_Extend of PCR 24");
	cb_extend(&c, 0x40000001, 1, algs4, data);
	cmp(&c, "PCR_Extend of TPM_RH_OWNER");
	cb_extend(&c, TPM_RH_NULL, 1, algs4, data);
	cmp(&c, "PCR_Extend of TPM_RH_NULL");
	cb_extend(&c, TPM_RH_NULL, 1, algs4, data);
	c.b[c.len++] = 0;
	cb_done(&c);
	cmp(&c, "PCR_Extend of TPM_RH_NULL with a byte left over");
	cb_reset(&c, TPM_RH_NULL);
	cmp(&c, "PCR_Reset of TPM_RH_NULL");
	cb_reset(&c, 16);
	c.b[c.len++] = 0;
	cb_done(&c);
	cmp(&c, "PCR_Reset with a byte left over");
	cb_reset(&c, 5);
	c.b[c.len++] = 0;
	cb_done(&c);
	cmp(&c, "PCR_Reset of PCR 5 with a byte left over");

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	cb_u32(&c, 1);
	cb_sel(&c, TPM2_ALG_SHA1, 5, 0xFF);
	cb_done(&c);
	cmp(&c, "PCR_Read: sizeofSelect 5");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	cb_u32(&c, 2);
	cb_sel(&c, TPM2_ALG_SHA1, 3, 0xFF);
	cb_done(&c);
	cmp(&c, "PCR_Read: count 2, one selection");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	cb_u32(&c, 1);
	cb_u16(&c, TPM2_ALG_SHA1);
	cb_u8(&c, 3);
	cb_u8(&c, 0xFF);
	cb_done(&c);
	cmp(&c, "PCR_Read: pcrSelect runs past the end");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_PCR_Allocate);
	cb_u32(&c, TPM_RH_PLATFORM);
	cb_pw(&c);
	cb_u32(&c, 1);
	cb_sel(&c, TPM2_ALG_SHA1, 4, 0xFFFFFF);
	cb_done(&c);
	cmp(&c, "PCR_Allocate: sizeofSelect 4");

	/*
	 * Every truncation of well-formed commands, and random bytes
	 * changed in them: whenever the parser lets the command through,
	 * vpcr and libtpms answer alike.
	 */
	cb_extend(&base[0], 16, 4, algs4, data);
	cb_event(&base[1], 23, data, 40);
	cb_read(&base[2], 4, algs4, some);
	cb_reset(&base[3], 16);
	cb_allocate(&base[4], 4, algs4, all);
	cb_init(&base[5], TPM_ST_NO_SESSIONS, TPM_CC_GetCapability);
	cb_u32(&base[5], TPM_CAP_PCR_PROPERTIES);
	cb_u32(&base[5], 0);
	cb_u32(&base[5], 30);
	cb_done(&base[5]);
	for (i = 0; i < ARRAY_SIZE(base); i++) {
		for (k = TPM2_HEADER_SIZE; k <= base[i].len; k++) {
			c = base[i];
			c.len = k;
			cb_done(&c);
			v = vpcr_run_raw(c.b, c.len, sizeof(rsp_v));
			if ((v & 0xFFF00000) == PARSE_FAILED) {
				nparse++;
				continue;
			}
			tpm_run_raw(c.b, c.len);
			ncmp++;
			if (!same(bad == 0)) {
				if (!bad)
					diag("command 0x%x cut to %u bytes differs",
					     get_unaligned_be32(c.b + 6), k);
				bad++;
			}
		}
	}
	diag("%u truncations compared (%u stopped by tpm2_cmd_parse)", ncmp, nparse);
	is_int(bad, 0, "every truncation of PCR_Extend/Event/Read/Reset/Allocate and GetCapability: same response");

	ncmp = nparse = bad = 0;
	for (i = 0; i < 3000; i++) {
		unsigned int n = 1 + rnd() % 4;

		c = base[rnd() % ARRAY_SIZE(base)];
		while (n--) {
			k = TPM2_HEADER_SIZE + rnd() % (c.len - TPM2_HEADER_SIZE);
			c.b[k] = rnd() % 3 ? rnd() : c.b[k] ^ (1u << (rnd() % 8));
		}
		if (rnd() % 4 == 0) {
			c.len = TPM2_HEADER_SIZE + rnd() % (c.len - 9);
			cb_done(&c);
		}
		/* PCR_Allocate changes the allocation: not in this mix */
		if (get_unaligned_be32(c.b + 6) == TPM_CC_PCR_Allocate)
			put_unaligned_be32(TPM_RH_OWNER, c.b + 10);
		v = vpcr_run_raw(c.b, c.len, sizeof(rsp_v));
		if ((v & 0xFFF00000) == PARSE_FAILED || v == 0xBAD0BAD0) {
			nparse++;
			continue;
		}
		/*
		 * A session handle turned into an HMAC or policy session:
		 * vpcr refuses it by design; libtpms answers according to
		 * its own session slots (TPM_RC_VALUE out of its range,
		 * TPM_RC_REFERENCE_S0 + n for a session not loaded).
		 */
		if (v == VPCR_RC_AUTH_UNSUPPORTED) {
			struct tpm2_cmd pc;
			unsigned int s, pw = 0;

			tpm2_cmd_parse(c.b, c.len, &pc);
			for (s = 0; s < pc.num_sessions; s++)
				pw += pc.session[s].handle == TPM_RS_PW;
			if (pw == pc.num_sessions)
				bad++;
			nsess++;
			continue;
		}
		tpm_run_raw(c.b, c.len);
		ncmp++;
		if (!same(bad == 0)) {
			if (!bad)
				diag("mutation %u (command 0x%x) differs", i,
				     get_unaligned_be32(c.b + 6));
			bad++;
		}
	}
	diag("%u mutated commands compared (%u not for vpcr or stopped by tpm2_cmd_parse, %u with an HMAC/policy session refused)",
	     ncmp, nparse, nsess);
	is_int(bad, 0, "3000 randomly mutated PCR commands: same response as libtpms");
	is_int(read_all(algs4, 4), 0, "  and the same PCRs after them");
}

/* Hash failures, locality, vpcr_run() misuse */
static void test_misc(void)
{
	u8 data[4 * 64], before[32], after[32];
	struct tpm2_cmd cmd;
	struct cmdb c;
	u32 counter, len;
	struct vpcr *v2;
	int i;

	rnd_bytes(data, sizeof(data));
	counter = vpcr_update_counter(vp);
	vpcr_read(vp, TPM2_ALG_SHA256, 4, before);
	cb_extend(&c, 4, 4, algs4, data);
	hash_fail = 3;	/* the SHA-384 extend fails */
	is_hex(vpcr_run_raw(c.b, c.len, sizeof(rsp_v)), 0xDEAD0000 | EIO,
	       "a hash failure in the third bank: vpcr_run() returns -EIO");
	vpcr_read(vp, TPM2_ALG_SHA256, 4, after);
	ok(!memcmp(before, after, 32) && vpcr_update_counter(vp) == counter,
	   "  and no PCR and not the counter changed");
	hash_fail = 6;	/* the SHA-256 extend, after the four digests */
	cb_event(&c, 4, data, 10);
	is_hex(vpcr_run_raw(c.b, c.len, sizeof(rsp_v)), 0xDEAD0000 | EIO,
	       "PCR_Event: the same");
	ok(vpcr_update_counter(vp) == counter, "  counter unchanged");
	hash_fail = 0;
	ok(read_all(algs4, 4) == 0, "the PCRs still match libtpms");

	/* vpcr_run() refuses what is not its own */
	cb_get_cap(&c, TPM_CAP_PCRS, 0, 1);
	memcpy(rsp_v, c.b, c.len);
	ok(!tpm2_cmd_parse(rsp_v, c.len, &cmd) &&
	   vpcr_run(vp, &hops, NULL, rsp_v, sizeof(rsp_v), &cmd, &len) == -EINVAL,
	   "vpcr_run() of GetCapability: -EINVAL");
	cb_reset(&c, 16);
	memcpy(rsp_v, c.b, c.len);
	tpm2_cmd_parse(rsp_v, c.len, &cmd);
	ok(vpcr_run(vp, &hops, NULL, rsp_v, c.len - 1, &cmd, &len) == -EINVAL,
	   "vpcr_run() with a buffer shorter than the command: -EINVAL");

	/* locality 3 may extend PCR 16-20 and 23, not 21-22 */
	v2 = vpcr_new(VPCR_BANK_SHA256, 0);
	ok(v2 && vpcr_active_banks(v2) == VPCR_BANK_SHA256,
	   "a vpcr with one bank");
	if (!v2)
		return;
	vpcr_set_locality(v2, 3);
	for (i = 16; i < 24; i++) {
		u16 a = TPM2_ALG_SHA256;
		u32 rc;

		cb_extend(&c, i, 1, &a, data);
		memcpy(rsp_v, c.b, c.len);
		tpm2_cmd_parse(rsp_v, c.len, &cmd);
		vpcr_run(v2, &hops, NULL, rsp_v, sizeof(rsp_v), &cmd, &len);
		rc = get_unaligned_be32(rsp_v + 6);
		if (i != 21 && i != 22)
			is_hex(rc, 0, "locality 3: PCR_Extend(%d) works", i);
		else
			is_hex(rc, TPM_RC_LOCALITY,
			       "locality 3: PCR_Extend(%d): TPM_RC_LOCALITY", i);
	}
	is_hex(vpcr_startup(v2, true), 0, "Startup(CLEAR) at locality 3");
	ok(vpcr_read(v2, TPM2_ALG_SHA256, 0, data) == 32 && data[31] == 3,
	   "  PCR 0 ends in 03 (the H-CRTM locality)");
	vpcr_set_locality(v2, 2);
	is_hex(vpcr_startup(v2, true), TPM_RC_LOCALITY,
	       "Startup at locality 2: TPM_RC_LOCALITY");
	vpcr_set_locality(v2, 9);
	cb_reset(&c, 16);
	memcpy(rsp_v, c.b, c.len);
	tpm2_cmd_parse(rsp_v, c.len, &cmd);
	vpcr_run(v2, &hops, NULL, rsp_v, sizeof(rsp_v), &cmd, &len);
	is_hex(get_unaligned_be32(rsp_v + 6), TPM_RC_LOCALITY,
	       "locality 4 (9 clamped): PCR_Reset(16) is refused (DRTM TPM)");
	is_hex(vpcr_startup(v2, false), TPM_RC_LOCALITY,
	       "Startup(STATE) at locality 4: TPM_RC_LOCALITY first");
	vpcr_free(v2);
	vpcr_free(NULL);
}

int main(void)
{
	const char *seed = getenv("VPCR_SEED");

	if (seed)
		rnd_state = strtoull(seed, NULL, 0) | 1;
	diag("random seed %llu", (unsigned long long)rnd_state);
	test_setup();
	test_random();
	test_read();
	test_startup();
	test_auth();
	test_malformed();
	test_misc();

	vpcr_free(vp);
	TPMLIB_Terminate();
	TPM_Free(tpm_rbuf);
	for (unsigned int i = 0; i < ARRAY_SIZE(nvfile); i++)
		free(nvfile[i].data);
	return done_testing();
}
