// SPDX-License-Identifier: GPL-2.0
/*
 * hash.c - the digests the pure-logic files ask for, from the kernel's
 * crypto API.
 *
 * One shash transform per TPM hash algorithm is allocated at load and
 * shared: crypto_shash_tfm_digest() keeps its state on the stack, so
 * concurrent callers need no lock.  An algorithm whose transform cannot be
 * had (SM3 where the kernel lacks it) is reported as unsupported.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/err.h>
#include <linux/string.h>

#include "pure.h"
#include "tpm2_defs.h"
#include "tpmmux.h"

static const struct {
	u16 alg;
	const char *name;
	u16 size;
} tpmmux_hash_algs[] = {
	{ TPM2_ALG_SHA1, "sha1", 20 },
	{ TPM2_ALG_SHA256, "sha256", 32 },
	{ TPM2_ALG_SHA384, "sha384", 48 },
	{ TPM2_ALG_SHA512, "sha512", 64 },
	{ TPM2_ALG_SM3_256, "sm3", 32 },
};

/* Set at load, read-only afterwards; NULL where the kernel lacks the hash. */
static struct crypto_shash *tpmmux_tfms[ARRAY_SIZE(tpmmux_hash_algs)];

static int tpmmux_hash_index(u16 alg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tpmmux_hash_algs); i++)
		if (tpmmux_hash_algs[i].alg == alg)
			return i;
	return -1;
}

/**
 * tpmmux_hash_supported() - can tpmmux compute this TPM hash algorithm?
 * @alg: a TPM2_ALG_* hash algorithm
 *
 * Return: true if tpmmux_hash_digest() computes @alg.
 */
bool tpmmux_hash_supported(u16 alg)
{
	int i = tpmmux_hash_index(alg);

	return i >= 0 && tpmmux_tfms[i];
}

/**
 * tpmmux_hash_digest() - hash a buffer with a TPM hash algorithm
 * @priv: unused (the signature of the pure files' hash operation)
 * @alg: a TPM2_ALG_* hash algorithm
 * @data: the data
 * @len: its length
 * @out: room for the digest of @alg
 *
 * Return: 0, -EOPNOTSUPP for an algorithm the kernel cannot compute, or
 * the crypto API's error.
 */
int tpmmux_hash_digest(void *priv, u16 alg, const u8 *data, u32 len, u8 *out)
{
	int i = tpmmux_hash_index(alg);

	if (i < 0 || !tpmmux_tfms[i])
		return -EOPNOTSUPP;
	return crypto_shash_tfm_digest(tpmmux_tfms[i], data, len, out);
}

/**
 * tpmmux_hmac_sha256() - HMAC-SHA-256 (RFC 2104) of a buffer
 * @priv: unused (the signature of keysep's operation)
 * @key: the key
 * @keylen: its length (a key longer than 64 bytes is hashed first)
 * @data: the data
 * @len: its length
 * @out: the 32-byte MAC
 *
 * Built on the kernel's SHA-256 library, so it needs no transform and no
 * lock; the key schedule lives on the stack and is zeroed.
 *
 * Return: 0.
 */
int tpmmux_hmac_sha256(void *priv, const u8 *key, u32 keylen, const u8 *data,
		       u32 len, u8 *out)
{
	u8 k[SHA256_BLOCK_SIZE] = {}, pad[SHA256_BLOCK_SIZE];
	u8 inner[SHA256_DIGEST_SIZE];
	struct sha256_state st;
	unsigned int i;

	if (keylen > SHA256_BLOCK_SIZE)
		sha256(key, keylen, k);
	else
		memcpy(k, key, keylen);

	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] = k[i] ^ 0x36;
	sha256_init(&st);
	sha256_update(&st, pad, SHA256_BLOCK_SIZE);
	sha256_update(&st, data, len);
	sha256_final(&st, inner);

	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_init(&st);
	sha256_update(&st, pad, SHA256_BLOCK_SIZE);
	sha256_update(&st, inner, SHA256_DIGEST_SIZE);
	sha256_final(&st, out);

	memzero_explicit(k, sizeof(k));
	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
	memzero_explicit(&st, sizeof(st));
	return 0;
}

/**
 * tpmmux_hash_init() - allocate the hash transforms
 *
 * SHA-1 and SHA-256 are required (every TPM 2.0 has them); SHA-384,
 * SHA-512 and SM3 are used when the kernel has them.
 *
 * Return: 0, or the error of allocating SHA-1 or SHA-256.
 */
int tpmmux_hash_init(void)
{
	struct crypto_shash *tfm;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tpmmux_hash_algs); i++) {
		tfm = crypto_alloc_shash(tpmmux_hash_algs[i].name, 0, 0);
		if (IS_ERR(tfm)) {
			if (tpmmux_hash_algs[i].alg == TPM2_ALG_SHA1 ||
			    tpmmux_hash_algs[i].alg == TPM2_ALG_SHA256) {
				pr_err("no %s in the kernel's crypto API\n",
				       tpmmux_hash_algs[i].name);
				tpmmux_hash_exit();
				return PTR_ERR(tfm);
			}
			continue;
		}
		if (crypto_shash_digestsize(tfm) != tpmmux_hash_algs[i].size) {
			crypto_free_shash(tfm);
			continue;
		}
		tpmmux_tfms[i] = tfm;
	}
	return 0;
}

/**
 * tpmmux_hash_exit() - free the hash transforms
 */
void tpmmux_hash_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tpmmux_tfms); i++) {
		if (tpmmux_tfms[i])
			crypto_free_shash(tpmmux_tfms[i]);
		tpmmux_tfms[i] = NULL;
	}
}
