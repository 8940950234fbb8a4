/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpm2_defs.h - TPM 2.0 constants used by tpmmux.
 *
 * Values are from the TCG "Trusted Platform Module Library, Part 2:
 * Structures", Family 2.0, Level 00, Revision 01.59.  Names are the
 * specification's own (TPM_CC_Startup, TPM_RC_BAD_TAG, TPM_RH_OWNER, ...)
 * so that the code can be read side by side with the specification.
 *
 * Name clashes with the kernel: include/linux/tpm.h declares TPM2_CC_*,
 * TPM2_RC_*, TPM2_ST_*, TPM2_CAP_* and TPM2_SU_* (no clash with the TPM_
 * names below), but it also declares, as enum constants that no #ifndef can
 * detect, TPM_ALG_ERROR/SHA1/KEYEDHASH/SHA256/SHA384/SHA512/NULL/SM3_256,
 * TPM_PT_TOTAL_COMMANDS and the macros TPM_HEADER_SIZE, TPM_DIGEST_SIZE,
 * TPM2_MAX_DIGEST_SIZE, TPM2_MAX_PCR_BANKS and TPM2_PCR_SELECT_MIN.  This
 * header defines none of those names, so it can be included before or
 * after <linux/tpm.h>:
 *   - algorithm identifiers are spelled TPM2_ALG_* (the TSS spelling);
 *   - TPM_PT_TOTAL_COMMANDS is spelled TPM2_PT_TOTAL_COMMANDS;
 *   - sizes of our own are TPM2_HEADER_SIZE, TPM2_MAX_HASH_SIZE, ...
 *
 * Only constants live here; no types, no code.
 */
#ifndef _TPMMUX_TPM2_DEFS_H
#define _TPMMUX_TPM2_DEFS_H

/* ---------------------------------------------------------------------- */
/* Sizes used by tpmmux                                                   */
/* ---------------------------------------------------------------------- */

/* tag (2) + commandSize/responseSize (4) + commandCode/responseCode (4) */
#define TPM2_HEADER_SIZE		10
/* Largest command / response tpmmux accepts (the kernel's TPM_BUFSIZE). */
#define TPM2_MAX_COMMAND_SIZE		4096
#define TPM2_MAX_RESPONSE_SIZE		4096
/* Handles in a command's handle area, sessions in its authorization area */
#define TPM2_MAX_HANDLES		3
#define TPM2_MAX_SESSIONS		3
/* sizeof(TPMU_HA): the largest digest (SHA-512), bounds nonce and hmac. */
#define TPM2_MAX_HASH_SIZE		64
/* sessionHandle (4) + nonce.size (2) + sessionAttributes (1) + hmac.size */
#define TPM2_MIN_SESSION_SIZE		9

/* ---------------------------------------------------------------------- */
/* TPM_ST: structure tags                                                 */
/* ---------------------------------------------------------------------- */

#define TPM_ST_RSP_COMMAND		0x00C4	/* TPM 1.2 style error answer */
#define TPM_ST_NULL			0x8000
#define TPM_ST_NO_SESSIONS		0x8001
#define TPM_ST_SESSIONS			0x8002
#define TPM_ST_ATTEST_NV		0x8014
#define TPM_ST_ATTEST_COMMAND_AUDIT	0x8015
#define TPM_ST_ATTEST_SESSION_AUDIT	0x8016
#define TPM_ST_ATTEST_CERTIFY		0x8017
#define TPM_ST_ATTEST_QUOTE		0x8018
#define TPM_ST_ATTEST_TIME		0x8019
#define TPM_ST_ATTEST_CREATION		0x801A
#define TPM_ST_ATTEST_NV_DIGEST		0x801C
#define TPM_ST_CREATION			0x8021
#define TPM_ST_VERIFIED			0x8022
#define TPM_ST_AUTH_SECRET		0x8023
#define TPM_ST_HASHCHECK		0x8024
#define TPM_ST_AUTH_SIGNED		0x8025
#define TPM_ST_FU_MANIFEST		0x8029

/* ---------------------------------------------------------------------- */
/* TPM_SU / TPM_SE                                                        */
/* ---------------------------------------------------------------------- */

#define TPM_SU_CLEAR			0x0000
#define TPM_SU_STATE			0x0001

#define TPM_SE_HMAC			0x00
#define TPM_SE_POLICY			0x01
#define TPM_SE_TRIAL			0x03

/* ---------------------------------------------------------------------- */
/* TPM_CC: command codes (Part 2, table "Definition of TPM_CC Constants") */
/* ---------------------------------------------------------------------- */

