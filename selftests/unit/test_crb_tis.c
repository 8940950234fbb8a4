// SPDX-License-Identifier: GPL-2.0
/*
 * test_crb_tis.c - unit tests for tpmmux/crb.c and tpmmux/tis.c (TAP).
 *
 * Each interface sits in a small environment that plays the other three
 * parties:
 *  - the VMM: guest reads are served from the pages crb_regs_page() and
 *    tis_regs_page() rendered (each checked against crb_read()/tis_read()),
 *    TIS FIFO reads go to tis_read(), writes to crb_write()/tis_write();
 *  - tpmmux's glue: it acts on the returned actions (copies a started
 *    command, cancels, tracks the interrupt line, renders the pages on
 *    CRB_ACT_REGS/TIS_ACT_REGS) and checks them;
 *  - a fake chip that answers a command after a number of guest polls:
 *    GetRandom with its bytes, GetCapability with 512 bytes, anything
 *    else with a 10-byte success.
 * The guest is a model of Linux's drivers, step by step as
 * drivers/char/tpm/tpm_crb.c and tpm_tis_core.c (6.1) drive the registers,
 * plus hand-written accesses for the edge cases, plus a randomized loop
 * (fixed seed) that checks the invariants after every access.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "crb.h"
#include "tis.h"

#define CC_STARTUP		0x144
#define CC_HASH			0x17d
#define CC_GET_CAPABILITY	0x17a
#define CC_GET_RANDOM		0x17b
#define CC_PCR_READ		0x17e
#define RC_CANCELED		0x909
#define RC_COMMAND_SIZE		0x142
#define RC_FAILURE		0x101

#define POLL_MAX		2000

/* Offset of register @r in the window of locality @loc */
#define CRB_REG(loc, r)	((u32)(loc) * CRB_LOC_STRIDE + (r))
#define TIS_REG(loc, r)	((u32)(loc) * TIS_LOC_STRIDE + (r))

/* ------------------------------------------------------------------ */
/* commands and the fake chip                                         */
/* ------------------------------------------------------------------ */

static const u8 cmd_startup[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x44,
	0x00, 0x00,
};

static const u8 cmd_getrandom16[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x01, 0x7b,
	0x00, 0x10,
};

static const u8 cmd_pcrread[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x7e,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x03, 0xff, 0x00, 0x00,
};

static const u8 cmd_getcap[] = {
	0x80, 0x01, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x7a,
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x40,
};

/* TPM2_Hash of 1088 bytes: 1100 bytes, more than one 255-byte burst */
static u8 cmd_hash[1100];

static void make_hash_cmd(void)
{
	u32 i;

	put_unaligned_be16(0x8001, cmd_hash);
	put_unaligned_be32(sizeof(cmd_hash), cmd_hash + 2);
	put_unaligned_be32(CC_HASH, cmd_hash + 6);
	put_unaligned_be16(1084, cmd_hash + 10);
	for (i = 12; i < 1096; i++)
		cmd_hash[i] = (u8)(i * 7);
	put_unaligned_be16(0x000b, cmd_hash + 1096);	/* SHA256 */
	put_unaligned_be16(0x4001, cmd_hash + 1098);	/* TPM_RH_NULL */
}

/* The fake chip's answer to @cmd: the response length */
static u32 chip_answer(const u8 *cmd, u32 len, u8 *rsp)
{
	u32 cc = len >= 10 ? get_unaligned_be32(cmd + 6) : 0;
	u32 rlen = 10, n, i;

	if (cc == CC_GET_RANDOM && len >= 12) {
		n = get_unaligned_be16(cmd + 10);
		if (n > 64)
			n = 64;
		put_unaligned_be16(n, rsp + 10);
		for (i = 0; i < n; i++)
			rsp[12 + i] = (u8)(0xa0 + i);
		rlen = 12 + n;
	} else if (cc == CC_GET_CAPABILITY) {
		rlen = 512;
		for (i = 10; i < rlen; i++)
			rsp[i] = (u8)(i ^ 0x5a);
	}
	put_unaligned_be16(0x8001, rsp);
	put_unaligned_be32(rlen, rsp + 2);
	put_unaligned_be32(0, rsp + 6);
	return rlen;
}

static u64 rng_state = 0x74706d6d7578ULL;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* ------------------------------------------------------------------ */
/* the CRB environment                                                */
/* ------------------------------------------------------------------ */

struct crb_env {
	struct crb_state st;
	u8 *gbuf;		/* the guest's buffer: guest RAM */
	u32 size;
	u8 page[CRB_NR_LOCALITIES][CRB_PAGE_SIZE];
	/* the glue */
	bool outstanding;
	u8 cmd[8192];
	u32 cmd_len;
	u8 cmd_loc;
	int delay;		/* guest polls until the chip answers; <0 never */
	int chip_delay;		/* delay given to each started command */
	bool cancel_now;	/* CRB_ACT_CANCEL: crb_cancelled() at once */
	bool line;
	int starts, cancels, raises, lowers, completions;
	int fails;
	bool quiet;
};

static void crb_env_fail(struct crb_env *e, const char *what)
{
	e->fails++;
	if (!e->quiet || e->fails < 10)
		diag("CRB invariant: %s", what);
}

static void crb_env_render(struct crb_env *e)
{
	unsigned int l;

	for (l = 0; l < CRB_NR_LOCALITIES; l++)
		crb_regs_page(&e->st, l, e->page[l]);
}

static void crb_env_act(struct crb_env *e, u32 act)
{
	if (act & CRB_ACT_REGS)
		crb_env_render(e);
	if (act & CRB_ACT_RAISE_IRQ) {
		if (e->line)
			crb_env_fail(e, "raise while high");
		e->line = true;
		e->raises++;
	}
	if (act & CRB_ACT_LOWER_IRQ) {
		if (!e->line)
			crb_env_fail(e, "lower while low");
		e->line = false;
		e->lowers++;
	}
	if (e->line != crb_irq_line(&e->st))
		crb_env_fail(e, "irq line");
	if (act & CRB_ACT_START) {
		if (e->outstanding)
			crb_env_fail(e, "start while outstanding");
		if (e->st.cmd_len < 10 || e->st.cmd_len > e->size)
			crb_env_fail(e, "cmd_len out of bounds");
		else
			memcpy(e->cmd, e->gbuf, e->st.cmd_len);
		e->cmd_len = e->st.cmd_len;
		e->cmd_loc = e->st.cmd_loc;
		e->outstanding = true;
		e->delay = e->chip_delay;
		e->starts++;
	}
	if (act & CRB_ACT_CANCEL) {
		if (!e->outstanding)
			crb_env_fail(e, "cancel without a command");
		e->cancels++;
		if (e->cancel_now && e->outstanding) {
			e->outstanding = false;
			crb_env_act(e, crb_cancelled(&e->st));
		}
	}
}

static void crb_env_init(struct crb_env *e, u32 size)
{
	memset(e, 0, sizeof(*e));
	e->gbuf = malloc(size);
	memset(e->gbuf, 0, size);
	e->size = size;
	e->chip_delay = 3;
	if (crb_init(&e->st, e->gbuf, 0xfed80000ULL, size))
		crb_env_fail(e, "crb_init");
	crb_env_render(e);
}

static void crb_env_free(struct crb_env *e)
{
	free(e->gbuf);
	e->gbuf = NULL;
}

/* The chip answers the outstanding command now. */
static void crb_env_answer(struct crb_env *e)
{
	u8 rsp[1024];
	u32 rlen;

	if (!e->outstanding)
		return;
	rlen = chip_answer(e->cmd, e->cmd_len, rsp);
	if (rlen > e->size) {
		/* what the glue does with a response that does not fit */
		put_unaligned_be16(0x8001, rsp);
		put_unaligned_be32(10, rsp + 2);
		put_unaligned_be32(RC_FAILURE, rsp + 6);
		rlen = 10;
	}
	memcpy(e->gbuf, rsp, rlen);
	e->outstanding = false;
	e->completions++;
	crb_env_act(e, crb_complete(&e->st, rlen));
}

/* Time passes: one guest poll. */
static void crb_env_tick(struct crb_env *e)
{
	if (e->outstanding && e->delay > 0 && --e->delay == 0)
		crb_env_answer(e);
}

/* A guest read, served from the page as the VMM does */
static u64 crb_g_read(struct crb_env *e, u32 off, unsigned int size)
{
	u64 v = 0, r;
	unsigned int i;

	for (i = 0; i < size; i++) {
		u64 a = (u64)off + i;
		u8 b = a < CRB_REGION_SIZE ?
		       e->page[a / CRB_LOC_STRIDE][a % CRB_LOC_STRIDE] : 0xff;

		v |= (u64)b << (8 * i);
	}
	r = crb_read(&e->st, off, size);
	if (r != v) {
		crb_env_fail(e, "page differs from crb_read()");
		diag("offset 0x%x size %u: page 0x%llx read 0x%llx", off,
		     size, (unsigned long long)v, (unsigned long long)r);
	}
	crb_env_tick(e);
	return v;
}

static void crb_g_write(struct crb_env *e, u32 off, unsigned int size,
			u64 val)
{
	crb_env_act(e, crb_write(&e->st, off, size, val));
}

/* --- Linux's tpm_crb.c, register by register --- */

static bool lx_crb_wait(struct crb_env *e, u32 off, u32 mask, u32 value)
{
	int i;

	for (i = 0; i < POLL_MAX; i++)
		if ((crb_g_read(e, off, 4) & mask) == value)
			return true;
	return false;
}

static int lx_crb_request_locality(struct crb_env *e, int loc)
{
	u32 v = CRB_LOC_STATE_LOC_ASSIGNED | CRB_LOC_STATE_REG_VALID;

	crb_g_write(e, CRB_REG(loc, CRB_LOC_CTRL), 4,
		    CRB_LOC_CTRL_REQUEST_ACCESS);
	return lx_crb_wait(e, CRB_REG(loc, CRB_LOC_STATE), v, v) ? 0 : -ETIME;
}

