#!/usr/bin/env python3
"""vhost-ctl against a running switch: create and delete interfaces, `show
vhost-user` as text and as JSON (idle, and with a DPDK virtio-user front
end attached), a socket created with owner/group/mode,
admin state, logging, version, bad arguments (exit 2, one line, nothing
sent), errors from vhostd (exit 1, one line), malformed requests sent raw
(an error reply, vhostd keeps serving), and the retry while vhostd restarts
(SIGHUP to the supervisor moves the RPC endpoint).
"""

import grp
import json
import os
import pwd
import re
import signal
import socket
import stat
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402

CTL = os.path.join(t.build_dir(), "tools", "ctl", "vhost-ctl")
SUPERVISOR = os.path.join(t.build_dir(), "tools", "supervisor", "vhost-supervisor")


def start_switch(wd):
    """Supervisor (and so vhostd and one worker) from a config of our own:
    runtime dir, RPC endpoint and DPDK prefix all private to this run."""
    run = os.path.join(wd, "run")
    prefix = t.unique("sw")
    conf = os.path.join(wd, "startup.conf")
    with open(conf, "w") as f:
        f.write("unix { runtime-dir %s cli-listen ipc://%s/cli.sock }\n" % (run, run))
        f.write("cpu { main-core 0 corelist-workers 1 }\n")
        f.write("dpdk { huge-dir /dev/hugepages socket-mem 64 file-prefix %s "
                "num-mbufs 2048 }\n" % prefix)
        f.write("logging { default-log-level info }\n")
    t.register_cleanup(lambda: t.dpdk_cleanup_prefix(prefix))
    sup = t.Proc([SUPERVISOR, "-c", conf], os.path.join(wd, "supervisor.log"),
                 name="vhost-supervisor").start()
    return sup, "ipc://%s/cli.sock" % run


def ctl(endpoint, *words, json_out=False):
    """Runs vhost-ctl; returns (exit status, stdout, stderr)."""
    argv = [CTL, "-s", endpoint] + (["-j"] if json_out else []) + list(words)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def ctl_ok(endpoint, *words, json_out=False):
    rc, out, err = ctl(endpoint, *words, json_out=json_out)
    t.check(rc == 0, "vhost-ctl %s: exit 0 (%s)" % (" ".join(words), err.strip()))
    return json.loads(out) if json_out else out


def ctl_fails(endpoint, words, status, message):
    """The command fails with status and exactly one stderr line, message."""
    rc, out, err = ctl(endpoint, *words)
    cmd = " ".join(words)
    t.check(rc == status, "vhost-ctl %s: exit %d (got %d)" % (cmd, status, rc))
    t.check(err == "vhost-ctl: %s\n" % message,
            "vhost-ctl %s: says %r (got %r)" % (cmd, message, err))
    t.check(out == "", "vhost-ctl %s: prints nothing on stdout" % cmd)


def names(endpoint):
    return [i["name"] for i in ctl_ok(endpoint, "show", "vhost-user", json_out=True)["interfaces"]]


