"""vhostd killed (SIGKILL) while a front end is in the middle of its
vhost-user handshake: each round starts a testpmd virtio-user front end and
kills vhostd a few milliseconds later, at a different point of the
handshake each time. The successor recovers from the memzone, the vault and
the journal: the front end completes its negotiation on the same
connection (the switch accepts it once), never waits forever, and `show
vhost-user` shows its rings enabled.

A kill at a random moment rarely lands inside a message (most take
microseconds), so the test then aims. From testpmd's connection on, its
worker is kept stopped (SIGSTOP) in spells of STALL_WINDOW, well within the
supervisor's watchdog (which replaces a worker whose heartbeat is 500 ms
old), with RUN_SPELL of running between them. A message that must pause one
of the worker's rings then waits in vhostd unconsumed (the journal says
APPLYING; vhostd retries it from a timer), which shows as bytes sitting in
the receive queue of vhostd's end of the connection (`ss -x`, Recv-Q). Once
they have sat there STALL_MIN, vhostd is SIGKILLed and the worker let go on
(SIGCONT; a worker the watchdog replaced anyway is tolerated). Rounds go on
until a successor replays a message from the journal (its log says "the
previous vhostd ..."), at most AIMED_ROUNDS times. The test fails if no round did."""

import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402

ROUNDS = 8        # kills at spread moments
AIMED_ROUNDS = 8  # kills inside a message, until the journal replays one
STALL_WINDOW = 0.4  # s after the worker's SIGSTOP; the watchdog acts after 0.5 s
STALL_MIN = 0.005   # s a message must sit unconsumed to count as waiting
RUN_SPELL = 0.02    # s the worker runs between two stops


def rings_up(sw, name):
    try:
        ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    except RuntimeError:
        return False  # vhostd restarting
    vqs = ifc["virtqueues"]
    return (ifc["conn_state"] == "connected" and len(vqs) >= 2
            and all(q["enabled"] and q["qsz"] > 0 for q in vqs[:2])
            and bool(ifc["memory_regions"]))


def replays(sw):
    """vhostd's log lines of a successor that found a message in flight in
    the journal and replayed it or its reply."""
    return [ln for ln in sw.log_text().splitlines()
            if "the previous vhostd" in ln and "the message is gone" not in ln]


def socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        pass
    return inodes


def unix_streams():
    """(Recv-Q, inode, peer inode) of each established unix stream socket."""
    out = subprocess.run(["ss", "-xH"], capture_output=True, text=True, check=True).stdout
    return [(int(f[2]), f[5], f[7]) for f in (ln.split() for ln in out.splitlines())
            if len(f) == 8 and f[0] == "u_str" and f[1] == "ESTAB"]


def connection(vhostd, testpmd):
    """The inode of vhostd's end of its connection with testpmd, or None.
    (vhostd binds its sockets through /proc/self/fd/N/, so the address
    does not name the interface's path.)"""
    mine, theirs = socket_inodes(vhostd), socket_inodes(testpmd)
    ends = [ino for _, ino, peer in unix_streams() if ino in mine and peer in theirs]
    return ends[0] if len(ends) == 1 else None


def queued(inode):
    """Bytes waiting in the receive queue of that socket."""
    return sum(q for q, ino, _ in unix_streams() if ino == inode)


def aimed_kill(sw, tp, pid, connects, done, outcome):
    """From testpmd's connection on, keeps its worker stopped in spells of
    STALL_WINDOW (running RUN_SPELL between them, so that its heartbeat
    keeps the watchdog away) and SIGKILLs vhostd as soon as a message has
    sat unconsumed for STALL_MIN while the worker is stopped; gives up once
    testpmd is up (no kill)."""
    deadline = time.monotonic() + 30
    while sw.log_text().count("front end connected") == connects:
        if done.is_set() or time.monotonic() > deadline:
            return
        time.sleep(0.001)
    connected = time.monotonic()
    conn = None
    while not done.is_set() and time.monotonic() < deadline:
        worker = sw.worker_pids().get("1")
        if worker is None:  # being replaced
            time.sleep(RUN_SPELL)
            continue
        os.kill(worker, signal.SIGSTOP)
        stopped = time.monotonic()
        since = None
        try:
            while not done.is_set() and time.monotonic() - stopped < STALL_WINDOW:
                if conn is None:
                    conn = connection(pid, tp.pid) if tp.pid else None
                elif queued(conn) == 0:
                    since = None
                elif since is None:
                    since = time.monotonic()
                elif time.monotonic() - since >= STALL_MIN:
                    os.kill(pid, signal.SIGKILL)
                    outcome["killed"] = ("a message waited %.0f ms, %.0f ms after the connection"
                                         % (1000 * (time.monotonic() - since),
                                            1000 * (time.monotonic() - connected)))
                    return
                time.sleep(0.001)
        finally:
            try:
                os.kill(worker, signal.SIGCONT)
            except ProcessLookupError:
                pass  # the watchdog replaced it
        time.sleep(RUN_SPELL)


def one_round(sw, sock, name, r, aimed):
    connects = sw.log_text().count("front end connected")
    tp = t.Testpmd(t.unique("neg%d" % r), vdevs=["net_virtio_user0,path=%s,queues=1" % sock])
    pid = sw.vhostd_pid()
    done = threading.Event()
    outcome = {}
    if aimed:
        killer = threading.Thread(target=aimed_kill,
                                  args=(sw, tp, pid, connects, done, outcome))
    else:
        outcome["killed"] = "spread"
        # testpmd connects a few hundred ms after it starts and negotiates
        # in two bursts (probe, port start): kill vhostd at a spread of
        # moments across them.
        killer = threading.Timer(0.15 + 0.06 * r, os.kill, (pid, signal.SIGKILL))
    # (testpmd is started from this thread: a child dies with the thread
    # that forked it, PR_SET_PDEATHSIG.)
    killer.start()
    try:
        tp.start(timeout=60)
    finally:
        done.set()
        killer.join()
    if "killed" not in outcome:
        print("round %d: no message waited while the worker was stopped: no kill" % r, flush=True)
    else:
        print("round %d: vhostd killed (%s)" % (r, outcome["killed"]), flush=True)
        t.wait_until(lambda: sw.vhostd_pid() not in (None, pid), 10, 0.02,
                     "round %d: a new vhostd" % r)
    t.wait_until(lambda: rings_up(sw, name), 30, 0.2,
                 "round %d: %s negotiated" % (r, name))
    t.check(tp.alive(), "round %d: testpmd came up" % r)
    t.check(sw.log_text().count("front end connected") == connects + 1,
            "round %d: one connection, no reconnect" % r)
    tp.quit()
    t.wait_until(lambda: not rings_up(sw, name), 15, 0.2, "round %d: testpmd gone" % r)


def main():
    t.hugepages_ensure()
    sock = os.path.join(t.workdir(), "neg.sock")
    sw = t.Switch("neg", workers=1, interfaces=[{"socket": sock, "server": True}]).start()
    name = sw.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    for r in range(ROUNDS):
        one_round(sw, sock, name, r, aimed=False)
    print("spread kills that hit a message: %d" % len(replays(sw)), flush=True)
    for r in range(ROUNDS, ROUNDS + AIMED_ROUNDS):
        if replays(sw):
            break
        one_round(sw, sock, name, r, aimed=True)
    hits = replays(sw)
    print("journal recoveries:\n  " + "\n  ".join(hits or ["(none)"]), flush=True)
    t.check(bool(hits), "the journal replayed a message in flight at least once (%d times)"
            % len(hits))
    sw.stop()


t.main(main)
