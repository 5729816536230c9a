/* `show vhost-user`: VPP's layout (features with their names, socket,
 * placement, memory regions, then each virtqueue), or one JSON object.
 * Virtqueues are named as virtio-net numbers them: even = RX (the guest
 * receives), odd = TX. */
#include "ctl.h"

#include <inttypes.h>

#include "ctl_json.h"

static const char *vq_dir(uint32_t q)
{
        return q % 2 ? "TX" : "RX";
}

static void features_text(FILE *out, const char *what, uint64_t v, Vsw__FeatureBit **bits, size_t n)
{
        fprintf(out, " %s (0x%" PRIx64 ")%s\n", what, v, n ? ":" : "");
        for (size_t i = 0; i < n; i++)
                fprintf(out, "   %s (%u)\n", *bits[i]->name ? bits[i]->name : "UNKNOWN",
                        bits[i]->bit);
}

static void placement_text(FILE *out, const Vsw__VhostUserInterface *v, uint32_t parity)
{
        fprintf(out, " %s placement:\n", parity ? "tx" : "rx");
        for (size_t q = 0; q < v->n_vrings; q++) {
                const Vsw__Vring *r = v->vrings[q];

                if (r->index % 2 != parity)
                        continue;
                if (r->has_worker)
                        fprintf(out, "   vring %u on worker %u (lcore %u)\n", r->index, r->worker,
                                r->lcore);
                else
                        fprintf(out, "   vring %u unassigned\n", r->index);
        }
}

static void regions_text(FILE *out, const Vsw__VhostUserInterface *v)
{
        fprintf(out, " Memory regions (total %zu)\n", v->n_regions);
        if (!v->n_regions)
                return;
        fprintf(out, " region fd    guest_phys_addr    memory_size        userspace_addr     "
                     "mmap_offset\n"
                     " ====== ===== ================== ================== ================== "
                     "==================\n");
        for (size_t i = 0; i < v->n_regions; i++) {
                const Vsw__MemRegion *m = v->regions[i];

                fprintf(out,
                        "  %-5u %-5d 0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64
                        " 0x%016" PRIx64 "\n",
                        m->slot, m->fd, m->guest_phys_addr, m->memory_size, m->userspace_addr,
                        m->mmap_offset);
        }
}

static void opt_u32_text(FILE *out, const char *label, int has, uint32_t v)
{
        if (has)
                fprintf(out, " %s %u", label, v);
        else
                fprintf(out, " %s -", label);
}

static void vring_text(FILE *out, const Vsw__Vring *r)
{
        fprintf(out, "\n Virtqueue %u (%s) %s%s\n", r->index, vq_dir(r->index),
                r->enabled ? "enabled" : "disabled", r->packed ? " packed" : "");
        fprintf(out, "  qsz %u last_avail_idx %u last_used_idx %u\n", r->qsz, r->last_avail_idx,
                r->last_used_idx);
        fprintf(out, " ");
        opt_u32_text(out, "avail.flags", r->has_avail_flags, r->avail_flags);
        opt_u32_text(out, "avail.idx", r->has_avail_idx, r->avail_idx);
        opt_u32_text(out, "used.flags", r->has_used_flags, r->used_flags);
        opt_u32_text(out, "used.idx", r->has_used_idx, r->used_idx);
        fprintf(out, "\n  kickfd %d callfd %d errfd %d\n", r->kickfd, r->callfd, r->errfd);
        fprintf(out, "  rx-mode %s%s", r->rx_mode, r->rx_mode_default ? " (default)" : "");
        if (r->rx_state)
                fprintf(out, ", now %s", r->rx_state);
        fprintf(out, "\n");
        if (r->counters) {
                const Vsw__VringCounters *k = r->counters;

                fprintf(out,
                        "  offloads gso-in %" PRIu64 " gso-passed %" PRIu64 " sw-segmented %" PRIu64
                        " sw-csum %" PRIu64 " bad-net-hdr %" PRIu64 "\n",
                        k->gso_in, k->gso_passed, k->sw_segmented, k->sw_csum, k->bad_net_hdr);
        }
}

static void mtu_text(FILE *out, const Vsw__VhostUserInterface *v)
{
        char fe[16] = "none", admin[16] = "none";

        if (v->mtu_front_end)
                snprintf(fe, sizeof(fe), "%u", v->mtu_front_end);
        if (v->mtu_admin)
                snprintf(admin, sizeof(admin), "%u", v->mtu_admin);
        if (v->mtu)
                fprintf(out, " mtu %u (front end %s, set interface mtu %s)\n", v->mtu, fe, admin);
        else
                fprintf(out, " mtu none\n");
}

