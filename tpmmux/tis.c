// SPDX-License-Identifier: GPL-2.0
/*
 * tis.c - the TPM FIFO (TIS) interface as a register state machine.
 *
 * The states of the PTP specification's FIFO interface, and how a guest
 * moves between them (TPM_STS_x as the active locality reads it):
 *
 *   Idle       --commandReady-->  Ready      (commandReady)
 *   Ready      --FIFO byte----->  Reception  (stsValid, Expect)
 *   Reception  --last byte----->  Reception  (stsValid; Expect clear)
 *   Reception  --tpmGo--------->  Execution  (stsValid; TIS_ACT_START)
 *   Execution  --done---------->  Completion (stsValid, dataAvail)
 *   Completion --last byte read-> Completion (stsValid)
 *   Completion --commandReady-->  Ready
 *   Reception, Completion --commandReady--> Ready (abort)
 *   any       --the active locality changes--> Idle (abort)
 *
 * "Execution" covers the whole time the command is tpmmux's: waiting in
 * its queue, then running on the chip; the guest sees stsValid without
 * dataAvail ("in progress") all along.  commandReady, commandCancel or a
 * locality change during Execution return TIS_ACT_CANCEL; the interface
 * stays in Execution until the caller ends the command, and then goes to
 * Ready (commandReady) or Idle (locality change) without a response.
 *
 * burstCount is the number of bytes the FIFO takes or gives right now:
 * in Ready and Reception the bytes of the command still expected (all
 * that fit in the buffer until the header's commandSize is in), in
 * Completion the response bytes not yet read.  It never exceeds the room
 * left.  Its low byte is never 0 while it is not 0 (256 reads as 255), so
 * that a driver reading TPM_STS_x.burstCount byte by byte sees no stall.
 *
 * Data writes are dropped in Idle, Execution and Completion, and in
 * Reception once Expect is clear: past the command's commandSize, or once
 * %TIS_BUF_SIZE bytes of a larger command are in.  tpmGo with such a
 * command, or with a commandSize below 10, starts nothing: the interface
 * answers TPM_RC_COMMAND_SIZE itself.  Data reads outside Completion, or
 * past the response, read 0xff.  Writes at a locality that is not the
 * active one are dropped (except to TPM_ACCESS_x), and so is every write
 * at locality 4, which only the CPU's D-RTM cycles reach.
 */

#include "tis.h"

#define TIS_TPM_HEADER_SIZE	10
#define TIS_TPM_ST_NO_SESSIONS	0x8001
#define TIS_TPM_RC_FAILURE	0x0101
#define TIS_TPM_RC_COMMAND_SIZE	0x0142
#define TIS_TPM_RC_CANCELED	0x0909
/* The header's commandSize is known once this many bytes are in. */
#define TIS_SIZE_KNOWN		6

/**
 * tis_irq_line() - the level of the TIS interrupt
 * @st: the interface
 *
 * Return: true when an enabled interrupt status bit is set and the global
 * enable is on.  The caller asserts the guest's interrupt (KVM irqfd) on
 * %TIS_ACT_RAISE_IRQ and, with a level-triggered irqfd, asserts it again
 * on each resample while this is still true.
 */
bool tis_irq_line(const struct tis_state *st)
{
	return (st->int_enable & TIS_INT_GLOBAL_ENABLE) &&
	       (st->int_enable & st->int_status & TIS_INT_ALL);
}

/*
 * What the other localities' pages show: TPM_ACCESS_x, the interrupt
 * registers, and whether TPM_STS_x reads all ones.
 */
struct tis_shared {
	u8 active;
	u8 pending;
	u8 seized;
	u8 int_vector;
	u32 int_enable;
	u32 int_status;
};

static void tis_shared_get(const struct tis_state *st, struct tis_shared *sh)
{
	sh->active = st->active;
	sh->pending = st->pending;
	sh->seized = st->seized;
	sh->int_vector = st->int_vector;
	sh->int_enable = st->int_enable;
	sh->int_status = st->int_status;
}

