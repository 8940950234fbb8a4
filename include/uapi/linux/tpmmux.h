/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tpmmux - one host TPM 2.0 shared by many KVM virtual machines.
 *
 * The ioctl ABI of the control device /dev/tpmmux.
 *
 * Conventions (as in include/uapi/linux/vhost.h):
 *
 * - one ioctl magic, TPMMUX_IOCTL_MAGIC; numbers 0x00-0x0f are queries of
 *   the module and of the host chip, 0x10-0x2f manage vTPMs;
 * - every argument is a struct of __u32/__u64 fields with no implicit
 *   padding; fields named @flags and @pad are inputs that must be zero
 *   unless a flag is defined for them;
 * - the kernel refuses an argument whose @pad is not zero with -EINVAL and
 *   one with an unknown bit in @flags with -EOPNOTSUPP;
 * - an unknown ioctl number gets -ENOTTY;
 * - once the host TPM has gone away (its driver was unbound), every query
 *   of the chip gets -ENODEV; the module itself stays usable.
 *
 * Userspace starts with TPMMUX_IOC_GET_VERSION, checks @abi_version and
 * tests @features before it uses anything newer than ABI version 1.
 */
#ifndef _UAPI_LINUX_TPMMUX_H
#define _UAPI_LINUX_TPMMUX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** TPMMUX_IOCTL_MAGIC - the one ioctl type of tpmmux */
#define TPMMUX_IOCTL_MAGIC		0xB9

/** TPMMUX_ABI_VERSION - bumped only on an incompatible change */
#define TPMMUX_ABI_VERSION		1

/** TPMMUX_DEVICE_NAME - the control device's name under /dev */
#define TPMMUX_DEVICE_NAME		"tpmmux"

/* Feature bits reported in &tpmmux_version.features. */
/** TPMMUX_FEAT_CHIP_INFO - TPMMUX_IOC_GET_CHIP_INFO is implemented */
#define TPMMUX_FEAT_CHIP_INFO		(1ULL << 0)
/** TPMMUX_FEAT_VTPM - vTPM create/destroy/list/info and per-VM devices */
#define TPMMUX_FEAT_VTPM		(1ULL << 1)
/** TPMMUX_FEAT_SCHED - fair scheduling with weights (TPMMUX_IOC_VTPM_SET) */
#define TPMMUX_FEAT_SCHED		(1ULL << 2)
/** TPMMUX_FEAT_VPCR - per-VM virtual PCR banks (TPMMUX_CREATE_PCR_BANKS) */
#define TPMMUX_FEAT_VPCR		(1ULL << 3)
/** TPMMUX_FEAT_KVM_FE - the KVM front end (TPMMUX_IOC_FE_*) on VM nodes */
#define TPMMUX_FEAT_KVM_FE		(1ULL << 4)

/** TPMMUX_NAME_MAX - bytes of a vTPM name, with its NUL (names are 1-63) */
#define TPMMUX_NAME_MAX			64

/** TPMMUX_VTPM_DIR - the directory under /dev of the per-VM nodes */
#define TPMMUX_VTPM_DIR			"tpmmux-vm"

/**
 * TPMMUX_VERSION_CODE - pack a module version into a __u32
 * @maj: major version (0-255)
 * @min: minor version (0-255)
 * @pat: patch level (0-255)
 */
#define TPMMUX_VERSION_CODE(maj, min, pat) \
	(((maj) << 16) | ((min) << 8) | (pat))

/**
 * struct tpmmux_version - argument of TPMMUX_IOC_GET_VERSION
 * @flags: in: must be zero (no flags are defined)
 * @abi_version: out: TPMMUX_ABI_VERSION of the running module
 * @features: out: TPMMUX_FEAT_* bits the running module implements
 * @module_version: out: the module's version, see TPMMUX_VERSION_CODE()
 * @nr_vtpms: out: number of vTPMs that exist now
 * @max_vtpms: out: the most vTPMs the module will create
 * @pad: in: must be zero
 */
