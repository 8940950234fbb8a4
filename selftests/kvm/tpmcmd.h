/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tpmcmd.h - the TPM 2.0 commands the KVM front-end test sends, packed by
 * hand (layouts as selftests/lib/tpm2.py).  Freestanding: the guest and the
 * VMM both include it.  Each builder fills @b and returns the length.
 */
#ifndef TPMCMD_H
#define TPMCMD_H

#include <stdint.h>

#define TPM_ST_NO_SESSIONS	0x8001
#define TPM_ST_SESSIONS		0x8002
#define TPM_CC_STARTUP		0x0144
#define TPM_CC_CREATE_PRIMARY	0x0131
#define TPM_CC_HASH		0x017d
#define TPM_CC_GET_RANDOM	0x017b
#define TPM_CC_PCR_READ		0x017e
#define TPM_CC_PCR_EXTEND	0x0182
#define TPM_CC_FLUSH_CONTEXT	0x0165
#define TPM_RS_PW		0x40000009u
#define TPM_RH_OWNER		0x40000001u
#define TPM_RH_NULL		0x40000007u
#define TPM_ALG_RSA		0x0001
#define TPM_ALG_AES		0x0006
#define TPM_ALG_SHA256		0x000b
#define TPM_ALG_NULL		0x0010
#define TPM_ALG_ECDSA		0x0018
#define TPM_ALG_ECC		0x0023
#define TPM_ALG_CFB		0x0043
#define TPM_ECC_NIST_P256	0x0003

#define TPM_RC_SUCCESS		0x000
#define TPM_RC_COMMAND_SIZE	0x142
#define TPM_RC_CANCELED		0x909
#define TPM_RC_INITIALIZE	0x100
/* TPM_RC_SIZE + TPM_RC_P + TPM_RC_1: parameter 1 is too big */
#define TPM_RC_SIZE_P1		0x1d5

struct tpk {
	uint8_t *b;
	uint32_t n;
};

static inline void tp8(struct tpk *p, uint8_t v) { p->b[p->n++] = v; }
static inline void tp16(struct tpk *p, uint16_t v) { tp8(p, v >> 8); tp8(p, (uint8_t)v); }
static inline void tp32(struct tpk *p, uint32_t v) { tp16(p, v >> 16); tp16(p, (uint16_t)v); }

static inline uint32_t tpm_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t tpm_rc(const uint8_t *rsp) { return tpm_get32(rsp + 6); }
static inline uint32_t tpm_size(const uint8_t *b) { return tpm_get32(b + 2); }

static inline void tbegin(struct tpk *p, uint8_t *b, uint16_t tag, uint32_t cc)
{
	p->b = b;
	p->n = 0;
	tp16(p, tag);
	tp32(p, 0);
	tp32(p, cc);
}

static inline uint32_t tend(struct tpk *p)
{
	p->b[2] = p->n >> 24;
	p->b[3] = p->n >> 16;
	p->b[4] = p->n >> 8;
	p->b[5] = p->n;
	return p->n;
}

static inline void tpw(struct tpk *p)
{
	tp32(p, 9);
	tp32(p, TPM_RS_PW);
	tp16(p, 0);
	tp8(p, 0);
	tp16(p, 0);
}

static inline uint32_t cmd_startup(uint8_t *b)
{
	struct tpk p;

	tbegin(&p, b, TPM_ST_NO_SESSIONS, TPM_CC_STARTUP);
	tp16(&p, 0);	/* TPM_SU_CLEAR */
	return tend(&p);
}

static inline uint32_t cmd_getrandom(uint8_t *b, uint16_t n)
{
	struct tpk p;

	tbegin(&p, b, TPM_ST_NO_SESSIONS, TPM_CC_GET_RANDOM);
	tp16(&p, n);
	return tend(&p);
}

/* PCR_Extend of PCR @pcr, SHA-256 digest of 32 bytes @fill, password auth */
static inline uint32_t cmd_pcr_extend(uint8_t *b, uint32_t pcr, uint8_t fill)
{
	struct tpk p;
	int i;

	tbegin(&p, b, TPM_ST_SESSIONS, TPM_CC_PCR_EXTEND);
	tp32(&p, pcr);
	tpw(&p);
	tp32(&p, 1);
	tp16(&p, TPM_ALG_SHA256);
	for (i = 0; i < 32; i++)
		tp8(&p, fill);
	return tend(&p);
}

