#!/usr/bin/env python3
"""A QEMU guest reaches a host in a network namespace through the uplink:
a net_tap port (`dpdk { uplink net_tap0,iface=<tap> }`) whose netdev the
test moves into a namespace it creates and gives 10.0.0.2/24. The guest
(10.0.0.1/24, on a vhost-user interface in the uplink's bridge domain)
pings the namespace 200 times, then the namespace pings the guest 200
times: 0% loss both ways. Also checked: `show uplink` (net_tap, software
steering because the PMD has no VMDQ pools, one queue per worker, vm2vm
1), the guest MAC registered (log line and `show uplink`), the worker's
uplink counters and the uplink's ethdev stats and xstats in `show
interface` counting the pings. Then the worker is SIGKILLed and vhostd
handed over to a new generation: the restarted worker attaches to the
uplink again (its queue, through EAL's secondary process channel) and
pings still get through, and the new vhostd shows the uplink."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

PINGS = 200


def check_uplink_view(sw, tap):
    up = u.uplink(sw)
    t.check(up["configured"] and up["driver"] == "net_tap" and up["name"] == "net_tap0",
            "show uplink: net_tap0, driver net_tap (%s)" % up.get("driver"))
    t.check(up["devargs"] == "net_tap0,iface=%s" % tap, "show uplink: devargs %s" % up["devargs"])
    t.check(up["mode"] == "software" and "max_vmdq_pools 0" in up["mode_reason"]
            and up["max_vmdq_pools"] == 0,
            "show uplink: software steering because %s" % up["mode_reason"])
    t.check(up["queues_per_worker"] == 1 and len(up["workers"]) == 1
            and up["workers"][0]["queue"] == 0, "show uplink: one queue for the one worker")
    t.check(up["vm2vm"] == 1 and up["vlan_strip"] is False and up["bd_id"] == 1,
            "show uplink: vm2vm 1, vlan-strip off, bridge domain 1")
    text = sw.ctl("show", "uplink")
    t.check("software steering: the PMD reports no VMDQ pools" in text and "vm2vm 1" in text,
            "show uplink text names the mode and why")


def main():
    t.hugepages_ensure()
    tap = u.tap_name("t")
    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = u.switch("tap", tap, [{"socket": sock, "server": True, "bridge": 1}])
    check_uplink_view(sw, tap)

    ns = u.Netns("up")
    ns.adopt(tap)
    ns.ip("addr", "add", "10.0.0.2/24", "dev", tap)
    ns.ip("link", "set", tap, "up")

    guest = t.Guest("g1", sock, ip="10.0.0.1/24")
    guest.start()
    guest.wait_ready()
    guest.wait_link(up=True)
    print("guest booted in %.1fs" % guest.boot_seconds, flush=True)

    u.check_ping("guest -> namespace", u.guest_ping(guest, "10.0.0.2", PINGS), PINGS)
    u.check_ping("namespace -> guest", u.ns_ping(ns, "10.0.0.1", PINGS), PINGS)

    log = u.switch_log(sw)
    line = "MAC_ADDRESS %s and VLAN_TAG 0 registered" % guest.mac
    t.check(log.count(line) == 1, "the guest's MAC registered once: %r" % line)
    up = u.uplink(sw)
    t.check([m["mac"] for m in up["macs"]] == [guest.mac], "show uplink lists %s" % guest.mac)
    w = up["workers"][0]
    t.check(w["rx_packets"] >= 2 * PINGS and w["tx_packets"] >= 2 * PINGS
            and w["tx_drops"] == 0 and w["rx_steered"] == 0,
            "worker 0 counted the pings on its uplink queue: %s" % w)

    ifcs = {i["name"]: i for i in sw.ctl("show", "interface", json=True)["interfaces"]}
    port = ifcs.get("net_tap0")
    t.check(port is not None and port["driver"] == "net_tap", "show interface lists net_tap0")
    t.check(port["rx_packets"] >= 2 * PINGS and port["tx_packets"] >= 2 * PINGS,
            "net_tap0 ethdev stats count the pings (rx %d, tx %d)"
            % (port["rx_packets"], port["tx_packets"]))
    xs = port["xstats"]
    t.check(xs.get("rx_good_packets") == port["rx_packets"] and "tx_good_bytes" in xs,
            "net_tap0 xstats: %d counters, rx_good_packets %s" % (len(xs), xs.get("rx_good_packets")))
    text = sw.ctl("show", "interface", "net_tap0")
    t.check("driver net_tap" in text and "rx_good_packets" in text,
            "show interface net_tap0 prints driver and xstats")

    old = sw.worker_pids()["1"]
    os.kill(old, signal.SIGKILL)
    t.wait_until(lambda: sw.worker_pids().get("1") not in (None, old) and any(
        w["state"] == "running" and w["restarts"] == 1
        for w in sw.ctl("show", "workers", json=True)["workers"]), 10, 0.1, "worker restarted")
    attached = "worker 0: uplink net_tap0: TX queue 0, 1 RX queue from 0"
    t.check(u.switch_log(sw).count(attached) == 2,
        "the restarted worker attached to its uplink queue again")
    u.check_ping("after a worker restart: guest -> namespace",
                 u.guest_ping(guest, "10.0.0.2", 20), 20)
    sw.restart_vhostd("ctl")
    t.check(u.uplink(sw)["name"] == "net_tap0" and "net_tap0" in [
        i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]],
        "after a vhostd handover: show uplink and show interface still have net_tap0")
    u.check_ping("after a vhostd handover: namespace -> guest", u.ns_ping(ns, "10.0.0.1", 20), 20)

    guest.stop()
    sw.stop()


t.main(main)