static void iface_text(FILE *out, const Vsw__VhostUserInterface *v)
{
        fprintf(out, "Interface: %s (ifindex %u)\n", v->name, v->sw_if_index);
        fprintf(out, " features mask (0x%" PRIx64 ")\n", v->feature_mask);
        features_text(out, "features", v->features, v->feature_bits, v->n_feature_bits);
        features_text(out, "protocol features", v->protocol_features, v->protocol_feature_bits,
                      v->n_protocol_feature_bits);
        fprintf(out, "\n socket filename %s type %s errno \"%s\"\n", v->socket,
                v->server ? "server" : "client", v->sock_error);
        fprintf(out, " connection %s, queue pairs %u\n", v->conn_state, v->num_queue_pairs);
        fprintf(out, " forwarding: %s%s\n", v->not_forwarding ? "no, " : "yes",
                v->not_forwarding ? v->not_forwarding : "");
        mtu_text(out, v);
        fprintf(out, " dataplane %s%s, call stalls %" PRIu64 ", memory faults %" PRIu64 "\n\n",
                v->fault ? "stopped: " : "ok", v->fault ? v->fault : "", v->call_stalls,
                v->mem_faults);
        placement_text(out, v, 0);
        placement_text(out, v, 1);
        fprintf(out, "\n");
        regions_text(out, v);
        for (size_t q = 0; q < v->n_vrings; q++)
                vring_text(out, v->vrings[q]);
        fprintf(out, "\n");
}

static void features_json(struct ctl_json *j, const char *key, Vsw__FeatureBit **bits, size_t n)
{
        ctl_json_arr_begin(j, key);
        for (size_t i = 0; i < n; i++) {
                ctl_json_obj_begin(j, NULL);
                ctl_json_u64(j, "bit", bits[i]->bit);
                ctl_json_str(j, "name", bits[i]->name);
                ctl_json_obj_end(j);
        }
        ctl_json_arr_end(j);
}

static void opt_u32_json(struct ctl_json *j, const char *key, int has, uint32_t v)
{
        if (has)
                ctl_json_u64(j, key, v);
        else
                ctl_json_null(j, key);
}

static void vring_json(struct ctl_json *j, const Vsw__Vring *r)
{
        ctl_json_obj_begin(j, NULL);
        ctl_json_u64(j, "index", r->index);
        ctl_json_str(j, "direction", vq_dir(r->index));
        ctl_json_bool(j, "enabled", r->enabled);
        ctl_json_bool(j, "started", r->started);
        ctl_json_bool(j, "packed", r->packed);
        opt_u32_json(j, "worker", r->has_worker, r->worker);
        opt_u32_json(j, "lcore", r->has_lcore, r->lcore);
        ctl_json_u64(j, "qsz", r->qsz);
        ctl_json_u64(j, "last_avail_idx", r->last_avail_idx);
        ctl_json_u64(j, "last_used_idx", r->last_used_idx);
        opt_u32_json(j, "avail_flags", r->has_avail_flags, r->avail_flags);
        opt_u32_json(j, "avail_idx", r->has_avail_idx, r->avail_idx);
        opt_u32_json(j, "used_flags", r->has_used_flags, r->used_flags);
        opt_u32_json(j, "used_idx", r->has_used_idx, r->used_idx);
        ctl_json_i64(j, "kickfd", r->kickfd);
        ctl_json_i64(j, "callfd", r->callfd);
        ctl_json_i64(j, "errfd", r->errfd);
        ctl_json_str(j, "rx_mode", r->rx_mode);
        ctl_json_bool(j, "rx_mode_default", r->rx_mode_default);
        if (r->rx_state)
                ctl_json_str(j, "rx_state", r->rx_state);
        else
                ctl_json_null(j, "rx_state");
        ctl_json_counters(j, "counters", r->counters);
        ctl_json_obj_end(j);
}

