#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark: context swapping of tpmmux's lazy spaces vs /dev/tpmrm0.

Inside the test VM: one client creates a primary key and then sends N
(default 1000) consecutive ReadPublic commands that use it, once through a
tpmmux vTPM and once through the kernel's resource manager (/dev/tpmrm0).
A kprobe on tpm_transmit() counts every command that reaches the chip,
so both paths are counted the same way, on the chip's side.  Prints
`NAME VALUE UNIT` lines, then the same figures as one JSON line tagged
`BENCH-JSON:`.
"""
import json
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402

N = int(os.environ.get("BENCH_N", "1000"))
KO = os.path.abspath("tpmmux/tpmmux.ko")
TR = "/sys/kernel/tracing"
NAMES = {0x161: "ContextLoad", 0x162: "ContextSave", 0x165: "FlushContext"}


def tracing_setup():
    if not os.path.exists(TR + "/kprobe_events"):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TR], check=True)
    with open(TR + "/kprobe_events", "w") as f:
        # tpm_transmit(chip, buf, bufsiz): the command code is at buf + 6
        f.write("p:tpmmuxbench/tx tpm_transmit cc=+6(%si):u32\n")
    with open(TR + "/events/tpmmuxbench/tx/enable", "w") as f:
        f.write("1\n")


def tracing_reset():
    with open(TR + "/trace", "w") as f:
        f.write("")


def tracing_counts():
    counts = {"total": 0}
    with open(TR + "/trace") as f:
        for line in f:
            if "cc=" not in line:
                continue
            raw = int(line.rsplit("cc=", 1)[1].split()[0], 0)
            cc = struct.unpack(">I", struct.pack("<I", raw))[0]
            counts["total"] += 1
            name = NAMES.get(cc)
            if name:
                counts[name] = counts.get(name, 0) + 1
    return counts


def tracing_off():
    with open(TR + "/events/tpmmuxbench/tx/enable", "w") as f:
        f.write("0\n")
    with open(TR + "/kprobe_events", "w") as f:
        f.write("")


def workload(dev, startup):
    if startup:
        assert tpm2.rc_of(dev.xfer(tpm2.startup())) == 0
    r = dev.xfer(tpm2.create_primary())
    tag, size, rc, body = tpm2.rsp(r)
    assert rc == 0, "CreatePrimary 0x%x" % rc
    h = struct.unpack(">I", body[:4])[0]
    rp = tpm2.read_public(h)
    tracing_reset()
    t0 = time.perf_counter()
    for _ in range(N):
        assert tpm2.rc_of(dev.xfer(rp)) == 0
    dt = time.perf_counter() - t0
    counts = tracing_counts()
    dev.xfer(tpm2.flush_context(h))
    return counts, dt


def main():
    subprocess.run(["insmod", KO], check=True)
    tracing_setup()
    ctl = tm.open_ctl()
    tm.vtpm_create(ctl, "bench")
    with tpm2.Dev("/dev/tpmmux-vm/bench") as d:
        mux, mux_t = workload(d, True)
    tm.vtpm_destroy(ctl, "bench")
    os.close(ctl)
    with tpm2.Dev("/dev/tpmrm0") as d:
        krm, krm_t = workload(d, False)
    tracing_off()
    subprocess.run(["rmmod", "tpmmux"], check=True)

    res = []

    def fig(name, value, unit):
        res.append({"name": name, "value": value, "unit": unit})
        print("%s %s %s" % (name, value, unit))

    fig("ctxswap_commands", N, "commands")
    for label, c, dt in (("tpmmux", mux, mux_t), ("tpmrm0", krm, krm_t)):
        ops = sum(c.get(n, 0) for n in NAMES.values())
        fig("ctxswap_%s_context_save" % label, c.get("ContextSave", 0), "commands")
        fig("ctxswap_%s_context_load" % label, c.get("ContextLoad", 0), "commands")
        fig("ctxswap_%s_flush_context" % label, c.get("FlushContext", 0), "commands")
        fig("ctxswap_%s_context_ops" % label, ops, "commands")
        fig("ctxswap_%s_chip_commands" % label, c["total"], "commands")
        fig("ctxswap_%s_per_command" % label, round(dt / N * 1e6, 1), "us")
    mux_ops = sum(mux.get(n, 0) for n in NAMES.values())
    krm_ops = sum(krm.get(n, 0) for n in NAMES.values())
    fig("ctxswap_ops_ratio_tpmrm0_over_tpmmux",
        round(krm_ops / max(mux_ops, 1), 1), "x")
    fig("ctxswap_latency_ratio_tpmmux_over_tpmrm0",
        round(mux_t / krm_t, 2), "x")
    print("BENCH-JSON: " + json.dumps(res))


if __name__ == "__main__":
    main()
