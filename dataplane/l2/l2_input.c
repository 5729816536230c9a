/* l2_bridge_input: classify a burst (VLAN, MAC keys) while prefetching the
 * table buckets it will touch, then learn each source and send each frame
 * to its destination or flood it. Rare cases (drops, re-tagging, floods)
 * are out of line. */
#include <string.h>

#include <rte_prefetch.h>

#include "l2_bridge.h"
#include "l2_vlan.h"
#include "l2fib.h"

#define PREFETCH_AHEAD 4

/* A frame as classified: its VLAN, the table keys of its MACs, whether it
 * carries its tag in its bytes, and why it is dropped (L2_DROP_MAX: not). */
struct l2_frame {
        uint64_t src, dst;
        uint16_t vlan;
        uint8_t tagged;
        uint8_t group; /* destination is broadcast or multicast */
        uint8_t drop;
};

static inline int port_of(const struct l2_ctx *c, uint32_t sw_if_index)
{
        unsigned h = sw_if_index % L2_PORT_HASH;

        while (c->port_of[h] >= 0) {
                if (c->ports[c->port_of[h]].sw_if_index == sw_if_index)
                        return c->port_of[h];
                h = (h + 1) % L2_PORT_HASH;
        }
        return -1;
}

static inline void emit(const struct l2_ctx *c, struct l2_out *o, unsigned port, struct rte_mbuf *m)
{
        int s = o->slot[port];

        if (s < 0) {
                s = o->ndests++;
                o->slot[port] = (int8_t)s;
                o->dests[s].sw_if_index = c->ports[port].sw_if_index;
                o->dests[s].iface = (uint16_t)port;
                o->dests[s].n = 0;
        }
        o->dests[s].pkts[o->dests[s].n++] = m;
}

static void drop(struct l2_out *o, struct rte_mbuf *m, enum l2_drop why)
{
        rte_pktmbuf_free(m);
        o->drops[why]++;
        o->ndropped++;
}

/* Whether the frame leaves through an interface of access VLAN port_vlan
 * (0: none) in another form than it has: tagged frames lose their tag on
 * access ports, untagged ones of a VLAN gain it elsewhere. */
static inline int needs_retag(const struct l2_frame *f, uint16_t port_vlan)
{
        return f->vlan && (port_vlan != 0) == f->tagged;
}

/* m (the bridge's alone) in the other form; NULL when no mbuf for it. */
static struct rte_mbuf *retag(struct rte_mbuf *m, const struct l2_frame *f)
{
        if (f->tagged) {
                l2_vlan_strip(m);
                return m;
        }
        return l2_vlan_push(m, f->vlan);
}

static uint8_t classify(const struct l2_port *in, struct rte_mbuf *m, struct l2_frame *f)
{
        const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
        uint64_t src, dst;

        if (unlikely(rte_pktmbuf_data_len(m) < L2_ETH_HLEN))
                return L2_DROP_RUNT;
        dst = l2_mac_at(p);
        src = l2_mac_at(p + 6);
        if (unlikely((src & 1) || src == 0))
                return L2_DROP_BAD_SRC;
        f->vlan = in->vlan;
        f->tagged = 0;
        if (unlikely(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) && !in->vlan) {
                /* The NIC took the tag off (vlan-strip): the frame is in
                 * that VLAN, untagged, as if from an access port. */
                f->vlan = m->vlan_tci & 0xfff;
                if (f->vlan == 0xfff)
                        return L2_DROP_VLAN;
        } else if (unlikely(l2_be16_at(p + L2_MACS_LEN) == L2_ETH_P_8021Q)) {
                uint16_t vid;

                if (rte_pktmbuf_data_len(m) < L2_ETH_HLEN + L2_VLAN_HLEN)
                        return L2_DROP_RUNT;
                vid = l2_be16_at(p + L2_ETH_HLEN) & 0xfff;
                if (in->vlan) {
                        /* Access port: its own VLAN or priority-tagged only,
                         * carried untagged inside the bridge. */
                        if (vid != 0 && vid != in->vlan)
                                return L2_DROP_VLAN;
                        l2_vlan_strip(m);
                } else if (vid == 0xfff) {
                        return L2_DROP_VLAN; /* reserved */
                } else {
                        f->vlan = vid;
                        f->tagged = vid != 0;
                }
        }
        f->src = vsw_l2fib_key(src, f->vlan);
        f->dst = vsw_l2fib_key(dst, f->vlan);
        f->group = dst & 1;
        return L2_DROP_MAX;
}

