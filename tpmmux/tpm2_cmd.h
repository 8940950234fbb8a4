/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm2_cmd.h - TPM 2.0 command/response parser and command policy table.
 *
 * Pure logic (see pure.h): builds in the kernel module and in userspace
 * tests and fuzzers.  Nothing here allocates, sleeps, or reads outside the
 * [buf, buf + len) range it is given.  See Documentation/tpm2-parser.rst.
 */
#ifndef _TPMMUX_TPM2_CMD_H
#define _TPMMUX_TPM2_CMD_H

#include "pure.h"
#include "tpm2_defs.h"

/*
 * Response codes that tpmmux itself answers in place of the TPM carry a
 * layer of their own in bits 16-23, the way the kernel's resource manager
 * uses TSS2_RESMGR_TPM_RC_LAYER (11 << 16).  0x74 is 't' for tpmmux.
 */
#define TPMMUX_RC_LAYER			(0x74u << TPM_RC_LAYER_SHIFT)
/* What a refused or unknown command is answered with */
#define TPMMUX_RC_REFUSED		(TPMMUX_RC_LAYER | TPM_RC_COMMAND_CODE)
/*
 * What a command is answered with when the chip would evaluate it against
 * its own (the host's) PCRs instead of the VM's virtual ones: PolicyPCR,
 * Quote, and Create/CreatePrimary with a creationPCR selection
 * (tpm2_cmd_reads_pcrs()).  The hw engine cannot give a right answer.
 */
#define TPMMUX_RC_PCR_UNSUPPORTED	(TPMMUX_RC_LAYER | TPM_RC_PCR)

/*
 * Policy flags of a command (struct tpm2_cmd_desc.flags).
 *
 * TPM2_CMDF_REFUSE	never sent to the shared chip; answered with
 *			TPMMUX_RC_REFUSED (tpm2_cmd_policy()).
 * TPM2_CMDF_VIRTUAL	answered by tpmmux itself, never sent to the chip.
 * TPM2_CMDF_PCR	a PCR command answered from the VM's virtual PCR bank
 *			(also TPM2_CMDF_VIRTUAL).
 * TPM2_CMDF_NV		reads or changes an NV index named by a handle; the
 *			chip's own indices are refused by default.
 * TPM2_CMDF_CONTEXT	ContextSave/ContextLoad/FlushContext: part of the
 *			per-VM object and session virtualization.
 * TPM2_CMDF_FLUSHED	TPMA_CC.flushed: on success the object named by the
 *			first handle (a sequence object) is flushed.
 * TPM2_CMDF_READS_PCR	the result may depend on the chip's PCR values
 *			(PolicyPCR, Quote, creationPCR of Create and
 *			CreatePrimary): not transparent on the hw engine,
 *			the soft engine replays the virtual PCRs first.
 */
#define TPM2_CMDF_REFUSE		0x0001
#define TPM2_CMDF_VIRTUAL		0x0002
#define TPM2_CMDF_PCR			0x0004
#define TPM2_CMDF_NV			0x0008
#define TPM2_CMDF_CONTEXT		0x0010
#define TPM2_CMDF_FLUSHED		0x0020
#define TPM2_CMDF_READS_PCR		0x0040

/**
 * struct tpm2_cmd_desc - what tpmmux knows about one command code
 * @cc:		the command code (TPM_CC_*)
 * @name:	the command's name in the specification, without "TPM2_"
 * @handles:	number of handles in the command's handle area (0-3)
 * @rhandle:	true if a successful response carries a handle (rHandle)
 * @flags:	TPM2_CMDF_* policy flags
 */
struct tpm2_cmd_desc {
	u32 cc;
	const char *name;
	u8 handles;
	bool rhandle;
	u16 flags;
};

/**
 * struct tpm2_cmd_session - one session in a command's authorization area
 * @handle:	sessionHandle (TPM_RS_PW, or an HMAC or policy session)
 * @off:	offset in the command of sessionHandle, the session's first
 *		byte
 * @len:	bytes this session takes in the authorization area
 * @nonce_off:	offset of the first byte of nonceCaller (its 2-byte size
 *		field is at @nonce_off - 2)
 * @nonce_size:	size of nonceCaller, at most TPM2_MAX_HASH_SIZE
 * @attrs:	sessionAttributes (TPMA_SESSION_*)
 * @attrs_off:	offset of sessionAttributes
 * @hmac_off:	offset of the first byte of hmac (size field at - 2)
 * @hmac_size:	size of hmac, at most TPM2_MAX_HASH_SIZE
 */
struct tpm2_cmd_session {
	u32 handle;
	u32 off;
	u32 len;
	u32 nonce_off;
	u16 nonce_size;
	u8 attrs;
	u32 attrs_off;
	u32 hmac_off;
	u16 hmac_size;
};

/**
 * struct tpm2_cmd - a parsed command; offsets are into the parsed buffer
 * @tag:		TPM_ST_NO_SESSIONS or TPM_ST_SESSIONS
 * @size:		commandSize, equal to the buffer's length
 * @cc:			commandCode
 * @desc:		table entry of @cc; NULL if the code is unknown
 * @num_handles:	handles in the handle area (== @desc->handles)
 * @handle:		the handles, in command order
 * @handle_off:		offset of each handle (10, 14, 18), so that a later
 *			step can rewrite it in place
 * @auth_off:		offset of the authorizationSize field; 0 when @tag is
 *			TPM_ST_NO_SESSIONS.  The area starts at @auth_off + 4.
 * @auth_size:		authorizationSize: bytes of the sessions, not
 *			counting the 4 bytes of the field itself
 * @num_sessions:	sessions in the authorization area (0-3)
 * @session:		the sessions, in command order
 * @param_off:		offset of the parameter area (right after the
 *			authorization area, or after the handles)
 * @param_size:		bytes of the parameter area, to the end of the
 *			command (may be 0)
 *
 * After tpm2_cmd_parse() returns 0 every offset plus the size of what it
 * locates lies within the buffer.  After a failure, @tag, @size and @cc
 * hold the header (when the buffer has one) and @desc the table entry if
 * the code is known; every other field is zero.
 */
