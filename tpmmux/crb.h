/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crb.h - the TPM Command Response Buffer (CRB) interface a guest sees.
 *
 * The register state machine of the CRB interface of the TCG PC Client
 * Platform TPM Profile (PTP) specification, as a guest driver (Linux's
 * tpm_crb, OVMF, SeaBIOS, Windows) drives it: localities 0-4, the
 * Idle/Ready/Execution states, START, CANCEL and the interrupt registers.
 * The KVM front end keeps one struct crb_state per VM:
 *
 *  - guest register reads are served by the VMM from read-only pages that
 *    crb_regs_page() renders (a read has no side effect on a CRB);
 *  - guest register writes reach crb_write(): the START doorbell through a
 *    KVM ioeventfd, the others through an ioctl;
 *  - the command/response buffer is guest RAM; @buf of struct crb_state is
 *    tpmmux's mapping of it.  crb_write() reads the command header there
 *    when START is written, crb_cancelled() writes a response there.
 *
 * What crb_write(), crb_complete() and crb_cancelled() return is a mask of
 * CRB_ACT_* actions for the caller.  See Documentation/crb-tis.rst.
 *
 * Pure logic (see pure.h): no allocation, no sleeping, no locking; the
 * caller serializes every call on one struct crb_state.  Only
 * crb_regs_page() may run concurrently with readers of the page.
 */
#ifndef _TPMMUX_CRB_H
#define _TPMMUX_CRB_H

#include "pure.h"

#define CRB_NR_LOCALITIES	5
/* Each locality has a 4 KiB window; the region is the five of them. */
#define CRB_LOC_STRIDE		0x1000
#define CRB_REGION_SIZE		(CRB_NR_LOCALITIES * CRB_LOC_STRIDE)
/* What crb_regs_page() renders: one locality's window */
#define CRB_PAGE_SIZE		0x1000
/* No locality is active (struct crb_state.active) */
#define CRB_NO_LOCALITY		0xff

/* Register offsets within a locality's window (PTP, CRB interface) */
#define CRB_LOC_STATE		0x00
#define CRB_LOC_CTRL		0x08
#define CRB_LOC_STS		0x0c
#define CRB_INTF_ID		0x30	/* 64 bits */
#define CRB_CTRL_EXT		0x38	/* 64 bits */
#define CRB_CTRL_REQ		0x40
#define CRB_CTRL_STS		0x44
#define CRB_CTRL_CANCEL		0x48
#define CRB_CTRL_START		0x4c
#define CRB_INT_ENABLE		0x50
#define CRB_INT_STS		0x54
#define CRB_CTRL_CMD_SIZE	0x58
#define CRB_CTRL_CMD_LADDR	0x5c
#define CRB_CTRL_CMD_HADDR	0x60
#define CRB_CTRL_RSP_SIZE	0x64
#define CRB_CTRL_RSP_ADDR	0x68	/* 64 bits */
/* End of the registers: 0x70-0xfff read as zero (no data buffer here) */
#define CRB_REGS_END		0x70

/* TPM_LOC_STATE_x */
#define CRB_LOC_STATE_ESTABLISHED	0x01	/* reads 1: no D-RTM ran */
#define CRB_LOC_STATE_LOC_ASSIGNED	0x02
#define CRB_LOC_STATE_ACTIVE_SHIFT	2	/* bits 4:2 */
#define CRB_LOC_STATE_REG_VALID		0x80

/* TPM_LOC_CTRL_x (write only) */
#define CRB_LOC_CTRL_REQUEST_ACCESS	0x01
#define CRB_LOC_CTRL_RELINQUISH		0x02
#define CRB_LOC_CTRL_SEIZE		0x04
#define CRB_LOC_CTRL_RESET_EST		0x08

/* TPM_LOC_STS_x */
#define CRB_LOC_STS_GRANTED		0x01
#define CRB_LOC_STS_BEEN_SEIZED		0x02

/* TPM_CRB_CTRL_REQ_x */
#define CRB_CTRL_REQ_CMD_READY		0x01
#define CRB_CTRL_REQ_GO_IDLE		0x02

/* TPM_CRB_CTRL_STS_x */
#define CRB_CTRL_STS_ERROR		0x01	/* tpmSts: fatal error */
#define CRB_CTRL_STS_IDLE		0x02	/* tpmIdle */

/* TPM_CRB_CTRL_CANCEL_x, TPM_CRB_CTRL_START_x */
#define CRB_CTRL_CANCEL_INVOKE		0x01
#define CRB_CTRL_START_INVOKE		0x01

/* TPM_CRB_INT_ENABLE_x and TPM_CRB_INT_STS_x */
#define CRB_INT_START			0x01	/* START went back to 0 */
#define CRB_INT_CMD_READY		0x02	/* cmdReady was done */
#define CRB_INT_EST_CLEAR		0x04	/* never raised here */
#define CRB_INT_LOC_CHANGE		0x08	/* a locality was granted */
#define CRB_INT_ALL			0x0f
#define CRB_INT_GLOBAL_ENABLE		0x80000000u

