/* Split virtqueue engine: chain walking with validation, guest TX to mbufs,
 * mbufs to guest RX, used-ring updates, notification decisions. */
#include "virtq_split.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_prefetch.h>

#include "virtq_chain.h"
#include "virtq_copy.h"

#define AVAIL_EVENT_DISTANCE VIRTQ_SPLIT_AVAIL_EVENT_DISTANCE

static inline uint16_t *used_event_field(const struct virtq_split *vq)
{
        return (uint16_t *)&vq->avail->ring[vq->size];
}

static inline uint16_t *avail_event_field(const struct virtq_split *vq)
{
        return virtq_split_avail_event(vq);
}

/* Reads a descriptor once: the guest may rewrite it while we look, so only
 * the copy is validated and used. */
static inline void desc_read(const struct vring_desc *src, struct vring_desc *d)
{
        memcpy(d, src, sizeof(*d));
        rte_compiler_barrier();
}

static int ring_part(struct virtq_split *vq, const char *what, uint64_t gpa, uint64_t len,
                     uint64_t align, void **out, char *err, unsigned errlen)
{
        if (gpa % align != 0) {
                snprintf(err, errlen, "%s ring at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned",
                         what, gpa, align);
                return -1;
        }
        *out = gm_translate(vq->gm, gpa, len);
        if (*out == NULL) {
                snprintf(err, errlen,
                         "%s ring [0x%" PRIx64 ", +0x%" PRIx64
                         ") is not inside one guest memory region",
                         what, gpa, len);
                return -1;
        }
        return 0;
}

/* With EVENT_IDX the guest kicks when its avail idx passes avail_event:
 * keep that half a 16-bit lap ahead of what we consumed. */
static __rte_noinline void split_push_avail_event(struct virtq_split *vq)
{
        vq->avail_event = (uint16_t)(vq->last_avail_idx + AVAIL_EVENT_DISTANCE);
        __atomic_store_n(avail_event_field(vq), vq->avail_event, __ATOMIC_RELAXED);
        virtq_split_log_used(vq, virtq_split_avail_event_off(vq), sizeof(vq->avail_event));
}

int virtq_split_init(struct virtq_split *vq, struct guest_mem *gm,
                     const struct virtq_split_params *p, char *err, unsigned errlen)
{
        uint64_t n = p->size;
        void *desc, *avail, *used;

        memset(vq, 0, sizeof(*vq));
        vq->gm = gm;
        if (n == 0 || n > VSW_MAX_VRING_SIZE || (n & (n - 1)) != 0) {
                snprintf(err, errlen, "ring size %" PRIu64 " is not a power of 2 in 1..%u", n,
                         VSW_MAX_VRING_SIZE);
                return -1;
        }
        if ((p->hdr_len != 10 && p->hdr_len != 12) || (p->mrg_rxbuf && p->hdr_len != 12)) {
                snprintf(err, errlen, "virtio-net header length %u does not match the features",
                         p->hdr_len);
                return -1;
        }
        /* Sizes and alignments from the virtio spec; both rings carry the
         * event field, used only with EVENT_IDX. */
        if (ring_part(vq, "descriptor", p->desc_gpa, 16 * n, 16, &desc, err, errlen) != 0 ||
            ring_part(vq, "avail", p->avail_gpa, 6 + 2 * n, 2, &avail, err, errlen) != 0 ||
            ring_part(vq, "used", p->used_gpa, 6 + 8 * n, 4, &used, err, errlen) != 0)
                return -1;
        vq->desc = desc;
        vq->avail = avail;
        vq->used = used;
        vq->size = (uint32_t)n;
        vq->mask = (uint16_t)(n - 1);
        vq->hdr_len = p->hdr_len;
        vq->host_ol = p->host_ol;
        vq->guest_ol = p->guest_ol;
        vq->mrg_rxbuf = p->mrg_rxbuf;
        vq->event_idx = p->event_idx;
        vq->log = p->log;
        vq->log_used_gpa = p->log_used_gpa;
        vq->last_avail_idx = p->last_avail_idx;
        vq->last_used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
        vq->signalled_used = vq->last_used_idx;
        vq->published = vq->last_used_idx;
        /* The worker busy-polls: kicks would only cost the guest VM exits. */
        if (vq->event_idx)
                split_push_avail_event(vq);
        else
                virtq_split_set_used_flags(vq, VRING_USED_F_NO_NOTIFY);
        return 0;
}

