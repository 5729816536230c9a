/* Frames for a guest RX queue another worker owns go through the
 * single-producer/single-consumer ring from this worker to that one; each
 * element names the destination vring, since a flooded mbuf is shared by
 * several destinations and carries nothing of its own. This is the
 * sending side and the rings' attach; dp_xw_drain.c receives. */
#include <stdatomic.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>

#include "dp_worker.h"
#include "log.h"
#include "vsw_wake.h"

static struct rte_ring *lookup(const struct dp_worker *w, uint32_t from, uint32_t to)
{
        char name[RTE_RING_NAMESIZE];
        struct rte_ring *r;

        snprintf(name, sizeof(name), VSW_XW_RING_FMT, from, to);
        r = rte_ring_lookup(name);
        if (!r)
                VSW_ERR(VSW_LOG_DATAPLANE,
                        "worker %u: cross-worker ring %s not found (%s): the supervisor creates "
                        "one per pair of workers",
                        w->idx, name, rte_strerror(rte_errno));
        return r;
}

int dp_xw_attach(struct dp_worker *w)
{
        for (uint32_t o = 0; o < w->st->nworkers; o++) {
                if (o == w->idx)
                        continue;
                w->xw_out[o] = lookup(w, w->idx, o);
                w->xw_in[o] = lookup(w, o, w->idx);
                if (!w->xw_out[o] || !w->xw_in[o])
                        return -1;
        }
        return 0;
}

/* The owner is behind: wait for it as for a full guest ring (rx-retry),
 * then drop the rest. */
static __rte_noinline void push_retry(struct dp_worker *w, struct rte_ring *r,
                                      const struct dp_xw_elem *e, struct rte_mbuf **pkts,
                                      unsigned sent, unsigned n)
{
        for (uint32_t t = 0; w->rx_retry && t < w->rx_retry_num && sent < n; t++) {
                rte_delay_us_block(w->rx_retry_delay_us);
                /* As in dp_guest_rx.c: waiting is progress, not a stall. */
                atomic_store_explicit(&w->self->heartbeat_ns, dp_now_ns(), memory_order_relaxed);
                sent += rte_ring_sp_enqueue_burst_elem(r, e + sent, sizeof(e[0]), n - sent, NULL);
        }
        if (sent < n) {
                w->xw_drops += n - sent;
                rte_pktmbuf_free_bulk(pkts + sent, n - sent);
        }
}

void dp_xw_push(struct dp_worker *w, uint32_t owner, uint16_t iface, uint16_t vring,
                struct rte_mbuf **pkts, uint16_t n)
{
        struct dp_xw_elem e[L2_BURST_MAX];
        unsigned sent;

        for (uint16_t i = 0; i < n; i++)
                e[i] = (struct dp_xw_elem){.m = pkts[i], .iface = iface, .vring = vring};
        sent = rte_ring_sp_enqueue_burst_elem(w->xw_out[owner], e, sizeof(e[0]), n, NULL);
        if (sent)
                vsw_wake(owner); /* it may sleep (rx-mode interrupt) */
        if (unlikely(sent < n))
                push_retry(w, w->xw_out[owner], e, pkts, sent, n);
}