static void iface_json(struct ctl_json *j, const Vsw__VhostUserInterface *v)
{
        ctl_json_obj_begin(j, NULL);
        ctl_json_str(j, "name", v->name);
        ctl_json_u64(j, "sw_if_index", v->sw_if_index);
        ctl_json_u64(j, "feature_mask", v->feature_mask);
        ctl_json_u64(j, "features", v->features);
        features_json(j, "feature_bits", v->feature_bits, v->n_feature_bits);
        ctl_json_u64(j, "protocol_features", v->protocol_features);
        features_json(j, "protocol_feature_bits", v->protocol_feature_bits,
                      v->n_protocol_feature_bits);
        ctl_json_str(j, "socket", v->socket);
        ctl_json_str(j, "type", v->server ? "server" : "client");
        ctl_json_i64(j, "errno", v->sock_errno);
        ctl_json_str(j, "error", v->sock_error);
        ctl_json_str(j, "conn_state", v->conn_state);
        ctl_json_u64(j, "num_queue_pairs", v->num_queue_pairs);
        ctl_json_u64(j, "mtu", v->mtu);
        ctl_json_u64(j, "mtu_front_end", v->mtu_front_end);
        ctl_json_u64(j, "mtu_admin", v->mtu_admin);
        ctl_json_u64(j, "mem_generation", v->mem_generation);
        if (v->not_forwarding)
                ctl_json_str(j, "not_forwarding", v->not_forwarding);
        else
                ctl_json_null(j, "not_forwarding");
        if (v->fault)
                ctl_json_str(j, "fault", v->fault);
        else
                ctl_json_null(j, "fault");
        ctl_json_u64(j, "call_stalls", v->call_stalls);
        ctl_json_u64(j, "mem_faults", v->mem_faults);
        ctl_json_arr_begin(j, "memory_regions");
        for (size_t i = 0; i < v->n_regions; i++) {
                const Vsw__MemRegion *m = v->regions[i];

                ctl_json_obj_begin(j, NULL);
                ctl_json_u64(j, "region", m->slot);
                ctl_json_i64(j, "fd", m->fd);
                ctl_json_u64(j, "guest_phys_addr", m->guest_phys_addr);
                ctl_json_u64(j, "memory_size", m->memory_size);
                ctl_json_u64(j, "userspace_addr", m->userspace_addr);
                ctl_json_u64(j, "mmap_offset", m->mmap_offset);
                ctl_json_obj_end(j);
        }
        ctl_json_arr_end(j);
        ctl_json_arr_begin(j, "virtqueues");
        for (size_t q = 0; q < v->n_vrings; q++)
                vring_json(j, v->vrings[q]);
        ctl_json_arr_end(j);
        ctl_json_obj_end(j);
}

int ctl_print_show_vhost(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowVhostUserReply *s = rep->vhost_user;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_VHOST_USER)
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
        fprintf(out, "Virtio vhost-user interfaces\n");
        for (size_t i = 0; i < s->n_interfaces; i++)
                iface_text(out, s->interfaces[i]);
        return 0;
}

int ctl_print_rx_placement(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowInterfaceRxPlacementReply *r = rep->rx_placement;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_RX_PLACEMENT)
                return -1;
        if (!json) {
                for (size_t i = 0; i < r->n_workers; i++) {
                        const Vsw__RxPlacementWorker *w = r->workers[i];

                        fprintf(out, "worker %u (lcore %u)\n", w->worker, w->lcore);
                        for (size_t k = 0; k < w->n_queues; k++) {
                                const Vsw__RxPlacementQueue *q = w->queues[k];

                                fprintf(out, "  %s queue %u (%s%s, now %s)%s, %.1f%% of cycles\n",
                                        q->interface, q->queue, q->mode,
                                        q->mode_default ? ", default" : "",
                                        q->state ? q->state : "stopped", q->pinned ? " pinned" : "",
                                        q->share * 100.0);
                        }
                }
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_arr_begin(&j, "workers");
        for (size_t i = 0; i < r->n_workers; i++) {
                const Vsw__RxPlacementWorker *w = r->workers[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_u64(&j, "worker", w->worker);
                ctl_json_u64(&j, "lcore", w->lcore);
                ctl_json_arr_begin(&j, "queues");
                for (size_t k = 0; k < w->n_queues; k++) {
                        const Vsw__RxPlacementQueue *q = w->queues[k];

                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_str(&j, "interface", q->interface);
                        ctl_json_u64(&j, "queue", q->queue);
                        ctl_json_u64(&j, "vring", q->vring);
                        ctl_json_str(&j, "mode", q->mode);
                        ctl_json_bool(&j, "mode_default", q->mode_default);
                        if (q->state)
                                ctl_json_str(&j, "state", q->state);
                        else
                                ctl_json_null(&j, "state");
                        ctl_json_bool(&j, "pinned", q->pinned);
                        ctl_json_u64(&j, "busy_cycles", q->busy_cycles);
                        ctl_json_f64(&j, "share", q->share);
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}
