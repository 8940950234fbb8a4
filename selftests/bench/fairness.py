#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark: what a vTPM adds to a command, how fairly VMs share the chip, and what a light VM waits.

Runs inside the test VM (selftests/vm/run), as root, with
tools/tpmmux-load/tpmmux-load (built here if it is missing):

(a) added latency: one client sends Hash of 32 bytes N times (default 500;
    a chip-bound command: GetRandom is answered by the module itself)
    through a vTPM and N times through /dev/tpmrm0, alternating, side by
    side in one run, GAP ms after each command (default 5, more than the
    dispatcher's linger_us and anticipate_us, so every command finds the
    chip idle); then the same back to back (no gap), where the /dev/tpmrm0
    command arrives while the dispatcher still holds the chip for the vTPM.
(b) three light VMs, 50 ms think time each: GetRandom and PCR_Read (both
    answered by the module itself, without the chip: they should never
    wait behind it) and Hash of 32 bytes (chip-bound: it waits for at most
    the command running when it comes, under the fair policy); alone for
    a few seconds, then for S seconds (default 45) while HEAVY other VMs
    (default 3) run CreatePrimary RSA-2048 + FlushContext in a loop: each
    light VM's p50/p99/max latency (write to response: its wait plus its
    own command), the module's queue-wait figures for it, how many of its
    commands took over 750 ms / 2 s (the guest driver's timeouts for
    PCR_Extend / GetRandom), and the key generations done.  `fifo` repeats
    the loaded part with the module's sched_fifo=1, for comparison.  The
    wait of the chip-bound command is bounded by one running key
    generation (0.7-7.5 s with the slow chip): a TPM does not preempt.
(c) `jain`: NVMS (default 4) VMs with equal weights, backlogged with
    CreatePrimary ECC P-256 + FlushContext (every command goes to the
    chip), for S2 seconds (default 60): Jain's fairness index over the
    chip busy time the module charged to each VM (TPMMUX_IOC_VTPM_INFO)
    between the start and the deadline, and each VM's share.
(d) `weights`: the same with three VMs of weights 1:2:4: each VM's share
    of the busy time, next to 1/7, 2/7, 4/7.

Meant to run with a slow chip for (b):
    selftests/vm/run --chip-latency selftests/vm/chip-profiles/slow-discrete.txt \\
        -- selftests/bench/fairness.py
(with plain swtpm, key generations take tens of ms, not seconds.)  Works
without one too.  Prints `NAME VALUE UNIT` lines, then the figures as one
`BENCH-JSON: [...]` line.

Usage: fairness.py [a] [b] [fifo] [jain] [weights] [--n N] [--gap MS]
                   [--seconds S] [--share-seconds S2] [--vms NVMS]
                   [--heavy K] [--ko PATH] [--vtpmctl PATH]
(default: all parts)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOAD_DIR = os.path.join(ROOT, "tools", "tpmmux-load")
LOAD = os.path.join(LOAD_DIR, "tpmmux-load")
FIFO_PARAM = "/sys/module/tpmmux/parameters/sched_fifo"

results = []


def fig(name, value, unit):
    results.append({"name": name, "value": value, "unit": unit})
    print("%s %s %s" % (name, value, unit), flush=True)


def ensure_load():
    src = os.path.join(LOAD_DIR, "tpmmux-load.c")
    if os.access(LOAD, os.X_OK) and os.path.getmtime(LOAD) >= os.path.getmtime(src):
        return
    print("# building tools/tpmmux-load", flush=True)
    subprocess.run(["make", "-s", "-C", LOAD_DIR], check=True)


