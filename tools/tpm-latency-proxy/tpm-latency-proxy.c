// SPDX-License-Identifier: GPL-2.0
/*
 * tpm-latency-proxy - make swtpm answer as slowly as a real TPM chip.
 *
 * QEMU's "-tpmdev emulator" backend talks to swtpm through swtpm's control
 * socket: control commands (CMD_GET_CAPABILITY, CMD_INIT, CMD_SET_LOCALITY,
 * ...; big-endian, see swtpm's tpm_ioctl.h) go over the socket itself, and
 * the TPM commands over a socketpair whose one end QEMU hands to swtpm with
 * CMD_SET_DATAFD (SCM_RIGHTS).  This proxy sits in between:
 *
 *   QEMU --ctrl--> proxy (--listen PATH) --ctrl--> swtpm (--swtpm PATH)
 *   QEMU <-data--> proxy <-own socketpair--> swtpm
 *
 * Every control command and answer is relayed byte for byte, both ways.
 * When QEMU passes its data fd, the proxy keeps it, makes a socketpair of
 * its own and passes one end of that to swtpm instead.  Each TPM command is
 * then relayed to swtpm at once, and swtpm's response is held back until
 * the command's latency, drawn from the profile, has passed since the
 * command arrived: the guest sees a chip that takes
 * max(swtpm's time, profile latency) per command, one command at a time.
 *
 * Profile (--profile FILE), one rule a line, '#' starts a comment:
 *
 *   default         MIN_MS MAX_MS
 *   GetRandom       MIN_MS MAX_MS      (name, TPM2_/TPM_CC_ prefix optional)
 *   0x17B           MIN_MS MAX_MS      (or the command code)
 *   CreatePrimary:rsa MIN_MS MAX_MS    (Create, CreatePrimary, CreateLoaded:
 *                                       by the template's type, rsa, ecc,
 *                                       keyedhash or symcipher)
 *
 * A command's latency is drawn uniformly from [MIN, MAX] ms by a generator
 * seeded with --seed (default 1): the same command sequence gets the same
 * latencies run after run.  Commands without a rule get "default" (0 0 if
 * the profile has none).
 *
 * Lifetime, as swtpm's: one QEMU.  The listening socket is closed and
 * removed once QEMU has connected; the proxy exits 0 when QEMU closes the
 * control connection, when swtpm closes its end (swtpm exits on
 * CMD_SHUTDOWN), on SIGTERM/SIGINT/SIGHUP, and with --exit-with-parent
 * when the process that started it exits.  It connects to swtpm's control
 * socket at start, so it also ends when swtpm is killed (and newer swtpm
 * versions end when their control client hangs up; Debian 12's 0.7.1 does
 * not, it ends on CMD_SHUTDOWN, which QEMU sends when it exits).  Every fd
 * is close-on-exec; a second CMD_SET_DATAFD closes the old pair.
 *
 * The log (--log, else stderr) ends with a summary per rule: commands,
 * mean time to the answer, swtpm's own time, and how late the proxy was
 * against the drawn deadline (host load shows there).  --verbose logs
 * every command.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CMD_SET_DATAFD		0x10	/* swtpm tpm_ioctl.h */
#define TPM_HDR			10
#define TPM_MSG_MAX		(64 * 1024)	/* more than any TPM 2.0 buffer */
#define CTRL_BUF		(64 * 1024)
#define MAX_FDS			8
/*
 * A frame whose header says more than has arrived is forwarded as it is
 * after this long, so a malformed command cannot wedge the relay.
 */
#define PARTIAL_TIMEOUT_NS	(500 * 1000000LL)

#define ALG_RSA			0x0001
#define ALG_KEYEDHASH		0x0008
#define ALG_ECC			0x0023
#define ALG_SYMCIPHER		0x0025
#define CC_CREATE		0x153
#define CC_CREATE_PRIMARY	0x131
#define CC_CREATE_LOADED	0x191

