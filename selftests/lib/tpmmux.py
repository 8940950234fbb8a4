# SPDX-License-Identifier: GPL-2.0
"""The tpmmux control-device ABI (include/uapi/linux/tpmmux.h) for tests."""
import ctypes
import errno
import fcntl
import os
import struct
import subprocess

MAGIC = 0xB9
ABI_VERSION = 1
FEAT_CHIP_INFO = 1 << 0
FEAT_VTPM = 1 << 1
FEAT_SCHED = 1 << 2
FEAT_VPCR = 1 << 3
FEAT_KVM_FE = 1 << 4
FEATURES_DEFINED = FEAT_CHIP_INFO | FEAT_VTPM | FEAT_SCHED | FEAT_VPCR | FEAT_KVM_FE
NAME_MAX = 64
VTPM_DIR = "/dev/tpmmux-vm"
VTPM_OPEN, VTPM_BUSY, VTPM_STARTED = 1, 2, 4
CHIP_TPM2 = 1 << 0

_IOC_WRITE = 1
_IOC_READ = 2


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (MAGIC << 8) | nr


def IOWR(nr, size):
    return _ioc(_IOC_READ | _IOC_WRITE, nr, size)


# struct tpmmux_version: flags abi_version features module_version
#                        nr_vtpms max_vtpms pad
VERSION_FMT = "=IIQIIII"
VERSION_FIELDS = ("flags", "abi_version", "features", "module_version",
                  "nr_vtpms", "max_vtpms", "pad")
# struct tpmmux_chip_info: 18 x __u32
CHIP_FMT = "=" + "I" * 18
CHIP_FIELDS = ("flags", "state", "tpm_index", "family", "level", "revision",
               "day_of_year", "year", "manufacturer", "vendor_string_1",
               "vendor_string_2", "vendor_string_3", "vendor_string_4",
               "vendor_tpm_type", "firmware_version_1", "firmware_version_2",
               "max_command_size", "max_response_size")

IOC_GET_VERSION = IOWR(0x00, struct.calcsize(VERSION_FMT))
IOC_GET_CHIP_INFO = IOWR(0x01, struct.calcsize(CHIP_FMT))

CREATE_FMT = "=IIIIQ16sII"
CREATE_FIELDS = ("flags", "mode", "uid", "gid", "name", "uuid", "id",
                 "pcr_banks")
CREATE_PCR_BANKS = 1
BANK_SHA1, BANK_SHA256, BANK_SHA384, BANK_SHA512 = 1, 2, 4, 8
DESTROY_FMT = "=IIQ"
DESTROY_FIELDS = ("flags", "pad", "name")
LIST_FMT = "=IIQ"
LIST_FIELDS = ("flags", "count", "ids")
INFO_FMT = "=IIQ16sIIIIQQQQQQIIQQQQQQII"
INFO_FIELDS = ("flags", "id", "name", "uuid", "mode", "uid", "gid", "state",
               "commands", "refused", "errors", "context_saves",
               "context_loads", "flushes", "objects", "sessions", "busy_ns",
               "chip_commands", "wait_total_ns", "wait_max_ns", "wait_p50_ns",
               "wait_p99_ns", "weight", "pad")
SET_FMT = "=IIQ"
SET_FIELDS = ("flags", "weight", "name")
SET_WEIGHT = 1


def IOW(nr, size):
    return _ioc(_IOC_WRITE, nr, size)


IOC_VTPM_CREATE = IOWR(0x10, struct.calcsize(CREATE_FMT))
IOC_VTPM_DESTROY = IOW(0x11, struct.calcsize(DESTROY_FMT))
IOC_VTPM_LIST = IOWR(0x12, struct.calcsize(LIST_FMT))
IOC_VTPM_INFO = IOWR(0x13, struct.calcsize(INFO_FMT))
IOC_VTPM_SET = IOW(0x14, struct.calcsize(SET_FMT))

CTL_PATH = "/dev/tpmmux"


def pack(fmt, fields, **kw):
    return bytearray(struct.pack(fmt, *[kw.get(f, 0) for f in fields]))


def unpack(fmt, fields, buf):
    return dict(zip(fields, struct.unpack(fmt, bytes(buf))))


