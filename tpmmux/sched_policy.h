/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched_policy.h - which vTPM's command runs next on the host TPM.
 *
 * The dispatcher (sched.c) runs one command at a time on the physical TPM;
 * every vTPM has at most one command in flight.  This is the policy it asks,
 * as pure logic (see pure.h): fair sharing of the chip's MEASURED busy time
 * between vTPMs, in proportion to their weights, with a latency guarantee
 * for light vTPMs.  See Documentation/scheduler.rst for the algorithm and
 * its proof sketch.
 *
 * Nothing here allocates or sleeps: the caller embeds a struct tpmmux_flow
 * in each vTPM and one struct tpmmux_policy in the dispatcher.  The policy
 * is not locked: the caller holds one lock (sched.c: tpmmux_sched.lock, a
 * spinlock) around every call and around every access to the fields below,
 * except where a field says otherwise.  Every call is O(1) except
 * tpmmux_policy_pick(), tpmmux_policy_wants() and tpmmux_policy_remove(),
 * which walk the queued flows (O(n), n = vTPMs with a command waiting).
 */
#ifndef _TPMMUX_SCHED_POLICY_H
#define _TPMMUX_SCHED_POLICY_H

#include "pure.h"

/* Weights: a flow's share of the chip's busy time is weight / sum. */
/* The same values as the UAPI header's (include/uapi/linux/tpmmux.h). */
#ifndef TPMMUX_WEIGHT_MIN
#define TPMMUX_WEIGHT_MIN		1
#define TPMMUX_WEIGHT_MAX		1000
#define TPMMUX_WEIGHT_DEFAULT		100
#endif

/* Default quantum: 100 ms of chip time (see struct tpmmux_policy). */
#define TPMMUX_QUANTUM_DEFAULT_NS	100000000ULL

/* Default grace time: 10 ms (see struct tpmmux_policy). */
#define TPMMUX_GRACE_DEFAULT_NS		10000000ULL

/*
 * The longest busy time one charge counts, about 2.4 hours: a longer one
 * (a clock jump, a chip that hung) is charged as this much, so that no
 * arithmetic can overflow.
 */
#define TPMMUX_COST_MAX_NS		(1ULL << 43)

/**
 * struct tpmmux_flow - one vTPM as the policy sees it
 * @weight: share of the chip relative to the other flows,
 *	%TPMMUX_WEIGHT_MIN..%TPMMUX_WEIGHT_MAX; set by tpmmux_flow_init()
 *	and tpmmux_policy_set_weight() only
 * @queued: a command is ready and waiting (the flow is on the run queue);
 *	a flow is on the queue if and only if this is set
 * @running: tpmmux_policy_pick() returned the flow and its command has
 *	not been charged yet
 * @next: next flow on the run queue (intrusive, arrival order)
 * @vstart: virtual start time of the queued command (valid while @queued)
 * @vfinish: virtual time the flow reached: the virtual start time of its
 *	last command plus the normalized busy time charged since
 * @vrem: busy time (ns) charged but not yet in @vfinish: below @weight
 * @est_ns: predicted busy time of the flow's next command: an
 *	exponentially weighted moving average of its measured non-zero busy
 *	times (each new one counts half); 0 until one was measured, and then
 *	the policy's quantum stands in for it
 * @ready_ns: when the queued command became ready (the caller's clock)
 * @start_ns: when the last command was picked (the caller's clock)
 * @done_ns: when the last command ended (its response was ready), as the
 *	caller said to tpmmux_policy_charge()
 * @turn_ns: the flow's turnaround: how long after a response its next
 *	command comes, when that is within the grace time (a moving average,
 *	each new one counting an eighth; 0: none measured)
 * @turn_var_ns: the mean deviation of those turnarounds (each new one
 *	counting a quarter), as TCP estimates a round trip
 * @busy_ns: statistics: chip time charged to the flow, ns
 * @commands: statistics: commands charged to the flow
 * @wait_total_ns: statistics: total time commands waited from ready to
 *	picked, ns
 * @wait_max_ns: statistics: the longest of those waits, ns
 *
 * Virtual time counts busy time divided by the weight (ns per unit of
 * weight): a flow that received its fair share of the chip is at the
 * policy's virtual clock.  Virtual times only grow, by at most one per ns
 * of chip time: a u64 does not wrap in 500 years.
 *
 * All fields belong to the policy; the caller reads them (statistics)
 * under the lock and writes none of them directly.
 */
struct tpmmux_flow {
	u32 weight;
	bool queued;
	bool running;
	struct tpmmux_flow *next;
	u64 vstart;
	u64 vfinish;
	u32 vrem;
	u64 est_ns;
	u64 ready_ns;
	u64 start_ns;
	u64 done_ns;
	u64 turn_ns;
	u64 turn_var_ns;
	u64 busy_ns;
	u64 commands;
	u64 wait_total_ns;
	u64 wait_max_ns;
};

