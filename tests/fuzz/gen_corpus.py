#!/usr/bin/env python3
"""Seed corpus for fuzz_vhost_user: a whole good negotiation and a few short
sequences, in the target's input format (see fuzz_vhost_user.c)."""
import os
import struct
import sys

GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE, SET_LOG_BASE = 1, 2, 3, 5, 6
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
SEND_RARP, NET_SET_MTU, SET_BACKEND_REQ_FD, RESET_DEVICE = 19, 20, 21, 34
GET_MAX_MEM_SLOTS, ADD_MEM_REG, REM_MEM_REG, SET_STATUS, GET_STATUS = 36, 37, 38, 39, 40

MEMFD_1M, EVENTFD, MEMFD_4K = 0x00, 0x10, 0x20
UVA = 0x7F0000000000


def msg(req, payload=b"", nfds=0, kind=MEMFD_1M, flags=1):
    return bytes([nfds | kind]) + struct.pack("<III", req, flags, len(payload)) + payload


def u64(v):
    return struct.pack("<Q", v)


def state(i, n):
    return struct.pack("<II", i, n)


def region(gpa, size, uva, off=0):
    return struct.pack("<QQQQ", gpa, size, uva, off)


def ring(q):
    return b"".join([
        msg(SET_VRING_NUM, state(q, 256)),
        msg(SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, UVA + 0x10000 + q * 0x4000,
                                        UVA + 0x30000 + q * 0x4000, UVA + 0x20000 + q * 0x4000, 0)),
        msg(SET_VRING_BASE, state(q, 0)),
        msg(SET_VRING_CALL, u64(q), 1, EVENTFD),
        msg(SET_VRING_KICK, u64(q), 1, EVENTFD),
        msg(SET_VRING_ENABLE, state(q, 1)),
    ])


def main(out):
    os.makedirs(out, exist_ok=True)
    negotiate = b"".join([
        msg(GET_FEATURES), msg(GET_PROTOCOL_FEATURES),
        msg(SET_PROTOCOL_FEATURES, u64(0x1801F)), msg(GET_QUEUE_NUM), msg(GET_MAX_MEM_SLOTS),
        msg(SET_OWNER), msg(SET_FEATURES, u64((1 << 32) | (1 << 30) | (1 << 15))),
    ])
    table = msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) + region(0, 1 << 20, UVA), 1)
    seeds = {
        "negotiate": negotiate,
        "full": negotiate + table + ring(0) + ring(1) + msg(GET_VRING_BASE, state(0, 0))
        + msg(SEND_RARP, u64(0x665544332211)) + msg(NET_SET_MTU, u64(1500), flags=9),
        "hotplug": negotiate + table
        + msg(ADD_MEM_REG, u64(0) + region(1 << 20, 1 << 20, UVA + (1 << 20)), 1)
        + msg(REM_MEM_REG, u64(0) + region(1 << 20, 1 << 20, UVA + (1 << 20))),
        "log": negotiate + msg(SET_LOG_BASE, u64(4096) + u64(0), 1, MEMFD_4K)
        + msg(SET_BACKEND_REQ_FD, b"", 1, EVENTFD) + msg(SET_STATUS, u64(0xf))
        + msg(GET_STATUS) + msg(RESET_DEVICE),
        "nofd": negotiate + msg(SET_VRING_KICK, u64(0x100)) + msg(SET_VRING_CALL, u64(0x101))
        + msg(SET_VRING_ERR, u64(2), 1, EVENTFD),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
