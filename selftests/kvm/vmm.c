// SPDX-License-Identifier: GPL-2.0
/*
 * vmm.c - a minimal VMM on the raw KVM API that gives its guest
 * (guest.elf) a TPM through tpmmux's KVM front end, and tests it.
 *
 *   vmm [--only crb|crb-irq|tis] [--guest FILE] [--verbose]
 *   vmm --bench N [--guest FILE]
 *
 * Runs as root where tpmmux is loaded and /dev/kvm exists (the test VM,
 * selftests/kvm.t).  For each interface it creates two vTPMs with the same
 * UUID: the guest's, whose node gets the front end (TPMMUX_IOC_FE_SETUP),
 * and a reference whose node is driven with write()/read().  Guest memory:
 * 4 MiB of RAM at 0 (the guest, its mailbox and stack) and, for the CRB,
 * the node's buffer page (mmap offset TPMMUX_FE_MMAP_BUF) as RAM at
 * CRB_BUF_GPA.  The register region at TPM_REGION has no memory slot:
 * guest reads exit (KVM_EXIT_MMIO) and are answered from the register pages
 * (mmap offset TPMMUX_FE_MMAP_REGS), except TIS FIFO reads, which go to
 * TPMMUX_IOC_FE_READ; writes go to TPMMUX_IOC_FE_WRITE, except the
 * doorbells, which are KVM ioeventfds handed to tpmmux with
 * TPMMUX_IOC_FE_SET_KICK and never exit to this process.
 *
 * One more CRB run is interrupt-driven: KVM_CREATE_IRQCHIP (in-kernel PIC),
 * a call eventfd on GSI 5 with KVM_IRQFD, handed to tpmmux with
 * TPMMUX_IOC_FE_SET_CALL; the guest takes the completion interrupt (IDT,
 * 8259 remapped to 0x20, sti;hlt) instead of polling START.
 *
 * Output: TAP.  Exit status 0 when every test passed.  --bench prints
 * `NAME VALUE UNIT` lines for selftests/bench/kvm.py.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/tpmmux.h>

#include "kvmtest.h"
#include "tpmcmd.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define IFACE_CRB	1
#define IFACE_TIS	2

/* TIS register offsets and bits the tests use (tpmmux/tis.h) */
#define T_ACCESS	0x00
#define T_INT_STATUS	0x10
#define T_STS		0x18
#define T_FIFO		0x24
#define T_XFIFO		0x80

/* CRB (tpmmux/crb.h) */
#define C_LOC_STATE	0x00
#define C_LOC_CTRL	0x08
#define C_LOC_STS	0x0c
#define C_REQ		0x40
#define C_STS		0x44
#define C_CANCEL	0x48
#define C_START		0x4c
#define C_INT_ENABLE	0x50
#define C_INT_STS	0x54
#define C_INT_START	0x01		/* TPM_CRB_INT_STS/ENABLE bits */
#define C_INT_LOC_CHANGE 0x08
#define C_INT_GLOBAL	0x80000000u

/* The CRB's interrupt in the interrupt-driven run: an ISA IRQ, which
 * KVM's default routing sends to the in-kernel PIC (and IOAPIC pin) */
#define TPM_GSI		5

static const char *guest_path = "selftests/kvm/guest.elf";
static bool verbose;
static int ntests, nfailed;

/* ---- TAP ---- */

static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	ntests++;
	if (!cond)
		nfailed++;
	printf("%sok %d - ", cond ? "" : "not ", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void hexdump(const char *what, const uint8_t *b, uint32_t n)
{
	uint32_t i;

	printf("# %s (%u bytes):", what, n);
	for (i = 0; i < n && i < 64; i++)
		printf(" %02x", b[i]);
	printf("%s\n", n > 64 ? " ..." : "");
}

/* ---- tpmmux control ---- */

static int ctl_fd = -1;

static int vtpm_create(const char *name, const uint8_t uuid[16], uint32_t *id)
{
	struct tpmmux_vtpm_create c;

	memset(&c, 0, sizeof(c));
	c.mode = 0600;
	c.name = (uintptr_t)name;
	if (uuid)
		memcpy(c.uuid, uuid, 16);
	if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_CREATE, &c))
		return -errno;
	if (id)
		*id = c.id;
	return 0;
}

static int vtpm_destroy(const char *name)
{
	struct tpmmux_vtpm_destroy d;

	memset(&d, 0, sizeof(d));
	d.name = (uintptr_t)name;
	if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_DESTROY, &d))
		return -errno;
	return 0;
}

/* commands the vTPM @id has seen, or -1 */
static long long vtpm_commands(uint32_t id)
{
	struct tpmmux_vtpm_info in;
	char name[TPMMUX_NAME_MAX];

	memset(&in, 0, sizeof(in));
	in.id = id;
	in.name = (uintptr_t)name;
	if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_INFO, &in))
		return -1;
	return (long long)in.commands;
}

static int open_node(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/dev/" TPMMUX_VTPM_DIR "/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	return fd;
}

/* One command through a node's write()/read(): the response length */
static int node_xfer(int fd, const uint8_t *cmd, uint32_t len, uint8_t *rsp)
{
	ssize_t n;

	n = write(fd, cmd, len);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	n = read(fd, rsp, 4096);
	if (n < 0)
		return -errno;
	return (int)n;
}

/* ---- the VM ---- */

struct vm {
	int iface;
	const char *name;	/* the guest's vTPM */
	uint32_t id;
	int node;		/* its node, with the front end */
	int ref;		/* the reference vTPM's node */
	uint8_t *buf;		/* CRB buffer (mmap of the node) */
	uint32_t buf_size;
	const volatile uint8_t *regs;	/* 5 register pages, read only */
	int kvm, vmfd, vcpufd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
	struct mbox *mb;
	uint32_t entry;
	int kick[4];
	int nkicks;
	int stats_fd;
	bool irqchip;		/* KVM_CREATE_IRQCHIP, KVM_IRQFD, FE_SET_CALL */
	int call;		/* the interrupt eventfd, or -1 */
	unsigned int nmis;	/* watchdog NMIs sent (a lost interrupt) */
	volatile bool destroyed;
	void (*notify)(struct vm *vm, uint32_t val);
	/* counters of what reached this process */
	uint64_t mmio_reads, mmio_writes, fe_reads, fe_writes, io_exits;
	uint64_t fe_errors;
	char con[256];
	size_t con_len;
};

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static void load_guest(struct vm *vm)
{
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	FILE *f;
	int i;

	f = fopen(guest_path, "rb");
	if (!f)
		die("open %s: %s", guest_path, strerror(errno));
	if (fread(&eh, sizeof(eh), 1, f) != 1 ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS32)
		die("%s: not a 32-bit ELF", guest_path);
	for (i = 0; i < eh.e_phnum; i++) {
		if (fseek(f, eh.e_phoff + i * eh.e_phentsize, SEEK_SET) ||
		    fread(&ph, sizeof(ph), 1, f) != 1)
			die("%s: bad program header", guest_path);
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_paddr < GUEST_LOAD || ph.p_paddr + ph.p_memsz > GUEST_MBOX ||
		    ph.p_filesz > ph.p_memsz)
			die("%s: segment at %#x outside the guest's space", guest_path,
			    ph.p_paddr);
		if (fseek(f, ph.p_offset, SEEK_SET) ||
		    fread(vm->ram + ph.p_paddr, 1, ph.p_filesz, f) != ph.p_filesz)
			die("%s: short read", guest_path);
	}
	vm->entry = eh.e_entry;
	fclose(f);
}

