/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tis.h - the TPM FIFO (TIS) interface a guest sees.
 *
 * The register state machine of the FIFO interface of the TCG PC Client
 * Platform TPM Profile (PTP) specification (the TIS 1.3 interface for
 * TPM 2.0), for guests whose only TPM driver is a TIS driver: localities
 * 0-4 at 4 KiB strides, TPM_ACCESS_x, the interrupt registers, TPM_STS_x
 * and the data FIFO through which the command goes in and the response
 * comes out, byte by byte.  The KVM front end keeps one struct tis_state
 * per VM:
 *
 *  - guest register reads are served by the VMM from read-only pages that
 *    tis_regs_page() renders, except reads of the data FIFO
 *    (TPM_DATA_FIFO_x, TPM_XDATA_FIFO_x), which take a byte of the
 *    response each: those reach tis_read();
 *  - guest register writes reach tis_write(): tpmGo and commandReady
 *    through KVM ioeventfds with a datamatch, the others through an ioctl.
 *
 * The command and the response live in @buf of struct tis_state, at most
 * %TIS_BUF_SIZE bytes; every access is checked against that bound.  What
 * tis_write(), tis_complete() and tis_cancelled() return is a mask of
 * TIS_ACT_* actions for the caller.  See Documentation/crb-tis.rst.
 *
 * Pure logic (see pure.h): no allocation, no sleeping, no locking; the
 * caller serializes every call on one struct tis_state.  Only
 * tis_regs_page() may run concurrently with readers of the page.
 */
#ifndef _TPMMUX_TIS_H
#define _TPMMUX_TIS_H

#include "pure.h"

#define TIS_NR_LOCALITIES	5
#define TIS_LOC_STRIDE		0x1000
#define TIS_REGION_SIZE		(TIS_NR_LOCALITIES * TIS_LOC_STRIDE)
/* What tis_regs_page() renders: one locality's window */
#define TIS_PAGE_SIZE		0x1000
/* No locality is active (struct tis_state.active) */
#define TIS_NO_LOCALITY		0xff
/* The largest command and the largest response */
#define TIS_BUF_SIZE		4096

/* Register offsets within a locality's window (PTP, FIFO interface) */
#define TIS_ACCESS		0x00	/* 8 bits */
#define TIS_INT_ENABLE		0x08
#define TIS_INT_VECTOR		0x0c	/* 8 bits */
#define TIS_INT_STATUS		0x10
#define TIS_INTF_CAPABILITY	0x14
#define TIS_STS			0x18
#define TIS_DATA_FIFO		0x24	/* 4 bytes, each the FIFO */
#define TIS_INTERFACE_ID	0x30
#define TIS_XDATA_FIFO		0x80	/* 0x80-0xbf, each byte the FIFO */
#define TIS_XDATA_FIFO_END	0xc0
#define TIS_DID_VID		0xf00
#define TIS_RID			0xf04	/* 8 bits */

/* TPM_ACCESS_x */
#define TIS_ACCESS_ESTABLISHMENT	0x01	/* reads 1: no D-RTM ran */
#define TIS_ACCESS_REQUEST_USE		0x02
#define TIS_ACCESS_PENDING_REQUEST	0x04
#define TIS_ACCESS_SEIZE		0x08	/* write only */
#define TIS_ACCESS_BEEN_SEIZED		0x10
#define TIS_ACCESS_ACTIVE_LOCALITY	0x20
#define TIS_ACCESS_REG_VALID		0x80

/* TPM_INT_ENABLE_x, TPM_INT_STATUS_x and TPM_INTF_CAPABILITY_x */
#define TIS_INT_DATA_AVAIL		0x01
#define TIS_INT_STS_VALID		0x02
#define TIS_INT_LOC_CHANGE		0x04
#define TIS_INT_CMD_READY		0x80
#define TIS_INT_ALL			0x87
#define TIS_INT_POLARITY_MASK		0x18	/* TPM_INT_ENABLE_x 4:3 */
#define TIS_INT_POLARITY_LOW_LEVEL	0x08
#define TIS_INT_GLOBAL_ENABLE		0x80000000u

/* TPM_INTF_CAPABILITY_x, beyond the TIS_INT_* support bits */
#define TIS_CAP_INT_LEVEL_LOW		0x00000010u
#define TIS_CAP_XFER_64			0x00000600u	/* 10:9 */
#define TIS_CAP_VERSION_TPM2		0x30000000u	/* 30:28: 1.3 for 2.0 */

/* TPM_STS_x */
#define TIS_STS_RESPONSE_RETRY		0x00000002u	/* write only */
#define TIS_STS_EXPECT			0x00000008u
#define TIS_STS_DATA_AVAIL		0x00000010u
#define TIS_STS_GO			0x00000020u	/* write only */
#define TIS_STS_COMMAND_READY		0x00000040u
#define TIS_STS_VALID			0x00000080u
#define TIS_STS_BURST_SHIFT		8		/* 23:8 */
#define TIS_STS_COMMAND_CANCEL		0x01000000u	/* write only */
#define TIS_STS_RESET_EST		0x02000000u	/* write only */
#define TIS_STS_FAMILY_TPM2		0x04000000u	/* 27:26 = 01 */

/* TPM_INTERFACE_ID_x */
#define TIS_INTF_ID_FIFO		0x00000000u	/* type 0, version 0 */
#define TIS_INTF_ID_CAP_LOCALITY	0x00000100u
#define TIS_INTF_ID_CAP_FIFO		0x00002000u

