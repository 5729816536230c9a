"""guest: a QEMU guest (TCG) with a vhost-user virtio-net NIC, booted from
the project's guest image and driven through its serial console and QMP."""

import codecs
import json
import os
import random
import re
import select
import socket
import time
import zlib

from harness import (GuestError, Proc, TestFailure, check, guest_dir, log_tail,
                     register_log, wait_until, workdir)

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"       # CSI (colours, ESC[6n, ...)
                   r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
                   r"|\x1b[()][0-9A-Za-z]"          # charset selection
                   r"|\x1b[@-Z\\-_=>]")             # other 2-byte escapes
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")    # \r, BEL, ... (keeps \n \t)
# What busybox's sh prints when init (re)starts the console shell.
_SHELL_BANNER = "built-in shell (ash)"


class Guest:
    """A QEMU (TCG) guest from guest_dir() with one vhost-user virtio-net NIC
    (eth0) on socket `sock`, and a root shell on its serial console.

    server=True: QEMU is the vhost-user server (creates sock; the switch
    connects). server=False: QEMU connects as client with reconnect=1.
    NOTE: as a client, QEMU does not boot the guest until the backend on
    sock has accepted and answered the vhost-user handshake.

    ip: "10.0.0.1/24" configures eth0 (optional). queues>1 enables
    multiqueue; the guest kernel only uses min(vCPUs, queues) queue pairs
    (no ethtool in busybox), so smp defaults to queues. cpus: taskset list
    for QEMU (None = unpinned). ipv6=False disables IPv6 in the guest so the
    link carries no unsolicited DAD/RS/MLD packets. share=False: plain
    anonymous guest RAM, no shared memory backend (a setup mistake vhost-user
    cannot work with). nice: QEMU's niceness
    (e.g. -10 so that a guest sharing a CPU with the switch's control plane
    is not starved while it restarts), None to leave it. device_opts /
    netdev_opts: more virtio-net-pci / vhost-user netdev properties, e.g.
    "packed=on,mrg_rxbuf=off". slots / maxmem: room for memory hotplug
    (`-m mem,slots=N,maxmem=SIZE`; DIMMs are added over QMP)."""

    def __init__(self, name, sock, server=False, mac=None, ip=None, mem="256M",
                 queues=1, cpus="0", smp=None, ipv6=False, append="", extra_args=(),
                 nice=None, share=True, device_opts="", netdev_opts="", slots=None,
                 maxmem=None):
        self.name = name
        self.share = share
        self.sock = sock
        self.server = server
        self.mac = mac or self._mac_for(name)
        self.ip = ip
        self.mem = mem
        self.queues = int(queues)
        self.smp = int(smp or self.queues)
        self.cpus = cpus
        self.ipv6 = ipv6
        self.append = append
        self.extra_args = list(extra_args)
        self.nice = nice
        self.device_opts = device_opts
        self.netdev_opts = netdev_opts
        self.slots = slots
        self.maxmem = maxmem
        base = os.path.join(workdir(), name)
        self.console_path = base + ".con"
        self.qmp_path = base + ".qmp"
        self.log = base + ".qemu.log"
        self.console_log = base + ".console.log"
        self.proc = None
        self.boot_seconds = None
        self._con = None
        self._decoder = None
        self._pending = ""
        self._text = ""
        self._seq = 0
        self._echo = True
        self._t_start = None

    @staticmethod
    def _mac_for(name):
        """Stable locally administered MAC from the guest name."""
        h = zlib.crc32(name.encode()) & 0xFFFFFF
        return "52:54:00:%02x:%02x:%02x" % (h >> 16, (h >> 8) & 0xFF, h & 0xFF)

    def qemu_argv(self):
        """The full QEMU command line (without taskset)."""
        gdir = guest_dir()
        append = "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off"
        if self.ip:
            append += " vsw.ip=%s" % self.ip
        if not self.ipv6:
            append += " vsw.ipv6=0"
        if self.append:
            append += " " + self.append
        if self.server:
            nic_chardev = "socket,id=c0,path=%s,server=on,wait=off" % self.sock
        else:
            nic_chardev = "socket,id=c0,path=%s,reconnect=1" % self.sock
        netdev = "vhost-user,id=n0,chardev=c0"
        device = "virtio-net-pci,netdev=n0,mac=%s,vectors=0" % self.mac
        if self.queues > 1:
            netdev += ",queues=%d" % self.queues
            device += ",mq=on"
        if self.device_opts:
            device += "," + self.device_opts
        if self.netdev_opts:
            netdev += "," + self.netdev_opts
        return [
            "qemu-system-x86_64", "-name", self.name,
            "-accel", "tcg", "-machine", "pc", "-nodefaults", "-no-user-config",
            "-display", "none", "-no-reboot",
            "-m", self.mem + (",slots=%d,maxmem=%s" % (self.slots, self.maxmem)
                              if self.slots else ""),
            "-smp", str(self.smp),
        ] + ([
            "-object", "memory-backend-memfd,id=mem,size=%s,share=on" % self.mem,
            "-numa", "node,memdev=mem",
        ] if self.share else []) + [
            "-kernel", os.path.join(gdir, "vmlinuz"),
            "-initrd", os.path.join(gdir, "initrd.img"),
            "-append", append,
            # wait=on: QEMU waits for the harness before running the guest,
            # so no console output is lost.
            "-chardev", "socket,id=con0,path=%s,server=on,wait=on" % self.console_path,
            "-serial", "chardev:con0",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-chardev", nic_chardev,
            "-netdev", netdev,
            "-device", device,
        ] + self.extra_args

    @property
    def pid(self):
        return self.proc.pid if self.proc and self.proc.alive() else None

    def alive(self):
        return bool(self.proc and self.proc.alive())

    def start(self, timeout=20):
        """Starts QEMU and connects to its serial console. Restartable after
        kill()/stop() with the same socket."""
        if self.alive():
            raise RuntimeError("guest %s already running" % self.name)
        self._close_console()
        for path in (self.console_path, self.qmp_path):
            if os.path.exists(path):
                os.unlink(path)
        self._pending, self._text, self._echo = "", "", True
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.boot_seconds = None
        register_log(self.name + " console", self.console_log)
        with open(self.console_log, "a") as f:
            f.write("\n### %s start\n" % time.strftime("%H:%M:%S"))
        argv = self.qemu_argv()  # may build the guest image first
        if self.nice is not None:
            argv = ["nice", "-n", str(self.nice)] + argv
        self._t_start = time.monotonic()
        self.proc = Proc(argv, self.log, name="qemu-" + self.name, cpus=self.cpus).start()

        def connect():
            if not self.proc.alive():
                raise GuestError("QEMU %s exited with %s:\n%s"
                                 % (self.name, self.proc.returncode, log_tail(self.log)))
            if not os.path.exists(self.console_path):
                return None
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.console_path)
            except OSError:
                s.close()
                return None
            return s

        self._con = wait_until(connect, timeout, 0.05,
                               "QEMU %s console socket %s" % (self.name, self.console_path))
        self._con.setblocking(False)
        return self

    # -- console -----------------------------------------------------------

    def _close_console(self):
        if self._con is not None:
            try:
                self._con.close()
            except OSError:
                pass
            self._con = None

    def _clean(self, text):
        return _CTRL.sub("", _ANSI.sub("", text))

    def _feed(self, data):
        """Decodes console bytes, drops ANSI escapes and control chars
        (keeping an escape split across reads for the next call)."""
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        esc = text.rfind("\x1b")
        if esc >= 0 and len(text) - esc < 64 and not _ANSI.match(text, esc):
            text, self._pending = text[:esc], text[esc:]
        clean = self._clean(text)
        self._text += clean
        with open(self.console_log, "a") as f:
            f.write(clean)

    def _read_some(self, timeout):
        """Reads what the console has within timeout; raises GuestError if
        QEMU died or closed the console."""
        if self._con is None:
            raise GuestError("guest %s is not running" % self.name)
        ready, _, _ = select.select([self._con], [], [], max(0.0, timeout))
        if not ready:
            if not self.proc.alive():
                raise GuestError("QEMU %s exited with %s; log:\n%s"
                                 % (self.name, self.proc.returncode, log_tail(self.log)))
            return False
        try:
            data = self._con.recv(65536)
        except BlockingIOError:
            return False
        if not data:
            try:
                self.proc.wait(5)
            except TimeoutError:
                pass
            raise GuestError("guest %s console closed (QEMU exit status %s); log:\n%s"
                             % (self.name, self.proc.returncode, log_tail(self.log)))
        self._feed(data)
        return True

    def expect(self, regex, timeout=30, start=0):
        """Reads the console until regex matches in the text after offset
        `start` of console_text(); returns the match."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self._text, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("guest %s: no %r on the console within %ss; last output:\n%s"
                                   % (self.name, regex, timeout, self._text[-1500:]))
            self._read_some(min(left, 0.5))

    def write(self, text):
        """Types text on the serial console (QEMU applies back-pressure)."""
        if self._con is None:
            raise GuestError("guest %s is not running" % self.name)
        data = text.encode()
        deadline = time.monotonic() + 30
        while data:
            _, writable, _ = select.select([], [self._con], [], 1.0)
            if writable:
                try:
                    data = data[self._con.send(data):]
                except BlockingIOError:
                    pass
            elif time.monotonic() > deadline or not self.proc.alive():
                raise GuestError("guest %s console does not accept input" % self.name)
            # keep draining output so QEMU never blocks on a full socket
            while self._read_some(0):
                pass

    def console_text(self):
        """Console text not yet consumed by wait_ready()/run() (the whole
        transcript of every boot is in the file self.console_log)."""
        return self._text

    def wait_ready(self, timeout=90):
        """Waits for VSW-GUEST-READY, then turns the console into a quiet
        command channel (stty -echo disables busybox line editing and echo;
        no prompt; no job control). Sets boot_seconds."""
        how = "" if self.server else (
            " (QEMU as vhost-user client does not boot until the backend at %s answers)"
            % self.sock)
        try:
            m = self.expect(r"VSW-GUEST-READY[^\n]*\n|VSW-GUEST-NO-ETH0|VSW-GUEST-ERROR[^\n]*"
                            r"|Kernel panic[^\n]*", timeout)
        except TimeoutError as exc:
            raise GuestError("guest %s not ready within %ss%s: %s" % (self.name, timeout, how, exc)) from None
        if not m.group(0).startswith("VSW-GUEST-READY"):
            raise GuestError("guest %s failed to boot: %s\nconsole:\n%s"
                             % (self.name, m.group(0).strip(), self._text[-3000:]))
        self.boot_seconds = time.monotonic() - self._t_start
        tok = self._token()
        self.write("stty -echo; set +m; PS1=''; PS2=''; unset ENV\n")
        self.write('echo VSW""S%s\n' % tok)
        m = self.expect(r"VSWS%s\n" % tok, 20)
        probe = self._token()
        self.write('echo VSW""P%s\n' % probe)
        m2 = self.expect(r"VSWP%s\n" % probe, 20, m.end())
        self._echo = ('VSW""P%s' % probe) in self._text[m.end():m2.start()]
        self._text = self._text[m2.end():]
        return self.boot_seconds

    def _token(self):
        self._seq += 1
        return "%d_%x" % (self._seq, random.getrandbits(32))

    def run(self, cmd, timeout=30):
        """Runs a shell command in the guest; returns (output, exit status).
        stdin of cmd is /dev/null; cmd may be several lines (each < 4000
        bytes: tty line limit). A background job (`cmd &`) must redirect its
        output or it will show up in later commands' output. On timeout sends
        Ctrl-C and raises TimeoutError with the partial output."""
        if any(len(line) > 4000 for line in cmd.splitlines()):
            raise ValueError("guest command line longer than 4000 bytes")
        tok = self._token()
        sent = ["{ " + cmd] if "\n" not in cmd else ["{ " + cmd.splitlines()[0]] + cmd.splitlines()[1:]
        sent.append('} </dev/null; echo VSW""E%s:$?' % tok)
        start = len(self._text)
        self.write('echo VSW""B%s\n' % tok + "\n".join(sent) + "\n")
        try:
            b = self.expect(r"VSWB%s\n" % tok, timeout, start)
            e = self.expect(r"VSWE%s:(\d+)\n" % tok, max(1.0, timeout), b.end())
        except TimeoutError:
            partial = self._text[start:]
            self.write("\x03")
            raise TimeoutError("guest %s: command %r did not finish within %ss; output so far:\n%s"
                               % (self.name, cmd, timeout, partial[-2000:])) from None
        out = self._text[b.end():e.start()]
        respawned = _SHELL_BANNER in self._text[:e.start()]
        self._text = self._text[e.end():]
        if respawned:
            raise GuestError(
                "guest %s: its console shell exited and init started another (prompt and echo "
                "back on: command output is unusable). A job of the console shell that ends "
                "while it waits for input takes it down: start background jobs with spawn()"
                % self.name)
        if self._echo:
            out = self._strip_echo(out, sent)
        if out.endswith("\n"):
            out = out[:-1]
        return out, int(e.group(1))

    @staticmethod
    def _strip_echo(out, sent):
        """Drops lines that are the tty's echo of what we typed."""
        todo = [s.strip() for s in sent if s.strip()]
        kept = []
        for line in out.split("\n"):
            hit = next((s for s in todo if line.rstrip().endswith(s)), None)
            if hit is not None:
                todo.remove(hit)
            else:
                kept.append(line)
        return "\n".join(kept)

    def wait_link(self, up=True, timeout=15, dev="eth0"):
        """Waits until <dev> operstate is "up" (or not "up" if up=False).
        The carrier comes asynchronously after VSW-GUEST-READY: only once the
        vhost-user backend has started the device (and the kernel's link
        watch ran), so call this before sending traffic."""
        want = "up" if up else "down"

        def probe():
            out, _ = self.run("cat /sys/class/net/%s/operstate" % dev)
            return (out.strip() == "up") == up

        wait_until(probe, timeout, 0.2, "guest %s %s operstate %s" % (self.name, dev, want))

    def run_ok(self, cmd, timeout=30):
        """run() that raises TestFailure unless the exit status is 0;
        returns the output."""
        out, rc = self.run(cmd, timeout)
        if rc != 0:
            check(False, "guest %s: %r exited %d:\n%s" % (self.name, cmd, rc, out))
        return out

    def spawn(self, cmd, out="/dev/null"):
        """Starts cmd in the background with its output in the guest file
        `out`, detached from the console shell: when a job of its own ends,
        busybox's sh exits (init starts a fresh one, prompt and echo back
        on), so the job runs in a subshell that exits at once."""
        self.run_ok("(%s >%s 2>&1 </dev/null &)" % (cmd, out))

    def counters(self, dev="eth0"):
        """The guest's /sys/class/net/<dev>/statistics as {name: int}."""
        out = self.run_ok("cd /sys/class/net/%s/statistics && grep . *; cd /" % dev)
        stats = {}
        for line in out.splitlines():
            key, _, value = line.partition(":")
            if value.strip().isdigit():
                stats[key.strip()] = int(value)
        return stats

    def qmp(self, command, **arguments):
        """Runs one QMP command (e.g. qmp("set_link", name="n0", up=False))
        and returns its "return" value; raises RuntimeError on error."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.qmp_path)
            f = s.makefile("rwb")

            def reply():
                while True:
                    line = f.readline()
                    if not line:
                        raise GuestError("QMP connection closed")
                    msg = json.loads(line)
                    if "return" in msg or "error" in msg:
                        return msg

            json.loads(f.readline())  # greeting
            for cmd in ({"execute": "qmp_capabilities"},
                        {"execute": command, "arguments": arguments}):
                f.write(json.dumps(cmd).encode() + b"\n")
                f.flush()
                msg = reply()
                if "error" in msg:
                    raise RuntimeError("QMP %s: %s" % (cmd["execute"], msg["error"]))
            return msg["return"]

    def log_text(self):
        """QEMU's own stdout/stderr (not the guest console)."""
        return self.proc.log_text() if self.proc else ""

    def kill(self):
        """SIGKILL QEMU by pid (a crash, for reconnect tests)."""
        self._close_console()
        if self.proc:
            self.proc.kill()

    def stop(self, timeout=10):
        """Stops QEMU (SIGTERM, SIGKILL after timeout)."""
        self._close_console()
        if self.proc:
            self.proc.stop(timeout)


