#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark: the KVM front end (in-kernel CRB, tpmmux) next to QEMU's own
tpm-crb device with swtpm, the same guest code on both, inside the test VM
with nested KVM (selftests/vm/run --kvm).

The guest (selftests/kvm/guest.elf) times N PCR_Extends, each one the whole
Linux tpm_crb sequence (locality, cmdReady, START, poll, response, goIdle,
relinquish), with its TSC:
  - tpmmux: selftests/kvm/vmm --bench N runs it on a vTPM's front end and
    counts the vCPU's exits (KVM_GET_STATS_FD) around the N commands;
  - QEMU: qemu-system-x86_64 -accel kvm -kernel guest.elf -append bench=N,
    -device tpm-crb on a fresh swtpm; its exits are those of
    /sys/kernel/debug/kvm/exits, from a run with bench=N minus one with
    bench=0 (the boot), divided by N.
TSC ticks become microseconds with the vCPU's TSC rate (KVM_GET_TSC_KHZ);
both guests run on the same host TSC.  Prints `NAME VALUE UNIT` lines and a
BENCH-JSON line (see selftests/bench/run).  Times are under TCG: compare
the ratios.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

N = int(os.environ.get("BENCH_KVM_N", "200"))
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GUEST = os.path.join(ROOT, "selftests", "kvm", "guest.elf")
VMM = os.path.join(ROOT, "selftests", "kvm", "vmm")


def kvm_exits():
    try:
        with open("/sys/kernel/debug/kvm/exits") as f:
            return int(f.read())
    except OSError:
        return None


def qemu_run(tmp, n, iface):
    """One QEMU run of the guest with bench=n; (exits, debugcon text)."""
    state = tempfile.mkdtemp(dir=tmp)
    sock = os.path.join(state, "swtpm.sock")
    out = os.path.join(state, "debugcon.txt")
    sw = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
                           "--ctrl", "type=unixio,path=" + sock, "--flags",
                           "not-need-init"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    # "hold": the guest halts at the end instead of exiting, so that its
    # VM's exits can be read (/sys/kernel/debug/kvm/exits only counts live
    # VMs); this is the only VM then.
    e0 = kvm_exits()
    q = subprocess.Popen(["qemu-system-x86_64", "-accel", "kvm", "-m", "64",
                          "-nographic", "-no-reboot", "-display", "none",
                          "-serial", "none", "-monitor", "none",
                          "-kernel", GUEST, "-append", "bench=%d hold" % n,
                          "-chardev", "socket,id=c,path=" + sock,
                          "-tpmdev", "emulator,id=t,chardev=c",
                          "-device", "tpm-%s,tpmdev=t" % iface,
                          "-debugcon", "file:" + out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = ""
    deadline = time.time() + 150
    while time.time() < deadline and q.poll() is None:
        text = open(out).read() if os.path.exists(out) else ""
        if "guest: PASS" in text or "guest: FAIL" in text:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    e1 = kvm_exits()
    q.kill()
    q.wait(timeout=30)
    sw.terminate()
    sw.wait(timeout=30)
    if "guest: PASS" not in text:
        sys.stderr.write(q.stdout.read().decode(errors="replace") + text)
        return None
    return (e1 - e0 if e0 is not None and e1 is not None else None), text


def qemu_retry(tmp, n, iface, tries=3):
    """qemu_run(), again when the nested QEMU did not finish (one `make
    bench` run timed out inside this script, at 600 s); the exits are
    those of the run that passed."""
    for i in range(tries):
        r = qemu_run(tmp, n, iface)
        if r is not None:
            return r
        sys.stderr.write("kvm.py: the QEMU guest (bench=%d) did not finish, try %d of %d\n"
                         % (n, i + 1, tries))
    raise SystemExit("the QEMU guest did not pass %d times" % tries)


def main():
    res = []

    def fig(name, value, unit):
        res.append({"name": name, "value": value, "unit": unit})
        print("%s %s %s" % (name, value, unit), flush=True)

    subprocess.run(["insmod", os.path.join(ROOT, "tpmmux", "tpmmux.ko")], check=True)
    v = subprocess.run([VMM, "--bench", str(N), "--guest", GUEST],
                       stdout=subprocess.PIPE, text=True, timeout=1800)
    sys.stdout.write("".join("# " + l + "\n" for l in v.stdout.splitlines()))
    if v.returncode:
        raise SystemExit("vmm --bench failed (status %d)" % v.returncode)
    k = {}
    for line in v.stdout.splitlines():
        p = line.split()
        if len(p) == 3 and not line.startswith("#"):
            k[p[0]] = float(p[1])
    khz = k.get("kvm_crb_tsc_khz") or k.get("kvm_crb_tsc_khz_calibrated")

    tmp = tempfile.mkdtemp()
    try:
        e_base, _ = qemu_retry(tmp, 0, "crb")
        e_n, text = qemu_retry(tmp, N, "crb")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    m = re.search(r"bench n=(\d+) tsc_median=(\d+)", text)
    if not m:
        sys.stderr.write(text)
        raise SystemExit("no bench line from the QEMU guest")
    q_tsc = int(m.group(2))

    fig("kvm_fe_crb_exits_per_pcr_extend", round(k["kvm_crb_exits_per_cmd"], 2), "exits")
    fig("kvm_fe_crb_user_exits_per_pcr_extend",
        round(k["kvm_crb_user_exits_per_cmd"], 2), "exits")
    if e_base is not None and e_n is not None:
        q_exits = (e_n - e_base) / N
        fig("qemu_crb_exits_per_pcr_extend", round(q_exits, 2), "exits")
        if k["kvm_crb_exits_per_cmd"] > 0:
            fig("kvm_fe_ratio_qemu_exits_over_tpmmux", round(q_exits / k["kvm_crb_exits_per_cmd"], 3), "x")
    fig("kvm_fe_crb_pcr_extend_rtt_median", round(k["kvm_crb_tsc_median"] * 1000.0 / khz, 1), "us")
    fig("qemu_crb_pcr_extend_rtt_median", round(q_tsc * 1000.0 / khz, 1), "us")
    fig("kvm_fe_ratio_qemu_rtt_over_tpmmux", round(q_tsc / k["kvm_crb_tsc_median"], 3), "x")
    fig("kvm_fe_crb_bad_responses", int(k.get("kvm_crb_bad_responses", 0)), "count")
    subprocess.run(["rmmod", "tpmmux"], check=False)
    print("BENCH-JSON: " + json.dumps(res))


if __name__ == "__main__":
    main()
