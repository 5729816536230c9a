/* Printer of `show vxlan tunnel`: each tunnel's endpoints, VNI, bridge
 * domain, next hop, counters and drops, and the MTU its overhead leaves. */
#include "ctl.h"

#include <arpa/inet.h>
#include <inttypes.h>

#include "ctl_json.h"

static const char *ip_text(uint32_t be, char *buf)
{
        struct in_addr a = {.s_addr = be};

        return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

static void json_drops(struct ctl_json *j, const char *key, Vsw__VxlanDrop *const *d, size_t n)
{
        ctl_json_obj_begin(j, key);
        for (size_t i = 0; i < n; i++)
                ctl_json_u64(j, d[i]->reason, d[i]->count);
        ctl_json_obj_end(j);
}

static void json_tunnel(struct ctl_json *j, const Vsw__VxlanTunnel *t)
{
        char ip[INET_ADDRSTRLEN], mac[32];

        ctl_json_obj_begin(j, NULL);
        ctl_json_str(j, "name", t->name);
        ctl_json_u64(j, "sw_if_index", t->sw_if_index);
        ctl_json_str(j, "src", ip_text(t->src, ip));
        ctl_json_str(j, "dst", ip_text(t->dst, ip));
        ctl_json_u64(j, "vni", t->vni);
        ctl_json_u64(j, "bd_id", t->bd_id);
        if (t->has_next_hop)
                ctl_json_str(j, "next_hop", ip_text(t->next_hop, ip));
        else
                ctl_json_null(j, "next_hop");
        ctl_json_str(j, "route", t->route);
        if (t->has_next_hop_mac)
                ctl_json_str(j, "next_hop_mac", ctl_mac_text(&t->next_hop_mac, mac, sizeof(mac)));
        else
                ctl_json_null(j, "next_hop_mac");
        ctl_json_u64(j, "rx_packets", t->rx_packets);
        ctl_json_u64(j, "rx_bytes", t->rx_bytes);
        ctl_json_u64(j, "tx_packets", t->tx_packets);
        ctl_json_u64(j, "tx_bytes", t->tx_bytes);
        json_drops(j, "drops", t->drops, t->n_drops);
        ctl_json_u64(j, "overhead", t->overhead);
        ctl_json_u64(j, "uplink_mtu", t->uplink_mtu);
        ctl_json_u64(j, "inner_mtu", t->inner_mtu);
        ctl_json_obj_end(j);
}

static void text_drops(FILE *out, Vsw__VxlanDrop *const *d, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fprintf(out, " %s %" PRIu64, d[i]->reason, d[i]->count);
}

int ctl_print_vxlan_tunnels(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowVxlanTunnelReply *r = rep->vxlan_tunnels;
        char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], mac[32];

        if (rep->body_case != VSW__REPLY__BODY_VXLAN_TUNNELS)
                return -1;
        if (json) {
                struct ctl_json j;

                ctl_json_init(&j, out);
                ctl_json_obj_begin(&j, NULL);
                ctl_json_arr_begin(&j, "tunnels");
                for (size_t i = 0; i < r->n_tunnels; i++)
                        json_tunnel(&j, r->tunnels[i]);
                ctl_json_arr_end(&j);
                json_drops(&j, "rx_drops", r->rx_drops, r->n_rx_drops);
                ctl_json_obj_end(&j);
                return 0;
        }
        if (!r->n_tunnels)
                fprintf(out, "no vxlan tunnels (create vxlan tunnel)\n");
        for (size_t i = 0; i < r->n_tunnels; i++) {
                const Vsw__VxlanTunnel *t = r->tunnels[i];

                fprintf(out, "[%u] %s src %s dst %s vni %u", t->sw_if_index, t->name,
                        ip_text(t->src, src), ip_text(t->dst, dst), t->vni);
                if (t->bd_id)
                        fprintf(out, " bd %u\n", t->bd_id);
                else
                        fprintf(out, " bd none\n");
                if (t->has_next_hop)
                        fprintf(out, "  next hop %s (%s) %s;", ip_text(t->next_hop, src), t->route,
                                t->has_next_hop_mac
                                    ? ctl_mac_text(&t->next_hop_mac, mac, sizeof(mac))
                                    : "unresolved");
                else
                        fprintf(out, "  next hop none: %s;", t->route);
                fprintf(out, " overhead %u B, uplink mtu %u, inner mtu %u\n", t->overhead,
                        t->uplink_mtu, t->inner_mtu);
                fprintf(out,
                        "  rx %" PRIu64 " packets %" PRIu64 " bytes, tx %" PRIu64
                        " packets %" PRIu64 " bytes, drops:",
                        t->rx_packets, t->rx_bytes, t->tx_packets, t->tx_bytes);
                if (!t->n_drops)
                        fprintf(out, " none");
                text_drops(out, t->drops, t->n_drops);
                fputc('\n', out);
        }
        if (r->n_rx_drops) {
                fprintf(out, "uplink rx drops:");
                text_drops(out, r->rx_drops, r->n_rx_drops);
                fputc('\n', out);
        }
        return 0;
}
