#!/usr/bin/env python3
"""Malformed descriptors from a front end: a python driver (vhost_user_client)
negotiates an interface with its guest memory in a memfd, sets its rings up
itself and writes into its TX ring, between valid frames, descriptors that
point outside guest memory or whose addr + len wraps, chains that loop or are
longer than the ring, heads and next indices past the ring, indirect tables
outside memory / with a bad length / nested / chained on, device-writable and
too-short buffers, and virtio-net headers asking for offloads the front end
did not negotiate or pointing outside the frame. A second python front end on the same bridge domain
receives. Then the same kinds of bad chains among the receiver's RX
buffers. Checked, for split and then packed rings:
- every chain made available comes back used (used idx advances by the
  number of chains, ids in order, len 0): the ring is not corrupted;
- the valid frames, and only they, arrive at the other interface, in order;
- `show interface -j` counts each bad chain under its reason;
- the worker logs them, by reason, naming the interface;
- on the RX ring: each frame that meets a bad chain is dropped and counted,
  the chain used with len 0, the frames that meet good buffers arrive;
- an avail idx that jumps by more than the ring size stops that ring (split)
  with one log line, and nothing else;
- the worker is the same process and still running (`show workers -j`);
- both interfaces forward both ways afterwards, part of the frames on the
  one-copy path (a one-buffer chain to a learned MAC: guest TX buffer
  straight into guest RX buffer, show runtime's frames_direct), the others
  (header and frame in two buffers, indirect) through mbufs, all in order;
- a burst whose frames alternate between two headers (EtherTypes) goes
  the one-copy path whole, run after run, in order.
The worker polls on core 1; the front ends run here, on core 0."""

import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_traffic  # noqa: E402
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

NUM = 256  # ring size
MEM = 2 << 20  # guest memory per front end: [0, 2 MB)
OUTSIDE = 0x40000000  # an address no front end has memory at
WRAPS = (1 << 64) - 0x100  # addr + len wraps past 2^64
HDR = bytes(vu.NET_HDR_LEN)


def mac(n):
    return bytes([0x02, 0, 0, 0, 0, n])


class Frames:
    """Valid frames from src to dst, numbered, 60 bytes."""

    def __init__(self, src, dst):
        self.src, self.dst, self.seq = src, dst, 0

    def next(self):
        self.seq += 1
        f = self.dst + self.src + b"\x88\xb5" + struct.pack(">I", self.seq)
        return f + bytes(60 - len(f))


class Writer:
    """Chains into a ring of either layout. Split: descriptors are taken
    from index `first` up each round and the heads published at once by
    publish(). Packed: each chain is available as soon as written; buffer
    ids count from `first`."""

    def __init__(self, drv, packed, first=0):
        self.d, self.packed, self.first = drv, packed, first
        self.next_desc = first
        self.heads = []  # split: what publish() makes available
        self.ids = []  # what the used ring must return, in order
        self.next_id = first

    def idx(self):
        self.next_desc += 1
        return self.next_desc - 1

    def buf(self, data):
        return (self.d.alloc(data), len(data), 0)

    def chain(self, bufs):
        """bufs: [(addr, len, flags)], linked with NEXT in this order."""
        if self.packed:
            self.d.add_chain(bufs, self.next_id)
            self.ids.append(self.next_id)
            self.next_id = (self.next_id + 1) & 0xFFFF
            return
        idxs = [self.idx() for _ in bufs]
        for k, (addr, length, flags) in enumerate(bufs):
            last = k + 1 == len(bufs)
            self.d.desc(idxs[k], addr, length, flags | (0 if last else vu.DESC_F_NEXT),
                        0 if last else idxs[k + 1])
        self.head(idxs[0])

    def head(self, h):
        """Split only: a raw head index on the avail ring."""
        self.heads.append(h)
        self.ids.append(h)

    def table(self, bufs):
        """An indirect table of bufs in guest memory: (gpa, len in bytes).
        Split entries are linked by NEXT; packed ones are in order."""
        if self.packed:
            data = b"".join(self.d.table_entry(a, n, f) for a, n, f in bufs)
        else:
            data = b"".join(
                self.d.table_entry(a, n, f | (vu.DESC_F_NEXT if k + 1 < len(bufs) else 0), k + 1)
                for k, (a, n, f) in enumerate(bufs))
        return self.d.alloc(data), len(data)

    def publish(self):
        """Makes the split heads available; returns the ids to expect."""
        if not self.packed:
            self.d.make_avail(self.heads)
        ids, self.heads, self.ids = self.ids, [], []
        return ids

    def new_round(self):
        """Once everything was used: descriptors and buffers are free."""
        self.next_desc = self.first
        self.d.reset_buffers()


