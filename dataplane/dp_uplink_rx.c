/* The uplink's RX side as one worker polls it: a burst off each of its RX
 * queues goes through the L2 bridge like a guest's (the uplink is a bridge
 * port), each VM's frames reaching the worker that owns the VM's RX queue
 * directly or through that worker's ring.
 *
 * Software steering: the bridge decides alone. VMDQ: the NIC has sorted
 * the frames into per-VM pools already, and a frame on a pool's queue is
 * for that pool's VM only:
 * - a frame in another VLAN than the pool's, or a unicast frame for another
 *   MAC than its VM's, is dropped (counted rx_not_owner): igb cannot disable
 *   the default pool, so frames for no VM (or for pool 0's MAC in a VLAN
 *   pool 0 is not in) arrive on pool 0's queue, and the bridge would flood
 *   them to every VM; an 82599 does not deliver them at all, and now
 *   neither PMD does. The NIC also hands every pool untagged group frames
 *   when any VM is untagged, VLAN pools included;
 * - a broadcast or multicast frame is copied by the NIC to every pool that
 *   admits it (its VLAN filter, accept-untagged), so each VM's copy comes
 *   in on its own pool's queue: of the bridge's flood only the copy for the
 *   pool's VM is kept (the others counted rx_copies), which gives each VM
 *   exactly one copy and keeps the NIC's VLAN admission in force. A single
 *   designated queue would not do: a VLAN's broadcasts reach only the pools
 *   in that VLAN, so no one queue sees them all. Floods are rare, and the
 *   copies dropped are references, not frame copies, except for re-tagged
 *   ones. */
#include <string.h>

#include <rte_ethdev.h>

#include "dp_vq.h"
#include "l2_vlan.h"

/* Whether mac (a unicast destination) is the pool's VM's: startup.conf's
 * hwaddr, or the MAC its first frame registered (added to the pool then). */
static __rte_noinline int registered_to(const struct vsw_uplink *up, uint32_t sw_if_index,
                                        const uint8_t *mac)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (atomic_load_explicit(&up->macs[i].sw_if_index, memory_order_acquire) ==
                        sw_if_index &&
                    memcmp(up->macs[i].mac, mac, sizeof(up->macs[i].mac)) == 0)
                        return 1;
        return 0;
}

/* The frame's VLAN as the NIC's filter saw it (0: untagged or priority
 * tagged). */
static inline uint16_t vlan_of(const struct rte_mbuf *m, const uint8_t *p)
{
        if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
                return m->vlan_tci & 0xfff;
        if (l2_be16_at(p + L2_MACS_LEN) == L2_ETH_P_8021Q &&
            rte_pktmbuf_data_len(m) >= L2_ETH_HLEN + L2_VLAN_HLEN)
                return l2_be16_at(p + L2_ETH_HLEN) & 0xfff;
        return 0;
}

/* Whether a frame on the pool's queue is for the pool's VM: in its VLAN,
 * and a group frame or one to the VM's MAC. Runts go on, for the bridge to
 * count. */
static inline int for_pool(const struct vsw_uplink *up, const struct vsw_uplink_pool *pool,
                           const struct rte_mbuf *m)
{
        const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

        if (rte_pktmbuf_data_len(m) < L2_ETH_HLEN)
                return 1;
        if (vlan_of(m, p) != pool->vlan)
                return 0;
        if (p[0] & 1)
                return 1;
        /* An all-zero destination would match a pool planned without a MAC. */
        if (rte_is_zero_ether_addr((const struct rte_ether_addr *)p))
                return 0;
        return memcmp(p, pool->mac, sizeof(pool->mac)) == 0 ||
               registered_to(up, pool->sw_if_index, p);
}

/* Drops the burst's frames not for the pool's VM; returns how many
 * frames are left, in order, at the front of pkts. */
