#!/usr/bin/env python3
"""A guest's TSO streams out of the uplink (issue 14): a QEMU guest with
offloads on (CSUM, HOST_TSO4/6) sends TCP streams (busybox nc) to a host in
a network namespace behind a net_tap uplink. net_tap has TX checksum and
TSO offloads, so `show uplink` reports them in use and the switch hands the
guest's TCP/IPv4 TSO frames to the PMD as they are (tx_hw_tso), none
segmented in software (net_tap's TSO takes segments up to its MTU,
Ethernet header included: the guest's MTU is 1400 for it); TCP/IPv6, which
the switch does not leave to a PMD's TSO, is segmented in software
(tx_sw_segmented). The namespace's
kernel checks every checksum; its receivers (python, in the namespace) hash
each stream and record, on an AF_PACKET socket, the largest frame that
arrived on the tap. Checked: the sha256 is the one the guest sent, no
frame on the wire was larger than the MTU (1514 bytes with the Ethernet
header), and the counters."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

STREAM_MB = int(os.environ.get("VSW_STREAM_MB", "16"))
STREAM6_MB = 4
PORT = 5001

RECEIVER = r"""
import hashlib, socket, sys, threading
tap, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
biggest = [0]
def sniff():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((tap, 0))
    while True:
        data, addr = s.recvfrom(70000)
        if addr[2] != socket.PACKET_OUTGOING:
            biggest[0] = max(biggest[0], len(data))
threading.Thread(target=sniff, daemon=True).start()
srv = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
h, n = hashlib.sha256(), 0
while True:
    b = conn.recv(1 << 16)
    if not b:
        break
    h.update(b)
    n += len(b)
print(h.hexdigest(), n, biggest[0], flush=True)
"""


def stream(sw, ns, tap, guest, addr, port, mb):
    """mb MB from the guest to addr:port in the namespace: (intact, largest
    frame on the tap, the uplink worker's counters before and after)."""
    guest.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % mb, timeout=120)
    sent = guest.run_ok("sha256sum /tmp/data", timeout=60).split()[0]
    before = u.uplink(sw)["workers"][0]
    rx = subprocess.Popen(["ip", "netns", "exec", ns.name, "python3", "-c", RECEIVER, tap, addr,
                           str(port)], stdout=subprocess.PIPE, text=True)
    t.register_cleanup(lambda: rx.poll() is None and rx.kill())
    t.check(rx.stdout.readline().strip() == "listening", "the namespace's receiver listens")
    start = time.monotonic()
    guest.run_ok("nc %s %d < /tmp/data" % (addr, port), timeout=500)
    try:
        out, _ = rx.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        rx.kill()
        out, _ = rx.communicate()
    secs = time.monotonic() - start
    words = out.split()
    got, nbytes, biggest = (words[0], int(words[1]), int(words[2])) if len(words) == 3 else (
        None, 0, 0)
    after = u.uplink(sw)["workers"][0]
    d = {k: after[k] - before[k] for k in ("tx_hw_tso", "tx_hw_csum", "tx_sw_segmented",
                                           "tx_sw_csum", "tx_drops")}
    print("%d MB guest -> %s in %.1fs (TCG); largest frame on the tap %d bytes; uplink worker 0 "
          "counters %s" % (mb, addr, secs, biggest, d), flush=True)
    t.check(got == sent and nbytes == mb << 20,
            "%d MB stream to %s arrived intact (sent %s, received %s, %d bytes)"
            % (mb, addr, sent, got, nbytes))
    t.check(0 < biggest <= 1414, "no frame on the wire larger than the guest's MTU (%d)"
            % biggest)
    return d


def main():
    t.hugepages_ensure()
    tap = u.tap_name("o")
    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = u.switch("ol", tap, [{"socket": sock, "server": True, "bridge": 1}])
    ns = u.Netns("ol")
    ns.adopt(tap)
    ns.ip("addr", "add", "10.0.0.2/24", "dev", tap)
    ns.exec("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=0" % tap)  # for the IPv6 stream
    ns.ip("-6", "addr", "add", "fd00::2/64", "dev", tap, "nodad")
    ns.ip("link", "set", tap, "up")

    guest = t.Guest("g1", sock, ip="10.0.0.1/24", ipv6=True)
    guest.start()
    guest.wait_ready()
    guest.wait_link(up=True)
    guest.run_ok("echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad && "
                 "ip -6 addr add fd00::1/64 dev eth0 && ip link set eth0 mtu 1400")
    feats = {b["name"] for v in sw.ctl("show", "vhost-user", json=True)["interfaces"]
             for b in v["feature_bits"]}
    t.check({"VIRTIO_NET_F_CSUM", "VIRTIO_NET_F_HOST_TSO4", "VIRTIO_NET_F_HOST_TSO6"} <= feats,
            "the guest negotiated CSUM and HOST_TSO4/6")
    up = u.uplink(sw)
    t.check(up["tx_csum_hw"] and up["tx_tso_hw"] and up["tso_max_frame"] == 1500,
            "show uplink: net_tap's TX checksum and TSO offloads in use, its TSO for segments "
            "up to 1500 bytes (%s)" % up["tso_max_frame"])
    text = sw.ctl("show", "uplink")
    t.check("tx checksums by the PMD, tx TSO by the PMD for TCP/IPv4" in text,
            "show uplink says which offloads the PMD does")

    d4 = stream(sw, ns, tap, guest, "10.0.0.2", PORT, STREAM_MB)
    t.check(d4["tx_hw_tso"] > 0 and d4["tx_sw_segmented"] == 0 and d4["tx_sw_csum"] == 0
            and d4["tx_drops"] == 0,
            "TCP/IPv4: the PMD got %d TSO frames (and %d to checksum), none segmented or "
            "checksummed in software, none dropped" % (d4["tx_hw_tso"], d4["tx_hw_csum"]))
    d6 = stream(sw, ns, tap, guest, "fd00::2", PORT + 1, STREAM6_MB)
    t.check(d6["tx_sw_segmented"] > 0 and d6["tx_hw_tso"] == 0,
            "TCP/IPv6: %d TSO frames segmented in software (vhostsw's segmenter), none left to "
            "the PMD's TSO" % d6["tx_sw_segmented"])
    print(sw.ctl("show", "uplink"), flush=True)
    guest.stop()
    sw.stop()


t.main(main)
