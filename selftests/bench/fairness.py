#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark: what a vTPM adds to a command, and what a light VM waits.

Runs inside the test VM (selftests/vm/run), as root, with
tools/tpmmux-load/tpmmux-load (built here if it is missing):

(a) added latency: one client sends GetRandom(16) N times (default 500)
    through a vTPM and N times through /dev/tpmrm0, alternating, side by
    side in one run, GAP ms after each command (default 5, more than the
    dispatcher's linger_us and anticipate_us, so every command finds the
    chip idle); then the same back to back (no gap), where the /dev/tpmrm0
    command arrives while the dispatcher still holds the chip for the vTPM.
(b) a light VM (GetRandom, 50 ms think time) alone for a few seconds, then
    for S seconds (default 45) while HEAVY other VMs (default 1) run
    CreatePrimary RSA-2048 + FlushContext in a loop: the light VM's
    p50/p99/max latency (write to response: its wait for the chip plus its
    own command), the module's queue-wait figures for it, how many of its
    commands took over 750 ms / 2 s (the guest driver's timeouts for
    PCR_Extend / GetRandom), and the key generations done.  `fifo` repeats
    the loaded part with the module's sched_fifo=1, for comparison.

Meant to run with a slow chip for (b):
    selftests/vm/run --chip-latency selftests/vm/chip-profiles/slow-discrete.txt \\
        -- selftests/bench/fairness.py
(with plain swtpm, key generations take tens of ms, not seconds.)  Works
without one too.  Prints `NAME VALUE UNIT` lines, then the figures as one
`BENCH-JSON: [...]` line.

Usage: fairness.py [a] [b] [fifo] [--n N] [--gap MS] [--seconds S]
                   [--heavy K] [--ko PATH] [--vtpmctl PATH]
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
        print("# (a%s) GetRandom x %s through vTPM and /dev/tpmrm0, alternating, %s ms apart"
              % (tag, n, gap), flush=True)
        r = run_load(["--vm", "addlat:getrandom::%s" % gap, "--direct", "/dev/tpmrm0",
                      "--count", n], opt.vtpmctl)
        pre = "fair_addlat%s" % tag
        fig(pre + "_commands", r["x_addlat_commands"], "commands")
        fig(pre + "_errors", r["x_addlat_errors"] + r["x_addlat_direct_errors"], "commands")
        for k in ("p50", "p99", "mean"):
            fig("%s_vtpm_%s" % (pre, k), r["x_addlat_" + k], "ms")
            fig("%s_tpmrm0_%s" % (pre, k), r["x_addlat_direct_" + k], "ms")
        fig(pre + "_added_p50", r["x_addlat_added_p50"], "ms")
        fig(pre + "_added_mean", r["x_addlat_added_mean"], "ms")


def light_figures(pre, r, heavy):
    fig(pre + "_light_commands", r["x_light_commands"], "commands")
    fig(pre + "_light_errors", r["x_light_errors"], "commands")
    for k in ("p50", "p99", "max", "mean"):
        fig("%s_light_%s" % (pre, k), r["x_light_" + k], "ms")
    fig(pre + "_light_over_750ms", r["x_light_over_750ms"], "commands")
    fig(pre + "_light_over_2000ms", r["x_light_over_2000ms"], "commands")
    if "x_light_mod_wait_p50" in r:
        for k in ("p50", "p99", "max"):
            fig("%s_light_queue_wait_%s" % (pre, k), r["x_light_mod_wait_" + k], "ms")
    if not heavy:
        return
    gens = sum(r["x_heavy%d_CreatePrimary_commands" % i] for i in range(1, heavy + 1))
    fig(pre + "_heavy_keygens", gens, "commands")
    fig(pre + "_heavy_errors",
        sum(r["x_heavy%d_errors" % i] for i in range(1, heavy + 1)), "commands")
    fig(pre + "_heavy1_keygen_p50", r["x_heavy1_CreatePrimary_p50"], "ms")
    fig(pre + "_heavy1_keygen_max", r["x_heavy1_CreatePrimary_max"], "ms")
    if "x_light_mod_busy_share" in r:
        fig(pre + "_light_busy_share", r["x_light_mod_busy_share"], "%")


def part_b(opt, fifo):
    light = ["--vm", "light:getrandom::50"]
    print("# (b) light VM alone, GetRandom every 50 ms, %d s" % opt.alone, flush=True)
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
        print("# (b) light VM while %d VM(s) generate RSA-2048 keys, %d s%s"
              % (opt.heavy, opt.seconds, ", sched_fifo=1" if use_fifo else ""), flush=True)
        if use_fifo:
            open(FIFO_PARAM, "w").write("1\n")
        try:
            r = run_load(light + heavy + ["--seconds", str(opt.seconds)], opt.vtpmctl)
        finally:
            if use_fifo:
                open(FIFO_PARAM, "w").write("0\n")
        light_figures(pre, r, opt.heavy)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parts", nargs="*",
                    help="a: added latency; b: light VM vs key generation; "
                    "fifo: (b) also with sched_fifo=1 (default: a b)")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--gap", type=float, default=5)
    ap.add_argument("--seconds", type=int, default=45)
    ap.add_argument("--alone", type=int, default=10)
    ap.add_argument("--heavy", type=int, default=1)
    ap.add_argument("--ko", default=os.path.join(ROOT, "tpmmux", "tpmmux.ko"))
    ap.add_argument("--vtpmctl", default=None)
    opt = ap.parse_args()
    parts = set(opt.parts) or {"a", "b"}
    if parts - {"a", "b", "fifo"}:
        ap.error("parts are a, b and fifo, not %s" % " ".join(sorted(parts - {"a", "b", "fifo"})))
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
    finally:
        if not loaded:
            subprocess.run(["rmmod", "tpmmux"], check=False)
    print("BENCH-JSON: " + json.dumps(results))


if __name__ == "__main__":
    main()
