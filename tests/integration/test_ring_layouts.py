#!/usr/bin/env python3
"""Every ring layout a Linux guest can ask for, through the switch: six QEMU
(TCG) guests with Debian's kernel, booted together, in three pairs, each
pair on a bridge domain of its own. Each guest of a pair has a different
layout, so one ping run between them exercises both:

  pair 1: packed, mrg_rxbuf on,  indirect on,  event_idx on,  MTU 9000
          split,  mrg_rxbuf off, indirect on,  event_idx off, MTU 9000
  pair 2: packed, mrg_rxbuf off, indirect off, event_idx off, MTU 9000
          split,  mrg_rxbuf on,  indirect off, event_idx on,  MTU 9000
  pair 3: legacy (disable-modern=on: split, no VERSION_1)
          packed, 4 queue pairs, 4 vCPUs, mrg_rxbuf off, MTU 9000

With mrg_rxbuf off and MTU 9000 the kernel posts RX buffers of chained
pages (its "big packets"), through indirect tables where negotiated. Every
cell: 20 pings at 50 ms with 0% loss each way, 8000-byte pings too where
both ends have MTU 9000, and afterwards, for every guest, the switch's
counters equal the guest's (/sys/class/net/eth0/statistics): frames the
switch took from the guest = the guest's tx_packets, frames it put in the
guest's RX ring = its rx_packets, bytes alike (the switch counts frames
without the virtio-net header, as the guest does), nothing dropped (the
switch holds host_mtu=9000 guests to MTU 9000: the jumbo frames pass). The multiqueue guest
pings from each vCPU (taskset): its transmit queue pair follows the CPU
(the kernel uses one queue pair per vCPU), so the switch must show frames
on the TX vrings of all four queue pairs.

The worker polls on core 1; the guests share core 0 (the mq guest's two
vCPUs too). About half a minute and a half on an idle machine, mostly boots."""

import os
import re
import time

import vswtest as t
from dp_traffic import iface_counters

PINGS = 20
JUMBO = 8000  # ICMP payload: an 8028-byte IP packet, 8042 on the wire

# name, ip (last byte), virtio-net-pci properties, queue pairs, vCPUs, jumbo
GUESTS = [
    ("pk-mrg", 1, "packed=on,mrg_rxbuf=on,indirect_desc=on,event_idx=on,host_mtu=9000",
     1, 1, True),
    ("sp-nomrg", 2, "packed=off,mrg_rxbuf=off,indirect_desc=on,event_idx=off,host_mtu=9000",
     1, 1, True),
    ("pk-plain", 3, "packed=on,mrg_rxbuf=off,indirect_desc=off,event_idx=off,host_mtu=9000",
     1, 1, True),
    ("sp-mrg", 4, "packed=off,mrg_rxbuf=on,indirect_desc=off,event_idx=on,host_mtu=9000",
     1, 1, True),
    ("legacy", 5, "disable-modern=on,disable-legacy=off", 1, 1, False),
    ("pk-mq", 6, "packed=on,mrg_rxbuf=off,host_mtu=9000", 4, 4, False),
]
PAIRS = [(0, 1), (2, 3), (4, 5)]

# Feature bits: what each guest must have negotiated (bit, wanted).
F_MRG, F_MTU, F_MQ = 15, 3, 22
F_INDIRECT, F_EVENT_IDX, F_VERSION_1, F_PACKED = 28, 29, 32, 34


def ip(n):
    return "10.0.%d.%d" % ((n + 1) // 2, n)


def expected_features(opts, queues):
    o = dict(kv.split("=") for kv in opts.split(","))
    legacy = o.get("disable-modern") == "on"
    want = {F_VERSION_1: not legacy, F_PACKED: o.get("packed") == "on"}
    for key, bit in (("mrg_rxbuf", F_MRG), ("indirect_desc", F_INDIRECT),
                     ("event_idx", F_EVENT_IDX)):
        if key in o:
            want[bit] = o[key] == "on"
    if "host_mtu" in o:
        want[F_MTU] = True
    want[F_MQ] = queues > 1
    return want


def start_switch(socks):
    return t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": i // 2 + 1}
        for i, s in enumerate(socks)]).start()


def ping(g, dst, size=56, cpu=None):
    cmd = "ping -q -c %d -i 0.05 -W 2 -s %d %s" % (PINGS, size, dst)
    if cpu is not None:
        cmd = "taskset %d %s" % (1 << cpu, cmd)
    out, rc = g.run(cmd, timeout=60)
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    where = " from vCPU %d" % cpu if cpu is not None else ""
    t.check(rc == 0 and sent == PINGS and got == PINGS,
            "%s -> %s: %d-byte pings%s: %d sent, %d answered" % (g.name, dst, size, where,
                                                               sent, got), fatal=False)