static void set_slot(struct vm *vm, int slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION slot %d: %s", slot, strerror(errno));
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

/* A doorbell: KVM_IOEVENTFD with datamatch, and the same to tpmmux */
static void add_kick(struct vm *vm, uint32_t off, uint32_t size, uint64_t value)
{
	struct kvm_ioeventfd io;
	struct tpmmux_fe_kick k;
	int fd;

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		die("eventfd: %s", strerror(errno));
	memset(&io, 0, sizeof(io));
	io.addr = TPM_REGION + off;
	io.len = size;
	io.fd = fd;
	io.datamatch = value;
	io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	if (ioctl(vm->vmfd, KVM_IOEVENTFD, &io))
		die("KVM_IOEVENTFD %#x/%u: %s", off, size, strerror(errno));
	memset(&k, 0, sizeof(k));
	k.fd = fd;
	k.index = vm->nkicks;
	k.offset = off;
	k.size = size;
	k.value = value;
	if (ioctl(vm->node, TPMMUX_IOC_FE_SET_KICK, &k))
		die("TPMMUX_IOC_FE_SET_KICK %#x/%u=%#llx: %s", off, size,
		    (unsigned long long)value, strerror(errno));
	vm->kick[vm->nkicks++] = fd;
}

static void vm_create(struct vm *vm)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} cpuid;
	int n;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		die("/dev/kvm: %s", strerror(errno));
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("KVM API version");
	vm->vmfd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vmfd < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	ioctl(vm->vmfd, KVM_SET_TSS_ADDR, 0xfffbd000UL);	/* VMX only */
	/* the in-kernel PIC, IOAPIC and LAPIC, before the vCPU */
	if (vm->irqchip) {
		n = ioctl(vm->vmfd, KVM_CREATE_IRQCHIP, 0);
		if (!ok(!n, "%s: KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC, LAPIC (%s)",
			vm->name, n ? strerror(errno) : "ok"))
			die("KVM_CREATE_IRQCHIP: %s", strerror(errno));
	}

	vm->ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED)
		die("mmap guest RAM: %s", strerror(errno));
	set_slot(vm, 0, 0, GUEST_RAM_SIZE, vm->ram);
	if (vm->iface == IFACE_CRB)
		set_slot(vm, 1, CRB_BUF_GPA, 4096, vm->buf);
	vm->mb = (struct mbox *)(vm->ram + GUEST_MBOX);
	load_guest(vm);

	vm->vcpufd = ioctl(vm->vmfd, KVM_CREATE_VCPU, 0);
	if (vm->vcpufd < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	n = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = n;
	vm->run = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpufd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));

	memset(&cpuid, 0, sizeof(cpuid));
	cpuid.c.nent = ARRAY_SIZE(cpuid.e);
	if (!ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, &cpuid))
		ioctl(vm->vcpufd, KVM_SET_CPUID2, &cpuid);

	if (ioctl(vm->vcpufd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS: %s", strerror(errno));
	seg(&sregs.cs, 0x08, 11);
	seg(&sregs.ds, 0x10, 3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11;	/* PE, ET; no paging */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(vm->vcpufd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS: %s", strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = vm->entry;
	regs.rsp = GUEST_STACK_TOP;
	regs.rax = GUEST_VMM_MAGIC;
	regs.rflags = 2;
	if (ioctl(vm->vcpufd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS: %s", strerror(errno));

	vm->stats_fd = ioctl(vm->vcpufd, KVM_GET_STATS_FD, NULL);
}

/* A vCPU statistic by name (KVM_GET_STATS_FD), or -1 */
static long long vcpu_stat(struct vm *vm, const char *name)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsz;
	uint64_t v;
	uint32_t i;
	char *descs;
	long long r = -1;

	if (vm->stats_fd < 0 || pread(vm->stats_fd, &h, sizeof(h), 0) != sizeof(h))
		return -1;
	dsz = sizeof(*d) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (!descs)
		return -1;
	if (pread(vm->stats_fd, descs, h.num_desc * dsz, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsz))
		goto out;
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * dsz);
		if (strcmp(d->name, name))
			continue;
		if (pread(vm->stats_fd, &v, sizeof(v), h.data_offset + d->offset) ==
		    sizeof(v))
			r = (long long)v;
		break;
	}
out:
	free(descs);
	return r;
}

static bool is_tis_fifo(uint32_t off, uint32_t size)
{
	uint32_t a, r;

	for (a = off; a < off + size; a++) {
		r = a % 0x1000;
		if ((r >= T_FIFO && r < T_FIFO + 4) || (r >= T_XFIFO && r < 0xc0))
			return true;
	}
	return false;
}

/* A guest read of the region: from the register pages, or FE_READ */
static uint64_t region_read(struct vm *vm, uint32_t off, uint32_t size)
{
	struct tpmmux_fe_access a;
	uint64_t v = 0;
	uint32_t i;

	if (vm->iface == IFACE_TIS && is_tis_fifo(off, size)) {
		memset(&a, 0, sizeof(a));
		a.offset = off;
		a.size = size;
		vm->fe_reads++;
		if (ioctl(vm->node, TPMMUX_IOC_FE_READ, &a)) {
			if (!vm->destroyed || errno != ENODEV) {
				vm->fe_errors++;
				diag("FE_READ %#x/%u: %s", off, size, strerror(errno));
			}
			return ~0ULL;
		}
		return a.value;
	}
	if (size == 4 && !(off & 3))
		return *(const volatile uint32_t *)(vm->regs + off);
	for (i = 0; i < size; i++)
		v |= (uint64_t)vm->regs[off + i] << (8 * i);
	return v;
}

static void region_write(struct vm *vm, uint32_t off, uint32_t size, uint64_t val)
{
	struct tpmmux_fe_access a;

	memset(&a, 0, sizeof(a));
	a.offset = off;
	a.size = size;
	a.value = val;
	vm->fe_writes++;
	if (ioctl(vm->node, TPMMUX_IOC_FE_WRITE, &a)) {
		if (!vm->destroyed || errno != ENODEV) {
			vm->fe_errors++;
			diag("FE_WRITE %#x/%u=%#llx: %s", off, size,
			     (unsigned long long)val, strerror(errno));
		}
	}
}

static void dump_vcpu(struct vm *vm)
{
	struct kvm_regs r;

	if (!ioctl(vm->vcpufd, KVM_GET_REGS, &r))
		diag("vcpu: rip %#llx rsp %#llx rax %#llx", (unsigned long long)r.rip,
		     (unsigned long long)r.rsp, (unsigned long long)r.rax);
}

/*
 * Run the guest until it reports request @seq done.  Returns 0, or -1
 * (timeout, unexpected exit: already reported).
 */
static int vm_run(struct vm *vm, unsigned int timeout_s)
{
	struct kvm_run *run = vm->run;
	uint32_t seq = vm->mb->seq, v, off;
	uint8_t *data;
	uint64_t val;
	bool nmi_sent = false;

	alarmed = 0;
	alarm(timeout_s);
	for (;;) {
		if (ioctl(vm->vcpufd, KVM_RUN, 0)) {
			if (errno == EINTR && alarmed && vm->irqchip && !nmi_sent) {
				/*
				 * The guest may be in sti;hlt for an interrupt
				 * that never comes: an NMI wakes it, and it
				 * gives up (G_ETIME) instead of hanging.
				 */
				alarmed = 0;
				nmi_sent = true;
				vm->nmis++;
				diag("guest still running after %u s: watchdog NMI",
				     timeout_s);
				dump_vcpu(vm);
				if (ioctl(vm->vcpufd, KVM_NMI, 0))
					diag("KVM_NMI: %s", strerror(errno));
				alarm(30);
				continue;
			}
			if (errno == EINTR && alarmed) {
				diag("guest timed out after %u s", timeout_s);
				dump_vcpu(vm);
				return -1;
			}
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN: %s", strerror(errno));
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			vm->io_exits++;
			data = (uint8_t *)run + run->io.data_offset;
			v = 0;
			memcpy(&v, data, run->io.size < 4 ? run->io.size : 4);
			if (run->io.direction != KVM_EXIT_IO_OUT) {
				memset(data, 0xff, run->io.size * run->io.count);
				break;
			}
			if (run->io.port == PORT_DONE) {
				if (v == seq) {
					alarm(0);
					return 0;
				}
				break;
			}
			if (run->io.port == PORT_NOTIFY) {
				if (vm->notify)
					vm->notify(vm, v);
				break;
			}
			if (run->io.port == PORT_DEBUGCON) {
				char c = (char)v;

				if (c == '\n' || vm->con_len == sizeof(vm->con) - 1) {
					vm->con[vm->con_len] = 0;
					diag("guest: %s", vm->con);
					vm->con_len = 0;
				} else {
					vm->con[vm->con_len++] = c;
				}
				break;
			}
			diag("unexpected I/O port %#x", run->io.port);
			return -1;
		case KVM_EXIT_MMIO:
			if (run->mmio.phys_addr < TPM_REGION ||
			    run->mmio.phys_addr + run->mmio.len > TPM_REGION + TPM_REGION_SIZE) {
				diag("unexpected MMIO at %#llx",
				     (unsigned long long)run->mmio.phys_addr);
				dump_vcpu(vm);
				return -1;
			}
			off = run->mmio.phys_addr - TPM_REGION;
			if (run->mmio.is_write) {
				vm->mmio_writes++;
				val = 0;
				memcpy(&val, run->mmio.data, run->mmio.len);
				region_write(vm, off, run->mmio.len, val);
			} else {
				vm->mmio_reads++;
				val = region_read(vm, off, run->mmio.len);
				memcpy(run->mmio.data, &val, run->mmio.len);
			}
			break;
		case KVM_EXIT_HLT:
			diag("guest halted");
			dump_vcpu(vm);
			return -1;
		case KVM_EXIT_INTR:
			break;
		default:
			diag("unexpected exit %u", run->exit_reason);
			dump_vcpu(vm);
			return -1;
		}
	}
}

/* Start a request: the mailbox's fields for @op, cleared results */
static struct mbox *req(struct vm *vm, uint32_t op)
{
	struct mbox *mb = vm->mb;
	uint32_t seq = mb->seq + 1;

	memset(mb, 0, offsetof(struct mbox, cmd));
	mb->magic = MBOX_MAGIC;
	mb->seq = seq;
	mb->op = op;
	mb->iface = vm->iface;
	mb->max_polls = 2000000;
	return mb;
}

/* Run the request in the mailbox; 0, or -1 on a VMM-level failure */
static int go(struct vm *vm, unsigned int timeout_s)
{
	return vm_run(vm, timeout_s ? timeout_s : 300);
}

/* OP_*_XFER of @cmd at locality @loc: the guest's status */
static int gx(struct vm *vm, const uint8_t *cmd, uint32_t len, uint32_t loc,
	      uint32_t flags, uint32_t hook_at)
{
	struct mbox *mb = req(vm, vm->iface == IFACE_CRB ? OP_CRB_XFER : OP_TIS_XFER);

	memcpy(mb->cmd, cmd, len);
	mb->cmd_len = len;
	mb->loc = loc;
	mb->flags = flags;
	mb->hook_at = hook_at;
	if (go(vm, 0))
		return -1000;
	return mb->status;
}

/* ---- scripts ---- */

struct script {
	struct mbox *mb;
	int n;
};

static struct script sc_begin(struct vm *vm)
{
	struct script s = { req(vm, OP_SCRIPT), 0 };

	return s;
}

static int sc_step(struct script *s, uint32_t op, uint32_t off, uint32_t size,
		   uint32_t val, uint32_t mask, uint32_t max)
{
	struct step *st = &s->mb->steps[s->n];

	if (s->n >= MAX_STEPS - 1)
		die("script too long");
	st->op = op;
	st->off = off;
	st->size = size;
	st->val = val;
	st->mask = mask;
	st->max = max;
	return s->n++;
}

static int sc_rd(struct script *s, uint32_t off)
{
	return sc_step(s, S_READ, off, 4, 0, 0, 0);
}

static int sc_rd1(struct script *s, uint32_t off)
{
	return sc_step(s, S_READ, off, 1, 0, 0, 0);
}

static void sc_wr(struct script *s, uint32_t off, uint32_t val)
{
	sc_step(s, S_WRITE, off, 4, val, 0, 0);
}

static void sc_wr1(struct script *s, uint32_t off, uint32_t val)
{
	sc_step(s, S_WRITE, off, 1, val, 0, 0);
}

static int sc_poll(struct script *s, uint32_t off, uint32_t mask, uint32_t val)
{
	return sc_step(s, S_POLL, off, 4, val, mask, 200000);
}

static int sc_poll1(struct script *s, uint32_t off, uint32_t mask, uint32_t val)
{
	return sc_step(s, S_POLL, off, 1, val, mask, 200000);
}

static void sc_notify(struct script *s, uint32_t val)
{
	sc_step(s, S_NOTIFY, 0, 0, val, 0, 0);
}

static int sc_run(struct vm *vm, struct script *s)
{
	s->mb->steps[s->n].op = S_END;
	return go(vm, 0);
}

/* ---- the reference ---- */

static uint8_t ref_rsp[4096];

static int ref(struct vm *vm, const uint8_t *cmd, uint32_t len)
{
	return node_xfer(vm->ref, cmd, len, ref_rsp);
}

/*
 * @cmd to the reference; its response and the guest's (in the mailbox),
 * byte for byte (@rc_size_only: rc and size).  *@rn: the reference's
 * length; *@handle: a CreatePrimary's handles were compared apart.
 */
static bool cmp_ref(struct vm *vm, const uint8_t *cmd, uint32_t len, bool rc_size_only,
		    int *rnp, bool *handlep)
{
	struct mbox *mb = vm->mb;
	int rn = ref(vm, cmd, len);
	bool same, handle = false;
	uint8_t gh[4], rh[4];

	*rnp = rn;
	*handlep = false;
	if (rn < 10)
		return false;
	/*
	 * The handle a CreatePrimary returns is virtual, each vTPM's own
	 * (tpmmux numbers them per vTPM): compared apart, the rest byte for byte.
	 */
	if (tpm_get32(cmd + 6) == TPM_CC_CREATE_PRIMARY && rn >= 14 &&
	    mb->rsp_len >= 14 && !tpm_rc(ref_rsp) && !tpm_rc(mb->rsp)) {
		handle = true;
		memcpy(gh, mb->rsp + 10, 4);
		memcpy(rh, ref_rsp + 10, 4);
		memset(mb->rsp + 10, 0, 4);
		memset(ref_rsp + 10, 0, 4);
	}
	if (rc_size_only)
		same = (uint32_t)rn == mb->rsp_len &&
		       tpm_rc(mb->rsp) == tpm_rc(ref_rsp);
	else
		same = (uint32_t)rn == mb->rsp_len && !memcmp(mb->rsp, ref_rsp, rn);
	if (handle) {
		same = same && gh[0] == 0x80 && rh[0] == 0x80;
		memcpy(mb->rsp + 10, gh, 4);
		memcpy(ref_rsp + 10, rh, 4);
	}
	*handlep = handle;
	return same;
}

/* The guest's and the reference's responses to @cmd, byte for byte */
static bool same_as_ref(struct vm *vm, const char *what, const uint8_t *cmd,
			uint32_t len, int gst, bool rc_size_only)
{
	struct mbox *mb = vm->mb;
	bool same, handle;
	int rn;

	if (gst != 0) {
		rn = ref(vm, cmd, len);		/* the reference keeps step */
		ok(false, "%s: %s: guest status %d, reference %d", vm->name, what,
		   gst, rn);
		return false;
	}
	same = cmp_ref(vm, cmd, len, rc_size_only, &rn, &handle);
	if (rn < 10) {
		ok(false, "%s: %s: guest status %d, reference %d", vm->name, what,
		   gst, rn);
		return false;
	}
	if (!ok(same, "%s: %s: response as the reference vTPM's (rc %#x, %u bytes%s%s)",
		vm->name, what, tpm_rc(mb->rsp), mb->rsp_len,
		rc_size_only ? ", rc and size" : "",
		handle ? ", the transient handles apart" : "")) {
		hexdump("guest", mb->rsp, mb->rsp_len);
		hexdump("reference", ref_rsp, rn);
	}
	return same;
}

/* ---- setup ---- */

static const uint8_t test_uuid[16] = {
	0x6b, 0x76, 0x6d, 0x66, 0x65, 0x2d, 0x40, 0x01,
	0x80, 0x00, 0x74, 0x70, 0x6d, 0x6d, 0x75, 0x78,
};

static void vm_setup(struct vm *vm, int iface, const char *name, const char *refname,
		     bool irq)
{
	struct tpmmux_fe_setup s;
	uint32_t rid;
	uint8_t b[16];
	int rc;
	void *p;

	memset(vm, 0, sizeof(*vm));
	vm->iface = iface;
	vm->name = name;
	vm->stats_fd = -1;
	vm->irqchip = irq;
	vm->call = -1;
	vtpm_destroy(name);
	vtpm_destroy(refname);
	rc = vtpm_create(name, test_uuid, &vm->id);
	if (rc)
		die("create vTPM %s: %s", name, strerror(-rc));
	rc = vtpm_create(refname, test_uuid, &rid);
	if (rc)
		die("create vTPM %s: %s", refname, strerror(-rc));
	vm->node = open_node(name);
	vm->ref = open_node(refname);

	memset(&s, 0, sizeof(s));
	s.type = iface == IFACE_CRB ? TPMMUX_FE_CRB : TPMMUX_FE_TIS;
	s.buf_gpa = iface == IFACE_CRB ? CRB_BUF_GPA : 0;
	rc = ioctl(vm->node, TPMMUX_IOC_FE_SETUP, &s);
	if (!ok(!rc, "%s: TPMMUX_IOC_FE_SETUP %s (buf_size %u)", name,
		iface == IFACE_CRB ? "CRB" : "TIS", s.buf_size))
		die("FE_SETUP: %s", strerror(errno));
	vm->buf_size = s.buf_size;
	if (iface == IFACE_CRB)
		ok(s.buf_size >= TPMMUX_FE_LOC_STRIDE / 2 && s.buf_size <= 4096,
		   "%s: CRB buffer size %u: at least 2048 bytes, one page at most",
		   name, s.buf_size);
	else
		ok(s.buf_size == 0, "%s: TIS buf_size is 0 (%u)", name, s.buf_size);

	memset(b, 0, sizeof(b));
	cmd_getrandom(b, 8);
	errno = 0;
	rc = write(vm->node, b, 12);
	ok(rc < 0 && errno == EBUSY, "%s: write() on the node with a front end: EBUSY (%s)",
	   name, rc < 0 ? strerror(errno) : "succeeded");
	errno = 0;
	rc = read(vm->node, b, sizeof(b));
	ok(rc < 0 && errno == EBUSY, "%s: read() on the node with a front end: EBUSY (%s)",
	   name, rc < 0 ? strerror(errno) : "succeeded");

	if (iface == IFACE_CRB) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vm->node,
			 TPMMUX_FE_MMAP_BUF);
		if (p == MAP_FAILED)
			die("mmap the CRB buffer: %s", strerror(errno));
		vm->buf = p;
	}
	p = mmap(NULL, TPMMUX_FE_REGION_SIZE, PROT_READ, MAP_SHARED, vm->node,
		 TPMMUX_FE_MMAP_REGS);
	if (p == MAP_FAILED)
		die("mmap the register pages: %s", strerror(errno));
	vm->regs = p;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vm->node,
		 TPMMUX_FE_MMAP_REGS);
	ok(p == MAP_FAILED, "%s: the register pages cannot be mapped writable (%s)",
	   name, p == MAP_FAILED ? strerror(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 4096);

	vm_create(vm);
	if (iface == IFACE_CRB) {
		add_kick(vm, C_START, 4, 1);
	} else {
		add_kick(vm, T_STS, 1, 0x20);
		add_kick(vm, T_STS, 4, 0x20);
		add_kick(vm, T_STS, 1, 0x40);
		add_kick(vm, T_STS, 4, 0x40);
	}
	if (irq) {
		struct kvm_irqfd irqfd;
		struct tpmmux_fe_call c;

		vm->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vm->call < 0)
			die("eventfd: %s", strerror(errno));
		memset(&irqfd, 0, sizeof(irqfd));
		irqfd.fd = vm->call;
		irqfd.gsi = TPM_GSI;
		rc = ioctl(vm->vmfd, KVM_IRQFD, &irqfd);
		if (!ok(!rc, "%s: KVM_IRQFD: the call eventfd on GSI %d (%s)", name,
			TPM_GSI, rc ? strerror(errno) : "ok"))
			die("KVM_IRQFD: %s", strerror(errno));
		memset(&c, 0, sizeof(c));
		c.fd = vm->call;
		rc = ioctl(vm->node, TPMMUX_IOC_FE_SET_CALL, &c);
		if (!ok(!rc, "%s: TPMMUX_IOC_FE_SET_CALL with it (%s)", name,
			rc ? strerror(errno) : "ok"))
			die("TPMMUX_IOC_FE_SET_CALL: %s", strerror(errno));
	}
}

