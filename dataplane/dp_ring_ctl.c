/* The rings a worker owns and the pause/release handshake with vhostd
 * (vsw_state.h). On a pause the worker writes its ring positions back and
 * stops touching the ring; on a release it re-reads the ring's
 * configuration, maps a new memory table if there is one, and starts the
 * ring engine again when the ring is started and enabled. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_vq.h"
#include "log.h"
#include "virtio_spec.h"

static struct vsw_iface *shared_iface(const struct dp_worker *w, const struct dp_vq *vq)
{
        return &w->st->ifaces[vq->iface];
}

static void write_back(struct dp_vq *vq)
{
        struct vsw_vring *vr = vq->shared;

        if (vq->packed) {
                vr->last_avail_idx = virtq_packed_avail_state(&vq->e.packed);
                vr->last_used_idx = virtq_packed_used_state(&vq->e.packed);
                /* The positions above are exact now, and vhostd may change
                 * them while the ring is paused. */
                __atomic_store_n(&vr->packed_progress, 0, __ATOMIC_RELEASE);
        } else {
                vr->last_avail_idx = vq->e.split.last_avail_idx;
                vr->last_used_idx = vq->e.split.last_used_idx;
        }
        dp_counters_publish(vq);
}

static void stop(struct dp_vq *vq)
{
        if (!vq->running)
                return;
        write_back(vq);
        dp_counters_fold(vq);
        vq->shared->heads_valid = 0;
        vq->running = 0;
}

static int engine_start(struct dp_worker *w, struct dp_vq *vq, char *err, unsigned errlen)
{
        const struct vsw_iface *ifc = shared_iface(w, vq);
        const struct vsw_vring *vr = vq->shared;
        uint64_t f = ifc->features;
        struct dirty_log *log = vq->ifc->log_mapped ? &vq->ifc->log : NULL;
        uint16_t hdr_len = virtq_net_hdr_len(f);
        bool mrg = (f & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF)) != 0;
        bool event_idx = (f & VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX)) != 0;
        bool in_order = (f & VIRTIO_BIT(VIRTIO_F_IN_ORDER)) != 0;

        vq->packed = (vr->state & VSW_VRING_PACKED) != 0;
        vq->rx_ol = virtq_guest_ol(f);
        vq->broken_logged = 0;
        memset(vq->bad_seen, 0, sizeof(vq->bad_seen)); /* the engine counts from 0 again */
        if (vq->packed) {
                struct virtq_packed_params p = {
                    .size = vr->num,
                    .desc_gpa = vr->desc_gpa,
                    .driver_event_gpa = vr->avail_gpa,
                    .device_event_gpa = vr->used_gpa,
                    .last_avail_idx = vr->last_avail_idx,
                    .last_used_idx = vr->last_used_idx,
                    .hdr_len = hdr_len,
                    .host_ol = virtq_host_ol(f),
                    .guest_ol = virtq_guest_ol(f),
                    .mrg_rxbuf = mrg,
                    .event_idx = event_idx,
                    .in_order = in_order,
                    .log = log,
                    .progress = &vq->shared->packed_progress,
                };
                if (virtq_packed_init(&vq->e.packed, &vq->ifc->gm, &p, err, errlen) < 0)
                        return -1;
                /* As for split rings below: a predecessor may have died
                 * mid-burst, after the positions were last saved. */
                if (!vq->loaded)
                        virtq_packed_resume(&vq->e.packed);
                return 0;
        }
        struct virtq_split_params p = {
            .size = vr->num,
            .desc_gpa = vr->desc_gpa,
            .avail_gpa = vr->avail_gpa,
            .used_gpa = vr->used_gpa,
            .last_avail_idx = vr->last_avail_idx,
            .hdr_len = hdr_len,
            .host_ol = virtq_host_ol(f),
            .guest_ol = virtq_guest_ol(f),
            .mrg_rxbuf = mrg,
            .event_idx = event_idx,
            .log = log,
            /* Where the front end wants the used ring logged; without the
             * ring's log flag, where it is. */
            .log_used_gpa = (vr->state & VSW_VRING_LOG) ? vr->log_guest_addr : vr->used_gpa,
        };
        if (virtq_split_init(&vq->e.split, &vq->ifc->gm, &p, err, errlen) < 0)
                return -1;
        /* Taking the ring over (this process is new, its predecessor may
         * have died mid-burst): the guest's used idx is where it stands. */
        if (!vq->loaded)
                virtq_split_resume(&vq->e.split);
        return 0;
}

