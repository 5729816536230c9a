/* The interface MTU (NET_SET_MTU from the front end, `set interface mtu`
 * from the administrator) on frames from the guest: the guest was told
 * its MTU (VIRTIO_NET_F_MTU), so a bigger frame is its own doing, and a
 * network behind the uplink with that MTU would drop it unseen. Such
 * frames are dropped here and counted (drops_mtu). A VLAN tag the guest
 * wrote itself adds 4 bytes to what it may send. The uplink's MTU
 * (`uplink-mtu`, or the PMD's default) is held the same way on frames to
 * it: a PMD may drop bigger ones uncounted, or send them to a network that
 * drops them unseen. */
#include <rte_byteorder.h>
#include <rte_ether.h>

#include "dp_vq.h"

static inline bool frame_tagged(const struct rte_mbuf *m)
{
        const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
        uint16_t type;

        if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN)
                return false;
        type = (uint16_t)(p[12] << 8 | p[13]);
        return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ;
}

/* Keeps the frames of at most max bytes (max + 4 when tagged); returns
 * how many, in order, in pkts; adds the others to *drops. */
static uint16_t mtu_cut(struct rte_mbuf **pkts, uint16_t n, uint32_t max, uint64_t *drops)
{
        uint16_t kept = 0;

        for (uint16_t i = 0; i < n; i++) {
                struct rte_mbuf *m = pkts[i];
                /* A TSO frame is judged by the segments it becomes. */
                uint32_t len = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
                                   ? (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz
                                   : rte_pktmbuf_pkt_len(m);

                if (likely(len <= max) || (len <= max + RTE_VLAN_HLEN && frame_tagged(m))) {
                        pkts[kept++] = m;
                        continue;
                }
                (*drops)++;
                rte_pktmbuf_free(m);
        }
        return kept;
}

uint16_t dp_mtu_filter(struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n)
{
        return mtu_cut(pkts, n, vq->ifc->max_frame, &vq->drops_mtu);
}

uint16_t dp_mtu_filter_uplink(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
        return mtu_cut(pkts, n, w->uplink.max_frame, &w->uplink.ctr->tx_drops_mtu);
}
