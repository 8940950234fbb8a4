// SPDX-License-Identifier: GPL-2.0
/*
 * vtpm.c - the vTPMs: one character device per VM, /dev/tpmmux-vm/NAME,
 * with the semantics of /dev/tpm0.
 *
 * write() takes one whole command.  It is parsed and checked (every length
 * the guest gives is bounded by tpm2_cmd_parse()); then it is answered by
 * the module (refused commands, the virtualized Startup/Shutdown, commands
 * before Startup) or queued for the dispatcher (sched.c), which runs it on
 * the chip through the VM's space (space.c).  A blocking write() returns
 * when the response is ready; with O_NONBLOCK it returns at once and
 * poll() reports the response.  read() returns the response, in parts if
 * the caller's buffer is short.
 *
 * Lifetime: the struct is owned by the refcount of its class device.
 * Create holds one reference, dropped by destroy; an open file holds one.
 * Destroy removes the node, marks the vTPM dead (every later call on an
 * open file gets -ENODEV), drops or waits for its command, flushes its
 * objects and sessions from the chip and zeroes its buffer.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tpmmux.h"
#include "space.h"
#include "vpcr.h"
#include "keysep.h"

static const struct vpcr_hash_ops tpmmux_vpcr_ops = {
	.digest = tpmmux_hash_digest,
};

static const struct keysep_ops tpmmux_keysep_ops = {
	.hmac_sha256 = tpmmux_hmac_sha256,
};

static bool bind_contexts = true;
module_param(bind_contexts, bool, 0644);
MODULE_PARM_DESC(bind_contexts, "Bind every context a VM saves to that VM with a MAC (default on; see Documentation/keysep.rst)");

/*
 * On by default: each VM gets its own primary keys (its own EK, SRK, ...)
 * from the same templates.  The rewritten template changes the command's
 * cpHash; password sessions and plain HMAC sessions (which hauth.c
 * re-keys over the command as sent) survive that, other sessions on a
 * CreatePrimary get 0x74012F.  See Documentation/keysep.rst.
 */
static bool primary_separation = true;
module_param(primary_separation, bool, 0644);
MODULE_PARM_DESC(primary_separation, "Give each VM its own primary keys (default on; see Documentation/keysep.rst)");

/*
 * Used only when the host TPM cannot derive a VM's secret (its owner
 * authorization is set and tpmmux was not given it): random per load, so
 * VMs stay apart but a VM re-created after a reload does not get its keys
 * back.  Set once at init.
 */
static u8 tpmmux_fallback_key[32];

static bool local_random = true;
module_param(local_random, bool, 0644);
MODULE_PARM_DESC(local_random, "Answer TPM2_GetRandom without sessions from the kernel's CSPRNG, never waiting behind the chip (default on)");

static unsigned int max_objects = 16;
module_param(max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "Transient objects one VM may have, loaded or saved (default 16)");

static unsigned int max_sessions = 4;
module_param(max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions, "Sessions one VM may have at once (default 4)");

/* tpmmux_vtpms_lock protects tpmmux_vtpms (id -> vTPM) and name lookups. */
static DEFINE_MUTEX(tpmmux_vtpms_lock);
static DEFINE_IDR(tpmmux_vtpms);
static u32 tpmmux_nr_vtpms;	/* protected by tpmmux_vtpms_lock */

static dev_t tpmmux_devt;
static struct tpmmux_chip *tpmmux_vtpm_hc;	/* set once at init */
static struct class *tpmmux_class;

