#!/usr/bin/env python3
"""vhost_bench: vhostsw against DPDK's own vhost library and OVS-DPDK, loopback
through one dpdk-testpmd front end (python3 stdlib; a benchmark that prints figures, not
a pass/fail test).

One `dpdk-testpmd` front end with two `net_virtio_user` ports forwards in io
mode (`start tx_first N`): whatever arrives on one port leaves on the other,
so the frames loop front end -> backend -> front end. The backend is one of

  vhostsw  the switch, one vhost-dp worker, two vhost-user server interfaces
           in one bridge domain (real L2 lookups: the front end's frames are
           addressed to the other port's MAC), or
  dpdk     a second dpdk-testpmd with two `net_vhost` ports in io mode
           (DPDK's vhost library doing bare io forwarding: the reference), or
  ovs      OVS-DPDK 3.1 (Debian's openvswitch-switch-dpdk: install it with
           `tools/install-deps.sh --bench`), its own ovsdb-server and
           ovs-vswitchd in a runtime dir of the benchmark's, DPDK with its own
           file prefix and 256 MB, a netdev bridge with two dpdkvhostuser
           ports and actions=NORMAL, one PMD thread on the backend's CPU.

Backends are alternated within each run; the table gives each one's median
Mpps, the ratios vhostsw / DPDK and vhostsw / OVS of the medians (and of the
best runs), and vhostsw's own clocks per frame from `show runtime` (cleared
at the start of each interval: busy poll cycles per frame taken in). Each
run's log line also gives the frames in flight: what `start tx_first` sent less
what the front end and the backend dropped (vhostsw and DPDK; OVS is not
asked). Every backend keeps the same 512 of the 2048 sent, 256 per
direction (the guest RX ring's size): the first bursts overflow the rings,
nothing is lost after that, and a slow run has as many frames as a fast one.

The front end's forwarding core and the backend's polling core sit on
different CPUs. After a warm-up, the front end's port counters are read at
the start and end of a fixed interval; Mpps = packet deltas / elapsed time,
summed over both ports (each port's RX is one direction of the backend).

    python3 tools/bench/vhost_bench.py                 # all three, 64, 512, 1518 B
    python3 tools/bench/vhost_bench.py --json --runs 3 --duration 20
    python3 tools/bench/vhost_bench.py --packed        # packed virtqueues
    python3 tools/bench/vhost_bench.py --runs 1 --duration 2   # a smoke run

Run it as root on an otherwise idle machine: every other busy process takes
CPU time from the two pollers. The benchmark warns (and marks the figures)
when it sees another testpmd, vhost-dp or QEMU, or when processes other than
its own used CPU during a measurement.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
import vswtest as t  # noqa: E402 (path set up above)

# Front end port MACs; each port addresses its frames to the other one.
FE_MACS = ("02:00:00:00:b0:00", "02:00:00:00:b0:01")
POLLER_NAMES = ("dpdk-testpmd", "vhost-dp", "vhost-supervisor", "vhostd", "qemu-system-x86",
                "qemu-system-x86_64", "ovs-vswitchd", "ovs-vswitchd-dp")
FOREIGN_CPU_WARN = 5.0  # % of one CPU used by others during a measurement


def log(msg):
    print("vhost_bench: %s" % msg, file=sys.stderr, flush=True)


def warn(msg):
    bar = "!" * 78
    print("%s\nWARNING: %s\n%s" % (bar, msg, bar), file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# who else is on the CPUs
# --------------------------------------------------------------------------

def own_pids():
    """This process and every descendant (testpmds, the switch's children)."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    mine, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        mine.add(pid)
        todo += children.get(pid, [])
    return mine


def stray_pollers():
    """[(pid, command line)] of pollers (testpmd, vhost-dp, QEMU, ...) this
    benchmark did not start."""
    mine = own_pids()
    found = []
    for name in POLLER_NAMES:
        r = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True)
        for pid in (int(p) for p in r.stdout.split()):
            if pid in mine:
                continue
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            found.append((pid, cmd[:160]))
    return found


