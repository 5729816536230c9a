/* Packed virtqueue engine against a fake guest: a test driver lays out the
 * descriptor ring with AVAIL/USED bits and wrap counters the way a virtio
 * 1.1 driver does, then checks the bytes, the used descriptors and the
 * counters. With --bench: Mpps of dequeue+enqueue between two fake guests. */
#include "test_ring_common.h"
#include "virtq_arm.h"
#include "virtq_packed.h"

#define F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED  (1u << VRING_PACKED_DESC_F_USED)
#define MAX_IDS 1024

static struct rte_mempool *pool;
static struct dirty_log *t_log; /* rings set up by pdrv_init log here */

struct pdrv {
        struct fake_guest *g;
        uint32_t size;
        struct vring_packed_desc *desc;
        struct vring_packed_desc_event *drv_ev; /* ours, as the driver */
        struct vring_packed_desc_event *dev_ev; /* the engine's */
        uint16_t avail_idx, used_idx;
        bool avail_wrap, used_wrap;
        uint16_t next_id;
        uint32_t ring_slots[MAX_IDS]; /* by buffer id */
        uint32_t nbufs[MAX_IDS];
        struct dspec bufs[MAX_IDS][16];
        struct virtq_packed vq;
};

static int pdrv_init(struct pdrv *d, struct fake_guest *g, uint64_t base, uint32_t size,
                     uint16_t hdr_len, bool mrg, bool event_idx)
{
        struct virtq_packed_params p = {
            .size = size,
            .desc_gpa = base,
            .driver_event_gpa = base + 16 * size,
            .device_event_gpa = base + 16 * size + 4,
            .last_avail_idx = VIRTQ_PACKED_WRAP,
            .last_used_idx = VIRTQ_PACKED_WRAP,
            .hdr_len = hdr_len,
            .mrg_rxbuf = mrg,
            .event_idx = event_idx,
            .log = t_log,
        };
        char err[256];
        int rc;

        memset(d, 0, sizeof(*d));
        d->g = g;
        d->size = size;
        d->avail_wrap = d->used_wrap = true;
        memset(fg_ptr(g, base), 0, 16 * size + 8);
        d->desc = fg_ptr(g, p.desc_gpa);
        d->drv_ev = fg_ptr(g, p.driver_event_gpa);
        d->dev_ev = fg_ptr(g, p.device_event_gpa);
        rc = virtq_packed_init(&d->vq, &g->gm, &p, err, sizeof(err));
        if (rc != 0)
                printf("virtq_packed_init: %s\n", err);
        return rc;
}

/* Makes a chain available: ring slots written in order, the head's flags
 * last. With indirect, one slot pointing at a table in region 2. With
 * next_on_last, the last slot claims a successor (malformed). Returns the
 * buffer id. */
static uint16_t pdrv_post(struct pdrv *d, const struct dspec *s, unsigned n, bool indirect,
                          bool next_on_last)
{
        uint16_t id = d->next_id++ % MAX_IDS, head_flags = 0;
        struct vring_packed_desc one;
        unsigned k, slots = indirect ? 1 : n;
        uint16_t idx = d->avail_idx;
        bool wrap = d->avail_wrap;

        memcpy(d->bufs[id], s, n * sizeof(*s));
        d->nbufs[id] = n;
        d->ring_slots[id] = slots;
        if (indirect) {
                uint64_t tgpa = fg_high(d->g, 16 * n);
                struct vring_packed_desc *t = fg_ptr(d->g, tgpa);

                for (k = 0; k < n; k++)
                        t[k] = (struct vring_packed_desc){s[k].gpa, s[k].len, 0, s[k].flags};
                one = (struct vring_packed_desc){tgpa, 16 * n, 0, VRING_DESC_F_INDIRECT};
                s = NULL;
        }
        for (k = 0; k < slots; k++) {
                struct vring_packed_desc *x = &d->desc[idx];
                uint16_t flags = indirect ? one.flags : s[k].flags;

                if (k + 1 < slots || next_on_last)
                        flags |= VRING_DESC_F_NEXT;
                flags |= wrap ? F_AVAIL : F_USED;
                x->addr = indirect ? one.addr : s[k].gpa;
                x->len = indirect ? one.len : s[k].len;
                x->id = id;
                if (k == 0)
                        head_flags = flags;
                else
                        x->flags = flags;
                if (++idx == d->size) {
                        idx = 0;
                        wrap = !wrap;
                }
        }
        __atomic_store_n(&d->desc[d->avail_idx].flags, head_flags, __ATOMIC_RELEASE);
        d->avail_idx = idx;
        d->avail_wrap = wrap;
        return id;
}

