// SPDX-License-Identifier: GPL-2.0
/*
 * quote.c - vtpmctl quote, verify-quote, ak-public: the deep quote.
 *
 * The host TPM quotes the host's PCRs with qualifying data that binds a
 * nonce, the VM's UUID and the digest of the VM's virtual PCRs, signed by
 * an attestation key (AK) that is a primary key of the host TPM's owner
 * hierarchy, made from a fixed template: the same key every time, never
 * stored, and it changes only when the owner hierarchy is cleared.  The
 * host TPM is reached through /dev/tpmrm0 with commands packed by hand.
 * Documentation/deep-quote.rst defines every byte.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "vtpmctl.h"

#define HOST_TPM "/dev/tpmrm0"
#define LABEL "tpmmux-deep-quote-v1"
#define MAX_NONCE 64

struct buf {
	uint8_t d[4096];
	size_t n;
};

static void put8(struct buf *b, uint8_t v) { b->d[b->n++] = v; }
static void put16(struct buf *b, uint16_t v) { put8(b, v >> 8); put8(b, v); }
static void put32(struct buf *b, uint32_t v) { put16(b, v >> 16); put16(b, v); }
static void putb(struct buf *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static uint16_t get16(const uint8_t *p) { return p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

static void cmd_start(struct buf *b, uint16_t tag, uint32_t cc)
{
	b->n = 0;
	put16(b, tag);
	put32(b, 0);
	put32(b, cc);
}

static void pw_auth(struct buf *b)
{
	put32(b, 9);
	put32(b, 0x40000009);	/* TPM_RS_PW */
	put16(b, 0);
	put8(b, 0);
	put16(b, 0);
}

/* Send b to the host TPM; the response replaces it.  Returns the RC or -1. */
static long xfer(int fd, struct buf *b)
{
	ssize_t n;

	b->d[2] = b->n >> 24;
	b->d[3] = b->n >> 16;
	b->d[4] = b->n >> 8;
	b->d[5] = b->n;
	if (write(fd, b->d, b->n) != (ssize_t)b->n)
		return -1;
	n = read(fd, b->d, sizeof(b->d));
	if (n < 10 || get32(b->d + 2) != (uint32_t)n)
		return -1;
	b->n = n;
	return get32(b->d + 6);
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static int fromhex(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s), i;

	if (len % 2 || len / 2 > max)
		return -1;
	for (i = 0; i < len / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	*n = len / 2;
	return 0;
}

/* The AK: ECC P-256, restricted signing, ECDSA-SHA256, owner hierarchy. */
static long create_ak(int fd, uint32_t *handle, uint8_t x[32], uint8_t y[32])
{
	uint8_t label[32];
	struct buf b, pub = { .n = 0 };
	const uint8_t *p;
	long rc;

	SHA256((const uint8_t *)"tpmmux attestation key v1", 25, label);
	put16(&pub, 0x0023);		/* TPM_ALG_ECC */
	put16(&pub, 0x000b);		/* nameAlg SHA-256 */
	put32(&pub, 0x00050072);	/* fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted sign */
	put16(&pub, 0);			/* authPolicy */
	put16(&pub, 0x0010);		/* symmetric NULL */
	put16(&pub, 0x0018);		/* scheme ECDSA */
	put16(&pub, 0x000b);		/* SHA-256 */
	put16(&pub, 0x0003);		/* NIST P-256 */
	put16(&pub, 0x0010);		/* kdf NULL */
	put16(&pub, 32);
	putb(&pub, label, 32);		/* unique.x: makes this key tpmmux's own */
	put16(&pub, 0);

	cmd_start(&b, 0x8002, 0x131);	/* CreatePrimary */
	put32(&b, 0x40000001);		/* TPM_RH_OWNER */
	pw_auth(&b);
	put16(&b, 4);			/* inSensitive: empty auth, data */
	put16(&b, 0);
	put16(&b, 0);
	put16(&b, pub.n);
	putb(&b, pub.d, pub.n);
	put16(&b, 0);			/* outsideInfo */
	put32(&b, 0);			/* creationPCR */
	rc = xfer(fd, &b);
	if (rc)
		return rc;
	*handle = get32(b.d + 10);
	/* handle, parameterSize, TPM2B_PUBLIC: size type nameAlg attrs policy */
	p = b.d + 18 + 2 + 2 + 2 + 4;
	p += 2 + get16(p);
	p += 2 + 4 + 2 + 2;		/* sym NULL, scheme+hash, curve, kdf */
	if (get16(p) != 32 || get16(p + 34) != 32)
		return -1;
	memcpy(x, p + 2, 32);
	memcpy(y, p + 36, 32);
	return 0;
}

static void flush(int fd, uint32_t handle)
{
	struct buf b;

	cmd_start(&b, 0x8001, 0x165);
	put32(&b, handle);
	xfer(fd, &b);
}

static int parse_pcr_list(const char *s, uint32_t *mask)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;
	int rc = 0;

	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v = strtoul(tok, &end, 10);

		if (!*tok || *end || v > 23) {
			rc = -1;
			break;
		}
		*mask |= 1u << v;
	}
	free(copy);
	return rc || !*mask ? -1 : 0;
}