static int lx_crb_relinquish_locality(struct crb_env *e, int loc)
{
	u32 mask = CRB_LOC_STATE_LOC_ASSIGNED | CRB_LOC_STATE_REG_VALID;

	crb_g_write(e, CRB_REG(loc, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);
	return lx_crb_wait(e, CRB_REG(loc, CRB_LOC_STATE), mask,
			   CRB_LOC_STATE_REG_VALID) ? 0 : -ETIME;
}

static int lx_crb_cmd_ready(struct crb_env *e, int loc)
{
	crb_g_write(e, CRB_REG(loc, CRB_CTRL_REQ), 4, CRB_CTRL_REQ_CMD_READY);
	return lx_crb_wait(e, CRB_REG(loc, CRB_CTRL_REQ),
			   CRB_CTRL_REQ_CMD_READY, 0) ? 0 : -ETIME;
}

static int lx_crb_go_idle(struct crb_env *e, int loc)
{
	crb_g_write(e, CRB_REG(loc, CRB_CTRL_REQ), 4, CRB_CTRL_REQ_GO_IDLE);
	return lx_crb_wait(e, CRB_REG(loc, CRB_CTRL_REQ),
			   CRB_CTRL_REQ_GO_IDLE, 0) ? 0 : -ETIME;
}

static int lx_crb_send(struct crb_env *e, int loc, const u8 *buf, u32 len)
{
	u32 cmd_size;

	crb_g_write(e, CRB_REG(loc, CRB_CTRL_CANCEL), 4, 0);
	cmd_size = crb_g_read(e, CRB_REG(loc, CRB_CTRL_CMD_SIZE), 4);
	if (len > cmd_size)
		return -E2BIG;
	memcpy(e->gbuf, buf, len);
	crb_g_write(e, CRB_REG(loc, CRB_CTRL_START), 4, CRB_CTRL_START_INVOKE);
	return 0;
}

static int lx_crb_recv(struct crb_env *e, int loc, u8 *buf, u32 count)
{
	u32 expected;

	if (count < 10)
		return -EIO;
	if (crb_g_read(e, CRB_REG(loc, CRB_CTRL_STS), 4) & CRB_CTRL_STS_ERROR)
		return -EIO;
	memcpy(buf, e->gbuf, 8);
	expected = get_unaligned_be32(buf + 2);
	if (expected > count || expected < 10)
		return -EIO;
	memcpy(buf + 8, e->gbuf + 8, expected - 8);
	return expected;
}

/* crb_map_io(): locality 0, cmdReady, the buffer's address and size */
static int lx_crb_probe(struct crb_env *e, u64 *pa, u32 *size)
{
	u32 pa_high, pa_low, rsp_size;
	u64 rsp_pa;
	int rc;

	rc = lx_crb_request_locality(e, 0);
	if (rc)
		return rc;
	rc = lx_crb_cmd_ready(e, 0);
	if (rc)
		goto out;
	pa_high = crb_g_read(e, CRB_REG(0, CRB_CTRL_CMD_HADDR), 4);
	pa_low = crb_g_read(e, CRB_REG(0, CRB_CTRL_CMD_LADDR), 4);
	*pa = (u64)pa_high << 32 | pa_low;
	*size = crb_g_read(e, CRB_REG(0, CRB_CTRL_CMD_SIZE), 4);
	rsp_pa = crb_g_read(e, CRB_REG(0, CRB_CTRL_RSP_ADDR), 8);
	rsp_size = crb_g_read(e, CRB_REG(0, CRB_CTRL_RSP_SIZE), 4);
	if (rsp_pa != *pa || rsp_size != *size)
		rc = -EINVAL;
	lx_crb_go_idle(e, 0);
out:
	lx_crb_relinquish_locality(e, 0);
	return rc;
}

/*
 * tpm_transmit() with tpm_chip_start()/tpm_chip_stop() around it, polling
 * START as tpm_try_transmit() does (the CRB driver has no interrupt).
 */
static int lx_crb_transmit(struct crb_env *e, int loc, const u8 *cmd,
			   u32 len, u8 *rsp, u32 rsp_size)
{
	int rc, i;

	rc = lx_crb_request_locality(e, loc);
	if (rc)
		return rc;
	rc = lx_crb_cmd_ready(e, loc);
	if (rc)
		goto out;
	rc = lx_crb_send(e, loc, cmd, len);
	if (rc)
		goto out;
	rc = -ETIME;
	for (i = 0; i < POLL_MAX; i++) {
		u32 start = crb_g_read(e, CRB_REG(loc, CRB_CTRL_START), 4);

		if (!(start & CRB_CTRL_START_INVOKE)) {
			rc = lx_crb_recv(e, loc, rsp, rsp_size);
			break;
		}
		if (crb_g_read(e, CRB_REG(loc, CRB_CTRL_CANCEL), 4) &
		    CRB_CTRL_CANCEL_INVOKE) {
			rc = -ECANCELED;
			break;
		}
	}
	if (rc == -ETIME)	/* tpm_chip_cancel() */
		crb_g_write(e, CRB_REG(loc, CRB_CTRL_CANCEL), 4,
			    CRB_CTRL_CANCEL_INVOKE);
out:
	lx_crb_go_idle(e, loc);
	lx_crb_relinquish_locality(e, loc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the TIS environment                                                */
/* ------------------------------------------------------------------ */

struct tis_env {
	struct tis_state st;
	u8 page[TIS_NR_LOCALITIES][TIS_PAGE_SIZE];
	bool outstanding;
	u8 cmd[TIS_BUF_SIZE];
	u32 cmd_len;
	u8 cmd_loc;
	int delay;
	int chip_delay;
	bool cancel_now;
	bool line;
	int starts, cancels, raises, lowers, completions;
	int fails;
	bool quiet;
	bool auto_ack;		/* the guest's handler acks each interrupt */
	int lx_loc;		/* Linux's priv->locality */
};

static void tis_env_fail(struct tis_env *e, const char *what)
{
	e->fails++;
	if (!e->quiet || e->fails < 10)
		diag("TIS invariant: %s", what);
}

static void tis_env_render(struct tis_env *e)
{
	unsigned int l;

	for (l = 0; l < TIS_NR_LOCALITIES; l++)
		tis_regs_page(&e->st, l, e->page[l]);
}

static void tis_env_act(struct tis_env *e, u32 act)
{
	/* TIS_ACT_STS_ONLY: the active page is enough (checked later) */
	if ((act & TIS_ACT_STS_ONLY) && e->st.active != TIS_NO_LOCALITY)
		tis_regs_page(&e->st, e->st.active, e->page[e->st.active]);
	else if (act & TIS_ACT_REGS)
		tis_env_render(e);
	if ((act & TIS_ACT_STS_ONLY) && !(act & TIS_ACT_REGS))
		tis_env_fail(e, "TIS_ACT_STS_ONLY without TIS_ACT_REGS");
	if (act & TIS_ACT_RAISE_IRQ) {
		if (e->line)
			tis_env_fail(e, "raise while high");
		e->line = true;
		e->raises++;
	}
	if (act & TIS_ACT_LOWER_IRQ) {
		if (!e->line)
			tis_env_fail(e, "lower while low");
		e->line = false;
		e->lowers++;
	}
	if (e->line != tis_irq_line(&e->st))
		tis_env_fail(e, "irq line");
	if (act & TIS_ACT_START) {
		if (e->outstanding)
			tis_env_fail(e, "start while outstanding");
		if (e->st.cmd_len < 10 || e->st.cmd_len > TIS_BUF_SIZE)
			tis_env_fail(e, "cmd_len out of bounds");
		else
			memcpy(e->cmd, e->st.buf, e->st.cmd_len);
		e->cmd_len = e->st.cmd_len;
		e->cmd_loc = e->st.cmd_loc;
		e->outstanding = true;
		e->delay = e->chip_delay;
		e->starts++;
	}
	if (act & TIS_ACT_CANCEL) {
		if (!e->outstanding)
			tis_env_fail(e, "cancel without a command");
		e->cancels++;
		if (e->cancel_now && e->outstanding) {
			e->outstanding = false;
			tis_env_act(e, tis_cancelled(&e->st));
		}
	}
	if (e->auto_ack && e->line && e->st.active != TIS_NO_LOCALITY) {
		/* tis_int_handler(): read INT_STATUS, write it back */
		u32 reg = TIS_REG(e->st.active, TIS_INT_STATUS);
		u32 sts = tis_read(&e->st, reg, 4, NULL);

		tis_env_act(e, tis_write(&e->st, reg, 4, sts));
	}
}

static void tis_env_init(struct tis_env *e)
{
	memset(e, 0, sizeof(*e));
	tis_init(&e->st);
	e->chip_delay = 3;
	tis_env_render(e);
}

static void tis_env_answer(struct tis_env *e)
{
	u8 rsp[1024];
	u32 rlen;

	if (!e->outstanding)
		return;
	rlen = chip_answer(e->cmd, e->cmd_len, rsp);
	e->outstanding = false;
	e->completions++;
	tis_env_act(e, tis_complete(&e->st, rsp, rlen));
}

static void tis_env_tick(struct tis_env *e)
{
	if (e->outstanding && e->delay > 0 && --e->delay == 0)
		tis_env_answer(e);
}

/* A guest read: FIFO reads reach tis_read(), the rest the page */
static u64 tis_g_read(struct tis_env *e, u32 off, unsigned int size)
{
	u64 v = 0, r;
	unsigned int i;
	u32 act = 0;

	if (tis_is_fifo(off, size)) {
		v = tis_read(&e->st, off, size, &act);
		tis_env_act(e, act);
	} else {
		for (i = 0; i < size; i++) {
			u64 a = (u64)off + i;
			u8 b = a < TIS_REGION_SIZE ?
			       e->page[a / TIS_LOC_STRIDE][a % TIS_LOC_STRIDE] :
			       0xff;

			v |= (u64)b << (8 * i);
		}
		r = tis_read(&e->st, off, size, &act);
		if (r != v || act) {
			tis_env_fail(e, "page differs from tis_read()");
			diag("offset 0x%x size %u: page 0x%llx read 0x%llx",
			     off, size, (unsigned long long)v,
			     (unsigned long long)r);
		}
	}
	tis_env_tick(e);
	return v;
}

static void tis_g_write(struct tis_env *e, u32 off, unsigned int size,
			u64 val)
{
	tis_env_act(e, tis_write(&e->st, off, size, val));
}

/* --- Linux's tpm_tis_core.c, register by register --- */

static bool lx_tis_check_locality(struct tis_env *e, int l)
{
	u8 access = tis_g_read(e, TIS_REG(l, TIS_ACCESS), 1);

	if ((access & (TIS_ACCESS_ACTIVE_LOCALITY | TIS_ACCESS_REG_VALID |
		       TIS_ACCESS_REQUEST_USE)) ==
	    (TIS_ACCESS_ACTIVE_LOCALITY | TIS_ACCESS_REG_VALID)) {
		e->lx_loc = l;
		return true;
	}
	return false;
}

static int lx_tis_request_locality(struct tis_env *e, int l)
{
	int i;

	if (lx_tis_check_locality(e, l))
		return l;
	tis_g_write(e, TIS_REG(l, TIS_ACCESS), 1, TIS_ACCESS_REQUEST_USE);
	for (i = 0; i < POLL_MAX; i++)
		if (lx_tis_check_locality(e, l))
			return l;
	return -1;
}

static void lx_tis_relinquish_locality(struct tis_env *e, int l)
{
	tis_g_write(e, TIS_REG(l, TIS_ACCESS), 1, TIS_ACCESS_ACTIVE_LOCALITY);
}

static u8 lx_tis_status(struct tis_env *e)
{
	u8 status = tis_g_read(e, TIS_REG(e->lx_loc, TIS_STS), 1);

	if (status & 0x23)	/* TPM_STS_READ_ZERO */
		return 0;
	return status;
}

static void lx_tis_ready(struct tis_env *e)
{
	tis_g_write(e, TIS_REG(e->lx_loc, TIS_STS), 1, TIS_STS_COMMAND_READY);
}

static int lx_tis_wait_stat(struct tis_env *e, u8 mask)
{
	int i;

	for (i = 0; i < POLL_MAX; i++)
		if ((lx_tis_status(e) & mask) == mask)
			return 0;
	return -ETIME;
}

static int lx_tis_burstcount(struct tis_env *e, u32 *space)
{
	int i, burst;
	u32 v;

	for (i = 0; i < POLL_MAX; i++) {
		v = tis_g_read(e, TIS_REG(e->lx_loc, TIS_STS), 4);
		burst = (v >> 8) & 0xffff;
		/* the invariant: never more than the room left */
		if (space && (u32)burst > *space)
			tis_env_fail(e, "burstCount above the room left");
		if (burst)
			return burst;
	}
	return -EBUSY;
}

static int lx_tis_send_data(struct tis_env *e, const u8 *buf, u32 len)
{
	u32 count = 0, room;
	int burst, i;
	u8 status;

	status = lx_tis_status(e);
	if (!(status & TIS_STS_COMMAND_READY)) {
		lx_tis_ready(e);
		if (lx_tis_wait_stat(e, TIS_STS_COMMAND_READY))
			goto err;
	}
	while (count < len - 1) {
		room = TIS_BUF_SIZE - count;
		burst = lx_tis_burstcount(e, &room);
		if (burst < 0)
			goto err;
		if ((u32)burst > len - count - 1)
			burst = len - count - 1;
		for (i = 0; i < burst; i++)
			tis_g_write(e, TIS_REG(e->lx_loc, TIS_DATA_FIFO), 1,
				    buf[count + i]);
		count += burst;
		if (lx_tis_wait_stat(e, TIS_STS_VALID))
			goto err;
		if (!(lx_tis_status(e) & TIS_STS_EXPECT))
			goto err;
	}
	tis_g_write(e, TIS_REG(e->lx_loc, TIS_DATA_FIFO), 1, buf[count]);
	if (lx_tis_wait_stat(e, TIS_STS_VALID))
		goto err;
	if (lx_tis_status(e) & TIS_STS_EXPECT)
		goto err;
	return 0;
err:
	lx_tis_ready(e);
	return -EIO;
}

static int lx_tis_recv_data(struct tis_env *e, u8 *buf, u32 count,
			    u32 rsp_left)
{
	u32 size = 0, left;
	int burst, i;

	while (size < count) {
		if (lx_tis_wait_stat(e, TIS_STS_DATA_AVAIL | TIS_STS_VALID))
			return -ETIME;
		left = rsp_left - size;
		burst = lx_tis_burstcount(e, &left);
		if (burst < 0)
			return burst;
		if ((u32)burst > count - size)
			burst = count - size;
		for (i = 0; i < burst; i++)
			buf[size + i] = tis_g_read(e,
					TIS_REG(e->lx_loc, TIS_DATA_FIFO), 1);
		size += burst;
	}
	return size;
}

static int lx_tis_recv(struct tis_env *e, u8 *buf, u32 count)
{
	u32 expected, rsp_len = e->st.rsp_len;
	int size, rc;

	if (count < 10) {
		size = -EIO;
		goto out;
	}
	size = lx_tis_recv_data(e, buf, 10, rsp_len);
	if (size < 10)
		goto out;
	expected = get_unaligned_be32(buf + 2);
	if (expected > count || expected < 10) {
		size = -EIO;
		goto out;
	}
	rc = lx_tis_recv_data(e, buf + 10, expected - 10, rsp_len - 10);
	if (rc < 0) {
		size = rc;
		goto out;
	}
	size += rc;
	if (lx_tis_wait_stat(e, TIS_STS_VALID)) {
		size = -ETIME;
		goto out;
	}
	if (lx_tis_status(e) & TIS_STS_DATA_AVAIL)
		size = -EIO;	/* "Error left over data" */
out:
	lx_tis_ready(e);
	return size;
}

/* tpm_tis_core_init() up to the first command */
static int lx_tis_probe(struct tis_env *e, u32 *vendor, u8 *rid)
{
	u32 intmask, intfcaps;
	int i;

	*vendor = tis_g_read(e, TIS_REG(0, TIS_DID_VID), 4);
	/* wait_startup() */
	for (i = 0; i < POLL_MAX; i++)
		if (tis_g_read(e, TIS_REG(0, TIS_ACCESS), 1) &
		    TIS_ACCESS_REG_VALID)
			break;
	if (i == POLL_MAX)
		return -ENODEV;
	intmask = tis_g_read(e, TIS_REG(e->lx_loc, TIS_INT_ENABLE), 4);
	intfcaps = tis_g_read(e, TIS_REG(e->lx_loc, TIS_INTF_CAPABILITY), 4);
	intmask |= intfcaps & TIS_INT_ALL;
	intmask &= ~TIS_INT_GLOBAL_ENABLE;
	if (lx_tis_request_locality(e, 0) < 0)
		return -ENODEV;
	tis_g_write(e, TIS_REG(e->lx_loc, TIS_INT_ENABLE), 4, intmask);
	lx_tis_relinquish_locality(e, 0);
	*rid = tis_g_read(e, TIS_REG(0, TIS_RID), 1);
	return 0;
}

/* tpm_transmit(): locality, send, poll for dataAvail, recv, release */
static int lx_tis_transmit(struct tis_env *e, int loc, const u8 *cmd,
			   u32 len, u8 *rsp, u32 rsp_size)
{
	int rc, i;
	u8 status;

	if (lx_tis_request_locality(e, loc) != loc)
		return -EBUSY;
	rc = lx_tis_send_data(e, cmd, len);
	if (rc)
		goto out;
	tis_g_write(e, TIS_REG(e->lx_loc, TIS_STS), 1, TIS_STS_GO);
	rc = -ETIME;
	for (i = 0; i < POLL_MAX; i++) {
		status = lx_tis_status(e);
		if ((status & (TIS_STS_DATA_AVAIL | TIS_STS_VALID)) ==
		    (TIS_STS_DATA_AVAIL | TIS_STS_VALID)) {
			rc = lx_tis_recv(e, rsp, rsp_size);
			break;
		}
		if (status == TIS_STS_COMMAND_READY) {
			rc = -ECANCELED;
			break;
		}
	}
	if (rc == -ETIME)	/* tpm_chip_cancel(): tpm_tis_ready() */
		lx_tis_ready(e);
out:
	lx_tis_relinquish_locality(e, loc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* CRB tests                                                          */
/* ------------------------------------------------------------------ */

static bool rsp_is(const u8 *rsp, int len, const u8 *cmd, u32 cmd_len)
{
	u8 want[1024];
	u32 wlen = chip_answer(cmd, cmd_len, want);

	return len == (int)wlen && !memcmp(rsp, want, wlen);
}

static u32 rc_of(const u8 *rsp)
{
	return get_unaligned_be32(rsp + 6);
}

static void test_crb_linux(void)
{
	static const struct {
		const char *name;
		const u8 *cmd;
		u32 len;
		u32 rsp_len;
	} cmds[] = {
		{ "Startup", cmd_startup, sizeof(cmd_startup), 10 },
		{ "GetRandom(16)", cmd_getrandom16, sizeof(cmd_getrandom16), 28 },
		{ "PCR_Read", cmd_pcrread, sizeof(cmd_pcrread), 10 },
		{ "GetCapability", cmd_getcap, sizeof(cmd_getcap), 512 },
		{ "Hash(1088 bytes)", cmd_hash, sizeof(cmd_hash), 10 },
	};
	struct crb_env e;
	u8 rsp[4096];
	unsigned int i;
	int rc;

	crb_env_init(&e, 4096);
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_LOC_STATE), 4),
	       CRB_LOC_STATE_REG_VALID | CRB_LOC_STATE_ESTABLISHED,
	       "crb: after init: no locality, registers valid");
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_CTRL_STS), 4), CRB_CTRL_STS_IDLE,
	       "crb: after init: Idle");
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_INTF_ID), 8),
	       0x0001101400025911ULL,
	       "crb: TPM_INTERFACE_ID: CRB, 5 localities, VID 0x1014 DID 1");
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_CTRL_RSP_ADDR), 8),
	       0xfed80000ULL, "crb: RSP_ADDR (64-bit read) is the buffer");
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_CTRL_CMD_LADDR), 4), 0xfed80000,
	       "crb: CMD_LADDR");
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_CTRL_CMD_HADDR), 4), 0,
	       "crb: CMD_HADDR");
	is_int(crb_g_read(&e, CRB_REG(0, CRB_CTRL_CMD_SIZE), 4), 4096,
	       "crb: CMD_SIZE");
	is_int(crb_g_read(&e, CRB_REG(0, CRB_CTRL_RSP_SIZE), 4), 4096,
	       "crb: RSP_SIZE");
	{
		u64 pa = 0;
		u32 size = 0;

		rc = lx_crb_probe(&e, &pa, &size);
		ok(rc == 0 && pa == 0xfed80000ULL && size == 4096,
		   "crb: Linux's crb_map_io() finds the buffer");
		ok(e.st.idle && e.st.active == CRB_NO_LOCALITY,
		   "crb: ... and leaves the TPM Idle, no locality");
	}

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		int starts = e.starts;

		memset(rsp, 0, sizeof(rsp));
		rc = lx_crb_transmit(&e, 0, cmds[i].cmd, cmds[i].len, rsp,
				     sizeof(rsp));
		is_int(rc, cmds[i].rsp_len, "crb: Linux transmits %s",
		       cmds[i].name);
		ok(rsp_is(rsp, rc, cmds[i].cmd, cmds[i].len),
		   "crb: %s: the chip's response", cmds[i].name);
		ok(e.starts == starts + 1 && e.cmd_len == cmds[i].len &&
		   !memcmp(e.cmd, cmds[i].cmd, cmds[i].len) && e.cmd_loc == 0,
		   "crb: %s: one START, the command, locality 0",
		   cmds[i].name);
		is_hex(crb_g_read(&e, CRB_REG(0, CRB_LOC_STATE), 4),
		       CRB_LOC_STATE_REG_VALID | CRB_LOC_STATE_ESTABLISHED,
		       "crb: %s: locality relinquished", cmds[i].name);
		ok(e.st.idle, "crb: %s: Idle after goIdle", cmds[i].name);
	}

	/* a chip so slow that Linux gives up: cancel, then -ETIME */
	e.chip_delay = -1;
	e.cancel_now = true;
	rc = lx_crb_transmit(&e, 0, cmd_getrandom16, sizeof(cmd_getrandom16),
			     rsp, sizeof(rsp));
	is_int(rc, -ETIME, "crb: a command that never ends times out");
	is_int(e.cancels, 1, "crb: Linux's cancel reached the glue");
	ok(!e.outstanding && !e.st.busy,
	   "crb: the glue cancelled it: START reads 0");
	is_hex(rc_of(e.gbuf), RC_CANCELED, "crb: the buffer says canceled");
	e.chip_delay = 3;
	e.cancel_now = false;
	rc = lx_crb_transmit(&e, 0, cmd_getrandom16, sizeof(cmd_getrandom16),
			     rsp, sizeof(rsp));
	ok(rc == 28 && rsp_is(rsp, rc, cmd_getrandom16, 12),
	   "crb: the next command works");
	is_int(e.fails, 0, "crb: Linux flows: no invariant broken");
	crb_env_free(&e);
}

