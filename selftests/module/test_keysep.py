#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of per-VM key separation (keysep.c).

Contexts (bind_contexts, on by default), with tpm2-tools: a context saved
in VM A loads again in A, fails in VM B and on the host, and fails in A
with one byte changed.  Primary keys (primary_separation, off by default
because it breaks CreatePrimary under HMAC sessions): with raw commands
and password sessions, the same template gives different keys in two VMs
and on the host, the same key for a re-created VM with the same UUID,
and a sealed object of A does not load under B's primary.
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
    t.ok(r.returncode != 0, "A's saved context fails on the host's /dev/tpmrm0",
         r.stderr[-200:])
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


def test_primaries():
    param("primary_separation", "1")
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
    t.diag("known limit: tpm2_createprimary (HMAC session) with primary_separation: "
           "exit %d %s" % (r.returncode, r.stderr.strip().splitlines()[-1:] if r.stderr else ""))
    sh(VTPMCTL, "destroy", "vma")
    sh(VTPMCTL, "destroy", "vmb")
    param("primary_separation", "0")


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    t.run("contexts", test_contexts)
    t.run("primaries", test_primaries)
    t.eq(sh("rmmod", "tpmmux", check=False).returncode, 0, "rmmod at the end")
    t.done()


if __name__ == "__main__":
    main()