static void flood(struct l2_ctx *c, struct l2_out *o, const struct l2_bd *bd, unsigned in,
                  struct rte_mbuf *m, const struct l2_frame *f)
{
        uint8_t same[L2_MAX_PORTS], other[L2_MAX_PORTS];
        /* vm2vm 0/2 isolates VMs from each other, not from tunnels. */
        int only_uplink = c->isolate && in != L2_UPLINK_PORT && !l2_is_tunnel(in);
        unsigned nsame = 0, nother = 0;
        struct rte_mbuf *t = NULL;

        for (unsigned i = 0; i < bd->nmembers; i++) {
                unsigned q = bd->members[i];
                uint16_t qv = c->ports[q].vlan;

                if (q == in || (qv && qv != f->vlan) ||
                    (only_uplink && q != L2_UPLINK_PORT && !l2_is_tunnel(q)) ||
                    (l2_is_tunnel(in) && l2_is_tunnel(q)))
                        continue;
                if (needs_retag(f, qv))
                        other[nother++] = (uint8_t)q;
                else
                        same[nsame++] = (uint8_t)q;
        }
        if (nsame + nother == 0) {
                drop(o, m, L2_DROP_NO_MEMBER);
                return;
        }
        c->stats.flooded++;
        if (nother) {
                t = nsame ? rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX) : m;
                if (t)
                        t = retag(t, f);
                if (!t) {
                        o->drops[L2_DROP_NO_MBUF] += nother;
                        o->ndropped += nother;
                        nother = 0;
                }
        }
        if (nsame) {
                rte_pktmbuf_refcnt_update(m, (int16_t)(nsame - 1));
                for (unsigned i = 0; i < nsame; i++)
                        emit(c, o, same[i], m);
        }
        if (nother) {
                rte_pktmbuf_refcnt_update(t, (int16_t)(nother - 1));
                for (unsigned i = 0; i < nother; i++)
                        emit(c, o, other[i], t);
        }
}

static void learn(struct l2_ctx *c, const struct l2_bd *bd, uint64_t key, uint32_t sw_if_index,
                  uint32_t now)
{
        switch (l2fib_learn(bd->b, key, sw_if_index, now, bd->aging_s, bd->refresh_s)) {
        case L2FIB_FRESH:
                break;
        case L2FIB_REFRESHED:
                c->stats.refreshed++;
                break;
        case L2FIB_MOVED:
                c->stats.moved++;
                break;
        case L2FIB_NEW:
                c->stats.learned++;
                break;
        case L2FIB_FULL:
                c->stats.learn_full++;
                break;
        case L2FIB_RACE:
                c->stats.learn_race++;
                break;
        }
}

#define L2_FLOOD   (-1) /* destination unknown: flood */
#define L2_HANDLED (-2) /* dropped or re-tagged: nothing to reuse */

/* The frame to its learned interface. Returns that interface's slot when
 * the frame went as it is, so the next frame to the same key can follow
 * without a lookup; else L2_FLOOD or L2_HANDLED. */
static inline int forward_known(struct l2_ctx *c, struct l2_out *o, const struct l2_bd *bd,
                                unsigned in, struct rte_mbuf *m, const struct l2_frame *f,
                                uint32_t now)
{
        const struct l2_port *dp;
        uint32_t sw_if_index;
        int q;

        if (f->group || !l2fib_lookup(bd->b, f->dst, now, bd->aging_s, &sw_if_index))
                return L2_FLOOD;
        q = port_of(c, sw_if_index);
        if (unlikely(q < 0))
                return L2_FLOOD; /* learned on an interface since deleted or moved out */
        if (unlikely(c->isolate) && in != L2_UPLINK_PORT && !l2_is_tunnel(in) &&
            !l2_is_tunnel((unsigned)q))
                q = L2_UPLINK_PORT; /* vm2vm 0/2: another VM is reached through the NIC */
        dp = &c->ports[q];
        if (unlikely(dp->bd != c->ports[in].bd || (dp->vlan && dp->vlan != f->vlan)))
                return L2_FLOOD;
        if (unlikely((unsigned)q == in)) {
                drop(o, m, L2_DROP_SAME_PORT);
                return L2_HANDLED;
        }
        if (unlikely(l2_is_tunnel(in) && l2_is_tunnel((unsigned)q))) {
                drop(o, m, L2_DROP_SPLIT_HORIZON);
                return L2_HANDLED;
        }
        c->stats.unicast++;
        if (unlikely(needs_retag(f, dp->vlan))) {
                m = retag(m, f);
                if (!m) {
                        c->stats.unicast--;
                        o->drops[L2_DROP_NO_MBUF]++;
                        o->ndropped++;
                        return L2_HANDLED;
                }
                emit(c, o, (unsigned)q, m);
                return L2_HANDLED;
        }
        emit(c, o, (unsigned)q, m);
        return q;
}

