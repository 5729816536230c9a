/* Counters into the memzone. Each vring's counters are written by its
 * owner only (one cache line of its own), the worker's own drops into its
 * worker slot; readers add them up per interface. Published at
 * housekeeping and whenever a ring stops, not per packet. */
#include "dp_vq.h"

static void live(const struct dp_vq *vq, struct vsw_vring_counters *c)
{
        const struct virtq_stats *s = dp_vq_stats(vq);

        c->packets = s->packets;
        c->bytes = s->bytes;
        c->drops_full = vq->drops_full;
        c->drops_bad_desc = virtq_stats_bad_desc(s);
        c->drops_other = vq->drops_other + s->drops[VQ_DROP_TOO_BIG] + s->drops[VQ_DROP_NO_MBUF];
}

static void add(struct vsw_vring_counters *a, const struct vsw_vring_counters *b)
{
        a->packets += b->packets;
        a->bytes += b->bytes;
        a->drops_full += b->drops_full;
        a->drops_bad_desc += b->drops_bad_desc;
        a->drops_other += b->drops_other;
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
}

void dp_counters_publish_all(struct dp_worker *w)
{
        for (unsigned i = 0; i < w->nvqs; i++)
                dp_counters_publish(w->vqs[i]);
        w->self->xw_drops = w->xw_drops;
        w->self->no_rxq_drops = w->no_rxq_drops;
}
