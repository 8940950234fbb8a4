// SPDX-License-Identifier: GPL-2.0
/*
 * crb.c - the TPM CRB interface as a register state machine.
 *
 * The states of the PTP specification's CRB interface, and how a guest
 * moves between them:
 *
 *   Idle      --cmdReady-->  Ready     (tpmIdle 1 -> 0)
 *   Ready     --goIdle---->  Idle
 *   Ready     --START----->  Execution (START reads 1; CRB_ACT_START)
 *   Execution --done------>  Ready     (START reads 0: crb_complete() or
 *                                       crb_cancelled(); the response is
 *                                       in the buffer)
 *
 * "Execution" covers the whole time the command is tpmmux's: waiting in
 * its queue, then running on the chip.  The guest sees START = 1 ("in
 * progress") all along, which is what a real TPM shows while it works.
 *
 * The guest changes the state only through register writes, each of which
 * is checked here against the state; everything a write does not make
 * sense for is dropped, as a TPM drops it:
 *  - writes at a locality that is not the active one (but TPM_LOC_CTRL_x,
 *    which is how a locality asks for access), and every write at
 *    locality 4, which only the CPU's D-RTM cycles reach;
 *  - cmdReady while a command is in progress (goIdle then waits for the
 *    command to end: the bit reads 1 until then, as the driver expects);
 *  - START while Idle, while a command is in progress, or after a fatal
 *    error until cmdReady or goIdle;
 *  - reserved bits, writes of 0 to START, writes to read-only registers.
 * A START whose command header declares fewer than 10 bytes or more than
 * the buffer holds starts nothing: tpmSts (the error bit) is set and START
 * reads 0 at once.
 */

#include "crb.h"

/* The response crb_cancelled() writes: TPM_ST_NO_SESSIONS, TPM_RC_CANCELED */
#define CRB_TPM_HEADER_SIZE	10
#define CRB_TPM_ST_NO_SESSIONS	0x8001
#define CRB_TPM_RC_CANCELED	0x0909

/**
 * crb_irq_line() - the level of the CRB interrupt
 * @st: the interface
 *
 * Return: true when an enabled interrupt status bit is set and the global
 * enable is on.  The caller asserts the guest's interrupt (KVM irqfd) on
 * %CRB_ACT_RAISE_IRQ and, with a level-triggered irqfd, asserts it again
 * on each resample while this is still true.
 */
bool crb_irq_line(const struct crb_state *st)
{
	return (st->int_enable & CRB_INT_GLOBAL_ENABLE) &&
	       (st->int_enable & st->int_sts & CRB_INT_ALL);
}

/* The actions for an interrupt line that was @before and is now */
static u32 crb_irq_actions(const struct crb_state *st, bool before)
{
	bool now = crb_irq_line(st);

	if (now && !before)
		return CRB_ACT_RAISE_IRQ;
	if (!now && before)
		return CRB_ACT_LOWER_IRQ;
	return 0;
}

/**
 * crb_init() - the CRB interface of a VM, as after a reset
 * @st: the interface to initialize
 * @buf: tpmmux's mapping of the command/response buffer (guest RAM)
 * @buf_gpa: the buffer's guest physical address
 * @buf_size: its size in bytes, at least %CRB_BUF_MIN
 *
 * No locality is active, the TPM is Idle, interrupts are off.  The
 * identity in TPM_INTERFACE_ID_x is %CRB_DEFAULT_VID, %CRB_DEFAULT_DID and
 * %CRB_DEFAULT_RID; the caller may change @st->vid, @st->did and @st->rid
 * before rendering the pages.  A command in progress is forgotten: the
 * caller must not complete it afterwards.
 *
 * Return: 0, or -EINVAL when @buf is NULL, @buf_size is below
 * %CRB_BUF_MIN or the buffer would wrap around the address space.
 */
int crb_init(struct crb_state *st, u8 *buf, u64 buf_gpa, u32 buf_size)
{
	if (!buf || buf_size < CRB_BUF_MIN || buf_gpa + buf_size < buf_gpa)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->buf = buf;
	st->buf_gpa = buf_gpa;
	st->buf_size = buf_size;
	st->vid = CRB_DEFAULT_VID;
	st->did = CRB_DEFAULT_DID;
	st->rid = CRB_DEFAULT_RID;
	st->active = CRB_NO_LOCALITY;
	st->idle = true;
	return 0;
}