static bool tpmmux_name_valid(const char *name)
{
	size_t i, len = strnlen(name, TPMMUX_NAME_MAX);

	if (len == 0 || len >= TPMMUX_NAME_MAX)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		/* ASCII only: the kernel's isalnum() accepts Latin-1 letters. */
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

/* Caller holds tpmmux_vtpms_lock. */
static struct tpmmux_vtpm *tpmmux_find_name(const char *name)
{
	struct tpmmux_vtpm *vt;
	int id;

	idr_for_each_entry(&tpmmux_vtpms, vt, id)
		if (!strcmp(vt->name, name))
			return vt;
	return NULL;
}

/* The vTPM called @name with a reference (put_device() it), or NULL. */
static struct tpmmux_vtpm *tpmmux_vtpm_get(const char *name)
{
	struct tpmmux_vtpm *vt;

	mutex_lock(&tpmmux_vtpms_lock);
	vt = tpmmux_find_name(name);
	if (vt)
		get_device(&vt->dev);
	mutex_unlock(&tpmmux_vtpms_lock);
	return vt;
}

/* ---- the character device ---- */

/* Answer the command in vt->buf with a 10-byte error response. */
static void tpmmux_vtpm_answer_rc(struct tpmmux_vtpm *vt, u32 rc)
{
	if (rc == TPMMUX_RC_REFUSED || rc == TPMMUX_RC_PCR_UNSUPPORTED)
		atomic64_inc(&vt->stats.refused);
	else if (rc)
		atomic64_inc(&vt->stats.errors);
	tpmmux_sched_answer(vt, tpm2_rsp_error(vt->buf, TPMMUX_BUFSIZE, rc));
}

/* Answer with the response vpcr built in vt->buf, or a failure. */
static void tpmmux_vtpm_answer_vpcr(struct tpmmux_vtpm *vt, int err, u32 len)
{
	if (err || len < TPM2_HEADER_SIZE) {
		tpmmux_vtpm_answer_rc(vt, TPMMUX_RC_LAYER | TPM_RC_FAILURE);
		return;
	}
	if (get_unaligned_be32(vt->buf + 6))
		atomic64_inc(&vt->stats.errors);
	tpmmux_sched_answer(vt, len);
}

/* The startupType/shutdownType parameter, or a response code. */
static u32 tpmmux_su_type(struct tpmmux_vtpm *vt, const struct tpm2_cmd *cmd,
			  u16 *type)
{
	if (cmd->param_size != 2)
		return TPM_RC_SIZE;
	*type = get_unaligned_be16(vt->buf + cmd->param_off);
	if (*type != TPM_SU_CLEAR && *type != TPM_SU_STATE)
		return tpm2_rc_param(TPM_RC_VALUE, 1);
	return 0;
}

/*
 * TPM2_GetRandom without sessions, from the kernel's CSPRNG (which the
 * host TPM's hwrng feeds): as good a random source as the chip's, and a
 * guest's entropy never waits behind another VM's key generation.  At
 * most 64 bytes, the largest digest, as the chip would give.
 */
static void tpmmux_vtpm_get_random(struct tpmmux_vtpm *vt,
				   const struct tpm2_cmd *cmd)
{
	u16 n;

	if (cmd->param_size < 2) {
		tpmmux_vtpm_answer_rc(vt, tpm2_rc_param(TPM_RC_INSUFFICIENT, 1));
		return;
	}
	if (cmd->param_size > 2) {
		tpmmux_vtpm_answer_rc(vt, TPM_RC_SIZE);
		return;
	}
	n = min_t(u16, get_unaligned_be16(vt->buf + cmd->param_off), 64);
	put_unaligned_be16(TPM_ST_NO_SESSIONS, vt->buf);
	put_unaligned_be32(TPM2_HEADER_SIZE + 2 + n, vt->buf + 2);
	put_unaligned_be32(0, vt->buf + 6);
	put_unaligned_be16(n, vt->buf + TPM2_HEADER_SIZE);
	get_random_bytes(vt->buf + TPM2_HEADER_SIZE + 2, n);
	tpmmux_sched_answer(vt, TPM2_HEADER_SIZE + 2 + n);
}

/*
 * The commands the module answers itself.  Returns true when it did.
 * TPM2_Startup/Shutdown are virtual: the host started the chip.  Until
 * the guest's Startup every other command gets TPM_RC_INITIALIZE, as on a
 * real TPM after _TPM_Init.  PCR commands and the PCR parts of
 * GetCapability are answered from the VM's virtual PCR banks (vpcr.c),
 * GetRandom without sessions from the kernel's CSPRNG (local_random).
 */
static bool tpmmux_vtpm_local(struct tpmmux_vtpm *vt, const struct tpm2_cmd *cmd)
{
	const struct tpm2_cmd_desc *desc = cmd->desc;
	bool handled = false;
	u32 rc, len = 0;
	u16 type;
	int err;

	/* Before the policy too: the VM's own hierarchy values (hauth.c). */
	if (hauth_is_change_auth(cmd)) {
		if (!vt->started)
			tpmmux_vtpm_answer_rc(vt, TPM_RC_INITIALIZE);
		else
			tpmmux_sched_answer(vt, tpmmux_auth_change(vt, cmd));
		return true;
	}
	/* Before the policy: the table refuses PCR_Allocate on the chip. */
	if (vpcr_handles(cmd)) {
		if (!vt->started) {
			tpmmux_vtpm_answer_rc(vt, TPM_RC_INITIALIZE);
			return true;
		}
		err = vpcr_run(vt->pcr, &tpmmux_vpcr_ops, NULL, vt->buf,
			       TPMMUX_BUFSIZE, cmd, &len);
		tpmmux_vtpm_answer_vpcr(vt, err, len);
		return true;
	}

	rc = tpm2_cmd_policy(cmd);
	if (rc) {
		tpmmux_vtpm_answer_rc(vt, rc);
		return true;
	}

	if (cmd->cc == TPM_CC_Startup) {
		rc = tpmmux_su_type(vt, cmd, &type);
		if (!rc && vt->started)
			rc = TPM_RC_INITIALIZE;
		if (!rc)
			rc = vpcr_startup(vt->pcr, type == TPM_SU_CLEAR);
		if (!rc)
			vt->started = true;
		tpmmux_vtpm_answer_rc(vt, rc);
		return true;
	}
	/*
	 * GetCapability is allowed before Startup: QEMU's passthrough backend
	 * asks for TPM_PT_MAX_COMMAND_SIZE at every machine reset, before the
	 * guest's firmware sends Startup, and makes QEMU exit if it gets no
	 * answer (a real host TPM it passes through is always started).
	 */
	if (!vt->started && cmd->cc != TPM_CC_GetCapability) {
		tpmmux_vtpm_answer_rc(vt, TPM_RC_INITIALIZE);
		return true;
	}
	if (cmd->cc == TPM_CC_Shutdown) {
		rc = tpmmux_su_type(vt, cmd, &type);
		if (!rc)
			rc = vpcr_shutdown(vt->pcr, type == TPM_SU_STATE);
		/* The next Startup is legal again (the VM reboots). */
		if (!rc)
			vt->started = false;
		tpmmux_vtpm_answer_rc(vt, rc);
		return true;
	}
	if (cmd->cc == TPM_CC_GetCapability) {
		/* TPM_CAP_PCRS and TPM_CAP_PCR_PROPERTIES: the VM's banks. */
		err = vpcr_getcap(vt->pcr, vt->buf, TPMMUX_BUFSIZE, cmd, &len,
				  &handled);
		if (handled) {
			tpmmux_vtpm_answer_vpcr(vt, err, len);
			return true;
		}
	}
	if (cmd->cc == TPM_CC_GetRandom && cmd->tag == TPM_ST_NO_SESSIONS &&
	    READ_ONCE(local_random)) {
		tpmmux_vtpm_get_random(vt, cmd);
		return true;
	}
	/* NV indices on the chip are the host's. */
	if (desc->flags & (TPM2_CMDF_VIRTUAL | TPM2_CMDF_NV)) {
		tpmmux_vtpm_answer_rc(vt, TPMMUX_RC_REFUSED);
		return true;
	}
	/* The chip would use the host's PCRs, not the VM's. */
	if (tpm2_cmd_reads_pcrs(vt->buf, cmd)) {
		tpmmux_vtpm_answer_rc(vt, TPMMUX_RC_PCR_UNSUPPORTED);
		return true;
	}
	return false;
}

/*
 * Per-VM keys on the shared chip (keysep.c): a ContextLoad must carry this
 * VM's MAC, which is checked and removed; a CreatePrimary (or CreateLoaded
 * of a primary) gets a template whose unique field is derived from the
 * VM's secret, so its primary keys are its own.  Returns true when the
 * command was answered here.
 */
/*
 * Would the template rewrite of primary_separation break one of the
 * command's sessions?  Only a password, or a plain HMAC session that
 * tpmmux_auth_check() re-keys (and so computes over the command as sent),
 * survives a change of the parameters; any other HMAC (salted, bound,
 * audit or encrypt-only sessions) would fail on the chip with a
 * misleading TPM_RC_BAD_AUTH.
 */
static bool tpmmux_vtpm_breaks_sessions(struct tpmmux_vtpm *vt)
{
	const struct tpm2_cmd *cmd = &vt->cmd;
	unsigned int i;

	if (cmd->cc != TPM_CC_CreatePrimary &&
	    !(cmd->cc == TPM_CC_CreateLoaded && cmd->num_handles &&
	      (cmd->handle[0] >> 24) == TPM_HT_PERMANENT))
		return false;
	for (i = 0; i < cmd->num_sessions; i++)
		if (cmd->session[i].handle != TPM_RS_PW &&
		    !(vt->hplan.rekey & BIT(i)))
			return true;
	return false;
}

static bool tpmmux_vtpm_keysep(struct tpmmux_vtpm *vt, u32 size)
{
	u32 len = size, trc;
	int rc = 0;

	/* Hierarchy authorizations, checked before anything is rewritten. */
	trc = tpmmux_auth_check(vt);
	if (!trc && READ_ONCE(bind_contexts))
		rc = keysep_open_context(vt->buf, &len, &vt->cmd, vt->ctx_key,
					 &tpmmux_keysep_ops, NULL, &trc);
	if (!rc && !trc && READ_ONCE(primary_separation) &&
	    tpmmux_vtpm_breaks_sessions(vt))
		trc = TPMMUX_RC_LAYER | TPM_RC_AUTH_UNAVAILABLE;
	if (!rc && !trc && READ_ONCE(primary_separation))
		rc = keysep_create_primary(vt->buf, &len,
					   tpmmux_vtpm_hc->max_command_size,
					   &vt->cmd, vt->secret,
					   &tpmmux_keysep_ops, NULL, &trc);
	if (rc < 0)
		trc = TPMMUX_RC_LAYER | TPM_RC_FAILURE;
	if (!trc && len != size) {
		rc = tpm2_cmd_parse(vt->buf, len, &vt->cmd);
		if (rc)
			trc = rc < 0 ? TPM_RC_COMMAND_SIZE : rc;
	}
	if (trc) {
		tpmmux_vtpm_answer_rc(vt, trc);
		return true;
	}
	return false;
}

/**
 * tpmmux_vtpm_submit() - take the command in a vTPM's buffer
 * @vt: the vTPM, IDLE (tpmmux_sched_begin() said so), with its io_lock held
 * @size: bytes of the command in vt->buf, 10 to %TPMMUX_BUFSIZE
 *
 * The one way into a vTPM, for write() and for the KVM front end: the
 * command is parsed, answered by the module (bad input, refused commands,
 * virtual PCRs, Startup/Shutdown, GetRandom) or queued for the chip.
 * Either way the vTPM is DONE at once or later; its waitq is woken then.
 *
 * Return: 0, or -EINVAL when the header's commandSize is below 10 or not
 * @size (nothing is queued; the buffer is zeroed).
 */
int tpmmux_vtpm_submit(struct tpmmux_vtpm *vt, u32 size)
{
	int rc;

	atomic64_inc(&vt->stats.commands);
	rc = tpm2_cmd_parse(vt->buf, size, &vt->cmd);
	if (rc < 0) {
		/* Header size below 10, not what was written, or too big. */
		memzero_explicit(vt->buf, size);
		atomic64_inc(&vt->stats.errors);
		return -EINVAL;
	}
	if (rc > 0) {
		tpmmux_vtpm_answer_rc(vt, rc);
		return 0;
	}
	if (size > tpmmux_vtpm_hc->max_command_size) {
		/* Longer than the TPM takes (the chip's driver says -E2BIG). */
		tpmmux_vtpm_answer_rc(vt, TPM_RC_COMMAND_SIZE);
		return 0;
	}
	if (tpmmux_vtpm_local(vt, &vt->cmd))
		return 0;
	if (tpmmux_vtpm_keysep(vt, size))
		return 0;
	tpmmux_sched_submit(vt);
	return 0;
}

static ssize_t tpmmux_vtpm_write(struct file *file, const char __user *ubuf,
				 size_t size, loff_t *off)
{
	struct tpmmux_vtpm *vt = file->private_data;
	ssize_t ret;

	if (size < TPM2_HEADER_SIZE || size > TPMMUX_BUFSIZE)
		return -EINVAL;

	mutex_lock(&vt->io_lock);
	ret = -EBUSY;
	if (vt->fe)
		goto out_unlock;	/* commands come from the guest's CRB/TIS */
	ret = tpmmux_sched_begin(vt);
	if (ret)
		goto out_unlock;
	if (!vt->buf) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (copy_from_user(vt->buf, ubuf, size)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	ret = tpmmux_vtpm_submit(vt, size);
	if (ret)
		goto out_unlock;
	ret = size;
	mutex_unlock(&vt->io_lock);

	/* The /dev/tpm0 protocol: a blocking write returns with the response. */
	if (!(file->f_flags & O_NONBLOCK)) {
		if (wait_event_killable(vt->waitq,
					tpmmux_sched_state(vt) != TPMMUX_QUEUED &&
					tpmmux_sched_state(vt) != TPMMUX_RUNNING))
			return -EINTR;
	}
	return ret;

out_unlock:
	mutex_unlock(&vt->io_lock);
	return ret;
}

static bool tpmmux_vtpm_ready(struct tpmmux_vtpm *vt)
{
	int st = tpmmux_sched_state(vt);

	return st != TPMMUX_QUEUED && st != TPMMUX_RUNNING;
}

static ssize_t tpmmux_vtpm_read(struct file *file, char __user *ubuf,
				size_t size, loff_t *off)
{
	struct tpmmux_vtpm *vt = file->private_data;
	ssize_t ret;
	int st;
	u32 n;

	if (READ_ONCE(vt->fe))
		return -EBUSY;	/* responses go to the guest's CRB/TIS */
	for (;;) {
		st = tpmmux_sched_state(vt);
		if (st == -ENODEV)
			return -ENODEV;
		if (st == TPMMUX_DONE || st == TPMMUX_IDLE)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(vt->waitq, tpmmux_vtpm_ready(vt)))
			return -ERESTARTSYS;
	}

	mutex_lock(&vt->io_lock);
	st = tpmmux_sched_state(vt);
	if (st == -ENODEV) {
		ret = -ENODEV;
		goto out;
	}
	ret = -EBUSY;
	if (vt->fe)
		goto out;
	ret = 0;
	if (st != TPMMUX_DONE || !vt->buf)
		goto out;
	if (vt->rsp_err) {
		ret = vt->rsp_err;
		vt->rsp_err = 0;
		vt->rsp_read = true;
		vt->rsp_off = vt->rsp_len = 0;
		goto out;
	}
	n = min_t(size_t, size, vt->rsp_len - vt->rsp_off);
	if (copy_to_user(ubuf, vt->buf + vt->rsp_off, n)) {
		ret = -EFAULT;
		goto out;
	}
	vt->rsp_off += n;
	vt->rsp_read = true;
	ret = n;
	if (vt->rsp_off == vt->rsp_len) {
		/* All read: the vTPM is idle again; scrub the response. */
		memzero_explicit(vt->buf, vt->rsp_len);
		vt->rsp_off = vt->rsp_len = 0;
		tpmmux_sched_begin(vt);
	}
out:
	mutex_unlock(&vt->io_lock);
	return ret;
}

static __poll_t tpmmux_vtpm_poll(struct file *file, poll_table *wait)
{
	struct tpmmux_vtpm *vt = file->private_data;
	__poll_t mask = 0;
	int st;

	poll_wait(file, &vt->waitq, wait);
	st = tpmmux_sched_state(vt);
	if (st == -ENODEV)
		return EPOLLERR | EPOLLHUP;
	if (st == TPMMUX_DONE)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (st == TPMMUX_IDLE || (st == TPMMUX_DONE && READ_ONCE(vt->rsp_read)))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/*
 * The node was closed (@destroy false) or the vTPM destroyed: flush what
 * the VM has on the chip (see tpmmux_sched_teardown()), zero and free the
 * buffer.  Caller holds vt->io_lock.
 */
static void tpmmux_vtpm_scrub(struct tpmmux_vtpm *vt, bool destroy)
{
	tpmmux_sched_teardown(vt, destroy);
	if (vt->buf) {
		memzero_explicit(vt->buf, TPMMUX_BUFSIZE);
		free_page((unsigned long)vt->buf);
		vt->buf = NULL;
	}
	vt->rsp_len = 0;
	vt->rsp_off = 0;
	memzero_explicit(&vt->cmd, sizeof(vt->cmd));
}

static int tpmmux_vtpm_open(struct inode *inode, struct file *file)
{
	struct tpmmux_vtpm *vt = container_of(inode->i_cdev,
					      struct tpmmux_vtpm, cdev);
	int rc;

	if (test_and_set_bit(0, &vt->is_open))
		return -EBUSY;
	get_device(&vt->dev);

	mutex_lock(&vt->io_lock);
	rc = -ENODEV;
	if (tpmmux_sched_state(vt) == -ENODEV)
		goto err_unlock;
	rc = -ENOMEM;
	vt->buf = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!vt->buf)
		goto err_unlock;
	/* The space outlives a close: it keeps the guest-saved sessions. */
	if (!vt->space)
		vt->space = tpmmux_space_new(vt->id, max_objects, max_sessions);
	if (!vt->space)
		goto err_free_buf;
	vt->rsp_read = false;
	tpmmux_sched_begin(vt);
	mutex_unlock(&vt->io_lock);

	file->private_data = vt;
	return stream_open(inode, file);

err_free_buf:
	free_page((unsigned long)vt->buf);
	vt->buf = NULL;
err_unlock:
	mutex_unlock(&vt->io_lock);
	put_device(&vt->dev);
	clear_bit(0, &vt->is_open);
	return rc;
}

static int tpmmux_vtpm_release(struct inode *inode, struct file *file)
{
	struct tpmmux_vtpm *vt = file->private_data;

	/* Closing the node ends the VM's use of the chip, like /dev/tpmrm0. */
	tpmmux_fe_release(vt);
	tpmmux_sched_quiesce(vt, false);
	mutex_lock(&vt->io_lock);
	tpmmux_vtpm_scrub(vt, false);
	mutex_unlock(&vt->io_lock);

	clear_bit(0, &vt->is_open);
	put_device(&vt->dev);
	return 0;
}

static long tpmmux_vtpm_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	return tpmmux_fe_ioctl(file->private_data, cmd, arg);
}

