#include "vsw_route.h"

#include <arpa/inet.h>
#include <errno.h>

static uint32_t mask_of(uint32_t plen)
{
        return plen ? ~0u << (32 - plen) : 0;
}

static int find(const struct vsw_route_table *t, uint32_t prefix, uint32_t plen)
{
        for (uint32_t i = 0; i < t->n; i++)
                if (t->r[i].prefix == prefix && t->r[i].plen == plen)
                        return (int)i;
        return -1;
}

/* vhostd is the only writer: seq odd while the entries move. */
static void edit_begin(struct vsw_route_table *t)
{
        atomic_fetch_add_explicit(&t->seq, 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
}

static void edit_end(struct vsw_route_table *t)
{
        atomic_fetch_add_explicit(&t->seq, 1, memory_order_release);
}

int vsw_route_add(struct vsw_route_table *t, uint32_t prefix, uint32_t plen, uint32_t gw)
{
        if (plen > 32 || (ntohl(prefix) & ~mask_of(plen)) || gw == 0)
                return -EINVAL;
        if (find(t, prefix, plen) >= 0)
                return -EEXIST;
        if (t->n >= VSW_ROUTE_MAX)
                return -ENOSPC;
        edit_begin(t);
        t->r[t->n] = (struct vsw_route){.prefix = prefix, .plen = plen, .gw = gw};
        t->n++;
        edit_end(t);
        return 0;
}

int vsw_route_del(struct vsw_route_table *t, uint32_t prefix, uint32_t plen, uint32_t gw)
{
        int i = plen <= 32 ? find(t, prefix, plen) : -1;

        if (i < 0 || (gw && t->r[i].gw != gw))
                return -ENOENT;
        edit_begin(t);
        t->r[i] = t->r[t->n - 1];
        t->n--;
        edit_end(t);
        return 0;
}

enum vsw_route_verdict vsw_route_resolve(const struct vsw_route *r, uint32_t n, uint32_t host_ip,
                                         uint32_t host_plen, uint32_t dst, uint32_t *nh)
{
        uint32_t d = ntohl(dst), conn = mask_of(host_plen), best = 0;
        int found = -1;

        if (!host_ip || host_plen == 0 || host_plen > 32)
                return VSW_ROUTE_NO_ADDR;
        for (uint32_t i = 0; i < n && i < VSW_ROUTE_MAX; i++) {
                uint32_t p = r[i].plen > 32 ? 32 : r[i].plen;

                if (((d ^ ntohl(r[i].prefix)) & mask_of(p)) == 0 && (found < 0 || p > best)) {
                        found = (int)i;
                        best = p;
                }
        }
        /* The connected route wins unless a static one is longer. */
        if (((d ^ ntohl(host_ip)) & conn) == 0 && (found < 0 || best <= host_plen)) {
                *nh = dst;
                return VSW_ROUTE_ON_LINK;
        }
        if (found < 0)
                return VSW_ROUTE_NONE;
        if (((ntohl(r[found].gw) ^ ntohl(host_ip)) & conn) != 0)
                return VSW_ROUTE_GW_OFF_LINK;
        *nh = r[found].gw;
        return VSW_ROUTE_VIA;
}

enum vsw_route_verdict vsw_route_lookup(const struct vsw_route_table *t, uint32_t host_ip,
                                        uint32_t host_plen, uint32_t dst, uint32_t *nh)
{
        struct vsw_route copy[VSW_ROUTE_MAX];

        /* vhostd edits in a few stores: a worker never waits long, and never
         * forever on a vhostd that died mid-edit (the burst then drops). */
        for (int tries = 0; tries < 64; tries++) {
                uint32_t s1 = atomic_load_explicit(&t->seq, memory_order_acquire), n;

                if (s1 & 1)
                        continue;
                n = __atomic_load_n(&t->n, __ATOMIC_RELAXED);
                if (n > VSW_ROUTE_MAX)
                        n = VSW_ROUTE_MAX;
                for (uint32_t i = 0; i < n; i++)
                        copy[i] = t->r[i];
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(&t->seq, memory_order_relaxed) == s1)
                        return vsw_route_resolve(copy, n, host_ip, host_plen, dst, nh);
        }
        return VSW_ROUTE_NONE;
}

const char *vsw_route_verdict_text(enum vsw_route_verdict v)
{
        switch (v) {
        case VSW_ROUTE_ON_LINK:
                return "on-link";
        case VSW_ROUTE_VIA:
                return "via gateway";
        case VSW_ROUTE_NO_ADDR:
                return "no address on the uplink";
        case VSW_ROUTE_NONE:
                return "no route";
        case VSW_ROUTE_GW_OFF_LINK:
                return "gateway not on the uplink's subnet";
        }
        return "?";
}

enum vsw_neigh_state vsw_neigh_state(uint64_t heard_ns, uint64_t now_ns, uint32_t reachable_ms)
{
        uint64_t age_ms = now_ns > heard_ns ? (now_ns - heard_ns) / 1000000u : 0;

        if (!reachable_ms)
                reachable_ms = VSW_NEIGH_REACHABLE_MS;
        if (age_ms < reachable_ms)
                return VSW_NEIGH_REACHABLE;
        if (age_ms < (uint64_t)reachable_ms + VSW_NEIGH_PROBE_MS)
                return VSW_NEIGH_PROBE_UNICAST;
        if (age_ms < (uint64_t)reachable_ms + 2 * VSW_NEIGH_PROBE_MS)
                return VSW_NEIGH_PROBE_BROADCAST;
        return VSW_NEIGH_EXPIRED;
}

const char *vsw_neigh_state_text(enum vsw_neigh_state s)
{
        static const char *const names[] = {"reachable", "probe", "probe-broadcast", "expired"};

        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
