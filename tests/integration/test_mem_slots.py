#!/usr/bin/env python3
"""Memory slots as QEMU uses them: a python front end (vhost_user_client)
negotiates PROTOCOL_F_CONFIGURE_MEM_SLOTS, asks GET_MAX_MEM_SLOTS (509, QEMU's
own cap, which it takes when the back end offers as many), sets a one-region
table and hot-adds 508 more regions with ADD_MEM_REG, one memfd each, as QEMU
does for each DIMM. Checked:
- every ADD_MEM_REG is acknowledged (REPLY_ACK) and `show vhost-user` lists
  all 509 regions;
- frames whose buffers lie in the first and the last hot-added regions reach
  a second front end on the bridge domain, byte for byte: the worker mapped
  the new regions (and kept the old ones: a frame from the base region too);
- the 510th region is refused, naming the limit (REPLY_ACK carries the
  failure: QEMU then gives up the DIMM); the table is as it was and frames
  still pass;
- a vhostd restart with 509 regions takes them all back from the vault (one
  key list of the interface) and frames still flow from the last region;
- REM_MEM_REG of a region stops its addresses translating (a frame from it
  is dropped as a bad descriptor) and the others still pass;
- the vault and vhostd hold one fd per region while the table lives and none
  once the front end is gone (/proc/<pid>/fd before and after);
- the supervisor logs the region fd budget it set from its open-file limit;
- a switch with `vhost { max-mem-slots 8 }` answers 8 and refuses the 9th
  region naming the setting.
The worker polls on core 1; the front ends run here."""

import mmap
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

GET_MAX_MEM_SLOTS, ADD_MEM_REG, REM_MEM_REG = 36, 37, 38
PF_CONFIGURE_MEM_SLOTS = 1 << 15
NUM = 256
MEM = 2 << 20  # the base region: rings and the receiver's buffers
SLOTS = 509
HOT_BASE = 1 << 32  # hot-added regions: 64 KiB each from 4 GiB, like DIMMs above RAM
HOT_SIZE = 64 << 10


def mac(n):
    return bytes([0x02, 0, 0, 0, 0x55, n])


def frame(src, dst, seq, tag):
    f = dst + src + b"\x88\xb5" + struct.pack(">I", seq) + tag
    return f + bytes(60 - len(f))


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class HotRegion:
    """A hot-added region: a memfd of HOT_SIZE this test maps too."""

    def __init__(self, i):
        self.gpa = HOT_BASE + i * HOT_SIZE
        self.uva = vu.UVA + self.gpa
        self.fd = os.memfd_create("dimm%d" % i)
        os.ftruncate(self.fd, HOT_SIZE)
        self.mem = mmap.mmap(self.fd, HOT_SIZE)

    def payload(self):
        return struct.pack("<QQQQQ", 0, self.gpa, HOT_SIZE, self.uva, 0)

    def close(self):
        self.mem.close()
        os.close(self.fd)


class Front:
    def __init__(self, sw, name, sock, tag, protocol):
        self.name, self.mac = name, mac(tag)
        self.c = vu.Client(sock)
        self.c.negotiate(features=vu.F_VERSION_1 | vu.F_PROTOCOL_FEATURES, protocol=protocol)
        self.c.set_mem_table(size=MEM)
        for q in (0, 1):
            self.c.setup_vring(q, NUM, 0)
        self.rx = vu.RxQueue(vu.SplitDriver(self.c, 0, NUM, 0x100000))
        self.tx = vu.SplitDriver(self.c, 1, NUM, 0x140000)
        self.next_desc = 0
        for q in (0, 1):
            t.wait_until(lambda: "%s vring %d running" % (name, q) in sw.log_text(), 10, 0.1,
                         "%s vring %d running" % (name, q))

    def send_at(self, gpa, data, write):
        """One frame (virtio-net header + data) in one descriptor at gpa,
        written there by write(gpa, bytes)."""
        write(gpa, bytes(vu.NET_HDR_LEN) + data)
        i = self.next_desc % NUM
        self.next_desc += 1
        self.tx.desc(i, gpa, vu.NET_HDR_LEN + len(data))
        self.tx.make_avail([i])

    def add_regions(self, regions, what):
        """ADD_MEM_REG of each, as QEMU sends them (REPLY_ACK); returns the
        seconds they took."""
        t0 = time.monotonic()
        acks = []
        for r in regions:
            self.c.send(ADD_MEM_REG, r.payload(), [r.fd], vu.VERSION | vu.NEED_REPLY)
            reply = self.c.recv_reply()
            acks.append(reply is not None and struct.unpack("<Q", reply[2])[0] == 0)
        took = time.monotonic() - t0
        t.check(all(acks), "%s: all %d acknowledged with 0 (%d)"
                % (what, len(regions), sum(acks)))
        return took

    def ack(self, what):
        reply = self.c.recv_reply()
        t.check(reply is not None and struct.unpack("<Q", reply[2])[0] == 0,
                "%s: acknowledged with 0 (%r)" % (what, reply))


