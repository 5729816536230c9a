"""Hot restart of vhostd: a QEMU guest and a testpmd virtio-user front end
stay connected across 5 graceful handovers (alternately `vhost-ctl restart
control` and SIGHUP to the supervisor) and 5 SIGKILLs of vhostd. Neither
front end reconnects: QEMU's log shows no vhost-user disconnect, the
guest's eth0 carrier_changes does not move, testpmd keeps its socket and
the switch never accepts a second connection; `show vhost-user` shows the
negotiated state unchanged after each restart. Afterwards a testpmd front
end quit and started again still negotiates: the newest vhostd serves the
socket.

This checks the control plane's continuity; test_hot_restart_guests pings
between two guests across the same restarts."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402

GRACEFUL = 5
KILLS = 5


def negotiated(sw, name):
    """What a restart must not change: features, memory table, rings."""
    ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    rings = [(q.get("qsz"), q.get("enabled"), q.get("last_avail_idx") is not None)
             for q in ifc["virtqueues"]]
    regions = [(r["guest_phys_addr"], r["memory_size"], r["userspace_addr"])
               for r in ifc["memory_regions"]]
    return {"conn_state": ifc["conn_state"],
            "features": sorted(b["name"] for b in ifc["feature_bits"]),
            "regions": regions, "rings": rings}


def rings_up(sw, name):
    ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    vqs = ifc["virtqueues"]
    return (len(vqs) >= 2 and all(q["enabled"] and q["qsz"] > 0 for q in vqs[:2])
            and bool(ifc["memory_regions"]))



def version(sw):
    return sw.ctl("show", "version", json=True)


def wait_generation(sw, gen, what):
    def newer():
        try:
            v = version(sw)
        except RuntimeError:
            return None
        return v if v["generation"] > gen and v["pid"] == sw.vhostd_pid() else None
    return t.wait_until(newer, 30, 0.1, what)


def carrier_changes(g):
    return int(g.run_ok("cat /sys/class/net/eth0/carrier_changes").strip())


def main():
    t.hugepages_ensure()
    wd = t.workdir()
    sock_vm = os.path.join(wd, "vm.sock")
    sock_tp = os.path.join(wd, "tp.sock")
    sw = t.Switch("hr", workers=1, interfaces=[
        {"socket": sock_vm, "server": True},
        {"socket": sock_tp, "server": True},
    ]).start()
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    t.check(len(names) == 2, "two interfaces created from startup.conf (%s)" % names)
    vm_if, tp_if = names

    g = t.Guest("g1", sock_vm, ip="10.0.0.1/24", cpus="0")
    g.start()
    g.wait_ready(180)
    g.wait_link(True, 30)
    tp = t.Testpmd(t.unique("tp"), lcores="0,1",
                   vdevs=["net_virtio_user0,path=%s,queues=1" % sock_tp]).start()
    for name in names:
        t.wait_until(lambda: rings_up(sw, name), 30, 0.5, "%s negotiated" % name)

    before = {n: negotiated(sw, n) for n in names}
    carrier = carrier_changes(g)
    tp_socks = t.socket_inodes(tp.pid)
    connects = sw.log_text().count("front end connected")
    t.check(connects == 2, "two front ends connected (%d)" % connects)

    def unchanged(how):
        for n in names:
            now = negotiated(sw, n)
            t.check(now == before[n], "%s: %s negotiated state unchanged%s" % (
                how, n, "" if now == before[n] else " (%s != %s)" % (now, before[n])))

    workers = sw.ctl("show", "workers", json=True)["workers"]
    t.check(len(workers) == 1 and workers[0]["state"] == "running"
            and workers[0]["pid"] == sw.worker_pids().get("1")
            and 0 <= workers[0]["heartbeat_age_ms"] < 2000,
            "show workers: worker 0 running on lcore 1 with a fresh heartbeat (%s)" % workers)

    gen = version(sw)["generation"]
    durations = []
    for i in range(GRACEFUL):
        old_pid = sw.vhostd_pid()
        t0 = time.monotonic()
        if i % 2 == 0:
            out = sw.ctl("restart", "control")
            t.check("hands over" in out, "restart control answers (%r)" % out.strip())
        else:
            os.kill(sw.pid, signal.SIGHUP)
        v = wait_generation(sw, gen, "graceful restart %d: a new generation" % (i + 1))
        durations.append(time.monotonic() - t0)
        t.check(v["pid"] != old_pid and (not t.pid_alive(old_pid) or t.is_zombie(old_pid)),
                "graceful restart %d: the old vhostd (pid %d) is gone" % (i + 1, old_pid))
        gen = v["generation"]
        unchanged("graceful restart %d" % (i + 1))
    print("graceful handovers: %s s until the new generation answered"
          % ", ".join("%.2f" % d for d in durations), flush=True)

    durations = []
    for i in range(KILLS):
        pid = sw.vhostd_pid()
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        v = wait_generation(sw, gen, "SIGKILL %d: a new generation" % (i + 1))
        durations.append(time.monotonic() - t0)
        gen = v["generation"]
        unchanged("SIGKILL %d" % (i + 1))
    print("SIGKILL recoveries: %s s until the new generation answered"
          % ", ".join("%.2f" % d for d in durations), flush=True)

    t.check(carrier_changes(g) == carrier, "guest eth0 carrier_changes unchanged (%d)" % carrier)
    # Everything QEMU says but its "waiting for the console" note.
    said = [ln for ln in g.log_text().splitlines()
            if ln.startswith("qemu-system") and "info: QEMU waiting" not in ln]
    t.check(not said, "QEMU logged no vhost-user disconnect or error: %s" % said[-10:])
    t.check(t.socket_inodes(tp.pid) == tp_socks, "testpmd kept its sockets (no reconnect)")
    log = sw.log_text()
    t.check(log.count("front end connected") == connects,
            "the switch accepted no new connection during the restarts")
    t.check("front end disconnected" not in log, "the switch saw no front end disconnect")
    t.check(g.alive() and tp.alive(), "QEMU and testpmd still running")
    now = sw.ctl("show", "workers", json=True)["workers"]
    t.check(now[0]["pid"] == workers[0]["pid"] and now[0]["restarts"] == 0
            and now[0]["state"] == "running",
            "the worker ran on through every vhostd restart (%s)" % now)

    tp.quit()
    t.wait_until(lambda: negotiated(sw, tp_if)["conn_state"] != "connected", 15, 0.2,
                 "%s: testpmd's disconnect seen by the newest vhostd" % tp_if)
    tp2 = t.Testpmd(t.unique("tp2"), lcores="0,1",
                    vdevs=["net_virtio_user0,path=%s,queues=1" % sock_tp]).start()
    t.wait_until(lambda: rings_up(sw, tp_if), 30, 0.5,
                 "%s: a new testpmd negotiates with generation %d" % (tp_if, gen))
    tp2.quit()
    g.stop()
    sw.stop()


t.main(main)
