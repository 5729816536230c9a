/* Packed virtqueue engine: chain walking with validation over the one
 * descriptor ring, guest TX to mbufs, mbufs to guest RX, used descriptors,
 * event suppression. */
#include "virtq_packed.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_prefetch.h>

#include "virtq_chain.h"
#include "virtq_copy.h"

#define DESC_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define DESC_F_USED  (1u << VRING_PACKED_DESC_F_USED)
/* Internal to this file: the slot at the cursor is not available. */
#define NOT_AVAIL VQ_DROP_MAX

/* A position in the ring: slot and the wrap counter that goes with it. */
struct cursor {
        uint16_t idx;
        bool wrap;
};

static inline void cursor_advance(const struct virtq_packed *vq, struct cursor *c, uint32_t n)
{
        uint32_t idx = c->idx + n;

        if (idx >= vq->size) {
                idx -= vq->size;
                c->wrap = !c->wrap;
        }
        c->idx = (uint16_t)idx;
}

/* The driver made the slot available in the lap `wrap`. */
static inline bool desc_is_avail(uint16_t flags, bool wrap)
{
        return !!(flags & DESC_F_AVAIL) == wrap && !!(flags & DESC_F_USED) != wrap;
}

static inline bool head_is_avail(const struct virtq_packed *vq, struct cursor c)
{
        return desc_is_avail(__atomic_load_n(&vq->desc[c.idx].flags, __ATOMIC_ACQUIRE), c.wrap);
}

/* Reads a descriptor once: only the copy is validated and used. */
static inline void desc_read(const struct vring_packed_desc *src, struct vring_packed_desc *d)
{
        memcpy(d, src, sizeof(*d));
        rte_compiler_barrier();
}

static int ring_part(struct virtq_packed *vq, const char *what, uint64_t gpa, uint64_t len,
                     void **out, char *err, unsigned errlen)
{
        /* The descriptor ring is 16-byte aligned, the event areas 4-byte. */
        uint64_t align = len > 4 ? 16 : 4;

        if (gpa % align != 0) {
                snprintf(err, errlen, "%s at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned", what,
                         gpa, align);
                return -1;
        }
        *out = gm_translate(vq->gm, gpa, len);
        if (*out == NULL) {
                snprintf(err, errlen,
                         "%s [0x%" PRIx64 ", +0x%" PRIx64 ") is not inside one guest memory region",
                         what, gpa, len);
                return -1;
        }
        return 0;
}

int virtq_packed_init(struct virtq_packed *vq, struct guest_mem *gm,
                      const struct virtq_packed_params *p, char *err, unsigned errlen)
{
        uint64_t n = p->size;
        void *desc, *drv, *dev;

        memset(vq, 0, sizeof(*vq));
        vq->gm = gm;
        if (n == 0 || n > VSW_MAX_VRING_SIZE) {
                snprintf(err, errlen, "ring size %" PRIu64 " is not in 1..%u", n,
                         VSW_MAX_VRING_SIZE);
                return -1;
        }
        if ((p->last_avail_idx & ~VIRTQ_PACKED_WRAP) >= n ||
            (p->last_used_idx & ~VIRTQ_PACKED_WRAP) >= n) {
                snprintf(err, errlen, "ring base avail 0x%x used 0x%x is past ring size %" PRIu64,
                         p->last_avail_idx, p->last_used_idx, n);
                return -1;
        }
        if ((p->hdr_len != 10 && p->hdr_len != 12) || (p->mrg_rxbuf && p->hdr_len != 12)) {
                snprintf(err, errlen, "virtio-net header length %u does not match the features",
                         p->hdr_len);
                return -1;
        }
        if (ring_part(vq, "descriptor ring", p->desc_gpa, 16 * n, &desc, err, errlen) != 0 ||
            ring_part(vq, "driver event area", p->driver_event_gpa, 4, &drv, err, errlen) != 0 ||
            ring_part(vq, "device event area", p->device_event_gpa, 4, &dev, err, errlen) != 0)
                return -1;
        vq->desc = desc;
        vq->driver_event = drv;
        vq->device_event = dev;
        vq->size = (uint32_t)n;
        vq->hdr_len = p->hdr_len;
        vq->host_ol = p->host_ol;
        vq->guest_ol = p->guest_ol;
        vq->mrg_rxbuf = p->mrg_rxbuf;
        vq->event_idx = p->event_idx;
        vq->in_order = p->in_order;
        vq->log = p->log;
        vq->progress = p->progress;
        vq->desc_gpa = p->desc_gpa;
        vq->device_event_gpa = p->device_event_gpa;
        vq->last_avail_idx = p->last_avail_idx & ~VIRTQ_PACKED_WRAP;
        vq->avail_wrap = !!(p->last_avail_idx & VIRTQ_PACKED_WRAP);
        vq->last_used_idx = p->last_used_idx & ~VIRTQ_PACKED_WRAP;
        vq->used_wrap = !!(p->last_used_idx & VIRTQ_PACKED_WRAP);
        vq->signalled_used = vq->last_used_idx;
        vq->signalled_wrap = vq->used_wrap;
        /* The worker busy-polls: kicks would only cost the guest VM exits. */
        __atomic_store_n(&vq->device_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE,
                         __ATOMIC_RELEASE);
        virtq_packed_log_device_event(vq);
        return 0;
}

