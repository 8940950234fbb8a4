#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""In-VM tests of the scheduler's interface: weights, statistics, sysfs,
vtpmctl set/stats/top, and that the statistics agree with what a client
counted; and, with a slow chip (selftests/sched.t gives the VM
--chip-latency slow-discrete), that GetRandom and PCR_Read of a light VM,
which the module answers itself, never wait behind another VM's RSA key
generations (no more than 2 s, the guest driver's GetRandom timeout).
(The policy's fairness is proved on a simulated chip by
selftests/unit/test_sched_policy.c and measured by `make bench`; no timing
of chip-bound commands is tested here: machines are noisy.)
"""
import errno
import os
import struct
import subprocess
import sys
import threading
import time

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


def hash32(i):
    """TPM2_Hash of 32 bytes, SHA-256: a command that always goes to the chip."""
    data = struct.pack(">Q", i) * 4
    body = struct.pack(">H", len(data)) + data + struct.pack(">HI", tpm2.ALG_SHA256, tpm2.RH_NULL)
    return tpm2.cmd(tpm2.ST_NO_SESSIONS, 0x17D, body)


def client(name, n, counts):
    ok = err = 0
    with tpm2.Dev("/dev/tpmmux-vm/" + name) as d:
        d.xfer(tpm2.startup())
        for i in range(n):
            if tpm2.rc_of(d.xfer(hash32(i))) == 0:
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


def heavy_loop(stop, out):
    """RSA-2048 CreatePrimary + FlushContext until @stop is set."""
    gens = errs = 0
    with tpm2.Dev("/dev/tpmmux-vm/heavy") as d:
        d.xfer(tpm2.startup())
        while not stop.is_set():
            r = d.xfer(tpm2.create_primary_rsa(unique=struct.pack(">Q", gens)))
            if tpm2.rc_of(r) != 0:
                errs += 1
                continue
            gens += 1
            d.xfer(tpm2.flush_context(struct.unpack(">I", r[10:14])[0]))
    out["gens"], out["errs"] = gens, errs


def test_light_local(ctl):
    """A light VM's GetRandom and PCR_Read while another VM generates RSA keys."""
    param = "/sys/module/tpmmux/parameters/local_random"
    t.eq(open(param).read().strip(), "Y", "local_random is on by default")
    for n in ("heavy", "light"):
        tm.vtpm_create(ctl, n)
    stop = threading.Event()
    out = {}
    th = threading.Thread(target=heavy_loop, args=(stop, out))
    lat = {"GetRandom": [], "PCR_Read": []}
    bad = 0
    with tpm2.Dev("/dev/tpmmux-vm/light") as d:
        d.xfer(tpm2.startup())
        th.start()
        time.sleep(1)   # the heavy VM's first key generation is running
        end = time.monotonic() + 30
        i = 0
        while time.monotonic() < end:
            kind, c = (("GetRandom", tpm2.get_random(16)) if i % 2 == 0 else
                       ("PCR_Read", tpm2.pcr_read_sha256(range(8))))
            t0 = time.monotonic()
            r = d.xfer(c)
            lat[kind].append(time.monotonic() - t0)
            bad += tpm2.rc_of(r) != 0
            i += 1
            time.sleep(0.05)
    stop.set()
    th.join()
    err, info = tm.vtpm_info_by_name(ctl, "light")
    for kind, v in lat.items():
        v.sort()
        t.ok(v and v[-1] < 2.0,
             "light VM: %d %s, none over 2 s while the other VM generates RSA keys "
             "(p50 %.1f ms, max %.1f ms)" % (len(v), kind, 1e3 * v[len(v) // 2], 1e3 * v[-1]))
    t.eq(bad, 0, "light VM: every GetRandom and PCR_Read succeeded")
    t.eq(info["chip_commands"], 0, "light VM: none of them reached the chip")
    t.ok(out.get("gens", 0) >= 1 and out.get("errs", 1) == 0,
         "heavy VM: %d RSA-2048 key generations meanwhile, no errors" % out.get("gens", 0))
    for n in ("heavy", "light"):
        tm.vtpm_destroy(ctl, n)


def test_loadgen_stats(ctl):
    """vtpmctl stats agrees with what the load generator counted."""
    load = os.path.abspath("tools/tpmmux-load/tpmmux-load")
    vms = {"lga": "hash", "lgb": "getrandom", "lgc": "pcrread"}
    args = [load, "--count", "40", "--keep", "--vtpmctl", VTPMCTL]
    for n, w in vms.items():
        args += ["--vm", "%s:%s" % (n, w)]
    r = sh(*args)
    figs = {}
    for ln in r.stdout.splitlines():
        f = ln.split()
        if len(f) >= 2 and not ln.startswith("BENCH-JSON"):
            figs[f[0]] = f[1]
    rows = {}
    for ln in sh(VTPMCTL, "stats").stdout.splitlines()[1:]:
        f = ln.split()
        rows[f[0]] = f
    for n, w in vms.items():
        sent = int(float(figs.get("load_%s_commands" % n, "-1")))
        errs = int(float(figs.get("load_%s_errors" % n, "-1")))
        row = rows.get(n)
        t.eq((int(row[2]), int(row[4])) if row else None, (sent + 1, errs),
             "%s (%s): vtpmctl stats COMMANDS and ERRORS = the load generator's %d "
             "commands (+ its Startup) and %d errors" % (n, w, sent, errs))
        tm.vtpm_destroy(ctl, n)


def main():
    if os.path.exists("/sys/module/tpmmux"):
        sh("rmmod", "tpmmux")
    sh("insmod", KO)
    ctl = tm.open_ctl()
    for name in sys.argv[1:] or ["weights", "stats_agree", "loadgen_stats", "light_local"]:
        t.run(name, globals()["test_" + name], ctl)
    os.close(ctl)
    t.eq(sh("rmmod", "tpmmux", check=False).returncode, 0, "rmmod at the end")
    t.done()


if __name__ == "__main__":
    main()
