#!/usr/bin/env python3
"""VHOST_USER_SEND_RARP, as QEMU sends it on the destination of a live
migration: the switch broadcasts a RARP for the MAC from that interface
into its bridge domain and out of the uplink.

Three python front ends (vhost_user_client) on bridge domain 1, whose
uplink is a net_tap port in a namespace the test creates. "old" sends a
frame from the guest MAC M, so the bridge learns M on old (where the guest
ran before migrating). Then "new" sends SEND_RARP with M (packed ring,
like a guest with packed=on), and:
- `show l2fib` points M at new within 100 ms (figure printed);
- "peer" (split ring) receives the RARP frame, byte for byte: broadcast
  destination, source M, ethertype 0x8035, Ethernet/IPv4 reverse request
  (opcode 3), sender and target hardware address M, addresses zero, zero
  padding to 60 bytes; old receives it too, the namespace sees the same
  frame on the tap (an AF_PACKET socket there);
- new's own counters do not count it (its guest sent nothing);
- one log line names the interface and M;
- a second SEND_RARP with another MAC sends that one; out of its bridge
  domain (`set interface l3`) the interface sends none and counts no drop;
  a restarted worker sends none again (the memzone says what was sent).
No QEMU: a few seconds."""

import os
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_traffic  # noqa: E402
import uplink_net as u  # noqa: E402
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

NUM = 64
PF_RARP = 1 << 2
M1 = bytes.fromhex("525400aabbcc")
M2 = bytes.fromhex("525400ddeeff")
M3 = bytes.fromhex("525400123456")

# Runs in the namespace: prints the first RARP frame seen on the tap, in hex.
SNIFFER = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x8035))
s.bind((sys.argv[1], 0))
s.settimeout(float(sys.argv[2]))
print("ready", flush=True)
try:
    print(s.recv(2048).hex(), flush=True)
except socket.timeout:
    print("timeout", flush=True)
"""


def rarp(mac):
    body = (b"\x00\x01\x08\x00\x06\x04\x00\x03" + mac + bytes(4) + mac + bytes(4))
    frame = b"\xff" * 6 + mac + b"\x80\x35" + body
    return frame + bytes(60 - len(frame))


class FrontEnd:
    """Negotiated, memory table in, queue 0's rings up, RX queue full."""

    def __init__(self, sw, name, sock, packed):
        feats = vu.F_VERSION_1 | vu.F_PROTOCOL_FEATURES
        if packed:
            feats |= vu.F_RING_PACKED
        self.name = name
        self.c = vu.Client(sock)
        self.c.negotiate(features=feats, protocol=vu.PF_REPLY_ACK | PF_RARP)
        self.c.set_mem_table(size=2 << 20)
        for q in (0, 1):
            self.c.setup_vring(q, NUM, vu.PACKED_BASE if packed else 0)
        drv = vu.PackedDriver if packed else vu.SplitDriver
        self.rx = vu.RxQueue(drv(self.c, 0, NUM, 0x100000), nbufs=32)
        self.tx = drv(self.c, 1, NUM, 0x180000)
        self.sent = 0

    def send(self, frame):
        gpa = self.tx.alloc(bytes(vu.NET_HDR_LEN) + frame)
        if isinstance(self.tx, vu.PackedDriver):
            self.tx.add_chain([(gpa, vu.NET_HDR_LEN + len(frame), 0)], self.sent % NUM)
        else:
            self.tx.desc(self.sent % NUM, gpa, vu.NET_HDR_LEN + len(frame))
            self.tx.make_avail([self.sent % NUM])
        self.sent += 1
        t.check(self.tx.wait_used(self.sent) == self.sent, "%s: frame %d used" % (self.name,
                                                                                  self.sent))


def fib_entry(sw, mac):
    for e in sw.ctl("show", "l2fib", "verbose", json=True)["entries"]:
        if e["mac"] == ":".join("%02x" % b for b in mac):
            return e
    return None


def wait_rings(sw, name):
    t.wait_until(lambda: all("%s vring %d running" % (name, q) in sw.log_text() for q in (0, 1)),
                 10, 0.05, "%s: rings running" % name)


def start_sniffer(ns, tap, seconds):
    p = subprocess.Popen(["ip", "netns", "exec", ns.name, sys.executable, "-c", SNIFFER, tap,
                          str(seconds)], stdout=subprocess.PIPE, text=True)
    t.register_cleanup(lambda: p.kill() if p.poll() is None else None)
    t.check(p.stdout.readline().strip() == "ready", "sniffer ready in the namespace")
    return p


def send_rarp(fe, mac):
    fe.c.send(vu.SEND_RARP, mac + bytes(2), flags=vu.VERSION | vu.NEED_REPLY)
    reply = fe.c.recv_reply()
    t.check(reply is not None and reply[0] == vu.SEND_RARP
            and struct.unpack("<Q", reply[2])[0] == 0, "%s: SEND_RARP acked" % fe.name)


