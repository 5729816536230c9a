/* RPC handler of `show uplink`, and the uplink's entry in `show
 * interface`: what the supervisor recorded in the memzone (port, mode and
 * why, queues), the workers' own uplink counters, and the ethdev's link,
 * stats and xstats read through this process's attachment to the port. */
#include <errno.h>
#include <rte_ethdev.h>
#include <string.h>

#include "rpc_call.h"

#define MAX_XSTATS 512

static const char *vm2vm_effect(const struct vsw_uplink *up)
{
        switch (up->vm2vm) {
        case 0:
                return "VM frames go out of the uplink only; VMs do not reach each other here";
        case 1:
                return "the software bridge switches between VMs";
        default:
                if (up->nic_loopback)
                        return "VM frames go to the NIC, whose switch loops VM-to-VM frames back";
                return up->mode == VSW_UPLINK_VMDQ
                           ? "the PMD does not turn the NIC's VM-to-VM loopback on: behaves as "
                             "vm2vm 0"
                           : "no NIC switch with software steering: behaves as vm2vm 0";
        }
}

/* The port is attached in this process (a vdev comes from EAL; a
 * restarted vhostd of another build might not have it). */
static int port_usable(const struct vsw_uplink *up)
{
        return up->mode != VSW_UPLINK_NONE && rte_eth_dev_is_valid_port(up->port_id);
}

static int fill_workers(struct vhostd *d, struct rpc_call *c, Vsw__ShowUplinkReply *r)
{
        const struct vsw_uplink *up = &d->st->uplink;
        unsigned n = up->nworkers < VSW_MAX_WORKERS ? up->nworkers : VSW_MAX_WORKERS;
        Vsw__UplinkWorker **w;

        if (!n)
                return 0;
        w = (Vsw__UplinkWorker **)rpc_alloc_array(c, n, sizeof(Vsw__UplinkWorker));
        if (!w)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < n; i++) {
                const struct vsw_uplink_counters *k = &up->counters[i];

                vsw__uplink_worker__init(w[i]);
                w[i]->worker = i;
                w[i]->queue = up->txq_of_worker[i];
                w[i]->n_rx_queues = up->nrxq_of_worker[i] < VSW_UPLINK_MAX_RXQ
                                        ? up->nrxq_of_worker[i]
                                        : VSW_UPLINK_MAX_RXQ;
                w[i]->rx_queues = rpc_alloc(c, VSW_UPLINK_MAX_RXQ * sizeof(uint32_t));
                if (!w[i]->rx_queues)
                        return rpc_no_memory(c);
                for (size_t q = 0; q < w[i]->n_rx_queues; q++)
                        w[i]->rx_queues[q] = up->rxq_of_worker[i][q];
                w[i]->rx_packets = k->rx_packets;
                w[i]->rx_bytes = k->rx_bytes;
                w[i]->rx_steered = k->rx_steered;
                w[i]->rx_drops = k->rx_drops;
                w[i]->tx_packets = k->tx_packets;
                w[i]->tx_bytes = k->tx_bytes;
                w[i]->tx_drops = k->tx_drops;
                w[i]->tx_sw_segmented = k->tx_sw_segmented;
                w[i]->tx_sw_csum = k->tx_sw_csum;
                w[i]->has_tx_drops_mtu = 1;
                w[i]->tx_drops_mtu = k->tx_drops_mtu;
                w[i]->tx_hw_tso = k->tx_hw_tso;
                w[i]->tx_hw_csum = k->tx_hw_csum;
        }
        r->n_workers = n;
        r->workers = w;
        return 0;
}

