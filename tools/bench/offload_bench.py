#!/usr/bin/env python3
"""offload_bench: what checksum and TCP segmentation offloads buy between two
VMs (issue 14), vhostsw against OVS-DPDK 3.1 (python3 stdlib; a benchmark
that prints figures, not a pass/fail test).

Two TCG QEMU guests (the test guest image with iperf3, built into
<build>/guest-iperf3; iperf3 from `tools/install-deps.sh --bench`) on one
backend:
  stream   g2 fetches a file of random bytes (64 MB by default) from g1's
           busybox httpd (which sends it with sendfile) with busybox wget,
           into /dev/null, then again into a file that must have g1's
           sha256; the times are wget's. The stored stream pays the same
           64 MB write into g2's tmpfs with or without offloads;
  iperf3   g1 sends to g2 for 10 s with sendfile (-Z), as a user measures
           TCP between two VMs: the rate received and the retransmits.
(busybox `nc` held a stream to about 14 MB/s with or without offloads: its
own copies bound it, not the network path; iperf3 -F does not store the
whole stream: its server stops reading at the test's end.) Each backend
runs twice:
Each backend runs twice:
Each backend runs twice:

  vhostsw on   every offload bit offered (CSUM, GUEST_CSUM, HOST/GUEST_TSO4/6,
               HOST/GUEST_ECN): TSO frames pass guest to guest whole
  vhostsw off  the same bits masked off on both interfaces (feature-mask)
  ovs on       OVS-DPDK 3.1 with other_config:userspace-tso-enable=true
  ovs off      the same with userspace-tso-enable=false

The backends poll on one CPU (vhostsw's worker, OVS's PMD thread), the
guests run on the other. OVS-DPDK is Debian's openvswitch-switch-dpdk
(`tools/install-deps.sh --bench`), started as tools/bench/vhost_bench.py
starts it (its own ovsdb-server and ovs-vswitchd, a netdev bridge with two
dpdkvhostuser ports, actions=NORMAL).

The table gives each case's stream seconds, MB/s and iperf3 rate, and the
ratios: offloads on against off for each backend, vhostsw against OVS with
offloads on and off. Under TCG the guests' CPU bounds both, and on a
machine shared with other work the figures are indicative only.

    python3 tools/bench/offload_bench.py --build-dir build
    python3 tools/bench/offload_bench.py --build-dir build --mb 16 --backends vhostsw
    python3 tools/bench/offload_bench.py --build-dir build --json
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
sys.path.insert(0, HERE)
import vswtest as t  # noqa: E402 (path set up above)
import vhost_bench  # noqa: E402

BACKEND_CPU, GUEST_CPU = 1, 0
PORT = 5001
# CSUM, GUEST_CSUM, GUEST_TSO4/6, GUEST_ECN, HOST_TSO4/6, HOST_ECN
OFFLOAD_BITS = sum(1 << b for b in (0, 1, 7, 8, 9, 11, 12, 13))
NO_OFFLOADS_MASK = "0x%x" % ((1 << 64) - 1 - OFFLOAD_BITS)


def log(msg):
    print("offload_bench: %s" % msg, file=sys.stderr, flush=True)


class VhostswCase:
    def __init__(self, offloads):
        self.socks = [os.path.join(t.workdir(), "ob%d.sock" % i) for i in (1, 2)]
        ifaces = [{"socket": s, "server": True, "bridge": 1} for s in self.socks]
        if not offloads:
            for i in ifaces:
                i["feature-mask"] = NO_OFFLOADS_MASK
        self.sw = t.Switch("ob" + ("on" if offloads else "off"), workers=[BACKEND_CPU],
                           main_core=GUEST_CPU,
                           interfaces=ifaces, log_level="notice")

    def start(self):
        self.sw.start()
        t.wait_until(lambda: all(os.path.exists(s) for s in self.socks), 10, 0.1,
                     "vhostsw interface sockets")

    def counters(self):
        """TSO frames the sender's TX ring took and the receiver got whole."""
        ifs = self.sw.ctl("show", "interface", json=True)["interfaces"]
        k = {"gso_in": 0, "gso_passed": 0, "sw_segmented": 0}
        for i in ifs:
            for v in i.get("vrings", []):
                for key in k:
                    k[key] += v["counters"].get(key, 0)
        return k

    def drops_logged(self):
        return ""  # its drops are counters: `show errors`

    def stop(self):
        self.sw.stop(check_clean=False)
        t.dpdk_cleanup_prefix(self.sw.prefix)


