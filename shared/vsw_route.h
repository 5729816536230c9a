/* The underlay's IPv4 routes (`ip route add <prefix>/<len> via <gw>`) and
 * the next hop they give a VXLAN tunnel's remote VTEP, and the aging of
 * the neighbor entries ARP learned. Pure (no DPDK, no clock): vhostd edits
 * the table, the workers resolve against it (dataplane/dp_vxlan_tx.c),
 * tests/unit/test_route.c checks both. Addresses in network byte order. */
#ifndef VSW_ROUTE_H
#define VSW_ROUTE_H

#include <stdatomic.h>
#include <stdint.h>

#define VSW_ROUTE_MAX 32

struct vsw_route {
        uint32_t prefix; /* host bits zero */
        uint32_t plen;   /* 0-32 */
        uint32_t gw;     /* the gateway, on the uplink's subnet */
};

/* Written by vhostd alone under seq (odd while it edits, a seqlock);
 * workers copy the entries and retry while seq is odd or moved. */
struct vsw_route_table {
        _Atomic uint32_t seq;
        uint32_t n;
        struct vsw_route r[VSW_ROUTE_MAX];
};

/* 0, or -EINVAL (host bits set, gw 0), -EEXIST (that prefix has a route),
 * -ENOSPC (VSW_ROUTE_MAX routes). */
int vsw_route_add(struct vsw_route_table *t, uint32_t prefix, uint32_t plen, uint32_t gw);
/* 0, or -ENOENT (no route for that prefix, or not via gw when gw != 0). */
int vsw_route_del(struct vsw_route_table *t, uint32_t prefix, uint32_t plen, uint32_t gw);

enum vsw_route_verdict {
        VSW_ROUTE_ON_LINK = 0,      /* on the uplink's subnet: the next hop is dst */
        VSW_ROUTE_VIA = 1,          /* the longest matching route's gateway */
        VSW_ROUTE_NO_ADDR = -1,     /* the uplink has no address */
        VSW_ROUTE_NONE = -2,        /* no route covers dst */
        VSW_ROUTE_GW_OFF_LINK = -3, /* the best route's gateway is not on the subnet */
};

/* Longest prefix match of dst over the connected subnet of the uplink's
 * address (host_ip/host_plen, preferred at equal length) and routes r[0..n).
 * *nh: the next hop when the verdict is >= 0. */
enum vsw_route_verdict vsw_route_resolve(const struct vsw_route *r, uint32_t n, uint32_t host_ip,
                                         uint32_t host_plen, uint32_t dst, uint32_t *nh);

/* The same over a table others may be editing (its seqlock). */
enum vsw_route_verdict vsw_route_lookup(const struct vsw_route_table *t, uint32_t host_ip,
                                        uint32_t host_plen, uint32_t dst, uint32_t *nh);

/* What the verdict means, for `show vxlan tunnel`. */
const char *vsw_route_verdict_text(enum vsw_route_verdict v);

/* A neighbor entry's life (Linux's and VPP's, simplified): reachable for
 * reachable_ms after it was last heard; then still used while its owner is
 * asked again, by unicast ARP for VSW_NEIGH_PROBE_MS, then by broadcast
 * ARP for as long; then expired: not used, its slot free again. */
#define VSW_NEIGH_REACHABLE_MS 30000u
#define VSW_NEIGH_PROBE_MS     1000u
enum vsw_neigh_state {
        VSW_NEIGH_REACHABLE,
        VSW_NEIGH_PROBE_UNICAST,
        VSW_NEIGH_PROBE_BROADCAST,
        VSW_NEIGH_EXPIRED,
};
enum vsw_neigh_state vsw_neigh_state(uint64_t heard_ns, uint64_t now_ns, uint32_t reachable_ms);
const char *vsw_neigh_state_text(enum vsw_neigh_state s);

#endif
