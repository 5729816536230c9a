"""A raw vhost-user front end for tests: sends messages as the spec lays
them out (qemu docs/interop/vhost-user.rst), fds as SCM_RIGHTS, and reads
replies. It checks nothing itself; tests decide what is right.

With set_mem_table() its guest memory is a memfd it maps too, and
SplitDriver / PackedDriver play the driver side of a virtqueue in it
(virtio 1.x "Split Virtqueues" / "Packed Virtqueues"): the test writes
descriptors, good or bad, and reads back what the device used."""
import ctypes
import mmap
import os
import socket
import struct
import time

GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_LOG_BASE, SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = 6, 7, 8, 9, 10
GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 11, 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
SEND_RARP, NET_SET_MTU = 19, 20

VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
F_INDIRECT_DESC, F_PROTOCOL_FEATURES, F_VERSION_1 = 1 << 28, 1 << 30, 1 << 32
F_RING_PACKED = 1 << 34
PF_MQ, PF_REPLY_ACK = 1 << 0, 1 << 3

# Descriptor flags (both layouts) and the packed ring's ownership bits.
DESC_F_NEXT, DESC_F_WRITE, DESC_F_INDIRECT = 1, 2, 4
PACKED_F_AVAIL, PACKED_F_USED = 1 << 7, 1 << 15
# SET_VRING_BASE of a packed ring: the wrap counter in bit 15 starts at 1.
PACKED_BASE = 1 << 15
NET_HDR_LEN = 12  # virtio-net header with VIRTIO_F_VERSION_1

UVA = 0x7F0000000000
MEM_SIZE = 1 << 20


class Client:
    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.memfd = None
        self.mem = None

    def close(self):
        self.sock.close()
        if self.mem is not None:
            self.mem.close()
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

    def set_mem_table(self, flags=VERSION, size=MEM_SIZE):
        """One region: guest physical [0, size) at front-end address UVA,
        in a memfd this client maps too (self.mem, indexed by gpa)."""
        self.memfd = os.memfd_create("guest")
        os.ftruncate(self.memfd, size)
        self.mem = mmap.mmap(self.memfd, size)
        payload = struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, size, UVA, 0)
        self.send(SET_MEM_TABLE, payload, [self.memfd], flags)

    @staticmethod
    def ring_gpas(q):
        """Where setup_vring puts queue q: (desc, avail, used) guest
        physical addresses (for a packed ring: descriptor ring, driver and
        device event areas). Room for 1024 descriptors."""
        base = 0x10000 + q * 0x10000
        return base, base + 0x4000, base + 0x8000

    def setup_vring(self, q, num=256, base=0):
        self.send(SET_VRING_NUM, struct.pack("<II", q, num))
        desc, avail, used = self.ring_gpas(q)
        self.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, UVA + desc, UVA + used,
                                              UVA + avail, 0))
        self.send(SET_VRING_BASE, struct.pack("<II", q, base))
        call = os.eventfd(0)
        self.send(SET_VRING_CALL, struct.pack("<Q", q), [call])
        kick = os.eventfd(0)
        self.send(SET_VRING_KICK, struct.pack("<Q", q), [kick])
        os.close(call)
        os.close(kick)
        self.send(SET_VRING_ENABLE, struct.pack("<II", q, 1))


def store_u16(mem, off, value):
    """One 16-bit store, as a driver publishes an index or flags: the
    device may read the field at any moment. (struct.pack_into zeroes the
    field and writes it byte by byte: the device could see 0 in between.)"""
    ctypes.c_uint16.from_buffer(mem, off).value = value


class _Driver:
    """What both ring layouts share: the client's memory and a bump
    allocator for buffers and indirect tables in it."""

    def __init__(self, client, q, num, buf_base):
        self.mem = client.mem
        self.q = q
        self.num = num
        self.desc_gpa, self.avail_gpa, self.used_gpa = client.ring_gpas(q)
        self.buf_base = self.buf_next = buf_base
        self.buf_end = buf_base + 0x40000

    def alloc(self, data_or_len):
        """Guest memory for a buffer (bytes to store, or a length to leave
        zeroed); returns its gpa. Reset by reset_buffers()."""
        n = data_or_len if isinstance(data_or_len, int) else len(data_or_len)
        gpa = self.buf_next
        self.buf_next += (n + 63) & ~63
        if self.buf_next > self.buf_end:
            raise MemoryError("driver buffer area of queue %d is full" % self.q)
        self.mem[gpa:gpa + n] = bytes(n) if isinstance(data_or_len, int) else data_or_len
        return gpa

    def reset_buffers(self):
        self.buf_next = self.buf_base

    def keep_buffers(self):
        """What is allocated so far stays: reset_buffers() comes back here."""
        self.buf_base = self.buf_next

    def read(self, gpa, n):
        return bytes(self.mem[gpa:gpa + n])

    def wait_used(self, count, timeout=5.0):
        """Waits until `count` chains in all were used; returns the number
        used (less on timeout)."""
        deadline = time.monotonic() + timeout
        while self.used_count() < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.used_count()