struct tpm2_cmd {
	u16 tag;
	u32 size;
	u32 cc;
	const struct tpm2_cmd_desc *desc;
	u8 num_handles;
	u32 handle[TPM2_MAX_HANDLES];
	u32 handle_off[TPM2_MAX_HANDLES];
	u32 auth_off;
	u32 auth_size;
	u8 num_sessions;
	struct tpm2_cmd_session session[TPM2_MAX_SESSIONS];
	u32 param_off;
	u32 param_size;
};

/**
 * struct tpm2_rsp - a parsed response; offsets are into the parsed buffer
 * @tag:		TPM_ST_NO_SESSIONS, TPM_ST_SESSIONS, or (error only)
 *			TPM_ST_RSP_COMMAND
 * @size:		responseSize, equal to the buffer's length
 * @rc:			responseCode
 * @has_handle:		the response carries a handle (success, and the
 *			command has rHandle)
 * @handle:		that handle
 * @handle_off:		its offset (10), 0 when there is none
 * @param_off:		offset of the response parameters
 * @param_size:		bytes of the response parameters (0 on error)
 * @auth_off:		offset of the response authorization area; 0 unless
 *			@tag is TPM_ST_SESSIONS and @rc is 0
 * @auth_size:		bytes of the response authorization area
 * @num_sessions:	sessions in it (0-3)
 */
struct tpm2_rsp {
	u16 tag;
	u32 size;
	u32 rc;
	bool has_handle;
	u32 handle;
	u32 handle_off;
	u32 param_off;
	u32 param_size;
	u32 auth_off;
	u32 auth_size;
	u8 num_sessions;
};

/* PCR_SELECT_MAX: up to 32 PCRs per bank; HASH_COUNT bound: 16 banks */
#define TPM2_PCR_SELECT_MAX		4
#define TPM2_PCR_SELECTION_MAX_BANKS	16

/**
 * struct tpm2_pcr_selection - a parsed TPMS_PCR_SELECTION
 * @hash:		hash algorithm of the bank (TPM2_ALG_*)
 * @size_of_select:	bytes of @pcr_select given (0-TPM2_PCR_SELECT_MAX)
 * @pcr_select:		bit n of byte n / 8 selects PCR n; bytes past
 *			@size_of_select are zero
 */
struct tpm2_pcr_selection {
	u16 hash;
	u8 size_of_select;
	u8 pcr_select[TPM2_PCR_SELECT_MAX];
};

/**
 * struct tpm2_pcr_selection_list - a parsed TPML_PCR_SELECTION
 * @count:	number of banks (0-TPM2_PCR_SELECTION_MAX_BANKS)
 * @sel:	the selections, in order
 */
struct tpm2_pcr_selection_list {
	u32 count;
	struct tpm2_pcr_selection sel[TPM2_PCR_SELECTION_MAX_BANKS];
};

const struct tpm2_cmd_desc *tpm2_cmd_lookup(u32 cc);
const char *tpm2_cc_name(u32 cc);
int tpm2_cmd_parse(const u8 *buf, u32 len, struct tpm2_cmd *cmd);
u32 tpm2_cmd_policy(const struct tpm2_cmd *cmd);
u32 tpm2_rsp_error(u8 *out, u32 out_len, u32 rc);
bool tpm2_rsp_clamp_property(u8 *buf, u32 len, u32 prop, u32 max);
bool tpm2_cmd_reads_pcrs(const u8 *buf, const struct tpm2_cmd *cmd);
int tpm2_rsp_parse(const u8 *buf, u32 len, u32 cc, struct tpm2_rsp *rsp);
int tpm2b_pull(const u8 **p, u32 *left, const u8 **data, u16 *size);
int tpm2_pcr_selection_pull(const u8 **p, u32 *left,
			    struct tpm2_pcr_selection *sel);
int tpm2_pcr_selection_list_pull(const u8 **p, u32 *left,
				 struct tpm2_pcr_selection_list *list);

/* The handle type (TPM_HT_*) of a handle: its most significant byte. */
static inline u8 tpm2_handle_type(u32 handle)
{
	return handle >> TPM_HR_SHIFT;
}

/*
 * Number a format-one response code: @n (1-based) is the handle,
 * parameter or session at fault.  Handles and sessions go up to 7,
 * parameters up to 15.
 */
static inline u32 tpm2_rc_handle(u32 rc, unsigned int n)
{
	return rc | TPM_RC_H | ((n & 0x7) << TPM_RC_N_SHIFT);
}

static inline u32 tpm2_rc_param(u32 rc, unsigned int n)
{
	return rc | TPM_RC_P | ((n & 0xf) << TPM_RC_N_SHIFT);
}

static inline u32 tpm2_rc_session(u32 rc, unsigned int n)
{
	return rc | TPM_RC_S | ((n & 0x7) << TPM_RC_N_SHIFT);
}

/* Format-one response codes carry a handle/parameter/session number. */
static inline bool tpm2_rc_is_fmt1(u32 rc)
{
	return rc & TPM_RC_FMT1;
}

#endif /* _TPMMUX_TPM2_CMD_H */