def cpu_ticks(pids=None):
    """Busy clock ticks: of the whole machine (pids None: /proc/stat user..
    steal, without idle and iowait) or summed over pids."""
    if pids is None:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime of all threads
        except (OSError, IndexError, ValueError):
            pass
    return total


def steal_ticks():
    with open("/proc/stat") as f:
        return int(f.readline().split()[8])


def machine_busy_pct(seconds=1.0):
    """CPU used by everyone (this process included, % of one CPU) over
    `seconds`."""
    hz = os.sysconf("SC_CLK_TCK")
    a = cpu_ticks()
    time.sleep(seconds)
    return 100.0 * (cpu_ticks() - a) / hz / seconds


def check_quiet(wait_quiet):
    """Before starting anything: warns about pollers we did not start and a
    busy machine; waits up to wait_quiet seconds for both to go. Returns the
    strays still there."""
    deadline = time.monotonic() + wait_quiet
    while True:
        strays = stray_pollers()
        busy = machine_busy_pct()
        if (not strays and busy < FOREIGN_CPU_WARN) or time.monotonic() >= deadline:
            break
    if strays:
        warn("pollers this benchmark did not start are running; they take CPU time from "
             "the measured pollers and the figures will be wrong:\n"
             + "\n".join("  pid %d: %s" % s for s in strays))
    elif busy >= FOREIGN_CPU_WARN:
        warn("the machine is busy (%.0f%% of a CPU in use) before the benchmark starts"
             % busy)
    return strays


# --------------------------------------------------------------------------
# the two backends
# --------------------------------------------------------------------------

def lcore_args(fwd_cpu, other_cpu):
    """testpmd -l/--main-lcore so that the one forwarding lcore is fwd_cpu
    (the main lcore, idle at the prompt, is other_cpu)."""
    return "%d,%d" % (min(fwd_cpu, other_cpu), max(fwd_cpu, other_cpu)), \
        ["--main-lcore", str(other_cpu)]


class DpdkBackend:
    """dpdk-testpmd with two net_vhost ports (servers) in io mode."""

    name = "dpdk"

    def __init__(self, socks, cpu, other_cpu, mbufs):
        lcores, main = lcore_args(cpu, other_cpu)
        vdevs = ["net_vhost%d,iface=%s,queues=1" % (i, s) for i, s in enumerate(socks)]
        self.tp = t.Testpmd(t.unique("ref"), lcores=lcores, vdevs=vdevs, eal_args=main,
                            app_args=["--total-num-mbufs=%d" % mbufs, "--nb-cores=1"])
        self.socks = socks

    def start(self):
        self.tp.start()
        t.wait_until(lambda: all(os.path.exists(s) for s in self.socks), 10, 0.1,
                     "net_vhost sockets")
        self.tp.cmd("set fwd io")
        self.tp.wait_for(r"Set io packet forwarding mode")
        self.tp.cmd("start")
        self.tp.wait_for(r"io packet forwarding")
        return self

    def poller_pids(self):
        return [self.tp.pid]

    def describe(self):
        return "dpdk-testpmd net_vhost x2, io forwarding"

    def dropped(self):
        return fwd_dropped(self.tp)

    def stop(self):
        self.tp.quit()


class SwitchBackend:
    """vhostsw, one worker on cpu, two server interfaces in bridge domain 1."""

    name = "vhostsw"

    def __init__(self, socks, cpu, other_cpu, mbufs):
        ifaces = [{"socket": s, "server": True, "bridge": 1} for s in socks]
        self.sw = t.Switch("bsw", workers=[cpu], main_core=other_cpu, interfaces=ifaces,
                           num_mbufs=mbufs, log_level="notice")
        self.socks = socks

    def start(self):
        self.sw.start()
        t.wait_until(lambda: all(os.path.exists(s) for s in self.socks), 10, 0.1,
                     "vhostsw interface sockets")
        return self

    def poller_pids(self):
        return list(self.sw.worker_pids().values())

    def describe(self):
        return "vhostsw, 1 vhost-dp worker, 2 interfaces in bridge domain 1"

    def measure_begin(self):
        self.sw.ctl("clear", "runtime")

    def dropped(self):
        """Frames the switch dropped since it started (every interface)."""
        return sum(i["drops"] for i in self.sw.ctl("show", "interface", json=True)["interfaces"])

    def measure_end(self):
        """The worker's own figures over the interval (`show runtime`)."""
        w = self.sw.ctl("show", "runtime", json=True)["workers"][0]["since_clear"]
        return {k: w[k] for k in ("clocks_per_frame", "frames_per_poll", "idle_share")}

    def stop(self):
        self.sw.stop(check_clean=False)
        t.dpdk_cleanup_prefix(self.sw.prefix)


OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"


class OvsBackend:
    """OVS-DPDK (Debian's openvswitch-switch-dpdk, OVS 3.1): its own
    ovsdb-server and ovs-vswitchd in a runtime dir of the benchmark's, DPDK
    with its own file prefix and a small socket-mem, one netdev bridge with
    two dpdkvhostuser (server) ports and the bridge's default flow
    (actions=NORMAL: MAC learning), one PMD thread pinned on the backend's
    CPU. Install it with `tools/install-deps.sh --bench`."""

    name = "ovs"
    started = 0  # instances so far: each gets a runtime dir and file prefix of its own
    extra_config = ()  # more other_config:key=value settings (offload_bench: TSO on or off)

    def __init__(self, socks, cpu, other_cpu, mbufs):
        del socks, mbufs  # OVS names its sockets after its ports; its own mbuf pools
        for path in (OVS_SCHEMA, OVS_VSWITCHD):
            if not os.path.exists(path):
                raise RuntimeError("%s missing: run tools/install-deps.sh --bench" % path)
        OvsBackend.started += 1
        self.dir = os.path.join(t.workdir(), "ovs%d" % OvsBackend.started)
        os.makedirs(self.dir)
        self.prefix = "%s-%d" % (t.unique("ovsdpdk"), OvsBackend.started)
        self.cpu, self.other_cpu = cpu, other_cpu
        self.db = "unix:%s" % os.path.join(self.dir, "db.sock")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_DBDIR=self.dir, OVS_LOGDIR=self.dir,
                        OVS_PKGDATADIR="/usr/share/openvswitch")
        self.socks = [os.path.join(self.dir, "vhu%d" % i) for i in (0, 1)]
        self.procs = []

    def vsctl(self, *args):
        r = subprocess.run(["ovs-vsctl", "--db=" + self.db, "--timeout=30"] + list(args),
                           capture_output=True, text=True, env=self.env, timeout=40)
        if r.returncode != 0:
            raise RuntimeError("ovs-vsctl %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def daemon(self, name, argv):
        p = t.Proc(argv, os.path.join(self.dir, name + ".out"), name=name, env=self.env,
                   cwd=self.dir).start()
        self.procs.append(p)
        return p

    def start(self):
        conf = os.path.join(self.dir, "conf.db")
        subprocess.run(["ovsdb-tool", "create", conf, OVS_SCHEMA], check=True,
                       capture_output=True, env=self.env)
        self.daemon("ovsdb-server", [
            "ovsdb-server", conf, "--remote=punix:" + os.path.join(self.dir, "db.sock"),
            "--unixctl=" + os.path.join(self.dir, "ovsdb-server.ctl"),
            "--log-file=" + os.path.join(self.dir, "ovsdb-server.log")])
        t.wait_until(lambda: os.path.exists(os.path.join(self.dir, "db.sock")), 10, 0.1,
                     "ovsdb-server socket")
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-socket-mem=256",
                   "other_config:dpdk-socket-limit=256",
                   "other_config:dpdk-lcore-mask=0x%x" % (1 << self.other_cpu),
                   "other_config:pmd-cpu-mask=0x%x" % (1 << self.cpu),
                   'other_config:dpdk-extra="--file-prefix=%s --no-pci"' % self.prefix,
                   *self.extra_config)
        self.daemon("ovs-vswitchd", [
            OVS_VSWITCHD, self.db, "--unixctl=" + os.path.join(self.dir, "ovs-vswitchd.ctl"),
            "--log-file=" + os.path.join(self.dir, "ovs-vswitchd.log")])
        # One transaction: one datapath reconfiguration, not three.
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
                   "--", "add-port", "br0", "vhu0", "--", "set", "Interface", "vhu0",
                   "type=dpdkvhostuser", "--", "add-port", "br0", "vhu1", "--", "set",
                   "Interface", "vhu1", "type=dpdkvhostuser")
        t.wait_until(lambda: all(os.path.exists(s) for s in self.socks), 20, 0.1,
                     "OVS dpdkvhostuser sockets")
        # A front end that connects while the PMD's queues are still being
        # assigned gets its connection reset: wait until the PMD has both.
        t.wait_until(lambda: all(p in self.appctl("dpif-netdev/pmd-rxq-show")
                                 for p in ("vhu0", "vhu1")), 20, 0.2, "OVS PMD polling both ports")
        return self

    def appctl(self, *args):
        r = subprocess.run(["ovs-appctl", "-t", os.path.join(self.dir, "ovs-vswitchd.ctl")]
                           + list(args), capture_output=True, text=True, env=self.env, timeout=30)
        return r.stdout

    def poller_pids(self):
        return [self.procs[-1].pid] if len(self.procs) == 2 and self.procs[-1].alive() else []

    def describe(self):
        return "OVS-DPDK 3.1, netdev bridge, 2 dpdkvhostuser ports, actions=NORMAL, 1 PMD"

    def stop(self):
        for p in reversed(self.procs):  # ovs-vswitchd first, by pid
            p.stop(10)
        t.dpdk_cleanup_prefix(self.prefix)


