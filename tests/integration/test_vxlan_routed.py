#!/usr/bin/env python3
"""VXLAN to a remote VTEP beyond the uplink's subnet, through a router,
and the neighbor entry of that router kept fresh. One switch S (net_tap
uplink, 10.99.2.1/24) and a Linux VXLAN device (VNI 10, VTEP 10.99.1.1 in
namespace H) on two subnets joined by namespace R (ip_forward, 10.99.2.254
on S's tap, 10.99.1.254 on a veth to H). On S, bridge domain 10 holds the
tunnel and a testpmd front end in icmpecho mode (it answers ARP and ICMP
echo for any address), so H's pings to 10.0.0.2 over vx0 are answered
through S's tunnel. No guests: lean.

Checked: with no route the tunnel's frames are dropped as no_route and
show vxlan tunnel says "no route"; with `ip route add 10.99.1.0/24 via
10.99.2.254` show ip fib lists it and the connected route, the next hop
is the gateway, and 200 pings at 20 ms get every reply though the
gateway's entry (age 2 s) ages meanwhile: S asks it again by unicast ARP
(seen on the router's link) and it never expires; after an ARP reply
makes S believe the gateway is at a MAC nobody has (a neighbor whose MAC
changed without a word: changing the router's own MAC would not do, Linux
flushes its cache then and its next ARP to S tells the new MAC) traffic
recovers within the aging's refresh (age + 2 s) and show ip neighbors has
the real MAC again; with age 30 s a gratuitous ARP after another such
change restores it at once; show interface lists the tunnel with its counters; routes
survive a vhostd handover; ip route del takes it away (no_route again)."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402
from dp_traffic import PinnedTestpmd  # noqa: E402

S_IP, GW_S, GW_H, H_IP = "10.99.2.1", "10.99.2.254", "10.99.1.254", "10.99.1.1"
GW_MAC, STALE_MAC = "02:00:0a:63:02:fe", "02:00:0a:63:02:bb"

# One ARP frame out of a namespace's link: dev, Ethernet destination, op,
# sender MAC and address, target MAC and address.
ARP = r"""
import socket, struct, sys
dev, dst, op, sha, spa, tha, tpa = sys.argv[1:8]
mac = lambda m: bytes.fromhex(m.replace(":", ""))
arp = (struct.pack("!HHBBH", 1, 0x0800, 6, 4, int(op)) + mac(sha) + socket.inet_aton(spa)
       + mac(tha) + socket.inet_aton(tpa))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.send(mac(dst) + mac(sha) + b"\x08\x06" + arp + bytes(18))
"""

# Counts, for argv[3] seconds, the ARP requests on link argv[1] to the
# unicast MAC argv[2]: the probes of an entry past its reachable time.
PROBES = r"""
import socket, sys, time
dev, dst, secs = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((dev, 0))
s.settimeout(0.2)
n, end = 0, time.monotonic() + secs
while time.monotonic() < end:
    try:
        f = s.recv(128)
    except socket.timeout:
        continue
    n += f[:6] == dst and f[20:22] == b"\x00\x01"
print(n, flush=True)
"""


def topology(tap):
    r, h = u.Netns("vrr"), u.Netns("vrh")
    vr, vh = u.tap_name("r"), u.tap_name("h")
    r.adopt(tap)
    u.run(["ip", "link", "add", vr, "type", "veth", "peer", "name", vh])
    r.adopt(vr)
    h.adopt(vh)
    r.exec("sysctl", "-qw", "net.ipv4.ip_forward=1")
    # net_tap gives the kernel's netdev the port's MAC: the router's own.
    r.ip("link", "set", tap, "address", GW_MAC)
    r.ip("addr", "add", GW_S + "/24", "dev", tap)
    r.ip("addr", "add", GW_H + "/24", "dev", vr)
    h.ip("addr", "add", H_IP + "/24", "dev", vh)
    for ns, link in ((r, tap), (r, vr), (h, vh)):
        ns.ip("link", "set", link, "up")
    h.ip("route", "add", "default", "via", GW_H)
    h.ip("link", "add", "vx0", "type", "vxlan", "id", "10", "remote", S_IP, "local", H_IP,
         "dstport", "4789", "dev", vh)
    h.ip("link", "set", "vx0", "mtu", "1450")
    h.ip("addr", "add", "10.0.0.1/24", "dev", "vx0")
    h.ip("link", "set", "vx0", "up")
    return r, h


def tunnel(sw):
    return sw.ctl("show", "vxlan", "tunnel", json=True)["tunnels"][0]


def neighbor(sw, ip):
    for n in sw.ctl("show", "ip", "neighbors", json=True)["neighbors"]:
        if n["address"] == ip:
            return n
    return None


def answered(h, count=1, interval="0.2"):
    sent, got = u.ping_result(u.ns_ping(h, "10.0.0.2", count, interval, "vx0"))
    return sent == count and got == count


def recovery(h, limit):
    """Seconds until H's pings are answered again, or None past limit."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        sent, got = u.ping_result(h.exec(
            sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "ns_ping.py"), "10.0.0.2", "1", "0.1", "0.25", "vx0",
            check=False).stdout)
        if got == 1:
            return time.monotonic() - t0
    return None