/* TIS_ACT_STS_ONLY when only the active locality's page changed */
static u32 tis_sts_only(const struct tis_state *st, u32 act,
			const struct tis_shared *before)
{
	struct tis_shared now;

	if (!(act & TIS_ACT_REGS) || st->active == TIS_NO_LOCALITY)
		return 0;
	tis_shared_get(st, &now);
	if (now.active != before->active || now.pending != before->pending ||
	    now.seized != before->seized ||
	    now.int_vector != before->int_vector ||
	    now.int_enable != before->int_enable ||
	    now.int_status != before->int_status)
		return 0;
	return TIS_ACT_STS_ONLY;
}

static u32 tis_irq_actions(const struct tis_state *st, bool before)
{
	bool now = tis_irq_line(st);

	if (now && !before)
		return TIS_ACT_RAISE_IRQ;
	if (!now && before)
		return TIS_ACT_LOWER_IRQ;
	return 0;
}

/**
 * tis_init() - the FIFO interface of a VM, as after a reset
 * @st: the interface to initialize
 *
 * No locality is active, the TPM is Idle, interrupts are off (polarity:
 * low level), the buffer is zeroed.  The identity is %TIS_DEFAULT_VID,
 * %TIS_DEFAULT_DID and %TIS_DEFAULT_RID; the caller may change @st->vid,
 * @st->did, @st->rid and @st->int_vector before rendering the pages.  A
 * command in progress is forgotten: the caller must not complete it.
 */
void tis_init(struct tis_state *st)
{
	memset(st, 0, sizeof(*st));
	st->vid = TIS_DEFAULT_VID;
	st->did = TIS_DEFAULT_DID;
	st->rid = TIS_DEFAULT_RID;
	st->active = TIS_NO_LOCALITY;
	st->state = TIS_IDLE;
	st->int_enable = TIS_INT_POLARITY_LOW_LEVEL;
}

/**
 * tis_is_fifo() - whether an access touches the data FIFO
 * @offset: offset in the region: locality * %TIS_LOC_STRIDE + register
 * @size: bytes accessed, 1 to 8
 *
 * A read that touches TPM_DATA_FIFO_x or TPM_XDATA_FIFO_x takes response
 * bytes: the VMM must pass it to tis_read(), not serve it from the page.
 *
 * Return: true when a byte of the access is a FIFO byte.
 */
bool tis_is_fifo(u32 offset, unsigned int size)
{
	u64 a;
	u32 r;

	for (a = offset; a < (u64)offset + size && size <= 8; a++) {
		if (a >= TIS_REGION_SIZE)
			break;
		r = a % TIS_LOC_STRIDE;
		if ((r >= TIS_DATA_FIFO && r < TIS_DATA_FIFO + 4) ||
		    (r >= TIS_XDATA_FIFO && r < TIS_XDATA_FIFO_END))
			return true;
	}
	return false;
}

/* commandSize of the command in the buffer (TIS_SIZE_KNOWN bytes in) */
static u32 tis_cmd_size(const struct tis_state *st)
{
	return get_unaligned_be32(st->buf + 2);
}

/* Bytes of the command still expected in Reception (0: Expect clear) */
static u32 tis_expected(const struct tis_state *st)
{
	u32 want;

	if (st->w_off < TIS_SIZE_KNOWN)
		return TIS_BUF_SIZE - st->w_off;
	want = tis_cmd_size(st);
	if (want > TIS_BUF_SIZE)
		want = TIS_BUF_SIZE;
	return want > st->w_off ? want - st->w_off : 0;
}

/* burstCount for @n bytes (see the top of this file) */
static u32 tis_burst(u32 n)
{
	if (n > 0xff && !(n & 0xff))
		n--;
	return n << TIS_STS_BURST_SHIFT;
}