#define TPM_CC_FIRST			0x0000011F
#define TPM_CC_NV_UndefineSpaceSpecial	0x0000011F
#define TPM_CC_EvictControl		0x00000120
#define TPM_CC_HierarchyControl		0x00000121
#define TPM_CC_NV_UndefineSpace		0x00000122
/* 0x00000123 is not assigned */
#define TPM_CC_ChangeEPS		0x00000124
#define TPM_CC_ChangePPS		0x00000125
#define TPM_CC_Clear			0x00000126
#define TPM_CC_ClearControl		0x00000127
#define TPM_CC_ClockSet			0x00000128
#define TPM_CC_HierarchyChangeAuth	0x00000129
#define TPM_CC_NV_DefineSpace		0x0000012A
#define TPM_CC_PCR_Allocate		0x0000012B
#define TPM_CC_PCR_SetAuthPolicy	0x0000012C
#define TPM_CC_PP_Commands		0x0000012D
#define TPM_CC_SetPrimaryPolicy		0x0000012E
#define TPM_CC_FieldUpgradeStart	0x0000012F
#define TPM_CC_ClockRateAdjust		0x00000130
#define TPM_CC_CreatePrimary		0x00000131
#define TPM_CC_NV_GlobalWriteLock	0x00000132
#define TPM_CC_GetCommandAuditDigest	0x00000133
#define TPM_CC_NV_Increment		0x00000134
#define TPM_CC_NV_SetBits		0x00000135
#define TPM_CC_NV_Extend		0x00000136
#define TPM_CC_NV_Write			0x00000137
#define TPM_CC_NV_WriteLock		0x00000138
#define TPM_CC_DictionaryAttackLockReset 0x00000139
#define TPM_CC_DictionaryAttackParameters 0x0000013A
#define TPM_CC_NV_ChangeAuth		0x0000013B
#define TPM_CC_PCR_Event		0x0000013C
#define TPM_CC_PCR_Reset		0x0000013D
#define TPM_CC_SequenceComplete		0x0000013E
#define TPM_CC_SetAlgorithmSet		0x0000013F
#define TPM_CC_SetCommandCodeAuditStatus 0x00000140
#define TPM_CC_FieldUpgradeData		0x00000141
#define TPM_CC_IncrementalSelfTest	0x00000142
#define TPM_CC_SelfTest			0x00000143
#define TPM_CC_Startup			0x00000144
#define TPM_CC_Shutdown			0x00000145
#define TPM_CC_StirRandom		0x00000146
#define TPM_CC_ActivateCredential	0x00000147
#define TPM_CC_Certify			0x00000148
#define TPM_CC_PolicyNV			0x00000149
#define TPM_CC_CertifyCreation		0x0000014A
#define TPM_CC_Duplicate		0x0000014B
#define TPM_CC_GetTime			0x0000014C
#define TPM_CC_GetSessionAuditDigest	0x0000014D
#define TPM_CC_NV_Read			0x0000014E
#define TPM_CC_NV_ReadLock		0x0000014F
#define TPM_CC_ObjectChangeAuth		0x00000150
#define TPM_CC_PolicySecret		0x00000151
#define TPM_CC_Rewrap			0x00000152
#define TPM_CC_Create			0x00000153
#define TPM_CC_ECDH_ZGen		0x00000154
#define TPM_CC_HMAC			0x00000155
#define TPM_CC_MAC			0x00000155
#define TPM_CC_Import			0x00000156
#define TPM_CC_Load			0x00000157
#define TPM_CC_Quote			0x00000158
#define TPM_CC_RSA_Decrypt		0x00000159
/* 0x0000015A is not assigned */
#define TPM_CC_HMAC_Start		0x0000015B
#define TPM_CC_MAC_Start		0x0000015B
#define TPM_CC_SequenceUpdate		0x0000015C
#define TPM_CC_Sign			0x0000015D
#define TPM_CC_Unseal			0x0000015E
/* 0x0000015F is not assigned */
#define TPM_CC_PolicySigned		0x00000160
#define TPM_CC_ContextLoad		0x00000161
#define TPM_CC_ContextSave		0x00000162
#define TPM_CC_ECDH_KeyGen		0x00000163
#define TPM_CC_EncryptDecrypt		0x00000164
#define TPM_CC_FlushContext		0x00000165
/* 0x00000166 is not assigned */
#define TPM_CC_LoadExternal		0x00000167
#define TPM_CC_MakeCredential		0x00000168
#define TPM_CC_NV_ReadPublic		0x00000169
#define TPM_CC_PolicyAuthorize		0x0000016A
#define TPM_CC_PolicyAuthValue		0x0000016B
#define TPM_CC_PolicyCommandCode	0x0000016C
#define TPM_CC_PolicyCounterTimer	0x0000016D
#define TPM_CC_PolicyCpHash		0x0000016E
#define TPM_CC_PolicyLocality		0x0000016F
#define TPM_CC_PolicyNameHash		0x00000170
#define TPM_CC_PolicyOR			0x00000171
#define TPM_CC_PolicyTicket		0x00000172
#define TPM_CC_ReadPublic		0x00000173
#define TPM_CC_RSA_Encrypt		0x00000174
/* 0x00000175 is not assigned */
#define TPM_CC_StartAuthSession		0x00000176
#define TPM_CC_VerifySignature		0x00000177
#define TPM_CC_ECC_Parameters		0x00000178
#define TPM_CC_FirmwareRead		0x00000179
#define TPM_CC_GetCapability		0x0000017A
#define TPM_CC_GetRandom		0x0000017B
#define TPM_CC_GetTestResult		0x0000017C
#define TPM_CC_Hash			0x0000017D
#define TPM_CC_PCR_Read			0x0000017E
#define TPM_CC_PolicyPCR		0x0000017F
#define TPM_CC_PolicyRestart		0x00000180
#define TPM_CC_ReadClock		0x00000181
#define TPM_CC_PCR_Extend		0x00000182
#define TPM_CC_PCR_SetAuthValue		0x00000183
#define TPM_CC_NV_Certify		0x00000184
#define TPM_CC_EventSequenceComplete	0x00000185
#define TPM_CC_HashSequenceStart	0x00000186
#define TPM_CC_PolicyPhysicalPresence	0x00000187
#define TPM_CC_PolicyDuplicationSelect	0x00000188
#define TPM_CC_PolicyGetDigest		0x00000189
#define TPM_CC_TestParms		0x0000018A
#define TPM_CC_Commit			0x0000018B
#define TPM_CC_PolicyPassword		0x0000018C
#define TPM_CC_ZGen_2Phase		0x0000018D
#define TPM_CC_EC_Ephemeral		0x0000018E
#define TPM_CC_PolicyNvWritten		0x0000018F
#define TPM_CC_PolicyTemplate		0x00000190
#define TPM_CC_CreateLoaded		0x00000191
#define TPM_CC_PolicyAuthorizeNV	0x00000192
#define TPM_CC_EncryptDecrypt2		0x00000193
#define TPM_CC_AC_GetCapability		0x00000194
#define TPM_CC_AC_Send			0x00000195
#define TPM_CC_Policy_AC_SendSelect	0x00000196
#define TPM_CC_CertifyX509		0x00000197
#define TPM_CC_ACT_SetTimeout		0x00000198
#define TPM_CC_ECC_Encrypt		0x00000199
#define TPM_CC_ECC_Decrypt		0x0000019A
#define TPM_CC_LAST			0x0000019A

