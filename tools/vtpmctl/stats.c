// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - vtpmctl set, stats and top.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vtpmctl.h"

int set_main(int argc, char *argv[])
{
	struct tpmmux_vtpm_set req = { 0 };
	const char *name = NULL;
	int fd, i, ret = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--weight")) {
			char *end;
			unsigned long w;

			if (i + 1 >= argc) {
				fprintf(stderr, "%s: option '--weight' needs a value\n", prog);
				return 1;
			}
			w = strtoul(argv[++i], &end, 10);
			if (!*argv[i] || *end || w < TPMMUX_WEIGHT_MIN || w > TPMMUX_WEIGHT_MAX) {
				fprintf(stderr, "%s: invalid weight '%s': use %d-%d\n", prog,
					argv[i], TPMMUX_WEIGHT_MIN, TPMMUX_WEIGHT_MAX);
				return 1;
			}
			req.flags |= TPMMUX_SET_WEIGHT;
			req.weight = w;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
			return 1;
		} else if (!name) {
			name = argv[i];
		} else {
			fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[i]);
			return 1;
		}
	}
	if (!name || !req.flags) {
		fprintf(stderr, "Usage: %s set NAME --weight N\n", prog);
		return 1;
	}
	req.name = (uintptr_t)name;
	fd = ctl_open();
	if (fd < 0)
		return 1;
	if (ioctl_quiet(fd, TPMMUX_IOC_VTPM_SET, &req)) {
		if (errno == ENOENT)
			fprintf(stderr, "%s: no vTPM called '%s'\n", prog, name);
		else
			ctl_perror("changing the vTPM", name);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static void print_header(void)
{
	printf("%-20s %6s %10s %8s %7s %12s %10s %10s %10s %9s\n", "NAME", "WEIGHT",
	       "COMMANDS", "REFUSED", "ERRORS", "CHIP_BUSY_MS", "WAIT_P50_MS",
	       "WAIT_P99_MS", "WAIT_MAX_MS", "CTX_SWAPS");
}

static void print_row(const char *name, const struct tpmmux_vtpm_info *in)
{
	printf("%-20s %6u %10llu %8llu %7llu %12.1f %10.2f %10.2f %10.2f %9llu\n", name,
	       in->weight, (unsigned long long)in->commands,
	       (unsigned long long)in->refused, (unsigned long long)in->errors,
	       in->busy_ns / 1e6, in->wait_p50_ns / 1e6, in->wait_p99_ns / 1e6,
	       in->wait_max_ns / 1e6,
	       (unsigned long long)(in->context_saves + in->context_loads + in->flushes));
}

/* Print one table of all vTPMs (or only @only). Returns 0, 1 not found, -1 error. */
static int print_table(int fd, const char *only)
{
	struct tpmmux_vtpm_info info;
	char name[TPMMUX_NAME_MAX];
	uint32_t *ids, count, i;
	int found = 0;

	ids = vtpm_ids(fd, &count);
	if (!ids)
		return -1;
	print_header();
	for (i = 0; i < count; i++) {
		if (vtpm_info(fd, ids[i], &info, name))
			continue;
		if (only && strcmp(only, name))
			continue;
		print_row(name, &info);
		found = 1;
	}
	free(ids);
	return only && !found ? 1 : 0;
}

int stats_main(int argc, char *argv[])
{
	const char *only = NULL;
	int fd, rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "Usage: %s stats [NAME]\n", prog);
		return 1;
	}
	if (argc == 2)
		only = argv[1];
	fd = ctl_open();
	if (fd < 0)
		return 1;
	rc = print_table(fd, only);
	close(fd);
	if (rc > 0)
		fprintf(stderr, "%s: no vTPM called '%s'\n", prog, only);
	return rc ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int top_main(int argc, char *argv[])
{
	unsigned long iterations = 0, n;
	double interval = 1.0;
	int fd, i;

	for (i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			interval = strtod(argv[++i], &end);
			if (*end || interval < 0.1 || interval > 3600) {
				fprintf(stderr, "%s: invalid interval '%s': use 0.1-3600 seconds\n",
					prog, argv[i]);
				return 1;
			}
		} else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) {
			iterations = strtoul(argv[++i], &end, 10);
			if (*end || !iterations) {
				fprintf(stderr, "%s: invalid iterations '%s'\n", prog, argv[i]);
				return 1;
			}
		} else {
			fprintf(stderr, "%s: unexpected argument '%s'\nUsage: %s top [--interval S] [--iterations N]\n",
				prog, argv[i], prog);
			return 1;
		}
	}
	fd = ctl_open();
	if (fd < 0)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (n = 0; !stop && (!iterations || n < iterations); n++) {
		struct timespec ts = { (time_t)interval,
				       (long)((interval - (time_t)interval) * 1e9) };

		if (isatty(STDOUT_FILENO))
			printf("\033[H\033[2J");
		printf("tpmmux top (every %.1f s, Ctrl-C to quit)\n", interval);
		if (print_table(fd, NULL) < 0)
			break;
		fflush(stdout);
		if (!iterations || n + 1 < iterations)
			nanosleep(&ts, NULL);
	}
	close(fd);
	return 0;
}
