// SPDX-License-Identifier: GPL-2.0
/*
 * frontend.c - the KVM front end: a guest's CRB or TIS region, fed by
 * KVM ioeventfds, completed by a KVM irqfd.
 *
 * An out-of-tree module cannot put a device on KVM's MMIO bus, so this is
 * vhost's design: the VMM registers KVM_IOEVENTFD for the doorbell
 * register writes (CRB START; TIS tpmGo and commandReady) and KVM_IRQFD
 * for the TPM's interrupt, and hands the eventfds to tpmmux with ioctls on
 * the VM's node.  A doorbell then goes guest -> KVM -> eventfd -> here,
 * without the VMM.  The VMM serves guest register reads from read-only
 * pages that tpmmux renders (mmap of the node) and forwards the other,
 * rarer, register writes with TPMMUX_IOC_FE_WRITE.  The CRB command and
 * response buffer is a page of the node that the VMM maps into the guest
 * as RAM.  The register state machines are crb.c and tis.c (pure logic);
 * this file is the glue.  See Documentation/kvm-frontend.rst.
 *
 * A doorbell takes effect in the eventfd's wakeup callback, before the
 * guest's next instruction can read a register: START reads 1 at once, as
 * on a TPM.  What it sets off (copying the command out, queueing it,
 * signalling the irqfd) runs in the front end's work, in process context.
 *
 * Locking: vt->fe_lock (a mutex) protects vt->fe and the front end's
 * process-context side (@inflight, @call); it is taken before vt->io_lock.
 * @lock, a spinlock taken inside both and from the eventfd callbacks,
 * protects the register state (@crb, @tis), the register pages and
 * @pending.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "tpmmux.h"
#include "crb.h"
#include "tis.h"

/* The 6.1 API: eventfd_signal() lost its count argument in 6.8. */
#define tpmmux_eventfd_signal(ctx)	eventfd_signal(ctx, 1)

/* The register pages: one per locality, after the buffer page. */
#define TPMMUX_FE_NR_REGS	(TPMMUX_FE_REGION_SIZE / TPMMUX_FE_LOC_STRIDE)
#define TPMMUX_FE_REGS_PGOFF	(TPMMUX_FE_MMAP_REGS >> PAGE_SHIFT)

/* The actions the work carries out (the rest are done under @lock). */
#define TPMMUX_FE_DEFERRED	(CRB_ACT_START | CRB_ACT_CANCEL | CRB_ACT_RAISE_IRQ)

struct tpmmux_fe;

/**
 * struct tpmmux_fe_slot - one doorbell eventfd
 * @fe: the front end
 * @ctx: the eventfd (a reference), NULL when the slot is free
 * @wait: our entry on the eventfd's wait queue
 * @pt: for vfs_poll(), which adds @wait
 * @index: the slot
 * @offset: the register write it stands for: offset in the region
 * @size: access size
 * @value: the value written
 */
struct tpmmux_fe_slot {
	struct tpmmux_fe *fe;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	u32 index;
	u32 offset;
	u32 size;
	u64 value;
};

/**
 * struct tpmmux_fe - a VM's CRB or TIS front end
 * @vt: the vTPM (the front end lives no longer than its node is open)
 * @type: TPMMUX_FE_CRB or TPMMUX_FE_TIS; fixed
 * @crb: the CRB registers (type CRB)
 * @tis: the TIS registers and FIFO (type TIS)
 * @buf_page: the CRB command/response buffer, mapped into the guest
 * @regs: the register pages, one per locality, mapped read-only by the VMM
 * @lock: protects @crb, @tis, the contents of @regs, and @pending
 * @pending: CRB/TIS_ACT_* actions the work has still to carry out
 * @call: the interrupt eventfd, or NULL
 * @kick: the doorbell slots
 * @inflight: a guest command is in the vTPM (queued, running, or done but
 *	not yet given back to the guest)
 * @done_wait: our entry on the vTPM's waitq: a command is done
 * @work: carries out @pending and completions, in process context
 *
 * @type, @buf_page and @regs are fixed; @call, @kick and @inflight are
 * protected by vt->fe_lock.
 */