BACKENDS = {"vhostsw": SwitchBackend, "dpdk": DpdkBackend, "ovs": OvsBackend}


# --------------------------------------------------------------------------
# one measurement
# --------------------------------------------------------------------------

def front_end(socks, fwd_cpu, other_cpu, mbufs, packed):
    lcores, main = lcore_args(fwd_cpu, other_cpu)
    vdevs = ["net_virtio_user%d,path=%s,queues=1,mac=%s,packed_vq=%d"
             % (i, s, FE_MACS[i], packed) for i, s in enumerate(socks)]
    return t.Testpmd(t.unique("fe"), lcores=lcores, vdevs=vdevs, eal_args=main,
                     app_args=["--total-num-mbufs=%d" % mbufs, "--nb-cores=1"])


def fwd_dropped(tp):
    """Frames testpmd's forwarding could not send (TX-dropped of `show fwd
    stats all`, summed over its ports)."""
    tp.cmd("show fwd stats all")
    m = tp.wait_for(r"(?s)(Forward statistics for port 0.*?Forward statistics for port 1.*?"
                    r"TX-dropped:\s*\d+)")
    return sum(int(x) for x in re.findall(r"TX-dropped:\s*(\d+)", m.group(1)))


def counters(fe):
    """({port: stats}, monotonic time in the middle of the two reads)."""
    t0 = time.monotonic()
    stats = {p: fe.port_stats(p) for p in (0, 1)}
    return stats, (t0 + time.monotonic()) / 2


