#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of the virtual PCR banks, against independent oracles:
a fresh swtpm (libtpms) started in the VM, Python's hashlib, and
tpm2-tools.  The host's PCRs must never change.
"""
import hashlib
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.path.abspath("tpmmux/tpmmux.ko")
VTPMCTL = os.path.abspath("tools/vtpmctl/vtpmctl")
t = Tap()
ALGS = [(0x0004, "sha1", 20), (0x000B, "sha256", 32), (0x000C, "sha384", 48),
        (0x000D, "sha512", 64)]
CC_EVENT, CC_RESET = 0x13C, 0x13D


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("%s: %s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


class Swtpm:
    """A fresh swtpm in the VM, spoken to over its raw TPM socket."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="oracle-")
        self.sock = os.path.join(self.dir, "tpm.sock")
        self.p = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + self.dir,
             "--server", "type=unixio,path=" + self.sock,
             "--ctrl", "type=unixio,path=" + self.sock + ".ctrl",
             "--flags", "not-need-init"])
        for _ in range(200):
            if os.path.exists(self.sock):
                break
            time.sleep(0.05)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(self.sock)

    def xfer(self, command):
        self.s.sendall(command)
        hdr = b""
        while len(hdr) < 10:
            hdr += self.s.recv(10 - len(hdr))
        size = struct.unpack(">I", hdr[2:6])[0]
        body = b""
        while len(hdr) + len(body) < size:
            body += self.s.recv(size - 10 - len(body))
        return hdr + body

    def close(self):
        self.s.close()
        self.p.terminate()
        self.p.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def extend(pcr, digests):
    body = struct.pack(">I", pcr) + tpm2.pw_auth() + struct.pack(">I", len(digests))
    for alg, d in digests:
        body += struct.pack(">H", alg) + d
    return tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["PCR_Extend"], body)


def event(pcr, data):
    body = struct.pack(">I", pcr) + tpm2.pw_auth() + struct.pack(">H", len(data)) + data
    return tpm2.cmd(tpm2.ST_SESSIONS, CC_EVENT, body)


def reset(pcr):
    return tpm2.cmd(tpm2.ST_SESSIONS, CC_RESET, struct.pack(">I", pcr) + tpm2.pw_auth())


