#!/usr/bin/env python3
"""`pcap trace` between two QEMU guests, read back with tshark.

1. Pings from g1 to g2 captured rx and tx on every interface: tshark reads
   the pcapng file; every ICMP echo request is in it twice (received on
   g1's interface, inbound, from g1's MAC to g2's; sent on g2's, outbound)
   and every reply likewise the other way; the packets in the file are the
   ones `show pcap trace` says it wrote and the ones the switch counted
   (rx + tx of both interfaces) over the capture window.
2. A capture on g2's interface across a SIGKILL of the worker: the new
   worker goes on copying (the flag is in the memzone), the file is valid
   and holds replies captured after the kill.
3. A capture across `restart control` (a vhostd handover): the exiting
   vhostd closes the file and `show pcap trace` says why it stopped; the
   file is valid and holds what it says. Across a SIGKILL of vhostd the
   successor stops it (the file holds whole blocks: each one is written
   in one call) and can capture again.
4. `max` stops a capture by itself.
Refused first: an unknown interface, a FIFO as the file (vhostd must not
block opening it), a missing directory. About 20 s."""

import os
import re
import signal
import subprocess
import time

import vswtest as t
from dp_traffic import iface_counters

PINGS = 20


def tshark(path, *fields, filt=None):
    """The file's packets as tuples of fields; fails the test when tshark
    finds the file damaged."""
    argv = ["tshark", "-r", path, "-T", "fields", "-E", "separator=|"]
    if filt:
        argv += ["-Y", filt]
    for f in fields:
        argv += ["-e", f]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    t.check(p.returncode == 0 and "cut short" not in p.stderr and "appears to be damaged"
            not in p.stderr, "tshark reads %s (rc %d%s)" % (path, p.returncode,
                                                           (": " + p.stderr.strip()) if p.stderr
                                                           else ""))
    return [tuple(line.split("|")) for line in p.stdout.splitlines()]


IN, OUT = 1, 2  # the pcapng packet flags' direction bits (0-1)


def direction(flags):
    return int(flags, 16) & 3 if flags else 0


def counted(sw, names):
    c = [iface_counters(sw, n) for n in names]
    return sum(i["rx_packets"] + i["tx_packets"] for i in c)


def pcap_state(sw):
    return sw.ctl("show", "pcap", "trace", json=True)


def wait_quiet(sw, names):
    """Until the counters stop moving (the guests are idle)."""
    last = [None]

    def still():
        now = counted(sw, names)
        same = now == last[0]
        last[0] = now
        return same
    t.wait_until(still, 10, 0.3, "the guests idle")


def ping_case(sw, names, g1, g2, path):
    wait_quiet(sw, names)
    before = counted(sw, names)
    sw.ctl("pcap", "trace", "rx", "tx", "max", "100000", "intfc", "any", "file", path)
    t.check(pcap_state(sw)["active"], "show pcap trace: on")
    out, rc = g1.run("ping -c %d -i 0.05 10.0.0.2" % PINGS, timeout=60)
    t.check(rc == 0 and "%d packets received" % PINGS in out, "%d pings answered" % PINGS)
    wait_quiet(sw, names)
    sw.ctl("pcap", "trace", "off")
    after = counted(sw, names)
    st = pcap_state(sw)
    t.check(not st["active"] and "pcap trace off" in st.get("status", ""),
            "show pcap trace: off, stopped by pcap trace off (%s)" % st)

    rows = tshark(path, "frame.interface_name", "frame.packet_flags_direction", "eth.src",
                  "eth.dst", "icmp.type")
    iname = {names[0]: g1, names[1]: g2}
    t.check(len(rows) == st["written"] == after - before,
            "packets: %d in the file, %d written, %d counted by the switch"
            % (len(rows), st["written"], after - before))
    want = {
        # (interface, direction, src, dst, icmp type): count
        (names[0], IN, g1.mac, g2.mac, "8"): PINGS,
        (names[1], OUT, g1.mac, g2.mac, "8"): PINGS,
        (names[1], IN, g2.mac, g1.mac, "0"): PINGS,
        (names[0], OUT, g2.mac, g1.mac, "0"): PINGS,
    }
    got = {}
    for r in rows:
        if len(r) == 5 and r[4] in ("0", "8"):
            k = (r[0], direction(r[1]), r[2], r[3], r[4])
            got[k] = got.get(k, 0) + 1
    t.check(got == want, "ICMP echo requests and replies by interface, direction and MACs: %s"
            % {k: v for k, v in got.items()})
    t.check(all(r[0] in iname for r in rows), "every packet on one of the two interfaces")


