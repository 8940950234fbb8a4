// SPDX-License-Identifier: GPL-2.0
/*
 * test_space.c - unit tests for tpmmux/space.c (TAP output).
 *
 * The chip is a real TPM 2.0: libtpms, in this process, with its NV state
 * in memory.  Like the dispatcher, the tests evict a space before running
 * another VM's commands.  Commands are built by hand, byte by byte, the
 * way tools/testing/selftests/tpm2/tpm2.py builds them; the one HMAC
 * session is computed with OpenSSL (libtpms's own crypto library).
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
#include "space.h"

/* ------------------------------------------------------------------ */
/* libtpms as the chip                                                */
/* ------------------------------------------------------------------ */

/* NV "files" of libtpms, kept in memory */
#include "libtpms_nv.h"

/* What reached the chip */
static struct {
	unsigned long calls;
	unsigned long saves, loads, flushes;	/* by command code */
	int fail;	/* > 0: fail that many xmits with -ENODEV */
	int skip;	/* ... after letting this many through */
	int corrupt;	/* > 0: that many responses get a bad size */
} chip;

static unsigned char *tpm_rbuf;
static uint32_t tpm_rbufsize;

/* Send @len bytes at @cmd straight to libtpms; the response into @rsp. */
static int tpm_process(const u8 *cmd, u32 len, u8 *rsp, u32 rspsize,
		       u32 *rsp_len)
{
	unsigned char in[TPM2_MAX_COMMAND_SIZE];
	uint32_t rlen = 0;

	if (len > sizeof(in))
		return -EINVAL;
	memcpy(in, cmd, len);
	if (TPMLIB_Process(&tpm_rbuf, &rlen, &tpm_rbufsize, in, len) ||
	    rlen < TPM2_HEADER_SIZE || rlen > rspsize)
		return -EIO;
	memcpy(rsp, tpm_rbuf, rlen);
	*rsp_len = rlen;
	return 0;
}

/* struct tpmmux_space_ops.xmit */
static int chip_xmit(void *priv, u8 *buf, u32 bufsize)
{
	u32 len = get_unaligned_be32(buf + 2), cc = get_unaligned_be32(buf + 6);
	u32 rlen;

	(void)priv;
	chip.calls++;
	if (chip.fail > 0) {
		if (chip.skip > 0) {
			chip.skip--;
		} else {
			chip.fail--;
			return -ENODEV;
		}
	}
	if (len < TPM2_HEADER_SIZE || len > bufsize)
		return -EINVAL;
	if (cc == TPM_CC_ContextSave)
		chip.saves++;
	else if (cc == TPM_CC_ContextLoad)
		chip.loads++;
	else if (cc == TPM_CC_FlushContext)
		chip.flushes++;
	if (tpm_process(buf, len, buf, bufsize, &rlen))
		return -EIO;
	if (chip.corrupt > 0) {
		chip.corrupt--;
		put_unaligned_be32(bufsize + 1, buf + 2);
	}
	return 0;
}

static const struct tpmmux_space_ops ops = { .xmit = chip_xmit };

/* ------------------------------------------------------------------ */
/* Building commands                                                  */
/* ------------------------------------------------------------------ */

struct cmdb {
	u8 b[TPM2_MAX_COMMAND_SIZE];
	u32 len;
	u32 auth_off;	/* where authorizationSize goes; 0: none */
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

static void cb_init(struct cmdb *c, u16 tag, u32 cc)
{
	memset(c, 0, sizeof(*c));
	cb_u16(c, tag);
	cb_u32(c, 0);
	cb_u32(c, cc);
}

/* Start the authorization area (after the handles). */
static void cb_auth_begin(struct cmdb *c)
{
	c->auth_off = c->len;
	cb_u32(c, 0);
}

/* One session: handle, nonce, attributes, hmac */
static void cb_session(struct cmdb *c, u32 handle, const u8 *nonce,
		       u16 nonce_len, u8 attrs, const u8 *hmac, u16 hmac_len)
{
	cb_u32(c, handle);
	cb_tpm2b(c, nonce, nonce_len);
	cb_u8(c, attrs);
	cb_tpm2b(c, hmac, hmac_len);
}

static void cb_auth_end(struct cmdb *c)
{
	put_unaligned_be32(c->len - c->auth_off - 4, c->b + c->auth_off);
}

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

/*
 * CreatePrimary's parameters: an ECC NIST P-256 storage key (restricted
 * decrypt, AES-128-CFB) in the owner hierarchy, empty auth; @tag goes
 * into unique.x so that keys can differ.
 */
static void cb_primary_params(struct cmdb *c, u8 tag)
{
	u32 pub_size_off;

	cb_u16(c, 4);			/* inSensitive */
	cb_u16(c, 0);			/*   userAuth */
	cb_u16(c, 0);			/*   data */
	pub_size_off = c->len;
	cb_u16(c, 0);			/* inPublic.size */
	cb_u16(c, TPM2_ALG_ECC);
	cb_u16(c, TPM2_ALG_SHA256);
	/* fixedTPM fixedParent sensitiveDataOrigin userWithAuth noDA
	 * restricted decrypt
	 */
	cb_u32(c, 0x00030472);
	cb_u16(c, 0);			/* authPolicy */
	cb_u16(c, TPM2_ALG_AES);
	cb_u16(c, 128);
	cb_u16(c, TPM2_ALG_CFB);
	cb_u16(c, TPM2_ALG_NULL);	/* scheme */
	cb_u16(c, 0x0003);		/* TPM_ECC_NIST_P256 */
	cb_u16(c, TPM2_ALG_NULL);	/* kdf */
	cb_tpm2b(c, &tag, 1);		/* unique.x */
	cb_u16(c, 0);			/* unique.y */
	put_unaligned_be16(c->len - pub_size_off - 2, c->b + pub_size_off);
	cb_u16(c, 0);			/* outsideInfo */
	cb_u32(c, 0);			/* creationPCR: no banks */
}

static void cb_create_primary(struct cmdb *c, u8 tag)
{
	cb_init(c, TPM_ST_SESSIONS, TPM_CC_CreatePrimary);
	cb_u32(c, TPM_RH_OWNER);
	cb_pw(c);
	cb_primary_params(c, tag);
	cb_done(c);
}

static void cb_read_public(struct cmdb *c, u32 handle)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_ReadPublic);
	cb_u32(c, handle);
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

static void cb_flush(struct cmdb *c, u32 handle)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_FlushContext);
	cb_u32(c, handle);
	cb_done(c);
}