/**
 * struct tpmmux_policy - the run queue and its clocks
 * @quantum_ns: how far (in chip time) a flow may run ahead of its fair
 *	share and still be eligible, and the predicted cost of a flow's
 *	first command; 0 at init means %TPMMUX_QUANTUM_DEFAULT_NS.  The
 *	caller may change it at any time (under the lock).
 * @grace_ns: a flow whose next command is ready at most this long after
 *	its last one ended was not idle (it was busy reading the response
 *	and writing the next command): it keeps its virtual time, even if
 *	the others moved on meanwhile.  Later, it was idle and starts at
 *	@vmin.  %TPMMUX_GRACE_DEFAULT_NS at init; the caller may change it
 *	at any time (under the lock).
 * @fifo: plain arrival order instead of the fair policy, for comparison;
 *	the accounting (virtual times, statistics) goes on as usual, so the
 *	caller may switch it at any time (under the lock)
 * @head: first queued flow (the oldest)
 * @tail: last queued flow (the newest)
 * @nr_queued: number of queued flows
 * @vmin: floor of the virtual start times: the smallest virtual start time
 *	of the queued flows, as of the last pick (never decreases).  A flow
 *	that becomes ready after being idle starts here: it banks no credit
 *	for the time it was idle, and it does not lose its place either.
 * @vclock: the virtual clock: grows by busy time divided by the total
 *	weight of the active flows, as the fluid ideal (GPS) would; never
 *	below @vmin.  A flow is eligible while its virtual start time is at
 *	most @vclock plus @quantum_ns over its weight.
 * @vclock_rem: busy time (ns) charged but not yet in @vclock
 * @active_weight: sum of the weights of the flows that are queued or
 *	running
 * @held: the flow last charged for a command, until its grace time ends
 *	(@held_until_ns) or it is removed; NULL: none.  Through the kernel
 *	that flow is off the queue while its guest reads the response and
 *	writes the next command, but it is still backlogged: meanwhile the
 *	floor @vmin does not pass its virtual time, and its weight counts in
 *	the clock's (@held_active), so that another flow, alone on the queue
 *	then, neither drags @vmin and @vclock up to its own start time nor
 *	advances @vclock as if it had the chip to itself, and becomes
 *	ineligible once it is a quantum ahead of its share.
 * @held_until_ns: see @held (the caller's clock)
 * @held_active: @held was off the queue and within its grace time at the
 *	last pick: the command picked then is shared with it in @vclock
 * @busy_ns: statistics: chip time charged in all, ns
 * @commands: statistics: commands charged in all
 */
struct tpmmux_policy {
	u64 quantum_ns;
	u64 grace_ns;
	bool fifo;
	struct tpmmux_flow *head;
	struct tpmmux_flow *tail;
	u32 nr_queued;
	u64 vmin;
	u64 vclock;
	u64 vclock_rem;
	u64 active_weight;
	struct tpmmux_flow *held;
	u64 held_until_ns;
	bool held_active;
	u64 busy_ns;
	u64 commands;
};

void tpmmux_policy_init(struct tpmmux_policy *p, u64 quantum_ns, bool fifo);
void tpmmux_flow_init(struct tpmmux_flow *f, u32 weight);
void tpmmux_policy_enqueue(struct tpmmux_policy *p, struct tpmmux_flow *f,
			   u64 now_ns);
struct tpmmux_flow *tpmmux_policy_pick(struct tpmmux_policy *p, u64 now_ns);
void tpmmux_policy_charge(struct tpmmux_policy *p, struct tpmmux_flow *f,
			  u64 busy_ns, u64 now_ns);
bool tpmmux_policy_wants(const struct tpmmux_policy *p,
			 const struct tpmmux_flow *f, u64 now_ns);
u64 tpmmux_policy_anticipation(const struct tpmmux_policy *p,
			       const struct tpmmux_flow *f, u64 min_ns);
bool tpmmux_policy_remove(struct tpmmux_policy *p, struct tpmmux_flow *f);
void tpmmux_policy_set_weight(struct tpmmux_policy *p, struct tpmmux_flow *f,
			      u32 weight);

/**
 * tpmmux_policy_empty() - is no command waiting?
 * @p: the policy, with the caller's lock held
 *
 * Return: true if no flow is queued.
 */
static inline bool tpmmux_policy_empty(const struct tpmmux_policy *p)
{
	return !p->head;
}

#endif /* _TPMMUX_SCHED_POLICY_H */
