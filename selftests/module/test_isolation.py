#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests: tpm2-tools on a vTPM, and isolation between VMs and host.

Run inside the test VM (selftests/vm/run -- ...) as root from the project
directory, with a TPM 2.0 at /dev/tpm0 and /dev/tpmrm0.
"""
import os
import struct
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.environ.get("TPMMUX_KO", os.path.abspath("tpmmux/tpmmux.ko"))
t = Tap()


def sh(*cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd),
                           r.returncode, r.stdout, r.stderr))
    return r


def test_tpm2_tools(ctl):
    tm.vtpm_create(ctl, "tools")
    tcti = "device:/dev/tpmmux-vm/tools"
    d = tempfile.mkdtemp()
    p = lambda f: os.path.join(d, f)  # noqa: E731
    with open(p("msg"), "wb") as f:
        f.write(b"measured boot, disk unlock, attestation\n")

    def tool(name, *args):
        r = sh("tpm2_" + name, "-T", tcti, *args, check=False)
        if r.returncode:
            t.diag("tpm2_%s: %s%s" % (name, r.stdout, r.stderr))
        return r

    t.eq(tool("startup", "-c").returncode, 0, "tpm2_startup -c")
    r = tool("getrandom", "--hex", "16")
    t.ok(r.returncode == 0 and len(r.stdout.strip()) == 32, "tpm2_getrandom 16")
    t.eq(tool("createprimary", "-C", "o", "-c", p("prim.ctx")).returncode, 0,
         "tpm2_createprimary -C o")
    t.eq(tool("create", "-C", p("prim.ctx"), "-G", "ecc256", "-u", p("key.pub"),
              "-r", p("key.priv")).returncode, 0, "tpm2_create (ECC P-256 signing key)")
    t.eq(tool("load", "-C", p("prim.ctx"), "-u", p("key.pub"), "-r",
              p("key.priv"), "-c", p("key.ctx")).returncode, 0, "tpm2_load")
    t.eq(tool("sign", "-c", p("key.ctx"), "-g", "sha256", "-o", p("sig"),
              p("msg")).returncode, 0, "tpm2_sign")
    t.eq(tool("verifysignature", "-c", p("key.ctx"), "-g", "sha256", "-s",
              p("sig"), "-m", p("msg")).returncode, 0, "tpm2_verifysignature")
    with open(p("msg"), "ab") as f:
        f.write(b"tampered")
    t.ok(tool("verifysignature", "-c", p("key.ctx"), "-g", "sha256", "-s",
              p("sig"), "-m", p("msg")).returncode != 0,
         "tpm2_verifysignature rejects a changed message")
    r = tool("startauthsession", "--policy-session", "-S", p("session.ctx"))
    t.eq(r.returncode, 0, "tpm2_startauthsession --policy-session")
    t.eq(tool("policypassword", "-S", p("session.ctx"), "-L",
              p("policy.dgst")).returncode, 0, "tpm2_policypassword on the session")
    t.eq(tool("flushcontext", p("session.ctx")).returncode, 0,
         "tpm2_flushcontext of the policy session")
    r = tool("getcap", "handles-transient")
    t.ok(r.returncode == 0, "tpm2_getcap handles-transient", r.stdout)
    t.eq(tool("flushcontext", "-t").returncode, 0, "tpm2_flushcontext -t")
    err, info = tm.vtpm_info_by_name(ctl, "tools")
    t.diag("vtpm tools: commands %d refused %d errors %d saves %d loads %d "
           "flushes %d" % (info["commands"], info["refused"], info["errors"],
                           info["context_saves"], info["context_loads"],
                           info["flushes"]))
    tm.vtpm_destroy(ctl, "tools")


def host_loop(stop, results):
    """tpm2_getrandom and tpm2_createprimary on the host's /dev/tpmrm0."""
    while not stop.is_set():
        for cmd in (("tpm2_getrandom", "-T", "device:/dev/tpmrm0", "8"),
                    ("tpm2_createprimary", "-T", "device:/dev/tpmrm0", "-C",
                     "o", "-c", "/tmp/host-loop.ctx")):
            r = subprocess.run(cmd, capture_output=True)
            results.append((cmd[0], r.returncode, r.stderr[-300:]))


def two_objects(d):
    hs = []
    for i in range(2):
        r = d.xfer(tpm2.create_primary(unique=bytes([i + 1]) * 32))
        tag, size, rc, body = tpm2.rsp(r)
        assert rc == 0, "CreatePrimary: 0x%x" % rc
        hs.append(struct.unpack(">I", body[:4])[0])
    return hs


def transient_handles(d):
    r = d.xfer(tpm2.get_cap(tpm2.CAP_HANDLES, tpm2.HT_TRANSIENT, 64))
    tag, size, rc, body = tpm2.rsp(r)
    assert rc == 0, "GetCapability: 0x%x" % rc
    return tpm2.handles_from_getcap(body)


