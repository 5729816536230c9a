/* `pcap trace`'s copies. DPDK's rte_pcapng_copy builds each packet block
 * (timestamp, direction flag, queue); its port argument carries the
 * interface slot to vhostd, which names the block's interface in the file
 * (control/pcap/pcap_file.c says why vhostd, not DPDK, does that). */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng (DPDK 22.11) */
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_pcapng.h>

#include "dp_capture.h"
#include "log.h"

static struct rte_ring *ring;
static struct rte_mempool *pool;

/* DPDK 22.11's rte_pcapng sets its clock (wall time and TSC) at the first
 * rte_pcapng_copy; a timestamp read before that instant, as a burst's is,
 * wraps to ~2^64 / TSC Hz seconds and drags every later one with it. One
 * throwaway copy, stamped a little after the clock is set, sets it now. */
static int start_pcapng_clock(void)
{
        struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *c;

        if (!m || !rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN)) {
                rte_pktmbuf_free(m);
                return -1;
        }
        c = rte_pcapng_copy(0, 0, m, pool, RTE_ETHER_MIN_LEN,
                            rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000,
                            RTE_PCAPNG_DIRECTION_UNKNOWN);
        rte_pktmbuf_free(m);
        rte_pktmbuf_free(c);
        return c ? 0 : -1;
}

int dp_capture_attach(uint32_t worker)
{
        ring = rte_ring_lookup(VSW_PCAP_RING);
        pool = rte_mempool_lookup(VSW_PCAP_POOL);
        if (!ring || !pool) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: capture %s %s not found", worker,
                        ring ? "pool" : "ring", ring ? VSW_PCAP_POOL : VSW_PCAP_RING);
                return -1;
        }
        /* Not fatal: a capture running flat out may hold the whole pool. */
        if (start_pcapng_clock() < 0)
                VSW_WARN(VSW_LOG_DATAPLANE,
                         "worker %u: capture pool %s empty: this worker's first capture "
                         "timestamps may be wrong",
                         worker, VSW_PCAP_POOL);
        return 0;
}

void dp_capture_burst(struct dp_worker *w, const struct dp_vq *vq, struct rte_mbuf *const *pkts,
                      uint16_t n, unsigned dir)
{
        struct rte_mbuf *copies[DP_BURST];
        enum rte_pcapng_direction d =
            dir == VSW_PCAP_RX ? RTE_PCAPNG_DIRECTION_IN : RTE_PCAPNG_DIRECTION_OUT;
        uint64_t tsc = rte_get_tsc_cycles();
        unsigned queued = 0;

        for (uint16_t i = 0; i < n;) {
                unsigned k = 0, q;

                for (; i < n && k < DP_BURST; i++) {
                        struct rte_mbuf *c = rte_pcapng_copy(vq->iface, vq->vring / 2u, pkts[i],
                                                             pool, VSW_PCAP_SNAPLEN, tsc, d);
                        if (c)
                                copies[k++] = c;
                }
                q = k ? rte_ring_enqueue_burst(ring, (void **)copies, k, NULL) : 0;
                if (q < k)
                        rte_pktmbuf_free_bulk(copies + q, k - q);
                queued += q;
        }
        if (queued < n)
                atomic_fetch_add_explicit(&w->st->pcap.lost[w->idx], n - queued,
                                          memory_order_relaxed);
}
