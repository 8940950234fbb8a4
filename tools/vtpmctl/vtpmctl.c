// SPDX-License-Identifier: GPL-2.0
/*
 * vtpmctl - manage tpmmux, the multiplexer of the host TPM among KVM VMs.
 */
#include <stdio.h>
#include <string.h>

#include "vtpmctl.h"

const char *prog;

static int help_main(int argc, char *argv[]);

static const struct {
	const char *subcommand;
	int (*function)(int argc, char *argv[]);
	const char *usage;
	const char *description;
} subcommands[] = {
	{ "status", status_main, "",
	  "Shows the module's version and features, the host TPM and the number of vTPMs" },
	{ "create", create_main, "NAME [--uuid UUID] [--owner USER[:GROUP]] [--mode MODE] [--banks LIST]",
	  "Creates a vTPM and its node /dev/tpmmux-vm/NAME" },
	{ "destroy", destroy_main, "NAME",
	  "Destroys a vTPM, flushing and zeroing everything it had" },
	{ "list", list_main, "",
	  "Lists the vTPMs by name" },
	{ "show", show_main, "NAME",
	  "Shows a vTPM's node, UUID, state and statistics" },
	{ "qemu-args", qemu_args_main, "NAME [--tis]",
	  "Prints the QEMU arguments that give a VM this vTPM" },
	{ "set", set_main, "NAME --weight N",
	  "Changes a vTPM's scheduling weight (1-1000, default 100)" },
	{ "stats", stats_main, "[NAME]",
	  "Shows per-vTPM statistics: commands, chip busy time, queue waits, context swaps" },
	{ "top", top_main, "[--interval S] [--iterations N]",
	  "Shows the statistics of all vTPMs, refreshed live" },
	{ "quote", quote_main, "NAME --nonce HEX [--host-pcrs LIST] -o FILE",
	  "Has the host TPM quote the host's PCRs bound to the VM's virtual PCRs (deep quote)" },
	{ "verify-quote", verify_quote_main, "FILE --nonce HEX --ak AK.pem",
	  "Checks a deep quote: signature, nonce, VM PCRs and UUID, host PCRs" },
	{ "ak-public", ak_public_main, "-o FILE",
	  "Writes the public part of the host's attestation key (PEM)" },
	{ "compound", compound_main, "--pcr N",
	  "Extends host PCR N with the digest of every VM's PCR digest and prints its log" },
	{ "host-auth", host_auth_main, "--owner|--endorsement|--lockout [--file FILE]",
	  "Gives tpmmux the host TPM's real authorization of a hierarchy, read from FILE or stdin" },
	{ "help", help_main, "[<subcommand>]",
	  "Shows the usage of vtpmctl or of one subcommand" },
};

#define NR_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void show_usage(FILE *file)
{
	unsigned int i;

	fprintf(file, "Usage: %s <cmd> [<args>]\n\n", prog);
	fprintf(file, "Available subcommands:\n");
	for (i = 0; i < NR_SUBCOMMANDS; i++)
		fprintf(file, "  %s: %s\n", subcommands[i].subcommand,
			subcommands[i].description);
	fprintf(file, "You may pass `--help' to any of these subcommands to view usage.\n");
}

static int find_subcommand(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_SUBCOMMANDS; i++)
		if (!strcmp(name, subcommands[i].subcommand))
			return i;
	return -1;
}

static void show_subcommand_usage(FILE *file, int i)
{
	fprintf(file, "Usage: %s %s%s%s\n%s\n", prog, subcommands[i].subcommand,
		*subcommands[i].usage ? " " : "", subcommands[i].usage,
		subcommands[i].description);
}

static int help_main(int argc, char *argv[])
{
	int i;

	if (argc == 1) {
		show_usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[2]);
		return 1;
	}
	i = find_subcommand(argv[1]);
	if (i < 0) {
		fprintf(stderr, "%s: invalid subcommand '%s'\n", prog, argv[1]);
		show_usage(stderr);
		return 1;
	}
	show_subcommand_usage(stdout, i);
	return 0;
}

int main(int argc, char *argv[])
{
	int i;

	prog = argv[0];
	if (argc < 2) {
		show_usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		show_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vtpmctl for tpmmux ABI %u\n", TPMMUX_ABI_VERSION);
		return 0;
	}
	i = find_subcommand(argv[1]);
	if (i < 0) {
		fprintf(stderr, "%s: invalid subcommand '%s'\n", prog, argv[1]);
		show_usage(stderr);
		return 1;
	}
	if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		show_subcommand_usage(stdout, i);
		return 0;
	}
	return subcommands[i].function(argc - 1, argv + 1) ? 1 : 0;
}
