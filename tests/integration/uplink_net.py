"""Helpers the uplink tests share: a switch whose uplink is a net_tap port,
the tap netdev moved into a network namespace the test creates (and
deletes at cleanup), commands run in that namespace, ping summaries, and
the switch's uplink view."""

import os
import re
import subprocess
import sys

import vswtest as t


def tap_name(tag):
    """A tap netdev name of at most 15 characters, unique to this run."""
    return ("vu%d%s" % (os.getpid(), tag))[:15]


def run(argv, check=True, timeout=120):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), res.returncode,
                                                   res.stderr.strip()))
    return res


class Netns:
    """A network namespace of this run, deleted at cleanup (which also
    deletes a tap netdev that went back to the root namespace). IPv6 is off
    in it, so its links send nothing unasked (router solicitations, MLD)."""

    def __init__(self, tag):
        self.name = t.unique(tag)
        self.links = []
        run(["ip", "netns", "add", self.name])
        t.register_cleanup(self._cleanup)
        for conf in ("all", "default"):
            self.exec("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % conf)

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name] + list(args), check=check)

    def exec(self, *argv, check=True, timeout=120):
        return run(["ip", "netns", "exec", self.name] + list(argv), check=check, timeout=timeout)

    def adopt(self, link):
        """Moves the root namespace's netdev `link` into this namespace."""
        run(["ip", "link", "set", link, "netns", self.name])
        self.links.append(link)

    def _cleanup(self):
        run(["ip", "netns", "del", self.name], check=False)
        for link in self.links:
            if os.path.exists("/sys/class/net/%s" % link):
                run(["ip", "link", "del", link], check=False)


def switch(tag, tap, interfaces, workers=(1,), dpdk_extra="", uplink=None):
    """A switch with a net_tap uplink named `tap` (in bridge domain 1), or
    with `uplink` (devargs) instead."""
    sw = t.Switch("sw" + tag, workers=list(workers), interfaces=interfaces)
    conf = sw.conf_text().replace(
        "dpdk {\n", "dpdk {\n  uplink %s\n%s" % (uplink or "net_tap0,iface=%s" % tap, dpdk_extra),
        1)
    return sw.start(conf=conf)


def uplink(sw):
    return sw.ctl("show", "uplink", json=True)


def ping_result(text):
    """(transmitted, received) from a ping summary (iputils or busybox)."""
    m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", text)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def check_ping(label, text, count):
    sent, got = ping_result(text)
    t.check(sent == count and got == count and " 0% packet loss" in text,
            "%s: %d of %d replies, 0%% loss (sent %d)" % (label, got, count, sent))


def ns_ping(ns, addr, count, interval="0.05", dev=None, size=None):
    """ns_ping.py in the namespace (the host has no ping binary); size:
    bytes of ICMP data, as ping -s."""
    argv = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ns_ping.py")]
    argv += (["-s", str(size)] if size else []) + [addr, str(count), interval, "2"]
    argv += [dev] if dev else []
    return ns.exec(*argv, check=False, timeout=count * 2 + 30).stdout


def guest_ping(guest, addr, count, interval="0.05", size=None):
    out, _ = guest.run("ping -c %d -i %s -W 2 %s%s" % (count, interval,
                                                       "-s %d " % size if size else "", addr),
                       timeout=count * 2 + 30)
    return out


def switch_log(sw):
    with open(os.path.join(sw.runtime_dir, "vhostsw.log")) as f:
        return f.read()