/* TPM_STS_x as the active locality reads it */
static u32 tis_sts(const struct tis_state *st)
{
	u32 v = TIS_STS_FAMILY_TPM2, e;

	switch (st->state) {
	case TIS_READY:
		v |= TIS_STS_COMMAND_READY | tis_burst(TIS_BUF_SIZE);
		break;
	case TIS_RECEPTION:
		v |= TIS_STS_VALID;
		e = tis_expected(st);
		if (e)
			v |= TIS_STS_EXPECT | tis_burst(e);
		break;
	case TIS_EXECUTION:
		v |= TIS_STS_VALID;
		break;
	case TIS_COMPLETION:
		v |= TIS_STS_VALID;
		if (st->r_off < st->rsp_len)
			v |= TIS_STS_DATA_AVAIL |
			     tis_burst(st->rsp_len - st->r_off);
		break;
	}
	return v;
}

/* The value of the 32-bit register at @off (aligned) in window @loc */
static u32 tis_reg(const struct tis_state *st, unsigned int loc, u32 off)
{
	u32 v;

	if ((off >= TIS_XDATA_FIFO && off < TIS_XDATA_FIFO_END) ||
	    off == TIS_DATA_FIFO)
		return 0xffffffff;	/* tis_read() takes the bytes */

	switch (off) {
	case TIS_ACCESS:
		v = TIS_ACCESS_REG_VALID | TIS_ACCESS_ESTABLISHMENT;
		if (st->pending & (1u << loc))
			v |= TIS_ACCESS_REQUEST_USE;
		if (st->pending & ~(1u << loc))
			v |= TIS_ACCESS_PENDING_REQUEST;
		if (st->seized & (1u << loc))
			v |= TIS_ACCESS_BEEN_SEIZED;
		if (st->active == loc)
			v |= TIS_ACCESS_ACTIVE_LOCALITY;
		return v;
	case TIS_INT_ENABLE:
		return st->int_enable;
	case TIS_INT_VECTOR:
		return st->int_vector;
	case TIS_INT_STATUS:
		return st->int_status;
	case TIS_INTF_CAPABILITY:
		return TIS_INT_ALL | TIS_CAP_INT_LEVEL_LOW | TIS_CAP_XFER_64 |
		       TIS_CAP_VERSION_TPM2;
	case TIS_STS:
		return st->active == loc ? tis_sts(st) : 0xffffffff;
	case TIS_INTERFACE_ID:
		return TIS_INTF_ID_FIFO | TIS_INTF_ID_CAP_LOCALITY |
		       TIS_INTF_ID_CAP_FIFO | (u32)st->rid << 24;
	case TIS_DID_VID:
		return st->vid | (u32)st->did << 16;
	case TIS_RID:
		return st->rid;
	}
	return 0;
}

/* The response, @len bytes, is in the buffer: Completion. */
static void tis_to_completion(struct tis_state *st, u32 len)
{
	st->rsp_len = len;
	st->r_off = 0;
	st->w_off = 0;
	st->state = TIS_COMPLETION;
	st->int_status |= TIS_INT_DATA_AVAIL | TIS_INT_STS_VALID;
}

/* Answer a 10-byte response with @rc: Completion. */
static void tis_answer(struct tis_state *st, u32 rc)
{
	put_unaligned_be16(TIS_TPM_ST_NO_SESSIONS, st->buf);
	put_unaligned_be32(TIS_TPM_HEADER_SIZE, st->buf + 2);
	put_unaligned_be32(rc, st->buf + 6);
	tis_to_completion(st, TIS_TPM_HEADER_SIZE);
}

/* Leave the command state for @state, dropping command and response */
static void tis_reset_to(struct tis_state *st, u8 state)
{
	st->state = state;
	st->w_off = 0;
	st->rsp_len = 0;
	st->r_off = 0;
	if (state == TIS_READY)
		st->int_status |= TIS_INT_CMD_READY;
}