static void cb_start_session(struct cmdb *c, u8 type, const u8 *nonce)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_StartAuthSession);
	cb_u32(c, TPM_RH_NULL);		/* tpmKey: unsalted */
	cb_u32(c, TPM_RH_NULL);		/* bind: unbound */
	cb_tpm2b(c, nonce, 32);		/* nonceCaller */
	cb_u16(c, 0);			/* encryptedSalt */
	cb_u8(c, type);
	cb_u16(c, TPM2_ALG_NULL);	/* symmetric */
	cb_u16(c, TPM2_ALG_SHA256);	/* authHash */
	cb_done(c);
}

static void cb_policy_get_digest(struct cmdb *c, u32 session)
{
	cb_init(c, TPM_ST_NO_SESSIONS, TPM_CC_PolicyGetDigest);
	cb_u32(c, session);
	cb_done(c);
}

/* ------------------------------------------------------------------ */
/* Running commands                                                   */
/* ------------------------------------------------------------------ */

static u8 rsp[TPMMUX_SPACE_BUFSIZE];
static u32 rsp_len;

/*
 * Run @c in @sp as the dispatcher does (parse, policy, space).  Returns
 * the response code, or 0xDEAD0000 | -errno when the space failed.
 */
static u32 run(struct tpmmux_space *sp, const struct cmdb *c)
{
	static u8 buf[TPMMUX_SPACE_BUFSIZE];
	struct tpm2_cmd cmd;
	int ret;

	memset(buf, 0xA5, sizeof(buf));
	memcpy(buf, c->b, c->len);
	ret = tpm2_cmd_parse(buf, c->len, &cmd);
	if (ret || tpm2_cmd_policy(&cmd)) {
		diag("command 0x%x does not parse: %d", cmd.cc, ret);
		return 0xBAD00000;
	}
	rsp_len = 0;
	ret = tpmmux_space_run(sp, &ops, NULL, buf, sizeof(buf), &cmd,
			       &rsp_len);
	if (ret)
		return 0xDEAD0000 | -ret;
	if (rsp_len < TPM2_HEADER_SIZE || rsp_len > sizeof(buf) ||
	    get_unaligned_be32(buf + 2) != rsp_len) {
		diag("bad response length %u", rsp_len);
		return 0xBAD00001;
	}
	memcpy(rsp, buf, rsp_len);
	return get_unaligned_be32(rsp + 6);
}

/* CreatePrimary in @sp; the virtual handle, or 0 on failure. */
static u32 create_primary(struct tpmmux_space *sp, u8 tag)
{
	struct cmdb c;
	u32 rc;

	cb_create_primary(&c, tag);
	rc = run(sp, &c);
	if (rc) {
		diag("CreatePrimary: 0x%x", rc);
		return 0;
	}
	return get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
}

static u32 read_public(struct tpmmux_space *sp, u32 handle)
{
	struct cmdb c;

	cb_read_public(&c, handle);
	return run(sp, &c);
}

static u32 flush(struct tpmmux_space *sp, u32 handle)
{
	struct cmdb c;

	cb_flush(&c, handle);
	return run(sp, &c);
}

/*
 * GetCapability(TPM_CAP_HANDLES, @prop, @count) in @sp (or, with @sp
 * NULL, on the raw chip).  Fills @h (up to 64) and *@more; returns the
 * number of handles, or -1.
 */
static int get_handles(struct tpmmux_space *sp, u32 prop, u32 count, u32 *h,
		       int *more)
{
	struct cmdb c;
	u32 n, i;

	cb_get_cap(&c, TPM_CAP_HANDLES, prop, count);
	if (sp) {
		if (run(sp, &c))
			return -1;
	} else if (tpm_process(c.b, c.len, rsp, sizeof(rsp), &rsp_len) ||
		   get_unaligned_be32(rsp + 6)) {
		return -1;
	}
	if (rsp_len < 19 || get_unaligned_be32(rsp + 11) != TPM_CAP_HANDLES)
		return -1;
	n = get_unaligned_be32(rsp + 15);
	if (n > 64 || rsp_len != 19 + 4 * n)
		return -1;
	for (i = 0; i < n; i++)
		h[i] = get_unaligned_be32(rsp + 19 + 4 * i);
	*more = rsp[10];
	return n;
}

static struct tpmmux_space_stats stats(const struct tpmmux_space *sp)
{
	struct tpmmux_space_stats st;

	tpmmux_space_get_stats(sp, &st);
	return st;
}

static u64 ctx_ops(const struct tpmmux_space *sp)
{
	struct tpmmux_space_stats st = stats(sp);

	return st.context_saves + st.context_loads + st.flushes;
}

static int evict(struct tpmmux_space *sp)
{
	return tpmmux_space_evict(sp, &ops, NULL);
}

static bool is_vhandle(u32 h, u32 vm)
{
	return (h & 0xFFFFF000) == (0x80000000 | vm << 12);
}

/* ------------------------------------------------------------------ */
/* An HMAC session, computed by hand                                  */
/* ------------------------------------------------------------------ */

struct hmac_session {
	u32 handle;
	u8 nonce_tpm[64];
	u16 nonce_tpm_len;
	u8 nonce_caller[32];
};

/*
 * CreatePrimary authorized by @s (unbound, unsalted: the HMAC key is the
 * owner's empty authValue).  hmac = HMAC(key, cpHash || nonceCaller ||
 * nonceTPM || sessionAttributes), cpHash = H(commandCode || name(owner)
 * || parameters).
 */
static void cb_create_primary_hmac(struct cmdb *c, struct hmac_session *s,
				   u8 attrs, u8 tag)
{
	struct cmdb params;
	u8 cphash[SHA256_DIGEST_LENGTH], hmac[SHA256_DIGEST_LENGTH];
	u8 msg[4 + 4 + TPM2_MAX_COMMAND_SIZE];
	u8 hm[SHA256_DIGEST_LENGTH + 32 + 64 + 1];
	unsigned int hlen = sizeof(hmac), n = 0, i;

	memset(&params, 0, sizeof(params));
	cb_primary_params(&params, tag);
	put_unaligned_be32(TPM_CC_CreatePrimary, msg);
	put_unaligned_be32(TPM_RH_OWNER, msg + 4);
	memcpy(msg + 8, params.b, params.len);
	SHA256(msg, 8 + params.len, cphash);

	for (i = 0; i < sizeof(s->nonce_caller); i++)
		s->nonce_caller[i]++;
	memcpy(hm + n, cphash, sizeof(cphash));
	n += sizeof(cphash);
	memcpy(hm + n, s->nonce_caller, sizeof(s->nonce_caller));
	n += sizeof(s->nonce_caller);
	memcpy(hm + n, s->nonce_tpm, s->nonce_tpm_len);
	n += s->nonce_tpm_len;
	hm[n++] = attrs;
	HMAC(EVP_sha256(), "", 0, hm, n, hmac, &hlen);

	cb_init(c, TPM_ST_SESSIONS, TPM_CC_CreatePrimary);
	cb_u32(c, TPM_RH_OWNER);
	cb_auth_begin(c);
	cb_session(c, s->handle, s->nonce_caller, sizeof(s->nonce_caller),
		   attrs, hmac, hlen);
	cb_auth_end(c);
	cb_bytes(c, params.b, params.len);
	cb_done(c);
}

