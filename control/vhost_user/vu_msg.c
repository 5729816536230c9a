#include "vu_msg.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vu_features.h"
#include "vu_handlers.h"

int vu_debug_all;

enum vu_fd_rule {
        VU_FDS_EXACT,     /* exactly fds */
        VU_FDS_UPTO,      /* 0..fds */
        VU_FDS_VRING,     /* 1, or 0 with VHOST_USER_VRING_NOFD */
        VU_FDS_MEM_TABLE, /* one per region */
};

enum vu_size_rule {
        VU_SIZE_FIXED,     /* exactly size */
        VU_SIZE_MEM_TABLE, /* at least size, then one region per nregions */
};

enum vu_index_rule {
        VU_INDEX_NONE,
        VU_INDEX_STATE, /* payload.state.index */
        VU_INDEX_ADDR,  /* payload.addr.index */
        VU_INDEX_U64,   /* payload.u64 bits 0-7 */
};

struct vu_request {
        vu_handler_fn handler;
        uint8_t fd_rule;
        uint8_t fds;
        uint8_t size_rule;
        uint16_t size;
        uint8_t index_rule;
        uint8_t has_reply; /* the request has its own reply */
};

#define U64    sizeof(uint64_t)
#define STATE  sizeof(struct vhost_vring_state)
#define ADDR   sizeof(struct vhost_vring_addr)
#define MEMREG sizeof(struct vhost_user_mem_reg)
#define LOG    sizeof(struct vhost_user_log)
#define MEMHDR offsetof(struct vhost_user_memory, regions)

#define REQ(r, h, fr, n, sr, sz, ir, rep) [VHOST_USER_##r] = {h, fr, n, sr, sz, ir, rep}

/* A request with a name (vu_request_names.c) and no row here is known to
 * vhostd but not supported. */
static const struct vu_request vu_requests[VHOST_USER_REQUEST_MAX] = {
    REQ(GET_FEATURES, vu_get_features, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 1),
    REQ(SET_FEATURES, vu_set_features, VU_FDS_EXACT, 0, VU_SIZE_FIXED, U64, VU_INDEX_NONE, 0),
    REQ(SET_OWNER, vu_set_owner, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 0),
    REQ(RESET_OWNER, vu_reset_owner, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 0),
    REQ(SET_MEM_TABLE, vu_set_mem_table, VU_FDS_MEM_TABLE, 0, VU_SIZE_MEM_TABLE, MEMHDR,
        VU_INDEX_NONE, 0),
    REQ(SET_LOG_BASE, vu_set_log_base, VU_FDS_EXACT, 1, VU_SIZE_FIXED, LOG, VU_INDEX_NONE, 0),
    REQ(SET_LOG_FD, vu_set_log_fd, VU_FDS_EXACT, 1, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 0),
    REQ(SET_VRING_NUM, vu_set_vring_num, VU_FDS_EXACT, 0, VU_SIZE_FIXED, STATE, VU_INDEX_STATE, 0),
    REQ(SET_VRING_ADDR, vu_set_vring_addr, VU_FDS_EXACT, 0, VU_SIZE_FIXED, ADDR, VU_INDEX_ADDR, 0),
    REQ(SET_VRING_BASE, vu_set_vring_base, VU_FDS_EXACT, 0, VU_SIZE_FIXED, STATE, VU_INDEX_STATE,
        0),
    REQ(GET_VRING_BASE, vu_get_vring_base, VU_FDS_EXACT, 0, VU_SIZE_FIXED, STATE, VU_INDEX_STATE,
        1),
    REQ(SET_VRING_KICK, vu_set_vring_kick, VU_FDS_VRING, 1, VU_SIZE_FIXED, U64, VU_INDEX_U64, 0),
    REQ(SET_VRING_CALL, vu_set_vring_call, VU_FDS_VRING, 1, VU_SIZE_FIXED, U64, VU_INDEX_U64, 0),
    REQ(SET_VRING_ERR, vu_set_vring_err, VU_FDS_VRING, 1, VU_SIZE_FIXED, U64, VU_INDEX_U64, 0),
    REQ(GET_PROTOCOL_FEATURES, vu_get_protocol_features, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0,
        VU_INDEX_NONE, 1),
    REQ(SET_PROTOCOL_FEATURES, vu_set_protocol_features, VU_FDS_EXACT, 0, VU_SIZE_FIXED, U64,
        VU_INDEX_NONE, 0),
    REQ(GET_QUEUE_NUM, vu_get_queue_num, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 1),
    REQ(SET_VRING_ENABLE, vu_set_vring_enable, VU_FDS_EXACT, 0, VU_SIZE_FIXED, STATE,
        VU_INDEX_STATE, 0),
    REQ(SEND_RARP, vu_send_rarp, VU_FDS_EXACT, 0, VU_SIZE_FIXED, U64, VU_INDEX_NONE, 0),
    REQ(NET_SET_MTU, vu_net_set_mtu, VU_FDS_EXACT, 0, VU_SIZE_FIXED, U64, VU_INDEX_NONE, 0),
    REQ(SET_BACKEND_REQ_FD, vu_set_backend_req_fd, VU_FDS_EXACT, 1, VU_SIZE_FIXED, 0, VU_INDEX_NONE,
        0),
    REQ(RESET_DEVICE, vu_reset_owner, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 0),
    REQ(GET_MAX_MEM_SLOTS, vu_get_max_mem_slots, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE,
        1),
    REQ(ADD_MEM_REG, vu_add_mem_reg, VU_FDS_EXACT, 1, VU_SIZE_FIXED, MEMREG, VU_INDEX_NONE, 0),
    REQ(REM_MEM_REG, vu_rem_mem_reg, VU_FDS_UPTO, 1, VU_SIZE_FIXED, MEMREG, VU_INDEX_NONE, 0),
    REQ(SET_STATUS, vu_set_status, VU_FDS_EXACT, 0, VU_SIZE_FIXED, U64, VU_INDEX_NONE, 0),
    REQ(GET_STATUS, vu_get_status, VU_FDS_EXACT, 0, VU_SIZE_FIXED, 0, VU_INDEX_NONE, 1),
};