static int tpmmux_vtpm_mmap(struct file *file, struct vm_area_struct *vma)
{
	return tpmmux_fe_mmap(file->private_data, vma);
}

static const struct file_operations tpmmux_vtpm_fops = {
	.owner		= THIS_MODULE,
	.open		= tpmmux_vtpm_open,
	.release	= tpmmux_vtpm_release,
	.read		= tpmmux_vtpm_read,
	.write		= tpmmux_vtpm_write,
	.poll		= tpmmux_vtpm_poll,
	.unlocked_ioctl	= tpmmux_vtpm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= tpmmux_vtpm_mmap,
	.llseek		= no_llseek,
};

/* ---- sysfs: /sys/class/tpmmux/NAME/{uuid,cancel} ---- */

static ssize_t uuid_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct tpmmux_vtpm *vt = container_of(dev, struct tpmmux_vtpm, dev);

	return sysfs_emit(buf, "%pUb\n", &vt->uuid);
}
static DEVICE_ATTR_RO(uuid);

static ssize_t cancel_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct tpmmux_vtpm *vt = container_of(dev, struct tpmmux_vtpm, dev);

	tpmmux_sched_cancel(vt);
	return count;
}
static DEVICE_ATTR_WO(cancel);

static ssize_t stats_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct tpmmux_vtpm *vt = container_of(dev, struct tpmmux_vtpm, dev);
	struct tpmmux_vtpm_info info = {};
	char name[TPMMUX_NAME_MAX];

	if (tpmmux_vtpm_info(vt->id, &info, name))
		return -ENODEV;
	return sysfs_emit(buf,
			  "commands %llu\nrefused %llu\nerrors %llu\n"
			  "chip_commands %llu\nbusy_ns %llu\n"
			  "wait_total_ns %llu\nwait_max_ns %llu\n"
			  "wait_p50_ns %llu\nwait_p99_ns %llu\n"
			  "context_saves %llu\ncontext_loads %llu\nflushes %llu\n"
			  "objects %u\nsessions %u\nweight %u\n",
			  info.commands, info.refused, info.errors,
			  info.chip_commands, info.busy_ns, info.wait_total_ns,
			  info.wait_max_ns, info.wait_p50_ns, info.wait_p99_ns,
			  info.context_saves, info.context_loads, info.flushes,
			  info.objects, info.sessions, info.weight);
}
static DEVICE_ATTR_RO(stats);

