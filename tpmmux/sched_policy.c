// SPDX-License-Identifier: GPL-2.0
/*
 * sched_policy.c - fair sharing of the host TPM's busy time between vTPMs.
 *
 * The algorithm (Documentation/scheduler.rst has the long form):
 *
 *   Virtual time.  Each flow (vTPM) has a virtual time, its measured chip
 *   busy time divided by its weight.  A command that becomes ready gets a
 *   virtual start time max(flow's virtual time, vmin), where vmin is the
 *   smallest start time on the queue as of the last pick: start-time fair
 *   queueing (SFQ, Goyal et al. 1996).  A flow that was idle therefore
 *   banks no credit.  A flow whose command comes within a grace time
 *   (5 ms) of its last response was not idle, only busy with its guest:
 *   it keeps its virtual time even if vmin passed it meanwhile.
 *
 *   Eligibility.  A virtual clock grows by each command's busy time divided
 *   by the total weight of the active flows: the normalized service every
 *   flow would have had under the fluid ideal (GPS).  A flow may be picked
 *   while its start time is at most one quantum (of chip time, over its
 *   weight) past that clock, i.e. while it has used no more than its fair
 *   share plus one quantum: the eligibility test of WF2Q+, with a quantum's
 *   slack as in DRR.  The flow with the smallest start time is always
 *   eligible, so the policy is work conserving.
 *
 *   Order.  Among the eligible flows, the one whose next command is
 *   predicted to be the shortest goes first (the prediction is a moving
 *   average of the flow's own measured busy times); ties go to the smaller
 *   start time, then to arrival order.
 *
 *   Anticipation.  Through the kernel a backlogged vTPM is never on the
 *   queue at the pick that follows its own command (its guest is reading
 *   the response), so a work-conserving dispatcher would give a vTPM of
 *   short commands one command per command of the others, whatever its
 *   share.  tpmmux_policy_wants() tells the dispatcher when the flow it
 *   just served would be picked next, so that it may wait a little for it.
 *
 * Why not plain deficit round robin: with one command in flight per vTPM,
 * a flow leaves the queue every time its command is picked, so "the flow's
 * queue emptied, reset its deficit" would reset every flow after every
 * command; and a command's cost is known only after it ran, so deficits go
 * negative by up to seconds, and DRR would have to go round the ring
 * thousands of times (or compute how many rounds to skip) before anyone
 * has credit again.  Virtual time says the same things arithmetically: an
 * idle flow is one that the clock passed, a debt is a virtual time ahead of
 * the others, and a cost of 0 or of 10^12 ns is one addition.
 *
 * Why not plain SFQ: SFQ serves the smallest start time, and a light flow
 * (short commands, often idle) comes back with a start time a few ms past
 * the last one it had, which may be behind several backlogged flows' start
 * times: it would wait for several RSA key generations.  The eligibility
 * test bounds how far a flow can get ahead of its share, so the order
 * among eligible flows is free to favor short commands: a light flow is
 * picked next, and waits only for the command that was running.
 */

#include "sched_policy.h"

/*
 * n / d and n % d with plain C: the kernel offers no 64-bit division to
 * code that includes only pure.h (div_u64_rem() is in <linux/math64.h>),
 * and a 32-bit build has no native one.  Called twice per command.
 */
static u64 tpmmux_policy_div(u64 n, u32 d, u32 *rem)
{
	u64 q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	*rem = (u32)r;
	return q;
}

static u32 tpmmux_policy_clamp_weight(u32 weight)
{
	if (!weight)
		return TPMMUX_WEIGHT_DEFAULT;
	if (weight > TPMMUX_WEIGHT_MAX)
		return TPMMUX_WEIGHT_MAX;
	return weight;
}

static u64 tpmmux_policy_quantum(const struct tpmmux_policy *p)
{
	return p->quantum_ns < TPMMUX_COST_MAX_NS ? p->quantum_ns :
						    TPMMUX_COST_MAX_NS;
}

static bool tpmmux_flow_active(const struct tpmmux_flow *f)
{
	return f->queued || f->running;
}

/*
 * The flow served last, if at @now_ns it is off the queue but within its
 * grace time: busy with its guest, still backlogged.
 */