# Valid frames, in three shapes.
def valid_one(w, f):
    w.chain([w.buf(HDR + f)])


def valid_two(w, f):
    w.chain([w.buf(HDR), w.buf(f)])


def valid_indirect(w, f):
    gpa, n = w.table([w.buf(HDR), w.buf(f)])
    w.chain([(gpa, n, vu.DESC_F_INDIRECT)])


VALID = [valid_one, valid_two, valid_indirect]


def loop(w, f):
    i, j = w.idx(), w.idx()
    w.d.desc(i, w.d.alloc(HDR), len(HDR), vu.DESC_F_NEXT, j)
    w.d.desc(j, w.d.alloc(f), len(f), vu.DESC_F_NEXT, i)
    w.head(i)


def bad_next(w, f):
    i = w.idx()
    w.d.desc(i, w.d.alloc(HDR + f), len(HDR) + len(f), vu.DESC_F_NEXT, NUM + 7)
    w.head(i)


def longer_than_ring(w, f):
    small = w.d.alloc(16)
    gpa, n = w.table([(small, 16, 0)] * (2 * NUM))
    w.chain([(gpa, n, vu.DESC_F_INDIRECT)])


def nested_indirect(w, f):
    inner, n = w.table([w.buf(HDR), w.buf(f)])
    outer, m = w.table([(inner, n, vu.DESC_F_INDIRECT)])
    w.chain([(outer, m, vu.DESC_F_INDIRECT)])


def indirect_bad_len(w, f):
    gpa, _ = w.table([w.buf(HDR), w.buf(f)])
    w.chain([(gpa, 24, vu.DESC_F_INDIRECT)])


def indirect_with_next(w, f):
    gpa, n = w.table([w.buf(HDR)])
    w.chain([(gpa, n, vu.DESC_F_INDIRECT), w.buf(f)])


# The front ends negotiate CSUM and HOST_TSO4 (not HOST_TSO6, HOST_ECN):
# virtio-net headers that ask for more, or point outside the 60-byte frame
# (a 0x88b5 frame: no TCP header either), are dropped as bad-net-hdr.
F_CSUM, F_HOST_TSO4 = 1 << 0, 1 << 11
NEEDS_CSUM, GSO_TCPV4, GSO_UDP, GSO_TCPV6, GSO_ECN = 1, 1, 3, 4, 0x80
BAD_NET_HDRS = [
    # (what, (flags, gso_type, hdr_len, gso_size, csum_start, csum_offset))
    ("unknown flag", (0x10, 0, 0, 0, 0, 0)),
    ("csum_start past the frame", (NEEDS_CSUM, 0, 0, 0, 60, 0)),
    ("csum_offset past the frame", (NEEDS_CSUM, 0, 0, 0, 14, 0xFFF0)),
    ("checksum field's 2nd byte past the frame", (NEEDS_CSUM, 0, 0, 0, 58, 1)),
    ("GSO with gso_size 0", (NEEDS_CSUM, GSO_TCPV4, 54, 0, 34, 16)),
    ("GSO with hdr_len past the frame", (NEEDS_CSUM, GSO_TCPV4, 61, 1448, 34, 16)),
    ("GSO TCPv6, not negotiated", (NEEDS_CSUM, GSO_TCPV6, 54, 1448, 34, 16)),
    ("GSO UDP, never offered", (NEEDS_CSUM, GSO_UDP, 42, 1448, 34, 6)),
    ("ECN without HOST_ECN", (NEEDS_CSUM, GSO_TCPV4 | GSO_ECN, 54, 1448, 34, 16)),
    ("GSO without NEEDS_CSUM", (0, GSO_TCPV4, 54, 1448, 0, 0)),
    ("GSO TCPv4 on a frame with no TCP header", (NEEDS_CSUM, GSO_TCPV4, 54, 1448, 34, 16)),
]


def hdr_case(*fields):
    hdr = struct.pack("<BBHHHHH", *fields, 0)
    return lambda w, f: w.chain([w.buf(hdr + f)])


