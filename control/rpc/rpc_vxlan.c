/* RPC handlers of VXLAN (RFC 7348): create vxlan tunnel (and its del),
 * show vxlan tunnel, and the tunnels as bridge ports for set interface l2
 * bridge / l3 (rpc_l2.c). A tunnel lives in the memzone
 * (vsw_state.tunnels[]) like every other piece of config, so it outlives a
 * vhostd; the workers encapsulate and decapsulate (dataplane/dp_vxlan_*.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drop_reasons.h"
#include "log.h"
#include "rpc_call.h"
#include "vsw_bridge.h"

#define DEFAULT_MTU 1500

struct vsw_vxlan_tunnel *rpc_tunnel_named(struct vhostd *d, const char *name)
{
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                if (d->st->tunnels[t].in_use && !strcmp(d->st->tunnels[t].name, name))
                        return &d->st->tunnels[t];
        return NULL;
}

struct vsw_vxlan_tunnel *rpc_tunnel_by_index(struct vhostd *d, uint32_t sw_if_index)
{
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                if (d->st->tunnels[t].in_use && d->st->tunnels[t].sw_if_index == sw_if_index)
                        return &d->st->tunnels[t];
        return NULL;
}

static const char *ip_text(uint32_t be, char *buf)
{
        struct in_addr a = {.s_addr = be};

        return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

static struct vsw_vxlan_tunnel *find(struct vsw_state *st, uint32_t src, uint32_t dst, uint32_t vni)
{
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++) {
                struct vsw_vxlan_tunnel *tn = &st->tunnels[t];

                if (tn->in_use && tn->src_ip == src && tn->dst_ip == dst && tn->vni == vni)
                        return tn;
        }
        return NULL;
}

static int instance_used(const struct vsw_state *st, uint32_t instance)
{
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                if (st->tunnels[t].in_use && st->tunnels[t].instance == instance)
                        return 1;
        return 0;
}

static Vsw__CreateVhostUserReply *created(struct rpc_call *c, const struct vsw_vxlan_tunnel *tn)
{
        Vsw__CreateVhostUserReply *r = rpc_alloc(c, sizeof(*r));

        if (!r)
                return NULL;
        vsw__create_vhost_user_reply__init(r);
        r->sw_if_index = tn->sw_if_index;
        r->name = rpc_strdup(c, tn->name);
        c->reply.body_case = VSW__REPLY__BODY_CREATED;
        c->reply.created = r;
        return r->name ? r : NULL;
}

static int delete_tunnel(struct vhostd *d, const Vsw__CreateVxlanTunnelRequest *q,
                         struct rpc_call *c)
{
        struct vsw_vxlan_tunnel *tn = find(d->st, q->src, q->dst, q->vni);
        char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

        if (!tn)
                return rpc_fail(c, ENOENT, "no vxlan tunnel src %s dst %s vni %u",
                                ip_text(q->src, a), ip_text(q->dst, b), q->vni);
        vsw_l2_edit_begin(d->st);
        tn->in_use = 0;
        tn->bridge_id = VSW_NO_BRIDGE;
        vsw_l2_edit_end(d->st);
        VSW_NOTICE(VSW_LOG_RPC, "%s: deleted", tn->name);
        return created(c, tn) ? 0 : rpc_no_memory(c);
}

int rpc_create_vxlan_tunnel(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__CreateVxlanTunnelRequest *q = req->create_vxlan_tunnel;
        struct vsw_state *st = d->st;
        uint32_t host = atomic_load_explicit(&st->uplink.host_ip, memory_order_acquire);
        uint32_t instance = 0;
        struct vsw_vxlan_tunnel *tn = NULL;
        char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

        if (q->vni > VSW_VXLAN_VNI_MAX)
                return rpc_fail(c, EINVAL, "vni %u is out of range 0-%u", q->vni,
                                VSW_VXLAN_VNI_MAX);
        if (q->has_del && q->del)
                return delete_tunnel(d, q, c);
        if (st->uplink.mode != VSW_UPLINK_SOFTWARE)
                return rpc_fail(c, EOPNOTSUPP,
                                "VXLAN needs an uplink with software steering (and its address)");
        if (!host || q->src != host)
                return rpc_fail(c, EADDRNOTAVAIL,
                                "src %s is not the uplink's address (set interface ip address)",
                                ip_text(q->src, a));
        if (!q->dst || q->dst == q->src || (ntohl(q->dst) >> 28) >= 14)
                return rpc_fail(c, EINVAL, "dst %s is not a unicast address of another VTEP",
                                ip_text(q->dst, a));
        if (find(st, q->src, q->dst, q->vni))
                return rpc_fail(c, EEXIST, "a vxlan tunnel src %s dst %s vni %u exists",
                                ip_text(q->src, a), ip_text(q->dst, b), q->vni);
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                if (st->tunnels[t].in_use && st->tunnels[t].vni == q->vni &&
                    st->tunnels[t].dst_ip == q->dst)
                        return rpc_fail(c, EEXIST, "%s already takes vni %u from %s",
                                        st->tunnels[t].name, q->vni, ip_text(q->dst, a));
        if (q->has_instance) {
                instance = q->instance;
                if (instance_used(st, instance))
                        return rpc_fail(c, EEXIST, "vxlan_tunnel%u exists", instance);
        } else {
                while (instance_used(st, instance))
                        instance++;
        }
        for (unsigned t = 0; t < VSW_MAX_TUNNELS && !tn; t++)
                if (!st->tunnels[t].in_use)
                        tn = &st->tunnels[t];
        if (!tn)
                return rpc_fail(c, ENOSPC, "no room for another tunnel (at most %d)",
                                VSW_MAX_TUNNELS);
        /* A free slot is no bridge port: the workers do not look at it. */
        memset(tn, 0, sizeof(*tn));
        snprintf(tn->name, sizeof(tn->name), "vxlan_tunnel%u", instance);
        tn->instance = instance;
        tn->vni = q->vni;
        tn->src_ip = q->src;
        tn->dst_ip = q->dst;
        tn->bridge_id = VSW_NO_BRIDGE;
        if (st->next_sw_if_index == 0)
                st->next_sw_if_index = 1;
        tn->sw_if_index = st->next_sw_if_index++;
        vsw_l2_edit_begin(st);
        tn->in_use = 1;
        vsw_l2_edit_end(st);
        VSW_NOTICE(VSW_LOG_RPC, "%s: src %s dst %s vni %u (sw_if_index %u)", tn->name,
                   ip_text(q->src, a), ip_text(q->dst, b), q->vni, tn->sw_if_index);
        return created(c, tn) ? 0 : rpc_no_memory(c);
}

