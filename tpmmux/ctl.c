// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the control device /dev/tpmmux and its ioctls.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tpmmux.h"

/* The host chip; set once by tpmmux_ctl_init(), read-only afterwards. */
static struct tpmmux_chip *tpmmux_hc;

static long tpmmux_ioc_get_version(void __user *argp)
{
	struct tpmmux_version v;

	if (copy_from_user(&v, argp, sizeof(v)))
		return -EFAULT;
	if (v.flags)
		return -EOPNOTSUPP;
	if (v.pad)
		return -EINVAL;

	v.abi_version = TPMMUX_ABI_VERSION;
	v.features = TPMMUX_FEATURES;
	v.module_version = TPMMUX_VERSION_CODE(TPMMUX_VERSION_MAJOR,
					       TPMMUX_VERSION_MINOR,
					       TPMMUX_VERSION_PATCH);
	v.nr_vtpms = tpmmux_vtpm_count();
	v.max_vtpms = TPMMUX_MAX_VTPMS;

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

static long tpmmux_ioc_get_chip_info(void __user *argp)
{
	struct tpmmux_chip_info info;
	int rc;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	if (info.flags)
		return -EOPNOTSUPP;

	memset(&info, 0, sizeof(info));
	rc = tpmmux_chip_read_info(tpmmux_hc, &info);
	if (rc)
		return rc;

	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

/* Copy a NUL-terminated name of at most TPMMUX_NAME_MAX - 1 characters. */
static int tpmmux_copy_name(char *name, u64 uptr)
{
	long n = strncpy_from_user(name, u64_to_user_ptr(uptr), TPMMUX_NAME_MAX);

	if (n < 0)
		return n;
	if (n == TPMMUX_NAME_MAX)
		return -EINVAL;	/* no NUL within the limit: too long */
	return 0;
}

static long tpmmux_ioc_vtpm_create(void __user *argp)
{
	struct tpmmux_vtpm_create req;
	char name[TPMMUX_NAME_MAX];
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~TPMMUX_CREATE_PCR_BANKS)
		return -EOPNOTSUPP;
	if (!(req.flags & TPMMUX_CREATE_PCR_BANKS) && req.pcr_banks)
		return -EINVAL;
	rc = tpmmux_copy_name(name, req.name);
	if (rc)
		return rc;
	rc = tpmmux_vtpm_create(&req, name);
	if (rc < 0)
		return rc;
	req.id = rc;
	if (copy_to_user(argp, &req, sizeof(req))) {
		/* The caller cannot learn the id: undo. */
		tpmmux_vtpm_destroy(name);
		return -EFAULT;
	}
	return 0;
}

static long tpmmux_ioc_vtpm_destroy(void __user *argp)
{
	struct tpmmux_vtpm_destroy req;
	char name[TPMMUX_NAME_MAX];
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EOPNOTSUPP;
	if (req.pad)
		return -EINVAL;
	rc = tpmmux_copy_name(name, req.name);
	if (rc)
		return rc;
	return tpmmux_vtpm_destroy(name);
}

static long tpmmux_ioc_vtpm_list(void __user *argp)
{
	struct tpmmux_vtpm_list req;
	u32 *ids = NULL, room, count;
	long rc = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EOPNOTSUPP;
	room = min_t(u32, req.count, TPMMUX_MAX_VTPMS);
	if (room) {
		ids = kvcalloc(room, sizeof(*ids), GFP_KERNEL);
		if (!ids)
			return -ENOMEM;
	}
	tpmmux_vtpm_list(ids, room, &count);
	if (room && copy_to_user(u64_to_user_ptr(req.ids), ids,
				 min(room, count) * sizeof(*ids)))
		rc = -EFAULT;
	req.count = count;
	if (!rc && copy_to_user(argp, &req, sizeof(req)))
		rc = -EFAULT;
	kvfree(ids);
	return rc;
}

static long tpmmux_ioc_vtpm_info(void __user *argp)
{
	struct tpmmux_vtpm_info info;
	char name[TPMMUX_NAME_MAX] = {};
	u64 uname;
	u32 id;
	int rc;

	if (copy_from_user(&info, argp, sizeof(info)))
		return -EFAULT;
	if (info.flags)
		return -EOPNOTSUPP;
	id = info.id;
	uname = info.name;
	memset(&info, 0, sizeof(info));
	info.id = id;
	info.name = uname;
	rc = tpmmux_vtpm_info(id, &info, name);
	if (rc)
		return rc;
	if (uname && copy_to_user(u64_to_user_ptr(uname), name, sizeof(name)))
		return -EFAULT;
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static long tpmmux_ioc_vtpm_set(void __user *argp)
{
	struct tpmmux_vtpm_set req;
	char name[TPMMUX_NAME_MAX];
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~TPMMUX_SET_WEIGHT)
		return -EOPNOTSUPP;
	if (!(req.flags & TPMMUX_SET_WEIGHT) && req.weight)
		return -EINVAL;
	rc = tpmmux_copy_name(name, req.name);
	if (rc)
		return rc;
	return tpmmux_vtpm_set(name, &req);
}

/* 5 banks x (4 + 24 PCRs x 64 bytes): more than any VM's values take */
#define TPMMUX_PCRS_MAX		(5 * (4 + 24 * 64))

static long tpmmux_ioc_vtpm_pcrs(void __user *argp)
{
	struct tpmmux_vtpm_pcrs req;
	char name[TPMMUX_NAME_MAX];
	u32 size, counter = 0;
	u8 *buf;
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EOPNOTSUPP;
	if (req.pad)
		return -EINVAL;
	rc = tpmmux_copy_name(name, req.name);
	if (rc)
		return rc;
	size = min_t(u32, req.size, TPMMUX_PCRS_MAX);
	buf = kzalloc(TPMMUX_PCRS_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rc = tpmmux_vtpm_pcrs(name, buf, &size, &counter);
	if (!rc && copy_to_user(u64_to_user_ptr(req.buf), buf, size))
		rc = -EFAULT;
	kfree_sensitive(buf);
	if (rc && rc != -ENOSPC)
		return rc;
	req.size = size;
	req.update_counter = counter;
	if (copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return rc;
}

static long tpmmux_ioc_set_host_auth(void __user *argp)
{
	static const u32 slots[] = {
		[TPMMUX_HIER_OWNER] = HAUTH_OWNER,
		[TPMMUX_HIER_ENDORSEMENT] = HAUTH_ENDORSEMENT,
		[TPMMUX_HIER_LOCKOUT] = HAUTH_LOCKOUT,
	};
	struct tpmmux_host_auth req;
	u8 val[TPMMUX_HOST_AUTH_MAX];
	long rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EOPNOTSUPP;
	if (req.pad || req.size > sizeof(val) || !req.hierarchy ||
	    req.hierarchy >= ARRAY_SIZE(slots))
		return -EINVAL;
	if (copy_from_user(val, u64_to_user_ptr(req.auth), req.size))
		rc = -EFAULT;
	else
		rc = tpmmux_auth_set_host(slots[req.hierarchy], val, req.size);
	memzero_explicit(val, sizeof(val));
	return rc;
}

static long tpmmux_ctl_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case TPMMUX_IOC_GET_VERSION:
		return tpmmux_ioc_get_version(argp);
	case TPMMUX_IOC_GET_CHIP_INFO:
		return tpmmux_ioc_get_chip_info(argp);
	case TPMMUX_IOC_VTPM_CREATE:
		return tpmmux_ioc_vtpm_create(argp);
	case TPMMUX_IOC_VTPM_DESTROY:
		return tpmmux_ioc_vtpm_destroy(argp);
	case TPMMUX_IOC_VTPM_LIST:
		return tpmmux_ioc_vtpm_list(argp);
	case TPMMUX_IOC_VTPM_INFO:
		return tpmmux_ioc_vtpm_info(argp);
	case TPMMUX_IOC_VTPM_SET:
		return tpmmux_ioc_vtpm_set(argp);
	case TPMMUX_IOC_VTPM_PCRS:
		return tpmmux_ioc_vtpm_pcrs(argp);
	case TPMMUX_IOC_SET_HOST_AUTH:
		return tpmmux_ioc_set_host_auth(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tpmmux_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= tpmmux_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice tpmmux_ctl_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= TPMMUX_DEVICE_NAME,
	.fops	= &tpmmux_ctl_fops,
	.mode	= 0600,
};

/**
 * tpmmux_ctl_init() - create the control device /dev/tpmmux
 * @hc: the claimed host chip; it must outlive tpmmux_ctl_exit()
 *
 * Return: 0 or the error of misc_register().
 */
int tpmmux_ctl_init(struct tpmmux_chip *hc)
{
	tpmmux_hc = hc;
	return misc_register(&tpmmux_ctl_dev);
}

/**
 * tpmmux_ctl_exit() - remove the control device
 *
 * After misc_deregister() no new opener can reach the ioctls, and the
 * module cannot be unloaded while an opener holds the file (.owner).
 */
void tpmmux_ctl_exit(void)
{
	misc_deregister(&tpmmux_ctl_dev);
	tpmmux_hc = NULL;
}