static struct attribute *tpmmux_vtpm_attrs[] = {
	&dev_attr_uuid.attr,
	&dev_attr_cancel.attr,
	&dev_attr_stats.attr,
	NULL,
};
ATTRIBUTE_GROUPS(tpmmux_vtpm);

static char *tpmmux_vtpm_devnode(struct device *dev, umode_t *mode,
				 kuid_t *uid, kgid_t *gid)
{
	struct tpmmux_vtpm *vt = container_of(dev, struct tpmmux_vtpm, dev);

	if (mode)
		*mode = vt->mode;
	if (uid)
		*uid = vt->uid;
	if (gid)
		*gid = vt->gid;
	return kasprintf(GFP_KERNEL, TPMMUX_VTPM_DIR "/%s", vt->name);
}

static void tpmmux_vtpm_dev_release(struct device *dev)
{
	struct tpmmux_vtpm *vt = container_of(dev, struct tpmmux_vtpm, dev);

	vpcr_free(vt->pcr);
	kfree_sensitive(vt);
}

static const struct device_type tpmmux_vtpm_type = {
	.name		= "vtpm",
	.groups		= tpmmux_vtpm_groups,
	.devnode	= tpmmux_vtpm_devnode,
	.release	= tpmmux_vtpm_dev_release,
};

