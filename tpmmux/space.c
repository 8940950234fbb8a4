// SPDX-License-Identifier: GPL-2.0
/*
 * space.c - per-VM resource manager ("space") on the shared TPM.
 *
 * Every VM sees a TPM of its own: its transient objects have virtual
 * handles that no other VM can name (space.h has the layout), its sessions
 * are checked to be its own, and whatever it has on the chip is saved and
 * flushed when the dispatcher switches to another VM.  The ideas are those
 * of the kernel's resource manager (drivers/char/tpm/tpm2-space.c), with
 * three differences:
 *
 *  - Lazy swapping.  The kernel's RM loads a space's contexts before every
 *    command and saves and flushes them after it: three context commands
 *    or more per command, each 3-23 ms on a real chip.  Here a VM's
 *    objects and sessions stay loaded across its consecutive commands; the
 *    dispatcher calls tpmmux_space_evict() only before it runs another VM
 *    or gives the chip back, and an object is loaded again only when a
 *    command names it.
 *  - Virtual handles that encode the VM, so they never collide across VMs.
 *  - Quotas on the objects and sessions one VM may hold.
 *
 * Invariants (between calls):
 *  - an object is FREE, LOADED (on the chip at @phandle) or SAVED (only in
 *    the context the space holds); a LOADED object may also keep the
 *    context it was loaded from, which a later eviction reuses instead of
 *    saving again (objects do not change while loaded, except sequence
 *    objects, whose context is dropped when they are loaded);
 *  - a session is FREE, LOADED, SAVED (by the space, which holds its
 *    context; the chip keeps its handle reserved) or GUEST_SAVED (the
 *    guest saved it with its own ContextSave and holds the context);
 *  - after tpmmux_space_evict() returns 0, nothing of this VM is loaded.
 *
 * Whatever the chip or the guest sends is checked before use: the
 * response length against the buffer, a saved context against the
 * response that carried it, every offset of the parsed command against
 * the command.
 */
#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"
#include "space.h"

enum space_obj_state {
	SPACE_OBJ_FREE = 0,
	SPACE_OBJ_LOADED,
	SPACE_OBJ_SAVED,
};

enum space_ses_state {
	SPACE_SES_FREE = 0,
	SPACE_SES_LOADED,
	SPACE_SES_SAVED,
	SPACE_SES_GUEST_SAVED,
};

/*
 * TPMS_CONTEXT: sequence (8), savedHandle (4), hierarchy (4), then the
 * contextBlob, a TPM2B.  A sequence object is saved with savedHandle
 * 0x80000001 (Part 2, TPMI_DH_SAVED).
 */
#define SPACE_CTX_HANDLE_OFF		8
#define SPACE_CTX_BLOB_OFF		16
#define SPACE_CTX_MIN			(SPACE_CTX_BLOB_OFF + 2)
#define SPACE_CTX_SEQUENCE_HANDLE	0x80000001

/* Handles whose state a transport error made unknown (see strays_flush()) */
#define SPACE_MAX_STRAYS		16
/* Bound on make-room-and-retry rounds for one command or one load */
#define SPACE_MAX_TRIES			16
/* MAX_CAP_HANDLES of a TPM whose TPM_PT_MAX_CAP_BUFFER is 1024 */
#define SPACE_MAX_CAP_HANDLES		254
/* GetCapability response: header, moreData, capability, count */
#define SPACE_CAP_RSP_MIN		(TPM2_HEADER_SIZE + 1 + 4 + 4)

/**
 * struct space_obj - one transient object of the VM
 * @state:	enum space_obj_state
 * @sequence:	the chip saved it as a sequence object: its state changes
 *		with every use, so a kept context goes stale
 * @index:	index part of its virtual handle (TPMMUX_SPACE_VHANDLE())
 * @phandle:	its handle on the chip while LOADED
 * @ctx:	its saved context (TPMS_CONTEXT as the chip returned it);
 *		always set when SAVED, optional when LOADED
 * @ctx_len:	bytes at @ctx
 * @last_use:	value of the space's clock when a command last used it
 */
struct space_obj {
	u8 state;
	bool sequence;
	u16 index;
	u32 phandle;
	u8 *ctx;
	u32 ctx_len;
	u64 last_use;
};

/**
 * struct space_ses - one session of the VM
 * @state:	enum space_ses_state
 * @handle:	its handle, the same on the chip and for the guest
 * @ctx:	its context while SAVED (by the space), else NULL
 * @ctx_len:	bytes at @ctx
 * @last_use:	value of the space's clock when a command last used it
 */
struct space_ses {
	u8 state;
	u32 handle;
	u8 *ctx;
	u32 ctx_len;
	u64 last_use;
};

/**
 * struct tpmmux_space - a VM's objects and sessions on the shared chip
 * @vm_id:		the VM's id (0-TPMMUX_SPACE_VM_ID_MAX), in its handles
 * @max_objects:	quota: objects, loaded or saved; entries of @obj
 * @max_sessions:	quota: sessions; entries of @ses
 * @next_index:		next virtual handle index to try (round robin)
 * @clock:		advances at every command, for least-recently-used
 * @context_saves:	ContextSave commands the space sent
 * @context_loads:	ContextLoad commands the space sent
 * @flushes:		FlushContext commands the space sent
 * @obj:		the objects
 * @ses:		the sessions
 * @nr_strays:		entries of @stray
 * @stray:		handles that may still be on the chip after a transport
 *			error although the space no longer tracks them
 * @xbuf:		the space's own commands and their responses
 *			(TPMMUX_SPACE_BUFSIZE bytes, zeroed after each use)
 * @cmd_copy:		the guest's translated command, to send again after
 *			making room (TPMMUX_SPACE_BUFSIZE bytes, zeroed after
 *			each command)
 *
 * No lock: the owner serializes every call (see space.h).
 */
struct tpmmux_space {
	u32 vm_id;
	u32 max_objects;
	u32 max_sessions;
	u32 next_index;
	u64 clock;
	u64 context_saves;
	u64 context_loads;
	u64 flushes;
	struct space_obj *obj;
	struct space_ses *ses;
	u32 nr_strays;
	u32 stray[SPACE_MAX_STRAYS];
	u8 *xbuf;
	u8 *cmd_copy;
};

/*
 * What one command uses: the objects and sessions it names, and the
 * response code to answer if one of them turns out to be gone.
 */
struct space_need {
	unsigned int nr_obj;
	struct space_obj *obj[TPM2_MAX_HANDLES];
	u32 obj_rc[TPM2_MAX_HANDLES];
	unsigned int nr_ses;
	struct space_ses *ses[TPM2_MAX_HANDLES + TPM2_MAX_SESSIONS];
	u32 ses_rc[TPM2_MAX_HANDLES + TPM2_MAX_SESSIONS];
};

static bool space_is_session(u32 handle)
{
	u8 type = tpm2_handle_type(handle);

	return type == TPM_HT_HMAC_SESSION || type == TPM_HT_POLICY_SESSION;
}

/* A TCG warning (format zero, severity warning): the command may be retried. */
static bool space_rc_is_warning(u32 rc)
{
	return (rc & ~(u32)0x7F) == TPM_RC_WARN;
}

