#!/usr/bin/env python3
"""Seed corpus for fuzz_vu_socket (its input format is in the target's
header comment): a whole negotiation with a worker that acks, one that
does not until later, messages cut in parts, crashes at each journal step,
a front end that never reads, and fds sent with two pieces of a message.
Usage: gen_corpus_vu_socket.py OUT_DIR"""
import os
import struct
import sys

WRITE, MSG, TURN, READ, CRASH, WORKER, CLOSE, ACK = range(8)
MEMFD_1M, EVENTFD, PIPE, MEMFD_4K = range(4)
UVA = 0x7F0000000000


def op(code, nfds=0, kind=0):
    return bytes([code | nfds << 3 | kind << 5])


def msg(req, payload=b"", nfds=0, kind=MEMFD_1M, need_reply=False):
    return op(MSG, nfds, kind) + bytes([req, 1 if need_reply else 0, len(payload)]) + payload


def raw(data, nfds=0, kind=MEMFD_1M):
    return op(WRITE, nfds, kind) + bytes([len(data)]) + data


def u64(v):
    return struct.pack("<Q", v)


def state(i, n):
    return struct.pack("<II", i, n)


def negotiation(turns=True, crash_at=-1, point=0):
    ring = [
        msg(1),
        msg(16, u64(1 << 3)),
        msg(2, u64(1 << 32 | 1 << 30)),
        msg(3),
        msg(5, struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, 1 << 20, UVA, 0), 1,
            MEMFD_1M, True),
    ]
    for q in (0, 1):
        ring += [
            msg(8, state(q, 256)),
            msg(9, struct.pack("<IIQQQQ", q, 0, UVA + q * 0x4000, UVA + q * 0x4000 + 0x2000,
                               UVA + q * 0x4000 + 0x1000, 0)),
            msg(10, state(q, 0)),
            msg(13, u64(q), 1, EVENTFD),
            msg(12, u64(q), 1, EVENTFD),
            msg(18, state(q, 1)),
        ]
    ring += [msg(11, state(0, 0)), msg(40)]
    if not turns:
        return b"".join(ring)
    return b"".join(m + (op(CRASH) + bytes([point]) if i == crash_at else op(TURN)) + op(READ)
                    for i, m in enumerate(ring))


def seeds():
    yield "negotiate_acking", op(WORKER) + b"\x01" + negotiation()
    yield "negotiate_no_worker", negotiation()
    yield "stuck_worker_then_ack", (op(WORKER) + b"\x01" + negotiation()[:200] + op(WORKER)
                                    + b"\x02" + msg(18, state(0, 0)) + op(TURN) * 3 + op(ACK)
                                    + op(TURN) + op(READ) + msg(4) + op(TURN))
    hdr = struct.pack("<III", 8, 1, 8)
    yield "half_header", raw(hdr[:5]) + op(TURN) + raw(hdr[5:]) + op(TURN) + raw(
        state(0, 256)) + op(TURN)
    yield "header_then_payload", raw(hdr) + op(TURN) + raw(state(0, 64)) + op(TURN)
    kick = struct.pack("<III", 12, 1, 8)
    yield "fds_in_two_pieces", raw(kick, 1, EVENTFD) + op(TURN) + raw(u64(0), 1, PIPE) + op(TURN)
    yield "never_reads", b"".join(msg(1) + op(TURN) for _ in range(60)) + op(READ) + op(TURN)
    for point in range(6):
        # SET_MEM_TABLE (a REPLY_ACK), SET_VRING_KICK (an fd), GET_VRING_BASE (a reply)
        for at in (4, 9, 17):
            yield "crash_%d_at_%d" % (point, at), (op(WORKER) + b"\x01"
                                                   + negotiation(crash_at=at, point=point))
    yield "bad_header", msg(2, u64(0)) + raw(struct.pack("<III", 2, 1, 4096)) + op(TURN)
    yield "close_mid_message", raw(hdr[:7]) + op(TURN) + op(CLOSE) + op(TURN)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


main()
