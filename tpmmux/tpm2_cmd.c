// SPDX-License-Identifier: GPL-2.0
/*
 * tpm2_cmd.c - TPM 2.0 command/response parser and command policy table.
 *
 * Every command a guest writes passes through tpm2_cmd_parse() before
 * anything reaches the physical TPM.  The guest controls every byte, so
 * every length it supplies is checked against the bytes that are really
 * left before anything is read, and the bytes of a size field are
 * consumed before the size is compared with what follows (the
 * CVE-2023-1017/1018 mistake was to compare first).
 *
 * Pure logic: no allocation, no sleeping, no access outside [buf, buf+len).
 */
#include "pure.h"
#include "tpm2_defs.h"
#include "tpm2_cmd.h"

#define F_REFUSE	TPM2_CMDF_REFUSE
#define F_VIRT		TPM2_CMDF_VIRTUAL
#define F_PCR		TPM2_CMDF_PCR
#define F_NV		TPM2_CMDF_NV
#define F_CTX		TPM2_CMDF_CONTEXT
#define F_FLUSHED	TPM2_CMDF_FLUSHED
#define F_RPCR		TPM2_CMDF_READS_PCR

#define CMD(c, h, r, f)							\
	[TPM_CC_##c - TPM_CC_FIRST] = {					\
		.cc = TPM_CC_##c, .name = #c,				\
		.handles = (h), .rhandle = (r), .flags = (f),		\
	}

/*
 * Indexed by (cc - TPM_CC_FIRST).  Handle counts and rHandle are those of
 * Part 3 of the specification (rev 1.59), i.e. TPMA_CC.cHandles and
 * TPMA_CC.rHandle as a TPM reports them with TPM_CAP_COMMANDS.  The five
 * unassigned codes in the range (0x123, 0x15A, 0x15F, 0x166, 0x175) have
 * no entry (name == NULL) and are unknown.
 */