/* Restarts the running rings of an interface whose memory was remapped
 * under them (a table change normally pauses them all first). */
static void restart_siblings(struct dp_worker *w, struct dp_vq *self)
{
        char err[256];

        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];

                if (vq == self || vq->iface != self->iface || !vq->running)
                        continue;
                stop(vq);
                if (engine_start(w, vq, err, sizeof(err)) == 0)
                        vq->running = 1;
                else
                        VSW_ERR(VSW_LOG_DATAPLANE, "%s: vring %u: %s", shared_iface(w, vq)->name,
                                vq->vring, err);
        }
}

/* Why the interface's rings must stay stopped, or NULL. */
static const char *fault_reason(const struct dp_worker *w, uint16_t iface, uint64_t now_ns)
{
        const struct vsw_iface *ifc = &w->st->ifaces[iface];
        const struct vsw_iface_fault *f = vsw_iface_fault_current(ifc, now_ns);
        const struct dp_iface *d = &w->ifaces[iface];

        /* Until the memzone says so too, and over once a new table came. */
        if (d->faulted && d->mem_gen == ifc->mem.generation)
                return "SIGBUS in its guest memory";
        if (!f)
                return NULL;
        switch (atomic_load_explicit(&f->kind, memory_order_relaxed)) {
        case VSW_FAULT_CALL_STALL:
                return "a worker blocked writing its call eventfd";
        case VSW_FAULT_MEM_MAP:
                return "its memory table could not be mapped";
        default:
                return "SIGBUS in its guest memory";
        }
}

/* Stops every ring of the interface this worker owns and keeps them
 * stopped until the fault is over (dp_ring_faults). */
static void hold_iface(struct dp_worker *w, uint16_t iface, const char *why)
{
        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];

                if (vq->iface != iface)
                        continue;
                if (vq->running)
                        VSW_ERR(VSW_LOG_DATAPLANE, "%s: vring %u stopped on worker %u: %s",
                                shared_iface(w, vq)->name, vq->vring, w->idx, why);
                stop(vq);
                vq->held = 1;
        }
}

/* Maps what the ring needs and starts its engine when the ring is
 * started and enabled. */
static void load(struct dp_worker *w, struct dp_vq *vq)
{
        const struct vsw_iface *ifc = shared_iface(w, vq);
        const struct vsw_vring *vr = vq->shared;
        uint32_t need = VSW_VRING_ADDR_SET | VSW_VRING_STARTED | VSW_VRING_ENABLED;
        char err[256];
        int synced = dp_iface_sync(w, vq->iface);

        if (synced < 0) {
                /* No ring of the interface may run on maps that are not
                 * its current table's. */
                hold_iface(w, vq->iface, "its memory table could not be mapped");
                dp_iface_unmap(w, vq->iface);
                return;
        }
        if (synced)
                restart_siblings(w, vq);
        dp_iface_retire(w, vq->iface);
        dp_iface_fetch_call(w, vq);
        dp_iface_fetch_kick(w, vq);
        if ((vr->state & need) != need || vr->num == 0 || ifc->mem.nregions == 0)
                return;
        if (engine_start(w, vq, err, sizeof(err)) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "%s: vring %u not started: %s", ifc->name, vq->vring,
                        err);
                return;
        }
        vq->running = 1;
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: %s vring %u running (%s, %u entries, avail %u)",
                 w->idx, ifc->name, vq->vring, vq->packed ? "packed" : "split", vr->num,
                 vq->packed ? virtq_packed_avail_state(&vq->e.packed) : vq->e.split.last_avail_idx);
}