/* Vendor-specific command codes have TPMA_CC.V (bit 29) set. */
#define TPM_CC_V			0x20000000
#define TPM_CC_Vendor_TCG_Test		(TPM_CC_V + 0x0000)

/* ---------------------------------------------------------------------- */
/* TPMA_CC: command code attributes (TPM_CAP_COMMANDS)                    */
/* ---------------------------------------------------------------------- */

#define TPMA_CC_COMMAND_INDEX_MASK	0x0000FFFF
#define TPMA_CC_NV			0x00400000
#define TPMA_CC_EXTENSIVE		0x00800000
#define TPMA_CC_FLUSHED			0x01000000
#define TPMA_CC_CHANDLES_MASK		0x0E000000
#define TPMA_CC_CHANDLES_SHIFT		25
#define TPMA_CC_RHANDLE			0x10000000
#define TPMA_CC_V			0x20000000
#define TPMA_CC_RES_MASK		0xC0000000

/* ---------------------------------------------------------------------- */
/* TPMA_SESSION: session attributes                                       */
/* ---------------------------------------------------------------------- */

#define TPMA_SESSION_CONTINUESESSION	0x01
#define TPMA_SESSION_AUDITEXCLUSIVE	0x02
#define TPMA_SESSION_AUDITRESET		0x04
#define TPMA_SESSION_RESERVED_MASK	0x18
#define TPMA_SESSION_DECRYPT		0x20
#define TPMA_SESSION_ENCRYPT		0x40
#define TPMA_SESSION_AUDIT		0x80

/* ---------------------------------------------------------------------- */
/* TPM_RC: response codes                                                 */
/* ---------------------------------------------------------------------- */

#define TPM_RC_SUCCESS			0x000
#define TPM_RC_BAD_TAG			0x01E