struct tpmmux_fe {
	struct tpmmux_vtpm *vt;
	u32 type;
	struct crb_state crb;
	struct tis_state *tis;
	struct page *buf_page;
	struct page *regs[TPMMUX_FE_NR_REGS];
	spinlock_t lock;
	u32 pending;
	struct eventfd_ctx *call;
	struct tpmmux_fe_slot kick[TPMMUX_FE_MAX_KICKS];
	bool inflight;
	wait_queue_entry_t done_wait;
	struct work_struct work;
};

/*
 * Render the register pages after a state change (@act: CRB/TIS_ACT_*):
 * only the register words, the pages were rendered whole at setup.
 * Caller holds fe->lock.
 */
static void tpmmux_fe_render(struct tpmmux_fe *fe, u32 act)
{
	unsigned int loc;

	if (fe->type == TPMMUX_FE_TIS && (act & TIS_ACT_STS_ONLY) &&
	    fe->tis->active < TIS_NR_LOCALITIES) {
		loc = fe->tis->active;
		tis_regs_update(fe->tis, loc, page_address(fe->regs[loc]));
		return;
	}
	for (loc = 0; loc < TPMMUX_FE_NR_REGS; loc++) {
		if (fe->type == TPMMUX_FE_CRB)
			crb_regs_update(&fe->crb, loc, page_address(fe->regs[loc]));
		else
			tis_regs_update(fe->tis, loc, page_address(fe->regs[loc]));
	}
}

/*
 * The state machine returned @act: render the pages now, leave the rest
 * to the work.  Caller holds fe->lock.
 */
static void tpmmux_fe_apply(struct tpmmux_fe *fe, u32 act)
{
	if (act & CRB_ACT_REGS)
		tpmmux_fe_render(fe, act);
	fe->pending |= act & TPMMUX_FE_DEFERRED;
}

/*
 * The guest's command ended without a response for it (the vTPM or the
 * chip went away, or the command could not be taken): CRB shows tpmSts,
 * TIS gives a TPM_RC_FAILURE response (the FIFO interface has no error
 * bit).
 */
static void tpmmux_fe_fail(struct tpmmux_fe *fe)
{
	u8 rsp[TPM2_HEADER_SIZE];
	unsigned long flags;
	u32 len, act;

	len = tpm2_rsp_error(rsp, sizeof(rsp), TPMMUX_RC_LAYER | TPM_RC_FAILURE);
	spin_lock_irqsave(&fe->lock, flags);
	if (fe->type == TPMMUX_FE_CRB)
		act = crb_complete(&fe->crb, 0);
	else
		act = tis_complete(fe->tis, rsp, len);
	tpmmux_fe_apply(fe, act);
	spin_unlock_irqrestore(&fe->lock, flags);
}

/*
 * If the guest's command is done, give its response to the guest and make
 * the vTPM idle again.  Caller holds vt->fe_lock.
 */
static void tpmmux_fe_reap(struct tpmmux_fe *fe)
{
	struct tpmmux_vtpm *vt = fe->vt;
	unsigned long flags;
	bool ok = false;
	u32 act, len = 0;
	int st;

	if (!fe->inflight)
		return;
	st = tpmmux_sched_state(vt);
	if (st == TPMMUX_QUEUED || st == TPMMUX_RUNNING)
		return;

	mutex_lock(&vt->io_lock);
	if (st == TPMMUX_DONE && vt->buf && !vt->rsp_err) {
		len = vt->rsp_len;
		ok = len >= TPM2_HEADER_SIZE && len <= TPMMUX_BUFSIZE;
	}
	if (!ok) {
		tpmmux_fe_fail(fe);
	} else {
		spin_lock_irqsave(&fe->lock, flags);
		if (fe->type == TPMMUX_FE_TIS) {
			act = tis_complete(fe->tis, vt->buf, len);
		} else if (len > fe->crb.buf_size) {
			act = crb_complete(&fe->crb, 0);
		} else {
			memcpy(page_address(fe->buf_page), vt->buf, len);
			act = crb_complete(&fe->crb, len);
		}
		tpmmux_fe_apply(fe, act);
		spin_unlock_irqrestore(&fe->lock, flags);
	}
	if (vt->buf)
		memzero_explicit(vt->buf, TPMMUX_BUFSIZE);
	vt->rsp_len = 0;
	vt->rsp_off = 0;
	vt->rsp_err = 0;
	vt->rsp_read = true;
	tpmmux_sched_begin(vt);
	mutex_unlock(&vt->io_lock);
	fe->inflight = false;
}

