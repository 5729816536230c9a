/* Offloads on the way out: a frame carrying a guest's offload requests
 * (partial checksum, TSO: mbuf metadata set by dataplane/ring/
 * virtio_net_hdr.c) goes to a guest that negotiated them as it is, the
 * virtio-net header carrying them over, and to the uplink's PMD as it is
 * when the PMD has the offload; for a guest that did not, and for an
 * uplink without it, the switch segments it (rte_gso for IPv4, gso/tcp6_gso.c for
 * IPv6, which rte_gso lacks in 22.11) and completes checksums (rte_ip's
 * helpers) first. A frame shared with other destinations (flood,
 * another worker) is copied before it is changed. Frames completed here
 * are marked checksum-good: DATA_VALID for guests with GUEST_CSUM. */

#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_vq.h"
#include "mbuf_cksum.h"
#include "tcp6_gso.h"
#include "virtio_net_hdr.h"

/* Segments one TSO frame may become: a 64 KiB frame at an MSS of 256. A
 * guest asking for more (a tinier MSS) has that frame dropped. */
#define DP_OL_MAX_SEGS 256

#define TX_OL_FLAGS                                                                                \
        (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | \
         RTE_MBUF_F_TX_IP_CKSUM)

struct ol_counts {
        uint64_t *segmented;
        uint64_t *csum;
};

static inline bool pending(const struct rte_mbuf *m)
{
        return (m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) != 0;
}

/* Whether a guest taking the caps offloads (VIRTQ_OL_*) can have m as it is. */
static bool fits(const struct rte_mbuf *m, uint8_t caps)
{
        uint64_t ol = m->ol_flags;

        if (!(caps & VIRTQ_OL_CSUM))
                return false;
        if (!(ol & RTE_MBUF_F_TX_TCP_SEG))
                return true;
        if (!(caps & ((ol & RTE_MBUF_F_TX_IPV6) ? VIRTQ_OL_TSO6 : VIRTQ_OL_TSO4)))
                return false;
        return (caps & VIRTQ_OL_ECN) || !virtio_net_hdr_cwr(m);
}

/* The L4 (and, after segmentation, IPv4 header) checksum of m, whose
 * headers are in its first segment, over the L4 length its IP header
 * gives: rte_ip's pseudo-header sums, mbuf_cksum.h's sum over the chain
 * (not rte_ipv4/6_udptcp_cksum_mbuf's: see there). */
static void csum_complete(struct rte_mbuf *m, bool ip_too)
{
        uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
        uint16_t l4_off = (uint16_t)(m->l2_len + m->l3_len);
        bool udp = (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM;
        uint16_t *field = rte_pktmbuf_mtod_offset(m, uint16_t *, l4_off + (udp ? 6 : 16));
        uint32_t l4_len, sum;
        uint16_t raw, csum;

        *field = 0;
        if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
                struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

                if (ip_too) {
                        ip->hdr_checksum = 0;
                        ip->hdr_checksum = rte_ipv4_cksum(ip);
                }
                l4_len = rte_be_to_cpu_16(ip->total_length);
                l4_len = l4_len > m->l3_len ? l4_len - m->l3_len : 0;
                sum = rte_ipv4_phdr_cksum(ip, 0);
        } else {
                struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

                l4_len = rte_be_to_cpu_16(ip->payload_len);
                sum = rte_ipv6_phdr_cksum(ip, 0);
        }
        if (mbuf_raw_cksum(m, l4_off, l4_len, &raw) != 0)
                return; /* lengths that are not the frame's: left 0, as DPDK's helpers do */
        sum += raw;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        csum = (uint16_t)~sum;
        *field = (csum == 0 && udp) ? 0xffff : csum;
}

/* A private copy of m when others hold it too (m's reference dropped), so
 * that changing it changes nobody else's frame; NULL when no copy could be
 * made. */
static struct rte_mbuf *own(struct dp_worker *w, struct rte_mbuf *m)
{
        struct rte_mbuf *c;

        if (rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m))
                return m;
        c = rte_pktmbuf_copy(m, w->mp, 0, UINT32_MAX);
        rte_pktmbuf_free(m);
        return c;
}

/* The TSO frame m cut into out[] (room for DP_OL_MAX_SEGS): the segments
 * made, 0 when it fits one, negative when it cannot be cut. */
