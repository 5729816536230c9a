/* Towards a guest: a burst enqueued into an RX queue (even vring) this
 * worker owns (after dp_offload.c made its frames fit the guest). A full RX ring is retried as
 * DPDK's vhost-switch does (rx-retry, rx-retry-delay µs, rx-retry-num), then the rest is dropped
 * and counted. */
#include <stdatomic.h>

#include <rte_cycles.h>

#include "dp_capture.h"
#include "dp_vq.h"

/* Returns the frames enqueued. */
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

void dp_guest_rx_deliver(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n)
{
        if (likely(vq->running)) {
                uint16_t done = dp_vq_enqueue(vq, pkts, n);

                if (unlikely(done < n))
                        done += retry(w, vq, pkts + done, (uint16_t)(n - done));
                dp_runtime_out(&w->rt, done);
                dp_capture(w, vq, pkts, done, VSW_PCAP_TX);
                if (dp_vq_need_notify(vq))
                        dp_notify(w, vq);
        } else {
                vq->drops_other += n; /* stopped or paused under the route */
        }
        rte_pktmbuf_free_bulk(pkts, n);
}