static void crb_put_header(struct crb_env *e, u32 size, u32 cc)
{
	put_unaligned_be16(0x8001, e->gbuf);
	put_unaligned_be32(size, e->gbuf + 2);
	put_unaligned_be32(cc, e->gbuf + 6);
}

static void test_crb_edges(void)
{
	struct crb_env e;
	u32 act;
	int i;

	crb_env_init(&e, 4096);
	e.chip_delay = -1;

	/* START while Idle */
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	is_int(act, 0, "crb: START with no locality: dropped");
	lx_crb_request_locality(&e, 0);
	crb_put_header(&e, 12, CC_STARTUP);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	is_int(act, 0, "crb: START while Idle: dropped");
	is_int(crb_g_read(&e, CRB_REG(0, CRB_CTRL_START), 4), 0,
	       "crb: START while Idle: reads 0");

	/* reserved bits */
	lx_crb_cmd_ready(&e, 0);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 0xfffffffe);
	is_int(act, 0, "crb: START with only reserved bits: dropped");
	crb_g_write(&e, CRB_REG(0, CRB_INT_ENABLE), 4, 0x7ffffff0);
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_INT_ENABLE), 4), 0,
	       "crb: INT_ENABLE: reserved bits are not stored");
	crb_g_write(&e, CRB_REG(0, CRB_LOC_STATE), 4, 0xffffffff);
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_STS), 4, 0xffffffff);
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_CMD_SIZE), 4, 1);
	crb_g_write(&e, CRB_REG(0, CRB_INTF_ID), 8, 0);
	ok(!e.st.error && !e.st.idle && e.st.buf_size == 4096 &&
	   crb_g_read(&e, CRB_REG(0, CRB_INTF_ID), 4) == 0x00025911,
	   "crb: writes to read-only registers change nothing");

	/* a command in progress */
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	crb_env_act(&e, act);
	ok((act & CRB_ACT_START) && e.outstanding && e.cmd_len == 12,
	   "crb: START: CRB_ACT_START, 12 bytes");
	for (i = 0; i < 50; i++)
		if (!(crb_g_read(&e, CRB_REG(0, CRB_CTRL_START), 4) & 1))
			break;
	is_int(i, 50, "crb: START reads 1 while the command waits");
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	is_int(act, 0, "crb: START again while in progress: dropped");
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_REQ), 4,
			CRB_CTRL_REQ_CMD_READY);
	is_int(act, 0, "crb: cmdReady while in progress: dropped");
	ok(crb_g_read(&e, CRB_REG(0, CRB_CTRL_REQ), 4) == 0 &&
	   (crb_g_read(&e, CRB_REG(0, CRB_CTRL_START), 4) & 1),
	   "crb: ... REQ reads 0, START still 1");
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_REQ), 4, CRB_CTRL_REQ_GO_IDLE);
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_CTRL_REQ), 4),
	       CRB_CTRL_REQ_GO_IDLE,
	       "crb: goIdle while in progress: pending, reads 1");
	ok(!e.st.idle, "crb: ... not Idle yet");
	crb_env_answer(&e);
	ok(!e.st.busy && e.st.idle &&
	   crb_g_read(&e, CRB_REG(0, CRB_CTRL_REQ), 4) == 0,
	   "crb: the command ended: Idle, goIdle reads 0");
	is_hex(rc_of(e.gbuf), 0, "crb: ... the response is in the buffer");

	/* cancel while in progress: the glue is told, completion answers */
	lx_crb_cmd_ready(&e, 0);
	memcpy(e.gbuf, cmd_getrandom16, sizeof(cmd_getrandom16));
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_START), 4, 1);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_CANCEL), 4, 1);
	crb_env_act(&e, act);
	ok(act & CRB_ACT_CANCEL,
	   "crb: CANCEL while in progress: the glue is told");
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_CANCEL), 4, 1);
	ok(!(act & CRB_ACT_CANCEL), "crb: CANCEL again: told once only");
	ok(e.st.busy && (crb_g_read(&e, CRB_REG(0, CRB_CTRL_START), 4) & 1),
	   "crb: ... START still reads 1 until the glue answers");
	crb_env_answer(&e);
	ok(!e.st.busy && get_unaligned_be32(e.gbuf + 2) == 28,
	   "crb: completion after cancel: the response");
	is_int(crb_g_read(&e, CRB_REG(0, CRB_CTRL_CANCEL), 4), 1,
	       "crb: CANCEL reads 1 until the driver clears it");
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_CANCEL), 4, 1);
	ok(!(act & CRB_ACT_CANCEL),
	   "crb: CANCEL with nothing in progress: no action");
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_CANCEL), 4, 0);
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_START), 4, 1);
	crb_env_act(&e, crb_write(&e.st, CRB_REG(0, CRB_CTRL_CANCEL), 1, 1));
	e.outstanding = false;
	crb_env_act(&e, crb_cancelled(&e.st));
	ok(!e.st.busy && get_unaligned_be32(e.gbuf + 2) == 10 &&
	   rc_of(e.gbuf) == RC_CANCELED,
	   "crb: crb_cancelled(): START 0, TPM_RC_CANCELED in the buffer");
	is_int(crb_complete(&e.st, 10), 0,
	       "crb: a late completion after crb_cancelled() is ignored");
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_CANCEL), 4, 0);

	/* a command longer than the buffer */
	crb_put_header(&e, 4097, CC_HASH);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	crb_env_act(&e, act);
	ok(!(act & CRB_ACT_START) && !e.outstanding,
	   "crb: commandSize 4097 > buffer: nothing started");
	ok((crb_g_read(&e, CRB_REG(0, CRB_CTRL_STS), 4) & CRB_CTRL_STS_ERROR)
	   && !(crb_g_read(&e, CRB_REG(0, CRB_CTRL_START), 4) & 1),
	   "crb: ... tpmSts (error) set, START reads 0");
	crb_put_header(&e, 12, CC_STARTUP);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	is_int(act, 0, "crb: START after a fatal error: dropped");
	lx_crb_cmd_ready(&e, 0);
	ok(!e.st.error, "crb: cmdReady clears the error");
	crb_put_header(&e, 4096, CC_HASH);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	crb_env_act(&e, act);
	ok((act & CRB_ACT_START) && e.cmd_len == 4096,
	   "crb: a command that exactly fills the buffer starts");
	crb_env_answer(&e);
	crb_put_header(&e, 9, CC_STARTUP);
	act = crb_write(&e.st, CRB_REG(0, CRB_CTRL_START), 4, 1);
	ok(!(act & CRB_ACT_START) && e.st.error,
	   "crb: commandSize 9: error, nothing started");
	lx_crb_go_idle(&e, 0);
	ok(!e.st.error && e.st.idle, "crb: goIdle clears the error too");

	/* Linux sees the error as -EIO, and recovers */
	{
		u8 big[16], rsp[64];
		int rc;

		memcpy(big, cmd_startup, sizeof(cmd_startup));
		put_unaligned_be32(5000, big + 2);
		lx_crb_relinquish_locality(&e, 0);
		e.chip_delay = 2;
		rc = lx_crb_transmit(&e, 0, big, 12, rsp, sizeof(rsp));
		is_int(rc, -EIO, "crb: Linux: a header of 5000 bytes: -EIO");
		rc = lx_crb_transmit(&e, 0, cmd_startup, 12, rsp, sizeof(rsp));
		is_int(rc, 10, "crb: Linux: the next command works");
		e.chip_delay = -1;
	}
	is_int(crb_complete(&e.st, 10), 0,
	       "crb: crb_complete() with nothing in progress: no action");
	is_int(e.fails, 0, "crb: edge cases: no invariant broken");
	crb_env_free(&e);
}

