#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of vTPM management and of the per-VM character device.

Run inside the test VM (selftests/vm/run -- ...) as root from the project
directory, with a TPM 2.0 at /dev/tpm0 and /dev/tpmrm0.
"""
import errno
import os
import select
import stat
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.environ.get("TPMMUX_KO", os.path.abspath("tpmmux/tpmmux.ko"))
VTPMCTL = os.path.abspath("tools/vtpmctl/vtpmctl")
t = Tap()


def sh(*cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd),
                           r.returncode, r.stdout, r.stderr))
    return r


def node(name):
    return os.path.join(tm.VTPM_DIR, name)


def xfer_rc(dev, command):
    return tpm2.rc_of(dev.xfer(command))


def started_dev(ctl, name):
    """Create vTPM name, open it and send Startup(CLEAR)."""
    err, _ = tm.vtpm_create(ctl, name)
    assert err == 0, "create %s: %s" % (name, os.strerror(err))
    d = tpm2.Dev(node(name))
    rc = xfer_rc(d, tpm2.startup())
    assert rc == 0, "Startup: 0x%x" % rc
    return d


# ---- management ioctls ----

def test_create_destroy(ctl):
    err, vid = tm.vtpm_create(ctl, "vm1", uuid=bytes(range(16)), mode=0o660,
                              uid=107, gid=108)
    t.eq(err, 0, "create vm1 succeeds")
    st = os.stat(node("vm1"))
    t.ok(stat.S_ISCHR(st.st_mode), "/dev/tpmmux-vm/vm1 is a character device")
    t.eq((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (0o660, 107, 108),
         "the node has the mode and owner given at create")
    t.eq(os.minor(st.st_rdev), vid, "the node's minor is the vTPM id")
    err, info = tm.vtpm_info(ctl, vid)
    t.eq(err, 0, "INFO by id succeeds")
    t.eq((info["name"], info["uuid"], info["mode"], info["uid"], info["gid"]),
         ("vm1", bytes(range(16)), 0o660, 107, 108),
         "INFO reports name, uuid, mode and owner")
    with open("/sys/class/tpmmux/vm1/uuid") as f:
        t.eq(f.read().strip(), "00010203-0405-0607-0809-0a0b0c0d0e0f",
             "sysfs uuid attribute")
    err, _ = tm.vtpm_create(ctl, "vm1")
    t.eq(err, errno.EEXIST, "a duplicate name gets EEXIST")
    for bad in ("", "a" * 64, "a/b", "..", ".", "a b", "caf\xe9", "x\ny"):
        err, _ = tm.vtpm_create(ctl, bad.encode("latin-1"))
        t.eq(err, errno.EINVAL, "bad name %r gets EINVAL" % bad)
    err, vid63 = tm.vtpm_create(ctl, "n" * 63)
    t.eq(err, 0, "a 63-character name is accepted")
    t.eq(tm.vtpm_destroy(ctl, "n" * 63), 0, "... and destroyed")
    err, _ = tm.vtpm_create(ctl, "ok-name_1.x", flags=2)
    t.eq(err, errno.EOPNOTSUPP, "create with unknown flags gets EOPNOTSUPP")
    err, _ = tm.vtpm_create(ctl, "ok-name_1.x", pcr_banks=2)
    t.eq(err, errno.EINVAL, "create with pcr_banks but not its flag gets EINVAL")
    err, _ = tm.vtpm_create(ctl, "ok-name_1.x", flags=tm.CREATE_PCR_BANKS,
                            pcr_banks=0x40)
    t.eq(err, errno.EINVAL, "create with an unknown PCR bank gets EINVAL")
    err, _ = tm.vtpm_create(ctl, "ok-name_1.x", mode=0o1000)
    t.eq(err, errno.EINVAL, "create with mode bits outside 0777 gets EINVAL")
    t.eq(tm.vtpm_destroy(ctl, "nope"), errno.ENOENT,
         "destroying an unknown name gets ENOENT")
    t.eq(tm.vtpm_destroy(ctl, "vm1", flags=2), errno.EOPNOTSUPP,
         "destroy with unknown flags gets EOPNOTSUPP")
    err, lst = tm.vtpm_list(ctl)
    t.eq((err, lst[0] if lst else None, lst[1] if lst else None), (0, 1, [vid]),
         "LIST returns the one vTPM's id")
    err, lst = tm.vtpm_list(ctl, room=0)
    t.eq((err, lst[0]), (0, 1), "LIST with no room still counts")
    err, v = tm.get_version(ctl)
    t.eq(v["nr_vtpms"], 1, "GET_VERSION counts the vTPM")
    t.ok(v["features"] & tm.FEAT_VTPM, "GET_VERSION has the vtpm feature")

    # An unprivileged holder of the control fd cannot create or destroy.
    pid = os.fork()
    if pid == 0:
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        e1, _ = tm.vtpm_create(ctl, "evil")
        e2 = tm.vtpm_destroy(ctl, "vm1")
        os._exit(0 if (e1, e2) == (errno.EPERM, errno.EPERM) else 1)
    _, status = os.waitpid(pid, 0)
    t.eq(status, 0, "create and destroy without CAP_SYS_ADMIN get EPERM")

    t.eq(tm.vtpm_destroy(ctl, "vm1"), 0, "destroy vm1 succeeds")
    t.ok(not os.path.exists(node("vm1")), "the node is gone after destroy")
    t.eq(tm.vtpm_info(ctl, vid)[0], errno.ENOENT, "INFO of a destroyed id: ENOENT")


def test_vtpmctl(ctl):
    r = sh(VTPMCTL, "create", "cli1", "--uuid",
           "6b1e2e9a-5a43-4c39-9e0e-6d1f4e1b2c3d", "--owner", "nobody:nogroup",
           "--mode", "0640", check=False)
    t.eq((r.returncode, r.stdout.strip()), (0, "/dev/tpmmux-vm/cli1"),
         "vtpmctl create prints the node")
    st = os.stat(node("cli1"))
    t.eq((stat.S_IMODE(st.st_mode), st.st_uid), (0o640, 65534),
         "vtpmctl create --owner/--mode set the node's owner and mode")
    r = sh(VTPMCTL, "list", check=False)
    t.eq(r.stdout, "cli1\n", "vtpmctl list lists it")
    r = sh(VTPMCTL, "show", "cli1", check=False)
    t.ok(r.returncode == 0 and "uuid: 6b1e2e9a-5a43-4c39-9e0e-6d1f4e1b2c3d"
         in r.stdout, "vtpmctl show shows the uuid", r.stdout, r.stderr)
    r = sh(VTPMCTL, "create", "cli1", check=False)
    t.ok(r.returncode == 1 and "'cli1' exists already" in r.stderr,
         "vtpmctl create of a taken name exits 1 naming it", r.stderr)
    r = sh(VTPMCTL, "show", "nope", check=False)
    t.ok(r.returncode == 1 and "'nope'" in r.stderr,
         "vtpmctl show of an unknown name exits 1 naming it", r.stderr)
    r = sh(VTPMCTL, "qemu-args", "cli1", check=False)
    t.eq(r.stdout.strip(), "-tpmdev passthrough,id=tpmmux0,path=/dev/tpmmux-vm/cli1,"
         "cancel-path=/sys/class/tpmmux/cli1/cancel -device tpm-crb,tpmdev=tpmmux0",
         "vtpmctl qemu-args prints the passthrough backend and a CRB device")
    r = sh(VTPMCTL, "destroy", "cli1", check=False)
    t.eq(r.returncode, 0, "vtpmctl destroy succeeds")
    r = sh(VTPMCTL, "destroy", "cli1", check=False)
    t.ok(r.returncode == 1 and "no vTPM called 'cli1'" in r.stderr,
         "vtpmctl destroy of an unknown name exits 1 naming it", r.stderr)


# ---- the character device ----

def test_chardev(ctl):
    err, _ = tm.vtpm_create(ctl, "cd")
    d = tpm2.Dev(node("cd"))
    try:
        os.open(node("cd"), os.O_RDWR)
        second = 0
    except OSError as e:
        second = e.errno
    t.eq(second, errno.EBUSY, "a second open gets EBUSY")

    t.eq(xfer_rc(d, tpm2.get_random(8)), tpm2.RC_INITIALIZE,
         "a command before Startup gets TPM_RC_INITIALIZE")
    # QEMU's passthrough backend probes the buffer size before Startup.
    r = d.xfer(tpm2.get_cap(tpm2.CAP_TPM_PROPERTIES, 0x11E, 2))
    tag, size, rc, body = tpm2.rsp(r)
    props = struct.unpack(">IIII", body[9:25]) if rc == 0 and len(body) >= 25 else None
    t.ok(rc == 0 and size == 35 and props and props[0] == 0x11E and
         props[2] == 0x11F and props[1] <= 3968 and props[3] <= 3968,
         "GetCapability(MAX_COMMAND_SIZE, 2) is answered before Startup, "
         "sizes at most 3968 (QEMU's CRB buffer)", r.hex())
    t.eq(xfer_rc(d, tpm2.startup()), 0, "Startup(CLEAR) succeeds (virtual)")
    t.eq(xfer_rc(d, tpm2.startup()), tpm2.RC_INITIALIZE,
         "a second Startup gets TPM_RC_INITIALIZE")
    r = d.xfer(tpm2.get_random(16))
    tag, size, rc, body = tpm2.rsp(r)
    t.ok(rc == 0 and size == 28 and struct.unpack(">H", body[:2])[0] == 16,
         "GetRandom(16) returns 16 bytes", r.hex())
    local_random(d, ctl)

    def werr(buf):
        try:
            os.write(d.fd, buf)
            return 0
        except OSError as e:
            return e.errno

    good = tpm2.get_random(8)
    t.eq(werr(good[:9]), errno.EINVAL, "a 9-byte write gets EINVAL")
    t.eq(werr(struct.pack(">HII", 0x8001, 8, 0x17B) + b"\0\x08"),
         errno.EINVAL, "header size 8 (below 10) gets EINVAL")
    t.eq(werr(struct.pack(">HII", 0x8001, 13, 0x17B) + b"\0\x08"),
         errno.EINVAL, "header size above the bytes written gets EINVAL")
    t.eq(werr(struct.pack(">HII", 0x8001, 11, 0x17B) + b"\0\x08"),
         errno.EINVAL, "header size below the bytes written gets EINVAL")
    big = struct.pack(">HII", 0x8001, 4097, 0x17B) + b"\0" * 4087
    t.eq(werr(big), errno.EINVAL, "a 4097-byte command gets EINVAL")
    t.eq(xfer_rc(d, good), 0, "the device still works after the bad writes")

    # One command in flight: a second write before the read gets EBUSY.
    os.write(d.fd, good)
    t.eq(werr(good), errno.EBUSY, "a second write before reading gets EBUSY")
    part = os.read(d.fd, 4)
    rest = os.read(d.fd, 4096)
    t.ok(len(part) == 4 and len(part + rest) == 20 and
         tpm2.rc_of(part + rest) == 0, "a short read returns the response in parts")
    t.eq(os.read(d.fd, 4096), b"", "a read with no response returns 0 bytes")
    os.write(d.fd, good)
    os.read(d.fd, 2)
    t.eq(werr(good), 0, "a write after a partial read discards the rest")
    t.eq(tpm2.rc_of(os.read(d.fd, 4096)), 0, "... and its response is read")

    # O_NONBLOCK and poll.
    d.close()
    d = tpm2.Dev(node("cd"), os.O_NONBLOCK)
    p = select.poll()
    p.register(d.fd, select.POLLIN | select.POLLOUT)
    ev = dict(p.poll(0))
    t.eq(ev.get(d.fd, 0) & (select.POLLIN | select.POLLOUT), select.POLLOUT,
         "poll: an idle device is writable, not readable")
    os.write(d.fd, good)
    ev = dict(p.poll(5000))
    t.ok(ev.get(d.fd, 0) & select.POLLIN, "poll: the response makes it readable")
    r = os.read(d.fd, 4096)
    t.eq(tpm2.rc_of(r), 0, "non-blocking write + poll + read works")
    t.eq(xfer_rc(d, tpm2.startup()), tpm2.RC_INITIALIZE,
         "Startup state survives close and reopen")
    d.close()
    t.eq(tm.vtpm_destroy(ctl, "cd"), 0, "destroy cd")


REFUSED = [
    # name, handles, needs an authorization area
    ("Clear", [tpm2.RH_LOCKOUT], True),
    ("ClearControl", [tpm2.RH_LOCKOUT], True),
    ("HierarchyControl", [tpm2.RH_PLATFORM], True),
    ("ChangeEPS", [tpm2.RH_PLATFORM], True),
    ("ChangePPS", [tpm2.RH_PLATFORM], True),
    ("DictionaryAttackLockReset", [tpm2.RH_LOCKOUT], True),
    ("DictionaryAttackParameters", [tpm2.RH_LOCKOUT], True),
    ("SetPrimaryPolicy", [tpm2.RH_OWNER], True),
    ("PCR_SetAuthPolicy", [tpm2.RH_PLATFORM], True),
    ("PCR_SetAuthValue", [0], True),
    ("NV_DefineSpace", [tpm2.RH_OWNER], True),
    ("NV_UndefineSpace", [tpm2.RH_OWNER, 0x01500000], True),
    ("NV_UndefineSpaceSpecial", [0x01500000, tpm2.RH_PLATFORM], True),
    ("NV_GlobalWriteLock", [tpm2.RH_OWNER], True),
    ("EvictControl", [tpm2.RH_OWNER, 0x80000000], True),
    ("FieldUpgradeStart", [tpm2.RH_PLATFORM, 0x80000000], True),
    ("FieldUpgradeData", [], False),
    ("FirmwareRead", [], False),
    ("ClockSet", [tpm2.RH_OWNER], True),
    ("ClockRateAdjust", [tpm2.RH_OWNER], True),
    ("SetCommandCodeAuditStatus", [tpm2.RH_OWNER], True),
    ("PP_Commands", [tpm2.RH_PLATFORM], True),
]


def refused_cmd(name, handles, auth, cc=None):
    body = b"".join(struct.pack(">I", h) for h in handles)
    if auth:
        body += tpm2.pw_auth()
    body += b"\0" * 8
    return tpm2.cmd(tpm2.ST_SESSIONS if auth else tpm2.ST_NO_SESSIONS,
                    cc if cc is not None else tpm2.CC[name], body)


def host_persistent_key():
    """A persistent key on the host's chip, made through /dev/tpmrm0."""
    sh("tpm2_createprimary", "-T", "device:/dev/tpmrm0", "-C", "o", "-c",
       "/tmp/hostp.ctx")
    sh("tpm2_evictcontrol", "-T", "device:/dev/tpmrm0", "-C", "o", "-c",
       "/tmp/hostp.ctx", "0x81000005")
    return sh("tpm2_readpublic", "-T", "device:/dev/tpmrm0", "-c",
              "0x81000005").stdout