def test_create_show_delete(ep, wd):
    path = os.path.join(wd, "a.sock")
    name = ctl_ok(ep, "create", "vhost-user", "socket", path, "server").strip()
    t.check(re.fullmatch(r"VirtualEthernet0/0/\d+", name) is not None,
            "create prints the new name (%r)" % name)
    t.check(stat.S_ISSOCK(os.stat(path).st_mode), "server socket %s exists" % path)

    text = ctl_ok(ep, "show", "vhost-user", name)
    for line in ("Virtio vhost-user interfaces",
                 " features mask (0xffffffffffffffff)",
                 " features (0x0)",
                 ' socket filename %s type server errno "Success"' % path,
                 " Memory regions (total 0)"):
        t.check(line + "\n" in text, "show vhost-user has %r" % line)
    t.check(re.search(r"^Interface: %s \(ifindex \d+\)$" % re.escape(name), text, re.M),
            "show vhost-user names the interface and its ifindex")

    doc = ctl_ok(ep, "show", "vhost-user", name, json_out=True)
    ifc = doc["interfaces"][0]
    t.check(len(doc["interfaces"]) == 1 and ifc["name"] == name, "-j: one interface, by name")
    t.check(ifc["socket"] == path and ifc["type"] == "server" and ifc["errno"] == 0,
            "-j: socket, type and errno")
    t.check(ifc["feature_mask"] == (1 << 64) - 1, "-j: feature mask is all ones")
    t.check(ifc["virtqueues"] == [] and ifc["memory_regions"] == [],
            "-j: no front end, so no virtqueue and no memory region")

    # Admin state round trip through show interface.
    ctl_ok(ep, "set", "interface", "state", name, "up")
    doc = ctl_ok(ep, "show", "interface", name, json_out=True)
    t.check(doc["interfaces"][0]["admin"] == "up", "set interface state up shows as up")
    t.check(doc["interfaces"][0]["link"] == "down", "no front end: link down")
    ctl_ok(ep, "set", "interface", "state", name, "down")

    ctl_ok(ep, "delete", "vhost-user", name)
    t.check(name not in names(ep), "deleted interface is gone from show")
    ctl_fails(ep, ["delete", "vhost-user", name], 1, "unknown interface '%s'" % name)
    ctl_fails(ep, ["show", "vhost-user", "VirtualEthernet0/0/99"], 1,
              "unknown interface 'VirtualEthernet0/0/99'")

    # Delete by sw_if_index too.
    name = ctl_ok(ep, "create", "vhost-user", "socket", path, "server").strip()
    idx = ctl_ok(ep, "show", "interface", name, json_out=True)["interfaces"][0]["sw_if_index"]
    ctl_ok(ep, "delete", "vhost-user", "sw_if_index", str(idx))
    t.check(name not in names(ep), "delete by sw_if_index %d" % idx)


def test_front_end(ep, wd):
    """With a DPDK virtio-user front end attached, show vhost-user has the
    negotiated features by name, the memory table, each virtqueue with the
    guest's ring indices (as its worker publishes them: vhostd maps no guest
    memory), and no dataplane fault; `descriptors` is no longer an option."""
    path = os.path.join(wd, "fe.sock")
    name = ctl_ok(ep, "create", "vhost-user", "socket", path, "server").strip()
    tp = t.Testpmd(t.unique("fe"), vdevs=["net_virtio_user0,path=%s,queues=1" % path]).start()

    def rings_up():
        ifc = ctl_ok(ep, "show", "vhost-user", name, json_out=True)["interfaces"][0]
        vqs = ifc["virtqueues"]
        ready = len(vqs) >= 2 and all(q["enabled"] and q["qsz"] > 0 for q in vqs[:2])
        return ifc if ready and ifc["memory_regions"] else None

    ifc = t.wait_until(rings_up, 30, 0.5, "%s: two enabled virtqueues and a memory table" % name)
    t.check(ifc["conn_state"] == "connected", "-j: connected")
    bits = {b["name"] for b in ifc["feature_bits"]}
    t.check("VIRTIO_F_VERSION_1" in bits, "-j: VIRTIO_F_VERSION_1 negotiated, by name")
    t.check([q["direction"] for q in ifc["virtqueues"][:2]] == ["RX", "TX"],
            "-j: virtqueue 0 is RX, 1 is TX")
    t.wait_until(lambda: ctl_ok(ep, "show", "vhost-user", name, json_out=True)
                 ["interfaces"][0]["virtqueues"][0]["avail_idx"] is not None, 10, 0.2,
                 "-j: avail.idx published by the owning worker")
    t.check(ifc["fault"] is None and ifc["call_stalls"] == 0 and ifc["mem_faults"] == 0,
            "-j: no dataplane fault, none counted")

    text = ctl_ok(ep, "show", "vhost-user", name)
    q0 = ifc["virtqueues"][0]
    for pattern in (r"^   VIRTIO_F_VERSION_1 \(32\)$",
                    r"^ Memory regions \(total %d\)$" % len(ifc["memory_regions"]),
                    r"^ region fd    guest_phys_addr    memory_size        userspace_addr"
                    r"     mmap_offset$",
                    r"^  0     -?\d+ +0x[0-9a-f]{16} 0x[0-9a-f]{16} 0x[0-9a-f]{16} 0x[0-9a-f]{16}$",
                    r"^ Virtqueue 0 \(RX\) enabled$",
                    r"^ Virtqueue 1 \(TX\) enabled$",
                    r"^  qsz %d last_avail_idx \d+ last_used_idx \d+$" % q0["qsz"],
                    r"^  avail\.flags \d+ avail\.idx \d+ used\.flags \d+ used\.idx \d+$",
                    r"^  kickfd -?\d+ callfd -?\d+ errfd -?\d+$",
                    r"^ dataplane ok, call stalls 0, memory faults 0$",
                    r"^   vring 0 on worker \d+ \(lcore \d+\)$"):
        t.check(re.search(pattern, text, re.M) is not None,
                "show vhost-user matches %r" % pattern)
    t.check("descriptor" not in text, "show vhost-user dumps no descriptor table")
    tp.quit()
    ctl_ok(ep, "delete", "vhost-user", name)


