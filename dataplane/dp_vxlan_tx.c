/* A bridge domain's frames into a VXLAN tunnel (RFC 7348), on the worker
 * that switched them: offload requests finished in software first (the
 * outer headers would hide them from the NIC), each inner frame held to
 * the tunnel's inner MTU, then 50 bytes of outer headers in front of it
 * and out of the worker's uplink TX queue. The next hop is the remote VTEP
 * on the uplink's subnet, else the gateway of the longest matching route
 * (vsw_route.h; none: dropped as no_route); its MAC is from the uplink's
 * neighbor table. While it is not known the frames are dropped
 * (no_neighbor) and an ARP request goes out, at most one per tunnel and
 * worker every ARP_EVERY_MS; an entry past its reachable time is still
 * used while it is asked again (unicast, then broadcast), once a
 * PROBE_EVERY_MS.
 *
 * A flooded frame is shared with the bridge's other destinations (the
 * head-end replication: one reference per tunnel): it is copied before its
 * headers are written, as is any frame without headroom for them. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "dp_vq.h"
#include "vxlan_hdr.h"

#define ARP_EVERY_MS   100
#define PROBE_EVERY_MS 250

static void drop_all(struct vsw_vxlan_counters *ctr, enum vsw_vxlan_drop why,
                     struct rte_mbuf **pkts, uint16_t n)
{
        ctr->drops[why] += n;
        rte_pktmbuf_free_bulk(pkts, n);
}

/* m, ours alone with room for the outer headers: m itself, or a copy (m
 * freed). NULL when no mbuf for the copy. */
static struct rte_mbuf *writable(struct dp_worker *w, struct rte_mbuf *m)
{
        struct rte_mbuf *c;

        if (likely(RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
                   rte_pktmbuf_headroom(m) >= VXLAN_HLEN))
                return m;
        c = rte_pktmbuf_copy(m, w->mp, 0, UINT32_MAX);
        rte_pktmbuf_free(m);
        return c;
}

/* The tunnel's outer headers in front of m; 0, or -1 (m not consumed). */
static int encap(struct dp_worker *w, struct vxlan_tx *tx, struct rte_mbuf *m)
{
        uint8_t key[VXLAN_FLOW_KEY_MAX];
        size_t klen =
            vxlan_flow_key(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), key);
        uint8_t *h;

        tx->inner_len = rte_pktmbuf_pkt_len(m);
        tx->sport = vxlan_sport(rte_hash_crc(key, (uint32_t)klen, 0));
        tx->ip_id = w->vxlan_ip_id++;
        h = (uint8_t *)rte_pktmbuf_prepend(m, VXLAN_HLEN);
        if (unlikely(!h))
                return -1;
        vxlan_build(h, tx);
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + RTE_ETHER_HDR_LEN);

        ip->hdr_checksum = rte_ipv4_cksum(ip);
        m->ol_flags = 0;
        return 0;
}

/* Frames with no offload requests left: encapsulated and sent. */
static void encap_send(struct dp_worker *w, struct vxlan_tx *tx, struct vsw_vxlan_counters *ctr,
                       struct rte_mbuf **pkts, uint16_t n)
{
        struct l2_dest out = {.sw_if_index = VSW_UPLINK_SW_IF_INDEX, .iface = L2_UPLINK_PORT};
        uint32_t max_inner =
            (w->uplink.max_frame ? w->uplink.max_frame : RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN) -
            VXLAN_HLEN;

        for (uint16_t i = 0; i < n; i++) {
                struct rte_mbuf *m = pkts[i];
                uint32_t len = rte_pktmbuf_pkt_len(m);

                if (unlikely(len > max_inner)) {
                        ctr->drops[VSW_VXLAN_DROP_MTU]++;
                        rte_pktmbuf_free(m);
                        continue;
                }
                m = writable(w, m);
                if (unlikely(!m || encap(w, tx, m))) {
                        ctr->drops[VSW_VXLAN_DROP_NO_MBUF]++;
                        rte_pktmbuf_free(m);
                        continue;
                }
                ctr->tx_packets++;
                ctr->tx_bytes += len;
                out.pkts[out.n++] = m;
                if (out.n == L2_BURST_MAX) {
                        dp_uplink_tx(w, &out);
                        out.n = 0;
                }
        }
        if (out.n)
                dp_uplink_tx(w, &out);
}

