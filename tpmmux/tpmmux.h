/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpmmux.h - what the module's files share.
 */
#ifndef _TPMMUX_TPMMUX_H
#define _TPMMUX_TPMMUX_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include <uapi/linux/tpmmux.h>

#include "sched_policy.h"
#include "hauth.h"
#include "da.h"
#include "tpm2_cmd.h"

#define TPMMUX_VERSION_MAJOR	0
#define TPMMUX_VERSION_MINOR	1
#define TPMMUX_VERSION_PATCH	0
#define TPMMUX_VERSION_STR	"0.1.0"

/* The features this build implements, as reported by TPMMUX_IOC_GET_VERSION. */
#define TPMMUX_FEATURES		(TPMMUX_FEAT_CHIP_INFO | TPMMUX_FEAT_VTPM | \
				 TPMMUX_FEAT_SCHED | TPMMUX_FEAT_VPCR | \
				 TPMMUX_FEAT_KVM_FE)

/* PCRs per bank of a vTPM (PC Client profile). */
#define TPMMUX_NR_PCRS		24

/* Buckets of the per-VM queue-wait histogram (powers of two of 1 us). */
#define TPMMUX_WAIT_BUCKETS	40

/* The most vTPMs one host may have at once. */
#define TPMMUX_MAX_VTPMS	4096

struct tpm_chip;

/**
 * struct tpmmux_chip - the host TPM as tpmmux holds it
 * @chip: the kernel's tpm_chip; a reference to @chip->dev is held from
 *	tpmmux_chip_claim() to tpmmux_chip_release(), so the struct stays
 *	valid even after the chip's driver is unbound (its ops become NULL
 *	and tpm_try_get_ops() fails: that is how "gone" is seen)
 * @index: N of the chip's /dev/tpmN, fixed at claim time
 * @max_command_size: the chip's TPM_PT_MAX_COMMAND_SIZE, read at load;
 *	a longer guest command is answered TPM_RC_COMMAND_SIZE by the module
 */
struct tpmmux_chip {
	struct tpm_chip *chip;
	int index;
	u32 max_command_size;
};

/* The largest command or response a vTPM passes (one page, as the TPM core). */
#define TPMMUX_BUFSIZE		4096

/*
 * The largest command and response a vTPM advertises (TPM_PT_MAX_COMMAND_SIZE
 * and _RESPONSE_SIZE, clamped to this in GetCapability answers) and accepts:
 * QEMU's tpm-crb buffer holds 3968 bytes, and its passthrough backend makes
 * QEMU exit when the device advertises more than the CRB can take.
 */
#define TPMMUX_VTPM_MAX_SIZE	3968

struct tpmmux_space;
struct tpmmux_fe;
struct vpcr;

/**
 * enum tpmmux_cmd_state - where a vTPM's one command is
 * @TPMMUX_IDLE: no command; a write() may start one
 * @TPMMUX_QUEUED: waiting in the dispatcher's queue
 * @TPMMUX_RUNNING: the dispatcher is running it on the chip
 * @TPMMUX_DONE: the response is in the buffer, not yet read whole
 */
enum tpmmux_cmd_state {
	TPMMUX_IDLE,
	TPMMUX_QUEUED,
	TPMMUX_RUNNING,
	TPMMUX_DONE,
};

/**
 * struct tpmmux_vtpm - one VM's TPM
 * @dev: the class device; its refcount owns this struct (see
 *	tpmmux_vtpm_release())
 * @cdev: the character device /dev/tpmmux-vm/NAME
 * @id: index in the vTPM idr and minor number; fixed
 * @name: the name given at create; fixed
 * @uuid: the UUID given at create; fixed
 * @uid: owner of the node; fixed
 * @gid: group of the node; fixed
 * @mode: permission bits of the node; fixed
 * @is_open: bit 0 set while a file has the node open (one opener)
 * @fe_lock: protects @fe and the front end it points to (frontend.c);
 *	taken before @io_lock
 * @fe: the KVM front end (CRB or TIS), or NULL; while set, read() and
 *	write() of the node fail with -EBUSY.  Written under @fe_lock and
 *	@io_lock both, so either suffices to read it
 * @io_lock: serializes write(), read(), open and release of the node, and
 *	protects @buf, @rsp_len, @rsp_off, @space, @started and @cmd
 * @buf: one page: the guest's command, then its response in place; NULL
 *	while the node is closed
 * @rsp_err: 0, or the error a read() of this command's response returns
 *	(-ENODEV: the chip or the vTPM went away); set with @state
 * @rsp_len: length of the response in @buf (state DONE)
 * @rsp_off: how much of the response has been read
 * @rsp_read: a read() has consumed part of the response: a new write()
 *	may discard the rest, as tpm-dev-common allows
 * @cmd: the parsed command in @buf while it is QUEUED or RUNNING
 * @space: the VM's objects and sessions on the chip (resource manager)
 * @pcr: the VM's virtual PCR banks (vpcr.c); set at create
 * @secret: the VM's primary-key secret (keysep.c), derived at create from
 *	the host TPM and the UUID; fixed
 * @ctx_key: the key that binds the VM's saved contexts to it; fixed
 * @hauth: the VM's own owner, endorsement and lockout authorization and
 *	the HMAC sessions whose nonces it follows (hauth.c); protected like
 *	@buf
 * @hplan: what tpmmux_auth_check() found in the command, for the
 *	dispatcher (auth.c); protected like @cmd
 * @da: the VM's failed authorizations still on the chip's DA counter
 *	(da.c); the dispatcher's
 * @started: the guest sent TPM2_Startup (virtualized)
 * @state: enum tpmmux_cmd_state; protected by tpmmux_sched.lock
 * @dead: the vTPM was destroyed; protected by tpmmux_sched.lock
 * @flow: the vTPM's place in the scheduling policy (sched_policy.c):
 *	weight, queue link, measured busy time and waits; protected by
 *	tpmmux_sched.lock
 * @wait_hist: queue waits of its commands: bucket b counts waits below
 *	2^b microseconds (the last bucket everything longer); protected by
 *	tpmmux_sched.lock
 * @waitq: woken when @state becomes DONE or @dead is set
 * @stats: statistics; the counters are updated with the atomic64 API
 */