/* The next used descriptor, if the engine wrote one. */
static bool pdrv_used(struct pdrv *d, uint16_t *id, uint32_t *len)
{
        uint16_t flags = __atomic_load_n(&d->desc[d->used_idx].flags, __ATOMIC_ACQUIRE);

        if (!!(flags & F_AVAIL) != d->used_wrap || !!(flags & F_USED) != d->used_wrap)
                return false;
        *id = d->desc[d->used_idx].id;
        *len = d->desc[d->used_idx].len;
        if (*id >= MAX_IDS)
                return false;
        d->used_idx += d->ring_slots[*id];
        if (d->used_idx >= d->size) {
                d->used_idx -= d->size;
                d->used_wrap = !d->used_wrap;
        }
        return true;
}

/* Guest TX frame (tx_frame_specs), made available. Returns the buffer id. */
static uint16_t tx_post(struct pdrv *d, uint32_t len, uint32_t seed, const uint32_t *cuts,
                        unsigned ncuts, bool indirect)
{
        struct dspec s[16];
        unsigned n = tx_frame_specs(d->g, d->vq.hdr_len, len, seed, cuts, ncuts, s);

        return pdrv_post(d, s, n, indirect, false);
}

static void tx_expect(struct pdrv *d, uint16_t want_id, uint32_t len, uint32_t seed,
                      const char *what)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint16_t n = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST), id = 0xffff;
        uint32_t ulen = 1;

        expect_one_frame(pkts, n, len, seed, what);
        CHECK(pdrv_used(d, &id, &ulen) && id == want_id && ulen == 0,
              "%s: used id %u len %u, want id %u", what, id, ulen, want_id);
        CHECK(d->used_idx == d->avail_idx && d->used_wrap == d->avail_wrap,
              "%s: driver used %u/%d avail %u/%d", what, d->used_idx, d->used_wrap, d->avail_idx,
              d->avail_wrap);
        rte_pktmbuf_free_bulk(pkts, n);
}

static void test_init_checks(void)
{
        struct fake_guest g;
        struct virtq_packed vq;
        struct virtq_packed_params p = {.size = 300,
                                        .desc_gpa = 0x1000,
                                        .driver_event_gpa = 0x8000,
                                        .device_event_gpa = 0x8004,
                                        .hdr_len = 12};
        struct virtq_packed_params bad;
        char err[256];

        fg_init(&g);
        CHECK(virtq_packed_init(&vq, &g.gm, &p, err, sizeof(err)) == 0,
              "size 300 is fine for packed: %s", err);
        bad = p;
        bad.size = 40000;
        CHECK(virtq_packed_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "size 40000");
        bad = p;
        bad.last_avail_idx = 300;
        CHECK(virtq_packed_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "base past the ring");
        bad = p;
        bad.driver_event_gpa = 0x8002;
        CHECK(virtq_packed_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0 && strstr(err, "aligned"),
              "unaligned event area: %s", err);
        bad = p;
        bad.desc_gpa = 0x100000 - 0x100;
        CHECK(virtq_packed_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "ring past region");
        fg_fini(&g);
}

static void test_tx(void)
{
        static const uint32_t hdr_apart[] = {12, 300};
        static const uint32_t scattered[] = {5, 7, 0, 100, 1, 899};
        static const uint32_t big[] = {12, 3000};
        static const uint32_t three[] = {12, 20};
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        uint16_t id;
        unsigned i, ok = 0;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 64, 12, true, false) != 0)
                return;
        CHECK(d->dev_ev->flags == VRING_PACKED_EVENT_FLAG_DISABLE, "guest told not to kick");
        id = tx_post(d, 60, 1, NULL, 0, false);
        tx_expect(d, id, 60, 1, "single descriptor");
        id = tx_post(d, 1000, 2, hdr_apart, 2, false);
        tx_expect(d, id, 1000, 2, "header apart");
        id = tx_post(d, 1500, 3, scattered, 6, false);
        tx_expect(d, id, 1500, 3, "scattered, header split, zero-length descriptor");
        id = tx_post(d, 1500, 4, scattered, 6, true);
        tx_expect(d, id, 1500, 4, "indirect");
        id = tx_post(d, 9000, 5, big, 2, false);
        tx_expect(d, id, 9000, 5, "jumbo into chained mbufs");
        /* Chains of three slots through many laps of a 64-slot ring, so
         * chains straddle the end of the ring and both wrap counters turn. */
        for (i = 0; i < 300; i++) {
                unsigned k, n = 1 + i % 5;
                uint16_t got;

                for (k = 0; k < n; k++)
                        tx_post(d, 100 + k, i * 8 + k, three, 2, false);
                got = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
                for (k = 0; k < got; k++) {
                        uint16_t uid;
                        uint32_t ulen;

                        ok +=
                            frame_matches(pkts[k], 100 + k, i * 8 + k) && pdrv_used(d, &uid, &ulen);
                }
                rte_pktmbuf_free_bulk(pkts, got);
                if (got != n)
                        break;
        }
        CHECK(i == 300 && ok == 900, "laps: %u rounds, %u frames intact", i, ok);
        CHECK(d->used_idx == d->avail_idx && d->used_wrap == d->avail_wrap &&
                  virtq_packed_avail_state(&d->vq) ==
                      (d->avail_idx | (d->avail_wrap ? VIRTQ_PACKED_WRAP : 0)),
              "positions agree after laps");
        /* More than a burst waiting. */
        for (i = 0; i < 40; i++)
                tx_post(d, 64, 500 + i, NULL, 0, false);
        ok = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
        rte_pktmbuf_free_bulk(pkts, ok);
        i = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
        rte_pktmbuf_free_bulk(pkts, i);
        CHECK(ok == 32 && i == 8, "bursts of 32 then 8: %u, %u", ok, i);
        CHECK(virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST) == 0, "empty ring");
        fg_fini(&g);
        free(d);
}

