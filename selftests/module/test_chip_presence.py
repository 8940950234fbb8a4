#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests run with no TPM device (selftests/vm/run --tpm none).

1. No TPM at all: insmod fails with ENODEV and one clear kernel log line.
2. A TPM 1.2 (swtpm behind the kernel's vTPM proxy): refused the same way.
3. A TPM 2.0 that goes away while tpmmux is loaded (swtpm behind the
   vTPM proxy is killed, which unregisters the chip): tpmmux keeps
   running, answers chip queries with ENODEV, unloads cleanly.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402
import errno  # noqa: E402

KO = os.path.abspath("tpmmux/tpmmux.ko")
t = Tap()


def dmesg_lines():
    return subprocess.run(["dmesg"], capture_output=True,
                          text=True).stdout.splitlines()


def insmod_new_log():
    n = len(dmesg_lines())
    r = subprocess.run(["insmod", KO], capture_output=True, text=True)
    # tpmmux's own lines, not the kernel's "taints kernel" notices.
    return r, [ln for ln in dmesg_lines()[n:] if "tpmmux: " in ln and
               "taint" not in ln]


def start_proxy(tpm2):
    """swtpm behind /dev/vtpmx; returns (process, statedir) once /dev/tpm0 exists."""
    subprocess.run(["modprobe", "tpm_vtpm_proxy"], check=True)
    state = tempfile.mkdtemp(prefix="swtpm-")
    cmd = ["swtpm", "chardev", "--vtpm-proxy", "--tpmstate", "dir=" + state,
           "--flags", "startup-clear"]
    if tpm2:
        cmd.append("--tpm2")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    for _ in range(200):
        if os.path.exists("/dev/tpm0"):
            break
        if p.poll() is not None:
            raise RuntimeError("swtpm exited: %s" % p.stdout.read())
        time.sleep(0.05)
    else:
        raise RuntimeError("no /dev/tpm0 from the vTPM proxy")
    return p, state


def stop_proxy(p, state):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)
    for _ in range(200):
        if not os.path.exists("/dev/tpm0"):
            break
        time.sleep(0.05)
    shutil.rmtree(state, ignore_errors=True)


def test_no_tpm():
    t.ok(not os.path.exists("/dev/tpm0"), "the VM has no TPM")
    r, log = insmod_new_log()
    t.ok(r.returncode != 0 and "No such device" in r.stderr,
         "insmod with no TPM fails with ENODEV", r.stderr)
    t.eq(log, [log[0]] if log else ["<none>"],
         "exactly one tpmmux line in the kernel log")
    t.ok(log and log[0].endswith(
        "tpmmux: no TPM found: tpmmux needs the host's TPM 2.0"),
        "the line says there is no TPM", log)
    t.ok(not os.path.exists(tm.CTL_PATH), "no /dev/tpmmux after a refused load")


def test_tpm12():
    p, state = start_proxy(tpm2=False)
    try:
        t.ok(not os.path.exists("/dev/tpmrm0"), "the vTPM proxy chip is a TPM 1.2")
        r, log = insmod_new_log()
        t.ok(r.returncode != 0 and "No such device" in r.stderr,
             "insmod on a TPM 1.2 fails with ENODEV", r.stderr)
        t.ok(len(log) == 1 and re.search(
            r"tpmmux: tpm0 is a TPM 1\.2: tpmmux needs a TPM 2\.0$", log[0]),
            "one kernel log line says the chip is a TPM 1.2", log)
    finally:
        stop_proxy(p, state)


def test_chip_goes_away():
    p, state = start_proxy(tpm2=True)
    stopped = False
    try:
        r, log = insmod_new_log()
        t.eq(r.returncode, 0, "insmod on the vTPM proxy's TPM 2.0 succeeds")
        fd = tm.open_ctl()
        err, ci = tm.get_chip_info(fd)
        t.eq(err, 0, "GET_CHIP_INFO works while the chip is there")
        err, _ = tm.vtpm_create(fd, "orphan")
        vt = tpm2.Dev("/dev/tpmmux-vm/orphan")
        vt.xfer(tpm2.startup())
        r = vt.xfer(tpm2.create_primary())
        t.eq(tpm2.rc_of(r), 0, "a vTPM on that chip has an object")
        t.eq(ci and ci["manufacturer"], 0x49424D00,
             "the chip is swtpm's (manufacturer IBM)")
        stop_proxy(p, state)
        stopped = True
        t.ok(not os.path.exists("/dev/tpm0"), "the chip is unregistered")
        err, _ = tm.get_chip_info(fd)
        t.eq(err, errno.ENODEV, "GET_CHIP_INFO after the chip went away: ENODEV")
        err, _ = tm.get_chip_info(fd)
        t.eq(err, errno.ENODEV, "... and again: ENODEV, no crash")
        err, v = tm.get_version(fd)
        t.eq(err, 0, "GET_VERSION still works without a chip")
        try:
            vt.xfer(tpm2.get_cap(tpm2.CAP_TPM_PROPERTIES, 0x100, 1))
            got = 0
        except OSError as e:
            got = e.errno
        t.eq(got, errno.ENODEV, "a vTPM command for the chip after the chip went away: ENODEV")
        vt.close()
        t.eq(tm.vtpm_destroy(fd, "orphan"), 0,
             "destroying the vTPM without a chip works")
        os.close(fd)
        fd = tm.open_ctl()
        err, _ = tm.get_chip_info(fd)
        t.eq(err, errno.ENODEV, "a new opener gets ENODEV too")
        os.close(fd)
        r = subprocess.run([os.path.abspath("tools/vtpmctl/vtpmctl"), "status"],
                           capture_output=True, text=True)
        t.ok(r.returncode == 1 and "gone away" in r.stderr,
             "vtpmctl status says the host TPM has gone away, exits 1",
             r.stderr)
        r = subprocess.run(["rmmod", "tpmmux"], capture_output=True, text=True)
        t.eq(r.returncode, 0, "rmmod after the chip went away succeeds")
    finally:
        if not stopped:
            stop_proxy(p, state)


def main():
    t.run("no tpm", test_no_tpm)
    t.run("tpm 1.2", test_tpm12)
    t.run("chip goes away", test_chip_goes_away)
    t.done()


if __name__ == "__main__":
    main()
