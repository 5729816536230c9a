/* The virtio-net header's offload fields to and from mbuf metadata. A
 * guest's header is untrusted: every offset it gives is checked against
 * the frame before anything is read or written through it. */
#include "virtio_net_hdr.h"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf_ptype.h>
#include <rte_net.h>
#include <rte_tcp.h>

#include "mbuf_cksum.h"
#include "virtq_copy.h"

#define TCP_CSUM_OFFSET 16 /* th_sum in the TCP header */
#define UDP_CSUM_OFFSET 6  /* uh_sum in the UDP header */

void virtio_net_hdr_gather(const struct virtq_buf *bufs, uint32_t nbufs,
                           struct virtio_net_hdr_le *h)
{
        uint8_t *dst = (uint8_t *)h;
        uint32_t got = 0;

        memset(h, 0, sizeof(*h));
        for (uint32_t i = 0; i < nbufs && got < VIRTIO_NET_HDR_OFFLOAD_LEN; i++) {
                uint32_t n = RTE_MIN(bufs[i].len, VIRTIO_NET_HDR_OFFLOAD_LEN - got);

                memcpy(dst + got, bufs[i].addr, n);
                got += n;
        }
}

/* Two bytes at off (off + 2 <= pkt_len, checked) into m, across segments. */
static void put16(struct rte_mbuf *m, uint32_t off, uint16_t v)
{
        const uint8_t *src = (const uint8_t *)&v;
        unsigned k = 0;

        for (struct rte_mbuf *seg = m; seg != NULL && k < 2; seg = seg->next) {
                while (k < 2 && off < seg->data_len)
                        *rte_pktmbuf_mtod_offset(seg, uint8_t *, off++) = src[k++];
                off -= seg->data_len;
        }
}

/* A partial checksum at a place no mbuf offload flag describes (not
 * TCP/UDP right after the IP header): completed now, as the device would,
 * over [start, end of frame) with the pseudo-header sum the guest left in
 * the field. */
static enum virtq_drop complete_here(struct rte_mbuf *m, uint32_t start, uint32_t off,
                                     struct virtq_stats *st)
{
        uint16_t raw, csum;

        if (mbuf_raw_cksum(m, start, m->pkt_len - start, &raw) != 0)
                return VQ_DROP_BAD_NET_HDR;
        csum = (uint16_t)~raw;
        put16(m, start + off, csum == 0 ? 0xffff : csum);
        st->sw_csum++;
        return VQ_DROP_NONE;
}

/* A TCP/IPv6 TSO frame the switch can also segment (gso/tcp6_gso.c): IPv6
 * by its version too, no extension header before TCP. */
static bool tcp6_plain(const struct rte_mbuf *m, const struct rte_net_hdr_lens *hl)
{
        const struct rte_ipv6_hdr *ip =
            rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, hl->l2_len);

        return hl->l3_len == sizeof(*ip) && (rte_be_to_cpu_32(ip->vtc_flow) >> 28) == 6;
}

static bool gso_allowed(uint8_t gso, uint8_t host_ol)
{
        switch (gso) {
        case VIRTIO_NET_HDR_GSO_TCPV4:
                return (host_ol & VIRTQ_OL_TSO4) != 0;
        case VIRTIO_NET_HDR_GSO_TCPV6:
                return (host_ol & VIRTQ_OL_TSO6) != 0;
        default:
                return false; /* UDP (UFO) is never offered */
        }
}