static inline uint16_t cursor_state(struct cursor c)
{
        return (uint16_t)(c.idx | (c.wrap ? VIRTQ_PACKED_WRAP : 0));
}

static inline uint64_t progress_word(struct cursor before, struct cursor after)
{
        return VIRTQ_PACKED_PROGRESS_ACTIVE | (uint64_t)cursor_state(after) << 16 |
               cursor_state(before);
}

void virtq_packed_resume(struct virtq_packed *vq)
{
        uint64_t p = vq->progress ? __atomic_load_n(vq->progress, __ATOMIC_ACQUIRE) : 0;
        uint16_t before = (uint16_t)p, after = (uint16_t)(p >> 16);
        struct cursor c = {before & ~VIRTQ_PACKED_WRAP, !!(before & VIRTQ_PACKED_WRAP)};
        struct cursor at = {after & ~VIRTQ_PACKED_WRAP, !!(after & VIRTQ_PACKED_WRAP)};

        if (!(p & VIRTQ_PACKED_PROGRESS_ACTIVE) || c.idx >= vq->size || at.idx >= vq->size)
                return;
        /* Before the used descriptor is written its slot holds the chain
         * head we took, available in lap `before`; once written it is used,
         * or already handed out again for the next lap. */
        if (head_is_avail(vq, c))
                at = c;
        vq->last_avail_idx = vq->last_used_idx = vq->signalled_used = at.idx;
        vq->avail_wrap = vq->used_wrap = vq->signalled_wrap = at.wrap;
        /* Said once more with no descriptor pending, so that a second crash
         * before the next one is written resumes here too. */
        __atomic_store_n(vq->progress, progress_word(at, at), __ATOMIC_RELEASE);
}

/* Writes one used descriptor for the chain (buffer id, ndesc slots) at the
 * used position; its flags go last, with release, so the driver sees id
 * and len once it sees the flags. */
static inline void packed_used_write(struct virtq_packed *vq, const struct virtq_packed_used *e)
{
        struct vring_packed_desc *u = &vq->desc[vq->last_used_idx];
        uint16_t flags = vq->used_wrap ? (DESC_F_AVAIL | DESC_F_USED) : 0;
        struct cursor c = {vq->last_used_idx, vq->used_wrap};

        if (e->len != 0)
                flags |= VRING_DESC_F_WRITE;
        if (vq->progress) {
                struct cursor after = c;

                cursor_advance(vq, &after, e->ndesc);
                /* Ordered before the flags by their release store. */
                __atomic_store_n(vq->progress, progress_word(c, after), __ATOMIC_RELAXED);
        }
        u->id = e->id;
        u->len = e->len;
        __atomic_store_n(&u->flags, flags, __ATOMIC_RELEASE);
        if (unlikely(vq->log != NULL))
                dirty_log_write(vq->log, vq->desc_gpa + (uint64_t)vq->last_used_idx * sizeof(*u),
                                sizeof(*u));
        cursor_advance(vq, &c, e->ndesc);
        vq->last_used_idx = c.idx;
        vq->used_wrap = c.wrap;
}