/* Take nonceTPM from the response of a command that used @s. */
static bool take_nonce(struct hmac_session *s, u32 cc)
{
	struct tpm2_rsp r;
	u16 n;

	if (tpm2_rsp_parse(rsp, rsp_len, cc, &r) || !r.auth_off)
		return false;
	n = get_unaligned_be16(rsp + r.auth_off);
	if (n > sizeof(s->nonce_tpm) || r.auth_off + 2 + n > rsp_len)
		return false;
	memcpy(s->nonce_tpm, rsp + r.auth_off + 2, n);
	s->nonce_tpm_len = n;
	return true;
}

static u32 start_session(struct tpmmux_space *sp, u8 type,
			 struct hmac_session *s)
{
	struct cmdb c;
	u32 rc;
	u16 n;

	memset(s, 0, sizeof(*s));
	memset(s->nonce_caller, 0x11, sizeof(s->nonce_caller));
	cb_start_session(&c, type, s->nonce_caller);
	rc = run(sp, &c);
	if (rc)
		return rc;
	s->handle = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	n = get_unaligned_be16(rsp + TPM2_HEADER_SIZE + 4);
	if (n > sizeof(s->nonce_tpm) || 16u + n > rsp_len)
		return 0xBAD00002;
	memcpy(s->nonce_tpm, rsp + TPM2_HEADER_SIZE + 6, n);
	s->nonce_tpm_len = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static struct tpmmux_space *vm1, *vm2;
static struct cmdb cmd_scratch;
static u32 h1[2], h2[2];

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
	u32 len = 0;
	int ok_init;

	ok_init = !TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) &&
		  !TPMLIB_RegisterCallbacks(&cbs) && !TPMLIB_MainInit();
	ok(ok_init, "libtpms initialised as a TPM 2.0");
	if (!ok_init)
		exit(done_testing());
	is_hex(tpm_process(startup, sizeof(startup), rsp, sizeof(rsp), &len) ?
	       0xFFFFFFFF : get_unaligned_be32(rsp + 6), 0,
	       "TPM2_Startup(CLEAR)");
}

static void test_new(void)
{
	struct tpmmux_space *sp;

	ok(!tpmmux_space_new(4096, 4, 4), "vm_id 4096 is refused");
	sp = tpmmux_space_new(4095, 100000, 100000);
	ok(sp != NULL, "quotas above the limits are clamped");
	tpmmux_space_destroy(sp, &ops, NULL);
	tpmmux_space_destroy(NULL, &ops, NULL);

	vm1 = tpmmux_space_new(1, 16, 4);
	vm2 = tpmmux_space_new(2, 16, 4);
	ok(vm1 && vm2, "spaces for vm 1 and vm 2");
	if (!vm1 || !vm2)
		exit(done_testing());
}

static void test_create(void)
{
	h1[0] = create_primary(vm1, 1);
	h1[1] = create_primary(vm1, 2);
	ok(h1[0] && h1[1] && h1[0] != h1[1],
	   "vm1: two primaries, two handles (0x%08x 0x%08x)", h1[0], h1[1]);
	ok(is_vhandle(h1[0], 1) && is_vhandle(h1[1], 1),
	   "vm1's handles carry vm id 1");
	is_int(stats(vm1).objects, 2, "vm1 has 2 objects");
	is_int(evict(vm1), 0, "evict vm1");
	is_int(stats(vm1).loaded_objects, 0, "nothing of vm1 loaded");

	h2[0] = create_primary(vm2, 1);
	h2[1] = create_primary(vm2, 2);
	ok(h2[0] && h2[1] && h2[0] != h2[1],
	   "vm2: two primaries, two handles (0x%08x 0x%08x)", h2[0], h2[1]);
	ok(is_vhandle(h2[0], 2) && is_vhandle(h2[1], 2),
	   "vm2's handles carry vm id 2");
	ok(h2[0] != h1[0] && h2[0] != h1[1] && h2[1] != h1[0] &&
	   h2[1] != h1[1], "no handle is shared across VMs");
}

static void test_get_cap(void)
{
	u32 h[64];
	int n, more = -1;

	n = get_handles(vm2, TPM_HR_TRANSIENT, 64, h, &more);
	ok(n == 2 && h[0] == h2[0] && h[1] == h2[1] && !more,
	   "vm2 GetCapability(HANDLES, transient) lists its own two");
	n = get_handles(vm2, TPM_HR_TRANSIENT, 1, h, &more);
	ok(n == 1 && h[0] == h2[0] && more == 1,
	   "propertyCount 1: the first handle, moreData");
	n = get_handles(vm2, h2[0] + 1, 8, h, &more);
	ok(n == 1 && h[0] == h2[1] && !more,
	   "property past the first: the second handle only");
	n = get_handles(vm2, TPM_HR_PERSISTENT, 8, h, &more);
	ok(n == 0 && !more, "persistent handles: an empty list");
	is_int(evict(vm2), 0, "evict vm2");

	n = get_handles(vm1, TPM_HR_TRANSIENT, 64, h, &more);
	ok(n == 2 && h[0] == h1[0] && h[1] == h1[1] && !more,
	   "vm1 GetCapability(HANDLES, transient) lists its own two");
}

static void test_isolation(void)
{
	unsigned long calls = chip.calls;

	is_hex(read_public(vm1, h2[0]), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "vm1 using vm2's handle: TPM_RC_HANDLE");
	is_hex(read_public(vm1, h1[0] + 0x100),
	       tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "vm1 using a handle it was never given: TPM_RC_HANDLE");
	is_hex(read_public(vm1, 0x81000001), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "a persistent handle: TPM_RC_HANDLE");
	is_hex(read_public(vm1, 0x80000000), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "a raw chip handle: TPM_RC_HANDLE");
	is_int(chip.calls - calls, 0, "none of these reached the chip");
}