def ioctl_errno(fd, req, buf):
    """Run an ioctl; return (0, buf) or (errno, None)."""
    try:
        fcntl.ioctl(fd, req, buf, True)
        return 0, buf
    except OSError as e:
        return e.errno, None


def get_version(fd, **kw):
    buf = pack(VERSION_FMT, VERSION_FIELDS, **kw)
    err, out = ioctl_errno(fd, IOC_GET_VERSION, buf)
    return err, (unpack(VERSION_FMT, VERSION_FIELDS, out) if out else None)


def get_chip_info(fd, **kw):
    buf = pack(CHIP_FMT, CHIP_FIELDS, **kw)
    err, out = ioctl_errno(fd, IOC_GET_CHIP_INFO, buf)
    return err, (unpack(CHIP_FMT, CHIP_FIELDS, out) if out else None)


def _cstr(name):
    """A NUL-terminated copy of name and its address (kept alive by the caller)."""
    b = ctypes.create_string_buffer(name if isinstance(name, bytes) else name.encode())
    return b, ctypes.addressof(b)


def vtpm_create(fd, name, uuid=b"\0" * 16, mode=0, uid=0, gid=0, **kw):
    keep, addr = _cstr(name)
    buf = pack(CREATE_FMT, CREATE_FIELDS, name=addr, uuid=uuid, mode=mode,
               uid=uid, gid=gid, **kw)
    err, out = ioctl_errno(fd, IOC_VTPM_CREATE, buf)
    del keep
    return err, (unpack(CREATE_FMT, CREATE_FIELDS, out)["id"] if out else None)


def vtpm_destroy(fd, name, **kw):
    keep, addr = _cstr(name)
    buf = pack(DESTROY_FMT, DESTROY_FIELDS, name=addr, **kw)
    err, _ = ioctl_errno(fd, IOC_VTPM_DESTROY, buf)
    del keep
    return err


def vtpm_set(fd, name, weight=None, **kw):
    keep, addr = _cstr(name)
    if weight is not None:
        kw.setdefault("flags", SET_WEIGHT)
        kw["weight"] = weight
    buf = pack(SET_FMT, SET_FIELDS, name=addr, **kw)
    err, _ = ioctl_errno(fd, IOC_VTPM_SET, buf)
    del keep
    return err


def vtpm_list(fd, room=4096):
    ids = (ctypes.c_uint32 * max(room, 1))()
    buf = pack(LIST_FMT, LIST_FIELDS, count=room, ids=ctypes.addressof(ids))
    err, out = ioctl_errno(fd, IOC_VTPM_LIST, buf)
    if err:
        return err, None
    n = unpack(LIST_FMT, LIST_FIELDS, out)["count"]
    return 0, (n, [ids[i] for i in range(min(n, room))])


def vtpm_info(fd, vid):
    name = ctypes.create_string_buffer(NAME_MAX)
    buf = pack(INFO_FMT, INFO_FIELDS, id=vid, name=ctypes.addressof(name),
               uuid=b"\0" * 16)
    err, out = ioctl_errno(fd, IOC_VTPM_INFO, buf)
    if err:
        return err, None
    d = unpack(INFO_FMT, INFO_FIELDS, out)
    d["name"] = name.value.decode()
    return 0, d


def vtpm_info_by_name(fd, name):
    err, lst = vtpm_list(fd)
    if err:
        return err, None
    for vid in lst[1]:
        e, d = vtpm_info(fd, vid)
        if not e and d["name"] == name:
            return 0, d
    return errno.ENOENT, None


def slabs():
    """{cache: (active objects, object size)} after dropping what can be
    dropped: page cache, dentries, and every slab cache's free slabs."""
    subprocess.run(["sync"])
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    for name in os.listdir("/sys/kernel/slab"):
        try:
            with open("/sys/kernel/slab/%s/shrink" % name, "w") as f:
                f.write("1\n")
        except OSError:
            pass
    caches = {}
    with open("/proc/slabinfo") as f:
        for line in f:
            if not line.startswith(("slabinfo", "#")):
                p = line.split()
                caches[p[0]] = (int(p[1]), int(p[3]))
    return caches


def open_ctl():
    return os.open(CTL_PATH, os.O_RDWR | os.O_CLOEXEC)


__all__ = ["errno"]
