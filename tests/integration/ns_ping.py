#!/usr/bin/env python3
"""ping for the test namespaces (the host has no ping binary): COUNT ICMP
echo requests to ADDR, one every INTERVAL seconds, each answered within
WAIT seconds or lost; prints a summary in iputils' words.

    ns_ping.py [-s SIZE] ADDR COUNT INTERVAL WAIT [DEVICE]

SIZE: bytes of ICMP data (56 unless given), as ping -s. DEVICE binds the
socket to that netdev (SO_BINDTODEVICE), as ping -I."""

import os
import select
import socket
import struct
import sys
import time

from inet_checksum import checksum


def echo(ident, seq, size):
    payload = struct.pack("!d", time.monotonic()) + bytes(max(size - 8, 0))
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, checksum(head + payload), ident, seq) + payload


def main():
    size = 56
    if sys.argv[1] == "-s":
        size = int(sys.argv[2])
        del sys.argv[1:3]
    addr, count, interval, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if len(sys.argv) > 5:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[5].encode())
    ident = os.getpid() & 0xFFFF
    got = set()
    for seq in range(count):
        sock.sendto(echo(ident, seq, size), (addr, 0))
        deadline = time.monotonic() + (wait if seq == count - 1 else interval)
        # Replies may come late: keep collecting until the last one's wait.
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                break
            data, src = sock.recvfrom(65536)
            ihl = (data[0] & 0xF) * 4
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ == 0 and rid == ident and src[0] == addr:
                got.add(rseq)
            if len(got) == count:
                break
    loss = 100 * (count - len(got)) // count
    print("%d packets transmitted, %d received, %d%% packet loss" % (count, len(got), loss))
    return 0 if len(got) == count else 1


sys.exit(main())
