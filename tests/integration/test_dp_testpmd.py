#!/usr/bin/env python3
"""Two dpdk-testpmd front ends (net_virtio_user) on two interfaces of one
bridge domain: one sends (txonly) for a while, one receives (rxonly). Every
packet the sender's port counted as sent must be counted by the receiver's
port, and by the switch's counters, for split and packed rings, with and
without mergeable RX buffers, with one and two queue pairs.

CPUs: the switch's one worker polls on core 1; vhostd, the supervisor and
both testpmds (main and forwarding lcore) share core 0, so the receiver is
often descheduled: the switch's rx-retry (long here) holds frames until it
runs again, and the sender's TX ring fills meanwhile. The test compares
counts, not rates; the rates it prints are only a rough sign of life."""

import os
import time

import vswtest as t

SEND_SECONDS = 3
CASES = [(packed, mrg, queues)  # (packed_vq, mrg_rxbuf, queues)
         for packed in (0, 1) for mrg in (1, 0) for queues in (1, 2)]


class PinnedTestpmd(t.Testpmd):
    """testpmd with its main and forwarding lcores both on CPU 0."""

    def argv(self):
        argv = super().argv()
        i = argv.index("-l")
        argv[i:i + 2] = ["--lcores", "0@0,1@0"]
        return argv


def start_switch(socks):
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks])
    # Long retries: the receiver shares its CPU and sleeps for whole time
    # slices; the worker waits for it rather than drop.
    conf = sw.conf_text().replace(
        "vhost {\n", "vhost {\n  rx-retry on\n  rx-retry-delay 100\n  rx-retry-num 1024\n", 1)
    return sw.start(conf=conf)


def testpmd(name, sock, packed, mrg, queues, fwd):
    vdev = ("net_virtio_user0,path=%s,queues=%d,packed_vq=%d,mrg_rxbuf=%d,in_order=0"
            % (sock, queues, packed, mrg))
    tp = PinnedTestpmd(t.unique(name), vdevs=[vdev], app_args=[
        "--total-num-mbufs=16384", "--nb-cores=1", "--rxq=%d" % queues, "--txq=%d" % queues,
        "--no-lsc-interrupt"]).start()
    tp.cmd("set fwd %s" % fwd)
    tp.wait_for(r"Set %s packet forwarding mode" % fwd)
    return tp


def vrings_running(sw, name, queues):
    """The worker has started every vring of the interface."""
    ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    vqs = ifc["virtqueues"][:2 * queues]
    return len(vqs) == 2 * queues and all(q["enabled"] and q["qsz"] > 0 for q in vqs)


def iface_counters(sw, name):
    return sw.ctl("show", "interface", name, json=True)["interfaces"][0]


def run_case(sw, socks, names, packed, mrg, queues):
    label = "%s, mrg_rxbuf=%d, queues=%d" % ("packed" if packed else "split", mrg, queues)
    before_rx = iface_counters(sw, names[1])
    rx = testpmd("rx", socks[1], packed, mrg, queues, "rxonly")
    tx = testpmd("tx", socks[0], packed, mrg, queues, "txonly")
    for name in names:
        t.wait_until(lambda n=name: vrings_running(sw, n, queues), 20, 0.3,
                     "%s: %s vrings enabled" % (label, name))
    time.sleep(0.5)  # the worker picks the rings up at its next housekeeping
    rx.cmd("start")
    rx.wait_for(r"rxonly packet forwarding")
    tx.cmd("start")
    tx.wait_for(r"txonly packet forwarding")
    time.sleep(SEND_SECONDS)
    tx.cmd("stop")
    tx.wait_for(r"Done\.", 20)
    sent = tx.port_stats(0)["tx_packets"]

    def received():
        got = rx.port_stats(0)["rx_packets"]
        return got if got >= sent else None

    try:
        got = t.wait_until(received, 20, 0.5, "%s: receiver to count %d packets" % (label, sent))
    except TimeoutError:
        got = rx.port_stats(0)["rx_packets"]
    after_rx = iface_counters(sw, names[1])
    switch_tx = after_rx["tx_packets"] - before_rx["tx_packets"]
    print("%s: sent %d, received %d, switch sent %d to the receiver (%.2f Mpps under a shared "
          "CPU)" % (label, sent, got, switch_tx, sent / SEND_SECONDS / 1e6), flush=True)
    t.check(sent > 10000, "%s: the sender sent traffic (%d packets)" % (label, sent))
    t.check(got == sent, "%s: every packet sent was received (%d of %d)" % (label, got, sent))
    rx.quit()
    tx.quit()
    t.wait_until(lambda: switch_tx_settled(sw, names[1], after_rx), 10, 0.5,
                 "%s: switch counters settled" % label)
    final = iface_counters(sw, names[1])
    t.check(final["tx_packets"] - before_rx["tx_packets"] == sent,
            "%s: the switch counted %d packets to the receiver" % (label, sent))


def switch_tx_settled(sw, name, seen):
    return iface_counters(sw, name)["tx_packets"] >= seen["tx_packets"]


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = start_switch(socks)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == 2, "two interfaces: %s" % names)
    for packed, mrg, queues in CASES:
        run_case(sw, socks, names, packed, mrg, queues)
    sw.stop()


t.main(main)