def check_features(sw, name, g, opts, queues):
    ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    feats = int(str(ifc["features"]), 0)
    want = expected_features(opts, queues)
    wrong = [b for b, on in want.items() if bool(feats >> b & 1) != on]
    t.check(not wrong, "%s (%s): negotiated features 0x%x as asked (bits %s differ)"
            % (g.name, opts, feats, wrong))
    return ifc


def tx_vrings_used(sw, name):
    """Queue pairs whose TX vring (odd index) carried frames."""
    ifc = iface_counters(sw, name)
    return sorted(v["index"] // 2 for v in ifc["vrings"]
                  if v["index"] % 2 == 1 and v["counters"]["packets"] > 0)


def counters_agree(sw, name, g):
    """The guest is quiet (no IPv6, pings over): its statistics and the
    switch's counters for its interface must meet once the worker
    publishes them (housekeeping)."""
    gs = g.counters()
    pairs = [("rx_packets", "tx_packets"), ("tx_packets", "rx_packets"),
             ("rx_bytes", "tx_bytes"), ("tx_bytes", "rx_bytes")]

    def same():
        c = iface_counters(sw, name)
        return c if all(c[s] == gs[gk] for s, gk in pairs) else None

    try:
        c = t.wait_until(same, 10, 0.3, "%s: switch counters to match the guest's" % g.name)
    except TimeoutError:
        c = iface_counters(sw, name)
    t.check(all(c[s] == gs[gk] for s, gk in pairs),
            "%s: switch %s: rx %d/%d B, tx %d/%d B; guest: tx %d/%d B, rx %d/%d B"
            % (g.name, name, c["rx_packets"], c["rx_bytes"], c["tx_packets"], c["tx_bytes"],
               gs["tx_packets"], gs["tx_bytes"], gs["rx_packets"], gs["rx_bytes"]),
            fatal=False)
    drops = {k: sum(v["counters"][k] for v in c["vrings"])
             for k in ("drops_full", "drops_bad_desc", "drops_other", "drops_mtu")}
    t.check(not any(drops.values()) and gs["rx_dropped"] == 0 and gs["tx_dropped"] == 0,
            "%s: nothing dropped (switch %s, guest rx %d tx %d)"
            % (g.name, drops, gs["rx_dropped"], gs["tx_dropped"]), fatal=False)


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in range(len(GUESTS))]
    sw = start_switch(socks)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == len(GUESTS), "%d interfaces: %s" % (len(GUESTS), names))
    guests = []
    start = time.monotonic()
    for (gname, n, opts, queues, cpus, _), sock in zip(GUESTS, socks):
        g = t.Guest(gname, sock, ip="%s/24" % ip(n), queues=queues, smp=cpus,
                    device_opts=opts)
        g.start()
        guests.append(g)
    for g in guests:
        g.wait_ready(timeout=180)
        g.wait_link(up=True, timeout=60)
    print("%d guests booted in %.1fs" % (len(guests), time.monotonic() - start), flush=True)

    for (gname, n, opts, queues, _, _), g, name in zip(GUESTS, guests, names):
        ifc = check_features(sw, name, g, opts, queues)
        mtu = int(g.run_ok("cat /sys/class/net/eth0/mtu").strip())
        want = 9000 if "host_mtu=9000" in opts else 1500
        t.check(mtu == want and ifc["mtu"] == (9000 if want == 9000 else 0),
                "%s: eth0 MTU %d from the device; the switch holds it to %d (NET_SET_MTU)"
                % (gname, mtu, ifc["mtu"]))

    for a, b in PAIRS:
        ga, gb = guests[a], guests[b]
        ping(ga, ip(GUESTS[b][1]))
        ping(gb, ip(GUESTS[a][1]))
        if GUESTS[a][5] and GUESTS[b][5]:
            ping(ga, ip(GUESTS[b][1]), size=JUMBO)
            ping(gb, ip(GUESTS[a][1]), size=JUMBO)

    mq = len(GUESTS) - 1
    for cpu in range(GUESTS[mq][4]):
        ping(guests[mq], ip(GUESTS[mq - 1][1]), cpu=cpu)
    qps = tx_vrings_used(sw, names[mq])
    t.check(qps == list(range(GUESTS[mq][3])),
            "%s: frames sent on the TX vrings of queue pairs %s (all %d)"
            % (GUESTS[mq][0], qps, GUESTS[mq][3]))

    for g, name in zip(guests, names):
        counters_agree(sw, name, g)
    t.check(not t.failures(), "every cell passed")

    for g in guests:
        g.stop()
    sw.stop()


t.main(main)