static const struct {
	uint32_t cc;
	const char *name;
} cc_names[] = {
	{ 0x11F, "NV_UndefineSpaceSpecial" }, { 0x120, "EvictControl" },
	{ 0x121, "HierarchyControl" }, { 0x122, "NV_UndefineSpace" },
	{ 0x124, "ChangeEPS" }, { 0x125, "ChangePPS" }, { 0x126, "Clear" },
	{ 0x127, "ClearControl" }, { 0x128, "ClockSet" },
	{ 0x129, "HierarchyChangeAuth" }, { 0x12A, "NV_DefineSpace" },
	{ 0x12B, "PCR_Allocate" }, { 0x12C, "PCR_SetAuthPolicy" },
	{ 0x12D, "PP_Commands" }, { 0x12E, "SetPrimaryPolicy" },
	{ 0x12F, "FieldUpgradeStart" }, { 0x130, "ClockRateAdjust" },
	{ 0x131, "CreatePrimary" }, { 0x132, "NV_GlobalWriteLock" },
	{ 0x133, "GetCommandAuditDigest" }, { 0x134, "NV_Increment" },
	{ 0x135, "NV_SetBits" }, { 0x136, "NV_Extend" }, { 0x137, "NV_Write" },
	{ 0x138, "NV_WriteLock" }, { 0x139, "DictionaryAttackLockReset" },
	{ 0x13A, "DictionaryAttackParameters" }, { 0x13B, "NV_ChangeAuth" },
	{ 0x13C, "PCR_Event" }, { 0x13D, "PCR_Reset" },
	{ 0x13E, "SequenceComplete" }, { 0x13F, "SetAlgorithmSet" },
	{ 0x140, "SetCommandCodeAuditStatus" }, { 0x141, "FieldUpgradeData" },
	{ 0x142, "IncrementalSelfTest" }, { 0x143, "SelfTest" },
	{ 0x144, "Startup" }, { 0x145, "Shutdown" }, { 0x146, "StirRandom" },
	{ 0x147, "ActivateCredential" }, { 0x148, "Certify" },
	{ 0x149, "PolicyNV" }, { 0x14A, "CertifyCreation" },
	{ 0x14B, "Duplicate" }, { 0x14C, "GetTime" },
	{ 0x14D, "GetSessionAuditDigest" }, { 0x14E, "NV_Read" },
	{ 0x14F, "NV_ReadLock" }, { 0x150, "ObjectChangeAuth" },
	{ 0x151, "PolicySecret" }, { 0x152, "Rewrap" }, { 0x153, "Create" },
	{ 0x154, "ECDH_ZGen" }, { 0x155, "HMAC" }, { 0x156, "Import" },
	{ 0x157, "Load" }, { 0x158, "Quote" }, { 0x159, "RSA_Decrypt" },
	{ 0x15B, "HMAC_Start" }, { 0x15C, "SequenceUpdate" }, { 0x15D, "Sign" },
	{ 0x15E, "Unseal" }, { 0x160, "PolicySigned" },
	{ 0x161, "ContextLoad" }, { 0x162, "ContextSave" },
	{ 0x163, "ECDH_KeyGen" }, { 0x164, "EncryptDecrypt" },
	{ 0x165, "FlushContext" }, { 0x167, "LoadExternal" },
	{ 0x168, "MakeCredential" }, { 0x169, "NV_ReadPublic" },
	{ 0x16A, "PolicyAuthorize" }, { 0x16B, "PolicyAuthValue" },
	{ 0x16C, "PolicyCommandCode" }, { 0x16D, "PolicyCounterTimer" },
	{ 0x16E, "PolicyCpHash" }, { 0x16F, "PolicyLocality" },
	{ 0x170, "PolicyNameHash" }, { 0x171, "PolicyOR" },
	{ 0x172, "PolicyTicket" }, { 0x173, "ReadPublic" },
	{ 0x174, "RSA_Encrypt" }, { 0x176, "StartAuthSession" },
	{ 0x177, "VerifySignature" }, { 0x178, "ECC_Parameters" },
	{ 0x179, "FirmwareRead" }, { 0x17A, "GetCapability" },
	{ 0x17B, "GetRandom" }, { 0x17C, "GetTestResult" }, { 0x17D, "Hash" },
	{ 0x17E, "PCR_Read" }, { 0x17F, "PolicyPCR" },
	{ 0x180, "PolicyRestart" }, { 0x181, "ReadClock" },
	{ 0x182, "PCR_Extend" }, { 0x183, "PCR_SetAuthValue" },
	{ 0x184, "NV_Certify" }, { 0x185, "EventSequenceComplete" },
	{ 0x186, "HashSequenceStart" }, { 0x187, "PolicyPhysicalPresence" },
	{ 0x188, "PolicyDuplicationSelect" }, { 0x189, "PolicyGetDigest" },
	{ 0x18A, "TestParms" }, { 0x18B, "Commit" },
	{ 0x18C, "PolicyPassword" }, { 0x18D, "ZGen_2Phase" },
	{ 0x18E, "EC_Ephemeral" }, { 0x18F, "PolicyNvWritten" },
	{ 0x190, "PolicyTemplate" }, { 0x191, "CreateLoaded" },
	{ 0x192, "PolicyAuthorizeNV" }, { 0x193, "EncryptDecrypt2" },
	{ 0x194, "AC_GetCapability" }, { 0x195, "AC_Send" },
	{ 0x196, "Policy_AC_SendSelect" }, { 0x197, "CertifyX509" },
	{ 0x198, "ACT_SetTimeout" }, { 0x199, "ECC_Encrypt" },
	{ 0x19A, "ECC_Decrypt" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	uint16_t alg;
	const char *name;
} alg_names[] = {
	{ ALG_RSA, "rsa" }, { ALG_ECC, "ecc" },
	{ ALG_KEYEDHASH, "keyedhash" }, { ALG_SYMCIPHER, "symcipher" },
};

/* One profile rule: command code (and template type, 0 = any). */
struct rule {
	uint32_t cc;
	uint16_t alg;
	int64_t min_us, max_us;
	/* statistics */
	uint64_t count;
	int64_t delay_us, swtpm_us;
	int64_t late_us, late_max_us;	/* answered after the deadline by */
};

static struct rule *rules;
static size_t nr_rules;
static struct rule default_rule = { .cc = 0xFFFFFFFF };

static const char *prog = "tpm-latency-proxy";
static FILE *logfp;
static int verbose;
static volatile sig_atomic_t got_signal;

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(logfp, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(logfp, fmt, ap);
	va_end(ap);
	fputc('\n', logfp);
	fflush(logfp);
}

static const char *listen_path_created;	/* removed by die() */

static void die(const char *fmt, ...)
{
	va_list ap;

	if (listen_path_created)
		unlink(listen_path_created);

	fprintf(logfp, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(logfp, fmt, ap);
	va_end(ap);
	fputc('\n', logfp);
	exit(1);
}

static const char *cc_name(uint32_t cc)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cc_names); i++)
		if (cc_names[i].cc == cc)
			return cc_names[i].name;
	return NULL;
}