/* SHA-256 over the VM's PCR snapshot (TPMMUX_IOC_VTPM_PCRS's layout). */
static void vm_pcr_digest(const uint8_t *vals, size_t n, uint8_t out[32])
{
	SHA256(vals, n, out);
}

/* qualifyingData = SHA-256(LABEL || nonce || uuid || vm_pcr_digest) */
static void qualifying(const uint8_t *nonce, size_t nlen, const uint8_t uuid[16],
		       const uint8_t vpd[32], uint8_t out[32])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, LABEL, strlen(LABEL));
	SHA256_Update(&c, nonce, nlen);
	SHA256_Update(&c, uuid, 16);
	SHA256_Update(&c, vpd, 32);
	SHA256_Final(out, &c);
}

static int get_vm(int fd, const char *name, struct tpmmux_vtpm_info *info,
		  uint8_t *vals, size_t *vlen)
{
	struct tpmmux_vtpm_pcrs req = { 0 };
	char nm[TPMMUX_NAME_MAX];
	uint32_t *ids, count, i;
	int found = 0;

	ids = vtpm_ids(fd, &count);
	if (!ids)
		return -1;
	for (i = 0; i < count && !found; i++)
		if (!vtpm_info(fd, ids[i], info, nm) && !strcmp(nm, name))
			found = 1;
	free(ids);
	if (!found) {
		fprintf(stderr, "%s: no vTPM called '%s'\n", prog, name);
		return -1;
	}
	req.name = (uintptr_t)name;
	req.buf = (uintptr_t)vals;
	req.size = *vlen;
	if (ioctl_quiet(fd, TPMMUX_IOC_VTPM_PCRS, &req)) {
		ctl_perror("reading the VM's PCRs", name);
		return -1;
	}
	*vlen = req.size;
	return 0;
}

