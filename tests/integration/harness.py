"""harness: the core of the vhostsw integration tests (Python 3 stdlib only):
results, waiting, scratch dirs, hugepages, child processes and cleanup.

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
"""

import atexit
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

__all__ = [
    "TestFailure", "GuestError", "check", "failures", "main", "wait_until",
    "repo_root", "build_dir", "guest_dir", "workdir", "unique",
    "hugepages_ensure", "hugepages_free", "hugepages_snapshot", "hugetlbfs_mounts",
    "dpdk_cleanup_prefix", "dpdk_cleanup_stale", "register_cleanup", "register_log",
    "cleanup_all", "dump_logs", "log_tail", "pid_alive", "proc_comm", "is_zombie",
    "Proc", "cpus_allowed", "socket_inodes", "fd_targets", "settled_fds",
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


def register_log(label, path):
    if (label, path) not in _logs:
        _logs.append((label, path))


def log_tail(path, lines=40):
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
                         % (label, path, lines, log_tail(path, lines)))
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
        register_log(self.name, self.log)
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


def proc_comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def is_zombie(pid):
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


def fd_targets(pid):
    """What each of pid's fds points at, sorted."""
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            pass
    return sorted(out)


def settled_fds(pid, quiet=1.0, timeout=10):
    """pid's fd_targets once their count has held for `quiet` seconds: a
    vhost-ctl connection can stay open in vhostd for a moment after the
    command returns, until the nanomsg thread closes it on its own time."""
    deadline = time.monotonic() + timeout
    last, since = fd_targets(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = fd_targets(pid)
        if len(now) != len(last):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


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