/* ---- create, destroy, list, info ---- */

/*
 * The VM's secret: HMAC by a key rooted in the host TPM's owner hierarchy
 * over a label and the VM's UUID (tpmmux_chip_derive(), authorized with
 * the host's owner value when the administrator gave it), so a VM
 * re-created with the same UUID gets the same primary keys, whatever the
 * owner authorization is; its context key is derived from it.  See
 * Documentation/keysep.rst.
 */
static void tpmmux_vtpm_derive(struct tpmmux_vtpm *vt)
{
	static const char label[] = "tpmmux-vm-secret-v1";
	u8 data[sizeof(label) + sizeof(vt->uuid)];
	u8 owner[HAUTH_MAX_AUTH];
	u32 owner_len;
	int rc;

	memcpy(data, label, sizeof(label));
	memcpy(data + sizeof(label), &vt->uuid, sizeof(vt->uuid));
	owner_len = tpmmux_auth_host_value(HAUTH_OWNER, owner);
	rc = tpmmux_chip_derive(tpmmux_vtpm_hc, owner, owner_len, data,
				sizeof(data), vt->secret);
	memzero_explicit(owner, sizeof(owner));
	if (rc) {
		pr_warn_once("the host TPM cannot derive VM secrets (its owner authorization is set and was not given with vtpmctl host-auth?): VM keys will not survive a reload\n");
		tpmmux_hmac_sha256(NULL, tpmmux_fallback_key,
				   sizeof(tpmmux_fallback_key), data,
				   sizeof(data), vt->secret);
	}
	tpmmux_hmac_sha256(NULL, vt->secret, sizeof(vt->secret),
			   (const u8 *)"tpmmux-context-key", 18, vt->ctx_key);
	memzero_explicit(data, sizeof(data));
}

