/* The virtio and vhost-user feature bits both sides of the switch read:
 * vhostd negotiates them (control/vhost_user/vu_features.c), the workers
 * set up their ring engines from what was negotiated. Names as the specs
 * spell them. */
#ifndef VSW_VIRTIO_SPEC_H
#define VSW_VIRTIO_SPEC_H

/* Feature bits (virtio 1.x "Feature Bits"; VHOST_F_LOG_ALL and
 * VHOST_USER_F_PROTOCOL_FEATURES from vhost-user.rst). */
#define VIRTIO_NET_F_CSUM              0
#define VIRTIO_NET_F_GUEST_CSUM        1
#define VIRTIO_NET_F_MTU               3
#define VIRTIO_NET_F_GUEST_TSO4        7
#define VIRTIO_NET_F_GUEST_TSO6        8
#define VIRTIO_NET_F_GUEST_ECN         9
#define VIRTIO_NET_F_HOST_TSO4         11
#define VIRTIO_NET_F_HOST_TSO6         12
#define VIRTIO_NET_F_HOST_ECN          13
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

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
#define VHOST_USER_PROTOCOL_F_MQ                  0
#define VHOST_USER_PROTOCOL_F_LOG_SHMFD           1
#define VHOST_USER_PROTOCOL_F_RARP                2
#define VHOST_USER_PROTOCOL_F_REPLY_ACK           3
#define VHOST_USER_PROTOCOL_F_MTU                 4
#define VHOST_USER_PROTOCOL_F_BACKEND_REQ         5
#define VHOST_USER_PROTOCOL_F_RESET_DEVICE        13
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15
#define VHOST_USER_PROTOCOL_F_STATUS              16

#define VIRTIO_BIT(b) (1ULL << (b))

/* The virtio-net header's flags and gso_type (virtio 1.x "Packet
 * Transmission"). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE     0
#define VIRTIO_NET_HDR_GSO_TCPV4    1
#define VIRTIO_NET_HDR_GSO_UDP      3
#define VIRTIO_NET_HDR_GSO_TCPV6    4
#define VIRTIO_NET_HDR_GSO_ECN      0x80

/* The MTUs a virtio-net device may report (VIRTIO_NET_F_MTU): at least
 * IPv4's minimum, at most what its 16-bit config field holds. */
#define VIRTIO_NET_MIN_MTU 68
#define VIRTIO_NET_MAX_MTU 65535

#endif