static void test_crb_localities(void)
{
	struct crb_env e;
	u32 act;
	int rc;
	u8 rsp[64];

	crb_env_init(&e, 4096);
	e.chip_delay = 2;

	is_int(lx_crb_request_locality(&e, 2), 0, "crb: locality 2 granted");
	ok(crb_g_read(&e, CRB_REG(2, CRB_LOC_STS), 4) == CRB_LOC_STS_GRANTED &&
	   crb_g_read(&e, CRB_REG(0, CRB_LOC_STS), 4) == 0,
	   "crb: LOC_STS: Granted at 2 only");
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_LOC_STATE), 4),
	       0x80 | 0x01 | 0x02 | (2 << 2),
	       "crb: LOC_STATE (read in window 0): assigned, active 2");

	/* a second locality asks while 2 is active */
	crb_g_write(&e, CRB_REG(1, CRB_LOC_CTRL), 4,
		    CRB_LOC_CTRL_REQUEST_ACCESS);
	ok(e.st.active == 2 && !(crb_g_read(&e, CRB_REG(1, CRB_LOC_STS), 4) &
				 CRB_LOC_STS_GRANTED),
	   "crb: locality 1 asks while 2 is active: waits");
	act = crb_write(&e.st, CRB_REG(1, CRB_CTRL_REQ), 4,
			CRB_CTRL_REQ_CMD_READY);
	ok(act == 0 && e.st.idle,
	   "crb: cmdReady at a locality that is not active: dropped");
	act = crb_write(&e.st, CRB_REG(1, CRB_INT_ENABLE), 4, 0x8000000f);
	ok(act == 0 && e.st.int_enable == 0,
	   "crb: INT_ENABLE at a locality that is not active: dropped");
	lx_crb_cmd_ready(&e, 2);
	memcpy(e.gbuf, cmd_startup, sizeof(cmd_startup));
	act = crb_write(&e.st, CRB_REG(1, CRB_CTRL_START), 4, 1);
	is_int(act, 0, "crb: START at a locality that is not active: dropped");
	crb_g_write(&e, CRB_REG(2, CRB_CTRL_START), 4, 1);
	ok(e.outstanding && e.cmd_loc == 2,
	   "crb: START at locality 2: the command's locality is 2");
	while (e.outstanding)
		crb_g_read(&e, CRB_REG(2, CRB_CTRL_START), 4);
	is_int(lx_crb_relinquish_locality(&e, 2), -ETIME,
	       "crb: 2 relinquishes: Linux's wait fails, 1 got it at once");
	ok(e.st.active == 1 &&
	   crb_g_read(&e, CRB_REG(1, CRB_LOC_STS), 4) == CRB_LOC_STS_GRANTED,
	   "crb: the waiting locality 1 is granted");
	lx_crb_relinquish_locality(&e, 1);
	ok(e.st.active == CRB_NO_LOCALITY, "crb: 1 relinquishes: none active");

	/* highest waiting locality first */
	lx_crb_request_locality(&e, 0);
	crb_g_write(&e, CRB_REG(1, CRB_LOC_CTRL), 4, 1);
	crb_g_write(&e, CRB_REG(3, CRB_LOC_CTRL), 4, 1);
	crb_g_write(&e, CRB_REG(2, CRB_LOC_CTRL), 4, 1);
	crb_g_write(&e, CRB_REG(2, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);
	crb_g_write(&e, CRB_REG(0, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);
	is_int(e.st.active, 3,
	       "crb: after 0, the highest waiting (3; 2 withdrew)");
	crb_g_write(&e, CRB_REG(3, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);
	is_int(e.st.active, 1, "crb: then 1");
	crb_g_write(&e, CRB_REG(1, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);

	/* seize */
	lx_crb_request_locality(&e, 1);
	crb_g_write(&e, CRB_REG(0, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_SEIZE);
	is_int(e.st.active, 1, "crb: a lower locality cannot seize");
	lx_crb_cmd_ready(&e, 1);
	memcpy(e.gbuf, cmd_startup, sizeof(cmd_startup));
	crb_g_write(&e, CRB_REG(1, CRB_CTRL_START), 4, 1);
	act = crb_write(&e.st, CRB_REG(3, CRB_LOC_CTRL), 4,
			CRB_LOC_CTRL_SEIZE);
	crb_env_act(&e, act);
	ok(e.st.active == 3 && (act & CRB_ACT_CANCEL),
	   "crb: 3 seizes from 1: active, 1's command is cancelled");
	is_hex(crb_g_read(&e, CRB_REG(1, CRB_LOC_STS), 4),
	       CRB_LOC_STS_BEEN_SEIZED, "crb: LOC_STS_1: beenSeized");
	crb_env_answer(&e);
	crb_g_write(&e, CRB_REG(1, CRB_LOC_CTRL), 4,
		    CRB_LOC_CTRL_REQUEST_ACCESS);
	is_hex(crb_g_read(&e, CRB_REG(1, CRB_LOC_STS), 4), 0,
	       "crb: requestAccess clears beenSeized");
	crb_g_write(&e, CRB_REG(3, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);
	is_int(e.st.active, 1, "crb: 3 lets go: the waiting 1 has it");
	crb_g_write(&e, CRB_REG(1, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);

	/* locality 4 */
	act = crb_write(&e.st, CRB_REG(4, CRB_LOC_CTRL), 4,
			CRB_LOC_CTRL_REQUEST_ACCESS);
	ok(act == 0 && e.st.active == CRB_NO_LOCALITY,
	   "crb: locality 4 writes are dropped");

	/* a whole Linux command at locality 3 */
	rc = lx_crb_transmit(&e, 3, cmd_getrandom16, 12, rsp, sizeof(rsp));
	ok(rc == 28 && e.cmd_loc == 3, "crb: Linux at locality 3");
	is_int(e.fails, 0, "crb: localities: no invariant broken");
	crb_env_free(&e);
}

static void test_crb_irq(void)
{
	struct crb_env e;
	u32 act, sts;

	crb_env_init(&e, 4096);
	e.chip_delay = -1;
	lx_crb_request_locality(&e, 0);
	crb_g_write(&e, CRB_REG(0, CRB_INT_ENABLE), 4, CRB_INT_START);
	is_hex(crb_g_read(&e, CRB_REG(0, CRB_INT_ENABLE), 4), CRB_INT_START,
	       "crb: INT_ENABLE stores startIntEnable");
	lx_crb_cmd_ready(&e, 0);
	memcpy(e.gbuf, cmd_startup, 12);
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_START), 4, 1);
	crb_env_answer(&e);
	ok(!e.line && e.raises == 0,
	   "crb: completion without globalIntEnable: no interrupt");
	ok(crb_g_read(&e, CRB_REG(0, CRB_INT_STS), 4) & CRB_INT_START,
	   "crb: ... but INT_STS.startInt is set");
	act = crb_write(&e.st, CRB_REG(0, CRB_INT_ENABLE), 4,
			CRB_INT_GLOBAL_ENABLE | CRB_INT_START);
	crb_env_act(&e, act);
	ok((act & CRB_ACT_RAISE_IRQ) && e.line,
	   "crb: enabling with startInt pending raises the line");
	act = crb_write(&e.st, CRB_REG(0, CRB_INT_STS), 4, CRB_INT_START);
	crb_env_act(&e, act);
	ok((act & CRB_ACT_LOWER_IRQ) && !e.line, "crb: ack lowers it");

	crb_g_write(&e, CRB_REG(0, CRB_CTRL_START), 4, 1);
	ok(!e.line, "crb: no interrupt while the command waits");
	act = crb_complete(&e.st, 10);
	e.outstanding = false;
	crb_env_act(&e, act);
	ok((act & CRB_ACT_RAISE_IRQ) && e.line,
	   "crb: completion raises the interrupt");
	/* the guest's handler: read INT_STS, write it back */
	sts = crb_g_read(&e, CRB_REG(0, CRB_INT_STS), 4);
	ok(sts & CRB_INT_START, "crb: handler: INT_STS has startInt");
	crb_g_write(&e, CRB_REG(0, CRB_INT_STS), 4, sts);
	ok(!e.line && !crb_irq_line(&e.st), "crb: handler's ack lowers it");

	crb_g_write(&e, CRB_REG(0, CRB_INT_ENABLE), 4,
		    CRB_INT_GLOBAL_ENABLE | CRB_INT_ALL);
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_REQ), 4, CRB_CTRL_REQ_GO_IDLE);
	crb_g_write(&e, CRB_REG(0, CRB_CTRL_REQ), 4, CRB_CTRL_REQ_CMD_READY);
	ok(e.line && (e.st.int_sts & CRB_INT_CMD_READY),
	   "crb: cmdReady done: cmdReadyInt");
	crb_g_write(&e, CRB_REG(0, CRB_INT_STS), 4, CRB_INT_ALL);
	crb_g_write(&e, CRB_REG(0, CRB_LOC_CTRL), 4, CRB_LOC_CTRL_RELINQUISH);
	ok(!e.line, "crb: relinquish to nobody: no locality interrupt");
	crb_g_write(&e, CRB_REG(2, CRB_LOC_CTRL), 4,
		    CRB_LOC_CTRL_REQUEST_ACCESS);
	ok(e.line && (e.st.int_sts & CRB_INT_LOC_CHANGE),
	   "crb: locality 2 granted: localityChangeInt");
	crb_g_write(&e, CRB_REG(2, CRB_INT_ENABLE), 4, 0);
	ok(!e.line, "crb: clearing the enables lowers the line");
	is_int(e.fails, 0, "crb: interrupts: no invariant broken");
	crb_env_free(&e);
}

static void test_crb_api(void)
{
	struct crb_state st;
	u8 buf[16];
	u8 page[CRB_PAGE_SIZE];

	is_int(crb_init(&st, NULL, 0, 4096), -EINVAL, "crb_init: NULL buffer");
	is_int(crb_init(&st, buf, 0, 9), -EINVAL, "crb_init: 9-byte buffer");
	is_int(crb_init(&st, buf, ~0ULL - 4, 10), -EINVAL,
	       "crb_init: a buffer that wraps");
	is_int(crb_init(&st, buf, 0x100000000ULL, 10), 0,
	       "crb_init: 10 bytes above 4 GiB");
	is_hex(crb_read(&st, CRB_CTRL_CMD_HADDR, 4), 1,
	       "crb: CMD_HADDR of a buffer above 4 GiB");
	is_hex(crb_read(&st, CRB_REGION_SIZE - 2, 4), 0xffff0000,
	       "crb: bytes past the region read 0xff");
	is_hex(crb_read(&st, 0, 0), ~0ULL, "crb: a read of 0 bytes");
	is_int(crb_write(&st, CRB_LOC_CTRL, 9, 1), 0,
	       "crb: a write of 9 bytes is dropped");
	is_int(crb_write(&st, 0xfffffffe, 4, ~0ULL), 0,
	       "crb: a write at the end of the address space is dropped");
	memset(page, 0xaa, sizeof(page));
	crb_regs_page(&st, 5, page);
	is_int(page[0], 0xaa, "crb_regs_page: locality 5 renders nothing");
	crb_regs_page(&st, 4, page);
	ok(page[0] == 0x81 && page[CRB_PAGE_SIZE - 1] == 0,
	   "crb_regs_page: locality 4 renders, the rest zero");
	page[CRB_PAGE_SIZE - 1] = 0xaa;
	page[0] = 0;
	crb_regs_update(&st, 4, page);
	ok(page[0] == 0x81 && page[CRB_PAGE_SIZE - 1] == 0xaa,
	   "crb_regs_update: the registers only, the rest as it was");
}

/* ------------------------------------------------------------------ */
/* TIS tests                                                          */
/* ------------------------------------------------------------------ */

static void test_tis_linux(void)
{
	static const struct {
		const char *name;
		const u8 *cmd;
		u32 len;
		u32 rsp_len;
	} cmds[] = {
		{ "Startup", cmd_startup, sizeof(cmd_startup), 10 },
		{ "GetRandom(16)", cmd_getrandom16, sizeof(cmd_getrandom16), 28 },
		{ "PCR_Read", cmd_pcrread, sizeof(cmd_pcrread), 10 },
		{ "GetCapability", cmd_getcap, sizeof(cmd_getcap), 512 },
		{ "Hash(1088 bytes)", cmd_hash, sizeof(cmd_hash), 10 },
	};
	struct tis_env e;
	u8 rsp[4096];
	unsigned int i;
	int rc;

	tis_env_init(&e);
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_ACCESS), 1), 0x81,
	       "tis: ACCESS after init: valid, nobody active");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_STS), 4), 0xffffffff,
	       "tis: STS of a locality that is not active: all ones");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_DID_VID), 4), 0x00011014,
	       "tis: DID_VID");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_RID), 1), 1, "tis: RID");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_INTF_CAPABILITY), 4), 0x30000697,
	       "tis: INTF_CAPABILITY: 1.3 for TPM 2.0, 64-byte bursts, low level");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_INTERFACE_ID), 4), 0x01002100,
	       "tis: INTERFACE_ID: FIFO, 5 localities");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_INT_ENABLE), 4), 0x08,
	       "tis: INT_ENABLE after init: low level, all off");
	{
		u32 vendor = 0;
		u8 rid = 0;

		rc = lx_tis_probe(&e, &vendor, &rid);
		ok(rc == 0 && vendor == 0x00011014 && rid == 1,
		   "tis: Linux's tpm_tis_core_init() probes the device");
		is_hex(tis_g_read(&e, TIS_REG(0, TIS_INT_ENABLE), 4), 0x8f,
		       "tis: ... the interrupts it knows, not enabled yet");
	}

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		int starts = e.starts;

		memset(rsp, 0, sizeof(rsp));
		rc = lx_tis_transmit(&e, 0, cmds[i].cmd, cmds[i].len, rsp,
				     sizeof(rsp));
		is_int(rc, cmds[i].rsp_len, "tis: Linux transmits %s",
		       cmds[i].name);
		ok(rsp_is(rsp, rc, cmds[i].cmd, cmds[i].len),
		   "tis: %s: the chip's response", cmds[i].name);
		ok(e.starts == starts + 1 && e.cmd_len == cmds[i].len &&
		   !memcmp(e.cmd, cmds[i].cmd, cmds[i].len) && e.cmd_loc == 0,
		   "tis: %s: one START, the command, locality 0",
		   cmds[i].name);
		ok(e.st.active == TIS_NO_LOCALITY && e.st.state == TIS_IDLE,
		   "tis: %s: locality released, Idle", cmds[i].name);
	}

	/* a chip so slow that Linux gives up: commandReady aborts */
	e.chip_delay = -1;
	rc = lx_tis_transmit(&e, 0, cmd_getrandom16, 12, rsp, sizeof(rsp));
	is_int(rc, -ETIME, "tis: a command that never ends times out");
	ok(e.cancels == 1 && e.outstanding && e.st.state == TIS_EXECUTION,
	   "tis: the abort reached the glue; still in progress");
	tis_env_answer(&e);
	ok(e.st.state == TIS_IDLE && e.st.rsp_len == 0,
	   "tis: the late response is dropped: Idle");
	e.chip_delay = 3;
	rc = lx_tis_transmit(&e, 1, cmd_getrandom16, 12, rsp, sizeof(rsp));
	ok(rc == 28 && rsp_is(rsp, rc, cmd_getrandom16, 12) && e.cmd_loc == 1,
	   "tis: the next command works (locality 1)");
	is_int(e.fails, 0, "tis: Linux flows: no invariant broken");
}

