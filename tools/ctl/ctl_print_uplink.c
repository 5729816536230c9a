/* Printer of `show uplink`: the port, how frames are steered and why, and
 * each worker's share of the traffic. */
#include "ctl.h"

#include <inttypes.h>

#include "ctl_json.h"

static void text(const Vsw__ShowUplinkReply *u, FILE *out)
{
        char mac[32];

        fprintf(out, "uplink %s (port %u, driver %s)\n", u->name, u->port_id, u->driver);
        fprintf(out, "  devargs %s\n", u->devargs);
        fprintf(out, "  mac %s, link %s", ctl_mac_text(&u->mac, mac, sizeof(mac)),
                u->link_up ? "up" : "down");
        if (u->has_link_speed_mbps && u->link_up)
                fprintf(out, " %u Mb/s", u->link_speed_mbps);
        fprintf(out, "\n  mode %s steering: %s\n",
                u->mode && u->mode[0] == 'v' ? "VMDQ" : "software", u->mode_reason);
        fprintf(out, "  capabilities: max_vmdq_pools %u, max_rx_queues %u, max_tx_queues %u\n",
                u->max_vmdq_pools, u->max_rx_queues, u->max_tx_queues);
        if (u->queues_per_worker)
                fprintf(out, "  queues per worker: %u RX, %u TX; bridge domain %u\n",
                        u->queues_per_worker, u->queues_per_worker, u->bd_id);
        else
                fprintf(out,
                        "  queues per worker: its VMs' pool RX queues, 1 TX; bridge domain %u\n",
                        u->bd_id);
        if (u->has_mtu)
                fprintf(out, "  mtu %u: %s\n", u->mtu, u->mtu_reason ? u->mtu_reason : "");
        fprintf(out, "  vm2vm %u: %s\n", u->vm2vm, u->vm2vm_effect);
        fprintf(out, "  vlan-strip %s%s\n", u->vlan_strip ? "on" : "off",
                !u->vlan_strip     ? ""
                : u->vlan_strip_hw ? " (by the NIC)"
                                   : " (by the bridge: the PMD cannot)");
        fprintf(out, "  offloads: tx checksums by the %s, tx TSO by the %s",
                u->tx_csum_hw ? "PMD" : "switch (software)",
                u->tx_tso_hw ? "PMD for TCP/IPv4, the switch for TCP/IPv6" : "switch (software)");
        if (u->tx_tso_hw && u->tso_max_frame < UINT16_MAX)
                fprintf(out, " and segments over %u bytes", u->tso_max_frame);
        fprintf(out, ", rx checksums %s\n", u->rx_csum_hw ? "checked by the PMD" : "not checked");
        fprintf(out, "  %-6s %-8s %-8s %14s %14s %12s %10s %14s %10s %10s\n", "worker", "rx-queue",
                "tx-queue", "rx-packets", "rx-bytes", "rx-steered", "rx-drops", "tx-packets",
                "tx-drops", "tx-mtu");
        for (size_t i = 0; i < u->n_workers; i++) {
                const Vsw__UplinkWorker *w = u->workers[i];
                char rxq[32] = "-";

                if (w->n_rx_queues == 1)
                        snprintf(rxq, sizeof(rxq), "%u", w->rx_queues[0]);
                else if (w->n_rx_queues > 1)
                        snprintf(rxq, sizeof(rxq), "%u+%zu", w->rx_queues[0], w->n_rx_queues - 1);
                fprintf(out,
                        "  %-6u %-8s %-8u %14" PRIu64 " %14" PRIu64 " %12" PRIu64 " %10" PRIu64
                        " %14" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
                        w->worker, rxq, w->queue, w->rx_packets, w->rx_bytes, w->rx_steered,
                        w->rx_drops, w->tx_packets, w->tx_drops, w->tx_drops_mtu);
                if (w->tx_hw_tso || w->tx_hw_csum || w->tx_sw_segmented || w->tx_sw_csum)
                        fprintf(out,
                                "         offloads: tso-hw %" PRIu64 " csum-hw %" PRIu64
                                " segmented-sw %" PRIu64 " csum-sw %" PRIu64 "\n",
                                w->tx_hw_tso, w->tx_hw_csum, w->tx_sw_segmented, w->tx_sw_csum);
        }
        if (u->n_pools)
                fprintf(out, "  %-4s %-8s %-6s %-16s %14s %14s %12s %10s\n", "pool", "rx-queue",
                        "worker", "interface", "rx-packets", "rx-delivered", "rx-not-owner",
                        "rx-copies");
        for (size_t i = 0; i < u->n_pools; i++) {
                const Vsw__UplinkPool *p = u->pools[i];

                fprintf(out,
                        "  %-4u %-8u %-6u %-16s %14" PRIu64 " %14" PRIu64 " %12" PRIu64
                        " %10" PRIu64 "\n",
                        p->pool, p->rx_queue, p->worker, p->name ? p->name : "-", p->rx_packets,
                        p->rx_delivered, p->rx_not_owner, p->rx_copies);
        }
        for (size_t i = 0; i < u->n_macs; i++)
                fprintf(out, "  registered %s vlan %u on %s\n",
                        ctl_mac_text(&u->macs[i]->mac, mac, sizeof(mac)), u->macs[i]->vlan,
                        u->macs[i]->name ? u->macs[i]->name : "(deleted interface)");
}

