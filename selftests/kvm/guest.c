// SPDX-License-Identifier: GPL-2.0
/*
 * guest.c - the KVM front-end test's guest: drives a TPM's CRB or TIS
 * registers the way Linux 6.1's tpm_crb and tpm_tis_core drivers do
 * (selftests/unit/test_crb_tis.c has the same sequences against the state
 * machines).  32-bit protected mode, flat, no paging; see kvmtest.h.
 *
 * VMM mode (vmm.c): requests come from the mailbox at GUEST_MBOX, one at a
 * time.  QEMU mode (multiboot, -kernel guest.elf with -device tpm-crb or
 * tpm-tis and swtpm): a built-in list of commands, results on debugcon;
 * "bench=N" on the command line (-append) times N PCR_Extends.
 */
#include <stddef.h>
#include <stdint.h>

#include "kvmtest.h"
#include "tpmcmd.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* Register offsets (one window; the region is 5 of them, 4 KiB apart) */
#define LOC(l)			((u32)(l) * 0x1000u)
#define CRB_LOC_STATE		0x00
#define CRB_LOC_CTRL		0x08
#define CRB_LOC_STS		0x0c
#define CRB_INTF_ID		0x30
#define CRB_CTRL_REQ		0x40
#define CRB_CTRL_STS		0x44
#define CRB_CTRL_CANCEL		0x48
#define CRB_CTRL_START		0x4c
#define CRB_INT_ENABLE		0x50
#define CRB_INT_STS		0x54
#define CRB_CMD_SIZE		0x58
#define CRB_CMD_LADDR		0x5c
#define CRB_CMD_HADDR		0x60
#define CRB_RSP_SIZE		0x64
#define CRB_RSP_ADDR		0x68

#define LOC_STATE_ASSIGNED	0x02
#define LOC_STATE_VALID		0x80
#define LOC_CTRL_REQUEST	0x01
#define LOC_CTRL_RELINQUISH	0x02
#define REQ_CMD_READY		0x01
#define REQ_GO_IDLE		0x02
#define STS_ERROR		0x01
#define STS_IDLE		0x02

#define TIS_ACCESS		0x00
#define TIS_INT_ENABLE		0x08
#define TIS_INTF_CAPS		0x14
#define TIS_STS			0x18
#define TIS_FIFO		0x24
#define TIS_INTF_ID		0x30
#define TIS_DID_VID		0xf00
#define TIS_RID			0xf04
#define ACC_REQUEST_USE		0x02
#define ACC_ACTIVE		0x20
#define ACC_VALID		0x80
#define TSTS_EXPECT		0x08
#define TSTS_DATA_AVAIL		0x10
#define TSTS_GO			0x20
#define TSTS_COMMAND_READY	0x40
#define TSTS_VALID		0x80
#define TSTS_READ_ZERO		0x23
#define TSTS_CANCEL		0x01000000u
#define TIS_INT_ALL		0x87
#define TIS_GLOBAL		0x80000000u

static struct mbox *const mb = (struct mbox *)GUEST_MBOX;
static u32 max_polls = 2000000;

/* ---- freestanding helpers ---- */

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dd = d;
	const u8 *ss = s;

	while (n--)
		*dd++ = *ss++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	u8 *dd = d;

	while (n--)
		*dd++ = (u8)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static void puts_(const char *s)
{
	while (*s)
		outb(PORT_DEBUGCON, (u8)*s++);
}

static void putu(u32 v)
{
	char b[12];
	int i = 11;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + i);
}

static void putx(u32 v)
{
	static const char hx[] = "0123456789abcdef";
	int i = 28;

	puts_("0x");
	while (i > 0 && !((v >> i) & 15))
		i -= 4;
	for (; i >= 0; i -= 4)
		outb(PORT_DEBUGCON, (u8)hx[(v >> i) & 15]);
}

/* ---- register access: one guest load or store each ---- */

static u32 rd(u32 off, u32 size)
{
	volatile void *p = (volatile void *)(TPM_REGION + off);

	if (size == 1)
		return *(volatile u8 *)p;
	if (size == 2)
		return *(volatile u16 *)p;
	return *(volatile u32 *)p;
}

static void wr(u32 off, u32 size, u32 v)
{
	volatile void *p = (volatile void *)(TPM_REGION + off);

	if (size == 1)
		*(volatile u8 *)p = (u8)v;
	else if (size == 2)
		*(volatile u16 *)p = (u16)v;
	else
		*(volatile u32 *)p = v;
}

