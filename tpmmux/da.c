// SPDX-License-Identifier: GPL-2.0
/*
 * da.c - the guests' budget of failed authorizations on the shared chip
 * (see da.h and Documentation/keysep.rst).
 *
 * Pure logic: no allocation, no clock of its own.
 */
#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"
#include "da.h"

/* Forgive one failure per interval since @heal_ns, as the chip does. */
static void da_heal(u32 *count, u64 *heal_ns, u64 interval_ns, u64 now)
{
	u64 n;

	if (!*count || !interval_ns || now <= *heal_ns)
		return;
	n = (now - *heal_ns) / interval_ns;
	if (n >= *count) {
		*count = 0;
		*heal_ns = now;
		return;
	}
	*count -= (u32)n;
	*heal_ns += n * interval_ns;
}

/**
 * da_configure() - take the chip's DA parameters and counter
 * @c: the state
 * @counter: TPM_PT_LOCKOUT_COUNTER, as the chip reports it now
 * @max_tries: TPM_PT_MAX_AUTH_FAIL
 * @interval_s: TPM_PT_LOCKOUT_INTERVAL (seconds; 0: no DA counting)
 * @reserve: failures kept for the host; DA_AUTO: max(1, @max_tries / 2)
 * @share: failures one VM may leave; DA_AUTO: max(1, budget / 4)
 * @now: the time
 *
 * The estimate becomes @counter, healing from @now on (the chip's timer
 * started at its last failure, at or before @now: the estimate stays at
 * or above the chip's counter).
 */
void da_configure(struct da_chip *c, u32 counter, u32 max_tries,
		  u32 interval_s, u32 reserve, u32 share, u64 now)
{
	if (reserve == DA_AUTO)
		reserve = max_tries / 2 ? max_tries / 2 : 1;
	c->known = true;
	c->max_tries = max_tries;
	c->interval_ns = (u64)interval_s * DA_NS_PER_SEC;
	c->budget = max_tries > reserve ? max_tries - reserve : 0;
	if (share == DA_AUTO)
		share = c->budget / 4 ? c->budget / 4 : 1;
	c->share = share < c->budget ? share : c->budget;
	c->est = counter;
	c->heal_ns = now;
	c->sync_ns = now;
}

/**
 * da_cmd_relevant() - could this command fail an authorization that counts?
 * @cmd: a parsed command
 *
 * A session that authorizes a hierarchy (a permanent handle) cannot: the
 * chip does not count owner, endorsement or platform failures, and
 * hauth.c checks every lockout authorization before the chip sees it.
 * Any other session may (an object, or a session not tied to a handle
 * that is bound to a DA-protected object).
 *
 * Return: true if running @cmd on the chip may add to its DA counter.
 */
bool da_cmd_relevant(const struct tpm2_cmd *cmd)
{
	unsigned int i;

	for (i = 0; i < cmd->num_sessions; i++) {
		if (i >= cmd->num_handles)
			return true;
		if (tpm2_handle_type(cmd->handle[i]) != TPM_HT_PERMANENT)
			return true;
	}
	return false;
}

/**
 * da_rc_auth_fail() - did the chip count a failed authorization?
 * @rc: a response code
 *
 * Return: true for TPM_RC_AUTH_FAIL with a session number (0x98E-0xF8E).
 */
bool da_rc_auth_fail(u32 rc)
{
	/* format 1, session: bit 11 (TPM_RC_S) and the number in bits 8-10 */
	return (rc & ~(u32)TPM_RC_N_MASK) == TPM_RC_AUTH_FAIL &&
	       (rc & TPM_RC_S) && (rc & (TPM_RC_N_MASK & ~TPM_RC_S));
}

/**
 * da_over_budget() - would one more failure take guests over the budget?
 * @c: the state
 * @now: the time
 *
 * Return: true when the estimate leaves no room for a guest failure.
 */
bool da_over_budget(struct da_chip *c, u64 now)
{
	da_heal(&c->est, &c->heal_ns, c->interval_ns, now);
	return c->interval_ns && c->est + 1 > c->budget;
}

/**
 * da_admit() - may a VM's DA-relevant command go to the chip now?
 * @c: the state (da_configure() was called)
 * @v: the VM
 * @now: the time
 *
 * Return: 0, or TPM_RC_LOCKOUT to answer the guest with (as a chip in
 * lockout answers): a failure would take the counter over the budget or
 * the VM over its share.
 */
u32 da_admit(struct da_chip *c, struct da_vm *v, u64 now)
{
	if (!c->interval_ns)
		return 0;
	da_heal(&v->fails, &v->heal_ns, c->interval_ns, now);
	if (da_over_budget(c, now) || v->fails + 1 > c->share) {
		v->refused++;
		return TPM_RC_LOCKOUT;
	}
	return 0;
}

/**
 * da_failed() - the chip answered a VM's command TPM_RC_AUTH_FAIL
 * @c: the state
 * @v: the VM
 * @now: the time
 */
void da_failed(struct da_chip *c, struct da_vm *v, u64 now)
{
	da_heal(&c->est, &c->heal_ns, c->interval_ns, now);
	da_heal(&v->fails, &v->heal_ns, c->interval_ns, now);
	v->failures++;
	if (!c->interval_ns)
		return;
	c->est++;
	c->heal_ns = now;
	v->fails++;
	v->heal_ns = now;
}