static const struct tpmmux_flow *tpmmux_policy_held(const struct tpmmux_policy *p,
						    u64 now_ns)
{
	const struct tpmmux_flow *h = p->held;

	if (!h || tpmmux_flow_active(h) || now_ns > p->held_until_ns)
		return NULL;
	return h;
}

/* The predicted busy time of @f's next command. */
static u64 tpmmux_flow_est(const struct tpmmux_policy *p,
			   const struct tpmmux_flow *f)
{
	return f->est_ns ? f->est_ns : tpmmux_policy_quantum(p);
}

/*
 * May a flow of @weight whose command starts at @vstart run, with the
 * clock at @vclock: has it used at most its fair share plus a quantum?
 */
static bool tpmmux_policy_eligible(const struct tpmmux_policy *p, u64 vstart,
				   u32 weight, u64 vclock)
{
	u64 q = tpmmux_policy_quantum(p), ahead;

	if (vstart <= vclock)
		return true;
	ahead = vstart - vclock;
	/* ahead <= q <= 2^43 here, so the product stays below 2^53 */
	return ahead <= q && ahead * weight <= q;
}

/*
 * The floor of the start times as a pick at @now_ns sets it: the smallest
 * start time on the queue, @vstart (of a flow about to be queued; ~0ULL
 * for none) and, within its grace time, the virtual time of the flow last
 * charged for a command (it is busy with its guest, not idle); but never
 * lower than before.
 */
static u64 tpmmux_policy_floor(const struct tpmmux_policy *p, u64 vstart,
			       u64 now_ns)
{
	const struct tpmmux_flow *f;
	const struct tpmmux_flow *h = tpmmux_policy_held(p, now_ns);
	u64 vmin = vstart;

	for (f = p->head; f; f = f->next)
		if (f->vstart < vmin)
			vmin = f->vstart;
	if (h && h->vfinish < vmin)
		vmin = h->vfinish;
	return vmin > p->vmin ? vmin : p->vmin;
}

/*
 * The virtual start time of @f's next command, were it ready at @now_ns.
 * A flow that was idle starts at the floor: it banks nothing.  A flow
 * whose command follows its last response within the grace time was not
 * idle but busy talking to its guest (through the kernel, a backlogged
 * vTPM is out of the queue at every pick that follows its own command):
 * it keeps its place, even below the floor.
 */
static u64 tpmmux_flow_vstart(const struct tpmmux_policy *p,
			      const struct tpmmux_flow *f, u64 now_ns)
{
	if (f->vfinish >= p->vmin)
		return f->vfinish;
	if (f->commands && now_ns >= f->done_ns &&
	    now_ns - f->done_ns <= p->grace_ns)
		return f->vfinish;
	return p->vmin;
}

/* Take @f, which follows @prev (NULL: @f is the head), off the queue. */
static void tpmmux_policy_unlink(struct tpmmux_policy *p,
				 struct tpmmux_flow *prev,
				 struct tpmmux_flow *f)
{
	if (prev)
		prev->next = f->next;
	else
		p->head = f->next;
	if (p->tail == f)
		p->tail = prev;
	f->next = NULL;
	f->queued = false;
	p->nr_queued--;
}

/**
 * tpmmux_policy_init() - set up an empty policy
 * @p: the policy
 * @quantum_ns: see struct tpmmux_policy; 0 means
 *	%TPMMUX_QUANTUM_DEFAULT_NS
 * @fifo: serve in arrival order instead (for comparison)
 */
void tpmmux_policy_init(struct tpmmux_policy *p, u64 quantum_ns, bool fifo)
{
	memset(p, 0, sizeof(*p));
	p->quantum_ns = quantum_ns ? quantum_ns : TPMMUX_QUANTUM_DEFAULT_NS;
	p->grace_ns = TPMMUX_GRACE_DEFAULT_NS;
	p->fifo = fifo;
}

