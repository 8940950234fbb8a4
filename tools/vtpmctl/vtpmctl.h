/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VTPMCTL_H
#define VTPMCTL_H

#include <stdbool.h>
#include <linux/tpmmux.h>

extern const char *prog;

/* Open the control device; on failure print why and return -1. */
int ctl_open(void);
/* ioctl on the control device; on failure print what failed, return -1. */
int ctl_ioctl(int fd, unsigned long req, void *arg, const char *what);

void format_fourcc(unsigned int v, char out[5]);

int status_main(int argc, char *argv[]);

#endif
