#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark: round-trip latency of one command through a vTPM vs the
kernel's /dev/tpmrm0, side by side in one run, inside the test VM.

PCR_Extend through a vTPM is answered by the module (virtual PCRs); on
/dev/tpmrm0 it goes to the chip (PCR 16, resettable, is used there).
GetRandom goes to the chip on both paths.  Medians of N runs each,
interleaved in blocks.  Prints `NAME VALUE UNIT` lines and a BENCH-JSON
line (see selftests/bench/run).
"""
import json
import os
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402

N = int(os.environ.get("BENCH_N", "300"))


def extend16():
    body = struct.pack(">I", 16) + tpm2.pw_auth() + struct.pack(">IH", 1, 0x000B) + b"\x5a" * 32
    return tpm2.cmd(tpm2.ST_SESSIONS, tpm2.CC["PCR_Extend"], body)


def times(dev, command, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = dev.xfer(command)
        out.append(time.perf_counter() - t0)
        assert tpm2.rc_of(r) == 0, "0x%x" % tpm2.rc_of(r)
    return out


def main():
    subprocess.run(["insmod", os.path.abspath("tpmmux/tpmmux.ko")], check=True)
    ctl = tm.open_ctl()
    tm.vtpm_create(ctl, "lat")
    vt = tpm2.Dev("/dev/tpmmux-vm/lat")
    vt.xfer(tpm2.startup())
    rm = tpm2.Dev("/dev/tpmrm0")
    res = []

    def fig(name, value, unit):
        res.append({"name": name, "value": value, "unit": unit})
        print("%s %s %s" % (name, value, unit))

    for label, command in (("pcr_extend", extend16()), ("getrandom", tpm2.get_random(16))):
        a, b = [], []
        for _ in range(N // 50):
            a += times(vt, command, 50)
            b += times(rm, command, 50)
        ma, mb = statistics.median(a), statistics.median(b)
        fig("latency_%s_vtpm_median" % label, round(ma * 1e6, 1), "us")
        fig("latency_%s_tpmrm0_median" % label, round(mb * 1e6, 1), "us")
        fig("latency_%s_ratio_vtpm_over_tpmrm0" % label, round(ma / mb, 3), "x")
    vt.close()
    rm.close()
    tm.vtpm_destroy(ctl, "lat")
    os.close(ctl)
    subprocess.run(["rmmod", "tpmmux"], check=True)
    print("BENCH-JSON: " + json.dumps(res))


if __name__ == "__main__":
    main()