static void test_lazy(void)
{
	u64 before = ctx_ops(vm1);
	u64 loads = stats(vm1).context_loads;
	unsigned long calls;
	int i, fails = 0;

	is_hex(read_public(vm1, h1[0]), 0, "vm1 ReadPublic after evict");
	is_int(stats(vm1).context_loads - loads, 1,
	       "  one ContextLoad issued");
	before = ctx_ops(vm1);
	calls = chip.calls;
	for (i = 0; i < 100; i++)
		fails += read_public(vm1, h1[0]) != 0;
	is_int(fails, 0, "100 consecutive ReadPublic of the same handle");
	is_int(ctx_ops(vm1) - before, 0, "  issued zero context operations");
	is_int(chip.calls - calls, 100, "  and 100 commands to the chip");
	is_int(stats(vm1).loaded_objects, 1,
	       "the other object was never loaded");
}

/*
 * Two VMs taking turns, @per_turn commands each (ReadPublic of their two
 * objects in alternation), @turns turns each; with @every, evict after
 * every command (what the kernel's RM pays), else only at a switch.
 * Returns the context operations issued, or -1 if a command failed.
 */
static long interleave(int turns, int per_turn, bool every)
{
	u64 before = ctx_ops(vm1) + ctx_ops(vm2);
	unsigned long s = chip.saves, l = chip.loads, f = chip.flushes;
	struct tpmmux_space *sp;
	const u32 *h;
	int t, i, v;

	for (t = 0; t < turns; t++) {
		for (v = 0; v < 2; v++) {
			sp = v ? vm2 : vm1;
			h = v ? h2 : h1;
			for (i = 0; i < per_turn; i++) {
				if (read_public(sp, h[i & 1]))
					return -1;
				if (every && evict(sp))
					return -1;
			}
			if (evict(sp))
				return -1;
		}
	}
	/* the space's counts are what the chip saw */
	if (chip.saves + chip.loads + chip.flushes - s - l - f !=
	    ctx_ops(vm1) + ctx_ops(vm2) - before)
		return -2;
	return ctx_ops(vm1) + ctx_ops(vm2) - before;
}

static void test_interleave(void)
{
	u64 s1 = stats(vm1).context_saves, l1 = stats(vm1).context_loads;
	long lazy, every;

	lazy = interleave(5, 10, false);
	ok(lazy > 0, "vm1/vm2 in turns (5 turns x 10 commands), evict at switches: %ld context ops",
	   lazy);
	ok(stats(vm1).context_loads > l1,
	   "  vm1's objects were loaded again after each switch");
	is_int(stats(vm1).context_saves - s1, 0,
	       "  and never saved again: their contexts were kept");
	every = interleave(5, 10, true);
	ok(every > 0, "the same, evict after every command: %ld context ops",
	   every);
	ok(lazy > 0 && every > 3 * lazy,
	   "lazy swapping issues %ld, evict-every-command %ld", lazy, every);
	diag("context operations for 100 commands of 2 VMs: lazy %ld, evict after each %ld",
	     lazy, every);
}

static void test_quota(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(3, 2, 1);
	struct hmac_session s, s2;
	struct cmdb c;
	unsigned long calls;
	u32 a, b;

	a = create_primary(sp, 1);
	b = create_primary(sp, 2);
	ok(a && b, "quota 2: two primaries");
	calls = chip.calls;
	cb_create_primary(&c, 3);
	is_hex(run(sp, &c), TPM_RC_OBJECT_MEMORY,
	       "a third: TPM_RC_OBJECT_MEMORY");
	is_int(chip.calls - calls, 0, "  without reaching the chip");
	is_hex(start_session(sp, TPM_SE_HMAC, &s), 0,
	       "quota 1 session: a session");
	calls = chip.calls;
	is_hex(start_session(sp, TPM_SE_HMAC, &s2), TPM_RC_SESSION_MEMORY,
	       "a second: TPM_RC_SESSION_MEMORY");
	is_int(chip.calls - calls, 0, "  without reaching the chip");
	is_hex(flush(sp, a), 0, "after a flush...");
	ok(create_primary(sp, 3) != 0, "  ...a new primary fits");
	tpmmux_space_destroy(sp, &ops, NULL);
}

static void test_lru(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(4, 8, 4);
	struct tpmmux_space_stats st;
	u32 h[5], cap[64];
	int i, r, fails = 0, n, more;

	for (i = 0; i < 5; i++)
		h[i] = create_primary(sp, 10 + i);
	ok(h[0] && h[1] && h[2] && h[3] && h[4],
	   "5 primaries in one VM on a chip with 3 object slots");
	st = stats(sp);
	ok(st.loaded_objects <= 3 && st.context_saves >= 2,
	   "  the least recently used were saved to make room (%u loaded, %llu saves)",
	   st.loaded_objects, (unsigned long long)st.context_saves);
	for (r = 0; r < 3; r++)
		for (i = 0; i < 5; i++)
			fails += read_public(sp, h[i]) != 0;
	is_int(fails, 0, "using them in turn, 3 rounds: all succeed");
	st = stats(sp);
	ok(st.context_loads >= 10, "  by swapping (%llu loads)",
	   (unsigned long long)st.context_loads);

	/* FlushContext of a loaded and of a saved object */
	is_hex(read_public(sp, h[4]), 0, "h[4] is loaded");
	is_hex(flush(sp, h[4]), 0, "FlushContext of a loaded virtual handle");
	is_hex(flush(sp, h[0]), 0, "FlushContext of a saved virtual handle");
	n = get_handles(sp, TPM_HR_TRANSIENT, 64, cap, &more);
	is_int(n, 3, "GetCapability shows two fewer");
	is_hex(read_public(sp, h[4]), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "the flushed handle: TPM_RC_HANDLE");
	is_hex(flush(sp, h[0]), tpm2_rc_param(TPM_RC_HANDLE, 1),
	       "flushing it again: TPM_RC_HANDLE + P + 1");
	is_hex(flush(sp, 0x81000001), tpm2_rc_param(TPM_RC_HANDLE, 1),
	       "flushing a persistent handle: TPM_RC_HANDLE + P + 1");
	ok(create_primary(sp, 20) != h[4],
	   "a new object does not get a flushed handle back");
	tpmmux_space_destroy(sp, &ops, NULL);
}