/**
 * tpmmux_flow_init() - set up a flow that has no command
 * @f: the flow
 * @weight: its weight, %TPMMUX_WEIGHT_MIN..%TPMMUX_WEIGHT_MAX; 0 means
 *	%TPMMUX_WEIGHT_DEFAULT (100), larger values mean %TPMMUX_WEIGHT_MAX
 *
 * Needs no lock: the flow is not known to the policy yet.  Its first
 * command starts at the policy's current floor, like a flow that was idle.
 */
void tpmmux_flow_init(struct tpmmux_flow *f, u32 weight)
{
	memset(f, 0, sizeof(*f));
	f->weight = tpmmux_policy_clamp_weight(weight);
}

/**
 * tpmmux_policy_enqueue() - @f's command became ready
 * @p: the policy, with the caller's lock held
 * @f: the flow; not queued (a second call while queued does nothing) and
 *	not running (its last command was charged)
 * @now_ns: the caller's clock (for the wait statistics only)
 */
void tpmmux_policy_enqueue(struct tpmmux_policy *p, struct tpmmux_flow *f,
			   u64 now_ns)
{
	if (f->queued)
		return;
	if (!tpmmux_flow_active(f))
		p->active_weight += f->weight;
	/* a turnaround within the grace time: learn it (TCP's RTT way) */
	if (f->commands && now_ns >= f->done_ns &&
	    now_ns - f->done_ns <= p->grace_ns) {
		u64 d = now_ns - f->done_ns;
		u64 err = d > f->turn_ns ? d - f->turn_ns : f->turn_ns - d;

		if (!f->turn_ns) {
			f->turn_ns = d ? d : 1;
			f->turn_var_ns = d / 2;
		} else {
			f->turn_var_ns = (3 * f->turn_var_ns + err) / 4;
			f->turn_ns = (7 * f->turn_ns + d) / 8;
			if (!f->turn_ns)
				f->turn_ns = 1;
		}
	}
	f->vstart = tpmmux_flow_vstart(p, f, now_ns);
	f->ready_ns = now_ns;
	f->queued = true;
	f->next = NULL;
	if (p->tail)
		p->tail->next = f;
	else
		p->head = f;
	p->tail = f;
	p->nr_queued++;
}

/**
 * tpmmux_policy_pick() - take the flow whose command runs next
 * @p: the policy, with the caller's lock held
 * @now_ns: the caller's clock (for the wait statistics only)
 *
 * The flow leaves the queue and is running until tpmmux_policy_charge().
 * The caller runs its command on the chip and then charges it, even when
 * the command never reached the chip (charge 0).  With one queued flow,
 * that flow is returned.
 *
 * Return: the flow, or NULL if none is queued.
 */
struct tpmmux_flow *tpmmux_policy_pick(struct tpmmux_policy *p, u64 now_ns)
{
	struct tpmmux_flow *f, *prev, *best = NULL, *best_prev = NULL;
	u64 best_est = 0;

	if (!p->head)
		return NULL;

	/*
	 * vclock >= vmin, and vmin is the smallest start time unless the
	 * flow served last holds it lower (tpmmux_policy_floor())
	 */
	p->vmin = tpmmux_policy_floor(p, ~0ULL, now_ns);
	p->held_active = tpmmux_policy_held(p, now_ns) != NULL;
	if (p->vclock < p->vmin) {
		p->vclock = p->vmin;
		p->vclock_rem = 0;
	}

	if (!p->fifo) {
		for (prev = NULL, f = p->head; f; prev = f, f = f->next) {
			u64 est;

			if (!tpmmux_policy_eligible(p, f->vstart, f->weight,
						    p->vclock))
				continue;
			est = tpmmux_flow_est(p, f);
			if (best && (est > best_est ||
				     (est == best_est &&
				      f->vstart >= best->vstart)))
				continue;
			best = f;
			best_prev = prev;
			best_est = est;
		}
	}
	/*
	 * None eligible: the queued flows are all ahead of their share, and
	 * the flow served last, which is behind, has not come back yet.
	 * Work conserving: the smallest start time runs (the dispatcher
	 * anticipates that flow's return to avoid this; see
	 * tpmmux_policy_wants()).  FIFO: the oldest.
	 */
	if (!best && !p->fifo) {
		for (prev = NULL, f = p->head; f; prev = f, f = f->next) {
			if (best && f->vstart >= best->vstart)
				continue;
			best = f;
			best_prev = prev;
		}
	}
	if (!best) {
		best = p->head;
		best_prev = NULL;
	}

