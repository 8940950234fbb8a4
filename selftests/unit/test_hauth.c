// SPDX-License-Identifier: GPL-2.0
/*
 * test_hauth.c - virtual hierarchy authorization (tpmmux/hauth.c): the
 * exact answers, password replacement, and HMAC re-keying checked against
 * HMACs computed here with OpenSSL from the specification's formulas
 * (Part 1, 19.6: cpHash, rpHash, HMAC keyed with the authValue alone for
 * an unsalted, unbound session).
 */
#include <string.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "tap.h"
#include "tpm2_cmd.h"
#include "hauth.h"

static int o_sha256(void *priv, const u8 *d, u32 n, u8 out[32])
{
	(void)priv;
	SHA256(d, n, out);
	return 0;
}

static int o_hmac(void *priv, const u8 *k, u32 kl, const u8 *d, u32 n,
		  u8 out[32])
{
	unsigned int len = 32;
	static const u8 zero;

	(void)priv;
	return HMAC(EVP_sha256(), kl ? k : &zero, kl, d, n, out, &len) ? 0 : -EIO;
}

static const struct hauth_ops ops = { o_sha256, o_hmac };

struct b { u8 d[4096]; u32 n; };

static void u8_(struct b *b, u8 v) { b->d[b->n++] = v; }
static void u16_(struct b *b, u16 v) { put_unaligned_be16(v, b->d + b->n); b->n += 2; }
static void u32_(struct b *b, u32 v) { put_unaligned_be32(v, b->d + b->n); b->n += 4; }
static void raw(struct b *b, const void *p, u32 n) { if (n) memcpy(b->d + b->n, p, n); b->n += n; }
static void t2b(struct b *b, const void *p, u16 n) { u16_(b, n); raw(b, p, n); }
static void fin(struct b *b) { put_unaligned_be32(b->n, b->d + 2); }

static const u8 params[] = { 0, 4, 0, 0, 0, 0, 0, 2, 0x00, 0x25, 0, 0, 0, 0, 0, 0 };

/* CreatePrimary(@h) with one session: @ses, nonce, attrs, hmac/password */
static void cp_cmd(struct b *b, u32 h, u32 ses, const u8 *nonce, u16 nn,
		   u8 attrs, const u8 *mac, u16 mn)
{
	b->n = 0;
	u16_(b, TPM_ST_SESSIONS);
	u32_(b, 0);
	u32_(b, TPM_CC_CreatePrimary);
	u32_(b, h);
	u32_(b, 4 + 2 + nn + 1 + 2 + mn);
	u32_(b, ses);
	t2b(b, nonce, nn);
	u8_(b, attrs);
	t2b(b, mac, mn);
	raw(b, params, sizeof(params));
	fin(b);
}

static void val(struct hauth_value *v, const char *s)
{
	hauth_value_set(v, (const u8 *)s, strlen(s));
}

/* The guest's (or the chip's) command HMAC, from the formulas. */
static void cmd_hmac(const char *key, u32 cc, u32 h, const u8 *nc,
		     const u8 *no, u8 attrs, u8 out[32])
{
	u8 cp[32], data[32 + 64 + 1], pre[8 + sizeof(params)];

	put_unaligned_be32(cc, pre);
	put_unaligned_be32(h, pre + 4);
	memcpy(pre + 8, params, sizeof(params));
	SHA256(pre, sizeof(pre), cp);
	memcpy(data, cp, 32);
	memcpy(data + 32, nc, 32);
	memcpy(data + 64, no, 32);
	data[96] = attrs;
	o_hmac(NULL, (const u8 *)key, strlen(key), data, 97, out);
}