/* The shadow's used descriptors into the ring, in one run of stores. */
static __rte_noinline void packed_used_flush(struct virtq_packed *vq)
{
        for (uint16_t i = 0; i < vq->nshadow; i++)
                packed_used_write(vq, &vq->shadow[i]);
        vq->nshadow = 0;
}

/* With VIRTIO_F_IN_ORDER the chains of a TX burst go back as one used
 * descriptor, with the last chain's buffer id, spanning all their slots:
 * the driver frees every buffer up to that id (virtio 1.1, "In-order use of
 * descriptors"). TX used lengths are all 0, so nothing is lost. */
static inline void packed_used_merge(struct virtq_packed *vq)
{
        uint32_t ndesc = 0;

        for (uint16_t i = 0; i < vq->nshadow; i++)
                ndesc += vq->shadow[i].ndesc;
        vq->shadow[0] =
            (struct virtq_packed_used){vq->shadow[vq->nshadow - 1].id, (uint16_t)ndesc, 0};
        vq->nshadow = 1;
}

/* Used descriptors wait in the shadow until the burst ends: the driver
 * polls the ring's next used slot, whose cache line holds the next ones,
 * so a store per frame would take the line back from it again and again. */
static inline void packed_used_put(struct virtq_packed *vq, uint16_t id, uint32_t len,
                                   uint32_t ndesc)
{
        if (unlikely(vq->nshadow == VIRTQ_PACKED_SHADOW))
                packed_used_flush(vq);
        vq->shadow[vq->nshadow++] = (struct virtq_packed_used){id, (uint16_t)ndesc, len};
}

/* Appends one buffer; the caller checked the direction. */
static inline enum virtq_drop packed_add_buf(struct virtq_packed *vq,
                                             const struct vring_packed_desc *d,
                                             struct virtq_buf *bufs, uint32_t *nbufs,
                                             uint64_t *total, uint64_t *chain_len)
{
        void *p;

        if (d->len == 0)
                return VQ_DROP_NONE;
        if (unlikely(*nbufs == VIRTQ_MAX_BUFS))
                return VQ_DROP_TOO_BIG;
        p = gm_translate(vq->gm, d->addr, d->len);
        if (unlikely(p == NULL))
                return VQ_DROP_BAD_ADDR;
        bufs[*nbufs].addr = p;
        bufs[*nbufs].len = d->len;
        (*nbufs)++;
        *total += d->len;
        *chain_len += d->len;
        return VQ_DROP_NONE;
}

/* An indirect descriptor: every entry of its table is one buffer of the
 * chain, in order (NEXT plays no part in a packed indirect table). */