static void vm_teardown(struct vm *vm, const char *refname)
{
	struct mbox *mb = req(vm, OP_EXIT);

	(void)mb;
	close(vm->vcpufd);
	close(vm->vmfd);
	close(vm->kvm);
	munmap(vm->run, vm->run_size);
	munmap(vm->ram, GUEST_RAM_SIZE);
	if (vm->buf)
		munmap(vm->buf, 4096);
	munmap((void *)vm->regs, TPMMUX_FE_REGION_SIZE);
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	for (int i = 0; i < vm->nkicks; i++)
		close(vm->kick[i]);
	if (vm->call >= 0)
		close(vm->call);
	close(vm->node);
	close(vm->ref);
	if (!vm->destroyed)
		vtpm_destroy(vm->name);
	vtpm_destroy(refname);
}

/* ---- tests common to CRB and TIS ---- */

static uint8_t flushb[16];

static void flush_guest(struct vm *vm, uint32_t h)
{
	gx(vm, flushb, cmd_flush(flushb, h), 0, 0, 0);
}

static void flush_ref(struct vm *vm, uint32_t h)
{
	ref(vm, flushb, cmd_flush(flushb, h));
}

static uint8_t cmdb[4096];

static void count_first_polls(struct vm *vm, int *started, int *stale)
{
	if (vm->iface == IFACE_CRB) {
		if (vm->mb->first_poll == 1)
			(*started)++;
		if (vm->mb->stale)
			(*stale)++;
	}
}

static void test_commands(struct vm *vm)
{
	struct mbox *mb = vm->mb;
	uint32_t len, h1 = 0, h2 = 0, maxlen;
	int st, started = 0, stale = 0, ncmd = 0, rn;

	len = cmd_startup(cmdb);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "TPM2_Startup(CLEAR)", cmdb, len, st, false);
	count_first_polls(vm, &started, &stale), ncmd++;

	len = cmd_getrandom(cmdb, 16);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "GetRandom(16)", cmdb, len, st, true);
	ok(mb->rsp_len == 28 && !tpm_rc(mb->rsp), "%s: GetRandom(16): rc 0, 28 bytes",
	   vm->name);
	count_first_polls(vm, &started, &stale), ncmd++;

	len = cmd_pcr_extend(cmdb, 16, 0x5a);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "PCR_Extend(16, sha256)", cmdb, len, st, false);
	count_first_polls(vm, &started, &stale), ncmd++;

	len = cmd_pcr_read(cmdb, 16);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "PCR_Read(sha256:16)", cmdb, len, st, false);
	count_first_polls(vm, &started, &stale), ncmd++;

	len = cmd_create_primary_ecc(cmdb);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "CreatePrimary(owner, ECC P-256)", cmdb, len, st, false);
	count_first_polls(vm, &started, &stale), ncmd++;
	if (!st && !tpm_rc(mb->rsp))
		h1 = rsp_handle(mb->rsp);
	if (tpm_rc(ref_rsp) == 0)
		h2 = rsp_handle(ref_rsp);
	if (h1) {
		len = cmd_flush(cmdb, h1);
		st = gx(vm, cmdb, len, 0, 0, 0);
		ok(!st && !tpm_rc(mb->rsp), "%s: FlushContext of the primary: rc %#x",
		   vm->name, tpm_rc(mb->rsp));
	}
	if (h2) {
		len = cmd_flush(cmdb, h2);
		ref(vm, cmdb, len);
	}

	len = cmd_hash(cmdb, 1042, 3);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "Hash of 1024 bytes (1042-byte command)", cmdb, len, st, false);
	count_first_polls(vm, &started, &stale), ncmd++;

	maxlen = 3968;
	len = cmd_hash(cmdb, maxlen, 9);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "3968-byte command (Hash of 3950 bytes)", cmdb, len, st, false);
	ok(!st && tpm_rc(mb->rsp) == TPM_RC_SIZE_P1,
	   "%s: 3968-byte command reached the chip: TPM_RC_SIZE+P+1 (%#x)", vm->name,
	   tpm_rc(mb->rsp));
	count_first_polls(vm, &started, &stale), ncmd++;

	/* one byte more than the vTPM advertises */
	if (vm->iface == IFACE_TIS || vm->buf_size >= 3969) {
		len = cmd_hash(cmdb, 3969, 9);
		st = gx(vm, cmdb, len, 0, 0, 0);
		rn = ref(vm, cmdb, len);
		ok(!st && tpm_rc(mb->rsp) == TPM_RC_COMMAND_SIZE && mb->rsp_len == 10 &&
		   rn == 10 && !memcmp(mb->rsp, ref_rsp, 10),
		   "%s: 3969-byte command: TPM_RC_COMMAND_SIZE as the reference "
		   "(guest status %d rc %#x, reference %d rc %#x)", vm->name, st,
		   tpm_rc(mb->rsp), rn, rn >= 10 ? tpm_rc(ref_rsp) : 0);
		count_first_polls(vm, &started, &stale), ncmd++;
	}

	/* the same command at locality 1 */
	len = cmd_getrandom(cmdb, 8);
	st = gx(vm, cmdb, len, 1, 0, 0);
	ok(!st && !tpm_rc(mb->rsp) && mb->rsp_len == 20,
	   "%s: GetRandom(8) at locality 1 (no doorbell there: START by FE_WRITE): "
	   "status %d rc %#x len %u", vm->name, st, tpm_rc(mb->rsp), mb->rsp_len);

	if (vm->iface == IFACE_CRB) {
		int bad = 0, i;

		ok(!stale, "%s: no command saw START read 0 before it was taken "
		   "(%d of %d did)", vm->name, stale, ncmd);
		/* the race in numbers: PCR_Read, answered by the module at once */
		len = cmd_pcr_read(cmdb, 16);
		for (i = 0; i < 50; i++) {
			st = gx(vm, cmdb, len, 0, 0, 0);
			if (st || mb->stale || tpm_rc(mb->rsp) || mb->rsp_len != 62)
				bad++;
		}
		ok(!bad, "%s: 50 PCR_Reads: START reads 1 right after the START write "
		   "until the response is in (%d got their own command back)", vm->name, bad);
		diag("%s: %d of %d commands read START = 1 at the first poll",
		     vm->name, started, ncmd);
	}
}