static int fill_macs(struct vhostd *d, struct rpc_call *c, Vsw__ShowUplinkReply *r)
{
        const struct vsw_uplink *up = &d->st->uplink;
        Vsw__UplinkMac **m;
        unsigned n = 0, k = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                n += atomic_load(&up->macs[i].sw_if_index) != 0;
        if (!n)
                return 0;
        m = (Vsw__UplinkMac **)rpc_alloc_array(c, n, sizeof(Vsw__UplinkMac));
        if (!m)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < VSW_MAX_IFACES && k < n; i++) {
                const struct vsw_uplink_mac *e = &up->macs[i];
                uint32_t idx = atomic_load(&e->sw_if_index);
                const struct vsw_iface *ifc;
                uint8_t *mac;

                if (!idx)
                        continue;
                vsw__uplink_mac__init(m[k]);
                mac = rpc_alloc(c, sizeof(e->mac));
                if (!mac)
                        return rpc_no_memory(c);
                memcpy(mac, e->mac, sizeof(e->mac));
                m[k]->mac.data = mac;
                m[k]->mac.len = sizeof(e->mac);
                m[k]->vlan = e->vlan;
                m[k]->sw_if_index = idx;
                ifc = vhostd_iface_by_index(d, idx);
                if (ifc && !(m[k]->name = rpc_strdup(c, ifc->name)))
                        return rpc_no_memory(c);
                k++;
        }
        r->n_macs = k;
        r->macs = m;
        return 0;
}

static int fill_pools(struct vhostd *d, struct rpc_call *c, Vsw__ShowUplinkReply *r)
{
        const struct vsw_uplink *up = &d->st->uplink;
        Vsw__UplinkPool **p;
        unsigned n = 0, k = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                n += up->pools[i].sw_if_index != 0;
        if (up->mode != VSW_UPLINK_VMDQ || !n)
                return 0;
        p = (Vsw__UplinkPool **)rpc_alloc_array(c, n, sizeof(Vsw__UplinkPool));
        if (!p)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < VSW_MAX_IFACES && k < n; i++) {
                const struct vsw_uplink_pool *e = &up->pools[i];
                const struct vsw_uplink_pool_counters *pc = &up->pool_counters[i];
                const struct vsw_iface *ifc;

                if (!e->sw_if_index)
                        continue;
                vsw__uplink_pool__init(p[k]);
                p[k]->pool = e->pool_id;
                p[k]->rx_queue = e->rx_queue;
                p[k]->worker = e->worker;
                p[k]->sw_if_index = e->sw_if_index;
                ifc = vhostd_iface_by_index(d, e->sw_if_index);
                if (ifc && !(p[k]->name = rpc_strdup(c, ifc->name)))
                        return rpc_no_memory(c);
                p[k]->rx_packets = pc->rx_packets;
                p[k]->rx_delivered = pc->rx_delivered;
                p[k]->rx_not_owner = pc->rx_not_owner;
                p[k]->rx_copies = pc->rx_copies;
                k++;
        }
        r->n_pools = k;
        r->pools = p;
        return 0;
}

int rpc_show_uplink(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const struct vsw_uplink *up = &d->st->uplink;
        Vsw__ShowUplinkReply *r = rpc_alloc(c, sizeof(*r));
        struct rte_eth_link link;

        (void)req;
        if (!r)
                return rpc_no_memory(c);
        vsw__show_uplink_reply__init(r);
        c->reply.body_case = VSW__REPLY__BODY_UPLINK;
        c->reply.uplink = r;
        r->configured = up->mode != VSW_UPLINK_NONE;
        if (!r->configured)
                return 0;
        r->devargs = rpc_strdup(c, up->devargs);
        r->name = rpc_strdup(c, up->name);
        r->driver = rpc_strdup(c, up->driver);
        r->mode = up->mode == VSW_UPLINK_VMDQ ? "vmdq" : "software";
        r->mode_reason = rpc_strdup(c, up->mode_reason);
        r->mtu_reason = rpc_strdup(c, up->mtu_reason);
        r->has_mtu = 1;
        r->mtu = up->mtu;
        r->vm2vm_effect = (char *)vm2vm_effect(up);
        r->mac.data = rpc_alloc(c, sizeof(up->mac));
        if (!r->devargs || !r->name || !r->driver || !r->mode_reason || !r->mtu_reason ||
            !r->mac.data)
                return rpc_no_memory(c);
        memcpy(r->mac.data, up->mac, sizeof(up->mac));
        r->mac.len = sizeof(up->mac);
        r->has_mac = 1;
        r->has_port_id = r->has_max_vmdq_pools = r->has_max_rx_queues = r->has_max_tx_queues = 1;
        r->port_id = up->port_id;
        r->max_vmdq_pools = up->max_vmdq_pools;
        r->max_rx_queues = up->max_rx_queues;
        r->max_tx_queues = up->max_tx_queues;
        r->has_queues_per_worker = r->has_vm2vm = r->has_vlan_strip = r->has_vlan_strip_hw = 1;
        r->queues_per_worker = up->mode == VSW_UPLINK_VMDQ ? 0 : 1;
        r->vm2vm = up->vm2vm;
        r->vlan_strip = up->vlan_strip;
        r->vlan_strip_hw = up->vlan_strip_hw;
        r->has_bd_id = 1;
        r->bd_id = up->bridge_id;
        r->has_tx_csum_hw = r->has_tx_tso_hw = r->has_rx_csum_hw = r->has_tso_max_frame = 1;
        r->tso_max_frame = up->tso_max_frame;
        r->tx_csum_hw = up->tx_csum_hw;
        r->tx_tso_hw = up->tx_tso_hw;
        r->rx_csum_hw = up->rx_csum_hw;
        r->has_link_up = 1;
        if (port_usable(up) && rte_eth_link_get_nowait(up->port_id, &link) == 0) {
                r->link_up = link.link_status == RTE_ETH_LINK_UP;
                r->has_link_speed_mbps = 1;
                r->link_speed_mbps = link.link_speed;
        }
        if (fill_workers(d, c, r) || fill_macs(d, c, r) || fill_pools(d, c, r))
                return -1;
        return 0;
}

