#!/usr/bin/env python3
"""dpdk-testpmd's virtio-user front end (`net_virtio_user0,path=SOCK,
queues=2`) negotiates with vhostsw listening on SOCK: `show vhost-user`
shows MQ among the features, two queue pairs, a memory table covering
testpmd's hugepage memory, and four vrings enabled and started; a burst
testpmd sends moves avail.idx on both TX rings. The packed-ring variant
(`packed_vq=1`) negotiates VIRTIO_F_RING_PACKED and shows its four vrings as
packed.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import negotiation as n  # noqa: E402

MEM_MB = 128
QSZ = 256  # virtio-user's default queue size


def run_front_end(sw, label, packed):
    sock = os.path.join(t.workdir(), "%s.sock" % label)
    name = sw.ctl("create", "vhost-user", "socket", sock, "server").strip()
    vdev = "net_virtio_user0,path=%s,queues=2,queue_size=%d" % (sock, QSZ)
    if packed:
        vdev += ",packed_vq=1"
    # --rxq/--txq 2: testpmd sets up (and so the front end enables) both pairs.
    tp = t.Testpmd(t.unique(label), vdevs=[vdev], mem_mb=MEM_MB,
                   app_args=["--total-num-mbufs=8192", "--rxq=2", "--txq=2"]).start()
    ifc = n.wait_negotiated(sw, name, queue_pairs=2, timeout=30)
    features = ["VIRTIO_F_VERSION_1", "VIRTIO_NET_F_MQ"]
    if packed:
        features.append("VIRTIO_F_RING_PACKED")
    else:
        t.check("VIRTIO_F_RING_PACKED" not in n.feature_names(ifc),
                "%s: split rings (no VIRTIO_F_RING_PACKED)" % name)
    n.check_features(ifc, features, protocol=["VHOST_USER_PROTOCOL_F_MQ"])
    t.check(ifc["num_queue_pairs"] == 2, "%s: 2 queue pairs (got %d)"
            % (name, ifc["num_queue_pairs"]))
    t.check(len(ifc["virtqueues"]) == 4, "%s: exactly four vrings shown (got %d)"
            % (name, len(ifc["virtqueues"])))
    n.check_virtqueues(ifc, 4, qsz=QSZ, packed=packed)
    n.check_text(sw, name, ifc, 4, qsz=QSZ, packed=packed)

    regions = ifc["memory_regions"]
    total = sum(r["memory_size"] for r in regions)
    t.check(total >= MEM_MB << 20, "%s: memory table covers testpmd's %dM (0x%x bytes in %d "
            "region(s))" % (name, MEM_MB, total, len(regions)))
    # virtio-user hands its virtual addresses over as "guest physical" ones.
    t.check(all(r["guest_phys_addr"] == r["userspace_addr"] for r in regions),
            "%s: virtio-user regions have guest_phys_addr == userspace_addr" % name)

    if not packed:
        # One burst per TX queue: both TX rings vhostsw shows are live.
        tp.cmd("start tx_first")
        tp.wait_for(r"testpmd> ")
        tp.cmd("stop")
        tp.wait_for(r"Done\.")

        def tx_moved():
            vqs = n.iface(sw, name)["virtqueues"]
            return all(vqs[i]["avail_idx"] for i in (1, 3)) and vqs
        t.wait_until(tx_moved, 10, 0.3, "%s: avail.idx of TX vrings 1 and 3" % name)
        vqs = n.iface(sw, name)["virtqueues"]
        t.check(vqs[1]["avail_idx"] and vqs[3]["avail_idx"],
                "%s: testpmd's burst moved avail.idx of TX vrings 1 and 3 (%s, %s)"
                % (name, vqs[1]["avail_idx"], vqs[3]["avail_idx"]))

    rc = tp.quit()
    t.check(rc == 0, "%s: testpmd quit with 0 (got %s)" % (name, rc))
    n.wait_gone(sw, name)
    sw.ctl("delete", "vhost-user", name)


def main():
    sw = t.Switch("sw").start()
    run_front_end(sw, "split", packed=False)
    run_front_end(sw, "packed", packed=True)
    sw.stop()


t.main(main)