/* ---- CRB ---- */

static uint8_t pages_before[TPMMUX_FE_REGION_SIZE];
static int pages_changed;

static void snap_notify(struct vm *vm, uint32_t v)
{
	if (v == 1) {
		memcpy(pages_before, (const void *)vm->regs, sizeof(pages_before));
	} else if (v == 2) {
		pages_changed = memcmp(pages_before, (const void *)vm->regs,
				       sizeof(pages_before));
		if (pages_changed) {
			for (int i = 0; i < TPMMUX_FE_REGION_SIZE; i += 4)
				if (memcmp(pages_before + i, (const void *)(vm->regs + i), 4))
					diag("register %#x: %08x -> %08x", i,
					     *(uint32_t *)(pages_before + i),
					     *(const volatile uint32_t *)(vm->regs + i));
		}
	}
}

static long long cmd_count_at_notify;

static void count_notify(struct vm *vm, uint32_t v)
{
	(void)v;
	cmd_count_at_notify = vtpm_commands(vm->id);
}

static void crb_locality_on(struct script *s, uint32_t l)
{
	sc_wr(s, l * 0x1000 + C_LOC_CTRL, 1);
	sc_poll(s, l * 0x1000 + C_LOC_STATE, 0x82, 0x82);
}

static void crb_locality_off(struct script *s, uint32_t l)
{
	sc_wr(s, l * 0x1000 + C_LOC_CTRL, 2);
	sc_poll(s, C_LOC_STATE, 0x82, 0x80);
}

static void test_crb_probe(struct vm *vm)
{
	struct mbox *mb = req(vm, OP_CRB_PROBE);

	if (go(vm, 0) || !ok(!mb->status, "crb: probe as tpm_crb's crb_map_io(): status %d",
			     mb->status))
		die("the guest cannot probe the CRB");
	ok(mb->val[0] == CRB_BUF_GPA && mb->val[1] == 0 && mb->val[3] == CRB_BUF_GPA &&
	   mb->val[4] == 0, "crb: CMD_LADDR/HADDR and RSP_ADDR name buf_gpa %#x "
	   "(%#x %#x %#x %#x)", CRB_BUF_GPA, mb->val[0], mb->val[1], mb->val[3], mb->val[4]);
	ok(mb->val[2] == vm->buf_size && mb->val[5] == vm->buf_size,
	   "crb: CMD_SIZE and RSP_SIZE are buf_size (%u %u)", mb->val[2], mb->val[5]);
	ok(mb->val[6] == 0x00025911 && mb->val[7] == 0x00011014,
	   "crb: TPM_INTERFACE_ID 0x0001101400025911 (%#010x%08x)", mb->val[7], mb->val[6]);
}

static void test_crb_long(struct vm *vm)
{
	struct mbox *mb = vm->mb;
	long long c0, c1;
	uint32_t len, rc, ah;
	int st;

	/* in progress: a slow command, START polled */
	len = cmd_create_primary_rsa(cmdb, 1);
	st = gx(vm, cmdb, len, 0, 0, 0);
	ok(!st && mb->busy_polls > 0,
	   "crb: during CreatePrimary RSA-2048 the guest read START = 1 (%u polls, "
	   "first %u, status %d)", mb->busy_polls, mb->first_poll, st);
	same_as_ref(vm, "CreatePrimary RSA-2048", cmdb, len, st, false);
	if (!st && !tpm_rc(mb->rsp)) {
		flush_guest(vm, rsp_handle(mb->rsp));
		if (tpm_rc(ref_rsp) == 0)
			flush_ref(vm, rsp_handle(ref_rsp));
	}

	/* START again, and cmdReady, while the command runs: dropped */
	len = cmd_create_primary_ecc(cmdb);
	c0 = vtpm_commands(vm->id);
	st = gx(vm, cmdb, len, 0, XF_RESTART | XF_CMDREADY, 1);
	c1 = vtpm_commands(vm->id);
	ah = mb->after_hook;
	ok(!st && mb->busy_polls >= 1 && (ah & 0xff) == 1 && ((ah >> 8) & 0xff) == 0,
	   "crb: START and cmdReady written while running are dropped: START reads 1, "
	   "CTRL_REQ 0 (after: %#x, polls %u)", ah, mb->busy_polls);
	ok(!st && !tpm_rc(mb->rsp) && c1 - c0 == 1,
	   "crb: ... the command ends once with its own response (rc %#x, commands +%lld)",
	   tpm_rc(mb->rsp), c1 - c0);
	same_as_ref(vm, "CreatePrimary ECC after a second START", cmdb, len, st, false);
	if (!st && !tpm_rc(mb->rsp)) {
		flush_guest(vm, rsp_handle(mb->rsp));
		if (tpm_rc(ref_rsp) == 0)
			flush_ref(vm, rsp_handle(ref_rsp));
	}

	/* goIdle while running: CTRL_REQ.goIdle reads 1 until the end */
	len = cmd_create_primary_ecc(cmdb);
	st = gx(vm, cmdb, len, 0, XF_GOIDLE, 1);
	ah = mb->after_hook;
	ok(!st && !tpm_rc(mb->rsp) && (((ah >> 8) & 0xff) == 2 || (ah & 0xff) == 0),
	   "crb: goIdle while running reads 1 until the command ends, then it "
	   "completes (after: %#x, rc %#x)", ah, tpm_rc(mb->rsp));
	if (!st && !tpm_rc(mb->rsp))
		flush_guest(vm, rsp_handle(mb->rsp));

	/* guest cancel during CreatePrimary RSA-2048 */
	len = cmd_create_primary_rsa(cmdb, 2);
	st = gx(vm, cmdb, len, 0, XF_CANCEL | XF_KEEP_POLLING, 1);
	rc = st ? 0xffffffff : tpm_rc(mb->rsp);
	ok(!st && (rc == TPM_RC_CANCELED || rc == 0) && mb->busy_polls >= 1,
	   "crb: CANCEL during CreatePrimary RSA-2048: %s (status %d, rc %#x, %u polls)",
	   rc == TPM_RC_CANCELED ? "TPM_RC_CANCELED" : rc == 0 ? "finished first" : "?",
	   st, rc, mb->busy_polls);
	diag("crb: cancel result: %s", rc == TPM_RC_CANCELED ? "TPM_RC_CANCELED (0x909)" :
	     rc == 0 ? "success (the command finished first)" : "unexpected");
	if (rc == 0)
		flush_guest(vm, rsp_handle(mb->rsp));
	len = cmd_getrandom(cmdb, 16);
	st = gx(vm, cmdb, len, 0, 0, 0);
	ok(!st && !tpm_rc(mb->rsp) && mb->rsp_len == 28 && !mb->stale,
	   "crb: the next command after a cancel gets its own response (status %d rc "
	   "%#x len %u)", st, tpm_rc(mb->rsp), mb->rsp_len);

	/* Linux's own cancel path: CANCEL read back as 1 -> -ECANCELED */
	len = cmd_create_primary_rsa(cmdb, 3);
	st = gx(vm, cmdb, len, 0, XF_CANCEL, 1);
	ok(st == G_ECANCELED || (st == 0 && mb->busy_polls == 1),
	   "crb: Linux's poll loop sees CANCEL = 1 and returns -ECANCELED (status %d)", st);
	len = cmd_pcr_read(cmdb, 16);
	st = gx(vm, cmdb, len, 0, 0, 0);
	same_as_ref(vm, "PCR_Read after a Linux-style cancel", cmdb, len, st, false);
}

