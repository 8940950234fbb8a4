// SPDX-License-Identifier: GPL-2.0
/*
 * sched.c - the dispatcher: the one thread that runs guest commands on the
 * host TPM.
 *
 * Every vTPM has at most one command in flight (the /dev/tpm0 protocol).
 * A write() that needs the chip puts the vTPM on the run queue and wakes
 * the dispatcher.  The dispatcher takes the chip (tpm_try_get_ops()) for a
 * "session" of at most slice_ms and runs queued commands in the order the
 * scheduling policy (sched_policy.c: fair in measured chip busy time, with
 * per-VM weights) picks them.  It lingers up to linger_us for the next
 * command when the queue runs dry, and up to anticipate_us for the next
 * command of a VM the policy wants to serve again, so a VM that sends
 * commands back to back keeps its objects loaded (lazy swapping) and gets
 * its fair share.  Before it runs another VM's command, and before it gives the
 * chip back, it evicts the current VM's objects (ContextSave + FlushContext),
 * so the host's users of the chip (/dev/tpmrm0, IMA, hwrng) wait at most
 * one slice and never see a VM's objects.
 *
 * Locking: tpmmux_sched.lock (a spinlock) protects the policy (the run
 * queue) and each vTPM's @state, @dead and @flow.  The dispatcher works on a vTPM's buffer,
 * command and space only while that vTPM is RUNNING; write() touches them
 * only while it is IDLE, under the vTPM's io_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/tpm.h>

#include "tpmmux.h"
#include "space.h"
#include "vpcr.h"
#include "keysep.h"

static unsigned int slice_ms = 20;
module_param(slice_ms, uint, 0644);
MODULE_PARM_DESC(slice_ms, "Longest the dispatcher holds the host TPM at once, in ms (default 20)");

static unsigned int linger_us = 2000;
module_param(linger_us, uint, 0644);
MODULE_PARM_DESC(linger_us, "How long the dispatcher keeps the TPM waiting for the next command, in us (default 2000)");

static unsigned int anticipate_us = 1000;
module_param(anticipate_us, uint, 0644);
MODULE_PARM_DESC(anticipate_us, "Least time the dispatcher holds the TPM for the next command of the VM it just served, when the policy wants it, in us; longer if that VM's measured turnaround is, up to grace_us (default 1000; 0: never)");

/*
 * Anticipation holds the chip idle: the host's own TPM users (IMA, the
 * hwrng, /dev/tpmrm0) wait meanwhile.  This bounds it, whatever a VM's
 * measured turnaround says.
 */
static unsigned int anticipate_max_us = 2000;
module_param(anticipate_max_us, uint, 0644);
MODULE_PARM_DESC(anticipate_max_us, "Most time the dispatcher holds the TPM idle for a VM's next command, in us: what a host TPM user may wait for (default 2000)");

static unsigned int grace_us = 10000;
module_param(grace_us, uint, 0644);
MODULE_PARM_DESC(grace_us, "A VM whose next command comes within this time of its last response counts as backlogged, not idle, in us (default 10000)");

static unsigned int quantum_ms = 100;
module_param(quantum_ms, uint, 0644);
MODULE_PARM_DESC(quantum_ms, "Chip time a VM may run ahead of its fair share, in ms (default 100)");

static bool sched_fifo;
module_param(sched_fifo, bool, 0644);
MODULE_PARM_DESC(sched_fifo, "Run commands in arrival order instead of fairly (for comparison; default off)");

/**
 * struct tpmmux_sched - the dispatcher
 * @lock: protects @policy and every vTPM's state, dead and flow
 * @policy: the scheduling policy, which holds the vTPMs whose command is
 *	QUEUED
 * @wq: the dispatcher sleeps here until @queue is not empty
 * @task: the dispatcher thread
 * @hc: the host chip
 */
struct tpmmux_sched {
	spinlock_t lock;
	struct tpmmux_policy policy;
	wait_queue_head_t wq;
	struct task_struct *task;
	struct tpmmux_chip *hc;
};

static struct tpmmux_sched tpmmux_sched;

/* A module parameter in microseconds, read once, as a ktime. */
#define tpmmux_us(param) ns_to_ktime((u64)READ_ONCE(param) * NSEC_PER_USEC)

static const struct tpmmux_space_ops tpmmux_chip_ops = {
	.xmit = tpmmux_chip_xmit,
};

