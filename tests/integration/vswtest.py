"""vswtest: shared harness for vhostsw integration tests (Python 3 stdlib only).

Each integration test is a standalone script run by ctest (exit 0 = pass).
This module starts the real processes a test needs -- QEMU guests with a
vhost-user virtio-net NIC, dpdk-testpmd -- and guarantees that everything it
started is gone afterwards, even when the test fails, raises, or is sent
SIGTERM/SIGINT/SIGHUP:

* every child is tracked by pid in a registry and SIGKILLed (by pid, never by
  name) at exit; children also get PR_SET_PDEATHSIG=SIGKILL, so they die
  even if this Python process is SIGKILLed;
* DPDK hugepage files and /var/run/dpdk/<prefix> of every Testpmd are
  removed, and those of earlier runs whose process is dead (see unique());
* the per-run work directory (sockets, logs, fifos) is removed; set
  VSW_KEEP_WORKDIR=1 to keep it. On failure the tails of all logs are
  printed to stderr first (ctest --output-on-failure shows them).

Typical test:

    import vswtest as t

    def main():
        t.hugepages_ensure()
        tp = t.Testpmd(t.unique("tp"), vdevs=[...]); tp.start()
        g = t.Guest("g1", sock, ip="10.0.0.1/24"); g.start(); g.wait_ready()
        out, rc = g.run("ping -c 1 10.0.0.2")
        t.check(rc == 0, "guest pings 10.0.0.2")

    t.main(main)
"""

import atexit
import codecs
import ctypes
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
import zlib

__all__ = [
    "TestFailure", "GuestError", "check", "failures", "main", "wait_until",
    "repo_root", "build_dir", "guest_dir", "workdir", "unique",
    "hugepages_ensure", "hugepages_free", "hugepages_snapshot", "hugetlbfs_mounts",
    "dpdk_cleanup_prefix", "dpdk_cleanup_stale", "register_cleanup",
    "cleanup_all", "dump_logs", "pid_alive", "Proc", "Guest", "Testpmd", "Switch",
    "cpus_allowed", "socket_inodes",
]

RUN_TAG = "vswt%d" % os.getpid()


# --------------------------------------------------------------------------
# results and waiting
# --------------------------------------------------------------------------

class TestFailure(AssertionError):
    """A check() failed; main() turns it into exit status 1."""


class GuestError(RuntimeError):
    """The guest died, did not boot, or its console did not answer."""


_failures = []


def check(cond, msg, fatal=True):
    """Prints PASS/FAIL for msg; a failed fatal check raises TestFailure so
    the test stops (cleanup still runs), a non-fatal one only records it."""
    if cond:
        print("PASS: %s" % msg, flush=True)
        return True
    caller = traceback.extract_stack(limit=2)[0]
    print("FAIL: %s  (%s:%d)" % (msg, os.path.basename(caller.filename), caller.lineno),
          flush=True)
    _failures.append(msg)
    if fatal:
        raise TestFailure(msg)
    return False


def failures():
    """Messages of every failed check so far."""
    return list(_failures)


def wait_until(fn, timeout=10.0, interval=0.2, what="condition", ignore=()):
    """Polls fn() until it returns something truthy and returns that value.
    Raises TimeoutError naming `what`. Exceptions listed in `ignore` count as
    "not yet" (the last one is quoted in the timeout message)."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = fn()
            if value:
                return value
        except ignore as exc:  # noqa: B030 (tuple of exception types)
            last_exc = exc
        if time.monotonic() >= deadline:
            extra = " (last error: %r)" % (last_exc,) if last_exc else ""
            raise TimeoutError("timed out after %.1fs waiting for %s%s"
                               % (timeout, what, extra))
        time.sleep(interval)


def main(fn):
    """Runs fn() as the test body and exits: 0 if it returned and no check
    failed, 1 otherwise (128+N on signal N). Dumps log tails on failure and
    always cleans up. Tests should end with vswtest.main(main)."""
    rc = 0
    try:
        fn()
    except TestFailure:
        rc = 1
    except SystemExit as exc:  # our signal handler, or sys.exit() in fn
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if rc:
            print("FAIL: test exited with status %s" % rc, flush=True)
    except KeyboardInterrupt:
        print("FAIL: interrupted", flush=True)
        rc = 130
    except BaseException:  # report anything else as a failure with traceback
        traceback.print_exc()
        print("FAIL: %s" % (sys.exc_info()[1],), flush=True)
        rc = 1
    if rc == 0 and _failures:
        rc = 1
    if rc:
        _state["failed"] = True
    cleanup_all()
    if rc == 0:
        print("ALL PASSED", flush=True)
    sys.exit(rc)


# --------------------------------------------------------------------------
# paths and names
# --------------------------------------------------------------------------

def repo_root():
    """Source tree: $VSW_SOURCE_DIR (set by ctest) or two levels above this file."""
    env = os.environ.get("VSW_SOURCE_DIR")
    if env:
        return os.path.abspath(env)
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def build_dir():
    """Build tree: $VSW_BUILD_DIR (set by ctest) or <repo>/build."""
    return os.path.abspath(os.environ.get("VSW_BUILD_DIR")
                           or os.path.join(repo_root(), "build"))


_guest_built = []


def guest_dir():
    """Directory with the guest vmlinuz and initrd.img: $VSW_GUEST_DIR or
    <build>/guest (= <repo>/build/guest by default, and where
    `tools/bootstrap.sh test` builds it). Runs tools/guest-image/build.sh
    once if a file is missing."""
    path = os.path.abspath(os.environ.get("VSW_GUEST_DIR")
                           or os.path.join(build_dir(), "guest"))
    wanted = [os.path.join(path, f) for f in ("vmlinuz", "initrd.img")]
    if not all(os.path.exists(f) for f in wanted) and not _guest_built:
        _guest_built.append(path)
        script = os.path.join(repo_root(), "tools", "guest-image", "build.sh")
        print("vswtest: building guest image: %s %s" % (script, path), flush=True)
        subprocess.run(["bash", script, path], check=True)
    for f in wanted:
        if not os.path.exists(f):
            raise FileNotFoundError("guest image file missing: %s" % f)
    return path


def unique(name):
    """Per-run unique name `vswt<pid>-<name>` (same name -> same result within
    a run) for DPDK file prefixes, socket files, netns names. Keep `name`
    short: interface names are limited to 15 chars, socket paths to 107."""
    return "%s-%s" % (RUN_TAG, name)


_state = {"workdir": None, "failed": False, "cleaned": False}


def workdir():
    """Per-run scratch directory /tmp/vswt<pid> (sockets, logs, fifos),
    removed at exit unless VSW_KEEP_WORKDIR=1."""
    if _state["workdir"] is None:
        dpdk_cleanup_stale()
        path = os.path.join("/tmp", RUN_TAG)
        os.makedirs(path, exist_ok=True)
        _state["workdir"] = path
    return _state["workdir"]


# --------------------------------------------------------------------------
# hugepages and DPDK runtime files
# --------------------------------------------------------------------------

def hugetlbfs_mounts():
    """Mount points of every hugetlbfs (where DPDK puts <prefix>map_* files)."""
    mounts = []
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "hugetlbfs":
                mounts.append(parts[1].replace("\\040", " "))
    return mounts


def hugepages_free():
    """HugePages_Free from /proc/meminfo (to check tests give pages back)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
    return 0


