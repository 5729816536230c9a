#!/usr/bin/env python3
"""The metrics endpoint (`metrics { listen }`) scraped by a real Prometheus
server (Debian's `prometheus`, started here on loopback with its own data
dir and port, scraping every second) while two dpdk-testpmd front ends pass
traffic through the switch:

* the page is well-formed: `promtool check metrics` passes on a scrape,
  a path other than /metrics is 404;
* Prometheus's totals per interface and direction (queried over its HTTP
  API) equal `show interface -j`'s, and its rate during the run is the
  sender's rate within a factor of two;
* across a graceful vhostd handover (`restart control`) the target stays
  up (up == 1 at every scrape) and the listening socket never refuses a
  connection (it is the same socket, kept in the vault); Prometheus sees
  the new generation and the handover counted;
* across a vhostd killed outright, a connection made while no vhostd runs
  is answered by its successor."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import dp_traffic as d
import vswtest as t

SEND_SECONDS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    """(status, content type, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


class Prometheus:
    def __init__(self, target):
        self.port = free_port()
        self.dir = os.path.join(t.workdir(), "prometheus")
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: vhostsw\n    static_configs:\n"
                    "      - targets: ['%s']\n" % target)
        self.proc = t.Proc(["prometheus", "--config.file=" + conf,
                            "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                            "--web.listen-address=127.0.0.1:%d" % self.port,
                            "--log.level=warn"],
                           os.path.join(t.workdir(), "prometheus.log"), name="prometheus",
                           cpus="0")
        self.proc.start()
        t.register_cleanup(lambda: self.proc.stop(10) if self.proc.alive() else None)
        t.wait_until(lambda: self._ready(), 60, 0.5, "prometheus ready")
        # Its discovery hands the target over some seconds after start.
        t.wait_until(lambda: self.one("up") == 1.0, 60, 0.5, "prometheus scraping vhostsw")

    def _ready(self):
        try:
            return http_get("http://127.0.0.1:%d/-/ready" % self.port, 2)[0] == 200
        except OSError:
            return False

    def query(self, expr, at=None):
        """The instant vector of expr: {frozenset(labels.items()): float}."""
        args = {"query": expr}
        if at is not None:
            args["time"] = "%.3f" % at
        status, _, body = http_get("http://127.0.0.1:%d/api/v1/query?%s"
                                   % (self.port, urllib.parse.urlencode(args)))
        r = json.loads(body)
        if status != 200 or r["status"] != "success":
            raise RuntimeError("prometheus query %s: %s" % (expr, body))
        if r["data"]["resultType"] == "matrix":  # a range: its raw samples
            return {frozenset(s["metric"].items()): s["values"] for s in r["data"]["result"]}
        return {frozenset(s["metric"].items()): float(s["value"][1]) for s in r["data"]["result"]}

    def one(self, expr, at=None):
        v = self.query(expr, at)
        return next(iter(v.values())) if len(v) == 1 else None

    def target_health(self):
        _, _, body = http_get("http://127.0.0.1:%d/api/v1/targets" % self.port)
        active = json.loads(body)["data"]["activeTargets"]
        return [(a["health"], a.get("lastError", "")) for a in active]


def check_page(url):
    status, ctype, body = http_get(url)
    t.check(status == 200 and ctype.startswith("text/plain; version=0.0.4"),
            "GET /metrics: %s %s" % (status, ctype))
    r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                       text=True, timeout=30)
    t.check(r.returncode == 0, "promtool check metrics passes: %s%s" % (r.stdout, r.stderr))
    for family in ("vhostsw_interface_packets_total", "vhostsw_worker_heartbeat_age_seconds",
                   "vhostsw_vhostd_generation", "vhostsw_l2fib_entries",
                   "vhostsw_interface_tso_in_total", "vhostsw_interface_sw_segmented_total"):
        t.check("# TYPE %s " % family in body, "the page has %s" % family)
    status, _, _ = http_get(url.replace("/metrics", "/other"))
    t.check(status == 404, "GET /other is 404 (%s)" % status)


def check_totals(sw, prom, names):
    """Prometheus's latest totals equal show interface's, per interface and
    direction (waiting for a scrape after the counters settled)."""
    def agree():
        want, got = {}, {}
        for n in names:
            c = d.iface_counters(sw, n)
            for direction in ("rx", "tx"):
                want[(n, direction)] = c[direction + "_packets"]
                want[(n, direction, "bytes")] = c[direction + "_bytes"]
        for metric, suffix in (("packets", ()), ("bytes", ("bytes",))):
            for labels, v in prom.query("sum by (interface, direction) "
                                        "(vhostsw_interface_%s_total)" % metric).items():
                lab = dict(labels)
                got[(lab["interface"], lab["direction"]) + suffix] = int(v)
        return (want, got) if want == got else None
    try:
        want, got = t.wait_until(agree, 20, 0.5, "prometheus totals equal show interface's")
    except TimeoutError:
        want, got = {}, {}
        print("totals disagree", flush=True)
    t.check(want and want == got, "prometheus totals %s equal show interface's" % got)
    return want


