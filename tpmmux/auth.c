// SPDX-License-Identifier: GPL-2.0
/*
 * auth.c - the kernel side of virtual hierarchy authorization (hauth.c)
 * and of the guests' dictionary-attack budget (da.c).
 *
 * The host's real hierarchy values, given by the administrator
 * (TPMMUX_IOC_SET_HOST_AUTH, `vtpmctl host-auth`), live only here, in
 * kernel memory, and reach a VM's command buffer only while the
 * dispatcher runs that command on the chip; they are scrubbed from the
 * buffer before the response is handed back.
 *
 * The DA state is the dispatcher's: only the dispatcher thread reads or
 * changes it, with the chip held, so it needs no lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/sha2.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/tpm.h>

#include "tpmmux.h"
#include "space.h"

static bool da_limit = true;
module_param(da_limit, bool, 0644);
MODULE_PARM_DESC(da_limit, "Answer a VM's authorizations of objects TPM_RC_LOCKOUT while its failures could lock the chip (default on; see Documentation/keysep.rst)");

static int da_reserve = -1;
module_param(da_reserve, int, 0644);
MODULE_PARM_DESC(da_reserve, "Failed authorizations of the chip's TPM_PT_MAX_AUTH_FAIL kept for the host (default -1: half, at least 1)");

static int da_vm_share = -1;
module_param(da_vm_share, int, 0644);
MODULE_PARM_DESC(da_vm_share, "Failed authorizations one VM may leave on the chip's counter (default -1: a quarter of the guests' budget, at least 1)");

/* The host's values; tpmmux_host_auth_lock protects them. */
static DEFINE_MUTEX(tpmmux_host_auth_lock);
static struct hauth_value tpmmux_host_auth[HAUTH_NR];

/* The dispatcher's view of the chip's DA counter. */
static struct da_chip tpmmux_da;

static int tpmmux_auth_sha256(void *priv, const u8 *data, u32 len, u8 *out)
{
	sha256(data, len, out);
	return 0;
}

static const struct hauth_ops tpmmux_hauth_ops = {
	.sha256 = tpmmux_auth_sha256,
	.hmac_sha256 = tpmmux_hmac_sha256,
};

/**
 * tpmmux_auth_set_host() - set the host's real value of a hierarchy
 * @slot: HAUTH_OWNER, HAUTH_ENDORSEMENT or HAUTH_LOCKOUT
 * @val: the value (trailing zeros are removed, as the TPM does)
 * @len: its length, at most HAUTH_MAX_AUTH
 *
 * Return: 0 or -EINVAL.
 */
int tpmmux_auth_set_host(u32 slot, const u8 *val, u32 len)
{
	if (slot >= HAUTH_NR || len > HAUTH_MAX_AUTH)
		return -EINVAL;
	mutex_lock(&tpmmux_host_auth_lock);
	hauth_value_set(&tpmmux_host_auth[slot], val, len);
	mutex_unlock(&tpmmux_host_auth_lock);
	return 0;
}

/**
 * tpmmux_auth_host_value() - a copy of the host's real value of a hierarchy
 * @slot: HAUTH_OWNER, HAUTH_ENDORSEMENT or HAUTH_LOCKOUT
 * @out: HAUTH_MAX_AUTH bytes; the caller zeroes them after use
 *
 * Return: the value's length (0: empty, or @slot out of range).
 */
u32 tpmmux_auth_host_value(u32 slot, u8 *out)
{
	u32 len;

	if (slot >= HAUTH_NR)
		return 0;
	mutex_lock(&tpmmux_host_auth_lock);
	len = tpmmux_host_auth[slot].size;
	memcpy(out, tpmmux_host_auth[slot].buf, len);
	mutex_unlock(&tpmmux_host_auth_lock);
	return len;
}