uint16_t l2_bridge_input(struct l2_ctx *c, uint32_t in_sw_if_index, struct rte_mbuf **pkts,
                         uint16_t n, struct l2_out *out)
{
        struct l2_frame f[L2_BURST_MAX];
        const struct l2_port *ip;
        const struct l2_bd *bd;
        uint32_t now;
        int in;

        if (n > L2_BURST_MAX)
                n = L2_BURST_MAX;
        out->ndests = 0;
        out->ndropped = 0;
        memset(out->drops, 0, sizeof(out->drops));
        memset(out->slot, -1, sizeof(out->slot));
        l2_ctx_sync(c);
        in = port_of(c, in_sw_if_index);
        if (unlikely(in < 0)) {
                for (uint16_t i = 0; i < n; i++)
                        drop(out, pkts[i], L2_DROP_NOT_BRIDGED);
                return n;
        }
        ip = &c->ports[in];
        bd = &c->bds[ip->bd];
        now = c->clock();
        uint64_t pf_src = 0, pf_dst = 0; /* 0 is never a key */

        for (uint16_t i = 0; i < n; i++) {
                if (i + PREFETCH_AHEAD < n)
                        rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
                f[i].drop = classify(ip, pkts[i], &f[i]);
                if (unlikely(f[i].drop != L2_DROP_MAX))
                        continue;
                if (bd->learn && f[i].src != pf_src) {
                        l2fib_prefetch(bd->b, f[i].src);
                        pf_src = f[i].src;
                }
                if (!f[i].group && f[i].dst != pf_dst) {
                        l2fib_prefetch(bd->b, f[i].dst);
                        pf_dst = f[i].dst;
                }
        }
        /* A burst mostly repeats one source and one destination: learn a
         * source once per run of it, look a destination up once per run. */
        uint64_t last_src = 0, last_dst = 0; /* 0 is never a key */
        int last_q = L2_FLOOD;

        for (uint16_t i = 0; i < n; i++) {
                if (unlikely(f[i].drop != L2_DROP_MAX)) {
                        drop(out, pkts[i], (enum l2_drop)f[i].drop);
                        continue;
                }
                if (bd->learn && f[i].src != last_src) {
                        learn(c, bd, f[i].src, in_sw_if_index, now);
                        last_src = f[i].src;
                }
                if (f[i].dst == last_dst) {
                        c->stats.unicast++;
                        emit(c, out, (unsigned)last_q, pkts[i]);
                        continue;
                }
                last_q = forward_known(c, out, bd, (unsigned)in, pkts[i], &f[i], now);
                last_dst = last_q >= 0 ? f[i].dst : 0;
                if (last_q == L2_FLOOD)
                        flood(c, out, bd, (unsigned)in, pkts[i], &f[i]);
        }
        return n;
}

int l2_bridge_unicast(struct l2_ctx *c, uint32_t in_sw_if_index, const uint8_t *hdr)
{
        const struct l2_port *ip, *dp;
        const struct l2_bd *bd;
        struct l2_frame f = {0};
        uint64_t src = l2_mac_at(hdr + 6), dst = l2_mac_at(hdr);
        uint32_t now, sw_if_index;
        int in, q;

        l2_ctx_sync(c);
        in = port_of(c, in_sw_if_index);
        if (unlikely(in < 0 || c->isolate) || (src & 1) || src == 0 || (dst & 1) ||
            l2_be16_at(hdr + L2_MACS_LEN) == L2_ETH_P_8021Q)
                return -1;
        ip = &c->ports[in];
        bd = &c->bds[ip->bd];
        f.vlan = ip->vlan;
        f.src = vsw_l2fib_key(src, f.vlan);
        f.dst = vsw_l2fib_key(dst, f.vlan);
        now = c->clock();
        if (!l2fib_lookup(bd->b, f.dst, now, bd->aging_s, &sw_if_index))
                return -1;
        q = port_of(c, sw_if_index);
        if (q < 0 || q >= VSW_MAX_IFACES || q == in)
                return -1;
        dp = &c->ports[q];
        if (dp->bd != ip->bd || (dp->vlan && dp->vlan != f.vlan) || needs_retag(&f, dp->vlan))
                return -1;
        if (bd->learn)
                learn(c, bd, f.src, in_sw_if_index, now);
        return q;
}