/* Ask for the end of the command in progress (once per command). */
static u32 tis_cancel(struct tis_state *st)
{
	if (st->cancel_sent)
		return 0;
	st->cancel_sent = true;
	return TIS_ACT_CANCEL;
}

/* Make @loc (or TIS_NO_LOCALITY) the active locality. */
static u32 tis_set_active(struct tis_state *st, u8 loc)
{
	u32 act = 0;

	if (loc != TIS_NO_LOCALITY)
		st->pending &= ~(1u << loc);
	if (st->active == loc)
		return 0;
	/* what the old locality had going is aborted */
	if (st->state == TIS_EXECUTION) {
		st->aborted = true;
		st->abort_to = TIS_IDLE;
		act |= tis_cancel(st);
	} else {
		tis_reset_to(st, TIS_IDLE);
	}
	st->active = loc;
	if (loc != TIS_NO_LOCALITY)
		st->int_status |= TIS_INT_LOC_CHANGE;
	return act;
}

/* A write to TPM_ACCESS_x: any locality may write its own. */
static u32 tis_access(struct tis_state *st, unsigned int loc, u32 a)
{
	u32 act = 0;
	int l;

	if (a & TIS_ACCESS_SEIZE)
		a &= ~(TIS_ACCESS_REQUEST_USE | TIS_ACCESS_ACTIVE_LOCALITY);
	if (a & TIS_ACCESS_ACTIVE_LOCALITY) {
		if (st->active == loc) {
			/* relinquish: the highest waiting locality is next */
			u8 next = TIS_NO_LOCALITY;

			for (l = TIS_NR_LOCALITIES - 1; l >= 0; l--) {
				if (st->pending & (1u << l)) {
					next = l;
					break;
				}
			}
			act |= tis_set_active(st, next);
		} else {
			st->pending &= ~(1u << loc);
		}
	}
	if (a & TIS_ACCESS_BEEN_SEIZED)
		st->seized &= ~(1u << loc);
	if (a & TIS_ACCESS_SEIZE) {
		if (st->active == TIS_NO_LOCALITY) {
			act |= tis_set_active(st, loc);
		} else if (loc > st->active) {
			st->seized |= 1u << st->active;
			act |= tis_set_active(st, loc);
		}
	}
	if (a & TIS_ACCESS_REQUEST_USE) {
		if (st->active == TIS_NO_LOCALITY)
			act |= tis_set_active(st, loc);
		else if (st->active != loc)
			st->pending |= 1u << loc;
	}
	return act | TIS_ACT_REGS;
}

/* commandReady written by the active locality */
static u32 tis_command_ready(struct tis_state *st)
{
	switch (st->state) {
	case TIS_IDLE:
	case TIS_RECEPTION:
	case TIS_COMPLETION:
		tis_reset_to(st, TIS_READY);
		break;
	case TIS_READY:
		st->w_off = 0;
		break;
	case TIS_EXECUTION:
		/* abort: Ready once the command ended */
		st->aborted = true;
		st->abort_to = TIS_READY;
		return tis_cancel(st) | TIS_ACT_REGS;
	}
	return TIS_ACT_REGS;
}

/* tpmGo written by the active locality */
static u32 tis_go(struct tis_state *st)
{
	u32 size;

	if (st->state != TIS_RECEPTION || tis_expected(st))
		return 0;
	size = tis_cmd_size(st);
	if (size < TIS_TPM_HEADER_SIZE || size > TIS_BUF_SIZE) {
		st->errors++;
		tis_answer(st, TIS_TPM_RC_COMMAND_SIZE);
		return TIS_ACT_REGS;
	}
	st->state = TIS_EXECUTION;
	st->aborted = false;
	st->cancel_sent = false;
	st->cmd_len = size;
	st->cmd_loc = st->active;
	st->commands++;
	return TIS_ACT_START | TIS_ACT_REGS;
}