/*
 * The guest started a command: copy it out of its buffer and submit it.
 * Caller holds vt->fe_lock.
 */
static void tpmmux_fe_start(struct tpmmux_fe *fe)
{
	struct tpmmux_vtpm *vt = fe->vt;
	unsigned long flags;
	u32 len;
	int rc;

	mutex_lock(&vt->io_lock);
	rc = tpmmux_sched_begin(vt);
	if (!rc && !vt->buf)
		rc = -ENODEV;
	if (!rc) {
		spin_lock_irqsave(&fe->lock, flags);
		len = fe->type == TPMMUX_FE_CRB ? fe->crb.cmd_len :
						  fe->tis->cmd_len;
		if (len < TPM2_HEADER_SIZE || len > TPMMUX_BUFSIZE)
			rc = -EINVAL;
		/*
		 * One copy of guest memory; the guest may change its buffer
		 * meanwhile, so only the copy is parsed (a header that no
		 * longer says @len fails the parse).
		 */
		else if (fe->type == TPMMUX_FE_CRB)
			memcpy(vt->buf, page_address(fe->buf_page), len);
		else
			memcpy(vt->buf, fe->tis->buf, len);
		spin_unlock_irqrestore(&fe->lock, flags);
	}
	if (!rc)
		rc = tpmmux_vtpm_submit(vt, len);
	mutex_unlock(&vt->io_lock);
	if (rc) {
		tpmmux_fe_fail(fe);
		return;
	}
	fe->inflight = true;
	tpmmux_fe_reap(fe);	/* answered by the module at once? */
}

/*
 * Carry out what the state machine left to do, in order, until nothing
 * is left.  Caller holds vt->fe_lock.
 */
static void tpmmux_fe_process(struct tpmmux_fe *fe)
{
	unsigned long flags;
	u32 act;

	tpmmux_fe_reap(fe);
	for (;;) {
		spin_lock_irqsave(&fe->lock, flags);
		act = fe->pending;
		fe->pending = 0;
		spin_unlock_irqrestore(&fe->lock, flags);
		if (!act)
			break;
		if (act & CRB_ACT_START)
			tpmmux_fe_start(fe);
		if ((act & CRB_ACT_CANCEL) && fe->inflight &&
		    tpmmux_sched_cancel(fe->vt))
			tpmmux_fe_reap(fe);
		if ((act & CRB_ACT_RAISE_IRQ) && fe->call)
			tpmmux_eventfd_signal(fe->call);
	}
}

/* A guest register write; any context.  Returns the deferred actions. */
static u32 tpmmux_fe_write(struct tpmmux_fe *fe, u32 offset, u32 size,
			   u64 value)
{
	unsigned long flags;
	u32 act;

	spin_lock_irqsave(&fe->lock, flags);
	if (fe->type == TPMMUX_FE_CRB)
		act = crb_write(&fe->crb, offset, size, value);
	else
		act = tis_write(fe->tis, offset, size, value);
	tpmmux_fe_apply(fe, act);
	act = fe->pending;
	spin_unlock_irqrestore(&fe->lock, flags);
	return act;
}