int quote_main(int argc, char *argv[])
{
	const char *name = NULL, *nonce_hex = NULL, *out = NULL, *sel = "0,1,2,3,4,5,6,7";
	uint8_t nonce[MAX_NONCE], vals[5 * (4 + 24 * 64)], vpd[32], qd[32], x[32], y[32];
	char hex[2 * sizeof(vals) + 1];
	struct tpmmux_vtpm_info info;
	uint32_t mask, ak = 0, pcr;
	size_t nlen, vlen = sizeof(vals), off;
	struct buf b;
	int ctl, tpm = -1, i, ret = 1;
	FILE *f = NULL;
	long rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--nonce") && i + 1 < argc)
			nonce_hex = argv[++i];
		else if (!strcmp(argv[i], "--host-pcrs") && i + 1 < argc)
			sel = argv[++i];
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
			return 1;
		} else if (!name)
			name = argv[i];
		else {
			fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[i]);
			return 1;
		}
	}
	if (!name || !nonce_hex || !out) {
		fprintf(stderr, "Usage: %s quote NAME --nonce HEX [--host-pcrs LIST] -o FILE\n", prog);
		return 1;
	}
	if (fromhex(nonce_hex, nonce, MAX_NONCE, &nlen) || !nlen) {
		fprintf(stderr, "%s: invalid nonce '%s': use 1-%d bytes of hex\n", prog, nonce_hex, MAX_NONCE);
		return 1;
	}
	if (parse_pcr_list(sel, &mask)) {
		fprintf(stderr, "%s: invalid host PCR list '%s': use numbers 0-23 separated by commas\n",
			prog, sel);
		return 1;
	}
	ctl = ctl_open();
	if (ctl < 0)
		return 1;
	if (get_vm(ctl, name, &info, vals, &vlen))
		goto out;
	vm_pcr_digest(vals, vlen, vpd);
	qualifying(nonce, nlen, (const uint8_t *)info.uuid, vpd, qd);

	tpm = open(HOST_TPM, O_RDWR);
	if (tpm < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, HOST_TPM, strerror(errno));
		goto out;
	}
	rc = create_ak(tpm, &ak, x, y);
	if (rc) {
		fprintf(stderr, "%s: creating the attestation key on the host TPM failed: 0x%lx (is the owner authorization empty?)\n",
			prog, rc);
		goto out;
	}
	cmd_start(&b, 0x8002, 0x158);	/* Quote */
	put32(&b, ak);
	pw_auth(&b);
	put16(&b, 32);
	putb(&b, qd, 32);
	put16(&b, 0x0010);		/* inScheme NULL: the key's ECDSA-SHA256 */
	put32(&b, 1);
	put16(&b, 0x000b);
	put8(&b, 3);
	put8(&b, mask);
	put8(&b, mask >> 8);
	put8(&b, mask >> 16);
	rc = xfer(tpm, &b);
	if (rc) {
		fprintf(stderr, "%s: the host TPM's Quote failed: 0x%lx\n", prog, rc);
		goto out;
	}
	f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write '%s': %s\n", prog, out, strerror(errno));
		goto out;
	}
	fprintf(f, "tpmmux-deep-quote: 1\nvm: %s\n", name);
	tohex((const uint8_t *)info.uuid, 16, hex);
	fprintf(f, "uuid: %s\n", hex);
	tohex(nonce, nlen, hex);
	fprintf(f, "nonce: %s\n", hex);
	tohex(vals, vlen, hex);
	fprintf(f, "vm-pcrs: %s\n", hex);
	tohex(x, 32, hex);
	fprintf(f, "ak-x: %s\n", hex);
	tohex(y, 32, hex);
	fprintf(f, "ak-y: %s\n", hex);
	/* parameterSize, quoted TPM2B_ATTEST, signature ECDSA: alg hash r s */
	off = 14;
	tohex(b.d + off + 2, get16(b.d + off), hex);
	fprintf(f, "attest: %s\n", hex);
	off += 2 + get16(b.d + off) + 4;
	tohex(b.d + off + 2, get16(b.d + off), hex);
	fprintf(f, "sig-r: %s\n", hex);
	off += 2 + get16(b.d + off);
	tohex(b.d + off + 2, get16(b.d + off), hex);
	fprintf(f, "sig-s: %s\n", hex);
	/* The host PCR values, for the verifier to recompute pcrDigest. */
	for (pcr = 0; pcr < 24; pcr++) {
		if (!(mask & (1u << pcr)))
			continue;
		cmd_start(&b, 0x8001, 0x17e);	/* PCR_Read */
		put32(&b, 1);
		put16(&b, 0x000b);
		put8(&b, 3);
		put8(&b, pcr < 8 ? 1u << pcr : 0);
		put8(&b, pcr >= 8 && pcr < 16 ? 1u << (pcr - 8) : 0);
		put8(&b, pcr >= 16 ? 1u << (pcr - 16) : 0);
		if (xfer(tpm, &b) || b.n < 10 + 4 + 10 + 4 + 34) {
			fprintf(stderr, "%s: reading host PCR %u failed\n", prog, pcr);
			goto out;
		}
		tohex(b.d + b.n - 32, 32, hex);
		fprintf(f, "host-pcr: %u %s\n", pcr, hex);
	}
	printf("deep quote of '%s' written to %s\n", name, out);
	ret = 0;
out:
	if (f && fclose(f))
		ret = 1;
	if (ak)
		flush(tpm, ak);
	if (tpm >= 0)
		close(tpm);
	close(ctl);
	return ret;
}

