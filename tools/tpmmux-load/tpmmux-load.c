// SPDX-License-Identifier: GPL-2.0
/*
 * tpmmux-load - drive several vTPMs at once and measure each command.
 *
 *   tpmmux-load --vm NAME:WORKLOAD[:WEIGHT[:THINK_MS]] [--vm ...]
 *               (--seconds S | --count N) [--direct DEV] [--json FILE]
 *
 * Runs as root where tpmmux is loaded (the test VM).  For each --vm it
 * creates the vTPM NAME (TPMMUX_IOC_VTPM_CREATE), applies WEIGHT with
 * `vtpmctl set NAME --weight WEIGHT` (a note if that fails), opens
 * /dev/tpmmux-vm/NAME and sends TPM2_Startup(CLEAR); then one thread per VM
 * runs WORKLOAD in a loop, THINK_MS apart, until S seconds have passed (or
 * N iterations are done), timing every command from the start of its
 * write() to the end of its read().  TPM commands are packed by hand, no
 * TSS (layouts as selftests/lib/tpm2.py).
 *
 * Workloads (one iteration):
 *   getrandom  GetRandom(16)
 *   pcrread    PCR_Read of SHA-256 PCRs 0-7 (if tpmmux answers it with an
 *              error of its own layer, 0x74xxxx, the VM falls back to
 *              GetRandom and says so)
 *   sign       Sign of a SHA-256 digest with an ECC P-256 primary made at
 *              setup (password session, empty auth)
 *   rsagen     CreatePrimary RSA-2048 (a fresh unique field each time, so
 *              nothing can be cached), then FlushContext
 *   eccgen     CreatePrimary ECC P-256 (a fresh unique field each time),
 *              then FlushContext: chip-bound, tens to hundreds of ms
 *   hash       Hash of 32 bytes with SHA-256: a short chip-bound command
 *              (the module answers GetRandom and PCR commands itself)
 *   readpublic ReadPublic of an ECC P-256 primary made at setup: a short
 *              chip-bound command on an object (which the module loads
 *              again when another VM had the chip)
 *   mixed      in turn: getrandom, pcrread, sign, getrandom, pcrread,
 *              getrandom, sign, getrandom, pcrread, rsagen
 *
 * --direct DEV gives every VM a twin on DEV (the kernel's resource
 * manager, /dev/tpmrm0): the VM's thread alternates, one iteration on the
 * vTPM, the same on DEV (THINK_MS after each), so both are measured side
 * by side under the same conditions, and "added" figures give the vTPM's
 * latency minus DEV's.
 *
 * Output: one `NAME VALUE UNIT` line per figure, then the same figures as
 * JSON ({"name","value","unit"} objects) in --json FILE, or on stdout in
 * one line `BENCH-JSON: [...]` (what selftests/bench/run collects).  Per
 * client: iterations, commands, errors, latency p50/p99/max/mean and sum,
 * commands above 750 ms and 2 s (the guest Linux driver's timeouts for
 * PCR_Extend and GetRandom), per command code when a workload sends
 * several; per vTPM the module's own statistics (TPMMUX_IOC_VTPM_INFO:
 * chip busy time, queue waits, context commands), and each VM's share of
 * the busy time of all the VMs here.  With --seconds, the busy time is also
 * taken over the run's window alone (INFO read at the start and at the
 * deadline, before the clients drain their last commands): each VM's
 * share of it ("window_share"), the share its weight asks for, and Jain's
 * fairness index over the busy times divided by the weights
 * ("jain_busy": 1 when every VM got exactly its weighted share).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/tpmmux.h>

#define BUF_SIZE		4096
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define ST_NO_SESSIONS		0x8001
#define ST_SESSIONS		0x8002
#define ST_HASHCHECK		0x8024
#define RS_PW			0x40000009
#define RH_OWNER		0x40000001
#define RH_NULL			0x40000007
#define ALG_RSA			0x0001
#define ALG_AES			0x0006
#define ALG_SHA256		0x000B
#define ALG_NULL		0x0010
#define ALG_ECDSA		0x0018
#define ALG_ECC			0x0023
#define ALG_CFB			0x0043
#define ECC_NIST_P256		0x0003

#define CC_CREATE_PRIMARY	0x131
#define CC_STARTUP		0x144
#define CC_SIGN			0x15D
#define CC_FLUSH_CONTEXT	0x165
#define CC_READ_PUBLIC		0x173
#define CC_GET_RANDOM		0x17B
#define CC_HASH			0x17D
#define CC_PCR_READ		0x17E

#define RC_INITIALIZE		0x100
#define TPMMUX_LAYER_MASK	0xFF0000
#define TPMMUX_LAYER		0x740000

enum workload {
	WL_GETRANDOM, WL_PCRREAD, WL_SIGN, WL_RSAGEN, WL_MIXED, WL_ECCGEN,
	WL_HASH, WL_READPUBLIC,
};

static const char *const wl_names[] = {
	[WL_GETRANDOM] = "getrandom", [WL_PCRREAD] = "pcrread",
	[WL_SIGN] = "sign", [WL_RSAGEN] = "rsagen", [WL_MIXED] = "mixed",
	[WL_ECCGEN] = "eccgen", [WL_HASH] = "hash",
	[WL_READPUBLIC] = "readpublic",
};

static const enum workload mixed_seq[] = {
	WL_GETRANDOM, WL_PCRREAD, WL_SIGN, WL_GETRANDOM, WL_PCRREAD,
	WL_GETRANDOM, WL_SIGN, WL_GETRANDOM, WL_PCRREAD, WL_RSAGEN,
};

struct sample {
	uint64_t start_ns;	/* since the run started */
	uint64_t lat_ns;
	uint32_t cc;
	uint32_t rc;		/* TPM response code; 0xFFFFFFFF: I/O error */
};