def main():
    t.hugepages_ensure()
    tap = u.tap_name("s")
    sock = os.path.join(t.workdir(), "vr.sock")
    sw = t.Switch("swr", workers=[1], interfaces=[{"socket": sock, "server": True,
                                                    "bridge": 10}])
    conf = sw.conf_text().replace("dpdk {\n", "dpdk {\n  uplink net_tap0,iface=%s\n" % tap, 1)
    sw.start(conf=conf.replace("vhost {\n", "vhost {\n  rx-mode interrupt\n", 1))
    up = u.uplink(sw)["name"]
    tp = PinnedTestpmd(t.unique("tpr"), vdevs=["net_virtio_user0,path=%s,queues=1" % sock],
                       app_args=["--total-num-mbufs=4096", "--nb-cores=1",
                                 "--no-lsc-interrupt"])
    tp.start()
    tp.cmd("set fwd icmpecho")
    tp.wait_for(r"Set icmpecho packet forwarding mode")
    tp.cmd("start")
    r, h = topology(tap)

    sw.ctl("set", "interface", "ip", "address", up, S_IP + "/24")
    sw.ctl("set", "ip", "neighbor-config", "ip4", "age", "2")
    made = sw.ctl("create", "vxlan", "tunnel", "src", S_IP, "dst", H_IP, "vni", "10", json=True)
    sw.ctl("set", "interface", "l2", "bridge", made["name"], "10")

    # No route yet: H's frames arrive (the router resolves S), the answers
    # cannot leave.
    t.check(not answered(h, 3), "no route to %s: H's pings unanswered" % H_IP)
    tn = tunnel(sw)
    t.check(tn["route"] == "no route" and tn["next_hop"] is None
            and tn["drops"].get("no_route", 0) >= 1,
            "show vxlan tunnel: no route, answers dropped as no_route (%s, %s)"
            % (tn["route"], tn["drops"]))
    text = sw.ctl("show", "vxlan", "tunnel")
    t.check("next hop none: no route" in text, "show vxlan tunnel's text says why:\n%s" % text)

    sw.ctl("ip", "route", "add", "10.99.1.0/24", "via", GW_S)
    fib = sw.ctl("show", "ip", "fib", json=True)["routes"]
    t.check(len(fib) == 2 and fib[0]["prefix"] == "10.99.2.0" and fib[0]["via"] is None
            and fib[1]["prefix"] == "10.99.1.0" and fib[1]["via"] == GW_S,
            "show ip fib: the connected 10.99.2.0/24 and 10.99.1.0/24 via %s (%s)" % (GW_S, fib))
    text = sw.ctl("show", "ip", "fib")
    t.check("10.99.2.0/24" in text and "10.99.1.0/24" in text
            and "via %s resolved %s" % (GW_S, GW_MAC) in text, "show ip fib's text:\n%s" % text)

    # H's kernel marked 10.0.0.2 failed meanwhile: resolved again first.
    t.wait_until(lambda: answered(h), 10, 0.1, "H's pings answered once the route is there")
    lost_before = tunnel(sw)["drops"].get("no_neighbor", 0)
    sniff = subprocess.Popen(["ip", "netns", "exec", r.name, sys.executable, "-c", PROBES, tap,
                              GW_MAC, "4"], stdout=subprocess.PIPE, text=True)
    t.register_cleanup(lambda: sniff.poll() is None and sniff.kill())
    t0 = time.monotonic()
    u.check_ping("200 pings at 20 ms through the tunnel via the gateway, its entry re-asked "
                 "every 2 s", u.ns_ping(h, "10.0.0.2", 200, "0.02", "vx0"), 200)
    secs = time.monotonic() - t0
    tn = tunnel(sw)
    t.check(tn["next_hop"] == GW_S and tn["route"] == "via gateway"
            and tn["next_hop_mac"] == GW_MAC,
            "the tunnel's next hop is the gateway %s at %s (%s)" % (GW_S, GW_MAC, tn))
    n = neighbor(sw, GW_S)
    lost = tunnel(sw)["drops"].get("no_neighbor", 0) - lost_before
    t.check(secs > 3 and n is not None and n["age_ms"] < 3000 and lost == 0,
            "the gateway's entry kept fresh over %.1f s of traffic, never expired (age %s ms, "
            "%s, %d no_neighbor drops)" % (secs, n and n["age_ms"], n and n["state"], lost))
    probes = int(sniff.communicate(timeout=30)[0].strip() or 0)
    t.check(probes >= 1, "S asked the gateway again by unicast ARP %d times meanwhile" % probes)
    text = sw.ctl("show", "ip", "neighbors")
    t.check("reachable for 2000 ms" in text and GW_S in text,
            "show ip neighbors' text:\n%s" % text)

    # The gateway's entry goes stale without a word (as when its address
    # moves to another NIC): an ARP reply to S says it is at a MAC nobody
    # has. S's probes (unicast to that MAC, then broadcast) find the real
    # one within the reachable time and the probes' 2 s.
    smac = u.uplink(sw)["mac"].lower()
    r.exec(sys.executable, "-c", ARP, tap, smac, "2", STALE_MAC, GW_S, smac, S_IP)
    t.wait_until(lambda: neighbor(sw, GW_S)["mac"] == STALE_MAC, 5, 0.05, "the stale MAC")
    stale = time.monotonic()
    t.check(not answered(h), "with the stale MAC %s the answers go nowhere" % STALE_MAC)
    took = recovery(h, 8)
    took = took and time.monotonic() - stale
    t.check(took is not None and took < 5, "traffic recovered within age + probes "
            "(2 s + 2 s, and a ping's wait): %s s after the MAC went stale"
            % (took and round(took, 2)))
    n = neighbor(sw, GW_S)
    t.check(n is not None and n["mac"] == GW_MAC, "show ip neighbors: %s at %s again (%s)"
            % (GW_S, GW_MAC, n))

    # A gratuitous ARP updates at once (age 30 s: no probe would before).
    sw.ctl("set", "ip", "neighbor-config", "ip4", "age", "30")
    r.exec(sys.executable, "-c", ARP, tap, smac, "2", STALE_MAC, GW_S, smac, S_IP)
    t.wait_until(lambda: neighbor(sw, GW_S)["mac"] == STALE_MAC, 5, 0.05, "the stale MAC")
    t.check(not answered(h), "stale again: unanswered")
    r.exec(sys.executable, "-c", ARP, tap, "ff:ff:ff:ff:ff:ff", "1", GW_MAC, GW_S,
           "00:00:00:00:00:00", GW_S)
    took = recovery(h, 3)
    t.check(took is not None and took < 1.5 and neighbor(sw, GW_S)["mac"] == GW_MAC,
            "a gratuitous ARP from the router: its MAC used at once (%s s)"
            % (took and round(took, 2)))

    ifc = [i for i in sw.ctl("show", "interface", json=True)["interfaces"]
           if i["name"] == made["name"]]
    t.check(len(ifc) == 1 and ifc[0]["rx_packets"] >= 200 and ifc[0]["tx_packets"] >= 200
            and ifc[0]["link"] == "up", "show interface lists %s with its counters (%s)"
            % (made["name"], ifc and {k: ifc[0][k] for k in ("rx_packets", "tx_packets",
                                                              "drops", "link")}))
    text = sw.ctl("show", "interface")
    t.check(made["name"] in text, "show interface's text lists the tunnel")

    secs, _ = sw.restart_vhostd("ctl")
    fib = sw.ctl("show", "ip", "fib", json=True)["routes"]
    t.check(len(fib) == 2 and fib[1]["via"] == GW_S and answered(h, 10, "0.05"),
            "after a vhostd handover (%.2f s) the route is there and carries traffic" % secs)

    rc, err = sw.ctl_fail("ip", "route", "add", "10.99.1.0/24", "via", GW_S)
    t.check(rc == 1 and "already has a route" in err, "a second route to it: refused (%s)"
            % err.strip())
    rc, err = sw.ctl_fail("ip", "route", "add", "10.99.1.1/24", "via", GW_S)
    t.check(rc == 2 and "host bits" in err, "host bits set: refused (%s)" % err.strip())
    sw.ctl("ip", "route", "del", "10.99.1.0/24")
    before = tunnel(sw)["drops"].get("no_route", 0)
    t.check(not answered(h, 2) and tunnel(sw)["drops"].get("no_route", 0) > before,
            "route deleted: no_route again")
    rc, err = sw.ctl_fail("ip", "route", "del", "10.99.1.0/24")
    t.check(rc == 1 and "no route" in err, "deleting it again: refused (%s)" % err.strip())
    tp.quit()
    sw.stop()


t.main(main)