def run_load(args, vtpmctl):
    """Run tpmmux-load; return {figure name: value}."""
    with tempfile.NamedTemporaryFile(suffix=".json") as j:
        cmd = [LOAD, "--prefix", "x", "--json", j.name] + args
        if vtpmctl:
            cmd += ["--vtpmctl", vtpmctl]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        for line in p.stdout.splitlines():
            if not line.startswith("x_"):
                print("# tpmmux-load: " + line, flush=True)
        if p.returncode != 0:
            print(p.stdout)
            raise SystemExit("tpmmux-load failed (%d): %s" % (p.returncode, " ".join(cmd)))
        return {f["name"]: f["value"] for f in json.load(open(j.name))}


def part_a(opt):
    n = str(opt.n)
    for tag, gap in (("", opt.gap), ("_b2b", 0)):
        print("# (a%s) Hash x %s through vTPM and /dev/tpmrm0, alternating, %s ms apart"
              % (tag, n, gap), flush=True)
        r = run_load(["--vm", "addlat:hash::%s" % gap, "--direct", "/dev/tpmrm0",
                      "--count", n], opt.vtpmctl)
        pre = "fair_addlat%s" % tag
        fig(pre + "_commands", r["x_addlat_commands"], "commands")
        fig(pre + "_errors", r["x_addlat_errors"] + r["x_addlat_direct_errors"], "commands")
        for k in ("p50", "p99", "mean"):
            fig("%s_vtpm_%s" % (pre, k), r["x_addlat_" + k], "ms")
            fig("%s_tpmrm0_%s" % (pre, k), r["x_addlat_direct_" + k], "ms")
        fig(pre + "_added_p50", r["x_addlat_added_p50"], "ms")
        fig(pre + "_added_mean", r["x_addlat_added_mean"], "ms")


LIGHT = (("getrandom", "getrandom"), ("pcrread", "pcrread"), ("hash", "hash"))


def light_figures(pre, r, heavy):
    for name, _ in LIGHT:
        x = "x_light_%s_" % name
        lp = "%s_light_%s" % (pre, name)
        fig(lp + "_commands", r[x + "commands"], "commands")
        fig(lp + "_errors", r[x + "errors"], "commands")
        for k in ("p50", "p99", "max", "mean"):
            fig("%s_%s" % (lp, k), r[x + k], "ms")
        fig(lp + "_over_750ms", r[x + "over_750ms"], "commands")
        fig(lp + "_over_2000ms", r[x + "over_2000ms"], "commands")
        if x + "mod_wait_p50" in r:
            fig(lp + "_chip_commands", r[x + "mod_chip_commands"], "commands")
            for k in ("p50", "p99", "max"):
                fig("%s_queue_wait_%s" % (lp, k), r[x + "mod_wait_" + k], "ms")
    if not heavy:
        return
    gens = sum(r["x_heavy%d_CreatePrimary_commands" % i] for i in range(1, heavy + 1))
    fig(pre + "_heavy_keygens", gens, "commands")
    fig(pre + "_heavy_errors",
        sum(r["x_heavy%d_errors" % i] for i in range(1, heavy + 1)), "commands")
    fig(pre + "_heavy1_keygen_p50", r["x_heavy1_CreatePrimary_p50"], "ms")
    fig(pre + "_heavy1_keygen_max", r["x_heavy1_CreatePrimary_max"], "ms")
    if "x_light_hash_mod_busy_share" in r:
        fig(pre + "_light_hash_busy_share", r["x_light_hash_mod_busy_share"], "%")


