#!/usr/bin/env python3
"""The switch stopped (SIGTERM to the supervisor) while a worker is in the
middle of its EAL init, as when it is stopped right after the watchdog or a
crash restarted a worker. Each round SIGKILLs the running worker, waits for
the supervisor to start its successor, and stops the switch a different
number of milliseconds later, spread across the successor's EAL init. The
supervisor exits 0 and leaves nothing behind each time. (Before, a worker
SIGTERMed inside rte_eal_init could die holding the shared memory config's
lock, and vhostd and the supervisor then hung in rte_eal_cleanup until
SIGKILLed: 1 round in 10 to 20.)"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402

ROUNDS = 24
STEP = 0.005  # s between the stop moments of two rounds


def main():
    t.hugepages_ensure()
    for r in range(ROUNDS):
        sw = t.Switch("wstart%d" % r, workers=1, interfaces=[]).start()
        t.wait_until(lambda: sw.worker_pids(), 10, 0.01, "round %d: a worker" % r)
        (worker,) = sw.worker_pids().values()
        t.wait_until(lambda: ("running (pid %d," % worker) in sw.log_text(), 10, 0.01,
                     "round %d: worker %d runs" % (r, worker))
        os.kill(worker, signal.SIGKILL)
        t.wait_until(lambda: [p for p in sw.worker_pids().values() if p != worker], 10, 0.001,
                     "round %d: the supervisor starts a successor" % r)
        time.sleep(STEP * r)
        start = time.monotonic()
        rc = sw.stop(timeout=10)
        took = time.monotonic() - start
        # (vhostd gets SIGKILL 3 s after SIGTERM: a stop that long hung.)
        t.check(rc == 0 and took < 2.5, "round %d: stopped %.0f ms into the successor's start: "
                "exit %r in %.1f s" % (r, 1000 * STEP * r, rc, took))


t.main(main)
