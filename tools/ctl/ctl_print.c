/* Printers of the short replies: text as VPP prints it, or one JSON object. */
#include "ctl.h"

#include <inttypes.h>

#include "vsw_version.h"

#include "ctl_json.h"

int ctl_print_ok(const Vsw__Reply *rep, FILE *out, int json)
{
        struct ctl_json j;

        (void)rep;
        if (!json)
                return 0;
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_obj_end(&j);
        return 0;
}

int ctl_print_created(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__CreateVhostUserReply *c = rep->created;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_CREATED)
                return -1;
        if (!json) {
                fprintf(out, "%s\n", c->name);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_str(&j, "name", c->name);
        ctl_json_u64(&j, "sw_if_index", c->sw_if_index);
        ctl_json_obj_end(&j);
        return 0;
}

/* The malformed-descriptor drops by reason, those that happened. */
static void bad_desc_text(const Vsw__VringCounters *c, FILE *out)
{
        const char *name[] = {"bad-head",     "bad-next",      "bad-addr",  "bad-chain",
                              "bad-indirect", "bad-direction", "bad-short", "bad-net-hdr"};
        uint64_t val[] = {c->bad_head,     c->bad_next,      c->bad_addr,  c->bad_chain,
                          c->bad_indirect, c->bad_direction, c->bad_short, c->bad_net_hdr};

        fprintf(out, "    bad-desc:");
        for (unsigned k = 0; k < sizeof(val) / sizeof(val[0]); k++)
                if (val[k])
                        fprintf(out, " %s %" PRIu64, name[k], val[k]);
        fprintf(out, "\n");
}

static void iface_text(const Vsw__Interface *i, FILE *out)
{
        const char *label[] = {"rx packets", "rx bytes", "tx packets", "tx bytes", "drops"};
        uint64_t val[] = {i->rx_packets, i->rx_bytes, i->tx_packets, i->tx_bytes, i->drops};

        for (unsigned k = 0; k < 5; k++) {
                if (k == 0)
                        fprintf(out, "%-24s %-5u %-5s %-4s %-10s", i->name, i->sw_if_index,
                                i->admin_up ? "up" : "down", i->link_up ? "up" : "down",
                                i->conn_state);
                else
                        fprintf(out, "%-24s %-5s %-5s %-4s %-10s", "", "", "", "", "");
                fprintf(out, " %-16s %20" PRIu64 "\n", label[k], val[k]);
        }
        for (size_t q = 0; q < i->n_queues; q++) {
                const Vsw__QueueCounters *c = i->queues[q];

                fprintf(out,
                        "  vring %u (%s): packets %" PRIu64 " bytes %" PRIu64 " drops full %" PRIu64
                        " bad-desc %" PRIu64 " other %" PRIu64 " mtu %" PRIu64 "\n",
                        c->index, c->index % 2 ? "TX" : "RX", c->counters->packets,
                        c->counters->bytes, c->counters->drops_full, c->counters->drops_bad_desc,
                        c->counters->drops_other, c->counters->drops_mtu);
                if (c->counters->drops_bad_desc)
                        bad_desc_text(c->counters, out);
                if (c->counters->gso_in || c->counters->gso_passed || c->counters->sw_segmented ||
                    c->counters->sw_csum)
                        fprintf(out,
                                "    offloads: gso-in %" PRIu64 " gso-passed %" PRIu64
                                " sw-segmented %" PRIu64 " sw-csum %" PRIu64 "\n",
                                c->counters->gso_in, c->counters->gso_passed,
                                c->counters->sw_segmented, c->counters->sw_csum);
        }
        if (i->driver)
                fprintf(out, "  driver %s\n", i->driver);
        for (size_t x = 0; x < i->n_xstats; x++)
                fprintf(out, "  %-40s %20" PRIu64 "\n", i->xstats[x]->name, i->xstats[x]->value);
}