def regions_shown(sw, name):
    v = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    return v["memory_regions"]


def bad_addr(sw, name):
    """TX ring's descriptors outside guest memory, as counted."""
    ifc = sw.ctl("show", "interface", name, json=True)["interfaces"][0]
    return next(v["counters"] for v in ifc["vrings"] if v["index"] == 1)["drops_bad"]["bad-addr"]


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    sup, vhostd = sw.pid, sw.vhostd_pid()
    fds_before = (fd_count(sup), fd_count(vhostd))

    a = Front(sw, names[0], socks[0], 1, vu.PF_REPLY_ACK | PF_CONFIGURE_MEM_SLOTS)
    b = Front(sw, names[1], socks[1], 2, vu.PF_REPLY_ACK)
    slots = a.c.get_u64(GET_MAX_MEM_SLOTS)
    t.check(slots == SLOTS, "GET_MAX_MEM_SLOTS answers %d (got %d)" % (SLOTS, slots))

    hot = [HotRegion(i) for i in range(SLOTS - 1)]
    took = a.add_regions(hot, "ADD_MEM_REG")
    print("508 ADD_MEM_REG in %.2f s (%.1f ms each)" % (took, took * 1000 / len(hot)), flush=True)
    shown = regions_shown(sw, names[0])
    t.check(len(shown) == SLOTS, "show vhost-user lists %d regions (%d)" % (SLOTS, len(shown)))
    gpas = sorted(r.get("guest_phys_addr", 0) for r in shown)
    t.check(gpas == sorted([0] + [r.gpa for r in hot]), "every region's guest address listed")

    def hot_writer(r):
        def write(gpa, data):
            r.mem[gpa - r.gpa:gpa - r.gpa + len(data)] = data
        return write

    def base_writer(gpa, data):
        a.c.mem[gpa:gpa + len(data)] = data

    def exchange(label, sources, seq0):
        """Frames from a at each (gpa, writer): all arrive at b, in order."""
        sent = []
        for k, (gpa, write) in enumerate(sources):
            f = frame(a.mac, b.mac, seq0 + k, label.encode()[:20])
            a.send_at(gpa, f, write)
            sent.append(f)
        got = b.rx.wait_frames(len(sent), 10)
        t.check(got == sent, "%s: %d frames from those regions arrived intact (%d)"
                % (label, len(sent), len(got)))

    exchange("hot-added", [(hot[0].gpa + 128, hot_writer(hot[0])),
                           (hot[-1].gpa + 4096, hot_writer(hot[-1])),
                           (0x180000, base_writer)], 1)

    # The 510th region: refused by name, only a's connection goes.
    extra = HotRegion(SLOTS)
    a.c.send(ADD_MEM_REG, extra.payload(), [extra.fd], vu.VERSION | vu.NEED_REPLY)
    reply = a.c.recv_reply()
    t.check(reply is not None and struct.unpack("<Q", reply[2])[0] != 0,
            "the 510th region is refused with a failed REPLY_ACK (%r)" % (reply,))
    t.wait_until(lambda: "memory table full (509 regions)" in sw.log_text(), 5, 0.1,
                 "the refusal names the limit")
    t.check(len(regions_shown(sw, names[0])) == SLOTS, "the table is as it was")
    exchange("after the refusal", [(hot[100].gpa, hot_writer(hot[100]))], 10)
    extra.close()
    a.c.close()
    t.wait_until(lambda: not regions_shown(sw, names[0]), 10, 0.1, "a's table gone")

    # Again, through to a vhostd restart, then REM_MEM_REG.
    a = Front(sw, names[0], socks[0], 1, vu.PF_REPLY_ACK | PF_CONFIGURE_MEM_SLOTS)
    a.add_regions(hot, "ADD_MEM_REG again")
    held = (fd_count(sup) - fds_before[0], fd_count(vhostd) - fds_before[1])
    print("fds held for 2 front ends with %d + 1 regions: vault +%d, vhostd +%d"
          % (SLOTS, held[0], held[1]), flush=True)
    t.check(held[0] >= SLOTS + 1 and held[1] >= SLOTS + 1,
            "the vault and vhostd hold each region's fd (%s)" % (held,))
    took, _ = sw.restart_vhostd("ctl")
    print("vhostd restart with %d regions: %.2f s" % (SLOTS, took), flush=True)
    t.check(len(regions_shown(sw, names[0])) == SLOTS, "the new vhostd shows all regions")
    t.check("(some failed)" not in sw.log_text(), "every fd taken back from the vault")
    exchange("after restart", [(hot[-1].gpa + 256, hot_writer(hot[-1]))], 100)

    a.c.send(REM_MEM_REG, hot[-1].payload(), [], vu.VERSION | vu.NEED_REPLY)
    a.ack("REM_MEM_REG")
    t.check(len(regions_shown(sw, names[0])) == SLOTS - 1, "508 regions after REM_MEM_REG")
    before = bad_addr(sw, names[0])
    a.send_at(hot[-1].gpa + 512, frame(a.mac, b.mac, 200, b"gone"), hot_writer(hot[-1]))
    exchange("after remove", [(hot[-2].gpa + 64, hot_writer(hot[-2]))], 201)
    t.check(b.rx.wait_frames(1, 0.5) == [], "nothing from the removed region arrived")
    t.wait_until(lambda: bad_addr(sw, names[0]) == before + 1, 5, 0.2,
                 "the frame from the removed region counted as bad-addr")

    a.c.close()
    b.c.close()
    for r in hot:
        r.close()

    def released():
        n = fd_count(sup)
        return n if n <= fds_before[0] + 2 else None

    n = t.wait_until(released, 10, 0.2, "the vault to give the region fds back")
    print("fds after the front ends left: supervisor %d (was %d)" % (n, fds_before[0]),
          flush=True)
    m = re.search(r"guest memory region fd budget: (\d+)", sw.log_text())
    t.check(m and int(m.group(1)) >= SLOTS + 1, "the supervisor logged the region fd budget (%s)"
            % (m and m.group(1)))
    sw.stop()

    # vhost { max-mem-slots 8 }
    sock = os.path.join(t.workdir(), "small.sock")
    small = t.Switch("small", workers=[1], interfaces=[{"socket": sock, "server": True}])
    small.start(conf=small.conf_text().replace("vhost {\n", "vhost {\n  max-mem-slots 8\n", 1))
    name = small.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    c = Front(small, name, sock, 3, vu.PF_REPLY_ACK | PF_CONFIGURE_MEM_SLOTS)
    slots = c.c.get_u64(GET_MAX_MEM_SLOTS)
    t.check(slots == 8, "max-mem-slots 8: GET_MAX_MEM_SLOTS answers 8 (%d)" % slots)
    few = [HotRegion(i) for i in range(8)]
    c.add_regions(few[:7], "7 more regions")
    c.c.send(ADD_MEM_REG, few[7].payload(), [few[7].fd], vu.VERSION | vu.NEED_REPLY)
    reply = c.c.recv_reply()
    t.check(reply is not None and struct.unpack("<Q", reply[2])[0] != 0, "the 9th refused")
    t.wait_until(lambda: "9 memory regions, over the limit of 8 (vhost { max-mem-slots }): "
                 "refused" in small.log_text(), 5, 0.1, "the refusal names max-mem-slots")
    t.check(len(regions_shown(small, name)) == 8, "8 regions kept")
    c.c.close()
    for r in few:
        r.close()
    small.stop()


t.main(main)
