// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_crb_tis.c - libFuzzer target for tpmmux/crb.c and tpmmux/tis.c.
 *
 * The first byte picks the size of the CRB command buffer (bits 7-1: 10
 * to 4096 bytes, a heap allocation of exactly that size so that
 * AddressSanitizer sees any access past it) and, with bit 0, starts both
 * interfaces where a driver leaves them before its first command
 * (locality 0 active, Ready).  The rest is a script of steps, each one
 * selector byte and its arguments:
 *
 *   bit 7 of the selector: 0 the CRB interface, 1 the TIS interface;
 *   bits 6-4, the step:
 *     0-2  a register write: offset (2 bytes: bits 14-12 the locality,
 *          5-7 meaning past the region, bits 11-0 the register), size
 *          1 + bits 2-0 of the selector, value (that many bytes)
 *     3    a driver's write: locality (bits 2-0, % 5), one byte naming
 *          the register (bits 7-5) and the value (bits 4-0) among those
 *          a driver writes, so that the fuzzer need not find them
 *     4    a register read: offset (2 bytes), size 1 + bits 2-0
 *     5    the glue completes the command in progress: a 2-byte length
 *          (CRB: the response length it reports; TIS: a response of
 *          that length from the script, with a valid header when bit 3
 *          is set)
 *     6    the glue cancels the command in progress
 *     7    the guest writes a command: a 2-byte commandSize, and
 *          CRB: a header with it at the start of the buffer, then
 *          (bit 3) raw bytes: offset (2 bytes), length (1 byte), bytes;
 *          TIS: to the active locality's FIFO, the header and
 *          commandSize bytes in all (at most 4160, and 8320 per input),
 *          or with bit 3 a length (1 byte) of raw bytes from the script
 *
 * After every step the invariants are checked; a broken one aborts:
 * START reads 1 exactly while a command is outstanding, a started
 * command's length is within the buffer, the rendered pages equal what
 * crb_read()/tis_read() return, burstCount never exceeds the room left,
 * the offsets stay within the buffer, the interrupt line the actions
 * describe is the one crb_irq_line()/tis_irq_line() report.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I../../tpmmux \
 *		fuzz_crb_tis.c ../../tpmmux/crb.c ../../tpmmux/tis.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#include "crb.h"
#include "tis.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "invariant failed: %s at %s:%d\n",	\
			#cond, __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

struct input {
	const u8 *p;
	size_t left;
};

static u32 in_bytes(struct input *in, unsigned int n)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (u32)in->p[0] << (8 * i);
	return v;
}

static u64 in_value(struct input *in, unsigned int n)
{
	u64 lo = in_bytes(in, n > 4 ? 4 : n);

	return n > 4 ? lo | (u64)in_bytes(in, n - 4) << 32 : lo;
}

/* A 16-bit offset: bits 14-12 the locality (5-7: past the region) */
static u32 in_offset(struct input *in)
{
	u32 v = in_bytes(in, 2);

	return ((v >> 12) & 7) * 0x1000 + (v & 0xfff);
}

/* ---- CRB ---- */

static struct crb_state crb;
static u8 *crb_buf;
static u32 crb_size;
static u8 crb_pages[CRB_NR_LOCALITIES][CRB_PAGE_SIZE];
static bool crb_outstanding, crb_line;
static u8 crb_cmd[4096];

static void crb_act(u32 act)
{
	unsigned int l;

	if (act & CRB_ACT_REGS)
		for (l = 0; l < CRB_NR_LOCALITIES; l++)
			crb_regs_page(&crb, l, crb_pages[l]);
	if (act & CRB_ACT_RAISE_IRQ) {
		CHECK(!crb_line);
		crb_line = true;
	}
	if (act & CRB_ACT_LOWER_IRQ) {
		CHECK(crb_line);
		crb_line = false;
	}
	CHECK(crb_line == crb_irq_line(&crb));
	if (act & CRB_ACT_START) {
		CHECK(!crb_outstanding);
		CHECK(crb.cmd_len >= 10 && crb.cmd_len <= crb_size);
		CHECK(crb.cmd_loc < 4);
		/* what the glue does: copy the command out of guest RAM */
		memcpy(crb_cmd, crb_buf, crb.cmd_len);
		crb_outstanding = true;
	}
	if (act & CRB_ACT_CANCEL)
		CHECK(crb_outstanding);
}