static void tpmmux_fe_work(struct work_struct *work)
{
	struct tpmmux_fe *fe = container_of(work, struct tpmmux_fe, work);
	struct tpmmux_vtpm *vt = fe->vt;

	mutex_lock(&vt->fe_lock);
	if (vt->fe == fe)
		tpmmux_fe_process(fe);
	mutex_unlock(&vt->fe_lock);
}

/* The vTPM's waitq: its command may be done. */
static int tpmmux_fe_done_wakeup(wait_queue_entry_t *wait, unsigned int mode,
				 int sync, void *key)
{
	struct tpmmux_fe *fe = container_of(wait, struct tpmmux_fe, done_wait);

	schedule_work(&fe->work);
	return 0;
}

/*
 * A doorbell eventfd was signalled: the guest wrote the register.  Runs
 * with the eventfd's wait queue lock held, in the vCPU's KVM_RUN: the
 * write takes effect here, so the guest's next read sees it.
 */
static int tpmmux_fe_kick_wakeup(wait_queue_entry_t *wait, unsigned int mode,
				 int sync, void *key)
{
	struct tpmmux_fe_slot *k = container_of(wait, struct tpmmux_fe_slot,
						wait);
	struct tpmmux_fe *fe = k->fe;
	u64 cnt;

	if (!(key_to_poll(key) & EPOLLIN))
		return 0;
	/* Each signal is one write; keep the counter from piling up. */
	eventfd_ctx_do_read(k->ctx, &cnt);
	if (tpmmux_fe_write(fe, k->offset, k->size, k->value))
		schedule_work(&fe->work);
	return 0;
}

static void tpmmux_fe_kick_queue(struct file *file, wait_queue_head_t *wqh,
				 poll_table *pt)
{
	struct tpmmux_fe_slot *k = container_of(pt, struct tpmmux_fe_slot, pt);

	add_wait_queue(wqh, &k->wait);
}

static void tpmmux_fe_kick_detach(struct tpmmux_fe_slot *k)
{
	u64 cnt;

	if (!k->ctx)
		return;
	eventfd_ctx_remove_wait_queue(k->ctx, &k->wait, &cnt);
	eventfd_ctx_put(k->ctx);
	k->ctx = NULL;
}

static int tpmmux_fe_kick_attach(struct tpmmux_fe_slot *k, int fd)
{
	struct eventfd_ctx *ctx;
	struct fd f = fdget(fd);

	if (!f.file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		fdput(f);
		return -EINVAL;
	}
	k->ctx = ctx;
	init_waitqueue_func_entry(&k->wait, tpmmux_fe_kick_wakeup);
	init_poll_funcptr(&k->pt, tpmmux_fe_kick_queue);
	/*
	 * What the counter holds now was rung before the attach: not a
	 * doorbell of ours.  Only signals from now on are.
	 */
	vfs_poll(f.file, &k->pt);
	fdput(f);
	return 0;
}

/* Free a front end no one can reach any more. */
static void tpmmux_fe_free(struct tpmmux_fe *fe)
{
	unsigned int i;

	if (fe->call)
		eventfd_ctx_put(fe->call);
	for (i = 0; i < TPMMUX_FE_NR_REGS; i++)
		if (fe->regs[i])
			put_page(fe->regs[i]);	/* a VMM mapping keeps its own */
	if (fe->buf_page) {
		memzero_explicit(page_address(fe->buf_page), PAGE_SIZE);
		put_page(fe->buf_page);
	}
	kfree(fe->tis);
	kfree(fe);
}

/**
 * tpmmux_fe_release() - tear down a vTPM's front end, if it has one
 * @vt: the vTPM; neither its fe_lock nor its io_lock held
 *
 * For FE_SETUP(NONE), the node's release and the vTPM's destruction.  The
 * eventfds are detached first, so nothing queues the work any more; then
 * the work is flushed.  A guest command still in flight is ended with an
 * error status (CRB tpmSts, TIS a TPM_RC_FAILURE response), which the
 * register pages the VMM still maps show; the command itself, if still
 * in the vTPM, is dropped or finishes unseen.
 */