static void test_crb_edges(struct vm *vm)
{
	struct mbox *mb;
	struct script s;
	long long c0;
	int r[32], i, k;
	static const uint32_t bad_sizes[] = { 0, 9, 4097, 0xffffffff };
	uint32_t sz;

	/* writes to undefined and read-only registers, and at locality 4 */
	s = sc_begin(vm);
	crb_locality_on(&s, 0);
	sc_wr(&s, C_REQ, 1);
	sc_poll(&s, C_REQ, 1, 0);
	sc_notify(&s, 1);
	{
		static const uint32_t offs[] = { 0x00, 0x04, 0x0c, 0x10, 0x2c, 0x30, 0x34,
			0x38, 0x3c, 0x44, 0x58, 0x5c, 0x60, 0x64, 0x68, 0x6c, 0x70, 0x74,
			0x80, 0x100, 0xffc, 0x4008, 0x4040, 0x4048, 0x404c, 0x4054 };

		for (i = 0; i < (int)ARRAY_SIZE(offs); i++)
			sc_wr(&s, offs[i], 0xffffffff);
		sc_step(&s, S_WRITE, 0x71, 1, 0xff, 0, 0);
		sc_step(&s, S_WRITE, 0x3e, 2, 0xffff, 0, 0);
		sc_step(&s, S_WRITE, 0x45, 1, 0xff, 0, 0);
	}
	sc_notify(&s, 2);
	sc_wr(&s, C_REQ, 2);
	sc_poll(&s, C_REQ, 2, 0);
	crb_locality_off(&s, 0);
	vm->notify = snap_notify;
	pages_changed = -1;
	sc_run(vm, &s);
	vm->notify = NULL;
	ok(pages_changed == 0, "crb: writes to undefined and read-only registers and at "
	   "locality 4 change no register");

	/* START in the Idle state (no cmdReady) */
	mb = vm->mb;
	s = sc_begin(vm);
	mb->cmd_len = cmd_getrandom(mb->cmd, 16);
	crb_locality_on(&s, 0);
	k = sc_rd(&s, C_STS);
	sc_step(&s, S_TOBUF, 0, 0, 0, 0, 0);
	sc_wr(&s, C_START, 1);
	r[0] = sc_rd(&s, C_START);
	r[1] = sc_rd(&s, C_START);
	r[2] = sc_rd(&s, C_STS);
	sc_notify(&s, 0);
	sc_step(&s, S_FROMBUF, 0, 0, 12, 0, 0);
	crb_locality_off(&s, 0);
	c0 = vtpm_commands(vm->id);
	vm->notify = count_notify;
	sc_run(vm, &s);
	vm->notify = NULL;
	ok(mb->res[k] == 2 && mb->res[r[0]] == 0 && mb->res[r[1]] == 0 &&
	   mb->res[r[2]] == 2 && !memcmp(mb->rsp, mb->cmd, 12) && cmd_count_at_notify == c0,
	   "crb: START without cmdReady is dropped: START 0, CTRL_STS idle (%#x -> %#x), "
	   "buffer untouched, no command (%lld -> %lld)", mb->res[k], mb->res[r[2]], c0,
	   cmd_count_at_notify);

	/* a header size the buffer cannot hold, or below 10 */
	for (i = 0; i < (int)ARRAY_SIZE(bad_sizes); i++) {
		sz = bad_sizes[i];
		if (sz == 4097)
			sz = vm->buf_size + 1;
		mb = vm->mb;
		s = sc_begin(vm);
		mb->cmd_len = cmd_getrandom(mb->cmd, 16);
		mb->cmd[2] = sz >> 24;
		mb->cmd[3] = sz >> 16;
		mb->cmd[4] = sz >> 8;
		mb->cmd[5] = sz;
		crb_locality_on(&s, 0);
		sc_wr(&s, C_REQ, 1);
		sc_poll(&s, C_REQ, 1, 0);
		sc_wr(&s, C_INT_STS, 0xf);
		sc_step(&s, S_TOBUF, 0, 0, 0, 0, 0);
		sc_wr(&s, C_START, 1);
		r[0] = sc_poll(&s, C_STS, 1, 1);
		r[1] = sc_rd(&s, C_START);
		r[2] = sc_rd(&s, C_INT_STS);
		r[3] = sc_step(&s, S_POLL, C_START, 4, 0, 1, 100);
		sc_wr(&s, C_START, 1);		/* dropped while tpmSts is set */
		r[4] = sc_rd(&s, C_START);
		r[5] = sc_rd(&s, C_STS);
		sc_wr(&s, C_REQ, 1);		/* cmdReady clears tpmSts */
		sc_poll(&s, C_REQ, 1, 0);
		r[6] = sc_rd(&s, C_STS);
		sc_wr(&s, C_REQ, 2);
		sc_poll(&s, C_REQ, 2, 0);
		crb_locality_off(&s, 0);
		c0 = vtpm_commands(vm->id);
		sc_run(vm, &s);
		ok(mb->res[r[0]] >= 0 && mb->res[r[1]] == 0 && (mb->res[r[2]] & 1) &&
		   mb->res[r[4]] == 0 && (mb->res[r[5]] & 1) && !(mb->res[r[6]] & 1) &&
		   vtpm_commands(vm->id) == c0,
		   "crb: header size %u (buffer %u): tpmSts set, START 0, startInt; START "
		   "dropped until cmdReady clears it (STS %#x -> %#x, no command)", sz,
		   vm->buf_size, mb->res[r[5]], mb->res[r[6]]);
	}
	{
		uint32_t len = cmd_pcr_read(cmdb, 16);
		int st = gx(vm, cmdb, len, 0, 0, 0);

		same_as_ref(vm, "PCR_Read after the size errors", cmdb, len, st, false);
	}

	/* locality games */
	mb = vm->mb;
	s = sc_begin(vm);
	mb->cmd_len = cmd_getrandom(mb->cmd, 16);
	crb_locality_on(&s, 0);
	sc_wr(&s, C_REQ, 1);
	sc_poll(&s, C_REQ, 1, 0);
	sc_step(&s, S_TOBUF, 0, 0, 0, 0, 0);
	sc_wr(&s, 0x1000 + C_START, 1);		/* START at locality 1 */
	r[0] = sc_rd(&s, C_START);
	r[1] = sc_rd(&s, 0x1000 + C_START);
	r[2] = sc_rd(&s, C_STS);
	sc_notify(&s, 0);
	sc_step(&s, S_FROMBUF, 0, 0, 12, 0, 0);
	sc_wr(&s, 0x1000 + C_REQ, 2);		/* goIdle at locality 1: dropped */
	r[3] = sc_rd(&s, C_STS);
	sc_wr(&s, C_INT_STS, 0xf);
	sc_wr(&s, 0x2000 + C_LOC_CTRL, 1);	/* locality 2 asks */
	r[4] = sc_rd(&s, C_LOC_STATE);
	r[5] = sc_rd(&s, 0x2000 + C_LOC_STS);
	r[6] = sc_rd(&s, C_LOC_STS);
	sc_wr(&s, C_REQ, 2);
	sc_poll(&s, C_REQ, 2, 0);
	sc_wr(&s, C_LOC_CTRL, 2);		/* 0 lets go: 2 gets it */
	r[7] = sc_rd(&s, C_LOC_STATE);
	r[8] = sc_rd(&s, 0x2000 + C_LOC_STS);
	r[9] = sc_rd(&s, C_INT_STS);
	sc_wr(&s, 0x3000 + C_LOC_CTRL, 4);	/* 3 seizes it from 2 */
	r[10] = sc_rd(&s, C_LOC_STATE);
	r[11] = sc_rd(&s, 0x2000 + C_LOC_STS);
	sc_wr(&s, 0x1000 + C_LOC_CTRL, 4);	/* 1 cannot seize from 3 */
	r[12] = sc_rd(&s, C_LOC_STATE);
	sc_wr(&s, 0x4000 + C_LOC_CTRL, 4);	/* locality 4: dropped */
	r[13] = sc_rd(&s, C_LOC_STATE);
	sc_wr(&s, 0x3000 + C_LOC_CTRL, 2);
	sc_wr(&s, 0x2000 + C_LOC_CTRL, 1);	/* clears 2's beenSeized */
	sc_wr(&s, 0x2000 + C_LOC_CTRL, 2);
	r[14] = sc_rd(&s, C_LOC_STATE);
	r[15] = sc_rd(&s, 0x2000 + C_LOC_STS);
	c0 = vtpm_commands(vm->id);
	vm->notify = count_notify;
	sc_run(vm, &s);
	vm->notify = NULL;
	ok(mb->res[r[0]] == 0 && mb->res[r[1]] == 0 && mb->res[r[2]] == 0 &&
	   !memcmp(mb->rsp, mb->cmd, 12) && cmd_count_at_notify == c0,
	   "crb: START at locality 1 while 0 is active is dropped (START %d/%d, STS %#x, "
	   "no command)", mb->res[r[0]], mb->res[r[1]], mb->res[r[2]]);
	ok(mb->res[r[3]] == 0, "crb: goIdle at locality 1 is dropped (CTRL_STS %#x)",
	   mb->res[r[3]]);
	ok(mb->res[r[4]] == 0x83 && mb->res[r[5]] == 0 && mb->res[r[6]] == 1,
	   "crb: locality 2 asks while 0 is active: it waits (LOC_STATE %#x, LOC_STS_2 "
	   "%#x, LOC_STS_0 %#x)", mb->res[r[4]], mb->res[r[5]], mb->res[r[6]]);
	ok(mb->res[r[7]] == 0x8b && mb->res[r[8]] == 1 && (mb->res[r[9]] & 8),
	   "crb: 0 relinquishes: 2 is granted, localityChangeInt (LOC_STATE %#x, "
	   "LOC_STS_2 %#x, INT_STS %#x)", mb->res[r[7]], mb->res[r[8]], mb->res[r[9]]);
	ok(mb->res[r[10]] == 0x8f && mb->res[r[11]] == 2 && mb->res[r[12]] == 0x8f &&
	   mb->res[r[13]] == 0x8f,
	   "crb: 3 seizes from 2 (beenSeized), 1 and 4 cannot (LOC_STATE %#x %#x %#x, "
	   "LOC_STS_2 %#x)", mb->res[r[10]], mb->res[r[12]], mb->res[r[13]],
	   mb->res[r[11]]);
	ok(mb->res[r[14]] == 0x81 && mb->res[r[15]] == 0,
	   "crb: everyone lets go: no locality (LOC_STATE %#x, LOC_STS_2 %#x)",
	   mb->res[r[14]], mb->res[r[15]]);
	{
		uint32_t len = cmd_getrandom(cmdb, 16);
		int st = gx(vm, cmdb, len, 0, 0, 0);

		ok(!st && !tpm_rc(vm->mb->rsp) && vm->mb->rsp_len == 28,
		   "crb: GetRandom after the locality games (status %d rc %#x)", st,
		   tpm_rc(vm->mb->rsp));
	}
}

/* destroy the vTPM from another thread while the guest polls START */
struct destroyer {
	pthread_t t;
	struct vm *vm;
	int rc;
	bool started;
};

static struct destroyer dtor;

/*
 * Another VM keeps the chip busy with RSA-2048 primaries, so that the
 * guest's command waits in tpmmux's queue when its vTPM is destroyed (a
 * command already on the chip would finish first).
 */
struct keygen {
	pthread_t t;
	volatile bool stop;
	volatile unsigned int done;
};

static struct keygen kg;

static void *keygen_thread(void *arg)
{
	struct keygen *k = arg;
	uint8_t c[512], r[4096];
	uint32_t len, u = 100;
	int fd = open_node("kvmfe-busy");

	if (fd < 0)
		return NULL;
	len = cmd_startup(c);
	node_xfer(fd, c, len, r);
	while (!k->stop) {
		len = cmd_create_primary_rsa(c, u++);
		if (node_xfer(fd, c, len, r) >= 14 && !tpm_rc(r)) {
			len = cmd_flush(c, tpm_get32(r + 10));
			node_xfer(fd, c, len, r);
		}
		k->done++;
	}
	close(fd);
	return NULL;
}

static void *destroy_thread(void *arg)
{
	struct destroyer *d = arg;

	d->rc = vtpm_destroy(d->vm->name);
	return NULL;
}

static void destroy_notify(struct vm *vm, uint32_t v)
{
	(void)v;
	if (dtor.started)
		return;
	dtor.vm = vm;
	vm->destroyed = true;
	dtor.started = !pthread_create(&dtor.t, NULL, destroy_thread, &dtor);
}

