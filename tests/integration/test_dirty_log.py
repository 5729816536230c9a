#!/usr/bin/env python3
"""The dirty page log (VHOST_F_LOG_ALL, SET_LOG_BASE) shown directly: every
guest page the switch writes while a front end migrates has its bit set,
across a vhostd handover and a worker restart.

One switch, one worker, `rx-mode interrupt` (so the worker also sleeps and
wakes: it arms and disarms guest notifications, stores into the used ring
and the packed device event area, at least every 100 ms). Three raw front
ends (vhost_user_client) on bridge domain 1: "a" sends and receives
plainly; "s" (split ring, EVENT_IDX) and "p" (packed ring) migrate as QEMU
makes them: rings running first, then SET_LOG_BASE (a memfd bitmap, one bit
per 4 KiB guest page), SET_FEATURES with LOG_ALL, SET_VRING_ADDR with the
log flag. Then three phases: steady, after `restart control` (the new
vhostd fetches the log from the vault) and after a SIGKILL of the worker
(the new one maps the log again). Each phase clears the bitmaps, snapshots
the front ends' memory, sends frames a -> s, a -> p (RX buffers and used
rings written), s -> a and p -> a (TX used rings), waits 0.3 s (sleeps and
wakes), and checks, per migrating front end:
- every RX buffer the switch filled, the used ring of each queue (packed:
  its descriptors) and the packed TX queue's device event area: bit set;
- every page whose bytes changed and that the driver (this test) never
  writes: bit set;
- no bit set outside the pages the device may write (used rings, device
  event areas, packed descriptor rings, RX buffers).
The device event area of a packed ring was not logged before: its check
here is the regression test (the ring fuzzers, which now require every
page an engine call changes to be marked, catch that too, and the split
ring's used flags and avail_event stored at ring start, also unlogged
before). No QEMU: ~5 s."""

import mmap
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

NUM = 256
PAGE = 4096
MEM = 2 << 20
F_LOG_ALL, F_EVENT_IDX = 1 << 26, 1 << 29
PF_LOG_SHMFD = 1 << 1
VRING_F_LOG = 1
RX_BASE, TX_BASE = 0x100000, 0x180000
FRAMES = 24  # per direction and phase: a few pages of RX buffers
MACS = {"a": "02000000aa01", "s": "02000000aa02", "p": "02000000aa03"}


