#!/usr/bin/env python3
"""A real QEMU guest negotiates fully with vhostsw, in both socket modes:

* server mode: vhostsw listens (`create vhost-user socket <p> server`),
  QEMU connects as the client;
* client mode: QEMU is the server (`server=on,wait=off`), vhostsw connects
  (`create vhost-user socket <p>`).

Each time `vhost-ctl show vhost-user` (JSON and text) must show
VIRTIO_F_VERSION_1 among the negotiated features, the guest's memory table
(the 256M of guest RAM as QEMU splits it, at guest physical 0), and both
virtqueues enabled and started with qsz 256; inside the guest eth0 has its
carrier, and the rings vhostsw shows are the ones the guest driver uses:
the RX ring holds the buffers the guest posted and the TX ring's avail.idx
moves when the guest sends.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import negotiation as n  # noqa: E402

GUEST_MEM = 256 << 20


def attach(sw, mode):
    """Creates the interface and boots a guest on it; returns (name, guest).
    In client mode QEMU must own the socket first, so the guest starts
    before the interface exists (vhostsw retries until the socket is there)."""
    sock = os.path.join(t.workdir(), "%s.sock" % mode)
    guest = t.Guest("g-" + mode, sock, server=(mode == "client"), ip="10.0.0.1/24")
    if mode == "server":
        name = sw.ctl("create", "vhost-user", "socket", sock, "server").strip()
        guest.start()
    else:
        guest.start()
        name = sw.ctl("create", "vhost-user", "socket", sock).strip()
    guest.wait_ready()
    print("guest %s booted in %.1fs" % (guest.name, guest.boot_seconds), flush=True)
    return name, guest


def check_mode(sw, mode):
    name, guest = attach(sw, mode)
    ifc = n.wait_negotiated(sw, name, queue_pairs=1, timeout=60)
    t.check(ifc["type"] == mode, "%s: interface type %s" % (name, mode))
    n.check_features(ifc, ["VIRTIO_F_VERSION_1"])
    n.check_guest_memory(ifc, GUEST_MEM)
    n.check_virtqueues(ifc, 2, qsz=256)
    n.check_text(sw, name, ifc, 2, qsz=256)

    out, rc = guest.run("cat /sys/class/net/eth0/carrier")
    t.check(rc == 0 and out.strip() == "1", "%s: guest eth0 carrier is 1 (got %r)" % (name, out))
    guest.wait_link(up=True)
    out, rc = guest.run("cat /sys/class/net/eth0/operstate")
    t.check(rc == 0 and out.strip() == "up", "%s: guest eth0 operstate up (got %r)" % (name, out))

    # The guest posted its receive buffers on the RX ring vhostsw reads.
    rx = ifc["virtqueues"][0]
    t.check(rx["avail_idx"] is not None and rx["avail_idx"] > 0,
            "%s: RX avail.idx %s read from guest memory (guest posted buffers)"
            % (name, rx["avail_idx"]))
    # A frame the guest sends shows up on the TX ring vhostsw reads.
    before = n.vq(sw, name, 1)["avail_idx"]
    guest.run("ping -c 2 -W 1 10.0.0.2")
    t.wait_until(lambda: n.vq(sw, name, 1)["avail_idx"] != before, 15, 0.3,
                 "%s: TX avail.idx to move after the guest sends" % name)
    after = n.vq(sw, name, 1)["avail_idx"]
    t.check(after != before, "%s: TX avail.idx moved from %s to %s when the guest sent"
            % (name, before, after))

    guest.stop()
    t.wait_until(lambda: n.iface(sw, name)["conn_state"] != "connected", 15, 0.3,
                 "%s: not connected once QEMU is gone" % name)
    sw.ctl("delete", "vhost-user", name)


def check_multiqueue(sw):
    """QEMU with queues=2 runs one vhost device per queue pair on the one
    socket, and each adds every memory region: the second copy must be
    taken as the same region (not an overlap), or QEMU falls back to
    userspace virtio and all four rings stay down."""
    sock = os.path.join(t.workdir(), "mq.sock")
    name = sw.ctl("create", "vhost-user", "socket", sock, "server").strip()
    guest = t.Guest("g-mq", sock, queues=2, ip="10.0.0.1/24")
    guest.start()
    guest.wait_ready()
    ifc = n.wait_negotiated(sw, name, queue_pairs=2, timeout=60)
    n.check_guest_memory(ifc, GUEST_MEM)
    n.check_virtqueues(ifc, 4, qsz=256)
    log = guest.log_text()
    t.check("vhost_set_mem_table failed" not in log and "falling back" not in log,
            "%s: QEMU kept vhost-user for both queue pairs (log: %r)" % (name, log[-300:]))
    guest.stop()
    sw.ctl("delete", "vhost-user", name)


def main():
    sw = t.Switch("sw").start()
    check_mode(sw, "server")
    check_mode(sw, "client")
    check_multiqueue(sw)
    sw.stop()


t.main(main)
