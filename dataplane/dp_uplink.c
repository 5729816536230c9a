/* The uplink as one worker drives it: its queues attached, frames the
 * bridge sends to the uplink leaving on this worker's own TX queue, and a
 * guest's MAC registered for the uplink (its RX side is dp_uplink_rx.c).
 * No locks: the queues are this worker's alone, the counters its own cache
 * lines. */
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "dp_vq.h"
#include "l2_vlan.h"
#include "log.h"
#include "mac_registry.h"

#define TX_RETRIES 4 /* a full TX queue gets this many more tries, then drops */

/* The pool of each VMDQ queue the worker polls: its frames are for that
 * pool's VM only (dp_uplink_rx.c). */
static int find_pools(struct dp_worker *w, const struct vsw_uplink *up)
{
        for (uint16_t q = 0; q < w->uplink.nrxq; q++) {
                unsigned i = 0;

                while (i < VSW_MAX_IFACES &&
                       !(up->pools[i].sw_if_index && up->pools[i].rx_queue == w->uplink.rxq[q]))
                        i++;
                if (i == VSW_MAX_IFACES) {
                        VSW_ERR(VSW_LOG_DATAPLANE,
                                "worker %u: uplink %s: RX queue %u is no VMDQ pool's queue", w->idx,
                                up->name, w->uplink.rxq[q]);
                        return -1;
                }
                w->uplink.pool_of_rxq[q] = (uint8_t)i;
        }
        return 0;
}

int dp_uplink_attach(struct dp_worker *w)
{
        const struct vsw_uplink *up = &w->st->uplink;

        w->uplink.active = 0;
        if (up->mode == VSW_UPLINK_NONE)
                return 0;
        if (w->idx >= up->nworkers || !rte_eth_dev_is_valid_port(up->port_id)) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: uplink %s (port %u) is not usable here: %s",
                        w->idx, up->name, up->port_id,
                        w->idx >= up->nworkers ? "it has no queue for this worker"
                                               : "the port is not attached in this process");
                return -1;
        }
        w->uplink.port = up->port_id;
        w->uplink.txq = up->txq_of_worker[w->idx];
        w->uplink.nrxq = up->nrxq_of_worker[w->idx];
        if (w->uplink.nrxq > VSW_UPLINK_MAX_RXQ)
                w->uplink.nrxq = VSW_UPLINK_MAX_RXQ;
        memcpy(w->uplink.rxq, up->rxq_of_worker[w->idx], sizeof(w->uplink.rxq));
        if (up->mode == VSW_UPLINK_VMDQ && find_pools(w, up) < 0)
                return -1;
        w->uplink.ctr = &w->st->uplink.counters[w->idx];
        w->uplink.max_frame = up->mtu ? up->mtu + RTE_ETHER_HDR_LEN : 0;
        w->uplink.tx_csum_hw = up->tx_csum_hw;
        w->uplink.tx_tso_hw = up->tx_tso_hw;
        w->uplink.tso_max_frame = up->tso_max_frame;
        w->uplink.active = 1;
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: uplink %s: TX queue %u, %u RX queue%s from %u",
                 w->idx, up->name, w->uplink.txq, w->uplink.nrxq, w->uplink.nrxq == 1 ? "" : "s",
                 w->uplink.nrxq ? w->uplink.rxq[0] : 0);
        return 0;
}

static void uplink_send(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
        struct vsw_uplink_counters *ctr = w->uplink.ctr;
        uint64_t bytes;
        uint16_t sent = 0;

        if (likely(w->uplink.max_frame != 0))
                n = dp_mtu_filter_uplink(w, pkts, n);
        bytes = dp_bytes_of(pkts, n);

        /* Only a worker attached to the uplink runs (dp_uplink_attach), so
         * the bridge's uplink port always has this worker's TX queue. */
        for (unsigned t = 0; t <= TX_RETRIES && sent < n; t++)
                sent += rte_eth_tx_burst(w->uplink.port, w->uplink.txq, pkts + sent,
                                         (uint16_t)(n - sent));
        if (unlikely(sent < n)) {
                bytes -= dp_bytes_of(pkts + sent, (uint16_t)(n - sent));
                ctr->tx_drops += (uint16_t)(n - sent);
                rte_pktmbuf_free_bulk(pkts + sent, (uint16_t)(n - sent));
        }
        ctr->tx_packets += sent;
        ctr->tx_bytes += bytes;
        dp_runtime_out(&w->rt, sent);
}

/* Frames left to the PMD's offloads, readied for its hardware
 * (rte_eth_tx_prepare: e.g. the pseudo-header sum some NICs want in the
 * checksum field); one it refuses is dropped and counted. Returns how many
 * are left in pkts, in order. */