# (what, drop reason, layouts it applies to, how to write it)
BAD = [
    ("buffer outside guest memory", "bad-addr", "sp",
     lambda w, f: w.chain([(OUTSIDE, 72, 0)])),
    ("addr + len wraps", "bad-addr", "sp", lambda w, f: w.chain([(WRAPS, 0x200, 0)])),
    ("buffer across the end of guest memory", "bad-addr", "sp",
     lambda w, f: w.chain([(MEM - 32, 72, 0)])),
    ("chain that loops (next points back)", "bad-chain", "s", loop),
    ("chain longer than the ring (indirect)", "bad-chain", "sp", longer_than_ring),
    ("head index past the ring", "bad-head", "s", lambda w, f: w.head(NUM + 5)),
    ("next index past the ring", "bad-next", "s", bad_next),
    ("indirect table outside guest memory", "bad-indirect", "sp",
     lambda w, f: w.chain([(OUTSIDE, 32, vu.DESC_F_INDIRECT)])),
    ("indirect table whose addr + len wraps", "bad-indirect", "sp",
     lambda w, f: w.chain([((1 << 64) - 16, 32, vu.DESC_F_INDIRECT)])),
    ("indirect table length not whole descriptors", "bad-indirect", "sp", indirect_bad_len),
    ("nested indirect table", "bad-indirect", "sp", nested_indirect),
    ("indirect descriptor with NEXT", "bad-indirect", "sp", indirect_with_next),
    ("device-writable buffer on TX", "bad-direction", "sp",
     lambda w, f: w.chain([(w.d.alloc(HDR + f), len(HDR) + len(f), vu.DESC_F_WRITE)])),
    ("buffer too short for the header", "bad-short", "sp", lambda w, f: w.chain([w.buf(bytes(8))])),
] + [("virtio-net header: " + what, "bad-net-hdr", "sp", hdr_case(*fields))
     for what, fields in BAD_NET_HDRS]

W = vu.DESC_F_WRITE


def rx_loop(w):
    i, j = w.idx(), w.idx()  # empty buffers: only the walk's bound stops it
    w.d.desc(i, 0, 0, W | vu.DESC_F_NEXT, j)
    w.d.desc(j, 0, 0, W | vu.DESC_F_NEXT, i)
    w.head(i)


def rx_bad_next(w):
    i = w.idx()
    w.d.desc(i, w.d.alloc(16), 16, W | vu.DESC_F_NEXT, NUM + 7)
    w.head(i)


def rx_nested_indirect(w):
    inner, n = w.table([(w.d.alloc(2048), 2048, W)])
    outer, m = w.table([(inner, n, vu.DESC_F_INDIRECT)])
    w.chain([(outer, m, vu.DESC_F_INDIRECT)])


# Guest RX buffers (the switch writes into them): as BAD, for the RX ring.
RX_BAD = [
    ("RX buffer outside guest memory", "bad-addr", "sp", lambda w: w.chain([(OUTSIDE, 2048, W)])),
    ("RX buffer whose addr + len wraps", "bad-addr", "sp", lambda w: w.chain([(WRAPS, 0x200, W)])),
    ("device-readable RX buffer", "bad-direction", "sp",
     lambda w: w.chain([(w.d.alloc(2048), 2048, 0)])),
    ("RX chain that loops", "bad-chain", "s", rx_loop),
    ("RX next index past the ring", "bad-next", "s", rx_bad_next),
    ("RX head index past the ring", "bad-head", "s", lambda w: w.head(NUM + 9)),
    ("RX indirect table outside guest memory", "bad-indirect", "sp",
     lambda w: w.chain([(OUTSIDE, 32, vu.DESC_F_INDIRECT)])),
    ("RX nested indirect table", "bad-indirect", "sp", rx_nested_indirect),
    ("RX buffer shorter than the header", "bad-short", "sp",
     lambda w: w.chain([(w.d.alloc(8), 8, W)])),
]

REASONS = ["bad-head", "bad-next", "bad-addr", "bad-chain", "bad-indirect", "bad-direction",
           "bad-short", "bad-net-hdr"]


