#!/usr/bin/env python3
"""VLAN on the uplink: the guest's interface has `vlan 100`, so its frames
leave the uplink tagged 100 and only frames tagged 100 reach it (the tag
taken off on the way in). Behind the net_tap uplink, in the namespace:

* a host on VLAN 100 (10.0.0.2): this machine's kernel has no 802.1Q
  support, so vlan_host.py stands in for the VLAN 100 sub-interface with a
  raw socket on the tap (ARP and ICMP, tags in the frames). The guest
  (10.0.0.1/24) and it ping each other with 0% loss;
* then the untagged tap itself gets 10.0.0.2/24: neither direction gets
  through, the guest receives none of the untagged frames (its interface
  counts none) and the switch drops them at the uplink.

vlan-strip is on: `show uplink` says whether the NIC or the bridge takes
the tag off. The guest's MAC registers with VLAN_TAG 100."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

PINGS = 50
VLAN_HOST_MAC = "02:00:00:00:01:00"


def vlan_host(ns, tap, count, seconds=0):
    return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "vlan_host.py"),
            tap, "100", VLAN_HOST_MAC, "10.0.0.2", "10.0.0.1", str(count), "0.05", str(seconds)]


def guest_rx(sw, name):
    return sw.ctl("show", "interface", name, json=True)["interfaces"][0]["tx_packets"]


def uplink_drops(sw):
    return sum(w["rx_drops"] for w in u.uplink(sw)["workers"])


def main():
    t.hugepages_ensure()
    tap = u.tap_name("v")
    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = u.switch("vlan", tap, [{"socket": sock, "server": True, "bridge": 1, "vlan": 100}],
                  dpdk_extra="  vlan-strip on\n")
    name = sw.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    up = u.uplink(sw)
    t.check(up["vlan_strip"] is True, "show uplink: vlan-strip on (by %s)"
            % ("the NIC" if up["vlan_strip_hw"] else "the bridge"))

    ns = u.Netns("vl")
    ns.adopt(tap)
    ns.ip("link", "set", tap, "up")

    guest = t.Guest("g1", sock, ip="10.0.0.1/24")
    guest.start()
    guest.wait_ready()
    guest.wait_link(up=True)

    log = os.path.join(t.workdir(), "vlan_host.log")
    host = t.Proc(["ip", "netns", "exec", ns.name] + vlan_host(ns, tap, 0, 120), log,
                  name="vlan-host").start()
    t.wait_until(lambda: "ready" in host.log_text(), 10, 0.1, "vlan_host to listen")
    u.check_ping("guest -> VLAN 100 host", u.guest_ping(guest, "10.0.0.2", PINGS), PINGS)
    host.stop()
    out = ns.exec(*vlan_host(ns, tap, PINGS), check=False, timeout=120).stdout
    u.check_ping("VLAN 100 host -> guest", out, PINGS)
    line = "MAC_ADDRESS %s and VLAN_TAG 100 registered" % guest.mac
    t.check(line in u.switch_log(sw), "registered with its VLAN: %r" % line)
    t.check([m["vlan"] for m in u.uplink(sw)["macs"]] == [100], "show uplink: the MAC on VLAN 100")

    # The same address on the untagged tap: its frames carry no tag.
    ns.ip("addr", "add", "10.0.0.2/24", "dev", tap)
    guest.run("ip neigh flush dev eth0")
    time.sleep(1)
    to_guest, drops = guest_rx(sw, name), uplink_drops(sw)
    out = u.ns_ping(ns, "10.0.0.1", 10, interval="0.2")
    t.check(u.ping_result(out) == (10, 0), "untagged tap -> guest: no reply (%s)" % out.strip())
    time.sleep(0.5)  # the workers publish counters at housekeeping
    t.check(guest_rx(sw, name) == to_guest,
            "the guest received none of the untagged frames (%d -> %d)"
            % (to_guest, guest_rx(sw, name)))
    t.check(uplink_drops(sw) > drops,
            "the switch dropped them at the uplink (%d -> %d)" % (drops, uplink_drops(sw)))
    out = u.guest_ping(guest, "10.0.0.2", 5, interval="0.2")
    sent, got = u.ping_result(out)
    t.check(sent == 5 and got == 0, "guest -> untagged tap: no reply (%d of %d)" % (got, sent))

    guest.stop()
    sw.stop()


t.main(main)
