#!/usr/bin/env python3
"""The L2 config through vhost-ctl against a running switch: boot interfaces
in bridge domain 1 from startup.conf (`bridge 1`, `vlan 10`), show
bridge-domain as text and JSON, set interface l2 bridge / l3 / vlan,
create bridge-domain with options, delete refused while in use, show l2fib,
bad values refused with one line, and the L2 config kept over a vhostd
restart (it lives in the memzone)."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402


def bds(sw, *words):
    return {b["bd_id"]: b for b in sw.ctl("show", "bridge-domain", *words,
                                         json=True)["bridge_domains"]}


def members(b):
    return {m["name"]: m["vlan"] for m in b["members"]}


def main():
    wd = t.workdir()
    a = os.path.join(wd, "l2a.sock")
    b = os.path.join(wd, "l2b.sock")
    sw = t.Switch("l2", interfaces=[
        {"socket": a, "server": True, "bridge": 1},
        {"socket": b, "server": True, "bridge": 1, "vlan": 10},
    ]).start()
    v0, v1 = "VirtualEthernet0/0/0", "VirtualEthernet0/0/1"

    d = bds(sw)
    t.check(list(d) == [1], "startup: bridge domain 1 only (got %s)" % list(d))
    t.check(members(d[1]) == {v0: 0, v1: 10},
            "startup: both interfaces in bridge domain 1, %s on VLAN 10 (got %s)"
            % (v1, d[1]["members"]))
    t.check(d[1]["learn"] and d[1]["aging_s"] == 300 and d[1]["macs"] == 0,
            "defaults: learn on, aging 300 s, no MACs (got %s)" % d[1])
    text = sw.ctl("show", "bridge-domain")
    t.check("BD-ID" in text and v1 in text and "5 min" in text,
            "show bridge-domain text:\n%s" % text)

    sw.ctl("set", "interface", "vlan", v1, "none")
    sw.ctl("set", "interface", "l2", "bridge", v1, "200")
    d = bds(sw)
    t.check(members(d[1]) == {v0: 0} and members(d[200]) == {v1: 0},
            "set interface l2 bridge: %s moved to bridge domain 200 (created)" % v1)
    sw.ctl("create", "bridge-domain", "200", "learn", "off", "aging", "2")
    d = bds(sw, "200")
    t.check(list(d) == [200] and not d[200]["learn"] and d[200]["aging_s"] == 120,
            "create bridge-domain 200 learn off aging 2 (got %s)" % d)
    rc, err = sw.ctl_fail("delete", "bridge-domain", "200")
    t.check(rc == 1 and "still has 1 interface" in err,
            "delete refused while in use: %d %s" % (rc, err.strip()))
    sw.ctl("set", "interface", "l3", v1)
    sw.ctl("delete", "bridge-domain", "200")
    t.check(list(bds(sw)) == [1], "bridge domain 200 deleted")
    rc, err = sw.ctl_fail("show", "bridge-domain", "200")
    t.check(rc == 1 and "no bridge domain 200" in err, "show a missing one: %s" % err.strip())

    rc, err = sw.ctl_fail("set", "interface", "vlan", v0, "4095")
    t.check(rc == 2 and err.count("\n") == 1 and "4095" in err,
            "VLAN 4095 refused by vhost-ctl: %d %s" % (rc, err.strip()))
    rc, err = sw.ctl_fail("set", "interface", "l2", "bridge", "VirtualEthernet0/0/9", "1")
    t.check(rc == 1 and "VirtualEthernet0/0/9" in err, "unknown interface: %s" % err.strip())

    fib = sw.ctl("show", "l2fib", "verbose", json=True)
    t.check(fib["count"] == 0 and fib["entries"] == [], "show l2fib: empty (got %s)" % fib)
    t.check("0 l2fib entries" in sw.ctl("show", "l2fib", "bd", "1"), "show l2fib text")

    # The L2 config is in the memzone: a new vhostd serves it unchanged.
    sw.ctl("set", "interface", "l2", "bridge", v1, "1")
    sw.ctl("set", "interface", "vlan", v1, "20")
    before = bds(sw)
    vhostd = sw.vhostd_pid()
    os.kill(sw.pid, signal.SIGHUP)
    t.wait_until(lambda: sw.vhostd_pid() not in (None, vhostd), 5.0, 0.05, "a new vhostd")
    sw.wait_answers()
    t.check(bds(sw) == before, "L2 config kept over a vhostd restart")
    t.check("in bridge domain 1" in sw.log_text(), "config changes logged")
    sw.stop()


t.main(main)