def test_policy(ctl):
    before = host_persistent_key()
    d = started_dev(ctl, "pol")
    for name, handles, auth in REFUSED:
        t.eq(xfer_rc(d, refused_cmd(name, handles, auth)), tpm2.TPMMUX_REFUSED,
             "%s is refused with TPMMUX_RC_LAYER|TPM_RC_COMMAND_CODE" % name)
    for cc in (0x20000001, 0x2000FFFF, 0x1FF, 0x11E):
        t.eq(xfer_rc(d, refused_cmd("", [], False, cc=cc)), tpm2.TPMMUX_REFUSED,
             "command code 0x%x (vendor or unknown) is refused" % cc)
    # Commands the chip would evaluate against the host's PCRs.
    body = tpm2.create_primary()[10:-4] + struct.pack(">IHB3s", 1, tpm2.ALG_SHA256, 3, b"\x01\0\0")
    cp = tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"], body)
    t.eq(xfer_rc(d, cp), tpm2.TPMMUX_LAYER | 0x127,
         "CreatePrimary with a creationPCR selection gets TPMMUX_RC_PCR_UNSUPPORTED")
    quote = tpm2.cmd(tpm2.ST_SESSIONS, 0x158, struct.pack(">I", 0x80000000) +
                     tpm2.pw_auth() + struct.pack(">HH", 0, tpm2.ALG_NULL) +
                     struct.pack(">IHB3s", 1, tpm2.ALG_SHA256, 3, b"\x01\0\0"))
    t.eq(xfer_rc(d, quote), tpm2.TPMMUX_LAYER | 0x127,
         "Quote gets TPMMUX_RC_PCR_UNSUPPORTED")
    ppcr = tpm2.cmd(tpm2.ST_NO_SESSIONS, 0x17F, struct.pack(">IH", 0x03000000, 0) +
                    struct.pack(">IHB3s", 1, tpm2.ALG_SHA256, 3, b"\x01\0\0"))
    t.eq(xfer_rc(d, ppcr), tpm2.TPMMUX_LAYER | 0x127,
         "PolicyPCR gets TPMMUX_RC_PCR_UNSUPPORTED")
    t.eq(xfer_rc(d, tpm2.create_primary()), 0,
         "CreatePrimary with an empty creationPCR selection works")
    nv_read = tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["NV_Read"],
                       struct.pack(">II", 0x01C00002, 0x01C00002) +
                       tpm2.pw_auth() + struct.pack(">HH", 16, 0))
    t.eq(xfer_rc(d, nv_read), tpm2.TPMMUX_REFUSED,
         "NV_Read of the host's EK certificate index is refused")
    after = sh("tpm2_readpublic", "-T", "device:/dev/tpmrm0", "-c",
               "0x81000005", check=False)
    t.ok(after.returncode == 0 and after.stdout == before,
         "the host's persistent key is still there and unchanged after the "
         "VM sent Clear, EvictControl, ...")
    r = sh("tpm2_getrandom", "-T", "device:/dev/tpmrm0", "--hex", "8", check=False)
    t.eq(r.returncode, 0, "the host's /dev/tpmrm0 still works")
    err, info = tm.vtpm_info_by_name(ctl, "pol")
    t.eq(info["refused"], len(REFUSED) + 8, "INFO counts the refused commands")
    t.eq(xfer_rc(d, tpm2.get_random(4)), 0, "the VM still works after them")
    sh("tpm2_evictcontrol", "-T", "device:/dev/tpmrm0", "-C", "o", "-c",
       "0x81000005", check=False)
    d.close()
    tm.vtpm_destroy(ctl, "pol")