static int wait_reg(u32 off, u32 mask, u32 value)
{
	u32 i;

	for (i = 0; i < max_polls; i++)
		if ((rd(off, 4) & mask) == value)
			return 0;
	return G_ETIME;
}

/* ---- interrupts (OP_IRQ_SETUP): IDT, 8259 PIC, the TPM's handler ---- */

#define PIC1_CMD		0x20
#define PIC1_DATA		0x21
#define PIC2_CMD		0xa0
#define PIC2_DATA		0xa1
#define PIC_EOI			0x20
#define CRB_INT_START_BIT	0x01
#define CRB_INT_ALL_BITS	0x0f
#define CRB_INT_GLOBAL		0x80000000u

extern const u32 isr_table[48];
void load_gdt(void);
void guest_isr(u32 vector);

static u64 idt[256] __attribute__((aligned(8)));
static u32 tpm_vector = 0xffffffff;	/* none until OP_IRQ_SETUP */
static volatile u32 irq_loc;		/* the locality the handler uses */
static volatile u32 irq_total, irq_other, nmi_count;
static volatile u32 irq_last_sts, irq_last_after;

/*
 * The TPM's interrupt, as a driver's handler: read TPM_CRB_INT_STS, write
 * the bits back (write 1 to clear), count it, EOI to the PIC.  Vector 2 is
 * the VMM's watchdog NMI (an interrupt that never came); an exception is
 * reported and stops the guest (PORT_EXIT is no port of the VMM's).
 */
void guest_isr(u32 vector)
{
	u32 sts;

	if (vector == tpm_vector) {
		sts = rd(LOC(irq_loc) + CRB_INT_STS, 4);
		wr(LOC(irq_loc) + CRB_INT_STS, 4, sts);
		irq_last_after = rd(LOC(irq_loc) + CRB_INT_STS, 4);
		irq_last_sts = sts;
		irq_total++;
		outb(PIC1_CMD, PIC_EOI);
		return;
	}
	if (vector == 2) {
		nmi_count++;
		return;
	}
	if (vector >= PIC_VECTOR_BASE) {
		irq_other++;
		if (vector >= PIC_VECTOR_BASE + 8)
			outb(PIC2_CMD, PIC_EOI);
		outb(PIC1_CMD, PIC_EOI);
		return;
	}
	puts_("guest: exception ");
	putu(vector);
	puts_("\n");
	for (;;) {
		outl(PORT_EXIT, 0x100 + vector);
		__asm__ volatile("cli; hlt");
	}
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* sti;hlt: an interrupt pending at the sti is taken after the hlt starts */
static inline void sti_hlt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

/* A GDT, an IDT for vectors 0-47, the PIC at 0x20/0x28, only @irq open */
static int irq_setup(u32 irq, u32 *val)
{
	static struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) idtr;
	u32 v, h;

	if (irq > 7 || irq == 2)
		return G_EINVAL;
	cli();
	load_gdt();
	for (v = 0; v < 48; v++) {
		h = isr_table[v];
		/* 32-bit interrupt gate, present, DPL 0, selector 0x08 */
		idt[v] = (u64)(h & 0xffff) | (u64)0x08 << 16 |
			 (u64)0x8e00 << 32 | (u64)(h >> 16) << 48;
	}
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (u32)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
	/* ICW1: edge, cascade, ICW4; ICW2: vector bases; ICW3; ICW4: 8086 */
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	/* OCW1: everything masked but the TPM's IRQ */
	outb(PIC1_DATA, (u8)~(1u << irq));
	outb(PIC2_DATA, 0xff);
	val[0] = inb(PIC1_DATA);
	val[1] = inb(PIC2_DATA);
	tpm_vector = PIC_VECTOR_BASE + irq;
	irq_total = 0;
	irq_other = 0;
	nmi_count = 0;
	return 0;
}

/* ---- tpm_crb.c ---- */

static volatile u8 *crb_buf;
static u32 crb_size;

static int crb_request_locality(int l)
{
	u32 v = LOC_STATE_ASSIGNED | LOC_STATE_VALID;

	wr(LOC(l) + CRB_LOC_CTRL, 4, LOC_CTRL_REQUEST);
	return wait_reg(LOC(l) + CRB_LOC_STATE, v, v);
}

static int crb_relinquish_locality(int l)
{
	u32 v = LOC_STATE_ASSIGNED | LOC_STATE_VALID;

	wr(LOC(l) + CRB_LOC_CTRL, 4, LOC_CTRL_RELINQUISH);
	return wait_reg(LOC(l) + CRB_LOC_STATE, v, LOC_STATE_VALID);
}

