#!/usr/bin/env python3
"""rx-mode (README "rx-mode"): workers that sleep when their queues are
quiet. One switch with two workers (cores 0 and 1) and `vhost { rx-mode
interrupt }`; two dpdk-testpmd front ends, the sender with two queue pairs
(one per worker: its second queue pair's frames cross to worker 0, which
owns the receiver's queue, through the cross-worker ring, whose producer
wakes the consumer), the receiver with one.

Checked, in interrupt mode:
- show vhost-user and show interface rx-placement (text and JSON) name
  each ring's mode, that it is the default, and that the guest TX queues
  are in interrupt state;
- attached but idle, each worker uses under 2% of a core over 10 s
  (utime + stime from /proc/PID/stat);
- txonly -> rxonly: every packet sent is received;
- a worker SIGKILLed and a graceful vhostd handover during traffic: the
  receiver's count never stands still for 1 s or more (the restarted worker
  arms from the memzone and looks at every ring before its first sleep),
  and nothing is lost beyond a burst per ring the killed worker reads (its
  TX ring and the cross-worker ring) for the kill, nothing at
  all for the handover.
Then `set interface rx-mode <if> adaptive` on both interfaces: show says
adaptive (not the default), split and packed rings each carry txonly ->
rxonly with received == sent, the sender's TX queue is in polling state
while frames flow and back in interrupt state once they stop."""

import os
import signal
import threading
import time

import dp_traffic as d
import vswtest as t

IDLE_SECONDS = 10
IDLE_MAX = 0.02      # of a core, per worker
STALL_MAX = 1.0      # seconds the receiver's count may stand still
BURST = 32           # VIRTQ_BURST: frames a killed worker holds per ring it reads


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_switch(socks):
    sw = t.Switch("sw", workers=[0, 1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks])
    conf = sw.conf_text().replace(
        "vhost {\n", "vhost {\n  rx-mode interrupt\n  rx-retry on\n  rx-retry-delay 1000\n"
        "  rx-retry-num 1024\n", 1)
    return sw.start(conf=conf)


def front_ends(sw, socks, names, packed):
    rx = d.testpmd("rx", socks[1], packed, 1, 1, "rxonly")
    tx = d.testpmd("tx", socks[0], packed, 1, 2, "txonly")
    t.wait_until(lambda: d.vrings_enabled(sw, names[0], 2), 20, 0.3, "sender's 4 vrings")
    t.wait_until(lambda: d.vrings_enabled(sw, names[1], 1), 20, 0.3, "receiver's 2 vrings")
    time.sleep(0.5)  # the workers pick the rings up at their next housekeeping
    return tx, rx


def tx_states(sw, name, nq):
    return [q["rx_state"] for q in d.vhost_user(sw, name)["virtqueues"][:2 * nq] if q["index"] & 1]


def check_show(sw, names):
    v = d.vhost_user(sw, names[0])
    modes = {(q["rx_mode"], q["rx_mode_default"]) for q in v["virtqueues"][:4]}
    t.check(modes == {("interrupt", True)}, "show vhost-user -j: rx_mode interrupt (default): %s"
            % modes)
    t.wait_until(lambda: tx_states(sw, names[0], 2) == ["interrupt", "interrupt"], 5, 0.2,
                 "the sender's TX queues in interrupt state")
    text = sw.ctl("show", "vhost-user", names[0])
    t.check("rx-mode interrupt (default), now interrupt" in text,
            "show vhost-user prints the mode and state:\n%s" % text)
    # VPP's view: per worker, the guest TX queues it runs.
    placed = {w["worker"]: [(q["interface"], q["queue"], q["mode"], q["state"])
                            for q in w["queues"]]
              for w in sw.ctl("show", "interface", "rx-placement", json=True)["workers"]}
    every = sorted(q for qs in placed.values() for q in qs)
    t.check(every == sorted([(names[0], 0, "interrupt", "interrupt"),
                             (names[0], 1, "interrupt", "interrupt"),
                             (names[1], 0, "interrupt", "interrupt")]) and
            all(placed.get(w) for w in (0, 1)),
            "show interface rx-placement -j: every TX queue in interrupt, on both workers: %s"
            % placed)
    owner = [w for w, qs in placed.items() if (names[0], 1, "interrupt", "interrupt") in qs]
    text = sw.ctl("show", "interface", "rx-placement")
    block = text.split("worker %d (lcore %d)\n" % (owner[0], owner[0]))[-1].split("worker ")[0]
    t.check("  %s queue 1 (interrupt, default, now interrupt)" % names[0] in block,
            "show interface rx-placement:\n%s" % text)


def check_idle(sw):
    pids = sw.worker_pids()
    t.check(len(pids) == 2, "two workers: %s" % pids)
    before = {c: cpu_seconds(p) for c, p in pids.items()}
    time.sleep(IDLE_SECONDS)
    for c, p in sorted(pids.items()):
        share = (cpu_seconds(p) - before[c]) / IDLE_SECONDS
        print("idle, interrupt mode: worker on core %s used %.2f%% of a core" % (c, 100 * share),
              flush=True)
        t.check(share < IDLE_MAX, "idle worker on core %s under %.0f%% of a core (%.2f%%)"
                % (c, 100 * IDLE_MAX, 100 * share))


