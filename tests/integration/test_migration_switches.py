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
Then back from B to A, the RAM copy slowed to last seconds, with switch B's
worker SIGKILLed and its vhostd handed over (`restart control`) during the
copy: the restarted worker and the new vhostd take the dirty log over, and
the guest comes out on A with its rings as the switch left them (were a
used ring page written during the copy not logged, the guest would see a
stale used index after the switch-over and its network would stop). The
same checks, with the pings lost while the worker restarted allowed for.
Both switches poll on core 1; the QEMUs run on core 0. About a minute."""

import os
import subprocess
import sys
import time

import uplink_net as u
import vswtest as t

PINGS = 400  # 20 s at 50 ms
MIGRATE_AT = 5  # seconds into the ping run
BACK_PINGS = 300
SLOW_COPY = 24 << 20  # bytes/s for the way back: a copy of about 4 s


def fdb_port(ns, mac):
    """The bridge port the namespace's bridge learned mac on, or None."""
    out = ns.exec("bridge", "fdb", "show", "br", "br0").stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == mac and "dev" in f:
            return f[f.index("dev") + 1]
    return None


def start_ping(ns, count):
    p = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable,
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "ns_ping.py"),
         "10.0.0.2", str(count), "0.05", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t.register_cleanup(lambda: p.poll() is None and p.kill())
    return p


def migrate(src, dst, uri, during=None):
    """Migrates src to dst (started with -incoming uri); during() runs once
    the RAM copy is under way. Returns query-migrate's final answer."""
    src.qmp("migrate", uri=uri)
    if during:
        t.wait_until(lambda: src.qmp("query-migrate").get("ram", {}).get("transferred", 0) > 0,
                     20, 0.01, "%s: RAM copy under way" % src.name)
        during()

    def done():
        r = src.qmp("query-migrate")
        return r if r.get("status") in ("completed", "failed", "cancelled") else None

    r = t.wait_until(done, 120, 0.1, "%s: migration to end" % src.name)
    t.check(r["status"] == "completed", "%s -> %s: migration %s" % (src.name, dst.name,
                                                                   r["status"]))
    print("%s -> %s: QEMU downtime %s ms, total %s ms, %s bytes of RAM sent"
          % (src.name, dst.name, r.get("downtime"), r.get("total-time"),
             r.get("ram", {}).get("transferred")), flush=True)
    t.wait_until(lambda: dst.qmp("query-status")["status"] == "running", 20, 0.1,
                 "%s running" % dst.name)
    dst._echo = src._echo  # the same guest: its console is as the source left it
    return r


def check_arrival(ns, sw, tap, mac, log_from, label):
    """sw sent the RARP for mac and the namespace's bridge moved mac to tap."""
    ifname = sw.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    line = "%s: RARP for %s sent into its bridge domain" % (ifname, mac)
    t.wait_until(lambda: line in u.switch_log(sw)[log_from:], 5, 0.05, "RARP on %s" % label)
    t.check(True, "%s sent the RARP for %s" % (label, mac))
    port = t.wait_until(lambda: fdb_port(ns, mac) == tap and tap, 5, 0.05,
                        "the namespace's bridge to learn %s behind %s" % (mac, label))
    t.check(port == tap, "the RARP crossed: the bridge has the guest behind %s" % label)


def check_pings(ping, count, allowed, why):
    out, _ = ping.communicate(timeout=count * 0.05 + 60)
    sent, got = u.ping_result(out)
    if got < count - allowed:
        print(out, flush=True)
    t.check(sent == count and got >= count - allowed,
            "%d of %d pings answered across the migration (at most %d lost: %s)"
            % (got, sent, allowed, why))


def allowance(down):
    """1, and one per 50 ms of QEMU's own downtime when it reaches 50 ms."""
    return 1 + (down + 49) // 50 if down >= 50 else 1


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

    ping = start_ping(ns, PINGS)
    time.sleep(MIGRATE_AT)
    log_from = len(u.switch_log(sws["b"]))
    r = migrate(src, dst, "unix:%s" % mig)
    check_arrival(ns, sws["b"], taps["b"], src.mac, log_from, "switch B")
    src.stop()
    down = r.get("downtime", 0)
    check_pings(ping, PINGS, allowance(down),
                "1, + one per 50 ms of QEMU's downtime if 50 ms or more: %d ms" % down)
    c = dst.counters()
    t.check(c["rx_packets"] > 0 and c["tx_packets"] > 0,
            "the migrated guest answers on its console (rx %d, tx %d)"
            % (c["rx_packets"], c["tx_packets"]))

    # Back to A, with B's worker and vhostd restarted during the copy.
    mig2 = os.path.join(t.workdir(), "mig2.sock")
    back = t.Guest("mig-a2", socks["a"], mac=src.mac, ip="10.0.0.2/24", device_opts=dev,
                   extra_args=["-incoming", "unix:%s" % mig2])
    back.start()
    dst.qmp("migrate-set-parameters", **{"max-bandwidth": SLOW_COPY})
    ping = start_ping(ns, BACK_PINGS)
    time.sleep(2)
    log_from = len(u.switch_log(sws["a"]))
    restart = {}

    def restart_b():
        sw = sws["b"]
        old = sw.worker_pids()["1"]
        t0 = time.monotonic()
        os.kill(old, 9)
        t.wait_until(lambda: any(w["state"] == "running" and w["restarts"] == 1
                                 for w in sw.ctl("show", "workers", json=True)["workers"]),
                     20, 0.02, "switch B's worker restarted")
        restart["worker"] = time.monotonic() - t0
        secs, v = sw.restart_vhostd("ctl")
        st = dst.qmp("query-migrate")["status"]
        print("switch B: worker SIGKILLed and back in %.2f s, vhostd handed over to generation "
              "%d in %.2f s; the migration is %s" % (restart["worker"], v["generation"], secs, st),
              flush=True)
        t.check(st == "active", "both restarts happened during the RAM copy (%s)" % st)

    r = migrate(dst, back, "unix:%s" % mig2, during=restart_b)
    check_arrival(ns, sws["a"], taps["a"], src.mac, log_from, "switch A")
    dst.stop()
    down = r.get("downtime", 0)
    lost_restart = int(restart["worker"] / 0.05) + 1
    check_pings(ping, BACK_PINGS, allowance(down) + lost_restart,
                "%d while switch B's worker restarted (%.2f s), %d for the switch-over (QEMU "
                "downtime %d ms)" % (lost_restart, restart["worker"], allowance(down), down))
    u.check_ping("after both migrations: namespace -> guest on switch A",
                 u.ns_ping(ns, "10.0.0.2", 20), 20)
    c = back.counters()
    t.check(c["rx_packets"] > 0 and c["tx_packets"] > 0,
            "the guest answers on its console on switch A again (rx %d, tx %d)"
            % (c["rx_packets"], c["tx_packets"]))
    back.stop()
    for sw in sws.values():
        sw.stop()


t.main(main)