static __rte_noinline void split_broken(struct virtq_split *vq, const char *why)
{
        vq->broken = why;
        vq->stats.ring_errors++;
}

/* Entries the guest made available, or 0 (and the ring stops) when its
 * avail idx is not plausible. */
static inline uint16_t split_avail_count(struct virtq_split *vq, uint16_t *avail_idx)
{
        uint16_t n;

        *avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
        n = (uint16_t)(*avail_idx - vq->last_avail_idx);
        if (unlikely(n > vq->size)) {
                split_broken(vq, "avail idx moved by more than the ring size");
                return 0;
        }
        if (vq->event_idx &&
            unlikely((uint16_t)(vq->avail_event - vq->last_avail_idx) < AVAIL_EVENT_DISTANCE / 2))
                split_push_avail_event(vq);
        return n;
}

/* The shadow's entries into the used ring, in one run of stores; used->idx
 * is not moved. */
static __rte_noinline void split_used_flush(struct virtq_split *vq)
{
        uint16_t at = (uint16_t)(vq->last_used_idx - vq->nshadow);

        for (uint16_t i = 0; i < vq->nshadow; i++, at++) {
                vq->used->ring[at & vq->mask] = vq->shadow[i];
                virtq_split_log_used(vq,
                                     offsetof(struct vring_used, ring) +
                                         (uint64_t)(at & vq->mask) * sizeof(struct vring_used_elem),
                                     sizeof(struct vring_used_elem));
        }
        vq->nshadow = 0;
}

static inline void split_used_put(struct virtq_split *vq, uint16_t id, uint32_t len)
{
        if (unlikely(vq->nshadow == VIRTQ_SPLIT_SHADOW))
                split_used_flush(vq);
        vq->shadow[vq->nshadow++] = (struct vring_used_elem){id, len};
        vq->last_used_idx++;
}

static inline void split_used_publish(struct virtq_split *vq)
{
        split_used_flush(vq);
        vq->published = vq->last_used_idx;
        __atomic_store_n(&vq->used->idx, vq->last_used_idx, __ATOMIC_RELEASE);
        virtq_split_log_used(vq, offsetof(struct vring_used, idx), sizeof(vq->used->idx));
}

/* An indirect descriptor: the table must be whole 16-byte entries inside
 * guest memory, and the descriptor must end its chain. */
static __rte_noinline enum virtq_drop split_indirect(struct virtq_split *vq,
                                                     const struct vring_desc *d,
                                                     const struct vring_desc **table,
                                                     uint32_t *table_size)
{
        if ((d->flags & VRING_DESC_F_NEXT) || d->len == 0 ||
            d->len % sizeof(struct vring_desc) != 0)
                return VQ_DROP_BAD_INDIRECT;
        *table = gm_translate(vq->gm, d->addr, d->len);
        if (*table == NULL)
                return VQ_DROP_BAD_INDIRECT;
        *table_size = d->len / sizeof(struct vring_desc);
        return VQ_DROP_NONE;
}

static __rte_noinline enum virtq_drop split_flags_error(uint16_t flags)
{
        return (flags & VRING_DESC_F_INDIRECT) ? VQ_DROP_BAD_INDIRECT : VQ_DROP_BAD_DIRECTION;
}

/* More buffers than a frame may use: a loop (count it as one) or a chain
 * that is merely too long. Walks the rest of the chain, within budget. */
static __rte_noinline enum virtq_drop split_overflow(const struct vring_desc *table,
                                                     uint32_t table_size, uint32_t budget,
                                                     const struct vring_desc *from)
{
        struct vring_desc d = *from;

        while (d.flags & VRING_DESC_F_NEXT) {
                if (d.next >= table_size)
                        return VQ_DROP_BAD_NEXT;
                if (--budget == 0)
                        return VQ_DROP_BAD_CHAIN;
                desc_read(&table[d.next], &d);
        }
        return VQ_DROP_TOO_BIG;
}