static void tis_fifo_bytes(struct tis_env *e, int loc, const u8 *p, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		tis_g_write(e, TIS_REG(loc, TIS_DATA_FIFO), 1, p[i]);
}

static void test_tis_edges(void)
{
	struct tis_env e;
	u8 hdr[10], rsp[64];
	u32 act, v, i;
	u64 v8;
	int rc;

	tis_env_init(&e);
	e.chip_delay = -1;
	lx_tis_request_locality(&e, 0);

	/* reading FIFO with no data */
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 1), 0xff,
	       "tis: FIFO read in Idle: 0xff");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 4), 0xffffffff,
	       "tis: 4-byte FIFO read in Idle: all ones");
	ok(e.st.state == TIS_IDLE, "tis: ... no state change");

	/* writing FIFO while not in commandReady */
	act = tis_write(&e.st, TIS_REG(0, TIS_DATA_FIFO), 1, 0x80);
	ok(act == 0 && e.st.state == TIS_IDLE && e.st.w_off == 0,
	   "tis: FIFO write in Idle: dropped");
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	is_int(act, 0, "tis: tpmGo in Idle: dropped");

	/* commandReady, then Expect */
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	is_hex(v, 0x04000000 | (4095 << 8) | TIS_STS_COMMAND_READY,
	       "tis: Ready: commandReady, burstCount 4095 (not 4096)");
	is_int(tis_g_read(&e, TIS_REG(0, TIS_STS + 1), 1), 0xff,
	       "tis: a byte read of burstCount is not 0");
	tis_fifo_bytes(&e, 0, cmd_getrandom16, 5);
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	ok((v & (TIS_STS_VALID | TIS_STS_EXPECT)) ==
	   (TIS_STS_VALID | TIS_STS_EXPECT) && ((v >> 8) & 0xffff) == 4091,
	   "tis: 5 bytes in: stsValid, Expect, burst 4091");
	tis_fifo_bytes(&e, 0, cmd_getrandom16 + 5, 1);
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	is_int((v >> 8) & 0xffff, 6,
	       "tis: commandSize known: burst = the 6 bytes still expected");
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	is_int(act, 0, "tis: tpmGo while Expect is set: dropped");
	tis_fifo_bytes(&e, 0, cmd_getrandom16 + 6, 6);
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	ok(!(v & TIS_STS_EXPECT) && !(v & 0xffff00),
	   "tis: command complete: Expect clear, burst 0");
	/* past the command's declared size: ignored */
	tis_fifo_bytes(&e, 0, cmd_getrandom16, 4);
	ok(e.st.w_off == 12 && !(tis_g_read(&e, TIS_REG(0, TIS_STS), 4) &
				 TIS_STS_EXPECT),
	   "tis: bytes past commandSize: dropped, Expect stays clear");
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	tis_env_act(&e, act);
	ok((act & TIS_ACT_START) && e.cmd_len == 12 &&
	   !memcmp(e.cmd, cmd_getrandom16, 12),
	   "tis: tpmGo: TIS_ACT_START with the 12 bytes");
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	is_hex(v, 0x04000000 | TIS_STS_VALID,
	       "tis: in progress: stsValid only (no dataAvail)");
	act = tis_write(&e.st, TIS_REG(0, TIS_DATA_FIFO), 1, 0x80);
	ok(act == 0 && e.st.w_off == 12 && e.st.buf[0] == 0x80 &&
	   e.st.state == TIS_EXECUTION,
	   "tis: FIFO write while in progress: dropped");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 1), 0xff,
	       "tis: FIFO read while in progress: 0xff");
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	is_int(act, 0, "tis: tpmGo again while in progress: dropped");

	/* commandCancel while in progress: the glue cancels */
	act = tis_write(&e.st, TIS_REG(0, TIS_STS + 3), 1, 0x01);
	tis_env_act(&e, act);
	ok(act & TIS_ACT_CANCEL, "tis: commandCancel: the glue is told");
	e.outstanding = false;
	tis_env_act(&e, tis_cancelled(&e.st));
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	ok((v & (TIS_STS_DATA_AVAIL | TIS_STS_VALID)) ==
	   (TIS_STS_DATA_AVAIL | TIS_STS_VALID) && ((v >> 8) & 0xffff) == 10,
	   "tis: tis_cancelled(): dataAvail, 10 bytes");
	for (i = 0; i < 10; i++)
		rsp[i] = tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 1);
	is_hex(rc_of(rsp), RC_CANCELED, "tis: ... TPM_RC_CANCELED");
	ok(!(tis_g_read(&e, TIS_REG(0, TIS_STS), 4) & TIS_STS_DATA_AVAIL),
	   "tis: all read: dataAvail clear");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 1), 0xff,
	       "tis: reading past the response: 0xff");
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_RESPONSE_RETRY);
	ok(tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 4) == 0x00000180 &&
	   e.st.r_off == 4, "tis: responseRetry: the response again");

	/* commandReady during execution aborts: Linux sees "canceled" */
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_fifo_bytes(&e, 0, cmd_startup, 12);
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_env_act(&e, act);
	ok((act & TIS_ACT_CANCEL) && e.st.state == TIS_EXECUTION,
	   "tis: commandReady while in progress: cancel, still in progress");
	tis_env_answer(&e);
	is_hex(lx_tis_status(&e), TIS_STS_COMMAND_READY,
	       "tis: completion after the abort: Ready (Linux: canceled)");

	/* a command longer than 4096 bytes */
	put_unaligned_be16(0x8001, hdr);
	put_unaligned_be32(5000, hdr + 2);
	put_unaligned_be32(CC_HASH, hdr + 6);
	tis_fifo_bytes(&e, 0, hdr, 10);
	for (i = 10; i < 4096; i++)
		tis_g_write(&e, TIS_REG(0, TIS_DATA_FIFO), 1, 0x55);
	v = tis_g_read(&e, TIS_REG(0, TIS_STS), 4);
	ok(e.st.w_off == 4096 && !(v & TIS_STS_EXPECT) && !(v & 0xffff00),
	   "tis: 4096 bytes of a 5000-byte command: Expect clear, burst 0");
	for (i = 0; i < 100; i++)
		tis_g_write(&e, TIS_REG(0, TIS_XDATA_FIFO + 4 * (i % 16)), 4,
			    0x12345678);
	is_int(e.st.w_off, 4096, "tis: more data: dropped");
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	tis_env_act(&e, act);
	ok(!(act & TIS_ACT_START) && !e.outstanding &&
	   e.st.state == TIS_COMPLETION,
	   "tis: tpmGo: nothing started, a response is there");
	for (i = 0; i < 10; i++)
		rsp[i] = tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 1);
	is_hex(rc_of(rsp), RC_COMMAND_SIZE, "tis: ... TPM_RC_COMMAND_SIZE");

	/* a header below 10 bytes */
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	put_unaligned_be32(2, hdr + 2);
	tis_fifo_bytes(&e, 0, hdr, 6);
	ok(!(tis_g_read(&e, TIS_REG(0, TIS_STS), 4) & TIS_STS_EXPECT),
	   "tis: commandSize 2: complete after the 6 bytes that say so");
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	tis_env_act(&e, act);
	ok(!(act & TIS_ACT_START) &&
	   rc_of(e.st.buf) == RC_COMMAND_SIZE,
	   "tis: tpmGo: TPM_RC_COMMAND_SIZE, nothing started");

	/* several STS requests at once: none */
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_fifo_bytes(&e, 0, cmd_startup, 12);
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1,
			TIS_STS_GO | TIS_STS_COMMAND_READY);
	ok(act == 0 && e.st.state == TIS_RECEPTION,
	   "tis: tpmGo|commandReady at once: dropped");

	/* commandReady in Reception aborts it */
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	ok(e.st.state == TIS_READY && e.st.w_off == 0,
	   "tis: commandReady in Reception: Ready, command dropped");

	/* 4-byte writes through the XDATA FIFO */
	for (i = 0; i < 12; i += 4)
		tis_g_write(&e, TIS_REG(0, TIS_XDATA_FIFO + i), 4,
			    (u32)cmd_getrandom16[i] |
			    (u32)cmd_getrandom16[i + 1] << 8 |
			    (u32)cmd_getrandom16[i + 2] << 16 |
			    (u32)cmd_getrandom16[i + 3] << 24);
	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	tis_env_act(&e, act);
	ok((act & TIS_ACT_START) && !memcmp(e.cmd, cmd_getrandom16, 12),
	   "tis: a command in 4-byte XDATA_FIFO writes");
	tis_env_answer(&e);
	act = 0;
	v8 = tis_read(&e.st, TIS_REG(0, TIS_XDATA_FIFO), 8, &act);
	tis_env_act(&e, act);
	ok(v8 == 0x00001c0000000180ULL && e.st.r_off == 8,
	   "tis: an 8-byte XDATA_FIFO read takes 8 bytes");
	for (i = 0; i < 20; i++)
		rsp[i] = tis_g_read(&e, TIS_REG(0, TIS_DATA_FIFO), 1);
	ok(!memcmp(rsp, "\x00\x00\x00\x10\xa0\xa1", 6) &&
	   rsp[19] == 0xa0 + 15 &&
	   !(tis_g_read(&e, TIS_REG(0, TIS_STS), 4) & TIS_STS_DATA_AVAIL),
	   "tis: the rest of the GetRandom response, then no dataAvail");
	lx_tis_relinquish_locality(&e, 0);

	/* Linux: a 5000-byte header: the send fails to see Expect */
	{
		u8 big[12];

		memcpy(big, cmd_startup, 12);
		put_unaligned_be32(5000, big + 2);
		e.chip_delay = 2;
		rc = lx_tis_transmit(&e, 0, big, 12, rsp, sizeof(rsp));
		is_int(rc, -EIO,
		       "tis: Linux: 12 bytes that say 5000: Expect stays, -EIO");
		rc = lx_tis_transmit(&e, 0, cmd_startup, 12, rsp, sizeof(rsp));
		is_int(rc, 10, "tis: Linux: the next command works");
	}
	is_int(e.fails, 0, "tis: edge cases: no invariant broken");
}

