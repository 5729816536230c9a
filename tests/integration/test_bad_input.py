#!/usr/bin/env python3
"""Bad vhost-user input against a running switch: each bad message sent to
the first interface gets one log line naming the interface and what was
wrong, and either a hang-up or (REPLY_ACK) a failure status; vhostd leaks
no fd; the second interface still negotiates and shows up in
`vhost-ctl show vhost-user`."""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_user_client as vu  # noqa: E402
import vswtest as t  # noqa: E402

IF1, IF2 = "VirtualEthernet0/0/0", "VirtualEthernet0/0/1"


class LogCursor:
    """Finds log lines in the switch's vhostsw.log one after another, each
    search starting past the previous hit."""

    def __init__(self, sw):
        self.sw = sw
        self.pos = len(sw.log_text())

    def wait(self, text, timeout=5):
        """True once text is in the log past what earlier searches consumed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at = self.sw.log_text().find(text, self.pos)
            if at >= 0:
                self.pos = at + len(text)
                return True
            time.sleep(0.1)
        return False


def sock(n):
    return os.path.join(t.workdir(), "vm%d.sock" % n)


def check(cond, what):
    t.check(cond, what, fatal=False)


def hang_up_case(log, name, send, log_text):
    c = vu.Client(sock(1))
    send(c)
    check(c.hung_up(), name + ": connection closed")
    check(log.wait("%s: %s" % (IF1, log_text)), name + ": log line '%s'" % log_text)
    c.close()


def reply_ack_case(log, name, send, log_text):
    c = vu.Client(sock(1))
    c.negotiate(protocol=vu.PF_REPLY_ACK)
    send(c)
    reply = c.recv_reply()
    check(reply is not None and reply[2] == struct.pack("<Q", 1),
          name + ": REPLY_ACK failure status")
    check(log.wait("%s: %s" % (IF1, log_text)), name + ": log line '%s'" % log_text)
    c.close()


def mem_table(regions):
    return struct.pack("<II", len(regions), 0) + b"".join(
        struct.pack("<QQQQ", *r) for r in regions)


def memfd(size):
    fd = os.memfd_create("guest")
    os.ftruncate(fd, size)
    return fd


def bad_cases(log):
    hang_up_case(log, "truncated header", lambda c: c.send_raw(b"\x01\x00\x00\x00\x01\x00"),
                 "incomplete message for 3 s (6 of 12 header bytes)")
    hang_up_case(log, "size over the max",
                 lambda c: c.send(vu.SET_FEATURES, b"\0" * 8, size=4096),
                 "VHOST_USER_SET_FEATURES: size 4096 over the max")
    hang_up_case(log, "wrong version",
                 lambda c: c.send(vu.SET_FEATURES, b"\0" * 8, flags=0x2),
                 "VHOST_USER_SET_FEATURES: wrong version 2")
    hang_up_case(log, "vring index out of range",
                 lambda c: c.send(vu.SET_VRING_NUM, struct.pack("<II", 40, 256)),
                 "VHOST_USER_SET_VRING_NUM: vring index 40 out of range (max 15)")
    hang_up_case(log, "truncated payload",
                 lambda c: c.send(vu.SET_VRING_NUM, b"\0" * 4, size=8),
                 "incomplete message for 3 s (VHOST_USER_SET_VRING_NUM header and 4 of 8 "
                 "payload bytes)")
    hang_up_case(log, "unknown request", lambda c: c.send(99), "request 99: unknown request")

    def two_fds(c):
        a, b = os.eventfd(0), os.eventfd(0)
        c.send(vu.SET_VRING_KICK, struct.pack("<Q", 0), [a, b])
        os.close(a)
        os.close(b)
    hang_up_case(log, "fd count mismatch", two_fds,
                 "VHOST_USER_SET_VRING_KICK: fd count mismatch: 2 fds, expected 1")

    def overlap(c):
        a, b = memfd(1 << 20), memfd(1 << 20)
        c.send(vu.SET_MEM_TABLE, mem_table([(0, 1 << 20, vu.UVA, 0),
                                            (0x80000, 1 << 20, vu.UVA + (1 << 21), 0)]),
               [a, b], vu.VERSION | vu.NEED_REPLY)
        os.close(a)
        os.close(b)
    reply_ack_case(log, "overlapping regions", overlap,
                   "VHOST_USER_SET_MEM_TABLE: region 1 overlaps region 0")

    def too_big(c):
        a = memfd(4096)
        c.send(vu.SET_MEM_TABLE, mem_table([(0, 1 << 20, vu.UVA, 0)]), [a],
               vu.VERSION | vu.NEED_REPLY)
        os.close(a)
    reply_ack_case(log, "region larger than its fd", too_big,
                   "VHOST_USER_SET_MEM_TABLE: region 0 larger than its fd")


def good_sequence(sw):
    c = vu.Client(sock(2))
    offered = c.negotiate(protocol=vu.PF_REPLY_ACK | vu.PF_MQ)
    check(offered & vu.F_PROTOCOL_FEATURES != 0, "interface 2: features offered")
    c.set_mem_table(flags=vu.VERSION | vu.NEED_REPLY)
    reply = c.recv_reply()
    check(reply is not None and reply[2] == struct.pack("<Q", 0), "interface 2: memory table")
    c.setup_vring(0)
    c.setup_vring(1)
    deadline = time.time() + 5
    out = ""
    while time.time() < deadline:
        out = sw.ctl("show", "vhost-user", IF2)
        if "Virtqueue 1 (TX) enabled" in out:
            break
        time.sleep(0.2)
    check("VIRTIO_F_VERSION_1" in out and "Memory regions (total 1)" in out and
          "Virtqueue 0 (RX) enabled" in out and "Virtqueue 1 (TX) enabled" in out
          and "qsz 256" in out, "interface 2: show vhost-user shows the negotiated state")
    if t.failures():
        print(out)
    c.send(vu.GET_VRING_BASE, struct.pack("<II", 0, 0))
    reply = c.recv_reply()
    check(reply is not None and reply[0] == vu.GET_VRING_BASE, "interface 2: GET_VRING_BASE")
    c.close()


def main():
    sw = t.Switch("sw", interfaces=[{"socket": sock(1), "server": True},
                                    {"socket": sock(2), "server": True}]).start()
    log = LogCursor(sw)
    pid = sw.vhostd_pid()
    before = t.settled_fds(pid)
    bad_cases(log)
    after = t.settled_fds(pid)
    check(len(after) <= len(before), "vhostd fds: %d before the bad input, %d after (new: %s)"
          % (len(before), len(after), sorted(set(after) - set(before))))
    check(not [f for f in after if "memfd:guest" in f],
          "vhostd holds none of the bad input's memory files")
    good_sequence(sw)
    check(sw.vhostd_pid() == pid, "vhostd still the same process")
    sw.stop()


t.main(main)