static const char *msg_name(const struct vu_msg *msg, char *buf, size_t len)
{
        const char *name = vu_request_name(msg->hdr.request);

        if (name)
                return name;
        snprintf(buf, len, "request %" PRIu32, msg->hdr.request);
        return buf;
}

int vu_msg_check_header(struct vu_dev *dev, const struct vu_msg *msg)
{
        if (msg->hdr_len < VHOST_USER_HDR_SIZE) {
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: truncated header (%u of %zu bytes)",
                        dev->ifc->name, msg->hdr_len, VHOST_USER_HDR_SIZE);
                return -1;
        }
        if ((msg->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION) {
                vu_log_err(dev, msg, "wrong version %u in flags 0x%x (expected %u)",
                           msg->hdr.flags & VHOST_USER_VERSION_MASK, msg->hdr.flags,
                           VHOST_USER_VERSION);
                return -1;
        }
        if (msg->hdr.size > VHOST_USER_PAYLOAD_MAX) {
                vu_log_err(dev, msg, "size %u over the max (%zu)", msg->hdr.size,
                           VHOST_USER_PAYLOAD_MAX);
                return -1;
        }
        return 0;
}

static unsigned expected_fds(const struct vu_request *rq, const struct vu_msg *msg)
{
        switch (rq->fd_rule) {
        case VU_FDS_VRING:
                return (msg->payload.u64 & VHOST_USER_VRING_NOFD) ? 0 : 1;
        case VU_FDS_MEM_TABLE:
                return msg->payload.memory.nregions;
        default:
                return rq->fds;
        }
}

static uint32_t vring_index(const struct vu_request *rq, const struct vu_msg *msg)
{
        switch (rq->index_rule) {
        case VU_INDEX_STATE:
                return msg->payload.state.index;
        case VU_INDEX_ADDR:
                return msg->payload.addr.index;
        default:
                return (uint32_t)(msg->payload.u64 & VHOST_USER_VRING_IDX_MASK);
        }
}

/* Everything a message must satisfy before its handler runs (the header was
 * checked by vu_msg_check_header). Returns the table entry, or NULL logged. */
