/* The receiving side of the rings between workers (dp_xworker.c sends):
 * each element's frames go into the RX ring it names, which this worker
 * owns, or wait while that ring changes hands (dp_park.c). */
#include "dp_vq.h"

/* Consecutive elements for one vring go in one burst. */
static unsigned drain_one(struct dp_worker *w, struct rte_ring *r)
{
        struct dp_xw_elem e[DP_BURST];
        struct rte_mbuf *pkts[DP_BURST];
        unsigned n = rte_ring_sc_dequeue_burst_elem(r, e, sizeof(e[0]), DP_BURST, NULL);

        for (unsigned i = 0; i < n;) {
                uint16_t iface = e[i].iface, vring = e[i].vring, k = 0;
                struct dp_vq *vq;

                while (i < n && e[i].iface == iface && e[i].vring == vring)
                        pkts[k++] = e[i++].m;
                vq = w->slot[iface][vring];
                if (unlikely(!vq || !vq->running) && dp_park_wanted(w, iface, vring)) {
                        dp_park(w, iface, vring, pkts, k); /* changing hands */
                } else if (likely(vq != NULL)) {
                        dp_guest_rx_burst(w, vq, pkts, k);
                } else {
                        w->no_rxq_drops += k; /* no owner */
                        rte_pktmbuf_free_bulk(pkts, k);
                }
        }
        return n;
}

unsigned dp_xw_drain(struct dp_worker *w)
{
        unsigned n = 0;

        for (uint32_t o = 0; o < w->st->nworkers; o++)
                if (w->xw_in[o] && !rte_ring_empty(w->xw_in[o]))
                        n += drain_one(w, w->xw_in[o]);
        return n;
}
