#!/usr/bin/env python3
"""rx-mode with real guests: two QEMU guests on one worker whose queues are
in interrupt mode (startup.conf's default), then in adaptive mode (`set
interface rx-mode`, no restart). In each mode: 1000 pings at 10 ms with 0%
loss (each ping finds the worker asleep: the guest's kick, with the
notifications the worker armed, must wake it: `show workers` counts at
least one wake per two pings, one per ten in adaptive mode), then a 16 MB TCP stream
that arrives with the sha256 it left with. The sender's TX queue must have
been seen in interrupt state between the pings.

CPUs: the worker on core 1, the guests (TCG) and the control plane on core
0. About a minute."""

import os
import re
import time

import vswtest as t

PINGS = 1000
STREAM_MB = 16
PORT = 5001


def start_switch(socks):
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks])
    return sw.start(conf=sw.conf_text().replace("vhost {\n", "vhost {\n  rx-mode interrupt\n", 1))


def tx_state(sw, name):
    v = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    return v["virtqueues"][1]["rx_state"]


def wakes(sw):
    return sw.ctl("show", "workers", json=True)["workers"][0]["wakes"]


def ping(sw, mode, g1, names):
    woken = wakes(sw)
    start = time.monotonic()
    out, rc = g1.run("ping -q -c %d -i 0.01 10.0.0.2" % PINGS, timeout=180)
    secs = time.monotonic() - start
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received, (\d+)% packet loss", out)
    rtt = re.search(r"round-trip min/avg/max = (\S+) ms", out)
    if rc != 0 or m is None or int(m.group(2)) != PINGS:
        print(out, sw.ctl("show", "interface"), flush=True)
    t.check(rc == 0 and m is not None, "%s: ping ran (exit %d)" % (mode, rc))
    t.check(int(m.group(1)) == PINGS and int(m.group(2)) == PINGS,
            "%s: %d pings at 10 ms: %s sent, %s received, %s%% loss"
            % (mode, PINGS, m.group(1), m.group(2), m.group(3)))
    woken = wakes(sw) - woken
    print("%s: ping %d in %.1fs, rtt min/avg/max %s ms (TCG guests); the worker was woken %d "
          "times" % (mode, PINGS, secs, rtt.group(1) if rtt else "?", woken), flush=True)
    # In interrupt mode each echo request and reply finds the worker asleep
    # (most of them at least): only a kick wakes it before its timer. In
    # adaptive mode it polls for a while after each, so fewer.
    least = PINGS // 2 if mode == "interrupt" else PINGS // 10
    t.check(woken >= least, "%s: guests' kicks woke the sleeping worker (%d times, at least %d)"
            % (mode, woken, least))
    t.wait_until(lambda: tx_state(sw, names[0]) == "interrupt", 5, 0.1,
                 "%s: g1's TX queue in interrupt state once idle" % mode)


def stream(sw, mode, g1, g2, port):
    g1.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % STREAM_MB,
              timeout=120)
    sent_sum = g1.run_ok("sha256sum /tmp/data", timeout=60).split()[0]
    try:
        got, secs = t.nc_stream(g1, g2, "10.0.0.2", port, timeout=300)
    except TimeoutError:
        print(sw.ctl("show", "interface"), flush=True)
        for g in (g1, g2):
            print(g.name, g.run("cat /proc/net/tcp; cat /proc/net/dev; cat /proc/net/snmp")[0],
                  flush=True)
        raise
    print("%s: %d MB in %.1fs" % (mode, STREAM_MB, secs), flush=True)
    t.check(got == sent_sum, "%s: %d MB stream arrived intact (sent %s, received %s)"
            % (mode, STREAM_MB, sent_sum, got))


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = start_switch(socks)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    g1 = t.Guest("g1", socks[0], ip="10.0.0.1/24")
    g2 = t.Guest("g2", socks[1], ip="10.0.0.2/24")
    for g in (g1, g2):  # boot in parallel
        g.start()
    for g in (g1, g2):
        g.wait_ready()
        g.wait_link(up=True, timeout=30)

    ping(sw, "interrupt", g1, names)
    stream(sw, "interrupt", g1, g2, PORT)
    for n in names:
        sw.ctl("set", "interface", "rx-mode", n, "adaptive")
    ping(sw, "adaptive", g1, names)
    stream(sw, "adaptive", g1, g2, PORT + 1)

    g1.stop()
    g2.stop()
    sw.stop()


t.main(main)