static uint16_t prepare(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
        uint16_t ok = 0;

        while (ok < n) {
                uint16_t k = rte_eth_tx_prepare(w->uplink.port, w->uplink.txq, pkts + ok,
                                                (uint16_t)(n - ok));

                ok = (uint16_t)(ok + k);
                if (ok == n)
                        break;
                rte_pktmbuf_free(pkts[ok]);
                w->uplink.ctr->tx_drops++;
                memmove(pkts + ok, pkts + ok + 1, (size_t)(n - ok - 1) * sizeof(*pkts));
                n--;
        }
        return n;
}

/* Guests' frames with offload requests: handed to the PMD's offloads or
 * segmented and checksummed in software first (dp_offload.c), in as many
 * bursts as that makes. */
static __rte_noinline void send_offloaded(struct dp_worker *w, struct l2_dest *d)
{
        struct rte_mbuf *out[DP_OL_UPLINK_OUT];
        uint16_t done = 0;

        while (done < d->n) {
                uint16_t used, k = dp_offload_uplink(w, d->pkts + done, (uint16_t)(d->n - done),
                                                     out, &used, true);

                if (w->uplink.tx_csum_hw)
                        k = prepare(w, out, k);
                for (uint16_t i = 0; i < k; i += DP_BURST)
                        uplink_send(w, out + i, (uint16_t)RTE_MIN(k - i, DP_BURST));
                done += used;
        }
}

void dp_uplink_tx(struct dp_worker *w, struct l2_dest *d)
{
        if (unlikely(dp_offload_pending(d->pkts, d->n)))
                send_offloaded(w, d);
        else
                uplink_send(w, d->pkts, d->n);
}

/* With VMDQ the NIC steers the MAC to the interface's pool (one planned
 * for each startup interface); an interface without a pool is not reached
 * from the uplink. */
static void vmdq_add_mac(struct dp_worker *w, const struct vsw_iface *ifc, const uint8_t *mac)
{
        const struct vsw_uplink *up = &w->st->uplink;
        struct rte_ether_addr a;
        int rc;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                if (up->pools[i].sw_if_index != ifc->sw_if_index)
                        continue;
                memcpy(a.addr_bytes, mac, sizeof(a.addr_bytes));
                rc = rte_eth_dev_mac_addr_add(up->port_id, &a, up->pools[i].pool_id);
                if (rc < 0)
                        VSW_ERR(VSW_LOG_DATAPLANE, "%s: adding its MAC to VMDQ pool %u: %s",
                                ifc->name, up->pools[i].pool_id, rte_strerror(-rc));
                return;
        }
        VSW_WARN(VSW_LOG_DATAPLANE,
                 "%s: no VMDQ pool (pools are planned for the startup interfaces): frames from "
                 "the uplink do not reach it",
                 ifc->name);
}

/* Out of line, once per interface and worker: claims the interface's
 * registry slot; the worker that wins logs the line vhost-switch logs. A
 * MAC another VM registered first is refused (logged, counted): in VMDQ
 * mode it would steer that VM's frames to this one. */
void dp_uplink_register(struct dp_worker *w, struct dp_vq *vq, const struct rte_mbuf *m)
{
        const struct vsw_iface *ifc = &w->st->ifaces[vq->iface];
        const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
        uint32_t owner = 0;

        if (w->st->uplink.mode == VSW_UPLINK_NONE) {
                vq->ifc->registered = vq->sw_if_index;
                return;
        }
        if (rte_pktmbuf_data_len(m) < L2_ETH_HLEN || (p[6] & 1))
                return; /* no usable source MAC: the next frame tries again */
        vq->ifc->registered = vq->sw_if_index;
        switch (vsw_uplink_mac_claim(w->st, vq->iface, p + 6, ifc->vlan, &owner)) {
        case VSW_MAC_KNOWN:
                return;
        case VSW_MAC_TAKEN:
                VSW_WARN(VSW_LOG_DATAPLANE,
                         "%s: MAC_ADDRESS %02x:%02x:%02x:%02x:%02x:%02x is registered to "
                         "sw_if_index %u: not registered for this interface (refused %u times)",
                         ifc->name, p[6], p[7], p[8], p[9], p[10], p[11], owner,
                         atomic_load(&w->st->uplink.macs[vq->iface].refused));
                return;
        case VSW_MAC_CLAIMED:
                break;
        }
        VSW_NOTICE(VSW_LOG_DATAPLANE,
                   "%s: MAC_ADDRESS %02x:%02x:%02x:%02x:%02x:%02x and VLAN_TAG %u registered",
                   ifc->name, p[6], p[7], p[8], p[9], p[10], p[11], ifc->vlan);
        if (w->st->uplink.mode == VSW_UPLINK_VMDQ)
                vmdq_add_mac(w, ifc, p + 6);
}