/* The non-zero drops among counts[], as reply entries. */
static int drops_of(struct rpc_call *c, const uint64_t *counts, Vsw__VxlanDrop ***out, size_t *n)
{
        size_t k = 0;

        for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++)
                k += counts[r] != 0;
        *n = k;
        if (!k)
                return 0;
        *out = (Vsw__VxlanDrop **)rpc_alloc_array(c, k, sizeof(Vsw__VxlanDrop));
        if (!*out)
                return -1;
        k = 0;
        for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++) {
                if (!counts[r])
                        continue;
                vsw__vxlan_drop__init((*out)[k]);
                (*out)[k]->reason = (char *)vsw_vxlan_drop_names[r];
                (*out)[k]->count = counts[r];
                k++;
        }
        return 0;
}

static int tunnel_reply(struct vhostd *d, struct rpc_call *c, const struct vsw_vxlan_tunnel *tn,
                        uint32_t mtu, Vsw__VxlanTunnel *v)
{
        uint64_t drops[VSW_VXLAN_DROPS] = {0};
        enum vsw_route_verdict verdict;
        uint32_t nh = 0;
        uint8_t mac[6];

        vsw__vxlan_tunnel__init(v);
        v->name = rpc_strdup(c, tn->name);
        if (!v->name)
                return -1;
        v->sw_if_index = tn->sw_if_index;
        v->src = tn->src_ip;
        v->dst = tn->dst_ip;
        v->vni = tn->vni;
        v->bd_id = tn->bridge_id == VSW_NO_BRIDGE ? 0 : tn->bridge_id;
        for (unsigned w = 0; w < VSW_MAX_WORKERS; w++) {
                const struct vsw_vxlan_counters *k = &tn->counters[w];

                v->rx_packets += k->rx_packets;
                v->rx_bytes += k->rx_bytes;
                v->tx_packets += k->tx_packets;
                v->tx_bytes += k->tx_bytes;
                for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++)
                        drops[r] += k->drops[r];
        }
        verdict = vsw_route_lookup(
            &d->st->uplink.routes,
            atomic_load_explicit(&d->st->uplink.host_ip, memory_order_acquire),
            atomic_load_explicit(&d->st->uplink.host_plen, memory_order_relaxed), tn->dst_ip, &nh);
        v->route = (char *)vsw_route_verdict_text(verdict);
        if (verdict >= 0) {
                v->has_next_hop = 1;
                v->next_hop = nh;
        }
        if (verdict >= 0 && rpc_neighbor_mac(d, nh, mac) == 0) {
                v->has_next_hop_mac = 1;
                v->next_hop_mac.len = sizeof(mac);
                v->next_hop_mac.data = rpc_alloc(c, sizeof(mac));
                if (!v->next_hop_mac.data)
                        return -1;
                memcpy(v->next_hop_mac.data, mac, sizeof(mac));
        }
        v->overhead = VSW_VXLAN_OVERHEAD;
        v->uplink_mtu = mtu;
        v->inner_mtu = mtu > VSW_VXLAN_OVERHEAD ? mtu - VSW_VXLAN_OVERHEAD : 0;
        return drops_of(c, drops, &v->drops, &v->n_drops);
}

int rpc_show_vxlan_tunnel(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const struct vsw_state *st = d->st;
        Vsw__ShowVxlanTunnelReply *r = rpc_alloc(c, sizeof(*r));
        uint64_t rx[VSW_VXLAN_DROPS] = {0};
        uint32_t mtu = st->uplink.mtu ? st->uplink.mtu : DEFAULT_MTU;
        size_t k = 0;

        (void)req;
        if (!r)
                return rpc_no_memory(c);
        vsw__show_vxlan_tunnel_reply__init(r);
        c->reply.body_case = VSW__REPLY__BODY_VXLAN_TUNNELS;
        c->reply.vxlan_tunnels = r;
        for (unsigned w = 0; w < VSW_MAX_WORKERS; w++)
                for (unsigned i = 0; i < VSW_VXLAN_DROPS; i++)
                        rx[i] += st->uplink.counters[w].vxlan_drops[i];
        if (drops_of(c, rx, &r->rx_drops, &r->n_rx_drops))
                return rpc_no_memory(c);
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                k += st->tunnels[t].in_use != 0;
        if (!k)
                return 0;
        r->tunnels = (Vsw__VxlanTunnel **)rpc_alloc_array(c, k, sizeof(Vsw__VxlanTunnel));
        if (!r->tunnels)
                return rpc_no_memory(c);
        k = 0;
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                if (st->tunnels[t].in_use &&
                    tunnel_reply(d, c, &st->tunnels[t], mtu, r->tunnels[k++]))
                        return rpc_no_memory(c);
        r->n_tunnels = k;
        return 0;
}