struct client {
	char label[80];		/* for the figures: NAME or NAME@direct */
	char vtpm[TPMMUX_NAME_MAX];	/* "" for a direct twin */
	char dev[PATH_MAX];
	int fd;
	enum workload wl;
	unsigned int weight;	/* 0: not given */
	double think_ms;
	bool created;
	struct client *twin;	/* the --direct twin run by this one's thread */

	uint32_t sign_key;
	bool pcr_fallback;
	uint64_t unique;	/* rsagen's unique field */
	unsigned int mixed_pos;
	bool dead;		/* an I/O error stopped it */

	struct sample *s;
	size_t ns, cap;
	uint64_t ops;
	pthread_t thread;

	bool have_info;
	struct tpmmux_vtpm_info info;
	/* busy time at the start and at the deadline (--seconds) */
	bool have_window;
	uint64_t busy_start, busy_end;
};

static struct client *clients;
static size_t nr_clients;
static double run_seconds;
static uint64_t run_count;
static const char *direct_dev;
static const char *json_path;
static const char *raw_path;
static const char *prefix = "load";
static const char *vtpmctl_path;
static bool keep_vtpms, reuse_vtpms;
static uint64_t t0_ns, deadline_ns;
static pthread_barrier_t start_barrier;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *prog = "tpmmux-load";

static void note(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&out_lock);
}