static void test_sessions(void)
{
	struct hmac_session s, p;
	struct cmdb c;
	unsigned long calls;
	u64 loads;
	u32 h[64], obj;
	int n, more;

	is_int(evict(vm2), 0, "evict vm2");
	is_hex(start_session(vm1, TPM_SE_HMAC, &s), 0,
	       "vm1 StartAuthSession (HMAC, unsalted, unbound)");
	ok(tpm2_handle_type(s.handle) == TPM_HT_HMAC_SESSION,
	   "  an HMAC session handle 0x%08x", s.handle);
	cb_create_primary_hmac(&c, &s, TPMA_SESSION_CONTINUESESSION, 30);
	is_hex(run(vm1, &c), 0, "vm1 CreatePrimary authorized by the session");
	ok(take_nonce(&s, TPM_CC_CreatePrimary), "  nonceTPM from the response");
	obj = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	is_hex(flush(vm1, obj), 0, "  flush that object");
	n = get_handles(vm1, TPM_HR_HMAC_SESSION, 64, h, &more);
	ok(n == 1 && h[0] == s.handle, "vm1 GetCapability lists its session");
	is_int(evict(vm1), 0, "evict vm1 (saves the session)");
	is_int(stats(vm1).loaded_sessions, 0, "  no session of vm1 loaded");

	calls = chip.calls;
	cb_create_primary_hmac(&c, &s, TPMA_SESSION_CONTINUESESSION, 31);
	is_hex(run(vm2, &c), tpm2_rc_session(TPM_RC_HANDLE, 1),
	       "vm2 using vm1's session in its auth area: TPM_RC_HANDLE + S + 1");
	cb_policy_get_digest(&c, s.handle);
	is_hex(run(vm2, &c), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "vm2 naming vm1's session in its handle area: TPM_RC_HANDLE");
	is_int(chip.calls - calls, 0, "  neither reached the chip");
	n = get_handles(vm2, TPM_HR_HMAC_SESSION, 64, h, &more);
	is_int(n, 0, "vm2 GetCapability lists no session");
	is_int(evict(vm2), 0, "evict vm2");

	loads = stats(vm1).context_loads;
	/* s.nonce_caller moved on: rebuild for vm1 with the right nonces */
	cb_create_primary_hmac(&c, &s, TPMA_SESSION_CONTINUESESSION, 32);
	is_hex(run(vm1, &c), 0, "vm1 uses its session again after evict");
	is_int(stats(vm1).context_loads - loads, 1,
	       "  one ContextLoad (the session)");
	ok(take_nonce(&s, TPM_CC_CreatePrimary), "  nonceTPM");
	obj = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	is_hex(flush(vm1, obj), 0, "  flush that object");

	/* a policy session, named in the handle area */
	is_hex(start_session(vm1, TPM_SE_POLICY, &p), 0,
	       "vm1 StartAuthSession (policy)");
	ok(tpm2_handle_type(p.handle) == TPM_HT_POLICY_SESSION,
	   "  a policy session handle 0x%08x", p.handle);
	cb_policy_get_digest(&c, p.handle);
	is_hex(run(vm1, &c), 0, "vm1 PolicyGetDigest");
	is_int(evict(vm1), 0, "evict vm1");
	is_hex(run(vm1, &c), 0, "vm1 PolicyGetDigest after evict");
	is_int(stats(vm1).sessions, 2, "vm1 has 2 sessions");

	/* without continueSession, a successful command ends the session */
	cb_create_primary_hmac(&c, &s, 0, 33);
	is_hex(run(vm1, &c), 0, "vm1 uses its HMAC session without continueSession");
	obj = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	is_hex(flush(vm1, obj), 0, "  flush that object");
	is_int(stats(vm1).sessions, 1, "  the session is gone");
	n = get_handles(vm1, TPM_HR_HMAC_SESSION, 64, h, &more);
	ok(n == 1 && h[0] == p.handle,
	   "  GetCapability lists only the policy session");
	cb_flush(&c, s.handle);
	is_hex(run(vm1, &c), tpm2_rc_param(TPM_RC_HANDLE, 1),
	       "  and it cannot be flushed any more");
}

static void test_guest_context(void)
{
	u8 blob[TPMMUX_SPACE_BUFSIZE];
	u32 blob_len, h;
	struct cmdb c;

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_ContextSave);
	cb_u32(&c, h1[1]);
	cb_done(&c);
	is_hex(run(vm1, &c), 0, "the guest's own ContextSave of a virtual handle");
	blob_len = rsp_len - TPM2_HEADER_SIZE;
	memcpy(blob, rsp + TPM2_HEADER_SIZE, blob_len);

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_ContextLoad);
	cb_bytes(&c, blob, blob_len);
	cb_done(&c);
	is_hex(run(vm1, &c), 0, "the guest's own ContextLoad");
	h = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	ok(is_vhandle(h, 1) && h != h1[0] && h != h1[1],
	   "  gives a new virtual handle 0x%08x", h);
	is_hex(read_public(vm1, h), 0, "  that works");
	is_hex(flush(vm1, h), 0, "  and can be flushed");

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_ContextSave);
	cb_u32(&c, h1[1]);
	cb_pw(&c);
	cb_done(&c);
	is_hex(run(vm1, &c), TPM_RC_AUTH_CONTEXT,
	       "ContextSave with a session: TPM_RC_AUTH_CONTEXT");
}

static void test_transport_error(void)
{
	is_int(evict(vm1), 0, "evict vm1");
	chip.fail = 1;
	is_hex(read_public(vm1, h1[0]), 0xDEAD0000 | ENODEV,
	       "a transport error while loading: -ENODEV");
	is_hex(read_public(vm1, h1[0]), 0, "the object still works afterwards");
	chip.fail = 1;
	is_hex(read_public(vm1, h1[0]), 0xDEAD0000 | ENODEV,
	       "a transport error on the command: -ENODEV");
	is_hex(read_public(vm1, h1[0]), 0, "the object still works afterwards");
}

/* HashSequenceStart / SequenceUpdate / SequenceComplete */
static void cb_sequence(struct cmdb *c, u32 handle, const char *data,
			bool complete)
{
	cb_init(c, TPM_ST_SESSIONS, complete ? TPM_CC_SequenceComplete :
					       TPM_CC_SequenceUpdate);
	cb_u32(c, handle);
	cb_pw(c);
	cb_tpm2b(c, data, strlen(data));
	if (complete)
		cb_u32(c, TPM_RH_NULL);
	cb_done(c);
}

/*
 * A sequence object changes with every use: each evict must save it
 * again.  Had the space reused an older context, the digest would be
 * that of fewer bytes.
 */