/**
 * tpmmux_vtpm_create() - create a vTPM and its node
 * @req: the request; @req->flags and @req->pad were checked by the caller
 * @name: the name, copied from userspace, NUL-terminated
 *
 * The VM's PCR banks are every hash the kernel computes (SHA-1/256/384/
 * 512, SM3 where present); @req->pcr_banks (or SHA-256) are active at its
 * first Startup.
 *
 * Return: the new vTPM's id (>= 0), or -EINVAL, -EOPNOTSUPP (a bank the
 * kernel cannot hash), -EEXIST, -ENOSPC, -ENOMEM.
 */
int tpmmux_vtpm_create(const struct tpmmux_vtpm_create *req, const char *name)
{
	static const struct {
		u16 alg;
		u32 bit;
	} tpmmux_banks[] = {
		{ TPM2_ALG_SHA1, TPMMUX_PCR_BANK_SHA1 },
		{ TPM2_ALG_SHA256, TPMMUX_PCR_BANK_SHA256 },
		{ TPM2_ALG_SHA384, TPMMUX_PCR_BANK_SHA384 },
		{ TPM2_ALG_SHA512, TPMMUX_PCR_BANK_SHA512 },
		{ TPM2_ALG_SM3_256, TPMMUX_PCR_BANK_SM3_256 },
	};
	u32 impl = 0, active, b;
	struct tpmmux_vtpm *vt;
	kuid_t uid;
	kgid_t gid;
	int id, rc;

	if (!tpmmux_name_valid(name) || req->mode & ~0777)
		return -EINVAL;
	uid = make_kuid(current_user_ns(), req->uid);
	gid = make_kgid(current_user_ns(), req->gid);
	if (!uid_valid(uid) || !gid_valid(gid))
		return -EINVAL;

	/* The banks: every hash the kernel can compute; SHA-256 active. */
	for (b = 0; b < ARRAY_SIZE(tpmmux_banks); b++)
		if (tpmmux_hash_supported(tpmmux_banks[b].alg))
			impl |= tpmmux_banks[b].bit;
	active = TPMMUX_PCR_BANK_SHA256;
	if (req->flags & TPMMUX_CREATE_PCR_BANKS) {
		if (!req->pcr_banks || req->pcr_banks & ~VPCR_BANKS_ALL)
			return -EINVAL;
		if (req->pcr_banks & ~impl)
			return -EOPNOTSUPP;
		active = req->pcr_banks;
	}

	vt = kzalloc(sizeof(*vt), GFP_KERNEL);
	if (!vt)
		return -ENOMEM;
	memcpy(&vt->uuid, req->uuid, sizeof(vt->uuid));
	if (uuid_is_null(&vt->uuid))
		uuid_gen(&vt->uuid);	/* a VM without a UUID still gets its own keys */
	tpmmux_vtpm_derive(vt);
	vt->pcr = vpcr_new(impl, active);
	if (!vt->pcr) {
		kfree(vt);
		return -ENOMEM;
	}
	strscpy(vt->name, name, sizeof(vt->name));
	vt->uid = uid;
	vt->gid = gid;
	vt->mode = req->mode ? req->mode : 0600;
	mutex_init(&vt->fe_lock);
	mutex_init(&vt->io_lock);
	init_waitqueue_head(&vt->waitq);
	tpmmux_flow_init(&vt->flow, TPMMUX_WEIGHT_DEFAULT);
	vt->state = TPMMUX_IDLE;

	mutex_lock(&tpmmux_vtpms_lock);
	rc = -EEXIST;
	if (tpmmux_find_name(name))
		goto err_unlock;
	id = idr_alloc(&tpmmux_vtpms, NULL, 0, TPMMUX_MAX_VTPMS, GFP_KERNEL);
	if (id < 0) {
		rc = id;
		goto err_unlock;
	}
	vt->id = id;

	device_initialize(&vt->dev);
	vt->dev.class = tpmmux_class;
	vt->dev.type = &tpmmux_vtpm_type;
	vt->dev.devt = MKDEV(MAJOR(tpmmux_devt), id);
	rc = dev_set_name(&vt->dev, "%s", name);
	if (rc)
		goto err_put;
	cdev_init(&vt->cdev, &tpmmux_vtpm_fops);
	vt->cdev.owner = THIS_MODULE;
	rc = cdev_device_add(&vt->cdev, &vt->dev);
	if (rc)
		goto err_put;

	idr_replace(&tpmmux_vtpms, vt, id);
	tpmmux_nr_vtpms++;
	mutex_unlock(&tpmmux_vtpms_lock);
	return id;

err_put:
	idr_remove(&tpmmux_vtpms, id);
	mutex_unlock(&tpmmux_vtpms_lock);
	put_device(&vt->dev);	/* frees vt */
	return rc;
err_unlock:
	mutex_unlock(&tpmmux_vtpms_lock);
	vpcr_free(vt->pcr);
	kfree(vt);
	return rc;
}

