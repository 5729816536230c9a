#!/usr/bin/env python3
"""vhost-supervisor: starts vhostd and a pinned vhost-dp per worker core,
restarts whichever dies, restarts vhostd on SIGHUP, refuses a bad config
with file:line, and on SIGTERM leaves no process, socket or hugepage
behind."""

import os
import re
import signal
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402


def bad_config():
    sw = t.Switch("bad")
    text = sw.conf_text().replace("  main-core 0\n", "  main-core 0\n  bogus-key 7\n")
    line = text.splitlines().index("  bogus-key 7") + 1
    path = sw.write_conf(text)
    r = subprocess.run([sw.supervisor_bin, "-c", path], capture_output=True, text=True,
                       timeout=30)
    t.check(r.returncode == 1, "a bad config line: exit status 1 (got %d)" % r.returncode)
    t.check(("%s:%d:" % (path, line)) in r.stderr,
            "a bad config line: stderr names %s:%d (got %r)" % (path, line, r.stderr.strip()))
    t.check(not os.path.exists(sw.runtime_dir), "a bad config line: no runtime dir created")


def own_pages_back(before):
    """HugePages_Free is back where it was, counting out pages that other
    processes' hugepage files took or gave back meanwhile."""
    after = t.hugepages_snapshot()
    others = sum(p for f, p in after["files"].items() if f not in before["files"])
    others -= sum(p for f, p in before["files"].items() if f not in after["files"])
    return after["free"] + others == before["free"], after["free"]


def version(sw):
    return sw.ctl("show", "version", json=True)


def main():
    t.hugepages_ensure()
    t.dpdk_cleanup_stale()
    before = t.hugepages_snapshot()

    bad_config()

    vm_sock = os.path.join(t.workdir(), "sw-vm1.sock")
    sw = t.Switch("sw", workers=1, interfaces=[{"socket": vm_sock, "server": True}]).start()
    vault = os.path.join(sw.runtime_dir, "vault.sock")
    mode = os.stat(vault).st_mode
    t.check(stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600,
            "the fd vault listens on %s, mode 0600" % vault)
    with open(os.path.join(sw.runtime_dir, "supervisor.pid")) as f:
        t.check(int(f.read()) == sw.pid, "supervisor.pid holds the supervisor's pid")
    t.check(os.path.exists(vm_sock), "the boot interface's server socket exists")
    vhostd = sw.vhostd_pid()
    workers = sw.worker_pids()
    t.check(vhostd is not None and version(sw)["pid"] == vhostd,
            "vhostd runs as a child of the supervisor and answers (pid %s)" % vhostd)
    t.check(list(workers) == ["1"],
            "one vhost-dp, a child of the supervisor, pinned to core 1 (got %s)" % workers)
    with open("/proc/%d/cmdline" % workers["1"], "rb") as f:
        argv = f.read().split(b"\0")
    t.check(b"--proc-type=secondary" in argv and sw.prefix.encode() in argv,
            "vhost-dp is a DPDK secondary with the switch's file-prefix")

    gen = version(sw).get("generation")
    os.kill(vhostd, signal.SIGKILL)
    new = t.wait_until(lambda: sw.vhostd_pid() not in (None, vhostd) and sw.vhostd_pid(),
                       2.0, 0.05, "a new vhostd after kill -9")
    t.check(new != vhostd, "kill -9 vhostd: a new vhostd (pid %d) within 2 s" % new)
    sw.wait_answers()
    t.check(version(sw).get("generation", 0) > (gen or 0),
            "the restarted vhostd has a higher generation")

    old = workers["1"]
    os.kill(old, signal.SIGKILL)
    again = t.wait_until(lambda: sw.worker_pids().get("1") not in (None, old) and
                         sw.worker_pids()["1"], 3.0, 0.05, "a new vhost-dp after kill -9")
    t.check(t.cpus_allowed(again) == "1",
            "kill -9 vhost-dp: restarted (pid %d) on the same core" % again)
    t.check(re.search(r"vhost-dp \(pid %d\) killed by signal 9" % old, sw.log_text()),
            "the supervisor logged the worker's death")

    hup, gen = sw.vhostd_pid(), version(sw)["generation"]
    os.kill(sw.pid, signal.SIGHUP)
    t.wait_until(lambda: sw.vhostd_pid() not in (None, hup), 5.0, 0.05,
                 "a new vhostd after SIGHUP")
    sw.wait_answers()
    v = version(sw)
    t.check(v["pid"] == sw.vhostd_pid() and v["generation"] == gen + 1,
            "SIGHUP: vhostd restarted as generation %d (got %s)" % (gen + 1, v))
    t.check(sw.worker_pids().get("1") == again, "SIGHUP left the worker alone")

    sw.stop()
    back, free = own_pages_back(before)
    t.check(back, "HugePages_Free back to %d (now %d)" % (before["free"], free))


t.main(main)