static inline uint32_t cmd_pcr_read(uint8_t *b, uint32_t pcr)
{
	struct tpk p;

	tbegin(&p, b, TPM_ST_NO_SESSIONS, TPM_CC_PCR_READ);
	tp32(&p, 1);
	tp16(&p, TPM_ALG_SHA256);
	tp8(&p, 3);
	tp8(&p, pcr < 8 ? 1u << pcr : 0);
	tp8(&p, pcr >= 8 && pcr < 16 ? 1u << (pcr - 8) : 0);
	tp8(&p, pcr >= 16 ? 1u << (pcr - 16) : 0);
	return tend(&p);
}

static inline uint32_t cmd_flush(uint8_t *b, uint32_t handle)
{
	struct tpk p;

	tbegin(&p, b, TPM_ST_NO_SESSIONS, TPM_CC_FLUSH_CONTEXT);
	tp32(&p, handle);
	return tend(&p);
}

static inline void cp_head(struct tpk *p, uint8_t *b)
{
	tbegin(p, b, TPM_ST_SESSIONS, TPM_CC_CREATE_PRIMARY);
	tp32(p, TPM_RH_OWNER);
	tpw(p);
	tp16(p, 4);	/* inSensitive: empty userAuth and data */
	tp16(p, 0);
	tp16(p, 0);
}

static inline void cp_tail(struct tpk *p, uint32_t pubstart)
{
	uint32_t len = p->n - pubstart - 2;

	p->b[pubstart] = len >> 8;
	p->b[pubstart + 1] = (uint8_t)len;
	tp16(p, 0);	/* outsideInfo */
	tp32(p, 0);	/* creationPCR: none */
}

/* CreatePrimary: an ECDSA P-256 signing key, owner hierarchy */
static inline uint32_t cmd_create_primary_ecc(uint8_t *b)
{
	struct tpk p;
	uint32_t ps;

	cp_head(&p, b);
	ps = p.n;
	tp16(&p, 0);
	tp16(&p, TPM_ALG_ECC);
	tp16(&p, TPM_ALG_SHA256);
	tp32(&p, 0x00040472);
	tp16(&p, 0);
	tp16(&p, TPM_ALG_NULL);
	tp16(&p, TPM_ALG_ECDSA);
	tp16(&p, TPM_ALG_SHA256);
	tp16(&p, TPM_ECC_NIST_P256);
	tp16(&p, TPM_ALG_NULL);
	tp16(&p, 0);
	tp16(&p, 0);
	cp_tail(&p, ps);
	return tend(&p);
}

/* CreatePrimary: an RSA-2048 storage key, unique field @u (slow: keygen) */
static inline uint32_t cmd_create_primary_rsa(uint8_t *b, uint32_t u)
{
	struct tpk p;
	uint32_t ps;

	cp_head(&p, b);
	ps = p.n;
	tp16(&p, 0);
	tp16(&p, TPM_ALG_RSA);
	tp16(&p, TPM_ALG_SHA256);
	tp32(&p, 0x00030472);
	tp16(&p, 0);
	tp16(&p, TPM_ALG_AES);
	tp16(&p, 128);
	tp16(&p, TPM_ALG_CFB);
	tp16(&p, TPM_ALG_NULL);
	tp16(&p, 2048);
	tp32(&p, 0);
	tp16(&p, 4);
	tp32(&p, u);
	cp_tail(&p, ps);
	return tend(&p);
}

/*
 * TPM2_Hash (SHA-256, hierarchy TPM_RH_NULL) of a buffer of bytes
 * (i * 7 + seed), sized so that the whole command is @total bytes (at
 * least 18).  Up to 1042 bytes in total the buffer fits MAX_DIGEST_BUFFER
 * (1024) and the TPM hashes it; a larger one is answered TPM_RC_SIZE +
 * TPM_RC_P + TPM_RC_1 (0x1d5) by the TPM's unmarshalling: the only way to
 * send a command of the maximum size (3968 bytes) that every TPM answers
 * the same, deterministic way.
 */
static inline uint32_t cmd_hash(uint8_t *b, uint32_t total, uint8_t seed)
{
	struct tpk p;
	uint32_t n = total - 18, i;

	tbegin(&p, b, TPM_ST_NO_SESSIONS, TPM_CC_HASH);
	tp16(&p, (uint16_t)n);
	for (i = 0; i < n; i++)
		tp8(&p, (uint8_t)(i * 7 + seed));
	tp16(&p, TPM_ALG_SHA256);
	tp32(&p, TPM_RH_NULL);
	return tend(&p);
}

/* The handle a CreatePrimary response returns */
static inline uint32_t rsp_handle(const uint8_t *rsp) { return tpm_get32(rsp + 10); }

#endif