/* VIRTIO_F_IN_ORDER: a TX burst comes back as one used descriptor with the
 * last chain's id, and the driver skips every slot of the burst; through
 * many laps of the ring, chains of one to three slots straddling its end. */
static void test_tx_in_order(void)
{
        static const uint32_t three[] = {12, 20};
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        unsigned i, ok = 0;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 64, 12, true, false) != 0)
                return;
        d->vq.in_order = true;
        for (i = 0; i < 200; i++) {
                unsigned k, n = 1 + i % 7, slots = 0;
                uint16_t got, last = 0, uid = 0xffff, extra;
                uint32_t ulen = 1;

                for (k = 0; k < n; k++) {
                        last = tx_post(d, 100 + k, i * 8 + k, k % 2 ? three : NULL, k % 2 ? 2 : 0,
                                       false);
                        slots += d->ring_slots[last];
                }
                got = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
                for (k = 0; k < got; k++)
                        ok += frame_matches(pkts[k], 100 + k, i * 8 + k);
                rte_pktmbuf_free_bulk(pkts, got);
                /* pdrv_used skips the last chain's slots; the driver skips
                 * the burst's. */
                if (got != n || !pdrv_used(d, &uid, &ulen) || uid != last || ulen != 0)
                        break;
                d->used_idx = (uint16_t)(d->used_idx + slots - d->ring_slots[last]);
                if (d->used_idx >= d->size) {
                        d->used_idx -= d->size;
                        d->used_wrap = !d->used_wrap;
                }
                if (d->used_idx != d->avail_idx || d->used_wrap != d->avail_wrap ||
                    pdrv_used(d, &extra, &ulen))
                        break;
        }
        CHECK(i == 200 && ok == 794, "in order: %u bursts, %u frames intact, one used each", i, ok);
        fg_fini(&g);
        free(d);
}

/* A ring of 3 slots, smaller than a burst and not a power of 2: TX chains
 * through many laps, one or two at a time. */
static void test_tiny_ring(void)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        unsigned i, ok = 0;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 3, 12, true, false) != 0)
                return;
        for (i = 0; i < 100; i++) {
                unsigned k, n = 1 + i % 2;
                uint16_t got, uid;
                uint32_t ulen;

                for (k = 0; k < n; k++)
                        tx_post(d, 64, i * 2 + k, NULL, 0, false);
                got = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
                for (k = 0; k < got; k++)
                        ok += frame_matches(pkts[k], 64, i * 2 + k) && pdrv_used(d, &uid, &ulen);
                rte_pktmbuf_free_bulk(pkts, got);
                if (got != n)
                        break;
        }
        CHECK(i == 100 && ok == 150, "3-slot ring: %u rounds, %u frames", i, ok);
        fg_fini(&g);
        free(d);
}

static void rx_post(struct pdrv *d, unsigned nchains, unsigned ndesc, uint32_t len)
{
        unsigned c;

        for (c = 0; c < nchains; c++) {
                struct dspec s[16];

                rx_chain_specs(d->g, ndesc, len, s);
                pdrv_post(d, s, ndesc, false, false);
        }
}

/* The next frame the guest would read: nbufs used buffers gathered, header
 * checked (zero, num_buffers), payload compared. */
static void rx_expect(struct pdrv *d, uint32_t len, uint32_t seed, uint16_t nbufs, const char *what)
{
        uint8_t bytes[20000];
        uint32_t got = 0, ulen;
        uint16_t b, id;

        for (b = 0; b < nbufs && pdrv_used(d, &id, &ulen); b++) {
                uint32_t k, left = ulen;

                for (k = 0; k < d->nbufs[id] && left > 0; k++) {
                        uint32_t l = RTE_MIN(left, d->bufs[id][k].len);

                        memcpy(bytes + got, fg_ptr(d->g, d->bufs[id][k].gpa), l);
                        got += l;
                        left -= l;
                }
        }
        CHECK(b == nbufs, "%s: %u of %u used buffers", what, b, nbufs);
        rx_check_bytes(bytes, got, d->vq.hdr_len, len, seed, nbufs, what);
}

