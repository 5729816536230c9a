/* Feature bits of virtio-net over vhost-user that vhostd supports, and their
 * names as the virtio and vhost-user specs spell them. */
#ifndef VU_FEATURES_H
#define VU_FEATURES_H

#include <stdint.h>

#define VIRTIO_NET_F_MTU               3
#define VIRTIO_NET_F_MRG_RXBUF         15
#define VIRTIO_NET_F_STATUS            16
#define VIRTIO_NET_F_CTRL_VQ           17
#define VIRTIO_NET_F_CTRL_RX           18
#define VIRTIO_NET_F_GUEST_ANNOUNCE    21
#define VIRTIO_NET_F_MQ                22
#define VIRTIO_F_NOTIFY_ON_EMPTY       24
#define VHOST_F_LOG_ALL                26
#define VIRTIO_F_ANY_LAYOUT            27
#define VIRTIO_RING_F_INDIRECT_DESC    28
#define VIRTIO_RING_F_EVENT_IDX        29
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VIRTIO_F_VERSION_1             32
#define VIRTIO_F_RING_PACKED           34
#define VIRTIO_F_IN_ORDER              35

#define VHOST_USER_PROTOCOL_F_MQ                  0
#define VHOST_USER_PROTOCOL_F_LOG_SHMFD           1
#define VHOST_USER_PROTOCOL_F_RARP                2
#define VHOST_USER_PROTOCOL_F_REPLY_ACK           3
#define VHOST_USER_PROTOCOL_F_MTU                 4
#define VHOST_USER_PROTOCOL_F_BACKEND_REQ         5
#define VHOST_USER_PROTOCOL_F_RESET_DEVICE        13
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VHOST_USER_PROTOCOL_F_STATUS              16

#define VU_BIT(b) (1ULL << (b))

/* Everything vhostd can offer; an interface offers this & its feature_mask. */
uint64_t vu_supported_features(void);
uint64_t vu_supported_protocol_features(void);

/* Name of a feature bit, or NULL when vhostd does not know it. */
const char *vu_feature_name(unsigned bit);
const char *vu_protocol_feature_name(unsigned bit);

#endif
