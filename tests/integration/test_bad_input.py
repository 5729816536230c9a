#!/usr/bin/env python3
"""Bad vhost-user input against a running switch: each bad message sent to
the first interface gets one log line naming the interface and what was
wrong, and either a hang-up or (REPLY_ACK) a failure status; vhostd leaks
no fd; the second interface still negotiates and shows up in
`vhost-ctl show vhost-user`."""
import glob
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_user_client as vu  # noqa: E402

BUILD = os.environ.get("VSW_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SUPERVISOR = os.path.join(BUILD, "tools/supervisor/vhost-supervisor")
CTL = os.path.join(BUILD, "tools/ctl/vhost-ctl")
IF1, IF2 = "VirtualEthernet0/0/0", "VirtualEthernet0/0/1"

CONF = """
unix {{ runtime-dir {rt}  cli-listen ipc://{rt}/cli.sock }}
cpu {{ main-core 0  corelist-workers 1 }}
dpdk {{ huge-dir /dev/hugepages  socket-mem 128  file-prefix {prefix}  num-mbufs 4096 }}
vhost {{
  interface {{ socket {rt}/vm1.sock  server }}
  interface {{ socket {rt}/vm2.sock  server }}
}}
logging {{ default-log-level info }}
"""


def hugepages():
    with open("/proc/sys/vm/nr_hugepages") as f:
        if int(f.read()) < 256:
            with open("/proc/sys/vm/nr_hugepages", "w") as w:
                w.write("512")
    if not os.path.ismount("/dev/hugepages"):
        os.makedirs("/dev/hugepages", exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=True)


class Switch:
    """vhost-supervisor on a private runtime dir and file prefix."""

    def __init__(self):
        self.rt = tempfile.mkdtemp(prefix="vsw-bad-input-")
        self.prefix = "vswbad%d" % os.getpid()
        self.conf = os.path.join(self.rt, "startup.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(rt=self.rt, prefix=self.prefix))
        self.log = os.path.join(self.rt, "vhostsw.log")
        self.out = open(os.path.join(self.rt, "supervisor.out"), "w")
        self.proc = subprocess.Popen([SUPERVISOR, "-c", self.conf], stdout=self.out,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not self.logged("vhostd generation 1 ready"):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("switch did not start; see " + self.out.name)
            time.sleep(0.2)
        self.log_pos = 0

    def logged(self, text):
        try:
            with open(self.log) as f:
                return text in f.read()
        except FileNotFoundError:
            return False

    def wait_log(self, text, timeout=5):
        """True once text is in the log past what earlier checks consumed."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log) as f:
                f.seek(self.log_pos)
                new = f.read()
            at = new.find(text)
            if at >= 0:
                self.log_pos += at + len(text)
                return True
            time.sleep(0.1)
        return False

    def vhostd_pid(self):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid), "-x", "vhostd"],
                             capture_output=True, text=True).stdout.split()
        return int(out[0])

    def ctl(self, *words):
        return subprocess.run([CTL, "-s", "ipc://%s/cli.sock" % self.rt, *words],
                              capture_output=True, text=True, timeout=10)

    def sock(self, n):
        return os.path.join(self.rt, "vm%d.sock" % n)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        for f in glob.glob("/dev/hugepages/%smap_*" % self.prefix):
            os.unlink(f)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def hang_up_case(sw, name, send, log_text):
    c = vu.Client(sw.sock(1))
    send(c)
    check(c.hung_up(), name + ": connection closed")
    check(sw.wait_log("%s: %s" % (IF1, log_text)), name + ": log line '%s'" % log_text)
    c.close()


def reply_ack_case(sw, name, send, log_text):
    c = vu.Client(sw.sock(1))
    c.negotiate(protocol=vu.PF_REPLY_ACK)
    send(c)
    reply = c.recv_reply()
    check(reply is not None and reply[2] == struct.pack("<Q", 1),
          name + ": REPLY_ACK failure status")
    check(sw.wait_log("%s: %s" % (IF1, log_text)), name + ": log line '%s'" % log_text)
    c.close()


def mem_table(regions):
    return struct.pack("<II", len(regions), 0) + b"".join(
        struct.pack("<QQQQ", *r) for r in regions)


def memfd(size):
    fd = os.memfd_create("guest")
    os.ftruncate(fd, size)
    return fd


def bad_cases(sw):
    hang_up_case(sw, "truncated header", lambda c: c.send_raw(b"\x01\x00\x00\x00\x01\x00"),
                 "truncated header (6 of 12 bytes)")
    hang_up_case(sw, "size over the max",
                 lambda c: c.send(vu.SET_FEATURES, b"\0" * 8, size=4096),
                 "VHOST_USER_SET_FEATURES: size 4096 over the max")
    hang_up_case(sw, "wrong version",
                 lambda c: c.send(vu.SET_FEATURES, b"\0" * 8, flags=0x2),
                 "VHOST_USER_SET_FEATURES: wrong version 2")
    hang_up_case(sw, "vring index out of range",
                 lambda c: c.send(vu.SET_VRING_NUM, struct.pack("<II", 40, 256)),
                 "VHOST_USER_SET_VRING_NUM: vring index 40 out of range (max 15)")
    hang_up_case(sw, "truncated payload",
                 lambda c: c.send(vu.SET_VRING_NUM, b"\0" * 4, size=8),
                 "VHOST_USER_SET_VRING_NUM: truncated payload (4 of 8 bytes)")
    hang_up_case(sw, "unknown request", lambda c: c.send(99), "request 99: unknown request")

    def two_fds(c):
        a, b = os.eventfd(0), os.eventfd(0)
        c.send(vu.SET_VRING_KICK, struct.pack("<Q", 0), [a, b])
        os.close(a)
        os.close(b)
    hang_up_case(sw, "fd count mismatch", two_fds,
                 "VHOST_USER_SET_VRING_KICK: fd count mismatch: 2 fds, expected 1")

    def overlap(c):
        a, b = memfd(1 << 20), memfd(1 << 20)
        c.send(vu.SET_MEM_TABLE, mem_table([(0, 1 << 20, vu.UVA, 0),
                                            (0x80000, 1 << 20, vu.UVA + (1 << 21), 0)]),
               [a, b], vu.VERSION | vu.NEED_REPLY)
        os.close(a)
        os.close(b)
    reply_ack_case(sw, "overlapping regions", overlap,
                   "VHOST_USER_SET_MEM_TABLE: region 1 overlaps region 0")

    def too_big(c):
        a = memfd(4096)
        c.send(vu.SET_MEM_TABLE, mem_table([(0, 1 << 20, vu.UVA, 0)]), [a],
               vu.VERSION | vu.NEED_REPLY)
        os.close(a)
    reply_ack_case(sw, "region larger than its fd", too_big,
                   "VHOST_USER_SET_MEM_TABLE: region 0 larger than its fd")


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def good_sequence(sw):
    c = vu.Client(sw.sock(2))
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
        out = sw.ctl("show", "vhost-user", IF2).stdout
        if "Virtqueue 1 (TX) enabled" in out:
            break
        time.sleep(0.2)
    check("VIRTIO_F_VERSION_1" in out and "Memory regions (total 1)" in out and
          "Virtqueue 0 (RX) enabled" in out and "Virtqueue 1 (TX) enabled" in out
          and "qsz 256" in out, "interface 2: show vhost-user shows the negotiated state")
    if failures:
        print(out)
    c.send(vu.GET_VRING_BASE, struct.pack("<II", 0, 0))
    reply = c.recv_reply()
    check(reply is not None and reply[0] == vu.GET_VRING_BASE, "interface 2: GET_VRING_BASE")
    c.close()


def main():
    if os.geteuid() != 0:
        print("needs root (hugepages, DPDK)")
        return 1
    hugepages()
    sw = Switch()
    try:
        pid = sw.vhostd_pid()
        before = fd_count(pid)
        bad_cases(sw)
        time.sleep(0.5)
        after = fd_count(pid)
        check(after == before, "vhostd fds: %d before the bad input, %d after" % (before, after))
        good_sequence(sw)
        check(sw.vhostd_pid() == pid, "vhostd still the same process")
    finally:
        sw.stop()
        if not failures:
            shutil.rmtree(sw.rt, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