def check_handover(sw, prom, url):
    """up stays 1 and the port answers every connection across the
    handover."""
    gen = sw.version()["generation"]
    t0 = time.time()
    sw.ctl("restart", "control")
    answered = refused = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            answered += http_get(url, 5)[0] == 200
        except OSError as e:
            refused += 1
            print("scrape during handover failed: %s" % e, flush=True)
        try:
            v = sw.version()
            if v["generation"] > gen and v["pid"] == sw.vhostd_pid():
                break
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
    t.check(refused == 0 and answered > 0,
            "the port answered every connection across the handover (%d answered, %d failed)"
            % (answered, refused))
    time.sleep(3)  # a few scrapes after it
    t1 = time.time()
    window = int(t1 - t0) + 2
    ups = prom.query("count_over_time(up[%ds])" % window)
    mins = prom.query("min_over_time(up[%ds])" % window)
    print("handover: %s scrapes, min up %s" % (list(ups.values()), list(mins.values())),
          flush=True)
    t.check(list(mins.values()) == [1.0] and list(ups.values())[0] >= window - 2,
            "target up at every scrape across the handover (%s)" % mins)
    t.check(all(h == "up" for h, _ in prom.target_health()),
            "target healthy: %s" % prom.target_health())
    t.wait_until(lambda: prom.one("vhostsw_vhostd_handovers_total") == 1.0, 10, 0.5,
                 "prometheus sees one handover")
    t.check(prom.one("vhostsw_vhostd_generation") == gen + 1,
            "prometheus sees generation %d" % (gen + 1))


def check_kill(sw, url):
    """A connection made while vhostd is dead waits in the kept socket's
    backlog and is answered by the successor."""
    gen = sw.version()["generation"]
    os.kill(sw.vhostd_pid(), 9)
    time.sleep(0.05)
    status, _, body = http_get(url, 30)
    t.check(status == 200 and "vhostsw_vhostd_generation" in body,
            "a scrape across a killed vhostd is answered (%s)" % status)
    sw.wait_generation(gen)


def main():
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            print("SKIP: %s not installed (tools/install-deps.sh)" % tool)
            raise SystemExit(77)
    t.hugepages_ensure()
    mport = free_port()
    url = "http://127.0.0.1:%d/metrics" % mport
    socks = [os.path.join(t.workdir(), "vm%d.sock" % i) for i in (1, 2)]
    sw = t.Switch("sw", workers=[1], interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks])
    conf = sw.conf_text().replace(
        "vhost {\n", "vhost {\n  rx-retry on\n  rx-retry-delay 1000\n  rx-retry-num 1024\n", 1)
    sw.start(conf=conf + "metrics {\n  listen 127.0.0.1:%d\n}\n" % mport)
    names = [i["name"] for i in sw.ctl("show", "interface", json=True)["interfaces"]]
    check_page(url)
    prom = Prometheus("127.0.0.1:%d" % mport)

    # The testpmds busy-poll on CPU 0, beside vhostd and Prometheus: niced,
    # so that scrapes are answered within their 1 s timeout.
    rx = d.testpmd("rx", socks[1], 0, 1, 1, "rxonly", nice=10)
    tx = d.testpmd("tx", socks[0], 0, 1, 1, "txonly", nice=10)
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, 1), 20, 0.3, "%s vrings" % name)
    time.sleep(0.5)
    before = d.iface_counters(sw, names[1])
    d.start_traffic(tx, rx)
    t_start = time.time()
    time.sleep(SEND_SECONDS)
    t_end = time.time()
    sent = d.stop_and_count(sw, "metrics", tx, rx, names, before, SEND_SECONDS)
    want = check_totals(sw, prom, names)
    t.check(want.get((names[1], "tx"), 0) >= sent, "totals include the %d frames sent" % sent)

    # The rate over the sending period, as Prometheus computes it from its
    # scrapes, against the sender's own average over the same period.
    series = 'vhostsw_interface_packets_total{interface="%s",direction="tx"}' % names[1]
    rate = prom.one("sum(rate(%s[%ds]))" % (series, SEND_SECONDS), at=t_end)
    avg = sent / (t_end - t_start)
    print("prometheus rate %s pps over the run, sender's average %.0f pps" % (rate, avg),
          flush=True)
    if rate is None:
        print("its samples: %s" % prom.query("%s[%ds]" % (series, SEND_SECONDS + 2), at=t_end),
              flush=True)
    t.check(rate is not None and avg / 2 < rate < avg * 2,
            "prometheus rate %s pps near the sender's %.0f pps" % (rate, avg))
    rx.quit()
    tx.quit()

    check_handover(sw, prom, url)
    check_page(url)
    check_kill(sw, url)
    sw.stop()


t.main(main)
