// SPDX-License-Identifier: GPL-2.0
/*
 * test_da.c - the guests' dictionary-attack budget (tpmmux/da.c) on a
 * simulated clock and a simulated chip counter.
 */
#include "tap.h"
#include "da.h"

#define S	DA_NS_PER_SEC

static struct tpm2_cmd mk(u32 h0, u32 h1, int handles, int sessions)
{
	struct tpm2_cmd c = { 0 };

	c.num_handles = handles;
	c.handle[0] = h0;
	c.handle[1] = h1;
	c.num_sessions = sessions;
	return c;
}

int main(void)
{
	struct da_chip c = { 0 };
	struct da_vm a = { 0 }, b = { 0 }, v[8] = { { 0 } };
	struct tpm2_cmd cmd;
	u64 now = 1000 * S;
	u32 chip = 0, i, admitted;

	/* what counts */
	ok(da_rc_auth_fail(0x98E), "0x98E (AUTH_FAIL, session 1) is a DA failure");
	ok(da_rc_auth_fail(0xA8E) && da_rc_auth_fail(0xB8E), "sessions 2, 3 too");
	ok(!da_rc_auth_fail(0x08E), "0x08E without a session number is not");
	ok(!da_rc_auth_fail(0x9A2), "0x9A2 (BAD_AUTH: not DA-protected) is not");
	ok(!da_rc_auth_fail(0x921) && !da_rc_auth_fail(0),
	   "TPM_RC_LOCKOUT and success are not");
	ok(!da_rc_auth_fail(0x74098E), "a tpmmux-layer code is not");
	cmd = mk(TPM_RH_OWNER, 0, 1, 1);
	ok(!da_cmd_relevant(&cmd), "a session on TPM_RH_OWNER is not DA-relevant");
	cmd = mk(0x80000001, 0, 1, 1);
	ok(da_cmd_relevant(&cmd), "a session on a transient object is");
	cmd = mk(0x81000001, 0, 1, 1);
	ok(da_cmd_relevant(&cmd), "a session on a persistent object is");
	cmd = mk(TPM_RH_OWNER, 0, 1, 2);
	ok(da_cmd_relevant(&cmd), "an extra session (audit/encrypt, may be DA-bound) is");
	cmd = mk(0x80000001, 0, 1, 0);
	ok(!da_cmd_relevant(&cmd), "no session: not relevant");
	cmd = mk(TPM_RH_ENDORSEMENT, 0x80000000, 2, 2);
	ok(da_cmd_relevant(&cmd), "endorsement + an object (GetTime): relevant");

	/* swtpm's defaults: maxTries 3, interval 1000 s; reserve and share auto */
	da_configure(&c, 0, 3, 1000, DA_AUTO, DA_AUTO, now);
	is_int(c.budget, 2, "maxTries 3: guests' budget 2 (reserve 1)");
	is_int(c.share, 1, "... one VM's share 1");
	is_int(da_admit(&c, &a, now), 0, "A's first try is admitted");
	da_failed(&c, &a, now);
	chip++;
	is_int(c.est, 1, "estimate 1 after A's failure");
	is_hex(da_admit(&c, &a, now + S), TPM_RC_LOCKOUT, "A over its share: TPM_RC_LOCKOUT");
	is_int(da_admit(&c, &b, now + S), 0, "B is still admitted");
	da_failed(&c, &b, now + S);
	chip++;
	is_hex(da_admit(&c, &v[0], now + 2 * S), TPM_RC_LOCKOUT,
	       "a third VM: the guests' budget is used up: TPM_RC_LOCKOUT");
	ok(chip <= 3 - 1, "the chip's counter stays at most maxTries - reserve");
	is_hex(da_admit(&c, &a, now + 999 * S), TPM_RC_LOCKOUT,
	       "999 s after A's failure: still locked (the chip heals per 1000 s since the last failure)");
	is_int(da_admit(&c, &a, now + 1001 * S), 0,
	       "1001 s after A's failure and 1000 s after B's: A admitted again");
	is_int(c.est, 1, "... the estimate healed by one");
	is_int(da_admit(&c, &v[1], now + 2001 * S), 0, "after two intervals: everyone");
	is_int(c.est, 0, "... estimate 0");
	is_int((int)a.refused, 2, "A was refused twice");
	is_int((int)a.failures, 1, "A failed once");

	/* a sync with the chip: the host's own failures eat the guests' budget */
	da_configure(&c, 2, 3, 1000, DA_AUTO, DA_AUTO, now);
	memset(&a, 0, sizeof(a));
	is_hex(da_admit(&c, &a, now), TPM_RC_LOCKOUT,
	       "the chip reports 2 (the host's): no guest failure may follow");
	ok(da_over_budget(&c, now), "da_over_budget() says so");
	is_int(da_admit(&c, &a, now + 1000 * S), 0, "one interval later: admitted");

	/* a chip that does not count (interval 0): nothing is refused */
	da_configure(&c, 0, 3, 0, DA_AUTO, DA_AUTO, now);
	for (i = 0; i < 10; i++)
		da_failed(&c, &a, now);
	is_int(da_admit(&c, &a, now), 0, "lockoutInterval 0: never refused");

	/* maxTries 1: no budget, every DA-relevant command refused */
	da_configure(&c, 0, 1, 7200, DA_AUTO, DA_AUTO, now);
	is_int(c.budget, 0, "maxTries 1: budget 0");
	is_hex(da_admit(&c, &b, now), TPM_RC_LOCKOUT, "... every guest try refused");

	/* a real chip's 32 tries, 2 h: reserve 16, share 4; 8 VMs hammering */
	da_configure(&c, 0, 32, 7200, DA_AUTO, DA_AUTO, now);
	is_int(c.budget, 16, "maxTries 32: budget 16");
	is_int(c.share, 4, "... share 4");
	memset(v, 0, sizeof(v));
	chip = 0;
	admitted = 0;
	for (i = 0; i < 800; i++) {
		struct da_vm *x = &v[i % 8];

		if (!da_admit(&c, x, now + i * (S / 10))) {
			admitted++;
			da_failed(&c, x, now + i * (S / 10));
			chip++;
		}
	}
	is_int(admitted, 16, "800 wrong tries from 8 VMs in 80 s: 16 reach the chip");
	ok(chip <= 32 - 16, "... the chip's counter at most maxTries - reserve");
	for (i = 0, admitted = 0; i < 8; i++)
		admitted += v[i].fails <= c.share;
	is_int(admitted, 8, "... no VM over its share (round robin: 2 each)");
	memset(v, 0, sizeof(v));
	da_configure(&c, 0, 32, 7200, DA_AUTO, DA_AUTO, now);
	for (i = 0; i < 100; i++)
		if (!da_admit(&c, &v[0], now + i))
			da_failed(&c, &v[0], now + i);
	is_int(v[0].fails, 4, "one VM alone: stops at its share, 4");

	/* explicit reserve and share */
	da_configure(&c, 0, 10, 60, 3, 7, now);
	is_int(c.budget, 7, "maxTries 10, reserve 3: budget 7");
	is_int(c.share, 7, "share 7");
	da_configure(&c, 0, 10, 60, 3, 50, now);
	is_int(c.share, 7, "a share above the budget is cut to it");
	return done_testing();
}
