#!/usr/bin/env python3
"""A vring pause the owning worker does not acknowledge (issue 11, item 4,
vhostd's side): the worker is stopped (SIGSTOP) while a front end disables
one of its rings with REPLY_ACK. vhostd
- does not edit the ring: `show vhost-user` still shows it enabled, and the
  front end gets no reply, however long the worker stays stopped (2.5 s
  here; before, vhostd gave up after 1 s and edited the ring anyway);
- logs once, after a second, which ring and which worker it waits for;
- serves everything else meanwhile: each RPC answers within 200 ms, and
  another front end negotiates its features and memory table;
- once the worker runs again, applies the message: the reply says success
  and the ring shows disabled."""

import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

IF0, IF1 = "VirtualEthernet0/0/0", "VirtualEthernet0/0/1"


def sock(n):
    return os.path.join(t.workdir(), "pause%d.sock" % n)


def vring0(sw):
    ifc = sw.ctl("show", "vhost-user", IF0, json=True)["interfaces"][0]
    vqs = ifc["virtqueues"]
    return vqs[0] if vqs else None


def timed_ctl(sw, *words):
    start = time.monotonic()
    sw.ctl(*words)
    return time.monotonic() - start


def main():
    sw = t.Switch("pause", workers=1, interfaces=[{"socket": sock(0), "server": True},
                                                  {"socket": sock(1), "server": True}]).start()
    a = vu.Client(sock(0))
    a.negotiate(protocol=vu.PF_REPLY_ACK)
    a.set_mem_table()
    a.setup_vring(0)
    a.setup_vring(1)
    t.wait_until(lambda: (vring0(sw) or {}).get("enabled"), 10, 0.1, "%s: vring 0 enabled" % IF0)
    (worker,) = sw.worker_pids().values()

    os.kill(worker, signal.SIGSTOP)
    try:
        a.send(vu.SET_VRING_ENABLE, struct.pack("<II", 0, 0), flags=vu.VERSION | vu.NEED_REPLY)
        a.sock.settimeout(2.5)
        stalled = time.monotonic()
        slowest = 0.0
        try:
            reply = a.recv_reply()
        except socket.timeout:
            reply = "none"
        t.check(reply == "none", "%s: no reply while the worker is stopped (got %r)"
                % (IF0, reply))
        t.check(vring0(sw)["enabled"], "%s: vring 0 not edited under the stopped worker" % IF0)
        line = ("%s: worker 0 has not acknowledged the pause of vring 0 for 1000 ms" % IF0)
        t.check(sw.log_text().count(line) == 1, "one log line: '%s'" % line)
        for _ in range(5):
            slowest = max(slowest, timed_ctl(sw, "show", "interface"),
                          timed_ctl(sw, "show", "vhost-user", IF0))
        b = vu.Client(sock(1))
        offered = b.negotiate(protocol=vu.PF_REPLY_ACK)
        b.set_mem_table(flags=vu.VERSION | vu.NEED_REPLY)
        ack = b.recv_reply()
        t.check(offered & vu.F_VERSION_1 and ack is not None and ack[2] == struct.pack("<Q", 0),
                "%s negotiates its features and memory table meanwhile" % IF1)
        t.check(slowest < 0.2, "RPCs answered within 200 ms meanwhile (slowest %.1f ms)"
                % (1000 * slowest))
        t.check(vring0(sw)["enabled"], "%s: vring 0 still not edited after %.1f s"
                % (IF0, time.monotonic() - stalled))
    finally:
        os.kill(worker, signal.SIGCONT)

    a.sock.settimeout(5)
    reply = a.recv_reply()
    t.check(reply is not None and reply[0] == vu.SET_VRING_ENABLE
            and reply[2] == struct.pack("<Q", 0),
            "%s: once the worker runs, the message is applied and acknowledged" % IF0)
    t.wait_until(lambda: not vring0(sw)["enabled"], 5, 0.1, "%s: vring 0 disabled" % IF0)
    t.check(worker in sw.worker_pids().values(),
            "the worker is the same process")
    a.close()
    b.close()
    sw.stop()


t.main(main)
