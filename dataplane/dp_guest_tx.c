/* From a guest: one burst dequeued off its TX queue (odd vring), through
 * the L2 bridge, forwarded to every destination the bridge chose. The guest's TX
 * completions are signalled once per burst when it asked for that. */
#include "dp_capture.h"
#include "dp_vq.h"

uint16_t dp_guest_tx_poll(struct dp_worker *w, struct dp_vq *vq)
{
        struct rte_mbuf *pkts[DP_BURST];
        /* What the one-copy path leaves (dp_onecopy.c) goes the mbuf way. */
        bool rest;
        uint16_t copied = dp_onecopy(w, vq, &rest);
        uint16_t n =
            !rest || copied == DP_BURST ? 0 : dp_vq_dequeue(vq, w->mp, pkts, DP_BURST - copied);

        /* Before the empty check: malformed chains are consumed too. */
        if (dp_vq_need_notify(vq))
                dp_notify(w, vq);
        if (n == 0)
                return copied;
        dp_runtime_in(&w->rt, n);
        /* Its memory faulted under the copy: what was read is not the
         * guest's frames (anonymous memory now): nobody gets them. */
        if (unlikely(*(volatile uint8_t *)&vq->ifc->faulted)) {
                vq->drops_other += n;
                rte_pktmbuf_free_bulk(pkts, n);
                return (uint16_t)(copied + n);
        }
        dp_capture(w, vq, pkts, n, VSW_PCAP_RX);
        if (unlikely(vq->ifc->max_frame != 0)) {
                uint16_t kept = dp_mtu_filter(vq, pkts, n);

                if (kept != 0)
                        dp_guest_input(w, vq, pkts, kept);
                return (uint16_t)(copied + n);
        }
        dp_guest_input(w, vq, pkts, n);
        return (uint16_t)(copied + n);
}

void dp_guest_input(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n)
{
        struct l2_out *out = &w->out;

        if (unlikely(vq->ifc->registered != vq->sw_if_index))
                dp_uplink_register(w, vq, pkts[0]);
        l2_bridge_input(&w->l2, vq->sw_if_index, pkts, n, out);
        vq->drops_other += out->ndropped;
        for (unsigned i = 0; i < out->ndests; i++)
                dp_forward(w, vq->vring / 2u, &out->dests[i]);
}