/* Format-zero, version 1 errors */
#define TPM_RC_VER1			0x100
#define TPM_RC_INITIALIZE		(TPM_RC_VER1 + 0x000)
#define TPM_RC_FAILURE			(TPM_RC_VER1 + 0x001)
#define TPM_RC_SEQUENCE			(TPM_RC_VER1 + 0x003)
#define TPM_RC_PRIVATE			(TPM_RC_VER1 + 0x00B)
#define TPM_RC_HMAC			(TPM_RC_VER1 + 0x019)
#define TPM_RC_DISABLED			(TPM_RC_VER1 + 0x020)
#define TPM_RC_EXCLUSIVE		(TPM_RC_VER1 + 0x021)
#define TPM_RC_AUTH_TYPE		(TPM_RC_VER1 + 0x024)
#define TPM_RC_AUTH_MISSING		(TPM_RC_VER1 + 0x025)
#define TPM_RC_POLICY			(TPM_RC_VER1 + 0x026)
#define TPM_RC_PCR			(TPM_RC_VER1 + 0x027)
#define TPM_RC_PCR_CHANGED		(TPM_RC_VER1 + 0x028)
#define TPM_RC_UPGRADE			(TPM_RC_VER1 + 0x02D)
#define TPM_RC_TOO_MANY_CONTEXTS	(TPM_RC_VER1 + 0x02E)
#define TPM_RC_AUTH_UNAVAILABLE		(TPM_RC_VER1 + 0x02F)
#define TPM_RC_REBOOT			(TPM_RC_VER1 + 0x030)
#define TPM_RC_UNBALANCED		(TPM_RC_VER1 + 0x031)
#define TPM_RC_COMMAND_SIZE		(TPM_RC_VER1 + 0x042)
#define TPM_RC_COMMAND_CODE		(TPM_RC_VER1 + 0x043)
#define TPM_RC_AUTHSIZE			(TPM_RC_VER1 + 0x044)
#define TPM_RC_AUTH_CONTEXT		(TPM_RC_VER1 + 0x045)
#define TPM_RC_NV_RANGE			(TPM_RC_VER1 + 0x046)
#define TPM_RC_NV_SIZE			(TPM_RC_VER1 + 0x047)
#define TPM_RC_NV_LOCKED		(TPM_RC_VER1 + 0x048)
#define TPM_RC_NV_AUTHORIZATION		(TPM_RC_VER1 + 0x049)
#define TPM_RC_NV_UNINITIALIZED		(TPM_RC_VER1 + 0x04A)
#define TPM_RC_NV_SPACE			(TPM_RC_VER1 + 0x04B)
#define TPM_RC_NV_DEFINED		(TPM_RC_VER1 + 0x04C)
#define TPM_RC_BAD_CONTEXT		(TPM_RC_VER1 + 0x050)
#define TPM_RC_CPHASH			(TPM_RC_VER1 + 0x051)
#define TPM_RC_PARENT			(TPM_RC_VER1 + 0x052)
#define TPM_RC_NEEDS_TEST		(TPM_RC_VER1 + 0x053)
#define TPM_RC_NO_RESULT		(TPM_RC_VER1 + 0x054)
#define TPM_RC_SENSITIVE		(TPM_RC_VER1 + 0x055)
#define TPM_RC_MAX_FM0			(TPM_RC_VER1 + 0x07F)

/*
 * Format-one errors: bit 7 set; bit 6 (TPM_RC_P) says whether bits 8-11
 * number a parameter; otherwise bit 11 (TPM_RC_S) says whether bits 8-10
 * number a session or (clear) a handle.
 */
#define TPM_RC_FMT1			0x080
#define TPM_RC_ASYMMETRIC		(TPM_RC_FMT1 + 0x001)
#define TPM_RC_ATTRIBUTES		(TPM_RC_FMT1 + 0x002)
#define TPM_RC_HASH			(TPM_RC_FMT1 + 0x003)
#define TPM_RC_VALUE			(TPM_RC_FMT1 + 0x004)
#define TPM_RC_HIERARCHY		(TPM_RC_FMT1 + 0x005)
#define TPM_RC_KEY_SIZE			(TPM_RC_FMT1 + 0x007)
#define TPM_RC_MGF			(TPM_RC_FMT1 + 0x008)
#define TPM_RC_MODE			(TPM_RC_FMT1 + 0x009)
#define TPM_RC_TYPE			(TPM_RC_FMT1 + 0x00A)
#define TPM_RC_HANDLE			(TPM_RC_FMT1 + 0x00B)
#define TPM_RC_KDF			(TPM_RC_FMT1 + 0x00C)
#define TPM_RC_RANGE			(TPM_RC_FMT1 + 0x00D)
#define TPM_RC_AUTH_FAIL		(TPM_RC_FMT1 + 0x00E)
#define TPM_RC_NONCE			(TPM_RC_FMT1 + 0x00F)
#define TPM_RC_PP			(TPM_RC_FMT1 + 0x010)
#define TPM_RC_SCHEME			(TPM_RC_FMT1 + 0x012)
#define TPM_RC_SIZE			(TPM_RC_FMT1 + 0x015)
#define TPM_RC_SYMMETRIC		(TPM_RC_FMT1 + 0x016)
#define TPM_RC_TAG			(TPM_RC_FMT1 + 0x017)
#define TPM_RC_SELECTOR			(TPM_RC_FMT1 + 0x018)
#define TPM_RC_INSUFFICIENT		(TPM_RC_FMT1 + 0x01A)
#define TPM_RC_SIGNATURE		(TPM_RC_FMT1 + 0x01B)
#define TPM_RC_KEY			(TPM_RC_FMT1 + 0x01C)
#define TPM_RC_POLICY_FAIL		(TPM_RC_FMT1 + 0x01D)
#define TPM_RC_INTEGRITY		(TPM_RC_FMT1 + 0x01F)
#define TPM_RC_TICKET			(TPM_RC_FMT1 + 0x020)
#define TPM_RC_RESERVED_BITS		(TPM_RC_FMT1 + 0x021)
#define TPM_RC_BAD_AUTH			(TPM_RC_FMT1 + 0x022)
#define TPM_RC_EXPIRED			(TPM_RC_FMT1 + 0x023)
#define TPM_RC_POLICY_CC		(TPM_RC_FMT1 + 0x024)
#define TPM_RC_BINDING			(TPM_RC_FMT1 + 0x025)
#define TPM_RC_CURVE			(TPM_RC_FMT1 + 0x026)
#define TPM_RC_ECC_POINT		(TPM_RC_FMT1 + 0x027)
#define TPM_RC_FW_LIMITED		(TPM_RC_FMT1 + 0x028)
#define TPM_RC_SVN_LIMITED		(TPM_RC_FMT1 + 0x029)
#define TPM_RC_MAX_FM1			(TPM_RC_FMT1 + 0x03F)

