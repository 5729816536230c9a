#!/usr/bin/env python3
"""Two workers, software steering: each VM's frames reach the uplink only
through its owning worker, and frames from the uplink reach a VM only
through the worker that owns its queue.

Two workers on cores 0 and 1 (main core 0, as on a two-CPU machine), a
net_tap uplink with one RX and one TX queue per worker, two QEMU guests:
g1 (10.0.0.1) on worker 0, g2 (10.0.0.2) moved to worker 1 with `set
interface rx-placement`. The namespace (10.0.0.3) and the guests know each
other's MACs statically, so every frame is unicast and each ping is
exactly its requests and its replies. For each guest in turn (the other
idle), and again with g1 moved to worker 1:

* the guest's requests leave on its owner's TX queue only: the owner's
  uplink tx count grows by the number of pings, the other worker's not;
* the replies come in on whichever queue the kernel's tap picks: a flow's
  hash until the flow has sent through a queue, then that queue (so mostly
  the owner's); a worker that is not the owner hands every one it gets to
  the owner (rx-steered == rx) and the owner hands none away; the guest's
  RX vring, owned by the owner, counts them all.

Across the placements some replies must have crossed between workers: g1's
first reply lands on its flow's hash queue, which is not g1's owner in one
of its two placements."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

PINGS = 100
NS_IP = "10.0.0.3"


def counters(sw):
    time.sleep(0.3)  # the workers publish at housekeeping, every few ms
    return u.uplink(sw)["workers"]


def rx_vring(sw, name):
    vq = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]["virtqueues"][0]
    return vq["worker"], vq["counters"]["packets"]


def phase(sw, ns, guest, name, owner, label):
    other = 1 - owner
    before, (_, vring_before) = counters(sw), rx_vring(sw, name)
    u.check_ping(label, u.guest_ping(guest, NS_IP, PINGS), PINGS)
    t.wait_until(lambda: rx_vring(sw, name)[1] - vring_before >= PINGS, 5, 0.2,
                 "%s: replies counted" % label, ignore=(KeyError,))
    after, (vring_owner, vring_after) = counters(sw), rx_vring(sw, name)
    d = [{k: after[w][k] - before[w][k] for k in after[w]
          if k not in ("worker", "queue", "rx_queues")} for w in (0, 1)]
    print("%s: worker deltas %s" % (label, d), flush=True)
    t.check(vring_owner == owner, "%s: the guest's RX vring is on worker %d" % (label, owner))
    t.check(d[owner]["tx_packets"] == PINGS and d[other]["tx_packets"] == 0,
            "%s: the %d requests left on worker %d's TX queue only (tx %d / %d)"
            % (label, PINGS, owner, d[owner]["tx_packets"], d[other]["tx_packets"]))
    t.check(d[0]["rx_packets"] + d[1]["rx_packets"] == PINGS,
            "%s: %d replies came in on the two RX queues (%d + %d)"
            % (label, PINGS, d[0]["rx_packets"], d[1]["rx_packets"]))
    t.check(d[other]["rx_steered"] == d[other]["rx_packets"] and d[owner]["rx_steered"] == 0,
            "%s: worker %d handed all %d it got to worker %d, which handed none away"
            % (label, other, d[other]["rx_packets"], owner))
    t.check(vring_after - vring_before == PINGS,
            "%s: worker %d delivered all %d replies into the guest" % (label, owner, PINGS))
    return d[other]["rx_steered"]


def main():
    t.hugepages_ensure()
    tap = u.tap_name("w")
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = u.switch("wk", tap, [{"socket": s, "server": True, "bridge": 1} for s in socks],
                  workers=(0, 1))
    up = u.uplink(sw)
    t.check(up["mode"] == "software" and [w["queue"] for w in up["workers"]] == [0, 1]
            and [w["rx_queues"] for w in up["workers"]] == [[0], [1]],
            "show uplink: software steering, queue 0 for worker 0, queue 1 for worker 1")
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]
             if i["name"].startswith("VirtualEthernet")]
    sw.ctl("set", "interface", "rx-placement", names[1], "queue", "0", "worker", "1")

    ns = u.Netns("wk")
    ns.adopt(tap)
    ns.ip("addr", "add", NS_IP + "/24", "dev", tap)
    ns.ip("link", "set", tap, "up")
    tap_mac = ns.exec("cat", "/sys/class/net/%s/address" % tap).stdout.strip()

    guests = [t.Guest("g%d" % (i + 1), socks[i], ip="10.0.0.%d/24" % (i + 1), cpus=None)
              for i in (0, 1)]
    for g in guests:
        g.start()
    for i, g in enumerate(guests):
        g.wait_ready(timeout=180)
        g.wait_link(up=True)
        g.run_ok("arp -s %s %s" % (NS_IP, tap_mac))
        ns.ip("neigh", "replace", "10.0.0.%d" % (i + 1), "lladdr", g.mac, "dev", tap,
              "nud", "permanent")

    steered = phase(sw, ns, guests[0], names[0], 0, "g1 on worker 0")
    steered += phase(sw, ns, guests[1], names[1], 1, "g2 on worker 1")
    sw.ctl("set", "interface", "rx-placement", names[0], "queue", "0", "worker", "1")
    time.sleep(0.5)
    steered += phase(sw, ns, guests[0], names[0], 1, "g1 moved to worker 1")
    t.check(steered > 0, "replies crossed between workers (%d in all)" % steered)
    workers = sw.ctl("show", "workers", json=True)["workers"]
    t.check(all(w["xw_drops"] == 0 for w in workers), "no frame lost between the workers")
    text = sw.ctl("show", "uplink")
    t.check(text.count("\n  0 ") + text.count("\n  1 ") >= 2, "show uplink prints both workers")

    for g in guests:
        g.stop()
    sw.stop()


t.main(main)
