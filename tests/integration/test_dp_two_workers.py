#!/usr/bin/env python3
"""Two workers: the sender has two queue pairs, the receiver one.

* Default placement spreads queue pairs over the workers by count (round
  robin over every queue of every interface): each pair's two vrings on one
  worker, the sender's pairs on both workers, the three pairs split 2/1, so
  the receiver's only pair and the sender's first are on different workers
  (with "queue i on worker i mod W" both were on worker 0). Frames one
  worker dequeues for an RX queue the other owns cross through their
  single-producer/single-consumer ring. Every packet sent must arrive.
* `show runtime` counts what the workers moved (frames in, frames out,
  polls, clocks per frame) and `clear runtime` starts the since-clear
  figures from zero without touching the since-start ones.
* `set interface rx-placement` pins the receiver's pair on worker 1.
* A rebalance under traffic: the sender's pairs are put on worker 1 and
  unpinned (`worker auto`), so worker 1 polls everything and worker 0
  nothing; `set rx-placement rebalance` (by cycles) moves exactly one of
  the sender's busy pairs to worker 0 while the sender runs, through the
  ring pause handshake; then the receiver's RX ring is moved to worker 0
  and back, still under traffic; not one frame is lost.

On two CPUs the workers poll cores 0 and 1 and the first shares core 0
with the main core and the testpmd front ends: slow, but every frame must
still arrive (the receiver's rx-retry waits for it)."""

import json
import os
import time

import dp_traffic as d
import vswtest as t

SEND_SECONDS = 3


def placement(sw, name, pairs):
    vqs = d.vhost_user(sw, name)["virtqueues"][:2 * pairs]
    return {q["index"]: q["worker"] for q in vqs}


def runtime(sw):
    return sw.ctl("show", "runtime", json=True)


def retry_busy(sw, *words):
    """A move needs the owning worker to pause the ring within 20 ms; one
    waiting out rx-retry on a loaded machine may not, and the command then
    says so and moves nothing: ask again."""
    for _ in range(10):
        r = sw._run_ctl(words, True, 10)
        if r.returncode == 0:
            return json.loads(r.stdout) if r.stdout.strip() else None
        t.check("did not pause it, not moved" in r.stderr,
                "%s: %s" % (" ".join(words), r.stderr))
        time.sleep(0.3)
    raise RuntimeError("%s: the worker never paused the ring" % " ".join(words))


def check_default_placement(sw, names):
    snd, rcv = placement(sw, names[0], 2), placement(sw, names[1], 1)
    t.check(all(p[2 * i] == p[2 * i + 1] for p, n in ((snd, 2), (rcv, 1)) for i in range(n)),
            "each queue pair's vrings share a worker: %s %s" % (snd, rcv))
    t.check({snd[0], snd[2]} == {0, 1}, "the sender's queue pairs are on both workers: %s" % snd)
    t.check(rcv[0] != snd[0], "the receiver's and the sender's first queue pairs are on "
            "different workers: %s %s" % (rcv, snd))
    text = sw.ctl("show", "vhost-user", names[0])
    t.check("vring 2 on worker %d" % snd[2] in text and "vring 1 on worker %d" % snd[1] in text,
            "show vhost-user prints the placement")
    return snd


def check_runtime(sw, sent):
    def settled():  # the workers publish at housekeeping
        r = runtime(sw)
        got = sum(w["since_start"]["frames_out"] for w in r["workers"])
        return r if got >= sent else None

    r = t.wait_until(settled, 5, 0.3, "show runtime counts the frames")
    print("show runtime: %s" % r, flush=True)
    fin = sum(w["since_start"]["frames_in"] for w in r["workers"])
    fout = sum(w["since_start"]["frames_out"] for w in r["workers"])
    t.check(fin >= sent and fout >= sent,
            "show runtime: frames in %d and out %d, at least the %d sent" % (fin, fout, sent))
    for w in r["workers"]:
        s = w["since_start"]
        t.check(s["polls"] > s["idle_polls"] and s["frames_in"] > 0 and
                s["clocks_per_frame"] > 0 and s["busy_cycles"] <= s["cycles"],
                "worker %d took frames in, with busy polls and clocks per frame: %s"
                % (w["worker"], s))
    t.check(r["since_clear_s"] is None and
            r["workers"][0]["since_clear"] == r["workers"][0]["since_start"],
            "never cleared: since clear is since start")
    text = sw.ctl("show", "runtime")
    t.check("clk/frame" in text and "since clear" in text, "show runtime prints a table")
    sw.ctl("clear", "runtime")
    time.sleep(0.3)
    c = runtime(sw)
    t.check(c["since_clear_s"] is not None and
            all(w["since_clear"]["frames_in"] == 0 and w["since_clear"]["polls"] > 0 and
                w["since_start"]["frames_in"] >= o["since_start"]["frames_in"]
                for w, o in zip(c["workers"], r["workers"])),
            "clear runtime: nothing moved since, polls go on, since start kept: %s" % c)


def placed_queues(sw):
    """show interface rx-placement -j's queues, each with its worker, in
    interface and queue order."""
    workers = sw.ctl("show", "interface", "rx-placement", json=True)["workers"]
    return sorted((dict(q, worker=w["worker"]) for w in workers for q in w["queues"]),
                  key=lambda q: (q["interface"], q["queue"]))