static int crb_cmd_ready(int l)
{
	int rc;

	wr(LOC(l) + CRB_CTRL_REQ, 4, REQ_CMD_READY);
	rc = wait_reg(LOC(l) + CRB_CTRL_REQ, REQ_CMD_READY, 0);
	if (!rc)
		rc = wait_reg(LOC(l) + CRB_CTRL_STS, STS_IDLE, 0);
	return rc;
}

static int crb_go_idle(int l)
{
	wr(LOC(l) + CRB_CTRL_REQ, 4, REQ_GO_IDLE);
	return wait_reg(LOC(l) + CRB_CTRL_REQ, REQ_GO_IDLE, 0);
}

/* crb_map_io(): val[] = LADDR HADDR CMD_SIZE RSP_ADDR lo/hi RSP_SIZE INTF_ID lo/hi */
static int crb_probe(u32 *val)
{
	u32 pa, hi, size;
	int rc;

	rc = crb_request_locality(0);
	if (rc)
		return rc;
	rc = crb_cmd_ready(0);
	if (rc)
		goto out;
	hi = rd(CRB_CMD_HADDR, 4);
	pa = rd(CRB_CMD_LADDR, 4);
	size = rd(CRB_CMD_SIZE, 4);
	val[0] = pa;
	val[1] = hi;
	val[2] = size;
	val[3] = rd(CRB_RSP_ADDR, 4);
	val[4] = rd(CRB_RSP_ADDR + 4, 4);
	val[5] = rd(CRB_RSP_SIZE, 4);
	val[6] = rd(CRB_INTF_ID, 4);
	val[7] = rd(CRB_INTF_ID + 4, 4);
	if (hi || val[3] != pa || val[4] || val[5] != size || size < 10)
		rc = G_EINVAL;
	crb_buf = (volatile u8 *)pa;
	crb_size = size;
	crb_go_idle(0);
out:
	crb_relinquish_locality(0);
	return rc;
}

struct xfer {
	const u8 *cmd;
	u32 len;
	u8 *rsp;
	u32 rsp_len;
	u32 loc;
	u32 flags;
	u32 hook_at;
	/* out */
	u32 busy;
	u32 first;
	u32 stale;
	u32 after_hook;
	u64 tsc;
	/* XF_IRQ, XF_IRQ_OFF */
	u32 irqs;
	u32 irq_sts;
	u32 irq_sts_after;
	u32 int_sts;
	u32 int_enable;
	u32 halts;
	u32 start0_halts;
};

static void hook_notify(struct xfer *x)
{
	if (x->flags & XF_NOTIFY)
		outl(PORT_NOTIFY, x->hook_at);
}

