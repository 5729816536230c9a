#!/usr/bin/env python3
"""Memory hotplug under traffic: a guest booted with `-m 256M,slots=16,
maxmem=2G` (base RAM on a memfd backend, the kernel onlining new memory
itself: memhp_default_state=online) is pinged every 50 ms by a peer guest
while 12 DIMMs of 128 MiB are hot-added over QMP (object-add
memory-backend-memfd,share=on + device_add pc-dimm). QEMU hands each to the
switch with ADD_MEM_REG. Checked:
- QEMU lists the 12 DIMMs (query-memory-devices) and `show vhost-user` lists
  a region at each DIMM's address and size, besides the base RAM's;
- the guest onlined them (MemTotal grew by 1.5 GiB);
- no ping was lost;
- frames reached hot-added memory: the DIMMs' memfds (read through QEMU's
  /proc/<pid>/fd) hold echo requests as the switch wrote them, virtio-net
  RX buffers the guest allocated from its new memory (the kernel takes
  network buffers from the highest zone, which the DIMMs make ZONE_NORMAL).
  The DIMMs start zeroed and the guest sends nothing addressed to itself:
  only the switch writes those bytes there.
The worker polls on core 1; both QEMUs share core 0."""

import mmap
import os
import re
import stat
import time

import vswtest as t

DIMMS = 12
DIMM_SIZE = 128 << 20
PINGS = 400  # 20 s at 50 ms: the whole hotplug and after


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def meminfo_kb(g):
    out = g.run("grep MemTotal /proc/meminfo")[0]
    return int(re.search(r"MemTotal:\s+(\d+)", out).group(1))


def dimm_fds(pid):
    """Paths to QEMU's DIMM memfds (/proc/<pid>/fd/N): memfds of DIMM_SIZE."""
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        path = "/proc/%d/fd/%s" % (pid, fd)
        try:
            target = os.readlink(path)
            st = os.stat(path)
        except OSError:
            continue
        if target.startswith("/memfd:") and stat.S_ISREG(st.st_mode) and st.st_size == DIMM_SIZE:
            out.append(path)
    return out


def frames_in(path, pattern):
    """How many times pattern occurs in the file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        with mmap.mmap(fd, DIMM_SIZE, prot=mmap.PROT_READ) as m:
            n, at = 0, m.find(pattern)
            while at >= 0:
                n += 1
                at = m.find(pattern, at + 1)
            return n
    finally:
        os.close(fd)


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "%s.sock" % n) for n in ("peer", "vm")]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    peer = t.Guest("peer", socks[0], ip="10.0.0.1/24")
    vm = t.Guest("vm", socks[1], ip="10.0.0.2/24", slots=16, maxmem="2G",
                 append="memhp_default_state=online")
    for g in (peer, vm):
        g.start()
    for g in (peer, vm):
        g.wait_ready(timeout=120)
        g.wait_link(up=True, timeout=60)
    base_regions = len(sw.ctl("show", "vhost-user", names[1], json=True)["interfaces"][0]
                       ["memory_regions"])
    mem_before = meminfo_kb(vm)
    peer.spawn("ping -q -c %d -i 0.05 -W 2 10.0.0.2" % PINGS, "/tmp/ping")
    time.sleep(2)

    t0 = time.monotonic()
    for i in range(DIMMS):
        vm.qmp("object-add", **{"qom-type": "memory-backend-memfd", "id": "dimm%d" % i,
                                "size": DIMM_SIZE, "share": True})
        vm.qmp("device_add", driver="pc-dimm", id="d%d" % i, memdev="dimm%d" % i)
    print("%d DIMMs hot-added in %.1f s" % (DIMMS, time.monotonic() - t0), flush=True)

    dimms = [(d["data"]["addr"], d["data"]["size"]) for d in vm.qmp("query-memory-devices")]
    t.check(len(dimms) == DIMMS, "QEMU lists %d DIMMs (%d)" % (DIMMS, len(dimms)))

    def regions():
        r = sw.ctl("show", "vhost-user", names[1], json=True)["interfaces"][0]["memory_regions"]
        return r if len(r) >= base_regions + DIMMS else None

    shown = t.wait_until(regions, 20, 0.2, "the switch to list every region")
    have = {(r["guest_phys_addr"], r["memory_size"]) for r in shown}
    t.check(all(d in have for d in dimms) and len(shown) == base_regions + DIMMS,
            "show vhost-user lists the %d base regions and a region at each DIMM (%d regions)"
            % (base_regions, len(shown)))

    grown = t.wait_until(lambda: (lambda kb: kb if kb - mem_before >= DIMMS * DIMM_SIZE // 1024
                                  else None)(meminfo_kb(vm)), 30, 0.5, "the guest to online them")
    print("guest MemTotal %d kB -> %d kB" % (mem_before, grown), flush=True)

    out = t.wait_until(lambda: (lambda o: o if "packet loss" in o else None)(
        peer.run("cat /tmp/ping")[0]), 60, 0.5, "ping to end")
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    t.check(sent == PINGS and got == sent, "no ping lost across the hotplug (%d of %d)"
            % (got, sent))

    pattern = mac_bytes(vm.mac) + mac_bytes(peer.mac) + b"\x08\x00\x45"
    paths = dimm_fds(vm.pid)
    t.check(len(paths) == DIMMS, "QEMU's %d DIMM memfds found (%d)" % (DIMMS, len(paths)))
    hits = [frames_in(p, pattern) for p in paths]
    print("frames peer -> vm found in the DIMMs: %s" % hits, flush=True)
    t.check(sum(hits) > 0, "frames the switch wrote are in hot-added memory (%d)" % sum(hits))

    for g in (peer, vm):
        g.stop()
    sw.stop()


t.main(main)
