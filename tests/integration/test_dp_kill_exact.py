#!/usr/bin/env python3
"""Worker kills under steady traffic: nothing delivered twice, loss
bounded, and frames a killed worker held parked counted.

Python front ends (vhost_user_client), numbered frames, two workers:

- kills: a packed pair (A -> B) and a split pair (C -> D), all four on
  worker 1, forward in threads of their own while worker 1 is SIGKILLed
  KILLS times at random points (every fifth time SIGSTOPped instead, so
  that the supervisor's watchdog kills it). Checked by sequence numbers:
  no frame reaches its receiver twice, none that was not sent, and each
  pair lost at most a burst (32) per kill. The frames go guest to guest
  by the one-copy path (show runtime's frames_direct), so a kill lands in
  its copy as well: a half-written buffer handed over as used would be a
  foreign frame. What was at stake: a worker
  killed inside an mbuf free leaves stale pointers on top of its lcore's
  mempool cache, which lives in shared memory; its successor on the same
  lcore handed those mbufs out again (one mbuf for two frames: one
  delivered twice, the other lost). The packed ring's used descriptors
  and its progress word in the memzone are checked on the way.
- park: A's pair on worker 0, B's on worker 1. Worker 1 is stopped while
  B's front end sends a new call fd for its RX ring, so vhostd pauses that
  ring and waits; vhostd is then stopped and worker 1 let go: it
  acknowledges the pause and parks A's frames for B (dp_park.c). Worker 1
  is killed holding them; its successor counts them: `show workers -j`
  parked_lost, `show errors` parked_lost_in_kill, a log line; and B's
  loss is those frames, plus at most the burst in hand."""

import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_dp_isolation as iso  # noqa: E402
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

KILLS = 20
BURST = 32


def worker(sw, idx):
    return sw.ctl("show", "workers", json=True)["workers"][idx]


def running_pid(sw, idx, old):
    """The pid of worker idx once a process other than old runs it."""
    try:
        w = worker(sw, idx)
    except (RuntimeError, OSError):
        return None
    return w["pid"] if w["state"] == "running" and w["pid"] not in (0, old) else None


def counted(errs):
    """Frames `show errors` counts as dropped (leaked mbufs are not frames)."""
    return sum(e["count"] for e in errs["errors"] if e["reason"] != "leaked_mbufs")


def no_interrupts(fe):
    """The front end polls: no call is written to it, so a SIGSTOP never
    lands in a call write, which the watchdog would take for a call fd trap
    and stop the interface for (test_dp_isolation covers that)."""
    for d in (fe.rx.d, fe.tx):
        if fe.packed:
            vu.store_u16(d.mem, d.avail_gpa + 2, 1)  # driver event flags: disable
        else:
            vu.store_u16(d.mem, d.avail_gpa, 1)  # VRING_AVAIL_F_NO_INTERRUPT


def pin(sw, name, wk):
    sw.ctl("set", "interface", "rx-placement", name, "queue", "0", "worker", str(wk))


def audit(label, honest, kills):
    sent, got, intact = honest.settle()
    dups, foreign = len(honest.dups), len(honest.foreign)
    lost = sent - (got - dups)
    print("%s: %d kills: received %d of %d (%d lost, %d twice, %d foreign)"
          % (label, kills, got - dups, sent, lost, dups, foreign), flush=True)
    t.check(dups == 0 and foreign == 0, "%s: no frame delivered twice (%d), none foreign (%d)"
            % (label, dups, foreign))
    t.check(0 <= lost <= kills * BURST, "%s: lost %d <= a burst per kill (%d)"
            % (label, lost, kills * BURST))
    return sent, got - dups


