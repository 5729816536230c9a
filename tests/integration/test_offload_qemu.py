#!/usr/bin/env python3
"""Offloads between QEMU guests (issue 14). Three TCG guests on one bridge
domain: g1 sends a TCP stream (busybox nc) to g2, which negotiated
GUEST_CSUM and GUEST_TSO4/6, then to g3, whose QEMU device turns GUEST_TSO4
and GUEST_TSO6 off (guest_tso4=off,guest_tso6=off); then the same two over
IPv6 (a smaller stream: the TCP/IPv6 segmenter is vhostsw's own). Every
stream must arrive with the sha256 it left with. The switch's counters must
show g1's TSO frames (gso_in), handed to g2 whole (gso_passed, none
segmented for it), and segmented in software for g3 (sw_segmented, none
passed whole). show vhost-user names the offload bits each guest
negotiated.

VSW_OFFLOADS=off runs the same streams with the offload bits masked off on
every interface (feature-mask), for the time without offloads: it then
checks only that the streams are intact and that no frame carried an
offload. VSW_STREAM_MB sets the IPv4 streams' size (default 32),
VSW_STREAM6_MB the IPv6 ones' (default 8, 0 for none)."""

import os

import vswtest as t
from dp_traffic import iface_counters

STREAM_MB = int(os.environ.get("VSW_STREAM_MB", "32"))
STREAM6_MB = int(os.environ.get("VSW_STREAM6_MB", "8"))
OFFLOADS = os.environ.get("VSW_OFFLOADS", "on") != "off"
PORT = 5001
# CSUM, GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN, HOST_TSO4/6, HOST_ECN
OFFLOAD_BITS = (1 << 0) | (1 << 1) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 11) | (1 << 12) \
    | (1 << 13)
NO_OFFLOADS_MASK = "0x%x" % ((1 << 64) - 1 - OFFLOAD_BITS)


def vring_sum(ifc, key, parity):
    return sum(v["counters"][key] for v in ifc["vrings"] if v["index"] % 2 == parity)


def stream(sw, tx, rx, rx_ip, port):
    try:
        return t.nc_stream(tx, rx, rx_ip, port)
    except TimeoutError:
        print(sw.ctl("show", "interface"), flush=True)
        raise