static __rte_noinline enum virtq_drop packed_indirect(struct virtq_packed *vq,
                                                      const struct vring_packed_desc *ind,
                                                      uint16_t dir, struct virtq_buf *bufs,
                                                      uint32_t *nbufs, uint64_t *total,
                                                      uint64_t need, uint64_t *chain_len)
{
        const struct vring_packed_desc *table;
        uint32_t n, i;

        if (ind->len == 0 || ind->len % sizeof(struct vring_packed_desc) != 0)
                return VQ_DROP_BAD_INDIRECT;
        table = gm_translate(vq->gm, ind->addr, ind->len);
        if (table == NULL)
                return VQ_DROP_BAD_INDIRECT;
        n = ind->len / sizeof(struct vring_packed_desc);
        if (n > vq->size)
                return VQ_DROP_BAD_CHAIN;
        for (i = 0; i < n && *total < need; i++) {
                struct vring_packed_desc d;
                enum virtq_drop r;

                desc_read(&table[i], &d);
                if (d.flags & VRING_DESC_F_INDIRECT)
                        return VQ_DROP_BAD_INDIRECT;
                if ((d.flags & VRING_DESC_F_WRITE) != dir)
                        return VQ_DROP_BAD_DIRECTION;
                r = packed_add_buf(vq, &d, bufs, nbufs, total, chain_len);
                if (r != VQ_DROP_NONE)
                        return r;
        }
        return VQ_DROP_NONE;
}

/* After an error inside a chain: follow its NEXT flags to its end, to
 * learn how many slots it holds and its buffer id (in its last slot). */
static __rte_noinline void packed_chain_end(const struct virtq_packed *vq, uint16_t idx, uint32_t n,
                                            struct vring_packed_desc *d, uint32_t *ndesc)
{
        while ((d->flags & VRING_DESC_F_NEXT) && n < vq->size) {
                if (++idx == vq->size)
                        idx = 0;
                desc_read(&vq->desc[idx], d);
                n++;
        }
        *ndesc = n;
}

/* Walks the chain whose head is at c (available), appending its buffers
 * while *total < need. Always learns the chain's extent (*ndesc slots) and
 * buffer id, so even a malformed chain can be returned. dir is
 * VRING_DESC_F_WRITE for RX, 0 for TX. */
static inline enum virtq_drop packed_collect(struct virtq_packed *vq, struct cursor c, uint16_t dir,
                                             struct virtq_buf *bufs, uint32_t *nbufs,
                                             uint64_t *total, uint64_t need, uint32_t min_len,
                                             uint32_t *ndesc, uint16_t *id)
{
        struct vring_packed_desc d;
        uint64_t chain_len = 0;
        uint16_t idx = c.idx;
        uint32_t n = 0;
        enum virtq_drop r = VQ_DROP_NONE;

        for (;;) {
                desc_read(&vq->desc[idx], &d);
                n++;
                if (unlikely(d.flags & VRING_DESC_F_INDIRECT)) {
                        if (n == 1 && !(d.flags & VRING_DESC_F_NEXT))
                                r = packed_indirect(vq, &d, dir, bufs, nbufs, total, need,
                                                    &chain_len);
                        else
                                r = VQ_DROP_BAD_INDIRECT;
                        break;
                }
                if (*total < need) {
                        if (unlikely((d.flags & VRING_DESC_F_WRITE) != dir)) {
                                r = VQ_DROP_BAD_DIRECTION;
                                break;
                        }
                        r = packed_add_buf(vq, &d, bufs, nbufs, total, &chain_len);
                        if (unlikely(r != VQ_DROP_NONE))
                                break;
                }
                if (!(d.flags & VRING_DESC_F_NEXT))
                        break;
                if (unlikely(n == vq->size)) {
                        r = VQ_DROP_BAD_CHAIN;
                        break;
                }
                if (++idx == vq->size)
                        idx = 0;
        }
        if (unlikely(d.flags & VRING_DESC_F_NEXT)) {
                packed_chain_end(vq, idx, n, &d, ndesc);
                /* NEXT still set a whole ring on: the chain never ends.
                 * That, not its buffer count, is what is wrong with it. */
                if ((d.flags & VRING_DESC_F_NEXT) && (r == VQ_DROP_NONE || r == VQ_DROP_TOO_BIG))
                        r = VQ_DROP_BAD_CHAIN;
        } else {
                *ndesc = n;
        }
        *id = d.id;
        if (r == VQ_DROP_NONE && unlikely(chain_len < min_len && *total < need))
                r = VQ_DROP_BAD_SHORT;
        return r;
}

