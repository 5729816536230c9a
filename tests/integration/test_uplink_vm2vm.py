#!/usr/bin/env python3
"""vm2vm with a net_tap uplink (software steering).

vm2vm 0: two guests in the uplink's bridge domain do not reach each other
inside the switch: g1 reaches the namespace behind the uplink (0% loss),
but its pings to g2 get no reply, g2 receives none of g1's frames (its
interface counts none, though the namespace reaches it), and those frames
(ARP requests) leave by the uplink instead. vm2vm 2 with software steering (no NIC switch to loop
frames back) behaves as 0: the supervisor logs it and `show uplink` says
so."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402


def to_guest(sw, name):
    time.sleep(0.3)  # the workers publish counters at housekeeping
    return sw.ctl("show", "interface", name, json=True)["interfaces"][0]["tx_packets"]


def uplink_tx(sw):
    time.sleep(0.3)
    return sum(w["tx_packets"] for w in u.uplink(sw)["workers"])


def check_vm2vm2():
    sw = u.switch("v2", u.tap_name("x"), [], dpdk_extra="  vm2vm 2\n")
    up = u.uplink(sw)
    t.check(up["vm2vm"] == 2 and "behaves as vm2vm 0" in up["vm2vm_effect"],
            "vm2vm 2, software steering: show uplink says %r" % up["vm2vm_effect"])
    t.check("it behaves as vm2vm 0" in u.switch_log(sw), "vm2vm 2: the supervisor logs it")
    t.check("behaves as vm2vm 0" in sw.ctl("show", "uplink"), "vm2vm 2: show uplink text says so")
    sw.stop()


def main():
    t.hugepages_ensure()
    check_vm2vm2()

    tap = u.tap_name("z")
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = u.switch("v0", tap, [{"socket": s, "server": True, "bridge": 1} for s in socks],
                  dpdk_extra="  vm2vm 0\n")
    up = u.uplink(sw)
    t.check(up["vm2vm"] == 0 and "VMs do not reach each other" in up["vm2vm_effect"],
            "vm2vm 0: show uplink says %r" % up["vm2vm_effect"])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]
             if i["name"].startswith("VirtualEthernet")]

    ns = u.Netns("v0")
    ns.adopt(tap)
    ns.ip("addr", "add", "10.0.0.3/24", "dev", tap)
    ns.ip("link", "set", tap, "up")
    guests = [t.Guest("g%d" % (i + 1), socks[i], ip="10.0.0.%d/24" % (i + 1)) for i in (0, 1)]
    for g in guests:
        g.start()
    for g in guests:
        g.wait_ready(timeout=180)
        g.wait_link(up=True)

    u.check_ping("vm2vm 0: g1 -> namespace", u.guest_ping(guests[0], "10.0.0.3", 20), 20)
    u.check_ping("vm2vm 0: namespace -> g2", u.ns_ping(ns, "10.0.0.2", 20), 20)
    g2_before, up_before = to_guest(sw, names[1]), uplink_tx(sw)
    sent, got = u.ping_result(u.guest_ping(guests[0], "10.0.0.2", 5, interval="0.2"))
    t.check(sent == 5 and got == 0, "vm2vm 0: g1 -> g2 gets no reply (%d of %d)" % (got, sent))
    g2_after, up_after = to_guest(sw, names[1]), uplink_tx(sw)
    t.check(g2_after == g2_before,
            "vm2vm 0: g2 received none of g1's frames (%d -> %d)" % (g2_before, g2_after))
    t.check(up_after > up_before,
            "vm2vm 0: g1's frames for g2 left by the uplink (%d -> %d)" % (up_before, up_after))

    for g in guests:
        g.stop()
    sw.stop()


t.main(main)
