/* The busy-poll loop. Each iteration reads the first cache line of every
 * owned ring (cmd_seq) and acts on a pause or release from vhostd; every
 * DP_HOUSEKEEPING_EVERY iterations it refreshes the heartbeat and looks for
 * rings assigned to it or taken away. */
#include "dp_worker.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <rte_pause.h>

#include "log.h"

#define DP_HOUSEKEEPING_EVERY 1024

static uint64_t monotonic_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct vsw_vring *ring_shared(const struct dp_worker *w, const struct dp_ring *r)
{
        return &w->st->ifaces[r->iface].vrings[r->vring];
}

/* vhostd has released the ring (cmd_seq even): its configuration in the
 * memzone is final until the next pause. */
static void ring_load(const struct dp_worker *w, struct dp_ring *r)
{
        const struct vsw_vring *vr = ring_shared(w, r);
        r->num = vr->num;
        r->state = vr->state;
        r->desc_gpa = vr->desc_gpa;
        r->avail_gpa = vr->avail_gpa;
        r->used_gpa = vr->used_gpa;
        r->last_avail_idx = vr->last_avail_idx;
        r->last_used_idx = vr->last_used_idx;
        VSW_DEBUG(VSW_LOG_DATAPLANE,
                  "worker %u: if %u vring %u released: num %u state 0x%x avail %u used %u", w->idx,
                  r->iface, r->vring, r->num, r->state, r->last_avail_idx, r->last_used_idx);
}

/* Acts on a new cmd_seq: odd pauses (nothing to write back while the
 * worker does not process packets), even reloads; both are acknowledged. */
static void ring_command(const struct dp_worker *w, struct dp_ring *r, uint32_t seq)
{
        r->seen_seq = seq;
        if (seq & 1) {
                r->paused = 1;
                VSW_DEBUG(VSW_LOG_DATAPLANE, "worker %u: if %u vring %u paused", w->idx, r->iface,
                          r->vring);
        } else {
                ring_load(w, r);
                r->paused = 0;
        }
        atomic_store_explicit(&ring_shared(w, r)->ack_seq, seq, memory_order_release);
}

/* vhostd moves a ring to another worker while it is paused, then releases
 * it: the release is the new owner's to acknowledge, not ours. */
static int still_mine(const struct dp_worker *w, const struct dp_ring *r)
{
        return atomic_load_explicit(&ring_shared(w, r)->owner, memory_order_acquire) == w->idx;
}

static void ring_add(struct dp_worker *w, uint16_t iface, uint16_t vring)
{
        struct dp_ring *r = &w->rings[w->nrings];
        memset(r, 0, sizeof(*r));
        r->iface = iface;
        r->vring = vring;
        w->slot[iface][vring] = (int16_t)w->nrings++;
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: now owns if %u vring %u", w->idx, iface, vring);
        ring_command(w, r, atomic_load_explicit(&ring_shared(w, r)->cmd_seq, memory_order_acquire));
}

static void ring_remove(struct dp_worker *w, uint16_t iface, uint16_t vring)
{
        int i = w->slot[iface][vring];
        w->slot[iface][vring] = -1;
        w->nrings--;
        if ((unsigned)i != w->nrings) {
                w->rings[i] = w->rings[w->nrings];
                w->slot[w->rings[i].iface][w->rings[i].vring] = (int16_t)i;
        }
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: no longer owns if %u vring %u", w->idx, iface,
                 vring);
}

/* Brings the owned-ring list in line with the owner fields in the memzone. */
static void rescan_owned(struct dp_worker *w)
{
        for (uint16_t i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &w->st->ifaces[i];
                int in_use = ifc->in_use;
                for (uint16_t q = 0; q < VSW_MAX_VRINGS; q++) {
                        int mine = in_use && atomic_load_explicit(&ifc->vrings[q].owner,
                                                                  memory_order_acquire) == w->idx;
                        int had = w->slot[i][q] >= 0;
                        if (mine && !had)
                                ring_add(w, i, q);
                        else if (!mine && had)
                                ring_remove(w, i, q);
                }
        }
}

void dp_worker_run(struct dp_worker *w, volatile sig_atomic_t *stop)
{
        struct vsw_worker *self = &w->st->workers[w->idx];
        w->nrings = 0;
        memset(w->slot, 0xff, sizeof(w->slot));

        for (uint64_t iter = 0; !*stop; iter++) {
                if (iter % DP_HOUSEKEEPING_EVERY == 0) {
                        atomic_store_explicit(&self->heartbeat_ns, monotonic_ns(),
                                              memory_order_relaxed);
                        rescan_owned(w);
                }
                if (w->nrings == 0) {
                        rte_pause(); /* nothing to poll: spare the sibling hyperthread */
                        continue;
                }
                for (unsigned i = 0; i < w->nrings;) {
                        struct dp_ring *r = &w->rings[i];
                        uint32_t seq =
                            atomic_load_explicit(&ring_shared(w, r)->cmd_seq, memory_order_acquire);
                        if (seq != r->seen_seq && !still_mine(w, r)) {
                                ring_remove(w, r->iface, r->vring); /* moves the last into i */
                                continue;
                        }
                        if (seq != r->seen_seq)
                                ring_command(w, r, seq);
                        i++;
                }
        }
}