static __rte_noinline void packed_broken(struct virtq_packed *vq, const char *why)
{
        vq->broken = why;
        vq->stats.ring_errors++;
}

/* One TX chain at *c, if available: its buffers, id and extent; moves *c
 * past it. *slots_left is what the burst may still take: only the head's
 * availability is checked, so chains that claim more slots than the ring
 * holds overlap, and the used position (which moves by their sum, merged
 * with IN_ORDER) would leave the ring. Such a ring stops. */
static inline enum virtq_drop packed_tx_collect(struct virtq_packed *vq, struct cursor *c,
                                                uint32_t *slots_left, struct virtq_buf *bufs,
                                                uint32_t *nbufs, uint16_t *id, uint32_t *ndesc)
{
        uint64_t total = 0;
        enum virtq_drop r;

        if (!head_is_avail(vq, *c))
                return NOT_AVAIL;
        *nbufs = 0;
        r = packed_collect(vq, *c, 0, bufs, nbufs, &total, UINT64_MAX, vq->hdr_len + 1u, ndesc, id);
        if (unlikely(*ndesc > *slots_left)) {
                packed_broken(vq, "TX chains of one burst span more slots than the ring");
                return NOT_AVAIL;
        }
        *slots_left -= *ndesc;
        cursor_advance(vq, c, *ndesc);
        return virtq_tx_walked(r, total, vq->hdr_len, bufs);
}

/* Slots flagged available from the head on, up to max: at least as many
 * as the chains there are, so enough mbufs for the burst. On the way, the
 * transfers the burst will need are started before any is needed: the
 * descriptor lines (the driver wrote them on another core), then the first
 * buffer of each available slot. */
static inline uint16_t packed_avail_slots(struct virtq_packed *vq, uint16_t max, bool for_write)
{
        struct cursor c = {vq->last_avail_idx, vq->avail_wrap};
        const unsigned per_line = RTE_CACHE_LINE_SIZE / sizeof(struct vring_packed_desc);
        uint16_t n = (uint16_t)RTE_MIN((uint32_t)max, vq->size); /* a ring may be smaller */

        for (uint16_t i = 0; i < n; i += per_line) {
                uint32_t idx = c.idx + (uint32_t)i;

                rte_prefetch0(&vq->desc[idx < vq->size ? idx : idx - vq->size]);
        }
        for (uint16_t i = 0; i < max; i++, cursor_advance(vq, &c, 1)) {
                const struct vring_packed_desc *d = &vq->desc[c.idx];
                uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

                if (!desc_is_avail(flags, c.wrap))
                        return i;
                if (likely(!(flags & VRING_DESC_F_INDIRECT)))
                        virtq_prefetch_buf(vq->gm, d->addr, d->len, for_write);
        }
        return max;
}

uint16_t virtq_packed_dequeue(struct virtq_packed *vq, struct rte_mempool *mp,
                              struct rte_mbuf **pkts, uint16_t count)
{
        /* Two chains in flight: the next one is walked (and its data
         * prefetched) before the current one is copied. */
        struct virtq_buf bufs[2][VIRTQ_MAX_BUFS];
        uint32_t nbufs[2], ndesc[2];
        uint16_t ids[2];
        enum virtq_drop res[2];
        struct cursor c = {vq->last_avail_idx, vq->avail_wrap};
        uint32_t slots_left = vq->size;
        uint16_t n, i, out = 0;
        uint64_t bytes = 0;

