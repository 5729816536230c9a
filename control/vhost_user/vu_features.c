#include "vu_features.h"

#include <stddef.h>

struct vu_feature {
        unsigned bit;
        const char *name;
};

static const struct vu_feature vu_features[] = {
    {VIRTIO_NET_F_CSUM, "VIRTIO_NET_F_CSUM"},
    {VIRTIO_NET_F_GUEST_CSUM, "VIRTIO_NET_F_GUEST_CSUM"},
    {VIRTIO_NET_F_GUEST_TSO4, "VIRTIO_NET_F_GUEST_TSO4"},
    {VIRTIO_NET_F_GUEST_TSO6, "VIRTIO_NET_F_GUEST_TSO6"},
    {VIRTIO_NET_F_GUEST_ECN, "VIRTIO_NET_F_GUEST_ECN"},
    {VIRTIO_NET_F_HOST_TSO4, "VIRTIO_NET_F_HOST_TSO4"},
    {VIRTIO_NET_F_HOST_TSO6, "VIRTIO_NET_F_HOST_TSO6"},
    {VIRTIO_NET_F_HOST_ECN, "VIRTIO_NET_F_HOST_ECN"},
    {VIRTIO_NET_F_MTU, "VIRTIO_NET_F_MTU"},
    {VIRTIO_NET_F_MRG_RXBUF, "VIRTIO_NET_F_MRG_RXBUF"},
    {VIRTIO_NET_F_STATUS, "VIRTIO_NET_F_STATUS"},
    {VIRTIO_NET_F_CTRL_VQ, "VIRTIO_NET_F_CTRL_VQ"},
    {VIRTIO_NET_F_CTRL_RX, "VIRTIO_NET_F_CTRL_RX"},
    {VIRTIO_NET_F_GUEST_ANNOUNCE, "VIRTIO_NET_F_GUEST_ANNOUNCE"},
    {VIRTIO_NET_F_MQ, "VIRTIO_NET_F_MQ"},
    {VIRTIO_F_NOTIFY_ON_EMPTY, "VIRTIO_F_NOTIFY_ON_EMPTY"},
    {VHOST_F_LOG_ALL, "VHOST_F_LOG_ALL"},
    {VIRTIO_F_ANY_LAYOUT, "VIRTIO_F_ANY_LAYOUT"},
    {VIRTIO_RING_F_INDIRECT_DESC, "VIRTIO_RING_F_INDIRECT_DESC"},
    {VIRTIO_RING_F_EVENT_IDX, "VIRTIO_RING_F_EVENT_IDX"},
    {VHOST_USER_F_PROTOCOL_FEATURES, "VHOST_USER_F_PROTOCOL_FEATURES"},
    {VIRTIO_F_VERSION_1, "VIRTIO_F_VERSION_1"},
    {VIRTIO_F_RING_PACKED, "VIRTIO_F_RING_PACKED"},
    {VIRTIO_F_IN_ORDER, "VIRTIO_F_IN_ORDER"},
};

static const struct vu_feature vu_protocol_features[] = {
    {VHOST_USER_PROTOCOL_F_MQ, "VHOST_USER_PROTOCOL_F_MQ"},
    {VHOST_USER_PROTOCOL_F_LOG_SHMFD, "VHOST_USER_PROTOCOL_F_LOG_SHMFD"},
    {VHOST_USER_PROTOCOL_F_RARP, "VHOST_USER_PROTOCOL_F_RARP"},
    {VHOST_USER_PROTOCOL_F_REPLY_ACK, "VHOST_USER_PROTOCOL_F_REPLY_ACK"},
    {VHOST_USER_PROTOCOL_F_MTU, "VHOST_USER_PROTOCOL_F_MTU"},
    {VHOST_USER_PROTOCOL_F_BACKEND_REQ, "VHOST_USER_PROTOCOL_F_BACKEND_REQ"},
    {VHOST_USER_PROTOCOL_F_RESET_DEVICE, "VHOST_USER_PROTOCOL_F_RESET_DEVICE"},
    {VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, "VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS"},
    {VHOST_USER_PROTOCOL_F_STATUS, "VHOST_USER_PROTOCOL_F_STATUS"},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t mask_of(const struct vu_feature *t, size_t n)
{
        uint64_t m = 0;

        for (size_t i = 0; i < n; i++)
                m |= VIRTIO_BIT(t[i].bit);
        return m;
}

static const char *name_of(const struct vu_feature *t, size_t n, unsigned bit)
{
        for (size_t i = 0; i < n; i++)
                if (t[i].bit == bit)
                        return t[i].name;
        return NULL;
}

uint64_t vu_supported_features(void)
{
        return mask_of(vu_features, ARRAY_LEN(vu_features));
}

uint64_t vu_supported_protocol_features(void)
{
        return mask_of(vu_protocol_features, ARRAY_LEN(vu_protocol_features));
}

uint64_t vu_features_consistent(uint64_t f)
{
        const uint64_t host_gso = VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
                                  VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) |
                                  VIRTIO_BIT(VIRTIO_NET_F_HOST_ECN);
        const uint64_t guest_gso = VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
                                   VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) |
                                   VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN);

        if (!(f & VIRTIO_BIT(VIRTIO_NET_F_CSUM)))
                f &= ~host_gso;
        if (!(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)))
                f &= ~guest_gso;
        if (!(f & (VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6))))
                f &= ~VIRTIO_BIT(VIRTIO_NET_F_HOST_ECN);
        if (!(f & (VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6))))
                f &= ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN);
        return f;
}

const char *vu_feature_name(unsigned bit)
{
        return name_of(vu_features, ARRAY_LEN(vu_features), bit);
}

const char *vu_protocol_feature_name(unsigned bit)
{
        return name_of(vu_protocol_features, ARRAY_LEN(vu_protocol_features), bit);
}