/* Tear down a vTPM already removed from the idr. */
static void tpmmux_vtpm_kill(struct tpmmux_vtpm *vt)
{
	cdev_device_del(&vt->cdev, &vt->dev);
	tpmmux_sched_quiesce(vt, true);
	/* A guest waiting in its CRB/TIS sees an error status. */
	tpmmux_fe_release(vt);
	mutex_lock(&vt->io_lock);
	tpmmux_vtpm_scrub(vt, true);
	mutex_unlock(&vt->io_lock);
	put_device(&vt->dev);
}

/**
 * tpmmux_vtpm_destroy() - destroy the vTPM called @name
 * @name: NUL-terminated
 *
 * Return: 0 or -ENOENT.
 */
int tpmmux_vtpm_destroy(const char *name)
{
	struct tpmmux_vtpm *vt;

	mutex_lock(&tpmmux_vtpms_lock);
	vt = tpmmux_find_name(name);
	if (!vt) {
		mutex_unlock(&tpmmux_vtpms_lock);
		return -ENOENT;
	}
	idr_remove(&tpmmux_vtpms, vt->id);
	tpmmux_nr_vtpms--;
	mutex_unlock(&tpmmux_vtpms_lock);

	tpmmux_vtpm_kill(vt);
	return 0;
}

/**
 * tpmmux_vtpm_list() - the ids of the vTPMs, in increasing order
 * @ids: room for @room ids
 * @room: size of @ids
 * @count: set to the number of vTPMs
 *
 * Return: 0.
 */
int tpmmux_vtpm_list(u32 *ids, u32 room, u32 *count)
{
	struct tpmmux_vtpm *vt;
	u32 n = 0;
	int id;

	mutex_lock(&tpmmux_vtpms_lock);
	idr_for_each_entry(&tpmmux_vtpms, vt, id) {
		if (!vt)
			continue;
		if (n < room)
			ids[n] = id;
		n++;
	}
	mutex_unlock(&tpmmux_vtpms_lock);
	*count = n;
	return 0;
}

/**
 * tpmmux_vtpm_info() - one vTPM's identity and statistics
 * @id: the vTPM's id
 * @info: the output fields are filled in
 * @name: TPMMUX_NAME_MAX bytes, filled with the name
 *
 * Return: 0 or -ENOENT.
 */
int tpmmux_vtpm_info(u32 id, struct tpmmux_vtpm_info *info, char *name)
{
	struct tpmmux_space_stats st = {};
	struct tpmmux_vtpm *vt;

	mutex_lock(&tpmmux_vtpms_lock);
	vt = id < TPMMUX_MAX_VTPMS ? idr_find(&tpmmux_vtpms, id) : NULL;
	if (vt)
		get_device(&vt->dev);
	mutex_unlock(&tpmmux_vtpms_lock);
	if (!vt)
		return -ENOENT;

	strscpy(name, vt->name, TPMMUX_NAME_MAX);
	memcpy(info->uuid, &vt->uuid, sizeof(info->uuid));
	info->mode = vt->mode;
	info->uid = from_kuid_munged(current_user_ns(), vt->uid);
	info->gid = from_kgid_munged(current_user_ns(), vt->gid);
	info->commands = atomic64_read(&vt->stats.commands);
	info->refused = atomic64_read(&vt->stats.refused);
	info->errors = atomic64_read(&vt->stats.errors);

	mutex_lock(&vt->io_lock);
	info->state = 0;
	if (test_bit(0, &vt->is_open))
		info->state |= TPMMUX_VTPM_OPEN;
	if (vt->started)
		info->state |= TPMMUX_VTPM_STARTED;
	if (!tpmmux_vtpm_ready(vt))
		info->state |= TPMMUX_VTPM_BUSY;
	if (vt->space)
		tpmmux_space_get_stats(vt->space, &st);
	mutex_unlock(&vt->io_lock);

	{
		struct tpmmux_flow f;
		u64 p50, p99;

		tpmmux_sched_flow_stats(vt, &f, &p50, &p99);
		info->busy_ns = f.busy_ns;
		info->chip_commands = f.commands;
		info->wait_total_ns = f.wait_total_ns;
		info->wait_max_ns = f.wait_max_ns;
		info->wait_p50_ns = p50;
		info->wait_p99_ns = p99;
		info->weight = f.weight;
	}
	info->context_saves = st.context_saves;
	info->context_loads = st.context_loads;
	info->flushes = st.flushes;
	info->objects = st.objects;
	info->sessions = st.sessions;
	put_device(&vt->dev);
	return 0;
}

/**
 * tpmmux_vtpm_set() - change the settings of the vTPM called @name
 * @name: NUL-terminated
 * @req: the request; @req->flags was checked by the caller
 *
 * Return: 0, -EINVAL (a weight out of range) or -ENOENT.
 */
