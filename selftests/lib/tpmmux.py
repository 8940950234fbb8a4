# SPDX-License-Identifier: GPL-2.0
"""The tpmmux control-device ABI (include/uapi/linux/tpmmux.h) for tests."""
import errno
import fcntl
import os
import struct

MAGIC = 0xB9
ABI_VERSION = 1
FEAT_CHIP_INFO = 1 << 0
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


def open_ctl():
    return os.open(CTL_PATH, os.O_RDWR | os.O_CLOEXEC)


__all__ = ["errno"]