static void __attribute__((__noreturn__)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(double ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- packing --------------------------------------------------------- */

struct pk {
	uint8_t b[BUF_SIZE];
	size_t n;
};

static void put8(struct pk *p, uint8_t v) { p->b[p->n++] = v; }
static void put16(struct pk *p, uint16_t v) { put8(p, v >> 8); put8(p, v); }
static void put32(struct pk *p, uint32_t v) { put16(p, v >> 16); put16(p, v); }

static void put_bytes(struct pk *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void begin(struct pk *p, uint16_t tag, uint32_t cc)
{
	p->n = 0;
	put16(p, tag);
	put32(p, 0);	/* size, set by end() */
	put32(p, cc);
}

static void end(struct pk *p)
{
	p->b[2] = p->n >> 24;
	p->b[3] = p->n >> 16;
	p->b[4] = p->n >> 8;
	p->b[5] = p->n;
}

/* An authorization area of one password session with an empty password. */
static void put_pw_auth(struct pk *p)
{
	put32(p, 9);
	put32(p, RS_PW);
	put16(p, 0);	/* nonce */
	put8(p, 0);	/* session attributes */
	put16(p, 0);	/* hmac: the password */
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void cmd_startup(struct pk *p)
{
	begin(p, ST_NO_SESSIONS, CC_STARTUP);
	put16(p, 0);	/* TPM_SU_CLEAR */
	end(p);
}

static void cmd_get_random(struct pk *p)
{
	begin(p, ST_NO_SESSIONS, CC_GET_RANDOM);
	put16(p, 16);
	end(p);
}

static void cmd_pcr_read(struct pk *p)
{
	begin(p, ST_NO_SESSIONS, CC_PCR_READ);
	put32(p, 1);		/* TPML_PCR_SELECTION.count */
	put16(p, ALG_SHA256);
	put8(p, 3);		/* sizeofSelect */
	put8(p, 0xFF);		/* PCRs 0-7 */
	put8(p, 0);
	put8(p, 0);
	end(p);
}

static void cmd_flush(struct pk *p, uint32_t handle)
{
	begin(p, ST_NO_SESSIONS, CC_FLUSH_CONTEXT);
	put32(p, handle);
	end(p);
}

/* CreatePrimary under the owner hierarchy; @pub is the TPMT_PUBLIC. */
static void cmd_create_primary(struct pk *p, const struct pk *pub)
{
	begin(p, ST_SESSIONS, CC_CREATE_PRIMARY);
	put32(p, RH_OWNER);
	put_pw_auth(p);
	put16(p, 4);		/* inSensitive: */
	put16(p, 0);		/*   userAuth */
	put16(p, 0);		/*   data */
	put16(p, pub->n);
	put_bytes(p, pub->b, pub->n);
	put16(p, 0);		/* outsideInfo */
	put32(p, 0);		/* creationPCR: none */
	end(p);
}

/* An unrestricted ECDSA P-256 signing key. */
static void ecc_sign_template(struct pk *t)
{
	t->n = 0;
	put16(t, ALG_ECC);
	put16(t, ALG_SHA256);
	/* fixedTPM fixedParent sensitiveDataOrigin userWithAuth noDA sign */
	put32(t, 0x00040472);
	put16(t, 0);		/* authPolicy */
	put16(t, ALG_NULL);	/* symmetric */
	put16(t, ALG_ECDSA);	/* scheme */
	put16(t, ALG_SHA256);
	put16(t, ECC_NIST_P256);
	put16(t, ALG_NULL);	/* kdf */
	put16(t, 0);		/* unique.x */
	put16(t, 0);		/* unique.y */
}

/* The same key with unique.x set to @u: a different key each time. */
static void ecc_sign_template_unique(struct pk *t, uint64_t u)
{
	ecc_sign_template(t);
	t->n -= 4;
	put16(t, 8);		/* unique.x: 8 bytes that differ each time */
	put32(t, u >> 32);
	put32(t, u);
	put16(t, 0);		/* unique.y */
}

/* An RSA-2048 storage key (tpm2_createprimary's default), unique @u. */
static void rsa_storage_template(struct pk *t, uint64_t u)
{
	t->n = 0;
	put16(t, ALG_RSA);
	put16(t, ALG_SHA256);
	/*
	 * fixedTPM fixedParent sensitiveDataOrigin userWithAuth noDA
	 * restricted decrypt
	 */
	put32(t, 0x00030472);
	put16(t, 0);		/* authPolicy */
	put16(t, ALG_AES);
	put16(t, 128);
	put16(t, ALG_CFB);
	put16(t, ALG_NULL);	/* scheme */
	put16(t, 2048);
	put32(t, 0);		/* exponent: 65537 */
	put16(t, 8);		/* unique: 8 bytes that differ each time */
	put32(t, u >> 32);
	put32(t, u);
}

/* Hash of 32 bytes with SHA-256, no ticket hierarchy. */
static void cmd_hash(struct pk *p, uint64_t n)
{
	uint8_t data[32];
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(n >> (8 * (i % 8))) ^ (uint8_t)(3 * i);
	begin(p, ST_NO_SESSIONS, CC_HASH);
	put16(p, sizeof(data));
	put_bytes(p, data, sizeof(data));
	put16(p, ALG_SHA256);
	put32(p, RH_NULL);
	end(p);
}

static void cmd_read_public(struct pk *p, uint32_t handle)
{
	begin(p, ST_NO_SESSIONS, CC_READ_PUBLIC);
	put32(p, handle);
	end(p);
}

static void cmd_sign(struct pk *p, uint32_t key, uint64_t n)
{
	uint8_t digest[32];
	unsigned int i;

	for (i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t)(n >> (8 * (i % 8))) ^ (uint8_t)i;
	begin(p, ST_SESSIONS, CC_SIGN);
	put32(p, key);
	put_pw_auth(p);
	put16(p, sizeof(digest));
	put_bytes(p, digest, sizeof(digest));
	put16(p, ALG_NULL);	/* inScheme: the key's */
	put16(p, ST_HASHCHECK);	/* validation: the NULL ticket */
	put32(p, RH_NULL);
	put16(p, 0);
	end(p);
}

/* ---- running commands ------------------------------------------------ */

static void record(struct client *c, uint64_t start, uint64_t lat, uint32_t cc, uint32_t rc)
{
	if (c->ns == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct sample *s = realloc(c->s, cap * sizeof(*s));

		if (!s)
			die("out of memory");
		c->s = s;
		c->cap = cap;
	}
	c->s[c->ns++] = (struct sample){ start - t0_ns, lat, cc, rc };
}

/*
 * Send @p, read the response into @rsp; record the latency if @rec.
 * Returns the response code, or -1 after an I/O error (the client is then
 * dead).
 */
static int64_t xfer(struct client *c, const struct pk *p, uint8_t *rsp, bool rec)
{
	uint32_t cc = get32(p->b + 6), rc;
	uint64_t t, lat;
	ssize_t n;

	t = now_ns();
	n = write(c->fd, p->b, p->n);
	if (n != (ssize_t)p->n) {
		note("%s: write of command 0x%x: %s", c->label, cc,
		     n < 0 ? strerror(errno) : "short write");
		goto io_error;
	}
	n = read(c->fd, rsp, BUF_SIZE);
	lat = now_ns() - t;
	if (n < 10 || get32(rsp + 2) != (uint32_t)n) {
		note("%s: read of the response to 0x%x: %s", c->label, cc,
		     n < 0 ? strerror(errno) : "short or malformed response");
		goto io_error;
	}
	rc = get32(rsp + 6);
	if (rec)
		record(c, t, lat, cc, rc);
	return rc;
io_error:
	if (rec)
		record(c, t, now_ns() - t, cc, 0xFFFFFFFF);
	c->dead = true;
	return -1;
}

static int setup_sign_key(struct client *c)
{
	struct pk tmpl, p;
	uint8_t rsp[BUF_SIZE];
	int64_t rc;

	ecc_sign_template(&tmpl);
	cmd_create_primary(&p, &tmpl);
	rc = xfer(c, &p, rsp, false);
	if (rc != 0) {
		note("%s: CreatePrimary of the ECC signing key: %s0x%" PRIx64,
		     c->label, rc < 0 ? "I/O error " : "rc ", rc);
		return -1;
	}
	c->sign_key = get32(rsp + 10);
	return 0;
}

static void run_one(struct client *c, enum workload wl)
{
	uint8_t rsp[BUF_SIZE];
	struct pk p, tmpl;
	int64_t rc;

	switch (wl) {
	case WL_PCRREAD:
		if (!c->pcr_fallback) {
			cmd_pcr_read(&p);
			rc = xfer(c, &p, rsp, true);
			if (rc > 0 && (rc & TPMMUX_LAYER_MASK) == TPMMUX_LAYER) {
				note("%s: PCR_Read answered 0x%" PRIx64 " by tpmmux (no virtual PCRs?): "
				     "pcrread falls back to GetRandom", c->label, rc);
				c->pcr_fallback = true;
			}
			break;
		}
		/* fall through */
	case WL_GETRANDOM:
		cmd_get_random(&p);
		xfer(c, &p, rsp, true);
		break;
	case WL_SIGN:
		cmd_sign(&p, c->sign_key, c->ops);
		xfer(c, &p, rsp, true);
		break;
	case WL_RSAGEN:
		rsa_storage_template(&tmpl, ((uint64_t)getpid() << 40) ^
				     ((uint64_t)(c - clients) << 32) ^ ++c->unique);
		cmd_create_primary(&p, &tmpl);
		rc = xfer(c, &p, rsp, true);
		if (rc == 0) {
			cmd_flush(&p, get32(rsp + 10));
			xfer(c, &p, rsp, true);
		}
		break;
	case WL_ECCGEN:
		ecc_sign_template_unique(&tmpl, ((uint64_t)getpid() << 40) ^
					 ((uint64_t)(c - clients) << 32) ^ ++c->unique);
		cmd_create_primary(&p, &tmpl);
		rc = xfer(c, &p, rsp, true);
		if (rc == 0) {
			cmd_flush(&p, get32(rsp + 10));
			xfer(c, &p, rsp, true);
		}
		break;
	case WL_HASH:
		cmd_hash(&p, c->ops);
		xfer(c, &p, rsp, true);
		break;
	case WL_READPUBLIC:
		cmd_read_public(&p, c->sign_key);
		xfer(c, &p, rsp, true);
		break;
	case WL_MIXED:
		run_one(c, mixed_seq[c->mixed_pos++ % (ARRAY_SIZE(mixed_seq))]);
		return;
	}
}

static bool client_done(struct client *c, uint64_t now)
{
	if (c->dead)
		return true;
	if (run_count)
		return c->ops >= run_count;
	return now >= deadline_ns;
}

static void *client_thread(void *arg)
{
	struct client *c = arg;

	pthread_barrier_wait(&start_barrier);
	while (!client_done(c, now_ns())) {
		run_one(c, c->wl);
		c->ops++;
		sleep_ms(c->think_ms);
		if (c->twin && !c->twin->dead) {
			run_one(c->twin, c->twin->wl);
			c->twin->ops++;
			sleep_ms(c->think_ms);
		}
	}
	return NULL;
}

/* ---- vTPMs ----------------------------------------------------------- */

static int ctl_fd = -1;

static int vtpm_create(struct client *c)
{
	struct tpmmux_vtpm_create req;

	memset(&req, 0, sizeof(req));
	req.mode = 0600;
	req.name = (uintptr_t)c->vtpm;
	if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_CREATE, &req) == 0) {
		c->created = true;
		return 0;
	}
	if (errno == EEXIST && reuse_vtpms)
		return 0;
	note("create vTPM %s: %s%s", c->vtpm, strerror(errno),
	     errno == EEXIST ? " (--reuse to use it)" : "");
	return -1;
}

static void vtpm_destroy(struct client *c)
{
	struct tpmmux_vtpm_destroy req;

	memset(&req, 0, sizeof(req));
	req.name = (uintptr_t)c->vtpm;
	if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_DESTROY, &req) < 0)
		note("destroy vTPM %s: %s", c->vtpm, strerror(errno));
}