static const struct tpm2_cmd_desc tpm2_cmd_table[TPM_CC_LAST -
						  TPM_CC_FIRST + 1] = {
	CMD(NV_UndefineSpaceSpecial,	2, 0, F_REFUSE | F_NV),
	CMD(EvictControl,		2, 0, F_REFUSE),
	CMD(HierarchyControl,		1, 0, F_REFUSE),
	CMD(NV_UndefineSpace,		2, 0, F_REFUSE | F_NV),
	CMD(ChangeEPS,			1, 0, F_REFUSE),
	CMD(ChangePPS,			1, 0, F_REFUSE),
	CMD(Clear,			1, 0, F_REFUSE),
	CMD(ClearControl,		1, 0, F_REFUSE),
	CMD(ClockSet,			1, 0, F_REFUSE),
	CMD(HierarchyChangeAuth,	1, 0, F_REFUSE),
	CMD(NV_DefineSpace,		1, 0, F_REFUSE | F_NV),
	CMD(PCR_Allocate,		1, 0, F_REFUSE),
	CMD(PCR_SetAuthPolicy,		1, 0, F_REFUSE),
	CMD(PP_Commands,		1, 0, F_REFUSE),
	CMD(SetPrimaryPolicy,		1, 0, F_REFUSE),
	CMD(FieldUpgradeStart,		2, 0, F_REFUSE),
	CMD(ClockRateAdjust,		1, 0, F_REFUSE),
	CMD(CreatePrimary,		1, 1, F_RPCR),
	CMD(NV_GlobalWriteLock,		1, 0, F_REFUSE | F_NV),
	CMD(GetCommandAuditDigest,	2, 0, 0),
	CMD(NV_Increment,		2, 0, F_NV),
	CMD(NV_SetBits,			2, 0, F_NV),
	CMD(NV_Extend,			2, 0, F_NV),
	CMD(NV_Write,			2, 0, F_NV),
	CMD(NV_WriteLock,		2, 0, F_NV),
	CMD(DictionaryAttackLockReset,	1, 0, F_REFUSE),
	CMD(DictionaryAttackParameters,	1, 0, F_REFUSE),
	CMD(NV_ChangeAuth,		1, 0, F_NV),
	CMD(PCR_Event,			1, 0, F_VIRT | F_PCR),
	CMD(PCR_Reset,			1, 0, F_VIRT | F_PCR),
	CMD(SequenceComplete,		1, 0, F_FLUSHED),
	/* changes the chip's algorithm set for every VM */
	CMD(SetAlgorithmSet,		1, 0, F_REFUSE),
	CMD(SetCommandCodeAuditStatus,	1, 0, F_REFUSE),
	CMD(FieldUpgradeData,		0, 0, F_REFUSE),
	CMD(IncrementalSelfTest,	0, 0, 0),
	CMD(SelfTest,			0, 0, 0),
	CMD(Startup,			0, 0, F_VIRT),
	CMD(Shutdown,			0, 0, F_VIRT),
	CMD(StirRandom,			0, 0, 0),
	CMD(ActivateCredential,		2, 0, 0),
	CMD(Certify,			2, 0, 0),
	CMD(PolicyNV,			3, 0, F_NV),
	CMD(CertifyCreation,		2, 0, 0),
	CMD(Duplicate,			2, 0, 0),
	CMD(GetTime,			2, 0, 0),
	CMD(GetSessionAuditDigest,	3, 0, 0),
	CMD(NV_Read,			2, 0, F_NV),
	CMD(NV_ReadLock,		2, 0, F_NV),
	CMD(ObjectChangeAuth,		2, 0, 0),
	CMD(PolicySecret,		2, 0, 0),
	CMD(Rewrap,			2, 0, 0),
	CMD(Create,			1, 0, F_RPCR),
	CMD(ECDH_ZGen,			1, 0, 0),
	CMD(HMAC,			1, 0, 0),
	CMD(Import,			1, 0, 0),
	CMD(Load,			1, 1, 0),
	CMD(Quote,			1, 0, F_RPCR),
	CMD(RSA_Decrypt,		1, 0, 0),
	CMD(HMAC_Start,			1, 1, 0),
	CMD(SequenceUpdate,		1, 0, 0),
	CMD(Sign,			1, 0, 0),
	CMD(Unseal,			1, 0, 0),
	CMD(PolicySigned,		2, 0, 0),
	CMD(ContextLoad,		0, 1, F_CTX),
	CMD(ContextSave,		1, 0, F_CTX),
	CMD(ECDH_KeyGen,		1, 0, 0),
	CMD(EncryptDecrypt,		1, 0, 0),
	/* the handle to flush is a parameter, not in the handle area */
	CMD(FlushContext,		0, 0, F_CTX),
	CMD(LoadExternal,		0, 1, 0),
	CMD(MakeCredential,		1, 0, 0),
	CMD(NV_ReadPublic,		1, 0, F_NV),
	CMD(PolicyAuthorize,		1, 0, 0),
	CMD(PolicyAuthValue,		1, 0, 0),
	CMD(PolicyCommandCode,		1, 0, 0),
	CMD(PolicyCounterTimer,		1, 0, 0),
	CMD(PolicyCpHash,		1, 0, 0),
	CMD(PolicyLocality,		1, 0, 0),
	CMD(PolicyNameHash,		1, 0, 0),
	CMD(PolicyOR,			1, 0, 0),
	CMD(PolicyTicket,		1, 0, 0),
	CMD(ReadPublic,			1, 0, 0),
	CMD(RSA_Encrypt,		1, 0, 0),
	CMD(StartAuthSession,		2, 1, 0),
	CMD(VerifySignature,		1, 0, 0),
	CMD(ECC_Parameters,		0, 0, 0),
	CMD(FirmwareRead,		0, 0, F_REFUSE),
	CMD(GetCapability,		0, 0, 0),
	CMD(GetRandom,			0, 0, 0),
	CMD(GetTestResult,		0, 0, 0),
	CMD(Hash,			0, 0, 0),
	CMD(PCR_Read,			0, 0, F_VIRT | F_PCR),
	CMD(PolicyPCR,			1, 0, F_RPCR),
	CMD(PolicyRestart,		1, 0, 0),
	CMD(ReadClock,			0, 0, 0),
	CMD(PCR_Extend,			1, 0, F_VIRT | F_PCR),
	CMD(PCR_SetAuthValue,		1, 0, F_REFUSE),
	CMD(NV_Certify,			3, 0, F_NV),
	CMD(EventSequenceComplete,	2, 0, F_FLUSHED),
	CMD(HashSequenceStart,		0, 1, 0),
	CMD(PolicyPhysicalPresence,	1, 0, 0),
	CMD(PolicyDuplicationSelect,	1, 0, 0),
	CMD(PolicyGetDigest,		1, 0, 0),
	CMD(TestParms,			0, 0, 0),
	CMD(Commit,			1, 0, 0),
	CMD(PolicyPassword,		1, 0, 0),
	CMD(ZGen_2Phase,		1, 0, 0),
	CMD(EC_Ephemeral,		0, 0, 0),
	CMD(PolicyNvWritten,		1, 0, 0),
	CMD(PolicyTemplate,		1, 0, 0),
	CMD(CreateLoaded,		1, 1, 0),
	CMD(PolicyAuthorizeNV,		3, 0, F_NV),
	CMD(EncryptDecrypt2,		1, 0, 0),
	CMD(AC_GetCapability,		1, 0, 0),
	CMD(AC_Send,			3, 0, 0),
	CMD(Policy_AC_SendSelect,	1, 0, 0),
	CMD(CertifyX509,		2, 0, 0),
	/* an ACT's expiry can signal the platform: shared by every VM */
	CMD(ACT_SetTimeout,		1, 0, F_REFUSE),
	CMD(ECC_Encrypt,		1, 0, 0),
	CMD(ECC_Decrypt,		1, 0, 0),
};

