#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of the control device /dev/tpmmux on a TPM 2.0.

Run inside the test VM (selftests/vm/run -- ...), as root, from the project
directory, with the VM's TPM at /dev/tpm0 and /dev/tpmrm0.
"""
import errno
import os
import re
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.path.abspath("tpmmux/tpmmux.ko")
VTPMCTL = os.path.abspath("tools/vtpmctl/vtpmctl")
t = Tap()


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd),
                           r.returncode, r.stdout, r.stderr))
    return r


def loaded():
    return os.path.exists("/sys/module/tpmmux")


def insmod():
    return sh("insmod", KO, check=False)


def rmmod():
    return sh("rmmod", "tpmmux", check=False)


def getcap_fixed():
    """Raw TPM_PT_* values as tpm2_getcap prints them from /dev/tpmrm0."""
    out = sh("tpm2_getcap", "-T", "device:/dev/tpmrm0",
             "properties-fixed").stdout
    vals, name = {}, None
    for line in out.splitlines():
        m = re.match(r"^(TPM2?_PT_\w+):\s*$", line)
        if m:
            name = m.group(1).replace("TPM2_PT_", "").replace("TPM_PT_", "")
            continue
        m = re.match(r"^\s+raw:\s*(\S+)", line)
        if m and name:
            vals[name.lower()] = int(m.group(1), 0)
            name = None
    return vals


def test_load():
    r = insmod()
    t.eq(r.returncode, 0, "insmod tpmmux.ko succeeds on a TPM 2.0")
    if r.returncode:
        t.diag(r.stderr)
    st = os.stat(tm.CTL_PATH)
    t.ok(stat.S_ISCHR(st.st_mode), "/dev/tpmmux is a character device")
    t.eq(stat.S_IMODE(st.st_mode), 0o600, "/dev/tpmmux is mode 0600")
    log = sh("dmesg").stdout
    t.ok(re.search(r"tpmmux: using tpm0: TPM 2\.0", log),
         "the kernel log names the chip tpmmux uses")


def test_version(fd):
    err, v = tm.get_version(fd)
    t.eq(err, 0, "GET_VERSION succeeds")
    if err:
        return
    t.eq(v["abi_version"], tm.ABI_VERSION, "GET_VERSION: abi_version is 1")
    t.ok(v["features"] & tm.FEAT_CHIP_INFO, "GET_VERSION: chip-info feature")
    t.eq(v["features"] & ~tm.FEATURES_DEFINED, 0,
         "GET_VERSION: no feature bit the header does not define")
    modver = open("/sys/module/tpmmux/version").read().strip()
    maj, mnr, pat = (int(x) for x in modver.split("."))
    t.eq(v["module_version"], (maj << 16) | (mnr << 8) | pat,
         "GET_VERSION: module_version matches MODULE_VERSION (%s)" % modver)
    t.eq(v["nr_vtpms"], 0, "GET_VERSION: no vTPMs yet")
    t.ok(v["max_vtpms"] >= 1024, "GET_VERSION: max_vtpms >= 1024")
    t.eq((v["flags"], v["pad"]), (0, 0), "GET_VERSION: flags and pad untouched")


def test_chip_info(fd):
    err, ci = tm.get_chip_info(fd)
    t.eq(err, 0, "GET_CHIP_INFO succeeds")
    if err:
        return
    t.eq(ci["state"], tm.CHIP_TPM2, "GET_CHIP_INFO: state says TPM 2.0")
    t.eq(ci["tpm_index"], 0, "GET_CHIP_INFO: tpm_index is 0 (/dev/tpm0)")
    cap = getcap_fixed()
    t.diag("tpm2_getcap: %s" % {k: hex(v) for k, v in sorted(cap.items())})
    fields = ["family_indicator:family", "level", "revision", "day_of_year",
              "year", "manufacturer", "vendor_string_1", "vendor_string_2",
              "vendor_string_3", "vendor_string_4", "vendor_tpm_type",
              "firmware_version_1", "firmware_version_2", "max_command_size",
              "max_response_size"]
    for f in fields:
        capname, _, ours = f.partition(":")
        ours = ours or capname
        if capname not in cap:
            # tpm2_getcap leaves out properties the chip does not report
            t.eq(ci[ours], 0, "GET_CHIP_INFO %s is 0 (absent in tpm2_getcap)"
                 % ours)
            continue
        t.eq(ci[ours], cap[capname],
             "GET_CHIP_INFO %s equals tpm2_getcap's TPM2_PT_%s (0x%x)"
             % (ours, capname.upper(), cap[capname]))


def test_bad_ioctls(fd):
    # unknown ioctl number with our magic, and another magic
    err, _ = tm.ioctl_errno(fd, tm.IOWR(0x7f, 32), bytearray(32))
    t.eq(err, errno.ENOTTY, "unknown ioctl number gets ENOTTY")
    err, _ = tm.ioctl_errno(fd, (3 << 30) | (32 << 16) | (0xAF << 8), bytearray(32))
    t.eq(err, errno.ENOTTY, "ioctl with another magic gets ENOTTY")
    # right number, wrong size: a different request code
    err, _ = tm.ioctl_errno(fd, tm.IOWR(0x00, 16), bytearray(16))
    t.eq(err, errno.ENOTTY, "GET_VERSION with a wrong struct size gets ENOTTY")
    err, _ = tm.get_version(fd, pad=1)
    t.eq(err, errno.EINVAL, "GET_VERSION with non-zero pad gets EINVAL")
    err, _ = tm.get_version(fd, flags=1)
    t.eq(err, errno.EOPNOTSUPP, "GET_VERSION with unknown flags gets EOPNOTSUPP")
    err, _ = tm.get_version(fd, flags=0x80000000, pad=1)
    t.eq(err, errno.EOPNOTSUPP, "GET_VERSION: unknown flags are checked first")
    err, _ = tm.get_chip_info(fd, flags=4)
    t.eq(err, errno.EOPNOTSUPP, "GET_CHIP_INFO with unknown flags gets EOPNOTSUPP")
    try:
        import fcntl
        fcntl.ioctl(fd, tm.IOC_GET_VERSION, 8)  # pointer 0x8
        got = 0
    except OSError as e:
        got = e.errno
    t.eq(got, errno.EFAULT, "GET_VERSION with a bad pointer gets EFAULT")
    err, _ = tm.get_version(fd)
    t.eq(err, 0, "GET_VERSION still works after the bad calls")


def test_vtpmctl():
    r = sh(VTPMCTL, "status", check=False)
    t.eq(r.returncode, 0, "vtpmctl status exits 0")
    t.diag(r.stdout)
    cap = getcap_fixed()
    mfr = cap.get("manufacturer", 0).to_bytes(4, "big").rstrip(b"\0").decode()
    t.ok(re.search(r"^  manufacturer: %s \(0x%08x\)$" % (re.escape(mfr),
                   cap.get("manufacturer", 0)), r.stdout, re.M),
         "vtpmctl status shows the manufacturer %r" % mfr)
    t.ok(re.search(r"^  firmware: 0x%08x 0x%08x$" % (
        cap.get("firmware_version_1", 0), cap.get("firmware_version_2", 0)),
        r.stdout, re.M), "vtpmctl status shows the firmware version")
    t.ok(re.search(r"^  vtpms: 0 ", r.stdout, re.M),
         "vtpmctl status shows the number of vTPMs")
    t.ok(re.search(r"^tpmmux \d+\.\d+\.\d+ \(ABI 1\)$", r.stdout, re.M),
         "vtpmctl status shows the module version and ABI")
    r = sh(VTPMCTL, "status", "extra", check=False)
    t.ok(r.returncode == 1 and "'extra'" in r.stderr,
         "vtpmctl status with an extra argument exits 1 naming it")


def test_host_tpm_still_works():
    r = sh("tpm2_getrandom", "-T", "device:/dev/tpmrm0", "--hex", "16",
           check=False)
    t.ok(r.returncode == 0 and len(r.stdout.strip()) == 32,
         "the host's /dev/tpmrm0 still works with tpmmux loaded")


def test_unload():
    r = rmmod()
    t.eq(r.returncode, 0, "rmmod tpmmux succeeds")
    t.ok(not os.path.exists(tm.CTL_PATH), "/dev/tpmmux is gone after rmmod")


def test_busy_unload():
    insmod()
    fd = tm.open_ctl()
    r = rmmod()
    t.ok(r.returncode != 0 and loaded(),
         "rmmod is refused while /dev/tpmmux is open")
    os.close(fd)
    r = rmmod()
    t.eq(r.returncode, 0, "rmmod succeeds once the file is closed")


def main():
    if loaded():
        rmmod()
    t.run("load", test_load)
    if loaded():
        fd = tm.open_ctl()
        t.run("version", test_version, fd)
        t.run("chip info", test_chip_info, fd)
        t.run("bad ioctls", test_bad_ioctls, fd)
        os.close(fd)
        t.run("vtpmctl", test_vtpmctl)
        t.run("host tpm", test_host_tpm_still_works)
        t.run("unload", test_unload)
        t.run("busy unload", test_busy_unload)
    t.done()


if __name__ == "__main__":
    main()