def worker_kill_case(sw, names, g1, path):
    started = time.time()
    sw.ctl("pcap", "trace", "tx", "intfc", names[1], "max", "100000", "file", path)
    g1.spawn("ping -c 40 -i 0.05 10.0.0.2", out="/tmp/ping.out")
    time.sleep(0.7)
    old = sw.worker_pids()["1"]
    kill_t = time.time()
    os.kill(old, signal.SIGKILL)
    t.wait_until(lambda: sw.worker_pids().get("1") not in (None, old), 10, 0.05, "a new worker")
    killed_at = time.time()
    t.wait_until(lambda: "packets received" in g1.run("cat /tmp/ping.out")[0], 30, 0.5,
                 "the ping's end")
    time.sleep(0.3)
    sw.ctl("pcap", "trace", "off")
    st = pcap_state(sw)
    rows = tshark(path, "frame.time_epoch", "frame.interface_name",
                  "frame.packet_flags_direction", "icmp.type")
    later = [r for r in rows if float(r[0]) > killed_at + 0.1 and r[3] == "8"]
    first, last = float(rows[0][0]), float(rows[-1][0])
    print("capture %.3f..%.3f, kill at %.3f, new worker seen at %.3f" % (
        first, last, kill_t, killed_at), flush=True)
    # rte_pcapng's clock as each worker set it: wall time.
    t.check(started - 1 < first < kill_t < last < time.time(),
            "timestamps in wall time around the kill (%.3f < %.3f < %.3f < %.3f)"
            % (started, first, kill_t, last))
    t.check(len(rows) == st["written"], "%d packets in the file, %d written"
            % (len(rows), st["written"]))
    t.check(all(r[1] == names[1] and direction(r[2]) == OUT for r in rows),
            "only %s, outbound" % names[1])
    t.check(len(later) > 0, "%d echo requests to g2 captured after the new worker started"
            % len(later))


def handover_case(sw, names, g1, path):
    sw.ctl("pcap", "trace", "rx", "intfc", names[0], "max", "100000", "file", path)
    g1.run_ok("ping -c 5 -i 0.05 10.0.0.2")
    time.sleep(0.3)
    sw.restart_vhostd("ctl")
    st = pcap_state(sw)
    t.check(not st["active"] and "vhostd exited" in st.get("status", ""),
            "after a handover: stopped by the exiting vhostd (%s)" % st.get("status"))
    rows = tshark(path, "icmp.type")
    t.check(len(rows) == st["written"] and sum(r[0] == "8" for r in rows) == 5,
            "the file holds the %d packets written, the 5 echo requests among them"
            % st["written"])


def vhostd_kill_case(sw, names, g1, path):
    sw.ctl("pcap", "trace", "rx", "tx", "intfc", names[0], "max", "100000", "file", path)
    g1.run_ok("ping -c 5 -i 0.05 10.0.0.2")
    time.sleep(0.3)  # two drain ticks: the echoes are in the file
    sw.restart_vhostd("kill")
    st = pcap_state(sw)
    t.check(not st["active"] and "ended while capturing" in st.get("status", ""),
            "after a vhostd SIGKILL: stopped by its successor (%s)" % st.get("status"))
    rows = tshark(path, "icmp.type")
    t.check(len(rows) == st["written"] and sum(r[0] == "8" for r in rows) == 5,
            "the file holds the %d packets written, the 5 echo requests among them"
            % st["written"])
    sw.ctl("pcap", "trace", "rx", "max", "3", "file", path)
    g1.run_ok("ping -c 5 -i 0.05 10.0.0.2")
    t.wait_until(lambda: not pcap_state(sw)["active"], 5, 0.1, "the successor's capture")
    t.check(len(tshark(path, "frame.number")) == 3, "the successor captures again")


def max_case(sw, names, g1, path):
    sw.ctl("pcap", "trace", "rx", "tx", "max", "7", "file", path)
    g1.run_ok("ping -c 10 -i 0.05 10.0.0.2")
    t.wait_until(lambda: not pcap_state(sw)["active"], 5, 0.1, "the capture to stop at max")
    st = pcap_state(sw)
    rows = tshark(path, "frame.number")
    t.check(st["written"] == 7 == len(rows) and "max" in st["status"],
            "max 7: %d packets, %s" % (len(rows), st["status"]))
    rc, err = sw.ctl_fail("pcap", "trace", "off")
    t.check(rc != 0 and "no capture is running" in err,
            "pcap trace off with none running: %s" % err.strip())


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    g1 = t.Guest("g1", socks[0], ip="10.0.0.1/24")
    g2 = t.Guest("g2", socks[1], ip="10.0.0.2/24")
    for g in (g1, g2):
        g.start()
    for g in (g1, g2):
        g.wait_ready()
        g.wait_link(up=True, timeout=30)
    # Neighbours resolved: the pings below are ICMP only.
    g1.run_ok("ping -c 2 -i 0.2 10.0.0.2", timeout=30)
    d = t.workdir()
    rc, err = sw.ctl_fail("pcap", "trace", "rx", "intfc", "nosuch", "file", d + "/x.pcapng")
    t.check(rc != 0 and "unknown interface 'nosuch'" in err,
            "unknown interface refused: %s" % err.strip())

    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    rc, err = sw.ctl_fail("pcap", "trace", "rx", "file", fifo, timeout=5)
    t.check(rc != 0 and "cannot create %s: " % fifo in err,
            "a FIFO refused, vhostd not hung: %s" % err.strip())
    rc, err = sw.ctl_fail("pcap", "trace", "rx", "file", d + "/no/such/dir/x.pcapng")
    t.check(rc != 0 and "No such file or directory" in err, "a missing directory: %s"
            % err.strip())
    t.check(not pcap_state(sw)["active"], "nothing running after the refusals")

    ping_case(sw, names, g1, g2, os.path.join(d, "ping.pcapng"))
    worker_kill_case(sw, names, g1, os.path.join(d, "kill.pcapng"))
    max_case(sw, names, g1, os.path.join(d, "max.pcapng"))
    handover_case(sw, names, g1, os.path.join(d, "handover.pcapng"))
    vhostd_kill_case(sw, names, g1, os.path.join(d, "vhostd-kill.pcapng"))

    g1.stop()
    g2.stop()
    sw.stop()


t.main(main)