static void test_rx(void)
{
        struct rte_mbuf *m[4];
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        unsigned i;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 64, 10, false, false) != 0)
                return;
        rx_post(d, 2, 1, 1600);
        rx_post(d, 1, 2, 800);
        m[0] = make_frame(pool, 100, 2048, 1);
        m[1] = make_frame(pool, 1514, 500, 2);
        m[2] = make_frame(pool, 1514, 2048, 3);
        CHECK(virtq_packed_enqueue(&d->vq, m, 3) == 3, "three frames");
        rx_expect(d, 100, 1, 1, "small");
        rx_expect(d, 1514, 2, 1, "segmented mbuf");
        rx_expect(d, 1514, 3, 1, "two-descriptor chain");
        CHECK(virtq_packed_enqueue(&d->vq, m, 1) == 0, "no buffers left");
        rx_post(d, 1, 1, 1000);
        rte_pktmbuf_free(m[2]);
        m[2] = make_frame(pool, 1500, 2048, 4);
        m[3] = make_frame(pool, 200, 2048, 5);
        CHECK(virtq_packed_enqueue(&d->vq, &m[2], 2) == 2, "too big consumed, small copied");
        CHECK(d->vq.stats.drops[VQ_DROP_TOO_BIG] == 1, "too big counted");
        rx_expect(d, 200, 5, 1, "after a too big frame");
        rte_pktmbuf_free_bulk(m, 4);

        if (pdrv_init(d, &g, 0x1000, 64, 12, true, false) != 0)
                return;
        rx_post(d, 2, 1, 1024);
        m[0] = make_frame(pool, 3000, 2048, 7);
        CHECK(virtq_packed_enqueue(&d->vq, m, 1) == 0, "not enough chains: nothing taken");
        rx_post(d, 2, 1, 1024);
        m[1] = make_frame(pool, 60, 2048, 8);
        CHECK(virtq_packed_enqueue(&d->vq, m, 2) == 2, "merged frame and a small one");
        rx_expect(d, 3000, 7, 3, "merged over 3 chains");
        rx_expect(d, 60, 8, 1, "small after merged");
        /* Laps: RX chains wrap around the 64-slot ring. */
        for (i = 0; i < 200; i++) {
                rx_post(d, 3, 1, 1024);
                if (virtq_packed_enqueue(&d->vq, m, 1) != 1)
                        break;
                rx_expect(d, 3000, 7, 3, "lap");
                if (t_failed)
                        break;
        }
        CHECK(i == 200, "rx laps %u", i);
        rte_pktmbuf_free_bulk(m, 2);
        fg_fini(&g);
        free(d);
}

static void test_notify(void)
{
        struct rte_mbuf *m = make_frame(pool, 60, 2048, 1);
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        uint16_t id;
        uint32_t len;
        unsigned i;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 16, 12, true, true) != 0)
                return;
        CHECK(!virtq_packed_need_notify(&d->vq), "nothing used yet");
        rx_post(d, 16, 1, 256);
        d->drv_ev->flags = VRING_PACKED_EVENT_FLAG_ENABLE;
        virtq_packed_enqueue(&d->vq, &m, 1);
        CHECK(virtq_packed_need_notify(&d->vq), "enabled");
        CHECK(!virtq_packed_need_notify(&d->vq), "nothing new");
        d->drv_ev->flags = VRING_PACKED_EVENT_FLAG_DISABLE;
        virtq_packed_enqueue(&d->vq, &m, 1);
        CHECK(!virtq_packed_need_notify(&d->vq), "disabled");
        /* Descriptor mode: notify when the used position passes off_wrap. */
        d->drv_ev->flags = VRING_PACKED_EVENT_FLAG_DESC;
        d->drv_ev->off_wrap = 4 | VIRTQ_PACKED_WRAP;
        virtq_packed_enqueue(&d->vq, &m, 1); /* used 2 -> 3 */
        CHECK(!virtq_packed_need_notify(&d->vq), "event not reached");
        virtq_packed_enqueue(&d->vq, &m, 1);
        virtq_packed_enqueue(&d->vq, &m, 1); /* 3 -> 5, passes slot 4 */
        CHECK(virtq_packed_need_notify(&d->vq), "event passed");
        /* Next lap's event: slot 1 with the wrap counter turned. */
        d->drv_ev->off_wrap = 1;
        for (i = 0; i < 11; i++)
                virtq_packed_enqueue(&d->vq, &m, 1); /* 5 -> 16 = slot 0, new lap */
        CHECK(!virtq_packed_need_notify(&d->vq), "next lap's event not reached");
        while (pdrv_used(d, &id, &len))
                ;
        rx_post(d, 4, 1, 256);
        virtq_packed_enqueue(&d->vq, &m, 1);
        virtq_packed_enqueue(&d->vq, &m, 1); /* slot 0 -> 2 of the new lap */
        CHECK(virtq_packed_need_notify(&d->vq), "next lap's event passed");
        rte_pktmbuf_free(m);
        fg_fini(&g);
        free(d);
}