def local_random(d, ctl):
    """GetRandom without sessions is the module's (local_random=1)."""
    err, before = tm.vtpm_info_by_name(ctl, "cd")
    outs = [d.xfer(tpm2.get_random(64)) for _ in range(20)]
    err, after = tm.vtpm_info_by_name(ctl, "cd")
    t.eq(after["chip_commands"] - before["chip_commands"], 0,
         "20 GetRandom(64) never reach the chip (local_random)")
    t.eq(set((tpm2.rc_of(o), len(o)) for o in outs), {(0, 76)},
         "each returns 64 bytes")
    t.eq(len(set(o[12:] for o in outs)), 20, "all 20 different")
    r = d.xfer(tpm2.get_random(1000))
    t.eq((tpm2.rc_of(r), struct.unpack(">H", r[10:12])[0], len(r)), (0, 64, 76),
         "GetRandom(1000) returns 64 bytes, the largest digest, as a TPM")
    t.eq(tpm2.rc_of(d.xfer(tpm2.cmd(tpm2.ST_NO_SESSIONS, tpm2.CC["GetRandom"], b"\x00"))),
         tpm2.RC_INSUFFICIENT | 0x140, "GetRandom with a 1-byte parameter: TPM_RC_INSUFFICIENT + P + 1, as libtpms")
    t.eq(tpm2.rc_of(d.xfer(tpm2.cmd(tpm2.ST_NO_SESSIONS, tpm2.CC["GetRandom"], b"\x00\x08\x00"))),
         tpm2.RC_SIZE, "GetRandom with a trailing byte: TPM_RC_SIZE")
    with open("/sys/module/tpmmux/parameters/local_random", "w") as f:
        f.write("0\n")
    r = d.xfer(tpm2.get_random(16))
    err, last = tm.vtpm_info_by_name(ctl, "cd")
    with open("/sys/module/tpmmux/parameters/local_random", "w") as f:
        f.write("1\n")
    t.eq((tpm2.rc_of(r), last["chip_commands"] - after["chip_commands"]), (0, 1),
         "with local_random=0 GetRandom goes to the chip")