def measure(args, backend_name, frame):
    """Starts the backend and the front end, loops `frame`-byte frames,
    returns a result dict."""
    t.hugepages_ensure()
    socks = [os.path.join(t.workdir(), "b%d.sock" % i) for i in (0, 1)]
    for s in socks:
        if os.path.exists(s):
            os.unlink(s)
    backend = BACKENDS[backend_name](socks, args.backend_cpu, args.fe_cpu, args.mbufs)
    fe = front_end(backend.socks, args.fe_cpu, args.backend_cpu, args.mbufs, int(args.packed))
    strays = check_quiet(args.wait_quiet)
    try:
        backend.start()
        fe.start()
        for port in (0, 1):
            fe.cmd("set eth-peer %d %s" % (port, FE_MACS[1 - port]))
        fe.cmd("set fwd io")
        fe.wait_for(r"Set io packet forwarding mode")
        fe.cmd("set txpkts %d" % (frame - 4))  # testpmd's length excludes the FCS
        # The loop keeps only the frames that survive the first bursts: let
        # both backends finish setting their rings up before sending.
        time.sleep(1.0)
        fe.cmd("start tx_first %d" % args.bursts)
        fe.wait_for(r"io packet forwarding")
        time.sleep(args.warmup)
        profiler = Profiler(args.perf, backend, frame) if args.perf else None
        if hasattr(backend, "measure_begin"):
            backend.measure_begin()
        before, t_before = counters(fe)
        ticks = (cpu_ticks(), steal_ticks(), cpu_ticks(own_pids()))
        time.sleep(args.duration)
        after, t_after = counters(fe)
        ticks_after = (cpu_ticks(), steal_ticks(), cpu_ticks(own_pids()))
        own_figures = backend.measure_end() if hasattr(backend, "measure_end") else {}
        loop = in_flight(args, fe, backend)
        if profiler:
            profiler.stop()
        strays += [s for s in stray_pollers() if s not in strays]
        fe_alive, be_pollers = fe.alive(), backend.poller_pids()
    finally:
        for stop in (fe.quit, backend.stop):
            try:
                stop()
            except Exception as exc:  # keep cleaning up the other one
                log("stopping: %r" % exc)
    elapsed = t_after - t_before
    hz = os.sysconf("SC_CLK_TCK")
    busy, steal, own = (b - a for a, b in zip(ticks, ticks_after))
    foreign = max(0.0, 100.0 * (busy - own) / hz / elapsed)
    res = {"backend": backend_name, "frame": frame, "seconds": round(elapsed, 3),
           "foreign_cpu_pct": round(foreign, 1),
           "steal_cpu_pct": round(100.0 * steal / hz / elapsed, 1),
           "strays": [p for p, _ in strays], "ports": {}}
    rx = tx = 0
    for p in (0, 1):
        d = {k: after[p][k] - before[p][k] for k in ("rx_packets", "tx_packets", "rx_missed",
                                                      "tx_errors", "rx_nombuf")}
        rx += d["rx_packets"]
        tx += d["tx_packets"]
        res["ports"][p] = {"rx_mpps": d["rx_packets"] / elapsed / 1e6,
                           "tx_mpps": d["tx_packets"] / elapsed / 1e6,
                           "tx_errors": d["tx_errors"], "rx_missed": d["rx_missed"]}
    res["rx_mpps"] = rx / elapsed / 1e6
    res["tx_mpps"] = tx / elapsed / 1e6
    res["rx_gbps"] = rx * frame * 8 / elapsed / 1e9
    res.update(own_figures)
    res.update(loop)
    if profiler:
        res["perf_data"], res["perf_top"] = profiler.path, profiler.report()
        log("%s %dB, hottest functions of the backend poller (perf, %s):\n%s"
            % (backend_name, frame, profiler.path, "\n".join(res["perf_top"])))
    res["valid"] = bool(fe_alive and be_pollers and not strays and foreign < FOREIGN_CPU_WARN)
    if foreign >= FOREIGN_CPU_WARN:
        warn("other processes used %.0f%% of a CPU during the %s %dB measurement: "
             "the figures are low" % (foreign, backend_name, frame))
    if rx == 0:
        warn("%s %dB: the front end received nothing" % (backend_name, frame))
    log("%-7s %4dB  rx %.3f Mpps  tx %.3f Mpps  (%.1fs, others %.0f%% CPU)%s%s"
        % (backend_name, frame, res["rx_mpps"], res["tx_mpps"], elapsed, foreign,
           "  %.0f clocks/frame" % res["clocks_per_frame"] if "clocks_per_frame" in res else "",
           "  in flight %d (front end dropped %d, backend %d)"
           % (res["in_flight"], res["fe_dropped"], res["backend_dropped"])
           if "in_flight" in res else ""))
    return res


def in_flight(args, fe, backend):
    """The frames circulating in the loop: what `start tx_first` sent (bursts
    of 32 per port) less what the front end and the backend dropped since.
    The figure says whether a slow run lost its frames or only moved them
    slowly. {} when the backend cannot say what it dropped (OVS)."""
    if not hasattr(backend, "dropped"):
        return {}
    fe_drops, be_drops = fwd_dropped(fe), backend.dropped()
    return {"fe_dropped": fe_drops, "backend_dropped": be_drops,
            "in_flight": 2 * args.bursts * 32 - fe_drops - be_drops}


