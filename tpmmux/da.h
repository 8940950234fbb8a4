/* SPDX-License-Identifier: GPL-2.0 */
/*
 * da.h - keep guests' failed authorizations from locking out the chip.
 *
 * A TPM has one dictionary-attack counter (failedTries): every failed
 * authorization of a DA-protected entity adds one, the chip forgives one
 * per TPM_PT_LOCKOUT_INTERVAL seconds without a failure, and at
 * TPM_PT_MAX_AUTH_FAIL every DA-protected entity is locked, the host's
 * included.  da.c keeps an estimate of the counter that is never below
 * the chip's, and admits a guest command that could fail (it carries an
 * authorization for an object) only while a failure would leave the
 * counter at most maxTries - reserve and the VM below its share.
 * See Documentation/keysep.rst ("Dictionary-attack safety").
 *
 * Pure logic (see pure.h); times are nanoseconds of a monotonic clock.
 */
#ifndef _TPMMUX_DA_H
#define _TPMMUX_DA_H

#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"

/* "choose for me" for da_configure()'s @reserve and @share */
#define DA_AUTO		(~0u)

#define DA_NS_PER_SEC	1000000000ULL

/**
 * struct da_chip - the chip's counter as tpmmux sees it
 * @known:	the parameters were read from the chip
 * @max_tries:	TPM_PT_MAX_AUTH_FAIL
 * @interval_ns: TPM_PT_LOCKOUT_INTERVAL, in ns (0: the chip does not count)
 * @budget:	failures all guests together may leave on the counter:
 *		@max_tries - reserve
 * @share:	failures one VM may leave on the counter
 * @est:	estimated counter, never below the chip's
 * @heal_ns:	when @est last rose or healed (the chip's self-heal timer
 *		restarts at each failure)
 * @sync_ns:	when the counter was last read from the chip
 */
struct da_chip {
	bool known;
	u32 max_tries;
	u64 interval_ns;
	u32 budget;
	u32 share;
	u32 est;
	u64 heal_ns;
	u64 sync_ns;
};

/**
 * struct da_vm - one VM's failures still on the counter
 * @fails:	its failures not yet forgiven
 * @heal_ns:	when @fails last rose or healed
 * @refused:	commands answered TPM_RC_LOCKOUT by tpmmux
 * @failures:	TPM_RC_AUTH_FAIL answers the chip gave it
 */
struct da_vm {
	u32 fails;
	u64 heal_ns;
	u64 refused;
	u64 failures;
};

void da_configure(struct da_chip *c, u32 counter, u32 max_tries,
		  u32 interval_s, u32 reserve, u32 share, u64 now);
bool da_cmd_relevant(const struct tpm2_cmd *cmd);
bool da_rc_auth_fail(u32 rc);
u32 da_admit(struct da_chip *c, struct da_vm *v, u64 now);
bool da_over_budget(struct da_chip *c, u64 now);
void da_failed(struct da_chip *c, struct da_vm *v, u64 now);

#endif /* _TPMMUX_DA_H */
