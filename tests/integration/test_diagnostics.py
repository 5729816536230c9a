#!/usr/bin/env python3
"""The switch says what is wrong with a setup, in words a user can act on,
in `show vhost-user` (its "not forwarding" field) and once in the log:

* a QEMU guest booted with guest RAM that is not shared (plain -m):
  it negotiates but can send no memory table; the switch says guest RAM
  needs share=on;
* a server socket whose configured group cannot reach it (a directory on
  its path not searchable by that group): the switch names the directory;
* a front end that asks for a ring of 65536 entries: refused, and the
  reason (at most 32768) shown;
* the supervisor started with too few free hugepages for socket-mem: it
  says how many are needed, how many are free, and the command that
  reserves them (and starts nothing);
* `show errors` (text and -j) lists the nonzero drop counters, and only
  them: a descriptor outside guest memory from a raw front end is one
  bad_addr on that interface's rx side."""

import os
import re
import struct
import subprocess

import vhost_user_client as vu
import vswtest as t


def not_forwarding(sw, name):
    return sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]["not_forwarding"]


def check_hugepages():
    """socket-mem far above the free pages: one line with the numbers and
    the command; nothing started, no hugepage taken."""
    free = t.hugepages_free()
    sw = t.Switch("huge", workers=[], socket_mem=(free + 64) * 2)
    sw.write_conf()
    r = subprocess.run([sw.supervisor_bin, "-c", sw.conf_path], capture_output=True, text=True,
                       timeout=60)
    out = r.stdout + r.stderr
    line = next((l for l in out.splitlines() if "too few free hugepages" in l), "")
    print("supervisor: %s" % line, flush=True)
    m = re.search(r"socket-mem (\d+) MB needs (\d+) pages of 2048 kB, (\d+) of (\d+) are free; "
                  r"reserve more with: echo (\d+) > "
                  r"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", line)
    t.check(r.returncode != 0 and m, "the supervisor refuses with the numbers: %s" % out[-600:])
    if m:
        mb, need, nfree, total, echo = (int(x) for x in m.groups())
        t.check(need == (free + 64) and mb == need * 2, "needs %d pages for %d MB" % (need, mb))
        t.check(echo == total + need - nfree, "the command reserves what is missing (%d)" % echo)
    t.check(t.hugepages_free() >= free - 8, "no hugepages taken")


def check_show_errors(sw, sock, name):
    """A well-formed front end whose TX ring offers one chain outside its
    memory: show errors has exactly that bad_addr, nothing at zero."""
    c = vu.Client(sock)
    c.negotiate()
    c.set_mem_table(size=2 << 20)
    for q in (0, 1):
        c.setup_vring(q, 256)
    t.wait_until(lambda: "%s vring 1 running" % name in sw.log_text(), 10, 0.1,
                 "%s vring 1 running" % name)
    d = vu.SplitDriver(c, 1, 256, 0x140000)
    d.desc(0, 0x40000000, 60)
    d.make_avail([0])
    d.wait_used(1)

    def listed():
        e = sw.ctl("show", "errors", json=True)["errors"]
        return e if any(x["source"] == name for x in e) else None
    errors = t.wait_until(listed, 10, 0.2, "show errors lists %s" % name)
    print("show errors: %s" % errors, flush=True)
    t.check({"source": name, "direction": "rx", "reason": "bad_addr", "count": 1} in errors,
            "one bad_addr on %s rx" % name)
    t.check(all(x["count"] > 0 for x in errors), "no zero counters listed")
    text = sw.ctl("show", "errors")
    t.check(re.search(r"^\s+1\s+%s\s+rx\s+bad_addr$" % re.escape(name), text, re.M),
            "the text lists it: %s" % text)
    c.close()


def main():
    t.hugepages_ensure()
    check_hugepages()

    locked = os.path.join(t.workdir(), "locked")
    os.makedirs(locked)
    os.chmod(locked, 0o700)  # root's only: group nogroup may not search it
    sock_locked = os.path.join(locked, "vm.sock")
    sock_raw = os.path.join(t.workdir(), "raw.sock")
    sock_qemu = os.path.join(t.workdir(), "qemu.sock")
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": sock_locked, "server": True, "group": "nogroup", "mode": "0660"},
        {"socket": sock_raw, "server": True, "bridge": 1},
        {"socket": sock_qemu, "server": True, "bridge": 1},
    ])
    sw.start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    locked_if, raw_if, qemu_if = names

    # Guest RAM with no shared backend (plain -m): QEMU negotiates, then
    # has no fd to put in a memory table ("Failed initializing vhost-user
    # memory map ... falling back on userspace virtio").
    g = t.Guest("g1", sock_qemu, share=False)
    g.start()

    why = not_forwarding(sw, locked_if)
    print("%s: %s" % (locked_if, why), flush=True)
    t.check(why and "gid 65534" in why and "directory %s" % locked in why
            and "not searchable" in why, "show vhost-user names the directory: %s" % why)

    why = not_forwarding(sw, raw_if)
    t.check(why and "no front end connected on %s" % sock_raw in why, "idle: %s" % why)
    c = vu.Client(sock_raw)
    c.negotiate()
    c.set_mem_table()
    c.send(vu.SET_VRING_NUM, struct.pack("<II", 0, 65536))
    why = t.wait_until(lambda: (lambda w: w if w and "32768" in w else None)(
        not_forwarding(sw, raw_if)), 10, 0.2, "the ring size refusal shown")
    print("%s: %s" % (raw_if, why), flush=True)
    t.check("SET_VRING_NUM" in why and "65536" in why, "names the message and size: %s" % why)
    c.close()
    check_show_errors(sw, sock_raw, raw_if)

    why = t.wait_until(lambda: (lambda w: w if w and "memory table" in w else None)(
        not_forwarding(sw, qemu_if)), 120, 1, "the missing memory table shown")
    print("%s: %s" % (qemu_if, why), flush=True)
    t.check("share=on" in why and "no guest memory" in why or "not shared" in why,
            "says guest RAM needs share=on: %s" % why)
    text = sw.ctl("show", "vhost-user", qemu_if)
    t.check(re.search(r"forwarding: no, .*memory table.*share=on", text),
            "the text output says it too")
    t.wait_until(lambda: re.search(r"%s: .*no memory table.*share=on" % qemu_if, sw.log_text()),
                 10, 0.5, "the log line for %s" % qemu_if)
    t.wait_until(lambda: "%s: not forwarding: the group gid 65534 cannot reach socket"
                 % locked_if in sw.log_text(), 10, 0.5, "the log line for %s" % locked_if)
    t.check(sw.log_text().count("%s: not forwarding:" % locked_if) == 1, "logged once")
    g.kill()
    sw.stop()


t.main(main)
