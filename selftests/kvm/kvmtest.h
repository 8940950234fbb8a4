/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtest.h - what the guest (guest.c) and the VMM (vmm.c) share: the
 * guest's memory layout, its I/O ports and the mailbox through which the
 * VMM hands it work.
 *
 * The guest is 32-bit protected-mode code, flat segments, no paging.  The
 * VMM (or QEMU's multiboot loader) loads it at GUEST_LOAD.  In VMM mode the
 * guest loops: it does the request in the mailbox, then writes the request
 * number to PORT_DONE (a KVM_EXIT_IO); the VMM checks the results, puts the
 * next request there and resumes the guest.  Under QEMU (multiboot, EAX =
 * 0x2BADB002) the guest runs a built-in list instead and prints its results
 * on the debugcon port.
 */
#ifndef KVMTEST_H
#define KVMTEST_H

#include <stdint.h>

#define GUEST_LOAD		0x00100000u	/* code, data, bss */
#define GUEST_MBOX		0x00200000u	/* struct mbox */
#define GUEST_STACK_TOP		0x00300000u
#define GUEST_RAM_SIZE		0x00400000u	/* slot 0: 0 - 4 MiB */

#define TPM_REGION		0xfed40000u	/* the 5 localities' windows */
#define TPM_REGION_SIZE		0x5000u
#define CRB_BUF_GPA		0xfed80000u	/* the CRB buffer (VMM mode) */

#define PORT_DEBUGCON		0xe9	/* a byte of text */
#define PORT_EXIT		0xf4	/* isa-debug-exit (QEMU) */
#define PORT_DONE		0x600	/* 32 bits: request number done */
#define PORT_NOTIFY		0x604	/* 32 bits: a hook point was reached */

#define MBOX_MAGIC		0x584d5054u	/* "TPMX" */
#define GUEST_VMM_MAGIC		0x4b564d4du	/* EAX at entry in VMM mode */
#define MULTIBOOT_BOOT_MAGIC	0x2badb002u

/* Requests (mbox.op) */
#define OP_EXIT			0	/* halt */
#define OP_CRB_PROBE		1	/* tpm_crb's crb_map_io() */
#define OP_CRB_XFER		2	/* tpm_transmit() through tpm_crb */
#define OP_TIS_PROBE		3	/* tpm_tis_core_init() */
#define OP_TIS_XFER		4	/* tpm_transmit() through tpm_tis */
#define OP_SCRIPT		5	/* mbox.steps, one by one */
#define OP_BENCH		6	/* hook_at times OP_*_XFER of cmd (loc 0);
					 * each one's TSC ticks, u32, in rsp */
#define OP_IRQ_SETUP		7	/* a GDT and an IDT, the 8259 PIC remapped
					 * to vectors 0x20-0x2f, all IRQs masked
					 * but mbox.irq; val[0..1] = the IMRs */

/* The interrupt vectors (OP_IRQ_SETUP) */
#define PIC_VECTOR_BASE		0x20	/* IRQ 0-7; IRQ 8-15 at 0x28 */

/* Hooks of OP_*_XFER (mbox.flags): at busy poll mbox.hook_at ... */
#define XF_NOTIFY		0x01	/* out PORT_NOTIFY, hook_at */
#define XF_CANCEL		0x02	/* CRB: CANCEL=1, then poll START */
#define XF_RESTART		0x04	/* CRB: START=1 again */
#define XF_CMDREADY		0x08	/* CRB: cmdReady; TIS: commandReady */
#define XF_GOIDLE		0x10	/* CRB: goIdle (as Linux) */
#define XF_TIS_CANCEL		0x20	/* TIS: commandCancel */
#define XF_NO_RELEASE		0x40	/* keep locality + state afterwards */
#define XF_KEEP_POLLING		0x80	/* after a hook, poll to the end even if
					 * Linux would stop (-ECANCELED) */
#define XF_IRQ			0x100	/* CRB, after OP_IRQ_SETUP: clear INT_STS,
					 * INT_ENABLE global + start, START, then
					 * sti;hlt until the handler counted the
					 * completion (no START polling) */
#define XF_IRQ_OFF		0x200	/* CRB, after OP_IRQ_SETUP: clear INT_STS,
					 * INT_ENABLE 0, poll START with
					 * interrupts on (IF = 1) */

/* Script steps (struct step.op) */
#define S_END			0
#define S_READ			1	/* res = read(off, size) */
#define S_WRITE			2	/* write(off, size, val) */
#define S_POLL			3	/* until (read & mask) == val: res =
					 * reads, or -1 after max reads */
#define S_TOBUF			4	/* copy mbox.cmd[0..len) to the CRB
					 * buffer at CMD_LADDR (loc 0) */
#define S_FROMBUF		5	/* copy val bytes of the buffer to rsp */
#define S_FIFO_WRITE		6	/* cmd[val..val+mask) byte by byte to
					 * the FIFO at off */
#define S_FIFO_READ		7	/* mask bytes from the FIFO at off to
					 * rsp[val..]; res = bytes read */
#define S_NOTIFY		8	/* out PORT_NOTIFY, val */
#define S_POLLNOT		9	/* until (read & mask) != val */
#define S_IRQ_ON		10	/* the handler's locality is off's; mark
					 * the interrupt count; sti */
#define S_IRQ_WAIT		11	/* sti;hlt until an interrupt came since
					 * the mark: res = how many, -1 when the
					 * VMM's watchdog NMI came first */
#define S_IRQ_OFF		12	/* cli: res = interrupts since the mark */

#define MAX_STEPS		96

/* Guest error codes (mbox.status), as Linux's */
#define G_OK			0
#define G_EIO			(-5)
#define G_EBUSY			(-16)
#define G_EINVAL		(-22)
#define G_E2BIG			(-7)
#define G_ETIME			(-62)
#define G_ECANCELED		(-125)
#define G_ENODEV		(-19)

struct step {
	uint32_t op;
	uint32_t off;		/* offset in the TPM region */
	uint32_t size;		/* access size */
	uint32_t val;
	uint32_t mask;
	uint32_t max;		/* S_POLL: most reads */
};

struct mbox {
	uint32_t magic;
	uint32_t seq;		/* request number, echoed to PORT_DONE */
	uint32_t op;
	uint32_t iface;		/* OP_BENCH: 1 CRB, 2 TIS */
	uint32_t loc;		/* locality of OP_*_XFER */
	uint32_t flags;		/* XF_* */
	uint32_t hook_at;	/* busy poll at which the hooks fire */
	uint32_t max_polls;	/* of every wait loop */
	uint32_t cmd_len;
	/* results */
	int32_t status;		/* G_* */
	uint32_t rsp_len;
	uint32_t busy_polls;	/* status polls that saw "in progress" */
	uint32_t first_poll;	/* CRB: START at the first poll after the
				 * START write; TIS: STS */
	uint32_t stale;		/* CRB: START read 0 while the buffer still
				 * held the command (the kick was lost) */
	uint32_t after_hook;	/* START / STS read right after the hook */
	uint32_t val[16];	/* probe results, registers after the xfer */
	uint32_t tsc_lo, tsc_hi;/* TSC ticks of the xfer */
	uint32_t irq;		/* OP_IRQ_SETUP: the TPM's PIC IRQ (0-7) */
	/* XF_IRQ and XF_IRQ_OFF */
	uint32_t irqs;		/* TPM interrupts taken during the xfer */
	uint32_t irq_sts;	/* TPM_CRB_INT_STS the handler read (last) */
	uint32_t irq_sts_after;	/* ... read again after writing it back */
	uint32_t int_sts;	/* INT_STS the guest read after the wait */
	uint32_t int_enable;	/* INT_ENABLE read back before START */
	uint32_t halts;		/* hlts of the wait */
	uint32_t start0_halts;	/* ... entered with START already 0 */
	/* since OP_IRQ_SETUP, after every request */
	uint32_t irq_total;	/* TPM interrupts (vector 0x20 + irq) */
	uint32_t irq_other;	/* any other PIC vector */
	uint32_t nmis;		/* watchdog NMIs from the VMM */
	int32_t res[MAX_STEPS];
	struct step steps[MAX_STEPS];
	uint8_t cmd[4096];
	uint8_t rsp[4096];
};

#endif
