/* Device-wide requests: features, ownership, queue count, RARP, MTU,
 * status, the back-end channel. */
#include <inttypes.h>
#include <string.h>

#include "vu_features.h"
#include "vu_handlers.h"

enum vu_result vu_get_features(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)msg;
        vu_reply_u64(reply, vu_offered_features(dev));
        return VU_R_REPLY;
}

/* Does this SET_FEATURES change vr's layout (split or packed)? */
static int layout_flips(const struct vsw_vring *vr, uint64_t features)
{
        int packed = (features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)) != 0;

        return packed != ((vr->state & VSW_VRING_PACKED) != 0);
}

/* A ring's size and addresses were checked for the layout they came with
 * (a packed ring needs neither a power-of-two size nor the split ring's
 * avail and used arrays). A running ring cannot change layout: refused.
 * A stopped one may (a guest driver reloaded and chose the other layout),
 * and forgets its size, addresses and indices, which the front end sends
 * again before it starts the ring, as the spec has it do after a reset. */
static int check_layout_change(struct vu_dev *dev, const struct vu_msg *msg, uint64_t features)
{
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                const struct vsw_vring *vr = &dev->ifc->vrings[q];

                if (layout_flips(vr, features) && (vr->state & VSW_VRING_STARTED)) {
                        vu_log_err(dev, msg,
                                   "vring %u is running as a %s ring: VIRTIO_F_RING_PACKED cannot "
                                   "change before GET_VRING_BASE stops it",
                                   q, (vr->state & VSW_VRING_PACKED) ? "packed" : "split");
                        return -1;
                }
        }
        return 0;
}

static void forget_layout(struct vsw_vring *vr)
{
        vr->state &= ~VSW_VRING_ADDR_SET;
        vr->num = 0;
        vr->desc_user_addr = vr->avail_user_addr = vr->used_user_addr = 0;
        vr->desc_gpa = vr->avail_gpa = vr->used_gpa = 0;
        vr->last_avail_idx = vr->last_used_idx = 0;
        vr->packed_progress = 0;
}

enum vu_result vu_set_features(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        struct vsw_iface *ifc = dev->ifc;
        uint64_t features = msg->payload.u64;
        uint64_t offered = vu_offered_features(dev);

        (void)reply;
        if (features & ~offered) {
                vu_log_err(dev, msg,
                           "features 0x%" PRIx64 " were not offered (offered 0x%" PRIx64 ")",
                           features & ~offered, offered);
                return VU_R_FAIL;
        }
        if (check_layout_change(dev, msg, features) < 0)
                return VU_R_FAIL;
        if (vu_pause_all(dev) < 0)
                return VU_R_AGAIN;
        ifc->features = features;
        ifc->features_set = 1;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                struct vsw_vring *vr = &ifc->vrings[q];

                if (layout_flips(vr, features))
                        forget_layout(vr);
                if (features & VIRTIO_BIT(VIRTIO_F_RING_PACKED))
                        vr->state |= VSW_VRING_PACKED;
                else
                        vr->state &= ~VSW_VRING_PACKED;
                /* Without PROTOCOL_FEATURES there is no SET_VRING_ENABLE: rings
                 * are enabled from the start. */
                if (!(features & VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
                        vr->state |= VSW_VRING_ENABLED;
        }
        vu_release_all(dev);
        return VU_R_OK;
}

enum vu_result vu_set_owner(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)msg;
        (void)reply;
        dev->ifc->owner_set = 1;
        return VU_R_OK;
}

/* RESET_OWNER and RESET_DEVICE: back to a freshly connected device. */
enum vu_result vu_reset_owner(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)msg;
        (void)reply;
        return vu_dev_reset(dev) < 0 ? VU_R_AGAIN : VU_R_OK;
}

enum vu_result vu_get_protocol_features(struct vu_dev *dev, struct vu_msg *msg,
                                        struct vu_msg *reply)
{
        (void)dev;
        (void)msg;
        vu_reply_u64(reply, vu_supported_protocol_features());
        return VU_R_REPLY;
}

enum vu_result vu_set_protocol_features(struct vu_dev *dev, struct vu_msg *msg,
                                        struct vu_msg *reply)
{
        uint64_t features = msg->payload.u64;
        uint64_t offered = vu_supported_protocol_features();

        (void)reply;
        if (features & ~offered) {
                vu_log_err(dev, msg,
                           "protocol features 0x%" PRIx64 " were not offered (offered 0x%" PRIx64
                           ")",
                           features & ~offered, offered);
                return VU_R_FAIL;
        }
        dev->ifc->protocol_features = features;
        return VU_R_OK;
}

enum vu_result vu_get_queue_num(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)dev;
        (void)msg;
        vu_reply_u64(reply, VSW_MAX_QUEUE_PAIRS);
        return VU_R_REPLY;
}

enum vu_result vu_send_rarp(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        struct vsw_iface *ifc = dev->ifc;

        (void)reply;
        memcpy(ifc->rarp_mac, &msg->payload.u64, sizeof(ifc->rarp_mac));
        /* The dataplane broadcasts a RARP for this MAC when the count moves. */
        atomic_fetch_add_explicit(&ifc->rarp_seq, 1, memory_order_release);
        return VU_R_OK;
}

enum vu_result vu_net_set_mtu(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        uint64_t mtu = msg->payload.u64;

        (void)reply;
        if (mtu < VIRTIO_NET_MIN_MTU || mtu > VIRTIO_NET_MAX_MTU) {
                vu_log_err(dev, msg, "MTU %" PRIu64 " out of range (%u..%u)", mtu,
                           VIRTIO_NET_MIN_MTU, VIRTIO_NET_MAX_MTU);
                return VU_R_FAIL;
        }
        dev->ifc->mtu = (uint32_t)mtu;
        return VU_R_OK;
}

enum vu_result vu_set_backend_req_fd(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)reply;
        vu_replace_fd(dev, &dev->backend_fd, msg->fds[0],
                      (struct vsw_key){.kind = VSW_KEY_BACKEND});
        msg->fds[0] = -1;
        return VU_R_OK;
}

enum vu_result vu_set_status(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)reply;
        if (msg->payload.u64 > UINT8_MAX) {
                vu_log_err(dev, msg, "status 0x%" PRIx64 " is not an 8-bit device status",
                           msg->payload.u64);
                return VU_R_FAIL;
        }
        dev->ifc->device_status = (uint32_t)msg->payload.u64;
        return VU_R_OK;
}

enum vu_result vu_get_status(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)msg;
        vu_reply_u64(reply, dev->ifc->device_status);
        return VU_R_REPLY;
}