/* tpm_chip_start(), tpm_transmit(), tpm_chip_stop() on a CRB */
static int crb_transmit(struct xfer *x)
{
	u32 l = x->loc, i, start, cmd_size, expected, irqs0 = 0, nmi0 = 0;
	u32 irq_mode = x->flags & (XF_IRQ | XF_IRQ_OFF);
	u8 hdr[10];
	u64 t0;
	int rc, cancel_written = 0;

	x->busy = 0;
	x->stale = 0;
	x->first = 0xffffffff;
	x->after_hook = 0xffffffff;
	x->rsp_len = 0;
	x->irqs = 0;
	x->irq_sts = x->irq_sts_after = x->int_sts = 0xffffffff;
	x->int_enable = 0xffffffff;
	x->halts = x->start0_halts = 0;
	if (irq_mode && tpm_vector == 0xffffffff)
		return G_EINVAL;
	t0 = rdtsc();
	rc = crb_request_locality(l);
	if (rc)
		return rc;
	rc = crb_cmd_ready(l);
	if (rc)
		goto out;
	if (irq_mode) {
		/* stale status bits (cmdReady, localityChange) off, then enable */
		cli();
		irq_loc = l;
		wr(LOC(l) + CRB_INT_STS, 4, CRB_INT_ALL_BITS);
		wr(LOC(l) + CRB_INT_ENABLE, 4, (x->flags & XF_IRQ) ?
		   CRB_INT_GLOBAL | CRB_INT_START_BIT : 0);
		x->int_enable = rd(LOC(l) + CRB_INT_ENABLE, 4);
		irq_last_sts = irq_last_after = 0xffffffff;
		irqs0 = irq_total;
		nmi0 = nmi_count;
		if (x->flags & XF_IRQ_OFF)
			sti();	/* an interrupt would be taken at once */
	}
	/* crb_send() */
	wr(LOC(l) + CRB_CTRL_CANCEL, 4, 0);
	cmd_size = rd(LOC(l) + CRB_CMD_SIZE, 4);
	if (x->len > cmd_size) {
		rc = G_E2BIG;
		goto out;
	}
	memcpy((void *)crb_buf, x->cmd, x->len);
	__asm__ volatile("" ::: "memory");
	wr(LOC(l) + CRB_CTRL_START, 4, 1);
	if (x->flags & XF_IRQ) {
		/*
		 * Wait for the completion interrupt.  IF is 0 from before
		 * the START write to the sti of sti;hlt, whose interrupt
		 * shadow makes the pair atomic: an interrupt pending by then
		 * (the command may be done already: START reads 0 before
		 * tpmmux's irqfd injection lands) wakes the hlt.
		 */
		for (;;) {
			cli();
			if (irq_total != irqs0)
				break;
			if (nmi_count != nmi0) {
				rc = G_ETIME;	/* the VMM's watchdog */
				goto out;
			}
			start = rd(LOC(l) + CRB_CTRL_START, 4);
			if (x->first == 0xffffffff)
				x->first = start;
			if (start & 1)
				x->busy++;
			else
				x->start0_halts++;
			x->halts++;
			sti_hlt();
		}
		/* IF is 0 again: read what the handler left */
		x->irq_sts = irq_last_sts;
		x->irq_sts_after = irq_last_after;
		x->int_sts = rd(LOC(l) + CRB_INT_STS, 4);
		if (rd(LOC(l) + CRB_CTRL_START, 4) & 1) {
			rc = G_EIO;	/* an interrupt, but no completion */
			goto out;
		}
		sti();	/* a second interrupt would be counted */
		goto recv;
	}
	/* tpm_try_transmit(): poll START (tpm_crb has no interrupt) */
	rc = G_ETIME;
	for (i = 0; i < max_polls; i++) {
		start = rd(LOC(l) + CRB_CTRL_START, 4);
		if (i == 0)
			x->first = start;
		if (!(start & 1)) {
			/* done: was the command even taken? */
			if (!memcmp((const void *)crb_buf, x->cmd, 10) &&
			    !(rd(LOC(l) + CRB_CTRL_STS, 4) & STS_ERROR))
				x->stale = 1;
			if (irq_mode)
				x->int_sts = rd(LOC(l) + CRB_INT_STS, 4);
			goto recv;
		}
		if (!cancel_written || !(x->flags & XF_KEEP_POLLING)) {
			if (rd(LOC(l) + CRB_CTRL_CANCEL, 4) & 1) {
				rc = G_ECANCELED;
				goto out;
			}
		}
		x->busy++;
		if (x->flags && x->busy == x->hook_at) {
			hook_notify(x);
			if (x->flags & XF_CANCEL) {
				wr(LOC(l) + CRB_CTRL_CANCEL, 4, 1);
				cancel_written = 1;
			}
			if (x->flags & XF_RESTART)
				wr(LOC(l) + CRB_CTRL_START, 4, 1);
			if (x->flags & XF_CMDREADY)
				wr(LOC(l) + CRB_CTRL_REQ, 4, REQ_CMD_READY);
			if (x->flags & XF_GOIDLE)
				wr(LOC(l) + CRB_CTRL_REQ, 4, REQ_GO_IDLE);
			x->after_hook = rd(LOC(l) + CRB_CTRL_START, 4) |
					rd(LOC(l) + CRB_CTRL_REQ, 4) << 8 |
					rd(LOC(l) + CRB_CTRL_STS, 4) << 16;
		}
	}
	/* timeout: tpm_chip_cancel() */
	wr(LOC(l) + CRB_CTRL_CANCEL, 4, 1);
	goto out;
recv:
	/* crb_recv(), bounded by RSP_SIZE */
	if (rd(LOC(l) + CRB_CTRL_STS, 4) & STS_ERROR) {
		rc = G_EIO;
		goto out;
	}
	memcpy(hdr, (const void *)crb_buf, 8);
	expected = tpm_size(hdr);
	if (expected > rd(LOC(l) + CRB_RSP_SIZE, 4) || expected < 10 ||
	    expected > 4096) {
		rc = G_EIO;
		goto out;
	}
	memcpy(x->rsp, (const void *)crb_buf, expected);
	x->rsp_len = expected;
	rc = G_OK;
out:
	x->tsc = rdtsc() - t0;
	if (x->flags & XF_NO_RELEASE) {
		if (irq_mode) {
			cli();
			x->irqs = irq_total - irqs0;
		}
		return rc;
	}
	crb_go_idle(l);
	if (irq_mode) {
		/* interrupts stay on until the locality goes */
		cli();
		x->irqs = irq_total - irqs0;
	}
	crb_relinquish_locality(l);
	x->tsc = rdtsc() - t0;
	return rc;
}

