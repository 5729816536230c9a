#!/usr/bin/env python3
"""Live migration between two switch instances on the machine: two
supervisors (switch A and switch B, each with its own runtime dir and DPDK
file prefix) whose net_tap uplinks the test joins with a Linux bridge in a
network namespace it creates. The namespace (10.0.0.1 on the bridge) pings
a guest on switch A every 50 ms; the guest (device guest_announce=off: it
does not announce itself) migrates (QMP `migrate`, unix transport) to a QEMU
started with -incoming on switch B. Checked: QEMU reports `completed`
(downtime printed); at most 1 ping lost (plus one per 50 ms of QEMU's own
downtime when a loaded machine makes it 50 ms or more); switch B sent the
RARP (its log) and it crossed to the other side: the namespace's bridge
moved the guest's MAC to switch B's tap (`bridge fdb`), which is what
brings the pings back; the migrated guest answers on its console.
Both switches poll on core 1; both QEMUs run on core 0. About a minute."""

import os
import subprocess
import sys
import time

import uplink_net as u
import vswtest as t

PINGS = 400  # 20 s at 50 ms
MIGRATE_AT = 5  # seconds into the ping run


def fdb_port(ns, mac):
    """The bridge port the namespace's bridge learned mac on, or None."""
    out = ns.exec("bridge", "fdb", "show", "br", "br0").stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == mac and "dev" in f:
            return f[f.index("dev") + 1]
    return None


def main():
    t.hugepages_ensure()
    taps = {k: u.tap_name(k) for k in ("a", "b")}
    socks = {k: os.path.join(t.workdir(), "vm-%s.sock" % k) for k in ("a", "b")}
    sws = {k: u.switch(k, taps[k], [{"socket": socks[k], "server": True, "bridge": 1}])
           for k in ("a", "b")}
    t.check(sws["a"].runtime_dir != sws["b"].runtime_dir, "two runtime dirs")

    ns = u.Netns("mig")
    ns.ip("link", "add", "br0", "type", "bridge")
    for k in ("a", "b"):
        ns.adopt(taps[k])
        ns.ip("link", "set", taps[k], "master", "br0")
        ns.ip("link", "set", taps[k], "up")
    ns.ip("addr", "add", "10.0.0.1/24", "dev", "br0")
    ns.ip("link", "set", "br0", "up")

    dev = "guest_announce=off"
    src = t.Guest("mig-a", socks["a"], ip="10.0.0.2/24", device_opts=dev)
    mig = os.path.join(t.workdir(), "mig.sock")
    dst = t.Guest("mig-b", socks["b"], mac=src.mac, ip="10.0.0.2/24", device_opts=dev,
                  extra_args=["-incoming", "unix:%s" % mig])
    for g in (src, dst):
        g.start()
    src.wait_ready(timeout=120)
    src.wait_link(up=True, timeout=60)
    u.check_ping("namespace -> guest on switch A", u.ns_ping(ns, "10.0.0.2", 5), 5)
    t.check(fdb_port(ns, src.mac) == taps["a"], "the bridge has the guest behind switch A")

    ping = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable,
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "ns_ping.py"),
         "10.0.0.2", str(PINGS), "0.05", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t.register_cleanup(lambda: ping.poll() is None and ping.kill())
    time.sleep(MIGRATE_AT)
    log_from = len(u.switch_log(sws["b"]))
    src.qmp("migrate", uri="unix:%s" % mig)

    def done():
        r = src.qmp("query-migrate")
        return r if r.get("status") in ("completed", "failed", "cancelled") else None

    r = t.wait_until(done, 120, 0.1, "the migration to end")
    t.check(r["status"] == "completed", "switch A -> switch B: migration %s" % r["status"])
    down = r.get("downtime", 0)
    print("switch A -> switch B: QEMU downtime %s ms, total %s ms, %s bytes of RAM sent"
          % (down, r.get("total-time"), r.get("ram", {}).get("transferred")), flush=True)
    t.wait_until(lambda: dst.qmp("query-status")["status"] == "running", 20, 0.1,
                 "the guest running on switch B")
    dst._echo = src._echo  # the same guest: its console is as the source left it

    b_if = sws["b"].ctl("show", "interface", json=True)["interfaces"][0]["name"]
    line = "%s: RARP for %s sent into its bridge domain" % (b_if, src.mac)
    t.wait_until(lambda: line in u.switch_log(sws["b"])[log_from:], 5, 0.05, "RARP on switch B")
    t.check(True, "switch B sent the RARP for %s" % src.mac)
    port = t.wait_until(lambda: fdb_port(ns, src.mac) == taps["b"] and taps["b"], 5, 0.05,
                        "the namespace's bridge to learn %s behind switch B" % src.mac)
    t.check(port == taps["b"], "the RARP crossed: the bridge has the guest behind switch B")
    src.stop()

    out, _ = ping.communicate(timeout=PINGS * 0.05 + 60)
    sent, got = u.ping_result(out)
    allowed = 1 + (down + 49) // 50 if down >= 50 else 1
    if got < PINGS - allowed:
        print(out, flush=True)
    t.check(sent == PINGS and got >= PINGS - allowed,
            "%d of %d pings answered across the migration (at most %d lost: 1, + one per 50 ms "
            "of QEMU's downtime if 50 ms or more: %d ms)" % (got, sent, allowed, down))
    c = dst.counters()
    t.check(c["rx_packets"] > 0 and c["tx_packets"] > 0,
            "the migrated guest answers on its console (rx %d, tx %d)"
            % (c["rx_packets"], c["tx_packets"]))
    dst.stop()
    for sw in sws.values():
        sw.stop()


t.main(main)