void tpmmux_fe_release(struct tpmmux_vtpm *vt)
{
	struct tpmmux_fe *fe;
	unsigned int i;

	mutex_lock(&vt->fe_lock);
	fe = vt->fe;
	if (!fe) {
		mutex_unlock(&vt->fe_lock);
		return;
	}
	for (i = 0; i < TPMMUX_FE_MAX_KICKS; i++)
		tpmmux_fe_kick_detach(&fe->kick[i]);
	remove_wait_queue(&vt->waitq, &fe->done_wait);
	mutex_lock(&vt->io_lock);
	vt->fe = NULL;
	mutex_unlock(&vt->io_lock);
	mutex_unlock(&vt->fe_lock);

	/* The work sees vt->fe != fe and does nothing. */
	cancel_work_sync(&fe->work);

	if (fe->inflight) {
		tpmmux_sched_cancel(vt);
		mutex_lock(&vt->io_lock);
		vt->rsp_read = true;	/* nobody reads it: discard */
		mutex_unlock(&vt->io_lock);
		fe->inflight = false;
		tpmmux_fe_fail(fe);
		if ((fe->pending & CRB_ACT_RAISE_IRQ) && fe->call)
			tpmmux_eventfd_signal(fe->call);
	}
	tpmmux_fe_free(fe);
}

static int tpmmux_fe_setup(struct tpmmux_vtpm *vt, struct tpmmux_fe_setup *req)
{
	struct tpmmux_fe *fe;
	unsigned int i;
	int rc;

	if (req->flags)
		return -EOPNOTSUPP;
	if (req->pad)
		return -EINVAL;
	switch (req->type) {
	case TPMMUX_FE_NONE:
		if (req->buf_gpa)
			return -EINVAL;
		tpmmux_fe_release(vt);
		req->buf_size = 0;
		return 0;
	case TPMMUX_FE_CRB:
		if (!PAGE_ALIGNED(req->buf_gpa) || req->buf_gpa > U64_MAX - PAGE_SIZE)
			return -EINVAL;
		break;
	case TPMMUX_FE_TIS:
		if (req->buf_gpa)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	fe = kzalloc(sizeof(*fe), GFP_KERNEL);
	if (!fe)
		return -ENOMEM;
	fe->vt = vt;
	fe->type = req->type;
	spin_lock_init(&fe->lock);
	INIT_WORK(&fe->work, tpmmux_fe_work);
	init_waitqueue_func_entry(&fe->done_wait, tpmmux_fe_done_wakeup);
	for (i = 0; i < TPMMUX_FE_MAX_KICKS; i++) {
		fe->kick[i].fe = fe;
		fe->kick[i].index = i;
	}
	rc = -ENOMEM;
	for (i = 0; i < TPMMUX_FE_NR_REGS; i++) {
		fe->regs[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!fe->regs[i])
			goto err_free;
	}
	if (fe->type == TPMMUX_FE_CRB) {
		fe->buf_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!fe->buf_page)
			goto err_free;
		rc = crb_init(&fe->crb, page_address(fe->buf_page),
			      req->buf_gpa, PAGE_SIZE);
		if (rc)
			goto err_free;
		req->buf_size = PAGE_SIZE;
	} else {
		fe->tis = kzalloc(sizeof(*fe->tis), GFP_KERNEL);
		if (!fe->tis)
			goto err_free;
		tis_init(fe->tis);
		req->buf_size = 0;
	}
	for (i = 0; i < TPMMUX_FE_NR_REGS; i++) {
		if (fe->type == TPMMUX_FE_CRB)
			crb_regs_page(&fe->crb, i, page_address(fe->regs[i]));
		else
			tis_regs_page(fe->tis, i, page_address(fe->regs[i]));
	}

	mutex_lock(&vt->fe_lock);
	mutex_lock(&vt->io_lock);
	rc = -EBUSY;
	if (vt->fe)
		goto err_unlock;
	/* A command written with write() must have been read first. */
	rc = tpmmux_sched_begin(vt);
	if (rc)
		goto err_unlock;
	vt->fe = fe;
	add_wait_queue(&vt->waitq, &fe->done_wait);
	mutex_unlock(&vt->io_lock);
	mutex_unlock(&vt->fe_lock);
	return 0;

err_unlock:
	mutex_unlock(&vt->io_lock);
	mutex_unlock(&vt->fe_lock);
err_free:
	tpmmux_fe_free(fe);
	return rc;
}

