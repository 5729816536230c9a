/* VXLAN frames off the uplink (RFC 7348): UDP 4789 to the uplink's own
 * address is parsed (vxlan_hdr.c, everything from the wire is hostile),
 * its tunnel found by (VNI, sender), the outer headers taken off and the
 * inner frame switched in the tunnel's bridge domain as from the tunnel's
 * port (learning its source MAC against the tunnel). Malformed frames and
 * frames for no tunnel are dropped and counted by reason
 * (vsw_uplink_counters.vxlan_drops). Software steering only, like the
 * address itself. */
#include <string.h>

#include "dp_vq.h"
#include "vxlan_hdr.h"

/* The tunnel slot for (vni, remote), or -1. */
static int tunnel_of(const struct vsw_state *st, uint32_t vni, uint32_t remote)
{
        for (int t = 0; t < VSW_MAX_TUNNELS; t++) {
                const struct vsw_vxlan_tunnel *tn = &st->tunnels[t];

                if (tn->in_use && tn->vni == vni && tn->dst_ip == remote)
                        return t;
        }
        return -1;
}

/* The inner frames of one tunnel, through the bridge. */
static void bridge_run(struct dp_worker *w, int t, struct rte_mbuf **pkts, uint16_t n)
{
        struct l2_out *out = &w->out;
        uint16_t done = 0;

        while (done < n) {
                done += l2_bridge_input(&w->l2, w->st->tunnels[t].sw_if_index, pkts + done,
                                        (uint16_t)(n - done), out);
                w->uplink.ctr->rx_drops += out->ndropped;
                for (unsigned i = 0; i < out->ndests; i++)
                        dp_forward(w, w->idx, &out->dests[i]);
        }
}

/* m's outer headers off; 0, or -1 (the padding could not be trimmed). */
static int decap(struct rte_mbuf *m, const struct vxlan_rx *rx)
{
        if (!rte_pktmbuf_adj(m, (uint16_t)rx->inner_off))
                return -1;
        if (rte_pktmbuf_pkt_len(m) > rx->inner_len &&
            rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - rx->inner_len)))
                return -1;
        /* The NIC's flags were about the outer frame. */
        m->ol_flags = 0;
        m->packet_type = 0;
        m->vlan_tci = 0;
        return 0;
}

uint16_t dp_vxlan_rx(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
        struct vsw_state *st = w->st;
        uint32_t ip = atomic_load_explicit(&st->uplink.host_ip, memory_order_acquire);
        uint64_t *drops = w->uplink.ctr->vxlan_drops;
        struct rte_mbuf *run[DP_BURST];
        uint16_t k = 0, nrun = 0;
        int run_t = -1;

        if (likely(ip == 0))
                return n;
        for (uint16_t i = 0; i < n; i++) {
                struct rte_mbuf *m = pkts[i];
                struct vxlan_rx rx;
                enum vxlan_verdict v = VXLAN_NOT_MINE;
                int t;

                if (!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))
                        v = vxlan_parse(rte_pktmbuf_mtod(m, const uint8_t *),
                                        rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m), ip, &rx);
                if (likely(v == VXLAN_NOT_MINE)) {
                        pkts[k++] = m;
                        continue;
                }
                if (v == VXLAN_DROP) {
                        drops[rx.drop]++;
                        rte_pktmbuf_free(m);
                        continue;
                }
                t = tunnel_of(st, rx.vni, rx.src_ip);
                if (t < 0) {
                        drops[VSW_VXLAN_DROP_UNKNOWN_VNI]++;
                        rte_pktmbuf_free(m);
                        continue;
                }
                if (decap(m, &rx)) {
                        drops[VSW_VXLAN_DROP_TRUNCATED]++;
                        rte_pktmbuf_free(m);
                        continue;
                }
                if (t != run_t && nrun) {
                        bridge_run(w, run_t, run, nrun);
                        nrun = 0;
                }
                run_t = t;
                st->tunnels[t].counters[w->idx].rx_packets++;
                st->tunnels[t].counters[w->idx].rx_bytes += rx.inner_len;
                run[nrun++] = m;
        }
        if (nrun)
                bridge_run(w, run_t, run, nrun);
        return k;
}