static void test_destroy(struct vm *vm)
{
	struct tpmmux_fe_access a;
	struct script s;
	struct mbox *mb;
	uint32_t len;
	int st, r0, r1, r2, rc;

	memset(&kg, 0, sizeof(kg));
	if (vtpm_create("kvmfe-busy", NULL, NULL) ||
	    pthread_create(&kg.t, NULL, keygen_thread, &kg))
		die("cannot start the keygen VM");
	while (!kg.done)
		usleep(1000);
	len = cmd_create_primary_rsa(cmdb, 4);
	vm->notify = destroy_notify;
	mb = req(vm, vm->iface == IFACE_CRB ? OP_CRB_XFER : OP_TIS_XFER);
	memcpy(mb->cmd, cmdb, len);
	mb->cmd_len = len;
	mb->flags = XF_NOTIFY | XF_NO_RELEASE;
	mb->hook_at = 1;
	mb->max_polls = 300000;
	if (go(vm, 600))
		st = -1000;
	else
		st = mb->status;
	vm->notify = NULL;
	if (dtor.started)
		pthread_join(dtor.t, NULL);
	kg.stop = true;
	pthread_join(kg.t, NULL);
	vtpm_destroy("kvmfe-busy");
	ok(dtor.started && dtor.rc == 0, "%s: TPMMUX_IOC_VTPM_DESTROY while the guest polls "
	   "(%s)", vm->name, dtor.started ? strerror(-dtor.rc) : "the command ended first");
	if (vm->iface == IFACE_CRB) {
		ok(st == G_EIO, "crb: the guest's poll ends: START 0 and tpmSts set, "
		   "crb_recv() says -EIO (status %d, %u polls, rc %#x)", st,
		   mb->busy_polls, st ? 0 : tpm_rc(mb->rsp));
		s = sc_begin(vm);
		r0 = sc_rd(&s, C_START);
		r1 = sc_rd(&s, C_STS);
		sc_wr(&s, C_REQ, 1);
		r2 = sc_rd(&s, C_START);
		sc_run(vm, &s);
		ok(mb->res[r0] == 0 && (mb->res[r1] & 1) && mb->res[r2] == 0,
		   "crb: after destroy: START %d, CTRL_STS %#x (tpmSts); writes change "
		   "nothing", mb->res[r0], mb->res[r1]);
	} else {
		ok(st != -1000 && st != G_ETIME, "tis: the guest's poll ends (status %d)", st);
	}
	memset(&a, 0, sizeof(a));
	a.offset = 0x40;
	a.size = 4;
	a.value = 1;
	rc = ioctl(vm->node, TPMMUX_IOC_FE_WRITE, &a);
	ok(rc < 0 && errno == ENODEV, "%s: FE_WRITE after destroy: ENODEV (%s)", vm->name,
	   rc < 0 ? strerror(errno) : "succeeded");
}

static void run_crb(void)
{
	struct vm vm;

	vm_setup(&vm, IFACE_CRB, "kvmfe-crb", "kvmfe-crb-ref", false);
	test_crb_probe(&vm);
	test_commands(&vm);
	test_crb_long(&vm);
	test_crb_edges(&vm);
	ok(vm.fe_errors == 0, "crb: every FE_WRITE/FE_READ the VMM forwarded succeeded "
	   "(%llu errors)", (unsigned long long)vm.fe_errors);
	diag("crb: exits to the VMM: %llu MMIO reads, %llu MMIO writes, %llu I/O; "
	     "vCPU exits %lld (%lld MMIO, %lld I/O)", (unsigned long long)vm.mmio_reads,
	     (unsigned long long)vm.mmio_writes, (unsigned long long)vm.io_exits,
	     vcpu_stat(&vm, "exits"), vcpu_stat(&vm, "mmio_exits"),
	     vcpu_stat(&vm, "io_exits"));
	memset(&dtor, 0, sizeof(dtor));
	test_destroy(&vm);
	vm_teardown(&vm, "kvmfe-crb-ref");
}

/* ---- CRB with the completion interrupt (KVM_IRQFD) ---- */

/* TPM interrupts the guest should have taken so far */
static unsigned int irq_expected;

/* The watchdog: seconds an interrupt-driven xfer may take */
#ifndef IRQ_WATCHDOG_S
#define IRQ_WATCHDOG_S	120
#endif

/*
 * OP_CRB_XFER at locality 0 with XF_IRQ (sti;hlt until the interrupt) or
 * XF_IRQ_OFF (INT_ENABLE 0, START polled with interrupts on).  A lost
 * interrupt: the watchdog NMI after IRQ_WATCHDOG_S, and the guest gives up
 * (G_ETIME).
 */
static int ix(struct vm *vm, const uint8_t *cmd, uint32_t len, uint32_t flags)
{
	struct mbox *mb = req(vm, OP_CRB_XFER);

	memcpy(mb->cmd, cmd, len);
	mb->cmd_len = len;
	mb->flags = flags;
	if (flags & XF_IRQ)
		irq_expected++;
	if (go(vm, IRQ_WATCHDOG_S))
		return -1000;
	return mb->status;
}

/*
 * The xfer's interrupt: exactly one, for the start bit, which the handler
 * cleared by writing it back (INT_STS was cleared before START, so the
 * start bit is all the handler can find).  @what NULL: no TAP, the result.
 */
static bool irq_once(struct vm *vm, const char *what)
{
	struct mbox *mb = vm->mb;
	bool one, clear;

	one = mb->irqs == 1 && mb->irq_sts == C_INT_START &&
	      mb->int_enable == (C_INT_GLOBAL | C_INT_START);
	clear = mb->irq_sts_after == 0 && mb->int_sts == 0;
	if (!what) {
		if (!one || !clear)
			diag("%s: irqs %u, handler INT_STS %#x -> %#x, INT_STS %#x, "
			     "INT_ENABLE %#x, %u hlt", vm->name, mb->irqs, mb->irq_sts,
			     mb->irq_sts_after, mb->int_sts, mb->int_enable, mb->halts);
		return one && clear;
	}
	ok(one, "%s: %s: the completion raised exactly one interrupt (%u; INT_ENABLE "
	   "%#x; the handler read INT_STS %#x; %u hlt, %u of them entered with START "
	   "already 0)", vm->name, what, mb->irqs, mb->int_enable, mb->irq_sts,
	   mb->halts, mb->start0_halts);
	ok(clear, "%s: %s: INT_STS reads 0 after the handler wrote it back (in the "
	   "handler %#x, after the wait %#x)", vm->name, what, mb->irq_sts_after,
	   mb->int_sts);
	return one && clear;
}

static void test_crb_irq(struct vm *vm)
{
	struct mbox *mb;
	struct script s;
	uint32_t len, h1 = 0, h2 = 0, halts = 0, start0 = 0;
	int st, i, r[4], bad = 0, rn;
	bool handle, same;

	irq_expected = 0;
	mb = req(vm, OP_CRB_PROBE);
	if (go(vm, 0) || !ok(!mb->status && mb->val[0] == CRB_BUF_GPA,
			     "%s: probe as tpm_crb's crb_map_io(): status %d, buffer at %#x",
			     vm->name, mb->status, mb->val[0]))
		die("the guest cannot probe the CRB");

	mb = req(vm, OP_IRQ_SETUP);
	mb->irq = TPM_GSI;
	if (go(vm, 0) || !ok(!mb->status && mb->val[0] == (0xffu & ~(1u << TPM_GSI)) &&
			     mb->val[1] == 0xff && !mb->irq_total && !mb->irq_other,
			     "%s: the guest's GDT and IDT, the PIC at vectors %#x-%#x with "
			     "only IRQ %d open (status %d, IMR %#x/%#x)", vm->name,
			     PIC_VECTOR_BASE, PIC_VECTOR_BASE + 15, TPM_GSI, mb->status,
			     mb->val[0], mb->val[1]))
		die("the guest cannot set up its interrupts");

	len = cmd_startup(cmdb);
	st = ix(vm, cmdb, len, XF_IRQ);
	same_as_ref(vm, "TPM2_Startup(CLEAR)", cmdb, len, st, false);
	irq_once(vm, "TPM2_Startup(CLEAR)");
	if (vm->nmis) {
		ok(false, "%s: the completion interrupt never came (the watchdog NMI "
		   "woke the guest, status %d): the interrupt-driven run stops here",
		   vm->name, st);
		return;
	}

	len = cmd_pcr_extend(cmdb, 16, 0x5a);
	st = ix(vm, cmdb, len, XF_IRQ);
	same_as_ref(vm, "PCR_Extend(16, sha256)", cmdb, len, st, false);
	irq_once(vm, "PCR_Extend");

	len = cmd_pcr_read(cmdb, 16);
	st = ix(vm, cmdb, len, XF_IRQ);
	same_as_ref(vm, "PCR_Read(sha256:16)", cmdb, len, st, false);
	irq_once(vm, "PCR_Read");

	len = cmd_create_primary_ecc(cmdb);
	st = ix(vm, cmdb, len, XF_IRQ);
	same_as_ref(vm, "CreatePrimary(owner, ECC P-256)", cmdb, len, st, false);
	irq_once(vm, "CreatePrimary ECC");
	if (!st && !tpm_rc(mb->rsp))
		h1 = rsp_handle(mb->rsp);
	if (tpm_rc(ref_rsp) == 0)
		h2 = rsp_handle(ref_rsp);
	len = cmd_flush(cmdb, h1);
	st = ix(vm, cmdb, len, XF_IRQ);
	ok(h1 && !st && !tpm_rc(mb->rsp) && mb->rsp_len == 10,
	   "%s: FlushContext of the primary (%#x): rc %#x", vm->name, h1, tpm_rc(mb->rsp));
	irq_once(vm, "FlushContext");
	if (h2)
		flush_ref(vm, h2);

	/* more of the same: one check */
	for (i = 0; i < 10; i++) {
		len = cmd_pcr_extend(cmdb, 16, 0x10 + i);
		st = ix(vm, cmdb, len, XF_IRQ);
		same = cmp_ref(vm, cmdb, len, false, &rn, &handle);
		halts += mb->halts;
		start0 += mb->start0_halts;
		if (st || !same || !irq_once(vm, NULL)) {
			bad++;
			diag("%s: PCR_Extend %d: status %d, %s the reference's", vm->name, i,
			     st, same ? "as" : "not as");
		}
		len = cmd_pcr_read(cmdb, 16);
		st = ix(vm, cmdb, len, XF_IRQ);
		same = cmp_ref(vm, cmdb, len, false, &rn, &handle);
		halts += mb->halts;
		start0 += mb->start0_halts;
		if (st || !same || !irq_once(vm, NULL)) {
			bad++;
			diag("%s: PCR_Read %d: status %d, %s the reference's", vm->name, i,
			     st, same ? "as" : "not as");
		}
		if (vm->nmis)
			break;
	}
	ok(!bad, "%s: 10 x (PCR_Extend, PCR_Read), interrupt-driven: each response as "
	   "the reference's, each completion exactly one interrupt, INT_STS 0 after "
	   "(%d of 20 not)", vm->name, bad);
	diag("%s: the 20 waited in %u hlt, %u of them entered with START already 0 "
	     "(the interrupt on its way)", vm->name, halts, start0);

	/* INT_ENABLE 0: the status latches, the line stays down */
	len = cmd_pcr_read(cmdb, 16);
	st = ix(vm, cmdb, len, XF_IRQ_OFF);
	ok(!st && mb->irqs == 0 && mb->int_enable == 0 && mb->int_sts == C_INT_START,
	   "%s: INT_ENABLE 0: no interrupt for a command polled with interrupts on "
	   "(%u interrupts, INT_ENABLE %#x; INT_STS %#x: start latched; %u polls)",
	   vm->name, mb->irqs, mb->int_enable, mb->int_sts, mb->busy_polls);
	same_as_ref(vm, "PCR_Read with INT_ENABLE 0", cmdb, len, st, false);

	/* ... enabling with the start bit still set raises the line */
	mb = vm->mb;
	s = sc_begin(vm);
	crb_locality_on(&s, 0);
	r[0] = sc_rd(&s, C_INT_STS);
	sc_step(&s, S_IRQ_ON, 0, 0, 0, 0, 0);
	sc_wr(&s, C_INT_ENABLE, C_INT_GLOBAL | C_INT_START);
	r[1] = sc_step(&s, S_IRQ_WAIT, 0, 0, 0, 0, 0);
	r[2] = sc_rd(&s, C_INT_STS);
	r[3] = sc_step(&s, S_IRQ_OFF, 0, 0, 0, 0, 0);
	crb_locality_off(&s, 0);
	irq_expected++;
	if (sc_run(vm, &s))
		mb->res[r[1]] = -2;
	ok(mb->res[r[0]] == (C_INT_START | C_INT_LOC_CHANGE) && mb->res[r[1]] == 1 &&
	   mb->res[r[3]] == 1 && mb->res[r[2]] == 0,
	   "%s: INT_STS still %#x (start, localityChange): writing INT_ENABLE global + "
	   "start raises the line: exactly one interrupt (%d), INT_STS 0 after the "
	   "handler (%#x)", vm->name, mb->res[r[0]], mb->res[r[3]], mb->res[r[2]]);

	len = cmd_pcr_read(cmdb, 16);
	st = ix(vm, cmdb, len, XF_IRQ);
	same_as_ref(vm, "PCR_Read, interrupt-driven again", cmdb, len, st, false);
	irq_once(vm, "PCR_Read after INT_ENABLE 0");

	/* the tally, after a window with interrupts on for late ones */
	mb = vm->mb;
	s = sc_begin(vm);
	sc_step(&s, S_IRQ_ON, 0, 0, 0, 0, 0);
	sc_step(&s, S_POLL, C_START, 4, 1, 0, 2000);	/* never: 2000 reads */
	r[0] = sc_step(&s, S_IRQ_OFF, 0, 0, 0, 0, 0);
	sc_run(vm, &s);
	ok(mb->res[r[0]] == 0 && mb->irq_total == irq_expected && !mb->irq_other &&
	   !mb->nmis && !vm->nmis,
	   "%s: in all %u TPM interrupts for %u rising edges (none late: %d), none on "
	   "another vector (%u), no watchdog NMI (%u)", vm->name, mb->irq_total,
	   irq_expected, mb->res[r[0]], mb->irq_other, vm->nmis);
}

