#!/usr/bin/env python3
"""Kick, call and err fds must be eventfds (issue 11, item 3, vhostd side).

A raw front end hands SET_VRING_CALL, SET_VRING_KICK and SET_VRING_ERR a
pipe, a memfd and a socket: each is refused (REPLY_ACK failure status, or
a hang-up without REPLY_ACK) with a log line naming the message and the fd's
kind; neither vhostd nor the supervisor's vault keeps the fd; vhostd's fd
count is back where it was. The same front end then sets its rings up with
eventfds and they start, and a second interface negotiates as usual."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

IF1, IF2 = "VirtualEthernet0/0/0", "VirtualEthernet0/0/1"
MESSAGES = [(vu.SET_VRING_CALL, "VHOST_USER_SET_VRING_CALL", "call"),
            (vu.SET_VRING_KICK, "VHOST_USER_SET_VRING_KICK", "kick"),
            (vu.SET_VRING_ERR, "VHOST_USER_SET_VRING_ERR", "err")]


def sock(n):
    return os.path.join(t.workdir(), "fk%d.sock" % n)


def new_fds():
    """(kind as /proc shows it, fd to send, fds to close afterwards)."""
    r, w = os.pipe()
    m = os.memfd_create("not-an-eventfd")
    a, b = socket.socketpair()
    return [("pipe:[%d]" % os.fstat(w).st_ino, w, [r, w]),
            ("/memfd:not-an-eventfd (deleted)", m, [m]),
            ("socket:[%d]" % os.fstat(a.fileno()).st_ino, a.fileno(), [a, b])]


def close_all(objs):
    for o in objs:
        if isinstance(o, int):
            os.close(o)
        else:
            o.close()


def log_has(sw, text, timeout=5):
    deadline = time.monotonic() + timeout
    while text not in sw.log_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def holding(holders, kind, timeout=2):
    """The switch processes still holding an fd of this kind once `timeout`
    has passed (none as soon as none does)."""
    deadline = time.monotonic() + timeout
    while True:
        kept = [p for p in holders() if kind in t.fd_targets(p)]
        if not kept or time.monotonic() > deadline:
            return kept
        time.sleep(0.05)


def refused_with_ack(sw, holders):
    c = vu.Client(sock(1))
    c.negotiate(protocol=vu.PF_REPLY_ACK)
    c.set_mem_table()
    for req, name, what in MESSAGES:
        for kind, fd, keep in new_fds():
            c.send(req, struct.pack("<Q", 0), [fd], vu.VERSION | vu.NEED_REPLY)
            reply = c.recv_reply()
            t.check(reply is not None and reply[2] == struct.pack("<Q", 1),
                    "%s with a %s: REPLY_ACK says failure" % (name, kind))
            line = "%s: %s: vring 0: the %s fd is a %s, not an eventfd: refused" % (
                IF1, name, what, kind)
            t.check(log_has(sw, line), "log: %s" % line)
            kept = holding(holders, kind)
            t.check(not kept, "%s: no switch process keeps the %s (held by %s)"
                    % (name, kind, kept))
            close_all(keep)
    # The connection is still usable: eventfds are taken and the rings start.
    c.setup_vring(0)
    c.setup_vring(1)
    t.wait_until(lambda: "Virtqueue 1 (TX) enabled" in sw.ctl("show", "vhost-user", IF1), 5,
                 0.2, "%s: rings set up with eventfds" % IF1)
    c.close()


def refused_without_ack(sw):
    for req, name, what in MESSAGES:
        c = vu.Client(sock(1))
        c.negotiate(protocol=0)
        r, w = os.pipe()
        c.send(req, struct.pack("<Q", 1), [w])
        t.check(c.hung_up(), "%s with a pipe, no REPLY_ACK: the front end is hung up on"
                % name)
        line = "%s: %s: vring 1: the %s fd is a pipe:[" % (IF1, name, what)
        t.check(log_has(sw, line), "log: %s..." % line)
        os.close(r)
        os.close(w)
        c.close()


def main():
    sw = t.Switch("fk", workers=0, interfaces=[{"socket": sock(1), "server": True},
                                               {"socket": sock(2), "server": True}]).start()
    pid = sw.vhostd_pid()
    before = t.settled_fds(pid)

    def holders():
        return [p for p in (sw.pid, sw.vhostd_pid()) if p]

    refused_with_ack(sw, holders)
    refused_without_ack(sw)
    after = t.settled_fds(pid)
    t.check(len(after) <= len(before), "vhostd fds: %d before, %d after (new: %s)"
            % (len(before), len(after), sorted(set(after) - set(before))))

    c = vu.Client(sock(2))
    c.negotiate()
    c.set_mem_table()
    c.setup_vring(0)
    c.setup_vring(1)
    out = t.wait_until(
        lambda: (lambda o: o if "Virtqueue 1 (TX) enabled" in o else None)(
            sw.ctl("show", "vhost-user", IF2)), 5, 0.2, "%s negotiated" % IF2)
    t.check("Virtqueue 0 (RX) enabled" in out, "%s: both rings up" % IF2)
    c.close()
    t.check(sw.vhostd_pid() == pid, "vhostd is the same process")
    sw.stop()


t.main(main)