#undef CMD

/*
 * Clamp an index that has passed its bounds check so that a mispredicted
 * branch cannot make the CPU load from outside the table with a
 * guest-chosen index (Spectre v1).  The mask is all ones when
 * idx < size and zero otherwise, computed without a branch, as the
 * generic array_index_mask_nospec() does; the barrier keeps the compiler
 * from folding the mask away with what it knows from the bounds check.
 */
static inline u32 tpm2_index_nospec(u32 idx, u32 size)
{
	s64 v;

#ifdef OPTIMIZER_HIDE_VAR
	OPTIMIZER_HIDE_VAR(idx);	/* <linux/compiler.h> */
#else
	__asm__ ("" : "+r" (idx));
#endif
	v = (s64)((u64)idx | ((u64)size - 1 - idx));
	return idx & (u32)(~v >> 63);
}

/**
 * tpm2_cmd_lookup() - find the table entry of a command code
 * @cc: the command code
 *
 * Direct index: O(1).  Vendor codes (TPM_CC_V set), codes with reserved
 * bits set, unassigned codes and codes newer than revision 1.59 are not
 * in the table.
 *
 * Return: the entry, or NULL if tpmmux does not know @cc.
 */
const struct tpm2_cmd_desc *tpm2_cmd_lookup(u32 cc)
{
	const struct tpm2_cmd_desc *d;
	u32 idx;

	if (cc < TPM_CC_FIRST || cc > TPM_CC_LAST)
		return NULL;
	idx = tpm2_index_nospec(cc - TPM_CC_FIRST, ARRAY_SIZE(tpm2_cmd_table));
	d = &tpm2_cmd_table[idx];
	return d->name ? d : NULL;
}

/**
 * tpm2_cc_name() - the specification's name of a command code
 * @cc: the command code
 *
 * Return: e.g. "GetRandom" for TPM_CC_GetRandom, or NULL if unknown.
 */
const char *tpm2_cc_name(u32 cc)
{
	const struct tpm2_cmd_desc *d = tpm2_cmd_lookup(cc);

	return d ? d->name : NULL;
}