struct tpmmux_version {
	__u32 flags;
	__u32 abi_version;
	__u64 features;
	__u32 module_version;
	__u32 nr_vtpms;
	__u32 max_vtpms;
	__u32 pad;
};

/* Bits of &tpmmux_chip_info.state. */
/** TPMMUX_CHIP_TPM2 - the chip is a TPM 2.0 (always set: tpmmux needs one) */
#define TPMMUX_CHIP_TPM2		(1U << 0)

/**
 * struct tpmmux_chip_info - argument of TPMMUX_IOC_GET_CHIP_INFO
 * @flags: in: must be zero (no flags are defined)
 * @state: out: TPMMUX_CHIP_* bits
 * @tpm_index: out: N of the host's /dev/tpmN that tpmmux uses
 * @family: out: TPM_PT_FAMILY_INDICATOR, four ASCII bytes, most significant
 *	first (0x322e3000 is "2.0")
 * @level: out: TPM_PT_LEVEL
 * @revision: out: TPM_PT_REVISION, the specification revision times 100
 * @day_of_year: out: TPM_PT_DAY_OF_YEAR of the specification
 * @year: out: TPM_PT_YEAR of the specification
 * @manufacturer: out: TPM_PT_MANUFACTURER, four ASCII bytes, most
 *	significant first (0x49424d00 is "IBM")
 * @vendor_string: out: TPM_PT_VENDOR_STRING_1 to _4, four ASCII bytes each
 * @vendor_tpm_type: out: TPM_PT_VENDOR_TPM_TYPE
 * @firmware_version_1: out: TPM_PT_FIRMWARE_VERSION_1
 * @firmware_version_2: out: TPM_PT_FIRMWARE_VERSION_2
 * @max_command_size: out: TPM_PT_MAX_COMMAND_SIZE
 * @max_response_size: out: TPM_PT_MAX_RESPONSE_SIZE
 *
 * Every TPM_PT_* value is read from the chip by TPM2_GetCapability(
 * TPM_CAP_TPM_PROPERTIES) when the ioctl runs, exactly as the chip
 * reports it (the raw values `tpm2_getcap properties-fixed` prints).
 */
struct tpmmux_chip_info {
	__u32 flags;
	__u32 state;
	__u32 tpm_index;
	__u32 family;
	__u32 level;
	__u32 revision;
	__u32 day_of_year;
	__u32 year;
	__u32 manufacturer;
	__u32 vendor_string[4];
	__u32 vendor_tpm_type;
	__u32 firmware_version_1;
	__u32 firmware_version_2;
	__u32 max_command_size;
	__u32 max_response_size;
};

/**
 * struct tpmmux_vtpm_create - argument of TPMMUX_IOC_VTPM_CREATE
 * @flags: in: must be zero (no flags are defined yet)
 * @mode: in: permission bits of the node /dev/tpmmux-vm/NAME (0 means
 *	0600); only 0777 bits
 * @uid: in: owner of the node (the user the VMM runs as)
 * @gid: in: group of the node
 * @name: in: pointer to the vTPM's name, NUL-terminated, 1-63 characters
 *	of [A-Za-z0-9_.-], not "." or ".."
 * @uuid: in: the VM's UUID, its 16 bytes in RFC 4122 order as they lie in
 *	memory; all zero means "none given"
 * @id: out: the vTPM's id (also the minor number of its node)
 * @pcr_banks: in: with TPMMUX_CREATE_PCR_BANKS, the PCR banks active at
 *	the VM's first Startup (TPMMUX_PCR_BANK_* bits; the guest can change
 *	them with PCR_Allocate); otherwise must be zero, and the VM starts
 *	with a SHA-256 bank only
 */
struct tpmmux_vtpm_create {
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u64 name;
	__u64 uuid[2];
	__u32 id;
	__u32 pcr_banks;
};

/* Bits of &tpmmux_vtpm_create.flags. */
/** TPMMUX_CREATE_PCR_BANKS - &tpmmux_vtpm_create.pcr_banks is given */
#define TPMMUX_CREATE_PCR_BANKS		(1U << 0)