struct tpmmux_vtpm {
	struct device dev;
	struct cdev cdev;
	u32 id;
	char name[TPMMUX_NAME_MAX];
	uuid_t uuid;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;

	unsigned long is_open;

	struct mutex fe_lock;
	struct tpmmux_fe *fe;

	struct mutex io_lock;
	u8 *buf;
	int rsp_err;
	u32 rsp_len;
	u32 rsp_off;
	bool rsp_read;
	struct tpm2_cmd cmd;
	struct tpmmux_space *space;
	struct vpcr *pcr;
	u8 secret[32];
	u8 ctx_key[32];
	struct hauth_vm hauth;
	struct hauth_plan hplan;
	struct da_vm da;
	bool started;

	enum tpmmux_cmd_state state;
	bool dead;
	struct tpmmux_flow flow;
	u32 wait_hist[TPMMUX_WAIT_BUCKETS];
	wait_queue_head_t waitq;

	struct {
		atomic64_t commands;
		atomic64_t refused;
		atomic64_t errors;
	} stats;
};

int tpmmux_chip_claim(struct tpmmux_chip *hc);
void tpmmux_chip_release(struct tpmmux_chip *hc);
int tpmmux_chip_read_info(struct tpmmux_chip *hc, struct tpmmux_chip_info *info);

int tpmmux_chip_xmit(void *priv, u8 *buf, u32 bufsize);
int tpmmux_chip_derive(struct tpmmux_chip *hc, const u8 *owner_auth,
		       u32 owner_len, const u8 *data, u32 len,
		       u8 *out);

int tpmmux_ctl_init(struct tpmmux_chip *hc);
void tpmmux_ctl_exit(void);

int tpmmux_vtpm_init(struct tpmmux_chip *hc);
void tpmmux_vtpm_exit(void);
int tpmmux_vtpm_create(const struct tpmmux_vtpm_create *req, const char *name);
int tpmmux_vtpm_destroy(const char *name);
int tpmmux_vtpm_list(u32 *ids, u32 room, u32 *count);
int tpmmux_vtpm_info(u32 id, struct tpmmux_vtpm_info *info, char *name);
int tpmmux_vtpm_set(const char *name, const struct tpmmux_vtpm_set *req);
int tpmmux_vtpm_submit(struct tpmmux_vtpm *vt, u32 size);
long tpmmux_fe_ioctl(struct tpmmux_vtpm *vt, unsigned int cmd,
		     unsigned long arg);
int tpmmux_fe_mmap(struct tpmmux_vtpm *vt, struct vm_area_struct *vma);
void tpmmux_fe_release(struct tpmmux_vtpm *vt);
int tpmmux_vtpm_pcrs(const char *name, u8 *buf, u32 *size, u32 *counter);
bool tpmmux_bind_contexts(void);
u32 tpmmux_vtpm_count(void);

int tpmmux_hash_init(void);
void tpmmux_hash_exit(void);
bool tpmmux_hash_supported(u16 alg);
int tpmmux_hash_digest(void *priv, u16 alg, const u8 *data, u32 len, u8 *out);
int tpmmux_hmac_sha256(void *priv, const u8 *key, u32 keylen, const u8 *data,
		       u32 len, u8 *out);

struct tpmmux_space_ops;
int tpmmux_auth_set_host(u32 slot, const u8 *val, u32 len);
u32 tpmmux_auth_host_value(u32 slot, u8 *out);
u32 tpmmux_auth_change(struct tpmmux_vtpm *vt, const struct tpm2_cmd *cmd);
u32 tpmmux_auth_check(struct tpmmux_vtpm *vt);
int tpmmux_auth_run(struct tpmmux_vtpm *vt,
		    const struct tpmmux_space_ops *ops,
		    struct tpmmux_chip *hc, u32 *rsp_len);

int tpmmux_sched_init(struct tpmmux_chip *hc);
void tpmmux_sched_exit(void);
int tpmmux_sched_begin(struct tpmmux_vtpm *vt);
void tpmmux_sched_answer(struct tpmmux_vtpm *vt, u32 rsp_len);
void tpmmux_sched_submit(struct tpmmux_vtpm *vt);
int tpmmux_sched_state(struct tpmmux_vtpm *vt);
bool tpmmux_sched_cancel(struct tpmmux_vtpm *vt);
void tpmmux_sched_quiesce(struct tpmmux_vtpm *vt, bool kill);
void tpmmux_sched_teardown(struct tpmmux_vtpm *vt, bool destroy);
void tpmmux_sched_set_weight(struct tpmmux_vtpm *vt, u32 weight);
void tpmmux_sched_flow_stats(struct tpmmux_vtpm *vt, struct tpmmux_flow *out,
			     u64 *p50_ns, u64 *p99_ns);

#endif /* _TPMMUX_TPMMUX_H */
