// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - tpmmux: one host TPM 2.0 shared by many KVM virtual machines.
 *
 * Loading the module claims the host's default TPM (it must be a TPM 2.0)
 * and creates the control device /dev/tpmmux.  See Documentation/ for the
 * design and include/uapi/linux/tpmmux.h for the ABI.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "pure.h"
#include "tpmmux.h"

static struct tpmmux_chip tpmmux_host_chip;

static void tpmmux_print_chip(const struct tpmmux_chip_info *info)
{
	char vendor[17], mfr[5];
	int i;

	for (i = 0; i < 4; i++) {
		put_unaligned_be32(info->vendor_string[i], vendor + 4 * i);
		mfr[i] = (info->manufacturer >> (24 - 8 * i)) & 0xff;
	}
	vendor[16] = '\0';
	mfr[4] = '\0';
	pr_info("using tpm%d: TPM 2.0 rev %u.%02u, manufacturer \"%s\", vendor \"%s\", firmware %08x.%08x\n",
		info->tpm_index, info->revision / 100, info->revision % 100,
		mfr, vendor, info->firmware_version_1,
		info->firmware_version_2);
}

static int __init tpmmux_init(void)
{
	struct tpmmux_chip_info info = {};
	int rc;

	rc = tpmmux_chip_claim(&tpmmux_host_chip);
	if (rc)
		return rc;

	rc = tpmmux_chip_read_info(&tpmmux_host_chip, &info);
	if (rc) {
		pr_err("cannot read the identity of tpm%d: %d\n",
		       tpmmux_host_chip.index, rc);
		goto err_release;
	}
	tpmmux_print_chip(&info);
	tpmmux_host_chip.max_command_size = info.max_command_size;
	if (!info.max_command_size ||
	    info.max_command_size > TPMMUX_VTPM_MAX_SIZE)
		tpmmux_host_chip.max_command_size = TPMMUX_VTPM_MAX_SIZE;

	rc = tpmmux_hash_init();
	if (rc)
		goto err_release;
	rc = tpmmux_sched_init(&tpmmux_host_chip);
	if (rc) {
		pr_err("cannot start the dispatcher: %d\n", rc);
		goto err_hash;
	}
	rc = tpmmux_vtpm_init(&tpmmux_host_chip);
	if (rc) {
		pr_err("cannot register the vTPM devices: %d\n", rc);
		goto err_sched;
	}
	rc = tpmmux_ctl_init(&tpmmux_host_chip);
	if (rc) {
		pr_err("cannot create /dev/%s: %d\n", TPMMUX_DEVICE_NAME, rc);
		goto err_vtpm;
	}
	pr_info("version " TPMMUX_VERSION_STR " loaded\n");
	return 0;

err_vtpm:
	tpmmux_vtpm_exit();
err_sched:
	tpmmux_sched_exit();
err_hash:
	tpmmux_hash_exit();
err_release:
	tpmmux_chip_release(&tpmmux_host_chip);
	return rc;
}

static void __exit tpmmux_exit(void)
{
	tpmmux_ctl_exit();
	tpmmux_vtpm_exit();
	tpmmux_sched_exit();
	tpmmux_hash_exit();
	tpmmux_chip_release(&tpmmux_host_chip);
	pr_info("unloaded\n");
}

module_init(tpmmux_init);
module_exit(tpmmux_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The tpmmux developers");
MODULE_DESCRIPTION("One host TPM 2.0 shared by many KVM virtual machines");
MODULE_VERSION(TPMMUX_VERSION_STR);
