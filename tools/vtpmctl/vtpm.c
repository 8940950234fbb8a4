// SPDX-License-Identifier: GPL-2.0
/*
 * vtpm.c - vtpmctl create, destroy, list, show, qemu-args.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtpmctl.h"

static int parse_uuid(const char *s, unsigned char out[16])
{
	int i, n = 0;

	for (i = 0; s[i] && n < 32; i++) {
		if (s[i] == '-' && (n == 8 || n == 12 || n == 16 || n == 20))
			continue;
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		n++;
	}
	if (n != 32 || s[i])
		return -1;
	for (i = 0, n = 0; s[i]; i++) {
		unsigned int v;

		if (s[i] == '-')
			continue;
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' :
			(tolower((unsigned char)s[i]) - 'a' + 10);
		if (n % 2 == 0)
			out[n / 2] = v << 4;
		else
			out[n / 2] |= v;
		n++;
	}
	return 0;
}

static void format_uuid(const void *p, char out[37])
{
	const unsigned char *u = p;

	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int parse_id(const char *s, int is_group, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*end && !errno && v <= UINT32_MAX - 1) {
		*out = v;
		return 0;
	}
	if (is_group) {
		struct group *gr = getgrnam(s);

		if (!gr)
			return -1;
		*out = gr->gr_gid;
	} else {
		struct passwd *pw = getpwnam(s);

		if (!pw)
			return -1;
		*out = pw->pw_uid;
	}
	return 0;
}

static int parse_banks(const char *s, unsigned int *out)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} banks[] = {
		{ "sha1", TPMMUX_PCR_BANK_SHA1 }, { "sha256", TPMMUX_PCR_BANK_SHA256 },
		{ "sha384", TPMMUX_PCR_BANK_SHA384 }, { "sha512", TPMMUX_PCR_BANK_SHA512 },
		{ "sm3_256", TPMMUX_PCR_BANK_SM3_256 },
	};
	char *copy = strdup(s), *tok, *save = NULL;
	unsigned int i, mask = 0;
	int rc = 0;

	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
			if (!strcmp(tok, banks[i].name))
				break;
		if (i == sizeof(banks) / sizeof(banks[0]))
			rc = -1;
		else
			mask |= banks[i].bit;
	}
	free(copy);
	if (rc || !mask)
		return -1;
	*out = mask;
	return 0;
}

static int check_name(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= TPMMUX_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		goto bad;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			goto bad;
	return 0;
bad:
	fprintf(stderr, "%s: invalid vTPM name '%s': use 1-63 of A-Z a-z 0-9 _ . -\n", prog, name);
	return -1;
}

int create_main(int argc, char *argv[])
{
	struct tpmmux_vtpm_create req = { 0 };
	const char *name = NULL;
	unsigned char uuid[16] = { 0 };
	int fd, i, ret = 1;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--uuid") || !strcmp(opt, "--owner") || !strcmp(opt, "--mode") ||
		    !strcmp(opt, "--banks")) {
			const char *val = i + 1 < argc ? argv[++i] : NULL;

			if (!val) {
				fprintf(stderr, "%s: option '%s' needs a value\n", prog, opt);
				return 1;
			}
			if (!strcmp(opt, "--banks")) {
				if (parse_banks(val, &req.pcr_banks)) {
					fprintf(stderr, "%s: invalid banks '%s': use a list of sha1, sha256, sha384, sha512, sm3_256\n",
						prog, val);
					return 1;
				}
				req.flags |= TPMMUX_CREATE_PCR_BANKS;
			} else if (!strcmp(opt, "--uuid")) {
				if (parse_uuid(val, uuid)) {
					fprintf(stderr, "%s: invalid UUID '%s'\n", prog, val);
					return 1;
				}
			} else if (!strcmp(opt, "--owner")) {
				char *copy = strdup(val), *colon = copy ? strchr(copy, ':') : NULL;
				unsigned int uid, gid;
				int bad;

				if (!copy)
					return 1;
				if (colon)
					*colon = '\0';
				bad = parse_id(copy, 0, &uid);
				if (!bad && colon)
					bad = parse_id(colon + 1, 1, &gid);
				else if (!bad) {
					struct passwd *pw = getpwuid(uid);

					gid = pw ? pw->pw_gid : uid;
				}
				free(copy);
				if (bad) {
					fprintf(stderr, "%s: invalid owner '%s': use USER[:GROUP] (names or numbers)\n", prog, val);
					return 1;
				}
				req.uid = uid;
				req.gid = gid;
			} else {
				char *end;
				unsigned long m = strtoul(val, &end, 8);

				if (!*val || *end || m == 0 || m > 0777) {
					fprintf(stderr, "%s: invalid mode '%s': use octal 1-0777\n", prog, val);
					return 1;
				}
				req.mode = m;
			}
		} else if (opt[0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, opt);
			return 1;
		} else if (!name) {
			name = opt;
		} else {
			fprintf(stderr, "%s: unexpected argument '%s'\n", prog, opt);
			return 1;
		}
	}
	if (!name) {
		fprintf(stderr, "Usage: %s create NAME [--uuid UUID] [--owner USER[:GROUP]] [--mode MODE] [--banks LIST]\n", prog);
		return 1;
	}
	if (check_name(name))
		return 1;
	memcpy(req.uuid, uuid, sizeof(uuid));
	req.name = (uintptr_t)name;

	fd = ctl_open();
	if (fd < 0)
		return 1;
	if (ioctl_quiet(fd, TPMMUX_IOC_VTPM_CREATE, &req)) {
		if (errno == EEXIST)
			fprintf(stderr, "%s: a vTPM called '%s' exists already\n", prog, name);
		else if (errno == EOPNOTSUPP && (req.flags & TPMMUX_CREATE_PCR_BANKS))
			fprintf(stderr, "%s: creating the vTPM '%s': the kernel cannot hash one of those PCR banks\n",
				prog, name);
		else
			ctl_perror("creating the vTPM", name);
		goto out;
	}
	printf("/dev/" TPMMUX_VTPM_DIR "/%s\n", name);
	ret = 0;
out:
	close(fd);
	return ret;
}

int destroy_main(int argc, char *argv[])
{
	struct tpmmux_vtpm_destroy req = { 0 };
	int fd, ret = 1;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: %s destroy NAME\n", prog);
		return 1;
	}
	req.name = (uintptr_t)argv[1];
	fd = ctl_open();
	if (fd < 0)
		return 1;
	if (ioctl_quiet(fd, TPMMUX_IOC_VTPM_DESTROY, &req)) {
		if (errno == ENOENT)
			fprintf(stderr, "%s: no vTPM called '%s'\n", prog, argv[1]);
		else
			ctl_perror("destroying the vTPM", argv[1]);
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* All ids; *count is set. Returns malloc'ed array or NULL on error. */
uint32_t *vtpm_ids(int fd, uint32_t *count)
{
	struct tpmmux_vtpm_list req = { 0 };
	uint32_t *ids = NULL;

	for (;;) {
		uint32_t room = req.count;

		free(ids);
		ids = calloc(room ? room : 1, sizeof(*ids));
		if (!ids)
			return NULL;
		req.flags = 0;
		req.ids = (uintptr_t)ids;
		req.count = room;
		if (ioctl_quiet(fd, TPMMUX_IOC_VTPM_LIST, &req)) {
			ctl_perror("listing the vTPMs", NULL);
			free(ids);
			return NULL;
		}
		if (req.count <= room) {
			*count = req.count;
			return ids;
		}
	}
}