        if (unlikely(vq->broken != NULL))
                return 0;
        if (!head_is_avail(vq, c))
                return 0;
        n = packed_avail_slots(vq, RTE_MIN(count, (uint16_t)VIRTQ_BURST), false);
        if (n == 0)
                return 0; /* the driver took the slot back meanwhile */
        if (unlikely(rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)) {
                vq->stats.no_mbuf_bursts++;
                return 0;
        }
        res[0] = packed_tx_collect(vq, &c, &slots_left, bufs[0], &nbufs[0], &ids[0], &ndesc[0]);
        for (i = 0; i < n && res[i & 1] != NOT_AVAIL; i++) {
                unsigned cur = i & 1;
                enum virtq_drop r;

                if (i + 1 < n) {
                        res[!cur] = packed_tx_collect(vq, &c, &slots_left, bufs[!cur], &nbufs[!cur],
                                                      &ids[!cur], &ndesc[!cur]);
                        rte_prefetch0(rte_pktmbuf_mtod(pkts[out + 1], void *));
                }
                r = res[cur];
                if (likely(r == VQ_DROP_NONE))
                        r = virtq_tx_frame(bufs[cur], nbufs[cur], vq->hdr_len, pkts[out], mp,
                                           vq->host_ol, &vq->stats);
                packed_used_put(vq, ids[cur], 0, ndesc[cur]);
                virtq_tx_account(&vq->stats, r, pkts, &out, &bytes);
        }
        vq->last_avail_idx = c.idx;
        vq->avail_wrap = c.wrap;
        if (out < n)
                rte_pktmbuf_free_bulk(&pkts[out], n - out);
        if (vq->in_order && vq->nshadow > 1)
                packed_used_merge(vq);
        packed_used_flush(vq);
        vq->stats.packets += out;
        vq->stats.bytes += bytes;
        return out;
}

/* RX chains taken for one frame when one is malformed: all are returned
 * empty and the frame dropped; when the frame is too big, they go back to
 * the guest untouched. */
static __rte_noinline void packed_rx_drop(struct virtq_packed *vq, const uint16_t *ids,
                                          const uint32_t *ndescs, uint32_t nchains,
                                          struct cursor after, enum virtq_drop r)
{
        uint32_t k;

        vq->stats.drops[r]++;
        if (r == VQ_DROP_TOO_BIG)
                return;
        for (k = 0; k < nchains; k++)
                packed_used_put(vq, ids[k], 0, ndescs[k]);
        vq->last_avail_idx = after.idx;
        vq->avail_wrap = after.wrap;
}

/* The RX chains one frame takes. */
struct packed_rx {
        struct virtq_buf bufs[VIRTQ_MAX_BUFS];
        uint16_t ids[VIRTQ_MAX_BUFS];
        uint32_t lens[VIRTQ_MAX_BUFS], ndescs[VIRTQ_MAX_BUFS];
        uint32_t nbufs, nchains;
        struct cursor after; /* the avail position past them */
};

enum rx_take { RX_NO_ROOM, RX_DROPPED, RX_TAKEN };

/* Takes RX chains for need bytes (header included). RX_NO_ROOM: not
 * enough buffers available (nothing consumed); RX_DROPPED: malformed or
 * too big (returned and counted); RX_TAKEN: x holds the buffers, the
 * caller writes them and then packed_rx_done. */
static inline enum rx_take packed_rx_take(struct virtq_packed *vq, uint64_t need,
                                          struct packed_rx *x)
{
        uint64_t total = 0;
        struct cursor c = {vq->last_avail_idx, vq->avail_wrap};

        x->nbufs = 0;
        x->nchains = 0;
        do {
                uint64_t before = total;
                enum virtq_drop r;
                uint32_t k = x->nchains;

                if (unlikely((k == 1 && !vq->mrg_rxbuf) || k == VIRTQ_MAX_BUFS)) {
                        packed_rx_drop(vq, x->ids, x->ndescs, k, c, VQ_DROP_TOO_BIG);
                        return RX_DROPPED;
                }
                if (!head_is_avail(vq, c))
                        return RX_NO_ROOM;
                r = packed_collect(vq, c, VRING_DESC_F_WRITE, x->bufs, &x->nbufs, &total, need,
                                   vq->hdr_len, &x->ndescs[k], &x->ids[k]);
                cursor_advance(vq, &c, x->ndescs[k]);
                x->lens[k] = (uint32_t)(total - before);
                x->nchains++;
                if (unlikely(r != VQ_DROP_NONE)) {
                        packed_rx_drop(vq, x->ids, x->ndescs, x->nchains, c, r);
                        return RX_DROPPED;
                }
        } while (total < need);
        x->after = c;
        return RX_TAKEN;
}

