"""A raw vhost-user front end for tests: sends messages as the spec lays
them out (qemu docs/interop/vhost-user.rst), fds as SCM_RIGHTS, and reads
replies. It checks nothing itself; tests decide what is right."""
import os
import socket
import struct

GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_LOG_BASE, SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = 6, 7, 8, 9, 10
GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 11, 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
SEND_RARP, NET_SET_MTU = 19, 20

VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
F_PROTOCOL_FEATURES, F_VERSION_1 = 1 << 30, 1 << 32
PF_MQ, PF_REPLY_ACK = 1 << 0, 1 << 3

UVA = 0x7F0000000000
MEM_SIZE = 1 << 20


class Client:
    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.memfd = None

    def close(self):
        self.sock.close()
        if self.memfd is not None:
            os.close(self.memfd)

    def send_raw(self, data, fds=()):
        socket.send_fds(self.sock, [data], list(fds))

    def send(self, request, payload=b"", fds=(), flags=VERSION, size=None):
        size = len(payload) if size is None else size
        self.send_raw(struct.pack("<III", request, flags, size) + payload, fds)

    def recv_reply(self):
        """(request, flags, payload), or None when vhostd hung up."""
        hdr = self._recv_exact(12)
        if hdr is None:
            return None
        request, flags, size = struct.unpack("<III", hdr)
        payload = self._recv_exact(size) if size else b""
        return request, flags, payload

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def hung_up(self):
        """True when vhostd closed the connection (EOF within the timeout)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def get_u64(self, request):
        self.send(request)
        reply = self.recv_reply()
        return struct.unpack("<Q", reply[2])[0]

    def negotiate(self, features=F_VERSION_1 | F_PROTOCOL_FEATURES, protocol=PF_REPLY_ACK):
        offered = self.get_u64(GET_FEATURES)
        self.send(SET_PROTOCOL_FEATURES, struct.pack("<Q", protocol))
        self.send(SET_OWNER)
        self.send(SET_FEATURES, struct.pack("<Q", features & offered))
        return offered

    def set_mem_table(self, flags=VERSION):
        self.memfd = os.memfd_create("guest")
        os.ftruncate(self.memfd, MEM_SIZE)
        payload = struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, MEM_SIZE, UVA, 0)
        self.send(SET_MEM_TABLE, payload, [self.memfd], flags)

    def setup_vring(self, q, num=256):
        self.send(SET_VRING_NUM, struct.pack("<II", q, num))
        base = 0x10000 + q * 0x10000
        self.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, UVA + base, UVA + base + 0x8000,
                                              UVA + base + 0x4000, 0))
        self.send(SET_VRING_BASE, struct.pack("<II", q, 0))
        call = os.eventfd(0)
        self.send(SET_VRING_CALL, struct.pack("<Q", q), [call])
        kick = os.eventfd(0)
        self.send(SET_VRING_KICK, struct.pack("<Q", q), [kick])
        os.close(call)
        os.close(kick)
        self.send(SET_VRING_ENABLE, struct.pack("<II", q, 1))