def test_two_vms(ctl):
    stop = threading.Event()
    host = []
    th = threading.Thread(target=host_loop, args=(stop, host))
    th.start()
    try:
        tm.vtpm_create(ctl, "vma")
        tm.vtpm_create(ctl, "vmb")
        a = tpm2.Dev("/dev/tpmmux-vm/vma")
        b = tpm2.Dev("/dev/tpmmux-vm/vmb")
        for d in (a, b):
            d.xfer(tpm2.startup())
        ha = two_objects(a)
        hb = two_objects(b)
        t.diag("vma handles %s, vmb handles %s" % ([hex(h) for h in ha],
                                                   [hex(h) for h in hb]))
        t.ok(len(set(ha + hb)) == 4 and all(h >> 24 == 0x80 for h in ha + hb),
             "four distinct transient handles")
        t.eq(sorted(transient_handles(a)), sorted(ha),
             "VM A's GetCapability(HANDLES) lists exactly its own two objects")
        t.eq(sorted(transient_handles(b)), sorted(hb),
             "VM B's GetCapability(HANDLES) lists exactly its own two objects")
        for h in ha:
            t.eq(tpm2.rc_of(a.xfer(tpm2.read_public(h))), 0,
                 "VM A can use its own handle 0x%x" % h)
        for h in hb:
            t.eq(tpm2.rc_of(a.xfer(tpm2.read_public(h))), tpm2.RC_HANDLE | 0x100,
                 "VM A using VM B's handle 0x%x gets TPM_RC_HANDLE" % h)
        for h in ha:
            t.eq(tpm2.rc_of(b.xfer(tpm2.read_public(h))), tpm2.RC_HANDLE | 0x100,
                 "VM B using VM A's handle 0x%x gets TPM_RC_HANDLE" % h)
        # interleave: each VM's objects come back after the other ran
        for i in range(5):
            for d, hs in ((a, ha), (b, hb)):
                for h in hs:
                    assert tpm2.rc_of(d.xfer(tpm2.read_public(h))) == 0
        t.ok(True, "20 interleaved uses of both VMs' objects all succeed")
        # the host's persistent and transient handles are not the VMs'
        t.eq(tpm2.rc_of(a.xfer(tpm2.read_public(0x81000001))),
             tpm2.RC_HANDLE | 0x100, "a persistent handle gets TPM_RC_HANDLE")
        r = a.xfer(tpm2.get_cap(tpm2.CAP_HANDLES, tpm2.HT_PERSISTENT, 64))
        t.eq(tpm2.handles_from_getcap(tpm2.rsp(r)[3]), [],
             "a VM sees no persistent handles")
        r = a.xfer(tpm2.start_hmac_session())
        rc = tpm2.rc_of(r)
        sess = struct.unpack(">I", r[10:14])[0] if rc == 0 else 0
        t.ok(rc == 0 and sess >> 24 == 0x02, "VM A starts an HMAC session 0x%x" % sess)
        flush = tpm2.flush_context(sess)
        t.ok(tpm2.rc_of(b.xfer(flush)) != 0,
             "VM B cannot flush VM A's session (0x%x)" % tpm2.rc_of(b.xfer(flush)))
        t.eq(tpm2.rc_of(a.xfer(flush)), 0, "VM A flushes its own session")
        err, ia = tm.vtpm_info_by_name(ctl, "vma")
        t.eq(ia["objects"], 2, "INFO: VM A has 2 objects")
        t.diag("vma: saves %d loads %d flushes %d" % (
            ia["context_saves"], ia["context_loads"], ia["flushes"]))
        t.ok(ia["context_loads"] > 0, "INFO counts the context loads tpmmux issued")
        a.close()
        b.close()
        tm.vtpm_destroy(ctl, "vma")
        tm.vtpm_destroy(ctl, "vmb")
    finally:
        stop.set()
        th.join(120)
    bad = [r for r in host if r[1] != 0]
    t.ok(len(host) >= 2 and not bad,
         "the host's tpm2_getrandom/createprimary loop on /dev/tpmrm0 succeeded "
         "every time (%d runs)" % len(host), *["%s" % (b,) for b in bad[:3]])


def test_teardown_flushes(ctl):
    tm.vtpm_create(ctl, "td")
    d = tpm2.Dev("/dev/tpmmux-vm/td")
    d.xfer(tpm2.startup())
    two_objects(d)
    r = d.xfer(tpm2.start_hmac_session())
    t.eq(tpm2.rc_of(r), 0, "the VM has two objects and a session")
    tm.vtpm_destroy(ctl, "td")
    d.close()
    raw = tpm2.Dev("/dev/tpm0")
    counts = []
    for first in (tpm2.HT_TRANSIENT, 0x02000000, 0x03000000):
        r = raw.xfer(tpm2.get_cap(tpm2.CAP_HANDLES, first, 64))
        hs = [h for h in tpm2.handles_from_getcap(tpm2.rsp(r)[3])
              if h >> 24 == first >> 24]
        counts.append(len(hs))
    raw.close()
    t.eq(counts, [0, 0, 0], "after destroy the chip holds no transient object, "
         "loaded session or saved session (raw /dev/tpm0)")


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    ctl = tm.open_ctl()
    tests = sys.argv[1:] or ["tpm2_tools", "two_vms", "teardown_flushes"]
    for name in tests:
        t.run(name, globals()["test_" + name], ctl)
    os.close(ctl)
    r = sh("rmmod", "tpmmux", check=False)
    t.eq(r.returncode, 0, "rmmod tpmmux at the end")
    t.done()


if __name__ == "__main__":
    main()