static const struct vu_request *validate(struct vu_dev *dev, const struct vu_msg *msg)
{
        const struct vu_request *rq = NULL;

        if (msg->len < msg->hdr.size) {
                vu_log_err(dev, msg, "truncated payload (%u of %u bytes)", msg->len, msg->hdr.size);
                return NULL;
        }
        if (!vu_request_name(msg->hdr.request)) {
                vu_log_err(dev, msg, "unknown request");
                return NULL;
        }
        rq = &vu_requests[msg->hdr.request];
        if (!rq->handler) {
                vu_log_err(dev, msg, "not supported by vhostd");
                return NULL;
        }
        if (rq->size_rule == VU_SIZE_MEM_TABLE) {
                if (msg->hdr.size < rq->size) {
                        vu_log_err(dev, msg, "payload size %u, expected at least %u", msg->hdr.size,
                                   rq->size);
                        return NULL;
                }
                uint32_t n = msg->payload.memory.nregions;

                if (n > VHOST_MEMORY_BASELINE_NREGIONS) {
                        vu_log_err(dev, msg, "%u regions (at most %u)", n,
                                   VHOST_MEMORY_BASELINE_NREGIONS);
                        return NULL;
                }
                if (msg->hdr.size != rq->size + n * sizeof(struct vhost_user_memory_region)) {
                        vu_log_err(dev, msg, "payload size %u does not match %u regions (%zu)",
                                   msg->hdr.size, n,
                                   rq->size + n * sizeof(struct vhost_user_memory_region));
                        return NULL;
                }
        } else if (msg->hdr.size != rq->size) {
                vu_log_err(dev, msg, "payload size %u, expected %u", msg->hdr.size, rq->size);
                return NULL;
        }
        unsigned want = expected_fds(rq, msg);
        if (msg->fds_truncated ||
            (rq->fd_rule == VU_FDS_UPTO ? msg->nfds > want : msg->nfds != want)) {
                vu_log_err(dev, msg, "fd count mismatch: %s%u fds, expected %s%u",
                           msg->fds_truncated ? "more than " : "", msg->nfds,
                           rq->fd_rule == VU_FDS_UPTO ? "at most " : "", want);
                return NULL;
        }
        if (rq->index_rule != VU_INDEX_NONE) {
                uint32_t q = vring_index(rq, msg);

                if (q >= VSW_MAX_VRINGS) {
                        vu_log_err(dev, msg, "vring index %u out of range (max %u)", q,
                                   VSW_MAX_VRINGS - 1);
                        return NULL;
                }
        }
        return rq;
}

static void log_message(const struct vu_dev *dev, const struct vu_msg *msg)
{
        char buf[32];
        const uint32_t *w = (const uint32_t *)&msg->payload;

        VSW_INFO(VSW_LOG_VHOST_USER,
                 "%s: %s flags 0x%x size %u fds %u payload %08x %08x %08x %08x %08x %08x",
                 dev->ifc->name, msg_name(msg, buf, sizeof(buf)), msg->hdr.flags, msg->hdr.size,
                 msg->nfds, msg->len > 0 ? w[0] : 0, msg->len > 4 ? w[1] : 0,
                 msg->len > 8 ? w[2] : 0, msg->len > 12 ? w[3] : 0, msg->len > 16 ? w[4] : 0,
                 msg->len > 20 ? w[5] : 0);
}

static void close_unkept_fds(struct vu_msg *msg)
{
        for (unsigned i = 0; i < msg->nfds; i++) {
                if (msg->fds[i] >= 0)
                        close(msg->fds[i]);
                msg->fds[i] = -1;
        }
        msg->nfds = 0;
}

static void reply_header(const struct vu_msg *msg, struct vu_msg *reply)
{
        reply->hdr.request = msg->hdr.request;
        reply->hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
}

enum vu_action vu_msg_handle(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        enum vu_result r;
        const struct vu_request *rq;

        memset(reply, 0, sizeof(*reply));
        if (dev->ifc->debug || vu_debug_all)
                log_message(dev, msg);
        if (vu_msg_check_header(dev, msg) < 0) {
                close_unkept_fds(msg);
                return VU_ACT_CLOSE;
        }
        rq = validate(dev, msg);
        if (!rq) {
                r = msg->len < msg->hdr.size ? VU_R_CLOSE : VU_R_FAIL;
        } else {
                reply_header(msg, reply);
                r = rq->handler(dev, msg, reply);
        }
        close_unkept_fds(msg);

        int ack = (msg->hdr.flags & VHOST_USER_NEED_REPLY_MASK) &&
                  vu_has_protocol_feature(dev, VHOST_USER_PROTOCOL_F_REPLY_ACK);
        int own_reply =
            msg->hdr.request < VHOST_USER_REQUEST_MAX && vu_requests[msg->hdr.request].has_reply;
        switch (r) {
        case VU_R_AGAIN:
                return VU_ACT_AGAIN;
        case VU_R_REPLY:
                return VU_ACT_REPLY;
        case VU_R_OK:
                if (!ack || own_reply)
                        return VU_ACT_NONE;
                reply_header(msg, reply);
                vu_reply_u64(reply, 0);
                return VU_ACT_REPLY;
        case VU_R_FAIL:
                /* Only REPLY_ACK can tell the front end a request failed; one
                 * waiting for a reply of the message's own must see a hang-up. */
                if (!ack || own_reply)
                        return VU_ACT_CLOSE;
                reply_header(msg, reply);
                vu_reply_u64(reply, 1);
                return VU_ACT_REPLY;
        case VU_R_CLOSE:
                break;
        }
        return VU_ACT_CLOSE;
}
