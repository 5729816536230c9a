#!/usr/bin/env python3
"""Two QEMU guests on one bridge domain ping each other every 10 ms
(busybox ping -i 0.01, 3000 pings: 30 s) while vhostd is handed over
gracefully 5 times (`vhost-ctl restart control` and SIGHUP to the
supervisor, alternately) and SIGKILLed 5 times, one restart every 2.8 s,
each waited for until the next generation serves. Both pings lose nothing
(and each guest's kernel counted every echo request and reply), each
guest's eth0 carrier_changes is the same before and after, neither QEMU
logs a vhost-user disconnect, the switch accepts no new connection and
the worker never restarts.

CPUs: vhostd and the supervisor run on core 0, the worker polls core 1,
and both TCG guests run on core 1 too, at nice -10, so the worker yields
to them whenever they have work. On core 0 a guest would be held off for
~100 ms whenever vhostd starts (EAL start-up) or the other guest execs
something under TCG (a plain CPU hog does it too, with no restart): it
then takes the frames that arrived meanwhile in one NAPI poll, and busybox
ping's raw socket (SO_RCVBUF 7 KiB, and it gets the peer's echo requests
too) overflows: its kernel counted the reply, ping never sees it. The
guests boot one after the other (QEMU is the vhost-user client: the
switch's sockets are there first)."""

import os
import re
import time

import dp_traffic as d
import vswtest as t

PINGS = 3000  # every 10 ms: 30 s
ROUNDS = ["ctl", "kill", "sighup", "kill", "ctl", "kill", "sighup", "kill", "ctl", "kill"]
EVERY = 2.8   # seconds between two restarts: spread over the 30 s
IPS = ["10.0.0.1", "10.0.0.2"]
SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) packets received")


def carrier_changes(g):
    return int(g.run_ok("cat /sys/class/net/eth0/carrier_changes").strip())


def qemu_said(g):
    """Everything QEMU logged but its "waiting for the console" note: a
    vhost-user disconnect or reconnect would show here."""
    return [ln for ln in g.log_text().splitlines()
            if ln.startswith("qemu-system") and "info: QEMU waiting" not in ln]


def ping_summary(g):
    out = g.run_ok("tail -n 2 /tmp/ping.out")
    m = SUMMARY.search(out)
    return (int(m.group(1)), int(m.group(2)), out) if m else None


def ping_missing(g):
    """The sequence numbers no reply was counted for."""
    return g.run_ok("awk -F'seq=' '/seq=/ { split($2, a, \" \"); got[a[1]] = 1 } "
                    "END { for (i = 0; i < %d; i++) if (!(i in got)) printf \"%%d \", i }' "
                    "/tmp/ping.out" % PINGS)


def icmp_counters(g):
    """The guest kernel's Icmp counters from /proc/net/snmp."""
    names, values = [ln.split()[1:] for ln in
                     g.run_ok("grep Icmp: /proc/net/snmp").splitlines()[:2]]
    return dict(zip(names, map(int, values)))


def print_counters(sw, names, guests):
    """Where frames went: the switch's interface and worker counters and
    the guests' eth0 statistics (drops, errors)."""
    for name in names:
        c = d.iface_counters(sw, name)
        print("%s: %s" % (name, {k: v for k, v in c.items() if "packets" in k or "drop" in k}),
              flush=True)
    w = sw.ctl("show", "workers", json=True)["workers"][0]
    print("worker: xw_drops %d, no_rxq_drops %d" % (w["xw_drops"], w["no_rxq_drops"]), flush=True)
    for g in guests:
        c = g.counters()
        print("%s eth0: %s" % (g.name, {k: v for k, v in c.items() if v and "bytes" not in k}),
              flush=True)


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    guests = []
    for i, sock in enumerate(socks):
        g = t.Guest("g%d" % (i + 1), sock, ip="%s/24" % IPS[i], cpus="1", nice=-10)
        g.start()
        g.wait_ready(120)
        g.wait_link(True, 30)
        print("guest %s booted in %.1f s" % (g.name, g.boot_seconds), flush=True)
        guests.append(g)
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, 1), 20, 0.3, "%s vrings" % name)
    for g, peer in zip(guests, reversed(IPS)):
        g.run_ok("ping -c 3 -W 5 %s" % peer, 30)

    carrier = [carrier_changes(g) for g in guests]
    icmp = [icmp_counters(g) for g in guests]
    said = [qemu_said(g) for g in guests]
    events = sw.front_end_events()
    worker = sw.ctl("show", "workers", json=True)["workers"][0]

    # Both pings start a second after the console commands that start them:
    # a guest busy starting one (fork and exec under TCG) would hold the
    # other guest off core 0 while its ping runs.
    for g, peer in zip(guests, reversed(IPS)):
        g.spawn("sleep 1 && ping -i 0.01 -c %d %s" % (PINGS, peer), "/tmp/ping.out")
    t0 = time.monotonic() + 1.0
    durations = {"graceful": [], "kill": []}
    for i, how in enumerate(ROUNDS):
        time.sleep(max(0.0, t0 + (i + 0.5) * EVERY - time.monotonic()))
        seconds, v = sw.restart_vhostd(how)
        durations["kill" if how == "kill" else "graceful"].append(seconds)
        print("%5.1f s: %s -> generation %d (pid %d) serving after %.2f s"
              % (time.monotonic() - t0, how, v["generation"], v["pid"], seconds), flush=True)
    for kind, secs in durations.items():
        print("%s restarts: %s s until the new generation answered (max %.2f)"
              % (kind, ", ".join("%.2f" % s for s in secs), max(secs)), flush=True)

    for g in guests:
        t.wait_until(lambda g=g: ping_summary(g), 60, 1.0, "%s: ping to finish" % g.name)
    print_counters(sw, names, guests)
    # Non-fatal: every figure is printed before the test fails.
    for g, before in zip(guests, icmp):
        sent, got, out = ping_summary(g)
        print("%s: %s" % (g.name, out.strip().splitlines()), flush=True)
        now = icmp_counters(g)
        reqs, reps = (now[k] - before[k] for k in ("InEchos", "InEchoReps"))
        t.check(reqs == PINGS and reps == PINGS,
                "%s: its kernel got every echo request and every echo reply (%d, %d of %d)"
                % (g.name, reqs, reps, PINGS), fatal=False)
        if got != sent:
            print("%s: no reply counted for seq %s" % (g.name, ping_missing(g)), flush=True)
        t.check(sent == PINGS and got == sent,
                "%s: ping counted every reply across the restarts (%d sent, %d answered)"
                % (g.name, sent, got), fatal=False)
    for g, before, old in zip(guests, carrier, said):
        now = carrier_changes(g)
        t.check(now == before, "%s: eth0 carrier_changes unchanged (%d -> %d)"
                % (g.name, before, now))
        t.check(qemu_said(g) == old, "%s: QEMU logged no vhost-user disconnect (%s)"
                % (g.name, qemu_said(g)[len(old):][-5:]))
    t.check(sw.front_end_events() == events,
            "the switch saw no new connection and no disconnect (%s)" % (sw.front_end_events(),))
    now = sw.ctl("show", "workers", json=True)["workers"][0]
    t.check(now["pid"] == worker["pid"] and now["restarts"] == worker["restarts"],
            "the worker polled on through every restart (%s)" % now)
    for g in guests:
        g.stop()
    sw.stop()


t.main(main)