def nc_stream(tx, rx, rx_ip, port, timeout=500):
    """tx's /tmp/data sent with busybox nc to rx_ip:port, where rx listens
    and hashes what arrives: (rx's sha256, seconds the sender took); raises
    TimeoutError when no hash comes within 60 s of the sender's end. The
    listener's stdin stays open (busybox nc half-closes the connection when
    its stdin ends, and the sender would stop early); it is no job of rx's
    console shell (spawn: a job's end takes that shell down); the hash goes
    to a file that appears once complete, read as the hash alone (after a
    fast stream the console was seen echoing a continuation prompt first)."""
    rx.run_ok("rm -f /tmp/rx.sum; echo 'sha256sum > /tmp/rx.tmp && mv /tmp/rx.tmp /tmp/rx.sum'"
              " > /tmp/hash.sh")
    rx.spawn("sh -c 'sleep 100000 | nc -l -p %d | sh /tmp/hash.sh'" % port)
    time.sleep(1)  # the listener is up
    start = time.monotonic()
    tx.run_ok("nc %s %d < /tmp/data" % (rx_ip, port), timeout=timeout)
    secs = time.monotonic() - start

    def received():
        out, rc = rx.run("cat /tmp/rx.sum 2>/dev/null")
        m = re.search(r"\b[0-9a-f]{64}\b", out)
        return m.group(0) if rc == 0 and m else None

    got = wait_until(received, 60, 0.5, "%s's sha256 of the stream" % rx.name)
    rx.run("kill $(pidof sleep) 2>/dev/null")
    return got, secs