/* TPM_INTERFACE_ID_x, low 32 bits (VID and DID are the high 32) */
#define CRB_INTF_TYPE_CRB		0x00000001u	/* 3:0 CRB active */
#define CRB_INTF_VERSION_CRB		0x00000010u	/* 7:4 CRB */
#define CRB_INTF_CAP_LOCALITY		0x00000100u	/* 5 localities */
#define CRB_INTF_CAP_XFER_64		0x00001800u	/* 12:11 */
#define CRB_INTF_CAP_CRB		0x00004000u
#define CRB_INTF_SEL_CRB		0x00020000u	/* 18:17 CRB */

/* The identity crb_init() gives (the vendor ID QEMU's vTPMs show) */
#define CRB_DEFAULT_VID			0x1014
#define CRB_DEFAULT_DID			0x0001
#define CRB_DEFAULT_RID			0x00

/* The smallest buffer: one TPM header (crb_cancelled() writes one) */
#define CRB_BUF_MIN			10

/*
 * Actions, the bits of what crb_write(), crb_complete() and
 * crb_cancelled() return.
 *
 * CRB_ACT_START	a command was started: it is in the buffer, its
 *			length (from its header, 10 to @buf_size) in
 *			struct crb_state.cmd_len, its locality in .cmd_loc.
 *			START reads 1 until crb_complete() or
 *			crb_cancelled(): copy the command, queue it.
 * CRB_ACT_CANCEL	the guest asked to cancel the command in progress:
 *			end it soon, by crb_complete() or crb_cancelled().
 * CRB_ACT_RAISE_IRQ	the interrupt line went up: signal the irqfd.
 * CRB_ACT_LOWER_IRQ	the interrupt line went down.
 * CRB_ACT_REGS		register values changed: render the pages again.
 */
#define CRB_ACT_START			0x01
#define CRB_ACT_CANCEL			0x02
#define CRB_ACT_RAISE_IRQ		0x04
#define CRB_ACT_LOWER_IRQ		0x08
#define CRB_ACT_REGS			0x10

/**
 * struct crb_state - the CRB interface of one VM
 * @buf: tpmmux's mapping of the guest's command/response buffer
 *	(@buf_size bytes at guest physical address @buf_gpa)
 * @buf_gpa: where the guest finds the buffer (CMD_LADDR/HADDR, RSP_ADDR)
 * @buf_size: its size (CMD_SIZE, RSP_SIZE), at least %CRB_BUF_MIN
 * @vid: vendor ID in TPM_INTERFACE_ID (set by crb_init(), may be changed)
 * @did: device ID in TPM_INTERFACE_ID
 * @rid: revision ID in TPM_INTERFACE_ID
 * @active: the active locality, or %CRB_NO_LOCALITY
 * @pending: localities waiting for access (bit n: locality n)
 * @seized: localities whose TPM_LOC_STS_x.beenSeized is set
 * @idle: tpmIdle: the TPM is in the Idle state
 * @error: tpmSts: the last command failed fatally (cleared by the next
 *	cmdReady or goIdle that is carried out)
 * @busy: START reads 1: a command is queued in tpmmux or runs on the chip
 * @go_idle: goIdle was written while @busy: done when the command ends
 * @cancel: TPM_CRB_CTRL_CANCEL_x bit 0, as the guest wrote it
 * @cancel_sent: %CRB_ACT_CANCEL was returned for the command in progress
 * @int_enable: TPM_CRB_INT_ENABLE_x
 * @int_sts: TPM_CRB_INT_STS_x
 * @cmd_len: length of the command in progress (valid while @busy)
 * @cmd_loc: locality of the command in progress (valid while @busy)
 * @rsp_len: length of the last response (0 before the first)
 * @commands: statistics: commands started
 * @errors: statistics: START refused for a bad command size
 * @cancels: statistics: commands ended by crb_cancelled()
 *
 * The fields belong to the state machine: the caller reads them (@cmd_len
 * and @cmd_loc after %CRB_ACT_START) and writes none except @vid, @did
 * and @rid.  The control area (CTRL_*, INT_*) is one, shared by the five
 * localities: it reads the same in every window, and only the active
 * locality may write it.
 */
struct crb_state {
	u8 *buf;
	u64 buf_gpa;
	u32 buf_size;
	u16 vid;
	u16 did;
	u8 rid;
	u8 active;
	u8 pending;
	u8 seized;
	bool idle;
	bool error;
	bool busy;
	bool go_idle;
	bool cancel;
	bool cancel_sent;
	u32 int_enable;
	u32 int_sts;
	u32 cmd_len;
	u8 cmd_loc;
	u32 rsp_len;
	u64 commands;
	u64 errors;
	u64 cancels;
};

int crb_init(struct crb_state *st, u8 *buf, u64 buf_gpa, u32 buf_size);
u64 crb_read(const struct crb_state *st, u32 offset, unsigned int size);
u32 crb_write(struct crb_state *st, u32 offset, unsigned int size, u64 value);
u32 crb_complete(struct crb_state *st, u32 rsp_len);
u32 crb_cancelled(struct crb_state *st);
bool crb_irq_line(const struct crb_state *st);
void crb_regs_page(const struct crb_state *st, unsigned int loc, void *page);
void crb_regs_update(const struct crb_state *st, unsigned int loc, void *page);

#endif /* _TPMMUX_CRB_H */