static void crb_check(void)
{
	static u8 fresh[CRB_PAGE_SIZE];
	unsigned int l;
	u32 off;

	CHECK(crb_outstanding == crb.busy);
	for (l = 0; l < CRB_NR_LOCALITIES; l++) {
		CHECK((crb_read(&crb, l * CRB_LOC_STRIDE + CRB_CTRL_START, 4) &
		       1) == crb_outstanding);
		crb_regs_page(&crb, l, fresh);
		CHECK(!memcmp(fresh, crb_pages[l], CRB_PAGE_SIZE));
		for (off = 0; off < CRB_REGS_END; off += 4) {
			u32 w = fresh[off] | fresh[off + 1] << 8 |
				fresh[off + 2] << 16 |
				(u32)fresh[off + 3] << 24;

			CHECK(crb_read(&crb, l * CRB_LOC_STRIDE + off, 4) == w);
		}
	}
	CHECK(crb.active == CRB_NO_LOCALITY || crb.active < 4);
	CHECK(crb.cmd_len <= crb_size);
}

/* A write a CRB driver makes: @b names the register and the value */
static void crb_driver_write(unsigned int loc, u8 b)
{
	static const u32 regs[8] = {
		CRB_LOC_CTRL, CRB_LOC_CTRL, CRB_CTRL_REQ, CRB_CTRL_REQ,
		CRB_CTRL_START, CRB_CTRL_CANCEL, CRB_INT_ENABLE, CRB_INT_STS,
	};
	u32 reg = regs[b >> 5], v = b & 0x1f;

	if (reg == CRB_INT_ENABLE && (v & 0x10))
		v = (v & 0xf) | CRB_INT_GLOBAL_ENABLE;
	crb_act(crb_write(&crb, loc * CRB_LOC_STRIDE + reg, 4, v));
}

static void crb_step(u8 sel, struct input *in)
{
	unsigned int size = 1 + (sel & 7);
	u32 off, len, i;
	u64 v;

	switch ((sel >> 4) & 7) {
	case 0: case 1: case 2:
		off = in_offset(in);
		v = in_value(in, size);
		crb_act(crb_write(&crb, off, size, v));
		break;
	case 3:
		crb_driver_write((sel & 7) % CRB_NR_LOCALITIES, in_bytes(in, 1));
		break;
	case 4:
		off = in_offset(in);
		crb_read(&crb, off, size);
		break;
	case 5:
		len = in_bytes(in, 2);
		if (crb_outstanding && (sel & 8) && len <= crb_size) {
			/* a response the glue wrote into the buffer */
			for (i = 0; i < len; i++)
				crb_buf[i] = (u8)i;
		}
		crb_outstanding = false;
		crb_act(crb_complete(&crb, len));
		break;
	case 6:
		crb_outstanding = false;
		crb_act(crb_cancelled(&crb));
		break;
	case 7:
		len = in_bytes(in, 2);
		if (crb_size >= 10) {
			put_unaligned_be16(0x8001, crb_buf);
			put_unaligned_be32(len, crb_buf + 2);
			put_unaligned_be32(0x17b, crb_buf + 6);
		}
		if (!(sel & 8))
			break;
		off = in_bytes(in, 2) % crb_size;
		len = in_bytes(in, 1);
		for (i = 0; i < len && in->left; i++)
			crb_buf[(off + i) % crb_size] = in_bytes(in, 1);
		break;
	}
	crb_check();
}

/* ---- TIS ---- */

static struct tis_state tis;
static u32 fifo_budget;
static u8 tis_pages[TIS_NR_LOCALITIES][TIS_PAGE_SIZE];
static bool tis_outstanding, tis_line;

/*
 * The glue's side.  With TIS_ACT_STS_ONLY only the active locality's page
 * is rendered; tis_check() compares all five pages with fresh ones.
 */
static void tis_act(u32 act)
{
	unsigned int l;

	if ((act & TIS_ACT_STS_ONLY) && tis.active != TIS_NO_LOCALITY)
		tis_regs_page(&tis, tis.active, tis_pages[tis.active]);
	else if (act & TIS_ACT_REGS)
		for (l = 0; l < TIS_NR_LOCALITIES; l++)
			tis_regs_page(&tis, l, tis_pages[l]);
	CHECK(!(act & TIS_ACT_STS_ONLY) || (act & TIS_ACT_REGS));
	if (act & TIS_ACT_RAISE_IRQ) {
		CHECK(!tis_line);
		tis_line = true;
	}
	if (act & TIS_ACT_LOWER_IRQ) {
		CHECK(tis_line);
		tis_line = false;
	}
	CHECK(tis_line == tis_irq_line(&tis));
	if (act & TIS_ACT_START) {
		CHECK(!tis_outstanding);
		CHECK(tis.cmd_len >= 10 && tis.cmd_len <= TIS_BUF_SIZE);
		CHECK(tis.cmd_len == get_unaligned_be32(tis.buf + 2));
		CHECK(tis.cmd_loc < 4);
		tis_outstanding = true;
	}
	if (act & TIS_ACT_CANCEL)
		CHECK(tis_outstanding);
}