class FrontEnd:
    """A python front end on one interface: RX queue kept full, a TX writer."""

    def __init__(self, sw, name, sock, packed, tag):
        feats = vu.F_VERSION_1 | vu.F_PROTOCOL_FEATURES | vu.F_INDIRECT_DESC | F_CSUM | F_HOST_TSO4
        if packed:
            feats |= vu.F_RING_PACKED
        self.name, self.packed, self.mac = name, packed, mac(tag)
        self.c = vu.Client(sock)
        offered = self.c.negotiate(features=feats)
        t.check(offered & feats == feats, "%s: features %#x offered" % (name, feats))
        self.c.set_mem_table(size=MEM)
        base = vu.PACKED_BASE if packed else 0
        for q in (0, 1):
            self.c.setup_vring(q, NUM, base)
        drv = vu.PackedDriver if packed else vu.SplitDriver
        self.rx = vu.RxQueue(drv(self.c, 0, NUM, 0x100000))
        self.tx = Writer(drv(self.c, 1, NUM, 0x140000), packed)
        # Chains of our own between the RX queue's buffers.
        self.rxw = Writer(self.rx.d, packed, first=len(self.rx.gpas))
        self.valid_sent = 0  # what the switch must count from our TX ring
        for q in (0, 1):
            t.wait_until(lambda: "%s vring %d running" % (name, q) in sw.log_text(), 10, 0.1,
                         "%s vring %d running" % (name, q))

    def send(self, frames, timeout=5.0):
        """Valid frames; returns once all were used."""
        for k, f in enumerate(frames):
            VALID[k % len(VALID)](self.tx, f)
        ids = self.tx.publish()
        self.valid_sent += len(frames)
        self.tx.d.wait_used(len(ids), timeout)
        used = self.tx.d.pop_used()
        self.tx.new_round()
        if used != [(i, 0) for i in ids]:
            print("%s: made available %s\nused %s" % (self.name, ids, used), flush=True)
            return False
        return True


def vring_counters(sw, name, q):
    ifc = dp_traffic.iface_counters(sw, name)
    return next(v["counters"] for v in ifc["vrings"] if v["index"] == q)


def worker_view(sw):
    return [(w["pid"], w["state"], w["restarts"]) for w in
            sw.ctl("show", "workers", json=True)["workers"]]


def malformed_round(sw, label, bad, good, cases, with_valid=True):
    """The cases, each after a valid frame, then one more valid frame (or
    the cases alone: with_valid=False)."""
    frames = Frames(bad.mac, good.mac)
    sent, expected = [], dict.fromkeys(REASONS, 0)
    log_from = len(sw.log_text())
    # Workers publish counters at housekeeping: start from settled ones.
    before = t.wait_until(
        lambda: (lambda c: c if c["packets"] == bad.valid_sent else None)(
            vring_counters(sw, bad.name, 1)), 5, 0.1, "%s: counters settled" % label)
    for k, (what, reason, _, write) in enumerate(cases):
        if with_valid:
            f = frames.next()
            VALID[k % len(VALID)](bad.tx, f)
            sent.append(f)
        write(bad.tx, frames.next())  # a frame that must never arrive
        expected[reason] += 1
    if with_valid:
        f = frames.next()
        valid_one(bad.tx, f)
        sent.append(f)
    ids = bad.tx.publish()
    bad.valid_sent += len(sent)

    got_used = bad.tx.d.wait_used(len(ids))
    used = bad.tx.d.pop_used()
    t.check(got_used == len(ids), "%s: used idx advanced by the %d chains made available (%d)"
            % (label, len(ids), got_used))
    t.check([u[0] for u in used] == ids and all(u[1] == 0 for u in used),
            "%s: every chain came back used, in order, len 0" % label)
    bad.tx.new_round()

    got = good.rx.wait_frames(len(sent))
    got += good.rx.wait_frames(1, 0.3)  # anything more would be a bad one
    t.check(got == sent, "%s: the %d valid frames arrived, in order, and nothing else (%d)"
            % (label, len(sent), len(got)))

    def counted():
        c = vring_counters(sw, bad.name, 1)
        delta = {r: c["drops_bad"][r] - before["drops_bad"][r] for r in REASONS}
        return (c, delta) if delta == expected else None

    try:
        c, delta = t.wait_until(counted, 5, 0.2, "%s: drop counters" % label)
    except TimeoutError:
        c = vring_counters(sw, bad.name, 1)
        delta = {r: c["drops_bad"][r] - before["drops_bad"][r] for r in REASONS}
    print("%s: drops by reason %s" % (label, {r: n for r, n in delta.items() if n}), flush=True)
    t.check(delta == expected, "%s: each bad chain counted under its reason (expected %s)"
            % (label, {r: n for r, n in expected.items() if n}))
    t.check(c["drops_bad_desc"] - before["drops_bad_desc"] == len(cases)
            and c["drops_other"] == before["drops_other"],
            "%s: drops_bad_desc grew by %d, no other drop" % (label, len(cases)))
    t.check(c["packets"] - before["packets"] == len(sent),
            "%s: %d valid frames counted from the bad front end" % (label, len(sent)))

    # The worker logs them too, by reason, at most once a second per ring.
    def logged():
        got = dict.fromkeys(REASONS, 0)
        for m in re.finditer(r"%s: vring 1: dropped \d+ malformed descriptor chains:(.*)"
                             % re.escape(bad.name), sw.log_text()[log_from:]):
            for reason, n in re.findall(r" (\S+) (\d+)", m.group(1)):
                got[reason] = got.get(reason, 0) + int(n)
        return got if got == expected else None

    try:
        t.wait_until(logged, 5, 0.2, "%s: log lines" % label)
        ok = True
    except TimeoutError:
        ok = False
    t.check(ok, "%s: the worker logged the malformed chains by reason, naming %s"
            % (label, bad.name))