/* Walks the chain at head, appending its buffers to bufs[*nbufs...] and
 * their length to *total, until the chain ends or *total reaches need.
 * dir is VRING_DESC_F_WRITE for RX chains, 0 for TX chains. A chain that
 * ends with fewer than min_len bytes is short. No descriptor is trusted;
 * the walk is bounded by the ring size. */
static inline enum virtq_drop split_collect(struct virtq_split *vq, uint16_t head, uint16_t dir,
                                            struct virtq_buf *bufs, uint32_t *nbufs,
                                            uint64_t *total, uint64_t need, uint32_t min_len)
{
        const struct vring_desc *table = vq->desc;
        uint32_t table_size = vq->size;
        uint32_t budget = vq->size;
        uint64_t chain_len = 0;
        struct vring_desc d;

        if (unlikely(head >= vq->size))
                return VQ_DROP_BAD_HEAD;
        desc_read(&table[head], &d);
        if (unlikely(d.flags & VRING_DESC_F_INDIRECT)) {
                enum virtq_drop r = split_indirect(vq, &d, &table, &table_size);

                if (r != VQ_DROP_NONE)
                        return r;
                budget = RTE_MIN(budget, table_size);
                desc_read(&table[0], &d);
        }
        for (;;) {
                if (unlikely((d.flags & (VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT)) != dir))
                        return split_flags_error(d.flags);
                if (likely(d.len != 0)) {
                        void *p;

                        if (unlikely(*nbufs == VIRTQ_MAX_BUFS))
                                return split_overflow(table, table_size, budget, &d);
                        p = gm_translate(vq->gm, d.addr, d.len);
                        if (unlikely(p == NULL))
                                return VQ_DROP_BAD_ADDR;
                        bufs[*nbufs].addr = p;
                        bufs[*nbufs].len = d.len;
                        (*nbufs)++;
                        chain_len += d.len;
                        *total += d.len;
                        if (*total >= need)
                                return VQ_DROP_NONE;
                }
                if (!(d.flags & VRING_DESC_F_NEXT))
                        break;
                if (unlikely(d.next >= table_size))
                        return VQ_DROP_BAD_NEXT;
                if (unlikely(--budget == 0))
                        return VQ_DROP_BAD_CHAIN;
                desc_read(&table[d.next], &d);
        }
        if (unlikely(chain_len < min_len))
                return VQ_DROP_BAD_SHORT;
        return VQ_DROP_NONE;
}

/* The heads of the next n chains into heads[], their descriptors and first
 * buffers prefetched: the front end wrote them on another core, so all
 * their misses are started before the first one is needed. */
static inline void split_burst_heads(struct virtq_split *vq, uint16_t *heads, uint16_t n,
                                     bool for_write)
{
        for (uint16_t i = 0; i < n; i++) {
                heads[i] = vq->avail->ring[(uint16_t)(vq->last_avail_idx + i) & vq->mask];
                rte_prefetch0(&vq->desc[heads[i] & vq->mask]);
        }
        for (uint16_t i = 0; i < n; i++) {
                const struct vring_desc *d = &vq->desc[heads[i] & vq->mask];

                if (likely(!(d->flags & VRING_DESC_F_INDIRECT)))
                        virtq_prefetch_buf(vq->gm, d->addr, d->len, for_write);
        }
}

static inline enum virtq_drop split_tx_collect(struct virtq_split *vq, uint16_t head,
                                               struct virtq_buf *bufs, uint32_t *nbufs)
{
        uint64_t total = 0;
        enum virtq_drop r;

        *nbufs = 0;
        r = split_collect(vq, head, 0, bufs, nbufs, &total, UINT64_MAX, vq->hdr_len + 1u);
        return virtq_tx_walked(r, total, vq->hdr_len, bufs);
}