static void run_crb_irq(void)
{
	struct vm vm;

	vm_setup(&vm, IFACE_CRB, "kvmfe-crb-irq", "kvmfe-crb-irq-ref", true);
	test_crb_irq(&vm);
	ok(vm.fe_errors == 0, "%s: every FE_WRITE/FE_READ the VMM forwarded succeeded "
	   "(%llu errors)", vm.name, (unsigned long long)vm.fe_errors);
	diag("%s: exits to the VMM: %llu MMIO reads, %llu MMIO writes, %llu I/O; "
	     "vCPU exits %lld (%lld MMIO, %lld I/O, %lld halt)", vm.name,
	     (unsigned long long)vm.mmio_reads, (unsigned long long)vm.mmio_writes,
	     (unsigned long long)vm.io_exits, vcpu_stat(&vm, "exits"),
	     vcpu_stat(&vm, "mmio_exits"), vcpu_stat(&vm, "io_exits"),
	     vcpu_stat(&vm, "halt_exits"));
	vm_teardown(&vm, "kvmfe-crb-irq-ref");
}

/* ---- TIS ---- */

static void tis_locality_on(struct script *s, uint32_t l)
{
	sc_wr1(s, l * 0x1000 + T_ACCESS, 2);
	sc_poll1(s, l * 0x1000 + T_ACCESS, 0xa2, 0xa0);
}

static void tis_locality_off(struct script *s, uint32_t l)
{
	sc_wr1(s, l * 0x1000 + T_ACCESS, 0x20);
}

static void test_tis_probe(struct vm *vm)
{
	struct mbox *mb = req(vm, OP_TIS_PROBE);

	if (go(vm, 0) || !ok(!mb->status,
			     "tis: probe as tpm_tis_core_init(): status %d", mb->status))
		die("the guest cannot probe the TIS");
	ok(mb->val[0] == 0x00011014 && mb->val[1] == 1,
	   "tis: DID_VID %#x, RID %u", mb->val[0], mb->val[1]);
	ok(mb->val[2] == 0x01002100 && mb->val[3] == 0x30000697,
	   "tis: INTERFACE_ID %#x, INTF_CAPABILITY %#x", mb->val[2], mb->val[3]);
	ok((mb->val[4] & 0x87) == 0x87 && !(mb->val[4] & 0x80000000u),
	   "tis: INT_ENABLE as the driver wrote it (%#x)", mb->val[4]);
}

static void test_tis_long(struct vm *vm)
{
	struct mbox *mb = vm->mb;
	uint32_t len, rc;
	int st;

	len = cmd_create_primary_rsa(cmdb, 11);
	st = gx(vm, cmdb, len, 0, 0, 0);
	ok(!st && mb->busy_polls > 0 && (mb->first_poll == 0x80 || mb->first_poll == 0x90),
	   "tis: during CreatePrimary RSA-2048 STS reads stsValid only (first %#x, "
	   "%u polls)", mb->first_poll, mb->busy_polls);
	same_as_ref(vm, "CreatePrimary RSA-2048", cmdb, len, st, false);
	if (!st && !tpm_rc(mb->rsp)) {
		flush_guest(vm, rsp_handle(mb->rsp));
		if (tpm_rc(ref_rsp) == 0)
			flush_ref(vm, rsp_handle(ref_rsp));
	}

	/* commandReady while executing: abort, Ready, no response */
	len = cmd_create_primary_rsa(cmdb, 12);
	st = gx(vm, cmdb, len, 0, XF_CMDREADY | XF_KEEP_POLLING, 1);
	ok(st == G_ECANCELED || (st == 0 && !tpm_rc(mb->rsp)),
	   "tis: commandReady during execution aborts: STS reads commandReady, "
	   "-ECANCELED (status %d, after %#x)", st, mb->after_hook);
	if (st == 0)
		flush_guest(vm, rsp_handle(mb->rsp));
	/* commandCancel while executing */
	len = cmd_create_primary_rsa(cmdb, 13);
	st = gx(vm, cmdb, len, 0, XF_TIS_CANCEL | XF_KEEP_POLLING, 1);
	rc = st ? 0xffffffff : tpm_rc(mb->rsp);
	ok(!st && (rc == TPM_RC_CANCELED || rc == 0),
	   "tis: commandCancel during CreatePrimary RSA-2048: %s (status %d rc %#x, "
	   "%u polls)", rc == TPM_RC_CANCELED ? "TPM_RC_CANCELED" :
	   rc == 0 ? "finished first" : "?", st, rc, mb->busy_polls);
	diag("tis: cancel result: %s", rc == TPM_RC_CANCELED ? "TPM_RC_CANCELED (0x909)" :
	     rc == 0 ? "success (the command ran to its end)" : "unexpected");
	if (rc == 0)
		flush_guest(vm, rsp_handle(mb->rsp));
	len = cmd_getrandom(cmdb, 16);
	st = gx(vm, cmdb, len, 0, 0, 0);
	ok(!st && !tpm_rc(mb->rsp) && mb->rsp_len == 28,
	   "tis: the next command gets its own response (status %d rc %#x len %u)", st,
	   tpm_rc(mb->rsp), mb->rsp_len);
}