/**
 * tpm2b_pull() - take one sized buffer (TPM2B) from the front of a buffer
 * @p:    in: where the TPM2B's 2-byte size field starts;
 *        out: the first byte after the TPM2B
 * @left: in/out: bytes available from *@p
 * @data: out: the TPM2B's first data byte (only valid with *@size > 0)
 * @size: out: the TPM2B's size
 *
 * The two bytes of the size field are taken off *@left before the size is
 * compared with what remains, so a size that counts its own field is
 * refused.  On failure nothing is written.
 *
 * Return: 0, or TPM_RC_INSUFFICIENT (format one, no number: the caller
 * adds the parameter or session number) when the size field or the data
 * does not fit in *@left.
 */
int tpm2b_pull(const u8 **p, u32 *left, const u8 **data, u16 *size)
{
	u32 avail = *left;
	u16 sz;

	if (avail < 2)
		return TPM_RC_INSUFFICIENT;
	sz = get_unaligned_be16(*p);
	avail -= 2;
	if (sz > avail)
		return TPM_RC_INSUFFICIENT;
	*data = *p + 2;
	*size = sz;
	*p += 2 + sz;
	*left = avail - sz;
	return 0;
}

/*
 * A TPM2B_NONCE or TPM2B_AUTH (both TPM2B_DIGEST): at most sizeof(TPMU_HA)
 * bytes.  As the reference implementation does, a size over the maximum
 * is TPM_RC_SIZE even when the bytes would also run past the end.
 */
static int tpm2b_pull_digest(const u8 **p, u32 *left, const u8 **data,
			     u16 *size)
{
	if (*left >= 2 && get_unaligned_be16(*p) > TPM2_MAX_HASH_SIZE)
		return TPM_RC_SIZE;
	return tpm2b_pull(p, left, data, size);
}

/*
 * Parse the sessions of the authorization area, which spans
 * [off, off + auth_size) of buf; the caller has checked that it lies
 * within the command.  The area must be exactly made of 1 to 3 sessions.
 */
static int tpm2_parse_sessions(const u8 *buf, u32 off, u32 auth_size,
			       struct tpm2_cmd *cmd)
{
	const u8 *p = buf + off;
	u32 left = auth_size;
	unsigned int n = 0;

	while (left) {
		struct tpm2_cmd_session *s;
		const u8 *start = p;
		const u8 *data;
		u16 size;
		u8 type;
		int rc;

		/* Part 3, 5.5: octets left after the last session */
		if (n == TPM2_MAX_SESSIONS)
			return TPM_RC_AUTHSIZE;
		s = &cmd->session[n];
		n++;	/* 1-based number for response codes from here on */

		if (left < 4)
			return tpm2_rc_session(TPM_RC_INSUFFICIENT, n);
		s->handle = get_unaligned_be32(p);
		s->off = p - buf;
		p += 4;
		left -= 4;
		type = tpm2_handle_type(s->handle);
		if (s->handle != TPM_RS_PW && type != TPM_HT_HMAC_SESSION &&
		    type != TPM_HT_POLICY_SESSION)
			return tpm2_rc_session(TPM_RC_HANDLE, n);

		rc = tpm2b_pull_digest(&p, &left, &data, &size);
		if (rc)
			return tpm2_rc_session(rc, n);
		s->nonce_off = (data - buf);
		s->nonce_size = size;

		if (left < 1)
			return tpm2_rc_session(TPM_RC_INSUFFICIENT, n);
		s->attrs = *p;
		s->attrs_off = p - buf;
		p++;
		left--;

		rc = tpm2b_pull_digest(&p, &left, &data, &size);
		if (rc)
			return tpm2_rc_session(rc, n);
		s->hmac_off = (data - buf);
		s->hmac_size = size;
		s->len = p - start;
	}
	cmd->num_sessions = n;
	return 0;
}

