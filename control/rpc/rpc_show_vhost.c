/* `show vhost-user`: each interface's negotiated features (with their spec
 * names), socket, memory table, virtqueues and dataplane faults, straight
 * from the memzone. vhostd never maps guest memory: the guest's ring heads
 * are the ones the owning worker published. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iface_diagnose.h"
#include "vsw_rx_mode.h"
#include "rpc_call.h"
#include "vu_features.h"

static int fill_features(struct rpc_call *c, uint64_t v, const char *(*name_of)(unsigned),
                         Vsw__FeatureBit ***out, size_t *n)
{
        unsigned k = 0;

        *out = (Vsw__FeatureBit **)rpc_alloc_array(c, (size_t)__builtin_popcountll(v),
                                                   sizeof(Vsw__FeatureBit));
        if (v && !*out)
                return rpc_no_memory(c);
        for (unsigned bit = 0; bit < 64; bit++) {
                const char *name;

                if (!(v & (1ULL << bit)))
                        continue;
                name = name_of(bit);
                vsw__feature_bit__init((*out)[k]);
                (*out)[k]->bit = bit;
                (*out)[k]->name = (char *)(name ? name : "");
                k++;
        }
        *n = k;
        return 0;
}

static int fill_regions(struct rpc_call *c, const struct vsw_iface *ifc, Vsw__VhostUserInterface *o)
{
        unsigned n = 0, k = 0;

        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                n += ifc->mem.regions[i].in_use != 0;
        o->regions = (Vsw__MemRegion **)rpc_alloc_array(c, n, sizeof(Vsw__MemRegion));
        if (n && !o->regions)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                const struct vsw_mem_region *m = &ifc->mem.regions[i];
                Vsw__MemRegion *r;

                if (!m->in_use)
                        continue;
                r = o->regions[k++];
                vsw__mem_region__init(r);
                r->slot = i;
                r->fd = m->fd;
                r->guest_phys_addr = m->guest_phys_addr;
                r->memory_size = m->memory_size;
                r->userspace_addr = m->userspace_addr;
                r->mmap_offset = m->mmap_offset;
        }
        o->n_regions = k;
        return 0;
}

static void fill_ring_heads(const struct vsw_vring *vr, Vsw__Vring *o)
{
        if (!vr->heads_valid)
                return;
        o->has_avail_flags = o->has_avail_idx = o->has_used_flags = o->has_used_idx = 1;
        o->avail_flags = vr->avail_flags;
        o->avail_idx = vr->avail_idx;
        o->used_flags = vr->used_flags;
        o->used_idx = vr->used_idx;
}

Vsw__VringCounters *rpc_vring_counters(struct rpc_call *c, const struct vsw_vring_counters *src)
{
        Vsw__VringCounters *k = rpc_alloc(c, sizeof(*k));

        if (!k)
                return NULL;
        vsw__vring_counters__init(k);
        k->packets = src->packets;
        k->bytes = src->bytes;
        k->drops_full = src->drops_full;
        k->drops_bad_desc = src->drops_bad_desc;
        k->drops_other = src->drops_other;
        k->drops_mtu = src->drops_mtu;
        k->bad_head = src->drops_bad[VSW_BAD_HEAD];
        k->bad_next = src->drops_bad[VSW_BAD_NEXT];
        k->bad_addr = src->drops_bad[VSW_BAD_ADDR];
        k->bad_chain = src->drops_bad[VSW_BAD_CHAIN];
        k->bad_indirect = src->drops_bad[VSW_BAD_INDIRECT];
        k->bad_direction = src->drops_bad[VSW_BAD_DIRECTION];
        k->bad_short = src->drops_bad[VSW_BAD_SHORT];
        k->bad_net_hdr = src->drops_bad[VSW_BAD_NET_HDR];
        k->gso_in = src->gso_in;
        k->gso_passed = src->gso_passed;
        k->sw_segmented = src->sw_segmented;
        k->sw_csum = src->sw_csum;
        return k;
}

static void rx_mode_fill(const struct vsw_state *st, const struct vsw_vring *vr, Vsw__Vring *o)
{
        uint32_t mode = atomic_load_explicit(&vr->rx_mode, memory_order_relaxed);
        uint32_t state = atomic_load_explicit(&vr->rx_state, memory_order_relaxed);

        o->rx_mode_default = mode == VSW_RX_MODE_DEFAULT || mode >= VSW_RX_MODES;
        o->rx_mode = (char *)vsw_rx_mode_name(o->rx_mode_default ? st->rx_mode_default : mode);
        if (state != VSW_RX_STATE_NONE)
                o->rx_state = (char *)vsw_rx_state_name(state);
}

static int fill_vring(struct vhostd *d, struct rpc_call *c, struct vsw_iface *ifc, unsigned q,
                      Vsw__Vring *o)
{
        const struct vsw_vring *vr = &ifc->vrings[q];
        uint32_t owner = atomic_load_explicit(&vr->owner, memory_order_acquire);
        Vsw__VringCounters *k = rpc_vring_counters(c, &vr->counters);

        if (!k)
                return rpc_no_memory(c);
        vsw__vring__init(o);
        o->index = q;
        o->qsz = vr->num;
        o->enabled = (vr->state & VSW_VRING_ENABLED) != 0;
        o->started = (vr->state & VSW_VRING_STARTED) != 0;
        o->packed = (vr->state & VSW_VRING_PACKED) != 0;
        if (owner < VSW_MAX_WORKERS) {
                o->has_worker = o->has_lcore = 1;
                o->worker = owner;
                o->lcore = d->st->workers[owner].lcore;
        }
        o->last_avail_idx = vr->last_avail_idx;
        o->last_used_idx = vr->last_used_idx;
        fill_ring_heads(vr, o);
        o->kickfd = vr->kickfd;
        o->callfd = vr->callfd;
        o->errfd = vr->errfd;
        o->counters = k;
        rx_mode_fill(d->st, vr, o);
        return 0;
}

/* The queues the front end has touched: every one of its queue pairs, and
 * any other ring it has sized. */
