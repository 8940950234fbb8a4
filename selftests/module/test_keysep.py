#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of per-VM key separation (keysep.c), virtual hierarchy
authorization (hauth.c) and the guests' dictionary-attack budget (da.c).

Contexts (bind_contexts, on by default), with tpm2-tools: a context saved
in VM A loads again in A, fails in VM B and on the host, and fails in A
with one byte changed.  Primary keys (primary_separation, on by default):
with tpm2-tools (tpm2_createprimary's default SRK template, tpm2_createek's
RSA and ECC EK templates) and with raw commands, the same template gives
different keys in two VMs and on the host, the same key for a re-created
VM with the same UUID, and a sealed object of A does not load under B's
primary.
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.path.abspath("tpmmux/tpmmux.ko")
VTPMCTL = os.path.abspath("tools/vtpmctl/vtpmctl")
UA = "11111111-2222-3333-4444-555555555555"
UB = "66666666-7777-8888-9999-aaaaaaaaaaaa"
UC = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"
D = tempfile.mkdtemp()
t = Tap()
RC_INTEGRITY_P1 = 0x1DF


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("%s: %s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


def tool(vm, name, *args):
    tcti = "device:/dev/tpmrm0" if vm == "host" else "device:/dev/tpmmux-vm/" + vm
    return sh("tpm2_" + name, "-T", tcti, *args, check=False)


def p(f):
    return os.path.join(D, f)


def param(name, value):
    with open("/sys/module/tpmmux/parameters/" + name, "w") as f:
        f.write(value)


def create(vm, uuid):
    sh(VTPMCTL, "create", vm, "--uuid", uuid)
    tool(vm, "startup", "-c")


def test_contexts():
    create("vma", UA)
    create("vmb", UB)
    r = tool("vma", "createprimary", "-C", "o", "-G", "ecc", "-c", p("a.ctx"))
    t.eq(r.returncode, 0, "tpm2_createprimary -c a.ctx in VM A")
    r = tool("vma", "readpublic", "-c", p("a.ctx"))
    t.eq(r.returncode, 0, "A's saved context loads again in A (another process)")
    r = tool("vmb", "readpublic", "-c", p("a.ctx"))
    t.ok(r.returncode != 0 and "0x1df" in r.stderr.lower(),
         "A's saved context fails in VM B with TPM_RC_INTEGRITY (0x1DF)", r.stderr[-300:])
    r = tool("host", "readpublic", "-c", p("a.ctx"))
    t.ok(r.returncode != 0 and "0x1df" in r.stderr.lower(),
         "A's saved context fails on the host's /dev/tpmrm0 with TPM_RC_INTEGRITY (0x1DF)",
         r.stderr[-300:])
    blob = bytearray(open(p("a.ctx"), "rb").read())
    blob[len(blob) // 2] ^= 0x01
    open(p("bad.ctx"), "wb").write(bytes(blob))
    r = tool("vma", "readpublic", "-c", p("bad.ctx"))
    t.ok(r.returncode != 0 and "0x1df" in r.stderr.lower(),
         "a context with one byte changed fails in A with TPM_RC_INTEGRITY",
         r.stderr[-300:])
    sh(VTPMCTL, "destroy", "vma")
    sh(VTPMCTL, "destroy", "vmb")


def primary(dev, hierarchy=tpm2.RH_OWNER):
    r = dev.xfer(tpm2.create_primary(hierarchy))
    tag, size, rc, body = tpm2.rsp(r)
    assert rc == 0, "CreatePrimary 0x%x" % rc
    h = struct.unpack(">I", body[:4])[0]
    n = struct.unpack(">H", body[8:10])[0]
    return h, body[10:10 + n]  # handle, TPMT_PUBLIC (ends with the key)


def seal(dev, parent, data):
    sens = struct.pack(">H", 0) + struct.pack(">H", len(data)) + data
    pub = struct.pack(">HHIHHH", 0x0008, tpm2.ALG_SHA256, 0x00000452, 0,
                      tpm2.ALG_NULL, 0)
    body = struct.pack(">I", parent) + tpm2.pw_auth() + \
        struct.pack(">H", len(sens)) + sens + struct.pack(">H", len(pub)) + pub + \
        struct.pack(">HI", 0, 0)
    r = dev.xfer(tpm2.cmd(tpm2.ST_SESSIONS, 0x153, body))
    tag, size, rc, b = tpm2.rsp(r)
    assert rc == 0, "Create 0x%x" % rc
    off = 4
    npriv = struct.unpack(">H", b[off:off + 2])[0]
    priv = b[off:off + 2 + npriv]
    off += 2 + npriv
    npub = struct.unpack(">H", b[off:off + 2])[0]
    return priv, b[off:off + 2 + npub]


def load(dev, parent, priv, pub):
    body = struct.pack(">I", parent) + tpm2.pw_auth() + priv + pub
    return dev.xfer(tpm2.cmd(tpm2.ST_SESSIONS, 0x157, body))


def pubkey(vm, ctx_or_pub, is_pub=False):
    """The public key (unique) in tpm2_readpublic's YAML."""
    if is_pub:
        r = sh("tpm2_print", "-t", "TPM2B_PUBLIC", ctx_or_pub, check=False)
    else:
        r = tool(vm, "readpublic", "-c", ctx_or_pub)
    out = r.stdout
    for key in ("rsa:", "x:"):
        for ln in out.splitlines():
            if ln.strip().startswith(key):
                return ln.strip()
    return "?%d:%s" % (r.returncode, r.stderr[-100:])


def test_tools_primaries():
    with open("/sys/module/tpmmux/parameters/primary_separation") as f:
        t.eq(f.read().strip(), "Y", "primary_separation is on by default")
    create("vma", UA)
    create("vmb", UB)
    srk, ek_rsa, ek_ecc = {}, {}, {}
    for vm in ("vma", "vmb", "host"):
        r = tool(vm, "createprimary", "-C", "o", "-c", p(vm + "-srk.ctx"))
        srk[vm] = pubkey(vm, p(vm + "-srk.ctx")) if r.returncode == 0 else "fail:" + r.stderr[-200:]
        for alg, d in (("rsa", ek_rsa), ("ecc", ek_ecc)):
            r = tool(vm, "createek", "-c", p(vm + "-ek.ctx"), "-G", alg, "-u", p(vm + "-ek.pub"))
            d[vm] = pubkey(vm, p(vm + "-ek.pub"), True) if r.returncode == 0 \
                else "fail:" + r.stderr[-200:]
            tool(vm, "flushcontext", p(vm + "-ek.ctx"))
        tool(vm, "flushcontext", "-t")
    for what, d in (("tpm2_createprimary -C o (default SRK template)", srk),
                    ("tpm2_createek -G rsa (EK template, low range)", ek_rsa),
                    ("tpm2_createek -G ecc (EK template, low range)", ek_ecc)):
        ok = len(set(d.values())) == 3 and not any(v.startswith(("fail", "?")) for v in d.values())
        t.ok(ok, "%s in VM A, VM B and on the host: three different keys" % what,
             *("%s: %s" % kv for kv in d.items()))
    # a bound HMAC session: its HMAC covers the template the module rewrites
    with tpm2.Dev("/dev/tpmmux-vm/vmb") as b:
        c = bytearray(tpm2.start_hmac_session())
        c[14:18] = struct.pack(">I", tpm2.RH_OWNER)  # bind = TPM_RH_OWNER
        r = b.xfer(bytes(c))
        h = struct.unpack(">I", r[10:14])[0] if tpm2.rc_of(r) == 0 else 0
        cp = bytearray(tpm2.create_primary())
        sess = struct.pack(">IH", h, 0) + b"\x01" + struct.pack(">H", 32) + b"\0" * 32
        body = bytes(cp[10:14]) + struct.pack(">I", len(sess)) + sess + bytes(cp[27:])
        r2 = b.xfer(tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"], body))
        t.eq((tpm2.rc_of(r), tpm2.rc_of(r2)), (0, 0x74012F),
             "CreatePrimary under a bound HMAC session: 0x74012F (the rewrite would break "
             "its HMAC), not a misleading TPM_RC_BAD_AUTH from the chip")
        b.xfer(tpm2.flush_context(h))
    sh(VTPMCTL, "destroy", "vma")
    create("vma", UA)
    r = tool("vma", "createprimary", "-C", "o", "-c", p("again.ctx"))
    t.eq(pubkey("vma", p("again.ctx")) if r.returncode == 0 else r.stderr[-200:], srk["vma"],
         "VM A destroyed and re-created with the same UUID: the same SRK as before")
    r = tool("vma", "createek", "-c", p("again-ek.ctx"), "-G", "rsa", "-u", p("again-ek.pub"))
    t.eq(pubkey("vma", p("again-ek.pub"), True) if r.returncode == 0 else r.stderr[-200:],
         ek_rsa["vma"], "... and the same RSA EK")
    sh(VTPMCTL, "destroy", "vma")
    sh(VTPMCTL, "destroy", "vmb")


def test_primaries():
    create("vma", UA)
    create("vmb", UB)
    a = tpm2.Dev("/dev/tpmmux-vm/vma")
    b = tpm2.Dev("/dev/tpmmux-vm/vmb")
    host = tpm2.Dev("/dev/tpmrm0")
    keys = {}
    for name, d in (("A", a), ("B", b), ("host", host)):
        ho, ko = primary(d)
        he, ke = primary(d, tpm2.RH_ENDORSEMENT)
        keys[name] = (ko, ke)
        for h in (ho, he):  # the kernel's resource manager holds only three
            d.xfer(tpm2.flush_context(h))
    t.ok(len({k[0] for k in keys.values()}) == 3,
         "the same storage-key template under the owner hierarchy: three different "
         "keys in VM A, VM B and on the host")
    t.ok(len({k[1] for k in keys.values()}) == 3,
         "... and under the endorsement hierarchy: three different keys")
    t.ok(keys["A"][0] != keys["A"][1], "VM A's owner and endorsement keys differ")
    ha, _ = primary(a)
    priv, pub = seal(a, ha, b"disk key of VM A")
    hb, _ = primary(b)
    t.eq(tpm2.rc_of(load(b, hb, priv, pub)), RC_INTEGRITY_P1,
         "A's sealed object under B's primary: TPM_RC_INTEGRITY")
    hh, _ = primary(host)
    t.eq(tpm2.rc_of(load(host, hh, priv, pub)), RC_INTEGRITY_P1,
         "A's sealed object under the host's primary: TPM_RC_INTEGRITY")
    host.close()
    a.close()
    b.close()
    sh(VTPMCTL, "destroy", "vma")
    create("vma", UA)
    a = tpm2.Dev("/dev/tpmmux-vm/vma")
    again = primary(a)
    t.eq(again[1], keys["A"][0], "VM A re-created with the same UUID gets the same key")
    r = load(a, again[0], priv, pub)
    t.eq(tpm2.rc_of(r), 0, "the re-created VM A loads its sealed object")
    obj = struct.unpack(">I", r[10:14])[0]
    r = a.xfer(tpm2.cmd(tpm2.ST_SESSIONS, 0x15E, struct.pack(">I", obj) + tpm2.pw_auth()))
    t.ok(tpm2.rc_of(r) == 0 and b"disk key of VM A" in r, "... and unseals it")
    a.close()
    r = tool("vmb", "createprimary", "-C", "o", "-c", p("x.ctx"))
    t.eq(r.returncode, 0, "primary_separation: tpm2_createprimary -C o (a plain HMAC session) "
         "works: hauth.c makes its HMAC again over the rewritten template")
    r = tool("vmb", "changeauth", "-c", "o", "bpw")
    r2 = tool("vmb", "createprimary", "-C", "o", "-P", "bpw", "-c", p("x.ctx"))
    t.ok(r.returncode == 0 and r2.returncode == 0,
         "... and with B's own owner value set", r.stderr[-200:], r2.stderr[-200:])
    sh(VTPMCTL, "destroy", "vma")
    sh(VTPMCTL, "destroy", "vmb")


# ---- virtual hierarchy authorization (hauth.c) and DA budget (da.c) ----

RC_BAD_AUTH_S1 = 0x9A2      # TPM_RC_BAD_AUTH + TPM_RC_S + TPM_RC_1: owner is not DA-protected
RC_AUTH_FAIL_S1 = 0x98E     # TPM_RC_AUTH_FAIL + S1: a DA-protected entity
RC_LOCKOUT = 0x921
RC_AUTH_UNSUPPORTED = 0x74012F


def rc_in(stderr):
    """The TPM response code tpm2-tools printed, or None."""
    import re
    m = re.findall(r"0x([0-9a-fA-F]{3,8})\b", stderr)
    codes = [int(x, 16) for x in m if int(x, 16) & 0xfff and int(x, 16) < 0x1000000]
    return codes[-1] if codes else None


def traced(vm, name, *args):
    """tpm2-tools with the TCTI's byte trace: (result, every byte it saw, as hex)."""
    tcti = "device:/dev/tpmrm0" if vm == "host" else "device:/dev/tpmmux-vm/" + vm
    env = dict(os.environ, TSS2_LOG="tcti+trace")
    r = subprocess.run(["tpm2_" + name, "-T", tcti] + list(args),
                       capture_output=True, text=True, env=env)
    import re
    hexdump = "".join(re.findall(r"^[0-9a-f]{4}: ((?:[0-9a-f]{2})+)", r.stderr, re.M))
    return r, hexdump


def hier_change_auth(dev, hierarchy, old, new):
    body = struct.pack(">I", hierarchy) + tpm2.pw_auth(old) + struct.pack(">H", len(new)) + new
    return dev.xfer(tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["HierarchyChangeAuth"], body))


def create_primary_pw(dev, pw, hierarchy=tpm2.RH_OWNER):
    c = bytearray(tpm2.create_primary(hierarchy))
    # swap the empty password for pw: rebuild from the pieces
    body = bytes(c[10:])
    old_auth = tpm2.pw_auth()
    assert body[4:4 + len(old_auth)] == old_auth
    body = body[:4] + tpm2.pw_auth(pw) + body[4 + len(old_auth):]
    return dev.xfer(tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"], body))


def start_session(dev, stype):
    c = bytearray(tpm2.start_hmac_session())
    c[-5] = stype  # sessionType: 0 HMAC, 1 policy
    r = dev.xfer(bytes(c))
    assert tpm2.rc_of(r) == 0, "StartAuthSession 0x%x" % tpm2.rc_of(r)
    return struct.unpack(">I", r[10:14])[0]


def test_hier_auth():
    create("vma", UA)
    create("vmb", UB)
    vmpw = b"vm-A-owner-9f3c"
    r = tool("vma", "changeauth", "-c", "o", vmpw.decode())
    t.eq(r.returncode, 0, "VM A: tpm2_changeauth -c o NEW (HMAC session, answered by tpmmux)")
    r = tool("vma", "createprimary", "-C", "o", "-P", vmpw.decode(), "-c", p("ha.ctx"))
    t.eq(r.returncode, 0, "VM A: tpm2_createprimary -C o -P NEW works")
    r = tool("vma", "createprimary", "-C", "o", "-c", p("ha.ctx"))
    t.ok(r.returncode != 0 and rc_in(r.stderr) == RC_BAD_AUTH_S1,
         "VM A: tpm2_createprimary -C o with the old (empty) value: 0x9A2 (BAD_AUTH, session 1)",
         r.stderr[-300:])
    r = tool("vmb", "createprimary", "-C", "o", "-c", p("hb.ctx"))
    t.eq(r.returncode, 0, "VM B: tpm2_createprimary -C o with the empty value works")
    r = tool("host", "createprimary", "-C", "o", "-c", p("hh.ctx"))
    t.eq(r.returncode, 0, "host /dev/tpmrm0: tpm2_createprimary -C o with the empty value works")

    a = tpm2.Dev("/dev/tpmmux-vm/vma")
    rsps = []
    r = create_primary_pw(a, b"")
    rsps.append(r)
    t.eq(tpm2.rc_of(r), RC_BAD_AUTH_S1, "raw CreatePrimary, empty password, in A: 0x9A2")
    r = create_primary_pw(a, b"wrong")
    rsps.append(r)
    t.eq(tpm2.rc_of(r), RC_BAD_AUTH_S1, "raw CreatePrimary, wrong password, in A: 0x9A2")
    r = create_primary_pw(a, vmpw + b"\0\0")
    rsps.append(r)
    t.eq(tpm2.rc_of(r), 0, "raw CreatePrimary, NEW with trailing zeros (the TPM strips them): success")
    if tpm2.rc_of(r) == 0:
        a.xfer(tpm2.flush_context(struct.unpack(">I", r[10:14])[0]))
    r = hier_change_auth(a, tpm2.RH_OWNER, b"wrong", b"x")
    rsps.append(r)
    t.eq(tpm2.rc_of(r), RC_BAD_AUTH_S1, "raw HierarchyChangeAuth with a wrong password: 0x9A2")
    h = start_session(a, 1)
    body = struct.pack(">I", tpm2.RH_OWNER)
    sess = struct.pack(">IH", h, 0) + b"\x01" + struct.pack(">H", 0)
    c = tpm2.create_primary()
    tail = c[10 + 4 + len(tpm2.pw_auth()):]
    r = a.xfer(tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"],
                        body + struct.pack(">I", len(sess)) + sess + tail))
    rsps.append(r)
    t.eq(tpm2.rc_of(r), RC_AUTH_UNSUPPORTED,
         "a policy session on the owner hierarchy whose VM value is set: 0x74012F")
    a.xfer(tpm2.flush_context(h))
    r = hier_change_auth(a, tpm2.RH_ENDORSEMENT, b"", b"vm-A-endorse")
    rsps.append(r)
    t.eq(tpm2.rc_of(r), 0, "raw HierarchyChangeAuth of the endorsement hierarchy in A")
    r = create_primary_pw(a, b"vm-A-endorse", tpm2.RH_ENDORSEMENT)
    rsps.append(r)
    t.eq(tpm2.rc_of(r), 0, "... A's endorsement primary with its new value")
    if tpm2.rc_of(r) == 0:
        a.xfer(tpm2.flush_context(struct.unpack(">I", r[10:14])[0]))
    t.ok(all(vmpw not in x and b"vm-A-endorse" not in x for x in rsps),
         "no response in A carries A's new values")
    a.close()

    # the host's real owner authorization, given to tpmmux
    create("vmc", UC)
    tool("vmc", "createprimary", "-C", "o", "-G", "ecc", "-c", p("c1.ctx"))
    srk_c = pubkey("vmc", p("c1.ctx"))
    sh(VTPMCTL, "destroy", "vmc")
    hostpw = "host-owner-7d21e5"
    hosthex = hostpw.encode().hex()
    r = tool("host", "changeauth", "-c", "o", hostpw)
    t.eq(r.returncode, 0, "host: tpm2_changeauth -c o HOSTPW on /dev/tpmrm0")
    r = tool("vmb", "createprimary", "-C", "o", "-c", p("hb.ctx"))
    t.ok(r.returncode != 0, "VM B before host-auth: createprimary -C o fails (the chip wants HOSTPW)")
    r = subprocess.run([VTPMCTL, "host-auth", "--owner"], input=hostpw + "\n",
                       capture_output=True, text=True)
    t.eq(r.returncode, 0, "vtpmctl host-auth --owner < secret")
    create("vmc", UC)
    r = tool("vmc", "createprimary", "-C", "o", "-G", "ecc", "-c", p("c2.ctx"))
    t.eq(pubkey("vmc", p("c2.ctx")) if r.returncode == 0 else r.stderr[-200:], srk_c,
         "a VM re-created while the host's owner value is set (and given) gets the same SRK: "
         "its secret is derived with the host's value")
    sh(VTPMCTL, "destroy", "vmc")
    t.ok("cannot derive" not in sh("dmesg").stdout, "no 'cannot derive VM secrets' in the kernel log")
    r, hx = traced("vmb", "createprimary", "-C", "o", "-c", p("hb.ctx"))
    t.eq(r.returncode, 0, "VM B (empty virtual value): tpm2_createprimary -C o works with the host's set")
    t.ok(hx and hosthex not in hx, "... and no byte the VM saw carries HOSTPW (%d bytes traced)" % (len(hx) // 2))
    r, hx = traced("vma", "createprimary", "-C", "o", "-P", vmpw.decode(), "-c", p("ha.ctx"))
    t.eq(r.returncode, 0, "VM A: tpm2_createprimary -C o -P NEW still works")
    t.ok(hosthex not in hx, "... without HOSTPW in anything VM A saw")
    b = tpm2.Dev("/dev/tpmmux-vm/vmb")
    r = create_primary_pw(b, b"")
    t.eq(tpm2.rc_of(r), 0, "raw CreatePrimary in B, password session, empty value: success")
    t.ok(hostpw.encode() not in r, "... response without HOSTPW")
    if tpm2.rc_of(r) == 0:
        b.xfer(tpm2.flush_context(struct.unpack(">I", r[10:14])[0]))
    r = create_primary_pw(b, hostpw.encode())
    t.eq(tpm2.rc_of(r), RC_BAD_AUTH_S1, "B sending HOSTPW itself: 0x9A2 (checked against B's value)")
    h = start_session(b, 1)
    sess = struct.pack(">IH", h, 0) + b"\x01" + struct.pack(">H", 0)
    r = b.xfer(tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"],
                        struct.pack(">I", tpm2.RH_OWNER) + struct.pack(">I", len(sess)) + sess + tail))
    t.eq(tpm2.rc_of(r), RC_AUTH_UNSUPPORTED, "policy session on owner while the host's value is set: 0x74012F")
    b.xfer(tpm2.flush_context(h))
    b.close()
    r = tool("host", "changeauth", "-c", "o", "-p", hostpw)
    t.eq(r.returncode, 0, "host: owner authorization back to empty")
    subprocess.run([VTPMCTL, "host-auth", "--owner"], input="", text=True)
    sh(VTPMCTL, "destroy", "vma")
    create("vma", UA)
    r = tool("vma", "createprimary", "-C", "o", "-c", p("ha.ctx"))
    t.eq(r.returncode, 0, "VM A re-created: its owner value is empty again (not persistent)")
    sh(VTPMCTL, "destroy", "vma")
    sh(VTPMCTL, "destroy", "vmb")


def props(vm="host"):
    r = tool(vm, "getcap", "properties-variable")
    out = {}
    for line in r.stdout.splitlines():
        if ":" in line and line.strip().startswith("TPM2_PT_"):
            k, v = line.split(":", 1)
            try:
                out[k.strip()] = int(v.strip(), 0)
            except ValueError:
                pass
    return out


def sealed(vm, pw, tag):
    pr = p(tag + "p.ctx")
    assert tool(vm, "createprimary", "-C", "o", "-c", pr).returncode == 0
    open(p(tag + ".dat"), "wb").write(b"secret of " + tag.encode())
    r = tool(vm, "create", "-C", pr, "-u", p(tag + ".pub"), "-r", p(tag + ".priv"),
             "-p", pw, "-i", p(tag + ".dat"))
    assert r.returncode == 0, r.stderr
    r = tool(vm, "load", "-C", pr, "-u", p(tag + ".pub"), "-r", p(tag + ".priv"),
             "-c", p(tag + ".ctx"))
    assert r.returncode == 0, r.stderr
    return p(tag + ".ctx")


def test_da():
    pv = props()
    t.diag("host DA: counter %s max %s interval %s recovery %s" % (
        pv.get("TPM2_PT_LOCKOUT_COUNTER"), pv.get("TPM2_PT_MAX_AUTH_FAIL"),
        pv.get("TPM2_PT_LOCKOUT_INTERVAL"), pv.get("TPM2_PT_LOCKOUT_RECOVERY")))
    hk = sealed("host", "hostkeypw", "hk")
    create("vma", UA)
    create("vmb", UB)
    ak = sealed("vma", "vmapw", "ak")
    bk = sealed("vmb", "vmbpw", "bk")
    codes = []
    for _ in range(20):
        r = tool("vma", "unseal", "-c", ak, "-p", "wrongpw")
        codes.append(rc_in(r.stderr) if r.returncode else 0)
    t.diag("VM A's 20 wrong unseals: %s" % " ".join("%x" % (c or 0) for c in codes))
    fails = sum(1 for c in codes if c == RC_AUTH_FAIL_S1)
    t.ok(fails >= 1 and fails <= max(1, (pv.get("TPM2_PT_MAX_AUTH_FAIL", 3) - 1)),
         "VM A: the chip counted %d failure(s), within the guests' budget" % fails)
    t.ok(codes[-1] == RC_LOCKOUT and codes.count(RC_LOCKOUT) >= 20 - fails,
         "VM A: every later attempt answered TPM_RC_LOCKOUT (0x921) by tpmmux")
    pv2 = props()
    t.ok(pv2.get("TPM2_PT_LOCKOUT_COUNTER", 99) < pv2.get("TPM2_PT_MAX_AUTH_FAIL", 0),
         "host: TPM_PT_LOCKOUT_COUNTER %s below TPM_PT_MAX_AUTH_FAIL %s" % (
             pv2.get("TPM2_PT_LOCKOUT_COUNTER"), pv2.get("TPM2_PT_MAX_AUTH_FAIL")))
    r = tool("host", "unseal", "-c", hk, "-p", "hostkeypw")
    t.ok(r.returncode == 0 and b"secret of hk" in r.stdout.encode(),
         "host: its DA-protected key still unseals", r.stderr[-200:])
    r = tool("vmb", "unseal", "-c", bk, "-p", "vmbpw")
    t.ok(r.returncode == 0 and "secret of bk" in r.stdout, "VM B: its DA-protected key still unseals",
         r.stderr[-200:])
    r = tool("vma", "unseal", "-c", ak, "-p", "vmapw")
    t.eq(rc_in(r.stderr) if r.returncode else 0, RC_LOCKOUT,
         "VM A over its share: even the right password gets TPM_RC_LOCKOUT until the chip forgives")
    r = tool("vma", "createprimary", "-C", "o", "-c", p("x.ctx"))
    t.eq(r.returncode, 0, "VM A over its share: hierarchy commands (not DA-protected) still work")
    sh(VTPMCTL, "destroy", "vma")
    sh(VTPMCTL, "destroy", "vmb")


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    t.run("contexts", test_contexts)
    t.run("primaries", test_primaries)
    t.run("primaries with tpm2-tools", test_tools_primaries)
    t.run("hierarchy auth", test_hier_auth)
    t.run("dictionary attack", test_da)
    t.eq(sh("rmmod", "tpmmux", check=False).returncode, 0, "rmmod at the end")
    t.done()


if __name__ == "__main__":
    main()
