#!/usr/bin/env python3
"""Offloads, byte for byte, with python front ends (vhost_user_client): A negotiates CSUM, HOST_TSO4/6 and HOST_ECN; B negotiates no
offload; C negotiates GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN and mergeable RX
buffers; D only GUEST_CSUM. A sends, to a MAC nobody has (so the bridge floods one shared
frame to B, C and D):
- a TSO frame (NEEDS_CSUM, GSO TCPv4, MSS 1000) of 4000 payload bytes with
  a garbage TCP checksum field and IPv4 total length: C gets it whole, its
  header carried over (gso_type, gso_size, hdr_len, csum_start/offset); B
  gets 4 segments, each with a correct IPv4 header checksum, total length,
  TCP checksum and sequence number, payload concatenated intact;
- D, with GUEST_CSUM but no TSO, gets the segments marked DATA_VALID;
- a TCP/IPv6 TSO frame (GSO TCPv6 with ECN, CWR|PSH|FIN set): C gets it
  whole; B and D get segments equal byte for byte to ones built here (IPv6
  payload length, sequence number, CWR on the first only, PSH and FIN on
  the last only, TCP checksum); the same with an IPv6 extension header
  (hop-by-hop) before TCP is a bad_net_hdr drop that reaches nobody;
- a UDP frame with NEEDS_CSUM: C gets it with NEEDS_CSUM, B with its UDP
  checksum completed;
A is an access port of VLAN 7, B and C are trunks: every frame leaves
tagged (the switch pushes the tag on the shared TSO frame, the offsets
move with it); a frame A sends tagged (VLAN 7) has its tag stripped first,
then pushed again.
The counters show it: A's gso_in, C's gso_passed, B's sw_segmented and
sw_csum. All of it on split rings, then on packed ones. The worker polls
on core 1; the front ends run here."""

import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_traffic  # noqa: E402
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402
from inet_checksum import checksum  # noqa: E402

NUM = 256
MEM = 2 << 20
F_CSUM, F_GUEST_CSUM, F_GUEST_TSO4, F_HOST_TSO4, F_MRG_RXBUF = (1 << 0, 1 << 1, 1 << 7, 1 << 11,
                                                                1 << 15)
F_GUEST_TSO6, F_GUEST_ECN, F_HOST_TSO6, F_HOST_ECN = 1 << 8, 1 << 9, 1 << 12, 1 << 13
NEEDS_CSUM, DATA_VALID, GSO_TCPV4, GSO_TCPV6, GSO_ECN = 1, 2, 1, 4, 0x80
BASE = vu.F_VERSION_1 | vu.F_PROTOCOL_FEATURES
NOBODY = bytes([0x02, 0, 0, 0, 0, 0x99])
MSS = 1000
TAG = b"\x81\x00\x00\x07"  # 802.1Q, VLAN 7


def mac(n):
    return bytes([0x02, 0, 0, 0, 0, n])


class FrontEnd:
    def __init__(self, sw, name, sock, feats, tag, packed):
        self.name, self.mac, self.packed = name, mac(tag), packed
        self.c = vu.Client(sock)
        if packed:
            feats |= vu.F_RING_PACKED
        offered = self.c.negotiate(features=BASE | feats)
        t.check(offered & feats == feats, "%s: features %#x offered" % (name, feats))
        self.c.set_mem_table(size=MEM)
        for q in (0, 1):
            self.c.setup_vring(q, NUM, vu.PACKED_BASE if packed else 0)
        drv = vu.PackedDriver if packed else vu.SplitDriver
        self.rx = vu.RxQueue(drv(self.c, 0, NUM, 0x100000))
        self.tx = drv(self.c, 1, NUM, 0x140000)
        for q in (0, 1):
            t.wait_until(lambda: "%s vring %d running" % (name, q) in sw.log_text(), 10, 0.1,
                         "%s vring %d running" % (name, q))

    def send(self, hdr, frame):
        gpa, n = self.tx.alloc(hdr + frame), len(hdr) + len(frame)
        if self.packed:
            self.tx.add_chain([(gpa, n, 0)], 0)
        else:
            self.tx.desc(0, gpa, n)
            self.tx.make_avail([0])
        t.check(self.tx.wait_used(1) == 1, "%s: its chain was used" % self.name)
        self.tx.pop_used()
        self.tx.reset_buffers()

    def receive(self, count, timeout=5.0):
        """count frames as (virtio-net header fields, frame), merged
        buffers put together by num_buffers."""
        entries = []
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < count and time.monotonic() < deadline:
            entries += self.rx.d.pop_used()
            while entries:
                first = self.rx.d.read(self.rx.gpas[entries[0][0]], vu.NET_HDR_LEN)
                fields = struct.unpack("<BBHHHHH", first)
                nb = max(fields[6], 1)
                if len(entries) < nb:
                    break
                data = b"".join(self.rx.d.read(self.rx.gpas[i], n) for i, n in entries[:nb])
                self.rx.frames(entries[:nb])  # the buffers go back
                entries = entries[nb:]
                out.append((fields, data[vu.NET_HDR_LEN:]))
            time.sleep(0.01)
        return out


