#!/usr/bin/env python3
"""The VMDq uplink on an emulated NIC: QEMU 10's igb (an Intel 82576, which
sorts received frames into VMDq pools) under TCG, driven by DPDK's igb PMD
in a guest that runs this build's vhostsw (supervisor, vhostd, a worker)
with 3 startup interfaces of fixed MACs, each a net_virtio_user port of one
dpdk-testpmd (rxonly, verbose) in the same guest:
  vm1 02:00:00:00:00:01 untagged -> pool 0, queue 0
  vm2 02:00:00:00:00:02 untagged -> pool 1, queue 1
  vm3 02:00:00:00:00:03 VLAN 100 -> pool 2, queue 2
The host injects frames through the NIC's dgram backend (UDP on loopback)
and reads what the NIC sends. Each case has its own frame length, which
testpmd's verbose output shows; each frame is sent twice:
- to each VM's MAC: that VM only, twice, through its pool's queue (show
  uplink: the pool's rx_delivered; nothing steered in software);
- VLAN 100 to vm3: vm3 untagged; VLAN 200 to vm3 and VLAN 100 to vm1's MAC:
  no VM (the NIC's VLAN filter, igb's default pool: counted rx_not_owner);
- a broadcast: vm1 and vm2 once each (vm3 is VLAN 100); a VLAN 100
  broadcast: vm3 once; an unknown unicast: no VM (vm2vm 0, counted);
- the VMs' own frames (testpmd's tx_first) leave through the NIC with their
  MACs, vm3's tagged 100.
Then the switch is restarted with vm2vm 2: QEMU's 82576 can loop VM-to-VM
frames back (hw/net/igb_core.c, igb_tx_pkt_switch, gated on
DTXSWC.VMDQ_LOOPBACK_EN) but DPDK's igb PMD never sets that bit (its VMDq
setup ignores enable_loop_back), so vm1's frames to vm2 leave the NIC, vm2
gets none, and vhostsw says vm2vm 2 behaves as 0.
QEMU 10 comes from tools/qemu10/fetch.sh (Debian bookworm-backports,
unpacked in the build tree or $VSW_QEMU10_DIR); without it (no network) the
test is skipped.
"""

import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
from guest import Guest  # noqa: E402

SKIP = 77
VMS = [("02:00:00:00:00:01", 0), ("02:00:00:00:00:02", 0), ("02:00:00:00:00:03", 100)]
HOST_MAC = "02:00:00:00:ee:01"
UNKNOWN_MAC = "02:00:00:00:00:99"
BCAST = "ff:ff:ff:ff:ff:ff"
COPIES = 2  # each case's frame is sent this many times


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def frame(dst, length, vlan=None):
    """An Ethernet frame of `length` bytes on the wire (no FCS)."""
    hdr = mac_bytes(dst) + mac_bytes(HOST_MAC)
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan)
    hdr += struct.pack("!H", 0x88B5)
    return hdr + bytes(length - len(hdr))


# (name, dst, vlan, wire length, {vm index: (copies, length as received)})
CASES = [
    ("to vm1", VMS[0][0], None, 200, {0: (COPIES, 200)}),
    ("to vm2", VMS[1][0], None, 220, {1: (COPIES, 220)}),
    ("to vm3 in VLAN 100", VMS[2][0], 100, 244, {2: (COPIES, 240)}),
    ("to vm3 in VLAN 200", VMS[2][0], 200, 264, {}),
    ("to vm1's MAC in VLAN 100", VMS[0][0], 100, 284, {}),
    ("unknown unicast", UNKNOWN_MAC, None, 300, {}),
    ("broadcast", BCAST, None, 320, {0: (COPIES, 320), 1: (COPIES, 320)}),
    ("broadcast in VLAN 100", BCAST, 100, 344, {2: (COPIES, 340)}),
]


