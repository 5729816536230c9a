"""testpmd: dpdk-testpmd as a vhost-user front end (net_virtio_user ports),
driven interactively through a fifo."""

import os
import re
import sys

from harness import (Proc, dpdk_cleanup_prefix, dpdk_cleanup_stale, hugepages_ensure,
                     log_tail, register_cleanup, wait_until, workdir)


class Testpmd:
    """Interactive dpdk-testpmd (`-i`, line-buffered through stdbuf), fed
    through a named fifo (<workdir>/<prefix>.fifo; you can also echo
    commands into it by hand) with its output in <workdir>/<prefix>.log.

    lcores: "0,1" = main lcore 0 + forwarding lcore 1. vdevs: e.g.
    ["net_vhost0,iface=/x.sock,client=0,queues=1"] or
    ["net_virtio_user0,path=/x.sock,queues=2,server=0"]. app_args: testpmd
    options after `--` (default --total-num-mbufs=8192). eal_args: extra EAL
    options. Always --no-pci --single-file-segments -m <mem_mb>."""

    def __init__(self, prefix, lcores="0,1", vdevs=(), app_args=None, eal_args=(),
                 mem_mb=128, binary="dpdk-testpmd"):
        self.prefix = prefix
        self.lcores = lcores
        self.vdevs = list(vdevs)
        self.app_args = ["--total-num-mbufs=8192"] if app_args is None else list(app_args)
        self.eal_args = list(eal_args)
        self.mem_mb = mem_mb
        self.binary = binary
        self.fifo = os.path.join(workdir(), prefix + ".fifo")
        self.log = os.path.join(workdir(), prefix + ".log")
        self.proc = None
        self._fifo_fd = None
        self._mark = 0
        register_cleanup(self._cleanup)

    def argv(self):
        """The full command line."""
        argv = ["stdbuf", "-oL", self.binary, "-l", str(self.lcores),
                "--file-prefix", self.prefix, "--no-pci", "--single-file-segments",
                "-m", str(self.mem_mb)]
        for vdev in self.vdevs:
            argv += ["--vdev", vdev]
        return argv + self.eal_args + ["--", "-i"] + self.app_args

    @property
    def pid(self):
        return self.proc.pid if self.proc and self.proc.alive() else None

    def alive(self):
        return bool(self.proc and self.proc.alive())

    def start(self, timeout=30):
        """Starts testpmd and waits for its first `testpmd> ` prompt."""
        if self.alive():
            raise RuntimeError("testpmd %s already running" % self.prefix)
        hugepages_ensure()
        dpdk_cleanup_stale()
        dpdk_cleanup_prefix(self.prefix)
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        os.mkfifo(self.fifo, 0o600)
        # We hold a read-write end so testpmd never sees EOF (EOF = quit).
        self._fifo_fd = os.open(self.fifo, os.O_RDWR)
        child_stdin = os.open(self.fifo, os.O_RDONLY)
        try:
            self._mark = self._size()
            self.proc = Proc(self.argv(), self.log, name="testpmd-" + self.prefix,
                             stdin=child_stdin).start()
        finally:
            os.close(child_stdin)
        try:
            self.wait_for(r"testpmd> ", timeout)
        except TimeoutError:
            raise RuntimeError("testpmd %s did not start:\n%s"
                               % (self.prefix, log_tail(self.log, 60))) from None
        return self

    def _size(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def output(self, since=0):
        """testpmd's output (from byte offset `since`)."""
        try:
            with open(self.log, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def mark(self):
        """Current end of the output, for wait_for(since=...)."""
        return self._size()

    def cmd(self, text):
        """Sends one command line; wait_for() then searches output after it."""
        if not self.alive():
            raise RuntimeError("testpmd %s is not running:\n%s" % (self.prefix, log_tail(self.log)))
        self._mark = self._size()
        os.write(self._fifo_fd, (text.rstrip("\n") + "\n").encode())

    def wait_for(self, regex, timeout=10, since=None):
        """Waits until regex matches testpmd's output after the last cmd()
        (or byte offset `since`); returns the match."""
        pattern = re.compile(regex)
        start = self._mark if since is None else since

        def probe():
            m = pattern.search(self.output(start))
            if m:
                return m
            if not self.alive():
                raise RuntimeError("testpmd %s exited (%s) while waiting for %r:\n%s"
                                   % (self.prefix, self.proc.returncode, regex, log_tail(self.log)))
            return None

        return wait_until(probe, timeout, 0.05, "testpmd %s output %r" % (self.prefix, regex))

    _STAT_KEYS = {
        "RX-packets": "rx_packets", "RX-missed": "rx_missed", "RX-bytes": "rx_bytes",
        "RX-errors": "rx_errors", "RX-nombuf": "rx_nombuf", "TX-packets": "tx_packets",
        "TX-errors": "tx_errors", "TX-bytes": "tx_bytes", "Rx-pps": "rx_pps",
        "Tx-pps": "tx_pps", "Rx-bps": "rx_bps", "Tx-bps": "tx_bps",
    }

    def port_stats(self, port=0, timeout=10):
        """`show port stats N` as a dict: rx_packets, rx_missed, rx_bytes,
        rx_errors, rx_nombuf, tx_packets, tx_errors, tx_bytes, rx_pps, tx_pps,
        rx_bps, tx_bps."""
        self.cmd("show port stats %d" % port)
        m = self.wait_for(r"(?s)#+ NIC statistics for port %d\s+#+\n(.*?)\n\s*#{20,}" % port,
                          timeout)
        stats = {}
        for key, value in re.findall(r"([RT]X-[a-z]+|[RT]x-[pb]ps):\s*(\d+)", m.group(1)):
            if key in self._STAT_KEYS:
                stats[self._STAT_KEYS[key]] = int(value)
        if "rx_packets" not in stats or "tx_packets" not in stats:
            raise RuntimeError("cannot parse testpmd port stats:\n%s" % m.group(0))
        return stats

    def quit(self, timeout=15):
        """`quit`, wait, SIGKILL after timeout; then removes hugepage files
        and /var/run/dpdk/<prefix>. Returns the exit status."""
        rc = None
        if self.alive():
            try:
                self.cmd("quit")
            except OSError:
                pass
            try:
                rc = self.proc.wait(timeout)
            except TimeoutError:
                sys.stderr.write("vswtest: testpmd %s ignored quit for %ss, killing\n"
                                 % (self.prefix, timeout))
                rc = self.proc.kill()
        self._cleanup()
        return rc

    def kill(self):
        """SIGKILL by pid, then the same file cleanup as quit()."""
        if self.proc:
            self.proc.kill()
        self._cleanup()

    def log_text(self):
        return self.output(0)

    def _cleanup(self):
        if self.alive():
            self.proc.kill()
        if self._fifo_fd is not None:
            os.close(self._fifo_fd)
            self._fifo_fd = None
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        dpdk_cleanup_prefix(self.prefix)