def longest_stall(rx, action):
    """Runs action() in a thread while sampling the receiver's count; returns
    the longest time the count stood still from the action's start until
    it has been finished for a second."""
    done = []
    th = threading.Thread(target=lambda: (action(), done.append(time.monotonic())))
    last_n, last_t, worst = d_rx(rx), time.monotonic(), 0.0
    th.start()
    while not done or time.monotonic() < done[0] + 1.0:
        n, now = d_rx(rx), time.monotonic()
        if n != last_n:
            last_n, last_t = n, now
        worst = max(worst, now - last_t)
        time.sleep(0.02)
    th.join()
    return worst


def d_rx(tp):
    return tp.port_stats(0)["rx_packets"]


def settled_count(rx, label):
    last = [-1]

    def settled():
        got = d_rx(rx)
        same = got == last[0]
        last[0] = got
        return same

    t.wait_until(settled, 20, 1.0, "%s: the receiver's count to settle" % label)
    return last[0]


def disruption(sw, tx, rx, label, action, max_lost):
    for tp in (tx, rx):
        tp.cmd("clear port stats all")
    d.start_traffic(tx, rx)
    time.sleep(1)
    t.check(d_rx(rx) > 0, "%s: traffic flows before" % label)
    stall = longest_stall(rx, action)
    print("%s: the receiver's count stood still for at most %.3f s" % (label, stall), flush=True)
    t.check(stall < STALL_MAX, "%s: traffic resumes within %.1f s (longest stall %.3f s)"
            % (label, STALL_MAX, stall))
    tx.cmd("stop")
    tx.wait_for(r"Done\.", 20)
    sent = tx.port_stats(0)["tx_packets"]
    got = settled_count(rx, label)
    print("%s: sent %d, received %d" % (label, sent, got), flush=True)
    t.check(0 <= sent - got <= max_lost, "%s: lost %d, at most %d" % (label, sent - got, max_lost))
    rx.cmd("stop")
    rx.wait_for(r"Done\.", 20)


def kill_worker0(sw):
    old = sw.worker_pids()["0"]
    os.kill(old, signal.SIGKILL)
    t.wait_until(lambda: sw.worker_pids().get("0") not in (None, old), 10, 0.02,
                 "worker 0 restarted")


def check_refusals(sw, names):
    rc, err = sw.ctl_fail("set", "interface", "rx-mode", names[0], "queue", "99", "interrupt")
    t.check(rc != 0 and "queue 99 is out of range" in err, "queue out of range refused: %r" % err)
    rc, err = sw.ctl_fail("set", "interface", "rx-mode", "VirtualEthernet0/0/77", "polling")
    t.check(rc != 0 and "VirtualEthernet0/0/77" in err, "unknown interface refused: %r" % err)


def check_adaptive(sw, socks, names):
    check_refusals(sw, names)
    for n in names:
        sw.ctl("set", "interface", "rx-mode", n, "adaptive")
    for packed in (0, 1):
        label = "adaptive, %s" % ("packed" if packed else "split")
        tx, rx = front_ends(sw, socks, names, packed)
        v = d.vhost_user(sw, names[0])
        modes = {(q["rx_mode"], q["rx_mode_default"]) for q in v["virtqueues"][:4]}
        t.check(modes == {("adaptive", False)},
                "%s: rx-mode adaptive, set by the user, kept across reconnects: %s"
                % (label, modes))
        before = d.iface_counters(sw, names[1])
        d.start_traffic(tx, rx)
        time.sleep(1.5)
        t.check("polling" in tx_states(sw, names[0], 2),
                "%s: a busy TX queue is polled: %s" % (label, tx_states(sw, names[0], 2)))
        time.sleep(1.5)
        d.stop_and_count(sw, label, tx, rx, names, before, 3)
        t.wait_until(lambda: tx_states(sw, names[0], 2) == ["interrupt", "interrupt"], 5, 0.2,
                     "%s: idle TX queues back in interrupt state" % label)
        rx.cmd("stop")
        rx.quit()
        tx.quit()


def main():
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = start_switch(socks)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    tx, rx = front_ends(sw, socks, names, 0)
    check_show(sw, names)
    check_idle(sw)
    d.send_and_count(sw, "interrupt, split", tx, rx, names, 3)
    rx.cmd("stop")
    rx.wait_for(r"Done\.", 20)
    # Worker 0 may die holding a burst off the sender's TX ring and one off
    # the cross-worker ring.
    disruption(sw, tx, rx, "interrupt, worker 0 SIGKILL", lambda: kill_worker0(sw), 2 * BURST)
    disruption(sw, tx, rx, "interrupt, vhostd handover", lambda: sw.restart_vhostd("ctl"), 0)
    rx.quit()
    tx.quit()
    check_adaptive(sw, socks, names)
    sw.stop()


t.main(main)