/* TPMMUX_IOC_VTPM_INFO of the vTPM named like @c's. */
static void vtpm_info(struct client *c)
{
	struct tpmmux_vtpm_list list;
	uint32_t ids[4096], i;

	memset(&list, 0, sizeof(list));
	list.count = 4096;
	list.ids = (uintptr_t)ids;
	if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_LIST, &list) < 0) {
		note("list vTPMs: %s", strerror(errno));
		return;
	}
	for (i = 0; i < list.count && i < 4096; i++) {
		char name[TPMMUX_NAME_MAX] = "";

		memset(&c->info, 0, sizeof(c->info));
		c->info.id = ids[i];
		c->info.name = (uintptr_t)name;
		if (ioctl(ctl_fd, TPMMUX_IOC_VTPM_INFO, &c->info) < 0) {
			if (errno != ENOENT) {
				note("vTPM info: %s (a module older than include/uapi?)",
				     strerror(errno));
				return;
			}
			continue;
		}
		if (!strcmp(name, c->vtpm)) {
			c->have_info = true;
			return;
		}
	}
}

/* The chip busy time the module charged to @c's vTPM so far (0: unknown). */
static uint64_t vtpm_busy(struct client *c, bool *ok)
{
	c->have_info = false;
	vtpm_info(c);
	if (!c->have_info)
		*ok = false;
	return c->have_info ? c->info.busy_ns : 0;
}