/* A register access of 1, 2, 4 or 8 bytes inside the region */
static bool tpmmux_fe_access_ok(u32 offset, u32 size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) &&
	       offset < TPMMUX_FE_REGION_SIZE &&
	       size <= TPMMUX_FE_REGION_SIZE - offset;
}

static int tpmmux_fe_set_kick(struct tpmmux_fe *fe,
			      const struct tpmmux_fe_kick *req)
{
	struct tpmmux_fe_slot *k;
	int rc;

	if (req->flags)
		return -EOPNOTSUPP;
	if (req->pad || req->index >= TPMMUX_FE_MAX_KICKS)
		return -EINVAL;
	k = &fe->kick[req->index];
	if (req->fd == TPMMUX_FE_NO_FD) {
		tpmmux_fe_kick_detach(k);
		return 0;
	}
	if (req->fd > INT_MAX || !tpmmux_fe_access_ok(req->offset, req->size))
		return -EINVAL;
	tpmmux_fe_kick_detach(k);
	k->offset = req->offset;
	k->size = req->size;
	k->value = req->value;
	rc = tpmmux_fe_kick_attach(k, req->fd);
	if (rc)
		k->ctx = NULL;
	return rc;
}

static int tpmmux_fe_set_call(struct tpmmux_fe *fe,
			      const struct tpmmux_fe_call *req)
{
	struct eventfd_ctx *ctx = NULL;

	if (req->flags)
		return -EOPNOTSUPP;
	if (req->fd != TPMMUX_FE_NO_FD) {
		if (req->fd > INT_MAX)
			return -EINVAL;
		ctx = eventfd_ctx_fdget(req->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx) == -EBADF ? -EBADF : -EINVAL;
	}
	if (fe->call)
		eventfd_ctx_put(fe->call);
	fe->call = ctx;
	return 0;
}

static int tpmmux_fe_access(struct tpmmux_fe *fe, unsigned int cmd,
			    struct tpmmux_fe_access *req)
{
	unsigned long flags;
	u32 act = 0;

	if (req->flags)
		return -EOPNOTSUPP;
	if (req->pad || !tpmmux_fe_access_ok(req->offset, req->size))
		return -EINVAL;
	if (cmd == TPMMUX_IOC_FE_WRITE) {
		act = tpmmux_fe_write(fe, req->offset, req->size, req->value);
	} else {
		spin_lock_irqsave(&fe->lock, flags);
		if (fe->type == TPMMUX_FE_CRB)
			req->value = crb_read(&fe->crb, req->offset, req->size);
		else
			req->value = tis_read(fe->tis, req->offset, req->size,
					      &act);
		tpmmux_fe_apply(fe, act);
		act = fe->pending;
		spin_unlock_irqrestore(&fe->lock, flags);
	}
	if (act)
		tpmmux_fe_process(fe);
	return 0;
}

/**
 * tpmmux_fe_ioctl() - the front-end ioctls of a VM's node
 * @vt: the vTPM whose node is open
 * @cmd: TPMMUX_IOC_FE_*
 * @arg: the user pointer
 *
 * Return: 0 or a negative errno (see include/uapi/linux/tpmmux.h);
 * -ENOTTY for an ioctl that is not the front end's.
 */