class SplitDriver(_Driver):
    """Driver side of a split virtqueue set up by Client.setup_vring(q,
    num). Descriptors are placed by the caller (index, addr, len, flags,
    next): bad chains are as easy to write as good ones."""

    def __init__(self, client, q, num=256, buf_base=0x100000):
        super().__init__(client, q, num, buf_base)
        self.avail_idx = 0
        self.used_seen = 0  # used entries read by pop_used()

    def desc(self, i, addr, length, flags=0, nxt=0):
        struct.pack_into("<QIHH", self.mem, self.desc_gpa + 16 * i, addr, length, flags, nxt)

    @staticmethod
    def table_entry(addr, length, flags=0, nxt=0):
        """One descriptor of an indirect table, as bytes."""
        return struct.pack("<QIHH", addr, length, flags, nxt)

    def make_avail(self, heads):
        """Puts the heads on the avail ring, then publishes avail->idx once
        (x86 keeps the stores in order)."""
        for h in heads:
            store_u16(self.mem, self.avail_gpa + 4 + 2 * (self.avail_idx % self.num), h)
            self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        store_u16(self.mem, self.avail_gpa + 2, self.avail_idx)

    def used_idx(self):
        return struct.unpack_from("<H", self.mem, self.used_gpa + 2)[0]

    def used_count(self):
        return (self.used_idx() - self.used_seen) & 0xFFFF

    def pop_used(self):
        """Used entries (id, len) not read yet, in ring order."""
        out = []
        idx = self.used_idx()
        while self.used_seen != idx:
            slot = self.used_gpa + 4 + 8 * (self.used_seen % self.num)
            out.append(struct.unpack_from("<II", self.mem, slot))
            self.used_seen = (self.used_seen + 1) & 0xFFFF
        return out


class PackedDriver(_Driver):
    """Driver side of a packed virtqueue set up by Client.setup_vring(q,
    num, base=PACKED_BASE). Chains go into consecutive slots from the
    driver's position; the head's flags are written last."""

    def __init__(self, client, q, num=256, buf_base=0x100000):
        super().__init__(client, q, num, buf_base)
        self.next_slot, self.avail_wrap = 0, 1
        self.used_slot, self.used_wrap = 0, 1
        self.slots_of = {}  # buffer id -> slots its chain took
        self.used_seen = 0
        self.used_list = []

    @staticmethod
    def table_entry(addr, length, flags=0):
        """One descriptor of an indirect table, as bytes."""
        return struct.pack("<QIHH", addr, length, 0, flags)

    def add_chain(self, descs, buf_id):
        """descs: [(addr, len, flags)]; NEXT is added to all but the last
        (set it on the last too for a chain that does not end). Every slot
        carries buf_id. Returns the number of slots taken."""
        slots = []
        slot, wrap = self.next_slot, self.avail_wrap
        for k, d in enumerate(descs):
            addr, length, flags = d
            if k + 1 < len(descs):
                flags |= DESC_F_NEXT
            flags |= PACKED_F_AVAIL if wrap else PACKED_F_USED
            slots.append((slot, addr, length, flags))
            slot += 1
            if slot == self.num:
                slot, wrap = 0, wrap ^ 1
        # Body first, head last: the device may look at the head any time.
        for s, addr, length, flags in reversed(slots):
            struct.pack_into("<QIH", self.mem, self.desc_gpa + 16 * s, addr, length, buf_id)
            if s != slots[0][0]:
                store_u16(self.mem, self.desc_gpa + 16 * s + 14, flags)
        store_u16(self.mem, self.desc_gpa + 16 * slots[0][0] + 14, slots[0][3])
        self.next_slot, self.avail_wrap = slot, wrap
        self.slots_of[buf_id] = len(descs)
        return len(descs)

    def _poll(self):
        while True:
            off = self.desc_gpa + 16 * self.used_slot
            # The flags first, then id and len: the device writes them
            # before the flags, and struct reads fields in order, so id and
            # len read before the flags could be the ones the driver posted
            # (a used RX buffer read with the posted length: a foreign frame).
            flags = struct.unpack_from("<H", self.mem, off + 14)[0]
            used = bool(flags & PACKED_F_USED)
            if bool(flags & PACKED_F_AVAIL) != used or used != bool(self.used_wrap):
                return
            length, buf_id = struct.unpack_from("<IH", self.mem, off + 8)
            self.used_list.append((buf_id, length))
            n = self.slots_of.pop(buf_id, 1)
            self.used_slot += n
            if self.used_slot >= self.num:
                self.used_slot -= self.num
                self.used_wrap ^= 1

    def used_count(self):
        self._poll()
        return len(self.used_list) - self.used_seen

    def pop_used(self):
        self._poll()
        out = self.used_list[self.used_seen:]
        self.used_seen = len(self.used_list)
        return out


class RxQueue:
    """A guest RX queue (either layout) kept full of device-writable
    buffers, one descriptor each; frames() returns the frames the device
    wrote, virtio-net header stripped, and gives their buffers back."""

    def __init__(self, driver, nbufs=64, size=2048):
        """Buffers 0..nbufs-1 (descriptors and buffer ids 0..nbufs-1);
        the driver's buffer area past them stays free for the caller."""
        self.d = driver
        self.size = size
        self.gpas = [driver.alloc(size) for _ in range(nbufs)]
        driver.keep_buffers()
        for i in range(nbufs):
            self._post(i)

    def _post(self, i):
        if isinstance(self.d, PackedDriver):
            self.d.add_chain([(self.gpas[i], self.size, DESC_F_WRITE)], i)
        else:
            self.d.desc(i, self.gpas[i], self.size, DESC_F_WRITE)
            self.d.make_avail([i])

    def frames(self, used=None):
        """Frames in the buffers used since the last call (or in `used`,
        entries the caller popped itself), which go back to the device."""
        out = []
        for i, n in self.d.pop_used() if used is None else used:
            out.append(self.d.read(self.gpas[i], n)[NET_HDR_LEN:])
            self._post(i)
        return out

    def wait_frames(self, count, timeout=5.0):
        """Frames until `count` arrived or timeout."""
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            got += self.frames()
            time.sleep(0.01)
        return got