/* A malformed TX chain, then a good frame: the bad one comes back as used
 * with len 0 and is counted, the good one passes, positions agree. */
/* rx-mode: arming our device event area (ENABLE, or with EVENT_IDX the
 * next slot and wrap counter) answers whether a chain already waits;
 * disarming writes DISABLE again. */
static void test_arm(void)
{
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        uint16_t id;

        fg_init(&g);
        if (!d || pdrv_init(d, &g, 0x1000, 16, 12, true, false) != 0)
                return;
        CHECK(d->dev_ev->flags == VRING_PACKED_EVENT_FLAG_DISABLE, "kicks suppressed at init");
        CHECK(!virtq_packed_arm(&d->vq), "empty ring: nothing waiting");
        CHECK(d->dev_ev->flags == VRING_PACKED_EVENT_FLAG_ENABLE, "armed: ENABLE");
        id = tx_post(d, 60, 1, NULL, 0, false);
        CHECK(virtq_packed_arm(&d->vq), "a chain made available: work waiting");
        virtq_packed_disarm(&d->vq);
        CHECK(d->dev_ev->flags == VRING_PACKED_EVENT_FLAG_DISABLE, "disarmed: DISABLE");
        tx_expect(d, id, 60, 1, "after arming");
        CHECK(!virtq_packed_arm(&d->vq), "drained: nothing waiting");

        if (pdrv_init(d, &g, 0x1000, 16, 12, true, true) != 0)
                return;
        /* Round the ring once so that the wrap counter matters. */
        for (unsigned i = 0; i < 17; i++)
                tx_expect(d, tx_post(d, 60, i, NULL, 0, false), 60, i, "lap");
        CHECK(!virtq_packed_arm(&d->vq), "EVENT_IDX: nothing waiting");
        CHECK(d->dev_ev->flags == VRING_PACKED_EVENT_FLAG_DESC &&
                  d->dev_ev->off_wrap == (uint16_t)(d->avail_idx | (d->avail_wrap ? 1u << 15 : 0)),
              "EVENT_IDX: descriptor event at the next slot, 0x%x", d->dev_ev->off_wrap);
        id = tx_post(d, 60, 99, NULL, 0, false);
        CHECK(virtq_packed_arm(&d->vq), "EVENT_IDX: a chain waiting");
        virtq_packed_disarm(&d->vq);
        tx_expect(d, id, 60, 99, "EVENT_IDX after arming");
        free(d);
        fg_fini(&g);
}

static void tx_bad(struct pdrv *d, uint16_t bad_id, enum virtq_drop reason, const char *what)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint64_t before = d->vq.stats.drops[reason];
        uint16_t n, id = 0xffff;
        uint32_t len = 1;

        tx_post(d, 70, 77, NULL, 0, false);
        n = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
        CHECK(n == 1 && frame_matches(pkts[0], 70, 77), "%s: good frame after bad (%u)", what, n);
        rte_pktmbuf_free_bulk(pkts, n);
        CHECK(d->vq.stats.drops[reason] == before + 1, "%s: not counted as %s", what,
              virtq_drop_name(reason));
        CHECK(pdrv_used(d, &id, &len) && id == bad_id && len == 0,
              "%s: bad chain not returned empty (id %u len %u)", what, id, len);
        CHECK(pdrv_used(d, &id, &len), "%s: good chain used", what);
        CHECK(d->used_idx == d->avail_idx && d->used_wrap == d->avail_wrap, "%s: positions differ",
              what);
}