static void test_tis_edges(struct vm *vm)
{
	struct mbox *mb = vm->mb;
	struct script s;
	long long c0;
	uint32_t len;
	int r[24];

	/* FIFO overrun: 8 bytes more than the header says */
	s = sc_begin(vm);
	len = cmd_getrandom(mb->cmd, 16);
	memset(mb->cmd + len, 0xee, 8);
	tis_locality_on(&s, 0);
	sc_wr1(&s, T_STS, 0x40);
	sc_poll1(&s, T_STS, 0x40, 0x40);
	r[10] = sc_rd(&s, T_FIFO);			/* no data: 0xff */
	r[11] = sc_rd(&s, T_STS);
	sc_step(&s, S_FIFO_WRITE, T_FIFO, 1, 0, len + 8, 0);
	r[0] = sc_rd(&s, T_STS);
	sc_wr1(&s, T_STS, 0x20);
	r[1] = sc_poll1(&s, T_STS, 0x90, 0x90);
	r[2] = sc_step(&s, S_FIFO_READ, T_FIFO, 1, 0, 28, 0);
	r[3] = sc_rd(&s, T_STS);
	r[4] = sc_step(&s, S_FIFO_READ, T_XFIFO, 1, 28, 4, 0);	/* past the end */
	sc_wr1(&s, T_STS, 0x40);
	tis_locality_off(&s, 0);
	sc_run(vm, &s);
	ok(mb->res[r[10]] == -1 && (mb->res[r[11]] & 0xff) == 0x40,
	   "tis: a FIFO read in Ready gives 0xffffffff and changes nothing (STS %#x)",
	   mb->res[r[11]]);
	ok((mb->res[r[0]] & 0xff) == 0x80 && mb->res[r[1]] >= 0 &&
	   tpm_size(mb->rsp) == 28 && !tpm_rc(mb->rsp) && (mb->res[r[3]] & 0xff) == 0x80,
	   "tis: 8 bytes past the commandSize are dropped, Expect stays clear (STS %#x), "
	   "the command runs (rc %#x, %u bytes)", mb->res[r[0]], tpm_rc(mb->rsp),
	   tpm_size(mb->rsp));
	ok(mb->rsp[28] == 0xff && mb->rsp[29] == 0xff && mb->rsp[31] == 0xff,
	   "tis: FIFO reads past the response give 0xff");

	/* tpmGo before the command is complete */
	s = sc_begin(vm);
	len = cmd_getrandom(mb->cmd, 16);
	tis_locality_on(&s, 0);
	sc_wr1(&s, T_STS, 0x40);
	sc_poll1(&s, T_STS, 0x40, 0x40);
	sc_step(&s, S_FIFO_WRITE, T_FIFO, 1, 0, 7, 0);
	sc_wr1(&s, T_STS, 0x20);			/* go with 5 bytes missing */
	r[0] = sc_rd(&s, T_STS);
	sc_step(&s, S_WRITE, T_STS, 4, 0x20, 0, 0);
	r[1] = sc_rd(&s, T_STS);
	sc_notify(&s, 0);
	sc_step(&s, S_FIFO_WRITE, T_FIFO, 1, 7, len - 7, 0);
	r[2] = sc_rd(&s, T_STS);
	sc_wr1(&s, T_STS, 0x20);
	r[3] = sc_poll1(&s, T_STS, 0x90, 0x90);
	r[4] = sc_step(&s, S_FIFO_READ, T_FIFO, 1, 0, 28, 0);
	sc_wr1(&s, T_STS, 0x40);
	tis_locality_off(&s, 0);
	c0 = vtpm_commands(vm->id);
	vm->notify = count_notify;
	sc_run(vm, &s);
	vm->notify = NULL;
	ok((mb->res[r[0]] & 0xffff0fff) == 0x04000588 && (mb->res[r[1]] & 0xff) == 0x88 &&
	   cmd_count_at_notify == c0,
	   "tis: tpmGo with 5 bytes missing is dropped: STS still Expect, burstCount 5 "
	   "(%#x), no command", mb->res[r[0]]);
	ok((mb->res[r[2]] & 0xff) == 0x80 && mb->res[r[3]] >= 0 && !tpm_rc(mb->rsp) &&
	   tpm_size(mb->rsp) == 28,
	   "tis: ... the rest, then tpmGo: the command runs (rc %#x)", tpm_rc(mb->rsp));

	/* commandSize below 10, and above 4096: answered by the interface */
	s = sc_begin(vm);
	memset(mb->cmd, 0, 16);
	mb->cmd[0] = 0x80;
	mb->cmd[1] = 0x01;
	mb->cmd[5] = 6;
	tis_locality_on(&s, 0);
	sc_wr1(&s, T_STS, 0x40);
	sc_poll1(&s, T_STS, 0x40, 0x40);
	sc_step(&s, S_FIFO_WRITE, T_FIFO, 1, 0, 6, 0);
	r[0] = sc_rd(&s, T_STS);
	sc_wr1(&s, T_STS, 0x20);
	r[1] = sc_poll1(&s, T_STS, 0x90, 0x90);
	r[2] = sc_step(&s, S_FIFO_READ, T_FIFO, 1, 0, 10, 0);
	sc_wr1(&s, T_STS, 0x40);
	tis_locality_off(&s, 0);
	c0 = vtpm_commands(vm->id);
	sc_run(vm, &s);
	ok((mb->res[r[0]] & 0xff) == 0x80 && mb->res[r[1]] >= 0 &&
	   tpm_rc(mb->rsp) == TPM_RC_COMMAND_SIZE && tpm_size(mb->rsp) == 10 &&
	   vtpm_commands(vm->id) == c0,
	   "tis: commandSize 6: Expect clears after 6 bytes, tpmGo answers "
	   "TPM_RC_COMMAND_SIZE itself (rc %#x)", tpm_rc(mb->rsp));

	/* locality games */
	s = sc_begin(vm);
	tis_locality_on(&s, 0);
	sc_wr1(&s, 0x2000 + T_ACCESS, 2);		/* 2 asks */
	r[0] = sc_rd1(&s, T_ACCESS);
	r[1] = sc_rd1(&s, 0x2000 + T_ACCESS);
	r[2] = sc_rd(&s, 0x2000 + T_STS);
	sc_wr1(&s, 0x2000 + T_STS, 0x40);		/* not active: dropped */
	sc_wr1(&s, 0x1000 + T_STS, 0x40);
	r[3] = sc_rd(&s, T_STS);
	sc_wr1(&s, T_ACCESS, 0x20);			/* 0 lets go */
	r[4] = sc_rd1(&s, 0x2000 + T_ACCESS);
	r[5] = sc_rd1(&s, T_ACCESS);
	r[6] = sc_rd(&s, T_STS);
	sc_wr1(&s, 0x3000 + T_ACCESS, 8);		/* 3 seizes */
	r[7] = sc_rd1(&s, 0x2000 + T_ACCESS);
	sc_wr1(&s, 0x4000 + T_ACCESS, 8);		/* 4: dropped */
	r[8] = sc_rd1(&s, 0x3000 + T_ACCESS);
	sc_wr1(&s, 0x2000 + T_ACCESS, 0x10);		/* clear beenSeized */
	sc_wr1(&s, 0x3000 + T_ACCESS, 0x20);
	r[9] = sc_rd1(&s, 0x2000 + T_ACCESS);
	r[10] = sc_rd1(&s, 0x3000 + T_ACCESS);
	sc_run(vm, &s);
	ok(mb->res[r[0]] == 0xa5 && mb->res[r[1]] == 0x83 && mb->res[r[2]] == -1 &&
	   (mb->res[r[3]] & 0xff) == 0,
	   "tis: locality 2 asks while 0 is active: pendingRequest at 0 (%#x), requestUse "
	   "at 2 (%#x), STS_2 all ones, STS writes at 1 and 2 dropped (STS_0 %#x)",
	   mb->res[r[0]], mb->res[r[1]], mb->res[r[3]]);
	ok(mb->res[r[4]] == 0xa1 && mb->res[r[5]] == 0x81 && mb->res[r[6]] == -1,
	   "tis: 0 relinquishes: 2 is granted (ACCESS_2 %#x, ACCESS_0 %#x)",
	   mb->res[r[4]], mb->res[r[5]]);
	ok(mb->res[r[7]] == 0x91 && mb->res[r[8]] == 0xa1 && mb->res[r[9]] == 0x81 &&
	   mb->res[r[10]] == 0x81,
	   "tis: 3 seizes from 2 (beenSeized %#x), 4 cannot (ACCESS_3 %#x), all let go",
	   mb->res[r[7]], mb->res[r[8]]);
	len = cmd_pcr_read(cmdb, 16);
	{
		int st = gx(vm, cmdb, len, 0, 0, 0);

		same_as_ref(vm, "PCR_Read after the FIFO and locality games", cmdb, len, st,
			    false);
	}
}

static void run_tis(void)
{
	struct vm vm;

	vm_setup(&vm, IFACE_TIS, "kvmfe-tis", "kvmfe-tis-ref", false);
	test_tis_probe(&vm);
	test_commands(&vm);
	test_tis_long(&vm);
	test_tis_edges(&vm);
	ok(vm.fe_errors == 0, "tis: every FE_WRITE/FE_READ the VMM forwarded succeeded "
	   "(%llu errors)", (unsigned long long)vm.fe_errors);
	diag("tis: exits to the VMM: %llu MMIO reads (%llu FE_READ), %llu MMIO writes, "
	     "%llu I/O; vCPU exits %lld", (unsigned long long)vm.mmio_reads,
	     (unsigned long long)vm.fe_reads, (unsigned long long)vm.mmio_writes,
	     (unsigned long long)vm.io_exits, vcpu_stat(&vm, "exits"));
	memset(&dtor, 0, sizeof(dtor));
	test_destroy(&vm);
	vm_teardown(&vm, "kvmfe-tis-ref");
}

/* ---- bench ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void run_bench(int iface, unsigned int n)
{
	struct vm vm;
	struct mbox *mb;
	long long e0, e1, m0, m1;
	uint64_t u0, u1;
	uint32_t *tsc, len;
	struct timespec t0, t1;
	double secs, sum = 0;
	long khz;
	unsigned int i;
	const char *pfx = iface == IFACE_CRB ? "crb" : "tis";

	if (n > 1024)
		n = 1024;
	vm_setup(&vm, iface, "kvmbench", "kvmbench-ref", false);
	mb = req(&vm, iface == IFACE_CRB ? OP_CRB_PROBE : OP_TIS_PROBE);
	if (go(&vm, 0) || mb->status)
		die("probe failed");
	len = cmd_startup(cmdb);
	if (gx(&vm, cmdb, len, 0, 0, 0) || tpm_rc(vm.mb->rsp))
		die("Startup failed");
	mb = req(&vm, OP_BENCH);
	cmd_pcr_extend(mb->cmd, 16, 0xa5);
	mb->hook_at = 10;		/* warm up */
	if (go(&vm, 0) || mb->status)
		die("bench warm-up failed: %d", mb->status);
	mb = req(&vm, OP_BENCH);
	cmd_pcr_extend(mb->cmd, 16, 0xa5);
	mb->hook_at = n;
	e0 = vcpu_stat(&vm, "exits");
	m0 = vcpu_stat(&vm, "mmio_exits");
	u0 = vm.mmio_reads + vm.mmio_writes;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (go(&vm, 0) || mb->status)
		die("bench failed: %d", mb->status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e1 = vcpu_stat(&vm, "exits");
	m1 = vcpu_stat(&vm, "mmio_exits");
	u1 = vm.mmio_reads + vm.mmio_writes;
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	tsc = (uint32_t *)mb->rsp;
	for (i = 0; i < n; i++)
		sum += tsc[i];
	qsort(tsc, n, sizeof(*tsc), cmp_u32);
	khz = ioctl(vm.vcpufd, KVM_GET_TSC_KHZ, 0);
	/* the wall clock calibrates the TSC (KVM_GET_TSC_KHZ as a check) */
	printf("kvm_%s_commands %u count\n", pfx, n);
	printf("kvm_%s_wall_per_cmd %.1f us\n", pfx, secs * 1e6 / n);
	printf("kvm_%s_tsc_khz_calibrated %.0f kHz\n", pfx, sum / secs / 1000.0);
	printf("kvm_%s_tsc_khz %ld kHz\n", pfx, khz);
	printf("kvm_%s_tsc_median %u ticks\n", pfx, tsc[n / 2]);
	if (khz > 0)
		printf("kvm_%s_rtt_median %.1f us\n", pfx, tsc[n / 2] * 1000.0 / khz);
	if (e0 >= 0 && e1 >= 0)
		printf("kvm_%s_exits_per_cmd %.2f exits\n", pfx, (double)(e1 - e0 - 1) / n);
	if (m0 >= 0 && m1 >= 0)
		printf("kvm_%s_mmio_exits_per_cmd %.2f exits\n", pfx,
		       (double)(m1 - m0) / n);
	printf("kvm_%s_user_exits_per_cmd %.2f exits\n", pfx, (double)(u1 - u0) / n);
	/* responses that were the command itself (START read 0 too early) */
	printf("kvm_%s_bad_responses %u count\n", pfx, mb->stale);
	fflush(stdout);
	vm_teardown(&vm, "kvmbench-ref");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "guest", required_argument, NULL, 'g' },
		{ "bench", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	const char *only = NULL;
	int bench = 0, c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			only = optarg;
			break;
		case 'g':
			guest_path = optarg;
			break;
		case 'b':
			bench = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [--only crb|crb-irq|tis] [--guest FILE] "
				"[--bench N [--only crb|tis]]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	ctl_fd = open("/dev/tpmmux", O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0)
		die("/dev/tpmmux: %s (is tpmmux loaded?)", strerror(errno));
	{
		struct tpmmux_version v;

		memset(&v, 0, sizeof(v));
		if (ioctl(ctl_fd, TPMMUX_IOC_GET_VERSION, &v))
			die("GET_VERSION: %s", strerror(errno));
		if (!bench && !ok(v.features & TPMMUX_FEAT_KVM_FE,
				  "tpmmux has the KVM front end (features %#llx)",
				  (unsigned long long)v.features))
			die("no KVM front end");
	}
	if (bench) {
		run_bench(only && !strcmp(only, "tis") ? IFACE_TIS : IFACE_CRB, bench);
		return 0;
	}
	if (!only || !strcmp(only, "crb"))
		run_crb();
	if (!only || !strcmp(only, "crb-irq"))
		run_crb_irq();
	if (!only || !strcmp(only, "tis"))
		run_tis();
	printf("1..%d\n", ntests);
	if (nfailed)
		diag("%d of %d tests failed", nfailed, ntests);
	return nfailed ? 1 : 0;
}