void ctl_json_counters(struct ctl_json *j, const char *key, const Vsw__VringCounters *c)
{
        ctl_json_obj_begin(j, key);
        ctl_json_u64(j, "packets", c->packets);
        ctl_json_u64(j, "bytes", c->bytes);
        ctl_json_u64(j, "drops_full", c->drops_full);
        ctl_json_u64(j, "drops_bad_desc", c->drops_bad_desc);
        ctl_json_u64(j, "drops_other", c->drops_other);
        ctl_json_u64(j, "drops_mtu", c->drops_mtu);
        ctl_json_u64(j, "gso_in", c->gso_in);
        ctl_json_u64(j, "gso_passed", c->gso_passed);
        ctl_json_u64(j, "sw_segmented", c->sw_segmented);
        ctl_json_u64(j, "sw_csum", c->sw_csum);
        ctl_json_obj_begin(j, "drops_bad");
        ctl_json_u64(j, "bad-head", c->bad_head);
        ctl_json_u64(j, "bad-next", c->bad_next);
        ctl_json_u64(j, "bad-addr", c->bad_addr);
        ctl_json_u64(j, "bad-chain", c->bad_chain);
        ctl_json_u64(j, "bad-indirect", c->bad_indirect);
        ctl_json_u64(j, "bad-direction", c->bad_direction);
        ctl_json_u64(j, "bad-short", c->bad_short);
        ctl_json_u64(j, "bad-net-hdr", c->bad_net_hdr);
        ctl_json_obj_end(j);
        ctl_json_obj_end(j);
}

static void iface_json(struct ctl_json *j, const Vsw__Interface *i)
{
        ctl_json_obj_begin(j, NULL);
        ctl_json_str(j, "name", i->name);
        ctl_json_u64(j, "sw_if_index", i->sw_if_index);
        ctl_json_str(j, "admin", i->admin_up ? "up" : "down");
        ctl_json_str(j, "link", i->link_up ? "up" : "down");
        ctl_json_str(j, "conn_state", i->conn_state);
        ctl_json_u64(j, "rx_packets", i->rx_packets);
        ctl_json_u64(j, "rx_bytes", i->rx_bytes);
        ctl_json_u64(j, "tx_packets", i->tx_packets);
        ctl_json_u64(j, "tx_bytes", i->tx_bytes);
        ctl_json_u64(j, "drops", i->drops);
        ctl_json_arr_begin(j, "vrings");
        for (size_t q = 0; q < i->n_queues; q++) {
                ctl_json_obj_begin(j, NULL);
                ctl_json_u64(j, "index", i->queues[q]->index);
                ctl_json_counters(j, "counters", i->queues[q]->counters);
                ctl_json_obj_end(j);
        }
        ctl_json_arr_end(j);
        if (i->driver) {
                ctl_json_str(j, "driver", i->driver);
                ctl_json_obj_begin(j, "xstats");
                for (size_t x = 0; x < i->n_xstats; x++)
                        ctl_json_u64(j, i->xstats[x]->name, i->xstats[x]->value);
                ctl_json_obj_end(j);
        }
        ctl_json_obj_end(j);
}

int ctl_print_show_iface(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowInterfaceReply *s = rep->interfaces;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_INTERFACES)
                return -1;
        if (json) {
                ctl_json_init(&j, out);
                ctl_json_obj_begin(&j, NULL);
                ctl_json_arr_begin(&j, "interfaces");
                for (size_t i = 0; i < s->n_interfaces; i++)
                        iface_json(&j, s->interfaces[i]);
                ctl_json_arr_end(&j);
                ctl_json_obj_end(&j);
                return 0;
        }
        fprintf(out, "%-24s %-5s %-5s %-4s %-10s %-16s %20s\n", "Name", "Idx", "Admin", "Link",
                "Connection", "Counter", "Count");
        for (size_t i = 0; i < s->n_interfaces; i++)
                iface_text(s->interfaces[i], out);
        return 0;
}

int ctl_print_log(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowLogReply *l = rep->log;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_LOG)
                return -1;
        if (!json) {
                for (size_t i = 0; i < l->n_lines; i++)
                        fprintf(out, "%s\n", l->lines[i]);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_arr_begin(&j, "lines");
        for (size_t i = 0; i < l->n_lines; i++)
                ctl_json_str(&j, NULL, l->lines[i]);
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}

int ctl_print_version(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowVersionReply *v = rep->version;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_VERSION)
                return -1;
        if (!json) {
                fprintf(out, "vhost-ctl %s\nvhostd %s generation %u pid %d\n", VSW_VERSION,
                        v->version, v->generation, v->pid);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_str(&j, "vhost_ctl_version", VSW_VERSION);
        ctl_json_str(&j, "vhostd_version", v->version);
        ctl_json_u64(&j, "generation", v->generation);
        ctl_json_i64(&j, "pid", v->pid);
        ctl_json_obj_end(&j);
        return 0;
}

int ctl_print_restarting(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__RestartControlReply *r = rep->restarting;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_RESTARTING)
                return -1;
        if (!json) {
                fprintf(out,
                        "vhostd generation %u (pid %d) hands over to a new generation once it is "
                        "ready\n",
                        r->generation, r->pid);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_u64(&j, "generation", r->generation);
        ctl_json_i64(&j, "pid", r->pid);
        ctl_json_obj_end(&j);
        return 0;
}

