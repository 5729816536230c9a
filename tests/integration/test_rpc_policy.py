"""What a local user can make the switch do through the RPC (issue 11, item 8).

- `restart control binary <file outside the program directory>` is refused
  with a clear error over the ipc endpoint, and the file never runs (it
  would create a marker file); a binary in the program directory
  (build/control) and a plain `restart control` still hand over.
- A tcp:// cli-listen without `cli-tcp read-only` stops the switch from
  starting, with a line saying why.
- With `cli-tcp read-only`, the tcp endpoint answers `show ...` and refuses
  every command that changes something (restart, create, set, debug), with
  a clear error; nothing it was asked for happens.
- A request with a control character in a string is refused before any
  handler runs (control/rpc/rpc_decode.c)."""

import os
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trap(marker):
    """A root-owned executable in /tmp that would leave marker if it ran."""
    path = "/tmp/vsw-x-%d" % os.getpid()
    with open(path, "w") as f:
        f.write("#!/bin/sh\ntouch %s\n" % marker)
    os.chmod(path, 0o755)
    t.register_cleanup(lambda: os.path.exists(path) and os.unlink(path))
    return path


def expect_refused(sw, words, want, what):
    rc, err = sw.ctl_fail(*words)
    t.check(rc != 0 and want in err, "%s: exit %d, %r" % (what, rc, err.strip()))


def ipc_checks(x, marker):
    sw = t.Switch("rp", workers=0).start()
    before = sw.version()
    expect_refused(sw, ("restart", "control", "binary", x),
                   "is outside the program directory",
                   "ipc: restart control binary %s refused" % x)
    link = os.path.join(t.build_dir(), "control", "vsw-link-%d" % os.getpid())
    os.symlink(x, link)
    t.register_cleanup(lambda: os.path.lexists(link) and os.unlink(link))
    expect_refused(sw, ("restart", "control", "binary", link), "(resolves to %s)" % x,
                   "ipc: a symlink in the program directory that leads out is refused")
    os.unlink(link)
    expect_refused(sw, ("show", "interface", "Virtual\nEthernet0/0/0"),
                   "field names: control character 0x0a at byte 7, expected text",
                   "ipc: a name with a newline is refused before any handler")
    time.sleep(1)  # a handover that ran the trap would have done so by now
    t.check(not os.path.exists(marker), "%s never ran (no %s)" % (x, marker))
    after = sw.version()
    t.check(after == before, "vhostd unchanged: %s (was %s)" % (after, before))

    # The ordinary paths still hand over: a vhostd in the program directory, and none named.
    vhostd = os.path.join(t.build_dir(), "control", "vhostd")
    sw.ctl("restart", "control", "binary", vhostd)
    v = sw.wait_generation(before["generation"], 30)
    t.check(v["pid"] != before["pid"], "restart control binary %s: generation %d, pid %d"
            % (vhostd, v["generation"], v["pid"]))
    _, v2 = sw.restart_vhostd("ctl")
    t.check(v2["generation"] > v["generation"], "plain restart control: generation %d"
            % v2["generation"])
    t.check(not os.path.exists(marker), "%s never ran" % x)
    sw.stop()


def tcp_refused_without_key():
    sw = t.Switch("rq", workers=0)
    sw.endpoint = "tcp://127.0.0.1:%d" % free_port()
    try:
        sw.start(timeout=15)
        started = True
    except (RuntimeError, subprocess.TimeoutExpired):
        started = False
    t.check(not started, "a tcp cli-listen without cli-tcp read-only does not start")
    out = sw.output()
    t.check("can be reached by every local user: refused" in out and "cli-tcp read-only" in out,
            "the supervisor says why: %s" % next(
                (ln for ln in out.splitlines() if "cli-listen" in ln), out[-300:]))
    sw.kill()


def tcp_read_only(x, marker):
    sock = os.path.join(t.workdir(), "made-over-tcp.sock")
    sw = t.Switch("rt", workers=0, extra_conf="unix {\n  cli-tcp read-only\n}\n")
    sw.endpoint = "tcp://127.0.0.1:%d" % free_port()
    sw.start()
    before = sw.version()
    t.check(before["pid"] == sw.vhostd_pid(), "tcp: show version answers")
    t.check(isinstance(sw.ctl("show", "interface", json=True)["interfaces"], list),
            "tcp: show interface answers")
    sw.ctl("show", "workers")
    ro = "refused: this tcp endpoint serves read-only commands"
    expect_refused(sw, ("restart", "control", "binary", x), "restart control " + ro,
                   "tcp: restart control binary %s" % x)
    expect_refused(sw, ("restart", "control"), "restart control " + ro, "tcp: restart control")
    expect_refused(sw, ("create", "vhost-user", "socket", sock, "server"),
                   "create vhost-user " + ro, "tcp: create vhost-user")
    expect_refused(sw, ("create", "bridge-domain", "7"), "create bridge-domain " + ro,
                   "tcp: create bridge-domain")
    expect_refused(sw, ("set", "logging", "class", "rpc", "level", "debug"),
                   "set logging class " + ro, "tcp: set logging")
    time.sleep(1)
    t.check(not os.path.exists(marker), "%s never ran (no %s)" % (x, marker))
    t.check(not os.path.lexists(sock), "no socket created at %s" % sock)
    ifaces = sw.ctl("show", "interface", json=True)["interfaces"]
    t.check(not ifaces, "no interface created (show interface: %s)" % ifaces)
    t.check(sw.version() == before, "vhostd unchanged (no restart happened)")
    sw.stop()


def main():
    t.hugepages_ensure()
    marker = os.path.join(t.workdir(), "x-ran")
    x = trap(marker)
    t.check(stat.S_IMODE(os.stat(x).st_mode) == 0o755 and os.stat(x).st_uid == 0,
            "the trap %s is a root-owned executable: only where it lives keeps it from running"
            % x)
    ipc_checks(x, marker)
    tcp_refused_without_key()
    tcp_read_only(x, marker)


if __name__ == "__main__":
    t.main(main)