static void test_tis_localities(void)
{
	struct tis_env e;
	u32 act;
	u8 rsp[64];
	int rc;

	tis_env_init(&e);
	e.chip_delay = 2;
	is_int(lx_tis_request_locality(&e, 0), 0, "tis: locality 0 granted");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_ACCESS), 1), 0xa1,
	       "tis: ACCESS_0: valid, active");
	tis_g_write(&e, TIS_REG(2, TIS_ACCESS), 1, TIS_ACCESS_REQUEST_USE);
	is_hex(tis_g_read(&e, TIS_REG(2, TIS_ACCESS), 1), 0x83,
	       "tis: locality 2 asks while 0 is active: requestUse");
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_ACCESS), 1), 0xa5,
	       "tis: ACCESS_0: pendingRequest");
	ok(lx_tis_request_locality(&e, 2) == -1,
	   "tis: Linux at 2 waits in vain while 0 holds on");
	is_hex(tis_g_read(&e, TIS_REG(2, TIS_STS), 4), 0xffffffff,
	       "tis: STS_2: all ones (not active)");
	act = tis_write(&e.st, TIS_REG(2, TIS_STS), 1, TIS_STS_COMMAND_READY);
	is_int(act, 0,
	       "tis: commandReady at a locality that is not active: dropped");

	/* 0 is writing a command, then lets go: the command is dropped */
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_fifo_bytes(&e, 0, cmd_startup, 7);
	act = tis_write(&e.st, TIS_REG(2, TIS_DATA_FIFO), 1, 0);
	ok(act == 0 && e.st.w_off == 7,
	   "tis: FIFO write at a locality that is not active: dropped");
	is_hex(tis_g_read(&e, TIS_REG(2, TIS_DATA_FIFO), 1), 0xff,
	       "tis: FIFO read at a locality that is not active: 0xff");
	lx_tis_relinquish_locality(&e, 0);
	ok(e.st.active == 2 && e.st.state == TIS_IDLE && e.st.w_off == 0,
	   "tis: 0 lets go: 2 is active, 0's command dropped, Idle");
	is_hex(tis_g_read(&e, TIS_REG(2, TIS_ACCESS), 1), 0xa1,
	       "tis: ACCESS_2: active, request gone");
	rc = lx_tis_transmit(&e, 2, cmd_getrandom16, 12, rsp, sizeof(rsp));
	ok(rc == 28 && e.cmd_loc == 2, "tis: Linux at locality 2");

	/* seize */
	lx_tis_request_locality(&e, 1);
	tis_g_write(&e, TIS_REG(0, TIS_ACCESS), 1, TIS_ACCESS_SEIZE);
	is_int(e.st.active, 1, "tis: a lower locality cannot seize");
	tis_g_write(&e, TIS_REG(1, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_fifo_bytes(&e, 1, cmd_startup, 12);
	tis_g_write(&e, TIS_REG(1, TIS_STS), 1, TIS_STS_GO);
	e.delay = -1;
	act = tis_write(&e.st, TIS_REG(3, TIS_ACCESS), 1, TIS_ACCESS_SEIZE);
	tis_env_act(&e, act);
	ok(e.st.active == 3 && (act & TIS_ACT_CANCEL),
	   "tis: 3 seizes from 1: active, 1's command is aborted");
	is_hex(tis_g_read(&e, TIS_REG(1, TIS_ACCESS), 1), 0x91,
	       "tis: ACCESS_1: beenSeized");
	is_hex(tis_g_read(&e, TIS_REG(3, TIS_STS), 4), 0x04000080,
	       "tis: STS_3: the aborted command still runs");
	tis_env_answer(&e);
	ok(e.st.state == TIS_IDLE, "tis: it ends: Idle, response dropped");
	tis_g_write(&e, TIS_REG(1, TIS_ACCESS), 1, TIS_ACCESS_BEEN_SEIZED);
	is_hex(tis_g_read(&e, TIS_REG(1, TIS_ACCESS), 1), 0x81,
	       "tis: writing beenSeized clears it");
	lx_tis_relinquish_locality(&e, 3);

	act = tis_write(&e.st, TIS_REG(4, TIS_ACCESS), 1,
			TIS_ACCESS_REQUEST_USE);
	ok(act == 0 && e.st.active == TIS_NO_LOCALITY,
	   "tis: locality 4 writes are dropped");
	is_int(e.fails, 0, "tis: localities: no invariant broken");
}

static void test_tis_irq(void)
{
	struct tis_env e;
	u32 act, sts, vec;
	u8 rsp[64];
	int rc;

	tis_env_init(&e);
	e.chip_delay = -1;
	lx_tis_request_locality(&e, 0);
	/* Linux's probe: vector, clear status, enable */
	vec = tis_g_read(&e, TIS_REG(0, TIS_INT_VECTOR), 1);
	tis_g_write(&e, TIS_REG(0, TIS_INT_VECTOR), 1, 10);
	is_int(tis_g_read(&e, TIS_REG(0, TIS_INT_VECTOR), 1), 10,
	       "tis: INT_VECTOR stores the vector (was %u)", vec);
	sts = tis_g_read(&e, TIS_REG(0, TIS_INT_STATUS), 4);
	tis_g_write(&e, TIS_REG(0, TIS_INT_STATUS), 4, sts);
	is_int(tis_g_read(&e, TIS_REG(0, TIS_INT_STATUS), 4), 0,
	       "tis: INT_STATUS cleared");
	/* as Linux: the enable register's bits, the supported interrupts */
	vec = tis_g_read(&e, TIS_REG(0, TIS_INT_ENABLE), 4);
	tis_g_write(&e, TIS_REG(0, TIS_INT_ENABLE), 4, vec |
		    TIS_INT_GLOBAL_ENABLE | TIS_INT_ALL | 0x7f000000);
	is_hex(tis_g_read(&e, TIS_REG(0, TIS_INT_ENABLE), 4),
	       TIS_INT_GLOBAL_ENABLE | TIS_INT_ALL | TIS_INT_POLARITY_LOW_LEVEL,
	       "tis: INT_ENABLE: reserved bits not stored");
	ok(!e.line, "tis: nothing pending: line low");

	act = tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_env_act(&e, act);
	ok((act & TIS_ACT_RAISE_IRQ) && (e.st.int_status & TIS_INT_CMD_READY),
	   "tis: commandReady: commandReadyInt raises the line");
	tis_g_write(&e, TIS_REG(0, TIS_INT_STATUS), 4,
		    tis_g_read(&e, TIS_REG(0, TIS_INT_STATUS), 4));
	ok(!e.line, "tis: the handler's ack lowers it");
	tis_fifo_bytes(&e, 0, cmd_getrandom16, 12);
	ok(e.line && (e.st.int_status & TIS_INT_STS_VALID),
	   "tis: command bytes: stsValidInt");
	tis_g_write(&e, TIS_REG(0, TIS_INT_STATUS), 4, TIS_INT_ALL);
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	ok(!e.line, "tis: no interrupt while the command waits");
	tis_env_answer(&e);
	ok(e.line && (e.st.int_status & TIS_INT_DATA_AVAIL),
	   "tis: completion: dataAvailInt raises the line");
	tis_g_write(&e, TIS_REG(0, TIS_INT_STATUS), 4, TIS_INT_DATA_AVAIL);
	ok(e.line, "tis: stsValid still pending: the line stays up");
	tis_g_write(&e, TIS_REG(0, TIS_INT_STATUS), 4, TIS_INT_STS_VALID);
	ok(!e.line, "tis: all acked: low");
	tis_g_write(&e, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	tis_g_write(&e, TIS_REG(0, TIS_INT_STATUS), 4, TIS_INT_ALL);
	lx_tis_relinquish_locality(&e, 0);
	act = tis_write(&e.st, TIS_REG(1, TIS_ACCESS), 1,
			TIS_ACCESS_REQUEST_USE);
	tis_env_act(&e, act);
	ok((act & TIS_ACT_RAISE_IRQ) &&
	   (e.st.int_status & TIS_INT_LOC_CHANGE),
	   "tis: locality 1 granted: localityChangeInt");
	act = tis_write(&e.st, TIS_REG(1, TIS_INT_ENABLE), 4, 0);
	tis_env_act(&e, act);
	ok(act & TIS_ACT_LOWER_IRQ, "tis: global enable off: lowered");
	lx_tis_relinquish_locality(&e, 1);

	/* a Linux command with interrupts on and the handler acking */
	e.chip_delay = 3;
	tis_g_write(&e, TIS_REG(0, TIS_ACCESS), 1, TIS_ACCESS_REQUEST_USE);
	tis_g_write(&e, TIS_REG(0, TIS_INT_ENABLE), 4,
		    TIS_INT_GLOBAL_ENABLE | TIS_INT_ALL);
	lx_tis_relinquish_locality(&e, 0);
	e.raises = 0;
	e.auto_ack = true;
	rc = lx_tis_transmit(&e, 0, cmd_startup, 12, rsp, sizeof(rsp));
	ok(rc == 10 && e.raises >= 2,
	   "tis: Linux with interrupts on: the command works, %d raises",
	   e.raises);
	is_int(e.fails, 0, "tis: interrupts: no invariant broken");
}

static void test_tis_api(void)
{
	struct tis_env e;
	u8 page[TIS_PAGE_SIZE];
	u32 act = 0, i;

	tis_env_init(&e);
	ok(tis_is_fifo(TIS_REG(3, TIS_DATA_FIFO + 3), 1) &&
	   !tis_is_fifo(TIS_REG(0, TIS_STS), 4) &&
	   !tis_is_fifo(TIS_REG(0, TIS_DATA_FIFO), 9) &&
	   tis_is_fifo(TIS_REG(0, 0x20), 8) &&
	   !tis_is_fifo(TIS_REG(0, 0x20), 4) &&
	   tis_is_fifo(TIS_REG(1, TIS_XDATA_FIFO_END - 1), 1) &&
	   !tis_is_fifo(TIS_REG(1, TIS_XDATA_FIFO_END), 4) &&
	   !tis_is_fifo(TIS_REGION_SIZE + TIS_DATA_FIFO, 1),
	   "tis_is_fifo(): FIFO and XDATA_FIFO bytes only");
	is_hex(tis_read(&e.st, 0, 9, &act), ~0ULL, "tis: a 9-byte read");
	is_int(tis_write(&e.st, 0, 0, 0), 0, "tis: a 0-byte write");
	is_hex(tis_read(&e.st, TIS_REGION_SIZE - 1, 2, NULL), 0xff00,
	       "tis: bytes past the region read 0xff");
	is_int(tis_complete(&e.st, NULL, 0), 0,
	       "tis_complete() with nothing in progress: no action");
	is_int(tis_cancelled(&e.st), 0,
	       "tis_cancelled() with nothing in progress: no action");
	memset(page, 0xaa, sizeof(page));
	tis_regs_page(&e.st, 7, page);
	is_int(page[0], 0xaa, "tis_regs_page: locality 7 renders nothing");
	tis_regs_page(&e.st, 0, page);
	ok(page[0] == 0x81 && page[TIS_DATA_FIFO] == 0xff &&
	   page[0xc0] == 0 && page[0xf00] == 0x14 && page[0xfff] == 0,
	   "tis_regs_page: registers, FIFO all ones, the rest zero");
	page[0xfff] = 0xaa;
	page[0] = 0;
	tis_regs_update(&e.st, 0, page);
	ok(page[0] == 0x81 && page[TIS_DATA_FIFO] == 0xff && page[0xfff] == 0xaa,
	   "tis_regs_update: the registers only, the rest as it was");

	/* bad responses from the glue */
	tis_write(&e.st, TIS_REG(0, TIS_ACCESS), 1, TIS_ACCESS_REQUEST_USE);
	tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	for (i = 0; i < 12; i++)
		tis_write(&e.st, TIS_REG(0, TIS_DATA_FIFO), 1, cmd_startup[i]);
	tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	tis_complete(&e.st, cmd_startup, 9);
	ok(e.st.rsp_len == 10 && rc_of(e.st.buf) == RC_FAILURE,
	   "tis_complete(): a 9-byte response becomes TPM_RC_FAILURE");
	tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_COMMAND_READY);
	for (i = 0; i < 12; i++)
		tis_write(&e.st, TIS_REG(0, TIS_DATA_FIFO), 1, cmd_startup[i]);
	tis_write(&e.st, TIS_REG(0, TIS_STS), 1, TIS_STS_GO);
	memcpy(e.st.buf, cmd_pcrread, sizeof(cmd_pcrread));
	tis_complete(&e.st, e.st.buf, sizeof(cmd_pcrread));
	ok(e.st.rsp_len == sizeof(cmd_pcrread) &&
	   !memcmp(e.st.buf, cmd_pcrread, sizeof(cmd_pcrread)),
	   "tis_complete(): a response built in place in st->buf");
}

/* ------------------------------------------------------------------ */
/* randomized                                                         */
/* ------------------------------------------------------------------ */

static const u32 crb_offs[] = {
	CRB_LOC_STATE, CRB_LOC_CTRL, CRB_LOC_STS, CRB_INTF_ID, CRB_INTF_ID + 4,
	CRB_CTRL_EXT, CRB_CTRL_REQ, CRB_CTRL_STS, CRB_CTRL_CANCEL,
	CRB_CTRL_START, CRB_INT_ENABLE, CRB_INT_STS, CRB_CTRL_CMD_SIZE,
	CRB_CTRL_CMD_LADDR, CRB_CTRL_CMD_HADDR, CRB_CTRL_RSP_SIZE,
	CRB_CTRL_RSP_ADDR, CRB_CTRL_RSP_ADDR + 4,
	/* the most useful ones again */
	CRB_LOC_CTRL, CRB_CTRL_REQ, CRB_CTRL_START, CRB_CTRL_START,
	CRB_CTRL_CANCEL, CRB_INT_STS,
};

static u64 rnd_value(void)
{
	switch (rnd() % 6) {
	case 0:
		return 0;
	case 1:
		return ~0ULL;
	case 2:
		return rnd();
	default:
		return 1ULL << (rnd() % 4) | (rnd() % 8 ? 0 : 1ULL << 31);
	}
}

/* A value for the CRB register at @off: mostly one a driver writes */
static u64 crb_rnd_value(u32 off)
{
	if (rnd() % 5 == 0)
		return rnd_value();
	switch (off % CRB_LOC_STRIDE) {
	case CRB_LOC_CTRL:
		return rnd() % 3 ? CRB_LOC_CTRL_REQUEST_ACCESS :
		       1u << (rnd() % 4);
	case CRB_CTRL_REQ:
		return rnd() % 3 ? CRB_CTRL_REQ_CMD_READY :
		       1 + rnd() % 3;
	case CRB_CTRL_START:
	case CRB_CTRL_CANCEL:
		return rnd() % 4 ? 1 : 0;
	case CRB_INT_ENABLE:
		return rnd() % 2 ? CRB_INT_GLOBAL_ENABLE | CRB_INT_ALL :
		       rnd() % 16;
	case CRB_INT_STS:
		return rnd() % 16;
	}
	return rnd_value();
}

static unsigned int rnd_size(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 4, 4, 4, 8, 3, 0, 9 };

	return sizes[rnd() % ARRAY_SIZE(sizes)];
}