def kills(sw, pairs):
    honest = []
    for a, b in pairs:
        h = iso.HonestTraffic(a, b)
        h.start()
        honest.append(h)
    for h in honest:
        h.progress("kills: %s -> %s forwarding" % (h.a.name, h.b.name))
    direct = sw.ctl("show", "runtime", json=True)["workers"][1]["since_start"]["frames_direct"]
    t.check(direct > 0, "kills: the frames take the one-copy path (frames_direct %d), so a kill "
            "lands in it too" % direct)
    rnd = random.Random(int(os.environ.get("VSW_KILL_SEED", "7")))
    watchdog = 0
    t0 = time.monotonic()
    for k in range(KILLS):
        for h in honest:
            h.progress("kills %d: %s -> %s forwarding" % (k, h.a.name, h.b.name), n=8)
        time.sleep(rnd.uniform(0, 0.004))
        old = worker(sw, 1)["pid"]
        if k % 5 == 4:
            os.kill(old, signal.SIGSTOP)  # the watchdog's SIGKILL lands wherever it stopped
            watchdog += 1
        else:
            os.kill(old, signal.SIGKILL)
        t.wait_until(lambda: running_pid(sw, 1, old), 10, 0.01, "kills %d: worker 1 back" % k)
    print("kills: %d kills (%d by the watchdog) in %.1f s" % (KILLS, watchdog,
                                                               time.monotonic() - t0), flush=True)
    for h in honest:
        audit("kills %s (%s)" % (h.a.name, "packed" if h.a.packed else "split"), h, KILLS)
    w = worker(sw, 1)
    t.check(w["restarts"] >= KILLS, "kills: show workers: %d restarts" % w["restarts"])
    errs = sw.ctl("show", "errors", json=True)
    print("kills: show workers: restarts %d; show errors: %s" % (w["restarts"], errs), flush=True)


def park(sw, a, b):
    pin(sw, a.name, 0)
    pin(sw, b.name, 1)
    lost_before = worker(sw, 1)["parked_lost"]
    counted_before = counted(sw.ctl("show", "errors", json=True))
    honest = iso.HonestTraffic(a, b)
    honest.start()
    honest.progress("park: A on worker 0 -> B on worker 1 forwarding")
    w1, vhostd = worker(sw, 1)["pid"], sw.vhostd_pid()
    log_from = len(sw.log_text())
    os.kill(w1, signal.SIGSTOP)
    try:
        b.new_call(0)  # vhostd pauses B's RX ring and waits for worker 1
        time.sleep(0.05)
        os.kill(vhostd, signal.SIGSTOP)  # it cannot release the ring now
        os.kill(w1, signal.SIGCONT)  # acks the pause, then parks A's frames for B
        time.sleep(0.2)
        sent_at_kill = honest.count()[0]
        os.kill(w1, signal.SIGKILL)
        # vhostd is stopped: no RPC, the process list and the log.
        t.wait_until(lambda: sw.worker_pids().get("1") not in (None, w1) and
                     "worker 1: its predecessor was killed holding" in sw.log_text()[log_from:],
                     10, 0.01, "park: worker 1 back, counting what it held")
    finally:
        os.kill(vhostd, signal.SIGCONT)
    honest.progress("park: forwarding again after the kill")
    sent, got, _ = honest.settle()
    dups = len(honest.dups)
    parked = worker(sw, 1)["parked_lost"] - lost_before
    errs = sw.ctl("show", "errors", json=True)
    other = counted(errs) - counted_before - parked
    lost = sent - (got - dups)
    print("park: %d frames sent when worker 1 was killed; %d of %d received, %d lost: "
          "%d counted parked_lost, %d counted otherwise (%s); %d twice"
          % (sent_at_kill, got - dups, sent, lost, parked, other, errs, dups), flush=True)
    t.check(parked > 0, "park: show workers -j: worker 1 parked_lost %d" % parked)
    t.check(dups == 0 and not honest.foreign, "park: nothing delivered twice")
    # Besides the parked frames: worker 0's ring to the stopped worker 1
    # overflowing, and B's RX ring when they all came at once.
    t.check(parked + other <= lost <= parked + other + BURST,
            "park: lost %d = counted %d + %d + at most a burst in hand" % (lost, parked, other))
    t.check(any(e["reason"] == "parked_lost_in_kill" and e["count"] >= parked
                for e in errs["errors"]), "park: show errors names parked_lost_in_kill")


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "k%d.sock" % i) for i in range(4)]
    sw = t.Switch("swkill", workers=[0, 1], interfaces=[
        {"socket": s, "server": True, "bridge": 1 + i // 2} for i, s in enumerate(socks)]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    for n in names:
        pin(sw, n, 1)
    a, b, c, d = (iso.FrontEnd(sw, names[i], socks[i], i < 2, 0x0A + i) for i in range(4))
    for fe in (a, b, c, d):
        no_interrupts(fe)
        t.check(fe.send(iso.mac(0xFF), 1), "%s's first frame used" % fe.name)
    time.sleep(0.3)
    for fe in (a, b, c, d):
        fe.rx.frames()  # the floods of learning
    kills(sw, [(a, b), (c, d)])
    park(sw, a, b)
    for fe in (a, b, c, d):
        fe.c.close()
    sw.stop()


t.main(main)
