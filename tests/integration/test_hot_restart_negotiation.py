"""vhostd killed (SIGKILL) while a front end is in the middle of its
vhost-user handshake: each round starts a testpmd virtio-user front end and
kills vhostd a few milliseconds later, at a different point of the
handshake each time. The successor recovers from the memzone, the vault and
the journal: the front end completes its negotiation on the same
connection (the switch accepts it once), never waits forever, and `show
vhost-user` shows its rings enabled.

A kill at a random moment rarely lands inside a message (most take
microseconds), so the test then aims: with the worker stopped (SIGSTOP),
vhostd waits for its acknowledgement in the middle of any message that
pauses a ring, and is killed while it sleeps there (/proc/<pid>/syscall
says clock_nanosleep), until one round makes a successor replay a message
from the journal (its log says "the previous vhostd ..."), at most
AIMED_ROUNDS times. The test fails if no round did."""

import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402

ROUNDS = 8        # kills at spread moments
AIMED_ROUNDS = 8  # kills inside a message, until the journal replays one
NANOSLEEP_SYSCALLS = ("35", "230")  # nanosleep, clock_nanosleep (x86-64)


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


def in_sleep(pid):
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] in NANOSLEEP_SYSCALLS
    except (OSError, IndexError):
        return False


def aimed_kill(pid, worker, done):
    """SIGKILLs vhostd once it sleeps waiting for the stopped worker in the
    middle of a message; then lets the worker go on."""
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline and not done.is_set():
            if in_sleep(pid):
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.0005)
    finally:
        os.kill(worker, signal.SIGCONT)


def one_round(sw, sock, name, r, aimed):
    connects = sw.log_text().count("front end connected")
    tp = t.Testpmd(t.unique("neg%d" % r), vdevs=["net_virtio_user0,path=%s,queues=1" % sock])
    pid = sw.vhostd_pid()
    done = threading.Event()
    if aimed:
        worker = sw.worker_pids()["1"]
        os.kill(worker, signal.SIGSTOP)
        killer = threading.Thread(target=aimed_kill, args=(pid, worker, done))
    else:
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
    t.wait_until(lambda: sw.vhostd_pid() not in (None, pid), 10, 0.02,
                 "round %d: a new vhostd" % r)
    t.wait_until(lambda: rings_up(sw, name), 30, 0.2,
                 "round %d: %s negotiated after the kill" % (r, name))
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