long tpmmux_fe_ioctl(struct tpmmux_vtpm *vt, unsigned int cmd,
		     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	union {
		struct tpmmux_fe_setup setup;
		struct tpmmux_fe_kick kick;
		struct tpmmux_fe_call call;
		struct tpmmux_fe_access access;
	} u;
	long rc;

	switch (cmd) {
	case TPMMUX_IOC_FE_SETUP:
	case TPMMUX_IOC_FE_SET_KICK:
	case TPMMUX_IOC_FE_SET_CALL:
	case TPMMUX_IOC_FE_WRITE:
	case TPMMUX_IOC_FE_READ:
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&u, uarg, _IOC_SIZE(cmd)))
		return -EFAULT;
	if (tpmmux_sched_state(vt) == -ENODEV)
		return -ENODEV;

	if (cmd == TPMMUX_IOC_FE_SETUP) {
		rc = tpmmux_fe_setup(vt, &u.setup);
		if (!rc && copy_to_user(uarg, &u.setup, sizeof(u.setup)))
			rc = -EFAULT;
		return rc;
	}

	mutex_lock(&vt->fe_lock);
	rc = -ENXIO;
	if (!vt->fe)
		goto out;
	switch (cmd) {
	case TPMMUX_IOC_FE_SET_KICK:
		rc = tpmmux_fe_set_kick(vt->fe, &u.kick);
		break;
	case TPMMUX_IOC_FE_SET_CALL:
		rc = tpmmux_fe_set_call(vt->fe, &u.call);
		break;
	default:
		rc = tpmmux_fe_access(vt->fe, cmd, &u.access);
		if (!rc && cmd == TPMMUX_IOC_FE_READ &&
		    copy_to_user(uarg, &u.access, sizeof(u.access)))
			rc = -EFAULT;
		break;
	}
out:
	mutex_unlock(&vt->fe_lock);
	return rc;
}

/**
 * tpmmux_fe_mmap() - map the front end's buffer or register pages
 * @vt: the vTPM whose node is open
 * @vma: the mapping: offset %TPMMUX_FE_MMAP_BUF, one page, shared (CRB);
 *	or within the register pages at %TPMMUX_FE_MMAP_REGS, read only
 *
 * The mapping holds its own references to the pages: they stay valid
 * (and show the last register values) after the front end is torn down.
 *
 * Return: 0, -ENXIO (no front end), -EINVAL (range, a private buffer
 * mapping), -EPERM (writable register pages), or vm_insert_page()'s error.
 */
int tpmmux_fe_mmap(struct tpmmux_vtpm *vt, struct vm_area_struct *vma)
{
	unsigned long pgoff = vma->vm_pgoff, n = vma_pages(vma), i;
	struct page *pages[TPMMUX_FE_NR_REGS];
	struct tpmmux_fe *fe;
	int rc;

	mutex_lock(&vt->fe_lock);
	fe = vt->fe;
	rc = -ENXIO;
	if (!fe)
		goto out;
	rc = -EINVAL;
	if (pgoff == 0) {
		if (!fe->buf_page || n != 1 || !(vma->vm_flags & VM_SHARED))
			goto out;
		pages[0] = fe->buf_page;
	} else {
		if (pgoff < TPMMUX_FE_REGS_PGOFF ||
		    pgoff - TPMMUX_FE_REGS_PGOFF >= TPMMUX_FE_NR_REGS ||
		    n > TPMMUX_FE_NR_REGS - (pgoff - TPMMUX_FE_REGS_PGOFF))
			goto out;
		rc = -EPERM;
		if (vma->vm_flags & VM_WRITE)
			goto out;
		for (i = 0; i < n; i++)
			pages[i] = fe->regs[pgoff - TPMMUX_FE_REGS_PGOFF + i];
	}
	/* The 6.1 API (vm_flags_mod() from 6.3 on) */
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	if (pgoff)
		vma->vm_flags &= ~VM_MAYWRITE;
	for (i = 0; i < n; i++) {
		rc = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				    pages[i]);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	mutex_unlock(&vt->fe_lock);
	return rc;
}