/* PCR banks (&tpmmux_vtpm_create.pcr_banks). */
#define TPMMUX_PCR_BANK_SHA1		(1U << 0)
#define TPMMUX_PCR_BANK_SHA256		(1U << 1)
#define TPMMUX_PCR_BANK_SHA384		(1U << 2)
#define TPMMUX_PCR_BANK_SHA512		(1U << 3)
#define TPMMUX_PCR_BANK_SM3_256		(1U << 4)

/**
 * struct tpmmux_vtpm_destroy - argument of TPMMUX_IOC_VTPM_DESTROY
 * @flags: in: must be zero
 * @pad: in: must be zero
 * @name: in: pointer to the name of the vTPM to destroy, NUL-terminated
 */
struct tpmmux_vtpm_destroy {
	__u32 flags;
	__u32 pad;
	__u64 name;
};

/**
 * struct tpmmux_vtpm_list - argument of TPMMUX_IOC_VTPM_LIST
 * @flags: in: must be zero
 * @count: in: how many ids @ids has room for; out: how many vTPMs exist
 *	(when larger than the room given, only that many ids were written)
 * @ids: in: pointer to an array of @count __u32, filled with the ids of the
 *	vTPMs in increasing order
 */
struct tpmmux_vtpm_list {
	__u32 flags;
	__u32 count;
	__u64 ids;
};

/* Bits of &tpmmux_vtpm_info.state. */
/** TPMMUX_VTPM_OPEN - the node is open (by the VMM) */
#define TPMMUX_VTPM_OPEN		(1U << 0)
/** TPMMUX_VTPM_BUSY - a command is queued or running on the chip */
#define TPMMUX_VTPM_BUSY		(1U << 1)
/** TPMMUX_VTPM_STARTED - the guest has sent TPM2_Startup */
#define TPMMUX_VTPM_STARTED		(1U << 2)

/**
 * struct tpmmux_vtpm_info - argument of TPMMUX_IOC_VTPM_INFO
 * @flags: in: must be zero
 * @id: in: the id of the vTPM (from TPMMUX_IOC_VTPM_LIST)
 * @name: in: pointer to a buffer of TPMMUX_NAME_MAX bytes; out: the name
 * @uuid: out: the UUID given at create
 * @mode: out: permission bits of the node
 * @uid: out: owner of the node
 * @gid: out: group of the node
 * @state: out: TPMMUX_VTPM_* bits
 * @commands: out: commands the guest sent
 * @refused: out: commands answered with TPMMUX_RC_REFUSED by policy
 * @errors: out: commands answered with any other error
 * @context_saves: out: ContextSave commands tpmmux sent for this VM
 * @context_loads: out: ContextLoad commands tpmmux sent for this VM
 * @flushes: out: FlushContext commands tpmmux sent for this VM
 * @objects: out: transient objects the VM has now (loaded or saved)
 * @sessions: out: sessions the VM has now
 * @busy_ns: out: chip time the VM's commands (and the eviction of its
 *	objects) took, measured around each command
 * @chip_commands: out: commands the dispatcher ran on the chip for it
 * @wait_total_ns: out: total time its commands waited in the queue
 * @wait_max_ns: out: the longest a command of it waited in the queue
 * @wait_p50_ns: out: median queue wait, as the upper bound of its
 *	power-of-two histogram bucket (1 us resolution)
 * @wait_p99_ns: out: 99th percentile queue wait, the same way
 * @weight: out: the VM's scheduling weight (TPMMUX_WEIGHT_*)
 * @pad: out: zero
 */
struct tpmmux_vtpm_info {
	__u32 flags;
	__u32 id;
	__u64 name;
	__u64 uuid[2];
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 state;
	__u64 commands;
	__u64 refused;
	__u64 errors;
	__u64 context_saves;
	__u64 context_loads;
	__u64 flushes;
	__u32 objects;
	__u32 sessions;
	__u64 busy_ns;
	__u64 chip_commands;
	__u64 wait_total_ns;
	__u64 wait_max_ns;
	__u64 wait_p50_ns;
	__u64 wait_p99_ns;
	__u32 weight;
	__u32 pad;
};