/* `vtpmctl set NAME --weight N`; a note if it fails. */
static void set_weight(struct client *c)
{
	char w[16];
	pid_t pid;
	int status;

	snprintf(w, sizeof(w), "%u", c->weight);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execlp(vtpmctl_path, vtpmctl_path, "set", c->vtpm, "--weight", w, (char *)NULL);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, vtpmctl_path, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		note("note: '%s set %s --weight %s' failed; %s runs with the default weight",
		     vtpmctl_path, c->vtpm, w, c->vtpm);
		return;
	}
	note("%s: weight %s", c->vtpm, w);
}

static int open_dev(const char *path, bool wait)
{
	uint64_t end = now_ns() + 2000000000ULL;
	int fd;

	for (;;) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || !wait || errno != ENOENT || now_ns() > end)
			return fd;
		sleep_ms(10);
	}
}

/* ---- figures --------------------------------------------------------- */

struct figure {
	char name[160];
	double value;
	const char *unit;
	int decimals;
};

static struct figure *figs;
static size_t nr_figs, cap_figs;

static void fig(const char *unit, int decimals, double value, const char *fmt, ...)
{
	struct figure *f;
	va_list ap;
	char *q;

	if (nr_figs == cap_figs) {
		cap_figs = cap_figs ? cap_figs * 2 : 64;
		figs = realloc(figs, cap_figs * sizeof(*figs));
		if (!figs)
			die("out of memory");
	}
	f = &figs[nr_figs++];
	va_start(ap, fmt);
	vsnprintf(f->name, sizeof(f->name), fmt, ap);
	va_end(ap);
	for (q = f->name; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '_'))
			*q = '_';
	f->value = value;
	f->unit = unit;
	f->decimals = decimals;
	printf("%s %.*f %s\n", f->name, decimals, value, unit);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct lat_stats {
	size_t n;
	double p50, p99, max, mean, sum;	/* ms */
	size_t over750, over2000;
};

/* Latency statistics over @c's samples with command code @cc (0: all). */
static struct lat_stats stats_of(const struct client *c, uint32_t cc)
{
	struct lat_stats st = { 0 };
	uint64_t *v = malloc((c->ns + 1) * sizeof(*v));
	size_t i;

	if (!v)
		die("out of memory");
	for (i = 0; i < c->ns; i++) {
		if (cc && c->s[i].cc != cc)
			continue;
		v[st.n++] = c->s[i].lat_ns;
		st.sum += c->s[i].lat_ns / 1e6;
		st.over750 += c->s[i].lat_ns > 750000000ULL;
		st.over2000 += c->s[i].lat_ns > 2000000000ULL;
	}
	if (st.n) {
		qsort(v, st.n, sizeof(*v), cmp_u64);
		/* nearest rank */
		st.p50 = v[(st.n * 50 + 99) / 100 - 1] / 1e6;
		st.p99 = v[(st.n * 99 + 99) / 100 - 1] / 1e6;
		st.max = v[st.n - 1] / 1e6;
		st.mean = st.sum / st.n;
	}
	free(v);
	return st;
}

static const char *cc_label(uint32_t cc)
{
	switch (cc) {
	case CC_CREATE_PRIMARY: return "CreatePrimary";
	case CC_SIGN: return "Sign";
	case CC_FLUSH_CONTEXT: return "FlushContext";
	case CC_GET_RANDOM: return "GetRandom";
	case CC_PCR_READ: return "PCR_Read";
	case CC_HASH: return "Hash";
	case CC_READ_PUBLIC: return "ReadPublic";
	default: return "other";
	}
}

