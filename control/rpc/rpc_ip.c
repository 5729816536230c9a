/* RPC handlers of the uplink's own address: set interface ip address, show
 * ip neighbors, set ip neighbor-config. The workers answer for the address and fill the neighbor
 * table (dataplane/dp_uplink_host.c); vhostd only sets and reads them. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rpc_call.h"

int rpc_set_interface_ip_address(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceIpAddressRequest *q = req->set_interface_ip_address;
        struct vsw_uplink *up = &d->st->uplink;
        char ip[INET_ADDRSTRLEN];
        struct in_addr a = {.s_addr = q->address};

        if (!rpc_uplink_named(d, q->name))
                return rpc_fail(c, ENODEV, "'%s' is not the uplink: only the uplink has an address",
                                q->name);
        if (up->mode != VSW_UPLINK_SOFTWARE)
                return rpc_fail(c, EOPNOTSUPP,
                                "%s steers by VMDQ pools: its own address is answered only with "
                                "software steering",
                                up->name);
        if (q->address && (q->prefix_len < 1 || q->prefix_len > 32))
                return rpc_fail(c, EINVAL, "prefix length %u is out of range 1-32", q->prefix_len);
        if (!q->address) {
                atomic_store_explicit(&up->host_ip, 0, memory_order_release);
                atomic_store_explicit(&up->host_plen, 0, memory_order_relaxed);
                VSW_NOTICE(VSW_LOG_RPC, "%s: no address", up->name);
                return 0;
        }
        atomic_store_explicit(&up->host_plen, q->prefix_len, memory_order_relaxed);
        atomic_store_explicit(&up->host_ip, q->address, memory_order_release);
        VSW_NOTICE(VSW_LOG_RPC, "%s: address %s/%u", up->name,
                   inet_ntop(AF_INET, &a, ip, sizeof(ip)) ? ip : "?", q->prefix_len);
        return 0;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t reachable_ms(const struct vsw_uplink *up)
{
        uint32_t ms = atomic_load_explicit(&up->neigh_reachable_ms, memory_order_relaxed);

        return ms ? ms : VSW_NEIGH_REACHABLE_MS;
}

int rpc_set_ip_neighbor_config(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetIpNeighborConfigRequest *q = req->set_ip_neighbor_config;

        if (q->age_s < 1 || q->age_s > 3600)
                return rpc_fail(c, EINVAL, "age %u s is out of range 1-3600", q->age_s);
        atomic_store_explicit(&d->st->uplink.neigh_reachable_ms, q->age_s * 1000u,
                              memory_order_relaxed);
        VSW_NOTICE(VSW_LOG_RPC, "neighbor entries reachable for %u s", q->age_s);
        return 0;
}

/* A consistent copy of entry e (see struct vsw_neighbor): 0, or -1 when
 * it is free, expired or kept changing. */
static int read_neighbor(const struct vsw_uplink *up, const struct vsw_neighbor *e,
                         struct vsw_neighbor *out, uint64_t now)
{
        for (int tries = 0; tries < 4; tries++) {
                uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire), s2;

                if (s1 & 1)
                        continue;
                out->ip = __atomic_load_n(&e->ip, __ATOMIC_RELAXED);
                memcpy(out->mac, e->mac, sizeof(out->mac));
                out->heard_ns = __atomic_load_n(&e->heard_ns, __ATOMIC_RELAXED);
                atomic_thread_fence(memory_order_acquire);
                s2 = atomic_load_explicit(&e->seq, memory_order_relaxed);
                if (s1 == s2)
                        return out->ip && vsw_neigh_state(out->heard_ns, now, reachable_ms(up)) !=
                                              VSW_NEIGH_EXPIRED
                                   ? 0
                                   : -1;
        }
        return -1;
}

int rpc_neighbor_mac(struct vhostd *d, uint32_t ip, uint8_t *mac)
{
        const struct vsw_uplink *up = &d->st->uplink;
        struct vsw_neighbor copy;
        uint64_t now = now_ns();

        for (unsigned i = 0; i < VSW_NEIGH_MAX; i++)
                if (!read_neighbor(up, &up->neighbors[i], &copy, now) && copy.ip == ip) {
                        memcpy(mac, copy.mac, sizeof(copy.mac));
                        return 0;
                }
        return -1;
}

int rpc_show_ip_neighbors(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const struct vsw_uplink *up = &d->st->uplink;
        struct vsw_neighbor copy[VSW_NEIGH_MAX];
        Vsw__ShowIpNeighborsReply *r = rpc_alloc(c, sizeof(*r));
        Vsw__IpNeighbor **n;
        uint64_t now = now_ns();
        size_t k = 0;

        (void)req;
        if (!r)
                return rpc_no_memory(c);
        vsw__show_ip_neighbors_reply__init(r);
        c->reply.body_case = VSW__REPLY__BODY_IP_NEIGHBORS;
        c->reply.ip_neighbors = r;
        r->uplink = rpc_strdup(c, up->mode != VSW_UPLINK_NONE ? up->name : "");
        if (!r->uplink)
                return rpc_no_memory(c);
        r->address = atomic_load_explicit(&up->host_ip, memory_order_acquire);
        r->prefix_len = atomic_load_explicit(&up->host_plen, memory_order_relaxed);
        r->has_reachable_ms = 1;
        r->reachable_ms = reachable_ms(up);
        for (unsigned i = 0; i < VSW_NEIGH_MAX; i++)
                if (!read_neighbor(up, &up->neighbors[i], &copy[k], now))
                        k++;
        if (!k)
                return 0;
        n = (Vsw__IpNeighbor **)rpc_alloc_array(c, k, sizeof(Vsw__IpNeighbor));
        if (!n)
                return rpc_no_memory(c);
        for (size_t i = 0; i < k; i++) {
                vsw__ip_neighbor__init(n[i]);
                n[i]->address = copy[i].ip;
                n[i]->mac.len = sizeof(copy[i].mac);
                n[i]->mac.data = rpc_alloc(c, sizeof(copy[i].mac));
                if (!n[i]->mac.data)
                        return rpc_no_memory(c);
                memcpy(n[i]->mac.data, copy[i].mac, sizeof(copy[i].mac));
                n[i]->age_ms = now > copy[i].heard_ns ? (now - copy[i].heard_ns) / 1000000 : 0;
                n[i]->state = (char *)vsw_neigh_state_text(
                    vsw_neigh_state(copy[i].heard_ns, now, reachable_ms(up)));
        }
        r->n_neighbors = k;
        r->neighbors = n;
        return 0;
}