def test_owner_group_mode(ep, wd):
    path = os.path.join(wd, "owned.sock")
    group = "nogroup"
    try:
        grp.getgrnam(group)
    except KeyError:
        group = "nobody"
    name = ctl_ok(ep, "create", "vhost-user", "socket", path, "server", "owner", "nobody",
                  "group", group, "mode", "0640").strip()
    st = os.stat(path)
    t.check(st.st_uid == pwd.getpwnam("nobody").pw_uid, "socket owned by nobody")
    t.check(st.st_gid == grp.getgrnam(group).gr_gid, "socket group is %s" % group)
    t.check(stat.S_IMODE(st.st_mode) == 0o640, "socket mode 0640 (got %o)" % stat.S_IMODE(st.st_mode))
    ctl_ok(ep, "delete", "vhost-user", name)
    ctl_fails(ep, ["create", "vhost-user", "socket", path, "owner", "no-such-user-x"], 1,
              "unknown user 'no-such-user-x'")


def test_json_escaping(ep, wd):
    """A socket path with a quote, a backslash and a non-ASCII letter still
    gives JSON that parses, with the path intact."""
    path = os.path.join(wd, 'q"b\\é.sock')
    name = ctl_ok(ep, "create", "vhost-user", "socket", path, "server").strip()
    doc = ctl_ok(ep, "show", "vhost-user", name, json_out=True)
    t.check(doc["interfaces"][0]["socket"] == path, "-j round-trips an odd socket path")
    ctl_ok(ep, "delete", "vhost-user", name)


