// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the control device /dev/tpmmux and its ioctls.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
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
	v.nr_vtpms = 0;
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

static long tpmmux_ctl_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case TPMMUX_IOC_GET_VERSION:
		return tpmmux_ioc_get_version(argp);
	case TPMMUX_IOC_GET_CHIP_INFO:
		return tpmmux_ioc_get_chip_info(argp);
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