static uint16_t keep_pool_frames(const struct vsw_uplink *up, const struct vsw_uplink_pool *pool,
                                 struct vsw_uplink_pool_counters *pc, struct rte_mbuf **pkts,
                                 uint16_t n)
{
        uint16_t k = 0;

        for (uint16_t i = 0; i < n; i++) {
                if (likely(for_pool(up, pool, pkts[i]))) {
                        pkts[k++] = pkts[i];
                        continue;
                }
                rte_pktmbuf_free(pkts[i]);
                pc->rx_not_owner++;
        }
        return k;
}

static void forward(struct dp_worker *w, struct l2_dest *d)
{
        /* Queue pair by the receiving worker: a multi-queue VM's frames
         * spread as they came in. */
        if (dp_forward(w, w->idx, d))
                w->uplink.ctr->rx_steered += d->n;
}

/* A burst off one of the worker's RX queues, counted. */
static uint16_t rx_burst(struct dp_worker *w, uint16_t queue, struct rte_mbuf **pkts)
{
        uint16_t n = rte_eth_rx_burst(w->uplink.port, queue, pkts, DP_BURST);

        if (n == 0)
                return 0;
        dp_runtime_in(&w->rt, n);
        w->uplink.ctr->rx_packets += n;
        w->uplink.ctr->rx_bytes += dp_bytes_of(pkts, n);
        return n;
}

static uint16_t poll_pool_queue(struct dp_worker *w, uint16_t queue, unsigned slot)
{
        const struct vsw_uplink *up = &w->st->uplink;
        const struct vsw_uplink_pool *pool = &up->pools[slot];
        struct vsw_uplink_pool_counters *pc = &w->st->uplink.pool_counters[slot];
        struct rte_mbuf *pkts[DP_BURST];
        struct l2_out *out = &w->out;
        uint16_t n = rx_burst(w, queue, pkts), kept;

        if (n == 0)
                return 0;
        pc->rx_packets += n;
        kept = keep_pool_frames(up, pool, pc, pkts, n);
        if (kept == 0)
                return n;
        l2_bridge_input(&w->l2, VSW_UPLINK_SW_IF_INDEX, pkts, kept, out);
        w->uplink.ctr->rx_drops += out->ndropped;
        for (unsigned i = 0; i < out->ndests; i++) {
                struct l2_dest *d = &out->dests[i];

                if (d->sw_if_index != pool->sw_if_index) {
                        pc->rx_copies += d->n;
                        rte_pktmbuf_free_bulk(d->pkts, d->n);
                        continue;
                }
                pc->rx_delivered += d->n;
                forward(w, d);
        }
        return n;
}

static uint16_t poll_queue(struct dp_worker *w, uint16_t queue)
{
        struct rte_mbuf *pkts[DP_BURST];
        struct l2_out *out = &w->out;
        uint16_t n = rx_burst(w, queue, pkts), kept;

        if (n == 0)
                return 0;
        kept = dp_uplink_host(w, pkts, n);
        if (kept)
                kept = dp_vxlan_rx(w, pkts, kept);
        if (kept == 0)
                return n;
        l2_bridge_input(&w->l2, VSW_UPLINK_SW_IF_INDEX, pkts, kept, out);
        w->uplink.ctr->rx_drops += out->ndropped;
        for (unsigned i = 0; i < out->ndests; i++)
                forward(w, &out->dests[i]);
        return n;
}

unsigned dp_uplink_poll(struct dp_worker *w)
{
        unsigned n = 0;

        if (w->st->uplink.mode == VSW_UPLINK_VMDQ) {
                for (uint16_t i = 0; i < w->uplink.nrxq; i++)
                        n += poll_pool_queue(w, w->uplink.rxq[i], w->uplink.pool_of_rxq[i]);
                return n;
        }
        for (uint16_t i = 0; i < w->uplink.nrxq; i++)
                n += poll_queue(w, w->uplink.rxq[i]);
        return n;
}