/* vhostd released the ring (or its interface's fault is over): its
 * configuration is final until the next pause. */
static void release(struct dp_worker *w, struct dp_vq *vq)
{
        const char *why;

        vq->sw_if_index = shared_iface(w, vq)->sw_if_index;
        vq->held = 0;
        /* A current fault: not even the call fd is fetched again (it may be
         * the trap that stalled a predecessor). */
        why = fault_reason(w, vq->iface, dp_now_ns());
        if (why) {
                hold_iface(w, vq->iface, why);
                return;
        }
        load(w, vq);
        /* Only now: a held ring's positions in the memzone may be behind the
         * guest's (its predecessor died holding it), so its first start in
         * this process must still resume from the guest's. */
        vq->loaded = 1;
}

void dp_ring_faults(struct dp_worker *w, uint64_t now_ns)
{
        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];
                const char *why = fault_reason(w, vq->iface, now_ns);

                if (why && vq->running) {
                        hold_iface(w, vq->iface, why);
                } else if (!why && vq->held && !(vq->seen_seq & 1)) {
                        VSW_NOTICE(VSW_LOG_DATAPLANE, "%s: vring %u: fault over, restarting",
                                   shared_iface(w, vq)->name, vq->vring);
                        release(w, vq);
                }
        }
}

static void command(struct dp_worker *w, struct dp_vq *vq, uint32_t seq)
{
        vq->seen_seq = seq;
        stop(vq);
        if (!(seq & 1))
                release(w, vq);
        atomic_store_explicit(&vq->shared->ack_seq, seq, memory_order_release);
}

static int still_mine(const struct dp_worker *w, const struct dp_vq *vq)
{
        return shared_iface(w, vq)->in_use &&
               atomic_load_explicit(&vq->shared->owner, memory_order_acquire) == w->idx;
}

static void ring_add(struct dp_worker *w, uint16_t iface, uint16_t vring)
{
        struct dp_vq *vq = calloc(1, sizeof(*vq));

        if (!vq) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: no memory for if %u vring %u", w->idx, iface,
                        vring);
                return;
        }
        vq->shared = &w->st->ifaces[iface].vrings[vring];
        vq->ifc = &w->ifaces[iface];
        vq->iface = iface;
        vq->vring = vring;
        vq->callfd = -1;
        vq->kickfd = -1;
        vq->acc = vq->shared->counters; /* a predecessor's counts go on */
        vq->busy_cycles = vq->shared->busy_cycles;
        vq->ifc->nowned++;
        w->slot[iface][vring] = vq;
        w->vqs[w->nvqs++] = vq;
        w->ring_changes++;
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: now owns %s vring %u", w->idx,
                 w->st->ifaces[iface].name, vring);
        command(w, vq, atomic_load_explicit(&vq->shared->cmd_seq, memory_order_acquire));
}

/* The ring is no longer ours: vhostd moved it while it was paused (so its
 * positions were written back), or the interface is gone. */
static void ring_remove(struct dp_worker *w, unsigned i)
{
        struct dp_vq *vq = w->vqs[i];

        stop(vq);
        dp_counters_publish(vq);
        if (vq->callfd >= 0)
                close(vq->callfd);
        dp_iface_drop_kick(w, vq);
        atomic_store_explicit(&vq->shared->rx_state, VSW_RX_STATE_NONE, memory_order_relaxed);
        w->ring_changes++;
        w->slot[vq->iface][vq->vring] = NULL;
        w->vqs[i] = w->vqs[--w->nvqs];
        if (--vq->ifc->nowned == 0)
                dp_iface_unmap(w, vq->iface);
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: no longer owns if %u vring %u", w->idx, vq->iface,
                 vq->vring);
        free(vq);
}

