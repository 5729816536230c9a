/* What the split and packed virtqueue engines share: burst size, the
 * reasons a chain or frame is dropped, per-queue counters, and the
 * virtio-net header length. The engines move frames between guest buffers
 * and mbufs; they know the virtio-net header but nothing of Ethernet. */
#ifndef VSW_VIRTQ_H
#define VSW_VIRTQ_H

#include <stdint.h>

#include "virtio_spec.h"

#define VIRTQ_BURST 32
/* Largest frame taken from a guest, virtio-net header excluded: a TSO
 * frame's IP datagram holds at most 65535 bytes, behind an Ethernet header
 * and one VLAN tag; anything larger is malformed. */
#define VIRTQ_MAX_FRAME_LEN (65535u + 14u + 4u)
/* Guest buffers one frame may use (descriptors of a chain, or of all the
 * chains a merged RX frame spans); more and the frame is dropped. */
#define VIRTQ_MAX_BUFS 64

/* Why a descriptor chain or frame was dropped. The VQ_DROP_BAD_* reasons
 * are malformed descriptors: the chain is consumed (used with len 0). */
enum virtq_drop {
        VQ_DROP_NONE,
        VQ_DROP_BAD_HEAD,      /* head index >= ring size */
        VQ_DROP_BAD_NEXT,      /* next index >= ring or table size */
        VQ_DROP_BAD_ADDR,      /* buffer not inside one guest memory region */
        VQ_DROP_BAD_CHAIN,     /* loop, or longer than the ring or table */
        VQ_DROP_BAD_INDIRECT,  /* table size, place, nesting, or with NEXT */
        VQ_DROP_BAD_DIRECTION, /* device-writable where readable is required, or back */
        VQ_DROP_BAD_SHORT,     /* no room for the header, or no frame after it */
        VQ_DROP_BAD_NET_HDR,   /* virtio-net header: offload not negotiated or beyond the frame */
        VQ_DROP_TOO_BIG, /* frame larger than VIRTQ_MAX_FRAME_LEN/BUFS or the guest's buffer */
        VQ_DROP_NO_MBUF, /* mbuf pool empty in the middle of a frame */
        VQ_DROP_MAX
};

/* Offloads a ring's guest negotiated (VIRTQ_OL_* bits): what it may send
 * (CSUM, HOST_TSO4/6, HOST_ECN) and what it takes (GUEST_*). */
#define VIRTQ_OL_CSUM 1u
#define VIRTQ_OL_TSO4 2u
#define VIRTQ_OL_TSO6 4u
#define VIRTQ_OL_ECN  8u

static inline uint8_t virtq_host_ol(uint64_t features)
{
        return (uint8_t)(((features >> VIRTIO_NET_F_CSUM) & 1) ? VIRTQ_OL_CSUM : 0) |
               (uint8_t)(((features >> VIRTIO_NET_F_HOST_TSO4) & 1) ? VIRTQ_OL_TSO4 : 0) |
               (uint8_t)(((features >> VIRTIO_NET_F_HOST_TSO6) & 1) ? VIRTQ_OL_TSO6 : 0) |
               (uint8_t)(((features >> VIRTIO_NET_F_HOST_ECN) & 1) ? VIRTQ_OL_ECN : 0);
}

static inline uint8_t virtq_guest_ol(uint64_t features)
{
        return (uint8_t)(((features >> VIRTIO_NET_F_GUEST_CSUM) & 1) ? VIRTQ_OL_CSUM : 0) |
               (uint8_t)(((features >> VIRTIO_NET_F_GUEST_TSO4) & 1) ? VIRTQ_OL_TSO4 : 0) |
               (uint8_t)(((features >> VIRTIO_NET_F_GUEST_TSO6) & 1) ? VIRTQ_OL_TSO6 : 0) |
               (uint8_t)(((features >> VIRTIO_NET_F_GUEST_ECN) & 1) ? VIRTQ_OL_ECN : 0);
}

struct virtq_stats {
        uint64_t packets;
        uint64_t bytes; /* frame bytes, header excluded */
        uint64_t drops[VQ_DROP_MAX];
        uint64_t no_mbuf_bursts; /* bursts left in the ring: pool empty */
        uint64_t ring_errors;    /* the guest moved avail idx by more than the ring size */
        uint64_t gso_in;         /* guest TX: frames with a GSO type (TSO), taken whole */
        uint64_t sw_csum;        /* guest TX: partial checksums completed here (odd layouts) */
};

/* Name of a drop reason, for logs and `show`. */
const char *virtq_drop_name(enum virtq_drop reason);

/* Sum of the VQ_DROP_BAD_* counters. */
uint64_t virtq_stats_bad_desc(const struct virtq_stats *st);

/* virtio-net header length the driver puts before every frame: 12 with
 * VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MRG_RXBUF, else 10. */
static inline uint16_t virtq_net_hdr_len(uint64_t features)
{
        return (features & (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)))
                   ? 12
                   : 10;
}

#endif