def test_bad_input(ctl):
    d = started_dev(ctl, "bad")
    gr = tpm2.get_random(8)
    cases = [
        ("a TPM 1.2 tag", struct.pack(">HII", 0x00C1, 12, 0x17B) + b"\0\x08",
         tpm2.RC_BAD_TAG),
        ("a handle area shorter than the command's handles",
         tpm2.cmd(tpm2.ST_NO_SESSIONS, tpm2.CC["ReadPublic"], b"\x80\0"),
         tpm2.RC_INSUFFICIENT | 0x100),
        ("authorizationSize past the end of the command",
         tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"],
                  struct.pack(">II", tpm2.RH_OWNER, 100) + b"\0" * 9),
         tpm2.RC_AUTHSIZE),
        ("authorizationSize off by its own 4 bytes (CVE-2023-1017 shape)",
         tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"],
                  struct.pack(">II", tpm2.RH_OWNER, 13) +
                  struct.pack(">IH", tpm2.RS_PW, 0) + b"\0" + struct.pack(">H", 0)),
         tpm2.RC_AUTHSIZE),
        ("a nonce TPM2B running past the session",
         tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"],
                  struct.pack(">II", tpm2.RH_OWNER, 9) +
                  struct.pack(">IH", tpm2.RS_PW, 40) + b"\0" + struct.pack(">H", 0)),
         None),
        ("four sessions",
         tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["CreatePrimary"],
                  struct.pack(">II", tpm2.RH_OWNER, 36) +
                  (struct.pack(">IH", tpm2.RS_PW, 0) + b"\0" + struct.pack(">H", 0)) * 4),
         tpm2.RC_AUTHSIZE),
    ]
    for desc, command, want in cases:
        rc = xfer_rc(d, command)
        if want is None:
            t.ok(rc != 0 and rc & 0xFFF in (tpm2.RC_INSUFFICIENT, tpm2.RC_SIZE) or
                 (rc & 0x3F) in (tpm2.RC_INSUFFICIENT & 0x3F, tpm2.RC_SIZE & 0x3F),
                 "%s is answered with an error (0x%x)" % (desc, rc))
        else:
            t.eq(rc, want, "%s gets 0x%x" % (desc, want))
    # A command that exactly fills the buffer (4096 bytes).
    full = struct.pack(">HII", tpm2.ST_NO_SESSIONS, 4096, tpm2.CC["GetRandom"]) + \
        b"\0\x08" + b"\0" * 4084
    os.write(d.fd, full)
    r = os.read(d.fd, 4096)
    t.eq(tpm2.rc_of(r), tpm2.RC_COMMAND_SIZE,
         "a command exactly filling 4096 bytes (above the chip's maximum) "
         "gets TPM_RC_COMMAND_SIZE without reaching the chip")
    t.eq(xfer_rc(d, gr), 0, "the VM keeps working after the bad inputs")
    r = sh("tpm2_getrandom", "-T", "device:/dev/tpmrm0", "--hex", "8", check=False)
    t.eq(r.returncode, 0, "the host keeps working after the bad inputs")
    d.close()
    tm.vtpm_destroy(ctl, "bad")


