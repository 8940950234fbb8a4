// SPDX-License-Identifier: GPL-2.0
/*
 * sched.c - the dispatcher: the one thread that runs guest commands on the
 * host TPM.
 *
 * Every vTPM has at most one command in flight (the /dev/tpm0 protocol).
 * A write() that needs the chip puts the vTPM on the run queue and wakes
 * the dispatcher.  The dispatcher takes the chip (tpm_try_get_ops()) for a
 * "session" of at most slice_ms, runs queued commands in queue order, and
 * lingers up to linger_us for the next command when the queue runs dry, so
 * a VM that sends commands back to back keeps its objects loaded (lazy
 * swapping).  Before it runs another VM's command, and before it gives the
 * chip back, it evicts the current VM's objects (ContextSave + FlushContext),
 * so the host's users of the chip (/dev/tpmrm0, IMA, hwrng) wait at most
 * one slice and never see a VM's objects.
 *
 * Locking: tpmmux_sched.lock (a spinlock) protects the run queue and each
 * vTPM's @state, @dead and @qnode.  The dispatcher works on a vTPM's buffer,
 * command and space only while that vTPM is RUNNING; write() touches them
 * only while it is IDLE, under the vTPM's io_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/tpm.h>

#include "tpmmux.h"
#include "space.h"

static unsigned int slice_ms = 20;
module_param(slice_ms, uint, 0644);
MODULE_PARM_DESC(slice_ms, "Longest the dispatcher holds the host TPM at once, in ms (default 20)");

static unsigned int linger_us = 2000;
module_param(linger_us, uint, 0644);
MODULE_PARM_DESC(linger_us, "How long the dispatcher keeps the TPM waiting for the next command, in us (default 2000)");

/**
 * struct tpmmux_sched - the dispatcher
 * @lock: protects @queue and every vTPM's state, dead and qnode
 * @queue: vTPMs whose command is QUEUED, oldest first
 * @wq: the dispatcher sleeps here until @queue is not empty
 * @task: the dispatcher thread
 * @hc: the host chip
 */
struct tpmmux_sched {
	spinlock_t lock;
	struct list_head queue;
	wait_queue_head_t wq;
	struct task_struct *task;
	struct tpmmux_chip *hc;
};

static struct tpmmux_sched tpmmux_sched;

static const struct tpmmux_space_ops tpmmux_chip_ops = {
	.xmit = tpmmux_chip_xmit,
};

/* Mark @vt's command done with @err (0: the response is in the buffer). */
static void tpmmux_sched_done(struct tpmmux_vtpm *vt, int err)
{
	spin_lock(&tpmmux_sched.lock);
	vt->rsp_err = err;
	vt->state = TPMMUX_DONE;
	spin_unlock(&tpmmux_sched.lock);
	wake_up_all(&vt->waitq);
}

/* Take the oldest queued vTPM off the queue, RUNNING, with a reference. */
static struct tpmmux_vtpm *tpmmux_sched_pop(void)
{
	struct tpmmux_vtpm *vt;

	spin_lock(&tpmmux_sched.lock);
	vt = list_first_entry_or_null(&tpmmux_sched.queue, struct tpmmux_vtpm,
				      qnode);
	if (vt) {
		list_del_init(&vt->qnode);
		vt->state = TPMMUX_RUNNING;
		get_device(&vt->dev);
	}
	spin_unlock(&tpmmux_sched.lock);
	return vt;
}

static void tpmmux_sched_evict(struct tpmmux_vtpm *vt)
{
	int rc = tpmmux_space_evict(vt->space, &tpmmux_chip_ops,
				    tpmmux_sched.hc);

	if (rc)
		pr_warn_ratelimited("evicting %s failed: %d\n", vt->name, rc);
}

static void tpmmux_sched_run_one(struct tpmmux_vtpm *vt, bool have_chip)
{
	u32 rsp_len = 0;
	int rc;

	if (!have_chip) {
		tpmmux_sched_done(vt, -ENODEV);
		return;
	}
	rc = tpmmux_space_run(vt->space, &tpmmux_chip_ops, tpmmux_sched.hc,
			      vt->buf, TPMMUX_BUFSIZE, &vt->cmd, &rsp_len);
	if (!rc && (rsp_len < TPM2_HEADER_SIZE || rsp_len > TPMMUX_BUFSIZE))
		rc = -EIO;
	if (!rc)
		vt->rsp_len = rsp_len;
	tpmmux_sched_done(vt, rc);
}

static bool tpmmux_sched_has_work(void)
{
	bool work;

	spin_lock(&tpmmux_sched.lock);
	work = !list_empty(&tpmmux_sched.queue);
	spin_unlock(&tpmmux_sched.lock);
	return work || kthread_should_stop();
}

/* One session: hold the chip, run commands, evict, give the chip back. */
static void tpmmux_sched_session(void)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(slice_ms);
	struct tpmmux_vtpm *vt, *cur = NULL;
	bool have_chip;

	have_chip = !tpm_try_get_ops(tpmmux_sched.hc->chip);
	for (;;) {
		vt = tpmmux_sched_pop();
		if (!vt && have_chip && time_before(jiffies, deadline) &&
		    !kthread_should_stop()) {
			wait_event_timeout(tpmmux_sched.wq, tpmmux_sched_has_work(),
					   usecs_to_jiffies(linger_us));
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
	tpmmux_sched_done(vt, 0);
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
		list_add_tail(&vt->qnode, &tpmmux_sched.queue);
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
		list_del_init(&vt->qnode);
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
		list_del_init(&vt->qnode);
		vt->rsp_err = -ENODEV;
		vt->state = TPMMUX_DONE;
	}
	spin_unlock(&tpmmux_sched.lock);
	wake_up_all(&vt->waitq);
	wait_event(vt->waitq, tpmmux_sched_not_running(vt));
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
 * tpmmux_sched_init() - start the dispatcher
 * @hc: the host chip
 *
 * Return: 0 or the error of kthread_run().
 */
int tpmmux_sched_init(struct tpmmux_chip *hc)
{
	struct task_struct *task;

	spin_lock_init(&tpmmux_sched.lock);
	INIT_LIST_HEAD(&tpmmux_sched.queue);
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
	WARN_ON(!list_empty(&tpmmux_sched.queue));
}