static int segment(struct dp_worker *w, struct rte_mbuf *m, struct rte_mbuf **out)
{
        struct rte_gso_ctx ctx = {
            .direct_pool = w->mp,
            .indirect_pool = w->mp,
            .gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
            .gso_size = (uint16_t)RTE_MIN(
                (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz, UINT16_MAX),
        };

        if (m->ol_flags & RTE_MBUF_F_TX_IPV6)
                return tcp6_gso_segment(m, w->mp, w->mp, out, DP_OL_MAX_SEGS);
        return rte_gso_segment(m, &ctx, out, DP_OL_MAX_SEGS);
}

/* m (its reference handed over) segmented and checksummed into out[]
 * (room for DP_OL_MAX_SEGS); returns the frames there, 0 when m was
 * dropped (no mbufs, or more segments than out holds). */
static uint16_t finish(struct dp_worker *w, struct rte_mbuf *m, struct rte_mbuf **out,
                       struct ol_counts k)
{
        uint64_t ol = m->ol_flags;
        uint64_t tx_offload;
        bool done;
        int n = 0;

        m = own(w, m);
        if (m == NULL)
                return 0;
        tx_offload = m->tx_offload;
        if (ol & RTE_MBUF_F_TX_TCP_SEG) {
                n = segment(w, m, out);
                if (n < 0) {
                        rte_pktmbuf_free(m);
                        return 0;
                }
                if (n > 0) {
                        rte_pktmbuf_free(m); /* the segments hold its data */
                        (*k.segmented)++;
                }
        }
        /* tcp6_gso_segment completes its segments' checksums itself. */
        done = n > 0 && (ol & RTE_MBUF_F_TX_IPV6);
        if (n == 0)
                out[n++] = m;
        for (int i = 0; i < n; i++) {
                out[i]->tx_offload = tx_offload;
                out[i]->ol_flags = ol & ~RTE_MBUF_F_TX_TCP_SEG;
                /* CWR on the first segment only (rte_gso leaves it on all). */
                if (i > 0 && !done)
                        *rte_pktmbuf_mtod_offset(out[i], uint8_t *,
                                                 out[i]->l2_len + out[i]->l3_len + 13) &=
                            (uint8_t)~RTE_TCP_CWR_FLAG;
                if (!done)
                        csum_complete(out[i], (ol & RTE_MBUF_F_TX_TCP_SEG) != 0);
                out[i]->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
        }
        *k.csum += (uint64_t)n;
        return (uint16_t)n;
}

static void to_guest_flush(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts,
                           uint16_t n)
{
        for (uint16_t i = 0; i < n; i += DP_BURST)
                dp_guest_rx_deliver(w, vq, pkts + i, (uint16_t)RTE_MIN(n - i, DP_BURST));
}

/* The slow path of dp_guest_rx_burst: some frame of the burst carries
 * offload requests. */
static __rte_noinline void to_guest(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts,
                                    uint16_t n)
{
        struct rte_mbuf *out[DP_BURST + DP_OL_MAX_SEGS];
        struct ol_counts k = {&vq->sw_segmented, &vq->sw_csum};
        uint16_t nout = 0;

        for (uint16_t i = 0; i < n; i++) {
                struct rte_mbuf *m = pkts[i];

                if (!pending(m) || fits(m, vq->rx_ol)) {
                        vq->gso_passed += (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
                        out[nout++] = m;
                } else {
                        uint16_t got = finish(w, m, out + nout, k);

                        vq->drops_other += got == 0;
                        nout += got;
                }
                if (nout >= DP_BURST) {
                        to_guest_flush(w, vq, out, nout);
                        nout = 0;
                }
        }
        to_guest_flush(w, vq, out, nout);
}

void dp_guest_rx_burst(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n)
{
        for (uint16_t i = 0; likely(vq->running) && i < n; i++)
                if (unlikely(pending(pkts[i]))) {
                        to_guest(w, vq, pkts, n);
                        return;
                }
        dp_guest_rx_deliver(w, vq, pkts, n);
}

/* Whether the uplink's PMD takes m's offload requests as they are: its
 * checksums; its TSO for TCP/IPv4 (DPDK's TCP_TSO capability does not say
 * whether IPv6 is covered: net_tap's, rte_gso's, is IPv4 only), segments
 * within what it takes, without CWR (a NIC may repeat it on every
 * segment). */
static bool pmd_takes(const struct dp_worker *w, const struct rte_mbuf *m)
{
        if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
                return w->uplink.tx_csum_hw;
        return w->uplink.tx_tso_hw && (m->ol_flags & RTE_MBUF_F_TX_IPV4) &&
               (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz <=
                   w->uplink.tso_max_frame &&
               !virtio_net_hdr_cwr(m);
}

/* m (its reference handed over) readied for the PMD's offloads: a private
 * copy when shared (the PMD, or rte_eth_tx_prepare, writes its checksum
 * fields); NULL when no copy could be made. */
static struct rte_mbuf *to_pmd(struct dp_worker *w, struct rte_mbuf *m)
{
        struct vsw_uplink_counters *ctr = w->uplink.ctr;

        m = own(w, m);
        if (m == NULL)
                return NULL;
        if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
                m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM; /* DPDK's TSO contract for IPv4 */
                ctr->tx_hw_tso++;
        } else {
                ctr->tx_hw_csum++;
        }
        return m;
}

uint16_t dp_offload_uplink(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
                           struct rte_mbuf **out, uint16_t *used, bool pmd_ok)
{
        struct vsw_uplink_counters *ctr = w->uplink.ctr;
        struct ol_counts k = {&ctr->tx_sw_segmented, &ctr->tx_sw_csum};
        uint16_t nout = 0, i;

        for (i = 0; i < n && nout + DP_OL_MAX_SEGS <= DP_OL_UPLINK_OUT; i++) {
                if (!pending(pkts[i])) {
                        out[nout++] = pkts[i];
                        continue;
                }
                if (pmd_ok && pmd_takes(w, pkts[i])) {
                        struct rte_mbuf *m = to_pmd(w, pkts[i]);

                        ctr->tx_drops += m == NULL;
                        if (m != NULL)
                                out[nout++] = m;
                        continue;
                }
                uint16_t got = finish(w, pkts[i], out + nout, k);

                ctr->tx_drops += got == 0;
                for (uint16_t s = 0; s < got; s++)
                        out[nout + s]->ol_flags = 0;
                nout += got;
        }
        *used = i;
        return nout;
}

bool dp_offload_pending(struct rte_mbuf *const *pkts, uint16_t n)
{
        for (uint16_t i = 0; i < n; i++)
                if (unlikely(pending(pkts[i])))
                        return true;
        return false;
}