def pages(gpa, n):
    return set(range(gpa // PAGE, (gpa + n - 1) // PAGE + 1))


class FrontEnd:
    def __init__(self, name, sock, packed=False, event_idx=False):
        self.name, self.packed = name, packed
        self.mac = bytes.fromhex(MACS[name])
        self.features = vu.F_VERSION_1 | vu.F_PROTOCOL_FEATURES
        self.features |= (vu.F_RING_PACKED if packed else 0) | (F_EVENT_IDX if event_idx else 0)
        self.c = vu.Client(sock)
        offered = self.c.negotiate(features=self.features,
                                   protocol=vu.PF_REPLY_ACK | PF_LOG_SHMFD)
        t.check(offered & F_LOG_ALL, "%s: the switch offers VHOST_F_LOG_ALL" % name)
        self.c.set_mem_table(size=MEM)
        drv = vu.PackedDriver if packed else vu.SplitDriver
        for q in (0, 1):
            self.c.setup_vring(q, NUM, vu.PACKED_BASE if packed else 0)
        self.rx = vu.RxQueue(drv(self.c, 0, NUM, RX_BASE), nbufs=64)
        self.tx = drv(self.c, 1, NUM, TX_BASE)
        self.sent = 0
        self.log = None

    def start_logging(self):
        """What QEMU sends when migration starts."""
        fd = os.memfd_create("log")
        os.ftruncate(fd, PAGE)
        self.log = mmap.mmap(fd, PAGE)
        self.c.send(vu.SET_LOG_BASE, struct.pack("<QQ", MEM // PAGE // 8, 0), [fd])
        reply = self.c.recv_reply()
        t.check(reply is not None and reply[0] == vu.SET_LOG_BASE,
                "%s: SET_LOG_BASE answered (LOG_SHMFD)" % self.name)
        os.close(fd)
        self.c.send(vu.SET_FEATURES, struct.pack("<Q", self.features | F_LOG_ALL))
        for q in (0, 1):
            desc, avail, used = self.c.ring_gpas(q)
            self.c.send(vu.SET_VRING_ADDR, struct.pack(
                "<IIQQQQ", q, VRING_F_LOG, vu.UVA + desc, vu.UVA + used, vu.UVA + avail, used),
                flags=vu.VERSION | vu.NEED_REPLY)
            reply = self.c.recv_reply()
            t.check(reply is not None and struct.unpack("<Q", reply[2])[0] == 0,
                    "%s: SET_VRING_ADDR %d with the log flag acked" % (self.name, q))

    def logged(self):
        bits = self.log[:MEM // PAGE // 8]
        return {i for i in range(MEM // PAGE) if bits[i // 8] & (1 << (i % 8))}

    def clear_log(self):
        self.log[:MEM // PAGE // 8] = bytes(MEM // PAGE // 8)

    def send(self, dst, n):
        self.tx.reset_buffers()
        for k in range(n):
            f = dst + self.mac + b"\x88\xb5" + struct.pack(">I", self.sent) + bytes(100)
            gpa = self.tx.alloc(bytes(vu.NET_HDR_LEN) + f)
            if self.packed:
                self.tx.add_chain([(gpa, vu.NET_HDR_LEN + len(f), 0)], k)
            else:
                self.tx.desc(k, gpa, vu.NET_HDR_LEN + len(f))
                self.tx.make_avail([k])
            self.sent += 1
        t.check(self.tx.wait_used(n) == n, "%s: %d frames sent and used" % (self.name, n))
        self.tx.pop_used()

    def ring_pages(self, q):
        desc, avail, used = self.c.ring_gpas(q)
        if self.packed:  # descriptors (both sides), driver area, device area
            return pages(desc, 16 * NUM), pages(avail, 4), pages(used, 4)
        return pages(desc, 16 * NUM) | pages(avail, 6 + 2 * NUM), set(), pages(used, 6 + 8 * NUM)

    def driver_pages(self):
        """Pages this test writes as the driver: descriptors, avail rings,
        the packed driver event areas, TX buffers."""
        out = pages(TX_BASE, 0x40000)
        for q in (0, 1):
            drv, drv_area, _ = self.ring_pages(q)
            out |= drv | drv_area
        return out

    def device_pages(self):
        """Pages the device may write: used rings or device event areas
        (and a packed ring's descriptors), RX buffers."""
        out = pages(RX_BASE, 64 * self.rx.size)
        for q in (0, 1):
            drv, _, dev = self.ring_pages(q)
            out |= dev | (drv if self.packed else set())
        return out


def phase(sw, a, migrating, label):
    for m in migrating:
        m.clear_log()
    before = {m.name: bytes(m.c.mem) for m in migrating}
    got = {}
    for m in migrating:
        a.send(m.mac, FRAMES)
        deadline = time.monotonic() + 5
        entries = []
        while len(entries) < FRAMES and time.monotonic() < deadline:
            entries += m.rx.d.pop_used()
            time.sleep(0.01)
        t.check(len(entries) == FRAMES, "%s: %s received %d of %d frames"
                % (label, m.name, len(entries), FRAMES))
        got[m.name] = entries
    for m in migrating:
        m.send(a.mac, FRAMES)
    a.rx.wait_frames(2 * FRAMES, 5)
    time.sleep(0.3)  # the worker sleeps and wakes: arms and disarms
    for m in migrating:
        logged = m.logged()
        after = bytes(m.c.mem)
        written = set()
        for buf_id, n in got[m.name]:
            written |= pages(m.rx.gpas[buf_id], n)
        rings = set()
        for q in (0, 1):
            descs, _, dev = m.ring_pages(q)
            # Used entries: in the used ring, or a packed ring's descriptors;
            # the guest TX queue's notifications armed and disarmed.
            rings |= (descs | (dev if q == 1 else set())) if m.packed else dev
        missing = sorted((written | rings) - logged)
        t.check(not missing, "%s: %s: the %d pages of the RX buffers filled and of the used "
                "entries%s are logged (missing %s)"
                % (label, m.name, len(written | rings),
                   " and the TX device event area" if m.packed else "", [hex(p * PAGE) for p in missing]))
        changed = {p for p in range(MEM // PAGE)
                   if before[m.name][p * PAGE:(p + 1) * PAGE] != after[p * PAGE:(p + 1) * PAGE]}
        unlogged = sorted(changed - m.driver_pages() - logged)
        t.check(not unlogged, "%s: %s: each of the %d pages that changed (not the driver's) is "
                "logged (missing %s)" % (label, m.name, len(changed - m.driver_pages()),
                                         [hex(p * PAGE) for p in unlogged]))
        stray = sorted(logged - m.device_pages())
        t.check(not stray, "%s: %s: the %d logged pages are all pages the device may write "
                "(stray %s)" % (label, m.name, len(logged), [hex(p * PAGE) for p in stray]))
        m.rx.frames(got[m.name])  # their buffers go back to the device
    a.rx.frames()


def worker_back(sw, old):
    try:
        w = sw.ctl("show", "workers", json=True, timeout=2)["workers"][0]
    except (RuntimeError, OSError):
        return None
    return w["pid"] not in (0, old) and w["state"] == "running" and w["heartbeat_age_ms"] < 200


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "%s.sock" % n) for n in ("a", "s", "p")]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks])
    conf = sw.conf_text().replace("vhost {\n", "vhost {\n  rx-mode interrupt\n", 1)
    sw.start(conf=conf)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    a = FrontEnd("a", socks[0])
    s = FrontEnd("s", socks[1], event_idx=True)
    p = FrontEnd("p", socks[2], packed=True)
    for n in names:
        t.wait_until(lambda: all("%s vring %d running" % (n, q) in sw.log_text()
                                 for q in (0, 1)), 10, 0.05, "%s: rings running" % n)
    # The bridge learns every MAC before the log starts.
    for m in (s, p):
        m.send(bytes.fromhex("ffffffffffff"), 1)
    a.send(bytes.fromhex("ffffffffffff"), 1)
    time.sleep(0.2)
    for fe in (a, s, p):
        fe.rx.frames()
    for m in (s, p):
        m.start_logging()
    time.sleep(0.05)

    phase(sw, a, (s, p), "steady")
    sw.restart_vhostd("ctl")
    phase(sw, a, (s, p), "after restart control")
    old = sw.worker_pids()["1"]
    os.kill(old, signal.SIGKILL)
    t.wait_until(lambda: worker_back(sw, old), 15, 0.05, "worker restarted and running")
    phase(sw, a, (s, p), "after a worker restart")

    for fe in (a, s, p):
        fe.c.close()
    sw.stop()


t.main(main)