/* ContextSave's answers when the chip does not have the handle loaded */
static bool space_rc_not_loaded(u32 rc)
{
	return rc == TPM_RC_REFERENCE_H0 ||
	       rc == tpm2_rc_handle(TPM_RC_HANDLE, 1);
}

/* ------------------------------------------------------------------ */
/* Bookkeeping                                                        */
/* ------------------------------------------------------------------ */

static u32 obj_vhandle(const struct tpmmux_space *sp,
		       const struct space_obj *o)
{
	return TPMMUX_SPACE_VHANDLE(sp->vm_id, o->index);
}

static struct space_obj *obj_find(struct tpmmux_space *sp, u32 vhandle)
{
	u32 i, idx = vhandle & TPMMUX_SPACE_INDEX_MASK;

	if ((vhandle & ~(u32)TPMMUX_SPACE_INDEX_MASK) !=
	    TPMMUX_SPACE_VHANDLE(sp->vm_id, 0))
		return NULL;
	for (i = 0; i < sp->max_objects; i++)
		if (sp->obj[i].state != SPACE_OBJ_FREE &&
		    sp->obj[i].index == idx)
			return &sp->obj[i];
	return NULL;
}

static bool obj_index_used(const struct tpmmux_space *sp, u32 idx)
{
	u32 i;

	for (i = 0; i < sp->max_objects; i++)
		if (sp->obj[i].state != SPACE_OBJ_FREE &&
		    sp->obj[i].index == idx)
			return true;
	return false;
}

/* A free entry with a fresh virtual handle index, or NULL (quota). */
static struct space_obj *obj_alloc(struct tpmmux_space *sp)
{
	struct space_obj *o = NULL;
	u32 i, idx = 0;

	for (i = 0; i < sp->max_objects; i++) {
		if (sp->obj[i].state == SPACE_OBJ_FREE) {
			o = &sp->obj[i];
			break;
		}
	}
	if (!o)
		return NULL;
	/* max_objects < 4096 indices: one is always free */
	for (i = 0; i <= TPMMUX_SPACE_INDEX_MASK; i++) {
		idx = (sp->next_index + i) & TPMMUX_SPACE_INDEX_MASK;
		if (!obj_index_used(sp, idx))
			break;
	}
	sp->next_index = (idx + 1) & TPMMUX_SPACE_INDEX_MASK;
	memset(o, 0, sizeof(*o));
	o->index = idx;
	return o;
}

static void obj_forget(struct space_obj *o)
{
	space_free_sensitive(o->ctx, o->ctx_len);
	memset(o, 0, sizeof(*o));
}

static u32 obj_count(const struct tpmmux_space *sp, bool loaded_only)
{
	u32 i, n = 0;

	for (i = 0; i < sp->max_objects; i++)
		if (loaded_only ? sp->obj[i].state == SPACE_OBJ_LOADED :
				  sp->obj[i].state != SPACE_OBJ_FREE)
			n++;
	return n;
}

static struct space_ses *ses_find(struct tpmmux_space *sp, u32 handle)
{
	u32 i;

	for (i = 0; i < sp->max_sessions; i++)
		if (sp->ses[i].state != SPACE_SES_FREE &&
		    sp->ses[i].handle == handle)
			return &sp->ses[i];
	return NULL;
}

static struct space_ses *ses_alloc(struct tpmmux_space *sp)
{
	u32 i;

	for (i = 0; i < sp->max_sessions; i++) {
		if (sp->ses[i].state == SPACE_SES_FREE) {
			memset(&sp->ses[i], 0, sizeof(sp->ses[i]));
			return &sp->ses[i];
		}
	}
	return NULL;
}

static void ses_forget(struct space_ses *s)
{
	space_free_sensitive(s->ctx, s->ctx_len);
	memset(s, 0, sizeof(*s));
}

static u32 ses_count(const struct tpmmux_space *sp, bool loaded_only)
{
	u32 i, n = 0;

	for (i = 0; i < sp->max_sessions; i++)
		if (loaded_only ? sp->ses[i].state == SPACE_SES_LOADED :
				  sp->ses[i].state != SPACE_SES_FREE)
			n++;
	return n;
}

/*
 * Strays: after a transport error the space cannot know whether the chip
 * still has an object or session (did the command run? did the flush?).
 * The space stops tracking it (its handle answers TPM_RC_HANDLE from then
 * on) and remembers the chip's handle, to flush it at the next evict or
 * destroy.  That is safe because the dispatcher evicts before it gives
 * the chip back: nobody else has had the chip, so a handle the chip
 * reassigned meanwhile can only be one of this VM's own, and those are
 * skipped.  A stray that does not fit is leaked until the chip is reset.
 */
static void stray_add(struct tpmmux_space *sp, u32 handle)
{
	if (sp->nr_strays < SPACE_MAX_STRAYS)
		sp->stray[sp->nr_strays++] = handle;
}

/* The object may still be on the chip: remember its handle, forget it. */
static void obj_lose(struct tpmmux_space *sp, struct space_obj *o)
{
	if (o->state == SPACE_OBJ_LOADED)
		stray_add(sp, o->phandle);
	obj_forget(o);
}

/* The session may still be on the chip, loaded or saved. */
static void ses_lose(struct tpmmux_space *sp, struct space_ses *s)
{
	stray_add(sp, s->handle);
	ses_forget(s);
}

static bool space_handle_tracked(const struct tpmmux_space *sp, u32 handle)
{
	u32 i;

	for (i = 0; i < sp->max_objects; i++)
		if (sp->obj[i].state == SPACE_OBJ_LOADED &&
		    sp->obj[i].phandle == handle)
			return true;
	for (i = 0; i < sp->max_sessions; i++)
		if (sp->ses[i].state != SPACE_SES_FREE &&
		    sp->ses[i].handle == handle)
			return true;
	return false;
}

static bool need_has_obj(const struct space_need *need,
			 const struct space_obj *o)
{
	unsigned int i;

	for (i = 0; i < need->nr_obj; i++)
		if (need->obj[i] == o)
			return true;
	return false;
}

static bool need_has_ses(const struct space_need *need,
			 const struct space_ses *s)
{
	unsigned int i;

	for (i = 0; i < need->nr_ses; i++)
		if (need->ses[i] == s)
			return true;
	return false;
}

static void need_add_obj(struct space_need *need, struct space_obj *o, u32 rc)
{
	if (!need_has_obj(need, o) && need->nr_obj < ARRAY_SIZE(need->obj)) {
		need->obj[need->nr_obj] = o;
		need->obj_rc[need->nr_obj++] = rc;
	}
}

static void need_add_ses(struct space_need *need, struct space_ses *s, u32 rc)
{
	if (!need_has_ses(need, s) && need->nr_ses < ARRAY_SIZE(need->ses)) {
		need->ses[need->nr_ses] = s;
		need->ses_rc[need->nr_ses++] = rc;
	}
}

/* ------------------------------------------------------------------ */
/* The space's own commands                                           */
/* ------------------------------------------------------------------ */

static void space_put_header(u8 *b, u16 tag, u32 size, u32 code)
{
	put_unaligned_be16(tag, b);
	put_unaligned_be32(size, b + 2);
	put_unaligned_be32(code, b + 6);
}