/* The frame (len bytes, need with the header) is in x's buffers: marks
 * them dirty when logging, puts the used descriptors, counts the frame. */
static inline void packed_rx_done(struct virtq_packed *vq, const struct packed_rx *x, uint64_t need,
                                  uint32_t len)
{
        if (unlikely(vq->log != NULL))
                virtq_log_bufs(vq->gm, vq->log, x->bufs, x->nbufs, need);
        for (uint32_t k = 0; k < x->nchains; k++)
                packed_used_put(vq, x->ids[k], virtq_rx_used_len(x->lens[k], &need), x->ndescs[k]);
        vq->last_avail_idx = x->after.idx;
        vq->avail_wrap = x->after.wrap;
        vq->stats.packets++;
        vq->stats.bytes += len;
}

/* One frame into the guest. Returns false when the guest has not made
 * enough buffers available (nothing consumed), true when the frame was
 * copied or dropped. */
static inline bool packed_rx_one(struct virtq_packed *vq, const struct rte_mbuf *m)
{
        struct packed_rx x;
        uint64_t need = vq->hdr_len + (uint64_t)m->pkt_len;
        enum rx_take t = packed_rx_take(vq, need, &x);

        if (t != RX_TAKEN)
                return t == RX_DROPPED;
        virtq_copy_mbuf_to_bufs(x.bufs, x.nbufs, vq->hdr_len, (uint16_t)x.nchains, m, vq->guest_ol);
        packed_rx_done(vq, &x, need, m->pkt_len);
        return true;
}

uint16_t virtq_packed_enqueue(struct virtq_packed *vq, struct rte_mbuf *const *pkts, uint16_t count)
{
        uint16_t i;

        if (unlikely(vq->broken != NULL))
                return 0;
        /* For its prefetches: each frame's walk finds where the slots end. */
        packed_avail_slots(vq, RTE_MIN(count, (uint16_t)VIRTQ_BURST), true);
        for (i = 0; i < count; i++) {
                if (i + 1 < count)
                        rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
                if (!packed_rx_one(vq, pkts[i]))
                        break;
        }
        packed_used_flush(vq);
        return i;
}

bool virtq_packed_need_notify(struct virtq_packed *vq)
{
        uint16_t new_idx = vq->last_used_idx, old = vq->signalled_used, flags, off_wrap, off;
        bool valid = vq->signalled_valid;

        if (new_idx == old && vq->used_wrap == vq->signalled_wrap)
                return false;
        vq->signalled_used = new_idx;
        vq->signalled_wrap = vq->used_wrap;
        vq->signalled_valid = true;
        /* The used descriptors must be visible before we read the guest's
         * suppression state, or each side could wait for the other. */
        rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
        flags = __atomic_load_n(&vq->driver_event->flags, __ATOMIC_RELAXED);
        if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
                return false;
        if (flags != VRING_PACKED_EVENT_FLAG_DESC || !vq->event_idx || !valid)
                return true;
        /* Put old, new and the event on one line (old may be a lap behind
         * new, the event a lap behind if its wrap counter is not ours), then
         * ask whether the event lies in (old, new]. */
        off_wrap = __atomic_load_n(&vq->driver_event->off_wrap, __ATOMIC_RELAXED);
        off = off_wrap & ~VIRTQ_PACKED_WRAP;
        if (new_idx <= old)
                old = (uint16_t)(old - vq->size);
        if (!!(off_wrap & VIRTQ_PACKED_WRAP) != vq->used_wrap)
                off = (uint16_t)(off - vq->size);
        return vring_need_event(off, new_idx, old);
}