static void test_sequence(void)
{
	static const char * const part[] = {
		"the quick brown fox ", "jumps over ", "the lazy dog",
	};
	u8 want[SHA256_DIGEST_LENGTH];
	char all[64] = "";
	u64 saves = stats(vm1).context_saves;
	u32 objects = stats(vm1).objects, seq;
	struct cmdb c;
	unsigned int i;

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_HashSequenceStart);
	cb_u16(&c, 0);			/* auth */
	cb_u16(&c, TPM2_ALG_SHA256);
	cb_done(&c);
	is_hex(run(vm1, &c), 0, "HashSequenceStart");
	seq = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	ok(is_vhandle(seq, 1), "  a virtual handle 0x%08x", seq);
	for (i = 0; i < ARRAY_SIZE(part); i++) {
		strcat(all, part[i]);
		is_int(evict(vm1), 0, "evict");
		cb_sequence(&c, seq, part[i], i == ARRAY_SIZE(part) - 1);
		is_hex(run(vm1, &c), 0, "  %s", i == ARRAY_SIZE(part) - 1 ?
		       "SequenceComplete" : "SequenceUpdate");
	}
	SHA256((const u8 *)all, strlen(all), want);
	ok(rsp_len > 16 + sizeof(want) &&
	   get_unaligned_be16(rsp + 14) == sizeof(want) &&
	   !memcmp(rsp + 16, want, sizeof(want)),
	   "the digest is that of all the bytes");
	ok(stats(vm1).context_saves - saves >= 3,
	   "  the sequence was saved afresh at each evict");
	is_int(stats(vm1).objects, objects,
	       "SequenceComplete freed the virtual handle");
	is_hex(read_public(vm1, seq), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "  which answers TPM_RC_HANDLE");
}

static u32 context_save(struct tpmmux_space *sp, u32 handle, u8 *blob,
			u32 *blob_len)
{
	struct cmdb c;
	u32 rc;

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_ContextSave);
	cb_u32(&c, handle);
	cb_done(&c);
	rc = run(sp, &c);
	if (!rc) {
		*blob_len = rsp_len - TPM2_HEADER_SIZE;
		memcpy(blob, rsp + TPM2_HEADER_SIZE, *blob_len);
	}
	return rc;
}

static u32 context_load(struct tpmmux_space *sp, const u8 *blob, u32 len)
{
	struct cmdb c;

	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_ContextLoad);
	cb_bytes(&c, blob, len);
	cb_done(&c);
	return run(sp, &c);
}

static bool raw_has(u32 prop, u32 handle)
{
	u32 h[64];
	int i, n, more;

	n = get_handles(NULL, prop, 64, h, &more);
	for (i = 0; i < n; i++)
		if (h[i] == handle)
			return true;
	return false;
}

/* A session the guest saves itself, and loads again. */
static void test_guest_session(void)
{
	struct tpmmux_space *a = tpmmux_space_new(5, 4, 1);
	struct tpmmux_space *b = tpmmux_space_new(6, 4, 1);
	u8 blob[TPMMUX_SPACE_BUFSIZE];
	struct hmac_session p, s;
	unsigned long calls;
	u32 blob_len = 0, h[64];
	struct cmdb c;
	int n, more;

	is_hex(start_session(a, TPM_SE_POLICY, &p), 0,
	       "vm5 StartAuthSession (policy)");
	is_hex(context_save(a, p.handle, blob, &blob_len), 0,
	       "vm5 saves its session itself");
	n = get_handles(a, TPM_HR_POLICY_SESSION, 64, h, &more);
	ok(n == 1 && h[0] == p.handle,
	   "  GetCapability lists it among the saved sessions");
	n = get_handles(a, TPM_HR_HMAC_SESSION, 64, h, &more);
	is_int(n, 0, "  and not among the loaded ones");
	cb_policy_get_digest(&c, p.handle);
	is_hex(run(a, &c), TPM_RC_REFERENCE_H0,
	       "  using it unloaded: the chip's TPM_RC_REFERENCE_H0");
	is_int(evict(a), 0, "evict vm5");

	is_hex(start_session(b, TPM_SE_HMAC, &s), 0,
	       "vm6 (quota 1 session) starts a session");
	calls = chip.calls;
	is_hex(context_load(b, blob, blob_len), TPM_RC_SESSION_MEMORY,
	       "vm6 loading vm5's saved session: TPM_RC_SESSION_MEMORY");
	is_int(chip.calls - calls, 0, "  without reaching the chip");
	is_int(evict(b), 0, "evict vm6");

	is_hex(context_load(a, blob, blob_len), 0,
	       "vm5 loads its session again");
	ok(get_unaligned_be32(rsp + TPM2_HEADER_SIZE) == p.handle,
	   "  with the same handle");
	cb_policy_get_digest(&c, p.handle);
	is_hex(run(a, &c), 0, "  and uses it");
	is_hex(context_save(a, p.handle, blob, &blob_len), 0,
	       "vm5 saves it itself again");
	tpmmux_space_destroy(a, &ops, NULL);
	tpmmux_space_destroy(b, &ops, NULL);
	ok(!raw_has(TPM_HR_POLICY_SESSION, p.handle) &&
	   !raw_has(TPM_HR_HMAC_SESSION, s.handle),
	   "destroy flushed the guest-saved session and vm6's session");
}

/* Create and Load under a parent, on a chip full of the VM's objects. */
static void test_create_load(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(7, 8, 2);
	u8 priv[TPMMUX_SPACE_BUFSIZE], pub[TPMMUX_SPACE_BUFSIZE];
	u16 priv_len = 0, pub_len = 0;
	u32 p[3], child, rc;
	struct cmdb c;
	int i;

	for (i = 0; i < 3; i++)
		p[i] = create_primary(sp, 60 + i);
	ok(p[0] && p[1] && p[2], "vm7: 3 primaries fill the chip's slots");

	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_Create);
	cb_u32(&c, p[0]);
	cb_pw(&c);
	cb_primary_params(&c, 70);
	cb_done(&c);
	rc = run(sp, &c);
	is_hex(rc, 0, "Create under the first");
	if (!rc) {
		/* handle-less response: parameterSize, outPrivate, outPublic */
		priv_len = get_unaligned_be16(rsp + 14);
		memcpy(priv, rsp + 16, priv_len);
		pub_len = get_unaligned_be16(rsp + 16 + priv_len);
		memcpy(pub, rsp + 18 + priv_len, pub_len);
	}
	/* make the parent the least recently used object */
	is_hex(read_public(sp, p[1]) | read_public(sp, p[2]), 0,
	       "use the two others");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_Load);
	cb_u32(&c, p[0]);
	cb_pw(&c);
	cb_tpm2b(&c, priv, priv_len);
	cb_tpm2b(&c, pub, pub_len);
	cb_done(&c);
	is_hex(run(sp, &c), 0, "Load under it, the chip full");
	child = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	ok(is_vhandle(child, 7), "  the child gets a virtual handle 0x%08x",
	   child);
	is_hex(read_public(sp, child), 0, "  that works");
	is_int(stats(sp).objects, 4, "vm7 has 4 objects");
	tpmmux_space_destroy(sp, &ops, NULL);
}