int main(void)
{
	struct hauth_vm vm;
	struct hauth_value host[HAUTH_NR];
	struct hauth_plan plan;
	struct tpm2_cmd cmd;
	struct b c, r;
	u8 nc[32], nt[32], nt2[32], mac[32], want[32];
	u32 len;
	int i;

	memset(&vm, 0, sizeof(vm));
	memset(host, 0, sizeof(host));
	for (i = 0; i < 32; i++) {
		nc[i] = i + 1;
		nt[i] = 0xa0 + i;
		nt2[i] = 0x40 + i;
	}

	is_int(hauth_slot_of(TPM_RH_OWNER), HAUTH_OWNER, "owner slot");
	is_int(hauth_slot_of(TPM_RH_ENDORSEMENT), HAUTH_ENDORSEMENT, "endorsement slot");
	is_int(hauth_slot_of(TPM_RH_LOCKOUT), HAUTH_LOCKOUT, "lockout slot");
	is_int(hauth_slot_of(TPM_RH_PLATFORM), -1, "platform is not virtualized");
	val(&vm.auth[HAUTH_OWNER], "pw");
	ok(hauth_value_eq(&vm.auth[HAUTH_OWNER], (const u8 *)"pw\0\0", 4),
	   "trailing zeros of a password are removed, as the TPM does");
	ok(!hauth_value_eq(&vm.auth[HAUTH_OWNER], (const u8 *)"pw1", 3), "pw1 != pw");
	ok(!hauth_value_eq(&vm.auth[HAUTH_OWNER], (const u8 *)"p", 1), "p != pw");
	ok(!hauth_value_eq(&vm.auth[HAUTH_OWNER], (const u8 *)"", 0), "empty != pw");

	/* passwords */
	cp_cmd(&c, TPM_RH_OWNER, TPM_RS_PW, NULL, 0, 1, (const u8 *)"pw", 2);
	is_int(tpm2_cmd_parse(c.d, c.n, &cmd), 0, "CreatePrimary(owner, password) parses");
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0, "right password: 0");
	is_int(plan.subst, 1, "... session 1 is replaced");
	val(&host[HAUTH_OWNER], "HOSTSECRET");
	len = c.n;
	is_int(hauth_apply(&vm, &plan, host, c.d, &len, 4096, &cmd, &ops, NULL), 0,
	       "hauth_apply() puts the host's value in");
	is_int(len, c.n + 8, "the command grew by 8 bytes");
	is_int(tpm2_cmd_parse(c.d, len, &cmd), 0, "and parses");
	ok(cmd.session[0].hmac_size == 10 &&
	   !memcmp(c.d + cmd.session[0].hmac_off, "HOSTSECRET", 10),
	   "its password is the host's");
	ok(!memcmp(c.d + cmd.param_off, params, sizeof(params)), "parameters unchanged");
	cp_cmd(&c, TPM_RH_OWNER, TPM_RS_PW, NULL, 0, 1, (const u8 *)"pw", 2);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan);
	len = c.n;
	is_int(hauth_apply(&vm, &plan, host, c.d, &len, c.n + 7, &cmd, &ops, NULL),
	       -ENOSPC, "no room for the host's value: -ENOSPC");
	cp_cmd(&c, TPM_RH_OWNER, TPM_RS_PW, NULL, 0, 1, (const u8 *)"", 0);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0x9A2,
	       "wrong owner password: TPM_RC_BAD_AUTH + S1 (0x9A2), as a TPM");
	cp_cmd(&c, TPM_RH_ENDORSEMENT, TPM_RS_PW, NULL, 0, 1, (const u8 *)"x", 1);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0x9A2,
	       "wrong endorsement password: 0x9A2");
	cp_cmd(&c, TPM_RH_LOCKOUT, TPM_RS_PW, NULL, 0, 1, (const u8 *)"x", 1);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0x98E,
	       "wrong lockout password: TPM_RC_AUTH_FAIL + S1 (0x98E): lockout is DA-protected");
	cp_cmd(&c, 0x80000000, TPM_RS_PW, NULL, 0, 1, (const u8 *)"x", 1);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0,
	       "an object's password is the chip's business");
	is_int(plan.subst | plan.rekey, 0, "... nothing to replace");

	/* policy and unknown HMAC sessions */
	cp_cmd(&c, TPM_RH_OWNER, 0x03000000, nc, 32, 1, NULL, 0);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0x74012F,
	       "policy session on owner, VM value set: 0x74012F");
	memset(&vm.auth[HAUTH_OWNER], 0, sizeof(vm.auth[0]));
	is_hex(hauth_check(&vm, 1u << HAUTH_OWNER, c.d, &cmd, &ops, NULL, &plan),
	       0x74012F, "... host value set: 0x74012F");
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0,
	       "... both empty: to the chip (its check is the VM's)");
	cp_cmd(&c, TPM_RH_LOCKOUT, 0x03000000, nc, 32, 1, NULL, 0);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0x74012F,
	       "policy session on lockout: always 0x74012F (a chip failure locks the host's lockoutAuth)");

	/* StartAuthSession */
	c.n = 0;
	u16_(&c, TPM_ST_NO_SESSIONS); u32_(&c, 0); u32_(&c, TPM_CC_StartAuthSession);
	u32_(&c, TPM_RH_NULL); u32_(&c, TPM_RH_OWNER);
	t2b(&c, nc, 32); u16_(&c, 0); u8_(&c, 0); u16_(&c, TPM2_ALG_NULL);
	u16_(&c, TPM2_ALG_SHA256); fin(&c);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	val(&vm.auth[HAUTH_OWNER], "pw");
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0x74012F,
	       "a session bound to owner while its VM value is set: 0x74012F");
	put_unaligned_be32(TPM_RH_NULL, c.d + 14);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 0, c.d, &cmd, &ops, NULL, &plan), 0, "unbound, unsalted: 0");
	ok(plan.start_plain, "... a plain HMAC session");
	r.n = 0;
	u16_(&r, TPM_ST_NO_SESSIONS); u32_(&r, 0); u32_(&r, 0);
	u32_(&r, 0x02000005); t2b(&r, nt, 32); fin(&r);
	is_int(hauth_response(&vm, &plan, r.d, r.n, &ops, NULL), 0, "the chip's answer is followed");
	ok(vm.ses[0].handle == 0x02000005 && vm.ses[0].plain &&
	   !memcmp(vm.ses[0].nonce_tpm, nt, 32), "session 0x02000005 and its nonceTPM recorded");

	/* a plain HMAC session on owner: checked with the VM's, re-keyed */
	cmd_hmac("pw", TPM_CC_CreatePrimary, TPM_RH_OWNER, nc, nt, 1, mac);
	cp_cmd(&c, TPM_RH_OWNER, 0x02000005, nc, 32, 1, mac, 32);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 1, c.d, &cmd, &ops, NULL, &plan), 0,
	       "HMAC made with the VM's value: accepted");
	is_int(plan.rekey, 1, "... to be re-keyed");
	ok(!memcmp(c.d + cmd.param_off, params, sizeof(params)), "the check left the command as it was");
	len = c.n;
	is_int(hauth_apply(&vm, &plan, host, c.d, &len, 4096, &cmd, &ops, NULL), 0, "re-keyed");
	cmd_hmac("HOSTSECRET", TPM_CC_CreatePrimary, TPM_RH_OWNER, nc, nt, 1, want);
	ok(len == c.n && !memcmp(c.d + cmd.session[0].hmac_off, want, 32),
	   "the HMAC is now the one the chip expects with the host's value");
	cp_cmd(&c, TPM_RH_OWNER, 0x02000005, nc, 32, 1, want, 32);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 1, c.d, &cmd, &ops, NULL, &plan), 0x9A2,
	       "HMAC made with the host's value by the guest: 0x9A2");
	cmd_hmac("", TPM_CC_CreatePrimary, TPM_RH_OWNER, nc, nt, 1, mac);
	cp_cmd(&c, TPM_RH_OWNER, 0x02000005, nc, 32, 1, mac, 32);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 1, c.d, &cmd, &ops, NULL, &plan), 0x9A2,
	       "HMAC made with the old (empty) value: 0x9A2");
	cmd_hmac("pw", TPM_CC_CreatePrimary, TPM_RH_OWNER, nc, nt, 1, mac);
	cp_cmd(&c, TPM_RH_OWNER, 0x02000005, nc, 32, 0x21, mac, 32);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	is_hex(hauth_check(&vm, 1, c.d, &cmd, &ops, NULL, &plan), 0x74012F,
	       "with parameter encryption (decrypt): 0x74012F");

	/* the response: chip's HMAC (host key) -> VM key, nonce followed */
	cp_cmd(&c, TPM_RH_OWNER, 0x02000005, nc, 32, 1, mac, 32);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	hauth_check(&vm, 1, c.d, &cmd, &ops, NULL, &plan);
	r.n = 0;
	u16_(&r, TPM_ST_SESSIONS); u32_(&r, 0); u32_(&r, 0);
	u32_(&r, 0x80000000); u32_(&r, 6); raw(&r, "\0\x04rsp!", 6);
	t2b(&r, nt2, 32); u8_(&r, 1); t2b(&r, mac, 32); fin(&r);
	is_int(hauth_response(&vm, &plan, r.d, r.n, &ops, NULL), 0, "response re-keyed");
	{
		u8 pre[8 + 6], rp[32], data[97];

		put_unaligned_be32(0, pre);
		put_unaligned_be32(TPM_CC_CreatePrimary, pre + 4);
		memcpy(pre + 8, "\0\x04rsp!", 6);
		SHA256(pre, sizeof(pre), rp);
		memcpy(data, rp, 32);
		memcpy(data + 32, nt2, 32);
		memcpy(data + 64, nc, 32);
		data[96] = 1;
		o_hmac(NULL, (const u8 *)"pw", 2, data, 97, want);
	}
	ok(!memcmp(r.d + r.n - 32, want, 32), "its HMAC is made with the VM's value");
	ok(get_unaligned_be32(r.d + 10) == 0x80000000 && get_unaligned_be32(r.d + 14) == 6,
	   "handle and parameterSize put back");
	ok(!memcmp(vm.ses[0].nonce_tpm, nt2, 32), "the new nonceTPM is followed");

	/* HierarchyChangeAuth answered here */
	c.n = 0;
	u16_(&c, TPM_ST_SESSIONS); u32_(&c, 0); u32_(&c, TPM_CC_HierarchyChangeAuth);
	u32_(&c, TPM_RH_OWNER); u32_(&c, 9 + 2); u32_(&c, TPM_RS_PW); u16_(&c, 0); u8_(&c, 1);
	t2b(&c, "pw", 2); t2b(&c, "new\0", 4); fin(&c);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	ok(hauth_is_change_auth(&cmd), "HierarchyChangeAuth(owner) is answered by tpmmux");
	len = hauth_change_auth(&vm, c.d, 4096, &cmd, &ops, NULL);
	{
		static const u8 rsp[] = { 0x80, 0x02, 0, 0, 0, 0x13, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 1, 0, 0 };

		ok(len == sizeof(rsp) && !memcmp(c.d, rsp, sizeof(rsp)),
		   "password: the response a TPM gives (no parameters, session: empty nonce, continueSession, empty hmac)");
	}
	ok(vm.auth[HAUTH_OWNER].size == 3 && !memcmp(vm.auth[HAUTH_OWNER].buf, "new", 3),
	   "the VM's owner value is \"new\" (trailing zero removed)");
	for (i = len; i < 35; i++)	/* the command was 35 bytes */
		if (c.d[i])
			break;
	is_int(i, 35, "the command's bytes after the response (newAuth) are zeroed");
	c.n = 0;
	u16_(&c, TPM_ST_SESSIONS); u32_(&c, 0); u32_(&c, TPM_CC_HierarchyChangeAuth);
	u32_(&c, TPM_RH_OWNER); u32_(&c, 9 + 3); u32_(&c, TPM_RS_PW); u16_(&c, 0); u8_(&c, 1);
	t2b(&c, "new", 3); u16_(&c, 65); for (i = 0; i < 65; i++) u8_(&c, 'a'); fin(&c);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	len = hauth_change_auth(&vm, c.d, 4096, &cmd, &ops, NULL);
	is_hex(get_unaligned_be32(c.d + 6), 0x1D5, "newAuth of 65 bytes: TPM_RC_SIZE + P1 (0x1D5)");
	c.n = 0;
	u16_(&c, TPM_ST_SESSIONS); u32_(&c, 0); u32_(&c, TPM_CC_HierarchyChangeAuth);
	u32_(&c, TPM_RH_LOCKOUT); u32_(&c, 9 + 1); u32_(&c, TPM_RS_PW); u16_(&c, 0); u8_(&c, 1);
	t2b(&c, "x", 1); t2b(&c, "y", 1); fin(&c);
	tpm2_cmd_parse(c.d, c.n, &cmd);
	hauth_change_auth(&vm, c.d, 4096, &cmd, &ops, NULL);
	is_hex(get_unaligned_be32(c.d + 6), 0x98E, "lockout, wrong password: 0x98E");
	ok(vm.auth[HAUTH_OWNER].size == 3 && !vm.auth[HAUTH_LOCKOUT].size,
	   "no value changed by the failures");
	return done_testing();
}