class IgbGuest(Guest):
    """The vhostsw guest on QEMU 10 with an igb NIC whose backend is a UDP
    socket pair on loopback (no tap, no namespace)."""

    def __init__(self, name, qemu_root, gdir, host_port, guest_port):
        super().__init__(name, sock=None, mem="1024M", smp=2, cpus=None)
        self.qemu_root = qemu_root
        self.gdir = gdir
        self.host_port = host_port
        self.guest_port = guest_port

    def qemu_argv(self):
        r = self.qemu_root
        return [
            os.path.join(r, "usr/bin/qemu-system-x86_64"), "-name", self.name,
            "-L", os.path.join(r, "usr/share/qemu"), "-L", os.path.join(r, "usr/share/seabios"),
            "-accel", "tcg", "-cpu", "max", "-machine", "q35", "-nodefaults",
            "-no-user-config", "-display", "none", "-no-reboot",
            "-m", self.mem, "-smp", str(self.smp),
            "-kernel", os.path.join(self.gdir, "vmlinuz"),
            "-initrd", os.path.join(self.gdir, "initrd.img"),
            "-append", "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off",
            "-chardev", "socket,id=con0,path=%s,server=on,wait=on" % self.console_path,
            "-serial", "chardev:con0",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-netdev", "dgram,id=n1,local.type=inet,local.host=127.0.0.1,local.port=%d,"
            "remote.type=inet,remote.host=127.0.0.1,remote.port=%d"
            % (self.guest_port, self.host_port),
            "-device", "igb,netdev=n1,mac=52:54:00:aa:bb:01",
        ]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def prepare():
    """QEMU 10 and the vhostsw guest image; None when QEMU 10 cannot be had."""
    src, build = t.repo_root(), t.build_dir()
    qdir = os.environ.get("VSW_QEMU10_DIR") or os.path.join(build, "qemu10")
    r = subprocess.run(["bash", os.path.join(src, "tools/qemu10/fetch.sh"), qdir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("SKIP: no QEMU 10 (tools/qemu10/fetch.sh failed):\n%s" % r.stderr[-1500:],
              flush=True)
        return None
    gdir = os.path.join(build, "guest-vhostsw")
    subprocess.run(["bash", os.path.join(src, "tools/guest-image/build.sh"), "--vhostsw", build,
                    gdir], check=True)
    # The unpacked QEMU must load its own modules, not the system 7.2's.
    os.environ["QEMU_MODULE_DIR"] = os.path.join(qdir, "root/usr/lib/x86_64-linux-gnu/qemu")
    return os.path.join(qdir, "root"), gdir


# num-mbufs 4096: 16 RX queues of 512 descriptors would hold 8192; the
# queues nobody polls get the PMD's fewest (uplink_setup.c).
CONF = """unix {
  runtime-dir /run/vsw
  cli-listen ipc:///run/vsw/cli.sock
}
cpu {
  main-core 0
  corelist-workers 1
}
dpdk {
  huge-dir /dev/hugepages
  socket-mem 160
  file-prefix vsw
  num-mbufs 4096
  uplink %s
  vm2vm %d
}
vhost {
%s}
logging {
  default-log-level info
}
"""


def start_switch(g, vm2vm=0):
    pci = g.run_ok("for d in /sys/bus/pci/devices/*; do "
                   "[ $(cat $d/vendor):$(cat $d/device) = 0x8086:0x10c9 ] && basename $d; "
                   "done; true").strip()
    t.check(re.match(r"^[0-9a-f:.]+$", pci) is not None, "the igb NIC is in the guest: %r" % pci)
    if vm2vm == 0:  # the first start
        g.run_ok("echo 8086 10c9 > /sys/bus/pci/drivers/uio_pci_generic/new_id")
        t.wait_until(lambda: g.run("[ -e /sys/bus/pci/drivers/uio_pci_generic/%s ]" % pci)[1]
                     == 0, 10, 0.2, "the NIC bound to uio_pci_generic")
        g.run_ok("mkdir -p /dev/hugepages /run/vsw /var/run && "
                 "mount -t hugetlbfs none /dev/hugepages && "
                 "echo 200 > /proc/sys/vm/nr_hugepages")
    ifaces = ""
    for i, (mac, vlan) in enumerate(VMS):
        ifaces += "  interface {\n    socket /run/vm%d.sock\n    server\n    hwaddr %s\n" \
                  "    bridge 1\n" % (i + 1, mac)
        if vlan:
            ifaces += "    vlan %d\n" % vlan
        ifaces += "  }\n"
    g.run_ok("cat > /vsw.conf <<'EOF'\n%sEOF" % (CONF % (pci, vm2vm, ifaces)))
    g.spawn("VHOSTSW_BIN_DIR=/vsw/bin /vsw/bin/vhost-supervisor -c /vsw.conf", "/sw.log")

    def answers():
        if g.run("pidof vhost-supervisor >/dev/null", 15)[1] != 0:
            raise RuntimeError("vhost-supervisor exited in the guest:\n%s"
                               % g.run("tail -30 /sw.log", 15)[0])
        return g.run(CTL + " show version", 15)[1] == 0

    t.wait_until(answers, 90, 1, "the switch in the guest to answer")


CTL = "/vsw/bin/vhost-ctl -s ipc:///run/vsw/cli.sock"


def ctl_json(g, *words):
    out = g.run_ok(CTL + " -j " + " ".join(words), 20)
    return json.loads(out)


def start_testpmd(g, peers=None):
    vdevs = " ".join("--vdev net_virtio_user%d,path=/run/vm%d.sock,mac=%s,queues=1"
                     % (i, i + 1, mac) for i, (mac, _) in enumerate(VMS))
    peers = " ".join("--eth-peer=%d,%s" % (i, (peers or {}).get(i, HOST_MAC))
                     for i in range(len(VMS)))
    g.run_ok("rm -f /tp.in; mkfifo /tp.in")
    # Its stdin the fifo, held open read-write by the subshell so that it
    # never sees end of file; commands go in with echo (testpmd()).
    g.run_ok("(exec 3<>/tp.in; dpdk-testpmd -l 0,1 --file-prefix tp --no-pci "
             "--single-file-segments -m 96 %s -- -i --total-num-mbufs=4096 --rxd=256 --txd=256 %s "
             "--forward-mode=rxonly <&3 >/tp.log 2>&1 &)" % (vdevs, peers))
    t.wait_until(lambda: "testpmd> " in g.run("cat /tp.log", 15)[0], 90, 1, "testpmd's prompt")


def testpmd(g, cmd):
    g.run_ok("echo '%s' > /tp.in" % cmd)


def stop_testpmd(g):
    """Ends testpmd by signal, not `quit`: its output is a file, block
    buffered, all there once it has exited, and the echo of a command typed
    in would land in the middle of a buffered line."""
    g.run_ok("kill -INT $(pidof dpdk-testpmd)")
    t.wait_until(lambda: g.run("pidof dpdk-testpmd")[1] != 0, 30, 0.5, "testpmd to exit")


def received(g):
    """[(port, src, dst, type, length)] testpmd's verbose rxonly printed."""
    log = g.run_ok("cat /tp.log", 30)
    out = []
    port = None
    for line in log.splitlines():
        m = re.search(r"port (\d+)/queue \d+: received", line)
        if m:
            port = int(m.group(1))
            continue
        m = re.search(r"src=(\S+) - dst=(\S+) .*type=(0x[0-9a-fA-F]+) - length=(\d+)", line)
        if m and port is not None:
            out.append((port, m.group(1).lower(), m.group(2).lower(), int(m.group(3), 16),
                        int(m.group(4))))
    return out


def check_vm2vm2(g, host):
    """vm2vm 2 on igb: QEMU's 82576 loops VM-to-VM frames back only with
    DTXSWC.VMDQ_LOOPBACK_EN, which DPDK's igb PMD never sets (its VMDq setup
    ignores enable_loop_back): vm1's frames to vm2 leave the NIC, vm2 gets
    none, and vhostsw says vm2vm 2 behaves as 0."""
    g.run_ok("kill $(pidof vhost-supervisor); i=0; while pidof vhost-supervisor >/dev/null "
             "&& [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; ! pidof vhost-supervisor", 40)
    start_switch(g, vm2vm=2)
    up = ctl_json(g, "show uplink")
    t.check(up["vm2vm"] == 2 and "behaves as vm2vm 0" in up["vm2vm_effect"],
            "vm2vm 2 on igb: show uplink says %r" % up["vm2vm_effect"])
    t.check("which PMD net_e1000_igb does not turn on" in g.run_ok("cat /sw.log", 20),
            "vm2vm 2 on igb: the supervisor logs it")
    start_testpmd(g, peers={0: VMS[1][0]})
    host.settimeout(0.5)
    testpmd(g, "set verbose 1")
    testpmd(g, "start tx_first")
    out = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and out == 0:
        try:
            data = host.recv(4096)
        except socket.timeout:
            continue
        out += data[:12] == mac_bytes(VMS[1][0]) + mac_bytes(VMS[0][0])
    time.sleep(2)
    stop_testpmd(g)
    looped = [r for r in received(g) if r[1] == VMS[0][0]]
    t.check(out > 0 and not looped,
            "vm2vm 2 on igb: vm1's frames to vm2 leave the NIC (%d seen by the host), vm2 "
            "receives none of them (%d): no NIC loopback" % (out, len(looped)))


def main():
    t0 = time.monotonic()
    got = prepare()
    if got is None:
        sys.exit(SKIP)
    qemu_root, gdir = got
    host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host.bind(("127.0.0.1", 0))
    t.register_cleanup(host.close)
    host_port = host.getsockname()[1]
    guest_port = free_udp_port()
    g = IgbGuest("igb", qemu_root, gdir, host_port, guest_port)
    g.start()
    g.wait_ready(90)
    print("guest booted in %.1fs" % g.boot_seconds, flush=True)
    start_switch(g)
    up = ctl_json(g, "show uplink")
    print("show uplink: mode %s: %s" % (up["mode"], up["mode_reason"]), flush=True)
    t.check(up["mode"] == "vmdq" and up["driver"] == "net_e1000_igb",
            "VMDq steering on igb (%s, %s)" % (up["driver"], up["mode_reason"]))
    pools = sorted(up["pools"], key=lambda p: p["pool"])
    t.check([(p["pool"], p["rx_queue"]) for p in pools] == [(0, 0), (1, 1), (2, 2)],
            "pool i on queue i: %s" % [(p["pool"], p["rx_queue"]) for p in pools])
    t.check(up["workers"][0]["rx_queues"] == [0, 1, 2],
            "the worker polls queues %s" % up["workers"][0]["rx_queues"])
    start_testpmd(g)
    print("switch and testpmd up at %.1fs" % (time.monotonic() - t0), flush=True)

    # The VMs' frames: one burst from each port, to the host's MAC.
    host.settimeout(0.5)
    testpmd(g, "set verbose 1")
    testpmd(g, "start tx_first")
    from_vms = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(from_vms) < len(VMS):
        try:
            data = host.recv(4096)
        except socket.timeout:
            continue
        src = ":".join("%02x" % b for b in data[6:12])
        tagged = struct.unpack("!H", data[12:14])[0] == 0x8100
        vid = struct.unpack("!H", data[14:16])[0] & 0xFFF if tagged else None
        from_vms.setdefault(src, set()).add((":".join("%02x" % b for b in data[:6]), vid))
    for mac, vlan in VMS:
        t.check(from_vms.get(mac) == {(HOST_MAC, vlan or None)},
                "the NIC sends %s's frames to %s%s: %s" % (
                    mac, HOST_MAC, " tagged %d" % vlan if vlan else " untagged",
                    from_vms.get(mac)))
    host.settimeout(0.05)
    while True:  # the rest of the bursts
        try:
            host.recv(4096)
        except socket.timeout:
            break

    for name, dst, vlan, length, _ in CASES:
        for _ in range(COPIES):
            host.sendto(frame(dst, length, vlan), ("127.0.0.1", guest_port))
            time.sleep(0.02)
    want_total = sum(c for _, _, _, _, w in CASES for c, _ in w.values())

    def delivered():
        return sum(p["rx_delivered"] for p in ctl_json(g, "show uplink")["pools"])

    try:
        t.wait_until(lambda: delivered() >= want_total, 30, 1,
                     "the pools to deliver %d frames" % want_total)
    except TimeoutError as exc:
        print("%s: the checks below say which" % exc, flush=True)
    time.sleep(2)  # anything more would be a duplicate
    up = ctl_json(g, "show uplink")
    print(g.run_ok(CTL + " show uplink", 20), flush=True)
    stop_testpmd(g)
    rx = [r for r in received(g) if r[1] == HOST_MAC]
    for name, dst, vlan, length, want in CASES:
        for vm in range(len(VMS)):
            c, rlen = want.get(vm, (0, None))
            hits = [r for r in rx if r[0] == vm and length - 4 <= r[4] <= length]
            t.check(len(hits) == c and all(r[4] == rlen and r[3] == 0x88B5 and r[2] == dst
                                           for r in hits),
                    "%s: vm%d received %d (want %d%s)" % (
                        name, vm + 1, len(hits), c,
                        ", untagged, %d bytes" % rlen if c else ""))
    known = {length - d for _, _, _, length, _ in CASES for d in range(5)}
    t.check(all(r[4] in known for r in rx), "no other frame from the host reached a VM: %s"
            % [r for r in rx if r[4] not in known])

    pools = {p["pool"]: p for p in up["pools"]}
    for vm in range(len(VMS)):
        want = sum(w[vm][0] for _, _, _, _, w in CASES if vm in w)
        p = pools[vm]
        t.check(p["rx_delivered"] >= want,
                "show uplink: pool %d (queue %d) delivered %d to vm%d (>= %d)"
                % (vm, p["rx_queue"], p["rx_delivered"], vm + 1, want))
    t.check(pools[0]["rx_not_owner"] >= 2 * COPIES,
            "show uplink: pool 0 dropped igb's default-pool frames (unknown unicast, vm1's "
            "MAC in VLAN 100): rx_not_owner %d" % pools[0]["rx_not_owner"])
    t.check(pools[2]["rx_not_owner"] >= COPIES,
            "show uplink: pool 2 (VLAN 100) dropped the untagged broadcast's copy: %d"
            % pools[2]["rx_not_owner"])
    t.check(pools[0]["rx_copies"] >= COPIES and pools[1]["rx_copies"] >= COPIES,
            "show uplink: each untagged pool dropped the broadcast's copy for the other VM "
            "(%d, %d)" % (pools[0]["rx_copies"], pools[1]["rx_copies"]))
    t.check(up["workers"][0]["rx_steered"] == 0, "nothing steered in software: %d"
            % up["workers"][0]["rx_steered"])
    check_vm2vm2(g, host)
    elapsed = time.monotonic() - t0
    print("whole run %.1fs" % elapsed, flush=True)
    g.kill()


if __name__ == "__main__":
    t.main(main)
