#!/usr/bin/env python3
"""A worker SIGKILLed while it forwards: the supervisor starts it again on
the same core, it takes its rings over from the memzone and the vault (split
rings resume from the used idx in guest memory) and traffic flows again
without the front ends noticing anything. Frames the dead worker held are
lost, so this checks flow, not counts."""

import os
import signal
import time

import dp_traffic as d
import vswtest as t


def rx_packets(tp):
    return tp.port_stats(0)["rx_packets"]


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    rx = d.testpmd("rx", socks[1], 0, 1, 1, "rxonly")
    tx = d.testpmd("tx", socks[0], 0, 1, 1, "txonly")
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, 1), 20, 0.3, "%s vrings" % name)
    time.sleep(0.5)
    rx.cmd("start")
    tx.cmd("start")
    time.sleep(1)
    first = rx_packets(rx)
    t.check(first > 0, "traffic flows before the crash (%d)" % first)

    old = sw.worker_pids()["1"]
    os.kill(old, signal.SIGKILL)
    new = t.wait_until(lambda: (sw.worker_pids().get("1") or old) != old and
                       sw.worker_pids()["1"], 15, 0.2, "worker restarted")
    print("worker pid %d replaced by %d" % (old, new), flush=True)
    start = rx_packets(rx)
    t.wait_until(lambda: rx_packets(rx) > start + 10000, 20, 0.5,
                 "traffic flowing again after the restart")
    t.check(True, "the receiver counts frames again after the worker restart")
    workers = sw.ctl("show", "workers", json=True)["workers"]
    t.check(workers[0]["restarts"] >= 1 and workers[0]["state"] == "running",
            "show workers: restarted and running (%s)" % workers[0])
    tx.cmd("stop")
    rx.cmd("stop")
    rx.quit()
    tx.quit()
    sw.stop()


t.main(main)