/* ---- tpm_tis_core.c ---- */

static int tis_loc = 0;

static int tis_check_locality(int l)
{
	u8 a = (u8)rd(LOC(l) + TIS_ACCESS, 1);

	if ((a & (ACC_ACTIVE | ACC_VALID | ACC_REQUEST_USE)) ==
	    (ACC_ACTIVE | ACC_VALID)) {
		tis_loc = l;
		return 1;
	}
	return 0;
}

static int tis_request_locality(int l)
{
	u32 i;

	if (tis_check_locality(l))
		return 0;
	wr(LOC(l) + TIS_ACCESS, 1, ACC_REQUEST_USE);
	for (i = 0; i < max_polls; i++)
		if (tis_check_locality(l))
			return 0;
	return G_EBUSY;
}

static void tis_relinquish_locality(int l)
{
	wr(LOC(l) + TIS_ACCESS, 1, ACC_ACTIVE);
}

static u8 tis_status(void)
{
	u8 s = (u8)rd(LOC(tis_loc) + TIS_STS, 1);

	if (s & TSTS_READ_ZERO)
		return 0;
	return s;
}

static void tis_ready(void)
{
	wr(LOC(tis_loc) + TIS_STS, 1, TSTS_COMMAND_READY);
}

static int tis_wait_stat(u8 mask)
{
	u32 i;

	for (i = 0; i < max_polls; i++)
		if ((tis_status() & mask) == mask)
			return 0;
	return G_ETIME;
}

static int tis_burstcount(void)
{
	u32 i, v;

	for (i = 0; i < max_polls; i++) {
		v = rd(LOC(tis_loc) + TIS_STS, 4);
		v = (v >> 8) & 0xffff;
		if (v)
			return (int)v;
	}
	return G_EBUSY;
}

static int tis_send_data(const u8 *buf, u32 len)
{
	u32 count = 0, i;
	int burst;

	if (!(tis_status() & TSTS_COMMAND_READY)) {
		tis_ready();
		if (tis_wait_stat(TSTS_COMMAND_READY))
			goto err;
	}
	while (count < len - 1) {
		burst = tis_burstcount();
		if (burst < 0)
			goto err;
		if ((u32)burst > len - count - 1)
			burst = (int)(len - count - 1);
		for (i = 0; i < (u32)burst; i++)
			wr(LOC(tis_loc) + TIS_FIFO, 1, buf[count + i]);
		count += (u32)burst;
		if (tis_wait_stat(TSTS_VALID))
			goto err;
		if (!(tis_status() & TSTS_EXPECT))
			goto err;
	}
	wr(LOC(tis_loc) + TIS_FIFO, 1, buf[count]);
	if (tis_wait_stat(TSTS_VALID))
		goto err;
	if (tis_status() & TSTS_EXPECT)
		goto err;
	return 0;
err:
	tis_ready();
	return G_EIO;
}

static int tis_recv_data(u8 *buf, u32 count)
{
	u32 size = 0, i;
	int burst;

	while (size < count) {
		if (tis_wait_stat(TSTS_DATA_AVAIL | TSTS_VALID))
			return G_ETIME;
		burst = tis_burstcount();
		if (burst < 0)
			return burst;
		if ((u32)burst > count - size)
			burst = (int)(count - size);
		for (i = 0; i < (u32)burst; i++)
			buf[size + i] = (u8)rd(LOC(tis_loc) + TIS_FIFO, 1);
		size += (u32)burst;
	}
	return (int)size;
}

static int tis_recv(u8 *buf, u32 count)
{
	u32 expected;
	int size, rc;

	size = tis_recv_data(buf, 10);
	if (size < 10)
		goto out;
	expected = tpm_size(buf);
	if (expected > count || expected < 10) {
		size = G_EIO;
		goto out;
	}
	rc = tis_recv_data(buf + 10, expected - 10);
	if (rc < 0) {
		size = rc;
		goto out;
	}
	size += rc;
	if (tis_wait_stat(TSTS_VALID)) {
		size = G_ETIME;
		goto out;
	}
	if (tis_status() & TSTS_DATA_AVAIL)
		size = G_EIO;	/* "Error left over data" */
out:
	tis_ready();
	return size;
}

