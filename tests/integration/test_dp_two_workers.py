#!/usr/bin/env python3
"""Two workers: the sender's two queue pairs are placed on both (queue
pair i on worker i mod 2), the receiver has one queue pair, on worker 0.
Frames the sender puts on its second queue pair are dequeued by worker 1
and cross to worker 0 through their single-producer/single-consumer ring.
Every packet sent must arrive, `show vhost-user` must show the placement,
and the second queue pair must have carried traffic.

On two CPUs the workers poll cores 0 and 1 and the first shares core 0
with the main core and the testpmd front ends: slow, but every frame must
still arrive (the receiver's rx-retry waits for it)."""

import os
import time

import dp_traffic as d
import vswtest as t

SEND_SECONDS = 3


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [0, 1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    rx = d.testpmd("rx", socks[1], 0, 1, 1, "rxonly")
    tx = d.testpmd("tx", socks[0], 0, 1, 2, "txonly")
    t.wait_until(lambda: d.vrings_enabled(sw, names[0], 2), 20, 0.3, "sender's 4 vrings")
    t.wait_until(lambda: d.vrings_enabled(sw, names[1], 1), 20, 0.3, "receiver's 2 vrings")
    time.sleep(0.5)

    placed = {q["index"]: q["worker"] for q in d.vhost_user(sw, names[0])["virtqueues"][:4]}
    t.check(placed == {0: 0, 1: 0, 2: 1, 3: 1},
            "sender's queue pairs on workers 0 and 1: %s" % placed)
    text = sw.ctl("show", "vhost-user", names[0])
    t.check("vring 2 on worker 1" in text and "vring 1 on worker 0" in text,
            "show vhost-user prints the placement")

    d.send_and_count(sw, "two workers", tx, rx, names, SEND_SECONDS)
    vq3 = d.vhost_user(sw, names[0])["virtqueues"][3]["counters"]["packets"]
    t.check(vq3 > 0, "worker 1 dequeued from the sender's second queue pair (%d)" % vq3)
    workers = sw.ctl("show", "workers", json=True)["workers"]
    t.check(all(w["xw_drops"] == 0 and w["no_rxq_drops"] == 0 for w in workers),
            "no frame dropped between the workers: %s" % workers)

    # The user's placement: the receiver's only queue pair moves to worker 1
    # (the sender's first queue pair now crosses from worker 0).
    sw.ctl("set", "interface", "rx-placement", names[1], "queue", "0", "worker", "1")
    placed = {q["index"]: q["worker"] for q in d.vhost_user(sw, names[1])["virtqueues"][:2]}
    t.check(placed == {0: 1, 1: 1}, "receiver's queue pair moved to worker 1: %s" % placed)
    rx.cmd("stop")
    rx.wait_for(r"Done\.", 20)
    for tp in (tx, rx):  # this round's counts only
        tp.cmd("clear port stats all")
    d.send_and_count(sw, "after rx-placement", tx, rx, names, SEND_SECONDS)
    rc, bad = sw.ctl_fail("set", "interface", "rx-placement", names[1], "queue", "0", "worker",
                          "2")
    t.check(rc != 0 and "worker 2 does not exist, expected 0-1" in bad,
            "a worker that does not exist is refused: %d %r" % (rc, bad))
    rx.quit()
    tx.quit()
    sw.stop()


t.main(main)