/* A write to TPM_STS_x by the active locality */
static u32 tis_sts_write(struct tis_state *st, u32 val, u32 mask)
{
	u32 act = 0, op;

	op = val & mask & (TIS_STS_COMMAND_READY | TIS_STS_GO |
			   TIS_STS_RESPONSE_RETRY);
	/* one request at a time; several at once are none the TPM knows */
	if (op == TIS_STS_COMMAND_READY) {
		act |= tis_command_ready(st);
	} else if (op == TIS_STS_GO) {
		act |= tis_go(st);
	} else if (op == TIS_STS_RESPONSE_RETRY) {
		if (st->state == TIS_COMPLETION) {
			st->r_off = 0;
			act |= TIS_ACT_REGS;
		}
	}
	if ((val & mask & TIS_STS_COMMAND_CANCEL) &&
	    st->state == TIS_EXECUTION)
		act |= tis_cancel(st);
	/* resetEstablishmentBit: there is no D-RTM to forget */
	return act;
}

/* One byte written to the FIFO by the active locality */
static u32 tis_fifo_write(struct tis_state *st, u8 b)
{
	if (st->state == TIS_READY) {
		st->state = TIS_RECEPTION;
		st->w_off = 0;
		st->int_status |= TIS_INT_STS_VALID;
	}
	if (st->state != TIS_RECEPTION || !tis_expected(st))
		return 0;
	/* tis_expected() > 0 means w_off < TIS_BUF_SIZE */
	st->buf[st->w_off++] = b;
	if (!tis_expected(st))
		st->int_status |= TIS_INT_STS_VALID;	/* Expect fell */
	return TIS_ACT_REGS;
}

/* One byte read from the FIFO by the active locality */
static u8 tis_fifo_read(struct tis_state *st, u32 *act)
{
	u8 b;

	if (st->state != TIS_COMPLETION || st->r_off >= st->rsp_len)
		return 0xff;
	b = st->buf[st->r_off++];
	if (st->r_off == st->rsp_len)
		st->int_status |= TIS_INT_STS_VALID;	/* dataAvail fell */
	*act |= TIS_ACT_REGS;
	return b;
}

/* A write to the 32-bit register at @off of window @loc (@mask: bytes) */
static u32 tis_write_reg(struct tis_state *st, unsigned int loc, u32 off,
			 u32 val, u32 mask)
{
	u32 act = 0;
	int i;

	if (loc >= TIS_NR_LOCALITIES - 1)
		return 0;	/* locality 4: the CPU's, not the guest's */
	if (off == TIS_ACCESS)
		return (val & mask & 0xff) ? tis_access(st, loc, val & 0xff) : 0;
	if (st->active != loc)
		return 0;

	if (off == TIS_DATA_FIFO ||
	    (off >= TIS_XDATA_FIFO && off < TIS_XDATA_FIFO_END)) {
		for (i = 0; i < 4; i++)
			if (mask & (0xffu << (8 * i)))
				act |= tis_fifo_write(st, val >> (8 * i));
		return act;
	}
	switch (off) {
	case TIS_INT_ENABLE:
		mask &= TIS_INT_GLOBAL_ENABLE | TIS_INT_POLARITY_MASK |
			TIS_INT_ALL;
		st->int_enable = (st->int_enable & ~mask) | (val & mask);
		return TIS_ACT_REGS;
	case TIS_INT_VECTOR:
		if (!(mask & 0xff))
			return 0;
		st->int_vector = val & 0x0f;
		return TIS_ACT_REGS;
	case TIS_INT_STATUS:
		st->int_status &= ~(val & TIS_INT_ALL);
		return TIS_ACT_REGS;
	case TIS_STS:
		return tis_sts_write(st, val, mask);
	}
	return 0;
}