class OvsCase:
    def __init__(self, offloads):
        cls = type("Ovs", (vhost_bench.OvsBackend,), {
            "extra_config": ("other_config:userspace-tso-enable=%s"
                             % ("true" if offloads else "false"),)})
        self.ovs = cls(None, BACKEND_CPU, GUEST_CPU, None)
        self.socks = self.ovs.socks

    def start(self):
        self.ovs.start()

    def counters(self):
        return {}

    def drops_logged(self):
        """Why ovs-vswitchd dropped packets, as its log says (OVS 3.1 with
        userspace TSO: "Packet dropped: No TCP checksum support")."""
        with open(os.path.join(self.ovs.dir, "ovs-vswitchd.log"), errors="replace") as f:
            why = sorted({m.group(1) for m in re.finditer(r"Packet dropped: ([^\n]+)", f.read())})
        return "; ovs-vswitchd.log: packet dropped: %s" % ", ".join(why) if why else ""

    def stop(self):
        self.ovs.stop()


CASES = {"vhostsw": VhostswCase, "ovs": OvsCase}


def iperf3_line(out, role):
    """(seconds, Mbit/s, retransmits or None) from the summary line of
    iperf3 -f m output for role (sender or receiver), or None."""
    m = re.search(r"\]\s+[\d.]+-([\d.]+)\s+sec\s+[\d.]+ \w+\s+([\d.]+) Mbits/sec\s+(\d+)?\s*%s"
                  % role, out)
    if not m:
        return None
    return float(m.group(1)), float(m.group(2)), int(m.group(3)) if m.group(3) else None


def iperf3_server(rx):
    """An iperf3 server for one test on rx, once it listens."""
    rx.run_ok("rm -f /tmp/iperf-s.log")
    rx.spawn("iperf3 -s -1 --forceflush -p %d" % PORT, out="/tmp/iperf-s.log")
    t.wait_until(lambda: rx.run("grep -q 'Server listening' /tmp/iperf-s.log")[1] == 0, 30, 0.2,
                 "iperf3 server listening in %s" % rx.name)


def fetch(rx, dest, timeout):
    """Seconds rx's busybox wget takes to fetch the file into dest, or
    (None, why)."""
    try:
        out = rx.run_ok("time wget -q -O %s http://10.0.0.1:%d/data" % (dest, PORT),
                        timeout=timeout)
    except (TimeoutError, RuntimeError) as exc:
        log("stream did not finish in %d s: %s" % (timeout, str(exc)[-300:]))
        return None, "no end in %d s" % timeout
    except t.TestFailure as exc:  # wget failed: the last line says why
        return None, "receiver: %s" % str(exc).strip().splitlines()[-1][:120]
    m = re.search(r"real\s+(\d+)m\s*([\d.]+)s", out)
    if not m:
        return None, "no time in: %s" % out[-200:]
    return int(m.group(1)) * 60 + float(m.group(2)), "intact"


