/* The virtio-net header's offload fields (virtio 1.x "Packet Transmission"
 * and "Packet Receive") to and from an mbuf's offload metadata, in DPDK's
 * conventions: ol_flags RTE_MBUF_F_TX_{IPV4,IPV6,TCP_CKSUM,UDP_CKSUM,
 * TCP_SEG}, l2_len, l3_len, l4_len, tso_segsz, and RTE_MBUF_F_RX_L4_CKSUM_GOOD
 * for a checksum known good (DATA_VALID). Everything past the switch (the
 * bridge, other workers, dataplane/dp_offload.c) reads only the mbuf.
 * Internal to the ring library. */
#ifndef VSW_VIRTIO_NET_HDR_H
#define VSW_VIRTIO_NET_HDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "virtq.h"

/* The header's first 10 bytes, little-endian (VERSION_1; legacy x86 alike). */
struct virtio_net_hdr_le {
        uint8_t flags;
        uint8_t gso_type;
        uint16_t hdr_len;
        uint16_t gso_size;
        uint16_t csum_start;
        uint16_t csum_offset;
};

#define VIRTIO_NET_HDR_OFFLOAD_LEN 10u

/* The ol_flags that make a guest RX header other than all zeros. */
#define VNH_MBUF_FLAGS (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_RX_L4_CKSUM_MASK)

/* Whether a TSO frame's TCP header carries CWR: what the header's
 * GSO_ECN bit says (segmentation must put CWR on the first segment only).
 * Its headers are in the first segment (virtio_net_hdr_tx checked). */
static inline bool virtio_net_hdr_cwr(const struct rte_mbuf *m)
{
        const uint8_t *tcp = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len + m->l3_len);

        return (tcp[13] & 0x80) != 0;
}

/* Guest TX: the header h of the frame now in m, sent by a guest that may
 * use the host_ol offloads (VIRTQ_OL_*). Sets m's offload metadata, or
 * completes an oddly placed partial checksum in place (counted in st);
 * returns VQ_DROP_BAD_NET_HDR when the header asks for an offload the guest
 * did not negotiate or points outside the frame. Never touches a byte
 * outside m. */
enum virtq_drop virtio_net_hdr_tx(const struct virtio_net_hdr_le *h, struct rte_mbuf *m,
                                  uint8_t host_ol, struct virtq_stats *st);

/* Guest RX: the header's first 10 bytes for m, for a guest that takes the
 * guest_ol offloads (dp_offload.c left m nothing it cannot take). */
void virtio_net_hdr_rx(const struct rte_mbuf *m, uint8_t guest_ol, uint8_t out[10]);

/* The header of a TX chain whose first buffer is shorter than it, gathered
 * across its buffers (ANY_LAYOUT). */
struct virtq_buf;
void virtio_net_hdr_gather(const struct virtq_buf *bufs, uint32_t nbufs,
                           struct virtio_net_hdr_le *h);

#endif
