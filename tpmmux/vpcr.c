// SPDX-License-Identifier: GPL-2.0
/*
 * vpcr.c - per-VM virtual PCR banks.
 *
 * A VM's PCR commands are answered here, byte for byte as the TCG
 * reference implementation (libtpms 0.9) answers them with the PC Client
 * PCR attributes, so that a guest cannot tell its PCRs from a real TPM's:
 *
 *  - the order of the checks, and so the response code of a bad command:
 *    handles (TPM_RC_VALUE + H), then the authorization area (sessions,
 *    password), then the parameters (+ P + n), then bytes left over
 *    (TPM_RC_SIZE), then the command's own checks (locality);
 *  - PCR_Extend extends a PCR once per listed digest whose bank is
 *    allocated; digests of other implemented banks are ignored;
 *  - PCR_Event returns a digest for every implemented bank;
 *  - PCR_Read returns at most 8 digests and trims pcrSelectionOut to
 *    what it returns;
 *  - pcrUpdateCounter counts every change to a PCR in one bank, except
 *    for PCR 16 and 21-23 (TPM_PT_PCR_NO_INCREMENT), and every PCR that
 *    TPM2_Startup() initializes;
 *  - PCR_Allocate changes the allocation at the next start.
 *
 * Everything the guest sends is checked before use: counts, sizes,
 * sizeofSelect, the algorithm of every digest, and bytes left over.
 * The command is read in full before the response is written over it.
 */
#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"
#include "vpcr.h"

/* Implementable banks, in the TPM's order (by algorithm identifier) */
#define VPCR_NUM_ALGS		5
/* Bytes of one PCR in all banks: 20 + 32 + 48 + 64 + 32 */
#define VPCR_ROW		196
/* PCR 0-15 are saved by Shutdown(STATE) (PC Client) */
#define VPCR_NUM_SAVED		16
/* All PCRs of a bank, as a bit mask */
#define VPCR_ALL_PCRS		((1u << VPCR_NUM_PCRS) - 1)
/* PCR_Read returns at most this many digests (Part 3, 22.4) */
#define VPCR_READ_MAX		8
/* TPM2B_EVENT: at most 1024 bytes */
#define VPCR_MAX_EVENT		1024
/* The PC Client profile's DRTM and H-CRTM PCRs, which PCR_Allocate keeps */
#define VPCR_DRTM_PCR		17
#define VPCR_HCRTM_PCR		0
/* TPMI_YES_NO */
#define VPCR_YES		1
#define VPCR_NO			0
/* sessionAttributes a password session may not have */
#define VPCR_PW_BAD_ATTRS	(TPMA_SESSION_ENCRYPT | TPMA_SESSION_DECRYPT | \
				 TPMA_SESSION_AUDIT |			\
				 TPMA_SESSION_AUDITEXCLUSIVE |		\
				 TPMA_SESSION_AUDITRESET)

static const struct {
	u16 alg;
	u8 size;
	u8 off;		/* offset in a row of struct vpcr.pcr */
} vpcr_algs[VPCR_NUM_ALGS] = {
	{ TPM2_ALG_SHA1,	TPM2_SHA1_DIGEST_SIZE,		0 },
	{ TPM2_ALG_SHA256,	TPM2_SHA256_DIGEST_SIZE,	20 },
	{ TPM2_ALG_SHA384,	TPM2_SHA384_DIGEST_SIZE,	52 },
	{ TPM2_ALG_SHA512,	TPM2_SHA512_DIGEST_SIZE,	100 },
	{ TPM2_ALG_SM3_256,	TPM2_SM3_256_DIGEST_SIZE,	164 },
};

/*
 * PC Client PCR attributes (those of the reference implementation):
 * the localities (bit n: locality n) that may reset and extend each PCR.
 * PCR 0-15: extend at any locality, no reset; 16 (debug) and 23
 * (application): both at any locality, reset not at 4; 17-22 (DRTM):
 * reset at locality 4 (or 2-4 for 20-22) only, extended only at the
 * localities of the dynamic launch.
 */
static const u8 vpcr_reset_loc[VPCR_NUM_PCRS] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x0F, 0x10, 0x10, 0x10, 0x14, 0x14, 0x14, 0x0F,
};

static const u8 vpcr_extend_loc[VPCR_NUM_PCRS] = {
	0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F,
	0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F,
	0x1F, 0x1C, 0x1C, 0x0C, 0x0E, 0x04, 0x04, 0x1F,
};

/* A change to these does not increment pcrUpdateCounter (PC Client) */
#define VPCR_NO_INCREMENT	((1u << 16) | (1u << 21) | (1u << 22) | \
				 (1u << 23))
/* PCR 20-22 have an authValue and a policy (both empty, unchangeable) */
#define VPCR_AUTH_GROUP		((1u << 20) | (1u << 21) | (1u << 22))

enum vpcr_orderly {
	VPCR_SU_NONE = 0,	/* no orderly shutdown since the last start */
	VPCR_SU_CLEAR,		/* Shutdown(CLEAR) */
	VPCR_SU_STATE,		/* Shutdown(STATE) */
};

/**
 * struct vpcr - the virtual PCRs of one VM
 * @impl:	implemented banks (VPCR_BANK_*)
 * @alloc:	current allocation of each implementable bank: bit n set
 *		if PCR n is allocated (0 for a bank not implemented)
 * @pending:	the allocation PCR_Allocate recorded, for the next start
 * @reconfig:	@pending is set
 * @counter:	pcrUpdateCounter
 * @locality:	locality of the commands (0-4)
 * @orderly:	enum vpcr_orderly
 * @pcr:	PCR values: one row per PCR, the banks at vpcr_algs[].off
 * @save:	PCR 0-15 as Shutdown(STATE) saved them
 */
struct vpcr {
	u32 impl;
	u32 alloc[VPCR_NUM_ALGS];
	u32 pending[VPCR_NUM_ALGS];
	bool reconfig;
	u32 counter;
	u8 locality;
	u8 orderly;
	u8 pcr[VPCR_NUM_PCRS][VPCR_ROW];
	u8 save[VPCR_NUM_SAVED][VPCR_ROW];
};

/* A parsed TPMS_PCR_SELECTION: the bank's index and the 24 bits */
struct vpcr_sel {
	u8 bank;
	u32 mask;
};

/* A parsed TPML_PCR_SELECTION */
struct vpcr_sel_list {
	u32 count;
	struct vpcr_sel sel[VPCR_NUM_ALGS];
};