static u32 interesting_size(u32 bufsize)
{
	static const u32 s[] = { 0, 1, 9, 10, 12, 0x7fffffff, 0xffffffff };

	switch (rnd() % 4) {
	case 0:
		return s[rnd() % ARRAY_SIZE(s)];
	case 1:
		return bufsize - 1 + rnd() % 3;
	default:
		return 10 + rnd() % (bufsize - 9);
	}
}

static void crb_random_check(struct crb_env *e)
{
	static u8 fresh[CRB_PAGE_SIZE];
	unsigned int l;

	for (l = 0; l < CRB_NR_LOCALITIES; l++) {
		u32 start = crb_read(&e->st, CRB_REG(l, CRB_CTRL_START), 4);

		if (e->outstanding && !(start & 1))
			crb_env_fail(e, "START 0, a command outstanding");
		if (!e->outstanding && (start & 1))
			crb_env_fail(e, "START reads 1 with none");
		crb_regs_page(&e->st, l, fresh);
		if (memcmp(fresh, e->page[l], CRB_REGS_END))
			crb_env_fail(e, "registers changed, no REGS");
		if ((crb_read(&e->st, CRB_REG(l, CRB_LOC_STS), 4) & 1) !=
		    (e->st.active == l))
			crb_env_fail(e, "Granted");
	}
	if (e->line != crb_irq_line(&e->st))
		crb_env_fail(e, "irq line");
	if (e->st.active != CRB_NO_LOCALITY && e->st.active > 3)
		crb_env_fail(e, "locality 4 active");
}