static int __tpm2_cmd_parse(const u8 *buf, u32 len, struct tpm2_cmd *cmd)
{
	const struct tpm2_cmd_desc *desc;
	u32 off = TPM2_HEADER_SIZE;
	unsigned int i;
	int rc;

	if (!buf || len < TPM2_HEADER_SIZE || len > TPM2_MAX_COMMAND_SIZE)
		return -EINVAL;
	cmd->tag = get_unaligned_be16(buf);
	cmd->size = get_unaligned_be32(buf + 2);
	cmd->cc = get_unaligned_be32(buf + 6);
	/* also catches commandSize < 10 and > TPM2_MAX_COMMAND_SIZE */
	if (cmd->size != len)
		return -EINVAL;
	if (cmd->tag != TPM_ST_NO_SESSIONS && cmd->tag != TPM_ST_SESSIONS)
		return TPM_RC_BAD_TAG;

	desc = tpm2_cmd_lookup(cmd->cc);
	if (!desc)
		return TPMMUX_RC_REFUSED;
	cmd->desc = desc;

	for (i = 0; i < desc->handles; i++) {
		if (len - off < 4)
			return tpm2_rc_handle(TPM_RC_INSUFFICIENT, i + 1);
		cmd->handle[i] = get_unaligned_be32(buf + off);
		cmd->handle_off[i] = off;
		off += 4;
	}
	cmd->num_handles = desc->handles;

	if (cmd->tag == TPM_ST_SESSIONS) {
		u32 auth_size;

		if (len - off < 4)
			return TPM_RC_AUTHSIZE;
		auth_size = get_unaligned_be32(buf + off);
		cmd->auth_off = off;
		off += 4;	/* the field itself is not part of the area */
		if (auth_size < TPM2_MIN_SESSION_SIZE || auth_size > len - off)
			return TPM_RC_AUTHSIZE;
		cmd->auth_size = auth_size;
		rc = tpm2_parse_sessions(buf, off, auth_size, cmd);
		if (rc)
			return rc;
		off += auth_size;
	}

	cmd->param_off = off;
	cmd->param_size = len - off;
	return 0;
}

/**
 * tpm2_cmd_parse() - validate a command and record where its parts are
 * @buf: the command as the guest wrote it
 * @len: bytes written; all of @buf that may be read
 * @cmd: out: the parsed command (see struct tpm2_cmd)
 *
 * Checks, in this order:
 *  1. @len is at least the 10-byte header and at most
 *     TPM2_MAX_COMMAND_SIZE, and the header's commandSize equals @len
 *     (so it is neither below 10, nor above the bytes written, nor above
 *     the maximum)                             -> -EINVAL
 *  2. the tag is TPM_ST_NO_SESSIONS or TPM_ST_SESSIONS -> TPM_RC_BAD_TAG
 *  3. the command code is in the table (vendor codes and unknown codes
 *     are not)                                 -> TPMMUX_RC_REFUSED
 *  4. the handle area holds the table's number of handles
 *                         -> TPM_RC_INSUFFICIENT + TPM_RC_H + TPM_RC_n
 *  5. with TPM_ST_SESSIONS: the 4-byte authorizationSize is present, is
 *     at least 9 and at most the bytes after the field -> TPM_RC_AUTHSIZE
 *  6. each session: sessionHandle is TPM_RS_PW or an HMAC or policy
 *     session (-> TPM_RC_HANDLE + TPM_RC_S + TPM_RC_n); nonce and hmac are
 *     at most 64 bytes (-> TPM_RC_SIZE + S + n) and lie within the
 *     authorization area, as do all fields (-> TPM_RC_INSUFFICIENT + S + n);
 *     the area is exactly consumed by at most 3 sessions
 *     (octets left after the third -> TPM_RC_AUTHSIZE)
 * The rest of the command is the parameter area; its contents are the
 * business of the code that handles the command (use tpm2b_pull()).
 * Whether the command needs or forbids sessions is the chip's business.
 *
 * The TPM_RC answers are those Part 3 of the specification (clause 5)
 * makes normative, with the handle/session number a reference TPM adds.
 *
 * Return: 0 if the command is well formed; a positive TPM_RC (below 2^31)
 * that tpmmux answers the guest with, in a 10-byte response
 * (tpm2_rsp_error()); or -EINVAL when the header itself is unusable, which
 * write() returns to the caller.
 */
