#!/usr/bin/env python3
"""Traffic across vhostd restarts: a testpmd sender (txonly) and receiver
(rxonly) on two interfaces of one bridge domain, as in test_dp_testpmd,
while vhostd is handed over gracefully 5 times (alternately `vhost-ctl
restart control` and SIGHUP to the supervisor) and SIGKILLed 5 times, each
time waiting until the next generation serves. After the sender stops the
receiver has counted exactly what the sender sent, the switch as many; the
worker never restarted, neither front end reconnected (same sockets, no new
connection or disconnect in the switch's log, nothing in testpmd's log
about the link or the vhost-user socket).

CPUs: the worker polls core 1; vhostd, the supervisor and both testpmds
share core 0. testpmd's txonly cannot be paced, so the testpmds run
niced (sender 19, receiver 10): the sender gets a small share of core 0
(a moderate rate), the receiver keeps up with it, and a vhostd that
starts is not starved by two busy pollers."""

import os
import re
import time

import dp_traffic as d
import vswtest as t

ROUNDS = ["ctl", "kill", "sighup", "kill", "ctl", "kill", "sighup", "kill", "ctl", "kill"]
BETWEEN = 0.5  # seconds of traffic between two restarts
# What virtio-user or testpmd would print if the socket closed or the link
# went down.
RECONNECT = re.compile(r"(?i)link state change|link down|is down|disconnect|failed to recv"
                       r"|reconnect|vhost-user.*(lost|closed)")


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == 2, "two interfaces: %s" % names)
    rx = d.testpmd("rx", socks[1], 0, 1, 1, "rxonly", nice=10)
    tx = d.testpmd("tx", socks[0], 0, 1, 1, "txonly", nice=19)
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, 1), 20, 0.3, "%s vrings" % name)
    time.sleep(0.5)  # the worker picks the rings up at its next housekeeping

    inodes = {tp.prefix: t.socket_inodes(tp.pid) for tp in (rx, tx)}
    events = sw.front_end_events()
    t.check(events == (2, 0), "two front ends connected, none gone (%s)" % (events,))
    worker = sw.ctl("show", "workers", json=True)["workers"][0]
    marks = {tp.prefix: tp.mark() for tp in (rx, tx)}
    before = d.iface_counters(sw, names[1])

    d.start_traffic(tx, rx)
    t0 = time.monotonic()
    durations = {"graceful": [], "kill": []}
    for i, how in enumerate(ROUNDS):
        time.sleep(BETWEEN)
        got = rx.port_stats(0)["rx_packets"]
        seconds, v = sw.restart_vhostd(how)
        durations["kill" if how == "kill" else "graceful"].append(seconds)
        print("round %d: %s -> generation %d (pid %d) serving after %.2f s"
              % (i + 1, how, v["generation"], v["pid"], seconds), flush=True)
        t.wait_until(lambda: rx.port_stats(0)["rx_packets"] > got, 10, 0.2,
                     "round %d (%s): the receiver counts frames" % (i + 1, how))
    time.sleep(BETWEEN)
    sent = d.stop_and_count(sw, "across %d vhostd restarts" % len(ROUNDS), tx, rx, names,
                            before, time.monotonic() - t0)
    for kind, secs in durations.items():
        print("%s restarts: %s s until the new generation answered (max %.2f)"
              % (kind, ", ".join("%.2f" % s for s in secs), max(secs)), flush=True)

    now = sw.ctl("show", "workers", json=True)["workers"][0]
    t.check(now["pid"] == worker["pid"] and now["restarts"] == worker["restarts"]
            and now["state"] == "running",
            "the worker polled on through every restart (%s)" % now)
    for tp in (rx, tx):
        t.check(t.socket_inodes(tp.pid) == inodes[tp.prefix],
                "%s kept its vhost-user socket (no reconnect)" % tp.prefix)
        said = RECONNECT.findall(tp.output(marks[tp.prefix]))
        t.check(not said, "%s logged no link or socket event (%s)" % (tp.prefix, said[:5]))
    t.check(sw.front_end_events() == events,
            "the switch saw no new connection and no disconnect (%s)" % (sw.front_end_events(),))
    t.check(sent > 10000, "traffic flowed across the restarts (%d packets)" % sent)
    rx.cmd("stop")
    rx.quit()
    tx.quit()
    sw.stop()


t.main(main)