def test_bad_arguments(ep, wd):
    before = names(ep)
    sock = os.path.join(wd, "bad.sock")
    cases = [
        (["create", "vhost-user", "socket", sock, "mode", "999"],
         "bad octal mode '999' for mode, expected e.g. 0660"),
        (["create", "vhost-user", "socket", sock, "feature-mask", "0xzz"],
         "bad hex value '0xzz' for feature-mask"),
        (["create", "vhost-user", "socket", sock, "hwaddr", "02:00:00:00:00"],
         "bad MAC address '02:00:00:00:00' for hwaddr, expected xx:xx:xx:xx:xx:xx"),
        (["create", "vhost-user", "socket", sock, "renumber"], "'renumber' needs a value <n>"),
        (["create", "vhost-user", "socket", sock, "frob"],
         "unknown word 'frob' in 'create vhost-user'"),
        (["create", "vhost-user", "server"], "'create vhost-user' needs 'socket <path>'"),
        (["set", "interface", "state", "VirtualEthernet0/0/0", "sideways"],
         "bad state 'sideways', expected up or down"),
        (["set", "logging", "class", "nope", "level", "debug"],
         "unknown log class 'nope', expected one of: general, config, vhost-user, rpc, "
         "vault, supervisor, dataplane"),
        (["show", "vhostuser"], "unknown word 'vhostuser' after 'show' (try 'vhost-ctl help')"),
        (["frobnicate"], "unknown command 'frobnicate' (try 'vhost-ctl help')"),
    ]
    for words, message in cases:
        ctl_fails(ep, words, 2, message)
    t.check(names(ep) == before, "rejected command lines created nothing")
    t.check(not os.path.exists(sock), "rejected create made no socket")


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def raw_request(path, payload, req_id=7):
    """One request as nanomsg's REQ socket frames it over ipc://: the SP
    header (protocol REQ 0x30, peer must be REP 0x31), then a message of
    type 1 with a 64-bit length and a body led by the request id. Returns
    the reply body after its request id."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(b"\x00SP\x00" + struct.pack(">HH", 0x30, 0))
        hdr = _recv_exact(s, 8)
        t.check(hdr[:4] == b"\x00SP\x00" and struct.unpack(">H", hdr[4:6])[0] == 0x31,
                "raw SP handshake with a REP socket")
        body = struct.pack(">I", 0x80000000 | req_id) + payload
        s.sendall(b"\x01" + struct.pack(">Q", len(body)) + body)
        _recv_exact(s, 1)
        n = struct.unpack(">Q", _recv_exact(s, 8))[0]
        reply = _recv_exact(s, n)
    finally:
        s.close()
    t.check(struct.unpack(">I", reply[:4])[0] == 0x80000000 | req_id, "reply has our request id")
    return reply[4:]


def test_malformed_requests(ep):
    """Bytes that are no Request get an error reply naming the problem and
    vhostd keeps serving."""
    path = ep[len("ipc://"):]
    cases = [(b"\xff\xff\xff", b"malformed request (3 bytes)"),
             (b"", b"empty request: no command"),
             (b"\x0a\x02\x10\x01", b"malformed request (4 bytes)"),  # create without socket
             (bytes(range(256)) * 8, b"malformed request (2048 bytes)")]
    for payload, message in cases:
        reply = raw_request(path, payload)
        t.check(message in reply, "raw %d-byte request answered with %r" % (len(payload), message))
    ctl_ok(ep, "show", "version")


def test_logging_version(ep):
    ctl_ok(ep, "set", "logging", "class", "rpc", "level", "debug")
    ctl_ok(ep, "debug", "vhost-user", "on")
    ctl_ok(ep, "debug", "vhost-user", "off")
    log = ctl_ok(ep, "show", "log", json_out=True)["lines"]
    t.check(any("log class rpc now at level debug" in line for line in log),
            "show log has the level change")
    ctl_ok(ep, "set", "logging", "class", "rpc", "level", "info")
    text = ctl_ok(ep, "show", "version")
    t.check(re.search(r"^vhostd \S+ generation \d+ pid \d+$", text, re.M) is not None,
            "show version names vhostd's generation and pid")
    helptext = ctl_ok(ep, "help")
    t.check("  create vhost-user socket <path> [server]" in helptext, "help lists create")


def test_restart_retry(ep, sup):
    """SIGHUP restarts vhostd; vhost-ctl must ride over the moment the RPC
    endpoint moves and then talk to the new generation."""
    before = ctl_ok(ep, "show", "version", json_out=True)
    sup.send_signal(signal.SIGHUP)
    after = t.wait_until(
        lambda: (lambda d: d if d["generation"] > before["generation"] else None)(
            ctl_ok(ep, "show", "version", json_out=True)),
        30, 0.2, "a new vhostd generation answering")
    t.check(after["pid"] != before["pid"], "new vhostd pid %d" % after["pid"])


def main():
    t.hugepages_ensure()
    t.dpdk_cleanup_stale()
    wd = t.workdir()
    sup, ep = start_switch(wd)

    def answering():
        if not sup.alive():
            raise RuntimeError("vhost-supervisor exited: %s" % sup.log_text()[-2000:])
        return ctl(ep, "show", "version")[0] == 0

    t.wait_until(answering, 60, 0.5, "vhost-ctl show version to answer")
    test_create_show_delete(ep, wd)
    test_front_end(ep, wd)
    test_owner_group_mode(ep, wd)
    test_json_escaping(ep, wd)
    test_bad_arguments(ep, wd)
    test_malformed_requests(ep)
    test_logging_version(ep)
    test_restart_retry(ep, sup)
    t.check(sup.stop(20) == 0, "vhost-supervisor stops cleanly on SIGTERM")
    rc, _, err = ctl(ep, "show", "version")
    t.check(rc == 1 and err.startswith("vhost-ctl: cannot connect to %s" % ep),
            "with the switch stopped vhost-ctl fails in one line (%r)" % err)


t.main(main)