int tpm2_cmd_parse(const u8 *buf, u32 len, struct tpm2_cmd *cmd)
{
	const struct tpm2_cmd_desc *desc;
	u16 tag;
	u32 size, cc;
	int rc;

	memset(cmd, 0, sizeof(*cmd));
	rc = __tpm2_cmd_parse(buf, len, cmd);
	if (rc) {
		/* keep the header for logging, drop everything else */
		tag = cmd->tag;
		size = cmd->size;
		cc = cmd->cc;
		desc = cmd->desc;
		memset(cmd, 0, sizeof(*cmd));
		cmd->tag = tag;
		cmd->size = size;
		cmd->cc = cc;
		cmd->desc = desc;
	}
	return rc;
}

/**
 * tpm2_cmd_policy() - may this command go on?
 * @cmd: a command parsed by tpm2_cmd_parse()
 *
 * 0 means the command may proceed: to the chip, or, when its flags have
 * TPM2_CMDF_VIRTUAL, to tpmmux's own implementation.  Commands with
 * TPM2_CMDF_REFUSE, and commands tpmmux does not know, are answered the
 * way the kernel's resource manager answers a command it does not know:
 * TPM_RC_COMMAND_CODE, in tpmmux's own layer.
 *
 * Return: 0, or TPMMUX_RC_REFUSED (TPMMUX_RC_LAYER | TPM_RC_COMMAND_CODE).
 */
u32 tpm2_cmd_policy(const struct tpm2_cmd *cmd)
{
	if (!cmd->desc || (cmd->desc->flags & TPM2_CMDF_REFUSE))
		return TPMMUX_RC_REFUSED;
	return 0;
}

/**
 * tpm2_cmd_reads_pcrs() - would the chip read PCRs to run this command?
 * @buf:	the command
 * @cmd:	parsed from @buf by tpm2_cmd_parse()
 *
 * A physical TPM evaluates PCR selections against its own PCRs, the
 * host's, never a VM's virtual ones: PolicyPCR and Quote always do;
 * Create and CreatePrimary do when their creationPCR selection selects a
 * PCR (their creation data would record the host's PCR digest).
 * The parameters of Create/CreatePrimary are inSensitive, inPublic,
 * outsideInfo (three TPM2Bs) and creationPCR (TPML_PCR_SELECTION); a
 * parameter area that does not parse is left to the chip, which rejects
 * it without reading a PCR.
 *
 * Return: true if running @cmd on the chip would read the host's PCRs.
 */
bool tpm2_cmd_reads_pcrs(const u8 *buf, const struct tpm2_cmd *cmd)
{
	struct tpm2_pcr_selection_list sel;
	const u8 *p, *data;
	u32 left, i, j;
	u16 size;

	if (!cmd->desc || !(cmd->desc->flags & TPM2_CMDF_READS_PCR))
		return false;
	if (cmd->cc != TPM_CC_Create && cmd->cc != TPM_CC_CreatePrimary)
		return true;
	p = buf + cmd->param_off;
	left = cmd->param_size;
	for (i = 0; i < 3; i++)
		if (tpm2b_pull(&p, &left, &data, &size))
			return false;
	if (tpm2_pcr_selection_list_pull(&p, &left, &sel))
		return false;
	for (i = 0; i < sel.count; i++)
		for (j = 0; j < sel.sel[i].size_of_select; j++)
			if (sel.sel[i].pcr_select[j])
				return true;
	return false;
}

/**
 * tpm2_rsp_clamp_property() - lower a fixed property in a GetCapability answer
 * @buf:	a response to TPM2_GetCapability
 * @len:	its length
 * @prop:	the TPM_PT_* property to clamp
 * @max:	the largest value the guest may see
 *
 * A vTPM's limits can be lower than the chip's (TPM_PT_MAX_COMMAND_SIZE:
 * QEMU's CRB buffer holds 3968 bytes).  When @buf is a successful
 * TPM_CAP_TPM_PROPERTIES answer that lists @prop with a value above @max,
 * that value is rewritten to @max in place.  Every length is checked
 * against @len; anything else is left alone.
 *
 * Return: true if a value was lowered.
 */
