#!/usr/bin/env python3
"""Self-check of the integration harness, without the switch.

Proves Guest, Testpmd and the cleanup machinery against DPDK's own vhost-user
backend (testpmd net_vhost, also the project's performance reference):

  testpmd (net_vhost0, vhost-user server, io forwarding, lcores 0,1)
      <-- vhost-user socket -->  QEMU guest (client, reconnect=1, cpu 0)

The guest sends pings to a nobody address; testpmd must count them as RX and
send them back (io forwarding to the same port), so the guest's RX counters
grow too. Then the guest is SIGKILLed and restarted on the same socket
(reconnect path), and finally everything is stopped and the test verifies
that no process, hugepage or file is left behind.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402


def ping_through(guest, tp, what):
    """Guest pings 10.0.0.2 (no responder); testpmd must see the frames and
    reflect them back to the guest."""
    before_tp = tp.port_stats(0)
    before_g = guest.counters()
    out, rc = guest.run("ping -c 5 -i 0.2 -W 1 10.0.0.2", timeout=30)
    t.check(rc != 0, "%s: ping 10.0.0.2 has no responder (exit %d)" % (what, rc))
    after_g = t.wait_until(
        lambda: (lambda c: c if c["rx_packets"] > before_g["rx_packets"] else None)(guest.counters()),
        10, 0.5, "guest eth0 rx_packets to grow")
    after_tp = tp.port_stats(0)
    sent = after_g["tx_packets"] - before_g["tx_packets"]
    t.check(sent > 0, "%s: guest eth0 sent %d packets" % (what, sent))
    rx = after_tp["rx_packets"] - before_tp["rx_packets"]
    tx = after_tp["tx_packets"] - before_tp["tx_packets"]
    t.check(rx > 0, "%s: testpmd port 0 received %d packets from the guest" % (what, rx))
    t.check(tx > 0, "%s: testpmd port 0 sent %d packets back" % (what, tx))
    got = after_g["rx_packets"] - before_g["rx_packets"]
    t.check(got > 0, "%s: guest eth0 received %d reflected packets" % (what, got))


def console_jobs(guest):
    """A job of the guest's console shell that ends while the shell waits
    for input takes the shell down (busybox sh takes the read that the
    job's SIGCHLD interrupts for the end of its input), and init's fresh
    shell has its prompt and echo back. spawn() keeps the shell;
    setsid alone does not (the job stays the shell's child); and run()
    says so rather than hand back output behind a prompt. Leaves the
    guest's console unusable: the guest is restarted next."""
    shell = guest.run_ok("echo $$")
    guest.spawn("sleep 1")
    time.sleep(3)
    t.check(guest.run_ok("echo $$") == shell,
            "guest console shell %s outlives a spawn()ed job" % shell)
    guest.run_ok("setsid sh -c 'sleep 1' </dev/null >/dev/null 2>&1 &")
    time.sleep(3)
    try:
        out, _ = guest.run("echo $$")
        t.check(False, "guest run() after its console shell was respawned: refused (got %r)"
                % out)
    except t.GuestError as exc:
        t.check("console shell exited" in str(exc),
                "guest run() refuses output from a respawned console shell: %s" % exc)


def unowned_free_pages(prefix):
    """HugePages_Free plus the pages held by hugetlbfs files that are not
    ours: constant across the test unless we leak, even while other
    processes on the machine (e.g. a running switch) take or free pages."""
    snap = t.hugepages_snapshot()
    others = sum(pages for path, pages in snap["files"].items()
                 if not os.path.basename(path).startswith(prefix))
    return snap["free"] + others


def main():
    started = time.monotonic()
    t.hugepages_ensure(512)
    sock = os.path.join(t.workdir(), "vhost0.sock")
    prefix = t.unique("tpa")
    free_before = unowned_free_pages(prefix)

    tp = t.Testpmd(prefix, lcores="0,1",
                   vdevs=["net_vhost0,iface=%s,client=0,queues=1" % sock])
    guest = t.Guest("g1", sock, server=False, ip="10.0.0.1/24", cpus="0")
    pids = []
    try:
        tp.start()
        pids.append(tp.pid)
        t.check(os.path.exists(sock), "testpmd net_vhost created server socket %s" % sock)
        tp.cmd("set fwd io")
        tp.cmd("start")
        tp.wait_for(r"io packet forwarding")

        guest.start()
        pids.append(guest.pid)
        boot = guest.wait_ready(90)
        print("guest boot (QEMU start to VSW-GUEST-READY): %.2f s" % boot, flush=True)

        guest.wait_link(up=True, timeout=15)
        out, rc = guest.run("cat /sys/class/net/eth0/operstate")
        t.check(rc == 0 and out.strip() == "up", "guest eth0 operstate is up (%r)" % out)
        out, rc = guest.run("cat /sys/class/net/eth0/carrier")
        t.check(rc == 0 and out.strip() == "1", "guest eth0 carrier is 1 (%r)" % out)
        out, rc = guest.run("ip -4 addr show dev eth0")
        t.check("10.0.0.1/24" in out, "guest eth0 has 10.0.0.1/24")
        out, rc = guest.run("false")
        t.check(rc == 1 and out == "", "guest run() returns exit status (false -> %d)" % rc)
        out, rc = guest.run("printf 'a\\nb'; echo; echo err >&2; (exit 3)")
        t.check(rc == 3 and out == "a\nb\nerr", "guest run() returns output and status (%r, %d)" % (out, rc))
        out, rc = guest.run("for c in ping nc sha256sum ip ifconfig dd cat; do which $c || exit 1; done")
        t.check(rc == 0, "guest busybox has ping nc sha256sum ip ifconfig dd cat")

        ping_through(guest, tp, "first boot")
        console_jobs(guest)

        # Crash and restart on the same socket: exercises the reconnect path.
        old_pid = guest.pid
        guest.kill()
        t.check(not t.pid_alive(old_pid), "guest QEMU pid %d gone after kill()" % old_pid)
        guest.start()
        pids.append(guest.pid)
        boot2 = guest.wait_ready(90)
        print("guest reboot after kill: %.2f s" % boot2, flush=True)
        guest.wait_link(up=True, timeout=15)
        out, rc = guest.run("cat /sys/class/net/eth0/carrier")
        t.check(out.strip() == "1", "restarted guest eth0 carrier is 1 (%r)" % out)
        ping_through(guest, tp, "after restart")

        guest.stop()
        t.check(guest.pid is None, "guest stopped")
        rc = tp.quit()
        t.check(rc == 0, "testpmd quit cleanly (exit %s)" % rc)
    finally:
        guest.stop()
        tp.kill()

    for pid in pids:
        t.check(not t.pid_alive(pid), "pid %d is gone" % pid)
    leftovers = [os.path.join(m, f) for m in t.hugetlbfs_mounts()
                 for f in os.listdir(m) if f.startswith(prefix)]
    t.check(not leftovers, "no hugepage files left for %s %s" % (prefix, leftovers))
    t.check(not os.path.exists("/var/run/dpdk/" + prefix), "/var/run/dpdk/%s removed" % prefix)
    t.wait_until(lambda: unowned_free_pages(prefix) == free_before, 5, 0.2,
                 "HugePages_Free back to its value before the test (%d, not counting "
                 "pages other processes' hugetlbfs files took meanwhile)" % free_before)
    print("HugePages_Free back to %d (+ pages other processes took meanwhile)" % free_before,
          flush=True)
    print("selfcheck took %.1f s" % (time.monotonic() - started), flush=True)


if __name__ == "__main__":
    t.main(main)