/* Reading the parameter area; each step fails with TPM_RC_INSUFFICIENT. */
struct vpcr_in {
	const u8 *p;
	u32 left;
};

/* Writing a response; @over is set when it would not fit. */
struct vpcr_out {
	u8 *buf;
	u32 size;
	u32 len;
	bool over;
};

/*
 * Clamp a PCR number that passed its bounds check so that a mispredicted
 * branch cannot index past the banks with a guest-chosen number
 * (Spectre v1), as tpm2_cmd.c does for its table.
 */
static inline u32 vpcr_index_nospec(u32 idx, u32 size)
{
	s64 m;

#ifdef OPTIMIZER_HIDE_VAR
	OPTIMIZER_HIDE_VAR(idx);
#else
	__asm__ ("" : "+r" (idx));
#endif
	m = (s64)((u64)idx | ((u64)size - 1 - idx));
	return idx & (u32)(~m >> 63);
}

static unsigned int vpcr_num_impl(const struct vpcr *v)
{
	unsigned int i, n = 0;

	for (i = 0; i < VPCR_NUM_ALGS; i++)
		if (v->impl & (1u << i))
			n++;
	return n;
}

/* Index of @alg's bank, or -1 if the bank is not implemented. */
static int vpcr_bank(const struct vpcr *v, u16 alg)
{
	unsigned int i;

	for (i = 0; i < VPCR_NUM_ALGS; i++)
		if (vpcr_algs[i].alg == alg)
			return (v->impl & (1u << i)) ? (int)i : -1;
	return -1;
}

static u8 *vpcr_value(struct vpcr *v, u32 pcr, unsigned int bank)
{
	return &v->pcr[pcr][vpcr_algs[bank].off];
}

static bool vpcr_allocated(const struct vpcr *v, u32 pcr, unsigned int bank)
{
	return v->alloc[bank] & (1u << pcr);
}

/* PCRChanged(): count a change to @pcr in pcrUpdateCounter */
static void vpcr_changed(struct vpcr *v, u32 pcr)
{
	if (pcr == 0 || !(VPCR_NO_INCREMENT & (1u << pcr)))
		v->counter++;
}

/* ---------------------------------------------------------------------- */
/* Parameters in, response out                                            */
/* ---------------------------------------------------------------------- */

static int in_u8(struct vpcr_in *in, u8 *v)
{
	if (in->left < 1)
		return TPM_RC_INSUFFICIENT;
	*v = in->p[0];
	in->p++;
	in->left--;
	return 0;
}

static int in_u16(struct vpcr_in *in, u16 *v)
{
	if (in->left < 2)
		return TPM_RC_INSUFFICIENT;
	*v = get_unaligned_be16(in->p);
	in->p += 2;
	in->left -= 2;
	return 0;
}

static int in_u32(struct vpcr_in *in, u32 *v)
{
	if (in->left < 4)
		return TPM_RC_INSUFFICIENT;
	*v = get_unaligned_be32(in->p);
	in->p += 4;
	in->left -= 4;
	return 0;
}

/* Take @n bytes; *@data points at them in the command. */
static int in_bytes(struct vpcr_in *in, u32 n, const u8 **data)
{
	if (in->left < n)
		return TPM_RC_INSUFFICIENT;
	*data = in->p;
	in->p += n;
	in->left -= n;
	return 0;
}

/*
 * TPMI_ALG_HASH without TPM_ALG_NULL: the index of an implemented bank.
 * Return: 0, TPM_RC_INSUFFICIENT or TPM_RC_HASH.
 */
static int in_hash(const struct vpcr *v, struct vpcr_in *in, u8 *bank)
{
	u16 alg;
	int b, rc;

	rc = in_u16(in, &alg);
	if (rc)
		return rc;
	b = vpcr_bank(v, alg);
	if (b < 0)
		return TPM_RC_HASH;
	*bank = b;
	return 0;
}

/*
 * TPML_PCR_SELECTION, checked as the reference implementation checks it:
 * count (at most the number of implemented banks, else TPM_RC_SIZE), then
 * each selection's hash (TPM_RC_HASH), sizeofSelect (exactly 3 with 24
 * PCRs, else TPM_RC_VALUE) and bitmap.  No parameter number is added.
 */
static int in_sel_list(const struct vpcr *v, struct vpcr_in *in,
		       struct vpcr_sel_list *l)
{
	const u8 *bits;
	u32 count, i;
	u8 n;
	int rc;

	rc = in_u32(in, &count);
	if (rc)
		return rc;
	if (count > vpcr_num_impl(v))
		return TPM_RC_SIZE;
	for (i = 0; i < count; i++) {
		struct vpcr_sel *s = &l->sel[i];

		rc = in_hash(v, in, &s->bank);
		if (rc)
			return rc;
		rc = in_u8(in, &n);
		if (rc)
			return rc;
		if (n != VPCR_SELECT_SIZE)
			return TPM_RC_VALUE;
		rc = in_bytes(in, n, &bits);
		if (rc)
			return rc;
		s->mask = bits[0] | (bits[1] << 8) | ((u32)bits[2] << 16);
	}
	l->count = count;
	return 0;
}

static void out_u8(struct vpcr_out *o, u8 v)
{
	if (o->over || o->size - o->len < 1) {
		o->over = true;
		return;
	}
	o->buf[o->len++] = v;
}

static void out_u16(struct vpcr_out *o, u16 v)
{
	if (o->over || o->size - o->len < 2) {
		o->over = true;
		return;
	}
	put_unaligned_be16(v, o->buf + o->len);
	o->len += 2;
}

static void out_u32(struct vpcr_out *o, u32 v)
{
	if (o->over || o->size - o->len < 4) {
		o->over = true;
		return;
	}
	put_unaligned_be32(v, o->buf + o->len);
	o->len += 4;
}