/*
 * Mark @vt's command done with @err (0: the response is in the buffer).
 * A command the dispatcher ran is charged @busy_ns of chip time first, so
 * the guest's next command is queued after its charge; the policy dates
 * the response now (not at the pick plus @busy_ns: the eviction of the
 * VM that had the chip before came in between), so that the guest's
 * turnaround to its next command counts from here.
 */
static void tpmmux_sched_done(struct tpmmux_vtpm *vt, int err, bool ran,
			      u64 busy_ns)
{
	spin_lock(&tpmmux_sched.lock);
	if (ran)
		tpmmux_policy_charge(&tpmmux_sched.policy, &vt->flow, busy_ns,
				     ktime_get_ns());
	vt->rsp_err = err;
	vt->state = TPMMUX_DONE;
	spin_unlock(&tpmmux_sched.lock);
	wake_up_all(&vt->waitq);
}

/* Take the oldest queued vTPM off the queue, RUNNING, with a reference. */
static struct tpmmux_vtpm *tpmmux_sched_pop(void)
{
	struct tpmmux_vtpm *vt = NULL;
	struct tpmmux_flow *f;

	spin_lock(&tpmmux_sched.lock);
	tpmmux_sched.policy.fifo = READ_ONCE(sched_fifo);
	tpmmux_sched.policy.quantum_ns = (u64)READ_ONCE(quantum_ms) *
					 NSEC_PER_MSEC;
	tpmmux_sched.policy.grace_ns = (u64)READ_ONCE(grace_us) * NSEC_PER_USEC;
	f = tpmmux_policy_pick(&tpmmux_sched.policy, ktime_get_ns());
	if (f) {
		u64 wait_us = f->start_ns > f->ready_ns ?
			div_u64(f->start_ns - f->ready_ns, NSEC_PER_USEC) : 0;

		vt = container_of(f, struct tpmmux_vtpm, flow);
		vt->wait_hist[min_t(u32, fls64(wait_us),
				    TPMMUX_WAIT_BUCKETS - 1)]++;
		vt->state = TPMMUX_RUNNING;
		get_device(&vt->dev);
	}
	spin_unlock(&tpmmux_sched.lock);
	return vt;
}

static void tpmmux_sched_evict(struct tpmmux_vtpm *vt)
{
	u64 t0 = ktime_get_ns(), t1;
	int rc = tpmmux_space_evict(vt->space, &tpmmux_chip_ops,
				    tpmmux_sched.hc);

	/* The VM's own objects cost the chip this time: bill it. */
	t1 = ktime_get_ns();
	spin_lock(&tpmmux_sched.lock);
	tpmmux_policy_charge(&tpmmux_sched.policy, &vt->flow, t1 - t0, t1);
	spin_unlock(&tpmmux_sched.lock);
	if (rc)
		pr_warn_ratelimited("evicting %s failed: %d\n", vt->name, rc);
}

static void tpmmux_sched_run_one(struct tpmmux_vtpm *vt, bool have_chip)
{
	u32 rsp_len = 0;
	u64 t0;
	int rc;

	if (!have_chip) {
		tpmmux_sched_done(vt, -ENODEV, true, 0);
		return;
	}
	t0 = ktime_get_ns();
	/* tpmmux_space_run(), with hierarchy auth and DA budget (auth.c) */
	rc = tpmmux_auth_run(vt, &tpmmux_chip_ops, tpmmux_sched.hc, &rsp_len);
	t0 = ktime_get_ns() - t0;
	if (!rc && (rsp_len < TPM2_HEADER_SIZE || rsp_len > TPMMUX_BUFSIZE))
		rc = -EIO;
	/* A context the guest saves is bound to this VM (keysep.c). */
	if (!rc && vt->cmd.cc == TPM_CC_ContextSave && tpmmux_bind_contexts()) {
		struct keysep_ops ops = { .hmac_sha256 = tpmmux_hmac_sha256 };

		if (keysep_seal_context(vt->buf, &rsp_len, TPMMUX_BUFSIZE,
					vt->ctx_key, &ops, NULL))
			rsp_len = tpm2_rsp_error(vt->buf, TPMMUX_BUFSIZE,
						 TPMMUX_RC_LAYER |
						 TPM_RC_FAILURE);
	}
	if (!rc)
		vt->rsp_len = rsp_len;
	tpmmux_sched_done(vt, rc, true, t0);
}

static bool tpmmux_sched_has_work(void)
{
	bool work;

	spin_lock(&tpmmux_sched.lock);
	work = !tpmmux_policy_empty(&tpmmux_sched.policy);
	spin_unlock(&tpmmux_sched.lock);
	return work || kthread_should_stop();
}

