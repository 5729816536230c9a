#!/usr/bin/env python3
"""A front end that goes away comes back with no user action, in both
socket modes:

* QEMU SIGKILLed and started again, with vhostsw listening (QEMU is the
  client) and with QEMU listening (vhostsw is the client);
* dpdk-testpmd (virtio-user) quit and started again, in both modes too.

While the front end is gone `show vhost-user` shows the interface not
connected, with no memory table and no enabled virtqueue; in client mode
vhostsw keeps retrying (it shows `connecting` with the connect error, and a
socket put at the path meanwhile is connected to again and again). After
each return the interface negotiated again: memory regions present,
virtqueues enabled and started -- served by the same vhostd, on the same
interface.
"""

import errno
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import negotiation as n  # noqa: E402

ROUNDS = 2           # each front end goes away and comes back this often
RETRY_MS = 500       # the switch's client-mode reconnect interval
GUEST_MEM = 256 << 20


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def check_negotiated(sw, name, what, queue_pairs=1, ram=None):
    ifc = n.wait_negotiated(sw, name, queue_pairs=queue_pairs, timeout=60)
    n.check_virtqueues(ifc, 2 * queue_pairs)
    if ram:
        n.check_guest_memory(ifc, ram)
    t.check(ifc["mem_generation"] >= 1, "%s: %s negotiated (memory table generation %d)"
            % (name, what, ifc["mem_generation"]))
    return ifc


def check_gone(sw, name, client_mode):
    ifc = n.wait_gone(sw, name)
    if not client_mode:
        t.check(ifc["conn_state"] == "listening", "%s: listening again (got %s)"
                % (name, ifc["conn_state"]))
        return
    t.check(ifc["conn_state"] == "connecting", "%s: connecting (got %s)"
            % (name, ifc["conn_state"]))
    # The dead front end's socket file is still there: nobody listens on it.
    t.wait_until(lambda: n.iface(sw, name)["errno"] in (errno.ECONNREFUSED, errno.ENOENT),
                 5, 0.2, "%s: connect error shown" % name)
    ifc = n.iface(sw, name)
    t.check(ifc["errno"] in (errno.ECONNREFUSED, errno.ENOENT) and bool(ifc["error"]),
            "%s: shows the connect error %s (%s)" % (name, ifc["errno"], ifc["error"]))


def count_retries(sw, name, sock, seconds=3.0):
    """Proves vhostsw keeps retrying: listens on the front end's path for a
    while, hangs up on every connection, and counts them."""
    if os.path.exists(sock):
        os.unlink(sock)
    lsn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsn.bind(sock)
    lsn.listen(4)
    lsn.settimeout(0.2)
    seen = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                conn, _ = lsn.accept()
            except socket.timeout:
                continue
            seen += 1
            conn.close()
    finally:
        lsn.close()
        os.unlink(sock)
    want = int(seconds * 1000 / RETRY_MS) - 2
    t.check(seen >= want, "%s: vhostsw connected %d times in %.0fs while the front end was "
            "gone (retry every %dms, want >= %d)" % (name, seen, seconds, RETRY_MS, want))


def qemu_rounds(sw, mode):
    client_mode = mode == "client"  # vhostsw is the client: QEMU listens
    sock = os.path.join(t.workdir(), "q-%s.sock" % mode)
    guest = t.Guest("q-" + mode, sock, server=client_mode)
    if client_mode:
        guest.start()
        name = sw.ctl("create", "vhost-user", "socket", sock).strip()
    else:
        name = sw.ctl("create", "vhost-user", "socket", sock, "server").strip()
        guest.start()
    guest.wait_ready()
    check_negotiated(sw, name, "QEMU (%s mode)" % mode, ram=GUEST_MEM)
    for i in range(ROUNDS):
        qemu = guest.pid
        guest.kill()
        t.check(qemu is not None and not t.pid_alive(qemu),
                "%s: QEMU (pid %s) SIGKILLed and gone (round %d)" % (name, qemu, i + 1))
        check_gone(sw, name, client_mode)
        if client_mode:
            count_retries(sw, name, sock)
        else:
            time.sleep(1)  # stays gone a while: nothing but the front end's return may fix it
        guest.start()
        guest.wait_ready()
        check_negotiated(sw, name, "restarted QEMU (%s mode, round %d)" % (mode, i + 1),
                         ram=GUEST_MEM)
        out, rc = guest.run("cat /sys/class/net/eth0/carrier")
        t.check(rc == 0 and out.strip() == "1", "%s: guest eth0 carrier 1 after the restart"
                % name)
    guest.stop()
    n.wait_gone(sw, name)
    sw.ctl("delete", "vhost-user", name)


def testpmd_rounds(sw, mode):
    client_mode = mode == "client"  # vhostsw is the client: virtio-user listens
    sock = os.path.join(t.workdir(), "tp-%s.sock" % mode)
    vdev = "net_virtio_user0,path=%s,queues=1" % sock
    if client_mode:
        vdev += ",server=1"
    tp = t.Testpmd(t.unique("tp" + mode), vdevs=[vdev])
    if client_mode:
        # virtio-user as server waits in probe for its first connection.
        name = sw.ctl("create", "vhost-user", "socket", sock).strip()
        tp.start()
    else:
        name = sw.ctl("create", "vhost-user", "socket", sock, "server").strip()
        tp.start()
    check_negotiated(sw, name, "testpmd (%s mode)" % mode)
    for i in range(ROUNDS):
        rc = tp.quit()
        t.check(rc == 0, "%s: testpmd quit with 0 (round %d, got %s)" % (name, i + 1, rc))
        check_gone(sw, name, client_mode)
        if client_mode:
            count_retries(sw, name, sock)
        else:
            time.sleep(1)
        tp.start()
        check_negotiated(sw, name, "restarted testpmd (%s mode, round %d)" % (mode, i + 1))
    tp.quit()
    n.wait_gone(sw, name)
    sw.ctl("delete", "vhost-user", name)


def main():
    sw = t.Switch("sw")
    conf = sw.conf_text().replace("vhost {", "vhost {\n  reconnect-interval %d" % RETRY_MS)
    sw.start(conf=conf)
    # The worker opens its vault connection before it says it runs: count
    # the supervisor's fds after that, or the count starts one short.
    t.wait_until(lambda: re.search(r"worker 0 on lcore \d+ running", sw.log_text()), 15, 0.1,
                 "worker 0 running")
    vhostd = sw.vhostd_pid()
    fds = {"vhostd": (vhostd, fd_count(vhostd)), "supervisor (vault)": (sw.pid, fd_count(sw.pid))}
    for mode in ("server", "client"):
        qemu_rounds(sw, mode)
        testpmd_rounds(sw, mode)
    t.check(sw.vhostd_pid() == vhostd, "the same vhostd (pid %s) served every reconnect" % vhostd)
    # Every interface is deleted again: whatever the reconnects opened is closed.
    for who, (pid, before) in fds.items():
        try:
            t.wait_until(lambda: fd_count(pid) <= before, 5, 0.2, "%s fds" % who)
        except TimeoutError:
            pass  # the check below says by how many
        t.check(fd_count(pid) == before, "%s: %d fds before the front ends, %d after"
                % (who, before, fd_count(pid)))
    sw.stop()


t.main(main)