class Profiler:
    """`perf record -g` on the backend's poller(s) for the measured interval
    (software cpu-clock samples where the machine has no PMU)."""

    def __init__(self, outdir, backend, frame):
        os.makedirs(outdir, exist_ok=True)
        self.path = os.path.join(os.path.abspath(outdir), "%s-%d.perf.data" % (backend.name, frame))
        pids = ",".join(str(p) for p in backend.poller_pids())
        self.proc = t.Proc(["perf", "record", "-g", "-F", "999", "-o", self.path, "-p", pids],
                           os.path.join(t.workdir(), "perf.log"), name="perf").start()

    def stop(self):
        self.proc.stop(30, signal.SIGINT)

    def report(self, lines=25):
        """The hottest symbols, self time, as text lines."""
        r = subprocess.run(["perf", "report", "-i", self.path, "--no-children", "--stdio",
                            "--sort", "dso,symbol", "-g", "none", "--percent-limit", "0.5"],
                           capture_output=True, text=True, timeout=120)
        rows = [re.sub(r"(\s+-)+\s*$", "", ln) for ln in r.stdout.splitlines()
                if ln.strip() and not ln.startswith("#")]
        return rows[:lines] or [r.stderr.strip()[-500:]]


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

RATIOS = (("dpdk", "vhostsw / DPDK"), ("ovs", "vhostsw / OVS"))


def summarize(results, backends, frames):
    """{frame: {backend: {median, min, max, runs}, "ratio_<b>": x, "ratio_best_<b>": y}}:
    vhostsw against each other backend measured in the same run."""
    summary = {}
    for frame in frames:
        row = {}
        for b in backends:
            vals = [r["rx_mpps"] for r in results
                    if r["backend"] == b and r["frame"] == frame and "error" not in r]
            if vals:
                row[b] = {"rx_mpps": statistics.median(vals), "min": min(vals), "max": max(vals),
                          "runs": len(vals),
                          "valid": all(r["valid"] for r in results
                                       if r["backend"] == b and r["frame"] == frame)}
                cpf = [r["clocks_per_frame"] for r in results if r["backend"] == b and
                       r["frame"] == frame and "clocks_per_frame" in r]
                if cpf:
                    row[b]["clocks_per_frame"] = statistics.median(cpf)
        for other, _ in RATIOS:
            if row.get(other, {}).get("rx_mpps") and "vhostsw" in row:
                row["ratio_" + other] = row["vhostsw"]["rx_mpps"] / row[other]["rx_mpps"]
                # The loopback settles into a slow or a fast regime per run,
                # for every backend: the best runs compare what each can do.
                row["ratio_best_" + other] = row["vhostsw"]["max"] / row[other]["max"]
        summary[frame] = row
    return summary