def rebalance_under_traffic(sw, tx, rx, names):
    for q in (0, 1):
        sw.ctl("set", "interface", "rx-placement", names[0], "queue", str(q), "worker", "1")
        sw.ctl("set", "interface", "rx-placement", names[0], "queue", str(q), "worker", "auto")
    t.check(placement(sw, names[0], 2) == {0: 1, 1: 1, 2: 1, 3: 1},
            "the sender's pairs are on worker 1, unpinned")
    pl = placed_queues(sw)
    t.check([q["pinned"] for q in pl if q["interface"] == names[0]] == [False, False] and
            [q["pinned"] for q in pl if q["interface"] == names[1]] == [True],
            "show interface rx-placement: the receiver pinned, the sender not: %s" % pl)
    for tp in (tx, rx):
        tp.cmd("clear port stats all")
    before, overload = d.iface_counters(sw, names[1]), d.overload_drops(sw)
    d.start_traffic(tx, rx)
    time.sleep(0.5)
    sw.ctl("clear", "runtime")
    time.sleep(1)
    pl = placed_queues(sw)
    busy = [q for q in pl if q["interface"] == names[0]]
    print("before the rebalance: %s" % pl, flush=True)
    t.check(all(q["worker"] == 1 and q["busy_cycles"] > 0 and 0 < q["share"] <= 1 for q in busy),
            "each sender queue has a share of worker 1's cycles: %s" % busy)
    moves = retry_busy(sw, "set", "rx-placement", "rebalance")
    print("rebalance: %s" % moves, flush=True)
    t.check(moves["rx_placement"] == "cycles" and len(moves["moves"]) == 1 and
            moves["moves"][0]["name"] == names[0] and moves["moves"][0]["from"] == 1 and
            moves["moves"][0]["to"] == 0,
            "the rebalance moved one of the sender's pairs to worker 0: %s" % moves)
    snd = placement(sw, names[0], 2)
    t.check(sorted([snd[0], snd[2]]) == [0, 1], "the sender's pairs on both workers: %s" % snd)
    # The receiver's RX ring changes hands under traffic too, twice: frames
    # for it wait while it moves (dataplane/dp_park.c), none is dropped.
    for worker in (0, 1):
        time.sleep(SEND_SECONDS / 3)
        retry_busy(sw, "set", "interface", "rx-placement", names[1], "queue", "0", "worker",
                   str(worker))
        t.check(placement(sw, names[1], 1) == {0: worker, 1: worker},
                "the receiver's pair moved to worker %d under traffic" % worker)
    time.sleep(SEND_SECONDS / 3)
    # On this loaded machine a receiver starved of CPU for over a second can
    # make a ring stay full past rx-retry: such drops are counted and
    # allowed for; a frame lost to a ring changing hands is not.
    d.stop_and_count(sw, "rebalanced and moved under traffic", tx, rx, names, before,
                     SEND_SECONDS + 1.5, overload_before=overload)
    workers = sw.ctl("show", "workers", json=True)["workers"]
    rxq = d.vhost_user(sw, names[1])["virtqueues"][0]["counters"]
    t.check(all(w["no_rxq_drops"] == 0 for w in workers) and rxq["drops_other"] == 0,
            "no frame dropped for want of a ring while the rings changed hands: %s %s"
            % (workers, rxq))
    moved = 2 * moves["moves"][0]["queue"] + 1
    n = d.vhost_user(sw, names[0])["virtqueues"][moved]
    t.check(n["worker"] == 0, "the moved TX vring runs on worker 0: %s" % n)


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [0, 1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    rx = d.testpmd("rx", socks[1], 0, 1, 1, "rxonly")
    t.wait_until(lambda: d.vrings_enabled(sw, names[1], 1), 20, 0.3, "receiver's 2 vrings")
    tx = d.testpmd("tx", socks[0], 0, 1, 2, "txonly")
    t.wait_until(lambda: d.vrings_enabled(sw, names[0], 2), 20, 0.3, "sender's 4 vrings")
    time.sleep(0.5)

    check_default_placement(sw, names)
    sent = d.send_and_count(sw, "two workers", tx, rx, names, SEND_SECONDS)
    vq3 = d.vhost_user(sw, names[0])["virtqueues"][3]["counters"]["packets"]
    t.check(vq3 > 0, "the sender's second queue pair carried traffic (%d)" % vq3)
    workers = sw.ctl("show", "workers", json=True)["workers"]
    t.check(all(w["xw_drops"] == 0 and w["no_rxq_drops"] == 0 for w in workers),
            "no frame dropped between the workers: %s" % workers)
    check_runtime(sw, sent)

    # The user's placement: the receiver's only queue pair moves to worker 1.
    rx.cmd("stop")
    rx.wait_for(r"Done\.", 20)
    sw.ctl("set", "interface", "rx-placement", names[1], "queue", "0", "worker", "1")
    t.check(placement(sw, names[1], 1) == {0: 1, 1: 1},
            "receiver's queue pair moved to worker 1")
    for tp in (tx, rx):  # this round's counts only
        tp.cmd("clear port stats all")
    d.send_and_count(sw, "after rx-placement", tx, rx, names, SEND_SECONDS)
    rc, bad = sw.ctl_fail("set", "interface", "rx-placement", names[1], "queue", "0", "worker",
                          "2")
    t.check(rc != 0 and "worker 2 does not exist, expected 0-1" in bad,
            "a worker that does not exist is refused: %d %r" % (rc, bad))

    rx.cmd("stop")
    rx.wait_for(r"Done\.", 20)
    rebalance_under_traffic(sw, tx, rx, names)
    rx.quit()
    tx.quit()
    sw.stop()


t.main(main)
