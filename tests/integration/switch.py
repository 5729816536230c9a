"""switch: the switch under test, vhost-supervisor (and through it vhostd
and the vhost-dp workers) from the build tree, and vhost-ctl."""

import json
import os
import signal
import subprocess
import time

from harness import (Proc, build_dir, check, cpus_allowed, dpdk_cleanup_prefix,
                     dpdk_cleanup_stale, hugepages_ensure, hugetlbfs_mounts, is_zombie,
                     log_tail, pid_alive, proc_comm, register_cleanup, register_log, unique,
                     wait_until, workdir)

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
        register_log("switch-%s vhostsw.log" % self.name,
                      os.path.join(self.runtime_dir, "vhostsw.log"))
        self.proc = Proc([self.supervisor_bin, "-c", self.conf_path], self.log,
                         name="switch-" + self.name).start()
        try:
            wait_until(self._answers, timeout, 0.2, "switch %s to answer `show version`"
                       % self.name)
        except TimeoutError as exc:
            raise RuntimeError("switch %s did not come up: %s\n%s"
                               % (self.name, exc, log_tail(self.log, 60))) from None
        return self

    def _answers(self):
        if not self.alive():
            raise RuntimeError("vhost-supervisor exited with status %s:\n%s"
                               % (self.proc.returncode, log_tail(self.log, 60)))
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
            check(not [p for p in children if pid_alive(p) and not is_zombie(p)],
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
        return [p for p in self.child_pids() if proc_comm(p) == comm]

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