static void json(const Vsw__ShowUplinkReply *u, FILE *out)
{
        struct ctl_json j;
        char mac[32];

        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_bool(&j, "configured", u->configured);
        if (u->configured) {
                ctl_json_str(&j, "name", u->name);
                ctl_json_str(&j, "devargs", u->devargs);
                ctl_json_str(&j, "driver", u->driver);
                ctl_json_u64(&j, "port_id", u->port_id);
                ctl_json_str(&j, "mac", ctl_mac_text(&u->mac, mac, sizeof(mac)));
                ctl_json_str(&j, "link", u->link_up ? "up" : "down");
                ctl_json_u64(&j, "link_speed_mbps", u->link_speed_mbps);
                ctl_json_str(&j, "mode", u->mode);
                ctl_json_str(&j, "mode_reason", u->mode_reason);
                ctl_json_u64(&j, "mtu", u->mtu);
                ctl_json_str(&j, "mtu_reason", u->mtu_reason ? u->mtu_reason : "");
                ctl_json_u64(&j, "max_vmdq_pools", u->max_vmdq_pools);
                ctl_json_u64(&j, "max_rx_queues", u->max_rx_queues);
                ctl_json_u64(&j, "max_tx_queues", u->max_tx_queues);
                ctl_json_u64(&j, "queues_per_worker", u->queues_per_worker);
                ctl_json_u64(&j, "bd_id", u->bd_id);
                ctl_json_u64(&j, "vm2vm", u->vm2vm);
                ctl_json_str(&j, "vm2vm_effect", u->vm2vm_effect);
                ctl_json_bool(&j, "vlan_strip", u->vlan_strip);
                ctl_json_bool(&j, "vlan_strip_hw", u->vlan_strip_hw);
                ctl_json_bool(&j, "tx_csum_hw", u->tx_csum_hw);
                ctl_json_bool(&j, "tx_tso_hw", u->tx_tso_hw);
                ctl_json_bool(&j, "rx_csum_hw", u->rx_csum_hw);
                ctl_json_u64(&j, "tso_max_frame", u->tso_max_frame);
                ctl_json_arr_begin(&j, "workers");
                for (size_t i = 0; i < u->n_workers; i++) {
                        const Vsw__UplinkWorker *w = u->workers[i];

                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_u64(&j, "worker", w->worker);
                        ctl_json_u64(&j, "queue", w->queue);
                        ctl_json_arr_begin(&j, "rx_queues");
                        for (size_t q = 0; q < w->n_rx_queues; q++)
                                ctl_json_u64(&j, NULL, w->rx_queues[q]);
                        ctl_json_arr_end(&j);
                        ctl_json_u64(&j, "rx_packets", w->rx_packets);
                        ctl_json_u64(&j, "rx_bytes", w->rx_bytes);
                        ctl_json_u64(&j, "rx_steered", w->rx_steered);
                        ctl_json_u64(&j, "rx_drops", w->rx_drops);
                        ctl_json_u64(&j, "tx_packets", w->tx_packets);
                        ctl_json_u64(&j, "tx_bytes", w->tx_bytes);
                        ctl_json_u64(&j, "tx_drops", w->tx_drops);
                        ctl_json_u64(&j, "tx_sw_segmented", w->tx_sw_segmented);
                        ctl_json_u64(&j, "tx_sw_csum", w->tx_sw_csum);
                        ctl_json_u64(&j, "tx_drops_mtu", w->tx_drops_mtu);
                        ctl_json_u64(&j, "tx_hw_tso", w->tx_hw_tso);
                        ctl_json_u64(&j, "tx_hw_csum", w->tx_hw_csum);
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_arr_begin(&j, "macs");
                for (size_t i = 0; i < u->n_macs; i++) {
                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_str(&j, "mac", ctl_mac_text(&u->macs[i]->mac, mac, sizeof(mac)));
                        ctl_json_u64(&j, "vlan", u->macs[i]->vlan);
                        ctl_json_u64(&j, "sw_if_index", u->macs[i]->sw_if_index);
                        if (u->macs[i]->name)
                                ctl_json_str(&j, "interface", u->macs[i]->name);
                        else
                                ctl_json_null(&j, "interface");
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_arr_begin(&j, "pools");
                for (size_t i = 0; i < u->n_pools; i++) {
                        const Vsw__UplinkPool *p = u->pools[i];

                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_u64(&j, "pool", p->pool);
                        ctl_json_u64(&j, "rx_queue", p->rx_queue);
                        ctl_json_u64(&j, "worker", p->worker);
                        ctl_json_u64(&j, "sw_if_index", p->sw_if_index);
                        if (p->name)
                                ctl_json_str(&j, "interface", p->name);
                        else
                                ctl_json_null(&j, "interface");
                        ctl_json_u64(&j, "rx_packets", p->rx_packets);
                        ctl_json_u64(&j, "rx_delivered", p->rx_delivered);
                        ctl_json_u64(&j, "rx_not_owner", p->rx_not_owner);
                        ctl_json_u64(&j, "rx_copies", p->rx_copies);
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
        }
        ctl_json_obj_end(&j);
}

int ctl_print_uplink(const Vsw__Reply *rep, FILE *out, int json_out)
{
        const Vsw__ShowUplinkReply *u = rep->uplink;

        if (rep->body_case != VSW__REPLY__BODY_UPLINK)
                return -1;
        if (json_out)
                json(u, out);
        else if (!u->configured)
                fprintf(out, "no uplink (startup.conf has no dpdk uplink)\n");
        else
                text(u, out);
        return 0;
}