int ctl_print_workers(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowWorkersReply *r = rep->workers;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_WORKERS)
                return -1;
        if (!json) {
                fprintf(out, "%-6s %-8s %-5s %-8s %-8s %-14s %-12s %-12s %-10s %s\n", "worker",
                        "pid", "lcore", "state", "restarts", "heartbeat", "xw-drops",
                        "no-rxq-drops", "sleeps", "wakes");
                for (size_t i = 0; i < r->n_workers; i++) {
                        const Vsw__Worker *w = r->workers[i];
                        char age[32];

                        if (w->heartbeat_age_ms < 0)
                                snprintf(age, sizeof(age), "never");
                        else
                                snprintf(age, sizeof(age), "%lld ms ago",
                                         (long long)w->heartbeat_age_ms);
                        fprintf(out,
                                "%-6u %-8d %-5u %-8s %-8u %-14s %-12" PRIu64 " %-12" PRIu64
                                " %-10" PRIu64 " %" PRIu64 "\n",
                                w->index, w->pid, w->lcore, w->state, w->restarts, age, w->xw_drops,
                                w->no_rxq_drops, w->sleeps, w->wakes);
                }
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_arr_begin(&j, "workers");
        for (size_t i = 0; i < r->n_workers; i++) {
                const Vsw__Worker *w = r->workers[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_u64(&j, "index", w->index);
                ctl_json_i64(&j, "pid", w->pid);
                ctl_json_u64(&j, "lcore", w->lcore);
                ctl_json_str(&j, "state", w->state);
                ctl_json_u64(&j, "restarts", w->restarts);
                ctl_json_i64(&j, "heartbeat_age_ms", w->heartbeat_age_ms);
                ctl_json_u64(&j, "xw_drops", w->xw_drops);
                ctl_json_u64(&j, "no_rxq_drops", w->no_rxq_drops);
                ctl_json_u64(&j, "sleeps", w->sleeps);
                ctl_json_u64(&j, "wakes", w->wakes);
                ctl_json_u64(&j, "parked_lost", w->parked_lost);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}

int ctl_print_errors(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowErrorsReply *r = rep->errors;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_ERRORS)
                return -1;
        if (!json) {
                fprintf(out, "%12s  %-24s %-4s %s\n", "Count", "Source", "Dir", "Reason");
                for (size_t i = 0; i < r->n_errors; i++) {
                        const Vsw__ErrorCounter *e = r->errors[i];

                        fprintf(out, "%12" PRIu64 "  %-24s %-4s %s\n", e->count, e->source,
                                e->direction[0] ? e->direction : "-", e->reason);
                }
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_arr_begin(&j, "errors");
        for (size_t i = 0; i < r->n_errors; i++) {
                const Vsw__ErrorCounter *e = r->errors[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_str(&j, "source", e->source);
                ctl_json_str(&j, "direction", e->direction);
                ctl_json_str(&j, "reason", e->reason);
                ctl_json_u64(&j, "count", e->count);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}

/* `pcap trace` and `show pcap trace`: the capture's state. */
int ctl_print_pcap(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__PcapTraceReply *r = rep->pcap;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_PCAP)
                return -1;
        if (!json) {
                if (!r->file) {
                        fprintf(out, "pcap trace: off, none ran\n");
                        return 0;
                }
                fprintf(out, "pcap trace: %s%s%s, max %u, intfc %s, file %s\n",
                        r->active ? "on" : "off", r->rx ? " rx" : "", r->tx ? " tx" : "", r->max,
                        r->intfc, r->file);
                fprintf(out, "  %" PRIu64 " packets written", r->written);
                if (r->has_lost)
                        fprintf(out, ", %" PRIu64 " frames not copied", r->lost);
                fprintf(out, "\n");
                if (r->status)
                        fprintf(out, "  %s\n", r->status);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_bool(&j, "active", r->active);
        if (r->file) {
                ctl_json_bool(&j, "rx", r->rx);
                ctl_json_bool(&j, "tx", r->tx);
                ctl_json_u64(&j, "max", r->max);
                ctl_json_str(&j, "intfc", r->intfc);
                ctl_json_str(&j, "file", r->file);
                ctl_json_u64(&j, "written", r->written);
        }
        if (r->has_lost)
                ctl_json_u64(&j, "lost", r->lost);
        if (r->status)
                ctl_json_str(&j, "status", r->status);
        ctl_json_obj_end(&j);
        return 0;
}
