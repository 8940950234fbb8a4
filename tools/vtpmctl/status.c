// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - vtpmctl status: the module, its features and the host chip.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vtpmctl.h"

static const char *const feature_names[] = {
	"chip-info",
	"vtpm",
	"sched",
	"vpcr",
	"kvm-frontend",
};

static void print_features(unsigned long long features)
{
	const char *sep = "";
	unsigned int i;

	printf("  features: ");
	for (i = 0; i < 64; i++) {
		if (!(features & (1ULL << i)))
			continue;
		if (i < sizeof(feature_names) / sizeof(feature_names[0]))
			printf("%s%s", sep, feature_names[i]);
		else
			printf("%sbit%u", sep, i);
		sep = " ";
	}
	printf("%s\n", *sep ? "" : "none");
}

static void print_chip(const struct tpmmux_chip_info *ci)
{
	char family[5], mfr[5], vendor[17];
	int i;

	format_fourcc(ci->family, family);
	format_fourcc(ci->manufacturer, mfr);
	vendor[0] = '\0';
	for (i = 0; i < 4; i++) {
		char part[5];

		format_fourcc(ci->vendor_string[i], part);
		strcat(vendor, part);
	}

	printf("chip: /dev/tpm%u\n", ci->tpm_index);
	printf("  family: %s (0x%08x)\n", family, ci->family);
	printf("  specification: level %u, revision %u.%02u, day %u of %u\n",
	       ci->level, ci->revision / 100, ci->revision % 100,
	       ci->day_of_year, ci->year);
	printf("  manufacturer: %s (0x%08x)\n", mfr, ci->manufacturer);
	printf("  vendor: %s (0x%08x 0x%08x 0x%08x 0x%08x)\n", vendor,
	       ci->vendor_string[0], ci->vendor_string[1],
	       ci->vendor_string[2], ci->vendor_string[3]);
	printf("  vendor tpm type: 0x%08x\n", ci->vendor_tpm_type);
	printf("  firmware: 0x%08x 0x%08x\n", ci->firmware_version_1,
	       ci->firmware_version_2);
	printf("  max command size: %u\n", ci->max_command_size);
	printf("  max response size: %u\n", ci->max_response_size);
}

int status_main(int argc, char *argv[])
{
	struct tpmmux_version v = { 0 };
	struct tpmmux_chip_info ci = { 0 };
	int fd, ret = 1;

	if (argc != 1) {
		fprintf(stderr, "%s: unexpected argument '%s'\nUsage: %s %s\n",
			prog, argv[1], prog, argv[0]);
		return 1;
	}
	fd = ctl_open();
	if (fd < 0)
		return 1;
	if (ctl_ioctl(fd, TPMMUX_IOC_GET_VERSION, &v, "reading the module version"))
		goto out;

	printf("tpmmux %u.%u.%u (ABI %u)\n", v.module_version >> 16,
	       (v.module_version >> 8) & 0xff, v.module_version & 0xff,
	       v.abi_version);
	print_features(v.features);
	printf("  vtpms: %u (at most %u)\n", v.nr_vtpms, v.max_vtpms);

	if (!(v.features & TPMMUX_FEAT_CHIP_INFO)) {
		fprintf(stderr, "%s: this tpmmux module cannot report the chip\n", prog);
		goto out;
	}
	if (ctl_ioctl(fd, TPMMUX_IOC_GET_CHIP_INFO, &ci, "reading the host TPM's identity"))
		goto out;
	print_chip(&ci);
	ret = 0;
out:
	close(fd);
	return ret;
}
