/* Towards a guest: frames into its RX queue (even vring), directly when
 * this worker owns the queue, else through the owner's cross-worker ring
 * (the uplink's destination goes to dp_uplink.c).
 * A full RX ring is retried as DPDK's vhost-switch does (rx-retry,
 * rx-retry-delay µs, rx-retry-num), then the rest is dropped and counted. */
#include <stdatomic.h>

#include <rte_cycles.h>

#include "dp_vq.h"

static __rte_noinline uint16_t retry(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts,
                                     uint16_t n)
{
        uint16_t done = 0;

        for (uint32_t t = 0; w->rx_retry && t < w->rx_retry_num && done < n; t++) {
                rte_delay_us_block(w->rx_retry_delay_us);
                /* Waiting on a full guest ring is progress, not a stall:
                 * the watchdog must not take a long rx-retry for one. */
                atomic_store_explicit(&w->self->heartbeat_ns, dp_now_ns(), memory_order_relaxed);
                done += dp_vq_enqueue(vq, pkts + done, (uint16_t)(n - done));
        }
        vq->drops_full += (uint16_t)(n - done);
        return done;
}

void dp_tx_burst(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n)
{
        if (likely(vq->running)) {
                uint16_t done = dp_vq_enqueue(vq, pkts, n);

                if (unlikely(done < n))
                        retry(w, vq, pkts + done, (uint16_t)(n - done));
                if (dp_vq_need_notify(vq))
                        dp_notify(w, vq);
        } else {
                vq->drops_other += n; /* stopped or paused under the route */
        }
        rte_pktmbuf_free_bulk(pkts, n);
}

static __rte_noinline void no_rxq(struct dp_worker *w, struct l2_dest *d)
{
        w->no_rxq_drops += d->n;
        rte_pktmbuf_free_bulk(d->pkts, d->n);
}

int dp_tx_send(struct dp_worker *w, unsigned src_qp, struct l2_dest *d)
{
        const struct dp_route *r;
        unsigned k;
        uint8_t vring;
        struct dp_vq *vq;

        if (d->iface == L2_UPLINK_PORT) {
                dp_uplink_tx(w, d);
                return 0;
        }
        r = &w->routes[d->iface];
        if (unlikely(r->nrxq == 0)) {
                no_rxq(w, d);
                return 0;
        }
        k = src_qp < r->nrxq ? src_qp : src_qp % r->nrxq;
        vring = r->rxq[k];
        if (r->owner[k] != w->idx) {
                dp_xw_push(w, r->owner[k], d->iface, vring, d->pkts, d->n);
                return 1;
        }
        vq = w->slot[d->iface][vring];
        if (unlikely(!vq)) {
                no_rxq(w, d); /* assigned to us, not picked up yet */
                return 0;
        }
        dp_tx_burst(w, vq, d->pkts, d->n);
        return 0;
}