/*
 * How long to hold the chip for @vt's next command: anticipate_us, or
 * more if @vt's guest measurably takes longer to come back (up to the
 * grace time), never more than anticipate_max_us.  0: the policy does
 * not want @vt next.
 */
static ktime_t tpmmux_sched_anticipation(struct tpmmux_vtpm *vt)
{
	u64 min_ns = (u64)READ_ONCE(anticipate_us) * NSEC_PER_USEC, t = 0;

	if (!min_ns)
		return 0;
	spin_lock(&tpmmux_sched.lock);
	if (tpmmux_policy_wants(&tpmmux_sched.policy, &vt->flow,
				ktime_get_ns()))
		t = tpmmux_policy_anticipation(&tpmmux_sched.policy,
					       &vt->flow, min_ns);
	spin_unlock(&tpmmux_sched.lock);
	return ns_to_ktime(min_t(u64, t, (u64)READ_ONCE(anticipate_max_us) *
					 NSEC_PER_USEC));
}

/* Does the policy want to wait for @vt's next command? */
static bool tpmmux_sched_wants(struct tpmmux_vtpm *vt)
{
	bool wants;

	spin_lock(&tpmmux_sched.lock);
	wants = tpmmux_policy_wants(&tpmmux_sched.policy, &vt->flow,
				    ktime_get_ns());
	spin_unlock(&tpmmux_sched.lock);
	return wants;
}

/* One session: hold the chip, run commands, evict, give the chip back. */
static void tpmmux_sched_session(void)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(slice_ms);
	struct tpmmux_vtpm *vt, *cur = NULL;
	bool have_chip;
	ktime_t hold;

	have_chip = !tpm_try_get_ops(tpmmux_sched.hc->chip);
	for (;;) {
		vt = tpmmux_sched_pop();
		if (!vt && have_chip && time_before(jiffies, deadline) &&
		    !kthread_should_stop()) {
			wait_event_hrtimeout(tpmmux_sched.wq,
					     tpmmux_sched_has_work(),
					     tpmmux_us(linger_us));
			vt = tpmmux_sched_pop();
		}
		if (!vt)
			break;
		if (cur != vt) {
			if (cur) {
				if (have_chip)
					tpmmux_sched_evict(cur);
				put_device(&cur->dev);
			}
			cur = vt;
		} else {
			put_device(&vt->dev);
		}
		tpmmux_sched_run_one(vt, have_chip);
		/*
		 * Hold the chip briefly for the VM the policy wants next, even
		 * when the slice is over: through the kernel that VM is off
		 * the queue until its guest has read the response and written
		 * its next command, and the next pick, in this session or the
		 * next one, must see it there, or another VM's command (a key
		 * generation, maybe) runs in its place, whatever the weights.
		 * The host's users wait at most that long more (up to
		 * grace_us).
		 */
		hold = have_chip ? tpmmux_sched_anticipation(vt) : 0;
		if (hold)
			wait_event_hrtimeout(tpmmux_sched.wq,
					     !tpmmux_sched_wants(vt) ||
					     kthread_should_stop(), hold);
		if (time_after(jiffies, deadline))
			break;
	}
	if (cur) {
		if (have_chip)
			tpmmux_sched_evict(cur);
		put_device(&cur->dev);
	}
	if (have_chip)
		tpm_put_ops(tpmmux_sched.hc->chip);
}

static int tpmmux_sched_thread(void *data)
{
	while (!kthread_should_stop()) {
		wait_event_interruptible(tpmmux_sched.wq,
					 tpmmux_sched_has_work());
		if (kthread_should_stop())
			break;
		tpmmux_sched_session();
	}
	return 0;
}

/**
 * tpmmux_sched_begin() - may a new command be written to @vt?
 * @vt: the vTPM, with its io_lock held
 *
 * A response that was partly read is discarded, as tpm-dev-common does.
 *
 * Return: 0 (the vTPM is IDLE now), -ENODEV if it was destroyed, -EBUSY if
 * a command is in flight or its response has not been read.
 */
int tpmmux_sched_begin(struct tpmmux_vtpm *vt)
{
	int rc = 0;

	spin_lock(&tpmmux_sched.lock);
	if (vt->dead)
		rc = -ENODEV;
	else if (vt->state == TPMMUX_QUEUED || vt->state == TPMMUX_RUNNING)
		rc = -EBUSY;
	else if (vt->state == TPMMUX_DONE && !vt->rsp_read)
		rc = -EBUSY;
	else
		vt->state = TPMMUX_IDLE;
	spin_unlock(&tpmmux_sched.lock);
	return rc;
}