def pcr_read(alg, pcrs):
    sel = bytearray(3)
    for p in pcrs:
        sel[p // 8] |= 1 << (p % 8)
    return tpm2.cmd(tpm2.ST_NO_SESSIONS, tpm2.CC["PCR_Read"],
                    struct.pack(">IHB", 1, alg, 3) + bytes(sel))


def all_pcrs(dev):
    """Every PCR of every bank, as the device reports it (values only)."""
    vals = {}
    for alg, name, size in ALGS:
        for first in range(0, 24, 8):
            r = dev.xfer(pcr_read(alg, range(first, first + 8)))
            if tpm2.rc_of(r):
                vals[(name, first)] = ("rc", tpm2.rc_of(r))
                continue
            # skip updateCounter(4) + selection(4+2+1+3), then TPML_DIGEST
            off = 10 + 4 + 10
            n = struct.unpack(">I", r[off:off + 4])[0]
            off += 4
            ds = []
            for _ in range(n):
                sz = struct.unpack(">H", r[off:off + 2])[0]
                ds.append(r[off + 2:off + 2 + sz])
                off += 2 + sz
            vals[(name, first)] = ds
    return vals


def test_oracle(ctl):
    err, _ = tm.vtpm_create(ctl, "pcr", flags=tm.CREATE_PCR_BANKS,
                            pcr_banks=tm.BANK_SHA1 | tm.BANK_SHA256 |
                            tm.BANK_SHA384 | tm.BANK_SHA512)
    t.eq(err, 0, "create a vTPM with SHA-1/256/384/512 banks")
    vt = tpm2.Dev("/dev/tpmmux-vm/pcr")
    sw = Swtpm()
    try:
        t.eq((tpm2.rc_of(vt.xfer(tpm2.startup())), tpm2.rc_of(sw.xfer(tpm2.startup()))),
             (0, 0), "Startup(CLEAR) on the vTPM and on a fresh swtpm")
        t.eq(all_pcrs(vt), all_pcrs(sw),
             "initial PCR values equal swtpm's (17-22 all ones, the rest zero)")
        rnd = random.Random(20261202)
        kinds = {"extend": 0, "event": 0, "reset": 0}
        mismatches = []
        for i in range(200):
            pcr = rnd.randrange(24)
            k = rnd.choice(["extend", "extend", "event", "reset"])
            kinds[k] += 1
            if k == "extend":
                algs = rnd.sample(ALGS, rnd.randint(1, 4))
                c = extend(pcr, [(a, os.urandom(sz)) for a, _, sz in algs])
            elif k == "event":
                c = event(pcr, os.urandom(rnd.randint(0, 1024)))
            else:
                c = reset(pcr)
            a, b = vt.xfer(c), sw.xfer(c)
            if a != b:
                mismatches.append((i, k, pcr, a.hex()[:40], b.hex()[:40]))
        t.diag("sequence: %s" % kinds)
        t.eq(mismatches, [], "200 random PCR_Extend/PCR_Event/PCR_Reset: every "
             "response byte-identical to swtpm's")
        t.eq(all_pcrs(vt), all_pcrs(sw),
             "after them every PCR of every bank equals swtpm's")
        r1, r2 = vt.xfer(pcr_read(0x000B, range(24))), sw.xfer(pcr_read(0x000B, range(24)))
        t.eq(r1, r2, "PCR_Read of 24 PCRs (8 returned, selection trimmed) "
             "byte-identical to swtpm's")
        caps = tpm2.get_cap(5, 0, 8)  # TPM_CAP_PCRS
        t.eq(vt.xfer(caps), sw.xfer(caps), "GetCapability(TPM_CAP_PCRS) equals swtpm's")
    finally:
        sw.close()
        vt.close()
        tm.vtpm_destroy(ctl, "pcr")


def test_startup_and_tools(ctl):
    tm.vtpm_create(ctl, "boot")
    tcti = "device:/dev/tpmmux-vm/boot"
    host_before = sh("tpm2_pcrread", "-T", "device:/dev/tpmrm0", "sha256").stdout
    t.eq(sh("tpm2_startup", "-T", tcti, "-c", check=False).returncode, 0,
         "tpm2_startup -c on a fresh vTPM")
    data = b"grub.cfg measured by the guest"
    digest = hashlib.sha256(data).hexdigest()
    r = sh("tpm2_pcrextend", "-T", tcti, "8:sha256=" + digest, check=False)
    t.eq(r.returncode, 0, "tpm2_pcrextend 8:sha256")
    want = hashlib.sha256(b"\0" * 32 + bytes.fromhex(digest)).hexdigest()
    r = sh("tpm2_pcrread", "-T", tcti, "sha256:8", check=False)
    got = r.stdout.split("8 :")[-1].strip().lower().replace("0x", "") if "8 :" in r.stdout else r.stdout
    t.eq(got, want, "tpm2_pcrread shows PCR 8 = SHA256(zeros || digest) (hashlib)")
    r = sh("tpm2_pcrread", "-T", tcti, "sha256:17", check=False)
    t.ok("F" * 64 in r.stdout.upper(), "PCR 17 starts all ones", r.stdout)
    r = sh("tpm2_pcrread", "-T", tcti, "sha1:0", check=False)
    t.ok(r.returncode == 0 and "sha1:" in r.stdout and "0x" not in r.stdout.split("sha1:")[1],
         "the SHA-1 bank is not active by default (empty selection)", r.stdout)
    r = sh("tpm2_pcrreset", "-T", tcti, "16", check=False)
    t.eq(r.returncode, 0, "tpm2_pcrreset 16 (resettable at locality 0)")
    r = sh("tpm2_pcrreset", "-T", tcti, "0", check=False)
    t.ok(r.returncode != 0 and "locality" in (r.stdout + r.stderr).lower(),
         "tpm2_pcrreset 0 is refused (TPM_RC_LOCALITY)", r.stderr[-200:])
    with tpm2.Dev("/dev/tpmmux-vm/boot") as d:
        t.eq(tpm2.rc_of(d.xfer(tpm2.startup())), tpm2.RC_INITIALIZE,
             "a second Startup gets TPM_RC_INITIALIZE")
        t.eq(tpm2.rc_of(d.xfer(tpm2.shutdown(clear=False))), 0, "Shutdown(STATE)")
        t.eq(tpm2.rc_of(d.xfer(tpm2.startup(clear=False))), 0, "Startup(STATE)")
        r = d.xfer(pcr_read(0x000B, [8]))
        t.eq(r[-32:].hex(), want, "PCR 8 survives Shutdown(STATE) + Startup(STATE)")
        d.xfer(tpm2.shutdown(clear=True))
        t.eq(tpm2.rc_of(d.xfer(tpm2.startup(clear=True))), 0, "Startup(CLEAR)")
        r = d.xfer(pcr_read(0x000B, [8]))
        t.eq(r[-32:], b"\0" * 32, "Startup(CLEAR) resets PCR 8")
        hmac = d.xfer(tpm2.start_hmac_session())
        sess = struct.unpack(">I", hmac[10:14])[0]
        body = struct.pack(">I", 8) + struct.pack(">I", 9 + 2) + \
            struct.pack(">IH", sess, 0) + b"\x01" + struct.pack(">H", 2) + b"\0\0" + \
            struct.pack(">IH", 1, 0x000B) + b"\0" * 32
        t.eq(tpm2.rc_of(d.xfer(tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["PCR_Extend"], body))),
             tpm2.TPMMUX_LAYER | 0x12F,
             "PCR_Extend authorized by an HMAC session gets VPCR_RC_AUTH_UNSUPPORTED")
    host_after = sh("tpm2_pcrread", "-T", "device:/dev/tpmrm0", "sha256").stdout
    t.eq(host_after, host_before, "the host's PCRs did not change")
    tm.vtpm_destroy(ctl, "boot")
    r = sh(VTPMCTL, "create", "b2", "--banks", "sha1,sha384", check=False)
    t.eq(r.returncode, 0, "vtpmctl create --banks sha1,sha384")
    with tpm2.Dev("/dev/tpmmux-vm/b2") as d:
        d.xfer(tpm2.startup())
        ok384 = tpm2.rc_of(d.xfer(pcr_read(0x000C, [0]))) == 0
        r = d.xfer(pcr_read(0x000B, [0]))
        t.ok(ok384 and r[-4:] == struct.pack(">I", 0),
             "its SHA-384 bank is active and SHA-256 is not (no digest returned)")
    tm.vtpm_destroy(ctl, "b2")


