/* The uplink's own address as one worker serves it: off its RX queues,
 * ARP for the address is answered (and its sender learned into the
 * memzone's neighbor table, for `show ip neighbors`) and ICMP echo to it
 * answered, out of the worker's own TX queue; the rest goes on to the
 * bridge. The same table gives VXLAN its next hops (dp_neigh_lookup), and
 * an ARP request goes out for one not known yet or aging (dp_neigh_solicit);
 * a gratuitous ARP updates a known entry. Entries age by the time they were
 * last heard (vsw_neigh_state): an expired one's slot is free again.
 * Software steering only: with VMDQ the NIC copies a broadcast to
 * every pool, and the address would answer once per pool. */
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>

#include "dp_vq.h"
#include "host_reply.h"

#define NEIGH_PROBE 8 /* slots tried from the address's own */

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t reachable_ms(const struct vsw_uplink *up)
{
        return atomic_load_explicit(&up->neigh_reachable_ms, memory_order_relaxed);
}

/* The entry for ip, a free or expired one (NULL when only_known), or
 * (table full) the address's own slot. */
static struct vsw_neighbor *neigh_slot(struct vsw_uplink *up, uint32_t ip, uint64_t now,
                                       int only_known)
{
        unsigned h = (ip * 2654435761u) >> 26; /* 64 slots */
        struct vsw_neighbor *free = NULL;

        for (unsigned i = 0; i < NEIGH_PROBE; i++) {
                struct vsw_neighbor *e = &up->neighbors[(h + i) % VSW_NEIGH_MAX];
                uint32_t cur = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
                uint64_t heard = __atomic_load_n(&e->heard_ns, __ATOMIC_RELAXED);

                if (cur == ip)
                        return e;
                if (!free &&
                    (!cur || vsw_neigh_state(heard, now, reachable_ms(up)) == VSW_NEIGH_EXPIRED))
                        free = e;
        }
        if (only_known)
                return NULL;
        return free ? free : &up->neighbors[h % VSW_NEIGH_MAX];
}

static void learn(struct vsw_uplink *up, const struct host_learned *l)
{
        uint64_t now = now_ns();
        struct vsw_neighbor *e = neigh_slot(up, l->ip, now, l->update_only);
        uint32_t seq;

        if (!e)
                return;
        seq = atomic_load_explicit(&e->seq, memory_order_relaxed);

        /* Another worker writing it: this one's news waits for the next ARP. */
        if ((seq & 1) || !atomic_compare_exchange_strong_explicit(
                             &e->seq, &seq, seq + 1, memory_order_acquire, memory_order_relaxed))
                return;
        atomic_thread_fence(memory_order_release);
        __atomic_store_n(&e->ip, l->ip, __ATOMIC_RELAXED);
        memcpy(e->mac, l->mac, sizeof(e->mac));
        __atomic_store_n(&e->heard_ns, now, __ATOMIC_RELAXED);
        atomic_store_explicit(&e->seq, seq + 2, memory_order_release);
}

int dp_neigh_lookup(const struct vsw_uplink *up, uint32_t ip, uint8_t *mac, uint64_t *heard_ns)
{
        unsigned h = (ip * 2654435761u) >> 26;

        for (unsigned i = 0; i < NEIGH_PROBE; i++) {
                const struct vsw_neighbor *e = &up->neighbors[(h + i) % VSW_NEIGH_MAX];
                uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire), s2, cur;

                cur = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
                if (cur != ip || (s1 & 1))
                        continue;
                memcpy(mac, e->mac, 6);
                *heard_ns = __atomic_load_n(&e->heard_ns, __ATOMIC_RELAXED);
                atomic_thread_fence(memory_order_acquire);
                s2 = atomic_load_explicit(&e->seq, memory_order_relaxed);
                if (s1 == s2 && __atomic_load_n(&e->ip, __ATOMIC_RELAXED) == ip)
                        return 0;
        }
        return -1;
}

uint64_t dp_neigh_now_ns(void)
{
        return now_ns();
}

void dp_neigh_solicit(struct dp_worker *w, uint32_t target, const uint8_t *dst)
{
        const struct vsw_uplink *up = &w->st->uplink;
        uint32_t ip = atomic_load_explicit(&up->host_ip, memory_order_acquire);
        struct l2_dest d = {.sw_if_index = VSW_UPLINK_SW_IF_INDEX, .iface = L2_UPLINK_PORT};
        struct rte_mbuf *m;
        uint8_t *f;

        if (!ip || !w->uplink.active)
                return;
        m = rte_pktmbuf_alloc(w->mp);
        if (!m)
                return;
        f = (uint8_t *)rte_pktmbuf_append(m, HOST_ARP_REQUEST_LEN);
        if (!f) {
                rte_pktmbuf_free(m);
                return;
        }
        host_arp_request(f, ip, up->mac, target, dst);
        d.pkts[d.n++] = m;
        dp_uplink_tx(w, &d);
}

uint16_t dp_uplink_host(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
        struct vsw_uplink *up = &w->st->uplink;
        uint32_t ip = atomic_load_explicit(&up->host_ip, memory_order_acquire);
        struct l2_dest replies = {.sw_if_index = VSW_UPLINK_SW_IF_INDEX, .n = 0};
        uint16_t k = 0;

        if (likely(ip == 0))
                return n;
        for (uint16_t i = 0; i < n; i++) {
                struct rte_mbuf *m = pkts[i];
                struct host_learned l;
                enum host_verdict v = HOST_NOT_MINE;

                /* A tag the PMD stripped: a VLAN's frame, not the address's. */
                if (!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)) {
                        v = host_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m),
                                       rte_pktmbuf_pkt_len(m), ip, up->mac, &l);
                        if (l.ip)
                                learn(up, &l);
                }
                if (v == HOST_NOT_MINE)
                        pkts[k++] = m;
                else if (v == HOST_REPLY)
                        replies.pkts[replies.n++] = m;
                else
                        rte_pktmbuf_free(m);
        }
        if (replies.n)
                dp_uplink_tx(w, &replies);
        return k;
}