	tpmmux_policy_unlink(p, best_prev, best);
	best->running = true;
	best->vfinish = best->vstart;
	best->start_ns = now_ns;
	if (now_ns > best->ready_ns) {
		u64 wait = now_ns - best->ready_ns;

		best->wait_total_ns += wait;
		if (wait > best->wait_max_ns)
			best->wait_max_ns = wait;
	}
	return best;
}

/**
 * tpmmux_policy_wants() - would @f's next command be picked next?
 * @p: the policy, with the caller's lock held
 * @f: a flow that is neither queued nor running, typically the one just
 *	charged
 * @now_ns: the caller's clock
 *
 * For anticipation: through the kernel, a backlogged vTPM's next command
 * arrives a little after the response to its last one was read, and a
 * work-conserving dispatcher has picked another flow by then, so a flow
 * of short commands gets one of them per command of the others, whatever
 * its share.  When this returns true, the dispatcher may leave the chip
 * idle for a short while (well below a command's cost) to wait for @f;
 * it should stop waiting as soon as another flow's enqueue makes this
 * false.  Never true in FIFO mode.
 *
 * Return: true if tpmmux_policy_pick() would return @f, were @f enqueued
 * at @now_ns and nothing else changed: @f would be eligible, and its
 * predicted command would be shorter than that of every eligible queued
 * flow.
 */
bool tpmmux_policy_wants(const struct tpmmux_policy *p,
			 const struct tpmmux_flow *f, u64 now_ns)
{
	const struct tpmmux_flow *q;
	u64 vstart, vclock, est;

	if (p->fifo || f->queued || f->running)
		return false;
	vstart = tpmmux_flow_vstart(p, f, now_ns);
	vclock = tpmmux_policy_floor(p, vstart, now_ns);
	if (vclock < p->vclock)
		vclock = p->vclock;
	if (!tpmmux_policy_eligible(p, vstart, f->weight, vclock))
		return false;
	est = tpmmux_flow_est(p, f);
	for (q = p->head; q; q = q->next) {
		u64 qest;

		if (!tpmmux_policy_eligible(p, q->vstart, q->weight, vclock))
			continue;
		qest = tpmmux_flow_est(p, q);
		/* @f would be the newest: it loses every tie */
		if (qest < est || (qest == est && q->vstart <= vstart))
			return false;
	}
	return true;
}

/**
 * tpmmux_policy_anticipation() - how long to wait for @f's next command
 * @p: the policy, with the caller's lock held
 * @f: the flow tpmmux_policy_wants()
 * @min_ns: the least the caller waits (its own setting)
 *
 * The flow's measured turnaround plus four mean deviations (TCP's
 * retransmission timeout), at least @min_ns, and no more than the grace
 * time (later, the flow counts as idle anyway) unless @min_ns is more.
 * A guest that answers in 50 us costs the chip little idle time when it
 * does not come back; one behind a slow emulator (ms) is still waited
 * for, or its weight could not be honored.
 *
 * Return: the time in ns.
 */
u64 tpmmux_policy_anticipation(const struct tpmmux_policy *p,
			       const struct tpmmux_flow *f, u64 min_ns)
{
	u64 t = f->turn_ns + 4 * f->turn_var_ns;

	if (!f->turn_ns || t < min_ns)
		return min_ns;
	return t < p->grace_ns ? t : (p->grace_ns > min_ns ? p->grace_ns : min_ns);
}

/**
 * tpmmux_policy_charge() - bill chip time to @f
 * @p: the policy, with the caller's lock held
 * @f: the flow
 * @busy_ns: how long the chip was busy for it, 0 allowed; more than
 *	%TPMMUX_COST_MAX_NS counts as that much
 * @now_ns: the caller's clock: when the command's response was ready
 *	(the flow's grace time counts from here); not used for a flow that
 *	is not running
 *
 * Called once after each command tpmmux_policy_pick() returned, before
 * the flow's next command can be enqueued: the flow stops running.  May
 * also be called for a flow that is not running, to bill it chip time
 * spent on its behalf outside a command (evicting its objects); that
 * counts as busy time but not as a command.
 */