def test_two_vms_pcr10(ctl):
    host_before = sh("tpm2_pcrread", "-T", "device:/dev/tpmrm0", "sha256:10").stdout
    vals = {}
    for name, data in (("va", b"alpha"), ("vb", b"beta")):
        tm.vtpm_create(ctl, name)
        with tpm2.Dev("/dev/tpmmux-vm/" + name) as d:
            d.xfer(tpm2.startup())
            d.xfer(extend(10, [(0x000B, hashlib.sha256(data).digest())]))
            vals[name] = d.xfer(pcr_read(0x000B, [10]))[-32:]
    for name, data in (("va", b"alpha"), ("vb", b"beta")):
        want = hashlib.sha256(b"\0" * 32 + hashlib.sha256(data).digest()).digest()
        t.eq(vals[name], want, "VM %s reads back its own PCR 10" % name)
    host_after = sh("tpm2_pcrread", "-T", "device:/dev/tpmrm0", "sha256:10").stdout
    t.eq(host_after, host_before, "the host's PCR 10 is unchanged")
    for name in ("va", "vb"):
        tm.vtpm_destroy(ctl, name)


def test_deep_quote(ctl):
    uuid = "6b1e2e9a-5a43-4c39-9e0e-6d1f4e1b2c3d"
    sh(VTPMCTL, "create", "dq", "--uuid", uuid)
    with tpm2.Dev("/dev/tpmmux-vm/dq") as d:
        d.xfer(tpm2.startup())
        d.xfer(extend(10, [(0x000B, hashlib.sha256(b"kernel").digest())]))
    r = sh(VTPMCTL, "ak-public", "-o", "/tmp/ak.pem", check=False)
    t.ok(r.returncode == 0 and "BEGIN PUBLIC KEY" in open("/tmp/ak.pem").read(),
         "vtpmctl ak-public exports the host AK's public part (PEM)", r.stderr)
    r = sh(VTPMCTL, "quote", "dq", "--nonce", "00112233445566778899", "--host-pcrs",
           "0,1,7,10", "-o", "/tmp/q.txt", check=False)
    t.eq(r.returncode, 0, "vtpmctl quote succeeds")
    if r.returncode:
        t.diag(r.stderr)
        return
    good = open("/tmp/q.txt").read()

    def verify(text, nonce="00112233445566778899"):
        with open("/tmp/q2.txt", "w") as f:
            f.write(text)
        return sh(VTPMCTL, "verify-quote", "/tmp/q2.txt", "--nonce", nonce,
                  "--ak", "/tmp/ak.pem", check=False)

    r = verify(good)
    t.ok(r.returncode == 0 and r.stdout.startswith("OK"), "verify-quote accepts it",
         r.stdout + r.stderr)
    r = verify(good, nonce="00112233445566778898")
    t.ok(r.returncode == 1 and "FAIL nonce" in r.stdout,
         "verify-quote with another nonce fails naming the nonce", r.stdout)

    def changed(key, index=-1):
        out = []
        for ln in good.splitlines():
            if ln.startswith(key + ": "):
                v = list(ln[len(key) + 2:])
                v[index] = "0" if v[index] != "0" else "1"
                ln = key + ": " + "".join(v)
            out.append(ln)
        return "\n".join(out) + "\n"

    r = verify(changed("vm-pcrs", 12))
    t.ok(r.returncode == 1 and "FAIL vm-pcrs" in r.stdout,
         "a changed VM PCR value fails naming the VM PCRs", r.stdout)
    r = verify(changed("sig-r", 10))
    t.ok(r.returncode == 1 and "FAIL signature" in r.stdout,
         "a changed signature byte fails naming the signature", r.stdout)
    r = verify(changed("host-pcr: 10".split(":")[0]))
    t.ok(r.returncode == 1 and "FAIL host-pcrs" in r.stdout,
         "a changed host PCR value fails naming the host PCRs", r.stdout)
    with tpm2.Dev("/dev/tpmmux-vm/dq") as d:
        d.xfer(extend(10, [(0x000B, hashlib.sha256(b"rootkit").digest())]))
    sh(VTPMCTL, "quote", "dq", "--nonce", "aa", "-o", "/tmp/q3.txt")
    r = sh(VTPMCTL, "verify-quote", "/tmp/q3.txt", "--nonce", "aa", "--ak",
           "/tmp/ak.pem", check=False)
    t.eq(r.returncode, 0, "a new quote after another extend verifies")
    vm_pcrs = [ln for ln in open("/tmp/q3.txt").read().splitlines()
               if ln.startswith("vm-pcrs: ")]
    old_pcrs = [ln for ln in good.splitlines() if ln.startswith("vm-pcrs: ")]
    t.ok(vm_pcrs and old_pcrs and vm_pcrs != old_pcrs,
         "its VM PCR values differ from the first quote's")
    tm.vtpm_destroy(ctl, "dq")