enum virtq_drop virtio_net_hdr_tx(const struct virtio_net_hdr_le *h, struct rte_mbuf *m,
                                  uint8_t host_ol, struct virtq_stats *st)
{
        const uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
        const uint32_t start = rte_le_to_cpu_16(h->csum_start);
        const uint32_t off = rte_le_to_cpu_16(h->csum_offset);
        struct rte_net_hdr_lens hl;
        uint32_t ptype, l4, hdrs;
        bool v4, v6, std;

        if (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
                return VQ_DROP_BAD_NET_HDR;
        if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
                return h->gso_type == 0 ? VQ_DROP_NONE : VQ_DROP_BAD_NET_HDR;
        if (!(host_ol & VIRTQ_OL_CSUM) || start + off + 2 > m->pkt_len)
                return VQ_DROP_BAD_NET_HDR;
        if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) &&
            (!(host_ol & VIRTQ_OL_ECN) || gso == VIRTIO_NET_HDR_GSO_NONE))
                return VQ_DROP_BAD_NET_HDR;
        if (gso != VIRTIO_NET_HDR_GSO_NONE && (!gso_allowed(gso, host_ol) || h->gso_size == 0 ||
                                               rte_le_to_cpu_16(h->hdr_len) > m->pkt_len))
                return VQ_DROP_BAD_NET_HDR;

        ptype =
            rte_net_get_ptype(m, &hl, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK);
        l4 = ptype & RTE_PTYPE_L4_MASK;
        v4 = RTE_ETH_IS_IPV4_HDR(ptype);
        v6 = RTE_ETH_IS_IPV6_HDR(ptype);
        hdrs = (uint32_t)hl.l2_len + hl.l3_len + hl.l4_len;
        /* What the mbuf flags describe, headers in the first segment (the
         * checksum and segmentation code reads them there). */
        std = (v4 || v6) && start == (uint32_t)hl.l2_len + hl.l3_len &&
              ((l4 == RTE_PTYPE_L4_TCP && off == TCP_CSUM_OFFSET) ||
               (l4 == RTE_PTYPE_L4_UDP && off == UDP_CSUM_OFFSET)) &&
              hdrs <= m->data_len;
        if (gso != VIRTIO_NET_HDR_GSO_NONE) {
                if (!std || l4 != RTE_PTYPE_L4_TCP || (gso == VIRTIO_NET_HDR_GSO_TCPV4) != v4 ||
                    hl.l4_len < sizeof(struct rte_tcp_hdr) || (v6 && !tcp6_plain(m, &hl)))
                        return VQ_DROP_BAD_NET_HDR;
        } else if (!std) {
                return complete_here(m, start, off, st);
        }
        m->l2_len = hl.l2_len;
        m->l3_len = hl.l3_len;
        m->l4_len = hl.l4_len;
        m->ol_flags |= (v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6) |
                       (l4 == RTE_PTYPE_L4_TCP ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM);
        if (gso != VIRTIO_NET_HDR_GSO_NONE) {
                m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
                m->tso_segsz = rte_le_to_cpu_16(h->gso_size);
                st->gso_in++;
        }
        return VQ_DROP_NONE;
}

void virtio_net_hdr_rx(const struct rte_mbuf *m, uint8_t guest_ol, uint8_t out[10])
{
        struct virtio_net_hdr_le h = {0};
        uint64_t ol = m->ol_flags;

        if (ol & RTE_MBUF_F_TX_L4_MASK) {
                h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
                h.csum_start = rte_cpu_to_le_16((uint16_t)(m->l2_len + m->l3_len));
                h.csum_offset = rte_cpu_to_le_16(
                    (ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM ? UDP_CSUM_OFFSET
                                                                            : TCP_CSUM_OFFSET);
        } else if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
                   (guest_ol & VIRTQ_OL_CSUM)) {
                h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
        }
        if (ol & RTE_MBUF_F_TX_TCP_SEG) {
                h.gso_type =
                    (ol & RTE_MBUF_F_TX_IPV6) ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
                if (virtio_net_hdr_cwr(m))
                        h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
                h.gso_size = rte_cpu_to_le_16(m->tso_segsz);
                h.hdr_len = rte_cpu_to_le_16((uint16_t)(m->l2_len + m->l3_len + m->l4_len));
        }
        memcpy(out, &h, VIRTIO_NET_HDR_OFFLOAD_LEN);
}
