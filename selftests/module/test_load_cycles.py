#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Load and unload tpmmux many times: no warning, no slab growth.

Each cycle loads the module, opens /dev/tpmmux, runs GET_VERSION and
GET_CHIP_INFO (a command on the chip), closes it and unloads.  The slab
caches are compared before and after (after dropping reclaimable caches):
a leak of one object per cycle would show as a cache grown by >= CYCLES
objects.  The VM harness fails the run on any kernel WARNING/BUG.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import tpmmux as tm  # noqa: E402
from tap import Tap  # noqa: E402

KO = os.path.abspath("tpmmux/tpmmux.ko")
CYCLES = int(os.environ.get("CYCLES", "50"))
t = Tap()


def cycle():
    subprocess.run(["insmod", KO], check=True)
    fd = tm.open_ctl()
    try:
        e1, _ = tm.get_version(fd)
        e2, _ = tm.get_chip_info(fd)
    finally:
        os.close(fd)
    subprocess.run(["rmmod", "tpmmux"], check=True)
    return e1 == 0 and e2 == 0


def slabs():
    subprocess.run(["sync"])
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    caches = {}
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith(("slabinfo", "#")):
                continue
            p = line.split()
            caches[p[0]] = (int(p[1]), int(p[3]))  # active_objs, objsize
    return caches


def total_bytes(c):
    return sum(n * size for n, size in c.values())


def main():
    for _ in range(3):  # warm up: first-load allocations that stay
        cycle()
    before = slabs()
    good = 0
    for _ in range(CYCLES):
        good += cycle()
    after = slabs()
    t.eq(good, CYCLES, "%d load/use/unload cycles all worked" % CYCLES)
    grown = {k: after[k][0] - before.get(k, (0, 0))[0] for k in after}
    worst = sorted(grown.items(), key=lambda kv: -kv[1])[:5]
    t.diag("largest slab growth (objects): %s" % worst)
    t.diag("total slab bytes: before %d after %d" % (total_bytes(before),
                                                     total_bytes(after)))
    leaks = {k: n for k, n in grown.items() if n >= CYCLES}
    t.ok(not leaks, "no slab cache grew by >= %d objects (one per cycle)"
         % CYCLES, "grown: %s" % leaks)
    t.ok(not os.path.exists("/sys/module/tpmmux"), "module is unloaded at the end")
    t.done()


if __name__ == "__main__":
    main()