static void client_figures(const struct client *c, double elapsed_s)
{
	static const uint32_t ccs[] = {
		CC_GET_RANDOM, CC_PCR_READ, CC_SIGN, CC_CREATE_PRIMARY, CC_FLUSH_CONTEXT,
		CC_HASH, CC_READ_PUBLIC,
	};
	struct lat_stats st = stats_of(c, 0);
	uint64_t errors = 0;
	unsigned int i, kinds = 0;
	size_t k;

	for (k = 0; k < c->ns; k++)
		errors += c->s[k].rc != 0;
	fig("iterations", 0, c->ops, "%s_%s_ops", prefix, c->label);
	fig("commands", 0, c->ns, "%s_%s_commands", prefix, c->label);
	fig("commands", 0, errors, "%s_%s_errors", prefix, c->label);
	fig("commands/s", 1, elapsed_s > 0 ? c->ns / elapsed_s : 0,
	    "%s_%s_rate", prefix, c->label);
	fig("ms", 3, st.p50, "%s_%s_p50", prefix, c->label);
	fig("ms", 3, st.p99, "%s_%s_p99", prefix, c->label);
	fig("ms", 3, st.max, "%s_%s_max", prefix, c->label);
	fig("ms", 3, st.mean, "%s_%s_mean", prefix, c->label);
	fig("ms", 1, st.sum, "%s_%s_latency_sum", prefix, c->label);
	fig("commands", 0, st.over750, "%s_%s_over_750ms", prefix, c->label);
	fig("commands", 0, st.over2000, "%s_%s_over_2000ms", prefix, c->label);

	for (i = 0; i < ARRAY_SIZE(ccs); i++)
		kinds += stats_of(c, ccs[i]).n > 0;
	if (kinds < 2)
		return;
	for (i = 0; i < ARRAY_SIZE(ccs); i++) {
		struct lat_stats s = stats_of(c, ccs[i]);
		const char *l = cc_label(ccs[i]);

		if (!s.n)
			continue;
		fig("commands", 0, s.n, "%s_%s_%s_commands", prefix, c->label, l);
		fig("ms", 3, s.p50, "%s_%s_%s_p50", prefix, c->label, l);
		fig("ms", 3, s.p99, "%s_%s_%s_p99", prefix, c->label, l);
		fig("ms", 3, s.max, "%s_%s_%s_max", prefix, c->label, l);
	}
}

static void module_figures(const struct client *c, uint64_t total_busy_ns)
{
	const struct tpmmux_vtpm_info *in = &c->info;

	if (!c->have_info)
		return;
	fig("commands", 0, in->commands, "%s_%s_mod_commands", prefix, c->label);
	fig("commands", 0, in->refused, "%s_%s_mod_refused", prefix, c->label);
	fig("commands", 0, in->errors, "%s_%s_mod_errors", prefix, c->label);
	fig("commands", 0, in->chip_commands, "%s_%s_mod_chip_commands", prefix, c->label);
	fig("commands", 0, in->context_saves + in->context_loads + in->flushes,
	    "%s_%s_mod_context_ops", prefix, c->label);
	fig("ms", 1, in->busy_ns / 1e6, "%s_%s_mod_busy", prefix, c->label);
	fig("%", 1, total_busy_ns ? 100.0 * in->busy_ns / total_busy_ns : 0,
	    "%s_%s_mod_busy_share", prefix, c->label);
	fig("ms", 3, in->wait_p50_ns / 1e6, "%s_%s_mod_wait_p50", prefix, c->label);
	fig("ms", 3, in->wait_p99_ns / 1e6, "%s_%s_mod_wait_p99", prefix, c->label);
	fig("ms", 3, in->wait_max_ns / 1e6, "%s_%s_mod_wait_max", prefix, c->label);
	fig("weight", 0, in->weight, "%s_%s_mod_weight", prefix, c->label);
}

/*
 * The run's window (--seconds): each VM's busy time between the start and
 * the deadline, its share of the VMs' total, the share its weight asks
 * for, and Jain's index over busy time / weight.
 */
static void window_figures(size_t nr_vms)
{
	double total = 0, wsum = 0, sum = 0, sq = 0;
	size_t i;

	for (i = 0; i < nr_vms; i++) {
		if (!clients[i].have_window || !clients[i].have_info)
			return;
		total += clients[i].busy_end - clients[i].busy_start;
		wsum += clients[i].info.weight;
	}
	if (total <= 0 || wsum <= 0)
		return;
	for (i = 0; i < nr_vms; i++) {
		const struct client *c = &clients[i];
		double b = c->busy_end - c->busy_start, x = b / c->info.weight;

		fig("ms", 1, b / 1e6, "%s_%s_window_busy", prefix, c->label);
		fig("%", 2, 100.0 * b / total, "%s_%s_window_share", prefix, c->label);
		fig("%", 2, 100.0 * c->info.weight / wsum, "%s_%s_weight_share",
		    prefix, c->label);
		sum += x;
		sq += x * x;
	}
	fig("ms", 1, total / 1e6, "%s_window_busy", prefix);
	fig("index", 4, sq > 0 ? sum * sum / (nr_vms * sq) : 1.0, "%s_jain_busy", prefix);
}

static void write_json(FILE *f)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < nr_figs; i++)
		fprintf(f, "%s{\"name\": \"%s\", \"value\": %.*f, \"unit\": \"%s\"}",
			i ? ", " : "", figs[i].name, figs[i].decimals, figs[i].value,
			figs[i].unit);
	fputc(']', f);
}

