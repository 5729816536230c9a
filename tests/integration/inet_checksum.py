"""The Internet checksum (RFC 1071), for the test's own ICMP and IP
packets (ns_ping.py, vlan_host.py)."""

import struct


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF
