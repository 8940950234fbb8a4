#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of the scheduler's interface: weights, statistics, sysfs,
vtpmctl set/stats/top, and that the statistics agree with what a client
counted.  (The policy's fairness is proved on a simulated chip by
selftests/unit/test_sched_policy.c and measured by `make bench`.)
"""
import errno
import os
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpm2  # noqa: E402
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.path.abspath("tpmmux/tpmmux.ko")
VTPMCTL = os.path.abspath("tools/vtpmctl/vtpmctl")
t = Tap()


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError("%s: %s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


def sysfs_stats(name):
    with open("/sys/class/tpmmux/%s/stats" % name) as f:
        return {k: int(v) for k, v in (ln.split() for ln in f)}


def test_weights(ctl):
    tm.vtpm_create(ctl, "w1")
    err, info = tm.vtpm_info_by_name(ctl, "w1")
    t.eq(info["weight"], 100, "a new vTPM has weight 100")
    t.eq(tm.vtpm_set(ctl, "w1", weight=400), 0, "SET weight 400")
    t.eq(tm.vtpm_info_by_name(ctl, "w1")[1]["weight"], 400, "INFO shows weight 400")
    for bad in (0, 1001):
        t.eq(tm.vtpm_set(ctl, "w1", weight=bad), errno.EINVAL,
             "weight %d gets EINVAL" % bad)
    t.eq(tm.vtpm_set(ctl, "w1", weight=5, flags=3), errno.EOPNOTSUPP,
         "SET with an unknown flag gets EOPNOTSUPP")
    t.eq(tm.vtpm_set(ctl, "w1", flags=0, weight=7), errno.EINVAL,
         "SET with a weight but no SET_WEIGHT flag gets EINVAL")
    t.eq(tm.vtpm_set(ctl, "nope", weight=5), errno.ENOENT,
         "SET of an unknown vTPM gets ENOENT")
    r = sh(VTPMCTL, "set", "w1", "--weight", "250", check=False)
    t.ok(r.returncode == 0 and tm.vtpm_info_by_name(ctl, "w1")[1]["weight"] == 250,
         "vtpmctl set --weight 250")
    r = sh(VTPMCTL, "set", "w1", "--weight", "0", check=False)
    t.ok(r.returncode == 1 and "invalid weight '0'" in r.stderr,
         "vtpmctl set --weight 0 is refused naming the value", r.stderr)
    err, v = tm.get_version(ctl)
    t.ok(v["features"] & tm.FEAT_SCHED, "GET_VERSION has the sched feature")
    tm.vtpm_destroy(ctl, "w1")


def client(name, n, counts):
    ok = err = 0
    with tpm2.Dev("/dev/tpmmux-vm/" + name) as d:
        d.xfer(tpm2.startup())
        for _ in range(n):
            if tpm2.rc_of(d.xfer(tpm2.get_random(8))) == 0:
                ok += 1
            else:
                err += 1
    counts[name] = (ok, err)


def test_stats_agree(ctl):
    names = ["s%d" % i for i in range(3)]
    ns = {"s0": 150, "s1": 100, "s2": 50}
    for n in names:
        tm.vtpm_create(ctl, n)
    counts = {}
    ths = [threading.Thread(target=client, args=(n, ns[n], counts)) for n in names]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    for n in names:
        err, info = tm.vtpm_info_by_name(ctl, n)
        ok, bad = counts[n]
        t.eq((ok, bad), (ns[n], 0), "%s: the client got %d good responses" % (n, ns[n]))
        t.eq(info["commands"], ns[n] + 1,
             "%s: INFO counts the client's %d commands and its Startup" % (n, ns[n]))
        t.eq(info["chip_commands"], ns[n],
             "%s: the dispatcher ran exactly the %d chip commands" % (n, ns[n]))
        t.ok(info["busy_ns"] > 0 and info["wait_max_ns"] >= info["wait_p50_ns"] / 2,
             "%s: busy %.1f ms, wait p50 <= %.3f ms p99 <= %.3f ms max %.3f ms" % (
                 n, info["busy_ns"] / 1e6, info["wait_p50_ns"] / 1e6,
                 info["wait_p99_ns"] / 1e6, info["wait_max_ns"] / 1e6))
        st = sysfs_stats(n)
        t.eq((st["commands"], st["chip_commands"], st["busy_ns"], st["weight"]),
             (info["commands"], info["chip_commands"], info["busy_ns"], info["weight"]),
             "%s: the sysfs stats file agrees with INFO" % n)
    r = sh(VTPMCTL, "stats", check=False)
    rows = {ln.split()[0]: ln.split() for ln in r.stdout.splitlines()[1:]}
    t.ok(r.returncode == 0 and all(rows.get(n, [0, 0, 0])[2] == str(ns[n] + 1)
                                   for n in names),
         "vtpmctl stats shows each vTPM's command count", r.stdout)
    r = sh(VTPMCTL, "stats", "s1", check=False)
    t.ok(r.returncode == 0 and len(r.stdout.splitlines()) == 2,
         "vtpmctl stats NAME shows one row")
    r = sh(VTPMCTL, "top", "--iterations", "2", "--interval", "0.2", check=False)
    t.ok(r.returncode == 0 and r.stdout.count("tpmmux top") == 2 and "s2" in r.stdout,
         "vtpmctl top --iterations 2 prints two refreshes")
    for n in names:
        tm.vtpm_destroy(ctl, n)


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    ctl = tm.open_ctl()
    for name in sys.argv[1:] or ["weights", "stats_agree"]:
        t.run(name, globals()["test_" + name], ctl)
    os.close(ctl)
    t.eq(sh("rmmod", "tpmmux", check=False).returncode, 0, "rmmod at the end")
    t.done()


if __name__ == "__main__":
    main()