/**
 * tpmmux_sched_answer() - @vt's command was answered by the module itself
 * @vt: the vTPM, with its io_lock held; its buffer holds the response
 * @rsp_len: the response's length
 */
void tpmmux_sched_answer(struct tpmmux_vtpm *vt, u32 rsp_len)
{
	vt->rsp_len = rsp_len;
	vt->rsp_off = 0;
	vt->rsp_read = false;
	tpmmux_sched_done(vt, 0, false, 0);
}

/**
 * tpmmux_sched_submit() - queue @vt's parsed command for the chip
 * @vt: the vTPM, IDLE, with its io_lock held
 */
void tpmmux_sched_submit(struct tpmmux_vtpm *vt)
{
	vt->rsp_len = 0;
	vt->rsp_off = 0;
	vt->rsp_read = false;
	spin_lock(&tpmmux_sched.lock);
	if (vt->dead) {
		vt->rsp_err = -ENODEV;
		vt->state = TPMMUX_DONE;
	} else {
		vt->state = TPMMUX_QUEUED;
		tpmmux_policy_enqueue(&tpmmux_sched.policy, &vt->flow,
				      ktime_get_ns());
	}
	spin_unlock(&tpmmux_sched.lock);
	wake_up(&tpmmux_sched.wq);
}

/**
 * tpmmux_sched_state() - @vt's command state, read under the lock
 * @vt: the vTPM
 *
 * Return: an enum tpmmux_cmd_state, or -ENODEV once @vt is dead.
 */
int tpmmux_sched_state(struct tpmmux_vtpm *vt)
{
	int st;

	spin_lock(&tpmmux_sched.lock);
	st = vt->dead ? -ENODEV : vt->state;
	spin_unlock(&tpmmux_sched.lock);
	return st;
}

static bool tpmmux_sched_not_running(struct tpmmux_vtpm *vt)
{
	bool idle;

	spin_lock(&tpmmux_sched.lock);
	idle = vt->state != TPMMUX_RUNNING;
	spin_unlock(&tpmmux_sched.lock);
	return idle;
}

/**
 * tpmmux_sched_cancel() - drop @vt's command if it is still queued
 * @vt: the vTPM
 *
 * A dropped command is answered TPM_RC_CANCELED.  A command already
 * running on the chip finishes normally.
 *
 * Return: true if a queued command was dropped.
 */
bool tpmmux_sched_cancel(struct tpmmux_vtpm *vt)
{
	bool dropped = false;

	spin_lock(&tpmmux_sched.lock);
	if (vt->state == TPMMUX_QUEUED) {
		tpmmux_policy_remove(&tpmmux_sched.policy, &vt->flow);
		vt->rsp_len = tpm2_rsp_error(vt->buf, TPMMUX_BUFSIZE,
					     TPM_RC_CANCELED);
		vt->rsp_err = 0;
		vt->state = TPMMUX_DONE;
		dropped = true;
	}
	spin_unlock(&tpmmux_sched.lock);
	if (dropped)
		wake_up_all(&vt->waitq);
	return dropped;
}

/**
 * tpmmux_sched_quiesce() - make sure the dispatcher is done with @vt
 * @vt: the vTPM
 * @kill: also mark it dead (destroy): every later call on it fails
 *
 * A queued command is dropped (-ENODEV to its reader); a running one is
 * waited for.  Afterwards the dispatcher holds no reference to @vt's
 * buffer or command.  Its space may still be evicted by the session that
 * ran the command; tpmmux_sched_teardown() waits for that.
 */
void tpmmux_sched_quiesce(struct tpmmux_vtpm *vt, bool kill)
{
	spin_lock(&tpmmux_sched.lock);
	if (kill)
		vt->dead = true;
	if (vt->state == TPMMUX_QUEUED) {
		tpmmux_policy_remove(&tpmmux_sched.policy, &vt->flow);
		vt->rsp_err = -ENODEV;
		vt->state = TPMMUX_DONE;
	}
	spin_unlock(&tpmmux_sched.lock);
	wake_up_all(&vt->waitq);
	wait_event(vt->waitq, tpmmux_sched_not_running(vt));
	if (kill) {
		/* The policy may remember the flow it charged last: forget. */
		spin_lock(&tpmmux_sched.lock);
		tpmmux_policy_remove(&tpmmux_sched.policy, &vt->flow);
		spin_unlock(&tpmmux_sched.lock);
	}
}