bool tpm2_rsp_clamp_property(u8 *buf, u32 len, u32 prop, u32 max)
{
	u32 count, i, off = TPM2_HEADER_SIZE + 9;
	bool changed = false;

	/* A response with sessions has parameterSize first: not handled. */
	if (len < off || get_unaligned_be16(buf) != TPM_ST_NO_SESSIONS ||
	    get_unaligned_be32(buf + 6) != TPM_RC_SUCCESS ||
	    get_unaligned_be32(buf + 2) != len ||
	    get_unaligned_be32(buf + TPM2_HEADER_SIZE + 1) !=
	    TPM_CAP_TPM_PROPERTIES)
		return false;
	count = get_unaligned_be32(buf + TPM2_HEADER_SIZE + 5);
	for (i = 0; i < count && len - off >= 8; i++, off += 8) {
		if (get_unaligned_be32(buf + off) == prop &&
		    get_unaligned_be32(buf + off + 4) > max) {
			put_unaligned_be32(max, buf + off + 4);
			changed = true;
		}
	}
	return changed;
}

/**
 * tpm2_rsp_error() - build a 10-byte error response
 * @out:     where to write it
 * @out_len: bytes available at @out
 * @rc:      the response code
 *
 * Writes tag TPM_ST_NO_SESSIONS, responseSize 10 and @rc.
 *
 * Return: bytes written: 10, or 0 if @out_len is below 10.
 */
u32 tpm2_rsp_error(u8 *out, u32 out_len, u32 rc)
{
	if (!out || out_len < TPM2_HEADER_SIZE)
		return 0;
	put_unaligned_be16(TPM_ST_NO_SESSIONS, out);
	put_unaligned_be32(TPM2_HEADER_SIZE, out + 2);
	put_unaligned_be32(rc, out + 6);
	return TPM2_HEADER_SIZE;
}

/**
 * tpm2_rsp_parse() - validate a response and record where its parts are
 * @buf: the response as the TPM (or the soft engine) produced it
 * @len: its length
 * @cc:  the code of the command it answers (for rHandle)
 * @rsp: out: the parsed response (see struct tpm2_rsp)
 *
 * Checks that @len is 10 to TPM2_MAX_RESPONSE_SIZE, that responseSize
 * equals @len and the tag is TPM_ST_NO_SESSIONS or TPM_ST_SESSIONS
 * (TPM_ST_RSP_COMMAND is accepted with a non-zero code: a TPM answers a
 * TPM 1.2 tag that way).  An error response is only checked that far.  A
 * success response is then split: the handle if the command has rHandle;
 * with TPM_ST_SESSIONS the 4-byte parameterSize, the parameters it counts
 * and an authorization area of 1 to 3 sessions (nonce, attributes, hmac),
 * exactly consumed; otherwise parameters to the end.  A @cc that is not
 * in the table is taken to have no response handle.
 *
 * Return: 0, or -EIO if the response is malformed.
 */
int tpm2_rsp_parse(const u8 *buf, u32 len, u32 cc, struct tpm2_rsp *rsp)
{
	const struct tpm2_cmd_desc *desc;
	u32 off = TPM2_HEADER_SIZE;
	const u8 *p;
	u32 left;

	memset(rsp, 0, sizeof(*rsp));
	if (!buf || len < TPM2_HEADER_SIZE || len > TPM2_MAX_RESPONSE_SIZE)
		return -EIO;
	rsp->tag = get_unaligned_be16(buf);
	rsp->size = get_unaligned_be32(buf + 2);
	rsp->rc = get_unaligned_be32(buf + 6);
	if (rsp->size != len)
		return -EIO;
	if (rsp->rc) {
		if (rsp->tag != TPM_ST_NO_SESSIONS &&
		    rsp->tag != TPM_ST_SESSIONS &&
		    rsp->tag != TPM_ST_RSP_COMMAND)
			return -EIO;
		rsp->param_off = off;
		return 0;
	}
	if (rsp->tag != TPM_ST_NO_SESSIONS && rsp->tag != TPM_ST_SESSIONS)
		return -EIO;

	desc = tpm2_cmd_lookup(cc);
	if (desc && desc->rhandle) {
		if (len - off < 4)
			return -EIO;
		rsp->has_handle = true;
		rsp->handle = get_unaligned_be32(buf + off);
		rsp->handle_off = off;
		off += 4;
	}

	if (rsp->tag == TPM_ST_NO_SESSIONS) {
		rsp->param_off = off;
		rsp->param_size = len - off;
		return 0;
	}

	if (len - off < 4)
		return -EIO;
	rsp->param_size = get_unaligned_be32(buf + off);
	off += 4;
	if (rsp->param_size > len - off)
		return -EIO;
	rsp->param_off = off;
	off += rsp->param_size;

	/* response sessions: nonceTPM, sessionAttributes, hmac */
	rsp->auth_off = off;
	rsp->auth_size = len - off;
	left = rsp->auth_size;
	p = buf + off;
	if (!left)
		return -EIO;
	while (left) {
		const u8 *data;
		u16 size;

		if (rsp->num_sessions == TPM2_MAX_SESSIONS)
			return -EIO;
		if (tpm2b_pull(&p, &left, &data, &size) || left < 1)
			return -EIO;
		p++;
		left--;
		if (tpm2b_pull(&p, &left, &data, &size))
			return -EIO;
		rsp->num_sessions++;
	}
	return 0;
}