int tpmmux_vtpm_set(const char *name, const struct tpmmux_vtpm_set *req)
{
	struct tpmmux_vtpm *vt;

	if ((req->flags & TPMMUX_SET_WEIGHT) &&
	    (req->weight < TPMMUX_WEIGHT_MIN || req->weight > TPMMUX_WEIGHT_MAX))
		return -EINVAL;
	vt = tpmmux_vtpm_get(name);
	if (!vt)
		return -ENOENT;
	if (req->flags & TPMMUX_SET_WEIGHT)
		tpmmux_sched_set_weight(vt, req->weight);
	put_device(&vt->dev);
	return 0;
}

/**
 * tpmmux_vtpm_pcrs() - a snapshot of the virtual PCRs of @name
 * @name: NUL-terminated
 * @buf: the output, in the layout of struct tpmmux_vtpm_pcrs
 * @size: bytes at @buf; set to the bytes needed
 * @counter: set to the VM's pcrUpdateCounter
 *
 * Taken under the vTPM's io_lock, which every PCR command holds, so the
 * values and the counter belong together.
 *
 * Return: 0, -ENOENT, or -ENOSPC when @size is too small.
 */
int tpmmux_vtpm_pcrs(const char *name, u8 *buf, u32 *size, u32 *counter)
{
	static const u16 algs[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256,
				    TPM2_ALG_SHA384, TPM2_ALG_SHA512,
				    TPM2_ALG_SM3_256 };
	u8 digest[TPM2_MAX_HASH_SIZE];
	struct tpmmux_vtpm *vt;
	u32 room = *size, need = 0, b, pcr;
	int rc = 0, n;

	vt = tpmmux_vtpm_get(name);
	if (!vt)
		return -ENOENT;

	mutex_lock(&vt->io_lock);
	for (b = 0; b < ARRAY_SIZE(algs); b++) {
		if (!(vpcr_active_banks(vt->pcr) & (1u << b)))
			continue;
		n = vpcr_read(vt->pcr, algs[b], 0, digest);
		if (n == -ENOENT) {
			/* PCR 0 not allocated: find the size from another */
			for (pcr = 1; pcr < TPMMUX_NR_PCRS && n < 0; pcr++)
				n = vpcr_read(vt->pcr, algs[b], pcr, digest);
		}
		if (n <= 0)
			continue;
		if (need + 4 + TPMMUX_NR_PCRS * n <= room) {
			put_unaligned_be16(algs[b], buf + need);
			put_unaligned_be16(n, buf + need + 2);
			for (pcr = 0; pcr < TPMMUX_NR_PCRS; pcr++) {
				u8 *out = buf + need + 4 + pcr * n;

				if (vpcr_read(vt->pcr, algs[b], pcr, out) != n)
					memset(out, 0, n);
			}
		} else {
			rc = -ENOSPC;
		}
		need += 4 + TPMMUX_NR_PCRS * n;
	}
	*counter = vpcr_update_counter(vt->pcr);
	mutex_unlock(&vt->io_lock);
	memzero_explicit(digest, sizeof(digest));
	put_device(&vt->dev);
	*size = need;
	return rc;
}

/**
 * tpmmux_bind_contexts() - are the contexts VMs save bound to them?
 *
 * Return: the bind_contexts module parameter.
 */
bool tpmmux_bind_contexts(void)
{
	return READ_ONCE(bind_contexts);
}

/**
 * tpmmux_vtpm_count() - how many vTPMs exist
 *
 * Return: the number of vTPMs.
 */
u32 tpmmux_vtpm_count(void)
{
	u32 n;

	mutex_lock(&tpmmux_vtpms_lock);
	n = tpmmux_nr_vtpms;
	mutex_unlock(&tpmmux_vtpms_lock);
	return n;
}

/**
 * tpmmux_vtpm_init() - register the vTPM device region and class
 * @hc: the host chip; it must outlive tpmmux_vtpm_exit()
 *
 * Return: 0 or a negative errno.
 */
int tpmmux_vtpm_init(struct tpmmux_chip *hc)
{
	int rc;

	tpmmux_vtpm_hc = hc;
	get_random_bytes(tpmmux_fallback_key, sizeof(tpmmux_fallback_key));
	rc = alloc_chrdev_region(&tpmmux_devt, 0, TPMMUX_MAX_VTPMS, "tpmmux");
	if (rc)
		return rc;
	tpmmux_class = class_create(THIS_MODULE, "tpmmux");
	if (IS_ERR(tpmmux_class)) {
		rc = PTR_ERR(tpmmux_class);
		goto err_region;
	}
	return 0;

err_region:
	unregister_chrdev_region(tpmmux_devt, TPMMUX_MAX_VTPMS);
	return rc;
}

/**
 * tpmmux_vtpm_exit() - destroy every vTPM, unregister the class and region
 *
 * Module unload tears every vTPM down (an open node holds a module
 * reference, so none is open here).
 */
void tpmmux_vtpm_exit(void)
{
	struct tpmmux_vtpm *vt;
	int id;

	mutex_lock(&tpmmux_vtpms_lock);
	idr_for_each_entry(&tpmmux_vtpms, vt, id) {
		idr_remove(&tpmmux_vtpms, id);
		tpmmux_nr_vtpms--;
		mutex_unlock(&tpmmux_vtpms_lock);
		tpmmux_vtpm_kill(vt);
		mutex_lock(&tpmmux_vtpms_lock);
	}
	mutex_unlock(&tpmmux_vtpms_lock);
	idr_destroy(&tpmmux_vtpms);
	class_destroy(tpmmux_class);
	unregister_chrdev_region(tpmmux_devt, TPMMUX_MAX_VTPMS);
}