/* The value of the 32-bit register at @off (aligned) in window @loc */
static u32 crb_reg(const struct crb_state *st, unsigned int loc, u32 off)
{
	u32 v;

	switch (off) {
	case CRB_LOC_STATE:
		v = CRB_LOC_STATE_ESTABLISHED | CRB_LOC_STATE_REG_VALID;
		if (st->active != CRB_NO_LOCALITY)
			v |= CRB_LOC_STATE_LOC_ASSIGNED |
			     (u32)st->active << CRB_LOC_STATE_ACTIVE_SHIFT;
		return v;
	case CRB_LOC_STS:
		v = 0;
		if (st->active == loc)
			v |= CRB_LOC_STS_GRANTED;
		if (st->seized & (1u << loc))
			v |= CRB_LOC_STS_BEEN_SEIZED;
		return v;
	case CRB_INTF_ID:
		return CRB_INTF_TYPE_CRB | CRB_INTF_VERSION_CRB |
		       CRB_INTF_CAP_LOCALITY | CRB_INTF_CAP_XFER_64 |
		       CRB_INTF_CAP_CRB | CRB_INTF_SEL_CRB |
		       (u32)st->rid << 24;
	case CRB_INTF_ID + 4:
		return st->vid | (u32)st->did << 16;
	case CRB_CTRL_REQ:
		return st->go_idle ? CRB_CTRL_REQ_GO_IDLE : 0;
	case CRB_CTRL_STS:
		return (st->error ? CRB_CTRL_STS_ERROR : 0) |
		       (st->idle ? CRB_CTRL_STS_IDLE : 0);
	case CRB_CTRL_CANCEL:
		return st->cancel ? CRB_CTRL_CANCEL_INVOKE : 0;
	case CRB_CTRL_START:
		return st->busy ? CRB_CTRL_START_INVOKE : 0;
	case CRB_INT_ENABLE:
		return st->int_enable;
	case CRB_INT_STS:
		return st->int_sts;
	case CRB_CTRL_CMD_SIZE:
	case CRB_CTRL_RSP_SIZE:
		return st->buf_size;
	case CRB_CTRL_CMD_LADDR:
	case CRB_CTRL_RSP_ADDR:
		return (u32)st->buf_gpa;
	case CRB_CTRL_CMD_HADDR:
	case CRB_CTRL_RSP_ADDR + 4:
		return (u32)(st->buf_gpa >> 32);
	}
	/* TPM_LOC_CTRL_x is write-only; CTRL_EXT and the rest read 0 */
	return 0;
}

/**
 * crb_read() - what a guest read of the CRB region returns
 * @st: the interface
 * @offset: offset in the region: locality * %CRB_LOC_STRIDE + register
 * @size: bytes read, 1 to 8, at any alignment
 *
 * Reads have no side effect: this is what crb_regs_page() renders, and the
 * VMM normally serves reads from the rendered pages.  Bytes past
 * %CRB_REGION_SIZE read 0xff.
 *
 * Return: the bytes read, little endian (the first byte in bits 7:0);
 * all ones for a @size out of range.
 */
u64 crb_read(const struct crb_state *st, u32 offset, unsigned int size)
{
	u64 a, v = 0;
	unsigned int i;
	u32 b;

	if (size < 1 || size > 8)
		return ~0ULL;
	for (i = 0; i < size; i++) {
		a = (u64)offset + i;
		if (a >= CRB_REGION_SIZE)
			b = 0xff;
		else
			b = crb_reg(st, a / CRB_LOC_STRIDE,
				    (a % CRB_LOC_STRIDE) & ~3u) >> (8 * (a & 3));
		v |= (u64)(b & 0xff) << (8 * i);
	}
	return v;
}

/* A guest's locality @loc gets the TPM. */
static void crb_grant(struct crb_state *st, unsigned int loc)
{
	st->pending &= ~(1u << loc);
	if (st->active == loc)
		return;
	st->active = loc;
	st->int_sts |= CRB_INT_LOC_CHANGE;
}

/* The active locality let go: the highest waiting locality gets it. */
static void crb_release(struct crb_state *st)
{
	int l;

	st->active = CRB_NO_LOCALITY;
	for (l = CRB_NR_LOCALITIES - 1; l >= 0; l--) {
		if (st->pending & (1u << l)) {
			crb_grant(st, l);
			return;
		}
	}
}

/* A write to TPM_LOC_CTRL_x: any locality may write its own. */
static u32 crb_loc_ctrl(struct crb_state *st, unsigned int loc, u32 val)
{
	u32 act = 0;

	if (val & CRB_LOC_CTRL_RELINQUISH) {
		if (st->active == loc)
			crb_release(st);
		else
			st->pending &= ~(1u << loc);
	}
	if (val & CRB_LOC_CTRL_SEIZE) {
		/* only a higher locality seizes; with none active, it asks */
		if (st->active == CRB_NO_LOCALITY) {
			crb_grant(st, loc);
		} else if (loc > st->active) {
			st->seized |= 1u << st->active;
			if (st->busy && !st->cancel_sent) {
				st->cancel_sent = true;
				act |= CRB_ACT_CANCEL;
			}
			crb_grant(st, loc);
		}
	}
	if (val & CRB_LOC_CTRL_REQUEST_ACCESS) {
		st->seized &= ~(1u << loc);
		if (st->active == CRB_NO_LOCALITY)
			crb_grant(st, loc);
		else if (st->active != loc)
			st->pending |= 1u << loc;
	}
	/* resetEstablishment: there is no D-RTM to forget */
	return act | CRB_ACT_REGS;
}