def features(sw, name):
    for v in sw.ctl("show", "vhost-user", json=True)["interfaces"]:
        if v["name"] == name:
            return {b["name"] for b in v["feature_bits"]}
    raise AssertionError("no vhost-user interface %s" % name)


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2, 3)]
    ifcs = [{"socket": s, "server": True, "bridge": 1} for s in socks]
    if not OFFLOADS:
        for i in ifcs:
            i["feature-mask"] = NO_OFFLOADS_MASK
    sw = t.Switch("sw", workers=[1], interfaces=ifcs).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    guests = []
    try:
        for k, opts in ((1, ""), (2, ""), (3, "guest_tso4=off,guest_tso6=off")):
            g = t.Guest("g%d" % k, socks[k - 1], ip="10.0.0.%d/24" % k, device_opts=opts,
                        ipv6=STREAM6_MB > 0)
            g.start()
            guests.append(g)
        for k, g in enumerate(guests, 1):
            g.wait_ready()
            g.wait_link(up=True, timeout=30)
            if STREAM6_MB:
                g.run_ok("echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad && "
                         "ip -6 addr add fd00::%d/64 dev eth0" % k)
        g1, g2, g3 = guests
        f2, f3 = features(sw, names[1]), features(sw, names[2])
        print("g2 offloads: %s" % sorted(f for f in f2 if "CSUM" in f or "TSO" in f or "ECN" in f))
        print("g3 offloads: %s" % sorted(f for f in f3 if "CSUM" in f or "TSO" in f or "ECN" in f))
        if OFFLOADS:
            t.check({"VIRTIO_NET_F_CSUM", "VIRTIO_NET_F_HOST_TSO4", "VIRTIO_NET_F_HOST_TSO6",
                     "VIRTIO_NET_F_GUEST_CSUM", "VIRTIO_NET_F_GUEST_TSO4",
                     "VIRTIO_NET_F_GUEST_TSO6"} <= f2,
                    "show vhost-user: g2 negotiated CSUM, HOST_TSO4/6, GUEST_CSUM, GUEST_TSO4/6")
            t.check("VIRTIO_NET_F_GUEST_TSO4" not in f3 and "VIRTIO_NET_F_GUEST_TSO6" not in f3
                    and "VIRTIO_NET_F_GUEST_CSUM" in f3,
                    "show vhost-user: g3 negotiated GUEST_CSUM but not GUEST_TSO4/6")
        else:
            t.check(not any("TSO" in f or "CSUM" in f for f in f2 | f3),
                    "feature-mask: no offload bit negotiated")

        g1.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % STREAM_MB,
                  timeout=120)
        sent = g1.run_ok("sha256sum /tmp/data", timeout=60).split()[0]
        results, sent_mb = {}, STREAM_MB
        runs = [(g2, "10.0.0.2", PORT, STREAM_MB), (g3, "10.0.0.3", PORT + 1, STREAM_MB)]
        if STREAM6_MB:
            runs += [(g2, "fd00::2", PORT + 2, STREAM6_MB), (g3, "fd00::3", PORT + 3, STREAM6_MB)]
        for rx, ip, port, mb in runs:
            if mb != sent_mb:
                g1.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % mb,
                          timeout=120)
                sent = g1.run_ok("sha256sum /tmp/data", timeout=60).split()[0]
            sent_mb = mb
            before = [iface_counters(sw, n) for n in names]
            got, secs = stream(sw, g1, rx, ip, port)
            after = [iface_counters(sw, n) for n in names]
            d = {k: [vring_sum(a, k, p) - vring_sum(b, k, p) for a, b in zip(after, before)
                     for p in (0, 1)]
                 for k in ("gso_in", "gso_passed", "sw_segmented", "sw_csum", "drops_bad_desc")}
            v = "IPv6" if ":" in ip else "IPv4"
            results[(rx.name, v)] = (got, secs, d)
            print("%d MB %s %s -> %s in %.1fs (%.1f MB/s, TCG, offloads %s): counters "
                  "[vm1 rx, vm1 tx, vm2 rx, vm2 tx, vm3 rx, vm3 tx] %s"
                  % (mb, v, g1.name, rx.name, secs, mb / secs, "on" if OFFLOADS else "off", d),
                  flush=True)
            t.check(got == sent, "%d MB %s stream to %s arrived intact (sent %s, received %s)"
                    % (mb, v, rx.name, sent, got))
            t.check(sum(d["drops_bad_desc"]) == 0, "no header or descriptor refused")

        for v in ("IPv4", "IPv6") if STREAM6_MB else ("IPv4",):
            _, _, d2 = results[("g2", v)]
            _, _, d3 = results[("g3", v)]
            if OFFLOADS:
                # index 1: vm1's TX ring; 2: vm2's RX ring; 4: vm3's RX ring
                t.check(d2["gso_in"][1] > 0, "%s: g1 sent TSO frames (%d)" % (v, d2["gso_in"][1]))
                t.check(d2["gso_passed"][2] > 0 and d2["sw_segmented"][2] == 0,
                        "%s: g2 got TSO frames whole (%d), none segmented for it"
                        % (v, d2["gso_passed"][2]))
                t.check(d3["gso_in"][1] > 0 and d3["sw_segmented"][4] > 0
                        and d3["gso_passed"][4] == 0,
                        "%s: g3 (no GUEST_TSO4/6) got g1's %d TSO frames segmented by the switch "
                        "(%d), none whole" % (v, d3["gso_in"][1], d3["sw_segmented"][4]))
            else:
                t.check(sum(d2["gso_in"]) + sum(d3["gso_in"]) == 0
                        and sum(d3["sw_segmented"]) == 0,
                        "%s, no offloads: no TSO frame, nothing segmented" % v)
    finally:
        for g in guests:
            g.stop()
        sw.stop()


t.main(main)