def test_use_after_destroy(ctl):
    d = started_dev(ctl, "gone")
    t.eq(tm.vtpm_destroy(ctl, "gone"), 0, "destroy a vTPM whose node is open")
    errs = []
    for op in (lambda: os.write(d.fd, tpm2.get_random(4)),
               lambda: os.read(d.fd, 4096)):
        try:
            op()
            errs.append(0)
        except OSError as e:
            errs.append(e.errno)
    t.eq(errs, [errno.ENODEV, errno.ENODEV],
         "write and read on the open node after destroy get ENODEV")
    p = select.poll()
    p.register(d.fd, select.POLLIN)
    ev = dict(p.poll(0)).get(d.fd, 0)
    t.ok(ev & (select.POLLERR | select.POLLHUP), "poll reports POLLERR|POLLHUP")
    d.close()
    err, _ = tm.vtpm_create(ctl, "gone")
    t.eq(err, 0, "the name can be reused after destroy")
    tm.vtpm_destroy(ctl, "gone")


def test_cancel(ctl):
    a = started_dev(ctl, "slow")
    b = started_dev(ctl, "quick")
    os.set_blocking(a.fd, False)
    os.set_blocking(b.fd, False)
    # An RSA-2048 primary takes swtpm a while under TCG.
    rsa = tpm2.create_primary_rsa()
    cancelled = None
    for attempt in range(5):
        os.write(a.fd, rsa)
        # a command for the chip (GetRandom is answered by the module)
        os.write(b.fd, tpm2.get_cap(tpm2.CAP_TPM_PROPERTIES, 0x100, 1))
        pa = select.poll()
        pa.register(a.fd, select.POLLIN)
        a_busy = not pa.poll(0)
        with open("/sys/class/tpmmux/quick/cancel", "w") as f:
            f.write("1\n")
        pa.poll(60000)
        ra = os.read(a.fd, 4096)
        pb = select.poll()
        pb.register(b.fd, select.POLLIN)
        pb.poll(60000)
        rb = os.read(b.fd, 4096)
        if a_busy:
            cancelled = (tpm2.rc_of(ra), tpm2.rc_of(rb))
            break
    t.ok(cancelled is not None, "the chip was busy with the other VM's key generation")
    if cancelled:
        t.eq(cancelled[1], tpm2.RC_CANCELED,
             "a queued command cancelled through sysfs gets TPM_RC_CANCELED")
        t.eq(cancelled[0], 0, "the running command of the other VM completes")
    os.set_blocking(b.fd, True)
    t.eq(xfer_rc(b, tpm2.get_random(4)), 0, "the cancelled VM works afterwards")
    a.close()
    b.close()
    tm.vtpm_destroy(ctl, "slow")
    tm.vtpm_destroy(ctl, "quick")


