/* SPDX-License-Identifier: GPL-2.0 */
/*
 * start.S - the guest's entry: a multiboot v1 header (so that QEMU's
 * -kernel loads the same image) and the jump to guest_main(magic, info).
 * Entered in 32-bit protected mode with flat segments, paging off, by
 * QEMU's multiboot loader (EAX = 0x2BADB002, EBX = multiboot info) or by
 * vmm.c (EAX = GUEST_VMM_MAGIC).
 */
	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002		/* magic */
	.long 0x00000003		/* flags: align modules, memory info */
	.long -(0x1badb002 + 0x00000003)

	.text
	.globl _start
_start:
	cli
	movl $0x00300000, %esp		/* GUEST_STACK_TOP */
	cld
	pushl %ebx
	pushl %eax
	call guest_main
1:	hlt
	jmp 1b

/*
 * Interrupts (OP_IRQ_SETUP): one stub per vector 0-47 (the exceptions, and
 * the PIC's IRQs at 0x20-0x2f), each pushing its vector number; the common
 * path saves the registers and calls guest_isr(vector).  Exceptions that
 * push an error code do not come back (guest_isr reports and stops them).
 */
	.macro ISR vec
isr_\vec:
	pushl $\vec
	jmp isr_common
	.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23, \
		24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45, \
		46,47
	ISR \v
	.endr

isr_common:
	pushal
	cld
	pushl 32(%esp)			/* the vector */
	call guest_isr
	addl $4, %esp
	popal
	addl $4, %esp			/* the vector */
	iret

/* void load_gdt(void): flat code 0x08 and data 0x10, as vmm.c set them up */
	.globl load_gdt
load_gdt:
	lgdt gdtr
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	ret

	.section .rodata
	.balign 4
	.globl isr_table
isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23, \
		24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45, \
		46,47
	.long isr_\v
	.endr

	.data
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad 0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
gdt_end:
	.balign 4
	.word 0
gdtr:
	.word gdt_end - gdt - 1
	.long gdt
	.section .note.GNU-stack,"",@progbits
