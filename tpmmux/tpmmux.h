/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpmmux.h - what the module's files share.
 */
#ifndef _TPMMUX_TPMMUX_H
#define _TPMMUX_TPMMUX_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/tpmmux.h>

#define TPMMUX_VERSION_MAJOR	0
#define TPMMUX_VERSION_MINOR	1
#define TPMMUX_VERSION_PATCH	0
#define TPMMUX_VERSION_STR	"0.1.0"

/* The features this build implements, as reported by TPMMUX_IOC_GET_VERSION. */
#define TPMMUX_FEATURES		(TPMMUX_FEAT_CHIP_INFO)

/* The most vTPMs one host may have at once. */
#define TPMMUX_MAX_VTPMS	4096

struct tpm_chip;

/**
 * struct tpmmux_chip - the host TPM as tpmmux holds it
 * @chip: the kernel's tpm_chip; a reference to @chip->dev is held from
 *	tpmmux_chip_claim() to tpmmux_chip_release(), so the struct stays
 *	valid even after the chip's driver is unbound (its ops become NULL
 *	and tpm_try_get_ops() fails: that is how "gone" is seen)
 * @index: N of the chip's /dev/tpmN, fixed at claim time
 */
struct tpmmux_chip {
	struct tpm_chip *chip;
	int index;
};

int tpmmux_chip_claim(struct tpmmux_chip *hc);
void tpmmux_chip_release(struct tpmmux_chip *hc);
int tpmmux_chip_read_info(struct tpmmux_chip *hc, struct tpmmux_chip_info *info);

int tpmmux_ctl_init(struct tpmmux_chip *hc);
void tpmmux_ctl_exit(void);

#endif /* _TPMMUX_TPMMUX_H */
