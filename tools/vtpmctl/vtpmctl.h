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

/* ioctl that prints nothing (errno tells); and the message for an errno. */
int ioctl_quiet(int fd, unsigned long req, void *arg);
void ctl_perror(const char *what, const char *name);

void format_fourcc(unsigned int v, char out[5]);

int status_main(int argc, char *argv[]);
int create_main(int argc, char *argv[]);
int destroy_main(int argc, char *argv[]);
int list_main(int argc, char *argv[]);
int show_main(int argc, char *argv[]);
int qemu_args_main(int argc, char *argv[]);
int set_main(int argc, char *argv[]);
int stats_main(int argc, char *argv[]);
int top_main(int argc, char *argv[]);
int quote_main(int argc, char *argv[]);
int verify_quote_main(int argc, char *argv[]);
int ak_public_main(int argc, char *argv[]);
int compound_main(int argc, char *argv[]);
int host_auth_main(int argc, char *argv[]);

#include <stdint.h>
uint32_t *vtpm_ids(int fd, uint32_t *count);
int vtpm_info(int fd, uint32_t id, struct tpmmux_vtpm_info *info, char name[TPMMUX_NAME_MAX]);

#endif