def main():
    t.hugepages_ensure()
    tap = u.tap_name("r")
    socks = {n: os.path.join(t.workdir(), "%s.sock" % n) for n in ("old", "new", "peer")}
    sw = u.switch("rarp", tap, [{"socket": socks[n], "server": True, "bridge": 1}
                                for n in ("old", "new", "peer")])
    names = dict(zip(("old", "new", "peer"),
                     [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]))
    ns = u.Netns("rarp")
    ns.adopt(tap)
    ns.ip("link", "set", tap, "up")

    fes = {}
    for n, packed in (("old", False), ("new", True), ("peer", False)):
        fes[n] = FrontEnd(sw, n, socks[n], packed)
        wait_rings(sw, names[n])
    old, new, peer = fes["old"], fes["new"], fes["peer"]

    # The guest ran behind old: the bridge knows M1 there.
    old.send(b"\xff" * 6 + M1 + b"\x88\xb5" + bytes(46))
    e = t.wait_until(lambda: fib_entry(sw, M1), 5, 0.02, "M1 learnt")
    t.check(e.get("interface") == names["old"],
            "show l2fib: M1 on %s (%s)" % (names["old"], e))
    peer.rx.wait_frames(1, 2)
    new.rx.wait_frames(1, 2)

    before = dp_traffic.iface_counters(sw, names["new"])
    sniffer = start_sniffer(ns, tap, 10)
    log_from = len(sw.log_text())
    start = time.monotonic()
    send_rarp(new, M1)
    e = t.wait_until(lambda: (lambda e: e if e and e.get("interface") == names["new"] else None)(
        fib_entry(sw, M1)), 2, 0.005, "M1 relearnt on new")
    ms = (time.monotonic() - start) * 1000
    t.check(ms < 100, "show l2fib: M1 on %s %.1f ms after SEND_RARP (under 100 ms)"
            % (names["new"], ms))

    want = rarp(M1)
    got = peer.rx.wait_frames(1, 2)
    t.check(got == [want], "peer received the RARP: %s" % [f.hex() for f in got])
    got = old.rx.wait_frames(1, 2)
    t.check(got == [want], "old received it too: %s" % [f.hex() for f in got])
    out, _ = sniffer.communicate(timeout=15)
    seen = bytes.fromhex(out.strip()) if out.strip() not in ("", "timeout") else b""
    t.check(seen[:60] == want and not any(seen[60:]),
            "the uplink's namespace saw it on %s: %s" % (tap, out.strip()))
    t.check(new.rx.wait_frames(1, 0.3) == [], "new's guest did not get its own RARP")

    log = sw.log_text()[log_from:]
    line = "%s: RARP for %s sent into its bridge domain" % (
        names["new"], ":".join("%02x" % b for b in M1))
    t.check(log.count(line) == 1, "logged once: %r" % line)
    time.sleep(0.01)
    after = dp_traffic.iface_counters(sw, names["new"])
    t.check(after["rx_packets"] == before["rx_packets"],
            "new's counters: the guest sent nothing (rx %d, was %d)"
            % (after["rx_packets"], before["rx_packets"]))

    # Another MAC: announced in turn.
    send_rarp(new, M2)
    got = peer.rx.wait_frames(1, 2)
    t.check(got == [rarp(M2)], "a second SEND_RARP sends M2: %s" % [f.hex() for f in got])
    old.rx.wait_frames(1, 2)

    # Out of its bridge domain: no RARP, and no drop counted against it.
    sw.ctl("set", "interface", "l3", names["new"])
    drops = dp_traffic.iface_counters(sw, names["new"])["drops"]
    send_rarp(new, M3)
    time.sleep(0.2)
    t.check(peer.rx.frames() == [] and old.rx.frames() == []
            and dp_traffic.iface_counters(sw, names["new"])["drops"] == drops,
            "in no bridge domain: no RARP sent, no drop counted")
    sw.ctl("set", "interface", "l2", "bridge", names["new"], "1")

    # A restarted worker owes nothing: what was sent is in the memzone.
    pid = sw.worker_pids()["1"]
    os.kill(pid, signal.SIGKILL)
    t.wait_until(lambda: sw.worker_pids().get("1") not in (None, pid) and any(
        w["state"] == "running" and w["restarts"] == 1
        for w in sw.ctl("show", "workers", json=True)["workers"]), 10, 0.1, "worker restarted")
    t.wait_until(lambda: sw.log_text().count("%s vring 1 running" % names["new"]) >= 2, 10, 0.05,
                 "new's rings running again")
    time.sleep(0.3)
    t.check(peer.rx.frames() == [], "the restarted worker sent no RARP again")
    old.send(b"\xff" * 6 + M1 + b"\x88\xb5" + bytes(46))
    got = peer.rx.wait_frames(1, 2)
    t.check(len(got) == 1 and got[0][6:12] == M1, "frames flow after the restart")

    for fe in fes.values():
        fe.c.close()
    sw.stop()


t.main(main)