def test_destroy_mid_command(ctl):
    d = started_dev(ctl, "busy")
    stop = threading.Event()
    results = []

    def worker():
        ok = errs = 0
        last = None
        while not stop.is_set():
            try:
                os.write(d.fd, tpm2.get_random(8))
                if tpm2.rc_of(os.read(d.fd, 4096)) == 0:
                    ok += 1
            except OSError as e:
                errs += 1
                last = e.errno
                if e.errno == errno.ENODEV:
                    break
        results.append((ok, errs, last))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    time.sleep(1.0)
    t.eq(tm.vtpm_destroy(ctl, "busy"), 0, "destroy while 8 threads are mid-command")
    for th in threads:
        th.join(30)
    stop.set()
    t.ok(all(not th.is_alive() for th in threads), "all 8 threads returned")
    t.ok(sum(r[0] for r in results) > 0, "the threads completed commands before "
         "the destroy (%d)" % sum(r[0] for r in results))
    t.eq([r[2] for r in results], [errno.ENODEV] * 8,
         "every thread got ENODEV after the destroy")
    d.close()


def many(ctl, n, prefix):
    ids = []
    for i in range(n):
        err, vid = tm.vtpm_create(ctl, "%s%d" % (prefix, i))
        if err:
            return False, "create %d: %s" % (i, os.strerror(err))
        ids.append(vid)
    for i in range(n):
        with tpm2.Dev(node("%s%d" % (prefix, i))) as d:
            if xfer_rc(d, tpm2.startup()) or xfer_rc(d, tpm2.get_random(4)):
                return False, "use %d failed" % i
    for i in range(n):
        if tm.vtpm_destroy(ctl, "%s%d" % (prefix, i)):
            return False, "destroy %d failed" % i
    return True, ""