static void tis_check(void)
{
	static u8 fresh[TIS_PAGE_SIZE];
	u32 sts, burst, room = 0, off, act;
	unsigned int l;

	CHECK(tis_outstanding == (tis.state == TIS_EXECUTION));
	CHECK(tis.state <= TIS_COMPLETION);
	CHECK(tis.w_off <= TIS_BUF_SIZE);
	CHECK(tis.r_off <= tis.rsp_len && tis.rsp_len <= TIS_BUF_SIZE);
	CHECK(tis.active == TIS_NO_LOCALITY || tis.active < 4);
	for (l = 0; l < TIS_NR_LOCALITIES; l++) {
		tis_regs_page(&tis, l, fresh);
		CHECK(!memcmp(fresh, tis_pages[l], TIS_PAGE_SIZE));
		for (off = 0; off < TIS_XDATA_FIFO_END; off += 4) {
			u32 w = fresh[off] | fresh[off + 1] << 8 |
				fresh[off + 2] << 16 |
				(u32)fresh[off + 3] << 24;

			if (tis_is_fifo(l * TIS_LOC_STRIDE + off, 4))
				continue;
			act = 0;
			CHECK(tis_read(&tis, l * TIS_LOC_STRIDE + off, 4,
				       &act) == w);
			CHECK(act == 0);
		}
	}
	if (tis.active == TIS_NO_LOCALITY)
		return;
	sts = tis_read(&tis, tis.active * TIS_LOC_STRIDE + TIS_STS, 4, NULL);
	burst = (sts >> 8) & 0xffff;
	switch (tis.state) {
	case TIS_READY:
		room = TIS_BUF_SIZE;
		break;
	case TIS_RECEPTION:
		room = TIS_BUF_SIZE - tis.w_off;
		break;
	case TIS_COMPLETION:
		room = tis.rsp_len - tis.r_off;
		break;
	}
	CHECK(burst <= room);
	CHECK(!burst || (burst & 0xff));
	if (tis_outstanding)
		CHECK(!(sts & (TIS_STS_DATA_AVAIL | TIS_STS_COMMAND_READY)));
}

/* A write a TIS driver makes: @b names the register and the value */
static void tis_driver_write(unsigned int loc, u8 b)
{
	static const u32 sts[4] = {
		TIS_STS_COMMAND_READY, TIS_STS_GO, TIS_STS_RESPONSE_RETRY,
		TIS_STS_COMMAND_CANCEL,
	};
	u32 base = loc * TIS_LOC_STRIDE, v = b & 0x1f;

	switch (b >> 5) {
	case 0:
		v = TIS_ACCESS_REQUEST_USE;
		break;
	case 1:
		v = v & 0x10 ? TIS_ACCESS_ACTIVE_LOCALITY :
		    v & 0x08 ? TIS_ACCESS_SEIZE : TIS_ACCESS_BEEN_SEIZED;
		break;
	case 2: case 3: case 4:
		base += TIS_STS;
		v = sts[v & 3];
		break;
	case 5:
		base += TIS_INT_ENABLE;
		v = (v & 7) | (v & 8 ? TIS_INT_CMD_READY : 0) |
		    (v & 0x10 ? TIS_INT_GLOBAL_ENABLE : 0);
		break;
	case 6:
		base += TIS_INT_STATUS;
		v = TIS_INT_ALL;
		break;
	case 7:
		base += TIS_INT_VECTOR;
		break;
	}
	tis_act(tis_write(&tis, base, 4, v));
}

/*
 * A burst of FIFO bytes: the actions of all the writes, as one.  (The
 * glue renders after each write; here the pages are compared only at the
 * end of the step, so rendering once is the same, and much faster.)
 */
struct burst {
	u32 act;
	bool all;	/* a write changed more than the active page */
};

static void burst_add(struct burst *b, u32 act)
{
	if ((act & TIS_ACT_REGS) && !(act & TIS_ACT_STS_ONLY))
		b->all = true;
	b->act |= act & ~TIS_ACT_STS_ONLY;
	/* only a FIFO byte's own actions: never a start or a cancel */
	CHECK(!(act & (TIS_ACT_START | TIS_ACT_CANCEL | TIS_ACT_LOWER_IRQ)));
}