/* tpm_tis_core_init(): val[] = DID_VID, RID, INTF_ID, INTF_CAPS, INT_ENABLE */
static int tis_probe(u32 *val)
{
	u32 intmask, caps, i;

	val[0] = rd(TIS_DID_VID, 4);
	for (i = 0; i < max_polls; i++)
		if (rd(TIS_ACCESS, 1) & ACC_VALID)
			break;
	if (i == max_polls)
		return G_ENODEV;
	val[2] = rd(TIS_INTF_ID, 4);
	intmask = rd(TIS_INT_ENABLE, 4);
	caps = rd(TIS_INTF_CAPS, 4);
	val[3] = caps;
	intmask |= caps & TIS_INT_ALL;
	intmask &= ~TIS_GLOBAL;
	if (tis_request_locality(0))
		return G_ENODEV;
	wr(TIS_INT_ENABLE, 4, intmask);
	val[4] = rd(TIS_INT_ENABLE, 4);
	tis_relinquish_locality(0);
	val[1] = rd(TIS_RID, 1);
	return 0;
}

static int tis_transmit(struct xfer *x)
{
	u32 i;
	u8 st;
	u64 t0;
	int rc, hooked = 0;

	x->busy = 0;
	x->stale = 0;
	x->first = 0xffffffff;
	x->after_hook = 0xffffffff;
	x->rsp_len = 0;
	t0 = rdtsc();
	if (tis_request_locality((int)x->loc))
		return G_EBUSY;
	rc = tis_send_data(x->cmd, x->len);
	if (rc)
		goto out;
	wr(LOC(tis_loc) + TIS_STS, 1, TSTS_GO);
	rc = G_ETIME;
	for (i = 0; i < max_polls; i++) {
		st = tis_status();
		if (i == 0)
			x->first = st;
		if ((st & (TSTS_DATA_AVAIL | TSTS_VALID)) ==
		    (TSTS_DATA_AVAIL | TSTS_VALID)) {
			rc = tis_recv(x->rsp, 4096);
			if (rc > 0) {
				x->rsp_len = (u32)rc;
				rc = 0;
			}
			goto out;
		}
		if (st == TSTS_COMMAND_READY &&
		    (!hooked || !(x->flags & XF_KEEP_POLLING))) {
			rc = G_ECANCELED;
			goto out;
		}
		x->busy++;
		if (x->flags && x->busy == x->hook_at) {
			hook_notify(x);
			if (x->flags & XF_CMDREADY)
				tis_ready();
			if (x->flags & XF_TIS_CANCEL)
				wr(LOC(tis_loc) + TIS_STS, 4, TSTS_CANCEL);
			hooked = 1;
			x->after_hook = rd(LOC(tis_loc) + TIS_STS, 4);
		}
		if (hooked && (x->flags & XF_KEEP_POLLING) &&
		    st == TSTS_COMMAND_READY) {
			rc = G_ECANCELED;
			goto out;
		}
	}
	tis_ready();	/* tpm_chip_cancel() */
out:
	x->tsc = rdtsc() - t0;
	if (!(x->flags & XF_NO_RELEASE))
		tis_relinquish_locality((int)x->loc);
	x->tsc = rdtsc() - t0;
	return rc;
}

/* ---- the mailbox ---- */

static int run_script(void)
{
	struct step *s;
	u32 i, j, n, nmi0;
	static u32 mark;
	int k;

	for (k = 0; k < MAX_STEPS; k++) {
		s = &mb->steps[k];
		mb->res[k] = 0;
		switch (s->op) {
		case S_END:
			cli();
			return 0;
		case S_READ:
			mb->res[k] = (int32_t)rd(s->off, s->size);
			break;
		case S_WRITE:
			wr(s->off, s->size, s->val);
			break;
		case S_POLL:
		case S_POLLNOT:
			mb->res[k] = -1;
			for (i = 0; i < s->max; i++) {
				u32 v = rd(s->off, s->size) & s->mask;

				if ((s->op == S_POLL) == (v == s->val)) {
					mb->res[k] = (int32_t)i;
					break;
				}
			}
			break;
		case S_TOBUF:
			n = mb->cmd_len;
			memcpy((void *)rd(CRB_CMD_LADDR, 4), mb->cmd, n);
			break;
		case S_FROMBUF:
			memcpy(mb->rsp, (const void *)rd(CRB_RSP_ADDR, 4),
			       s->val);
			break;
		case S_FIFO_WRITE:
			for (j = 0; j < s->mask; j++)
				wr(s->off, 1, mb->cmd[s->val + j]);
			break;
		case S_FIFO_READ:
			for (j = 0; j < s->mask && s->val + j < 4096; j++)
				mb->rsp[s->val + j] = (u8)rd(s->off, s->size);
			mb->res[k] = (int32_t)j;
			break;
		case S_NOTIFY:
			outl(PORT_NOTIFY, s->val);
			break;
		case S_IRQ_ON:
			irq_loc = s->off / 0x1000;
			mark = irq_total;
			mb->res[k] = (int32_t)mark;
			sti();
			break;
		case S_IRQ_WAIT:
			nmi0 = nmi_count;
			for (;;) {
				cli();
				if (irq_total != mark || nmi_count != nmi0)
					break;
				sti_hlt();
			}
			sti();
			mb->res[k] = irq_total != mark ? (int32_t)(irq_total - mark) : -1;
			break;
		case S_IRQ_OFF:
			cli();
			mb->res[k] = (int32_t)(irq_total - mark);
			break;
		}
	}
	return 0;
}