static void test_crb_random(void)
{
	static const u32 sizes[] = { 10, 64, 4096 };
	struct crb_env e;
	u32 loc, off, op, n = 0;
	u64 size_errors;
	int i, run;

	rng_state = 0x2b992ddfa23249d6ULL;
	for (run = 0; run < 3; run++) {
		crb_env_init(&e, sizes[run]);
		size_errors = 0;
		e.quiet = true;
		e.chip_delay = -1;
		for (i = 0; i < 100000 / 3 + 1; i++, n++) {
			op = rnd() % 100;
			loc = rnd() % 3 ? (e.st.active == CRB_NO_LOCALITY ?
					   0 : e.st.active) : rnd() % 5;
			off = crb_offs[rnd() % ARRAY_SIZE(crb_offs)];
			if (rnd() % 16 == 0)
				off = rnd() % 0x1000;
			off += loc * CRB_LOC_STRIDE;
			if (rnd() % 256 == 0)
				off = rnd();
			if (op < 55) {
				crb_g_write(&e, off, rnd() % 4 ? 4 : rnd_size(),
					    crb_rnd_value(off));
			} else if (op < 75) {
				unsigned int s = rnd_size();

				if (s >= 1 && s <= 8)
					crb_g_read(&e, off, s);
				else
					crb_read(&e.st, off, s);
			} else if (op < 85) {
				u32 size = interesting_size(e.size);
				u32 at = rnd() % 6 == 0 ? 0 : 2;

				/* the guest writes a header (or garbage) */
				if (at + 4 <= e.size)
					put_unaligned_be32(size, e.gbuf + at);
			} else if (op < 93) {
				if (e.outstanding)
					crb_env_answer(&e);
			} else if (op < 96) {
				if (e.outstanding) {
					e.outstanding = false;
					crb_env_act(&e, crb_cancelled(&e.st));
				}
			} else if (op < 99) {
				/* a bogus response length from the glue */
				if (e.outstanding) {
					e.outstanding = false;
					crb_env_act(&e, crb_complete(&e.st,
							rnd() % 2 ? 0 :
							e.size + 1));
				}
			} else if (rnd() % 8 == 0) {
				e.outstanding = false;
				e.line = false;
				size_errors += e.st.errors;
				if (crb_init(&e.st, e.gbuf, rnd(), e.size))
					crb_init(&e.st, e.gbuf, 0, e.size);
				crb_env_render(&e);
			}
			crb_random_check(&e);
		}
		diag("crb random, buffer %u: %d starts, %d completions, %d cancels, %d raises, %llu errors",
		     sizes[run],
		     e.starts, e.completions, e.cancels, e.raises,
		     (unsigned long long)(size_errors + e.st.errors));
		ok(e.starts > 100, "crb random (buffer %u): commands started",
		   sizes[run]);
		is_int(e.fails, 0,
		       "crb random (buffer %u): no invariant broken",
		       sizes[run]);
		crb_env_free(&e);
	}
	diag("crb random: %u accesses in all", n);
}

static const u32 tis_offs[] = {
	TIS_ACCESS, TIS_INT_ENABLE, TIS_INT_VECTOR, TIS_INT_STATUS,
	TIS_INTF_CAPABILITY, TIS_STS, TIS_STS + 1, TIS_STS + 3,
	TIS_DATA_FIFO, TIS_INTERFACE_ID, TIS_XDATA_FIFO, TIS_DID_VID, TIS_RID,
	TIS_ACCESS, TIS_STS, TIS_STS, TIS_DATA_FIFO, TIS_DATA_FIFO,
};

static void tis_random_check(struct tis_env *e)
{
	static u8 fresh[TIS_PAGE_SIZE];
	u32 sts, burst, room = 0;
	unsigned int l;

	if (e->outstanding != (e->st.state == TIS_EXECUTION))
		tis_env_fail(e, "outstanding but not in Execution");
	if (e->st.w_off > TIS_BUF_SIZE || e->st.r_off > e->st.rsp_len ||
	    e->st.rsp_len > TIS_BUF_SIZE)
		tis_env_fail(e, "offsets out of bounds");
	for (l = 0; l < TIS_NR_LOCALITIES; l++) {
		tis_regs_page(&e->st, l, fresh);
		if (memcmp(fresh, e->page[l], TIS_XDATA_FIFO_END) ||
		    memcmp(fresh + TIS_DID_VID, e->page[l] + TIS_DID_VID, 8))
			tis_env_fail(e, "registers changed, no REGS");
	}
	if (e->st.active == TIS_NO_LOCALITY)
		return;
	sts = tis_read(&e->st, TIS_REG(e->st.active, TIS_STS), 4, NULL);
	burst = (sts >> 8) & 0xffff;
	switch (e->st.state) {
	case TIS_READY:
		room = TIS_BUF_SIZE;
		break;
	case TIS_RECEPTION:
		room = TIS_BUF_SIZE - e->st.w_off;
		break;
	case TIS_COMPLETION:
		room = e->st.rsp_len - e->st.r_off;
		break;
	}
	if (burst > room)
		tis_env_fail(e, "burstCount above the room left");
	if (burst && !(burst & 0xff))
		tis_env_fail(e, "burstCount's low byte 0");
	if (e->outstanding && (sts & (TIS_STS_DATA_AVAIL |
				      TIS_STS_COMMAND_READY)))
		tis_env_fail(e, "dataAvail or commandReady while outstanding");
	if (e->st.active > 3)
		tis_env_fail(e, "locality 4 active");
	if (e->line != tis_irq_line(&e->st))
		tis_env_fail(e, "irq line");
}

static void test_tis_random(void)
{
	struct tis_env e;
	u32 loc, off, op, i, want = 0;
	int starts_big = 0;
	u64 size_errors = 0;

	rng_state = 0x9e3779b97f4a7c15ULL;
	tis_env_init(&e);
	e.quiet = true;
	e.chip_delay = -1;
	for (i = 0; i < 100000; i++) {
		op = rnd() % 100;
		loc = rnd() % 4 ? (e.st.active == TIS_NO_LOCALITY ?
				   0 : e.st.active) : rnd() % 5;
		off = tis_offs[rnd() % ARRAY_SIZE(tis_offs)];
		if (rnd() % 16 == 0)
			off = rnd() % 0x1000;
		off += loc * TIS_LOC_STRIDE;
		if (rnd() % 512 == 0)
			off = rnd();
		if (op < 40) {
			/* a command's worth of bytes, as a driver writes it */
			u32 n = rnd() % 4 ? 1 + rnd() % 16 : rnd() % 1100;
			u32 k;

			if (e.st.state == TIS_READY) {
				want = rnd() % 4 ? 10 + rnd() % 64 :
				       interesting_size(TIS_BUF_SIZE);
			}
			for (k = 0; k < n; k++) {
				u32 w = e.st.w_off;
				u8 b = (u8)rnd();

				if (w >= 2 && w < 6)
					b = want >> (8 * (5 - w));
				tis_g_write(&e, TIS_REG(loc, TIS_DATA_FIFO),
					    1, b);
			}
		} else if (op < 55) {
			u32 v = rnd() % 3 ? TIS_STS_GO : TIS_STS_COMMAND_READY;

			if (rnd() % 5 == 0)
				v = rnd_value();
			tis_g_write(&e, TIS_REG(loc, TIS_STS), rnd() % 4 ?
				    1 : 4, v);
		} else if (op < 70) {
			tis_g_write(&e, off, rnd_size(), rnd_value());
		} else if (op < 85) {
			unsigned int s = rnd_size();

			if (s >= 1 && s <= 8) {
				tis_g_read(&e, off, s);
			} else {
				u32 act = 0;

				tis_read(&e.st, off, s, &act);
				tis_env_act(&e, act);
			}
		} else if (op < 88) {
			u32 a = TIS_ACCESS_REQUEST_USE;

			if (rnd() % 3 == 0)
				a = TIS_ACCESS_ACTIVE_LOCALITY;
			if (rnd() % 8 == 0)
				a = rnd_value();
			tis_g_write(&e, TIS_REG(rnd() % 5, TIS_ACCESS), 1, a);
		} else if (op < 96) {
			if (e.outstanding) {
				if (e.cmd_len > 1000)
					starts_big++;
				if (rnd() % 8 == 0) {
					u8 r[TIS_BUF_SIZE + 8];
					u32 len = rnd() % (TIS_BUF_SIZE + 8);

					memset(r, 0x77, len);
					e.outstanding = false;
					tis_env_act(&e, tis_complete(&e.st, r,
								     len));
				} else {
					tis_env_answer(&e);
				}
			}
		} else if (op < 99) {
			if (e.outstanding) {
				e.outstanding = false;
				tis_env_act(&e, tis_cancelled(&e.st));
			}
		} else if (rnd() % 8 == 0) {
			/* a VM reset */
			size_errors += e.st.errors;
			tis_init(&e.st);
			e.outstanding = false;
			e.line = false;
			tis_env_render(&e);
		}
		tis_random_check(&e);
	}
	diag("tis random: %d starts (%d over 1000 bytes), %d completions, %d cancels, %d raises, %llu size errors",
	     e.starts, starts_big,
	     e.completions, e.cancels, e.raises,
	     (unsigned long long)(size_errors + e.st.errors));
	ok(e.starts > 100, "tis random: commands started");
	is_int(e.fails, 0, "tis random: 100000 accesses, no invariant broken");
}

int main(void)
{
	make_hash_cmd();
	test_crb_linux();
	test_crb_edges();
	test_crb_localities();
	test_crb_irq();
	test_crb_api();
	test_tis_linux();
	test_tis_edges();
	test_tis_localities();
	test_tis_irq();
	test_tis_api();
	test_crb_random();
	test_tis_random();
	return done_testing();
}