static EC_KEY *ec_key(const uint8_t x[32], const uint8_t y[32])
{
	EC_KEY *k = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *bx = BN_bin2bn(x, 32, NULL), *by = BN_bin2bn(y, 32, NULL);

	if (!k || !bx || !by || EC_KEY_set_public_key_affine_coordinates(k, bx, by) != 1) {
		EC_KEY_free(k);
		k = NULL;
	}
	BN_free(bx);
	BN_free(by);
	return k;
}

int ak_public_main(int argc, char *argv[])
{
	uint8_t x[32], y[32];
	uint32_t ak = 0;
	EVP_PKEY *pk = NULL;
	EC_KEY *k = NULL;
	FILE *f = NULL;
	int tpm, ret = 1;
	long rc;

	if (argc != 3 || strcmp(argv[1], "-o")) {
		fprintf(stderr, "Usage: %s ak-public -o FILE\n", prog);
		return 1;
	}
	tpm = open(HOST_TPM, O_RDWR);
	if (tpm < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, HOST_TPM, strerror(errno));
		return 1;
	}
	rc = create_ak(tpm, &ak, x, y);
	if (rc) {
		fprintf(stderr, "%s: creating the attestation key on the host TPM failed: 0x%lx\n", prog, rc);
		goto out;
	}
	k = ec_key(x, y);
	pk = EVP_PKEY_new();
	f = fopen(argv[2], "w");
	if (!k || !pk || !f || EVP_PKEY_set1_EC_KEY(pk, k) != 1 || PEM_write_PUBKEY(f, pk) != 1) {
		fprintf(stderr, "%s: cannot write '%s'\n", prog, argv[2]);
		goto out;
	}
	ret = 0;
out:
	if (f && fclose(f))
		ret = 1;
	EVP_PKEY_free(pk);
	EC_KEY_free(k);
	if (ak)
		flush(tpm, ak);
	close(tpm);
	return ret;
}

/*
 * vtpmctl compound --pcr N: extend host PCR N with the digest of every
 * VM's virtual PCR digest (seed 000's "compound configuration"), and print
 * the log a verifier needs to recompute it.
 */
int compound_main(int argc, char *argv[])
{
	uint8_t vals[5 * (4 + 24 * 64)], vpd[32], compound[32];
	char hex[65], nm[TPMMUX_NAME_MAX];
	struct tpmmux_vtpm_info info;
	uint32_t *ids, count, i, n = 0;
	unsigned long pcr = 24;
	struct tpmmux_vtpm_pcrs req;
	struct buf b;
	SHA256_CTX c;
	int ctl, tpm, ret = 1;
	char *end;
	long rc;

	if (argc == 3 && !strcmp(argv[1], "--pcr"))
		pcr = strtoul(argv[2], &end, 10);
	if (argc != 3 || strcmp(argv[1], "--pcr") || *end || pcr > 23) {
		fprintf(stderr, "Usage: %s compound --pcr N   (N: a host PCR, 0-23)\n", prog);
		return 1;
	}
	ctl = ctl_open();
	if (ctl < 0)
		return 1;
	ids = vtpm_ids(ctl, &count);
	if (!ids)
		goto out_ctl;
	SHA256_Init(&c);
	SHA256_Update(&c, "tpmmux-compound-v1", 18);
	printf("# tpmmux compound configuration: host PCR %lu\n", pcr);
	printf("# vm uuid vm-pcr-digest (in this order)\n");
	for (i = 0; i < count; i++) {
		if (vtpm_info(ctl, ids[i], &info, nm))
			continue;
		memset(&req, 0, sizeof(req));
		req.name = (uintptr_t)nm;
		req.buf = (uintptr_t)vals;
		req.size = sizeof(vals);
		if (ioctl_quiet(ctl, TPMMUX_IOC_VTPM_PCRS, &req))
			continue;
		vm_pcr_digest(vals, req.size, vpd);
		SHA256_Update(&c, info.uuid, 16);
		SHA256_Update(&c, vpd, 32);
		tohex((const uint8_t *)info.uuid, 16, hex);
		printf("vm %s %s ", nm, hex);
		tohex(vpd, 32, hex);
		printf("%s\n", hex);
		n++;
	}
	free(ids);
	SHA256_Final(compound, &c);
	tohex(compound, 32, hex);
	printf("compound %s\n", hex);

	tpm = open(HOST_TPM, O_RDWR);
	if (tpm < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, HOST_TPM, strerror(errno));
		goto out_ctl;
	}
	cmd_start(&b, 0x8002, 0x182);	/* PCR_Extend */
	put32(&b, pcr);
	pw_auth(&b);
	put32(&b, 1);
	put16(&b, 0x000b);
	putb(&b, compound, 32);
	rc = xfer(tpm, &b);
	close(tpm);
	if (rc) {
		fprintf(stderr, "%s: extending host PCR %lu failed: 0x%lx\n", prog, pcr, rc);
		goto out_ctl;
	}
	printf("# extended host sha256 PCR %lu with the compound of %u VMs\n", pcr, n);
	ret = 0;
out_ctl:
	close(ctl);
	return ret;
}

struct quote_file {
	uint8_t uuid[16], nonce[MAX_NONCE], vals[5 * (4 + 24 * 64)];
	uint8_t x[32], y[32], attest[1024], r[66], s[66];
	uint8_t host[24][32];
	size_t ulen, nlen, vlen, xlen, ylen, alen, rlen, slen;
	uint32_t host_mask;
};

static int read_quote(const char *path, struct quote_file *q)
{
	char *line = NULL, key[32], *val;
	size_t cap = 0, n;
	int ok = 1, version = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path, strerror(errno));
		return -1;
	}
	memset(q, 0, sizeof(*q));
	while (getline(&line, &cap, f) > 0 && ok) {
		line[strcspn(line, "\n")] = '\0';
		val = strchr(line, ':');
		if (!val || val - line >= (long)sizeof(key))
			continue;
		memcpy(key, line, val - line);
		key[val - line] = '\0';
		val += 2;
		if (!strcmp(key, "tpmmux-deep-quote"))
			version = atoi(val);
		else if (!strcmp(key, "uuid"))
			ok = !fromhex(val, q->uuid, 16, &q->ulen);
		else if (!strcmp(key, "nonce"))
			ok = !fromhex(val, q->nonce, MAX_NONCE, &q->nlen);
		else if (!strcmp(key, "vm-pcrs"))
			ok = !fromhex(val, q->vals, sizeof(q->vals), &q->vlen);
		else if (!strcmp(key, "ak-x"))
			ok = !fromhex(val, q->x, 32, &q->xlen);
		else if (!strcmp(key, "ak-y"))
			ok = !fromhex(val, q->y, 32, &q->ylen);
		else if (!strcmp(key, "attest"))
			ok = !fromhex(val, q->attest, sizeof(q->attest), &q->alen);
		else if (!strcmp(key, "sig-r"))
			ok = !fromhex(val, q->r, sizeof(q->r), &q->rlen);
		else if (!strcmp(key, "sig-s"))
			ok = !fromhex(val, q->s, sizeof(q->s), &q->slen);
		else if (!strcmp(key, "host-pcr")) {
			unsigned int pcr;
			char hv[65];

			ok = sscanf(val, "%u %64s", &pcr, hv) == 2 && pcr < 24 &&
			     !fromhex(hv, q->host[pcr], 32, &n) && n == 32;
			if (ok)
				q->host_mask |= 1u << pcr;
		}
	}
	free(line);
	fclose(f);
	if (!ok || version != 1 || q->ulen != 16 || q->xlen != 32 || q->ylen != 32 ||
	    !q->alen || !q->rlen || !q->slen) {
		fprintf(stderr, "%s: '%s' is not a tpmmux deep quote file\n", prog, path);
		return -1;
	}
	return 0;
}