static void write_raw(void)
{
	FILE *f = fopen(raw_path, "w");
	size_t i, k;

	if (!f) {
		note("cannot write %s: %s", raw_path, strerror(errno));
		return;
	}
	fprintf(f, "client,start_ms,latency_ms,cc,rc\n");
	for (i = 0; i < nr_clients; i++)
		for (k = 0; k < clients[i].ns; k++) {
			const struct sample *s = &clients[i].s[k];

			fprintf(f, "%s,%.3f,%.3f,0x%x,0x%x\n", clients[i].label,
				s->start_ns / 1e6, s->lat_ns / 1e6, s->cc, s->rc);
		}
	fclose(f);
}

/* ---- main ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s --vm NAME:WORKLOAD[:WEIGHT[:THINK_MS]] [--vm ...]\n"
"           (--seconds S | --count N) [--direct DEV] [--json FILE] [--raw FILE]\n"
"           [--prefix P] [--vtpmctl PATH] [--reuse] [--keep]\n"
"\n"
"WORKLOAD: getrandom, pcrread, sign, rsagen, mixed, eccgen, hash,\n"
"readpublic.  Each VM's vTPM is\n"
"created, started and driven by a thread of its own; every command's\n"
"latency is measured.  --direct DEV runs each VM's workload on DEV too,\n"
"alternating with the vTPM.  Figures: `NAME VALUE UNIT` lines, and JSON in\n"
"FILE or a `BENCH-JSON: [...]` line.  --raw FILE: every command as CSV.\n"
"--reuse: use a vTPM that exists; --keep: do not destroy the vTPMs.\n",
		prog);
}

static void parse_vm(const char *arg)
{
	char buf[256], *f[4] = { NULL }, *p;
	struct client *c;
	unsigned int n = 0, i;
	char *end;

	if (strlen(arg) >= sizeof(buf))
		die("--vm %s: too long", arg);
	strcpy(buf, arg);
	/* strsep keeps empty fields: NAME:WORKLOAD::THINK */
	for (p = buf; n < 4 && (f[n] = strsep(&p, ":")); n++)
		;
	if (n < 2 || p)
		die("--vm %s: want NAME:WORKLOAD[:WEIGHT[:THINK_MS]]", arg);
	clients = realloc(clients, (nr_clients + 1) * sizeof(*clients));
	if (!clients)
		die("out of memory");
	c = &clients[nr_clients++];
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!*f[0] || strlen(f[0]) >= TPMMUX_NAME_MAX)
		die("--vm %s: bad name", arg);
	strcpy(c->vtpm, f[0]);
	snprintf(c->label, sizeof(c->label), "%s", f[0]);
	snprintf(c->dev, sizeof(c->dev), "/dev/%s/%s", TPMMUX_VTPM_DIR, f[0]);
	for (i = 0; i < ARRAY_SIZE(wl_names); i++)
		if (!strcmp(f[1], wl_names[i]))
			break;
	if (i == ARRAY_SIZE(wl_names))
		die("--vm %s: unknown workload '%s' (getrandom, pcrread, sign, rsagen, "
		    "mixed, eccgen, hash, readpublic)", arg, f[1]);
	c->wl = i;
	if (n > 2 && *f[2]) {
		unsigned long w = strtoul(f[2], &end, 10);

		if (*end || w < 1 || w > 1000)
			die("--vm %s: weight must be 1-1000", arg);
		c->weight = w;
	}
	if (n > 3 && *f[3]) {
		c->think_ms = strtod(f[3], &end);
		if (*end || c->think_ms < 0)
			die("--vm %s: bad think time '%s' ms", arg, f[3]);
	}
}