/**
 * tpmmux_sched_teardown() - flush what @vt has on the chip
 * @vt: the vTPM, quiesced, with its io_lock held
 * @destroy: the vTPM goes away: flush everything and free its space;
 *	otherwise its node was closed: flush all but the sessions the guest
 *	saved itself (see tpmmux_space_close())
 *
 * Takes the chip, which waits for the dispatcher's current session (and
 * so for any eviction of @vt in it) to end.  When the chip has gone away,
 * only the module's copies are dropped (zeroed).
 */
void tpmmux_sched_teardown(struct tpmmux_vtpm *vt, bool destroy)
{
	struct tpm_chip *chip = tpmmux_sched.hc->chip;
	bool have_chip;

	if (!vt->space)
		return;
	have_chip = !tpm_try_get_ops(chip);
	if (destroy)
		tpmmux_space_destroy(vt->space, have_chip ? &tpmmux_chip_ops : NULL,
				     tpmmux_sched.hc);
	else
		tpmmux_space_close(vt->space, have_chip ? &tpmmux_chip_ops : NULL,
				   tpmmux_sched.hc);
	if (have_chip)
		tpm_put_ops(chip);
	if (destroy)
		vt->space = NULL;
}

/**
 * tpmmux_sched_set_weight() - change a vTPM's scheduling weight
 * @vt: the vTPM
 * @weight: TPMMUX_WEIGHT_MIN to TPMMUX_WEIGHT_MAX (0: the default)
 */
void tpmmux_sched_set_weight(struct tpmmux_vtpm *vt, u32 weight)
{
	spin_lock(&tpmmux_sched.lock);
	tpmmux_policy_set_weight(&tpmmux_sched.policy, &vt->flow, weight);
	spin_unlock(&tpmmux_sched.lock);
}

/* The upper bound of the bucket holding the @pct-th percentile wait. */
static u64 tpmmux_wait_percentile(const u32 *hist, u32 pct)
{
	u64 total = 0, seen = 0;
	u32 b;

	for (b = 0; b < TPMMUX_WAIT_BUCKETS; b++)
		total += hist[b];
	if (!total)
		return 0;
	for (b = 0; b < TPMMUX_WAIT_BUCKETS; b++) {
		seen += hist[b];
		if (seen * 100 >= total * pct)
			break;
	}
	return b ? (1ULL << b) * NSEC_PER_USEC : NSEC_PER_USEC;
}

/**
 * tpmmux_sched_flow_stats() - a consistent copy of @vt's scheduling state
 * @vt: the vTPM
 * @out: the copy (weight, busy time, commands run, waits)
 * @p50_ns: the median queue wait (upper bound of its histogram bucket)
 * @p99_ns: the 99th percentile queue wait, the same way
 */
void tpmmux_sched_flow_stats(struct tpmmux_vtpm *vt, struct tpmmux_flow *out,
			     u64 *p50_ns, u64 *p99_ns)
{
	spin_lock(&tpmmux_sched.lock);
	*out = vt->flow;
	/* A bucket's upper bound can exceed the longest wait seen. */
	*p50_ns = min(tpmmux_wait_percentile(vt->wait_hist, 50),
		      vt->flow.wait_max_ns);
	*p99_ns = min(tpmmux_wait_percentile(vt->wait_hist, 99),
		      vt->flow.wait_max_ns);
	spin_unlock(&tpmmux_sched.lock);
}

/**
 * tpmmux_sched_init() - start the dispatcher
 * @hc: the host chip
 *
 * Return: 0 or the error of kthread_run().
 */
int tpmmux_sched_init(struct tpmmux_chip *hc)
{
	struct task_struct *task;

	spin_lock_init(&tpmmux_sched.lock);
	tpmmux_policy_init(&tpmmux_sched.policy, 0, false);
	init_waitqueue_head(&tpmmux_sched.wq);
	tpmmux_sched.hc = hc;
	task = kthread_run(tpmmux_sched_thread, NULL, "tpmmux");
	if (IS_ERR(task))
		return PTR_ERR(task);
	tpmmux_sched.task = task;
	return 0;
}

/**
 * tpmmux_sched_exit() - stop the dispatcher
 *
 * Called after every vTPM was destroyed, so the queue is empty.
 */
void tpmmux_sched_exit(void)
{
	kthread_stop(tpmmux_sched.task);
	WARN_ON(!tpmmux_policy_empty(&tpmmux_sched.policy));
}
