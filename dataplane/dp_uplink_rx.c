/* The uplink's RX side as one worker polls it: a burst off each of its RX
 * queues goes through the L2 bridge like a guest's (the uplink is a bridge
 * port), each VM's frames reaching the worker that owns the VM's RX queue
 * directly or through that worker's ring (software steering; with VMDQ the
 * NIC has put them on the owner's pool queue already). */
#include <rte_ethdev.h>

#include "dp_vq.h"

static uint16_t poll_queue(struct dp_worker *w, uint16_t queue)
{
        struct rte_mbuf *pkts[DP_BURST];
        struct vsw_uplink_counters *ctr = w->uplink.ctr;
        struct l2_out *out = &w->out;
        uint16_t n = rte_eth_rx_burst(w->uplink.port, queue, pkts, DP_BURST);

        if (n == 0)
                return 0;
        ctr->rx_packets += n;
        ctr->rx_bytes += dp_bytes_of(pkts, n);
        l2_bridge_input(&w->l2, VSW_UPLINK_SW_IF_INDEX, pkts, n, out);
        ctr->rx_drops += out->ndropped;
        for (unsigned i = 0; i < out->ndests; i++) {
                uint16_t k = out->dests[i].n;

                /* Queue pair by the receiving worker: a multi-queue VM's
                 * frames spread as they came in. */
                if (dp_forward(w, w->idx, &out->dests[i]))
                        ctr->rx_steered += k;
        }
        return n;
}

unsigned dp_uplink_poll(struct dp_worker *w)
{
        unsigned n = 0;

        for (uint16_t i = 0; i < w->uplink.nrxq; i++)
                n += poll_queue(w, w->uplink.rxq[i]);
        return n;
}