/* Bit (1 << slot) set for each hierarchy whose host value is not empty. */
static u32 tpmmux_auth_host_set(void)
{
	u32 set = 0, i;

	mutex_lock(&tpmmux_host_auth_lock);
	for (i = 0; i < HAUTH_NR; i++)
		if (tpmmux_host_auth[i].size)
			set |= 1u << i;
	mutex_unlock(&tpmmux_host_auth_lock);
	return set;
}

/**
 * tpmmux_auth_change() - answer a guest's HierarchyChangeAuth
 * @vt: the vTPM, with its io_lock held; its buffer holds the command
 * @cmd: the command, parsed; hauth_is_change_auth() is true
 *
 * Only the VM's value changes; the chip never sees the command.
 *
 * Return: the length of the response now in @vt->buf.
 */
u32 tpmmux_auth_change(struct tpmmux_vtpm *vt, const struct tpm2_cmd *cmd)
{
	return hauth_change_auth(&vt->hauth, vt->buf, TPMMUX_BUFSIZE, cmd,
				 &tpmmux_hauth_ops, NULL);
}

/**
 * tpmmux_auth_check() - check a guest command's hierarchy authorizations
 * @vt: the vTPM, with its io_lock held; @vt->cmd is the command in
 *	@vt->buf as the guest sent it
 *
 * Fills @vt->hplan for tpmmux_auth_run().
 *
 * Return: 0, or the response code to answer the guest with.
 */
u32 tpmmux_auth_check(struct tpmmux_vtpm *vt)
{
	return hauth_check(&vt->hauth, tpmmux_auth_host_set(), vt->buf,
			   &vt->cmd, &tpmmux_hauth_ops, NULL, &vt->hplan);
}

/*
 * Read TPM_PT_LOCKOUT_COUNTER, _MAX_AUTH_FAIL and _LOCKOUT_INTERVAL from
 * the chip, which the dispatcher holds.
 */
static void tpmmux_da_sync(struct tpmmux_chip *hc, u64 now)
{
	u32 v[3] = {}, off, count, i, prop;
	struct tpm_buf buf;
	int reserve = READ_ONCE(da_reserve), share = READ_ONCE(da_vm_share);

	if (tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, TPM2_CC_GET_CAPABILITY))
		return;
	tpm_buf_append_u32(&buf, TPM_CAP_TPM_PROPERTIES);
	tpm_buf_append_u32(&buf, TPM_PT_LOCKOUT_COUNTER);
	tpm_buf_append_u32(&buf, 3);
	if (tpm_transmit_cmd(hc->chip, &buf, 9, NULL))
		goto out;
	count = get_unaligned_be32(buf.data + TPM2_HEADER_SIZE + 5);
	off = TPM2_HEADER_SIZE + 9;
	for (i = 0; i < count && i < 3 &&
	     off + 8 <= tpm_buf_length(&buf); i++, off += 8) {
		prop = get_unaligned_be32(buf.data + off);
		if (prop >= TPM_PT_LOCKOUT_COUNTER &&
		    prop <= TPM_PT_LOCKOUT_INTERVAL)
			v[prop - TPM_PT_LOCKOUT_COUNTER] =
				get_unaligned_be32(buf.data + off + 4);
	}
	if (i == 3)
		da_configure(&tpmmux_da, v[0], v[1], v[2],
			     reserve < 0 ? DA_AUTO : reserve,
			     share < 0 ? DA_AUTO : share, now);
out:
	tpm_buf_destroy(&buf);
}

/**
 * tpmmux_auth_run() - run a vTPM's command on the chip, with its
 *	hierarchy authorizations and its DA budget taken care of
 * @vt: the vTPM, RUNNING; the dispatcher holds the chip
 * @ops: the chip operations for the space
 * @hc: the host chip
 * @rsp_len: out: the response's length in @vt->buf
 *
 * In place of tpmmux_space_run(): a DA-relevant command of a VM over its
 * budget is answered TPM_RC_LOCKOUT; the host's values go into the command
 * (hauth_apply()); the response's sessions are followed and re-keyed
 * (hauth_response()); a TPM_RC_AUTH_FAIL is counted.
 *
 * Return: 0 (the response is in @vt->buf) or the error of
 * tpmmux_space_run().
 */