def hugepages_snapshot():
    """{"total", "free", "files": {path: pages}}: the default-size hugepage
    counters plus the pages each hugetlbfs file holds, so a test can tell
    its own leaks from hugepages other processes (a running switch) use."""
    snap = {"total": 0, "free": 0, "files": {}}
    page = 2048 * 1024
    with open("/proc/meminfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "HugePages_Total":
                snap["total"] = int(value)
            elif key == "HugePages_Free":
                snap["free"] = int(value)
            elif key == "Hugepagesize":
                page = int(value.split()[0]) * 1024
    for mnt in hugetlbfs_mounts():
        try:
            names = os.listdir(mnt)
        except OSError:
            continue
        for name in names:
            try:
                st = os.stat(os.path.join(mnt, name))
            except OSError:
                continue
            snap["files"][os.path.join(mnt, name)] = st.st_blocks * 512 // page
    return snap


def hugepages_ensure(n=512):
    """Makes sure at least n default-size hugepages are reserved and a
    hugetlbfs is mounted on /dev/hugepages; returns the reserved count."""
    with open("/proc/sys/vm/nr_hugepages") as f:
        have = int(f.read())
    if have < n:
        with open("/proc/sys/vm/nr_hugepages", "w") as f:
            f.write("%d\n" % n)
        with open("/proc/sys/vm/nr_hugepages") as f:
            have = int(f.read())
        if have < n:
            raise RuntimeError("only %d of %d hugepages could be reserved" % (have, n))
    if "/dev/hugepages" not in hugetlbfs_mounts():
        os.makedirs("/dev/hugepages", exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=True)
    return have


def dpdk_cleanup_prefix(prefix):
    """Removes what a DPDK process with --file-prefix=prefix leaves behind:
    <hugetlbfs>/<prefix>map_* (and <prefix>seg* files) and
    /var/run/dpdk/<prefix>. Deleting the files frees the hugepages once no
    process maps them."""
    pattern = re.compile(r"^%s(map|seg)_?[0-9_]*$" % re.escape(prefix))
    for mnt in hugetlbfs_mounts():
        try:
            names = os.listdir(mnt)
        except OSError:
            continue
        for name in names:
            if pattern.match(name):
                try:
                    os.unlink(os.path.join(mnt, name))
                except FileNotFoundError:
                    pass
    shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)


def pid_alive(pid):
    """True if a process with this pid exists (zombies included)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dpdk_cleanup_stale():
    """Removes hugepage files, /var/run/dpdk dirs and /tmp work dirs of
    earlier harness runs (names vswt<pid>...) whose process is dead, e.g.
    after the harness itself was SIGKILLed."""
    stale = re.compile(r"^vswt(\d+)")

    def dead(name):
        m = stale.match(name)
        return bool(m) and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1)))

    for mnt in hugetlbfs_mounts():
        try:
            for name in os.listdir(mnt):
                if dead(name):
                    try:
                        os.unlink(os.path.join(mnt, name))
                    except OSError:
                        pass
        except OSError:
            pass
    for base in ("/var/run/dpdk", "/tmp"):
        try:
            for name in os.listdir(base):
                if dead(name) and os.path.isdir(os.path.join(base, name)):
                    shutil.rmtree(os.path.join(base, name), ignore_errors=True)
        except OSError:
            pass


# --------------------------------------------------------------------------
# process registry and cleanup
# --------------------------------------------------------------------------

_live = {}       # pid -> Proc, every child not yet reaped
_cleanups = []   # callables run (last registered first) after children die
_logs = []       # (label, path) dumped on failure


def register_cleanup(fn):
    """Runs fn() at cleanup, after every child was killed (LIFO order)."""
    _cleanups.append(fn)
    return fn


def _register_log(label, path):
    if (label, path) not in _logs:
        _logs.append((label, path))


def _tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def dump_logs(lines=40):
    """Prints the last lines of every log the harness wrote, to stderr."""
    for label, path in _logs:
        sys.stderr.write("----- %s (%s), last %d lines -----\n%s\n"
                         % (label, path, lines, _tail(path, lines)))
    sys.stderr.flush()


def cleanup_all():
    """Kills every live child by pid, runs registered cleanups, removes the
    work dir. Idempotent; also runs from atexit and the signal handlers."""
    if _state["cleaned"]:
        return
    _state["cleaned"] = True
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            signal.signal(sig, signal.SIG_IGN)  # finish cleaning up first
        except (ValueError, OSError):
            pass
    if _state["failed"]:
        dump_logs()
    for proc in sorted(_live.values(), key=lambda p: -p.started_at):
        try:
            proc.kill()
        except Exception as exc:  # keep cleaning the rest
            sys.stderr.write("vswtest: kill %s: %r\n" % (proc.name, exc))
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as exc:
            sys.stderr.write("vswtest: cleanup %r: %r\n" % (fn, exc))
    wd = _state["workdir"]
    if wd and os.environ.get("VSW_KEEP_WORKDIR") != "1":
        shutil.rmtree(wd, ignore_errors=True)
    elif wd:
        sys.stderr.write("vswtest: kept work dir %s\n" % wd)


def _on_signal(signum, _frame):
    """SIGTERM/SIGHUP (ctest timeout, CI abort): unwind through the test's
    finally blocks; main()/atexit then kill the children."""
    _state["failed"] = True
    raise SystemExit(128 + signum)


def _excepthook(etype, value, tb):
    _state["failed"] = True
    sys.__excepthook__(etype, value, tb)


atexit.register(cleanup_all)
sys.excepthook = _excepthook
for _sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _on_signal)

try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:
    _libc = None


def _child_setup():
    """In the child before exec: die with the harness (PR_SET_PDEATHSIG)."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


