#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Load and unload tpmmux many times: no warning, no slab growth.

Each cycle loads the module, opens /dev/tpmmux, runs GET_VERSION and
GET_CHIP_INFO (a command on the chip), closes it and unloads.  The slab
caches are measured after a warm-up (A), after CYCLES cycles (B) and after
CYCLES more (C), each time after dropping reclaimable caches and shrinking
every slab cache (so per-CPU partial slabs do not count).  A leak of one
object per cycle grows a cache by >= CYCLES objects in both halves; the
one-off growth of a cache that fills to its steady state does not repeat.
The VM harness fails the run on any kernel WARNING/BUG.
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


def total_bytes(c):
    return sum(n * size for n, size in c.values())


def growth(before, after):
    return {k: after[k][0] - before.get(k, (0, 0))[0] for k in after}


def main():
    for _ in range(3):  # warm up: first-load allocations that stay
        cycle()
    a = tm.slabs()
    good = sum(cycle() for _ in range(CYCLES))
    b = tm.slabs()
    good += sum(cycle() for _ in range(CYCLES))
    c = tm.slabs()
    t.eq(good, 2 * CYCLES, "%d load/use/unload cycles all worked" % (2 * CYCLES))
    g1, g2 = growth(a, b), growth(b, c)
    for name, g in (("first", g1), ("second", g2)):
        worst = sorted(g.items(), key=lambda kv: -kv[1])[:5]
        t.diag("largest slab growth over the %s %d cycles (objects): %s"
               % (name, CYCLES, worst))
    t.diag("total slab bytes: A %d, B %d, C %d" % (total_bytes(a),
           total_bytes(b), total_bytes(c)))
    leaks = {k: (g1[k], g2.get(k, 0)) for k in g1
             if g1[k] >= CYCLES and g2.get(k, 0) >= CYCLES}
    t.ok(not leaks, "no slab cache grew by one object per cycle in both "
         "runs of %d cycles" % CYCLES, "grown: %s" % leaks)
    d1 = total_bytes(b) - total_bytes(a)
    d2 = total_bytes(c) - total_bytes(b)
    t.ok(d1 < 64 * 1024 or d2 < 64 * 1024,
         "total slab usage did not grow by 64 KiB or more in both runs of %d "
         "cycles (%+d, %+d bytes)" % (CYCLES, d1, d2))
    t.ok(not os.path.exists("/sys/module/tpmmux"), "module is unloaded at the end")
    t.done()


if __name__ == "__main__":
    main()