static void test_tx_malformed(void)
{
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        uint64_t buf;
        uint16_t id;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 64, 12, true, false) != 0)
                return;
        buf = fg_buf(&g, 100);
        {
                struct dspec s[] = {{buf, 12, 0}, {0x80000000, 100, 0}, {buf, 10, 0}};
                tx_bad(d, pdrv_post(d, s, 3, false, false), VQ_DROP_BAD_ADDR,
                       "address outside memory mid-chain");
        }
        {
                struct dspec s[] = {{UINT64_MAX - 10, 100, 0}};
                tx_bad(d, pdrv_post(d, s, 1, false, false), VQ_DROP_BAD_ADDR, "wraps");
        }
        {
                struct dspec s[] = {{buf, 100, VRING_DESC_F_WRITE}};
                tx_bad(d, pdrv_post(d, s, 1, false, false), VQ_DROP_BAD_DIRECTION,
                       "write-only in TX");
        }
        {
                struct dspec s[] = {{buf, 12, 0}};
                tx_bad(d, pdrv_post(d, s, 1, false, false), VQ_DROP_BAD_SHORT, "header only");
        }
        {
                struct dspec s[] = {{buf, 100, 0}};
                uint16_t slot = d->avail_idx;

                id = pdrv_post(d, s, 1, true, false);
                d->desc[slot].len = 24;
                tx_bad(d, id, VQ_DROP_BAD_INDIRECT, "indirect len not a multiple of 16");
        }
        {
                struct dspec s[] = {{buf, 100, 0}};
                uint16_t slot = d->avail_idx;

                id = pdrv_post(d, s, 1, true, false);
                d->desc[slot].addr = 0x90000000;
                tx_bad(d, id, VQ_DROP_BAD_INDIRECT, "indirect table outside memory");
        }
        {
                struct dspec s[] = {{buf, 100, VRING_DESC_F_INDIRECT}};
                tx_bad(d, pdrv_post(d, s, 1, true, false), VQ_DROP_BAD_INDIRECT, "nested indirect");
        }
        {
                struct dspec s[] = {{buf, 100, VRING_DESC_F_INDIRECT}, {buf, 100, 0}};
                tx_bad(d, pdrv_post(d, s, 2, false, false), VQ_DROP_BAD_INDIRECT,
                       "indirect with NEXT");
        }
        {
                struct dspec s[] = {{buf, 12, 0}, {buf, 80000, 0}};
                tx_bad(d, pdrv_post(d, s, 2, false, false), VQ_DROP_TOO_BIG, "frame over 64 KB");
        }
        {
                /* Every slot of the ring claims a successor. */
                struct dspec s[16];
                struct rte_mbuf *pkts[VIRTQ_BURST];
                uint32_t len = 1;
                unsigned k;

                for (k = 0; k < 16; k++)
                        s[k] = (struct dspec){buf, 0, 0};
                /* 64 slots as four posts of 16; the buffer id is the last
                 * slot's. */
                pdrv_post(d, s, 16, false, true);
                pdrv_post(d, s, 16, false, true);
                pdrv_post(d, s, 16, false, true);
                id = pdrv_post(d, s, 16, false, true);
                d->ring_slots[id] = 64;
                CHECK(virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST) == 0,
                      "chain longer than the ring");
                CHECK(d->vq.stats.drops[VQ_DROP_BAD_CHAIN] == 1, "counted as bad-chain");
                k = 0xffff;
                CHECK(pdrv_used(d, (uint16_t *)&k, &len) && (k & 0xffff) == id && len == 0,
                      "returned empty, whole ring");
                tx_post(d, 70, 77, NULL, 0, false);
                k = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
                CHECK(k == 1 && frame_matches(pkts[0], 70, 77), "good frame after it");
                rte_pktmbuf_free_bulk(pkts, k);
        }
        CHECK(virtq_stats_bad_desc(&d->vq.stats) == 9, "bad desc total %llu",
              (unsigned long long)virtq_stats_bad_desc(&d->vq.stats));
        fg_fini(&g);
        free(d);
}

/* A ring longer than a frame may have buffers (VIRTQ_MAX_BUFS), every
 * slot a non-empty buffer claiming a successor: the buffer limit is hit
 * first, but what is wrong is that the chain never ends. */
static void test_tx_endless_chain(void)
{
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct dspec s[16];
        uint32_t len = 1;
        uint64_t buf;
        uint16_t id = 0, used_id = 0xffff;
        unsigned k;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 128, 12, true, false) != 0)
                return;
        buf = fg_buf(&g, 100);
        for (k = 0; k < 16; k++)
                s[k] = (struct dspec){buf, 16, 0};
        for (k = 0; k < 128 / 16; k++)
                id = pdrv_post(d, s, 16, false, true);
        d->ring_slots[id] = 128;
        CHECK(virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST) == 0, "endless chain dropped");
        CHECK(d->vq.stats.drops[VQ_DROP_BAD_CHAIN] == 1 && d->vq.stats.drops[VQ_DROP_TOO_BIG] == 0,
              "counted as bad-chain, not too-big");
        CHECK(pdrv_used(d, &used_id, &len) && used_id == id && len == 0,
              "returned empty, whole ring");
        tx_post(d, 70, 77, NULL, 0, false);
        k = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
        CHECK(k == 1 && frame_matches(pkts[0], 70, 77), "good frame after it");
        rte_pktmbuf_free_bulk(pkts, k);
        fg_fini(&g);
        free(d);
}

/* Issue 11, item 2: with IN_ORDER the chains of a TX burst go back as one
 * used descriptor spanning all their slots. Only a chain's head is checked
 * for availability, so a driver can make two chains of size-1 and size
 * slots overlap: 2 * size - 1 slots merged, and the used position, moved
 * by that from slot size-1, left the ring; the next used descriptor landed
 * 16 * 126 bytes past it. The ring must stop instead, and no byte past the
 * ring and its event areas may change. */