static const char *alg_name(uint16_t alg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(alg_names); i++)
		if (alg_names[i].alg == alg)
			return alg_names[i].name;
	return NULL;
}

/* ---- deterministic random numbers (splitmix64) ---------------------- */

static uint64_t rng_state = 1;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;

	if (hi <= lo)
		return lo;
	return lo + (int64_t)(rng_next() % span);
}

/* ---- profile --------------------------------------------------------- */

static bool parse_ms(const char *s, int64_t *us)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 3600e3)
		return false;
	*us = (int64_t)(v * 1000.0 + 0.5);
	return true;
}

static bool parse_cc(const char *s, uint32_t *cc)
{
	char *end;
	unsigned long v;
	size_t i;

	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno || *end || v > 0xFFFFFFFFUL)
			return false;
		*cc = v;
		return true;
	}
	if (!strncasecmp(s, "TPM2_CC_", 8))
		s += 8;
	else if (!strncasecmp(s, "TPM_CC_", 7))
		s += 7;
	else if (!strncasecmp(s, "TPM2_", 5))
		s += 5;
	for (i = 0; i < ARRAY_SIZE(cc_names); i++) {
		if (!strcasecmp(s, cc_names[i].name)) {
			*cc = cc_names[i].cc;
			return true;
		}
	}
	return false;
}

