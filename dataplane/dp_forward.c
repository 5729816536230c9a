/* A destination's frames from the bridge to where they go: an RX queue
 * this worker owns (dp_guest_rx.c), the ring to the worker that owns it
 * (dp_xworker.c), the uplink (dp_uplink.c), or a VXLAN tunnel
 * (dp_vxlan_tx.c). */
#include "dp_vq.h"

static __rte_noinline void no_rxq(struct dp_worker *w, struct l2_dest *d)
{
        w->no_rxq_drops += d->n;
        rte_pktmbuf_free_bulk(d->pkts, d->n);
}

int dp_forward(struct dp_worker *w, unsigned src_qp, struct l2_dest *d)
{
        const struct dp_route *r;
        unsigned k;
        uint8_t vring;
        struct dp_vq *vq;

        if (d->iface == L2_UPLINK_PORT) {
                dp_uplink_tx(w, d);
                return 0;
        }
        if (l2_is_tunnel(d->iface)) {
                dp_vxlan_tx(w, d->iface - L2_TUNNEL_PORT0, d);
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
        if (unlikely(!vq || !vq->running) && dp_park_wanted(w, d->iface, vring)) {
                dp_park(w, d->iface, vring, d->pkts, d->n); /* changing hands */
                return 0;
        }
        if (unlikely(!vq)) {
                no_rxq(w, d);
                return 0;
        }
        dp_guest_rx_burst(w, vq, d->pkts, d->n);
        return 0;
}