/* Warnings (format zero, severity bit 11 set) */
#define TPM_RC_WARN			0x900
#define TPM_RC_CONTEXT_GAP		(TPM_RC_WARN + 0x001)
#define TPM_RC_OBJECT_MEMORY		(TPM_RC_WARN + 0x002)
#define TPM_RC_SESSION_MEMORY		(TPM_RC_WARN + 0x003)
#define TPM_RC_MEMORY			(TPM_RC_WARN + 0x004)
#define TPM_RC_SESSION_HANDLES		(TPM_RC_WARN + 0x005)
#define TPM_RC_OBJECT_HANDLES		(TPM_RC_WARN + 0x006)
#define TPM_RC_LOCALITY			(TPM_RC_WARN + 0x007)
#define TPM_RC_YIELDED			(TPM_RC_WARN + 0x008)
#define TPM_RC_CANCELED			(TPM_RC_WARN + 0x009)
#define TPM_RC_TESTING			(TPM_RC_WARN + 0x00A)
#define TPM_RC_REFERENCE_H0		(TPM_RC_WARN + 0x010)
#define TPM_RC_REFERENCE_H1		(TPM_RC_WARN + 0x011)
#define TPM_RC_REFERENCE_H2		(TPM_RC_WARN + 0x012)
#define TPM_RC_REFERENCE_H3		(TPM_RC_WARN + 0x013)
#define TPM_RC_REFERENCE_H4		(TPM_RC_WARN + 0x014)
#define TPM_RC_REFERENCE_H5		(TPM_RC_WARN + 0x015)
#define TPM_RC_REFERENCE_H6		(TPM_RC_WARN + 0x016)
#define TPM_RC_REFERENCE_S0		(TPM_RC_WARN + 0x018)
#define TPM_RC_REFERENCE_S1		(TPM_RC_WARN + 0x019)
#define TPM_RC_REFERENCE_S2		(TPM_RC_WARN + 0x01A)
#define TPM_RC_REFERENCE_S3		(TPM_RC_WARN + 0x01B)
#define TPM_RC_REFERENCE_S4		(TPM_RC_WARN + 0x01C)
#define TPM_RC_REFERENCE_S5		(TPM_RC_WARN + 0x01D)
#define TPM_RC_REFERENCE_S6		(TPM_RC_WARN + 0x01E)
#define TPM_RC_NV_RATE			(TPM_RC_WARN + 0x020)
#define TPM_RC_LOCKOUT			(TPM_RC_WARN + 0x021)
#define TPM_RC_RETRY			(TPM_RC_WARN + 0x022)
#define TPM_RC_NV_UNAVAILABLE		(TPM_RC_WARN + 0x023)
#define TPM_RC_NOT_USED			(TPM_RC_WARN + 0x07F)

/* Format-one modifiers: which handle, parameter or session is at fault */
#define TPM_RC_H			0x000
#define TPM_RC_P			0x040
#define TPM_RC_S			0x800
#define TPM_RC_1			0x100
#define TPM_RC_2			0x200
#define TPM_RC_3			0x300
#define TPM_RC_4			0x400
#define TPM_RC_5			0x500
#define TPM_RC_6			0x600
#define TPM_RC_7			0x700
#define TPM_RC_8			0x800
#define TPM_RC_9			0x900
#define TPM_RC_A			0xA00
#define TPM_RC_B			0xB00
#define TPM_RC_C			0xC00
#define TPM_RC_D			0xD00
#define TPM_RC_E			0xE00
#define TPM_RC_F			0xF00
#define TPM_RC_N_MASK			0xF00
#define TPM_RC_N_SHIFT			8

/*
 * Response-code layer (bits 16-23), a TSS convention: a TPM never sets
 * it; a resource manager or multiplexer that answers in the TPM's place
 * does (see TPMMUX_RC_LAYER in tpm2_cmd.h).
 */
