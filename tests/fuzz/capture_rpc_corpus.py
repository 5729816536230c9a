#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_rpc_request: the bytes vhost-ctl really
sends for a set of commands, captured by standing in for vhostd's REP
socket on an ipc:// endpoint (the SP handshake, then one message: a 64-bit
length and a body led by the request id). Usage:
capture_rpc_corpus.py VHOST_CTL OUT_DIR"""
import os
import socket
import struct
import subprocess
import sys
import tempfile

COMMANDS = [
    "show version", "show interface", "show interface VirtualEthernet0/0/0",
    "show vhost-user", "show vhost-user VirtualEthernet0/0/3 VirtualEthernet0/0/1 descriptors",
    "show workers", "show log", "show uplink", "show bridge-domain", "show bridge-domain 7",
    "show l2fib", "show l2fib bd 5 verbose",
    "create vhost-user socket /run/vhostsw/vm3.sock server mode 0660 group root owner root "
    "hwaddr 02:fe:00:00:00:0a feature-mask 0x40000000 renumber 9",
    "create vhost-user socket /tmp/c.sock",
    "delete vhost-user VirtualEthernet0/0/3",
    "set interface state VirtualEthernet0/0/0 up", "set interface state VirtualEthernet0/0/0 down",
    "set interface rx-placement VirtualEthernet0/0/0 queue 1 worker 0",
    "set interface l2 bridge VirtualEthernet0/0/0 5", "set interface l3 VirtualEthernet0/0/0",
    "set interface vlan VirtualEthernet0/0/0 100",
    "create bridge-domain 5 learn off aging 0", "delete bridge-domain 5",
    "set logging class vhost-user level debug", "debug vhost-user on",
    "restart control", "restart control binary /usr/lib/vhostsw/vhostd",
    "set interface ip address net_tap0 192.0.2.1/24", "show ip neighbors",
    "create vxlan tunnel src 192.0.2.1 dst 198.51.100.7 vni 16777215 instance 3",
    "create vxlan tunnel src 192.0.2.1 dst 198.51.100.7 vni 10 del", "show vxlan tunnel",
    "ip route add 198.51.100.0/24 via 192.0.2.254", "ip route del 0.0.0.0/0",
    "show ip fib", "set ip neighbor-config ip4 age 3600",
]


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def capture(ctl, words):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "cli.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(5)
        proc = subprocess.Popen([ctl, "-s", "ipc://" + path] + words,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # vhost-ctl may connect once to probe the endpoint before it sends.
            for _ in range(4):
                conn, _ = srv.accept()
                conn.settimeout(5)
                try:
                    conn.sendall(b"\x00SP\x00" + struct.pack(">HH", 0x31, 0))
                    recv_exact(conn, 8)
                    recv_exact(conn, 1)
                    n = struct.unpack(">Q", recv_exact(conn, 8))[0]
                    return recv_exact(conn, n)[4:]  # after the request id
                except (ConnectionError, OSError):
                    continue
                finally:
                    conn.close()
            raise RuntimeError("vhost-ctl %s sent no request" % " ".join(words))
        finally:
            proc.kill()
            proc.wait()
            srv.close()


def main():
    ctl, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for i, cmd in enumerate(COMMANDS):
        data = capture(ctl, cmd.split())
        name = "%02d-%s" % (i, "-".join(w for w in cmd.split()[:3] if "/" not in w))
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%-40s %4d bytes" % (name, len(data)))


main()