int tpmmux_auth_run(struct tpmmux_vtpm *vt,
		    const struct tpmmux_space_ops *ops,
		    struct tpmmux_chip *hc, u32 *rsp_len)
{
	struct hauth_plan *plan = &vt->hplan;
	struct hauth_value host[HAUTH_NR];
	bool relevant = READ_ONCE(da_limit) && da_cmd_relevant(&vt->cmd);
	bool secret = plan->subst || plan->rekey;
	u32 len = vt->cmd.size, trc = 0, rrc;
	u64 now = ktime_get_ns();
	int rc;

	if (relevant) {
		if (!tpmmux_da.known ||
		    (da_over_budget(&tpmmux_da, now) &&
		     now - tpmmux_da.sync_ns > NSEC_PER_SEC))
			tpmmux_da_sync(hc, now);
		if (tpmmux_da.known)
			trc = da_admit(&tpmmux_da, &vt->da, now);
	}
	if (!trc && secret) {
		mutex_lock(&tpmmux_host_auth_lock);
		memcpy(host, tpmmux_host_auth, sizeof(host));
		mutex_unlock(&tpmmux_host_auth_lock);
		rc = hauth_apply(&vt->hauth, plan, host, vt->buf, &len,
				 min_t(u32, TPMMUX_BUFSIZE,
				       hc->max_command_size),
				 &vt->cmd, &tpmmux_hauth_ops, NULL);
		memzero_explicit(host, sizeof(host));
		if (rc == -ENOSPC)
			trc = TPM_RC_COMMAND_SIZE;
		else if (rc)
			trc = TPMMUX_RC_LAYER | TPM_RC_FAILURE;
		else if (len != vt->cmd.size &&
			 tpm2_cmd_parse(vt->buf, len, &vt->cmd))
			trc = TPMMUX_RC_LAYER | TPM_RC_FAILURE;
	}
	if (trc) {
		memzero_explicit(vt->buf, TPMMUX_BUFSIZE);
		*rsp_len = tpm2_rsp_error(vt->buf, TPMMUX_BUFSIZE, trc);
		memset(plan, 0, sizeof(*plan));
		return 0;
	}

	rc = tpmmux_space_run(vt->space, ops, hc, vt->buf, TPMMUX_BUFSIZE,
			      &vt->cmd, rsp_len);
	/* No byte of the host's values stays behind the response. */
	if (secret) {
		if (rc)
			memzero_explicit(vt->buf, TPMMUX_BUFSIZE);
		else if (*rsp_len < len)
			memzero_explicit(vt->buf + *rsp_len, len - *rsp_len);
	}
	if (rc) {
		memset(plan, 0, sizeof(*plan));
		return rc;
	}
	if (*rsp_len >= TPM2_HEADER_SIZE && *rsp_len <= TPMMUX_BUFSIZE &&
	    hauth_response(&vt->hauth, plan, vt->buf, *rsp_len,
			   &tpmmux_hauth_ops, NULL)) {
		memzero_explicit(vt->buf, *rsp_len);
		*rsp_len = tpm2_rsp_error(vt->buf, TPMMUX_BUFSIZE,
					  TPMMUX_RC_LAYER | TPM_RC_FAILURE);
	}
	memset(plan, 0, sizeof(*plan));

	if (relevant && *rsp_len >= TPM2_HEADER_SIZE) {
		rrc = get_unaligned_be32(vt->buf + 6);
		if (da_rc_auth_fail(rrc)) {
			da_failed(&tpmmux_da, &vt->da, now);
			tpmmux_da_sync(hc, ktime_get_ns());
		} else if (rrc == TPM_RC_LOCKOUT) {
			tpmmux_da_sync(hc, ktime_get_ns());
		}
	}
	return 0;
}