static void test_tx_in_order_overlap(void)
{
        const uint32_t size = 128;
        const uint64_t base = 0x1000, end = base + 16 * size + 8, guard = 0x8000;
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint64_t buf;
        uint8_t *past;
        unsigned k, changed = 0;

        fg_init(&g);
        if (pdrv_init(d, &g, base, size, 12, true, false) != 0)
                return;
        d->vq.in_order = true;
        /* Both positions at the last slot, as SET_VRING_BASE may put them. */
        d->vq.last_avail_idx = d->vq.last_used_idx = (uint16_t)(size - 1);
        past = fg_ptr(&g, end);
        memset(past, 0x5c, guard);
        buf = fg_buf(&g, 64);
        /* Chain A: head at slot 127 (lap 1), slots 0..125 (lap 0) after it;
         * chain B: head at slot 126, walking 126, 127, 0..125: 128 slots. */
        for (k = 0; k < size; k++) {
                bool last = k == size - 3;

                d->desc[k] =
                    (struct vring_packed_desc){buf, 0, (uint16_t)(k == size - 2 ? 2 : 1),
                                               (uint16_t)((last ? 0 : VRING_DESC_F_NEXT) |
                                                          (k == size - 1 ? F_AVAIL : F_USED))};
        }
        CHECK(virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST) == 0, "no frame in them");
        CHECK(d->vq.broken != NULL && d->vq.stats.ring_errors == 1,
              "overlapping chains stop the ring");
        CHECK(d->vq.last_used_idx < size, "used position %u inside the ring", d->vq.last_used_idx);
        /* A good frame at the position chain B would have left behind. */
        d->desc[size - 2] = (struct vring_packed_desc){buf, 64, 3, F_AVAIL};
        k = virtq_packed_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
        rte_pktmbuf_free_bulk(pkts, k);
        CHECK(k == 0, "a stopped ring stays stopped");
        for (k = 0; k < guard; k++)
                changed += past[k] != 0x5c;
        CHECK(changed == 0, "%u bytes past the ring changed", changed);
        fg_fini(&g);
        free(d);
}

static void test_rx_malformed(void)
{
        struct rte_mbuf *m = make_frame(pool, 100, 2048, 9);
        struct rte_mbuf *ms[4] = {m, m, m, m};
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        struct dspec bad[3];
        uint16_t id;
        uint32_t len = 1;
        unsigned k;

        fg_init(&g);
        if (pdrv_init(d, &g, 0x1000, 64, 12, true, false) != 0)
                return;
        rx_bad_specs(&g, bad);
        for (k = 0; k < 3; k++)
                pdrv_post(d, &bad[k], 1, false, false);
        rx_post(d, 1, 1, 1600);
        CHECK(virtq_packed_enqueue(&d->vq, ms, 4) == 4, "all four frames consumed");
        rx_bad_counted(&d->vq.stats);
        for (k = 0; k < 3; k++)
                CHECK(pdrv_used(d, &id, &len) && len == 0, "bad chain %u returned empty", k);
        rx_expect(d, 100, 9, 1, "good chain after bad ones");
        rte_pktmbuf_free(m);
        fg_fini(&g);
        free(d);
}

/* Ring slots full of garbage (addresses in, at the edges of and outside
 * the regions, any length, flags, wrap bits): the engine neither crashes
 * nor loops, and its avail and used positions stay together in the ring. */
static void test_garbage(void)
{
        static const uint32_t lens[] = {0, 1, 12, 13, 64, 1500, 70000, 0xffffffff};
        static const uint64_t bases[] = {FG_BUF_GPA, FG_HIGH_GPA, FG_BUF_GPA - 16, 0x80000};
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct rte_mbuf *rxm[2];
        struct fake_guest g;
        struct pdrv *tx = calloc(1, sizeof(*tx)), *rx = calloc(1, sizeof(*rx));
        unsigned round, bad = 0;

        srand(11);
        fg_init(&g);
        if (pdrv_init(tx, &g, 0x1000, 50, 12, false, false) != 0 ||
            pdrv_init(rx, &g, 0x10000, 50, 12, true, false) != 0)
                return;
        rxm[0] = make_frame(pool, 60, 2048, 1);
        rxm[1] = make_frame(pool, 3000, 1000, 2);
        for (round = 0; round < 20000; round++) {
                struct pdrv *d = round & 1 ? rx : tx;
                unsigned k;

                for (k = 0; k < 12; k++) {
                        struct vring_packed_desc *x = &d->desc[rand() % 50];

                        x->addr = rand() % 5 ? bases[rand() % 4] + rnd() % 0x201000 : rnd();
                        x->len = rand() % 2 ? lens[rand() % 8] : (uint32_t)rnd();
                        x->id = (uint16_t)rnd();
                        x->flags =
                            (uint16_t)(rand() % 4 ? (rand() & 7) | (rand() % 2 ? F_AVAIL : 0) |
                                                        (rand() % 2 ? F_USED : 0)
                                                  : rnd());
                }
                if (d == tx) {
                        uint16_t got = virtq_packed_dequeue(&tx->vq, pool, pkts, VIRTQ_BURST);

                        rte_pktmbuf_free_bulk(pkts, got);
                } else {
                        virtq_packed_enqueue(&rx->vq, rxm, 2);
                }
                if (d->vq.last_avail_idx >= 50 || d->vq.last_used_idx != d->vq.last_avail_idx ||
                    d->vq.used_wrap != d->vq.avail_wrap)
                        bad++;
        }
        CHECK(bad == 0, "%u rounds left the positions inconsistent", bad);
        CHECK(virtq_stats_bad_desc(&tx->vq.stats) > 500 &&
                  virtq_stats_bad_desc(&rx->vq.stats) > 500,
              "garbage was seen as such: tx %llu rx %llu",
              (unsigned long long)virtq_stats_bad_desc(&tx->vq.stats),
              (unsigned long long)virtq_stats_bad_desc(&rx->vq.stats));
        rte_pktmbuf_free_bulk(rxm, 2);
        fg_fini(&g);
        free(tx);
        free(rx);
}

