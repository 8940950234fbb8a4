// SPDX-License-Identifier: GPL-2.0
/*
 * hostauth.c - vtpmctl host-auth: give tpmmux the host TPM's real
 * hierarchy authorization.  The secret is read from a file or stdin,
 * never from the command line (which every user can read in /proc).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vtpmctl.h"

int host_auth_main(int argc, char *argv[])
{
	struct tpmmux_host_auth req = { 0 };
	unsigned char val[TPMMUX_HOST_AUTH_MAX + 2];
	const char *file = NULL;
	size_t len = 0;
	ssize_t n;
	int i, fd, ret = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--owner")) {
			req.hierarchy = TPMMUX_HIER_OWNER;
		} else if (!strcmp(argv[i], "--endorsement")) {
			req.hierarchy = TPMMUX_HIER_ENDORSEMENT;
		} else if (!strcmp(argv[i], "--lockout")) {
			req.hierarchy = TPMMUX_HIER_LOCKOUT;
		} else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			file = argv[++i];
		} else {
			fprintf(stderr, "%s: host-auth: unexpected argument '%s'\n",
				prog, argv[i]);
			return 1;
		}
	}
	if (!req.hierarchy) {
		fprintf(stderr, "%s: host-auth: give --owner, --endorsement or --lockout\n",
			prog);
		return 1;
	}
	fd = file && strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "%s: host-auth: cannot open '%s': %s\n", prog,
			file, strerror(errno));
		return 1;
	}
	while (len < sizeof(val)) {
		n = read(fd, val + len, sizeof(val) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: host-auth: read: %s\n", prog,
				strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	/* One line: a trailing newline is not part of the value. */
	if (len && val[len - 1] == '\n')
		len--;
	if (len && val[len - 1] == '\r')
		len--;
	if (len > TPMMUX_HOST_AUTH_MAX) {
		fprintf(stderr, "%s: host-auth: the value is longer than %d bytes\n",
			prog, TPMMUX_HOST_AUTH_MAX);
		goto out;
	}
	req.size = len;
	req.auth = (uintptr_t)val;
	fd = fd ? (close(fd), ctl_open()) : ctl_open();
	if (fd < 0)
		goto out;
	if (ioctl_quiet(fd, TPMMUX_IOC_SET_HOST_AUTH, &req))
		ctl_perror("host-auth", NULL);
	else
		ret = 0;
	close(fd);
out:
	memset(val, 0, sizeof(val));
	return ret;
}
