/* Counters into the memzone. Each vring's counters are written by its
 * owner only (one cache line of its own), the worker's own drops into its
 * worker slot; readers add them up per interface. Published at
 * housekeeping and whenever a ring stops, not per packet. */
#include <rte_byteorder.h>

#include "dp_vq.h"

/* The engine's malformed-descriptor reasons, in the memzone's order. */
_Static_assert(VSW_BAD_HEAD == 0 && VQ_DROP_BAD_NEXT - VQ_DROP_BAD_HEAD == VSW_BAD_NEXT &&
                   VQ_DROP_BAD_ADDR - VQ_DROP_BAD_HEAD == VSW_BAD_ADDR &&
                   VQ_DROP_BAD_CHAIN - VQ_DROP_BAD_HEAD == VSW_BAD_CHAIN &&
                   VQ_DROP_BAD_INDIRECT - VQ_DROP_BAD_HEAD == VSW_BAD_INDIRECT &&
                   VQ_DROP_BAD_DIRECTION - VQ_DROP_BAD_HEAD == VSW_BAD_DIRECTION &&
                   VQ_DROP_BAD_SHORT - VQ_DROP_BAD_HEAD == VSW_BAD_SHORT &&
                   VQ_DROP_BAD_NET_HDR - VQ_DROP_BAD_HEAD == VSW_BAD_NET_HDR &&
                   VQ_DROP_BAD_NET_HDR - VQ_DROP_BAD_HEAD + 1 == VSW_BAD_DESC_REASONS,
               "virtq_drop and vsw_bad_desc differ");

static void live(const struct dp_vq *vq, struct vsw_vring_counters *c)
{
        const struct virtq_stats *s = dp_vq_stats(vq);

        c->packets = s->packets;
        c->bytes = s->bytes;
        c->drops_full = vq->drops_full;
        c->drops_bad_desc = virtq_stats_bad_desc(s);
        c->drops_other = vq->drops_other + s->drops[VQ_DROP_TOO_BIG] + s->drops[VQ_DROP_NO_MBUF];
        c->drops_mtu = vq->drops_mtu;
        c->gso_in = s->gso_in;
        c->gso_passed = vq->gso_passed;
        c->sw_segmented = vq->sw_segmented;
        c->sw_csum = s->sw_csum + vq->sw_csum;
        for (unsigned r = 0; r < VSW_BAD_DESC_REASONS; r++)
                c->drops_bad[r] = s->drops[VQ_DROP_BAD_HEAD + r];
}

static void add(struct vsw_vring_counters *a, const struct vsw_vring_counters *b)
{
        a->packets += b->packets;
        a->bytes += b->bytes;
        a->drops_full += b->drops_full;
        a->drops_bad_desc += b->drops_bad_desc;
        a->drops_other += b->drops_other;
        a->drops_mtu += b->drops_mtu;
        a->gso_in += b->gso_in;
        a->gso_passed += b->gso_passed;
        a->sw_segmented += b->sw_segmented;
        a->sw_csum += b->sw_csum;
        for (unsigned r = 0; r < VSW_BAD_DESC_REASONS; r++)
                a->drops_bad[r] += b->drops_bad[r];
}

/* The running engine's counts into acc, before it stops or restarts. */
void dp_counters_fold(struct dp_vq *vq)
{
        struct vsw_vring_counters c;

        if (vq->running) {
                live(vq, &c);
                add(&vq->acc, &c);
        } else {
                vq->acc.drops_other += vq->drops_other;
        }
        vq->drops_full = 0;
        vq->drops_other = 0;
        vq->drops_mtu = 0;
        vq->gso_passed = 0;
        vq->sw_segmented = 0;
        vq->sw_csum = 0;
}

void dp_counters_publish(struct dp_vq *vq)
{
        struct vsw_vring_counters c = vq->acc;

        if (vq->running) {
                struct vsw_vring_counters l;

                live(vq, &l);
                add(&c, &l);
        } else {
                c.drops_other += vq->drops_other;
        }
        vq->shared->counters = c;
        __atomic_store_n(&vq->shared->busy_cycles, vq->busy_cycles, __ATOMIC_RELAXED);
}

void dp_heads_publish(struct dp_vq *vq)
{
        const struct virtq_split *e = &vq->e.split;
        struct vsw_vring *vr = vq->shared;

        if (!vq->running || vq->packed)
                return;
        vr->avail_flags = rte_le_to_cpu_16(*(volatile uint16_t *)&e->avail->flags);
        vr->avail_idx = rte_le_to_cpu_16(*(volatile uint16_t *)&e->avail->idx);
        vr->used_flags = rte_le_to_cpu_16(*(volatile uint16_t *)&e->used->flags);
        vr->used_idx = rte_le_to_cpu_16(*(volatile uint16_t *)&e->used->idx);
        vr->heads_valid = 1;
}

void dp_counters_publish_all(struct dp_worker *w)
{
        for (unsigned i = 0; i < w->nvqs; i++) {
                dp_counters_publish(w->vqs[i]);
                dp_heads_publish(w->vqs[i]);
        }
        w->self->xw_drops = w->xw_drops;
        w->self->no_rxq_drops = w->no_rxq_drops;
        dp_runtime_publish(&w->rt, w->self);
}