static void test_dirty_log(void)
{
        struct rte_mbuf *m = make_frame(pool, 100, 2048, 3);
        struct dirty_log log;
        struct fake_guest g;
        struct pdrv *d = calloc(1, sizeof(*d));
        uint8_t *view;
        uint64_t buf = FG_HIGH_GPA + 0x3000 - 20;
        int fd;

        fg_init(&g);
        view = fg_log_init(&log, &fd);
        t_log = &log;
        if (pdrv_init(d, &g, 0x4000, 64, 12, true, false) != 0)
                return;
        {
                struct dspec s[] = {{buf, 1600, VRING_DESC_F_WRITE}};
                pdrv_post(d, s, 1, false, false);
        }
        CHECK(virtq_packed_enqueue(&d->vq, &m, 1) == 1, "rx with log");
        frame_logged(view, buf);
        CHECK(fg_dirty(view, 0x4000), "descriptor ring page (used descriptor)");
        CHECK(!fg_dirty(view, 0x4000 + 0x1000), "rest of the ring untouched");
        t_log = NULL;
        rte_pktmbuf_free(m);
        fg_log_fini(&log, view, fd);
        fg_fini(&g);
        free(d);
}

/* The driver side of the benchmark: each used buffer is made available
 * again in the slot it occupied, as a guest recycling its buffers would. */
static void bench_recycle(struct pdrv *d)
{
        uint16_t id;
        uint32_t len;

        while (pdrv_used(d, &id, &len)) {
                d->next_id = id;
                pdrv_post(d, d->bufs[id], d->nbufs[id], false, false);
        }
}

static void bench(uint32_t frame_len)
{
        struct fake_guest ga, gb;
        struct pdrv *tx = calloc(1, sizeof(*tx)), *rx = calloc(1, sizeof(*rx));
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint64_t frames = 0;
        unsigned i;
        double t0, dt;

        fg_init(&ga);
        fg_init(&gb);
        if (pdrv_init(tx, &ga, 0x1000, 1024, 12, true, true) != 0 ||
            pdrv_init(rx, &gb, 0x1000, 1024, 12, true, true) != 0)
                return;
        for (i = 0; i < 1024; i++) {
                tx_post(tx, frame_len, i, NULL, 0, false);
                rx_post(rx, 1, 1, 2048);
        }
        t0 = now_s();
        do {
                for (i = 0; i < 1000; i++) {
                        uint16_t n = virtq_packed_dequeue(&tx->vq, pool, pkts, VIRTQ_BURST);

                        frames += virtq_packed_enqueue(&rx->vq, pkts, n);
                        rte_pktmbuf_free_bulk(pkts, n);
                        bench_recycle(tx);
                        bench_recycle(rx);
                }
                dt = now_s() - t0;
        } while (dt < 2.0);
        printf("packed %4u B: %.2f Mpps dequeue+enqueue (%.1f ns/frame)\n", frame_len,
               frames / dt / 1e6, dt * 1e9 / frames);
        fg_fini(&ga);
        fg_fini(&gb);
        free(tx);
        free(rx);
}

int main(int argc, char **argv)
{
        pool = t_eal_init(argv[0], "rpk");
        if (t_bench(argc, argv, bench)) {
                t_eal_fini();
                return 0;
        }
        test_init_checks();
        test_tx();
        test_tx_in_order();
        test_tiny_ring();
        test_rx();
        test_notify();
        test_arm();
        test_tx_malformed();
        test_tx_endless_chain();
        test_tx_in_order_overlap();
        test_rx_malformed();
        test_garbage();
        test_dirty_log();
        return t_finish(pool);
}