def stream(tx, rx, mb, timeout):
    """mb MB of random bytes fetched by rx from tx's httpd (10.0.0.1) over
    HTTP, twice: into /dev/null (the network path alone, as iperf3 counts)
    and into a file (checked against tx's sha256). Returns (seconds to
    /dev/null, seconds stored, status); a time is None when that stream did
    not end, or the stored one is not intact."""
    tx.run_ok("mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/data bs=1M count=%d "
              "2>/dev/null" % mb, timeout=180)
    sent = tx.run_ok("sha256sum /tmp/www/data", timeout=60).split()[0]
    tx.run_ok("echo probe > /tmp/www/probe && httpd -h /tmp/www -p %d" % PORT)  # detaches
    # A backend that drops the guests' TCP is told in seconds, not after
    # wget's two-minute connect timeout.
    if rx.run("timeout 20 wget -q -O /dev/null http://10.0.0.1:%d/probe" % PORT, timeout=40)[1]:
        return None, None, "no TCP connection"
    secs, status = fetch(rx, "/dev/null", timeout)
    if secs is None:
        return None, None, status
    rx.run_ok("rm -f /tmp/rx.bin")
    stored, status = fetch(rx, "/tmp/rx.bin", timeout)
    if stored is not None and rx.run_ok("sha256sum /tmp/rx.bin", timeout=60).split()[0] != sent:
        return secs, None, "sha256 differs"
    return secs, stored, status


def throughput(tx, rx, seconds):
    """iperf3 from tx to rx for seconds, the sender with sendfile (-Z):
    (Mbit/s received, the sender's retransmits), or (None, why)."""
    iperf3_server(rx)
    try:
        out = tx.run_ok("iperf3 -c 10.0.0.2 -p %d -f m -t %d -Z" % (PORT, seconds),
                        timeout=seconds + 60)
    except (TimeoutError, RuntimeError) as exc:
        return None, "no end: %s" % str(exc)[-120:]
    except t.TestFailure as exc:
        return None, "sender: %s" % str(exc).strip().splitlines()[-1][:120]
    snd, rcv = iperf3_line(out, "sender"), iperf3_line(out, "receiver")
    if not snd or not rcv:
        return None, "no summary in: %s" % out[-200:]
    return rcv[1], snd[2]


def run_case(backend, offloads, args):
    case = CASES[backend](offloads)
    guests = []
    result = {"backend": backend, "offloads": "on" if offloads else "off", "mb": args.mb}
    try:
        case.start()
        for k in (1, 2):
            g = t.Guest("%s%s-g%d" % (backend, result["offloads"], k), case.socks[k - 1],
                        ip="10.0.0.%d/24" % k, cpus=str(GUEST_CPU))
            g.start()
            guests.append(g)
        for g in guests:
            g.wait_ready()
            g.wait_link(up=True, timeout=60)
        before = case.counters()
        secs, stored, status = stream(guests[0], guests[1], args.mb, args.timeout)
        result.update(seconds=secs, stored_seconds=stored, status=status)
        if secs is None:
            raise RuntimeError("%s%s" % (status, case.drops_logged()))
        mbps, retr = throughput(guests[0], guests[1], args.seconds)
        if mbps is None:
            result.update(mbps=None, status="%s; iperf3: %s" % (status, retr))
        else:
            result.update(mbps=mbps, retransmits=retr)
        after = case.counters()
        result.update(counters={k: after[k] - before.get(k, 0) for k in after})
    except (RuntimeError, TimeoutError, OSError, t.TestFailure) as exc:
        result.update(seconds=None, status="failed: %s" % str(exc).strip()[-300:])
    finally:
        for g in guests:
            g.stop()
        case.stop()
    log("%s offloads %s: %s" % (backend, result["offloads"], result))
    return result


def ratio(slow, fast):
    return "%.2fx" % (slow / fast) if slow and fast else "-"