int rpc_uplink_named(struct vhostd *d, const char *name)
{
        const struct vsw_uplink *up = &d->st->uplink;

        return up->mode != VSW_UPLINK_NONE && strcmp(name, up->name) == 0;
}

static int fill_xstats(struct rpc_call *c, uint16_t port, Vsw__Interface *o)
{
        struct rte_eth_xstat_name *names;
        struct rte_eth_xstat *vals;
        int n = rte_eth_xstats_get_names(port, NULL, 0);

        if (n <= 0)
                return 0;
        if (n > MAX_XSTATS)
                n = MAX_XSTATS;
        names = rpc_alloc(c, (size_t)n * sizeof(*names));
        vals = rpc_alloc(c, (size_t)n * sizeof(*vals));
        o->xstats = (Vsw__Xstat **)rpc_alloc_array(c, (size_t)n, sizeof(Vsw__Xstat));
        if (!names || !vals || !o->xstats)
                return rpc_no_memory(c);
        if (rte_eth_xstats_get_names(port, names, (unsigned)n) != n ||
            rte_eth_xstats_get(port, vals, (unsigned)n) != n)
                return rpc_fail(c, EAGAIN, "uplink xstats changed while read, try again");
        for (int i = 0; i < n; i++) {
                vsw__xstat__init(o->xstats[i]);
                o->xstats[i]->name = names[vals[i].id < (uint64_t)n ? vals[i].id : 0].name;
                o->xstats[i]->value = vals[i].value;
        }
        o->n_xstats = (size_t)n;
        return 0;
}

int rpc_uplink_interface(struct vhostd *d, struct rpc_call *c, Vsw__Interface *o)
{
        const struct vsw_uplink *up = &d->st->uplink;
        struct rte_eth_stats s;
        struct rte_eth_link link;

        vsw__interface__init(o);
        o->name = rpc_strdup(c, up->name);
        o->driver = rpc_strdup(c, up->driver);
        if (!o->name || !o->driver)
                return rpc_no_memory(c);
        o->sw_if_index = VSW_UPLINK_SW_IF_INDEX;
        o->admin_up = 1;
        o->conn_state = "dpdk";
        if (!port_usable(up))
                return 0;
        if (rte_eth_link_get_nowait(up->port_id, &link) == 0)
                o->link_up = link.link_status == RTE_ETH_LINK_UP;
        if (rte_eth_stats_get(up->port_id, &s) == 0) {
                o->rx_packets = s.ipackets;
                o->rx_bytes = s.ibytes;
                o->tx_packets = s.opackets;
                o->tx_bytes = s.obytes;
                o->drops = s.imissed + s.ierrors + s.oerrors + s.rx_nombuf;
        }
        return fill_xstats(c, up->port_id, o);
}