/* A write to TPM_CRB_CTRL_REQ_x by the active locality */
static u32 crb_ctrl_req(struct crb_state *st, u32 val)
{
	val &= CRB_CTRL_REQ_CMD_READY | CRB_CTRL_REQ_GO_IDLE;
	/* both at once (or neither) is no request the TPM can carry out */
	if (!val || val == (CRB_CTRL_REQ_CMD_READY | CRB_CTRL_REQ_GO_IDLE))
		return 0;
	if (st->busy) {
		/* cmdReady is dropped; goIdle waits for the command's end */
		if (val == CRB_CTRL_REQ_CMD_READY)
			return 0;
		st->go_idle = true;
		return CRB_ACT_REGS;
	}
	st->error = false;
	if (val == CRB_CTRL_REQ_CMD_READY) {
		st->idle = false;
		st->int_sts |= CRB_INT_CMD_READY;
	} else {
		st->idle = true;
	}
	return CRB_ACT_REGS;
}

/* A write of 1 to TPM_CRB_CTRL_START_x by the active locality */
static u32 crb_start(struct crb_state *st)
{
	u32 size = 0;
	int i;

	if (st->busy || st->idle || st->error)
		return 0;
	/* commandSize, big endian at offset 2 */
	for (i = 2; i < 6; i++)
		size = size << 8 | pure_load_u8(st->buf + i);
	if (size < CRB_TPM_HEADER_SIZE || size > st->buf_size) {
		/* START is taken and given back at once, with tpmSts set */
		st->error = true;
		st->errors++;
		st->int_sts |= CRB_INT_START;
		return CRB_ACT_REGS;
	}
	st->busy = true;
	st->cancel_sent = false;
	st->cmd_len = size;
	st->cmd_loc = st->active;
	st->commands++;
	return CRB_ACT_START | CRB_ACT_REGS;
}

/* A write to the 32-bit register at @off of window @loc (@mask: bytes) */
static u32 crb_write_reg(struct crb_state *st, unsigned int loc, u32 off,
			 u32 val, u32 mask)
{
	if (loc >= CRB_NR_LOCALITIES - 1)
		return 0;	/* locality 4: the CPU's, not the guest's */
	if (off == CRB_LOC_CTRL)
		return (val & 0xff) ? crb_loc_ctrl(st, loc, val) : 0;
	if (st->active != loc)
		return 0;

	switch (off) {
	case CRB_CTRL_REQ:
		return crb_ctrl_req(st, val);
	case CRB_CTRL_CANCEL:
		if (!(mask & 0xff))
			return 0;
		st->cancel = val & CRB_CTRL_CANCEL_INVOKE;
		if (st->cancel && st->busy && !st->cancel_sent) {
			st->cancel_sent = true;
			return CRB_ACT_CANCEL | CRB_ACT_REGS;
		}
		return CRB_ACT_REGS;
	case CRB_CTRL_START:
		if (!(val & CRB_CTRL_START_INVOKE))
			return 0;
		return crb_start(st);
	case CRB_INT_ENABLE:
		mask &= CRB_INT_GLOBAL_ENABLE | CRB_INT_ALL;
		st->int_enable = (st->int_enable & ~mask) | (val & mask);
		return CRB_ACT_REGS;
	case CRB_INT_STS:
		st->int_sts &= ~(val & CRB_INT_ALL);
		return CRB_ACT_REGS;
	}
	return 0;
}

/**
 * crb_write() - a guest write to the CRB region
 * @st: the interface
 * @offset: offset in the region: locality * %CRB_LOC_STRIDE + register
 * @size: bytes written, 1 to 8, at any alignment
 * @value: the bytes, little endian (the first byte in bits 7:0)
 *
 * The write is split at 32-bit register boundaries and applied register by
 * register, lowest address first; a partial write of a register writes
 * the bytes it covers.  For the START doorbell (a KVM ioeventfd, which
 * carries no value) the caller writes 1, 4 bytes, at the window's
 * %CRB_CTRL_START.
 *
 * Return: the CRB_ACT_* actions for the caller; 0 when the write was
 * dropped (see the top of crb.c).
 */
