/* SPDX-License-Identifier: GPL-2.0 */
/*
 * space.h - per-VM resource manager ("space"): each VM's transient objects
 * and sessions on the one shared TPM, with virtual object handles, lazy
 * swapping and quotas.  See Documentation/isolation.rst.
 *
 * Pure logic with a transmit callback: builds in the kernel module and in
 * userspace unit tests, where libtpms plays the chip.  A space is not
 * locked: its owner serializes every call (the dispatcher runs one command
 * at a time with the chip held; teardown runs after the dispatcher is done
 * with the VM).
 */
#ifndef _TPMMUX_SPACE_H
#define _TPMMUX_SPACE_H

#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"

#ifdef __KERNEL__
#include <linux/slab.h>
#include <linux/string.h>

/* A zeroed allocation that may sleep (kzalloc(GFP_KERNEL)); NULL on failure. */
static inline void *space_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

/* Zero @size bytes at @ptr, in a way the compiler cannot drop. */
static inline void space_memzero(void *ptr, size_t size)
{
	memzero_explicit(ptr, size);
}

/* Zero and free what space_zalloc() returned (NULL is fine). */
static inline void space_free_sensitive(void *ptr, size_t size)
{
	kfree_sensitive(ptr);
}

#else /* userspace */

#include <stdlib.h>

static inline void *space_zalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

static inline void space_memzero(void *ptr, size_t size)
{
	memset(ptr, 0, size);
	/* the compiler must assume the zeroed bytes are read */
	__asm__ __volatile__("" : : "r" (ptr) : "memory");
}

static inline void space_free_sensitive(void *ptr, size_t size)
{
	if (!ptr)
		return;
	space_memzero(ptr, size);
	free(ptr);
}

#endif /* __KERNEL__ */

/*
 * Virtual transient handles (what the guest sees):
 *
 *	 31      24 23              12 11               0
 *	+----------+------------------+------------------+
 *	|   0x80   |      vm_id       |      index       |
 *	+----------+------------------+------------------+
 *
 * vm_id is the space's VM (0-4095), so two VMs never see the same handle;
 * index (0-4095) is handed out round robin, so a flushed handle is not
 * reused until 4096 more objects have been created in that VM.
 */
#define TPMMUX_SPACE_VM_ID_MAX		0xFFF
#define TPMMUX_SPACE_VM_SHIFT		12
#define TPMMUX_SPACE_INDEX_MASK		0xFFF
#define TPMMUX_SPACE_VHANDLE(vm, idx)					\
	(TPM_HR_TRANSIENT |						\
	 (((u32)(vm) & TPMMUX_SPACE_VM_ID_MAX) << TPMMUX_SPACE_VM_SHIFT) | \
	 ((u32)(idx) & TPMMUX_SPACE_INDEX_MASK))

/* Quotas above these are clamped by tpmmux_space_new(). */
#define TPMMUX_SPACE_MAX_OBJECTS	256
#define TPMMUX_SPACE_MAX_SESSIONS	64

/* Size of the response buffer the space needs: tpmmux_space_run()'s @bufsize */
#define TPMMUX_SPACE_BUFSIZE		TPM2_MAX_RESPONSE_SIZE

struct tpmmux_space;

/**
 * struct tpmmux_space_ops - how a space reaches the chip
 * @xmit: send the command in @buf (its length is in its header) to the
 *	chip, which the caller holds; the response replaces it in @buf
 *	(@bufsize bytes available, TPMMUX_SPACE_BUFSIZE).  Return 0 when the
 *	chip answered (the TPM's own error codes are in the response) or a
 *	negative errno for a transport failure (-ENODEV: the chip has gone
 *	away; -ETIME: it did not answer).
 */
struct tpmmux_space_ops {
	int (*xmit)(void *priv, u8 *buf, u32 bufsize);
};

/**
 * struct tpmmux_space_stats - what a space did and holds
 * @context_saves:	ContextSave commands the space itself sent (the
 *			guest's own are not counted)
 * @context_loads:	ContextLoad commands the space itself sent
 * @flushes:		FlushContext commands the space itself sent
 * @objects:		the VM's transient objects, loaded or saved
 * @sessions:		the VM's sessions, loaded or saved
 * @loaded_objects:	of @objects, those on the chip now
 * @loaded_sessions:	of @sessions, those loaded on the chip now
 */
struct tpmmux_space_stats {
	u64 context_saves;
	u64 context_loads;
	u64 flushes;
	u32 objects;
	u32 sessions;
	u32 loaded_objects;
	u32 loaded_sessions;
};

struct tpmmux_space *tpmmux_space_new(u32 vm_id, u32 max_objects,
				      u32 max_sessions);
int tpmmux_space_run(struct tpmmux_space *sp,
		     const struct tpmmux_space_ops *ops, void *priv,
		     u8 *buf, u32 bufsize, const struct tpm2_cmd *cmd,
		     u32 *rsp_len);
int tpmmux_space_evict(struct tpmmux_space *sp,
		       const struct tpmmux_space_ops *ops, void *priv);
void tpmmux_space_close(struct tpmmux_space *sp,
			const struct tpmmux_space_ops *ops, void *priv);
void tpmmux_space_destroy(struct tpmmux_space *sp,
			  const struct tpmmux_space_ops *ops, void *priv);
void tpmmux_space_get_stats(const struct tpmmux_space *sp,
			    struct tpmmux_space_stats *st);

#endif /* _TPMMUX_SPACE_H */