static void load_profile(const char *path)
{
	char line[512];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		die("cannot open profile %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *tok[4], *p, *save = NULL, *colon;
		struct rule r = { 0 };
		int n = 0;
		size_t i;

		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = 0;
		for (p = strtok_r(line, " \t\r\n", &save); p && n < 4;
		     p = strtok_r(NULL, " \t\r\n", &save))
			tok[n++] = p;
		if (n == 0)
			continue;
		if (n != 3)
			die("%s:%u: want 'COMMAND MIN_MS MAX_MS'", path, lineno);
		if (!parse_ms(tok[1], &r.min_us) || !parse_ms(tok[2], &r.max_us) ||
		    r.max_us < r.min_us)
			die("%s:%u: bad latency '%s %s' (0 <= MIN <= MAX, in ms)",
			    path, lineno, tok[1], tok[2]);
		if (!strcasecmp(tok[0], "default")) {
			if (default_rule.count)
				die("%s:%u: second 'default'", path, lineno);
			default_rule.min_us = r.min_us;
			default_rule.max_us = r.max_us;
			default_rule.count = 1;	/* "seen"; reset below */
			continue;
		}
		colon = strchr(tok[0], ':');
		if (colon) {
			*colon++ = 0;
			for (i = 0; i < ARRAY_SIZE(alg_names); i++)
				if (!strcasecmp(colon, alg_names[i].name))
					r.alg = alg_names[i].alg;
			if (!r.alg)
				die("%s:%u: unknown key type '%s' (rsa, ecc, keyedhash, symcipher)",
				    path, lineno, colon);
		}
		if (!parse_cc(tok[0], &r.cc))
			die("%s:%u: unknown command '%s'", path, lineno, tok[0]);
		if (r.alg && r.cc != CC_CREATE && r.cc != CC_CREATE_PRIMARY &&
		    r.cc != CC_CREATE_LOADED)
			die("%s:%u: ':%s' only applies to Create, CreatePrimary, CreateLoaded",
			    path, lineno, colon);
		for (i = 0; i < nr_rules; i++)
			if (rules[i].cc == r.cc && rules[i].alg == r.alg)
				die("%s:%u: second rule for %s", path, lineno, tok[0]);
		p = (char *)realloc(rules, (nr_rules + 1) * sizeof(*rules));
		if (!p)
			die("out of memory");
		rules = (struct rule *)p;
		rules[nr_rules++] = r;
	}
	if (ferror(f))
		die("cannot read %s", path);
	fclose(f);
	default_rule.count = 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The template type of a Create/CreatePrimary/CreateLoaded command, 0 if
 * it cannot be found.
 */
static uint16_t template_type(const uint8_t *c, size_t len)
{
	size_t off = TPM_HDR + 4;	/* one handle: parent / hierarchy */

	if (len < off + 4)
		return 0;
	if (be16(c) == 0x8002) {	/* TPM_ST_SESSIONS */
		off += 4 + (size_t)be32(c + off);
		if (off > len)
			return 0;
	}
	if (off + 2 > len)
		return 0;
	off += 2 + be16(c + off);	/* inSensitive */
	if (off + 4 > len)
		return 0;
	return be16(c + off + 2);	/* inPublic.size, then publicArea.type */
}

static struct rule *rule_for(const uint8_t *c, size_t len, uint32_t *ccp, uint16_t *algp)
{
	uint32_t cc = len >= TPM_HDR ? be32(c + 6) : 0xFFFFFFFF;
	uint16_t alg = 0;
	struct rule *any = NULL;
	size_t i;

	if (cc == CC_CREATE || cc == CC_CREATE_PRIMARY || cc == CC_CREATE_LOADED)
		alg = template_type(c, len);
	*ccp = cc;
	*algp = alg;
	for (i = 0; i < nr_rules; i++) {
		if (rules[i].cc != cc)
			continue;
		if (rules[i].alg == alg && alg)
			return &rules[i];
		if (!rules[i].alg)
			any = &rules[i];
	}
	return any ? any : &default_rule;
}

/* ---- time ------------------------------------------------------------ */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- I/O helpers ----------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

struct buf {
	uint8_t data[TPM_MSG_MAX];
	size_t len;
	int64_t since_ns;	/* when the first byte of an incomplete frame came */
};

/*
 * Length of the first whole frame in @b (a TPM command or response: its
 * header's size), 0 if it is incomplete.  A frame whose header is
 * implausible, or that stays incomplete too long, is taken as it is.
 */
static size_t frame_len(struct buf *b, int64_t now)
{
	uint32_t size;

	if (b->len == 0)
		return 0;
	if (b->len >= TPM_HDR) {
		size = be32(b->data + 2);
		if (size < TPM_HDR || size > TPM_MSG_MAX)
			return b->len;
		if (b->len >= size)
			return size;
	}
	if (now - b->since_ns >= PARTIAL_TIMEOUT_NS)
		return b->len;
	return 0;
}

static void buf_consume(struct buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->since_ns = now_ns();
}

/* Read what is there into @b; 0 on EOF, -1 on error, else > 0. */
static ssize_t buf_fill(int fd, struct buf *b)
{
	ssize_t n;

	if (b->len == sizeof(b->data))
		return -1;	/* a peer that sends without reading */
	do {
		n = recv(fd, b->data + b->len, sizeof(b->data) - b->len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 1;	/* nothing there after all */
	if (n > 0) {
		if (b->len == 0)
			b->since_ns = now_ns();
		b->len += n;
	}
	return n;
}

/* ---- the relay ------------------------------------------------------- */

enum data_state { IDLE, AT_SWTPM, HELD };

static struct {
	int listen_fd, qctl, sctl, qdata, sdata;
	const char *listen_path;
	enum data_state state;
	struct buf qin, sin;
	/* the command at swtpm / the response held back */
	int64_t cmd_ns, deadline_ns, resp_ns;
	size_t resp_len;
	uint32_t cc;
	uint16_t alg;
	struct rule *rule;
	int64_t delay_us;
	uint64_t commands;
	unsigned int data_gen;	/* bumped whenever the data fds change */
	bool swtpm_gone;
} P = { .listen_fd = -1, .qctl = -1, .sctl = -1, .qdata = -1, .sdata = -1 };

static void drop_data_path(const char *why)
{
	if (P.qdata >= 0 || P.sdata >= 0)
		logmsg("data channel closed (%s)", why);
	if (P.state != IDLE)
		logmsg("  a command (cc 0x%x) was in flight", P.cc);
	close_fd(&P.qdata);
	close_fd(&P.sdata);
	P.data_gen++;
	P.qin.len = 0;
	P.sin.len = 0;
	P.state = IDLE;
}

static void send_command(void)
{
	int64_t now = now_ns();
	size_t n = frame_len(&P.qin, now);

	if (P.state != IDLE || !n || P.sdata < 0)
		return;
	P.rule = rule_for(P.qin.data, n, &P.cc, &P.alg);
	P.delay_us = rng_range(P.rule->min_us, P.rule->max_us);
	P.cmd_ns = now;
	P.deadline_ns = now + P.delay_us * 1000;
	if (write_all(P.sdata, P.qin.data, n) < 0) {
		drop_data_path("swtpm's end failed");
		return;
	}
	buf_consume(&P.qin, n);
	P.state = AT_SWTPM;
}

static void deliver_response(void)
{
	int64_t now = now_ns();
	const char *name = cc_name(P.cc);
	int64_t swtpm_us = (P.resp_ns - P.cmd_ns) / 1000;
	int64_t due = P.deadline_ns > P.resp_ns ? P.deadline_ns : P.resp_ns;
	int64_t late_us = (now - due) / 1000;

	P.rule->count++;
	P.rule->delay_us += (now - P.cmd_ns) / 1000;
	P.rule->swtpm_us += swtpm_us;
	P.rule->late_us += late_us;
	if (late_us > P.rule->late_max_us)
		P.rule->late_max_us = late_us;
	P.commands++;
	if (verbose)
		logmsg("cc 0x%03x %s%s%s: %zu bytes, swtpm %.3f ms, drawn %.3f ms, answered after %.3f ms",
		       P.cc, name ? name : "?", P.alg ? ":" : "",
		       P.alg ? (alg_name(P.alg) ? alg_name(P.alg) : "?") : "",
		       P.resp_len, swtpm_us / 1e3, P.delay_us / 1e3,
		       (now - P.cmd_ns) / 1e6);
	if (write_all(P.qdata, P.sin.data, P.resp_len) < 0) {
		drop_data_path("QEMU's end failed");
		return;
	}
	buf_consume(&P.sin, P.resp_len);
	P.state = IDLE;
}

static void take_response(void)
{
	int64_t now = now_ns();
	size_t n;

	if (P.state != AT_SWTPM)
		return;
	n = frame_len(&P.sin, now);
	if (!n)
		return;
	P.resp_len = n;
	P.resp_ns = now;
	P.state = HELD;
	if (now >= P.deadline_ns)
		deliver_response();
}

/* CMD_SET_DATAFD from QEMU: keep QEMU's fd, give swtpm one of ours. */
static int relay_set_datafd(uint8_t *buf, size_t len, int qemu_fd)
{
	struct msghdr msg = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct cmsghdr *cmsg;
	int sp[2];

	drop_data_path("QEMU sent a new data fd");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		logmsg("socketpair: %s", strerror(errno));
		close(qemu_fd);
		return write_all(P.sctl, buf, len);	/* swtpm answers the error */
	}
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &sp[1], sizeof(int));
	while (sendmsg(P.sctl, &msg, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		logmsg("passing the data fd to swtpm: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		close(qemu_fd);
		return -1;
	}
	close(sp[1]);
	P.qdata = qemu_fd;
	P.sdata = sp[0];
	P.data_gen++;
	logmsg("data channel set up");
	return 0;
}

/* Control bytes from QEMU; 0 on EOF, -1 on error. */
static int relay_ctrl_from_qemu(void)
{
	static uint8_t buf[CTRL_BUF];
	union {
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	int fds[MAX_FDS], nfds = 0, i;
	ssize_t n;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do {
		n = recvmsg(P.qctl, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		size_t k, cnt;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + k * sizeof(int), sizeof(int));
			if (nfds < MAX_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC)
		logmsg("control message truncated: fds were dropped");
	if (n <= 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		return n < 0 ? -1 : 0;
	}
	if (nfds && n >= 4 && be32(buf) == CMD_SET_DATAFD) {
		for (i = 1; i < nfds; i++)
			close(fds[i]);
		return relay_set_datafd(buf, n, fds[0]) < 0 ? -1 : 1;
	}
	for (i = 0; i < nfds; i++) {
		logmsg("dropping an fd QEMU passed with control command 0x%x",
		       n >= 4 ? be32(buf) : 0);
		close(fds[i]);
	}
	return write_all(P.sctl, buf, n) < 0 ? -1 : 1;
}

/* Control bytes from swtpm; 0 on EOF, -1 on error. */
static int relay_ctrl_from_swtpm(void)
{
	uint8_t buf[CTRL_BUF];
	ssize_t n;

	do {
		n = recv(P.sctl, buf, sizeof(buf), MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 1;
	if (n <= 0)
		return n < 0 ? -1 : 0;
	if (P.qctl < 0) {
		logmsg("dropping %zd bytes swtpm sent before QEMU connected", n);
		return 1;
	}
	return write_all(P.qctl, buf, n) < 0 ? -1 : 1;
}

static int connect_swtpm(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t end = now_ns() + (int64_t)timeout_ms * 1000000;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) || now_ns() >= end)
			die("cannot connect to swtpm's control socket %s: %s", path,
			    strerror(errno));
		usleep(20000);
	}
}

/*
 * Listen on @path: bound and listening under a temporary name first, then
 * renamed into place, so a client that sees the path can connect.
 */
static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) + 16 >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("%s exists and is not a socket", path);
		unlink(path);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.%d.tmp", path, (int)getpid());
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind %s: %s", sa.sun_path, strerror(errno));
	if (listen(fd, 1) < 0 || rename(sa.sun_path, path) < 0) {
		int e = errno;

		unlink(sa.sun_path);
		die("listen on %s: %s", path, strerror(e));
	}
	return fd;
}

static void print_summary(void)
{
	size_t i;

	logmsg("%" PRIu64 " TPM commands relayed", P.commands);
	for (i = 0; i <= nr_rules; i++) {
		struct rule *r = i < nr_rules ? &rules[i] : &default_rule;
		const char *name = i < nr_rules ? cc_name(r->cc) : "default";

		if (!r->count)
			continue;
		logmsg("  %s%s%s: %" PRIu64 " commands, mean answered after %.3f ms (swtpm %.3f ms; late by %.3f ms mean, %.3f max)",
		       name ? name : "?", r->alg ? ":" : "",
		       r->alg ? alg_name(r->alg) : "", r->count,
		       r->delay_us / 1e3 / r->count, r->swtpm_us / 1e3 / r->count,
		       r->late_us / 1e3 / r->count, r->late_max_us / 1e3);
	}
}

static void on_signal(int sig)
{
	got_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s --listen PATH --swtpm PATH --profile FILE [--seed N]\n"
		"       [--log FILE] [--verbose] [--exit-with-parent] [--connect-timeout MS]\n"
		"\n"
		"Relay QEMU's tpm-emulator control socket (--listen) to swtpm's (--swtpm),\n"
		"holding back each TPM response by a latency drawn from the profile.\n",
		prog);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "swtpm", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "log", required_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "exit-with-parent", no_argument, NULL, 'P' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *listen_path = NULL, *swtpm_path = NULL, *profile = NULL;
	const char *log_path = NULL;
	int connect_timeout = 5000, exit_with_parent = 0, c, rc = 0;
	pid_t parent = getppid();
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;

	logfp = stderr;
	while ((c = getopt_long(argc, argv, "l:s:p:S:L:vPT:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_path = optarg;
			break;
		case 's':
			swtpm_path = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'S':
			rng_state = strtoull(optarg, NULL, 0);
			break;
		case 'L':
			log_path = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'P':
			exit_with_parent = 1;
			break;
		case 'T':
			connect_timeout = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!listen_path || !swtpm_path || !profile || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (log_path) {
		logfp = fopen(log_path, "ae");
		if (!logfp) {
			fprintf(stderr, "%s: cannot open %s: %s\n", prog, log_path,
				strerror(errno));
			return 1;
		}
	}
	load_profile(profile);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Wake up on time: the default 50 us of timer slack is noise here. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (exit_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			return 0;	/* the parent is already gone */
	}

	P.sctl = connect_swtpm(swtpm_path, connect_timeout);
	P.listen_fd = listen_on(listen_path);
	P.listen_path = listen_path;
	listen_path_created = listen_path;
	logmsg("listening on %s, swtpm at %s, profile %s (%zu rules), pid %d",
	       listen_path, swtpm_path, profile, nr_rules, (int)getpid());

	while (!got_signal) {
		struct pollfd pfd[5];
		int64_t now = now_ns(), wait_ns = -1;
		struct timespec ts, *tsp = NULL;
		unsigned int gen = P.data_gen;
		int n;

		if (P.swtpm_gone && P.state == IDLE)
			break;
		pfd[0] = (struct pollfd){ .fd = P.qctl < 0 ? P.listen_fd : -1, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = P.qctl, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = P.sctl, .events = POLLIN };
		/* QEMU's next command waits until the chip is free again. */
		pfd[3] = (struct pollfd){ .fd = P.qdata, .events = P.state == IDLE ? POLLIN : 0 };
		pfd[4] = (struct pollfd){ .fd = P.sdata, .events = POLLIN };

		if (P.state == HELD)
			wait_ns = P.deadline_ns > now ? P.deadline_ns - now : 0;
		if ((P.state == IDLE && P.qin.len) || (P.state == AT_SWTPM && P.sin.len)) {
			struct buf *b = P.state == IDLE ? &P.qin : &P.sin;
			int64_t w = b->since_ns + PARTIAL_TIMEOUT_NS - now;

			if (w < 0)
				w = 0;
			if (wait_ns < 0 || w < wait_ns)
				wait_ns = w;
		}
		if (wait_ns >= 0) {
			ts.tv_sec = wait_ns / 1000000000LL;
			ts.tv_nsec = wait_ns % 1000000000LL;
			tsp = &ts;
		}
		n = ppoll(pfd, 5, tsp, &orig);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}

		if (pfd[0].revents & POLLIN) {
			P.qctl = accept4(P.listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (P.qctl >= 0) {
				/* One client, as swtpm: nobody else may connect. */
				close_fd(&P.listen_fd);
				unlink(P.listen_path);
				listen_path_created = NULL;
				logmsg("QEMU connected");
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			int r = relay_ctrl_from_qemu();

			if (r <= 0) {
				logmsg(r ? "relaying a control command failed" :
				       "QEMU closed the control connection");
				rc = r ? 1 : 0;
				break;
			}
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			int r = relay_ctrl_from_swtpm();

			if (r <= 0) {
				logmsg(r ? "reading from swtpm's control socket failed" :
				       "swtpm closed the control connection");
				close_fd(&P.sctl);
				P.swtpm_gone = true;
			}
		}
		/*
		 * The data fds' events are stale if the control channel
		 * changed them (a new CMD_SET_DATAFD) or a relay dropped them.
		 */
		if (gen == P.data_gen && pfd[4].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = buf_fill(P.sdata, &P.sin);

			if (r <= 0) {
				/* swtpm is gone; a response it sent is still delivered */
				if (P.state == HELD) {
					P.deadline_ns = now_ns();
					deliver_response();
				}
				drop_data_path("by swtpm");
			} else if (P.state == IDLE) {
				logmsg("swtpm sent %zu bytes nobody asked for; passed on",
				       P.sin.len);
				if (write_all(P.qdata, P.sin.data, P.sin.len) < 0)
					drop_data_path("QEMU's end failed");
				P.sin.len = 0;
			}
		}
		if (gen == P.data_gen && pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = buf_fill(P.qdata, &P.qin);

			if (r <= 0)
				drop_data_path(r < 0 ? "QEMU's end failed" : "by QEMU");
		}

		take_response();
		if (P.state == HELD && now_ns() >= P.deadline_ns)
			deliver_response();
		send_command();
	}

	if (got_signal)
		logmsg("signal %d", (int)got_signal);
	print_summary();
	drop_data_path("exiting");
	close_fd(&P.qctl);
	close_fd(&P.sctl);
	if (P.listen_fd >= 0) {
		close_fd(&P.listen_fd);
		unlink(P.listen_path);
	}
	free(rules);
	if (logfp != stderr)
		fclose(logfp);
	return rc;
}