/* The identity tis_init() gives (the IDs QEMU's vTPMs show) */
#define TIS_DEFAULT_VID			0x1014
#define TIS_DEFAULT_DID			0x0001
#define TIS_DEFAULT_RID			0x01

/* The states of the FIFO interface (struct tis_state.state) */
#define TIS_IDLE		0
#define TIS_READY		1	/* commandReady: the FIFO takes a command */
#define TIS_RECEPTION		2	/* command bytes are coming in */
#define TIS_EXECUTION		3	/* the command is tpmmux's */
#define TIS_COMPLETION		4	/* the response goes out */

/*
 * Actions, the bits of what tis_write(), tis_read(), tis_complete() and
 * tis_cancelled() return (tis_read() through its @act argument).
 *
 * TIS_ACT_START	tpmGo with a complete command: it is in
 *			struct tis_state.buf, .cmd_len bytes (10 to
 *			%TIS_BUF_SIZE), locality .cmd_loc.  The guest sees
 *			it in progress until tis_complete() or
 *			tis_cancelled(): copy it, queue it.
 * TIS_ACT_CANCEL	the guest asked to cancel or abort the command in
 *			progress: end it soon (tis_complete() or
 *			tis_cancelled()).
 * TIS_ACT_RAISE_IRQ	the interrupt line went up: signal the irqfd.
 * TIS_ACT_LOWER_IRQ	the interrupt line went down.
 * TIS_ACT_REGS		register values changed: render the pages again.
 * TIS_ACT_STS_ONLY	with TIS_ACT_REGS: only TPM_STS_x of the active
 *			locality changed (a FIFO byte, most often), so
 *			rendering the active locality's page is enough.
 */
#define TIS_ACT_START			0x01
#define TIS_ACT_CANCEL			0x02
#define TIS_ACT_RAISE_IRQ		0x04
#define TIS_ACT_LOWER_IRQ		0x08
#define TIS_ACT_REGS			0x10
#define TIS_ACT_STS_ONLY		0x20

/**
 * struct tis_state - the FIFO interface of one VM
 * @vid: vendor ID in TPM_DID_VID_x (set by tis_init(), may be changed)
 * @did: device ID in TPM_DID_VID_x
 * @rid: revision ID, TPM_RID_x
 * @active: the active locality, or %TIS_NO_LOCALITY
 * @pending: localities that asked for use (TPM_ACCESS_x.requestUse)
 * @seized: localities whose TPM_ACCESS_x.beenSeized is set
 * @state: TIS_IDLE, TIS_READY, TIS_RECEPTION, TIS_EXECUTION or
 *	TIS_COMPLETION
 * @aborted: in TIS_EXECUTION: the guest gave the command up; when it ends,
 *	its response is dropped and the interface goes to @abort_to
 * @abort_to: TIS_READY (commandReady aborted the command) or TIS_IDLE (its
 *	locality let go, or was seized)
 * @cancel_sent: %TIS_ACT_CANCEL was returned for the command in progress
 * @int_vector: TPM_INT_VECTOR_x (0 at init; the caller may set it)
 * @int_enable: TPM_INT_ENABLE_x
 * @int_status: TPM_INT_STATUS_x
 * @w_off: command bytes received (TIS_RECEPTION)
 * @cmd_len: length of the command in progress (from %TIS_ACT_START on)
 * @cmd_loc: its locality
 * @rsp_len: length of the response (TIS_COMPLETION)
 * @r_off: response bytes read (TIS_COMPLETION)
 * @commands: statistics: commands started
 * @errors: statistics: commands answered TPM_RC_COMMAND_SIZE at tpmGo
 * @cancels: statistics: commands ended by tis_cancelled()
 * @buf: the command, then the response
 *
 * The fields belong to the state machine: the caller reads them (@buf,
 * @cmd_len and @cmd_loc after %TIS_ACT_START) and writes none except
 * @vid, @did, @rid and @int_vector.  The command state and the interrupt
 * registers are one, shared by the five localities: the command belongs
 * to the active locality, and only it may write them.
 */
struct tis_state {
	u16 vid;
	u16 did;
	u8 rid;
	u8 active;
	u8 pending;
	u8 seized;
	u8 state;
	bool aborted;
	u8 abort_to;
	bool cancel_sent;
	u8 int_vector;
	u32 int_enable;
	u32 int_status;
	u32 w_off;
	u32 cmd_len;
	u8 cmd_loc;
	u32 rsp_len;
	u32 r_off;
	u64 commands;
	u64 errors;
	u64 cancels;
	u8 buf[TIS_BUF_SIZE];
};

void tis_init(struct tis_state *st);
u64 tis_read(struct tis_state *st, u32 offset, unsigned int size, u32 *act);
u32 tis_write(struct tis_state *st, u32 offset, unsigned int size, u64 value);
u32 tis_complete(struct tis_state *st, const u8 *rsp, u32 len);
u32 tis_cancelled(struct tis_state *st);
bool tis_irq_line(const struct tis_state *st);
bool tis_is_fifo(u32 offset, unsigned int size);
void tis_regs_page(const struct tis_state *st, unsigned int loc, void *page);
void tis_regs_update(const struct tis_state *st, unsigned int loc, void *page);

#endif /* _TPMMUX_TIS_H */