def print_table(summary, backends, args):
    print("vhost loopback: testpmd io fwd (front end on CPU %d) <-> backend (CPU %d); %s rings; "
          "%d run(s) of %gs after %gs warm-up; median Mpps received by the front end "
          "(range); ratio of the medians and of the best runs"
          % (args.fe_cpu, args.backend_cpu, "packed" if args.packed else "split", args.runs,
             args.duration, args.warmup))
    head = "%-7s" % "frame" + "".join("%22s" % ("%s Mpps" % b) for b in backends)
    ratios = [(o, label) for o, label in RATIOS if "vhostsw" in backends and o in backends]
    for _, label in ratios:
        head += "%16s%11s" % (label, "best runs")
    if "vhostsw" in backends:
        head += "%16s" % "vhostsw clk/fr"
    print(head)
    for frame, row in summary.items():
        line = "%-7s" % ("%dB" % frame)
        for b in backends:
            cell = row.get(b)
            if not cell:
                line += "%22s" % "failed"
                continue
            text = "%.3f" % cell["rx_mpps"]
            if cell["runs"] > 1:
                text += " (%.2f-%.2f)" % (cell["min"], cell["max"])
            line += "%22s" % (text + ("" if cell["valid"] else " *"))
        for o, _ in ratios:
            if "ratio_" + o in row:
                line += "%16.2f%11.2f" % (row["ratio_" + o], row["ratio_best_" + o])
            else:
                line += "%16s%11s" % ("-", "-")
        if "clocks_per_frame" in row.get("vhostsw", {}):
            line += "%16.0f" % row["vhostsw"]["clocks_per_frame"]
        print(line)
    if any(not row[b]["valid"] for row in summary.values() for b in backends if b in row):
        print("* measured while other processes used the CPUs, or a process died: not valid")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="vhostsw,dpdk,ovs",
                    help="comma list of vhostsw, dpdk, ovs (default all three)")
    ap.add_argument("--frames", default="64,512,1518",
                    help="frame sizes in bytes, FCS included (default 64,512,1518)")
    ap.add_argument("--runs", type=int, default=5, help="runs per configuration (default 5)")
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring (2)")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds measured (10)")
    ap.add_argument("--bursts", type=int, default=32,
                    help="bursts of 32 frames each port sends with `start tx_first` (32)")
    ap.add_argument("--fe-cpu", type=int, default=1, help="front end forwarding CPU (1)")
    ap.add_argument("--backend-cpu", type=int, default=0,
                    help="backend polling CPU: vhost-dp worker or testpmd lcore (0)")
    ap.add_argument("--packed", action="store_true",
                    help="packed virtqueues (packed_vq=1) instead of split ones")
    ap.add_argument("--mbufs", type=int, default=16384, help="mbufs per process (16384)")
    ap.add_argument("--wait-quiet", type=float, default=0.0,
                    help="before each measurement, wait up to this many seconds for foreign "
                    "pollers to exit and the machine to be idle (0: only warn)")
    ap.add_argument("--perf", metavar="DIR",
                    help="perf record -g the backend poller during each measurement into DIR "
                    "and print its hottest functions (figures then include perf's overhead)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--build-dir", help="vhostsw build tree (default <repo>/build)")
    args = ap.parse_args()
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = [b for b in args.backends if b not in BACKENDS]
    if bad or not args.backends:
        ap.error("unknown backend(s) %s (known: %s)" % (bad, ", ".join(BACKENDS)))
    args.frames = [int(f) for f in args.frames.split(",")]
    if any(f < 64 or f > 9000 for f in args.frames):
        ap.error("frame sizes must be 64..9000")
    if args.fe_cpu == args.backend_cpu:
        ap.error("--fe-cpu and --backend-cpu must differ")
    if args.build_dir:
        os.environ["VSW_BUILD_DIR"] = os.path.abspath(args.build_dir)
    return args


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("vhost_bench: run as root (hugepages, DPDK)")
    if "vhostsw" in args.backends:
        sup = os.path.join(t.build_dir(), "tools", "supervisor", "vhost-supervisor")
        if not os.access(sup, os.X_OK):
            sys.exit("vhost_bench: %s not built (cmake -S . -B build && make -C build)" % sup)
    results = []
    # Interleave the backends so that slow drift on the host hits both alike.
    for _ in range(args.runs):
        for frame in args.frames:
            for b in args.backends:
                try:
                    results.append(measure(args, b, frame))
                except (RuntimeError, TimeoutError, OSError) as exc:
                    warn("%s %dB failed: %s" % (b, frame, str(exc).strip()[-2000:]))
                    results.append({"backend": b, "frame": frame, "error": str(exc)[-2000:],
                                    "valid": False})
    summary = summarize(results, args.backends, args.frames)
    if args.json:
        json.dump({"config": {k: v for k, v in vars(args).items() if k != "json"},
                   "cpu": _cpu_model(), "summary": summary, "runs": results},
                  sys.stdout, indent=2)
        print()
    else:
        print_table(summary, args.backends, args)
    if any("error" in r for r in results):
        sys.exit(1)
    if not all(r["valid"] for r in results):
        warn("some figures were measured on a busy machine (see above); run again when idle")


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
        return m.group(1) if m else None
    except OSError:
        return None


if __name__ == "__main__":
    try:
        main()
    finally:
        t.cleanup_all()  # every process by pid, hugepage files, work dir