class Proc:
    """A child process with its own session and a log file for stdout and
    stderr, tracked by pid so that cleanup can kill it.

    cpus: taskset CPU list (e.g. "0") or None. stdin: file descriptor/object
    or None for /dev/null."""

    def __init__(self, argv, log, name=None, cpus=None, env=None, cwd=None, stdin=None):
        self.argv = list(argv)
        if cpus is not None:
            self.argv = ["taskset", "-c", str(cpus)] + self.argv
        self.log = log
        self.name = name or os.path.basename(argv[0])
        self.env = env
        self.cwd = cwd
        self.stdin = stdin
        self.popen = None
        self.started_at = 0.0

    def start(self):
        """Starts the process (exec'd directly: taskset/stdbuf keep the pid)."""
        if self.alive():
            raise RuntimeError("%s already running (pid %d)" % (self.name, self.pid))
        _register_log(self.name, self.log)
        with open(self.log, "ab") as logf:
            logf.write(("### %s start: %s\n" % (time.strftime("%H:%M:%S"),
                                                " ".join(self.argv))).encode())
            logf.flush()
            self.popen = subprocess.Popen(
                self.argv, stdin=self.stdin if self.stdin is not None else subprocess.DEVNULL,
                stdout=logf, stderr=subprocess.STDOUT, env=self.env, cwd=self.cwd,
                start_new_session=True, preexec_fn=_child_setup, close_fds=True)
        self.started_at = time.monotonic()
        _live[self.popen.pid] = self
        return self

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    @property
    def returncode(self):
        return self.popen.poll() if self.popen else None

    def alive(self):
        """True while the process runs (reaps it if it exited)."""
        if self.popen is None:
            return False
        if self.popen.poll() is None:
            return True
        _live.pop(self.popen.pid, None)
        return False

    def wait(self, timeout=None):
        """Waits for exit and returns the status; raises TimeoutError."""
        if self.popen is None:
            return None
        try:
            rc = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError("%s (pid %d) still running after %ss"
                               % (self.name, self.pid, timeout)) from None
        _live.pop(self.popen.pid, None)
        return rc

    def send_signal(self, sig):
        """Sends sig to the pid (only if it is still our unreaped child)."""
        if self.alive():
            os.kill(self.popen.pid, sig)

    def kill(self):
        """SIGKILL by pid (and its process group), then reap."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            for target in (lambda: os.killpg(self.popen.pid, signal.SIGKILL),
                           lambda: os.kill(self.popen.pid, signal.SIGKILL)):
                try:
                    target()
                except (ProcessLookupError, PermissionError):
                    pass
        return self.wait(10)

    def stop(self, timeout=10, sig=signal.SIGTERM):
        """Sends sig, waits up to timeout, then SIGKILLs."""
        if not self.alive():
            return self.returncode
        self.send_signal(sig)
        try:
            return self.wait(timeout)
        except TimeoutError:
            return self.kill()

    def log_text(self):
        """Everything the process wrote to stdout/stderr so far."""
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


# --------------------------------------------------------------------------
# QEMU guest
# --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"       # CSI (colours, ESC[6n, ...)
                   r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
                   r"|\x1b[()][0-9A-Za-z]"          # charset selection
                   r"|\x1b[@-Z\\-_=>]")             # other 2-byte escapes
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")    # \r, BEL, ... (keeps \n \t)


class Guest:
    """A QEMU (TCG) guest from guest_dir() with one vhost-user virtio-net NIC
    (eth0) on socket `sock`, and a root shell on its serial console.

    server=True: QEMU is the vhost-user server (creates sock; the switch
    connects). server=False: QEMU connects as client with reconnect=1.
    NOTE: as a client, QEMU does not boot the guest until the backend on
    sock has accepted and answered the vhost-user handshake.

    ip: "10.0.0.1/24" configures eth0 (optional). queues>1 enables
    multiqueue; the guest kernel only uses min(vCPUs, queues) queue pairs
    (no ethtool in busybox), so smp defaults to queues. cpus: taskset list
    for QEMU (None = unpinned). ipv6=False disables IPv6 in the guest so the
    link carries no unsolicited DAD/RS/MLD packets. nice: QEMU's niceness
    (e.g. -10 so that a guest sharing a CPU with the switch's control plane
    is not starved while it restarts), None to leave it."""

    def __init__(self, name, sock, server=False, mac=None, ip=None, mem="256M",
                 queues=1, cpus="0", smp=None, ipv6=False, append="", extra_args=(),
                 nice=None):
        self.name = name
        self.sock = sock
        self.server = server
        self.mac = mac or self._mac_for(name)
        self.ip = ip
        self.mem = mem
        self.queues = int(queues)
        self.smp = int(smp or self.queues)
        self.cpus = cpus
        self.ipv6 = ipv6
        self.append = append
        self.extra_args = list(extra_args)
        self.nice = nice
        base = os.path.join(workdir(), name)
        self.console_path = base + ".con"
        self.qmp_path = base + ".qmp"
        self.log = base + ".qemu.log"
        self.console_log = base + ".console.log"
        self.proc = None
        self.boot_seconds = None
        self._con = None
        self._decoder = None
        self._pending = ""
        self._text = ""
        self._seq = 0
        self._echo = True
        self._t_start = None

    @staticmethod
    def _mac_for(name):
        """Stable locally administered MAC from the guest name."""
        h = zlib.crc32(name.encode()) & 0xFFFFFF
        return "52:54:00:%02x:%02x:%02x" % (h >> 16, (h >> 8) & 0xFF, h & 0xFF)

    def qemu_argv(self):
        """The full QEMU command line (without taskset)."""
        gdir = guest_dir()
        append = "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off"
        if self.ip:
            append += " vsw.ip=%s" % self.ip
        if not self.ipv6:
            append += " vsw.ipv6=0"
        if self.append:
            append += " " + self.append
        if self.server:
            nic_chardev = "socket,id=c0,path=%s,server=on,wait=off" % self.sock
        else:
            nic_chardev = "socket,id=c0,path=%s,reconnect=1" % self.sock
        netdev = "vhost-user,id=n0,chardev=c0"
        device = "virtio-net-pci,netdev=n0,mac=%s,vectors=0" % self.mac
        if self.queues > 1:
            netdev += ",queues=%d" % self.queues
            device += ",mq=on"
        return [
            "qemu-system-x86_64", "-name", self.name,
            "-accel", "tcg", "-machine", "pc", "-nodefaults", "-no-user-config",
            "-display", "none", "-no-reboot",
            "-m", self.mem, "-smp", str(self.smp),
            "-object", "memory-backend-memfd,id=mem,size=%s,share=on" % self.mem,
            "-numa", "node,memdev=mem",
            "-kernel", os.path.join(gdir, "vmlinuz"),
            "-initrd", os.path.join(gdir, "initrd.img"),
            "-append", append,
            # wait=on: QEMU waits for the harness before running the guest,
            # so no console output is lost.
            "-chardev", "socket,id=con0,path=%s,server=on,wait=on" % self.console_path,
            "-serial", "chardev:con0",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-chardev", nic_chardev,
            "-netdev", netdev,
            "-device", device,
        ] + self.extra_args

    @property
    def pid(self):
        return self.proc.pid if self.proc and self.proc.alive() else None

    def alive(self):
        return bool(self.proc and self.proc.alive())

    def start(self, timeout=20):
        """Starts QEMU and connects to its serial console. Restartable after
        kill()/stop() with the same socket."""
        if self.alive():
            raise RuntimeError("guest %s already running" % self.name)
        self._close_console()
        for path in (self.console_path, self.qmp_path):
            if os.path.exists(path):
                os.unlink(path)
        self._pending, self._text, self._echo = "", "", True
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.boot_seconds = None
        _register_log(self.name + " console", self.console_log)
        with open(self.console_log, "a") as f:
            f.write("\n### %s start\n" % time.strftime("%H:%M:%S"))
        argv = self.qemu_argv()  # may build the guest image first
        if self.nice is not None:
            argv = ["nice", "-n", str(self.nice)] + argv
        self._t_start = time.monotonic()
        self.proc = Proc(argv, self.log, name="qemu-" + self.name, cpus=self.cpus).start()

        def connect():
            if not self.proc.alive():
                raise GuestError("QEMU %s exited with %s:\n%s"
                                 % (self.name, self.proc.returncode, _tail(self.log)))
            if not os.path.exists(self.console_path):
                return None
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.console_path)
            except OSError:
                s.close()
                return None
            return s

        self._con = wait_until(connect, timeout, 0.05,
                               "QEMU %s console socket %s" % (self.name, self.console_path))
        self._con.setblocking(False)
        return self

    # -- console -----------------------------------------------------------

    def _close_console(self):
        if self._con is not None:
            try:
                self._con.close()
            except OSError:
                pass
            self._con = None

    def _clean(self, text):
        return _CTRL.sub("", _ANSI.sub("", text))

    def _feed(self, data):
        """Decodes console bytes, drops ANSI escapes and control chars
        (keeping an escape split across reads for the next call)."""
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        esc = text.rfind("\x1b")
        if esc >= 0 and len(text) - esc < 64 and not _ANSI.match(text, esc):
            text, self._pending = text[:esc], text[esc:]
        clean = self._clean(text)
        self._text += clean
        with open(self.console_log, "a") as f:
            f.write(clean)

    def _read_some(self, timeout):
        """Reads what the console has within timeout; raises GuestError if
        QEMU died or closed the console."""
        if self._con is None:
            raise GuestError("guest %s is not running" % self.name)
        ready, _, _ = select.select([self._con], [], [], max(0.0, timeout))
        if not ready:
            if not self.proc.alive():
                raise GuestError("QEMU %s exited with %s; log:\n%s"
                                 % (self.name, self.proc.returncode, _tail(self.log)))
            return False
        try:
            data = self._con.recv(65536)
        except BlockingIOError:
            return False
        if not data:
            try:
                self.proc.wait(5)
            except TimeoutError:
                pass
            raise GuestError("guest %s console closed (QEMU exit status %s); log:\n%s"
                             % (self.name, self.proc.returncode, _tail(self.log)))
        self._feed(data)
        return True

    def expect(self, regex, timeout=30, start=0):
        """Reads the console until regex matches in the text after offset
        `start` of console_text(); returns the match."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self._text, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("guest %s: no %r on the console within %ss; last output:\n%s"
                                   % (self.name, regex, timeout, self._text[-1500:]))
            self._read_some(min(left, 0.5))

    def write(self, text):
        """Types text on the serial console (QEMU applies back-pressure)."""
        if self._con is None:
            raise GuestError("guest %s is not running" % self.name)
        data = text.encode()
        deadline = time.monotonic() + 30
        while data:
            _, writable, _ = select.select([], [self._con], [], 1.0)
            if writable:
                try:
                    data = data[self._con.send(data):]
                except BlockingIOError:
                    pass
            elif time.monotonic() > deadline or not self.proc.alive():
                raise GuestError("guest %s console does not accept input" % self.name)
            # keep draining output so QEMU never blocks on a full socket
            while self._read_some(0):
                pass

    def console_text(self):
        """Console text not yet consumed by wait_ready()/run() (the whole
        transcript of every boot is in the file self.console_log)."""
        return self._text

    def wait_ready(self, timeout=90):
        """Waits for VSW-GUEST-READY, then turns the console into a quiet
        command channel (stty -echo disables busybox line editing and echo;
        no prompt; no job control). Sets boot_seconds."""
        how = "" if self.server else (
            " (QEMU as vhost-user client does not boot until the backend at %s answers)"
            % self.sock)
        try:
            m = self.expect(r"VSW-GUEST-READY[^\n]*\n|VSW-GUEST-NO-ETH0|VSW-GUEST-ERROR[^\n]*"
                            r"|Kernel panic[^\n]*", timeout)
        except TimeoutError as exc:
            raise GuestError("guest %s not ready within %ss%s: %s" % (self.name, timeout, how, exc)) from None
        if not m.group(0).startswith("VSW-GUEST-READY"):
            raise GuestError("guest %s failed to boot: %s\nconsole:\n%s"
                             % (self.name, m.group(0).strip(), self._text[-3000:]))
        self.boot_seconds = time.monotonic() - self._t_start
        tok = self._token()
        self.write("stty -echo; set +m; PS1=''; PS2=''; unset ENV\n")
        self.write('echo VSW""S%s\n' % tok)
        m = self.expect(r"VSWS%s\n" % tok, 20)
        probe = self._token()
        self.write('echo VSW""P%s\n' % probe)
        m2 = self.expect(r"VSWP%s\n" % probe, 20, m.end())
        self._echo = ('VSW""P%s' % probe) in self._text[m.end():m2.start()]
        self._text = self._text[m2.end():]
        return self.boot_seconds

    def _token(self):
        self._seq += 1
        return "%d_%x" % (self._seq, random.getrandbits(32))

    def run(self, cmd, timeout=30):
        """Runs a shell command in the guest; returns (output, exit status).
        stdin of cmd is /dev/null; cmd may be several lines (each < 4000
        bytes: tty line limit). A background job (`cmd &`) must redirect its
        output or it will show up in later commands' output. On timeout sends
        Ctrl-C and raises TimeoutError with the partial output."""
        if any(len(line) > 4000 for line in cmd.splitlines()):
            raise ValueError("guest command line longer than 4000 bytes")
        tok = self._token()
        sent = ["{ " + cmd] if "\n" not in cmd else ["{ " + cmd.splitlines()[0]] + cmd.splitlines()[1:]
        sent.append('} </dev/null; echo VSW""E%s:$?' % tok)
        start = len(self._text)
        self.write('echo VSW""B%s\n' % tok + "\n".join(sent) + "\n")
        try:
            b = self.expect(r"VSWB%s\n" % tok, timeout, start)
            e = self.expect(r"VSWE%s:(\d+)\n" % tok, max(1.0, timeout), b.end())
        except TimeoutError:
            partial = self._text[start:]
            self.write("\x03")
            raise TimeoutError("guest %s: command %r did not finish within %ss; output so far:\n%s"
                               % (self.name, cmd, timeout, partial[-2000:])) from None
        out = self._text[b.end():e.start()]
        self._text = self._text[e.end():]
        if self._echo:
            out = self._strip_echo(out, sent)
        if out.endswith("\n"):
            out = out[:-1]
        return out, int(e.group(1))

    @staticmethod
    def _strip_echo(out, sent):
        """Drops lines that are the tty's echo of what we typed."""
        todo = [s.strip() for s in sent if s.strip()]
        kept = []
        for line in out.split("\n"):
            hit = next((s for s in todo if line.rstrip().endswith(s)), None)
            if hit is not None:
                todo.remove(hit)
            else:
                kept.append(line)
        return "\n".join(kept)

    def wait_link(self, up=True, timeout=15, dev="eth0"):
        """Waits until <dev> operstate is "up" (or not "up" if up=False).
        The carrier comes asynchronously after VSW-GUEST-READY: only once the
        vhost-user backend has started the device (and the kernel's link
        watch ran), so call this before sending traffic."""
        want = "up" if up else "down"

        def probe():
            out, _ = self.run("cat /sys/class/net/%s/operstate" % dev)
            return (out.strip() == "up") == up

        wait_until(probe, timeout, 0.2, "guest %s %s operstate %s" % (self.name, dev, want))

    def run_ok(self, cmd, timeout=30):
        """run() that raises TestFailure unless the exit status is 0;
        returns the output."""
        out, rc = self.run(cmd, timeout)
        if rc != 0:
            print("FAIL: guest %s: %r exited %d:\n%s" % (self.name, cmd, rc, out), flush=True)
            _failures.append("guest command %r" % cmd)
            raise TestFailure("guest %s: %r exited %d" % (self.name, cmd, rc))
        return out

    def spawn(self, cmd, out="/dev/null"):
        """Starts cmd in the background with its output in the guest file
        `out`, detached from the console shell: when a job of its own ends,
        busybox's sh exits (init starts a fresh one, prompt and echo back
        on), so the job runs in a subshell that exits at once."""
        self.run_ok("(%s >%s 2>&1 </dev/null &)" % (cmd, out))

    def counters(self, dev="eth0"):
        """The guest's /sys/class/net/<dev>/statistics as {name: int}."""
        out = self.run_ok("cd /sys/class/net/%s/statistics && grep . *; cd /" % dev)
        stats = {}
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if value.strip().isdigit():
                stats[key.strip()] = int(value)
        return stats

    def qmp(self, command, **arguments):
        """Runs one QMP command (e.g. qmp("set_link", name="n0", up=False))
        and returns its "return" value; raises RuntimeError on error."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.qmp_path)
            f = s.makefile("rwb")

            def reply():
                while True:
                    line = f.readline()
                    if not line:
                        raise GuestError("QMP connection closed")
                    msg = json.loads(line)
                    if "return" in msg or "error" in msg:
                        return msg

            json.loads(f.readline())  # greeting
            for cmd in ({"execute": "qmp_capabilities"},
                        {"execute": command, "arguments": arguments}):
                f.write(json.dumps(cmd).encode() + b"\n")
                f.flush()
                msg = reply()
                if "error" in msg:
                    raise RuntimeError("QMP %s: %s" % (cmd["execute"], msg["error"]))
            return msg["return"]

    def log_text(self):
        """QEMU's own stdout/stderr (not the guest console)."""
        return self.proc.log_text() if self.proc else ""

    def kill(self):
        """SIGKILL QEMU by pid (a crash, for reconnect tests)."""
        self._close_console()
        if self.proc:
            self.proc.kill()

    def stop(self, timeout=10):
        """Stops QEMU (SIGTERM, SIGKILL after timeout)."""
        self._close_console()
        if self.proc:
            self.proc.stop(timeout)


