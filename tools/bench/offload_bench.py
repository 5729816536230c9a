#!/usr/bin/env python3
"""offload_bench: what checksum and TCP segmentation offloads buy between two
VMs (issue 14), vhostsw against OVS-DPDK 3.1 (python3 stdlib; a benchmark
that prints figures, not a pass/fail test).

Two TCG QEMU guests (the test guest image, busybox `nc`) on one backend; g1
sends a stream of random bytes (64 MB by default) to g2, which stores it
and hashes it after the end.
The time is the sender's `nc` from start to end; the stream counts only when
the receiver's sha256 is the sender's. Each backend runs twice:

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

The table gives each case's seconds and MB/s, and the ratios: offloads on
against off for each backend, vhostsw against OVS with offloads on and off.
Under TCG the guests' CPU bounds the stream, and on a machine shared with
other work the figures are indicative only.

    python3 tools/bench/offload_bench.py --build-dir build
    python3 tools/bench/offload_bench.py --build-dir build --mb 16 --backends vhostsw
    python3 tools/bench/offload_bench.py --build-dir build --json
"""

import argparse
import json
import os
import re
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

    def stop(self):
        self.ovs.stop()


CASES = {"vhostsw": VhostswCase, "ovs": OvsCase}


def stream(tx, rx, mb, timeout):
    """Seconds for mb MB from tx to rx (10.0.0.2), None when it did not
    arrive intact within timeout."""
    tx.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % mb, timeout=180)
    sent = tx.run_ok("sha256sum /tmp/data", timeout=60).split()[0]
    # The receiver stores the stream and hashes it after the end: hashing
    # inline under TCG would hold the stream to sha256sum's pace.
    rx.run_ok("echo 'sha256sum /tmp/rx.bin > /tmp/rx.tmp && mv /tmp/rx.tmp /tmp/rx.sum' "
              "> /tmp/hash.sh; rm -f /tmp/rx.sum /tmp/rx.bin")
    rx.spawn("sh -c 'sleep 100000 | nc -l -p %d | (cat > /tmp/rx.bin; sh /tmp/hash.sh)'"
             % PORT)
    time.sleep(1)
    start = time.monotonic()
    try:
        tx.run_ok("nc 10.0.0.2 %d < /tmp/data" % PORT, timeout=timeout)
    except (TimeoutError, RuntimeError) as exc:
        log("stream did not finish in %d s: %s" % (timeout, str(exc)[-300:]))
        return None, "no end in %d s" % timeout
    except t.TestFailure as exc:  # nc failed: the last line says why
        return None, "sender: %s" % str(exc).strip().splitlines()[-1][:120]
    secs = time.monotonic() - start

    def received():
        out, rc = rx.run("cat /tmp/rx.sum 2>/dev/null")
        m = re.search(r"\b[0-9a-f]{64}\b", out)
        return m.group(0) if rc == 0 and m else None

    try:
        got = t.wait_until(received, 60, 0.5, "the receiver's sha256")
    except TimeoutError:
        return None, "no hash at the receiver"
    if got != sent:
        return None, "sha256 differs"
    return secs, "intact"


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
        secs, status = stream(guests[0], guests[1], args.mb, args.timeout)
        after = case.counters()
        result.update(seconds=secs, status=status,
                      counters={k: after[k] - before.get(k, 0) for k in after})
    except (RuntimeError, TimeoutError, OSError, t.TestFailure) as exc:
        result.update(seconds=None, status="failed: %s" % str(exc).strip()[-300:])
    finally:
        for g in guests:
            g.stop()
        case.stop()
    log("%s offloads %s: %s" % (backend, result["offloads"], result))
    return result


def ratio(a, b):
    return "%.2fx" % (b / a) if a and b else "-"


def print_table(results, args):
    def secs(b, o):
        r = [x["seconds"] for x in results if x["backend"] == b and x["offloads"] == o
             and x["seconds"]]
        return min(r) if r else None

    print("offload_bench: %d MB guest-to-guest TCP stream (busybox nc), two TCG guests on "
          "CPU %d, the backend polling on CPU %d; best of %d run(s)"
          % (args.mb, GUEST_CPU, BACKEND_CPU, args.runs))
    print("%-8s %-9s %10s %10s  %s" % ("backend", "offloads", "seconds", "MB/s", "status"))
    for r in results:
        s = r["seconds"]
        extra = (" %s" % r["counters"]) if r.get("counters") else ""
        print("%-8s %-9s %10s %10s  %s%s" % (r["backend"], r["offloads"],
                                            "%.1f" % s if s else "-",
                                            "%.1f" % (args.mb / s) if s else "-", r["status"],
                                            extra))
    print("ratios (time of the slower over the faster; > 1x: the first is faster):")
    for b in args.backends:
        print("  %-30s %s" % ("%s offloads on vs off" % b, ratio(secs(b, "on"), secs(b, "off"))))
    if {"vhostsw", "ovs"} <= set(args.backends):
        for o in ("on", "off"):
            print("  %-30s %s" % ("vhostsw vs ovs, offloads %s" % o,
                                  ratio(secs("vhostsw", o), secs("ovs", o))))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", help="the build tree (default: <repo>/build)")
    ap.add_argument("--backends", default="vhostsw,ovs", help="comma list of vhostsw, ovs")
    ap.add_argument("--mb", type=int, default=64, help="stream size in MB (default 64)")
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
    results = []
    for _ in range(args.runs):
        for b in args.backends:  # alternated, so drift on the host hits both alike
            for offloads in (True, False):
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