def test_1024(ctl):
    ok, why = many(ctl, 8, "w")  # warm up the caches
    a = tm.slabs()
    ok, why = many(ctl, 1024, "v")
    t.ok(ok, "1024 vTPMs created, each used once (Startup, GetRandom), destroyed", why)
    b = tm.slabs()
    ok2, why2 = many(ctl, 1024, "v")
    c = tm.slabs()
    t.ok(ok2, "... and a second round of 1024", why2)
    g1 = {k: b[k][0] - a.get(k, (0, 0))[0] for k in b}
    g2 = {k: c[k][0] - b.get(k, (0, 0))[0] for k in c}
    for name, g in (("first", g1), ("second", g2)):
        t.diag("largest slab growth over the %s round: %s" %
               (name, sorted(g.items(), key=lambda kv: -kv[1])[:4]))
    leaks = {k: (g1[k], g2.get(k, 0)) for k in g1
             if g1[k] >= 1024 and g2.get(k, 0) >= 1024}
    t.ok(not leaks, "no slab cache grew by one object per vTPM in both rounds",
         "grown: %s" % leaks)
    def total(x):
        return sum(n * s for n, s in x.values())
    d1, d2 = total(b) - total(a), total(c) - total(b)
    t.ok(d1 < 256 * 1024 or d2 < 256 * 1024,
         "total slab did not grow by 256 KiB or more in both rounds "
         "(%+d, %+d bytes)" % (d1, d2))
    err, v = tm.get_version(ctl)
    t.eq(v["nr_vtpms"], 0, "no vTPM left")


