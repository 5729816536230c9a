#!/usr/bin/env python3
"""The interface MTU on frames from a guest: the front end's (NET_SET_MTU,
what QEMU sends for host_mtu) and the administrator's (`set interface mtu
[packet] <bytes> <name>`, VPP's grammar), the smaller of the two enforced.

Two python front ends (vhost_user_client) on bridge domain 1. "a" sends
NET_SET_MTU 1500; then frames of every size at the edges: 1514 bytes
(MTU + Ethernet header) and 1518 with a VLAN tag pass, 1515 and a tagged
1519 are dropped. "b" receives exactly the frames that passed, byte for
byte; the switch counts the others on a's TX vring as drops_mtu (`show
interface`: "mtu N") and in the interface's drops; `show vhost-user`
shows the MTU and where it comes from. `set interface mtu packet 1000`
lowers the limit to 1000, 9000 leaves the front end's 1500, `none` takes
the administrator's back; an unknown interface or an MTU out of range is
refused. Jumbo frames between QEMU guests with host_mtu=9000 are in
test_ring_layouts.py. No QEMU: a few seconds."""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_traffic  # noqa: E402
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

NUM = 64
PF_MTU = 1 << 4
MAC_A = bytes.fromhex("020000000a0a")
MAC_B = bytes.fromhex("020000000b0b")


class FrontEnd:
    def __init__(self, name, sock):
        self.name = name
        self.c = vu.Client(sock)
        self.c.negotiate(features=vu.F_VERSION_1 | vu.F_PROTOCOL_FEATURES,
                         protocol=vu.PF_REPLY_ACK | PF_MTU)
        self.c.set_mem_table(size=2 << 20)
        for q in (0, 1):
            self.c.setup_vring(q, NUM)
        self.rx = vu.RxQueue(vu.SplitDriver(self.c, 0, NUM, 0x100000), nbufs=32)
        self.tx = vu.SplitDriver(self.c, 1, NUM, 0x180000)
        self.sent = 0

    def set_mtu(self, mtu):
        self.c.send(vu.NET_SET_MTU, struct.pack("<Q", mtu), flags=vu.VERSION | vu.NEED_REPLY)
        reply = self.c.recv_reply()
        t.check(reply is not None and struct.unpack("<Q", reply[2])[0] == 0,
                "%s: NET_SET_MTU %d acked" % (self.name, mtu))

    def send(self, frames):
        self.tx.reset_buffers()
        heads = []
        for f in frames:
            slot = self.sent % NUM
            self.tx.desc(slot, self.tx.alloc(bytes(vu.NET_HDR_LEN) + f), vu.NET_HDR_LEN + len(f))
            heads.append(slot)
            self.sent += 1
        self.tx.make_avail(heads)
        t.check(self.tx.wait_used(len(frames)) == len(frames),
                "%s: %d frames used" % (self.name, len(frames)))
        self.tx.pop_used()


def frame(size, tag=None, seq=0):
    hdr = MAC_B + MAC_A + (b"\x81\x00" + struct.pack(">H", tag) if tag else b"")
    f = hdr + b"\x88\xb5" + struct.pack(">I", seq)
    return f + bytes((seq + i) & 0xFF for i in range(size - len(f)))


def vhost(sw, name):
    return sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]


def tx_ring(sw, name):
    ifc = dp_traffic.iface_counters(sw, name)
    return ifc, next(v["counters"] for v in ifc["vrings"] if v["index"] == 1)


def round_trip(sw, a, b, name, cases, label):
    """cases: [(frame, passes)]; b must get exactly the passing ones."""
    _, before = tx_ring(sw, name)
    a.send([f for f, _ in cases])
    want = [f for f, ok in cases if ok]
    got = b.rx.wait_frames(len(want), 3)
    time.sleep(0.1)
    got += b.rx.frames()
    t.check(got == want, "%s: b received the %d frames within the MTU, intact (got sizes %s)"
            % (label, len(want), [len(f) for f in got]))
    dropped = len(cases) - len(want)
    c = t.wait_until(lambda: (lambda c: c if c["drops_mtu"] == before["drops_mtu"] + dropped
                              else None)(tx_ring(sw, name)[1]), 3, 0.02,
                     "%s: drops_mtu" % label, ) if dropped else tx_ring(sw, name)[1]
    t.check(c["drops_mtu"] - before["drops_mtu"] == dropped and c["drops_other"] == 0,
            "%s: the switch counted %d frames over the MTU (drops_mtu %d, other %d)"
            % (label, dropped, c["drops_mtu"], c["drops_other"]))