/**
 * tpm2_pcr_selection_pull() - take one TPMS_PCR_SELECTION from a buffer
 * @p:    in/out: position, advanced past the selection on success
 * @left: in/out: bytes available from *@p
 * @sel:  out: the selection
 *
 * sizeofSelect may be 0 to TPM2_PCR_SELECT_MAX; whether a bank accepts
 * fewer bytes than it has PCRs, or selections past its last PCR, is for
 * the caller to decide.  On failure *@p and *@left are unchanged.
 *
 * Return: 0; TPM_RC_INSUFFICIENT if the selection does not fit in *@left;
 * TPM_RC_VALUE if sizeofSelect is over TPM2_PCR_SELECT_MAX.  Both are
 * format one without a number: the caller adds TPM_RC_P + TPM_RC_n.
 */
int tpm2_pcr_selection_pull(const u8 **p, u32 *left,
			    struct tpm2_pcr_selection *sel)
{
	const u8 *q = *p;
	u8 n;

	memset(sel, 0, sizeof(*sel));
	if (*left < 3)
		return TPM_RC_INSUFFICIENT;
	sel->hash = get_unaligned_be16(q);
	n = q[2];
	if (n > TPM2_PCR_SELECT_MAX)
		return TPM_RC_VALUE;
	if (*left - 3 < n)
		return TPM_RC_INSUFFICIENT;
	sel->size_of_select = n;
	memcpy(sel->pcr_select, q + 3, n);
	*p = q + 3 + n;
	*left -= 3 + n;
	return 0;
}

/**
 * tpm2_pcr_selection_list_pull() - take a TPML_PCR_SELECTION from a buffer
 * @p:    in/out: position, advanced past the list on success
 * @left: in/out: bytes available from *@p
 * @list: out: the list
 *
 * On failure *@p and *@left are unchanged.
 *
 * Return: 0; TPM_RC_INSUFFICIENT if the list does not fit in *@left;
 * TPM_RC_SIZE if count is over TPM2_PCR_SELECTION_MAX_BANKS; TPM_RC_VALUE
 * for a sizeofSelect over TPM2_PCR_SELECT_MAX.  The caller adds the
 * parameter number.
 */
int tpm2_pcr_selection_list_pull(const u8 **p, u32 *left,
				 struct tpm2_pcr_selection_list *list)
{
	const u8 *q = *p;
	u32 rem = *left;
	u32 count, i;
	int rc;

	memset(list, 0, sizeof(*list));
	if (rem < 4)
		return TPM_RC_INSUFFICIENT;
	count = get_unaligned_be32(q);
	q += 4;
	rem -= 4;
	if (count > TPM2_PCR_SELECTION_MAX_BANKS)
		return TPM_RC_SIZE;
	for (i = 0; i < count; i++) {
		rc = tpm2_pcr_selection_pull(&q, &rem, &list->sel[i]);
		if (rc) {
			memset(list, 0, sizeof(*list));
			return rc;
		}
	}
	list->count = count;
	*p = q;
	*left = rem;
	return 0;
}