def vhdr(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    return struct.pack("<BBHHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset,
                       0)


def ipv4(proto, payload_len, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, 0x4000, 64, proto, 0,
                    bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:]


def l4_ok(ip, l4):
    pseudo = ip[12:20] + struct.pack("!BBH", 0, ip[9], len(l4))
    return checksum(pseudo + l4) == 0


def tso_frame(payload, l2):
    tcp = struct.pack("!HHIIBBHHH", 40000, 5001, 1000, 7, 5 << 4, 0x18, 65535, 0xBEEF, 0)
    # A guest's TSO frame: the IP total length as Linux writes it, the TCP
    # checksum field holding junk (a partial sum the switch must not trust).
    return l2 + ipv4(6, len(tcp) + len(payload)) + tcp + payload


IP6_SRC, IP6_DST = bytes.fromhex("fd00000000000000000000000000000a"), bytes.fromhex(
    "fd00000000000000000000000000000b")
SEQ6 = 0xFFFFF000  # wraps inside the stream


def tcp6(payload, seq, flags, csum):
    tcp = struct.pack("!HHIIBBHHH", 40001, 5002, seq & 0xFFFFFFFF, 9, 8 << 4, flags, 4096, csum,
                      0)
    return tcp + b"\x01\x01\x08\x0a" + struct.pack("!II", 77, 66)  # NOP NOP timestamps


def ipv6(payload_len):
    return struct.pack("!IHBB", 0x60012345, payload_len, 6, 64) + IP6_SRC + IP6_DST


def tso6_frame(payload, l2):
    # Junk in the payload length and TCP checksum fields: the switch sets both.
    return l2 + ipv6(0xFFFF) + tcp6(b"", SEQ6, 0x80 | 0x08 | 0x10 | 0x01, 0xBEEF) + payload


def tso6_segments(payload, l2):
    """The segments a TSO6 frame must become, built here."""
    out = []
    for off in range(0, len(payload), MSS):
        chunk, first, last = payload[off:off + MSS], off == 0, off + MSS >= len(payload)
        flags = 0x10 | (0x80 if first else 0) | (0x09 if last else 0)
        tcp = tcp6(b"", SEQ6 + off, flags, 0) + chunk
        pseudo = IP6_SRC + IP6_DST + struct.pack("!IxxxB", len(tcp), 6)
        csum = checksum(pseudo + tcp)
        out.append(l2 + ipv6(len(tcp)) + tcp[:16] + struct.pack("!H", csum) + tcp[18:])
    return out


def check_segments(label, got, payload, l2_len, tag=None, flags=0):
    data, ok = b"", True
    for k, (fields, f) in enumerate(got):
        ip = f[l2_len:l2_len + 20]
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = f[l2_len + 20:l2_len + tot]
        seq = struct.unpack("!I", tcp[4:8])[0]
        good = (checksum(ip) == 0 and l4_ok(ip, tcp) and seq == 1000 + len(data)
                and len(tcp) - 20 <= MSS and fields[1] == 0 and fields[0] == flags
                and (tag is None or f[12:16] == tag))
        if not good:
            print("%s: segment %d bad: header %s ip %s tcp %s" % (label, k, fields, ip.hex(),
                                                                 tcp[:20].hex()), flush=True)
        ok = ok and good
        data += tcp[20:]
    t.check(ok and data == payload,
            "%s: %d segments, IPv4 and TCP checksums, lengths and sequence numbers right, "
            "payload intact (%d of %d bytes)" % (label, len(got), len(data), len(payload)))


def ring_counters(sw, name, q):
    ifc = dp_traffic.iface_counters(sw, name)
    return next(v["counters"] for v in ifc["vrings"] if v["index"] == q)


def run(layout):
    packed = layout == "packed"
    socks = [os.path.join(t.workdir(), "%s%d.sock" % (layout, i)) for i in (1, 2, 3, 4)]
    sw = t.Switch("sw" + layout, workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1, "vlan": 7 if k == 0 else None}
        for k, s in enumerate(socks)]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    a = FrontEnd(sw, names[0], socks[0], F_CSUM | F_HOST_TSO4 | F_HOST_TSO6 | F_HOST_ECN, 1,
                 packed)
    b = FrontEnd(sw, names[1], socks[1], 0, 2, packed)
    c = FrontEnd(sw, names[2], socks[2],
                 F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 | F_GUEST_ECN | F_MRG_RXBUF, 3, packed)
    dv = FrontEnd(sw, names[3], socks[3], F_GUEST_CSUM, 4, packed)
    rnd = random.Random(14)
    payload = bytes(rnd.getrandbits(8) for _ in range(4 * MSS))
    l2 = NOBODY + a.mac + b"\x08\x00"
    l2t = NOBODY + a.mac + TAG + b"\x08\x00"  # as it leaves for the trunks

    # TSO, flooded to B (segmented) and C (whole).
    a.send(vhdr(NEEDS_CSUM, GSO_TCPV4, 54, MSS, 34, 16), tso_frame(payload, l2))
    got_b, got_c, got_d = b.receive(4), c.receive(1), dv.receive(4)
    check_segments("flooded TSO frame to B (no offloads)", got_b, payload, 18, TAG)
    check_segments("flooded TSO frame to D (GUEST_CSUM, no TSO): marked DATA_VALID", got_d,
                   payload, 18, TAG, DATA_VALID)
    t.check(len(b.receive(1, 0.3)) == 0, "B got nothing more")
    t.check(len(got_c) == 1 and got_c[0][0][:6] == (NEEDS_CSUM, GSO_TCPV4, 58, MSS, 38, 16)
            and got_c[0][1] == tso_frame(payload, l2t),
            "C (GUEST_TSO4) got the frame whole, its header carried over (%s)"
            % [g[0] for g in got_c])

    # UDP with a partial checksum.
    udp_payload = bytes(rnd.getrandbits(8) for _ in range(300))
    udp = struct.pack("!HHHH", 4000, 4001, 8 + len(udp_payload), 0x1234) + udp_payload
    frame = l2 + ipv4(17, len(udp)) + udp
    a.send(vhdr(NEEDS_CSUM, 0, 0, 0, 34, 6), frame)
    got_b, got_c = b.receive(1), c.receive(1)
    dv.receive(1)
    t.check(len(got_b) == 1 and l4_ok(got_b[0][1][18:38], got_b[0][1][38:])
            and got_b[0][1][46:] == udp_payload and got_b[0][0][0] == 0,
            "B got the UDP frame with its checksum completed")
    t.check(len(got_c) == 1 and got_c[0][0][:6] == (NEEDS_CSUM, 0, 0, 0, 38, 6)
            and got_c[0][1] == l2t + frame[14:], "C got the UDP frame with NEEDS_CSUM as sent")

    # Sent tagged: stripped on the access port, pushed again for the trunks.
    a.send(vhdr(NEEDS_CSUM, GSO_TCPV4, 58, MSS, 38, 16), tso_frame(payload, l2t))
    got_b, got_c = b.receive(4), c.receive(1)
    dv.receive(4)
    check_segments("TSO frame sent tagged, to B", got_b, payload, 18, TAG)
    t.check(len(got_c) == 1 and got_c[0][0][:6] == (NEEDS_CSUM, GSO_TCPV4, 58, MSS, 38, 16),
            "C got the tagged frame whole (%s)" % [g[0] for g in got_c])

    # TCP over IPv6, ECN: whole to C, segmented by the switch for B and D.
    l2v6, l2v6t = NOBODY + a.mac + b"\x86\xdd", NOBODY + a.mac + TAG + b"\x86\xdd"
    payload6 = bytes(rnd.getrandbits(8) for _ in range(3 * MSS + 333))
    a.send(vhdr(NEEDS_CSUM, GSO_TCPV6 | GSO_ECN, 14 + 40 + 32, MSS, 54, 16),
           tso6_frame(payload6, l2v6))
    want = tso6_segments(payload6, l2v6t)
    got_b, got_c, got_d = b.receive(4), c.receive(1), dv.receive(4)
    for who, got, flags in (("B", got_b, 0), ("D", got_d, DATA_VALID)):
        bad = [k for k, (fields, f) in enumerate(got)
               if f != want[k] or fields[:6] != (flags, 0, 0, 0, 0, 0)]
        if bad or len(got) != len(want):
            for k, (fields, f) in enumerate(got):
                print("%s segment %d: %s\n got  %s\n want %s" % (who, k, fields, f[:90].hex(),
                                                                 want[k][:90].hex()), flush=True)
        t.check(len(got) == 4 and not bad,
                "TSO6 frame to %s: 4 segments byte for byte as built here (IPv6 payload length, "
                "sequence numbers, CWR first, PSH/FIN last, TCP checksum)%s"
                % (who, ", marked DATA_VALID" if flags else ""))
    t.check(len(got_c) == 1
            and got_c[0][0][:6] == (NEEDS_CSUM, GSO_TCPV6 | GSO_ECN, 18 + 40 + 32, MSS, 58, 16)
            and got_c[0][1] == tso6_frame(payload6, l2v6t),
            "C (GUEST_TSO6, GUEST_ECN) got the TSO6 frame whole, its header carried over (%s)"
            % [g[0] for g in got_c])

    hbh = b"\x06\x00\x01\x04\x00\x00\x00\x00"  # next header TCP, PadN
    f = tso6_frame(payload6, l2v6)
    f = f[:14 + 6] + b"\x00" + f[14 + 7:14 + 40] + hbh + f[14 + 40:]
    a.send(vhdr(NEEDS_CSUM, GSO_TCPV6, 14 + 48 + 32, MSS, 62, 16), f)
    t.check(not b.receive(1, 0.3) and not c.receive(1, 0.1) and not dv.receive(1, 0.1),
            "a TSO6 frame with a hop-by-hop header reached nobody")
    t.wait_until(lambda: ring_counters(sw, names[0], 1)["drops_bad"]["bad-net-hdr"] == 1, 5, 0.2,
                 "A's TSO6 frame with an extension header counted as bad-net-hdr")

    def settled():
        k = (ring_counters(sw, names[0], 1), ring_counters(sw, names[1], 0),
             ring_counters(sw, names[2], 0))
        return k if k[0]["gso_in"] == 3 and k[1]["sw_segmented"] == 3 else None

    try:
        ka, kb, kc = t.wait_until(settled, 5, 0.2, "counters")
    except TimeoutError:
        ka, kb, kc = (ring_counters(sw, names[0], 1), ring_counters(sw, names[1], 0),
                      ring_counters(sw, names[2], 0))
    print("counters: A tx %s\n B rx %s\n C rx %s" % (ka, kb, kc), flush=True)
    t.check(ka["gso_in"] == 3 and kb["sw_segmented"] == 3 and kb["sw_csum"] == 13
            and kb["gso_passed"] == 0 and kc["gso_passed"] == 3 and kc["sw_segmented"] == 0
            and kc["sw_csum"] == 0,
            "counters: A sent 3 TSO frames, B had 3 segmented and 13 checksums completed, "
            "C got 3 whole")
    out = sw.ctl("show", "vhost-user")
    t.check("VIRTIO_NET_F_HOST_TSO4" in out and "VIRTIO_NET_F_HOST_TSO6" in out
            and "VIRTIO_NET_F_GUEST_TSO6" in out and "offloads gso-in 3" in out,
            "show vhost-user names the offload bits and counts")
    for fe in (a, b, c, dv):
        fe.c.close()
    sw.stop()


def main():
    t.hugepages_ensure()
    for layout in ("split", "packed"):
        print("== %s rings" % layout, flush=True)
        run(layout)


t.main(main)
