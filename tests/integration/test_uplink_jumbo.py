#!/usr/bin/env python3
"""Jumbo frames through the uplink. DPDK 22.11's net_tap cannot send a
frame over 1526 bytes (its TX drops frames over the ethdev MTU, and ethdev
refuses an MTU over its max_rx_pktlen of 1522): `uplink-mtu 9000` with a
net_tap uplink is refused at start, naming the PMD's limit. net_af_packet
does no I/O in a secondary process (the workers are): it is refused as an
uplink at all, pointing at net_pcap. net_pcap on a veth pair carries them:
the switch (`uplink net_pcap0,iface=<veth>`, `uplink-mtu 9000`) on one
end, a namespace on the other (MTU 9000, 10.0.0.2). A QEMU guest
(host_mtu=9216, 10.0.0.1) pings the namespace with 8000-byte payloads and
the namespace pings it back: 0% loss both ways (guest to uplink the frames
are mbuf chains, and net_pcap chains them uplink to guest), whole (the
uplink's byte counts). Then the guest pings with 9100-byte payloads
(9142-byte frames, over the uplink's 9000 + 14 + 4): no reply, each
dropped by the switch before the uplink and counted (`show uplink`
tx_drops_mtu, `show errors`). The uplink's own address (set interface ip
address) answers 8000-byte pings from the namespace. Last, the same 8000-byte pings tagged: the
guest's interface in access VLAN 10, in the namespace a VLAN 10 host on
the veth (vlan_host.py). `show uplink` shows the MTU and where it comes
from. ~20 s."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

PINGS = 20
BIG = 8000
OVER = 9100


def vlan_host(dev, count, seconds=0):
    return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "vlan_host.py"),
            dev, "10", "02:00:00:00:01:00", "10.0.0.2", "10.0.0.1", str(count), "0.05",
            str(seconds), str(BIG)]


def refused(tag, uplink, extra, want):
    """The supervisor, started with this uplink, exits at once with a line
    holding every word of want."""
    sw = t.Switch("sw" + tag, workers=[1])
    sw.write_conf(sw.conf_text().replace("dpdk {\n", "dpdk {\n  uplink %s\n%s" % (uplink, extra), 1))
    res = u.run([sw.supervisor_bin, "-c", sw.conf_path], check=False, timeout=60)
    t.dpdk_cleanup_prefix(sw.prefix)
    lines = [ln for ln in (res.stdout + res.stderr).splitlines() if "uplink" in ln and " err" in ln]
    t.check(res.returncode != 0 and any(all(w in ln for w in want) for ln in lines),
            "%s refused at start: %s" % (uplink, lines[:1]))


def main():
    t.hugepages_ensure()
    refused("tap", "net_tap0,iface=%s" % u.tap_name("r"), "  uplink-mtu 9000\n",
            ["uplink-mtu 9000", "PMD net_tap", "max_rx_pktlen 1522", "drops bigger frames on TX",
             "net_pcap0,iface=<name>"])
    refused("afp", "net_af_packet0,iface=lo", "",
            ["PMD net_af_packet does no I/O in a DPDK secondary process", "net_pcap0,iface=<name>"])

    host, peer = u.tap_name("h"), u.tap_name("n")
    u.run(["ip", "link", "add", host, "mtu", "9000", "type", "veth", "peer", "name", peer,
           "mtu", "9000"])
    t.register_cleanup(lambda: u.run(["ip", "link", "del", host], check=False))
    u.run(["ip", "link", "set", host, "up"])
    ns = u.Netns("jumbo")
    ns.adopt(peer)
    ns.ip("addr", "add", "10.0.0.2/24", "dev", peer)
    ns.ip("link", "set", peer, "up")

    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = u.switch("jumbo", None, [{"socket": sock, "server": True, "bridge": 1}],
                  uplink="net_pcap0,iface=%s" % host, dpdk_extra="  uplink-mtu 9000\n")
    up = u.uplink(sw)
    t.check(up["driver"] == "net_pcap" and up["mtu"] == 9000
            and "uplink-mtu" in up["mtu_reason"],
            "show uplink: net_pcap, mtu 9000 (%s)" % up.get("mtu_reason"))
    t.check("mtu 9000" in sw.ctl("show", "uplink"), "show uplink text shows the MTU")

    guest = t.Guest("g1", sock, ip="10.0.0.1/24", device_opts="host_mtu=9216")
    guest.start()
    guest.wait_ready()
    guest.wait_link(up=True)
    t.check(guest.run_ok("cat /sys/class/net/eth0/mtu").strip() == "9216", "guest MTU 9216")

    u.check_ping("guest -> namespace, %d-byte payloads" % BIG,
                 u.guest_ping(guest, "10.0.0.2", PINGS, size=BIG), PINGS)
    u.check_ping("namespace -> guest, %d-byte payloads" % BIG,
                 u.ns_ping(ns, "10.0.0.1", PINGS, size=BIG), PINGS)
    w = u.uplink(sw)["workers"][0]
    # Each way 20 requests and 20 replies of 8042-byte frames (8000 + ICMP,
    # IP and Ethernet headers), none fragmented.
    t.check(w["rx_bytes"] >= 40 * 8042 and w["tx_bytes"] >= 40 * 8042 and w["tx_drops"] == 0,
            "the uplink carried the jumbo frames whole (rx %d, tx %d bytes)"
            % (w["rx_bytes"], w["tx_bytes"]))
    t.check(w["tx_drops_mtu"] == 0, "no frame over the uplink MTU yet: %s" % w)

    sent, got = u.ping_result(u.guest_ping(guest, "10.0.0.2", 3, size=OVER))
    t.check(sent == 3 and got == 0, "%d-byte payloads: no reply (%d of %d)" % (OVER, got, sent))
    w = t.wait_until(lambda: (lambda w: w if w["tx_drops_mtu"] >= 3 else None)(
        u.uplink(sw)["workers"][0]), 5, 0.1, "drops_mtu counted")
    t.check(w["tx_drops_mtu"] == 3, "show uplink: the 3 frames over the MTU dropped and counted "
            "(drops_mtu %d)" % w["tx_drops_mtu"])
    row = sw.ctl("show", "uplink").splitlines()
    hdr = next(ln for ln in row if "tx-mtu" in ln).split()
    w0 = next(ln for ln in row if ln.split()[:1] == ["0"]).split()
    t.check(w0[hdr.index("tx-mtu")] == "3", "show uplink text: tx-mtu 3 (%s)" % " ".join(w0))
    errs = [ln.split() for ln in sw.ctl("show", "errors").splitlines()]
    t.check(["3", "uplink", "tx", "mtu"] in errs, "show errors: 3 uplink tx mtu (%s)" % errs)
    u.check_ping("after the drops, guest -> namespace",
                 u.guest_ping(guest, "10.0.0.2", 5, size=BIG), 5)

    # The uplink's own address answers a jumbo echo request: a chain of
    # mbufs off net_pcap, answered in place (only its headers are rewritten).
    sw.ctl("set", "interface", "ip", "address", up["name"], "10.0.0.9/24")
    u.check_ping("namespace -> the uplink's address 10.0.0.9, %d-byte payloads" % BIG,
                 u.ns_ping(ns, "10.0.0.9", 5, size=BIG), 5)

    # Tagged: the guest's access VLAN 10 is its uplink tag; in the namespace
    # vlan_host.py stands in for a VLAN 10 host (no 802.1Q in this kernel):
    # 8046-byte frames with the tag on the veth.
    name = sw.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    sw.ctl("set", "interface", "vlan", name, "10")
    ns.ip("addr", "del", "10.0.0.2/24", "dev", peer)
    guest.run("ip neigh flush dev eth0")
    log = os.path.join(t.workdir(), "vlan_host.log")
    listener = t.Proc(["ip", "netns", "exec", ns.name] + vlan_host(peer, 0, 60), log,
                      name="vlan-host").start()
    t.wait_until(lambda: "ready" in listener.log_text(), 10, 0.1, "vlan_host to listen")
    u.check_ping("VLAN 10: guest -> namespace, %d-byte payloads" % BIG,
                 u.guest_ping(guest, "10.0.0.2", 10, size=BIG), 10)
    listener.stop()
    u.check_ping("VLAN 10: namespace -> guest, %d-byte payloads" % BIG,
                 ns.exec(*vlan_host(peer, 10), check=False, timeout=60).stdout, 10)

    guest.stop()
    sw.stop()


t.main(main)
