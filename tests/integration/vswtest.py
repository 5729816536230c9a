"""vswtest: what an integration test imports (Python 3 stdlib only). The
harness core is harness.py; guest.py drives QEMU guests, testpmd.py
dpdk-testpmd, switch.py the switch under test.

Each integration test is a standalone script run by ctest (exit 0 = pass).
This module starts the real processes a test needs -- QEMU guests with a
vhost-user virtio-net NIC, dpdk-testpmd -- and guarantees that everything it
started is gone afterwards, even when the test fails, raises, or is sent
SIGTERM/SIGINT/SIGHUP:

* every child is tracked by pid in a registry and SIGKILLed (by pid, never by
  name) at exit; children also get PR_SET_PDEATHSIG=SIGKILL, so they die
  even if this Python process is SIGKILLed;
* DPDK hugepage files and /var/run/dpdk/<prefix> of every Testpmd are
  removed, and those of earlier runs whose process is dead (see unique());
* the per-run work directory (sockets, logs, fifos) is removed; set
  VSW_KEEP_WORKDIR=1 to keep it. On failure the tails of all logs are
  printed to stderr first (ctest --output-on-failure shows them).

Typical test:

    import vswtest as t

    def main():
        t.hugepages_ensure()
        tp = t.Testpmd(t.unique("tp"), vdevs=[...]); tp.start()
        g = t.Guest("g1", sock, ip="10.0.0.1/24"); g.start(); g.wait_ready()
        out, rc = g.run("ping -c 1 10.0.0.2")
        t.check(rc == 0, "guest pings 10.0.0.2")

    t.main(main)
"""

from harness import *  # noqa: F401,F403 (the harness API, harness.__all__)
from harness import __all__ as _harness_all
from guest import Guest, nc_stream
from switch import Switch
from testpmd import Testpmd

__all__ = _harness_all + ["Guest", "nc_stream", "Switch", "Testpmd"]