/* Out of line: the next hop is not known. */
static __rte_noinline void no_neighbor(struct dp_worker *w, unsigned t, uint32_t nh,
                                       struct vsw_vxlan_counters *ctr, struct l2_dest *d)
{
        uint64_t now = rte_rdtsc();

        drop_all(ctr, VSW_VXLAN_DROP_NO_NEIGHBOR, d->pkts, d->n);
        if (now - w->vxlan_arp_tsc[t] < rte_get_tsc_hz() / 1000 * ARP_EVERY_MS)
                return;
        w->vxlan_arp_tsc[t] = now;
        dp_neigh_solicit(w, nh, NULL);
}

/* The next hop's MAC into mac: 0, or -1 (not known, or expired). An
 * entry past its reachable time is asked again (unicast to the MAC it
 * had, then broadcast) while it is used. */
static int next_hop_mac(struct dp_worker *w, unsigned t, uint32_t nh, uint8_t *mac)
{
        const struct vsw_uplink *up = &w->st->uplink;
        uint32_t reach = atomic_load_explicit(&up->neigh_reachable_ms, memory_order_relaxed);
        uint64_t heard, tsc;
        enum vsw_neigh_state s;

        if (dp_neigh_lookup(up, nh, mac, &heard))
                return -1;
        s = vsw_neigh_state(heard, dp_neigh_now_ns(), reach);
        if (likely(s == VSW_NEIGH_REACHABLE))
                return 0;
        if (s == VSW_NEIGH_EXPIRED)
                return -1;
        tsc = rte_rdtsc();
        if (tsc - w->vxlan_arp_tsc[t] >= rte_get_tsc_hz() / 1000 * PROBE_EVERY_MS) {
                w->vxlan_arp_tsc[t] = tsc;
                dp_neigh_solicit(w, nh, s == VSW_NEIGH_PROBE_UNICAST ? mac : NULL);
        }
        return 0;
}

void dp_vxlan_tx(struct dp_worker *w, unsigned t, struct l2_dest *d)
{
        const struct vsw_uplink *up = &w->st->uplink;
        struct vsw_vxlan_tunnel *tn = &w->st->tunnels[t];
        struct vsw_vxlan_counters *ctr = &tn->counters[w->idx];
        struct vxlan_tx tx;
        uint32_t nh;

        tx.src_ip = atomic_load_explicit(&up->host_ip, memory_order_acquire);
        tx.dst_ip = tn->dst_ip;
        tx.vni = tn->vni;
        if (unlikely(!w->uplink.active || !tn->in_use || !tx.src_ip)) {
                drop_all(ctr, VSW_VXLAN_DROP_NO_NEIGHBOR, d->pkts, d->n);
                return;
        }
        if (unlikely(vsw_route_lookup(&up->routes, tx.src_ip,
                                      atomic_load_explicit(&up->host_plen, memory_order_relaxed),
                                      tx.dst_ip, &nh) < 0)) {
                drop_all(ctr, VSW_VXLAN_DROP_NO_ROUTE, d->pkts, d->n);
                return;
        }
        if (unlikely(next_hop_mac(w, t, nh, tx.dst_mac))) {
                no_neighbor(w, t, nh, ctr, d);
                return;
        }
        memcpy(tx.src_mac, up->mac, sizeof(tx.src_mac));
        if (likely(!dp_offload_pending(d->pkts, d->n))) {
                encap_send(w, &tx, ctr, d->pkts, d->n);
                return;
        }
        /* Guests' TSO and checksum requests finished on the inner frames. */
        struct rte_mbuf *seg[DP_OL_UPLINK_OUT];
        uint16_t done = 0;

        while (done < d->n) {
                uint16_t used, k = dp_offload_uplink(w, d->pkts + done, (uint16_t)(d->n - done),
                                                     seg, &used, false);

                encap_send(w, &tx, ctr, seg, k);
                done += used;
        }
}
