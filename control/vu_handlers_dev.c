/* Device-wide requests: features, ownership, queue count, RARP, MTU,
 * status, the back-end channel. */
#include <inttypes.h>
#include <string.h>

#include "vu_features.h"
#include "vu_handlers.h"

#define VIRTIO_NET_MIN_MTU 68
#define VIRTIO_NET_MAX_MTU 65535

enum vu_result vu_get_features(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)msg;
        vu_reply_u64(reply, vu_offered_features(dev));
        return VU_R_REPLY;
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
        if (vu_pause_all(dev) < 0)
                return VU_R_AGAIN;
        ifc->features = features;
        ifc->features_set = 1;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                struct vsw_vring *vr = &ifc->vrings[q];

                if (features & VU_BIT(VIRTIO_F_RING_PACKED))
                        vr->state |= VSW_VRING_PACKED;
                else
                        vr->state &= ~VSW_VRING_PACKED;
                /* Without PROTOCOL_FEATURES there is no SET_VRING_ENABLE: rings
                 * are enabled from the start. */
                if (!(features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
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
        vu_replace_fd(dev, &dev->backend_fd, msg->fds[0], "backend");
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
