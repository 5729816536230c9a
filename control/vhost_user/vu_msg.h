/* vhost-user messages (qemu docs/interop/vhost-user.rst): the header, the
 * payloads under the spec's names, and the one table that says, for each
 * request, how it must look. Every message goes through vu_msg_handle(),
 * which validates it against the table before any handler runs. */
#ifndef VU_MSG_H
#define VU_MSG_H

#include <stdint.h>

#include "vsw_state.h"

#define VHOST_USER_VERSION         0x1
#define VHOST_USER_VERSION_MASK    0x3
#define VHOST_USER_REPLY_MASK      0x4
#define VHOST_USER_NEED_REPLY_MASK 0x8

/* SET_VRING_KICK/CALL/ERR payload: vring index and the "no fd" bit. */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD     0x100u

#define VHOST_VRING_F_LOG 0x1u /* SET_VRING_ADDR flags */

/* SET_MEM_TABLE carries at most this many regions (and fds). */
#define VHOST_MEMORY_BASELINE_NREGIONS 8
#define VU_MAX_FDS                     VHOST_MEMORY_BASELINE_NREGIONS

enum vhost_user_request {
        VHOST_USER_GET_FEATURES = 1,
        VHOST_USER_SET_FEATURES = 2,
        VHOST_USER_SET_OWNER = 3,
        VHOST_USER_RESET_OWNER = 4,
        VHOST_USER_SET_MEM_TABLE = 5,
        VHOST_USER_SET_LOG_BASE = 6,
        VHOST_USER_SET_LOG_FD = 7,
        VHOST_USER_SET_VRING_NUM = 8,
        VHOST_USER_SET_VRING_ADDR = 9,
        VHOST_USER_SET_VRING_BASE = 10,
        VHOST_USER_GET_VRING_BASE = 11,
        VHOST_USER_SET_VRING_KICK = 12,
        VHOST_USER_SET_VRING_CALL = 13,
        VHOST_USER_SET_VRING_ERR = 14,
        VHOST_USER_GET_PROTOCOL_FEATURES = 15,
        VHOST_USER_SET_PROTOCOL_FEATURES = 16,
        VHOST_USER_GET_QUEUE_NUM = 17,
        VHOST_USER_SET_VRING_ENABLE = 18,
        VHOST_USER_SEND_RARP = 19,
        VHOST_USER_NET_SET_MTU = 20,
        VHOST_USER_SET_BACKEND_REQ_FD = 21, /* formerly SET_SLAVE_REQ_FD */
        VHOST_USER_IOTLB_MSG = 22,
        VHOST_USER_SET_VRING_ENDIAN = 23,
        VHOST_USER_GET_CONFIG = 24,
        VHOST_USER_SET_CONFIG = 25,
        VHOST_USER_CREATE_CRYPTO_SESSION = 26,
        VHOST_USER_CLOSE_CRYPTO_SESSION = 27,
        VHOST_USER_POSTCOPY_ADVISE = 28,
        VHOST_USER_POSTCOPY_LISTEN = 29,
        VHOST_USER_POSTCOPY_END = 30,
        VHOST_USER_GET_INFLIGHT_FD = 31,
        VHOST_USER_SET_INFLIGHT_FD = 32,
        VHOST_USER_GPU_SET_SOCKET = 33,
        VHOST_USER_RESET_DEVICE = 34,
        VHOST_USER_VRING_KICK = 35,
        VHOST_USER_GET_MAX_MEM_SLOTS = 36,
        VHOST_USER_ADD_MEM_REG = 37,
        VHOST_USER_REM_MEM_REG = 38,
        VHOST_USER_SET_STATUS = 39,
        VHOST_USER_GET_STATUS = 40,
        VHOST_USER_REQUEST_MAX
};

struct vhost_user_header {
        uint32_t request;
        uint32_t flags;
        uint32_t size; /* payload bytes that follow */
};
#define VHOST_USER_HDR_SIZE sizeof(struct vhost_user_header)