/* Transport errors inside evict, and a response that does not parse. */
static void test_evict_errors(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(8, 4, 2);
	struct hmac_session s;
	u32 obj, h[64];
	int more;

	obj = create_primary(sp, 80);
	is_hex(start_session(sp, TPM_SE_HMAC, &s), 0,
	       "vm8: an object and a session");
	/* evict: ContextSave + FlushContext of the object, then the session */
	chip.skip = 2;
	chip.fail = 1;
	is_int(evict(sp), -ENODEV,
	       "a transport error saving the session in evict: -ENODEV");
	is_int(stats(sp).sessions, 0, "  the session, in doubt, is forgotten");
	ok(raw_has(TPM_HR_HMAC_SESSION, s.handle),
	   "  (it is in fact still loaded on the chip)");
	is_int(evict(sp), 0, "the next evict");
	ok(!raw_has(TPM_HR_HMAC_SESSION, s.handle) &&
	   !raw_has(TPM_HR_POLICY_SESSION, s.handle),
	   "  flushed it from the chip");

	is_hex(read_public(sp, obj), 0, "the object is loaded again");
	chip.fail = 1;
	is_int(evict(sp), -ENODEV,
	       "a transport error flushing it in evict: -ENODEV");
	is_int(get_handles(NULL, TPM_HR_TRANSIENT, 64, h, &more), 1,
	       "  (it is in fact still on the chip)");
	is_int(evict(sp), 0, "the next evict");
	is_int(get_handles(NULL, TPM_HR_TRANSIENT, 64, h, &more), 0,
	       "  flushed it from the chip");
	is_hex(read_public(sp, obj), 0, "the object still works");

	chip.corrupt = 1;
	is_hex(read_public(sp, obj), 0xDEAD0000 | EIO,
	       "a response whose size is past the buffer: -EIO");
	is_hex(read_public(sp, obj), 0, "the object still works");
	cb_get_cap(&cmd_scratch, TPM_CAP_HANDLES, TPM_HR_NV_INDEX, 8);
	more = chip.calls;
	is_hex(run(sp, &cmd_scratch), 0,
	       "GetCapability(HANDLES, NV indices) goes to the chip");
	is_int(chip.calls - more, 1, "  one command");
	tpmmux_space_destroy(sp, &ops, NULL);
}

/* More sessions in one VM than the chip's 3 loaded-session slots */
static void test_session_lru(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(9, 2, 5);
	struct hmac_session p[5];
	struct cmdb c;
	int i, r, fails = 0;

	for (i = 0; i < 5; i++)
		fails += start_session(sp, TPM_SE_POLICY, &p[i]) != 0;
	is_int(fails, 0, "vm9: 5 policy sessions, the chip loads 3 at most");
	ok(stats(sp).loaded_sessions <= 3 && stats(sp).context_saves >= 2,
	   "  the least recently used were saved to make room");
	for (r = 0; r < 3; r++) {
		for (i = 0; i < 5; i++) {
			cb_policy_get_digest(&c, p[i].handle);
			fails += run(sp, &c) != 0;
		}
	}
	is_int(fails, 0, "PolicyGetDigest of each in turn, 3 rounds");
	is_int(stats(sp).sessions, 5, "  still 5 sessions");
	tpmmux_space_destroy(sp, &ops, NULL);
}

/* Send a command straight to the chip; its response code. */
static u32 raw_run(const struct cmdb *c)
{
	u8 r[TPMMUX_SPACE_BUFSIZE];
	u32 len;

	if (tpm_process(c->b, c->len, r, sizeof(r), &len))
		return 0xBAD00003;
	return get_unaligned_be32(r + 6);
}

/* What was flushed behind the space's back is forgotten. */
static void test_behind_back(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(10, 4, 2);
	struct hmac_session p;
	u32 obj, h[64];
	struct cmdb c;
	int n, more;

	obj = create_primary(sp, 90);
	n = get_handles(NULL, TPM_HR_TRANSIENT, 64, h, &more);
	ok(obj && n == 1, "vm10 has the chip's one loaded object");
	cb_flush(&c, h[0]);
	is_hex(raw_run(&c), 0, "someone flushes it on the chip");
	is_int(evict(sp), 0, "evict vm10");
	is_int(stats(sp).objects, 0, "  forgot the object it could not save");
	is_hex(read_public(sp, obj), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "  whose handle answers TPM_RC_HANDLE");

	is_hex(start_session(sp, TPM_SE_POLICY, &p), 0, "a policy session");
	is_int(evict(sp), 0, "evict vm10 (saves it)");
	cb_flush(&c, p.handle);
	is_hex(raw_run(&c), 0, "someone flushes it on the chip");
	cb_policy_get_digest(&c, p.handle);
	is_hex(run(sp, &c), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "using it: the space cannot load it, TPM_RC_HANDLE");
	is_int(stats(sp).sessions, 0, "  and forgets it");

	is_hex(start_session(sp, TPM_SE_POLICY, &p), 0, "a policy session");
	cb_flush(&c, p.handle);
	is_hex(raw_run(&c), 0, "someone flushes it on the chip while loaded");
	is_int(evict(sp), 0, "evict vm10");
	is_int(stats(sp).sessions, 0, "  forgot the session it could not save");
	tpmmux_space_destroy(sp, &ops, NULL);
}