/* Bits of &tpmmux_vtpm_set.flags: which settings to change. */
/** TPMMUX_SET_WEIGHT - set the scheduling weight from @weight */
#define TPMMUX_SET_WEIGHT		(1U << 0)

/** TPMMUX_WEIGHT_MIN - the smallest scheduling weight */
#define TPMMUX_WEIGHT_MIN		1
/** TPMMUX_WEIGHT_MAX - the largest scheduling weight */
#define TPMMUX_WEIGHT_MAX		1000
/** TPMMUX_WEIGHT_DEFAULT - every vTPM's weight until it is set */
#define TPMMUX_WEIGHT_DEFAULT		100

/**
 * struct tpmmux_vtpm_set - argument of TPMMUX_IOC_VTPM_SET
 * @flags: in: TPMMUX_SET_* bits saying which fields to apply
 * @weight: in: the scheduling weight, TPMMUX_WEIGHT_MIN to _MAX
 *	(with TPMMUX_SET_WEIGHT); a VM gets chip time in proportion to it
 *	when several VMs wait for the chip
 * @name: in: pointer to the vTPM's name, NUL-terminated
 */
struct tpmmux_vtpm_set {
	__u32 flags;
	__u32 weight;
	__u64 name;
};

/**
 * TPMMUX_IOC_GET_VERSION - the module's ABI version, features and counts
 *
 * Any opener of /dev/tpmmux may call it.
 * Errors: -EFAULT, -EOPNOTSUPP (@flags), -EINVAL (@pad).
 */
#define TPMMUX_IOC_GET_VERSION \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x00, struct tpmmux_version)

/**
 * TPMMUX_IOC_GET_CHIP_INFO - the identity of the host TPM tpmmux uses
 *
 * Errors: -EFAULT, -EOPNOTSUPP (@flags), -ENODEV (the host
 * TPM has gone away), -EIO (the chip did not answer as a TPM 2.0 does).
 */
#define TPMMUX_IOC_GET_CHIP_INFO \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x01, struct tpmmux_chip_info)

/**
 * TPMMUX_IOC_VTPM_CREATE - create a vTPM and its node /dev/tpmmux-vm/NAME
 *
 * Needs CAP_SYS_ADMIN.  Errors: -EPERM, -EFAULT, -EOPNOTSUPP (unknown
 * @flags, or a PCR bank the kernel cannot hash), -EINVAL (@pcr_banks
 * without its flag, no or unknown banks, a bad name, mode bits outside
 * 0777, an unmapped uid/gid), -EEXIST (the name is taken), -ENOSPC
 * (TPMMUX_MAX_VTPMS exist), -ENOMEM.
 */
#define TPMMUX_IOC_VTPM_CREATE \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x10, struct tpmmux_vtpm_create)

/**
 * TPMMUX_IOC_VTPM_DESTROY - destroy a vTPM
 *
 * A command in flight is waited for (or dropped if still queued); every
 * object and session the VM had on the chip is flushed and every buffer it
 * used is zeroed.  A process that still has the node open gets -ENODEV on
 * every later call.  Needs CAP_SYS_ADMIN.  Errors: -EPERM, -EFAULT,
 * -EOPNOTSUPP, -EINVAL, -ENOENT (no such vTPM).
 */
#define TPMMUX_IOC_VTPM_DESTROY \
	_IOW(TPMMUX_IOCTL_MAGIC, 0x11, struct tpmmux_vtpm_destroy)

/**
 * TPMMUX_IOC_VTPM_LIST - the ids of all vTPMs
 *
 * Errors: -EFAULT, -EOPNOTSUPP.
 */
#define TPMMUX_IOC_VTPM_LIST \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x12, struct tpmmux_vtpm_list)