int vtpm_info(int fd, uint32_t id, struct tpmmux_vtpm_info *info, char name[TPMMUX_NAME_MAX])
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	info->name = (uintptr_t)name;
	return ioctl_quiet(fd, TPMMUX_IOC_VTPM_INFO, info);
}

/* Find a vTPM by name: 0 and *info filled, 1 not found, -1 error. */
static int find_vtpm(int fd, const char *want, struct tpmmux_vtpm_info *info)
{
	char name[TPMMUX_NAME_MAX];
	uint32_t *ids, count, i;
	int found = 1;

	ids = vtpm_ids(fd, &count);
	if (!ids)
		return -1;
	for (i = 0; i < count; i++) {
		if (vtpm_info(fd, ids[i], info, name))
			continue;	/* destroyed meanwhile */
		if (!strcmp(name, want)) {
			found = 0;
			break;
		}
	}
	free(ids);
	return found;
}

int list_main(int argc, char *argv[])
{
	struct tpmmux_vtpm_info info;
	char name[TPMMUX_NAME_MAX];
	uint32_t *ids, count, i;
	int fd;

	if (argc != 1) {
		fprintf(stderr, "%s: unexpected argument '%s'\nUsage: %s list\n", prog, argv[1], prog);
		return 1;
	}
	fd = ctl_open();
	if (fd < 0)
		return 1;
	ids = vtpm_ids(fd, &count);
	if (!ids) {
		close(fd);
		return 1;
	}
	for (i = 0; i < count; i++)
		if (!vtpm_info(fd, ids[i], &info, name))
			printf("%s\n", name);
	free(ids);
	close(fd);
	return 0;
}