/**
 * tis_read() - a guest read of the TIS region
 * @st: the interface
 * @offset: offset in the region: locality * %TIS_LOC_STRIDE + register
 * @size: bytes read, 1 to 8, at any alignment
 * @act: the TIS_ACT_* actions for the caller are ORed in here (may be
 *	NULL when the read touches no FIFO byte: see tis_is_fifo())
 *
 * A byte of TPM_DATA_FIFO_x or TPM_XDATA_FIFO_x read by the active
 * locality in Completion is the next response byte (the last one clears
 * dataAvail); every other FIFO byte reads 0xff.  The other registers have
 * no side effect on read: they read what tis_regs_page() renders.  Bytes
 * past %TIS_REGION_SIZE read 0xff.
 *
 * Return: the bytes read, little endian (the first byte in bits 7:0);
 * all ones for a @size out of range.
 */
u64 tis_read(struct tis_state *st, u32 offset, unsigned int size, u32 *act)
{
	bool line = tis_irq_line(st);
	struct tis_shared sh;
	u32 a_act = 0, r;
	unsigned int i;
	u64 a, v = 0;
	u8 b;

	if (size < 1 || size > 8)
		return ~0ULL;
	tis_shared_get(st, &sh);
	for (i = 0; i < size; i++) {
		a = (u64)offset + i;
		r = a % TIS_LOC_STRIDE;
		if (a >= TIS_REGION_SIZE)
			b = 0xff;
		else if (tis_is_fifo(a, 1))
			b = st->active == a / TIS_LOC_STRIDE ?
			    tis_fifo_read(st, &a_act) : 0xff;
		else
			b = tis_reg(st, a / TIS_LOC_STRIDE, r & ~3u) >>
			    (8 * (r & 3));
		v |= (u64)b << (8 * i);
	}
	a_act |= tis_sts_only(st, a_act, &sh) | tis_irq_actions(st, line);
	if (act)
		*act |= a_act;
	return v;
}

/**
 * tis_write() - a guest write to the TIS region
 * @st: the interface
 * @offset: offset in the region: locality * %TIS_LOC_STRIDE + register
 * @size: bytes written, 1 to 8, at any alignment
 * @value: the bytes, little endian (the first byte in bits 7:0)
 *
 * The write is split at 32-bit register boundaries and applied register by
 * register, lowest address first; each byte written to the FIFO is one
 * command byte.  For the tpmGo and commandReady doorbells (KVM ioeventfds
 * with a datamatch, which carry no value) the caller writes
 * %TIS_STS_GO or %TIS_STS_COMMAND_READY, 1 byte, at the window's %TIS_STS.
 *
 * Return: the TIS_ACT_* actions for the caller; 0 when the write was
 * dropped (see the top of tis.c).
 */
u32 tis_write(struct tis_state *st, u32 offset, unsigned int size, u64 value)
{
	bool line = tis_irq_line(st);
	struct tis_shared shared;
	u64 a, end, word;
	u32 act = 0, val, mask, sh;

	if (size < 1 || size > 8)
		return 0;
	tis_shared_get(st, &shared);
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
		if (word < TIS_REGION_SIZE)
			act |= tis_write_reg(st, word / TIS_LOC_STRIDE,
					     word % TIS_LOC_STRIDE, val, mask);
	}
	return act | tis_sts_only(st, act, &shared) |
	       tis_irq_actions(st, line);
}

/* The command in progress ended: with @rsp (@len bytes), or cancelled */
static u32 tis_end(struct tis_state *st, const u8 *rsp, u32 len,
		   bool cancelled)
{
	bool line = tis_irq_line(st);

	if (st->aborted) {
		/* the guest gave the command up: its response is dropped */
		st->aborted = false;
		tis_reset_to(st, st->abort_to);
	} else if (cancelled) {
		tis_answer(st, TIS_TPM_RC_CANCELED);
	} else if (!rsp || len < TIS_TPM_HEADER_SIZE || len > TIS_BUF_SIZE) {
		tis_answer(st, TIS_TPM_RC_FAILURE);
	} else {
		memmove(st->buf, rsp, len);
		tis_to_completion(st, len);
	}
	return TIS_ACT_REGS | tis_irq_actions(st, line);
}

