#!/usr/bin/env python3
"""A host on VLAN <vid> of netdev DEV, in user space: this machine's kernel
has no 802.1Q support (no `ip link add ... type vlan`), so the uplink tests
stand in for a VLAN sub-interface with a raw AF_PACKET socket. It answers
ARP and ICMP echo for its address on that VLAN only, and with COUNT > 0
pings PEER (ARP first) and prints a summary in iputils' words.

    vlan_host.py DEV VID MAC IP PEER COUNT INTERVAL SECONDS [SIZE]

SIZE: bytes of ICMP data in its pings (32 unless given), as ping -s.
Runs SECONDS (answering) when COUNT is 0, else until its pings are done.
The kernel moves a received tag into packet metadata (auxdata); frames
sent carry the tag in their bytes."""

import select
import socket
import struct
import sys
import time

from inet_checksum import checksum

ETH_P_ALL, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP = 0x0003, 0x8100, 0x0806, 0x0800
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID, PACKET_OUTGOING = 263, 8, 1 << 4, 4
BCAST = b"\xff" * 6


class Host:
    def __init__(self, dev, vid, mac, ip):
        self.vid, self.mac, self.ip = vid, bytes.fromhex(mac.replace(":", "")), socket.inet_aton(ip)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.sock.bind((dev, 0))
        self.arp = {}
        self.replies = set()

    def send(self, dst, ethertype, payload):
        frame = dst + self.mac + struct.pack("!HHH", ETH_P_8021Q, self.vid, ethertype) + payload
        self.sock.send(frame + bytes(max(0, 60 - len(frame))))

    def send_arp(self, op, tha, tpa, dst):
        arp = struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, op) + self.mac + self.ip + tha + tpa
        self.send(dst, ETH_P_ARP, arp)

    def send_ip(self, dst_mac, dst_ip, icmp):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, self.ip, dst_ip)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        self.send(dst_mac, ETH_P_IP, ip + icmp)

    def frame(self, timeout):
        """(vid, ethertype, src mac, payload) of the next received frame."""
        if not select.select([self.sock], [], [], max(timeout, 0))[0]:
            return None
        data, anc, _, addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(32))
        if addr[2] == PACKET_OUTGOING or len(data) < 14:
            return (None, None, None, None)
        vid, etype, payload = 0, struct.unpack("!H", data[12:14])[0], data[14:]
        for level, kind, value in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 20:
                status, tci = struct.unpack("I", value[:4])[0], struct.unpack("H", value[16:18])[0]
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xFFF
        if etype == ETH_P_8021Q and len(payload) >= 4:
            vid = struct.unpack("!H", payload[:2])[0] & 0xFFF
            etype, payload = struct.unpack("!H", payload[2:4])[0], payload[4:]
        return vid, etype, data[6:12], payload

    def handle(self, timeout):
        f = self.frame(timeout)
        if f is None:
            return False
        vid, etype, src, p = f
        if vid != self.vid:
            return True
        if etype == ETH_P_ARP and len(p) >= 28:
            op, sha, spa, tpa = struct.unpack("!H", p[6:8])[0], p[8:14], p[14:18], p[24:28]
            self.arp[spa] = sha
            if op == 1 and tpa == self.ip:
                self.send_arp(2, sha, spa, sha)
        elif etype == ETH_P_IP and len(p) >= 28 and p[16:20] == self.ip and p[9] == 1:
            ihl = (p[0] & 0xF) * 4
            icmp = p[ihl:struct.unpack("!H", p[2:4])[0]]
            if icmp[0] == 8:
                reply = b"\0\0\0\0" + icmp[4:]
                reply = reply[:2] + struct.pack("!H", checksum(reply)) + reply[4:]
                self.send_ip(src, p[12:16], reply)
            elif icmp[0] == 0 and len(icmp) >= 8:
                self.replies.add(struct.unpack("!H", icmp[6:8])[0])
        return True

    def run_for(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.handle(end - time.monotonic())

    def resolve(self, peer, tries=5):
        for _ in range(tries):
            self.send_arp(1, bytes(6), peer, BCAST)
            self.run_for(0.5)
            if peer in self.arp:
                return self.arp[peer]
        return None

    def ping(self, peer, count, interval, size):
        mac = self.resolve(peer)
        if mac:
            for seq in range(count):
                icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5653, seq) + bytes(size)
                icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
                self.send_ip(mac, peer, icmp)
                self.run_for(interval)
            self.run_for(2)
        got = len(self.replies)
        print("%d packets transmitted, %d received, %d%% packet loss"
              % (count, got, 100 * (count - got) // count))
        return got == count


def main():
    dev, vid, mac, ip, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    count, interval, seconds = int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
    size = int(sys.argv[9]) if len(sys.argv) > 9 else 32
    host = Host(dev, vid, mac, ip)
    if count == 0:
        print("ready", flush=True)
        host.run_for(seconds)
        return 0
    return 0 if host.ping(socket.inet_aton(peer), count, interval, size) else 1


sys.exit(main())