int verify_quote_main(int argc, char *argv[])
{
	const char *path = NULL, *nonce_hex = NULL, *ak_path = NULL;
	uint8_t nonce[MAX_NONCE], digest[32], vpd[32], qd[32];
	const uint8_t *p, *end;
	struct quote_file *q;
	ECDSA_SIG *sig = NULL;
	EC_KEY *k = NULL;
	size_t nlen;
	int i, ret = 1;
	uint32_t pcr;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--nonce") && i + 1 < argc)
			nonce_hex = argv[++i];
		else if (!strcmp(argv[i], "--ak") && i + 1 < argc)
			ak_path = argv[++i];
		else if (argv[i][0] == '-') {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
			return 1;
		} else if (!path)
			path = argv[i];
		else {
			fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[i]);
			return 1;
		}
	}
	if (!path || !nonce_hex || !ak_path) {
		fprintf(stderr, "Usage: %s verify-quote FILE --nonce HEX --ak AK.pem\n", prog);
		return 1;
	}
	if (fromhex(nonce_hex, nonce, MAX_NONCE, &nlen) || !nlen) {
		fprintf(stderr, "%s: invalid nonce '%s'\n", prog, nonce_hex);
		return 1;
	}
	q = calloc(1, sizeof(*q));
	if (!q || read_quote(path, q))
		goto out;
	{
		FILE *f = fopen(ak_path, "r");
		EVP_PKEY *pk = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;

		if (f)
			fclose(f);
		k = pk ? EVP_PKEY_get1_EC_KEY(pk) : NULL;
		EVP_PKEY_free(pk);
		if (!k) {
			fprintf(stderr, "%s: cannot read an EC public key from '%s'\n", prog, ak_path);
			goto out;
		}
	}
	/* 1. the signature, by the trusted AK, over the attestation */
	SHA256(q->attest, q->alen, digest);
	sig = ECDSA_SIG_new();
	if (!sig || ECDSA_SIG_set0(sig, BN_bin2bn(q->r, q->rlen, NULL),
				   BN_bin2bn(q->s, q->slen, NULL)) != 1 ||
	    ECDSA_do_verify(digest, 32, sig, k) != 1) {
		printf("FAIL signature: the quote is not signed by the attestation key in '%s'\n", ak_path);
		goto out;
	}
	/* 2. a TPM quote: magic, type, then extraData and the quote info */
	p = q->attest;
	end = q->attest + q->alen;
	if (end - p < 6 || get32(p) != 0xff544347 || get16(p + 4) != 0x8018) {
		printf("FAIL format: the signed data is not a TPM quote\n");
		goto out;
	}
	p += 6;
	if (end - p < 2 || end - p < 2 + get16(p))
		goto bad;
	p += 2 + get16(p);		/* qualifiedSigner */
	if (end - p < 2 || get16(p) != 32 || end - p < 34)
		goto bad;
	memcpy(qd, p + 2, 32);		/* extraData */
	p += 34 + 17 + 8;		/* clockInfo, firmwareVersion */
	/* 3. the nonce */
	if (nlen != q->nlen || memcmp(nonce, q->nonce, nlen)) {
		printf("FAIL nonce: the quote was made for another nonce\n");
		goto out;
	}
	/* 4. the VM: UUID and virtual PCR values bound in the qualifying data */
	vm_pcr_digest(q->vals, q->vlen, vpd);
	{
		uint8_t want[32];

		qualifying(nonce, nlen, q->uuid, vpd, want);
		if (memcmp(want, qd, 32)) {
			printf("FAIL vm-pcrs: the quote does not bind these VM PCR values and UUID\n");
			goto out;
		}
	}
	/* 5. the host PCRs: pcrSelect, then pcrDigest over the values */
	if (end - p < 4 + 6 + 2)
		goto bad;
	{
		uint32_t mask = p[7] | p[8] << 8 | p[9] << 16;
		SHA256_CTX c;

		p += 10;
		if (get16(p) != 32 || end - p < 34 || mask != q->host_mask) {
			printf("FAIL host-pcrs: the host PCR selection does not match the file\n");
			goto out;
		}
		SHA256_Init(&c);
		for (pcr = 0; pcr < 24; pcr++)
			if (mask & (1u << pcr))
				SHA256_Update(&c, q->host[pcr], 32);
		SHA256_Final(digest, &c);
		if (memcmp(digest, p + 2, 32)) {
			printf("FAIL host-pcrs: the host PCR values do not match the quote\n");
			goto out;
		}
	}
	printf("OK: signature, nonce, VM PCRs and UUID, host PCRs all verified\n");
	ret = 0;
	goto out;
bad:
	printf("FAIL format: the quote is truncated\n");
out:
	ECDSA_SIG_free(sig);
	EC_KEY_free(k);
	free(q);
	return ret;
}
