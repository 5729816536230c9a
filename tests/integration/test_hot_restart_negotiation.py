"""vhostd killed (SIGKILL) while a front end is in the middle of its
vhost-user handshake: each round starts a testpmd virtio-user front end and
kills vhostd a few milliseconds later, at a different point of the
handshake each time. The successor recovers from the memzone, the vault and
the journal: the front end completes its negotiation on the same
connection (the switch accepts it once), never waits forever, and `show
vhost-user` shows its rings enabled. The log says which rounds hit a
message in flight."""

import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402

ROUNDS = 8


def rings_up(sw, name):
    try:
        ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    except RuntimeError:
        return False  # vhostd restarting
    vqs = ifc["virtqueues"]
    return (ifc["conn_state"] == "connected" and len(vqs) >= 2
            and all(q["enabled"] and q["qsz"] > 0 for q in vqs[:2])
            and bool(ifc["memory_regions"]))


def main():
    t.hugepages_ensure()
    sock = os.path.join(t.workdir(), "neg.sock")
    sw = t.Switch("neg", workers=1, interfaces=[{"socket": sock, "server": True}]).start()
    name = sw.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    for r in range(ROUNDS):
        connects = sw.log_text().count("front end connected")
        tp = t.Testpmd(t.unique("neg%d" % r),
                       vdevs=["net_virtio_user0,path=%s,queues=1" % sock])
        pid = sw.vhostd_pid()
        # testpmd connects a few hundred ms after it starts and negotiates
        # in two bursts (probe, port start): kill vhostd at a spread of
        # moments across them.
        # (testpmd is started from this thread: a child dies with the
        # thread that forked it, PR_SET_PDEATHSIG.)
        killer = threading.Timer(0.15 + 0.06 * r, os.kill, (pid, signal.SIGKILL))
        killer.start()
        tp.start(timeout=60)
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
    recovered = [ln for ln in sw.log_text().splitlines()
                 if "previous vhostd" in ln or "reply to" in ln]
    print("journal recoveries:\n  " + "\n  ".join(recovered or ["(none hit a message)"]),
          flush=True)
    sw.stop()


t.main(main)
