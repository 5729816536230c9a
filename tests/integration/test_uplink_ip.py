#!/usr/bin/env python3
"""The uplink's own address (`set interface ip address <uplink> <ip>/<len>`,
the underlay's, as a VTEP's would be): a host in a network namespace on the
net_tap uplink pings it. Before the address is set nothing answers; with it
ARP is answered with the uplink's MAC (the namespace's neighbor entry says
so), 50 pings get 50 replies (the namespace kernel's InEchoReps counts
them: it verified their checksums), and `show ip neighbors`
lists the namespace's address with its MAC, learned from its ARP. Once the
address is removed (`none`) pings go unanswered again. Refused: an address
on a vhost-user interface, a bad prefix."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

PINGS = 50
HOST_IP, NS_IP = "10.0.9.1", "10.0.9.2"


def ping(ns, count):
    return u.ns_ping(ns, HOST_IP, count)


def icmp_counters(ns):
    """The namespace kernel's ICMP counters: InEchoReps counts only replies
    whose checksum it verified, InCsumErrors the others."""
    lines = [line.split() for line in ns.exec("cat", "/proc/net/snmp").stdout.splitlines()
             if line.startswith("Icmp:")]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def main():
    t.hugepages_ensure()
    tap = u.tap_name("i")
    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = u.switch("ip", tap, [{"socket": sock, "server": True, "bridge": 1}])
    up = u.uplink(sw)
    ns = u.Netns("ip")
    ns.adopt(tap)
    # net_tap gives the kernel's netdev the port's MAC: another one here, so
    # that the uplink's MAC and the namespace's are told apart.
    ns_mac = "02:00:0a:00:09:02"
    ns.ip("link", "set", tap, "address", ns_mac)
    ns.ip("addr", "add", NS_IP + "/24", "dev", tap)
    ns.ip("link", "set", tap, "up")
    t.check(ns_mac != up["mac"].lower(), "the namespace's MAC %s is not the uplink's %s"
            % (ns_mac, up["mac"]))

    sent, got = u.ping_result(ping(ns, 3))
    t.check(sent == 3 and got == 0, "no address set: %s unanswered (%d of %d)"
            % (HOST_IP, got, sent))

    sw.ctl("set", "interface", "ip", "address", up["name"], HOST_IP + "/24")
    view = sw.ctl("show", "ip", "neighbors", json=True)
    t.check(view["uplink"] == up["name"] and view["address"] == HOST_IP
            and view["prefix_len"] == 24, "show ip neighbors: %s/24 on %s (%s)"
            % (HOST_IP, up["name"], view))

    ns.ip("neigh", "flush", "dev", tap)
    before = icmp_counters(ns)
    u.check_ping("ping %s" % HOST_IP, ping(ns, PINGS), PINGS)
    after = icmp_counters(ns)
    t.check(after["InEchoReps"] - before["InEchoReps"] == PINGS
            and after["InCsumErrors"] == before["InCsumErrors"],
            "the namespace's kernel took all %d replies, checksums right (%s)"
            % (PINGS, {k: after[k] - before[k] for k in ("InEchoReps", "InCsumErrors")}))
    neigh = ns.ip("neigh", "show", HOST_IP, "dev", tap).stdout
    t.check(up["mac"].lower() in neigh.lower(),
            "the namespace resolved %s to the uplink's MAC %s: %s"
            % (HOST_IP, up["mac"], neigh.strip()))
    neighbors = {n["address"]: n for n in sw.ctl("show", "ip", "neighbors",
                                                  json=True)["neighbors"]}
    t.check(NS_IP in neighbors and neighbors[NS_IP]["mac"].lower() == ns_mac.lower(),
            "show ip neighbors: %s at %s, learned from its ARP (%s)" % (NS_IP, ns_mac, neighbors))
    text = sw.ctl("show", "ip", "neighbors")
    t.check(NS_IP in text and HOST_IP + "/24" in text, "show ip neighbors text:\n%s" % text)

    rc, err = sw.ctl_fail("set", "interface", "ip", "address", "VirtualEthernet0/0/0",
                          "10.0.8.1/24")
    t.check(rc == 1 and "not the uplink" in err, "an address on a vhost-user interface: "
            "refused (%d, %s)" % (rc, err.strip()))
    rc, err = sw.ctl_fail("set", "interface", "ip", "address", up["name"], "10.0.9.1/33")
    t.check(rc == 2 and "bad address" in err, "prefix 33: refused by vhost-ctl (%d, %s)"
            % (rc, err.strip()))

    sw.ctl("set", "interface", "ip", "address", up["name"], "none")
    sent, got = u.ping_result(ping(ns, 3))
    t.check(sent == 3 and got == 0, "address removed: %s unanswered again (%d of %d)"
            % (HOST_IP, got, sent))
    sw.stop()


t.main(main)