#define TPM_RC_LAYER_SHIFT		16
#define TPM_RC_LAYER_MASK		0x00FF0000

/* ---------------------------------------------------------------------- */
/* TPM_HT / TPM_HR: handle types and ranges                               */
/* ---------------------------------------------------------------------- */

#define TPM_HR_HANDLE_MASK		0x00FFFFFF
#define TPM_HR_RANGE_MASK		0xFF000000
#define TPM_HR_SHIFT			24

#define TPM_HT_PCR			0x00
#define TPM_HT_NV_INDEX			0x01
#define TPM_HT_HMAC_SESSION		0x02
#define TPM_HT_LOADED_SESSION		0x02
#define TPM_HT_POLICY_SESSION		0x03
#define TPM_HT_SAVED_SESSION		0x03
#define TPM_HT_PERMANENT		0x40
#define TPM_HT_TRANSIENT		0x80
#define TPM_HT_PERSISTENT		0x81
#define TPM_HT_AC			0x90

#define TPM_HR_PCR			0x00000000
#define TPM_HR_NV_INDEX			0x01000000
#define TPM_HR_HMAC_SESSION		0x02000000
#define TPM_HR_POLICY_SESSION		0x03000000
#define TPM_HR_PERMANENT		0x40000000
#define TPM_HR_TRANSIENT		0x80000000
#define TPM_HR_PERSISTENT		0x81000000
#define TPM_HR_AC			0x90000000

/* ---------------------------------------------------------------------- */
/* TPM_RH: permanent handles                                              */
/* ---------------------------------------------------------------------- */

#define TPM_RH_FIRST			0x40000000
#define TPM_RH_SRK			0x40000000
#define TPM_RH_OWNER			0x40000001
#define TPM_RH_REVOKE			0x40000002
#define TPM_RH_TRANSPORT		0x40000003
#define TPM_RH_OPERATOR			0x40000004
#define TPM_RH_ADMIN			0x40000005
#define TPM_RH_EK			0x40000006
#define TPM_RH_NULL			0x40000007
#define TPM_RH_UNASSIGNED		0x40000008
#define TPM_RS_PW			0x40000009
#define TPM_RH_LOCKOUT			0x4000000A
#define TPM_RH_ENDORSEMENT		0x4000000B
#define TPM_RH_PLATFORM			0x4000000C
#define TPM_RH_PLATFORM_NV		0x4000000D
#define TPM_RH_AUTH_00			0x40000010
#define TPM_RH_AUTH_FF			0x4000010F
#define TPM_RH_ACT_0			0x40000110
#define TPM_RH_ACT_F			0x4000011F
#define TPM_RH_LAST			0x4000011F

/* ---------------------------------------------------------------------- */
/* TPM_CAP: capabilities                                                  */
/* ---------------------------------------------------------------------- */

#define TPM_CAP_FIRST			0x00000000
#define TPM_CAP_ALGS			0x00000000
#define TPM_CAP_HANDLES			0x00000001
#define TPM_CAP_COMMANDS		0x00000002
#define TPM_CAP_PP_COMMANDS		0x00000003
#define TPM_CAP_AUDIT_COMMANDS		0x00000004
#define TPM_CAP_PCRS			0x00000005
#define TPM_CAP_TPM_PROPERTIES		0x00000006
#define TPM_CAP_PCR_PROPERTIES		0x00000007
#define TPM_CAP_ECC_CURVES		0x00000008
#define TPM_CAP_AUTH_POLICIES		0x00000009
#define TPM_CAP_ACT			0x0000000A
#define TPM_CAP_LAST			0x0000000A
#define TPM_CAP_VENDOR_PROPERTY		0x00000100

/* ---------------------------------------------------------------------- */
/* TPM_PT: TPM properties (TPM_CAP_TPM_PROPERTIES)                        */
/* ---------------------------------------------------------------------- */