uint16_t virtq_split_dequeue(struct virtq_split *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
                             uint16_t count)
{
        /* Two chains in flight: the next one is walked (and its data
         * prefetched) before the current one is copied. */
        struct virtq_buf bufs[2][VIRTQ_MAX_BUFS];
        uint32_t nbufs[2];
        enum virtq_drop res[2];
        uint16_t heads[VIRTQ_BURST];
        uint16_t avail_idx, n, i, out = 0;
        uint64_t bytes = 0;

        if (unlikely(vq->broken != NULL))
                return 0;
        n = split_avail_count(vq, &avail_idx);
        if (n == 0)
                return 0;
        n = RTE_MIN(n, RTE_MIN(count, (uint16_t)VIRTQ_BURST));
        if (unlikely(n == 0))
                return 0;
        if (unlikely(rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)) {
                vq->stats.no_mbuf_bursts++;
                return 0;
        }
        split_burst_heads(vq, heads, n, false);
        res[0] = split_tx_collect(vq, heads[0], bufs[0], &nbufs[0]);
        for (i = 0; i < n; i++) {
                unsigned cur = i & 1;
                enum virtq_drop r;

                if (i + 1 < n) {
                        res[!cur] = split_tx_collect(vq, heads[i + 1], bufs[!cur], &nbufs[!cur]);
                        rte_prefetch0(rte_pktmbuf_mtod(pkts[out + 1], void *));
                }
                r = res[cur];
                if (likely(r == VQ_DROP_NONE))
                        r = virtq_tx_frame(bufs[cur], nbufs[cur], vq->hdr_len, pkts[out], mp,
                                           vq->host_ol, &vq->stats);
                split_used_put(vq, heads[i], 0);
                virtq_tx_account(&vq->stats, r, pkts, &out, &bytes);
        }
        vq->last_avail_idx += n;
        split_used_publish(vq);
        if (unlikely(out < n))
                rte_pktmbuf_free_bulk(&pkts[out], n - out);
        vq->stats.packets += out;
        vq->stats.bytes += bytes;
        return out;
}

/* RX chains taken for one frame when one of them is malformed: all are
 * consumed empty and the frame dropped; or, when the frame does not fit,
 * they go back to the guest untouched. */
static __rte_noinline void split_rx_drop(struct virtq_split *vq, const uint16_t *heads,
                                         uint32_t nchains, uint16_t start, enum virtq_drop r)
{
        uint32_t c;

        vq->stats.drops[r]++;
        if (r == VQ_DROP_TOO_BIG) {
                vq->last_avail_idx = start;
                return;
        }
        for (c = 0; c < nchains; c++)
                split_used_put(vq, heads[c], 0);
}

/* The RX chains one frame of need bytes (header included) takes. */
struct split_rx {
        struct virtq_buf bufs[VIRTQ_MAX_BUFS];
        uint16_t heads[VIRTQ_MAX_BUFS];
        uint32_t lens[VIRTQ_MAX_BUFS];
        uint32_t nbufs, nchains;
};

enum rx_take { RX_NO_ROOM, RX_DROPPED, RX_TAKEN };

/* The avail entries split_burst_heads read for the burst, from position
 * first on: read once, while the guest keeps writing the next ones into
 * the same line. */
struct split_heads {
        const uint16_t *h;
        uint16_t first;
        uint16_t n;
};

static inline uint16_t split_head_at(const struct virtq_split *vq, const struct split_heads *hs)
{
        uint16_t k = (uint16_t)(vq->last_avail_idx - hs->first);

        return k < hs->n ? hs->h[k] : vq->avail->ring[vq->last_avail_idx & vq->mask];
}

/* Takes RX chains for need bytes, at most max_chains of them (a frame that
 * needs more is dropped as too big). RX_NO_ROOM: the guest has not made
 * enough buffers available (nothing consumed); RX_DROPPED: a malformed
 * chain or too big (consumed and counted); RX_TAKEN: r holds the buffers,
 * the caller writes them and then split_rx_done. */
static inline enum rx_take split_rx_take(struct virtq_split *vq, uint64_t need, uint16_t avail_idx,
                                         const struct split_heads *hs, uint32_t max_chains,
                                         struct split_rx *x)
{
        uint64_t total = 0;
        uint16_t start = vq->last_avail_idx;

