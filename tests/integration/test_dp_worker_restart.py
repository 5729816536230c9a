#!/usr/bin/env python3
"""A worker SIGKILLed while it forwards: the supervisor starts it again on
the same core, it takes its rings over from the memzone and the vault (split
rings resume from the used idx in guest memory) and traffic flows again
without the front ends noticing anything.

Checked: the new worker is running with a fresh heartbeat within one second
of the kill; the receiver counts frames again; after the sender stops, the
packets the crash cost (sent - received) are printed and bounded. The bound:
the TX engine publishes the sender's used idx as soon as a burst is copied
into mbufs, so what a dead worker loses is the burst it held between the
sender's TX ring and the receiver's RX ring: at most VIRTQ_BURST (32)
frames per guest TX ring it owned (one here). Nothing is delivered twice:
the new worker resumes the sender's ring from its used idx, past every
frame already copied out, and the receiver's from its used idx, so RX
buffers written but not published are simply written again. Packed rings
have no used idx: the worker announces each used descriptor in the
memzone before writing it, and its successor checks that one slot in the
guest's ring (virtq_packed_resume); with VIRTIO_F_IN_ORDER, as here, a TX
burst goes back as one used descriptor spanning all its slots, announced
and checked the same way. Split and packed rings, one after the other; the
cross-worker rings are not involved with one worker.

The receiver announces its MAC first (`start tx_first`) and the sender
addresses it: the bridge knows the destination and the worker owns both
rings, so the frames take the one-copy path (no mbuf: guest TX buffer
straight into guest RX buffer, show runtime's frames_direct), where the
same bound holds: the RX used entries are published only after the copy
and after the TX chains went back, so a kill at any point loses at most
the burst in hand and hands the receiver no half-written buffer."""

import os
import signal
import time

import dp_traffic as d
import vswtest as t

BURST = 32          # VIRTQ_BURST: frames a worker holds between two rings
TX_RINGS = 1        # guest TX rings the killed worker owned
BACK_WITHIN = 1.0   # seconds from the kill to the new worker running


def rx_packets(tp):
    return tp.port_stats(0)["rx_packets"]


def worker_back(sw, old):
    """show workers once the worker on lcore 1 is a new, running process
    that has beaten its heartbeat since it started."""
    try:
        w = sw.ctl("show", "workers", json=True, timeout=2)["workers"][0]
    except (RuntimeError, OSError):
        return None
    ok = (w["pid"] not in (0, old) and w["state"] == "running"
          and 0 <= w["heartbeat_age_ms"] < 200)
    return w if ok else None


def direct_frames(sw):
    """Frames the worker copied guest to guest with no mbuf, since start."""
    return sw.ctl("show", "runtime", json=True)["workers"][0]["since_start"]["frames_direct"]


def run_case(sw, socks, names, packed):
    ring = "packed" if packed else "split"
    rx = d.testpmd("rx", socks[1], packed, 1, 1, "rxonly", in_order=1)
    tx = d.testpmd("tx", socks[0], packed, 1, 1, "txonly", in_order=1)
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, 1), 20, 0.3, "%s vrings" % name)
    time.sleep(0.5)
    rx.cmd("show port info 0")
    mac = rx.wait_for(r"MAC address: ([0-9A-Fa-f:]{17})").group(1)
    tx.cmd("set eth-peer 0 %s" % mac)
    rx.cmd("start tx_first")  # one burst from the receiver: the bridge learns its MAC
    rx.wait_for(r"rxonly packet forwarding")
    time.sleep(0.3)
    direct = direct_frames(sw)
    tx.cmd("start")
    tx.wait_for(r"txonly packet forwarding")
    time.sleep(1)
    first = rx_packets(rx)
    t.check(first > 0, "%s: traffic flows before the crash (%d)" % (ring, first))
    now = direct_frames(sw)
    t.check(now - direct > first // 2, "%s: the frames went the one-copy path (%d direct of %d "
            "received)" % (ring, now - direct, first))

    old = sw.worker_pids()["1"]
    t0 = time.monotonic()
    os.kill(old, signal.SIGKILL)
    w = t.wait_until(lambda: worker_back(sw, old), 15, 0.02, "worker restarted and running")
    back = time.monotonic() - t0
    print("%s: worker pid %d replaced by %d, running with a heartbeat %.3f s after the kill"
          % (ring, old, w["pid"], back), flush=True)
    t.check(back < BACK_WITHIN, "%s: the worker is back within %.1f s (%.3f s)"
            % (ring, BACK_WITHIN, back))
    t.check(w["restarts"] >= 1 and w["pid"] == sw.worker_pids().get("1"),
            "%s: show workers: restarted, on core 1 (%s)" % (ring, w))
    start = rx_packets(rx)
    t.wait_until(lambda: rx_packets(rx) > start + 10000, 20, 0.5,
                 "%s: traffic flowing again after the restart" % ring)
    now = rx_packets(rx)
    t.check(now > start + 10000, "%s: the receiver counts frames again after the worker "
            "restart (%d -> %d)" % (ring, start, now))
    t.check(direct_frames(sw) > direct, "%s: the new worker copies guest to guest too" % ring)

    tx.cmd("stop")
    tx.wait_for(r"Done\.", 20)
    sent = tx.port_stats(0)["tx_packets"]
    last = [-1]

    def settled():  # the receiver's count no longer moves
        got = rx_packets(rx)
        done = got == last[0]
        last[0] = got
        return done

    t.wait_until(settled, 20, 1.0, "%s: the receiver's count to settle" % ring)
    got = last[0]
    lost = sent - got
    print("%s: a worker SIGKILL cost %d packets (sent %d, received %d)" % (ring, lost, sent, got),
          flush=True)
    t.check(0 <= lost <= BURST * TX_RINGS,
            "%s: lost packets bounded: 0 <= %d <= %d (one burst per guest TX ring owned)"
            % (ring, lost, BURST * TX_RINGS))
    rx.cmd("stop")
    rx.quit()
    tx.quit()


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = d.start_switch(socks, [1])
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    for packed in (0, 1):
        run_case(sw, socks, names, packed)
    sw.stop()


t.main(main)
