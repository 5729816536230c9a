#!/usr/bin/env python3
"""Two QEMU guests on two vhostsw interfaces of bridge domain 1, switched by
one worker: 1000 pings at 10 ms with 0% loss, then a 64 MB stream of random
data from one guest to the other over TCP (busybox nc) that arrives with
the sha256 it left with. The switch's counters must have seen the traffic.

CPUs: the worker polls on core 1; both guests (TCG) and the control plane
share core 0, so the stream is slow (a few MB/s) but must be exact. About a
minute in all."""

import os
import re
import time

import vswtest as t
from dp_traffic import iface_counters

PINGS = 1000
STREAM_MB = 64
PORT = 5001


def start_switch(socks):
    return t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks]).start()


def boot(name, sock, ip):
    g = t.Guest(name, sock, ip=ip)
    g.start()
    g.wait_ready()
    g.wait_link(up=True, timeout=30)
    print("guest %s booted in %.1fs" % (name, g.boot_seconds), flush=True)
    return g


def ping(sw, g1, g2):
    start = time.monotonic()
    out, rc = g1.run("ping -q -c %d -i 0.01 10.0.0.2" % PINGS, timeout=120)
    secs = time.monotonic() - start
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received, (\d+)% packet loss", out)
    rtt = re.search(r"round-trip min/avg/max = (\S+) ms", out)
    if rc != 0 or m is None or int(m.group(2)) != PINGS:
        print(out, flush=True)
        print(sw.ctl("show", "interface"), flush=True)
        for g in (g1, g2):
            print(g.name, g.run("cat /proc/net/dev; cat /proc/net/snmp")[0], flush=True)
    t.check(rc == 0 and m is not None, "ping ran (exit %d)" % rc)
    t.check(int(m.group(1)) == PINGS and int(m.group(2)) == PINGS,
            "%d pings at 10 ms: %s sent, %s received, %s%% loss"
            % (PINGS, m.group(1), m.group(2), m.group(3)))
    print("ping: %d in %.1fs, rtt min/avg/max %s ms (TCG guests)"
          % (PINGS, secs, rtt.group(1) if rtt else "?"), flush=True)


def stream(sw, g1, g2):
    g1.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % STREAM_MB,
              timeout=120)
    sent_sum = g1.run_ok("sha256sum /tmp/data", timeout=60).split()[0]
    try:
        got, secs = t.nc_stream(g1, g2, "10.0.0.2", PORT)
    except TimeoutError:
        print(sw.ctl("show", "interface"), flush=True)
        print(g2.run("ps; cat /proc/net/tcp; cat /proc/net/dev")[0], flush=True)
        print(g1.run("ps; cat /proc/net/tcp; cat /proc/net/dev")[0], flush=True)
        raise
    print("%d MB in %.1fs (%.1f MB/s under TCG)" % (STREAM_MB, secs, STREAM_MB / secs),
          flush=True)
    t.check(got == sent_sum, "%d MB stream arrived intact (sent %s, received %s)"
            % (STREAM_MB, sent_sum, got))


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = start_switch(socks)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == 2, "two interfaces: %s" % names)
    g1 = boot("g1", socks[0], "10.0.0.1/24")
    g2 = boot("g2", socks[1], "10.0.0.2/24")
    before = [iface_counters(sw, n) for n in names]

    ping(sw, g1, g2)
    stream(sw, g1, g2)

    after = [iface_counters(sw, n) for n in names]
    from_g1 = after[0]["rx_packets"] - before[0]["rx_packets"]
    to_g2 = after[1]["tx_packets"] - before[1]["tx_packets"]
    drops = {k: sum(v["counters"][k] for a in after for v in a["vrings"])
             for k in ("drops_full", "drops_bad_desc", "drops_other")}
    print("switch: %d frames from g1, %d to g2, drops %s" % (from_g1, to_g2, drops), flush=True)
    t.check(from_g1 >= PINGS + STREAM_MB * 1024 * 1024 // 65536,
            "the switch counted g1's frames (%d)" % from_g1)
    t.check(to_g2 >= PINGS, "the switch counted frames to g2 (%d)" % to_g2)
    # A TCG guest drains its RX ring slowly: a full ring (drops_full, that
    # TCP recovers from) is expected; a descriptor the switch refused, or
    # any other drop, is a bug.
    t.check(drops["drops_bad_desc"] == 0 and drops["drops_other"] == 0,
            "no descriptor refused, no drop but ring-full (%s)" % drops)

    g1.stop()
    g2.stop()
    sw.stop()


t.main(main)