/**
 * TPMMUX_IOC_VTPM_INFO - one vTPM's name, UUID, node and statistics
 *
 * Errors: -EFAULT, -EOPNOTSUPP, -ENOENT (no vTPM with that id).
 */
#define TPMMUX_IOC_VTPM_INFO \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x13, struct tpmmux_vtpm_info)

/**
 * struct tpmmux_vtpm_pcrs - argument of TPMMUX_IOC_VTPM_PCRS
 * @flags: in: must be zero
 * @size: in: bytes at @buf; out: bytes the values take (when larger
 *	than given, nothing was written and the call failed with -ENOSPC)
 * @name: in: pointer to the vTPM's name, NUL-terminated
 * @buf: in: pointer to the output: for each active bank, in the order
 *	SHA-1, SHA-256, SHA-384, SHA-512, SM3-256: the bank's TPM_ALG_ID
 *	(2 bytes, big-endian), the digest size (2 bytes, big-endian), then
 *	PCR 0 to 23, each that many bytes (a PCR not allocated in the bank
 *	reads as all zero)
 * @update_counter: out: the VM's pcrUpdateCounter, taken with the values
 * @pad: in: must be zero
 *
 * One consistent snapshot of a VM's virtual PCRs, for a deep quote
 * (Documentation/deep-quote.rst).
 */
struct tpmmux_vtpm_pcrs {
	__u32 flags;
	__u32 size;
	__u64 name;
	__u64 buf;
	__u32 update_counter;
	__u32 pad;
};

/**
 * TPMMUX_IOC_VTPM_PCRS - read all of a VM's virtual PCR values
 *
 * Needs CAP_SYS_ADMIN.  Errors: -EPERM, -EFAULT, -EOPNOTSUPP, -EINVAL,
 * -ENOENT, -ENOSPC.
 */
#define TPMMUX_IOC_VTPM_PCRS \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x15, struct tpmmux_vtpm_pcrs)

/**
 * TPMMUX_IOC_VTPM_SET - change a vTPM's settings
 *
 * Needs CAP_SYS_ADMIN.  Errors: -EPERM, -EFAULT, -EOPNOTSUPP (unknown
 * @flags), -EINVAL (a weight out of range, a bad name), -ENOENT.
 */
#define TPMMUX_IOC_VTPM_SET \
	_IOW(TPMMUX_IOCTL_MAGIC, 0x14, struct tpmmux_vtpm_set)

/* Hierarchies of &tpmmux_host_auth.hierarchy. */
/** TPMMUX_HIER_OWNER - the owner (storage) hierarchy, TPM_RH_OWNER */
#define TPMMUX_HIER_OWNER		1
/** TPMMUX_HIER_ENDORSEMENT - the endorsement hierarchy, TPM_RH_ENDORSEMENT */
#define TPMMUX_HIER_ENDORSEMENT		2
/** TPMMUX_HIER_LOCKOUT - lockoutAuth, TPM_RH_LOCKOUT */
#define TPMMUX_HIER_LOCKOUT		3

/** TPMMUX_HOST_AUTH_MAX - the longest authorization value (a SHA-512 digest) */
#define TPMMUX_HOST_AUTH_MAX		64

/**
 * struct tpmmux_host_auth - argument of TPMMUX_IOC_SET_HOST_AUTH
 * @flags: in: must be zero
 * @hierarchy: in: TPMMUX_HIER_OWNER, _ENDORSEMENT or _LOCKOUT
 * @size: in: bytes at @auth, 0 (empty) to TPMMUX_HOST_AUTH_MAX
 * @pad: in: must be zero
 * @auth: in: pointer to the host TPM's real authorization value of that
 *	hierarchy (as given to TPM2_HierarchyChangeAuth)
 *
 * tpmmux puts the value into the guest commands it lets through to the
 * chip after checking them against the VM's own value; no VM ever sees
 * it.  It is kept in kernel memory until the module is unloaded, never
 * stored, and cannot be read back.
 */
struct tpmmux_host_auth {
	__u32 flags;
	__u32 hierarchy;
	__u32 size;
	__u32 pad;
	__u64 auth;
};

