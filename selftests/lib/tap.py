# SPDX-License-Identifier: GPL-2.0
"""A small TAP producer for tpmmux's in-VM tests (read by prove)."""
import sys
import traceback


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        sys.stdout.reconfigure(line_buffering=True)

    def diag(self, msg):
        for line in str(msg).splitlines() or [""]:
            print("# " + line)

    def ok(self, cond, name, *diag):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for d in diag:
                self.diag(d)
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r" % (got,),
                       "want: %r" % (want,))

    def run(self, name, fn, *args):
        """Run fn; an exception is one failed test, the run goes on."""
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - report every failure as TAP
            self.ok(False, name + " (raised)", traceback.format_exc())
            return None

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)
