#!/usr/bin/env python3
"""Two dpdk-testpmd front ends (net_virtio_user) on two interfaces of one
bridge domain: one sends (txonly) for a while, one receives (rxonly). Every
packet the sender's port counted as sent must be counted by the receiver's
port, and by the switch's counters, for split and packed rings, with and
without mergeable RX buffers, with one and two queue pairs. With mergeable
buffers the front ends also negotiate VIRTIO_F_IN_ORDER (their in-order
paths then trust the switch to use buffers in the order they were made
available); without, they do not.

CPUs: the switch's one worker polls on core 1; vhostd, the supervisor and
both testpmds (main and forwarding lcore) share core 0, so the receiver is
often descheduled: the switch's rx-retry (long here) holds frames until it
runs again, and the sender's TX ring fills meanwhile. The test compares
counts, not rates; the rates it prints are only a rough sign of life."""

import os
import time

import dp_traffic as d
import vswtest as t

SEND_SECONDS = 3
IN_ORDER_BIT = 35
CASES = [(packed, mrg, queues)  # (packed_vq, mrg_rxbuf, queues)
         for packed in (0, 1) for mrg in (1, 0) for queues in (1, 2)]


def run_case(sw, socks, names, packed, mrg, queues):
    in_order = mrg
    label = "%s, mrg_rxbuf=%d, in_order=%d, queues=%d" % ("packed" if packed else "split", mrg,
                                                        in_order, queues)
    rx = d.testpmd("rx", socks[1], packed, mrg, queues, "rxonly", in_order=in_order)
    tx = d.testpmd("tx", socks[0], packed, mrg, queues, "txonly", in_order=in_order)
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, queues), 20, 0.3,
                     "%s: %s vrings enabled" % (label, name))
    for name in names:
        got = (d.vhost_user(sw, name)["features"] >> IN_ORDER_BIT) & 1
        t.check(got == in_order, "%s: %s negotiated VIRTIO_F_IN_ORDER=%d" % (label, name, got))
    time.sleep(0.5)  # the worker picks the rings up at its next housekeeping
    d.send_and_count(sw, label, tx, rx, names, SEND_SECONDS)
    rx.quit()
    tx.quit()


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == 2, "two interfaces: %s" % names)
    for packed, mrg, queues in CASES:
        run_case(sw, socks, names, packed, mrg, queues)
    sw.stop()


t.main(main)
