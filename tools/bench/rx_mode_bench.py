#!/usr/bin/env python3
"""rx_mode_bench: vhostsw's rx-modes side by side, from one run (python3
stdlib; prints figures, passes or fails nothing).

One switch, one vhost-dp worker, four server interfaces: two in bridge
domain 1 for a dpdk-testpmd front end looping 64-byte frames through the
switch (as vhost_bench.py does), two in bridge domain 2 for two QEMU guests.
For each mode in turn (`set interface rx-mode` on all four, no restart):

  idle   the worker's CPU use over a few seconds with nothing moving
  ping   round-trip min/avg/max between the guests (ping -i 0.01)
  loop   the 64 B loop's throughput in Mpps (a new front end per mode)

    python3 tools/bench/rx_mode_bench.py
    python3 tools/bench/rx_mode_bench.py --pings 500 --duration 10 --json

Run it as root on an otherwise idle machine: the loop's figures are only
comparable between modes of the same run, and mean little while other
processes compete for the CPUs.
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
import vhost_bench as vb  # noqa: E402 (paths set up above)
import vswtest as t  # noqa: E402

MODES = ("polling", "interrupt", "adaptive")


def worker_cpu_seconds(sw):
    hz = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in sw.worker_pids().values():
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / hz


def idle_cpu(sw, seconds):
    before = worker_cpu_seconds(sw)
    time.sleep(seconds)
    return 100.0 * (worker_cpu_seconds(sw) - before) / seconds


def ping(g1, count):
    out, rc = g1.run("ping -q -c %d -i 0.01 10.0.0.2" % count, timeout=60 + count * 0.1)
    m = re.search(r"(\d+)% packet loss", out)
    rtt = re.search(r"round-trip min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+) ms", out)
    if rc != 0 or not rtt:
        vb.warn("ping failed (exit %d):\n%s" % (rc, out))
        return None
    return {"loss_pct": int(m.group(1)) if m else None,
            "min_ms": float(rtt.group(1)), "avg_ms": float(rtt.group(2)),
            "max_ms": float(rtt.group(3))}


def loop_mpps(args, socks):
    fe = vb.front_end(socks, args.fe_cpu, args.backend_cpu, args.mbufs, int(args.packed))
    try:
        fe.start()
        for port in (0, 1):
            fe.cmd("set eth-peer %d %s" % (port, vb.FE_MACS[1 - port]))
        fe.cmd("set fwd io")
        fe.wait_for(r"Set io packet forwarding mode")
        fe.cmd("set txpkts 60")
        time.sleep(1.0)  # the switch's rings are set up
        fe.cmd("start tx_first %d" % args.bursts)
        fe.wait_for(r"io packet forwarding")
        time.sleep(args.warmup)
        before, t0 = vb.counters(fe)
        time.sleep(args.duration)
        after, t1 = vb.counters(fe)
    finally:
        fe.quit()
    rx = sum(after[p]["rx_packets"] - before[p]["rx_packets"] for p in (0, 1))
    return rx / (t1 - t0) / 1e6


def run(args):
    t.hugepages_ensure()
    wd = t.workdir()
    loop_socks = [os.path.join(wd, "l%d.sock" % i) for i in (0, 1)]
    guest_socks = [os.path.join(wd, "g%d.sock" % i) for i in (0, 1)]
    ifaces = ([{"socket": s, "server": True, "bridge": 1} for s in loop_socks]
              + [{"socket": s, "server": True, "bridge": 2} for s in guest_socks])
    sw = t.Switch("rsw", workers=[args.backend_cpu], main_core=args.fe_cpu, interfaces=ifaces,
                  num_mbufs=args.mbufs, log_level="notice").start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    guests = [t.Guest("rg%d" % i, s, ip="10.0.0.%d/24" % (i + 1))
              for i, s in enumerate(guest_socks)]
    for g in guests:
        g.start()
    for g in guests:
        g.wait_ready()
        g.wait_link(up=True, timeout=30)
    results = []
    try:
        for mode in args.modes.split(","):
            for n in names:
                sw.ctl("set", "interface", "rx-mode", n, mode)
            time.sleep(0.5)
            res = {"mode": mode, "idle_cpu_pct": round(idle_cpu(sw, args.idle), 2),
                   "ping": ping(guests[0], args.pings), "loop_64b_mpps": None}
            res["loop_64b_mpps"] = round(loop_mpps(args, loop_socks), 4)
            print("rx_mode_bench: %s: %s" % (mode, res), file=sys.stderr, flush=True)
            results.append(res)
    finally:
        for g in guests:
            g.stop()
        sw.stop(check_clean=False)
        t.dpdk_cleanup_prefix(sw.prefix)
    return results


def print_table(results):
    print("%-10s %12s %28s %14s" % ("rx-mode", "idle CPU %", "ping min/avg/max ms",
                                     "64B loop Mpps"))
    for r in results:
        p = r["ping"]
        rtt = "%.3f/%.3f/%.3f" % (p["min_ms"], p["avg_ms"], p["max_ms"]) if p else "failed"
        print("%-10s %12.2f %28s %14.3f" % (r["mode"], r["idle_cpu_pct"], rtt,
                                            r["loop_64b_mpps"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated (all three)")
    ap.add_argument("--pings", type=int, default=200, help="pings per mode (200)")
    ap.add_argument("--idle", type=float, default=3.0, help="seconds of idle CPU measured (3)")
    ap.add_argument("--warmup", type=float, default=2.0, help="loop seconds before measuring (2)")
    ap.add_argument("--duration", type=float, default=5.0, help="loop seconds measured (5)")
    ap.add_argument("--bursts", type=int, default=32, help="bursts the loop starts with (32)")
    ap.add_argument("--fe-cpu", type=int, default=1, help="front end forwarding CPU (1)")
    ap.add_argument("--backend-cpu", type=int, default=0, help="the switch's worker CPU (0)")
    ap.add_argument("--packed", action="store_true", help="packed virtqueues for the loop")
    ap.add_argument("--mbufs", type=int, default=16384, help="mbufs per process (16384)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--build-dir", help="vhostsw build tree (default <repo>/build)")
    args = ap.parse_args()
    if args.build_dir:
        os.environ["VSW_BUILD_DIR"] = os.path.abspath(args.build_dir)
    if os.geteuid() != 0:
        sys.exit("rx_mode_bench: run as root (hugepages, DPDK)")
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)


if __name__ == "__main__":
    try:
        main()
    finally:
        t.cleanup_all()  # every process by pid, hugepage files, work dir