def set_mtu(sw, name, *words):
    sw.ctl("set", "interface", "mtu", *words, name)
    time.sleep(0.01)  # the workers read it at housekeeping (every ms)


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "%s.sock" % n) for n in ("a", "b")]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks]).start()
    na, nb = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    a, b = FrontEnd("a", socks[0]), FrontEnd("b", socks[1])
    for n in (na, nb):
        t.wait_until(lambda: all("%s vring %d running" % (n, q) in sw.log_text() for q in (0, 1)),
                     10, 0.05, "%s: rings running" % n)
    v = vhost(sw, na)
    t.check(v["mtu"] == 0 and "mtu none" in sw.ctl("show", "vhost-user", na),
            "show vhost-user: no MTU before NET_SET_MTU")
    a.set_mtu(1500)
    v = vhost(sw, na)
    t.check(v["mtu"] == 1500 and v["mtu_front_end"] == 1500 and v["mtu_admin"] == 0,
            "show vhost-user -j: mtu 1500 from the front end (%s)"
            % {k: v[k] for k in ("mtu", "mtu_front_end", "mtu_admin")})
    text = sw.ctl("show", "vhost-user", na)
    t.check("mtu 1500 (front end 1500, set interface mtu none)" in text,
            "show vhost-user text shows the MTU")
    time.sleep(0.01)

    round_trip(sw, a, b, na, [
        (frame(60, seq=1), True), (frame(1514, seq=2), True), (frame(1515, seq=3), False),
        (frame(1518, tag=10, seq=4), True), (frame(1519, tag=10, seq=5), False),
        (frame(1518, seq=6), False), (frame(100, seq=7), True)], "front end MTU 1500")
    ifc, _ = tx_ring(sw, na)
    t.check(ifc["drops"] == 3, "show interface: %s drops 3 (got %d)" % (na, ifc["drops"]))
    t.check("mtu 3" in sw.ctl("show", "interface", na), "show interface text: 'mtu 3'")

    set_mtu(sw, na, "packet", "1000")
    t.check(vhost(sw, na)["mtu"] == 1000 and "mtu 1000 (front end 1500, set interface mtu 1000)"
            in sw.ctl("show", "vhost-user", na), "set interface mtu packet 1000: enforced 1000")
    round_trip(sw, a, b, na, [(frame(1014, seq=8), True), (frame(1015, seq=9), False),
                              (frame(1018, tag=7, seq=10), True)], "admin MTU 1000")
    set_mtu(sw, na, "9000")
    t.check(vhost(sw, na)["mtu"] == 1500, "set interface mtu 9000: the front end's 1500 holds")
    round_trip(sw, a, b, na, [(frame(1514, seq=11), True), (frame(1515, seq=12), False)],
               "admin 9000, front end 1500")
    set_mtu(sw, na, "none")
    t.check(vhost(sw, na)["mtu_admin"] == 0, "set interface mtu none: no administrator's MTU")
    rc, err = sw.ctl_fail("set", "interface", "mtu", "1500", "NoSuchInterface0")
    t.check(rc != 0 and "NoSuchInterface0" in err, "unknown interface refused: %s" % err.strip())
    rc, err = sw.ctl_fail("set", "interface", "mtu", "60", na)
    t.check(rc != 0 and "bad MTU '60'" in err, "MTU 60 refused: %s" % err.strip())
    t.check(vhost(sw, nb)["mtu"] == 0, "b: no MTU")
    log = sw.log_text()
    t.check("%s: mtu 1000 (enforced 1000)" % na in log, "vhostd logged the MTU change")

    a.c.close()
    b.c.close()
    sw.stop()


t.main(main)
