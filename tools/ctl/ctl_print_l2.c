/* Printers of show bridge-domain and show l2fib: text in VPP's columns, or
 * one JSON object. */
#include "ctl.h"

#include <stdio.h>

#include "ctl_json.h"

static const char *vlan_text(uint32_t vlan, char *buf, size_t len)
{
        if (!vlan)
                return "-";
        snprintf(buf, len, "%u", vlan);
        return buf;
}

int ctl_print_bridge_domains(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowBridgeDomainReply *r = rep->bridge_domains;
        struct ctl_json j;
        char v[16];

        if (rep->body_case != VSW__REPLY__BODY_BRIDGE_DOMAINS)
                return -1;
        if (!json) {
                for (size_t i = 0; i < r->n_bridge_domains; i++) {
                        const Vsw__BridgeDomain *b = r->bridge_domains[i];

                        fprintf(out, "%s%-8s %-5s %-10s %-6s %s\n", i ? "\n" : "", "BD-ID", "Learn",
                                "Aging", "MACs", "Interfaces");
                        if (b->aging_s)
                                snprintf(v, sizeof(v), "%u min", b->aging_s / 60);
                        fprintf(out, "%-8u %-5s %-10s %-6u %zu\n", b->bd_id,
                                b->learn ? "on" : "off", b->aging_s ? v : "never", b->macs,
                                b->n_members);
                        if (b->n_members)
                                fprintf(out, "  %-24s %-11s %s\n", "Interface", "sw_if_index",
                                        "VLAN");
                        for (size_t k = 0; k < b->n_members; k++) {
                                const Vsw__BridgeMember *m = b->members[k];

                                fprintf(out, "  %-24s %-11u %s\n", m->name, m->sw_if_index,
                                        vlan_text(m->vlan, v, sizeof(v)));
                        }
                }
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_arr_begin(&j, "bridge_domains");
        for (size_t i = 0; i < r->n_bridge_domains; i++) {
                const Vsw__BridgeDomain *b = r->bridge_domains[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_u64(&j, "bd_id", b->bd_id);
                ctl_json_bool(&j, "learn", b->learn);
                ctl_json_u64(&j, "aging_s", b->aging_s);
                ctl_json_u64(&j, "macs", b->macs);
                ctl_json_arr_begin(&j, "members");
                for (size_t k = 0; k < b->n_members; k++) {
                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_str(&j, "name", b->members[k]->name);
                        ctl_json_u64(&j, "sw_if_index", b->members[k]->sw_if_index);
                        ctl_json_u64(&j, "vlan", b->members[k]->vlan);
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}

const char *ctl_mac_text(const ProtobufCBinaryData *m, char *buf, size_t len)
{
        if (m->len != 6)
                return "?";
        snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m->data[0], m->data[1], m->data[2],
                 m->data[3], m->data[4], m->data[5]);
        return buf;
}

int ctl_print_l2fib(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowL2fibReply *r = rep->l2fib;
        struct ctl_json j;
        char mac[32], v[16];

        if (rep->body_case != VSW__REPLY__BODY_L2FIB)
                return -1;
        if (!json) {
                if (r->n_entries)
                        fprintf(out, "%-19s %-8s %-5s %-24s %-11s %s\n", "Mac-Address", "BD-ID",
                                "VLAN", "Interface", "sw_if_index", "Age(s)");
                for (size_t i = 0; i < r->n_entries; i++) {
                        const Vsw__L2fibEntry *e = r->entries[i];

                        fprintf(out, "%-19s %-8u %-5s %-24s %-11u %u\n",
                                ctl_mac_text(&e->mac, mac, sizeof(mac)), e->bd_id,
                                vlan_text(e->vlan, v, sizeof(v)), e->name ? e->name : "(deleted)",
                                e->sw_if_index, e->age_s);
                }
                fprintf(out, "%u l2fib entries\n", r->count);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_u64(&j, "count", r->count);
        ctl_json_arr_begin(&j, "entries");
        for (size_t i = 0; i < r->n_entries; i++) {
                const Vsw__L2fibEntry *e = r->entries[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_str(&j, "mac", ctl_mac_text(&e->mac, mac, sizeof(mac)));
                ctl_json_u64(&j, "bd_id", e->bd_id);
                ctl_json_u64(&j, "vlan", e->vlan);
                if (e->name)
                        ctl_json_str(&j, "interface", e->name);
                else
                        ctl_json_null(&j, "interface");
                ctl_json_u64(&j, "sw_if_index", e->sw_if_index);
                ctl_json_u64(&j, "age_s", e->age_s);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}