def rx_malformed_round(sw, label, src, dst, cases):
    """Bad chains on dst's RX ring, each followed by a good buffer, after
    the buffers dst's RX queue has out. src sends one frame per chain: the
    frames that meet a bad chain are dropped (the chain used, len 0), the
    others arrive."""
    w, rx = dst.rxw, dst.rx
    outstanding = len(rx.gpas)
    expected = dict.fromkeys(REASONS, 0)
    good_gpas = {}
    for _, reason, _, write in cases:
        write(w)
        expected[reason] += 1
        gpa = w.d.alloc(2048)
        w.chain([(gpa, 2048, W)])
        good_gpas[w.ids[-1]] = gpa
    injected = w.publish()
    before = vring_counters(sw, dst.name, 0)

    frames = Frames(src.mac, dst.mac)
    batch = [frames.next() for _ in range(outstanding + len(injected))]
    t.check(src.send(batch), "%s: %s's %d frames were used" % (label, src.name, len(batch)))
    got = rx.d.wait_used(len(batch))
    used = rx.d.pop_used()
    t.check(got == len(batch) and [u[0] for u in used[outstanding:]] == injected,
            "%s: all %d RX chains came back used (%d), ours in order"
            % (label, len(batch), got))
    arrived = rx.frames(used[:outstanding])
    arrived += [w.d.read(good_gpas[i], n)[vu.NET_HDR_LEN:]
                for i, n in used[outstanding:] if i in good_gpas]
    t.check(all(n == 0 for i, n in used[outstanding:] if i not in good_gpas),
            "%s: every bad RX chain came back with len 0" % label)
    want = batch[:outstanding] + batch[outstanding + 1::2]
    t.check(arrived == want, "%s: the %d frames that met a good buffer arrived (%d)"
            % (label, len(want), len(arrived)))
    w.new_round()

    def counted():
        c = vring_counters(sw, dst.name, 0)
        delta = {r: c["drops_bad"][r] - before["drops_bad"][r] for r in REASONS}
        return delta if delta == expected else None

    try:
        t.wait_until(counted, 5, 0.2, "%s: RX drop counters" % label)
        ok = True
    except TimeoutError:
        ok = False
    c = vring_counters(sw, dst.name, 0)
    delta = {r: n for r in REASONS if (n := c["drops_bad"][r] - before["drops_bad"][r])}
    print("%s: RX drops by reason %s" % (label, delta), flush=True)
    t.check(ok, "%s: each bad RX chain counted under its reason on %s vring 0 (expected %s)"
            % (label, dst.name, {r: n for r, n in expected.items() if n}))


def forwards_both_ways(sw, label, a, b):
    for src, dst in ((b, a), (a, b)):
        frames = Frames(src.mac, dst.mac)
        batch = [frames.next() for _ in range(40)]
        ok = src.send(batch)
        if not ok:
            print(sw.ctl("show", "vhost-user", src.name), flush=True)
            print(sw.ctl("show", "interface"), flush=True)
        t.check(ok, "%s: %s's 40 frames were used" % (label, src.name))
        got = dst.rx.wait_frames(len(batch))
        t.check(got == batch, "%s: %s -> %s: %d of 40 frames arrived intact"
                % (label, src.name, dst.name, len(got)))


def frames_direct(sw):
    return sw.ctl("show", "runtime", json=True)["workers"][0]["since_start"]["frames_direct"]