/**
 * TPMMUX_IOC_SET_HOST_AUTH - tell tpmmux the host's hierarchy authorization
 *
 * Needs CAP_SYS_ADMIN.  Errors: -EPERM, -EFAULT, -EOPNOTSUPP (@flags),
 * -EINVAL (@hierarchy, @size, @pad).
 */
#define TPMMUX_IOC_SET_HOST_AUTH \
	_IOW(TPMMUX_IOCTL_MAGIC, 0x16, struct tpmmux_host_auth)

/*
 * The KVM front end: ioctls on a VM's node (/dev/tpmmux-vm/NAME), vhost
 * style.  The VMM registers KVM_IOEVENTFDs on the doorbell registers and
 * a KVM_IRQFD for the TPM's interrupt, and hands the eventfds to tpmmux;
 * tpmmux keeps the CRB or TIS registers.  See
 * Documentation/kvm-frontend.rst.
 */

/* Front-end types (&tpmmux_fe_setup.type). */
/** TPMMUX_FE_NONE - no front end: the node's read() and write() carry commands */
#define TPMMUX_FE_NONE			0
/** TPMMUX_FE_CRB - the CRB interface, with a command buffer in guest RAM */
#define TPMMUX_FE_CRB			1
/** TPMMUX_FE_TIS - the TIS (FIFO) interface */
#define TPMMUX_FE_TIS			2

/** TPMMUX_FE_REGION_SIZE - the register region: 5 localities of 4 KiB */
#define TPMMUX_FE_REGION_SIZE		0x5000
/** TPMMUX_FE_LOC_STRIDE - one locality's window in the region */
#define TPMMUX_FE_LOC_STRIDE		0x1000
/** TPMMUX_FE_MMAP_BUF - mmap offset of the CRB command/response buffer */
#define TPMMUX_FE_MMAP_BUF		0x0
/**
 * TPMMUX_FE_MMAP_REGS - mmap offset of the register pages, read only:
 * locality N's window at TPMMUX_FE_MMAP_REGS + N * TPMMUX_FE_LOC_STRIDE
 */
#define TPMMUX_FE_MMAP_REGS		0x1000
/** TPMMUX_FE_MAX_KICKS - kick eventfd slots per front end */
#define TPMMUX_FE_MAX_KICKS		16
/** TPMMUX_FE_NO_FD - the @fd that detaches an eventfd */
#define TPMMUX_FE_NO_FD			0xffffffffU

/**
 * struct tpmmux_fe_setup - argument of TPMMUX_IOC_FE_SETUP
 * @flags: in: must be zero
 * @type: in: TPMMUX_FE_CRB, TPMMUX_FE_TIS, or TPMMUX_FE_NONE to tear the
 *	front end down (its eventfds are detached)
 * @buf_gpa: in: CRB: the guest-physical address at which the VMM maps the
 *	buffer (TPMMUX_FE_MMAP_BUF) into the guest as RAM; the control area
 *	advertises it.  Page aligned.  TIS: must be zero
 * @buf_size: out: CRB: bytes of the buffer (the command and the response
 *	share it); TIS: 0
 * @pad: in: must be zero
 */
struct tpmmux_fe_setup {
	__u32 flags;
	__u32 type;
	__u64 buf_gpa;
	__u32 buf_size;
	__u32 pad;
};

/**
 * struct tpmmux_fe_kick - argument of TPMMUX_IOC_FE_SET_KICK
 * @flags: in: must be zero
 * @fd: in: an eventfd the VMM registered with KVM_IOEVENTFD for the
 *	register write below, or TPMMUX_FE_NO_FD to detach slot @index
 * @index: in: the slot, 0 to TPMMUX_FE_MAX_KICKS - 1
 * @offset: in: the register's offset in the region (locality * 0x1000 +
 *	register), as registered with KVM_IOEVENTFD
 * @size: in: the access size, 1, 2, 4 or 8
 * @pad: in: must be zero
 * @value: in: the value written (the ioeventfd's datamatch)
 *
 * Each signal of the eventfd is one guest write of @value at @offset:
 * CRB: TPM_CRB_CTRL_START_0 = 1; TIS: TPM_STS_0 = tpmGo (0x20) and
 * TPM_STS_0 = commandReady (0x40).
 */
