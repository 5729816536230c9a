/* A VXLAN tunnel as `show interface` lists it, like the other ports: its
 * decapsulated (rx) and encapsulated (tx) frames and its encapsulation's
 * drops, summed over the workers; up while its remote VTEP has a route
 * and a resolved next hop (show vxlan tunnel says which is missing). */
#include "rpc_call.h"

int rpc_tunnel_interface(struct vhostd *d, struct rpc_call *c, const struct vsw_vxlan_tunnel *tn,
                         Vsw__Interface *o)
{
        const struct vsw_uplink *up = &d->st->uplink;
        uint32_t nh;
        uint8_t mac[6];

        vsw__interface__init(o);
        o->name = rpc_strdup(c, tn->name);
        if (!o->name)
                return rpc_no_memory(c);
        o->sw_if_index = tn->sw_if_index;
        o->admin_up = 1;
        o->conn_state = "vxlan";
        o->driver = "vxlan";
        o->link_up =
            vsw_route_lookup(&up->routes, atomic_load_explicit(&up->host_ip, memory_order_acquire),
                             atomic_load_explicit(&up->host_plen, memory_order_relaxed), tn->dst_ip,
                             &nh) >= 0 &&
            rpc_neighbor_mac(d, nh, mac) == 0;
        for (unsigned w = 0; w < VSW_MAX_WORKERS; w++) {
                const struct vsw_vxlan_counters *k = &tn->counters[w];

                o->rx_packets += k->rx_packets;
                o->rx_bytes += k->rx_bytes;
                o->tx_packets += k->tx_packets;
                o->tx_bytes += k->tx_bytes;
                for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++)
                        o->drops += k->drops[r];
        }
        return 0;
}