/*
 * Send the command in sp->xbuf.  On 0, *rc is the response code and *len
 * the response's length, checked to be within the buffer.
 */
static int space_xmit(struct tpmmux_space *sp,
		      const struct tpmmux_space_ops *ops, void *priv,
		      u32 *rc, u32 *len)
{
	int ret = ops->xmit(priv, sp->xbuf, TPMMUX_SPACE_BUFSIZE);

	if (ret)
		return ret < 0 ? ret : -EIO;
	*len = get_unaligned_be32(sp->xbuf + 2);
	if (*len < TPM2_HEADER_SIZE || *len > TPMMUX_SPACE_BUFSIZE)
		return -EIO;
	*rc = get_unaligned_be32(sp->xbuf + 6);
	return 0;
}

/* FlushContext(@handle).  0 with the chip's answer in *rc, or -errno. */
static int space_flush_handle(struct tpmmux_space *sp,
			      const struct tpmmux_space_ops *ops, void *priv,
			      u32 handle, u32 *rc)
{
	u32 len;
	int ret;

	space_put_header(sp->xbuf, TPM_ST_NO_SESSIONS, TPM2_HEADER_SIZE + 4,
			 TPM_CC_FlushContext);
	put_unaligned_be32(handle, sp->xbuf + TPM2_HEADER_SIZE);
	sp->flushes++;
	ret = space_xmit(sp, ops, priv, rc, &len);
	space_memzero(sp->xbuf, TPMMUX_SPACE_BUFSIZE);
	return ret;
}

/*
 * ContextSave(@handle).  0 with the chip's answer in *rc; when that is
 * success, *ctx is a new allocation holding the TPMS_CONTEXT (*ctx_len
 * bytes), checked to be exactly what the response carries.  -ENOMEM and
 * -EIO (malformed response) come after the chip saved the context.
 */
static int space_save_handle(struct tpmmux_space *sp,
			     const struct tpmmux_space_ops *ops, void *priv,
			     u32 handle, u8 **ctx, u32 *ctx_len, u32 *rc)
{
	u32 len, body;
	int ret;

	*ctx = NULL;
	*ctx_len = 0;
	space_put_header(sp->xbuf, TPM_ST_NO_SESSIONS, TPM2_HEADER_SIZE + 4,
			 TPM_CC_ContextSave);
	put_unaligned_be32(handle, sp->xbuf + TPM2_HEADER_SIZE);
	sp->context_saves++;
	ret = space_xmit(sp, ops, priv, rc, &len);
	if (ret || *rc)
		goto out;
	body = len - TPM2_HEADER_SIZE;
	if (body < SPACE_CTX_MIN ||
	    get_unaligned_be16(sp->xbuf + TPM2_HEADER_SIZE +
			       SPACE_CTX_BLOB_OFF) != body - SPACE_CTX_MIN) {
		ret = -EIO;
		goto out;
	}
	*ctx = space_zalloc(body);
	if (!*ctx) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(*ctx, sp->xbuf + TPM2_HEADER_SIZE, body);
	*ctx_len = body;
out:
	space_memzero(sp->xbuf, TPMMUX_SPACE_BUFSIZE);
	return ret;
}

/*
 * ContextLoad(@ctx).  0 with the chip's answer in *rc; when that is
 * success, *handle is the handle the chip gave the context.
 */
static int space_load_ctx(struct tpmmux_space *sp,
			  const struct tpmmux_space_ops *ops, void *priv,
			  const u8 *ctx, u32 ctx_len, u32 *handle, u32 *rc)
{
	u32 len;
	int ret;

	if (!ctx || ctx_len > TPMMUX_SPACE_BUFSIZE - TPM2_HEADER_SIZE)
		return -EINVAL;
	space_put_header(sp->xbuf, TPM_ST_NO_SESSIONS,
			 TPM2_HEADER_SIZE + ctx_len, TPM_CC_ContextLoad);
	memcpy(sp->xbuf + TPM2_HEADER_SIZE, ctx, ctx_len);
	sp->context_loads++;
	ret = space_xmit(sp, ops, priv, rc, &len);
	if (!ret && !*rc) {
		if (len < TPM2_HEADER_SIZE + 4)
			ret = -EIO;
		else
			*handle = get_unaligned_be32(sp->xbuf +
						     TPM2_HEADER_SIZE);
	}
	space_memzero(sp->xbuf, TPMMUX_SPACE_BUFSIZE);
	return ret;
}

/*
 * Flush the strays (see stray_add()), one attempt each, skipping handles
 * that are tracked again.  Returns the first transport error; the list is
 * emptied either way.
 */
static int strays_flush(struct tpmmux_space *sp,
			const struct tpmmux_space_ops *ops, void *priv)
{
	int ret = 0;
	u32 i, rc;

	for (i = 0; i < sp->nr_strays; i++) {
		if (ret || space_handle_tracked(sp, sp->stray[i]))
			continue;
		ret = space_flush_handle(sp, ops, priv, sp->stray[i], &rc);
	}
	sp->nr_strays = 0;
	memset(sp->stray, 0, sizeof(sp->stray));
	return ret;
}

/* ------------------------------------------------------------------ */
/* Swapping                                                           */
/* ------------------------------------------------------------------ */

/*
 * Take a loaded object off the chip: ContextSave it unless the space
 * holds a context that still describes it, then FlushContext.  When the
 * chip cannot save it, it is flushed and forgotten (lost).  Returns 0 or
 * a negative errno; after a transport error the object is SAVED (its
 * chip handle a stray) or, if the save failed, still LOADED.
 */
static int obj_unload(struct tpmmux_space *sp,
		      const struct tpmmux_space_ops *ops, void *priv,
		      struct space_obj *o)
{
	u32 ctx_len, rc;
	u8 *ctx;
	int ret;

	if (!o->ctx) {
		ret = space_save_handle(sp, ops, priv, o->phandle, &ctx,
					&ctx_len, &rc);
		if (ret)
			return ret;	/* saving leaves an object loaded */
		if (rc) {
			if (space_rc_not_loaded(rc)) {
				obj_forget(o);
				return 0;
			}
			ret = space_flush_handle(sp, ops, priv, o->phandle,
						 &rc);
			if (ret)
				obj_lose(sp, o);
			else
				obj_forget(o);
			return ret;
		}
		o->ctx = ctx;
		o->ctx_len = ctx_len;
		o->sequence = get_unaligned_be32(ctx + SPACE_CTX_HANDLE_OFF) ==
			      SPACE_CTX_SEQUENCE_HANDLE;
	}
	ret = space_flush_handle(sp, ops, priv, o->phandle, &rc);
	if (ret)
		stray_add(sp, o->phandle);
	o->state = SPACE_OBJ_SAVED;
	o->phandle = 0;
	return ret;
}

/*
 * Save a loaded session (its handle stays reserved on the chip).  When
 * the chip cannot save it (TPM_RC_CONTEXT_GAP, ...), it is flushed and
 * forgotten rather than left loaded for the next VM.
 */
static int ses_unload(struct tpmmux_space *sp,
		      const struct tpmmux_space_ops *ops, void *priv,
		      struct space_ses *s)
{
	u32 ctx_len, rc;
	u8 *ctx;
	int ret;