struct tpmmux_fe_kick {
	__u32 flags;
	__u32 fd;
	__u32 index;
	__u32 offset;
	__u32 size;
	__u32 pad;
	__u64 value;
};

/**
 * struct tpmmux_fe_call - argument of TPMMUX_IOC_FE_SET_CALL
 * @flags: in: must be zero
 * @fd: in: an eventfd the VMM registered with KVM_IRQFD (edge), signalled
 *	each time the TPM's interrupt line goes up; TPMMUX_FE_NO_FD detaches
 */
struct tpmmux_fe_call {
	__u32 flags;
	__u32 fd;
};

/**
 * struct tpmmux_fe_access - argument of TPMMUX_IOC_FE_WRITE and _READ
 * @flags: in: must be zero
 * @offset: in: offset in the region, 0 to TPMMUX_FE_REGION_SIZE - 1
 * @size: in: 1, 2, 4 or 8 bytes, not past the region
 * @pad: in: must be zero
 * @value: in (WRITE): the value the guest wrote, little endian;
 *	out (READ): the value the guest reads
 */
struct tpmmux_fe_access {
	__u32 flags;
	__u32 offset;
	__u32 size;
	__u32 pad;
	__u64 value;
};

/**
 * TPMMUX_IOC_FE_SETUP - give the VM's TPM a CRB or TIS front end
 *
 * While a front end is set up, the node's read() and write() fail with
 * -EBUSY: commands come from the guest.  Errors: -EFAULT, -EOPNOTSUPP
 * (@flags), -EINVAL (@type, @pad, an unaligned @buf_gpa), -EBUSY (a
 * front end of another type is set up, or a command written with write()
 * is in flight), -ENODEV, -ENOMEM.
 */
#define TPMMUX_IOC_FE_SETUP \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x20, struct tpmmux_fe_setup)

/**
 * TPMMUX_IOC_FE_SET_KICK - attach (or detach) a doorbell eventfd
 *
 * Errors: -EFAULT, -EOPNOTSUPP, -EINVAL (slot, offset, size, not an
 * eventfd), -ENXIO (no front end), -ENODEV.
 */
#define TPMMUX_IOC_FE_SET_KICK \
	_IOW(TPMMUX_IOCTL_MAGIC, 0x21, struct tpmmux_fe_kick)

/**
 * TPMMUX_IOC_FE_SET_CALL - attach (or detach) the interrupt eventfd
 *
 * Errors: -EFAULT, -EOPNOTSUPP, -EINVAL, -ENXIO, -ENODEV.
 */
#define TPMMUX_IOC_FE_SET_CALL \
	_IOW(TPMMUX_IOCTL_MAGIC, 0x22, struct tpmmux_fe_call)

/**
 * TPMMUX_IOC_FE_WRITE - a guest register write the VMM forwards
 *
 * For every write that has no kick eventfd.  Errors: -EFAULT,
 * -EOPNOTSUPP, -EINVAL, -ENXIO, -ENODEV.
 */
#define TPMMUX_IOC_FE_WRITE \
	_IOW(TPMMUX_IOCTL_MAGIC, 0x23, struct tpmmux_fe_access)

/**
 * TPMMUX_IOC_FE_READ - a guest register read the VMM forwards
 *
 * Reads have no side effect but on the TIS data FIFO (TPM_DATA_FIFO_x,
 * TPM_XDATA_FIFO_x), which the VMM must forward; every other register it
 * may read from the register pages.  Errors: as TPMMUX_IOC_FE_WRITE.
 */
#define TPMMUX_IOC_FE_READ \
	_IOWR(TPMMUX_IOCTL_MAGIC, 0x24, struct tpmmux_fe_access)

#endif /* _UAPI_LINUX_TPMMUX_H */
