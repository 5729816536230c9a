#!/usr/bin/env python3
"""The supervisor speaks systemd's Type=notify protocol (sd_notify) to the
datagram socket NOTIFY_SOCKET names; here the test's own socket:

* READY=1 arrives once, and only when every startup.conf interface's
  socket exists (checked the moment it arrives) and vhostd answers;
* STATUS= lines say where the switch is;
* WATCHDOG=1 comes at about half WATCHDOG_USEC (1 s here);
* `restart control`: RELOADING=1, then READY=1 once the new generation
  serves, in that order;
* SIGTERM: STOPPING=1;
* `systemd-analyze verify deploy/vhostsw.service` passes (with the
  programs it names faked in a scratch root)."""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import vswtest as t


class NotifyListener:
    """Collects (monotonic time, message) from a datagram socket; at
    READY=1, records whether each of `paths` existed at that moment."""

    def __init__(self, path, paths):
        self.path = path
        self.paths = paths
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.msgs = []
        self.ready_saw = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        t.register_cleanup(self.close)

    def _run(self):
        while not self.stop:
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            except OSError:
                return
            if "READY=1" in data.split("\n"):
                self.ready_saw.append({p: os.path.exists(p) for p in self.paths})
            self.msgs.append((time.monotonic(), data))

    def lines(self, since=0):
        return [(ts, line) for ts, m in self.msgs[since:] for line in m.split("\n") if line]

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def verify_unit():
    """systemd-analyze verify on the unit inside a scratch root: the
    system's own units copied in (it checks what the unit names exists),
    the programs it runs faked. It works without systemd running. Its exit
    status stays 0 on some errors (a bad Type= is only a warning), so any
    line naming the unit fails too."""
    if not shutil.which("systemd-analyze"):
        t.check(False, "systemd-analyze is installed (tools/install-deps.sh)")
        return
    root = os.path.join(t.workdir(), "root")
    shutil.copytree("/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"),
                    symlinks=True)
    for prog in ("usr/local/bin/vhost-supervisor", "usr/local/lib/vhostsw/hugepages.sh",
                 "bin/kill"):
        p = os.path.join(root, prog)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(p, 0o755)
    unit_dir = os.path.join(root, "etc/systemd/system")
    os.makedirs(unit_dir)
    shutil.copy(os.path.join(t.repo_root(), "deploy", "vhostsw.service"), unit_dir)
    r = subprocess.run(["systemd-analyze", "verify", "--root=" + root,
                        "/etc/systemd/system/vhostsw.service"],
                       capture_output=True, text=True, timeout=60)
    out = (r.stdout + r.stderr).strip()
    print("systemd-analyze verify: rc %d, %s" % (r.returncode, out or "no output"), flush=True)
    t.check(r.returncode == 0 and "vhostsw.service" not in out,
            "systemd-analyze verify passes: %s" % (out or "no output"))


def main():
    t.hugepages_ensure()
    verify_unit()
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    notify_path = os.path.join(t.workdir(), "notify.sock")
    listener = NotifyListener(notify_path, socks)
    sw = t.Switch("sw", workers=[1], interfaces=[{"socket": s, "server": True} for s in socks])
    os.environ["NOTIFY_SOCKET"] = notify_path
    os.environ["WATCHDOG_USEC"] = "1000000"
    try:
        sw.start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
        del os.environ["WATCHDOG_USEC"]
    t.wait_until(lambda: listener.ready_saw, 20, 0.1, "READY=1")
    t.check(all(listener.ready_saw[0].values()),
            "every interface socket existed at READY=1: %s" % listener.ready_saw[0])
    words = [l for _, l in listener.lines()]
    t.check(any(l.startswith("STATUS=starting") for l in words[:words.index("READY=1")]),
            "a STATUS= line before READY=1: %s" % words[:5])
    print("notify: %s" % [l for l in words if l != "WATCHDOG=1"], flush=True)

    time.sleep(2.2)
    dogs = [ts for ts, l in listener.lines() if l == "WATCHDOG=1"]
    gaps = [b - a for a, b in zip(dogs, dogs[1:])]
    t.check(len(dogs) >= 4 and all(g < 0.8 for g in gaps),
            "WATCHDOG=1 every half WATCHDOG_USEC (%d pings, gaps %s)"
            % (len(dogs), ["%.2f" % g for g in gaps]))

    mark = len(listener.msgs)
    sw.restart_vhostd("ctl")
    t.wait_until(lambda: "READY=1" in [l for _, l in listener.lines(mark)], 20, 0.1,
                 "READY=1 after the handover")
    seq = [l for _, l in listener.lines(mark) if l in ("RELOADING=1", "READY=1")]
    print("handover: %s" % [l for _, l in listener.lines(mark) if l != "WATCHDOG=1"], flush=True)
    t.check(seq[:2] == ["RELOADING=1", "READY=1"], "RELOADING=1 then READY=1: %s" % seq)
    t.check(sw.ctl("show", "version", json=True)["generation"] == 2,
            "generation 2 serves after READY=1")
    t.check(len(listener.ready_saw) == 2, "READY=1 twice in all (%d)" % len(listener.ready_saw))

    mark = len(listener.msgs)
    sw.stop()
    t.check("STOPPING=1" in [l for _, l in listener.lines(mark)], "STOPPING=1 at SIGTERM")


t.main(main)