def run_layout(sw, label, names, socks, packed):
    bad = FrontEnd(sw, names[0], socks[0], packed, 0x0A)
    good = FrontEnd(sw, names[1], socks[1], packed, 0x0B)
    workers = worker_view(sw)
    pids = sw.worker_pids()
    forwards_both_ways(sw, label + " before", bad, good)  # and both MACs are learned

    cases = [c for c in BAD if ("p" if packed else "s") in c[2]]
    malformed_round(sw, label, bad, good, cases)
    if packed:
        # Every slot of the ring in one chain that does not end: alone,
        # nothing else fits in the ring with it.
        malformed_round(sw, label + " whole ring", bad, good, [
            ("chain through the whole ring", "bad-chain", "p",
             lambda w, f: w.chain([(w.d.alloc(16), 16, vu.DESC_F_NEXT)] * NUM))],
            with_valid=False)

    rx_malformed_round(sw, label + " RX", good, bad,
                       [c for c in RX_BAD if ("p" if packed else "s") in c[2]])

    t.check(sw.worker_pids() == pids and worker_view(sw) == workers
            and all(w[1] == "running" for w in workers),
            "%s: the worker is the same process and running (%s)" % (label, workers))
    direct = frames_direct(sw)
    forwards_both_ways(sw, label + " after", bad, good)
    moved = t.wait_until(lambda: (lambda n: n if n > 0 else None)(frames_direct(sw) - direct),
                         2, 0.05, "%s: frames_direct" % label)
    t.check(0 < moved <= 80, "%s: %d of the 80 frames went the one-copy path" % (label, moved))
    mixed_runs(sw, label, bad, good)
    if not packed:
        avail_jump(sw, label, bad, good, pids)
    for fe in (bad, good):
        fe.c.close()


def mixed_runs(sw, label, src, dst):
    """One burst of frames to one destination whose headers alternate (two
    EtherTypes): each frame a run of its own, and every run takes the
    one-copy path, not only the burst's first. 16 frames: the receiver's
    RX queue has room for them all (a run the ring cannot take goes the
    mbuf way, to wait for room)."""
    frames = Frames(src.mac, dst.mac)
    batch = [f[:12] + (b"\x88\xb6" if k % 2 else b"\x88\xb5") + f[14:]
             for k, f in enumerate(frames.next() for _ in range(16))]
    direct = frames_direct(sw)
    for f in batch:
        valid_one(src.tx, f)
    ids = src.tx.publish()
    src.valid_sent += len(batch)
    src.tx.d.wait_used(len(ids), 5.0)
    used = src.tx.d.pop_used()
    src.tx.new_round()
    t.check(used == [(i, 0) for i in ids], "%s: the %d alternating frames were used" % (label, len(batch)))
    got = dst.rx.wait_frames(len(batch))
    t.check(got == batch, "%s: %d of the %d alternating frames arrived, in order"
            % (label, len(got), len(batch)))
    # The worker publishes its counters every millisecond.
    deadline = time.monotonic() + 2
    moved = frames_direct(sw) - direct
    while moved < len(batch) and time.monotonic() < deadline:
        time.sleep(0.05)
        moved = frames_direct(sw) - direct
    t.check(moved == len(batch), "%s: all %d went the one-copy path, run after run "
            "(frames_direct +%d)" % (label, len(batch), moved))


def avail_jump(sw, label, bad, good, pids):
    """avail idx moved by more than the ring size: nothing can be trusted
    in the ring, the worker stops taking from it, and says so once."""
    d = bad.tx.d
    used = d.used_idx()
    vu.store_u16(d.mem, d.avail_gpa + 2, (used + NUM + 1) & 0xFFFF)
    line = "%s: vring 1 stopped: avail idx moved by more than the ring size" % bad.name
    try:
        t.wait_until(lambda: line in sw.log_text(), 5, 0.1, "log line")
        ok = True
    except TimeoutError:
        ok = False
    t.check(ok, "%s: avail idx jump logged: '%s'" % (label, line))
    t.check(d.used_idx() == used and sw.log_text().count(line) == 1,
            "%s: nothing taken from that ring, one log line" % label)
    t.check(sw.worker_pids() == pids and all(w[1] == "running" for w in worker_view(sw)),
            "%s: the worker is the same process and running" % label)
    frames = Frames(good.mac, bad.mac)
    batch = [frames.next() for _ in range(40)]
    t.check(good.send(batch) and bad.rx.wait_frames(len(batch)) == batch,
            "%s: %s still forwards to %s" % (label, good.name, bad.name))


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2, 3, 4)]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1 if i < 2 else 2}
        for i, s in enumerate(socks)]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == 4, "four interfaces: %s" % names)
    run_layout(sw, "split", names[:2], socks[:2], packed=False)
    run_layout(sw, "packed", names[2:], socks[2:], packed=True)
    sw.stop()


t.main(main)