        x->nbufs = 0;
        x->nchains = 0;
        do {
                uint64_t before = total;
                enum virtq_drop r;
                uint16_t head;

                /* Every chain holds at least one buffer: a frame that
                 * needs more chains than heads[] holds is too big. */
                if (unlikely(x->nchains == max_chains)) {
                        split_rx_drop(vq, x->heads, x->nchains, start, VQ_DROP_TOO_BIG);
                        return RX_DROPPED;
                }
                if (unlikely(vq->last_avail_idx == avail_idx)) {
                        vq->last_avail_idx = start;
                        return RX_NO_ROOM;
                }
                head = split_head_at(vq, hs);
                vq->last_avail_idx++;
                r = split_collect(vq, head, VRING_DESC_F_WRITE, x->bufs, &x->nbufs, &total, need,
                                  vq->hdr_len);
                x->heads[x->nchains] = head;
                x->lens[x->nchains] = (uint32_t)(total - before);
                x->nchains++;
                if (unlikely(r != VQ_DROP_NONE)) {
                        split_rx_drop(vq, x->heads, x->nchains, start, r);
                        return RX_DROPPED;
                }
        } while (total < need);
        return RX_TAKEN;
}

/* The frame (len bytes, need with the header) is in x's buffers: marks
 * them dirty when logging, puts the used entries, counts the frame. */
static inline void split_rx_done(struct virtq_split *vq, const struct split_rx *x, uint64_t need,
                                 uint32_t len)
{
        if (unlikely(vq->log != NULL))
                virtq_log_bufs(vq->gm, vq->log, x->bufs, x->nbufs, need);
        for (uint32_t c = 0; c < x->nchains; c++)
                split_used_put(vq, x->heads[c], virtq_rx_used_len(x->lens[c], &need));
        vq->stats.packets++;
        vq->stats.bytes += len;
}

/* One frame into the guest. Returns false when the guest has not made
 * enough buffers available (nothing consumed), true when the frame was
 * copied or dropped. */
static inline bool split_rx_one(struct virtq_split *vq, const struct rte_mbuf *m,
                                uint16_t avail_idx, const struct split_heads *hs)
{
        struct split_rx x;
        uint64_t need = vq->hdr_len + (uint64_t)m->pkt_len;
        enum rx_take t =
            split_rx_take(vq, need, avail_idx, hs, vq->mrg_rxbuf ? VIRTQ_MAX_BUFS : 1, &x);

        if (t != RX_TAKEN)
                return t == RX_DROPPED;
        virtq_copy_mbuf_to_bufs(x.bufs, x.nbufs, vq->hdr_len, (uint16_t)x.nchains, m, vq->guest_ol);
        split_rx_done(vq, &x, need, m->pkt_len);
        return true;
}

uint16_t virtq_split_enqueue(struct virtq_split *vq, struct rte_mbuf *const *pkts, uint16_t count)
{
        uint16_t avail_idx, used_start = vq->last_used_idx, i;

        if (unlikely(vq->broken != NULL))
                return 0;
        uint16_t n = split_avail_count(vq, &avail_idx);

        if (n == 0)
                return 0;
        uint16_t heads[VIRTQ_BURST];

        n = RTE_MIN(n, RTE_MIN(count, (uint16_t)VIRTQ_BURST));
        struct split_heads hs = {heads, vq->last_avail_idx, n};

        split_burst_heads(vq, heads, n, true);
        for (i = 0; i < count; i++) {
                if (i + 1 < count)
                        rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
                if (!split_rx_one(vq, pkts[i], avail_idx, &hs))
                        break;
        }
        if (vq->last_used_idx != used_start)
                split_used_publish(vq);
        return i;
}

bool virtq_split_need_notify(struct virtq_split *vq)
{
        uint16_t new_idx = vq->last_used_idx, old = vq->signalled_used;
        bool valid = vq->signalled_valid;

        if (new_idx == old)
                return false;
        vq->signalled_used = new_idx;
        vq->signalled_valid = true;
        /* used->idx must be visible before we read the guest's suppression
         * state, or each side could wait for the other. */
        rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (!vq->event_idx)
                return !(__atomic_load_n(&vq->avail->flags, __ATOMIC_RELAXED) &
                         VRING_AVAIL_F_NO_INTERRUPT);
        return !valid || vring_need_event(__atomic_load_n(used_event_field(vq), __ATOMIC_RELAXED),
                                          new_idx, old);
}