/* The chip is reset (Shutdown, power cycle, Startup) under a space. */
static void test_chip_reset(void)
{
	static const u8 shutdown[] = {
		0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0,
	};
	static const u8 startup[] = {
		0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0,
	};
	struct tpmmux_space *sp = tpmmux_space_new(11, 4, 2);
	struct hmac_session p;
	u32 obj, nul, len, rc;
	struct cmdb c;

	obj = create_primary(sp, 100);
	cb_create_primary(&c, 101);
	put_unaligned_be32(TPM_RH_NULL, c.b + TPM2_HEADER_SIZE);
	is_hex(run(sp, &c), 0, "vm11: a primary in the owner and one in the null hierarchy");
	nul = get_unaligned_be32(rsp + TPM2_HEADER_SIZE);
	is_hex(start_session(sp, TPM_SE_POLICY, &p), 0, "  and a policy session");
	is_int(evict(sp), 0, "evict vm11");

	rc = tpm_process(shutdown, sizeof(shutdown), rsp, sizeof(rsp), &len);
	TPMLIB_Terminate();
	rc |= TPMLIB_MainInit();
	rc |= tpm_process(startup, sizeof(startup), rsp, sizeof(rsp), &len);
	ok(!rc && !get_unaligned_be32(rsp + 6), "the chip is reset");

	rc = read_public(sp, nul);
	is_hex(rc, tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "the null-hierarchy object's context no longer loads: TPM_RC_HANDLE");
	is_hex(read_public(sp, obj), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "  nor the owner-hierarchy object's (TPM Reset): TPM_RC_HANDLE");
	cb_policy_get_digest(&c, p.handle);
	is_hex(run(sp, &c), tpm2_rc_handle(TPM_RC_HANDLE, 1),
	       "the session is gone: TPM_RC_HANDLE");
	ok(stats(sp).sessions == 0 && stats(sp).objects == 0,
	   "  all three are forgotten");
	tpmmux_space_destroy(sp, &ops, NULL);
}

/* Odd commands and arguments */
static void test_edges(void)
{
	struct tpmmux_space *sp = tpmmux_space_new(12, 4, 2);
	static u8 buf[TPMMUX_SPACE_BUFSIZE];
	u32 obj, h[64], len;
	struct tpm2_cmd cmd;
	struct cmdb c;
	int n, more;

	obj = create_primary(sp, 110);
	ok(obj != 0, "vm12: an object");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_FlushContext);
	cb_u16(&c, 0x8000);
	cb_done(&c);
	is_hex(run(sp, &c), tpm2_rc_param(TPM_RC_INSUFFICIENT, 1),
	       "FlushContext with 2 parameter bytes: TPM_RC_INSUFFICIENT + P + 1");
	cb_flush(&c, obj);
	cb_u32(&c, 0);
	cb_done(&c);
	is_hex(run(sp, &c), TPM_RC_SIZE,
	       "FlushContext with 8 parameter bytes: TPM_RC_SIZE");
	cb_init(&c, TPM_ST_SESSIONS, TPM_CC_GetCapability);
	cb_pw(&c);
	cb_u32(&c, TPM_CAP_HANDLES);
	cb_u32(&c, TPM_HR_TRANSIENT);
	cb_u32(&c, 8);
	cb_done(&c);
	is_hex(run(sp, &c), TPM_RC_AUTH_CONTEXT,
	       "GetCapability(HANDLES) with a session: TPM_RC_AUTH_CONTEXT");
	n = get_handles(sp, TPM_HR_TRANSIENT, 0xFFFFFFFF, h, &more);
	ok(n == 1 && h[0] == obj && !more, "propertyCount 0xFFFFFFFF");
	n = get_handles(sp, TPM_HR_TRANSIENT, 0, h, &more);
	ok(n == 0 && more == 1, "propertyCount 0: none, moreData");

	/* a transport error on the guest's FlushContext of a loaded object */
	chip.fail = 1;
	is_hex(flush(sp, obj), 0xDEAD0000 | ENODEV,
	       "a transport error on FlushContext: -ENODEV");
	is_int(stats(sp).objects, 0, "  the object, in doubt, is forgotten");
	is_int(evict(sp), 0, "evict vm12");
	is_int(get_handles(NULL, TPM_HR_TRANSIENT, 64, h, &more), 0,
	       "  flushed what was left on the chip");

	cb_read_public(&c, obj);
	memcpy(buf, c.b, c.len);
	tpm2_cmd_parse(buf, c.len, &cmd);
	is_int(tpmmux_space_run(sp, &ops, NULL, buf, 1024, &cmd, &len),
	       -EINVAL, "a buffer below TPMMUX_SPACE_BUFSIZE: -EINVAL");
	put_unaligned_be32(c.len + 4, buf + 2);
	is_int(tpmmux_space_run(sp, &ops, NULL, buf, sizeof(buf), &cmd, &len),
	       -EINVAL, "a parsed command that does not match the buffer: -EINVAL");
	cb_init(&c, TPM_ST_NO_SESSIONS, TPM_CC_PCR_Read);
	cb_u32(&c, 0);
	cb_done(&c);
	memcpy(buf, c.b, c.len);
	tpm2_cmd_parse(buf, c.len, &cmd);
	n = chip.calls;
	ok(!tpmmux_space_run(sp, &ops, NULL, buf, sizeof(buf), &cmd, &len) &&
	   get_unaligned_be32(buf + 6) == TPMMUX_RC_REFUSED && chip.calls == (unsigned long)n,
	   "a virtual command (PCR_Read) is refused, not sent");
	tpmmux_space_destroy(sp, &ops, NULL);
}

static void test_destroy(void)
{
	u32 h[64];
	int n1, n2, n3, more;

	ok(stats(vm1).objects == 2 && stats(vm2).objects == 2,
	   "before destroy: 2 objects in each VM");
	/* vm1 holds loaded objects and sessions; vm2 only saved ones */
	tpmmux_space_destroy(vm1, &ops, NULL);
	tpmmux_space_destroy(vm2, &ops, NULL);
	n1 = get_handles(NULL, TPM_HR_TRANSIENT, 64, h, &more);
	n2 = get_handles(NULL, TPM_HR_HMAC_SESSION, 64, h, &more);
	n3 = get_handles(NULL, TPM_HR_POLICY_SESSION, 64, h, &more);
	is_int(n1, 0, "after destroy the raw chip has no transient object");
	is_int(n2, 0, "  no loaded session");
	is_int(n3, 0, "  no saved session");
}

int main(void)
{
	test_setup();
	test_new();
	test_create();
	test_get_cap();
	test_isolation();
	test_lazy();
	test_interleave();
	is_int(evict(vm1) | evict(vm2), 0, "evict both");
	test_quota();
	test_lru();
	test_sessions();
	test_guest_context();
	test_transport_error();
	test_sequence();
	is_int(evict(vm1) | evict(vm2), 0, "evict both");
	test_guest_session();
	test_create_load();
	test_evict_errors();
	test_session_lru();
	test_behind_back();
	test_edges();
	test_destroy();
	test_chip_reset();

	TPMLIB_Terminate();
	TPM_Free(tpm_rbuf);
	for (unsigned int i = 0; i < ARRAY_SIZE(nvfile); i++)
		free(nvfile[i].data);
	return done_testing();
}