void tpmmux_policy_charge(struct tpmmux_policy *p, struct tpmmux_flow *f,
			  u64 busy_ns, u64 now_ns)
{
	u64 cost = busy_ns < TPMMUX_COST_MAX_NS ? busy_ns : TPMMUX_COST_MAX_NS;
	u64 weight = p->active_weight;
	u32 rem;

	/*
	 * the clock: as if all active flows had shared this busy time,
	 * counting the flow served before, if it was busy with its guest at
	 * the pick and has not come back yet
	 */
	if (!tpmmux_flow_active(f))
		weight += f->weight;
	if (p->held_active && p->held && p->held != f &&
	    !tpmmux_flow_active(p->held))
		weight += p->held->weight;
	if (weight > 0xffffffffULL)
		weight = 0xffffffffULL;
	p->vclock += tpmmux_policy_div(cost + p->vclock_rem, (u32)weight, &rem);
	p->vclock_rem = rem;

	/* the flow: its normalized busy time */
	f->vfinish += tpmmux_policy_div(cost + f->vrem, f->weight, &rem);
	f->vrem = rem;
	if (f->queued && f->vstart < f->vfinish)
		f->vstart = f->vfinish;

	f->busy_ns += cost;
	p->busy_ns += cost;
	if (!f->running)
		return;
	/*
	 * A command that took no chip time (it never reached the chip)
	 * says nothing about the next one.  Otherwise the new cost counts
	 * half; the result is at least 1, as 0 means "nothing measured".
	 */
	if (cost)
		f->est_ns = f->est_ns ? (f->est_ns + cost + 1) / 2 : cost;
	f->commands++;
	p->commands++;
	f->running = false;
	f->done_ns = now_ns;
	if (!f->queued)
		p->active_weight -= f->weight;
	/* until its grace time ends, it counts as backlogged */
	p->held = f;
	p->held_until_ns = now_ns + p->grace_ns >= now_ns ?
			   now_ns + p->grace_ns : ~0ULL;
	p->held_active = false;
}

/**
 * tpmmux_policy_remove() - the flow leaves the policy
 * @p: the policy, with the caller's lock held
 * @f: the flow
 *
 * A queued command is taken off the queue (cancel, destroy); a running
 * one is forgotten (a later tpmmux_policy_charge() for it only bills the
 * time).  The flow keeps its virtual time and statistics, and may be
 * enqueued again.  The policy keeps no pointer to @f afterwards: call
 * this before freeing a flow that was ever charged, whatever its state
 * (the policy remembers the flow charged last, see struct tpmmux_policy).
 *
 * Return: true if @f was queued.
 */
bool tpmmux_policy_remove(struct tpmmux_policy *p, struct tpmmux_flow *f)
{
	struct tpmmux_flow *prev = NULL, *cur;
	bool was_queued = false;

	if (f->queued) {
		for (cur = p->head; cur && cur != f; cur = cur->next)
			prev = cur;
		if (cur) {
			tpmmux_policy_unlink(p, prev, f);
			was_queued = true;
		}
		f->queued = false;
	}
	if (was_queued || f->running)
		p->active_weight -= f->weight;
	f->running = false;
	if (p->held == f)
		p->held = NULL;
	return was_queued;
}

/**
 * tpmmux_policy_set_weight() - change @f's weight
 * @p: the policy, with the caller's lock held
 * @f: the flow (queued, running or idle)
 * @weight: the new weight, as for tpmmux_flow_init()
 *
 * Takes effect for the next pick: the flow's share from now on is the
 * new weight over the sum; what it received so far is not recomputed.
 */
void tpmmux_policy_set_weight(struct tpmmux_policy *p, struct tpmmux_flow *f,
			      u32 weight)
{
	weight = tpmmux_policy_clamp_weight(weight);
	if (tpmmux_flow_active(f))
		p->active_weight = p->active_weight - f->weight + weight;
	f->weight = weight;
	if (f->vrem >= weight)
		f->vrem = weight - 1;
}
