/* RPC handlers of the underlay's routes: ip route add|del, show ip fib.
 * The table lives in the memzone (struct vsw_uplink.routes, so a handover
 * keeps it); vhostd is its only writer (shared/vsw_route.c), the workers
 * resolve tunnels' next hops against it. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "log.h"
#include "rpc_call.h"

static const char *ip_text(uint32_t be, char *buf)
{
        struct in_addr a = {.s_addr = be};

        return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

int rpc_ip_route(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__IpRouteRequest *q = req->ip_route;
        struct vsw_uplink *up = &d->st->uplink;
        char p[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
        int rc;

        if (up->mode == VSW_UPLINK_NONE)
                return rpc_fail(c, ENODEV, "no uplink: routes lead out of it");
        if (q->prefix_len > 32)
                return rpc_fail(c, EINVAL, "prefix length %u is out of range 0-32", q->prefix_len);
        if (q->del) {
                rc = vsw_route_del(&up->routes, q->prefix, q->prefix_len, q->has_via ? q->via : 0);
                if (rc)
                        return rpc_fail(c, ENOENT, "no route to %s/%u%s%s", ip_text(q->prefix, p),
                                        q->prefix_len, q->has_via ? " via " : "",
                                        q->has_via ? ip_text(q->via, g) : "");
                VSW_NOTICE(VSW_LOG_RPC, "route %s/%u deleted", ip_text(q->prefix, p),
                           q->prefix_len);
                return 0;
        }
        if (!q->has_via || !q->via)
                return rpc_fail(c, EINVAL, "a route needs a gateway (via <ip>)");
        rc = vsw_route_add(&up->routes, q->prefix, q->prefix_len, q->via);
        if (rc == -EINVAL)
                return rpc_fail(c, EINVAL, "prefix %s/%u has host bits set", ip_text(q->prefix, p),
                                q->prefix_len);
        if (rc == -EEXIST)
                return rpc_fail(c, EEXIST, "%s/%u already has a route (ip route del it first)",
                                ip_text(q->prefix, p), q->prefix_len);
        if (rc == -ENOSPC)
                return rpc_fail(c, ENOSPC, "the table holds %d routes, all in use", VSW_ROUTE_MAX);
        VSW_NOTICE(VSW_LOG_RPC, "route %s/%u via %s", ip_text(q->prefix, p), q->prefix_len,
                   ip_text(q->via, g));
        return 0;
}

/* Entry e: a static route (r) or, r NULL, the connected one. */
static int fib_entry(struct vhostd *d, struct rpc_call *c, const struct vsw_route *r,
                     Vsw__IpFibEntry *e)
{
        const struct vsw_uplink *up = &d->st->uplink;
        uint32_t host = atomic_load_explicit(&up->host_ip, memory_order_acquire);
        uint32_t plen = atomic_load_explicit(&up->host_plen, memory_order_relaxed), nh;
        uint8_t mac[6];

        vsw__ip_fib_entry__init(e);
        if (!r) {
                e->prefix = htonl(ntohl(host) & (plen ? ~0u << (32 - plen) : 0));
                e->prefix_len = plen;
                e->state = "connected";
                return 0;
        }
        e->prefix = r->prefix;
        e->prefix_len = r->plen;
        e->has_via = 1;
        e->via = r->gw;
        if (vsw_route_resolve(NULL, 0, host, plen, r->gw, &nh) != VSW_ROUTE_ON_LINK) {
                e->state = host ? "unresolved: the gateway is not on the uplink's subnet"
                                : "unresolved: the uplink has no address";
                return 0;
        }
        if (rpc_neighbor_mac(d, r->gw, mac)) {
                e->state = "gateway's MAC not known yet";
                return 0;
        }
        e->state = "resolved";
        e->has_next_hop_mac = 1;
        e->next_hop_mac.len = sizeof(mac);
        e->next_hop_mac.data = rpc_alloc(c, sizeof(mac));
        if (!e->next_hop_mac.data)
                return -1;
        memcpy(e->next_hop_mac.data, mac, sizeof(mac));
        return 0;
}

int rpc_show_ip_fib(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const struct vsw_uplink *up = &d->st->uplink;
        Vsw__ShowIpFibReply *r = rpc_alloc(c, sizeof(*r));
        uint32_t host = atomic_load_explicit(&up->host_ip, memory_order_acquire);
        size_t n = up->routes.n, k = 0;

        (void)req;
        if (!r)
                return rpc_no_memory(c);
        vsw__show_ip_fib_reply__init(r);
        c->reply.body_case = VSW__REPLY__BODY_IP_FIB;
        c->reply.ip_fib = r;
        r->max_routes = VSW_ROUTE_MAX;
        if (n + (host != 0) == 0)
                return 0;
        r->routes = (Vsw__IpFibEntry **)rpc_alloc_array(c, n + 1, sizeof(Vsw__IpFibEntry));
        if (!r->routes)
                return rpc_no_memory(c);
        if (host && fib_entry(d, c, NULL, r->routes[k++]))
                return rpc_no_memory(c);
        for (size_t i = 0; i < n; i++)
                if (fib_entry(d, c, &up->routes.r[i], r->routes[k++]))
                        return rpc_no_memory(c);
        r->n_routes = k;
        return 0;
}