static int is_crb;

/* @n transmits of @cmd at locality 0; @tsc[i]: the TSC ticks of each */
static int bench(const u8 *cmd, u32 n, u32 *tsc)
{
	static u8 rsp[4096];
	struct xfer x;
	u32 i;
	int r;

	for (i = 0; i < n && i < 1024; i++) {
		memset(&x, 0, sizeof(x));
		x.cmd = cmd;
		x.len = tpm_size(cmd);
		x.rsp = rsp;
		r = is_crb ? crb_transmit(&x) : tis_transmit(&x);
		if (r)
			return r;
		/* a response that is the command itself: the kick was late */
		if (x.stale || tpm_rc(rsp))
			mb->stale++;
		tsc[i] = (u32)x.tsc;
	}
	return 0;
}

static void do_request(void)
{
	struct xfer x;

	mb->status = 0;
	if (mb->max_polls)
		max_polls = mb->max_polls;
	switch (mb->op) {
	case OP_CRB_PROBE:
		mb->status = crb_probe(mb->val);
		return;
	case OP_TIS_PROBE:
		mb->status = tis_probe(mb->val);
		return;
	case OP_CRB_XFER:
	case OP_TIS_XFER:
		x.cmd = mb->cmd;
		x.len = mb->cmd_len;
		x.rsp = mb->rsp;
		x.loc = mb->loc;
		x.flags = mb->flags;
		x.hook_at = mb->hook_at;
		if (mb->op == OP_CRB_XFER)
			mb->status = crb_transmit(&x);
		else
			mb->status = tis_transmit(&x);
		mb->rsp_len = x.rsp_len;
		mb->busy_polls = x.busy;
		mb->first_poll = x.first;
		mb->stale = x.stale;
		mb->after_hook = x.after_hook;
		mb->tsc_lo = (u32)x.tsc;
		mb->tsc_hi = (u32)(x.tsc >> 32);
		mb->irqs = x.irqs;
		mb->irq_sts = x.irq_sts;
		mb->irq_sts_after = x.irq_sts_after;
		mb->int_sts = x.int_sts;
		mb->int_enable = x.int_enable;
		mb->halts = x.halts;
		mb->start0_halts = x.start0_halts;
		return;
	case OP_SCRIPT:
		mb->status = run_script();
		return;
	case OP_BENCH:
		is_crb = mb->iface == 1;
		mb->stale = 0;
		mb->status = bench(mb->cmd, mb->hook_at, (u32 *)mb->rsp);
		return;
	case OP_IRQ_SETUP:
		mb->status = irq_setup(mb->irq, mb->val);
		return;
	}
	mb->status = G_EINVAL;
}

/* ---- QEMU mode ---- */

static u8 qcmd[4096], qrsp[4096];
static u32 qtsc[1024];

static int q_xfer(const char *name, u32 len, u32 *rc)
{
	struct xfer x;
	int r;

	memset(&x, 0, sizeof(x));
	x.cmd = qcmd;
	x.len = len;
	x.rsp = qrsp;
	r = is_crb ? crb_transmit(&x) : tis_transmit(&x);
	*rc = r ? 0xffffffff : tpm_rc(qrsp);
	if (name) {
		puts_("cmd ");
		puts_(name);
		puts_(" status=");
		if (r < 0) {
			puts_("-");
			putu((u32)-r);
		} else {
			putu((u32)r);
		}
		puts_(" rc=");
		putx(*rc);
		puts_(" len=");
		putu(x.rsp_len);
		puts_(" busy=");
		putu(x.busy);
		puts_(" tsc=");
		putu((u32)x.tsc);
		puts_("\n");
	}
	mb->tsc_lo = (u32)x.tsc;
	return r;
}

static int hold;