def print_table(results, args):
    def median(b, o, key):
        r = [x[key] for x in results if x["backend"] == b and x["offloads"] == o
             and isinstance(x.get(key), float)]
        return statistics.median(r) if r else None

    def fmt(v, spec):
        return spec % v if v else "-"

    print("offload_bench: two TCG guests on CPU %d, the backend polling on CPU %d; %d MB over "
          "HTTP (to /dev/null, then stored and sha256 checked), iperf3 -Z for %d s; %d run(s)"
          % (GUEST_CPU, BACKEND_CPU, args.mb, args.seconds, args.runs))
    head = ("backend", "offloads", "stream s", "stored s", "iperf3 Mb/s", "retr", "status")
    row = "%-8s %-9s %9s %9s %11s %6s  %s"
    print(row % head)
    for r in results:
        retr = r.get("retransmits")
        print(row % (r["backend"], r["offloads"], fmt(r.get("seconds"), "%.2f"),
                     fmt(r.get("stored_seconds"), "%.2f"), fmt(r.get("mbps"), "%.0f"),
                     retr if isinstance(retr, int) else "-",
                     r["status"] + (" %s" % r["counters"] if r.get("counters") else "")))
    print("medians, and ratios (> 1x: the first is faster; streams by time, iperf3 by rate):")
    keys = (("seconds", "stream"), ("stored_seconds", "stored"), ("mbps", "iperf3"))
    for b in args.backends:
        for o in ("on", "off"):
            print("  %-8s %-3s  %s" % (b, o, ", ".join(
                "%s %s" % (name, fmt(median(b, o, k), "%.0f Mb/s" if k == "mbps" else "%.2f s"))
                for k, name in keys)))
    pairs = [("%s offloads on vs off" % b, (b, "on"), (b, "off")) for b in args.backends]
    if {"vhostsw", "ovs"} <= set(args.backends):
        pairs += [("vhostsw vs ovs, offloads %s" % o, ("vhostsw", o), ("ovs", o))
                  for o in ("on", "off")]
    for name, first, second in pairs:
        print("  %-30s %s" % (name, ", ".join(
            "%s %s" % (label, ratio(median(*first, k), median(*second, k)) if k == "mbps"
                       else ratio(median(*second, k), median(*first, k)))
            for k, label in keys)))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", help="the build tree (default: <repo>/build)")
    ap.add_argument("--backends", default="vhostsw,ovs", help="comma list of vhostsw, ovs")
    ap.add_argument("--mb", type=int, default=64, help="stream size in MB (default 64)")
    ap.add_argument("--seconds", type=int, default=10,
                    help="length of the iperf3 throughput run (default 10)")
    ap.add_argument("--runs", type=int, default=1, help="runs of each case (default 1)")
    ap.add_argument("--timeout", type=int, default=180,
                    help="seconds a stream may take before it counts as not done (180)")
    ap.add_argument("--json", action="store_true", help="results as JSON")
    args = ap.parse_args()
    args.backends = [b for b in args.backends.split(",") if b]
    for b in args.backends:
        if b not in CASES:
            ap.error("unknown backend %s" % b)
    if args.build_dir:
        os.environ["VSW_BUILD_DIR"] = os.path.abspath(args.build_dir)
    return args


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("offload_bench: run as root (hugepages, DPDK, QEMU)")
    t.hugepages_ensure()
    # The guests' image with iperf3 (the tests' image has none).
    gdir = os.path.join(t.build_dir(), "guest-iperf3")
    subprocess.run(["bash", os.path.join(HERE, "..", "guest-image", "build.sh"), "--iperf3",
                    gdir], check=True)
    os.environ["VSW_GUEST_DIR"] = gdir
    results = []
    for _ in range(args.runs):
        # Backends alternated within each setting, so drift on the host and
        # what one case leaves behind (a QEMU still exiting) hit both alike.
        for offloads in (True, False):
            for b in args.backends:
                results.append(run_case(b, offloads, args))
    if args.json:
        json.dump({"config": {k: v for k, v in vars(args).items() if k != "json"},
                   "results": results}, sys.stdout, indent=2)
        print()
    else:
        print_table(results, args)


if __name__ == "__main__":
    try:
        main()
    finally:
        t.cleanup_all()  # every process by pid, hugepage files, work dir
