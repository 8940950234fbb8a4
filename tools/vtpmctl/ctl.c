// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - talking to /dev/tpmmux.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vtpmctl.h"

#define CTL_PATH "/dev/" TPMMUX_DEVICE_NAME

int ctl_open(void)
{
	int fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		fprintf(stderr, "%s: %s does not exist: is the tpmmux module loaded? (modprobe tpmmux)\n",
			prog, CTL_PATH);
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "%s: cannot open %s: %s (run as root)\n",
			prog, CTL_PATH, strerror(errno));
	else
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, CTL_PATH,
			strerror(errno));
	return -1;
}

int ctl_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) == 0)
		return 0;
	if (errno == ENODEV)
		fprintf(stderr, "%s: %s: the host TPM has gone away\n", prog, what);
	else if (errno == ENOTTY)
		fprintf(stderr, "%s: %s: not supported by this tpmmux module\n",
			prog, what);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	return -1;
}

int ioctl_quiet(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -1 : 0;
}

void ctl_perror(const char *what, const char *name)
{
	const char *why = errno == EPERM ? "permission denied (needs CAP_SYS_ADMIN)" :
			  errno == ENOTTY ? "not supported by this tpmmux module" :
			  errno == ENOSPC ? "too many vTPMs" :
			  errno == EINVAL ? "invalid argument" : strerror(errno);

	if (name)
		fprintf(stderr, "%s: %s '%s': %s\n", prog, what, name, why);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, why);
}

void format_fourcc(unsigned int v, char out[5])
{
	int i, n = 0;

	for (i = 0; i < 4; i++) {
		unsigned char c = (v >> (24 - 8 * i)) & 0xff;

		if (!c)
			break;
		out[n++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	out[n] = '\0';
}
