#!/usr/bin/env python3
"""A guest's TSO stream out of the uplink (issue 14): a QEMU guest with
offloads on (CSUM, HOST_TSO4) sends a TCP stream (busybox nc) to a host in
a network namespace behind a net_tap uplink, which takes no TSO: the
switch segments the guest's TSO frames and completes their checksums in
software. The namespace's kernel checks every checksum; its receiver
(python, in the namespace) hashes the stream and records, on an AF_PACKET
socket, the largest frame that arrived on the tap. Checked: the sha256 is
the one the guest sent, no frame on the wire was larger than the MTU
(1514 bytes with the Ethernet header), and the worker's uplink counters show
TSO frames segmented in software."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import uplink_net as u  # noqa: E402

STREAM_MB = int(os.environ.get("VSW_STREAM_MB", "16"))
PORT = 5001

RECEIVER = r"""
import hashlib, socket, sys, threading
tap, port = sys.argv[1], int(sys.argv[2])
biggest = [0]
def sniff():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((tap, 0))
    while True:
        data, addr = s.recvfrom(70000)
        if addr[2] != socket.PACKET_OUTGOING:
            biggest[0] = max(biggest[0], len(data))
threading.Thread(target=sniff, daemon=True).start()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("10.0.0.2", port))
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


def main():
    t.hugepages_ensure()
    tap = u.tap_name("o")
    sock = os.path.join(t.workdir(), "vm1.sock")
    sw = u.switch("ol", tap, [{"socket": sock, "server": True, "bridge": 1}])
    ns = u.Netns("ol")
    ns.adopt(tap)
    ns.ip("addr", "add", "10.0.0.2/24", "dev", tap)
    ns.ip("link", "set", tap, "up")

    guest = t.Guest("g1", sock, ip="10.0.0.1/24")
    guest.start()
    guest.wait_ready()
    guest.wait_link(up=True)
    feats = {b["name"] for v in sw.ctl("show", "vhost-user", json=True)["interfaces"]
             for b in v["feature_bits"]}
    t.check({"VIRTIO_NET_F_CSUM", "VIRTIO_NET_F_HOST_TSO4"} <= feats,
            "the guest negotiated CSUM and HOST_TSO4")
    guest.run_ok("dd if=/dev/urandom of=/tmp/data bs=1M count=%d 2>/dev/null" % STREAM_MB,
                 timeout=120)
    sent = guest.run_ok("sha256sum /tmp/data", timeout=60).split()[0]

    rx = subprocess.Popen(["ip", "netns", "exec", ns.name, "python3", "-c", RECEIVER, tap,
                           str(PORT)], stdout=subprocess.PIPE, text=True)
    t.register_cleanup(lambda: rx.poll() is None and rx.kill())
    t.check(rx.stdout.readline().strip() == "listening", "the namespace's receiver listens")
    start = time.monotonic()
    guest.run_ok("nc 10.0.0.2 %d < /tmp/data" % PORT, timeout=500)
    try:
        out, _ = rx.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        rx.kill()
        out, _ = rx.communicate()
    secs = time.monotonic() - start
    words = out.split()
    got, nbytes, biggest = (words[0], int(words[1]), int(words[2])) if len(words) == 3 else (
        None, 0, 0)
    print("%d MB guest -> namespace in %.1fs (TCG); largest frame on the tap %d bytes"
          % (STREAM_MB, secs, biggest), flush=True)
    t.check(got == sent and nbytes == STREAM_MB << 20,
            "%d MB stream arrived intact (sent %s, received %s, %d bytes)"
            % (STREAM_MB, sent, got, nbytes))
    t.check(0 < biggest <= 1514, "no frame on the wire larger than the MTU (%d)" % biggest)
    w = u.uplink(sw)["workers"][0]
    print("uplink worker 0: %s" % w, flush=True)
    t.check(w["tx_sw_segmented"] > 0 and w["tx_sw_csum"] >= w["tx_sw_segmented"],
            "the switch segmented %d TSO frames in software (%d checksums)"
            % (w["tx_sw_segmented"], w["tx_sw_csum"]))
    guest.stop()
    sw.stop()


t.main(main)
