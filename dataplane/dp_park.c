/* Frames for a guest RX ring that is changing hands: vhostd paused it to
 * move it to another worker (`set rx-placement rebalance`, `set interface
 * rx-placement`) or to edit it, or it moved and the routes (refreshed at
 * housekeeping) or this worker's ring list have not caught up yet. Rather
 * than drop them, the worker parks them here in arrival order and, at the
 * top of each poll, hands them to whoever owns the ring once vhostd has
 * released it: itself (taking the ring up at once) or another worker
 * through its ring. Only frames that wait longer than DP_PARK_NS, or find
 * the lot full, are dropped (counted as no_rxq_drops). All of this is out
 * of the fast path: a ring in steady state never gets here. */
#include <inttypes.h>
#include <stdatomic.h>

#include "dp_vq.h"
#include "log.h"

/* A move takes microseconds, unless vhostd waits long for a CPU (on a
 * loaded host, hundreds of milliseconds); beyond a second the ring is
 * stuck, not moving. */
#define DP_PARK_NS 1000000000ull

static __rte_noinline void drop(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
        w->no_rxq_drops += n;
        rte_pktmbuf_free_bulk(pkts, n);
}

int dp_park_wanted(const struct dp_worker *w, uint16_t iface, uint16_t vring)
{
        const struct vsw_vring *vr = &w->st->ifaces[iface].vrings[vring];
        uint32_t seq = atomic_load_explicit(&vr->cmd_seq, memory_order_acquire);
        uint32_t owner = atomic_load_explicit(&vr->owner, memory_order_acquire);
        const struct dp_vq *vq = w->slot[iface][vring];

        if (owner >= w->st->nworkers || owner >= VSW_MAX_WORKERS)
                return 0;
        /* Paused, or released but not yet acted on by this worker, or
         * ours but not taken up yet, or gone to another worker. */
        return (seq & 1u) || (vq && vq->seen_seq != seq) || (owner == w->idx && !vq) ||
               owner != w->idx;
}

/* What the worker holds parked, for its successor should it be killed
 * (dp_park_reclaim). Published after the frames are parked and before they
 * leave: a kill in between misses at most the burst in hand, never counts
 * a frame that was delivered. */
static inline void publish(struct dp_worker *w, unsigned parked)
{
        __atomic_store_n(&w->self->parked, parked, __ATOMIC_RELEASE);
}

void dp_park(struct dp_worker *w, uint16_t iface, uint16_t vring, struct rte_mbuf **pkts,
             uint16_t n)
{
        uint64_t now = dp_now_ns();
        uint16_t k = 0;

        for (; k < n && w->npark < DP_PARK_MAX; k++)
                w->park[w->npark++] =
                    (struct dp_parked){.m = pkts[k], .iface = iface, .vring = vring, .ns = now};
        publish(w, w->npark);
        if (k < n)
                drop(w, pkts + k, (uint16_t)(n - k));
}

void dp_park_reclaim(struct vsw_worker *self, unsigned idx)
{
        uint64_t lost = __atomic_load_n(&self->parked, __ATOMIC_ACQUIRE);

        if (lost == 0)
                return;
        self->parked_lost += lost;
        self->leaked_mbufs += lost; /* never freed: the predecessor held them */
        __atomic_store_n(&self->parked, 0, __ATOMIC_RELEASE);
        VSW_WARN(VSW_LOG_DATAPLANE,
                 "worker %u: its predecessor was killed holding %" PRIu64
                 " frames parked for RX rings changing hands: dropped (parked_lost %" PRIu64 ")",
                 idx, lost, self->parked_lost);
}

/* Where the frames for (iface, vring) go now: 1 delivered or handed on,
 * 0 still paused (keep them), -1 nowhere (drop them). */
static int deliver(struct dp_worker *w, uint16_t iface, uint16_t vring, struct rte_mbuf **pkts,
                   uint16_t n)
{
        const struct vsw_vring *vr = &w->st->ifaces[iface].vrings[vring];
        uint32_t seq = atomic_load_explicit(&vr->cmd_seq, memory_order_acquire);
        uint32_t owner;
        struct dp_vq *vq;

        if (seq & 1u) {
                /* Acknowledge our own pause now: vhostd waits for it. */
                vq = w->slot[iface][vring];
                if (vq && vq->seen_seq != seq)
                        dp_ring_pickup(w, iface, vring);
                return 0;
        }
        owner = atomic_load_explicit(&vr->owner, memory_order_acquire);
        if (owner >= w->st->nworkers || owner >= VSW_MAX_WORKERS)
                return -1;
        if (owner != w->idx) {
                dp_ring_pickup(w, iface, vring); /* let go of it if we held it */
                dp_xw_push(w, owner, iface, vring, pkts, n);
                return 1;
        }
        vq = dp_ring_pickup(w, iface, vring);
        if (!vq || !vq->running)
                return -1;
        dp_guest_rx_burst(w, vq, pkts, n);
        return 1;
}

void dp_park_retry(struct dp_worker *w)
{
        struct rte_mbuf *pkts[DP_BURST];
        uint64_t now = dp_now_ns();
        unsigned kept = 0;

        for (unsigned i = 0; i < w->npark;) {
                uint16_t iface = w->park[i].iface, vring = w->park[i].vring, k = 0;
                unsigned first = i;
                int r;

                while (i < w->npark && k < DP_BURST && w->park[i].iface == iface &&
                       w->park[i].vring == vring)
                        pkts[k++] = w->park[i++].m;
                publish(w, kept + (w->npark - i));
                r = deliver(w, iface, vring, pkts, k);
                if (r == 0 && now - w->park[first].ns < DP_PARK_NS) {
                        for (unsigned j = first; j < i; j++)
                                w->park[kept++] = w->park[j];
                } else if (r != 1) {
                        drop(w, pkts, k);
                }
        }
        w->npark = kept;
        publish(w, kept);
}