u32 crb_write(struct crb_state *st, u32 offset, unsigned int size, u64 value)
{
	bool line = crb_irq_line(st);
	u64 a, end, word;
	u32 act = 0, val, mask, sh;

	if (size < 1 || size > 8)
		return 0;
	a = offset;
	end = a + size;
	while (a < end) {
		word = a & ~3ULL;
		val = 0;
		mask = 0;
		for (; a < end && (a & ~3ULL) == word; a++) {
			sh = 8 * (a & 3);
			val |= (u32)((value >> (8 * (a - offset))) & 0xff) << sh;
			mask |= 0xffu << sh;
		}
		if (word < CRB_REGION_SIZE)
			act |= crb_write_reg(st, word / CRB_LOC_STRIDE,
					     word % CRB_LOC_STRIDE, val, mask);
	}
	return act | crb_irq_actions(st, line);
}

/* The command in progress ended with a response of @rsp_len bytes. */
static u32 crb_end(struct crb_state *st, u32 rsp_len)
{
	bool line = crb_irq_line(st);

	st->busy = false;
	st->rsp_len = rsp_len;
	if (rsp_len < CRB_TPM_HEADER_SIZE || rsp_len > st->buf_size)
		st->error = true;
	if (st->go_idle) {
		st->go_idle = false;
		st->idle = true;
	}
	st->int_sts |= CRB_INT_START;
	return CRB_ACT_REGS | crb_irq_actions(st, line);
}

/**
 * crb_complete() - the command in progress has its response
 * @st: the interface
 * @rsp_len: length of the response the caller wrote into the buffer
 *
 * START reads 0 again and the start interrupt status is set (raised when
 * enabled).  A @rsp_len below 10 or above the buffer sets tpmSts: the
 * guest driver then reports an error instead of reading the buffer.  If
 * the guest wrote goIdle meanwhile, the TPM is now Idle.  Without a
 * command in progress (crb_cancelled() ended it, or crb_init() forgot it)
 * nothing happens.
 *
 * Return: the CRB_ACT_* actions for the caller (%CRB_ACT_REGS, and
 * %CRB_ACT_RAISE_IRQ when the interrupt line went up).
 */
u32 crb_complete(struct crb_state *st, u32 rsp_len)
{
	if (!st->busy)
		return 0;
	return crb_end(st, rsp_len);
}

/**
 * crb_cancelled() - the command in progress was cancelled
 * @st: the interface
 *
 * For a command the caller dropped (it never ran, or its result will not
 * be given to the guest): a TPM_RC_CANCELED response is written into the
 * buffer, and the command ends as in crb_complete().  Without a command in
 * progress nothing happens.
 *
 * Return: the CRB_ACT_* actions for the caller, as crb_complete().
 */
u32 crb_cancelled(struct crb_state *st)
{
	if (!st->busy)
		return 0;
	put_unaligned_be16(CRB_TPM_ST_NO_SESSIONS, st->buf);
	put_unaligned_be32(CRB_TPM_HEADER_SIZE, st->buf + 2);
	put_unaligned_be32(CRB_TPM_RC_CANCELED, st->buf + 6);
	st->cancels++;
	return crb_end(st, CRB_TPM_HEADER_SIZE);
}

/**
 * crb_regs_page() - render the registers of one locality's window
 * @st: the interface
 * @loc: the locality, 0 to 4
 * @page: %CRB_PAGE_SIZE bytes, 4-byte aligned (the VMM maps it read-only)
 *
 * Every 32-bit word of @page gets the value a guest read of the window of
 * locality @loc returns at that offset (the same as crb_read()), little
 * endian, so that the VMM serves a read at region offset o by copying from
 * page[o % %CRB_LOC_STRIDE] of locality o / %CRB_LOC_STRIDE.  Each word is
 * written with one store: a concurrent reader sees each register either
 * before or after, never torn.  Call it for the five localities after
 * every call that returned %CRB_ACT_REGS, before signalling the guest.
 * A @loc out of range renders nothing.
 */
void crb_regs_page(const struct crb_state *st, unsigned int loc, void *page)
{
	if (loc >= CRB_NR_LOCALITIES)
		return;
	crb_regs_update(st, loc, page);
	/* the rest never changes from 0: plain stores cannot tear it */
	memset((u8 *)page + CRB_REGS_END, 0, CRB_PAGE_SIZE - CRB_REGS_END);
}

/**
 * crb_regs_update() - render the registers of a page crb_regs_page() made
 * @st: the interface
 * @loc: the locality, 0 to 4
 * @page: a page crb_regs_page() rendered for @loc
 *
 * As crb_regs_page(), but only the words that hold registers are written:
 * the rest of the page is zero already and stays so.  For the glue's hot
 * path (every doorbell), where zeroing 4 KiB per locality each time would
 * cost more than the state machine.
 */
void crb_regs_update(const struct crb_state *st, unsigned int loc, void *page)
{
	u32 *w = page;
	u32 off;

	if (loc >= CRB_NR_LOCALITIES)
		return;
	for (off = 0; off < CRB_REGS_END; off += 4)
		pure_store_le32(&w[off / 4], crb_reg(st, loc, off));
}