def test_compound(ctl):
    vms = [("ca", "0a0a0a0a-0000-4000-8000-000000000001", b"alpha"),
           ("cb", "0b0b0b0b-0000-4000-8000-000000000002", b"beta")]
    snaps = {}
    for name, uuid, data in vms:
        sh(VTPMCTL, "create", name, "--uuid", uuid)
        with tpm2.Dev("/dev/tpmmux-vm/" + name) as d:
            d.xfer(tpm2.startup())
            d.xfer(extend(4, [(0x000B, hashlib.sha256(data).digest())]))
            snap = struct.pack(">HH", 0x000B, 32)
            for first in range(0, 24, 8):
                r = d.xfer(pcr_read(0x000B, range(first, first + 8)))
                off = 10 + 4 + 10 + 4
                for _ in range(8):
                    snap += r[off + 2:off + 34]
                    off += 34
            snaps[name] = hashlib.sha256(snap).hexdigest()
    before = sh("tpm2_pcrread", "-T", "device:/dev/tpmrm0", "sha256:23").stdout
    r = sh(VTPMCTL, "compound", "--pcr", "23", check=False)
    t.eq(r.returncode, 0, "vtpmctl compound --pcr 23")
    log = {ln.split()[1]: ln.split()[2:] for ln in r.stdout.splitlines()
           if ln.startswith("vm ")}
    t.eq({n: v[1] for n, v in log.items()}, snaps,
         "the log's VM PCR digests equal SHA-256 of each VM's PCRs read through its vTPM")
    h = hashlib.sha256(b"tpmmux-compound-v1")
    for ln in r.stdout.splitlines():
        if ln.startswith("vm "):
            _, _, uuid, vpd = ln.split()
            h.update(bytes.fromhex(uuid) + bytes.fromhex(vpd))
    comp = [ln.split()[1] for ln in r.stdout.splitlines() if ln.startswith("compound ")]
    t.eq(comp, [h.hexdigest()], "the compound digest recomputes from the log")
    old = bytes.fromhex(before.split("23:")[1].strip()[2:])
    after = sh("tpm2_pcrread", "-T", "device:/dev/tpmrm0", "sha256:23").stdout
    new = bytes.fromhex(after.split("23:")[1].strip()[2:])
    t.eq(new, hashlib.sha256(old + h.digest()).digest(),
         "host PCR 23 = SHA-256(old || compound): a verifier can recompute it")
    for name, _, _ in vms:
        tm.vtpm_destroy(ctl, name)


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    ctl = tm.open_ctl()
    for name in sys.argv[1:] or ["oracle", "startup_and_tools", "two_vms_pcr10",
                                 "deep_quote", "compound"]:
        t.run(name, globals()["test_" + name], ctl)
    os.close(ctl)
    t.eq(sh("rmmod", "tpmmux", check=False).returncode, 0, "rmmod at the end")
    t.done()


if __name__ == "__main__":
    main()