struct vhost_vring_state {
        uint32_t index;
        uint32_t num;
};

struct vhost_vring_addr {
        uint32_t index;
        uint32_t flags;
        uint64_t desc_user_addr;
        uint64_t used_user_addr;
        uint64_t avail_user_addr;
        uint64_t log_guest_addr;
};

struct vhost_user_memory_region {
        uint64_t guest_phys_addr;
        uint64_t memory_size;
        uint64_t userspace_addr;
        uint64_t mmap_offset;
};

/* SET_MEM_TABLE: "memory regions description". */
struct vhost_user_memory {
        uint32_t nregions;
        uint32_t padding;
        struct vhost_user_memory_region regions[VHOST_MEMORY_BASELINE_NREGIONS];
};

/* ADD_MEM_REG / REM_MEM_REG: "single memory region description". */
struct vhost_user_mem_reg {
        uint64_t padding;
        struct vhost_user_memory_region region;
};

/* SET_LOG_BASE: "log description". */
struct vhost_user_log {
        uint64_t mmap_size;
        uint64_t mmap_offset;
};

union vhost_user_payload {
        uint64_t u64;
        struct vhost_vring_state state;
        struct vhost_vring_addr addr;
        struct vhost_user_memory memory;
        struct vhost_user_mem_reg mem_reg;
        struct vhost_user_log log;
};
#define VHOST_USER_PAYLOAD_MAX sizeof(union vhost_user_payload)

/* A message as received: header, payload, and the fds that came with it.
 * A handler that keeps an fd sets its slot to -1; vu_msg_handle() closes
 * the rest. */
struct vu_msg {
        struct vhost_user_header hdr;
        union vhost_user_payload payload;
        uint32_t hdr_len; /* header bytes actually received */
        uint32_t len;     /* payload bytes actually received */
        int fds[VU_MAX_FDS];
        unsigned nfds;
        uint8_t fds_truncated; /* more fds came than VU_MAX_FDS (MSG_CTRUNC) */
};

/* Process-local state of one interface's protocol side: the fds vhostd
 * holds (each also in the vault) and where the interface's record is. */
struct vu_dev {
        struct vsw_state *st;
        struct vsw_iface *ifc;
        int vault; /* -1: no vault */
        int mem_fd[VSW_MAX_MEM_REGIONS];
        int kick_fd[VSW_MAX_VRINGS];
        int call_fd[VSW_MAX_VRINGS];
        int err_fd[VSW_MAX_VRINGS];
        int log_fd;
        int log_notify_fd; /* SET_LOG_FD */
        int backend_fd;
        /* The message in hand is a predecessor's, applied again after a
         * crash: a removal of what is already gone is not an error. */
        uint8_t replay;
};

/* What the caller does after vu_msg_handle(). */
enum vu_action {
        VU_ACT_NONE,  /* nothing to send */
        VU_ACT_REPLY, /* send *reply */
        VU_ACT_CLOSE, /* drop the connection (vu_dev_disconnect) */
        VU_ACT_AGAIN, /* nothing applied yet: a worker has still to
                       * acknowledge a vring pause; handle the message
                       * again later (it is applied idempotently) */
};

extern int vu_debug_all; /* `debug vhost-user on`: log every message */

/* vu_dev.c: binds dev to its memzone record with no fds held. */
void vu_dev_init(struct vu_dev *dev, struct vsw_state *st, struct vsw_iface *ifc, int vault);

/* Checks the header alone (received length, version, size), so a reader
 * knows whether to read the payload. 0, or -1 logged. */
int vu_msg_check_header(struct vu_dev *dev, const struct vu_msg *msg);

/* Validates msg against the table, applies it, closes every fd it does not
 * keep, and says what to do next; the reply (if any) is in *reply. */
enum vu_action vu_msg_handle(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply);

/* vu_request_names.c: spec name of a request, or NULL (unknown). */
const char *vu_request_name(uint32_t request);

#endif
