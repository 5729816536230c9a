#!/usr/bin/env python3
"""rx-mode interrupt with an uplink: a net_tap port (as in
test_uplink_tap.py) in the bridge domain of one QEMU guest, and `vhost {
rx-mode interrupt }`. The worker sleeps between frames; the uplink's
queues have no RX interrupts it can use, so it polls them every
millisecond while idle. Checked: the namespace behind the uplink pings the
guest 200 times and the guest pings the namespace 200 times, 0% loss both
ways (frames from the uplink reach a sleeping worker within its bounded
poll); the worker slept (`show workers`); and idle, it stays well under a
core (under 10%: a wake per millisecond)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

PINGS = 200
IDLE_SECONDS = 5
IDLE_MAX = 0.10


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    t.hugepages_ensure()
    tap = u.tap_name("r")
    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = t.Switch("swr", workers=[1], interfaces=[{"socket": sock, "server": True, "bridge": 1}])
    conf = sw.conf_text().replace("dpdk {\n", "dpdk {\n  uplink net_tap0,iface=%s\n" % tap, 1)
    sw.start(conf=conf.replace("vhost {\n", "vhost {\n  rx-mode interrupt\n", 1))

    ns = u.Netns("upr")
    ns.adopt(tap)
    ns.ip("addr", "add", "10.0.0.2/24", "dev", tap)
    ns.ip("link", "set", tap, "up")
    guest = t.Guest("g1", sock, ip="10.0.0.1/24")
    guest.start()
    guest.wait_ready()
    guest.wait_link(up=True)

    before = sw.ctl("show", "workers", json=True)["workers"][0]["sleeps"]
    u.check_ping("interrupt: namespace -> guest", u.ns_ping(ns, "10.0.0.1", PINGS), PINGS)
    u.check_ping("interrupt: guest -> namespace", u.guest_ping(guest, "10.0.0.2", PINGS), PINGS)
    slept = sw.ctl("show", "workers", json=True)["workers"][0]["sleeps"] - before
    t.check(slept > PINGS, "the worker slept between the pings (%d times)" % slept)

    pid = sw.worker_pids()["1"]
    start = cpu_seconds(pid)
    time.sleep(IDLE_SECONDS)
    share = (cpu_seconds(pid) - start) / IDLE_SECONDS
    print("idle with an uplink, interrupt mode: the worker used %.2f%% of a core"
          % (100 * share), flush=True)
    t.check(share < IDLE_MAX, "idle worker polling the uplink every ms under %.0f%% of a core "
            "(%.2f%%)" % (100 * IDLE_MAX, 100 * share))

    guest.stop()
    sw.stop()


t.main(main)