void dp_ring_rescan(struct dp_worker *w)
{
        for (unsigned i = 0; i < w->nvqs;) {
                if (!still_mine(w, w->vqs[i]))
                        ring_remove(w, i);
                else
                        i++;
        }
        for (uint16_t i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &w->st->ifaces[i];

                if (!ifc->in_use)
                        continue;
                for (uint16_t q = 0; q < VSW_MAX_VRINGS; q++)
                        if (!w->slot[i][q] && atomic_load_explicit(&ifc->vrings[q].owner,
                                                                   memory_order_acquire) == w->idx)
                                ring_add(w, i, q);
        }
}

int dp_ring_command(struct dp_worker *w, unsigned i, uint32_t seq)
{
        struct dp_vq *vq = w->vqs[i];

        /* A move happens while paused; the release is the new owner's. */
        if (!still_mine(w, vq)) {
                ring_remove(w, i);
                return 0;
        }
        command(w, vq, seq);
        return 1;
}

/* A guest sending malformed chains nonstop must not flood the log. */
#define BAD_LOG_INTERVAL_NS 1000000000ull

static void report_bad(const struct dp_worker *w, struct dp_vq *vq, uint64_t now_ns)
{
        const struct virtq_stats *s = dp_vq_stats(vq);
        char what[256];
        size_t len = 0;
        uint64_t total = 0;

        if (vq->bad_log_ns != 0 && now_ns - vq->bad_log_ns < BAD_LOG_INTERVAL_NS)
                return;
        for (unsigned r = 0; r < VSW_BAD_DESC_REASONS; r++) {
                uint64_t n = s->drops[VQ_DROP_BAD_HEAD + r] - vq->bad_seen[r];

                if (n == 0)
                        continue;
                total += n;
                vq->bad_seen[r] += n;
                if (len < sizeof(what))
                        len += (size_t)snprintf(what + len, sizeof(what) - len, " %s %" PRIu64,
                                                virtq_drop_name(VQ_DROP_BAD_HEAD + r), n);
        }
        if (total == 0)
                return;
        vq->bad_log_ns = now_ns;
        VSW_WARN(VSW_LOG_DATAPLANE,
                 "%s: vring %u: dropped %" PRIu64 " malformed descriptor chains:%s",
                 shared_iface(w, vq)->name, vq->vring, total, what);
}

void dp_ring_report(struct dp_worker *w, uint64_t now_ns)
{
        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];
                const char *why;

                if (!vq->running)
                        continue;
                report_bad(w, vq, now_ns);
                why = dp_vq_broken(vq);
                if (unlikely(why != NULL) && !vq->broken_logged) {
                        VSW_ERR(VSW_LOG_DATAPLANE, "%s: vring %u stopped: %s",
                                shared_iface(w, vq)->name, vq->vring, why);
                        vq->broken_logged = 1;
                }
        }
}

struct dp_vq *dp_ring_pickup(struct dp_worker *w, uint16_t iface, uint16_t vring)
{
        struct dp_vq *vq = w->slot[iface][vring];
        const struct vsw_iface *ifc = &w->st->ifaces[iface];

        if (!vq) {
                if (ifc->in_use &&
                    atomic_load_explicit(&ifc->vrings[vring].owner, memory_order_acquire) == w->idx)
                        ring_add(w, iface, vring);
                return w->slot[iface][vring];
        }
        for (unsigned i = 0; i < w->nvqs; i++) {
                if (w->vqs[i] == vq) {
                        dp_ring_check(w, i);
                        break;
                }
        }
        return w->slot[iface][vring];
}

void dp_ring_drop_all(struct dp_worker *w)
{
        while (w->nvqs)
                ring_remove(w, w->nvqs - 1);
}