static const char *default_vtpmctl(const char *argv0)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	(void)argv0;
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			snprintf(path, sizeof(path), "%s/../vtpmctl/vtpmctl", self);
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	return "vtpmctl";
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "direct", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "raw", required_argument, NULL, 'r' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "vtpmctl", required_argument, NULL, 'c' },
		{ "reuse", no_argument, NULL, 'R' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint8_t rsp[BUF_SIZE];
	size_t nr_vms, i;
	uint64_t total_busy = 0, t_end;
	double elapsed;
	bool window;
	struct pk p;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "m:s:n:d:j:r:p:c:Rkh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			parse_vm(optarg);
			break;
		case 's':
			run_seconds = strtod(optarg, NULL);
			break;
		case 'n':
			run_count = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			direct_dev = optarg;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'r':
			raw_path = optarg;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'c':
			vtpmctl_path = optarg;
			break;
		case 'R':
			reuse_vtpms = true;
			break;
		case 'k':
			keep_vtpms = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !nr_clients || (run_seconds <= 0) == (run_count == 0)) {
		usage(stderr);
		return 2;
	}
	if (!vtpmctl_path)
		vtpmctl_path = default_vtpmctl(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	nr_vms = nr_clients;
	if (direct_dev) {
		clients = realloc(clients, 2 * nr_vms * sizeof(*clients));
		if (!clients)
			die("out of memory");
		for (i = 0; i < nr_vms; i++) {
			struct client *t = &clients[nr_vms + i];

			*t = clients[i];
			t->vtpm[0] = 0;
			t->weight = 0;
			snprintf(t->label, sizeof(t->label), "%s@direct", clients[i].vtpm);
			snprintf(t->dev, sizeof(t->dev), "%s", direct_dev);
		}
		nr_clients = 2 * nr_vms;
		for (i = 0; i < nr_vms; i++)
			clients[i].twin = &clients[nr_vms + i];
	}

	ctl_fd = open("/dev/" TPMMUX_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0)
		die("open /dev/%s: %s (is tpmmux loaded?)", TPMMUX_DEVICE_NAME, strerror(errno));
	for (i = 0; i < nr_vms; i++) {
		if (vtpm_create(&clients[i]) < 0) {
			rc = 1;
			goto out;
		}
		if (clients[i].weight)
			set_weight(&clients[i]);
	}

	for (i = 0; i < nr_clients; i++) {
		struct client *cl = &clients[i];

		cl->fd = open_dev(cl->dev, cl->vtpm[0] != 0);
		if (cl->fd < 0) {
			note("open %s: %s", cl->dev, strerror(errno));
			rc = 1;
			goto out;
		}
		if (cl->vtpm[0]) {
			int64_t r;

			cmd_startup(&p);
			r = xfer(cl, &p, rsp, false);
			if (r != 0 && r != RC_INITIALIZE) {
				note("%s: Startup(CLEAR): %s0x%" PRIx64, cl->label,
				     r < 0 ? "I/O error " : "rc ", r);
				rc = 1;
				goto out;
			}
		}
		if ((cl->wl == WL_SIGN || cl->wl == WL_MIXED || cl->wl == WL_READPUBLIC) &&
		    setup_sign_key(cl) < 0) {
			rc = 1;
			goto out;
		}
	}

	pthread_barrier_init(&start_barrier, NULL, nr_vms + 1);
	for (i = 0; i < nr_vms; i++)
		if (pthread_create(&clients[i].thread, NULL, client_thread, &clients[i]))
			die("pthread_create failed");
	window = run_seconds > 0;
	for (i = 0; window && i < nr_vms; i++)
		clients[i].busy_start = vtpm_busy(&clients[i], &window);
	t0_ns = now_ns();
	deadline_ns = t0_ns + (uint64_t)(run_seconds * 1e9);
	pthread_barrier_wait(&start_barrier);
	if (window) {
		uint64_t t = now_ns();

		if (t < deadline_ns)
			sleep_ms((deadline_ns - t) / 1e6);
		for (i = 0; i < nr_vms; i++) {
			clients[i].busy_end = vtpm_busy(&clients[i], &window);
			clients[i].have_window = window;
		}
	}
	for (i = 0; i < nr_vms; i++)
		pthread_join(clients[i].thread, NULL);
	t_end = now_ns();
	elapsed = (t_end - t0_ns) / 1e9;

	for (i = 0; i < nr_clients; i++) {
		struct client *cl = &clients[i];

		if (cl->sign_key && !cl->dead) {
			cmd_flush(&p, cl->sign_key);
			xfer(cl, &p, rsp, false);
		}
		if (cl->dead)
			rc = 1;
	}
	for (i = 0; i < nr_vms; i++) {
		vtpm_info(&clients[i]);
		if (clients[i].have_info)
			total_busy += clients[i].info.busy_ns;
	}

	fig("s", 3, elapsed, "%s_elapsed", prefix);
	for (i = 0; i < nr_clients; i++) {
		client_figures(&clients[i], elapsed);
		if (i < nr_vms)
			module_figures(&clients[i], total_busy);
	}
	window_figures(nr_vms);
	for (i = 0; direct_dev && i < nr_vms; i++) {
		struct lat_stats v = stats_of(&clients[i], 0);
		struct lat_stats d = stats_of(clients[i].twin, 0);

		fig("ms", 3, v.p50 - d.p50, "%s_%s_added_p50", prefix, clients[i].label);
		fig("ms", 3, v.mean - d.mean, "%s_%s_added_mean", prefix, clients[i].label);
		fig("ms", 3, v.p99 - d.p99, "%s_%s_added_p99", prefix, clients[i].label);
	}
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f) {
			note("cannot write %s: %s", json_path, strerror(errno));
			rc = 1;
		} else {
			write_json(f);
			fputc('\n', f);
			fclose(f);
		}
	} else {
		fputs("BENCH-JSON: ", stdout);
		write_json(stdout);
		fputc('\n', stdout);
	}
	if (raw_path)
		write_raw();

out:
	for (i = 0; i < nr_clients; i++)
		if (clients[i].fd >= 0)
			close(clients[i].fd);
	for (i = 0; i < nr_vms; i++)
		if (clients[i].created && !keep_vtpms)
			vtpm_destroy(&clients[i]);
	close(ctl_fd);
	for (i = 0; i < nr_clients; i++)
		free(clients[i].s);
	free(clients);
	free(figs);
	return rc;
}