static int vring_shown(const struct vsw_iface *ifc, unsigned q)
{
        return q < 2 * ifc->num_queue_pairs || ifc->vrings[q].num != 0;
}

static uint64_t monotonic_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The fault that holds the interface stopped, in words, or NULL. */
static char *fault_text(struct rpc_call *c, const struct vsw_iface *ifc)
{
        const struct vsw_iface_fault *f = vsw_iface_fault_current(ifc, monotonic_ns());
        char buf[256];

        if (!f)
                return NULL;
        switch (atomic_load(&f->kind)) {
        case VSW_FAULT_CALL_STALL:
                snprintf(buf, sizeof(buf),
                         "call eventfd of vring %u blocked worker %u: stopped until the front "
                         "end sends a new call fd",
                         f->vring, f->worker);
                break;
        case VSW_FAULT_MEM_MAP:
                snprintf(buf, sizeof(buf),
                         "worker %u could not map memory table generation %u (or its dirty "
                         "log): stopped until the front end sends a new table",
                         f->worker, f->mem_gen);
                break;
        default:
                snprintf(buf, sizeof(buf),
                         "SIGBUS on worker %u in memory table generation %u (file shrunk): "
                         "stopped until the front end sends a new one",
                         f->worker, f->mem_gen);
                break;
        }
        return rpc_strdup(c, buf);
}

static int fill_iface(struct vhostd *d, struct rpc_call *c, struct vsw_iface *ifc,
                      Vsw__VhostUserInterface *o)
{
        unsigned nq = 0, k = 0;

        vsw__vhost_user_interface__init(o);
        o->name = rpc_strdup(c, ifc->name);
        o->sw_if_index = ifc->sw_if_index;
        o->feature_mask = ifc->feature_mask;
        o->features = ifc->features;
        o->protocol_features = ifc->protocol_features;
        o->socket = rpc_strdup(c, ifc->socket_path);
        o->server = ifc->is_server;
        o->sock_errno = ifc->sock_errno;
        o->sock_error = rpc_strdup(c, strerror(ifc->sock_errno));
        o->conn_state = (char *)rpc_conn_state_name(ifc->conn_state);
        o->num_queue_pairs = ifc->num_queue_pairs;
        o->mem_generation = ifc->mem.generation;
        o->fault = fault_text(c, ifc);
        char why_buf[512];
        const char *why =
            iface_why_not_forwarding(ifc, monotonic_ns(), why_buf, sizeof(why_buf), NULL);

        if (why && !(o->not_forwarding = rpc_strdup(c, why)))
                return rpc_no_memory(c);
        o->call_stalls = ifc->stall.count;
        o->mem_faults = ifc->mem_fault.count;
        o->mtu = vsw_iface_mtu(ifc);
        o->mtu_front_end = ifc->mtu;
        o->mtu_admin = ifc->mtu_admin;
        if (!o->name || !o->socket || !o->sock_error)
                return rpc_no_memory(c);
        if (fill_features(c, ifc->features, vu_feature_name, &o->feature_bits,
                          &o->n_feature_bits) ||
            fill_features(c, ifc->protocol_features, vu_protocol_feature_name,
                          &o->protocol_feature_bits, &o->n_protocol_feature_bits) ||
            fill_regions(c, ifc, o))
                return -1;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                nq += vring_shown(ifc, q);
        o->vrings = (Vsw__Vring **)rpc_alloc_array(c, nq, sizeof(Vsw__Vring));
        if (nq && !o->vrings)
                return rpc_no_memory(c);
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                if (vring_shown(ifc, q) && fill_vring(d, c, ifc, q, o->vrings[k++]))
                        return -1;
        o->n_vrings = k;
        return 0;
}

int rpc_show_vhost_user(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__ShowVhostUserRequest *q = req->show_vhost_user;
        struct vsw_iface *ifcs[VSW_MAX_IFACES];
        Vsw__ShowVhostUserReply *r;
        size_t n = 0;

        if (q->n_names > VSW_MAX_IFACES)
                return rpc_fail(c, EINVAL, "more than %d interface names", VSW_MAX_IFACES);
        for (size_t i = 0; i < q->n_names; i++)
                if (!(ifcs[n++] = rpc_iface_named(d, c, q->names[i])))
                        return -1;
        if (!q->n_names)
                n = rpc_ifaces_in_use(d, ifcs);
        r = rpc_alloc(c, sizeof(*r));
        if (!r)
                return rpc_no_memory(c);
        vsw__show_vhost_user_reply__init(r);
        r->interfaces =
            (Vsw__VhostUserInterface **)rpc_alloc_array(c, n, sizeof(Vsw__VhostUserInterface));
        if (n && !r->interfaces)
                return rpc_no_memory(c);
        r->n_interfaces = n;
        for (size_t i = 0; i < n; i++)
                if (fill_iface(d, c, ifcs[i], r->interfaces[i]))
                        return -1;
        c->reply.body_case = VSW__REPLY__BODY_VHOST_USER;
        c->reply.vhost_user = r;
        return 0;
}