static void out_bytes(struct vpcr_out *o, const u8 *p, u32 n)
{
	if (o->over || o->size - o->len < n) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* A TPMS_PCR_SELECTION of bank @bank with the PCRs in @mask */
static void out_sel(struct vpcr_out *o, unsigned int bank, u32 mask)
{
	out_u16(o, vpcr_algs[bank].alg);
	out_u8(o, VPCR_SELECT_SIZE);
	out_u8(o, mask);
	out_u8(o, mask >> 8);
	out_u8(o, mask >> 16);
}

/*
 * Start a success response to @cmd in @buf: the parameters go after the
 * header and, with sessions, after parameterSize.
 */
static void out_begin(struct vpcr_out *o, u8 *buf, u32 bufsize,
		      const struct tpm2_cmd *cmd)
{
	o->buf = buf;
	o->size = bufsize;
	o->len = TPM2_HEADER_SIZE;
	o->over = false;
	if (cmd->tag == TPM_ST_SESSIONS)
		o->len += 4;
}

/*
 * Finish a success response: parameterSize and, for each session of the
 * command (all password sessions by now), an empty nonceTPM, the
 * attributes with continueSession set and an empty hmac; then the header.
 * Return: the response's length, or 0 if it does not fit.
 */
static u32 out_end(struct vpcr_out *o, const struct tpm2_cmd *cmd,
		   const u8 *attrs)
{
	u32 params = o->len - TPM2_HEADER_SIZE;
	unsigned int i;

	if (cmd->tag == TPM_ST_SESSIONS) {
		params -= 4;
		for (i = 0; i < cmd->num_sessions; i++) {
			out_u16(o, 0);
			out_u8(o, attrs[i] | TPMA_SESSION_CONTINUESESSION);
			out_u16(o, 0);
		}
	}
	if (o->over)
		return 0;
	put_unaligned_be16(cmd->tag, o->buf);
	put_unaligned_be32(o->len, o->buf + 2);
	put_unaligned_be32(TPM_RC_SUCCESS, o->buf + 6);
	if (cmd->tag == TPM_ST_SESSIONS)
		put_unaligned_be32(params, o->buf + TPM2_HEADER_SIZE);
	return o->len;
}

/* ---------------------------------------------------------------------- */
/* Authorization                                                          */
/* ---------------------------------------------------------------------- */

/*
 * Check the authorization area of @cmd, whose first @auth_handles handles
 * need a USER authorization with an empty authValue (a PCR, TPM_RH_NULL or
 * TPM_RH_PLATFORM), in the reference implementation's order:
 *  1. no sessions while a handle needs one        -> TPM_RC_AUTH_MISSING
 *  2. each session in turn: reserved attribute bits -> TPM_RC_RESERVED_BITS;
 *     a password session with encrypt, decrypt or an audit bit
 *     -> TPM_RC_ATTRIBUTES, with a nonce -> TPM_RC_NONCE; any other
 *     session                                -> VPCR_RC_AUTH_UNSUPPORTED
 *  3. each session in turn: a password session for no handle
 *     -> TPM_RC_HANDLE; a password that is not empty once its trailing
 *     zeros are removed                      -> TPM_RC_BAD_AUTH
 * (+ TPM_RC_S + the session's number).  The sessions' attributes are
 * copied to @attrs for the response.
 *
 * Return: 0 or the response code.
 */
static u32 vpcr_check_auth(const u8 *buf, const struct tpm2_cmd *cmd,
			   unsigned int auth_handles, u8 *attrs)
{
	unsigned int i, n = cmd->num_sessions;

	if (cmd->tag != TPM_ST_SESSIONS)
		return auth_handles ? TPM_RC_AUTH_MISSING : 0;
	if (!n || n > TPM2_MAX_SESSIONS)
		return TPM_RC_AUTHSIZE;	/* tpm2_cmd_parse() rules this out */
	for (i = 0; i < n; i++) {
		const struct tpm2_cmd_session *s = &cmd->session[i];

		attrs[i] = s->attrs;
		if (s->attrs & TPMA_SESSION_RESERVED_MASK)
			return tpm2_rc_session(TPM_RC_RESERVED_BITS, i + 1);
		if (s->handle != TPM_RS_PW)
			return VPCR_RC_AUTH_UNSUPPORTED;
		if (s->attrs & VPCR_PW_BAD_ATTRS)
			return tpm2_rc_session(TPM_RC_ATTRIBUTES, i + 1);
		if (s->nonce_size)
			return tpm2_rc_session(TPM_RC_NONCE, i + 1);
	}
	/* tpm2_cmd_parse() found at least one session, and PCR commands have
	 * at most one handle: every handle has its session.
	 */
	for (i = 0; i < n; i++) {
		const struct tpm2_cmd_session *s = &cmd->session[i];
		u32 k, size = s->hmac_size;

		if (i >= auth_handles)
			return tpm2_rc_session(TPM_RC_HANDLE, i + 1);
		if (s->hmac_off > cmd->size || size > cmd->size - s->hmac_off)
			return tpm2_rc_session(TPM_RC_INSUFFICIENT, i + 1);
		/* an authValue is compared without its trailing zeros */
		for (k = 0; k < size; k++)
			if (buf[s->hmac_off + k])
				return tpm2_rc_session(TPM_RC_BAD_AUTH, i + 1);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Starting and stopping                                                  */
/* ---------------------------------------------------------------------- */

/*
 * PCRStartup(): initialize every PCR (on a Resume, only PCR 16-23; PCR
 * 0-15 come back from the save area), counting each initialized PCR as a
 * change.  PCR 17-22 (reset by locality 4) start as all ones, the others
 * as zero, PCR 0 with the startup locality in its last byte.
 */
static void vpcr_init_pcrs(struct vpcr *v, bool resume, u8 locality)
{
	unsigned int b;
	u32 pcr;

	for (pcr = 0; pcr < VPCR_NUM_PCRS; pcr++) {
		bool saved = resume && pcr < VPCR_NUM_SAVED;

		if (!saved)
			vpcr_changed(v, pcr);
		for (b = 0; b < VPCR_NUM_ALGS; b++) {
			u8 *val = vpcr_value(v, pcr, b);
			u8 size = vpcr_algs[b].size;

			if (!vpcr_allocated(v, pcr, b)) {
				memset(val, 0, size);
			} else if (saved) {
				memcpy(val, &v->save[pcr][vpcr_algs[b].off],
				       size);
			} else if (vpcr_reset_loc[pcr] & 0x10) {
				memset(val, 0xFF, size);
			} else {
				memset(val, 0, size);
				if (pcr == VPCR_HCRTM_PCR)
					val[size - 1] = locality;
			}
		}
	}
}

/**
 * vpcr_new() - create the virtual PCRs of a VM
 * @banks:  implemented banks (VPCR_BANK_*): the hash algorithms this
 *	    vTPM knows, which the hash ops must support.  Include
 *	    VPCR_BANK_SM3 only when they can hash SM3_256.
 * @active: banks allocated at the first start (all their 24 PCRs); 0
 *	    means all of @banks.  PCR_Allocate can change this later.
 *
 * The PCRs are as after a first TPM2_Startup(CLEAR) at locality 0:
 * PCR 17-22 all ones, the others zero, pcrUpdateCounter counting the 20
 * PCRs whose initialization counts as a change.
 *
 * Return: the PCRs, or NULL when out of memory or @banks is empty.
 */
struct vpcr *vpcr_new(u32 banks, u32 active)
{
	struct vpcr *v;
	unsigned int b;

	banks &= VPCR_BANKS_ALL;
	if (!banks)
		return NULL;
	active = active ? active & banks : banks;
	v = vpcr_zalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->impl = banks;
	for (b = 0; b < VPCR_NUM_ALGS; b++)
		if (active & (1u << b))
			v->alloc[b] = VPCR_ALL_PCRS;
	v->orderly = VPCR_SU_NONE;
	vpcr_init_pcrs(v, false, 0);
	return v;
}

/**
 * vpcr_free() - zero and free a VM's PCRs
 * @v: the PCRs (NULL is fine)
 */
void vpcr_free(struct vpcr *v)
{
	vpcr_free_sensitive(v, sizeof(*v));
}

/**
 * vpcr_set_locality() - the locality of the VM's next commands
 * @v:        the PCRs
 * @locality: 0-4 (larger values are taken as 4)
 *
 * PCR_Extend, PCR_Event and PCR_Reset check the PC Client attributes
 * against it (TPM_RC_LOCALITY), and Startup puts it in PCR 0 when it is 3.
 * A new vpcr runs at locality 0.
 */
void vpcr_set_locality(struct vpcr *v, u8 locality)
{
	v->locality = locality > 4 ? 4 : locality;
}

/**
 * vpcr_shutdown() - the VM's TPM2_Shutdown()
 * @v:     the PCRs
 * @state: TPM_SU_STATE (true) or TPM_SU_CLEAR
 *
 * Shutdown(STATE) saves PCR 0-15 for a later Startup(STATE).  A
 * PCR_Extend or PCR_Event of PCR 0-15 after the shutdown makes it
 * disorderly again, as on a TPM.  Call this for the VM's Shutdown command
 * before answering it: a non-zero return is the answer.
 *
 * Return: 0, or TPM_RC_TYPE + TPM_RC_P + TPM_RC_1 when @state is true and
 * a PCR_Allocate is pending (the TPM then requires Shutdown(CLEAR)).
 */
u32 vpcr_shutdown(struct vpcr *v, bool state)
{
	unsigned int b;
	u32 pcr;

	if (state && v->reconfig)
		return tpm2_rc_param(TPM_RC_TYPE, 1);
	v->orderly = state ? VPCR_SU_STATE : VPCR_SU_CLEAR;
	if (!state)
		return 0;
	for (pcr = 0; pcr < VPCR_NUM_SAVED; pcr++)
		for (b = 0; b < VPCR_NUM_ALGS; b++)
			if (vpcr_allocated(v, pcr, b))
				memcpy(&v->save[pcr][vpcr_algs[b].off],
				       vpcr_value(v, pcr, b),
				       vpcr_algs[b].size);
	return 0;
}

/**
 * vpcr_startup() - the VM's TPM2_Startup(), after a (virtual) _TPM_Init
 * @v:     the PCRs
 * @clear: TPM_SU_CLEAR (true) or TPM_SU_STATE
 *
 * An allocation recorded by PCR_Allocate takes effect first (as it does
 * at _TPM_Init).  Then, as TPM2_Startup() does for the PCRs:
 *  - Startup(CLEAR) after Shutdown(CLEAR) or no orderly shutdown (TPM
 *    Reset): pcrUpdateCounter starts again at 0, every PCR is
 *    initialized (and counted: 20 after the start);
 *  - Startup(CLEAR) after Shutdown(STATE) (TPM Restart): the same, but
 *    the counter is not reset;
 *  - Startup(STATE) after Shutdown(STATE) (TPM Resume): PCR 0-15 get
 *    back their saved values, PCR 16-23 are initialized;
 *  - Startup(STATE) otherwise: TPM_RC_VALUE + P + 1; no PCR changes (the
 *    caller then normally sends Startup(CLEAR)).
 *
 * Return: 0 or the response code for the VM's Startup command
 * (TPM_RC_LOCALITY when the locality is neither 0 nor 3).
 */
u32 vpcr_startup(struct vpcr *v, bool clear)
{
	bool state_saved = v->orderly == VPCR_SU_STATE;
	unsigned int b;

	if (v->reconfig) {
		for (b = 0; b < VPCR_NUM_ALGS; b++)
			v->alloc[b] = v->pending[b];
		v->reconfig = false;
	}
	if (v->locality != 0 && v->locality != 3)
		return TPM_RC_LOCALITY;
	if (!clear && !state_saved)
		return tpm2_rc_param(TPM_RC_VALUE, 1);
	if (!state_saved)
		v->counter = 0;
	vpcr_init_pcrs(v, !clear, v->locality);
	v->orderly = VPCR_SU_NONE;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The commands                                                           */
/* ---------------------------------------------------------------------- */

/**
 * vpcr_handles() - is this a command that vpcr_run() answers?
 * @cmd: a command parsed by tpm2_cmd_parse()
 *
 * Note that the command policy table refuses PCR_Allocate: check this
 * first so that the VM's own allocation is changed instead.
 *
 * Return: true for PCR_Extend, PCR_Event, PCR_Read, PCR_Reset and
 * PCR_Allocate.
 */
bool vpcr_handles(const struct tpm2_cmd *cmd)
{
	switch (cmd->cc) {
	case TPM_CC_PCR_Extend:
	case TPM_CC_PCR_Event:
	case TPM_CC_PCR_Read:
	case TPM_CC_PCR_Reset:
	case TPM_CC_PCR_Allocate:
		return true;
	}
	return false;
}

/* PCRIsExtendAllowed() / PCRIsResetAllowed() at the current locality */
static bool vpcr_extend_allowed(const struct vpcr *v, u32 pcr)
{
	return vpcr_extend_loc[pcr] & (1u << v->locality);
}

static bool vpcr_reset_allowed(const struct vpcr *v, u32 pcr)
{
	/* a TPM that does DRTM resets nothing at locality 4 */
	return v->locality != 4 && (vpcr_reset_loc[pcr] & (1u << v->locality));
}

/*
 * A change to a PCR that Shutdown(STATE) saves makes the shutdown
 * disorderly (RETURN_IF_ORDERLY).
 */
static void vpcr_touch(struct vpcr *v, u32 pcr)
{
	if (pcr < VPCR_NUM_SAVED)
		v->orderly = VPCR_SU_NONE;
}

/*
 * Extend @pcr of bank @bank in @row (a copy of the PCR's row) with the
 * @size bytes at @data (the bank's digest size): new = H(old || data).
 */
static int vpcr_extend_row(const struct vpcr_hash_ops *ops, void *priv,
			   u8 *row, unsigned int bank, const u8 *data)
{
	u8 cat[2 * TPM2_MAX_HASH_SIZE];
	u8 *val = row + vpcr_algs[bank].off;
	u32 size = vpcr_algs[bank].size;
	int ret;

	memcpy(cat, val, size);
	memcpy(cat + size, data, size);
	ret = ops->digest(priv, vpcr_algs[bank].alg, cat, 2 * size, val);
	memset(cat, 0, sizeof(cat));
	return ret;
}

/* The digests a PCR_Extend or PCR_Event extends a PCR with */
struct vpcr_digests {
	unsigned int count;
	u8 bank[VPCR_NUM_ALGS];
	const u8 *data[VPCR_NUM_ALGS];
};

/*
 * Extend @pcr with the digests in @d, in order, in the banks where the
 * PCR is allocated, counting each; all or nothing.
 */
static int vpcr_extend(struct vpcr *v, const struct vpcr_hash_ops *ops,
		       void *priv, u32 pcr, const struct vpcr_digests *d)
{
	u8 row[VPCR_ROW];
	unsigned int i, changes = 0;
	int ret = 0;

	memcpy(row, v->pcr[pcr], VPCR_ROW);
	for (i = 0; i < d->count; i++) {
		if (!vpcr_allocated(v, pcr, d->bank[i]))
			continue;
		ret = vpcr_extend_row(ops, priv, row, d->bank[i], d->data[i]);
		if (ret)
			goto out;
		changes++;
	}
	memcpy(v->pcr[pcr], row, VPCR_ROW);
	while (changes--)
		vpcr_changed(v, pcr);
out:
	memset(row, 0, sizeof(row));
	return ret;
}

/* The handle of PCR_Extend and PCR_Event: a PCR or TPM_RH_NULL */
static u32 vpcr_check_pcr_handle(u32 h, bool allow_null)
{
	if (h < VPCR_NUM_PCRS || (allow_null && h == TPM_RH_NULL))
		return 0;
	return tpm2_rc_handle(TPM_RC_VALUE, 1);
}

static int vpcr_pcr_extend(struct vpcr *v, const struct vpcr_hash_ops *ops,
			   void *priv, u8 *buf, u32 bufsize,
			   const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	u8 attrs[TPM2_MAX_SESSIONS];
	struct vpcr_digests d;
	struct vpcr_out o;
	struct vpcr_in in;
	u32 h = cmd->handle[0], count, i;
	u32 rc;
	int ret;

	rc = vpcr_check_pcr_handle(h, true);
	if (!rc)
		rc = vpcr_check_auth(buf, cmd, 1, attrs);
	if (rc)
		goto error;

	/* digests: TPML_DIGEST_VALUES */
	in.p = buf + cmd->param_off;
	in.left = cmd->param_size;
	rc = in_u32(&in, &count);
	if (!rc && count > vpcr_num_impl(v))
		rc = TPM_RC_SIZE;
	for (i = 0; !rc && i < count; i++) {
		rc = in_hash(v, &in, &d.bank[i]);
		if (!rc)
			rc = in_bytes(&in, vpcr_algs[d.bank[i]].size,
				      &d.data[i]);
	}
	if (rc) {
		rc = tpm2_rc_param(rc, 1);
		goto error;
	}
	d.count = count;
	if (in.left) {
		rc = TPM_RC_SIZE;
		goto error;
	}

	if (h != TPM_RH_NULL) {
		h = vpcr_index_nospec(h, VPCR_NUM_PCRS);
		if (!vpcr_extend_allowed(v, h)) {
			rc = TPM_RC_LOCALITY;
			goto error;
		}
		vpcr_touch(v, h);
		ret = vpcr_extend(v, ops, priv, h, &d);
		if (ret)
			return ret;
	}
	out_begin(&o, buf, bufsize, cmd);
	*rsp_len = out_end(&o, cmd, attrs);
	return *rsp_len ? 0 : -ENOSPC;
error:
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

static int vpcr_pcr_event(struct vpcr *v, const struct vpcr_hash_ops *ops,
			  void *priv, u8 *buf, u32 bufsize,
			  const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	u8 digest[VPCR_NUM_ALGS][TPM2_MAX_HASH_SIZE];
	u8 attrs[TPM2_MAX_SESSIONS];
	struct vpcr_digests d;
	const u8 *event = NULL;
	struct vpcr_out o;
	struct vpcr_in in;
	u32 h = cmd->handle[0];
	unsigned int b;
	u16 size;
	u32 rc;
	int ret = 0;

	rc = vpcr_check_pcr_handle(h, true);
	if (!rc)
		rc = vpcr_check_auth(buf, cmd, 1, attrs);
	if (rc)
		goto error;

	/* eventData: TPM2B_EVENT; a size over the maximum is TPM_RC_SIZE
	 * even when the bytes would also run past the end
	 */
	in.p = buf + cmd->param_off;
	in.left = cmd->param_size;
	rc = in_u16(&in, &size);
	if (!rc && size > VPCR_MAX_EVENT)
		rc = TPM_RC_SIZE;
	if (!rc)
		rc = in_bytes(&in, size, &event);
	if (rc) {
		rc = tpm2_rc_param(rc, 1);
		goto error;
	}
	if (in.left) {
		rc = TPM_RC_SIZE;
		goto error;
	}
	if (h != TPM_RH_NULL) {
		h = vpcr_index_nospec(h, VPCR_NUM_PCRS);
		if (!vpcr_extend_allowed(v, h)) {
			rc = TPM_RC_LOCALITY;
			goto error;
		}
	}

	/* a digest in every implemented bank, before the response is
	 * written over the event
	 */
	d.count = 0;
	for (b = 0; b < VPCR_NUM_ALGS; b++) {
		if (!(v->impl & (1u << b)))
			continue;
		ret = ops->digest(priv, vpcr_algs[b].alg, size ? event : NULL,
				  size, digest[b]);
		if (ret)
			goto out;
		d.bank[d.count] = b;
		d.data[d.count] = digest[b];
		d.count++;
	}
	if (h != TPM_RH_NULL) {
		vpcr_touch(v, h);
		ret = vpcr_extend(v, ops, priv, h, &d);
		if (ret)
			goto out;
	}

	out_begin(&o, buf, bufsize, cmd);
	out_u32(&o, d.count);
	for (b = 0; b < d.count; b++) {
		out_u16(&o, vpcr_algs[d.bank[b]].alg);
		out_bytes(&o, d.data[b], vpcr_algs[d.bank[b]].size);
	}
	*rsp_len = out_end(&o, cmd, attrs);
	if (!*rsp_len)
		ret = -ENOSPC;
out:
	memset(digest, 0, sizeof(digest));
	return ret;
error:
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

static int vpcr_pcr_read(struct vpcr *v, u8 *buf, u32 bufsize,
			 const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	u8 attrs[TPM2_MAX_SESSIONS];
	struct vpcr_sel_list l;
	struct vpcr_out o;
	struct vpcr_in in;
	u32 rc, i, pcr, n = 0;

	rc = vpcr_check_auth(buf, cmd, 0, attrs);
	if (rc)
		goto error;
	in.p = buf + cmd->param_off;
	in.left = cmd->param_size;
	rc = in_sel_list(v, &in, &l);
	if (rc) {
		rc = tpm2_rc_param(rc, 1);
		goto error;
	}
	if (in.left) {
		rc = TPM_RC_SIZE;
		goto error;
	}

	/*
	 * Keep the allocated PCRs of each selection, in order; once 8
	 * digests are taken, drop every other selected PCR.
	 */
	for (i = 0; i < l.count; i++) {
		struct vpcr_sel *s = &l.sel[i];

		s->mask &= v->alloc[s->bank];
		for (pcr = 0; pcr < VPCR_NUM_PCRS; pcr++) {
			if (!(s->mask & (1u << pcr)))
				continue;
			if (n == VPCR_READ_MAX)
				s->mask &= ~(1u << pcr);
			else
				n++;
		}
	}

	out_begin(&o, buf, bufsize, cmd);
	out_u32(&o, v->counter);
	out_u32(&o, l.count);
	for (i = 0; i < l.count; i++)
		out_sel(&o, l.sel[i].bank, l.sel[i].mask);
	out_u32(&o, n);
	for (i = 0; i < l.count; i++) {
		unsigned int b = l.sel[i].bank;

		for (pcr = 0; pcr < VPCR_NUM_PCRS; pcr++) {
			if (!(l.sel[i].mask & (1u << pcr)))
				continue;
			out_u16(&o, vpcr_algs[b].size);
			out_bytes(&o, vpcr_value(v, pcr, b), vpcr_algs[b].size);
		}
	}
	*rsp_len = out_end(&o, cmd, attrs);
	return *rsp_len ? 0 : -ENOSPC;
error:
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

static int vpcr_pcr_reset(struct vpcr *v, u8 *buf, u32 bufsize,
			  const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	u8 attrs[TPM2_MAX_SESSIONS];
	struct vpcr_out o;
	u32 h = cmd->handle[0];
	unsigned int b;
	u32 rc;

	rc = vpcr_check_pcr_handle(h, false);
	if (!rc)
		rc = vpcr_check_auth(buf, cmd, 1, attrs);
	if (!rc && cmd->param_size)
		rc = TPM_RC_SIZE;
	if (rc)
		goto error;
	h = vpcr_index_nospec(h, VPCR_NUM_PCRS);
	if (!vpcr_reset_allowed(v, h)) {
		rc = TPM_RC_LOCALITY;
		goto error;
	}
	vpcr_touch(v, h);
	for (b = 0; b < VPCR_NUM_ALGS; b++)
		if (vpcr_allocated(v, h, b))
			memset(vpcr_value(v, h, b), 0, vpcr_algs[b].size);
	vpcr_changed(v, h);

	out_begin(&o, buf, bufsize, cmd);
	*rsp_len = out_end(&o, cmd, attrs);
	return *rsp_len ? 0 : -ENOSPC;
error:
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

static int vpcr_pcr_allocate(struct vpcr *v, u8 *buf, u32 bufsize,
			     const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	u32 alloc[VPCR_NUM_ALGS], need = 0, avail = 0, rc, i;
	u8 attrs[TPM2_MAX_SESSIONS];
	struct vpcr_sel_list l;
	struct vpcr_out o;
	struct vpcr_in in;
	bool drtm = false, hcrtm = false;
	unsigned int b, pcr;

	rc = cmd->handle[0] == TPM_RH_PLATFORM ?
		0 : tpm2_rc_handle(TPM_RC_VALUE, 1);
	if (!rc)
		rc = vpcr_check_auth(buf, cmd, 1, attrs);
	if (rc)
		goto error;
	in.p = buf + cmd->param_off;
	in.left = cmd->param_size;
	rc = in_sel_list(v, &in, &l);
	if (rc) {
		rc = tpm2_rc_param(rc, 1);
		goto error;
	}
	if (in.left) {
		rc = TPM_RC_SIZE;
		goto error;
	}

	/*
	 * The new allocation is the current one with the banks the command
	 * names replaced (the last one wins); it must keep the DRTM PCR and
	 * the H-CRTM PCR in some bank.
	 */
	for (b = 0; b < VPCR_NUM_ALGS; b++)
		alloc[b] = v->alloc[b];
	for (i = 0; i < l.count; i++)
		alloc[l.sel[i].bank] = l.sel[i].mask;
	for (b = 0; b < VPCR_NUM_ALGS; b++) {
		if (!(v->impl & (1u << b)))
			continue;
		drtm |= !!(alloc[b] & (1u << VPCR_DRTM_PCR));
		hcrtm |= !!(alloc[b] & (1u << VPCR_HCRTM_PCR));
		for (pcr = 0; pcr < VPCR_NUM_PCRS; pcr++)
			if (alloc[b] & (1u << pcr))
				need += vpcr_algs[b].size;
		avail += VPCR_NUM_PCRS * vpcr_algs[b].size;
	}
	if (!drtm || !hcrtm) {
		rc = TPM_RC_PCR;
		goto error;
	}
	for (b = 0; b < VPCR_NUM_ALGS; b++)
		v->pending[b] = alloc[b];
	v->reconfig = true;

	out_begin(&o, buf, bufsize, cmd);
	out_u8(&o, VPCR_YES);		/* allocationSuccess */
	out_u32(&o, VPCR_NUM_PCRS);	/* maxPCR */
	out_u32(&o, need);		/* sizeNeeded */
	out_u32(&o, avail);		/* sizeAvailable */
	*rsp_len = out_end(&o, cmd, attrs);
	return *rsp_len ? 0 : -ENOSPC;
error:
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

/* The command must lie in the buffer, as tpm2_cmd_parse() left it. */
static bool vpcr_cmd_ok(const u8 *buf, u32 bufsize, const struct tpm2_cmd *cmd)
{
	return buf && bufsize >= TPM2_HEADER_SIZE && cmd->size <= bufsize &&
	       cmd->size >= TPM2_HEADER_SIZE &&
	       cmd->param_off <= cmd->size &&
	       cmd->param_size == cmd->size - cmd->param_off &&
	       cmd->num_sessions <= TPM2_MAX_SESSIONS &&
	       cmd->num_handles <= TPM2_MAX_HANDLES;
}

/**
 * vpcr_run() - answer a PCR command from the VM's banks
 * @v:       the VM's PCRs
 * @ops:     how to hash
 * @priv:    passed to @ops
 * @buf:     the command, parsed into @cmd; the response replaces it
 * @bufsize: bytes available at @buf (VPCR_MAX_RESPONSE is enough)
 * @cmd:     the command as tpm2_cmd_parse() parsed it (returning 0), with
 *	     vpcr_handles() true
 * @rsp_len: out: the response's length
 *
 * The response is what a TPM answers, byte for byte: the TPM's error
 * codes for bad handles, authorizations and parameters, and for a PCR
 * the locality may not change (TPM_RC_LOCALITY); the response
 * authorization area of a password session.  An HMAC or policy session
 * is answered with VPCR_RC_AUTH_UNSUPPORTED.  On an error response
 * nothing has changed.
 *
 * Return: 0 when *@rsp_len holds the response (which may carry a TPM
 * error); -EINVAL for a command vpcr_handles() does not take or that does
 * not lie in @buf; -ENOSPC when the response does not fit in @bufsize;
 * or the hash op's error (the PCRs are then unchanged).
 */
int vpcr_run(struct vpcr *v, const struct vpcr_hash_ops *ops, void *priv,
	     u8 *buf, u32 bufsize, const struct tpm2_cmd *cmd, u32 *rsp_len)
{
	*rsp_len = 0;
	if (!v || !ops || !ops->digest || !vpcr_cmd_ok(buf, bufsize, cmd))
		return -EINVAL;
	switch (cmd->cc) {
	case TPM_CC_PCR_Extend:
		return vpcr_pcr_extend(v, ops, priv, buf, bufsize, cmd,
				       rsp_len);
	case TPM_CC_PCR_Event:
		return vpcr_pcr_event(v, ops, priv, buf, bufsize, cmd, rsp_len);
	case TPM_CC_PCR_Read:
		return vpcr_pcr_read(v, buf, bufsize, cmd, rsp_len);
	case TPM_CC_PCR_Reset:
		return vpcr_pcr_reset(v, buf, bufsize, cmd, rsp_len);
	case TPM_CC_PCR_Allocate:
		return vpcr_pcr_allocate(v, buf, bufsize, cmd, rsp_len);
	}
	return -EINVAL;
}

/* ---------------------------------------------------------------------- */
/* GetCapability                                                          */
/* ---------------------------------------------------------------------- */

/*
 * The PCRs of PCR property @pt (TPM_PT_PCR_*) as a mask; false if the
 * property is not implemented (TPM_PT_PCR_EXTEND_L4 + 1 to
 * TPM_PT_PCR_NO_INCREMENT - 1).
 */
static bool vpcr_pcr_property(u32 pt, u32 *mask)
{
	unsigned int pcr;
	u8 loc;

	*mask = 0;
	switch (pt) {
	case TPM_PT_PCR_SAVE:
		*mask = (1u << VPCR_NUM_SAVED) - 1;
		return true;
	case TPM_PT_PCR_EXTEND_L0 ... TPM_PT_PCR_RESET_L4:
		loc = 1u << ((pt - TPM_PT_PCR_EXTEND_L0) / 2);
		for (pcr = 0; pcr < VPCR_NUM_PCRS; pcr++) {
			u8 attr = (pt - TPM_PT_PCR_EXTEND_L0) % 2 ?
				  vpcr_reset_loc[pcr] : vpcr_extend_loc[pcr];

			if (attr & loc)
				*mask |= 1u << pcr;
		}
		return true;
	case TPM_PT_PCR_NO_INCREMENT:
		*mask = VPCR_NO_INCREMENT;
		return true;
	case TPM_PT_PCR_DRTM_RESET:
		for (pcr = 0; pcr < VPCR_NUM_PCRS; pcr++)
			if (vpcr_reset_loc[pcr] & 0x10)
				*mask |= 1u << pcr;
		return true;
	case TPM_PT_PCR_POLICY:
	case TPM_PT_PCR_AUTH:
		*mask = VPCR_AUTH_GROUP;
		return true;
	}
	return false;
}

/**
 * vpcr_getcap() - answer GetCapability for the VM's PCR data
 * @v:       the VM's PCRs
 * @buf:     the command, parsed into @cmd; the response replaces it when
 *	     *@handled is set
 * @bufsize: bytes available at @buf
 * @cmd:     the command as tpm2_cmd_parse() parsed it
 * @rsp_len: out: the response's length (when *@handled)
 * @handled: out: true if the response is in @buf; false if the command is
 *	     not GetCapability(TPM_CAP_PCRS or TPM_CAP_PCR_PROPERTIES) (or
 *	     too short to tell), and goes to the chip
 *
 * TPM_CAP_PCRS lists the allocation of every implemented bank (what
 * PCR_Allocate last made effective); TPM_CAP_PCR_PROPERTIES the PC Client
 * PCR attributes, starting at the requested property, as a TPM does
 * (moreData included).  TPM_CAP_TPM_PROPERTIES goes to the chip: pass its
 * response to vpcr_getcap_fixup().  Sessions are checked as vpcr_run()
 * checks those of PCR_Read.
 *
 * Return: 0, or -EINVAL / -ENOSPC as vpcr_run().
 */
int vpcr_getcap(struct vpcr *v, u8 *buf, u32 bufsize,
		const struct tpm2_cmd *cmd, u32 *rsp_len, bool *handled)
{
	u8 attrs[TPM2_MAX_SESSIONS];
	u32 cap, prop, count, rc, n, i;
	struct vpcr_out o;
	struct vpcr_in in;
	unsigned int b;

	*handled = false;
	*rsp_len = 0;
	if (!v || !vpcr_cmd_ok(buf, bufsize, cmd))
		return -EINVAL;
	if (cmd->cc != TPM_CC_GetCapability || cmd->param_size < 4)
		return 0;
	cap = get_unaligned_be32(buf + cmd->param_off);
	if (cap != TPM_CAP_PCRS && cap != TPM_CAP_PCR_PROPERTIES)
		return 0;
	*handled = true;

	rc = vpcr_check_auth(buf, cmd, 0, attrs);
	if (rc)
		goto error;
	in.p = buf + cmd->param_off + 4;
	in.left = cmd->param_size - 4;
	rc = in_u32(&in, &prop);
	if (rc) {
		rc = tpm2_rc_param(rc, 2);
		goto error;
	}
	rc = in_u32(&in, &count);
	if (rc) {
		rc = tpm2_rc_param(rc, 3);
		goto error;
	}
	if (in.left) {
		rc = TPM_RC_SIZE;
		goto error;
	}

	out_begin(&o, buf, bufsize, cmd);
	if (cap == TPM_CAP_PCRS) {
		if (prop != 0) {
			rc = tpm2_rc_param(TPM_RC_VALUE, 2);
			goto error;
		}
		out_u8(&o, count ? VPCR_NO : VPCR_YES);	/* moreData */
		out_u32(&o, cap);
		out_u32(&o, count ? vpcr_num_impl(v) : 0);
		for (b = 0; count && b < VPCR_NUM_ALGS; b++)
			if (v->impl & (1u << b))
				out_sel(&o, b, v->alloc[b]);
	} else {
		u8 more = VPCR_NO;
		u32 m;

		/* PCRCapGetProperties(): up to @count implemented
		 * properties from @prop; moreData if any property (even
		 * one not implemented) is left over
		 */
		n = 0;
		for (i = prop; i <= TPM_PT_PCR_LAST; i++) {
			if (n == count) {
				more = VPCR_YES;
				break;
			}
			if (vpcr_pcr_property(i, &m))
				n++;
		}
		out_u8(&o, more);
		out_u32(&o, cap);
		out_u32(&o, n);
		for (i = 0, n = 0; i <= TPM_PT_PCR_LAST && n < count; i++) {
			if (i < prop || !vpcr_pcr_property(i, &m))
				continue;
			out_u32(&o, i);
			out_u8(&o, VPCR_SELECT_SIZE);
			out_u8(&o, m);
			out_u8(&o, m >> 8);
			out_u8(&o, m >> 16);
			n++;
		}
	}
	*rsp_len = out_end(&o, cmd, attrs);
	return *rsp_len ? 0 : -ENOSPC;
error:
	*rsp_len = tpm2_rsp_error(buf, bufsize, rc);
	return 0;
}

/**
 * vpcr_getcap_fixup() - make the chip's TPM properties speak of the vPCRs
 * @v:       the VM's PCRs
 * @rsp:     the chip's response to a VM's GetCapability
 * @rsp_len: its length
 *
 * In a successful TPM_CAP_TPM_PROPERTIES response without sessions,
 * TPM_PT_PCR_COUNT becomes 24 and TPM_PT_PCR_SELECT_MIN 3 (the values of
 * the virtual banks; a PC Client chip has the same).  Sizes do not
 * change; anything else is left alone.
 */
void vpcr_getcap_fixup(const struct vpcr *v, u8 *rsp, u32 rsp_len)
{
	u32 off = TPM2_HEADER_SIZE + 1, count, i;

	if (!v || !rsp || rsp_len < off + 8 ||
	    get_unaligned_be16(rsp) != TPM_ST_NO_SESSIONS ||
	    get_unaligned_be32(rsp + 2) != rsp_len ||
	    get_unaligned_be32(rsp + 6) != TPM_RC_SUCCESS ||
	    get_unaligned_be32(rsp + off) != TPM_CAP_TPM_PROPERTIES)
		return;
	count = get_unaligned_be32(rsp + off + 4);
	off += 8;
	for (i = 0; i < count && rsp_len - off >= 8; i++, off += 8) {
		u32 pt = get_unaligned_be32(rsp + off);

		if (pt == TPM_PT_PCR_COUNT)
			put_unaligned_be32(VPCR_NUM_PCRS, rsp + off + 4);
		else if (pt == TPM_PT_PCR_SELECT_MIN)
			put_unaligned_be32(VPCR_SELECT_SIZE, rsp + off + 4);
	}
}

/* ---------------------------------------------------------------------- */
/* For the rest of tpmmux                                                 */
/* ---------------------------------------------------------------------- */

/**
 * vpcr_read() - the value of one virtual PCR
 * @v:   the VM's PCRs
 * @alg: the bank's hash algorithm (TPM2_ALG_*)
 * @pcr: the PCR (0-23)
 * @out: where the value goes (at most TPM2_MAX_HASH_SIZE bytes)
 *
 * For the deep quote and for replaying the banks into the soft engine.
 *
 * Return: the value's size; -EINVAL if @pcr or the bank does not exist;
 * -ENOENT if the PCR is not allocated in the bank.
 */
int vpcr_read(const struct vpcr *v, u16 alg, u32 pcr, u8 *out)
{
	int b = vpcr_bank(v, alg);

	if (b < 0 || pcr >= VPCR_NUM_PCRS)
		return -EINVAL;
	pcr = vpcr_index_nospec(pcr, VPCR_NUM_PCRS);
	if (!vpcr_allocated(v, pcr, b))
		return -ENOENT;
	memcpy(out, &v->pcr[pcr][vpcr_algs[b].off], vpcr_algs[b].size);
	return vpcr_algs[b].size;
}

/**
 * vpcr_update_counter() - pcrUpdateCounter of the VM's PCRs
 * @v: the VM's PCRs
 *
 * Return: the counter, as PCR_Read reports it.
 */
u32 vpcr_update_counter(const struct vpcr *v)
{
	return v->counter;
}

/**
 * vpcr_active_banks() - the banks that have at least one PCR allocated
 * @v: the VM's PCRs
 *
 * Return: a mask of VPCR_BANK_*.
 */
u32 vpcr_active_banks(const struct vpcr *v)
{
	unsigned int b;
	u32 banks = 0;

	for (b = 0; b < VPCR_NUM_ALGS; b++)
		if (v->alloc[b])
			banks |= 1u << b;
	return banks;
}