	ret = space_save_handle(sp, ops, priv, s->handle, &ctx, &ctx_len,
				&rc);
	if (ret) {
		/* saved or not, the context is not here: lost */
		ses_lose(sp, s);
		return ret;
	}
	if (rc) {
		if (space_rc_not_loaded(rc)) {
			/* not ours on the chip any more: do not flush */
			ses_forget(s);
			return 0;
		}
		ret = space_flush_handle(sp, ops, priv, s->handle, &rc);
		if (ret)
			ses_lose(sp, s);
		else
			ses_forget(s);
		return ret;
	}
	s->ctx = ctx;
	s->ctx_len = ctx_len;
	s->state = SPACE_SES_SAVED;
	return 0;
}

/*
 * Make room on the chip for one more object (@session false) or session:
 * unload this VM's least recently used loaded one that @need does not
 * name.  -ENOSPC when there is none.
 */
static int space_make_room(struct tpmmux_space *sp,
			   const struct tpmmux_space_ops *ops, void *priv,
			   const struct space_need *need, bool session)
{
	struct space_obj *lru_obj = NULL;
	struct space_ses *lru_ses = NULL;
	u32 i;

	if (session) {
		for (i = 0; i < sp->max_sessions; i++) {
			struct space_ses *s = &sp->ses[i];

			if (s->state != SPACE_SES_LOADED ||
			    need_has_ses(need, s))
				continue;
			if (!lru_ses || s->last_use < lru_ses->last_use)
				lru_ses = s;
		}
		return lru_ses ? ses_unload(sp, ops, priv, lru_ses) : -ENOSPC;
	}
	for (i = 0; i < sp->max_objects; i++) {
		struct space_obj *o = &sp->obj[i];

		if (o->state != SPACE_OBJ_LOADED || need_has_obj(need, o))
			continue;
		if (!lru_obj || o->last_use < lru_obj->last_use)
			lru_obj = o;
	}
	return lru_obj ? obj_unload(sp, ops, priv, lru_obj) : -ENOSPC;
}

/*
 * Load a SAVED object that a command needs, making room as needed.
 * Returns 0 with *answer 0 (loaded) or the response code to answer the
 * guest with; or a negative errno (transport: the object stays SAVED,
 * its context still good).  A context the chip refuses for good
 * (TPM_RC_INTEGRITY after a chip reset, TPM_RC_HIERARCHY, ...) means the
 * object is gone: it is forgotten and *answer is @gone_rc.
 */
static int obj_load(struct tpmmux_space *sp,
		    const struct tpmmux_space_ops *ops, void *priv,
		    const struct space_need *need, struct space_obj *o,
		    u32 gone_rc, u32 *answer)
{
	unsigned int tries;
	u32 handle = 0, rc;
	int ret;

	*answer = 0;
	for (tries = 0; ; tries++) {
		ret = space_load_ctx(sp, ops, priv, o->ctx, o->ctx_len,
				     &handle, &rc);
		if (ret)
			return ret;
		if (!rc)
			break;
		if (rc == TPM_RC_OBJECT_MEMORY && tries < SPACE_MAX_TRIES) {
			ret = space_make_room(sp, ops, priv, need, false);
			if (!ret)
				continue;
			if (ret != -ENOSPC)
				return ret;
		}
		if (space_rc_is_warning(rc)) {
			*answer = rc;
			return 0;
		}
		obj_forget(o);
		*answer = gone_rc;
		return 0;
	}
	if (tpm2_handle_type(handle) != TPM_HT_TRANSIENT)
		return -EIO;
	o->state = SPACE_OBJ_LOADED;
	o->phandle = handle;
	if (o->sequence) {
		/* its state changes from now on: the context goes stale */
		space_free_sensitive(o->ctx, o->ctx_len);
		o->ctx = NULL;
		o->ctx_len = 0;
	}
	return 0;
}

/* The same for a session the space saved; its handle does not change. */
static int ses_load(struct tpmmux_space *sp,
		    const struct tpmmux_space_ops *ops, void *priv,
		    const struct space_need *need, struct space_ses *s,
		    u32 gone_rc, u32 *answer)
{
	unsigned int tries;
	u32 handle = 0, rc;
	int ret;

	*answer = 0;
	for (tries = 0; ; tries++) {
		ret = space_load_ctx(sp, ops, priv, s->ctx, s->ctx_len,
				     &handle, &rc);
		if (ret) {
			/* loaded or not: a session context loads only once */
			ses_lose(sp, s);
			return ret;
		}
		if (!rc)
			break;
		if (rc == TPM_RC_SESSION_MEMORY && tries < SPACE_MAX_TRIES) {
			ret = space_make_room(sp, ops, priv, need, true);
			if (!ret)
				continue;
			if (ret != -ENOSPC)
				return ret;
		}
		if (space_rc_is_warning(rc)) {
			*answer = rc;
			return 0;
		}
		/* e.g. TPM_RC_HANDLE: the chip has no such saved session */
		ses_forget(s);
		*answer = gone_rc;
		return 0;
	}
	if (handle != s->handle) {
		ses_lose(sp, s);
		stray_add(sp, handle);
		return -EIO;
	}
	space_free_sensitive(s->ctx, s->ctx_len);
	s->ctx = NULL;
	s->ctx_len = 0;
	s->state = SPACE_SES_LOADED;
	return 0;
}