def part_b(opt, fifo):
    light = []
    for name, wl in LIGHT:
        light += ["--vm", "light_%s:%s::50" % (name, wl)]
    print("# (b) light VMs alone (GetRandom, PCR_Read, Hash), each every 50 ms, %d s"
          % opt.alone, flush=True)
    r = run_load(light + ["--seconds", str(opt.alone)], opt.vtpmctl)
    light_figures("fair_alone", r, 0)
    heavy = []
    for i in range(1, opt.heavy + 1):
        heavy += ["--vm", "heavy%d:rsagen" % i]
    modes = [("fair_loaded", False)]
    if fifo:
        if os.path.exists(FIFO_PARAM):
            modes.append(("fair_fifo", True))
        else:
            print("# no %s: no FIFO comparison" % FIFO_PARAM, flush=True)
    for pre, use_fifo in modes:
        print("# (b) light VMs while %d VM(s) generate RSA-2048 keys, %d s%s"
              % (opt.heavy, opt.seconds, ", sched_fifo=1" if use_fifo else ""), flush=True)
        if use_fifo:
            open(FIFO_PARAM, "w").write("1\n")
        try:
            r = run_load(light + heavy + ["--seconds", str(opt.seconds)], opt.vtpmctl)
        finally:
            if use_fifo:
                open(FIFO_PARAM, "w").write("0\n")
        light_figures(pre, r, opt.heavy)


def share_run(opt, tag, specs):
    """Backlogged VMs (NAME:WORKLOAD:WEIGHT); the busy-time figures."""
    args = []
    for v in specs:
        args += ["--vm", v]
    r = run_load(args + ["--seconds", str(opt.share_seconds)], opt.vtpmctl)
    pre = "fair_" + tag
    for v in specs:
        name = v.split(":")[0]
        fig("%s_%s_share" % (pre, name), r["x_%s_window_share" % name], "%")
        fig("%s_%s_weight_share" % (pre, name), r["x_%s_weight_share" % name], "%")
        fig("%s_%s_commands" % (pre, name), r["x_%s_commands" % name], "commands")
        fig("%s_%s_errors" % (pre, name), r["x_%s_errors" % name], "commands")
    fig(pre + "_busy", r["x_window_busy"], "ms")
    fig(pre + "_jain_busy", r["x_jain_busy"], "index")


def part_jain(opt):
    print("# (c) %d VMs, equal weights, backlogged with ECC CreatePrimary + FlushContext, %d s"
          % (opt.vms, opt.share_seconds), flush=True)
    share_run(opt, "equal%d" % opt.vms,
              ["vm%d:eccgen:100" % i for i in range(1, opt.vms + 1)])


def part_weights(opt):
    print("# (d) weights 1:2:4, backlogged with ECC CreatePrimary + FlushContext, %d s"
          % opt.share_seconds, flush=True)
    share_run(opt, "w124", ["w1:eccgen:1", "w2:eccgen:2", "w4:eccgen:4"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parts", nargs="*",
                    help="a: added latency; b: light VMs vs key generation; "
                    "fifo: (b) also with sched_fifo=1; jain: equal weights; "
                    "weights: 1:2:4 (default: all)")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--gap", type=float, default=5)
    ap.add_argument("--seconds", type=int, default=45)
    ap.add_argument("--alone", type=int, default=10)
    ap.add_argument("--heavy", type=int, default=3)
    ap.add_argument("--share-seconds", type=int, default=60)
    ap.add_argument("--vms", type=int, default=4)
    ap.add_argument("--ko", default=os.path.join(ROOT, "tpmmux", "tpmmux.ko"))
    ap.add_argument("--vtpmctl", default=None)
    opt = ap.parse_args()
    known = {"a", "b", "fifo", "jain", "weights"}
    parts = set(opt.parts) or known
    if parts - known:
        ap.error("parts are %s, not %s" % (", ".join(sorted(known)),
                                           " ".join(sorted(parts - known))))
    if "fifo" in parts:
        parts.add("b")

    ensure_load()
    loaded = os.path.exists("/sys/module/tpmmux")
    if not loaded:
        subprocess.run(["insmod", opt.ko], check=True)
    try:
        if "a" in parts:
            part_a(opt)
        if "b" in parts:
            part_b(opt, "fifo" in parts)
        if "jain" in parts:
            part_jain(opt)
        if "weights" in parts:
            part_weights(opt)
    finally:
        if not loaded:
            subprocess.run(["rmmod", "tpmmux"], check=False)
    print("BENCH-JSON: " + json.dumps(results))


if __name__ == "__main__":
    main()