static void burst_end(struct burst *b)
{
	if ((b->act & TIS_ACT_REGS) && !b->all)
		b->act |= TIS_ACT_STS_ONLY;
	tis_act(b->act);
}

static void tis_step(u8 sel, struct input *in)
{
	static u8 rsp[TIS_BUF_SIZE + 16];
	unsigned int size = 1 + (sel & 7);
	struct burst b = { 0, false };
	u32 off, len, i, act = 0;
	u64 v;

	switch ((sel >> 4) & 7) {
	case 0: case 1: case 2:
		off = in_offset(in);
		v = in_value(in, size);
		tis_act(tis_write(&tis, off, size, v));
		break;
	case 3:
		tis_driver_write((sel & 7) % TIS_NR_LOCALITIES, in_bytes(in, 1));
		break;
	case 4:
		off = in_offset(in);
		tis_read(&tis, off, size, &act);
		tis_act(act);
		break;
	case 5:
		len = in_bytes(in, 2) % sizeof(rsp);
		for (i = 0; i < len; i++)
			rsp[i] = in->left ? in_bytes(in, 1) : (u8)i;
		if ((sel & 8) && len >= 10) {
			put_unaligned_be16(0x8001, rsp);
			put_unaligned_be32(len, rsp + 2);
		}
		tis_outstanding = false;
		tis_act(tis_complete(&tis, len ? rsp : NULL, len));
		break;
	case 6:
		tis_outstanding = false;
		tis_act(tis_cancelled(&tis));
		break;
	case 7:
		off = (tis.active == TIS_NO_LOCALITY ? 0 : tis.active) *
		      TIS_LOC_STRIDE + TIS_DATA_FIFO;
		if (sel & 8) {
			len = in_bytes(in, 1);
			for (i = 0; i < len && in->left; i++)
				burst_add(&b, tis_write(&tis, off, 1,
							in_bytes(in, 1)));
			burst_end(&b);
			break;
		}
		len = in_bytes(in, 2);
		put_unaligned_be16(0x8001, rsp);
		put_unaligned_be32(len, rsp + 2);
		put_unaligned_be32(0x17b, rsp + 6);
		/* two such commands per input at most: keep the runs fast */
		if (len > fifo_budget)
			len = fifo_budget;
		fifo_budget -= len;
		for (i = 0; i < len && i < TIS_BUF_SIZE + 64; i++)
			burst_add(&b, tis_write(&tis, off, 1, i < 10 ? rsp[i] :
						(u8)i));
		burst_end(&b);
		break;
	}
	tis_check();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	unsigned int l, steps = 0;
	u8 sel;

	if (!size)
		return 0;
	sel = in_bytes(&in, 1);
	crb_size = 10 + ((sel >> 1) * 4086) / 127;
	crb_buf = malloc(crb_size);
	CHECK(crb_buf);
	memset(crb_buf, 0, crb_size);
	CHECK(crb_init(&crb, crb_buf, 0xfed40000ULL + 0x5000, crb_size) == 0);
	tis_init(&tis);
	fifo_budget = 2 * (TIS_BUF_SIZE + 64);
	crb_outstanding = false;
	crb_line = false;
	tis_outstanding = false;
	tis_line = false;
	for (l = 0; l < CRB_NR_LOCALITIES; l++) {
		crb_regs_page(&crb, l, crb_pages[l]);
		tis_regs_page(&tis, l, tis_pages[l]);
	}
	if (sel & 1) {
		crb_act(crb_write(&crb, CRB_LOC_CTRL, 4,
				  CRB_LOC_CTRL_REQUEST_ACCESS));
		crb_act(crb_write(&crb, CRB_CTRL_REQ, 4,
				  CRB_CTRL_REQ_CMD_READY));
		tis_act(tis_write(&tis, TIS_ACCESS, 1,
				  TIS_ACCESS_REQUEST_USE));
		tis_act(tis_write(&tis, TIS_STS, 1, TIS_STS_COMMAND_READY));
		crb_check();
		tis_check();
	}

	while (in.left && steps++ < 4096) {
		sel = in_bytes(&in, 1);
		if (sel & 0x80)
			tis_step(sel, &in);
		else
			crb_step(sel, &in);
	}
	free(crb_buf);
	crb_buf = NULL;
	return 0;
}