/* Load everything @need names that the space saved. */
static int space_load_needed(struct tpmmux_space *sp,
			     const struct tpmmux_space_ops *ops, void *priv,
			     const struct space_need *need, u32 *answer)
{
	unsigned int i;
	int ret;

	*answer = 0;
	for (i = 0; i < need->nr_obj; i++) {
		if (need->obj[i]->state != SPACE_OBJ_SAVED)
			continue;
		ret = obj_load(sp, ops, priv, need, need->obj[i],
			       need->obj_rc[i], answer);
		if (ret || *answer)
			return ret;
	}
	for (i = 0; i < need->nr_ses; i++) {
		/* GUEST_SAVED: the guest holds the context, the chip answers */
		if (need->ses[i]->state != SPACE_SES_SAVED)
			continue;
		ret = ses_load(sp, ops, priv, need, need->ses[i],
			       need->ses_rc[i], answer);
		if (ret || *answer)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commands the space answers or treats specially                     */
/* ------------------------------------------------------------------ */

static int space_answer(u8 *buf, u32 bufsize, u32 *rsp_len, u32 rc)
{
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

/* The key by which GetCapability(TPM_CAP_HANDLES) orders @handle */
static u32 space_cap_key(u8 type, u32 handle)
{
	return type == TPM_HT_TRANSIENT ? handle : handle & TPM_HR_HANDLE_MASK;
}

/*
 * The handle with the smallest key >= @from among this VM's handles that
 * GetCapability(TPM_CAP_HANDLES) lists for @type: objects (loaded or not,
 * the guest cannot tell); for TPM_HT_LOADED_SESSION the sessions the
 * guest has not saved itself; for TPM_HT_SAVED_SESSION those it has.
 */
static bool space_cap_next(const struct tpmmux_space *sp, u8 type, u64 from,
			   u32 *out)
{
	bool found = false;
	u32 i, h, best = 0;

	if (type == TPM_HT_TRANSIENT) {
		for (i = 0; i < sp->max_objects; i++) {
			if (sp->obj[i].state == SPACE_OBJ_FREE)
				continue;
			h = obj_vhandle(sp, &sp->obj[i]);
			if (h >= from && (!found || h < best)) {
				best = h;
				found = true;
			}
		}
	} else if (type == TPM_HT_LOADED_SESSION ||
		   type == TPM_HT_SAVED_SESSION) {
		for (i = 0; i < sp->max_sessions; i++) {
			const struct space_ses *s = &sp->ses[i];
			bool guest_saved = s->state == SPACE_SES_GUEST_SAVED;

			if (s->state == SPACE_SES_FREE ||
			    guest_saved != (type == TPM_HT_SAVED_SESSION))
				continue;
			h = space_cap_key(type, s->handle);
			if (h >= from &&
			    (!found || h < space_cap_key(type, best))) {
				best = s->handle;
				found = true;
			}
		}
	}
	*out = best;
	return found;
}

/*
 * GetCapability(TPM_CAP_HANDLES) for transient objects, sessions and
 * persistent objects is answered from the space: the guest sees its own
 * handles only (and no persistent ones), sorted, from @property on, at
 * most propertyCount of them, with moreData when more follow, as a TPM
 * answers.  Returns true when answered, false when the chip should be.
 */
static bool space_get_cap(struct tpmmux_space *sp, u8 *buf, u32 bufsize,
			  const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	const u8 *p = buf + cmd->param_off;
	u32 cap, property, count, n = 0, h;
	bool more;
	u64 from;
	u8 type;

	if (cmd->param_size != 12)
		return false;
	cap = get_unaligned_be32(p);
	property = get_unaligned_be32(p + 4);
	count = get_unaligned_be32(p + 8);
	type = tpm2_handle_type(property);
	if (cap != TPM_CAP_HANDLES ||
	    (type != TPM_HT_TRANSIENT && type != TPM_HT_PERSISTENT &&
	     type != TPM_HT_LOADED_SESSION && type != TPM_HT_SAVED_SESSION))
		return false;
	/*
	 * A session's response HMAC would have to cover the module's
	 * answer: refuse sessions, as a TPM does for commands that take
	 * none.
	 */
	if (cmd->tag == TPM_ST_SESSIONS) {
		space_answer(buf, bufsize, rsp_len, TPM_RC_AUTH_CONTEXT);
		return true;
	}
	if (count > SPACE_MAX_CAP_HANDLES)
		count = SPACE_MAX_CAP_HANDLES;
	if (count > (bufsize - SPACE_CAP_RSP_MIN) / 4)
		count = (bufsize - SPACE_CAP_RSP_MIN) / 4;

	from = space_cap_key(type, property);
	while (n < count && space_cap_next(sp, type, from, &h)) {
		put_unaligned_be32(h, buf + SPACE_CAP_RSP_MIN + 4 * n);
		n++;
		from = (u64)space_cap_key(type, h) + 1;
	}
	more = space_cap_next(sp, type, from, &h);

	space_put_header(buf, TPM_ST_NO_SESSIONS, SPACE_CAP_RSP_MIN + 4 * n,
			 TPM_RC_SUCCESS);
	buf[TPM2_HEADER_SIZE] = more;
	put_unaligned_be32(TPM_CAP_HANDLES, buf + TPM2_HEADER_SIZE + 1);
	put_unaligned_be32(n, buf + TPM2_HEADER_SIZE + 5);
	*rsp_len = SPACE_CAP_RSP_MIN + 4 * n;
	return true;
}

/*
 * Check a response the chip put in @buf: its length is within @bufsize
 * and the parser accepts it.
 */
static int space_check_rsp(const u8 *buf, u32 bufsize, u32 cc,
			   struct tpm2_rsp *rsp)
{
	u32 len = get_unaligned_be32(buf + 2);

	if (len < TPM2_HEADER_SIZE || len > bufsize)
		return -EIO;
	return tpm2_rsp_parse(buf, len, cc, rsp) ? -EIO : 0;
}

/*
 * FlushContext: its handle is a parameter.  A virtual object handle is
 * flushed on the chip if loaded, its saved context dropped; a session of
 * this VM is flushed on the chip (loaded or saved); anything else is
 * TPM_RC_HANDLE for parameter 1, what a TPM answers for a flushHandle it
 * does not have.
 */
static int space_guest_flush(struct tpmmux_space *sp,
			     const struct tpmmux_space_ops *ops, void *priv,
			     u8 *buf, u32 bufsize, const struct tpm2_cmd *cmd,
			     u32 *rsp_len)
{
	const u32 bad = tpm2_rc_param(TPM_RC_HANDLE, 1);
	struct space_obj *o = NULL;
	struct space_ses *s = NULL;
	struct tpm2_rsp rsp;
	u32 handle;
	int ret;

	if (cmd->param_size < 4)
		return space_answer(buf, bufsize, rsp_len,
				    tpm2_rc_param(TPM_RC_INSUFFICIENT, 1));
	if (cmd->param_size > 4)
		return space_answer(buf, bufsize, rsp_len, TPM_RC_SIZE);
	handle = get_unaligned_be32(buf + cmd->param_off);

	if (tpm2_handle_type(handle) == TPM_HT_TRANSIENT) {
		o = obj_find(sp, handle);
		if (!o)
			return space_answer(buf, bufsize, rsp_len, bad);
		if (o->state == SPACE_OBJ_SAVED) {
			obj_forget(o);
			return space_answer(buf, bufsize, rsp_len,
					    TPM_RC_SUCCESS);
		}
		put_unaligned_be32(o->phandle, buf + cmd->param_off);
	} else if (space_is_session(handle)) {
		s = ses_find(sp, handle);
		if (!s)
			return space_answer(buf, bufsize, rsp_len, bad);
	} else {
		return space_answer(buf, bufsize, rsp_len, bad);
	}

	ret = ops->xmit(priv, buf, bufsize);
	if (!ret)
		ret = space_check_rsp(buf, bufsize, cmd->cc, &rsp);
	else if (ret > 0)
		ret = -EIO;
	if (ret) {
		if (o)
			obj_lose(sp, o);
		else
			ses_lose(sp, s);
		return ret;
	}
	/* success, or the chip does not have it either: forget it */
	if (rsp.rc == TPM_RC_SUCCESS || rsp.rc == bad) {
		if (o)
			obj_forget(o);
		else
			ses_forget(s);
	}
	*rsp_len = rsp.size;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One guest command                                                  */
/* ------------------------------------------------------------------ */

/* Are the parsed command's offsets within the command in @buf? */
static bool space_cmd_sane(const u8 *buf, u32 bufsize,
			   const struct tpm2_cmd *cmd)
{
	unsigned int i;

	if (!cmd->desc || cmd->size < TPM2_HEADER_SIZE ||
	    cmd->size > bufsize || cmd->size > TPMMUX_SPACE_BUFSIZE ||
	    get_unaligned_be32(buf + 2) != cmd->size ||
	    get_unaligned_be32(buf + 6) != cmd->cc ||
	    cmd->num_handles > TPM2_MAX_HANDLES ||
	    cmd->num_sessions > TPM2_MAX_SESSIONS ||
	    cmd->param_off > cmd->size ||
	    cmd->param_size != cmd->size - cmd->param_off)
		return false;
	for (i = 0; i < cmd->num_handles; i++)
		if (cmd->handle_off[i] > cmd->size - 4)
			return false;
	return true;
}

/*
 * The guest's command may or may not have run (transport error, or a
 * response that does not parse): whatever it may have flushed is lost.
 * Objects or sessions it may have created are unknown to the space.
 */
static void space_cmd_unknown(struct tpmmux_space *sp,
			      const struct tpm2_cmd *cmd,
			      const struct space_need *need)
{
	struct space_ses *s;
	unsigned int i;

	if (cmd->desc->flags & TPM2_CMDF_FLUSHED)
		for (i = 0; i < need->nr_obj; i++)
			if (need->obj[i]->state != SPACE_OBJ_FREE)
				obj_lose(sp, need->obj[i]);
	if (cmd->cc == TPM_CC_ContextSave && space_is_session(cmd->handle[0])) {
		s = ses_find(sp, cmd->handle[0]);
		if (s)
			ses_lose(sp, s);
	}
	for (i = 0; i < cmd->num_sessions; i++) {
		if (cmd->session[i].attrs & TPMA_SESSION_CONTINUESESSION)
			continue;
		s = ses_find(sp, cmd->session[i].handle);
		if (s)
			ses_lose(sp, s);
	}
}

/*
 * After a successful response: forget what the chip flushed, give a new
 * object a virtual handle (rewritten in the response) and register a new
 * session.  Returns 0 or a response code to answer instead (the chip's
 * new object or session did not fit: it was flushed).
 */
static int space_cmd_done(struct tpmmux_space *sp,
			  const struct tpmmux_space_ops *ops, void *priv,
			  u8 *buf, const struct tpm2_cmd *cmd,
			  const struct space_need *need,
			  const struct tpm2_rsp *rsp, u32 *answer)
{
	struct space_obj *o;
	struct space_ses *s;
	unsigned int i;
	u32 rc;
	int ret;

	*answer = 0;
	/* SequenceComplete, EventSequenceComplete: the sequence is gone */
	if (cmd->desc->flags & TPM2_CMDF_FLUSHED)
		for (i = 0; i < need->nr_obj; i++)
			obj_forget(need->obj[i]);
	/* a session without continueSession ends with a successful command */
	for (i = 0; i < cmd->num_sessions; i++) {
		if (cmd->session[i].attrs & TPMA_SESSION_CONTINUESESSION)
			continue;
		s = ses_find(sp, cmd->session[i].handle);
		if (s)
			ses_forget(s);
	}
	/* the guest saved one of its sessions: the chip keeps it saved */
	if (cmd->cc == TPM_CC_ContextSave && space_is_session(cmd->handle[0])) {
		s = ses_find(sp, cmd->handle[0]);
		if (s) {
			space_free_sensitive(s->ctx, s->ctx_len);
			s->ctx = NULL;
			s->ctx_len = 0;
			s->state = SPACE_SES_GUEST_SAVED;
		}
	}
	if (!rsp->has_handle)
		return 0;

	if (tpm2_handle_type(rsp->handle) == TPM_HT_TRANSIENT) {
		o = obj_alloc(sp);
		if (!o) {
			*answer = TPM_RC_OBJECT_MEMORY;
			goto flush_new;
		}
		o->state = SPACE_OBJ_LOADED;
		o->phandle = rsp->handle;
		o->last_use = sp->clock;
		put_unaligned_be32(obj_vhandle(sp, o), buf + rsp->handle_off);
		return 0;
	}
	if (space_is_session(rsp->handle)) {
		s = ses_find(sp, rsp->handle);
		if (!s) {
			s = ses_alloc(sp);
			if (!s) {
				*answer = TPM_RC_SESSION_MEMORY;
				goto flush_new;
			}
			s->handle = rsp->handle;
		}
		space_free_sensitive(s->ctx, s->ctx_len);
		s->ctx = NULL;
		s->ctx_len = 0;
		s->state = SPACE_SES_LOADED;
		s->last_use = sp->clock;
		return 0;
	}
	/* no TPM answers a handle of another kind: never pass it on */
	return -EIO;

flush_new:
	ret = space_flush_handle(sp, ops, priv, rsp->handle, &rc);
	if (ret)
		stray_add(sp, rsp->handle);
	return ret;
}

/*
 * Check the handle and authorization areas: every transient handle must
 * be one of this VM's virtual handles, every session one of its
 * sessions; persistent and PCR handles are refused.  Fills @need.
 * Returns 0 or the response code to answer.
 */
static u32 space_check_handles(struct tpmmux_space *sp,
			       const struct tpm2_cmd *cmd,
			       struct space_need *need)
{
	struct space_obj *o;
	struct space_ses *s;
	unsigned int i;
	u32 h, rc;

	for (i = 0; i < cmd->num_handles; i++) {
		h = cmd->handle[i];
		rc = tpm2_rc_handle(TPM_RC_HANDLE, i + 1);
		switch (tpm2_handle_type(h)) {
		case TPM_HT_TRANSIENT:
			o = obj_find(sp, h);
			if (!o)
				return rc;
			o->last_use = sp->clock;
			need_add_obj(need, o, rc);
			break;
		case TPM_HT_PERSISTENT:
			return rc;
		case TPM_HT_PCR:
			/*
			 * The chip's PCRs are the host's: PCR commands are
			 * answered from the VM's virtual bank, and the one
			 * other command naming a PCR, EventSequenceComplete,
			 * would extend the host's (TPM_RH_NULL is fine).
			 */
			return rc;
		case TPM_HT_HMAC_SESSION:
		case TPM_HT_POLICY_SESSION:
			s = ses_find(sp, h);
			if (!s)
				return rc;
			s->last_use = sp->clock;
			need_add_ses(need, s, rc);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < cmd->num_sessions; i++) {
		h = cmd->session[i].handle;
		if (h == TPM_RS_PW)
			continue;
		rc = tpm2_rc_session(TPM_RC_HANDLE, i + 1);
		s = space_is_session(h) ? ses_find(sp, h) : NULL;
		if (!s)
			return rc;
		s->last_use = sp->clock;
		need_add_ses(need, s, rc);
	}
	return 0;
}

/*
 * Quotas, checked before anything is sent: a command that creates an
 * object (rHandle) when the VM has max_objects, StartAuthSession or the
 * ContextLoad of a session the VM does not have when it has max_sessions.
 */
static u32 space_check_quota(struct tpmmux_space *sp, const u8 *buf,
			     const struct tpm2_cmd *cmd)
{
	bool session = false;
	u32 saved;

	if (cmd->cc == TPM_CC_StartAuthSession) {
		session = true;
	} else if (cmd->cc == TPM_CC_ContextLoad) {
		/* a malformed context: the chip answers */
		if (cmd->param_size < SPACE_CTX_MIN)
			return 0;
		saved = get_unaligned_be32(buf + cmd->param_off +
					   SPACE_CTX_HANDLE_OFF);
		if (space_is_session(saved)) {
			if (ses_find(sp, saved))
				return 0;
			session = true;
		} else if (tpm2_handle_type(saved) != TPM_HT_TRANSIENT) {
			return 0;
		}
	} else if (!cmd->desc->rhandle) {
		return 0;
	}
	if (session)
		return ses_count(sp, false) >= sp->max_sessions ?
		       TPM_RC_SESSION_MEMORY : 0;
	return obj_count(sp, false) >= sp->max_objects ?
	       TPM_RC_OBJECT_MEMORY : 0;
}

/**
 * tpmmux_space_run() - run one guest command in a VM's space
 * @sp:		the VM's space
 * @ops:	how to reach the chip, which the caller holds
 * @priv:	passed to @ops->xmit
 * @buf:	the command, as tpm2_cmd_parse() validated it; the response
 *		replaces it
 * @bufsize:	bytes at @buf, at least TPMMUX_SPACE_BUFSIZE
 * @cmd:	the parsed command, which tpm2_cmd_policy() let through
 * @rsp_len:	out: the response's length
 *
 * Checks every handle the command names (a transient handle must be one
 * of this VM's virtual handles, a session one of its sessions; persistent
 * handles are refused), checks the quotas, loads the VM's saved contexts
 * the command needs (making room on the chip if it is full), rewrites the
 * virtual handles to the chip's, sends the command and translates the
 * response: a new object gets a virtual handle, a new session is
 * registered, what the command flushed is forgotten.  FlushContext and
 * GetCapability(TPM_CAP_HANDLES) for objects and sessions are answered by
 * the space itself.  When the chip answers TPM_RC_OBJECT_MEMORY or
 * TPM_RC_SESSION_MEMORY, the least recently used object or session of
 * this VM that the command does not need is saved and the command sent
 * again.  A refused handle is answered TPM_RC_HANDLE (+ handle, session
 * or parameter number) without sending anything.  Commands the policy
 * refuses or that tpmmux answers itself (TPM2_CMDF_VIRTUAL) must not get
 * here; they are answered TPMMUX_RC_REFUSED.
 *
 * Return: 0 with the response in @buf and its length in *@rsp_len (also
 * when the response carries a TPM error); -EINVAL for bad arguments; or a
 * negative errno from @ops->xmit, -EIO for a response that does not parse
 * or -ENOMEM: then the caller answers the guest itself.  The space stays
 * consistent: what the failure made unknown is forgotten (its handles
 * answer TPM_RC_HANDLE) and flushed at the next evict.
 */
int tpmmux_space_run(struct tpmmux_space *sp,
		     const struct tpmmux_space_ops *ops, void *priv,
		     u8 *buf, u32 bufsize, const struct tpm2_cmd *cmd,
		     u32 *rsp_len)
{
	struct space_need need = {};
	struct tpm2_rsp rsp;
	unsigned int i, tries;
	u32 answer, rc;
	int ret;

	if (!sp || !ops || !ops->xmit || !buf || !cmd || !rsp_len ||
	    bufsize < TPMMUX_SPACE_BUFSIZE)
		return -EINVAL;
	*rsp_len = 0;
	if (!space_cmd_sane(buf, bufsize, cmd))
		return -EINVAL;
	if (tpm2_cmd_policy(cmd) || (cmd->desc->flags & TPM2_CMDF_VIRTUAL))
		return space_answer(buf, bufsize, rsp_len, TPMMUX_RC_REFUSED);
	sp->clock++;

	answer = space_check_handles(sp, cmd, &need);
	if (answer)
		return space_answer(buf, bufsize, rsp_len, answer);
	/* a TPM takes no sessions with the context commands */
	if (cmd->tag == TPM_ST_SESSIONS &&
	    (cmd->cc == TPM_CC_ContextSave || cmd->cc == TPM_CC_ContextLoad ||
	     cmd->cc == TPM_CC_FlushContext))
		return space_answer(buf, bufsize, rsp_len, TPM_RC_AUTH_CONTEXT);
	if (cmd->cc == TPM_CC_FlushContext)
		return space_guest_flush(sp, ops, priv, buf, bufsize, cmd,
					 rsp_len);
	if (cmd->cc == TPM_CC_GetCapability &&
	    space_get_cap(sp, buf, bufsize, cmd, rsp_len))
		return 0;
	answer = space_check_quota(sp, buf, cmd);
	if (answer)
		return space_answer(buf, bufsize, rsp_len, answer);

	ret = space_load_needed(sp, ops, priv, &need, &answer);
	if (ret)
		return ret;
	if (answer)
		return space_answer(buf, bufsize, rsp_len, answer);
	for (i = 0; i < cmd->num_handles; i++) {
		struct space_obj *o;

		if (tpm2_handle_type(cmd->handle[i]) != TPM_HT_TRANSIENT)
			continue;
		o = obj_find(sp, cmd->handle[i]);
		if (!o || o->state != SPACE_OBJ_LOADED)
			return -EIO;	/* cannot happen: loaded above */
		put_unaligned_be32(o->phandle, buf + cmd->handle_off[i]);
	}

	memcpy(sp->cmd_copy, buf, cmd->size);
	for (tries = 0; ; tries++) {
		ret = ops->xmit(priv, buf, bufsize);
		if (ret) {
			ret = ret < 0 ? ret : -EIO;
			break;
		}
		ret = space_check_rsp(buf, bufsize, cmd->cc, &rsp);
		if (ret)
			break;
		rc = rsp.rc;
		if ((rc != TPM_RC_OBJECT_MEMORY &&
		     rc != TPM_RC_SESSION_MEMORY) || tries >= SPACE_MAX_TRIES)
			break;
		/* the command had no effect: make room, send it again */
		ret = space_make_room(sp, ops, priv, &need,
				      rc == TPM_RC_SESSION_MEMORY);
		if (ret == -ENOSPC) {
			ret = 0;	/* nothing to give: pass the answer on */
			break;
		}
		if (ret)
			goto out;	/* the command was not run */
		memcpy(buf, sp->cmd_copy, cmd->size);
	}
	if (ret) {
		space_cmd_unknown(sp, cmd, &need);
		goto out;
	}
	*rsp_len = rsp.size;
	if (rsp.rc == TPM_RC_SUCCESS) {
		ret = space_cmd_done(sp, ops, priv, buf, cmd, &need, &rsp,
				     &answer);
		if (!ret && answer)
			space_answer(buf, bufsize, rsp_len, answer);
		if (ret)
			*rsp_len = 0;
	}
out:
	space_memzero(sp->cmd_copy, cmd->size);
	return ret;
}

/**
 * tpmmux_space_evict() - take everything of a VM off the chip
 * @sp:		the VM's space
 * @ops:	how to reach the chip, which the caller holds
 * @priv:	passed to @ops->xmit
 *
 * Each loaded object is saved (ContextSave; skipped when the space still
 * holds the context it loaded it from) and flushed; each loaded session
 * is saved, which keeps its handle reserved on the chip.  Handles left
 * unknown by an earlier transport error are flushed.  The dispatcher
 * calls this before it runs another VM's command or gives the chip back,
 * also after a failed command.
 *
 * Return: 0 when nothing of the VM is loaded any more; -EINVAL; -ENOMEM
 * (an object stays loaded, the rest is evicted); or a transport error
 * (the space stays consistent, see tpmmux_space_run()).
 */
int tpmmux_space_evict(struct tpmmux_space *sp,
		       const struct tpmmux_space_ops *ops, void *priv)
{
	int ret, err = 0;
	u32 i;

	if (!sp || !ops || !ops->xmit)
		return -EINVAL;
	ret = strays_flush(sp, ops, priv);
	if (ret)
		return ret;
	for (i = 0; i < sp->max_objects; i++) {
		if (sp->obj[i].state != SPACE_OBJ_LOADED)
			continue;
		ret = obj_unload(sp, ops, priv, &sp->obj[i]);
		if (ret == -ENOMEM)
			err = ret;
		else if (ret)
			return ret;
	}
	for (i = 0; i < sp->max_sessions; i++) {
		if (sp->ses[i].state != SPACE_SES_LOADED)
			continue;
		ret = ses_unload(sp, ops, priv, &sp->ses[i]);
		if (ret == -ENOMEM)
			err = ret;
		else if (ret)
			return ret;
	}
	return err;
}

/**
 * tpmmux_space_new() - a new, empty space for one VM
 * @vm_id:		the VM's id, at most TPMMUX_SPACE_VM_ID_MAX; it is
 *			part of every virtual handle of the space
 * @max_objects:	how many transient objects the VM may hold, loaded or
 *			saved (clamped to TPMMUX_SPACE_MAX_OBJECTS)
 * @max_sessions:	how many sessions it may hold (clamped to
 *			TPMMUX_SPACE_MAX_SESSIONS)
 *
 * May sleep (allocates).  Free with tpmmux_space_destroy().
 *
 * Return: the space, or NULL if @vm_id is too large or memory is short.
 */
struct tpmmux_space *tpmmux_space_new(u32 vm_id, u32 max_objects,
				      u32 max_sessions)
{
	struct tpmmux_space *sp;

	if (vm_id > TPMMUX_SPACE_VM_ID_MAX)
		return NULL;
	if (max_objects > TPMMUX_SPACE_MAX_OBJECTS)
		max_objects = TPMMUX_SPACE_MAX_OBJECTS;
	if (max_sessions > TPMMUX_SPACE_MAX_SESSIONS)
		max_sessions = TPMMUX_SPACE_MAX_SESSIONS;

	sp = space_zalloc(sizeof(*sp));
	if (!sp)
		return NULL;
	sp->vm_id = vm_id;
	sp->max_objects = max_objects;
	sp->max_sessions = max_sessions;
	/* at least one entry each, so that no allocation is of zero bytes */
	sp->obj = space_zalloc(sizeof(*sp->obj) * (max_objects + 1));
	sp->ses = space_zalloc(sizeof(*sp->ses) * (max_sessions + 1));
	sp->xbuf = space_zalloc(TPMMUX_SPACE_BUFSIZE);
	sp->cmd_copy = space_zalloc(TPMMUX_SPACE_BUFSIZE);
	if (!sp->obj || !sp->ses || !sp->xbuf || !sp->cmd_copy) {
		tpmmux_space_destroy(sp, NULL, NULL);
		return NULL;
	}
	return sp;
}

/*
 * Flush from the chip and forget every object, every stray handle and
 * every session except, when @keep_guest_saved, the sessions the guest
 * saved itself (their contexts are the guest's; their handles stay
 * reserved on the chip).  With no @ops, or once the chip fails, only the
 * space's own records are dropped.
 */
static void space_flush_all(struct tpmmux_space *sp,
			    const struct tpmmux_space_ops *ops, void *priv,
			    bool keep_guest_saved)
{
	bool chip = ops && ops->xmit;
	u32 i, rc;

	if (chip && sp->xbuf && sp->obj && sp->ses &&
	    strays_flush(sp, ops, priv))
		chip = false;
	for (i = 0; sp->obj && i < sp->max_objects; i++) {
		if (chip && sp->xbuf && sp->obj[i].state == SPACE_OBJ_LOADED &&
		    space_flush_handle(sp, ops, priv, sp->obj[i].phandle, &rc))
			chip = false;
		obj_forget(&sp->obj[i]);
	}
	for (i = 0; sp->ses && i < sp->max_sessions; i++) {
		if (keep_guest_saved &&
		    sp->ses[i].state == SPACE_SES_GUEST_SAVED)
			continue;
		if (chip && sp->xbuf && sp->ses[i].state != SPACE_SES_FREE &&
		    space_flush_handle(sp, ops, priv, sp->ses[i].handle, &rc))
			chip = false;
		ses_forget(&sp->ses[i]);
	}
}

/**
 * tpmmux_space_close() - the VM closed its node
 * @sp:		the space
 * @ops:	chip access (the chip is held), or NULL when it is gone
 * @priv:	passed to @ops->xmit
 *
 * Like closing /dev/tpmrm0: every object and every session is flushed
 * from the chip, except the sessions the guest saved itself with
 * ContextSave, whose contexts it holds (tpm2-tools keeps a session in a
 * file between two processes this way).  Those stay this VM's, count
 * against its session quota, and are flushed by tpmmux_space_destroy().
 */
void tpmmux_space_close(struct tpmmux_space *sp,
			const struct tpmmux_space_ops *ops, void *priv)
{
	if (sp)
		space_flush_all(sp, ops, priv, true);
}

/**
 * tpmmux_space_destroy() - flush everything of a VM from the chip, free
 * @sp:		the VM's space; NULL is fine
 * @ops:	how to reach the chip, which the caller holds; NULL when the
 *		chip has gone away: then the space is only freed
 * @priv:	passed to @ops->xmit
 *
 * Flushes each loaded object and each session, loaded or saved (by the
 * space or by the guest), by FlushContext of its handle, and what an
 * earlier transport error left unknown.  Stops talking to the chip at the
 * first transport error.  Every saved context and buffer is zeroed before
 * it is freed.
 */
void tpmmux_space_destroy(struct tpmmux_space *sp,
			  const struct tpmmux_space_ops *ops, void *priv)
{
	if (!sp)
		return;
	space_flush_all(sp, ops, priv, false);
	space_free_sensitive(sp->obj, sizeof(*sp->obj) * (sp->max_objects + 1));
	space_free_sensitive(sp->ses,
			     sizeof(*sp->ses) * (sp->max_sessions + 1));
	space_free_sensitive(sp->xbuf, TPMMUX_SPACE_BUFSIZE);
	space_free_sensitive(sp->cmd_copy, TPMMUX_SPACE_BUFSIZE);
	space_free_sensitive(sp, sizeof(*sp));
}

/**
 * tpmmux_space_get_stats() - what a space did and holds
 * @sp:	the space
 * @st:	out: the counters and the numbers of objects and sessions
 */
void tpmmux_space_get_stats(const struct tpmmux_space *sp,
			    struct tpmmux_space_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!sp)
		return;
	st->context_saves = sp->context_saves;
	st->context_loads = sp->context_loads;
	st->flushes = sp->flushes;
	st->objects = obj_count(sp, false);
	st->sessions = ses_count(sp, false);
	st->loaded_objects = obj_count(sp, true);
	st->loaded_sessions = ses_count(sp, true);
}