uint16_t virtq_split_peek(struct virtq_split *vq, struct virtq_chain *ch, uint16_t count,
                          uint32_t min_first, bool *left)
{
        struct virtq_buf bufs[VIRTQ_MAX_BUFS];
        uint16_t heads[VIRTQ_BURST];
        uint16_t avail_idx, avail, n, i;

        *left = false;
        if (unlikely(vq->broken != NULL))
                return 0;
        avail = split_avail_count(vq, &avail_idx);
        n = RTE_MIN(avail, RTE_MIN(count, (uint16_t)VIRTQ_BURST));
        if (n == 0) {
                *left = avail != 0;
                return 0;
        }
        split_burst_heads(vq, heads, n, false);
        for (i = 0; i < n; i++) {
                uint64_t total = 0;
                uint32_t nbufs = 0;
                enum virtq_drop r = split_collect(vq, heads[i], 0, bufs, &nbufs, &total, UINT64_MAX,
                                                  vq->hdr_len + 1u);

                if (virtq_tx_walked(r, total, vq->hdr_len, bufs) != VQ_DROP_NONE ||
                    !virtq_chain_take(&ch[i], bufs, nbufs, total, vq->hdr_len, min_first))
                        break;
                ch[i].id = heads[i];
                ch[i].ndesc = 1;
        }
        *left = i < avail;
        return i;
}

void virtq_split_consume(struct virtq_split *vq, const struct virtq_chain *ch, uint16_t n)
{
        uint64_t bytes = 0;

        if (n == 0)
                return;
        for (uint16_t i = 0; i < n; i++) {
                split_used_put(vq, ch[i].id, 0);
                bytes += ch[i].len;
        }
        vq->last_avail_idx += n;
        split_used_publish(vq);
        vq->stats.packets += n;
        vq->stats.bytes += bytes;
}

uint16_t virtq_split_put(struct virtq_split *vq, const struct virtq_chain *src, uint16_t n,
                         uint16_t src_hdr_len, struct virtq_prefix pre,
                         const volatile uint8_t *src_gone)
{
        uint16_t avail_idx, i, avail;
        uint16_t mark_avail = vq->last_avail_idx, mark_used = vq->last_used_idx;
        struct virtq_stats mark_stats;

        if (unlikely(vq->broken != NULL))
                return 0;
        avail = split_avail_count(vq, &avail_idx);
        if (avail == 0)
                return 0;
        uint16_t heads[VIRTQ_BURST];

        struct split_heads hs = {heads, vq->last_avail_idx,
                                 RTE_MIN(avail, RTE_MIN(n, (uint16_t)VIRTQ_BURST))};

        mark_stats = vq->stats;
        split_burst_heads(vq, heads, hs.n, true);
        for (i = 0; i < n; i++) {
                struct split_rx x;
                uint64_t need = vq->hdr_len + (uint64_t)src[i].len;
                enum rx_take t =
                    split_rx_take(vq, need, avail_idx, &hs, vq->mrg_rxbuf ? VIRTQ_MAX_BUFS : 1, &x);

                if (t == RX_NO_ROOM)
                        break;
                if (t == RX_DROPPED)
                        continue;
                virtq_copy_chain(x.bufs, x.nbufs, vq->hdr_len, (uint16_t)x.nchains, &src[i],
                                 src_hdr_len, pre);
                split_rx_done(vq, &x, need, src[i].len);
        }
        /* The source's memory faulted under the copy: what was written is
         * not its frames. Nothing is handed to the guest. */
        if (unlikely(*src_gone)) {
                vq->last_avail_idx = mark_avail;
                vq->last_used_idx = mark_used;
                vq->nshadow = 0;
                vq->stats = mark_stats;
                return 0;
        }
        return i;
}

void virtq_split_publish(struct virtq_split *vq)
{
        if (vq->last_used_idx != vq->published)
                split_used_publish(vq);
}