# --------------------------------------------------------------------------
# dpdk-testpmd
# --------------------------------------------------------------------------

class Testpmd:
    """Interactive dpdk-testpmd (`-i`, line-buffered through stdbuf), fed
    through a named fifo (<workdir>/<prefix>.fifo; you can also echo
    commands into it by hand) with its output in <workdir>/<prefix>.log.

    lcores: "0,1" = main lcore 0 + forwarding lcore 1. vdevs: e.g.
    ["net_vhost0,iface=/x.sock,client=0,queues=1"] or
    ["net_virtio_user0,path=/x.sock,queues=2,server=0"]. app_args: testpmd
    options after `--` (default --total-num-mbufs=8192). eal_args: extra EAL
    options. Always --no-pci --single-file-segments -m <mem_mb>."""

    def __init__(self, prefix, lcores="0,1", vdevs=(), app_args=None, eal_args=(),
                 mem_mb=128, binary="dpdk-testpmd"):
        self.prefix = prefix
        self.lcores = lcores
        self.vdevs = list(vdevs)
        self.app_args = ["--total-num-mbufs=8192"] if app_args is None else list(app_args)
        self.eal_args = list(eal_args)
        self.mem_mb = mem_mb
        self.binary = binary
        self.fifo = os.path.join(workdir(), prefix + ".fifo")
        self.log = os.path.join(workdir(), prefix + ".log")
        self.proc = None
        self._fifo_fd = None
        self._mark = 0
        register_cleanup(self._cleanup)

    def argv(self):
        """The full command line."""
        argv = ["stdbuf", "-oL", self.binary, "-l", str(self.lcores),
                "--file-prefix", self.prefix, "--no-pci", "--single-file-segments",
                "-m", str(self.mem_mb)]
        for vdev in self.vdevs:
            argv += ["--vdev", vdev]
        return argv + self.eal_args + ["--", "-i"] + self.app_args

    @property
    def pid(self):
        return self.proc.pid if self.proc and self.proc.alive() else None

    def alive(self):
        return bool(self.proc and self.proc.alive())

    def start(self, timeout=30):
        """Starts testpmd and waits for its first `testpmd> ` prompt."""
        if self.alive():
            raise RuntimeError("testpmd %s already running" % self.prefix)
        hugepages_ensure()
        dpdk_cleanup_stale()
        dpdk_cleanup_prefix(self.prefix)
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        os.mkfifo(self.fifo, 0o600)
        # We hold a read-write end so testpmd never sees EOF (EOF = quit).
        self._fifo_fd = os.open(self.fifo, os.O_RDWR)
        child_stdin = os.open(self.fifo, os.O_RDONLY)
        try:
            self._mark = self._size()
            self.proc = Proc(self.argv(), self.log, name="testpmd-" + self.prefix,
                             stdin=child_stdin).start()
        finally:
            os.close(child_stdin)
        try:
            self.wait_for(r"testpmd> ", timeout)
        except TimeoutError:
            raise RuntimeError("testpmd %s did not start:\n%s"
                               % (self.prefix, _tail(self.log, 60))) from None
        return self

    def _size(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def output(self, since=0):
        """testpmd's output (from byte offset `since`)."""
        try:
            with open(self.log, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def mark(self):
        """Current end of the output, for wait_for(since=...)."""
        return self._size()

    def cmd(self, text):
        """Sends one command line; wait_for() then searches output after it."""
        if not self.alive():
            raise RuntimeError("testpmd %s is not running:\n%s" % (self.prefix, _tail(self.log)))
        self._mark = self._size()
        os.write(self._fifo_fd, (text.rstrip("\n") + "\n").encode())

    def wait_for(self, regex, timeout=10, since=None):
        """Waits until regex matches testpmd's output after the last cmd()
        (or byte offset `since`); returns the match."""
        pattern = re.compile(regex)
        start = self._mark if since is None else since

        def probe():
            m = pattern.search(self.output(start))
            if m:
                return m
            if not self.alive():
                raise RuntimeError("testpmd %s exited (%s) while waiting for %r:\n%s"
                                   % (self.prefix, self.proc.returncode, regex, _tail(self.log)))
            return None

        return wait_until(probe, timeout, 0.05, "testpmd %s output %r" % (self.prefix, regex))

    _STAT_KEYS = {
        "RX-packets": "rx_packets", "RX-missed": "rx_missed", "RX-bytes": "rx_bytes",
        "RX-errors": "rx_errors", "RX-nombuf": "rx_nombuf", "TX-packets": "tx_packets",
        "TX-errors": "tx_errors", "TX-bytes": "tx_bytes", "Rx-pps": "rx_pps",
        "Tx-pps": "tx_pps", "Rx-bps": "rx_bps", "Tx-bps": "tx_bps",
    }

    def port_stats(self, port=0, timeout=10):
        """`show port stats N` as a dict: rx_packets, rx_missed, rx_bytes,
        rx_errors, rx_nombuf, tx_packets, tx_errors, tx_bytes, rx_pps, tx_pps,
        rx_bps, tx_bps."""
        self.cmd("show port stats %d" % port)
        m = self.wait_for(r"(?s)#+ NIC statistics for port %d\s+#+\n(.*?)\n\s*#{20,}" % port,
                          timeout)
        stats = {}
        for key, value in re.findall(r"([RT]X-[a-z]+|[RT]x-[pb]ps):\s*(\d+)", m.group(1)):
            if key in self._STAT_KEYS:
                stats[self._STAT_KEYS[key]] = int(value)
        if "rx_packets" not in stats or "tx_packets" not in stats:
            raise RuntimeError("cannot parse testpmd port stats:\n%s" % m.group(0))
        return stats

    def quit(self, timeout=15):
        """`quit`, wait, SIGKILL after timeout; then removes hugepage files
        and /var/run/dpdk/<prefix>. Returns the exit status."""
        rc = None
        if self.alive():
            try:
                self.cmd("quit")
            except OSError:
                pass
            try:
                rc = self.proc.wait(timeout)
            except TimeoutError:
                sys.stderr.write("vswtest: testpmd %s ignored quit for %ss, killing\n"
                                 % (self.prefix, timeout))
                rc = self.proc.kill()
        self._cleanup()
        return rc

    def kill(self):
        """SIGKILL by pid, then the same file cleanup as quit()."""
        if self.proc:
            self.proc.kill()
        self._cleanup()

    def log_text(self):
        return self.output(0)

    def _cleanup(self):
        if self.alive():
            self.proc.kill()
        if self._fifo_fd is not None:
            os.close(self._fifo_fd)
            self._fifo_fd = None
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        dpdk_cleanup_prefix(self.prefix)


# --------------------------------------------------------------------------
# the switch under test: vhost-supervisor, vhostd, vhost-dp, vhost-ctl
# --------------------------------------------------------------------------

_json = json  # Switch.ctl() has a parameter named json


class Switch:
    """The switch under test: vhost-supervisor (which starts vhostd and one
    vhost-dp per worker core) from a startup.conf written for this run.

    Everything is its own: runtime dir <workdir>/<name> (vault, CLI socket,
    pid file, vhostsw.log), file-prefix unique(name), socket-mem 128.
    workers: a count (cores 1..n) or a list of core ids. interfaces: boot
    interfaces, each a dict of `interface { }` keys, e.g.
    {"socket": "/tmp/x.sock", "server": True, "mode": "0660"}. extra_conf is
    appended to the file (more sections). Binaries come from build_dir();
    VHOSTSW_BIN_DIR is not set, so the supervisor finds its children the
    way it does in a build tree."""

    def __init__(self, name="sw", workers=1, interfaces=(), main_core=0, socket_mem=128,
                 num_mbufs=8192, log_level="info", extra_conf=""):
        self.name = name
        self.prefix = unique(name)
        self.runtime_dir = os.path.join(workdir(), name)
        self.endpoint = "ipc://" + os.path.join(self.runtime_dir, "cli.sock")
        self.conf_path = os.path.join(workdir(), name + ".conf")
        self.log = os.path.join(workdir(), name + ".out")  # the supervisor's stdout/stderr
        if isinstance(workers, int):
            workers = list(range(1, workers + 1))
        self.worker_cores = list(workers)
        self.main_core = main_core
        self.socket_mem = socket_mem
        self.num_mbufs = num_mbufs
        self.log_level = log_level
        self.interfaces = [dict(i) for i in interfaces]
        self.extra_conf = extra_conf
        self.supervisor_bin = os.path.join(build_dir(), "tools", "supervisor", "vhost-supervisor")
        self.ctl_bin = os.path.join(build_dir(), "tools", "ctl", "vhost-ctl")
        self.proc = None
        register_cleanup(self._cleanup)

    # -- configuration ----------------------------------------------------

    def conf_text(self):
        """The startup.conf this switch runs with."""
        lines = [
            "unix {",
            "  runtime-dir %s" % self.runtime_dir,
            "  cli-listen %s" % self.endpoint,
            "}",
            "cpu {",
            "  main-core %d" % self.main_core,
        ]
        if self.worker_cores:
            lines.append("  corelist-workers %s" % ",".join(str(c) for c in self.worker_cores))
        lines += [
            "}",
            "dpdk {",
            "  huge-dir /dev/hugepages",
            "  socket-mem %d" % self.socket_mem,
            "  file-prefix %s" % self.prefix,
            "  num-mbufs %d" % self.num_mbufs,
            "}",
            "vhost {",
        ]
        for ifc in self.interfaces:
            lines.append("  interface {")
            for key, value in ifc.items():
                if value is True:
                    lines.append("    %s" % key)
                elif value not in (None, False):
                    lines.append("    %s %s" % (key, value))
            lines.append("  }")
        lines += ["}", "logging {", "  default-log-level %s" % self.log_level, "}"]
        return "\n".join(lines) + "\n" + self.extra_conf

    def write_conf(self, text=None):
        """Writes conf_text() (or text) to conf_path; returns the path."""
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text() if text is None else text)
        return self.conf_path

    # -- life cycle -------------------------------------------------------

    @property
    def pid(self):
        return self.proc.pid if self.proc and self.proc.alive() else None

    def alive(self):
        return bool(self.proc and self.proc.alive())

    def start(self, timeout=30, conf=None):
        """Writes the config (conf: text to use instead), starts the
        supervisor and waits until vhostd answers `show version`."""
        if self.alive():
            raise RuntimeError("switch %s already running" % self.name)
        hugepages_ensure()
        dpdk_cleanup_stale()
        dpdk_cleanup_prefix(self.prefix)
        self.write_conf(conf)
        _register_log("switch-%s vhostsw.log" % self.name,
                      os.path.join(self.runtime_dir, "vhostsw.log"))
        self.proc = Proc([self.supervisor_bin, "-c", self.conf_path], self.log,
                         name="switch-" + self.name).start()
        try:
            wait_until(self._answers, timeout, 0.2, "switch %s to answer `show version`"
                       % self.name)
        except TimeoutError as exc:
            raise RuntimeError("switch %s did not come up: %s\n%s"
                               % (self.name, exc, _tail(self.log, 60))) from None
        return self

    def _answers(self):
        if not self.alive():
            raise RuntimeError("vhost-supervisor exited with status %s:\n%s"
                               % (self.proc.returncode, _tail(self.log, 60)))
        return self._run_ctl(("show", "version"), False, 5).returncode == 0

    def wait_answers(self, timeout=10):
        """Waits until vhostd answers `show version` (e.g. after a restart)."""
        return wait_until(self._answers, timeout, 0.2, "switch %s to answer" % self.name)

    def stop(self, timeout=15, check_clean=True):
        """SIGTERM to the supervisor, wait for it; then checks (with check())
        that it exited 0 and left no child, socket, pid file or hugepage file
        behind. Returns the exit status."""
        if not self.proc:
            return None
        children = self.child_pids()
        rc = self.proc.stop(timeout)
        if check_clean:
            check(rc == 0, "switch %s: supervisor exited 0 on SIGTERM (got %s)" % (self.name, rc))
            check(not [p for p in children if pid_alive(p) and not _is_zombie(p)],
                  "switch %s: no child process left (had %s)" % (self.name, children))
            left = self.leftover_files()
            check(not left, "switch %s: nothing left behind (found %s)" % (self.name, left))
        return rc

    def kill(self):
        """SIGKILL to the supervisor's process group (supervisor and
        children), by pid; then removes its DPDK files."""
        if self.proc:
            self.proc.kill()
        dpdk_cleanup_prefix(self.prefix)

    def _cleanup(self):
        if self.alive():
            self.kill()
        dpdk_cleanup_prefix(self.prefix)

    def leftover_files(self):
        """Files a stopped switch must not leave: sockets and the pid file in
        the runtime dir, server interface sockets, hugepage files,
        /var/run/dpdk/<prefix>."""
        left = []
        if os.path.isdir(self.runtime_dir):
            left += [os.path.join(self.runtime_dir, n) for n in os.listdir(self.runtime_dir)
                     if n != "vhostsw.log"]
        left += [i["socket"] for i in self.interfaces
                 if i.get("server") and os.path.exists(i["socket"])]
        for mnt in hugetlbfs_mounts():
            try:
                left += [os.path.join(mnt, n) for n in os.listdir(mnt)
                         if n.startswith(self.prefix + "map_")]
            except OSError:
                pass
        if os.path.exists(os.path.join("/var/run/dpdk", self.prefix)):
            left.append(os.path.join("/var/run/dpdk", self.prefix))
        return left

    # -- processes --------------------------------------------------------

    def child_pids(self):
        """Pids of the supervisor's live children."""
        if not self.pid:
            return []
        try:
            with open("/proc/%d/task/%d/children" % (self.pid, self.pid)) as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def _children_named(self, comm):
        return [p for p in self.child_pids() if _comm(p) == comm]

    def vhostd_pid(self):
        """Pid of the running vhostd, or None."""
        pids = self._children_named("vhostd")
        return pids[0] if pids else None

    def worker_pids(self):
        """{core: pid} of the running vhost-dp workers (core from
        Cpus_allowed_list)."""
        return {cpus_allowed(p): p for p in self._children_named("vhost-dp")}

    # -- vhostd hot restart ------------------------------------------------

    def version(self):
        """`show version` as a dict (version, generation, pid)."""
        return self.ctl("show", "version", json=True)

    def wait_generation(self, gen, timeout=30, what=None):
        """Waits until a vhostd newer than generation `gen` answers `show
        version` and is the supervisor's vhostd child (the handover is
        over); returns its `show version`."""
        def newer():
            try:
                v = self.version()
            except (RuntimeError, subprocess.TimeoutExpired):
                return None
            return v if v["generation"] > gen and v["pid"] == self.vhostd_pid() else None
        return wait_until(newer, timeout, 0.05, what or "a vhostd newer than generation %d" % gen)

    def restart_vhostd(self, how, timeout=30):
        """Restarts vhostd: how = "ctl" (`vhost-ctl restart control`),
        "sighup" (SIGHUP to the supervisor) or "kill" (SIGKILL to vhostd).
        Waits for the next generation to serve; returns (seconds from the
        request until it answered, its `show version`)."""
        gen = self.version()["generation"]
        t0 = time.monotonic()
        if how == "ctl":
            self.ctl("restart", "control")
        elif how == "sighup":
            os.kill(self.pid, signal.SIGHUP)
        elif how == "kill":
            os.kill(self.vhostd_pid(), signal.SIGKILL)
        else:
            raise ValueError("restart_vhostd: how is ctl, sighup or kill, not %r" % how)
        v = self.wait_generation(gen, timeout, "vhostd restart (%s) after generation %d"
                                 % (how, gen))
        return time.monotonic() - t0, v

    def front_end_events(self):
        """(connects, disconnects) of vhost-user front ends in the log."""
        log = self.log_text()
        return log.count("front end connected"), log.count("front end disconnected")

    # -- CLI --------------------------------------------------------------

    def _run_ctl(self, words, json_out, timeout):
        argv = [self.ctl_bin, "-s", self.endpoint] + (["-j"] if json_out else [])
        return subprocess.run(argv + [str(w) for w in words], capture_output=True, text=True,
                              timeout=timeout)

    def ctl(self, *words, json=False, timeout=10):
        """Runs `vhost-ctl -s <endpoint> [-j] words...`; returns stdout
        (parsed JSON with json=True). Raises RuntimeError with stderr when
        the exit status is not 0."""
        r = self._run_ctl(words, json, timeout)
        if r.returncode != 0:
            raise RuntimeError("vhost-ctl %s: exit %d: %s"
                               % (" ".join(map(str, words)), r.returncode, r.stderr.strip()))
        return _json.loads(r.stdout) if json else r.stdout

    def ctl_fail(self, *words, timeout=10):
        """Runs vhost-ctl expecting failure; returns (exit status, stderr)."""
        r = self._run_ctl(words, False, timeout)
        return r.returncode, r.stderr

    def log_text(self):
        """The switch's log file (<runtime-dir>/vhostsw.log: supervisor,
        vhostd and workers)."""
        try:
            with open(os.path.join(self.runtime_dir, "vhostsw.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def output(self):
        """The supervisor's stdout/stderr (includes its children's and EAL's)."""
        return self.proc.log_text() if self.proc else ""


def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def _is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def socket_inodes(pid):
    """The socket inodes pid holds open ("socket:[N]"): a front end that
    reconnected holds a new one."""
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:"):
            out.add(link)
    return out


def cpus_allowed(pid):
    """Cpus_allowed_list of pid (e.g. "1" or "0-1"), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Cpus_allowed_list:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None