def test_unload_with_vtpms(ctl):
    """rmmod with vTPMs present tears them all down; refused while one is open."""
    for n in ("u1", "u2", "u3"):
        tm.vtpm_create(ctl, n)
    with tpm2.Dev(node("u1")) as d:
        d.xfer(tpm2.startup())
        r = d.xfer(tpm2.start_hmac_session())
        sess = struct.unpack(">I", r[10:14])[0]
        # The guest saves it: it survives the close, and must not the unload.
        save = tpm2.cmd(tpm2.ST_NO_SESSIONS, tpm2.CC["ContextSave"],
                        struct.pack(">I", sess))
        t.eq(tpm2.rc_of(d.xfer(save)), 0, "the guest saves its session")
        r = sh("rmmod", "tpmmux", check=False)
        t.ok(r.returncode != 0, "rmmod is refused while a vTPM node is open")
    os.close(ctl)
    r = sh("rmmod", "tpmmux", check=False)
    t.eq(r.returncode, 0, "rmmod with three (closed) vTPMs succeeds")
    t.ok(not os.path.exists(tm.VTPM_DIR + "/u1") and
         not os.path.exists("/sys/class/tpmmux"),
         "their nodes and the class are gone")
    raw = tpm2.Dev("/dev/tpm0")
    left = []
    for first in (0x02000000, 0x03000000):  # loaded, saved sessions
        r = raw.xfer(tpm2.get_cap(tpm2.CAP_HANDLES, first, 64))
        left += [h for h in tpm2.handles_from_getcap(tpm2.rsp(r)[3])
                 if h >> 24 == first >> 24]
    raw.close()
    t.eq(left, [],
         "no session, not even the guest-saved one, is left on the chip "
         "after the unload")
    sh("insmod", KO)
    return tm.open_ctl()


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    ctl = tm.open_ctl()
    tests = [a for a in sys.argv[1:]] or [
        "create_destroy", "vtpmctl", "chardev", "policy", "bad_input",
        "use_after_destroy", "cancel", "destroy_mid_command", "1024",
        "unload_with_vtpms"]
    for name in tests:
        new = t.run(name, globals()["test_" + name], ctl)
        if isinstance(new, int):
            ctl = new
    os.close(ctl)
    r = sh("rmmod", "tpmmux", check=False)
    t.eq(r.returncode, 0, "rmmod tpmmux at the end")
    t.done()


if __name__ == "__main__":
    main()
