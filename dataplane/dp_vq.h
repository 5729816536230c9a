/* The per-packet calls on an owned ring, whichever engine (split or
 * packed) it runs. */
#ifndef VSW_DP_VQ_H
#define VSW_DP_VQ_H

#include "dp_worker.h"
#include "virtq_chain.h"

static inline uint16_t dp_vq_dequeue(struct dp_vq *vq, struct rte_mempool *mp,
                                     struct rte_mbuf **pkts, uint16_t n)
{
        if (vq->packed)
                return virtq_packed_dequeue(&vq->e.packed, mp, pkts, n);
        return virtq_split_dequeue(&vq->e.split, mp, pkts, n);
}

static inline uint16_t dp_vq_enqueue(struct dp_vq *vq, struct rte_mbuf *const *pkts, uint16_t n)
{
        if (vq->packed)
                return virtq_packed_enqueue(&vq->e.packed, pkts, n);
        return virtq_split_enqueue(&vq->e.split, pkts, n);
}

static inline uint16_t dp_vq_peek(struct dp_vq *vq, struct virtq_chain *ch, uint16_t n,
                                  uint32_t min_first, bool *left)
{
        if (vq->packed)
                return virtq_packed_peek(&vq->e.packed, ch, n, min_first, left);
        return virtq_split_peek(&vq->e.split, ch, n, min_first, left);
}

static inline void dp_vq_consume(struct dp_vq *vq, const struct virtq_chain *ch, uint16_t n)
{
        if (vq->packed)
                virtq_packed_consume(&vq->e.packed, ch, n);
        else
                virtq_split_consume(&vq->e.split, ch, n);
}

static inline uint16_t dp_vq_put(struct dp_vq *vq, const struct virtq_chain *src, uint16_t n,
                                 uint16_t src_hdr_len, struct virtq_prefix pre,
                                 const volatile uint8_t *src_gone)
{
        if (vq->packed)
                return virtq_packed_put(&vq->e.packed, src, n, src_hdr_len, pre, src_gone);
        return virtq_split_put(&vq->e.split, src, n, src_hdr_len, pre, src_gone);
}

static inline void dp_vq_publish(struct dp_vq *vq)
{
        if (vq->packed)
                virtq_packed_publish(&vq->e.packed);
        else
                virtq_split_publish(&vq->e.split);
}

static inline uint16_t dp_vq_hdr_len(const struct dp_vq *vq)
{
        return vq->packed ? vq->e.packed.hdr_len : vq->e.split.hdr_len;
}

static inline bool dp_vq_need_notify(struct dp_vq *vq)
{
        if (vq->callfd < 0)
                return false;
        if (vq->packed)
                return virtq_packed_need_notify(&vq->e.packed);
        return virtq_split_need_notify(&vq->e.split);
}

/* Why the engine stopped taking from the ring, or NULL while it works. */
static inline const char *dp_vq_broken(const struct dp_vq *vq)
{
        return vq->packed ? vq->e.packed.broken : vq->e.split.broken;
}

static inline const struct virtq_stats *dp_vq_stats(const struct dp_vq *vq)
{
        return vq->packed ? &vq->e.packed.stats : &vq->e.split.stats;
}

#endif