/* "bench=N" on the command line: N; "hold": halt at the end, no exit */
static u32 parse_bench(u32 mbinfo)
{
	const char *c;
	u32 n = 0;

	if (!mbinfo || !(*(u32 *)mbinfo & 4))
		return 0;
	c = (const char *)*(u32 *)(mbinfo + 16);
	for (; c && *c; c++) {
		if (c[0] == 'h' && c[1] == 'o' && c[2] == 'l' && c[3] == 'd')
			hold = 1;
		if (c[0] == 'b' && c[1] == 'e' && c[2] == 'n' && c[3] == 'c' &&
		    c[4] == 'h' && c[5] == '=') {
			for (c += 6; *c >= '0' && *c <= '9'; c++)
				n = n * 10 + (u32)(*c - '0');
			if (n > 1024)
				n = 1024;
			c--;
		}
	}
	return n;
}

static void q_exit(u32 code)
{
	if (hold)	/* the host reads the VM's exit counters, then kills it */
		for (;;)
			__asm__ volatile("hlt");
	outl(PORT_EXIT, code);
	for (;;)
		__asm__ volatile("hlt");
}

static void qemu_main(u32 mbinfo)
{
	u32 val[16], rc, id, n, i, j, t, fails = 0;
	int r;

	memset(val, 0, sizeof(val));
	id = rd(CRB_INTF_ID, 4);
	is_crb = (id & 0xf) == 1;
	puts_("guest: interface ");
	puts_(is_crb ? "crb" : "tis");
	puts_(" id=");
	putx(id);
	puts_("\n");
	r = is_crb ? crb_probe(val) : tis_probe(val);
	puts_("probe status=");
	putu((u32)-r);
	puts_(" val0=");
	putx(val[0]);
	puts_(" val2=");
	putx(val[2]);
	puts_("\n");
	if (r)
		q_exit(3);
	/* SeaBIOS sent Startup already: TPM_RC_INITIALIZE is fine */
	q_xfer("startup", cmd_startup(qcmd), &rc);
	q_xfer("getrandom", cmd_getrandom(qcmd, 16), &rc);
	fails += rc != 0;
	q_xfer("pcr_extend", cmd_pcr_extend(qcmd, 16, 0x5a), &rc);
	fails += rc != 0;
	q_xfer("pcr_read", cmd_pcr_read(qcmd, 16), &rc);
	fails += rc != 0;
	q_xfer("create_primary_ecc", cmd_create_primary_ecc(qcmd), &rc);
	fails += rc != 0;
	if (!rc) {
		q_xfer("flush", cmd_flush(qcmd, rsp_handle(qrsp)), &rc);
		fails += rc != 0;
	}
	q_xfer("hash_1042", cmd_hash(qcmd, 1042, 1), &rc);
	fails += rc != 0;
	q_xfer("hash_max", cmd_hash(qcmd, is_crb ? val[2] : 3968, 1), &rc);
	fails += rc != TPM_RC_SIZE_P1;

	n = parse_bench(mbinfo);
	if (n) {
		u64 sum = 0;

		cmd_pcr_extend(qcmd, 16, 0xa5);
		mb->stale = 0;
		r = bench(qcmd, n, qtsc);
		if (r || mb->stale) {
			puts_("bench: error\n");
			q_exit(5);
		}
		for (i = 0; i < n; i++)
			sum += qtsc[i];
		for (i = 1; i < n; i++) {
			t = qtsc[i];
			for (j = i; j > 0 && qtsc[j - 1] > t; j--)
				qtsc[j] = qtsc[j - 1];
			qtsc[j] = t;
		}
		puts_("bench n=");
		putu(n);
		puts_(" tsc_median=");
		putu(qtsc[n / 2]);
		puts_(" tsc_sum_kilo=");
		putu((u32)(sum >> 10));
		puts_("\n");
	}
	puts_(fails ? "guest: FAIL\n" : "guest: PASS\n");
	q_exit(fails ? 1 : 0);
}

void guest_main(u32 magic, u32 info);

void guest_main(u32 magic, u32 info)
{
	if (magic == MULTIBOOT_BOOT_MAGIC)
		qemu_main(info);
	/* VMM mode */
	crb_buf = (volatile u8 *)CRB_BUF_GPA;
	for (;;) {
		if (mb->magic == MBOX_MAGIC && mb->op == OP_EXIT)
			break;
		if (mb->magic == MBOX_MAGIC) {
			do_request();
			mb->irq_total = irq_total;
			mb->irq_other = irq_other;
			mb->nmis = nmi_count;
		}
		outl(PORT_DONE, mb->seq);
	}
	for (;;)
		__asm__ volatile("hlt");
}