/**
 * tis_complete() - the command in progress has its response
 * @st: the interface
 * @rsp: the response (may be @st->buf itself)
 * @len: its length
 *
 * The response is copied into the buffer and the interface goes to
 * Completion: dataAvail, and the dataAvail and stsValid interrupt status
 * (raised when enabled).  A @len below 10 or above %TIS_BUF_SIZE is
 * answered TPM_RC_FAILURE instead.  If the guest aborted the command
 * meanwhile (commandReady, a locality change), the response is dropped
 * and the interface goes to Ready or Idle.  Without a command in progress
 * nothing happens.
 *
 * Return: the TIS_ACT_* actions for the caller (%TIS_ACT_REGS, and
 * %TIS_ACT_RAISE_IRQ when the interrupt line went up).
 */
u32 tis_complete(struct tis_state *st, const u8 *rsp, u32 len)
{
	if (st->state != TIS_EXECUTION)
		return 0;
	return tis_end(st, rsp, len, false);
}

/**
 * tis_cancelled() - the command in progress was cancelled
 * @st: the interface
 *
 * For a command the caller dropped (it never ran, or its result will not
 * be given to the guest): the guest reads a TPM_RC_CANCELED response, or,
 * if it aborted the command, the interface goes to Ready or Idle as in
 * tis_complete().  Without a command in progress nothing happens.
 *
 * Return: the TIS_ACT_* actions for the caller, as tis_complete().
 */
u32 tis_cancelled(struct tis_state *st)
{
	if (st->state != TIS_EXECUTION)
		return 0;
	st->cancels++;
	return tis_end(st, NULL, 0, true);
}

/**
 * tis_regs_page() - render the registers of one locality's window
 * @st: the interface
 * @loc: the locality, 0 to 4
 * @page: %TIS_PAGE_SIZE bytes, 4-byte aligned (the VMM maps it read-only)
 *
 * Every 32-bit word of @page gets the value a guest read of the window of
 * locality @loc returns at that offset (the same as tis_read()), little
 * endian, except the FIFO words, which read all ones here: the VMM must
 * pass reads that tis_is_fifo() names to tis_read().  Each word is written
 * with one store: a concurrent reader sees each register either before or
 * after, never torn.  Call it after every call that returned
 * %TIS_ACT_REGS, before signalling the guest: for the five localities, or
 * for the active one only when %TIS_ACT_STS_ONLY came with it.  A @loc out
 * of range renders nothing.
 */
void tis_regs_page(const struct tis_state *st, unsigned int loc, void *page)
{
	u32 *w = page;

	if (loc >= TIS_NR_LOCALITIES)
		return;
	tis_regs_update(st, loc, page);
	/* the rest never changes from 0: plain stores cannot tear it */
	memset(&w[TIS_XDATA_FIFO_END / 4], 0, TIS_DID_VID - TIS_XDATA_FIFO_END);
	memset(&w[TIS_RID / 4 + 1], 0, TIS_PAGE_SIZE - TIS_RID - 4);
}

/**
 * tis_regs_update() - render the registers of a page tis_regs_page() made
 * @st: the interface
 * @loc: the locality, 0 to 4
 * @page: a page tis_regs_page() rendered for @loc
 *
 * As tis_regs_page(), but only the words that hold registers are written:
 * the rest of the page is zero already and stays so (the glue's hot path).
 */
void tis_regs_update(const struct tis_state *st, unsigned int loc, void *page)
{
	u32 *w = page;
	u32 off;

	if (loc >= TIS_NR_LOCALITIES)
		return;
	for (off = 0; off < TIS_XDATA_FIFO_END; off += 4)
		pure_store_le32(&w[off / 4], tis_reg(st, loc, off));
	pure_store_le32(&w[TIS_DID_VID / 4], tis_reg(st, loc, TIS_DID_VID));
	pure_store_le32(&w[TIS_RID / 4], tis_reg(st, loc, TIS_RID));
}