int show_main(int argc, char *argv[])
{
	struct tpmmux_vtpm_info info;
	char uuid[37];
	int fd, rc;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: %s show NAME\n", prog);
		return 1;
	}
	fd = ctl_open();
	if (fd < 0)
		return 1;
	rc = find_vtpm(fd, argv[1], &info);
	close(fd);
	if (rc) {
		if (rc > 0)
			fprintf(stderr, "%s: no vTPM called '%s'\n", prog, argv[1]);
		return 1;
	}
	format_uuid(info.uuid, uuid);
	printf("vtpm: %s\n", argv[1]);
	printf("  id: %u\n", info.id);
	printf("  node: /dev/" TPMMUX_VTPM_DIR "/%s (owner %u:%u, mode %04o)\n",
	       argv[1], info.uid, info.gid, info.mode);
	printf("  uuid: %s\n", uuid);
	printf("  state:%s%s%s%s\n", info.state & TPMMUX_VTPM_OPEN ? " open" : "",
	       info.state & TPMMUX_VTPM_STARTED ? " started" : "",
	       info.state & TPMMUX_VTPM_BUSY ? " busy" : "",
	       info.state ? "" : " idle");
	printf("  commands: %llu\n", (unsigned long long)info.commands);
	printf("  refused: %llu\n", (unsigned long long)info.refused);
	printf("  errors: %llu\n", (unsigned long long)info.errors);
	printf("  objects: %u\n", info.objects);
	printf("  sessions: %u\n", info.sessions);
	printf("  context saves: %llu\n", (unsigned long long)info.context_saves);
	printf("  context loads: %llu\n", (unsigned long long)info.context_loads);
	printf("  flushes: %llu\n", (unsigned long long)info.flushes);
	printf("  weight: %u\n", info.weight);
	printf("  chip commands: %llu\n", (unsigned long long)info.chip_commands);
	printf("  chip busy: %.3f ms\n", info.busy_ns / 1e6);
	printf("  queue wait: p50 <= %.3f ms, p99 <= %.3f ms, max %.3f ms, total %.3f ms\n",
	       info.wait_p50_ns / 1e6, info.wait_p99_ns / 1e6, info.wait_max_ns / 1e6,
	       info.wait_total_ns / 1e6);
	return 0;
}

int qemu_args_main(int argc, char *argv[])
{
	struct tpmmux_vtpm_info info;
	const char *iface = "tpm-crb";
	int fd, rc, i;
	const char *name = NULL;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tis"))
			iface = "tpm-tis";
		else if (argv[i][0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
			return 1;
		} else if (!name)
			name = argv[i];
		else {
			fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[i]);
			return 1;
		}
	}
	if (!name) {
		fprintf(stderr, "Usage: %s qemu-args NAME [--tis]\n", prog);
		return 1;
	}
	fd = ctl_open();
	if (fd < 0)
		return 1;
	rc = find_vtpm(fd, name, &info);
	close(fd);
	if (rc) {
		if (rc > 0)
			fprintf(stderr, "%s: no vTPM called '%s'\n", prog, name);
		return 1;
	}
	printf("-tpmdev passthrough,id=tpmmux0,path=/dev/" TPMMUX_VTPM_DIR "/%s,cancel-path=/sys/class/tpmmux/%s/cancel -device %s,tpmdev=tpmmux0\n",
	       name, name, iface);
	return 0;
}