#define TPM_PT_NONE			0x00000000
#define TPM_PT_GROUP			0x00000100
#define TPM_PT_FIXED			(TPM_PT_GROUP * 1)
#define TPM_PT_VAR			(TPM_PT_GROUP * 2)
#define TPM_PT_FAMILY_INDICATOR		(TPM_PT_FIXED + 0)
#define TPM_PT_LEVEL			(TPM_PT_FIXED + 1)
#define TPM_PT_REVISION			(TPM_PT_FIXED + 2)
#define TPM_PT_DAY_OF_YEAR		(TPM_PT_FIXED + 3)
#define TPM_PT_YEAR			(TPM_PT_FIXED + 4)
#define TPM_PT_MANUFACTURER		(TPM_PT_FIXED + 5)
#define TPM_PT_VENDOR_STRING_1		(TPM_PT_FIXED + 6)
#define TPM_PT_VENDOR_STRING_2		(TPM_PT_FIXED + 7)
#define TPM_PT_VENDOR_STRING_3		(TPM_PT_FIXED + 8)
#define TPM_PT_VENDOR_STRING_4		(TPM_PT_FIXED + 9)
#define TPM_PT_VENDOR_TPM_TYPE		(TPM_PT_FIXED + 10)
#define TPM_PT_FIRMWARE_VERSION_1	(TPM_PT_FIXED + 11)
#define TPM_PT_FIRMWARE_VERSION_2	(TPM_PT_FIXED + 12)
#define TPM_PT_INPUT_BUFFER		(TPM_PT_FIXED + 13)
#define TPM_PT_HR_TRANSIENT_MIN		(TPM_PT_FIXED + 14)
#define TPM_PT_HR_PERSISTENT_MIN	(TPM_PT_FIXED + 15)
#define TPM_PT_HR_LOADED_MIN		(TPM_PT_FIXED + 16)
#define TPM_PT_ACTIVE_SESSIONS_MAX	(TPM_PT_FIXED + 17)
#define TPM_PT_PCR_COUNT		(TPM_PT_FIXED + 18)
#define TPM_PT_PCR_SELECT_MIN		(TPM_PT_FIXED + 19)
#define TPM_PT_CONTEXT_GAP_MAX		(TPM_PT_FIXED + 20)
/* TPM_PT_FIXED + 21 is not assigned */
#define TPM_PT_NV_COUNTERS_MAX		(TPM_PT_FIXED + 22)
#define TPM_PT_NV_INDEX_MAX		(TPM_PT_FIXED + 23)
#define TPM_PT_MEMORY			(TPM_PT_FIXED + 24)
#define TPM_PT_CLOCK_UPDATE		(TPM_PT_FIXED + 25)
#define TPM_PT_CONTEXT_HASH		(TPM_PT_FIXED + 26)
#define TPM_PT_CONTEXT_SYM		(TPM_PT_FIXED + 27)
#define TPM_PT_CONTEXT_SYM_SIZE		(TPM_PT_FIXED + 28)
#define TPM_PT_ORDERLY_COUNT		(TPM_PT_FIXED + 29)
#define TPM_PT_MAX_COMMAND_SIZE		(TPM_PT_FIXED + 30)
#define TPM_PT_MAX_RESPONSE_SIZE	(TPM_PT_FIXED + 31)
#define TPM_PT_MAX_DIGEST		(TPM_PT_FIXED + 32)
#define TPM_PT_MAX_OBJECT_CONTEXT	(TPM_PT_FIXED + 33)
#define TPM_PT_MAX_SESSION_CONTEXT	(TPM_PT_FIXED + 34)
#define TPM_PT_PS_FAMILY_INDICATOR	(TPM_PT_FIXED + 35)
#define TPM_PT_PS_LEVEL			(TPM_PT_FIXED + 36)
#define TPM_PT_PS_REVISION		(TPM_PT_FIXED + 37)
#define TPM_PT_PS_DAY_OF_YEAR		(TPM_PT_FIXED + 38)
#define TPM_PT_PS_YEAR			(TPM_PT_FIXED + 39)
#define TPM_PT_SPLIT_MAX		(TPM_PT_FIXED + 40)
/* TPM_PT_TOTAL_COMMANDS: <linux/tpm.h> has an enum constant of that name */
#define TPM2_PT_TOTAL_COMMANDS		(TPM_PT_FIXED + 41)
#define TPM_PT_LIBRARY_COMMANDS		(TPM_PT_FIXED + 42)
#define TPM_PT_VENDOR_COMMANDS		(TPM_PT_FIXED + 43)
#define TPM_PT_NV_BUFFER_MAX		(TPM_PT_FIXED + 44)
#define TPM_PT_MODES			(TPM_PT_FIXED + 45)
#define TPM_PT_MAX_CAP_BUFFER		(TPM_PT_FIXED + 46)

#define TPM_PT_PERMANENT		(TPM_PT_VAR + 0)
#define TPM_PT_STARTUP_CLEAR		(TPM_PT_VAR + 1)
#define TPM_PT_HR_NV_INDEX		(TPM_PT_VAR + 2)
#define TPM_PT_HR_LOADED		(TPM_PT_VAR + 3)
#define TPM_PT_HR_LOADED_AVAIL		(TPM_PT_VAR + 4)
#define TPM_PT_HR_ACTIVE		(TPM_PT_VAR + 5)
#define TPM_PT_HR_ACTIVE_AVAIL		(TPM_PT_VAR + 6)
#define TPM_PT_HR_TRANSIENT_AVAIL	(TPM_PT_VAR + 7)
#define TPM_PT_HR_PERSISTENT		(TPM_PT_VAR + 8)
#define TPM_PT_HR_PERSISTENT_AVAIL	(TPM_PT_VAR + 9)
#define TPM_PT_NV_COUNTERS		(TPM_PT_VAR + 10)
#define TPM_PT_NV_COUNTERS_AVAIL	(TPM_PT_VAR + 11)
#define TPM_PT_ALGORITHM_SET		(TPM_PT_VAR + 12)
#define TPM_PT_LOADED_CURVES		(TPM_PT_VAR + 13)
#define TPM_PT_LOCKOUT_COUNTER		(TPM_PT_VAR + 14)
#define TPM_PT_MAX_AUTH_FAIL		(TPM_PT_VAR + 15)
#define TPM_PT_LOCKOUT_INTERVAL		(TPM_PT_VAR + 16)
#define TPM_PT_LOCKOUT_RECOVERY		(TPM_PT_VAR + 17)
#define TPM_PT_NV_WRITE_RECOVERY	(TPM_PT_VAR + 18)
#define TPM_PT_AUDIT_COUNTER_0		(TPM_PT_VAR + 19)
#define TPM_PT_AUDIT_COUNTER_1		(TPM_PT_VAR + 20)

