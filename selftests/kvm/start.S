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
	.section .note.GNU-stack,"",@progbits