uint16_t virtq_packed_peek(struct virtq_packed *vq, struct virtq_chain *ch, uint16_t count,
                           uint32_t min_first, bool *left)
{
        struct virtq_buf bufs[VIRTQ_MAX_BUFS];
        struct cursor c = {vq->last_avail_idx, vq->avail_wrap};
        uint32_t slots_left = vq->size;
        uint16_t n, i;

        *left = false;
        if (unlikely(vq->broken != NULL) || !head_is_avail(vq, c))
                return 0;
        n = packed_avail_slots(vq, RTE_MIN(count, (uint16_t)VIRTQ_BURST), false);
        for (i = 0; i < n; i++) {
                uint32_t nbufs, ndesc;
                uint16_t id;
                struct cursor at = c;
                enum virtq_drop r =
                    packed_tx_collect(vq, &c, &slots_left, bufs, &nbufs, &id, &ndesc);
                uint64_t total = 0;

                if (r == VQ_DROP_NONE)
                        for (uint32_t k = 0; k < nbufs; k++)
                                total += bufs[k].len;
                if (r != VQ_DROP_NONE ||
                    !virtq_chain_take(&ch[i], bufs, nbufs, total, vq->hdr_len, min_first)) {
                        c = at;
                        break;
                }
                ch[i].id = id;
                ch[i].ndesc = (uint16_t)ndesc;
        }
        /* The head past what was returned: one descriptor's flags. */
        *left = head_is_avail(vq, c);
        return i;
}

void virtq_packed_consume(struct virtq_packed *vq, const struct virtq_chain *ch, uint16_t n)
{
        struct cursor c = {vq->last_avail_idx, vq->avail_wrap};
        uint64_t bytes = 0;

        if (n == 0)
                return;
        for (uint16_t i = 0; i < n; i++) {
                packed_used_put(vq, ch[i].id, 0, ch[i].ndesc);
                cursor_advance(vq, &c, ch[i].ndesc);
                bytes += ch[i].len;
        }
        vq->last_avail_idx = c.idx;
        vq->avail_wrap = c.wrap;
        if (vq->in_order && vq->nshadow > 1)
                packed_used_merge(vq);
        packed_used_flush(vq);
        vq->stats.packets += n;
        vq->stats.bytes += bytes;
}

uint16_t virtq_packed_put(struct virtq_packed *vq, const struct virtq_chain *src, uint16_t n,
                          uint16_t src_hdr_len, struct virtq_prefix pre,
                          const volatile uint8_t *src_gone)
{
        struct cursor mark = {vq->last_avail_idx, vq->avail_wrap};
        struct virtq_stats mark_stats;
        uint16_t i;

        if (unlikely(vq->broken != NULL) || !head_is_avail(vq, mark))
                return 0;
        mark_stats = vq->stats;
        packed_avail_slots(vq, RTE_MIN(n, (uint16_t)VIRTQ_BURST), true);
        for (i = 0; i < n; i++) {
                struct packed_rx x;
                uint64_t need = vq->hdr_len + (uint64_t)src[i].len;
                enum rx_take t = packed_rx_take(vq, need, &x);

                if (t == RX_NO_ROOM)
                        break;
                if (t == RX_DROPPED)
                        continue;
                virtq_copy_chain(x.bufs, x.nbufs, vq->hdr_len, (uint16_t)x.nchains, &src[i],
                                 src_hdr_len, pre);
                packed_rx_done(vq, &x, need, src[i].len);
        }
        /* The source's memory faulted under the copy: nothing is handed
         * over (what a full shadow flushed already is the source's own,
         * now zeroed, memory). */
        if (unlikely(*src_gone)) {
                vq->nshadow = 0;
                vq->last_avail_idx = mark.idx;
                vq->avail_wrap = mark.wrap;
                vq->stats = mark_stats;
                return 0;
        }
        return i;
}

void virtq_packed_publish(struct virtq_packed *vq)
{
        packed_used_flush(vq);
}
