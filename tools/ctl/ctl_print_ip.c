/* Printers of `show ip neighbors` (the uplink's own address and the
 * neighbors its ARP traffic taught it, with their age and state) and of
 * `show ip fib` (the underlay's routes). */
#include "ctl.h"

#include <arpa/inet.h>
#include <inttypes.h>

#include "ctl_json.h"

static const char *ip_text(uint32_t be, char *buf)
{
        struct in_addr a = {.s_addr = be};

        return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

int ctl_print_ip_neighbors(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowIpNeighborsReply *r = rep->ip_neighbors;
        char ip[INET_ADDRSTRLEN], mac[32];

        if (rep->body_case != VSW__REPLY__BODY_IP_NEIGHBORS)
                return -1;
        if (json) {
                struct ctl_json j;

                ctl_json_init(&j, out);
                ctl_json_obj_begin(&j, NULL);
                ctl_json_str(&j, "uplink", r->uplink);
                if (r->address)
                        ctl_json_str(&j, "address", ip_text(r->address, ip));
                else
                        ctl_json_null(&j, "address");
                ctl_json_u64(&j, "prefix_len", r->prefix_len);
                ctl_json_u64(&j, "reachable_ms", r->reachable_ms);
                ctl_json_arr_begin(&j, "neighbors");
                for (size_t i = 0; i < r->n_neighbors; i++) {
                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_str(&j, "address", ip_text(r->neighbors[i]->address, ip));
                        ctl_json_str(&j, "mac",
                                     ctl_mac_text(&r->neighbors[i]->mac, mac, sizeof(mac)));
                        ctl_json_u64(&j, "age_ms", r->neighbors[i]->age_ms);
                        ctl_json_str(&j, "state",
                                     r->neighbors[i]->state ? r->neighbors[i]->state : "");
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_obj_end(&j);
                return 0;
        }
        if (!r->uplink[0]) {
                fprintf(out, "no uplink (startup.conf has no dpdk uplink)\n");
                return 0;
        }
        if (r->address)
                fprintf(out, "%s %s/%u\n", r->uplink, ip_text(r->address, ip), r->prefix_len);
        else
                fprintf(out, "%s: no address (set interface ip address)\n", r->uplink);
        fprintf(out, "entries reachable for %u ms after last heard\n", r->reachable_ms);
        fprintf(out, "%-16s %-18s %10s %s\n", "address", "mac", "age-ms", "state");
        for (size_t i = 0; i < r->n_neighbors; i++)
                fprintf(
                    out, "%-16s %-18s %10" PRIu64 " %s\n", ip_text(r->neighbors[i]->address, ip),
                    ctl_mac_text(&r->neighbors[i]->mac, mac, sizeof(mac)), r->neighbors[i]->age_ms,
                    r->neighbors[i]->state ? r->neighbors[i]->state : "");
        return 0;
}

int ctl_print_ip_fib(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowIpFibReply *r = rep->ip_fib;
        char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], mac[32], pfx[INET_ADDRSTRLEN + 4];

        if (rep->body_case != VSW__REPLY__BODY_IP_FIB)
                return -1;
        if (json) {
                struct ctl_json j;

                ctl_json_init(&j, out);
                ctl_json_obj_begin(&j, NULL);
                ctl_json_u64(&j, "max_routes", r->max_routes);
                ctl_json_arr_begin(&j, "routes");
                for (size_t i = 0; i < r->n_routes; i++) {
                        const Vsw__IpFibEntry *e = r->routes[i];

                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_str(&j, "prefix", ip_text(e->prefix, ip));
                        ctl_json_u64(&j, "prefix_len", e->prefix_len);
                        if (e->has_via)
                                ctl_json_str(&j, "via", ip_text(e->via, gw));
                        else
                                ctl_json_null(&j, "via");
                        ctl_json_str(&j, "state", e->state);
                        if (e->has_next_hop_mac)
                                ctl_json_str(&j, "next_hop_mac",
                                             ctl_mac_text(&e->next_hop_mac, mac, sizeof(mac)));
                        else
                                ctl_json_null(&j, "next_hop_mac");
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_obj_end(&j);
                return 0;
        }
        if (!r->n_routes)
                fprintf(out, "no routes (set interface ip address, ip route add)\n");
        for (size_t i = 0; i < r->n_routes; i++) {
                const Vsw__IpFibEntry *e = r->routes[i];

                snprintf(pfx, sizeof(pfx), "%s/%u", ip_text(e->prefix, ip), e->prefix_len);
                if (!e->has_via) {
                        fprintf(out, "%-19s %s\n", pfx, e->state);
                        continue;
                }
                fprintf(out, "%-19s via %s %s", pfx, ip_text(e->via, gw), e->state);
                if (e->has_next_hop_mac)
                        fprintf(out, " %s", ctl_mac_text(&e->next_hop_mac, mac, sizeof(mac)));
                fputc('\n', out);
        }
        return 0;
}