/* TPM_PT_PCR: PCR properties (TPM_CAP_PCR_PROPERTIES) */
#define TPM_PT_PCR_FIRST		0x00000000
#define TPM_PT_PCR_SAVE			0x00000000
#define TPM_PT_PCR_EXTEND_L0		0x00000001
#define TPM_PT_PCR_RESET_L0		0x00000002
#define TPM_PT_PCR_EXTEND_L1		0x00000003
#define TPM_PT_PCR_RESET_L1		0x00000004
#define TPM_PT_PCR_EXTEND_L2		0x00000005
#define TPM_PT_PCR_RESET_L2		0x00000006
#define TPM_PT_PCR_EXTEND_L3		0x00000007
#define TPM_PT_PCR_RESET_L3		0x00000008
#define TPM_PT_PCR_EXTEND_L4		0x00000009
#define TPM_PT_PCR_RESET_L4		0x0000000A
#define TPM_PT_PCR_NO_INCREMENT		0x00000011
#define TPM_PT_PCR_DRTM_RESET		0x00000012
#define TPM_PT_PCR_POLICY		0x00000013
#define TPM_PT_PCR_AUTH			0x00000014
#define TPM_PT_PCR_LAST			0x00000014

/* "TPM 2.0" as TPM_PT_FAMILY_INDICATOR reports it */
#define TPM_SPEC_FAMILY			0x322E3000

/* ---------------------------------------------------------------------- */
/* TPM_ALG_ID (spelled TPM2_ALG_*: see the note at the top)               */
/* ---------------------------------------------------------------------- */

#define TPM2_ALG_ERROR			0x0000
#define TPM2_ALG_RSA			0x0001
#define TPM2_ALG_TDES			0x0003
#define TPM2_ALG_SHA1			0x0004
#define TPM2_ALG_HMAC			0x0005
#define TPM2_ALG_AES			0x0006
#define TPM2_ALG_MGF1			0x0007
#define TPM2_ALG_KEYEDHASH		0x0008
#define TPM2_ALG_XOR			0x000A
#define TPM2_ALG_SHA256			0x000B
#define TPM2_ALG_SHA384			0x000C
#define TPM2_ALG_SHA512			0x000D
#define TPM2_ALG_NULL			0x0010
#define TPM2_ALG_SM3_256		0x0012
#define TPM2_ALG_SM4			0x0013
#define TPM2_ALG_RSASSA			0x0014
#define TPM2_ALG_RSAES			0x0015
#define TPM2_ALG_RSAPSS			0x0016
#define TPM2_ALG_OAEP			0x0017
#define TPM2_ALG_ECDSA			0x0018
#define TPM2_ALG_ECDH			0x0019
#define TPM2_ALG_ECDAA			0x001A
#define TPM2_ALG_SM2			0x001B
#define TPM2_ALG_ECSCHNORR		0x001C
#define TPM2_ALG_ECMQV			0x001D
#define TPM2_ALG_KDF1_SP800_56A		0x0020
#define TPM2_ALG_KDF2			0x0021
#define TPM2_ALG_KDF1_SP800_108		0x0022
#define TPM2_ALG_ECC			0x0023
#define TPM2_ALG_SYMCIPHER		0x0025
#define TPM2_ALG_CAMELLIA		0x0026
#define TPM2_ALG_SHA3_256		0x0027
#define TPM2_ALG_SHA3_384		0x0028
#define TPM2_ALG_SHA3_512		0x0029
#define TPM2_ALG_CMAC			0x003F
#define TPM2_ALG_CTR			0x0040
#define TPM2_ALG_OFB			0x0041
#define TPM2_ALG_CBC			0x0042
#define TPM2_ALG_CFB			0x0043
#define TPM2_ALG_ECB			0x0044

/* Digest sizes of the hash algorithms above, in bytes */
#define TPM2_SHA1_DIGEST_SIZE		20
#define TPM2_SHA256_DIGEST_SIZE		32
#define TPM2_SHA384_DIGEST_SIZE		48
#define TPM2_SHA512_DIGEST_SIZE		64
#define TPM2_SM3_256_DIGEST_SIZE	32

#endif /* _TPMMUX_TPM2_DEFS_H */
