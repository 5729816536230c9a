/* Split virtqueue engine against a fake guest: a test driver lays out
 * descriptor tables and avail/used rings in a memfd the way a virtio driver
 * does, then checks the bytes, the used ring and the counters. With --bench:
 * Mpps of dequeue+enqueue between two fake guests. */
#include "test_ring_common.h"
#include "virtq_arm.h"
#include "virtq_split.h"

#define QSIZE 256

static struct rte_mempool *pool;
static struct dirty_log *t_log; /* rings set up by drv_init log here */

struct drv {
        struct fake_guest *g;
        uint32_t size;
        struct vring_desc *desc;
        struct vring_avail *avail;
        struct vring_used *used;
        uint16_t avail_idx;
        uint16_t next_desc;
        struct virtq_split vq;
};

static int drv_init(struct drv *d, struct fake_guest *g, uint64_t base, uint32_t size,
                    uint16_t hdr_len, bool mrg, bool event_idx)
{
        struct virtq_split_params p = {
            .size = size,
            .desc_gpa = base,
            .avail_gpa = base + 16 * size,
            .used_gpa = (base + 16 * size + 6 + 2 * size + 4095) & ~4095ull,
            .hdr_len = hdr_len,
            .mrg_rxbuf = mrg,
            .event_idx = event_idx,
            .log = t_log,
        };
        char err[256];
        int rc;

        p.log_used_gpa = p.used_gpa;
        memset(d, 0, sizeof(*d));
        d->g = g;
        d->size = size;
        memset(fg_ptr(g, base), 0, p.used_gpa + 6 + 8 * size - base);
        d->desc = fg_ptr(g, p.desc_gpa);
        d->avail = fg_ptr(g, p.avail_gpa);
        d->used = fg_ptr(g, p.used_gpa);
        rc = virtq_split_init(&d->vq, &g->gm, &p, err, sizeof(err));
        if (rc != 0)
                printf("virtq_split_init: %s\n", err);
        return rc;
}

/* Lays out a chain (NEXT links added here) and returns its head. */
static uint16_t drv_chain(struct drv *d, const struct dspec *s, unsigned n)
{
        uint16_t idx[64] = {0};
        unsigned i;

        for (i = 0; i < n; i++)
                idx[i] = d->next_desc++ & (d->size - 1);
        for (i = 0; i < n; i++) {
                d->desc[idx[i]].addr = s[i].gpa;
                d->desc[idx[i]].len = s[i].len;
                d->desc[idx[i]].flags = s[i].flags | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
                d->desc[idx[i]].next = i + 1 < n ? idx[i + 1] : 0;
        }
        return idx[0];
}

/* An indirect table in region 2 holding the chain, and the head pointing
 * at it. */
static uint16_t drv_indirect(struct drv *d, const struct dspec *s, unsigned n)
{
        uint64_t tgpa = fg_high(d->g, 16 * n);
        struct vring_desc *t = fg_ptr(d->g, tgpa);
        struct dspec head = {tgpa, 16 * n, VRING_DESC_F_INDIRECT};
        unsigned i;

        for (i = 0; i < n; i++) {
                t[i].addr = s[i].gpa;
                t[i].len = s[i].len;
                t[i].flags = s[i].flags | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
                t[i].next = (uint16_t)(i + 1);
        }
        return drv_chain(d, &head, 1);
}

static void drv_post(struct drv *d, uint16_t head)
{
        d->avail->ring[d->avail_idx & (d->size - 1)] = head;
        d->avail_idx++;
        __atomic_store_n(&d->avail->idx, d->avail_idx, __ATOMIC_RELEASE);
}

static uint16_t drv_used_idx(const struct drv *d)
{
        return __atomic_load_n(&d->used->idx, __ATOMIC_ACQUIRE);
}

static struct vring_used_elem drv_used(const struct drv *d, uint16_t i)
{
        return d->used->ring[i & (d->size - 1)];
}

/* Guest TX frame (tx_frame_specs) as a chain or an indirect table.
 * Returns the head, posted. */
static uint16_t tx_post(struct drv *d, uint32_t len, uint32_t seed, const uint32_t *cuts,
                        unsigned ncuts, bool indirect)
{
        struct dspec s[64];
        unsigned n = tx_frame_specs(d->g, d->vq.hdr_len, len, seed, cuts, ncuts, s);
        uint16_t head;

        head = indirect ? drv_indirect(d, s, n) : drv_chain(d, s, n);
        drv_post(d, head);
        return head;
}

/* Dequeues everything and checks one frame came out as (len, seed) and
 * the used ring caught up with avail. */
static void tx_expect(struct drv *d, uint32_t len, uint32_t seed, const char *what)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint16_t n = virtq_split_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);

        expect_one_frame(pkts, n, len, seed, what);
        CHECK(drv_used_idx(d) == d->avail_idx, "%s: used idx %u avail idx %u", what,
              drv_used_idx(d), d->avail_idx);
        CHECK(drv_used(d, d->avail_idx - 1).len == 0, "%s: used len %u", what,
              drv_used(d, d->avail_idx - 1).len);
        rte_pktmbuf_free_bulk(pkts, n);
}

static void test_guest_mem(void)
{
        struct fake_guest g;
        struct guest_mem gm;
        struct vsw_mem_table t;
        uint64_t gpa = 0;
        char err[256];
        uint8_t *p;

        fg_init(&g);
        g.mem[0x10] = 0x5a;
        p = gm_translate(&g.gm, 0x10, 16);
        CHECK(p != NULL && *p == 0x5a, "region 0");
        *(uint8_t *)fg_ptr(&g, FG_HIGH_GPA + 5) = 0xa5;
        p = gm_translate(&g.gm, FG_HIGH_GPA + 5, 1);
        CHECK(p != NULL && *p == 0xa5, "unaligned mmap offset");
        CHECK(gm_translate(&g.gm, FG_BUF_GPA + 0x200000 - 4, 4) != NULL, "last bytes");
        CHECK(gm_translate(&g.gm, FG_BUF_GPA + 0x200000 - 4, 5) == NULL, "past region end");
        CHECK(gm_translate(&g.gm, FG_BUF_GPA - 1, 2) == NULL, "straddles region start");
        CHECK(gm_translate(&g.gm, 0x100000, 1) == NULL, "gap");
        CHECK(gm_translate(&g.gm, UINT64_MAX - 2, 8) == NULL, "gpa + len wraps");
        CHECK(gm_translate(&g.gm, FG_BUF_GPA, UINT64_MAX) == NULL, "huge len");
        CHECK(gm_translate(&g.gm, 0x0, 0x100000) != NULL, "whole region");
        CHECK(gm_uva_to_gpa(&g.gm, 0x7f0000000000ull + 0x100010, 4, &gpa) == 0 &&
                  gpa == FG_BUF_GPA + 0x10,
              "uva to gpa 0x%llx", (unsigned long long)gpa);
        CHECK(gm_uva_to_gpa(&g.gm, 0x7f0000000000ull + 0x2ffffe, 4, &gpa) != 0, "uva past end");
        CHECK(gm_translate_uva(&g.gm, 0x7f0000000000ull + FG_HIGH_OFF + 5, 1) == p, "uva");

        t = g.table;
        t.regions[3].memory_size = 0x400000;
        CHECK(gm_map(&gm, &t, g.fds, NULL, err, sizeof(err)) != 0 && strstr(err, "slot 3") &&
                  strstr(err, "past the end"),
              "region past the file: %s", err);
        CHECK(gm.nregions == 0, "nothing mapped after failure");
        t = g.table;
        t.regions[5].memory_size = UINT64_MAX - 0x100;
        CHECK(gm_map(&gm, &t, g.fds, NULL, err, sizeof(err)) != 0 && strstr(err, "overflows"),
              "overflow: %s", err);
        t = g.table;
        t.regions[0].memory_size = 0;
        CHECK(gm_map(&gm, &t, g.fds, NULL, err, sizeof(err)) != 0, "size 0");
        gm_init(&gm);
        CHECK(gm_translate(&gm, 0, 1) == NULL, "empty map");
        fg_fini(&g);
}

static void test_init_checks(void)
{
        struct fake_guest g;
        struct virtq_split vq;
        struct virtq_split_params p = {.size = 256,
                                       .desc_gpa = 0x1000,
                                       .avail_gpa = 0x2000,
                                       .used_gpa = 0x3000,
                                       .hdr_len = 12};
        struct virtq_split_params bad;
        char err[256];

        fg_init(&g);
        CHECK(virtq_split_init(&vq, &g.gm, &p, err, sizeof(err)) == 0, "good ring: %s", err);
        bad = p;
        bad.size = 100;
        CHECK(virtq_split_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "size 100");
        bad.size = 65536;
        CHECK(virtq_split_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "size 65536");
        bad = p;
        bad.desc_gpa = 0x1008;
        CHECK(virtq_split_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0 && strstr(err, "aligned"),
              "unaligned desc: %s", err);
        bad = p;
        bad.used_gpa = 0x100000 - 0x800;
        CHECK(virtq_split_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0 && strstr(err, "used"),
              "used past region: %s", err);
        bad = p;
        bad.avail_gpa = 0x200000;
        CHECK(virtq_split_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "avail in a gap");
        bad = p;
        bad.hdr_len = 10;
        bad.mrg_rxbuf = true;
        CHECK(virtq_split_init(&vq, &g.gm, &bad, err, sizeof(err)) != 0, "mrg with hdr 10");
        fg_fini(&g);
}

static void test_tx_layouts(void)
{
        static const uint32_t hdr_apart[] = {12, 300};
        static const uint32_t scattered[] = {5, 7, 0, 100, 1, 899};
        static const uint32_t big[] = {12, 3000};
        struct fake_guest g;
        struct drv d;
        uint16_t head;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        head = tx_post(&d, 60, 1, NULL, 0, false);
        tx_expect(&d, 60, 1, "single descriptor");
        CHECK(drv_used(&d, 0).id == head, "used id %u head %u", drv_used(&d, 0).id, head);
        tx_post(&d, 1000, 2, hdr_apart, 2, false);
        tx_expect(&d, 1000, 2, "header apart");
        tx_post(&d, 1500, 3, scattered, 6, false);
        tx_expect(&d, 1500, 3, "scattered, header split, zero-length descriptor");
        tx_post(&d, 1500, 4, scattered, 6, true);
        tx_expect(&d, 1500, 4, "indirect");
        tx_post(&d, 9000, 5, big, 2, false);
        tx_expect(&d, 9000, 5, "jumbo into chained mbufs");
        tx_post(&d, 1, 6, NULL, 0, true);
        tx_expect(&d, 1, 6, "one byte, indirect single entry");
        CHECK(d.vq.stats.packets == 6, "packets %llu", (unsigned long long)d.vq.stats.packets);
        fg_fini(&g);
}

static void test_tx_bursts(void)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct fake_guest g;
        struct drv d;
        uint16_t n, i, ok = 0;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 10, false, false) != 0)
                return;
        for (i = 0; i < 40; i++)
                tx_post(&d, 64 + i, 100 + i, NULL, 0, false);
        n = virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST);
        CHECK(n == 32, "first burst %u", n);
        for (i = 0; i < n; i++)
                ok += frame_matches(pkts[i], 64 + i, 100 + i);
        rte_pktmbuf_free_bulk(pkts, n);
        CHECK(drv_used_idx(&d) == 32, "used idx %u", drv_used_idx(&d));
        n = virtq_split_dequeue(&d.vq, pool, pkts, 4);
        CHECK(n == 4, "count limits the burst: %u", n);
        for (i = 0; i < n; i++)
                ok += frame_matches(pkts[i], 96 + i, 132 + i);
        rte_pktmbuf_free_bulk(pkts, n);
        n = virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST);
        CHECK(n == 4, "rest %u", n);
        for (i = 0; i < n; i++)
                ok += frame_matches(pkts[i], 100 + i, 136 + i);
        rte_pktmbuf_free_bulk(pkts, n);
        CHECK(ok == 40, "%u of 40 frames intact, in order", ok);
        CHECK(virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST) == 0, "empty ring");
        /* Wrap the 16-bit indices. */
        for (i = 0; i < 2100; i++) {
                tx_post(&d, 64, i, NULL, 0, false);
                n = virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST);
                if (n != 1 || !frame_matches(pkts[0], 64, i))
                        break;
                rte_pktmbuf_free_bulk(pkts, n);
        }
        CHECK(i == 2100 && drv_used_idx(&d) == d.avail_idx, "index wrap at frame %u", i);
        fg_fini(&g);
}

/* Guest RX buffers: nchains chains of ndesc writable descriptors of len. */
static void rx_post(struct drv *d, unsigned nchains, unsigned ndesc, uint32_t len)
{
        unsigned c;

        for (c = 0; c < nchains; c++) {
                struct dspec s[16];

                rx_chain_specs(d->g, ndesc, len, s);
                drv_post(d, drv_chain(d, s, ndesc));
        }
}

/* Gathers the bytes of the used chain with id head (walking the driver's
 * own descriptors) into out. */
static uint32_t rx_gather(struct drv *d, uint16_t head, uint32_t used_len, uint8_t *out)
{
        uint32_t got = 0;
        uint16_t i = head;

        for (;;) {
                uint32_t l = d->desc[i].len < used_len - got ? d->desc[i].len : used_len - got;

                memcpy(out + got, fg_ptr(d->g, d->desc[i].addr), l);
                got += l;
                if (got == used_len || !(d->desc[i].flags & VRING_DESC_F_NEXT))
                        return got;
                i = d->desc[i].next;
        }
}

/* Reads the next frame the guest would see from the used ring: header
 * checked (zero, num_buffers), payload compared. */
static void rx_expect(struct drv *d, uint16_t *seen, uint32_t len, uint32_t seed, uint16_t nbufs,
                      const char *what)
{
        uint8_t bytes[20000];
        uint32_t got = 0;
        uint16_t b;

        for (b = 0; b < nbufs && *seen != drv_used_idx(d); b++, (*seen)++) {
                struct vring_used_elem e = drv_used(d, *seen);

                got += rx_gather(d, (uint16_t)e.id, e.len, bytes + got);
        }
        CHECK(b == nbufs, "%s: %u of %u used entries", what, b, nbufs);
        rx_check_bytes(bytes, got, d->vq.hdr_len, len, seed, nbufs, what);
}

static void test_rx(void)
{
        struct rte_mbuf *m[4];
        struct fake_guest g;
        struct drv d;
        uint16_t seen = 0;

        fg_init(&g);
        /* Legacy header, one chain per frame, header in its own descriptor. */
        if (drv_init(&d, &g, 0x1000, QSIZE, 10, false, false) != 0)
                return;
        rx_post(&d, 2, 1, 1600);
        {
                struct dspec s[2] = {{fg_buf(&g, 10), 10, VRING_DESC_F_WRITE},
                                     {fg_buf(&g, 1518), 1518, VRING_DESC_F_WRITE}};
                drv_post(&d, drv_chain(&d, s, 2));
        }
        m[0] = make_frame(pool, 100, 2048, 1);
        m[1] = make_frame(pool, 1514, 500, 2); /* four segments */
        m[2] = make_frame(pool, 1514, 2048, 3);
        CHECK(virtq_split_enqueue(&d.vq, m, 3) == 3, "three frames");
        rx_expect(&d, &seen, 100, 1, 1, "small");
        rx_expect(&d, &seen, 1514, 2, 1, "segmented mbuf");
        rx_expect(&d, &seen, 1514, 3, 1, "header descriptor apart");
        CHECK(virtq_split_enqueue(&d.vq, m, 1) == 0, "no buffers left");
        /* Too big for a non-mergeable chain: dropped, the chain stays. */
        rx_post(&d, 1, 1, 1000);
        rte_pktmbuf_free(m[2]);
        m[2] = make_frame(pool, 1500, 2048, 4);
        m[3] = make_frame(pool, 200, 2048, 5);
        CHECK(virtq_split_enqueue(&d.vq, &m[2], 2) == 2, "too big consumed, small copied");
        CHECK(d.vq.stats.drops[VQ_DROP_TOO_BIG] == 1, "too big counted");
        rx_expect(&d, &seen, 200, 5, 1, "after a too big frame");
        rte_pktmbuf_free_bulk(m, 4);

        /* VERSION_1 header without mergeable buffers: num_buffers is 1. */
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, false, false) != 0)
                return;
        seen = 0;
        rx_post(&d, 1, 1, 1600);
        m[0] = make_frame(pool, 1514, 2048, 6);
        CHECK(virtq_split_enqueue(&d.vq, m, 1) == 1, "v1 frame");
        rx_expect(&d, &seen, 1514, 6, 1, "v1 header");
        rte_pktmbuf_free(m[0]);

        /* Mergeable: a frame over several chains, num_buffers counts them. */
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        seen = 0;
        rx_post(&d, 2, 1, 1024);
        m[0] = make_frame(pool, 3000, 2048, 7);
        CHECK(virtq_split_enqueue(&d.vq, m, 1) == 0, "not enough chains: nothing taken");
        CHECK(drv_used_idx(&d) == 0 && d.vq.last_avail_idx == 0, "rolled back");
        rx_post(&d, 3, 1, 1024);
        m[1] = make_frame(pool, 60, 2048, 8);
        CHECK(virtq_split_enqueue(&d.vq, m, 2) == 2, "merged frame and a small one");
        rx_expect(&d, &seen, 3000, 7, 3, "merged over 3 chains");
        rx_expect(&d, &seen, 60, 8, 1, "small after merged");
        CHECK(d.vq.stats.packets == 2 && d.vq.stats.bytes == 3060, "rx counters");
        rte_pktmbuf_free_bulk(m, 2);
        /* Mergeable chain of two descriptors, frame spread across both. */
        rx_post(&d, 1, 2, 800);
        m[0] = make_frame(pool, 1500, 2048, 9);
        CHECK(virtq_split_enqueue(&d.vq, m, 1) == 1, "two-descriptor chain");
        rx_expect(&d, &seen, 1500, 9, 2, "the chain left over, then a two-descriptor one");
        rte_pktmbuf_free(m[0]);
        fg_fini(&g);
}

static void test_notify(void)
{
        struct rte_mbuf *m = make_frame(pool, 60, 2048, 1);
        struct fake_guest g;
        struct drv d;
        uint16_t *used_event, *avail_event;
        unsigned i;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY, "guest told not to kick");
        CHECK(!virtq_split_need_notify(&d.vq), "nothing used yet");
        rx_post(&d, 8, 1, 1600);
        virtq_split_enqueue(&d.vq, &m, 1);
        CHECK(virtq_split_need_notify(&d.vq), "interrupts on");
        CHECK(!virtq_split_need_notify(&d.vq), "nothing new since");
        d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
        virtq_split_enqueue(&d.vq, &m, 1);
        CHECK(!virtq_split_need_notify(&d.vq), "NO_INTERRUPT");

        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, true) != 0)
                return;
        used_event = &d.avail->ring[QSIZE];
        avail_event = (uint16_t *)&d.used->ring[QSIZE];
        CHECK(*avail_event == 0x8000, "avail_event far ahead: %u", *avail_event);
        CHECK(!(d.used->flags & VRING_USED_F_NO_NOTIFY), "flags untouched with EVENT_IDX");
        rx_post(&d, 16, 1, 1600);
        *used_event = 0;
        virtq_split_enqueue(&d.vq, &m, 1); /* used 0 -> 1 */
        CHECK(virtq_split_need_notify(&d.vq), "first notify");
        virtq_split_enqueue(&d.vq, &m, 1); /* 1 -> 2, used_event 0 already passed */
        CHECK(!virtq_split_need_notify(&d.vq), "used_event behind");
        *used_event = 4;
        virtq_split_enqueue(&d.vq, &m, 1); /* 2 -> 3 */
        CHECK(!virtq_split_need_notify(&d.vq), "used_event not reached");
        virtq_split_enqueue(&d.vq, &m, 1);
        virtq_split_enqueue(&d.vq, &m, 1); /* 3 -> 5 crosses 4 */
        CHECK(virtq_split_need_notify(&d.vq), "used_event crossed");
        d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
        *used_event = 5;
        virtq_split_enqueue(&d.vq, &m, 1);
        CHECK(virtq_split_need_notify(&d.vq), "EVENT_IDX ignores the flag");
        /* avail_event stays ahead of the guest as the ring goes round. */
        d.avail->flags = 0;
        for (i = 0; i < 0x4100; i++) {
                rx_post(&d, 1, 1, 128);
                virtq_split_enqueue(&d.vq, &m, 1);
        }
        CHECK((uint16_t)(*avail_event - d.avail_idx) >= 0x4000, "avail_event 0x%x, guest at 0x%x",
              *avail_event, d.avail_idx);
        rte_pktmbuf_free(m);
        fg_fini(&g);
}

/* rx-mode: arming asks the guest to kick for the next chain and answers
 * whether one is already waiting (the race the virtio spec closes by
 * looking again); disarming suppresses kicks again. */
static void test_arm(void)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct fake_guest g;
        struct drv d;
        uint16_t *avail_event;
        uint16_t n;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        CHECK(!virtq_split_arm(&d.vq), "empty ring: nothing waiting");
        CHECK(d.used->flags == 0, "NO_NOTIFY cleared: the guest kicks");
        tx_post(&d, 60, 1, NULL, 0, false);
        CHECK(virtq_split_arm(&d.vq), "a chain made available: work waiting");
        virtq_split_disarm(&d.vq);
        CHECK(d.used->flags == VRING_USED_F_NO_NOTIFY, "disarmed: kicks suppressed");
        n = virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST);
        rte_pktmbuf_free_bulk(pkts, n);
        CHECK(n == 1 && !virtq_split_arm(&d.vq), "drained: nothing waiting");

        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, true) != 0)
                return;
        avail_event = (uint16_t *)&d.used->ring[QSIZE];
        CHECK(!virtq_split_arm(&d.vq) && *avail_event == d.vq.last_avail_idx,
              "EVENT_IDX: avail_event at the next chain (%u)", *avail_event);
        CHECK(!(d.used->flags & VRING_USED_F_NO_NOTIFY), "EVENT_IDX: flags untouched");
        tx_post(&d, 60, 2, NULL, 0, false);
        CHECK(virtq_split_arm(&d.vq), "EVENT_IDX: a chain waiting");
        virtq_split_disarm(&d.vq);
        CHECK(*avail_event == (uint16_t)(d.vq.last_avail_idx + 0x8000),
              "EVENT_IDX: disarmed, avail_event far ahead (%u)", *avail_event);
        n = virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST);
        rte_pktmbuf_free_bulk(pkts, n);
        d.vq.broken = "test";
        CHECK(!virtq_split_arm(&d.vq), "a stopped ring is never armed");
        d.vq.broken = NULL;
        fg_fini(&g);
}

/* Each malformed TX chain: posted, then a good frame; the bad one is
 * consumed with used len 0 and counted, the good one passes. */
static void tx_bad(struct drv *d, uint16_t bad_head, enum virtq_drop reason, const char *what)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint16_t used0 = drv_used_idx(d), n;
        uint64_t before = d->vq.stats.drops[reason];

        drv_post(d, bad_head);
        tx_post(d, 70, 77, NULL, 0, false);
        n = virtq_split_dequeue(&d->vq, pool, pkts, VIRTQ_BURST);
        CHECK(n == 1 && frame_matches(pkts[0], 70, 77), "%s: good frame after bad (%u)", what, n);
        rte_pktmbuf_free_bulk(pkts, n);
        CHECK(d->vq.stats.drops[reason] == before + 1, "%s: not counted as %s", what,
              virtq_drop_name(reason));
        CHECK(drv_used_idx(d) == (uint16_t)(used0 + 2) && d->vq.last_avail_idx == d->avail_idx,
              "%s: indices used %u avail %u", what, drv_used_idx(d), d->avail_idx);
        CHECK(drv_used(d, used0).id == bad_head && drv_used(d, used0).len == 0,
              "%s: bad chain not returned empty", what);
}

static void test_tx_malformed(void)
{
        struct fake_guest g;
        struct drv d;
        uint64_t buf;
        uint16_t a, b;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        buf = fg_buf(&g, 100);
        {
                struct dspec s[] = {{0x80000000, 100, 0}};
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_ADDR, "address outside memory");
        }
        {
                struct dspec s[] = {{FG_BUF_GPA + 0x200000 - 50, 100, 0}};
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_ADDR, "crosses region end");
        }
        {
                struct dspec s[] = {{buf, 12, 0}, {UINT64_MAX - 10, 100, 0}};
                tx_bad(&d, drv_chain(&d, s, 2), VQ_DROP_BAD_ADDR, "address + len wraps");
        }
        {
                struct dspec s[] = {{buf, 0xffffffff, 0}};
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_ADDR, "len 4 GB");
        }
        {
                struct dspec s[] = {{buf, 50, 0}, {buf, 50, 0}};
                a = drv_chain(&d, s, 2);
                b = d.desc[a].next;
                d.desc[b].flags |= VRING_DESC_F_NEXT;
                d.desc[b].next = a;
                tx_bad(&d, a, VQ_DROP_BAD_CHAIN, "loop");
        }
        {
                struct dspec s[] = {{buf, 0, 0}};
                a = drv_chain(&d, s, 1);
                d.desc[a].flags = VRING_DESC_F_NEXT;
                d.desc[a].next = a;
                tx_bad(&d, a, VQ_DROP_BAD_CHAIN, "zero-length self loop");
        }
        {
                struct dspec s[] = {{buf, 50, 0}};
                a = drv_chain(&d, s, 1);
                d.desc[a].flags = VRING_DESC_F_NEXT;
                d.desc[a].next = QSIZE;
                tx_bad(&d, a, VQ_DROP_BAD_NEXT, "next out of the ring");
        }
        tx_bad(&d, QSIZE + 3, VQ_DROP_BAD_HEAD, "head out of the ring");
        {
                struct dspec s[] = {{buf, 100, VRING_DESC_F_WRITE}};
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_DIRECTION, "write-only in TX");
        }
        {
                struct dspec s[] = {{buf, 12, 0}};
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_SHORT, "header only");
        }
        {
                struct dspec s[] = {{buf, 100, 0}};
                a = drv_indirect(&d, s, 1);
                d.desc[a].len = 24;
                tx_bad(&d, a, VQ_DROP_BAD_INDIRECT, "indirect len not a multiple of 16");
        }
        {
                struct dspec s[] = {{0x90000000, 32, VRING_DESC_F_INDIRECT}};
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_INDIRECT, "indirect table outside");
        }
        {
                struct dspec inner[] = {{buf, 100, 0}};
                uint64_t t2 = fg_high(&g, 16);
                struct vring_desc *t2p = fg_ptr(&g, t2);
                struct dspec outer[] = {{t2, 16, VRING_DESC_F_INDIRECT}};

                (void)inner;
                t2p->addr = buf;
                t2p->len = 100;
                t2p->flags = 0;
                a = drv_indirect(&d, outer, 1);
                tx_bad(&d, a, VQ_DROP_BAD_INDIRECT, "nested indirect");
        }
        {
                struct dspec s[] = {{buf, 100, 0}};
                a = drv_indirect(&d, s, 1);
                d.desc[a].flags |= VRING_DESC_F_NEXT;
                tx_bad(&d, a, VQ_DROP_BAD_INDIRECT, "indirect with NEXT");
        }
        {
                struct dspec s[] = {{buf, 100, 0}};
                a = drv_indirect(&d, s, 1);
                d.desc[a].next = 0;
                {
                        struct vring_desc *t = fg_ptr(&g, d.desc[a].addr);
                        t->flags = VRING_DESC_F_NEXT;
                        t->next = 1;
                }
                tx_bad(&d, a, VQ_DROP_BAD_NEXT, "indirect next past the table");
        }
        {
                /* A table of QSIZE + 8 zero-length entries chained in order:
                 * no loop, but longer than the ring allows. */
                uint64_t tg = fg_high(&g, 16 * (QSIZE + 8));
                struct vring_desc *t = fg_ptr(&g, tg);
                struct dspec s[] = {{tg, 16 * (QSIZE + 8), VRING_DESC_F_INDIRECT}};
                unsigned i;

                for (i = 0; i < QSIZE + 8; i++) {
                        t[i].addr = buf;
                        t[i].len = 0;
                        t[i].flags = VRING_DESC_F_NEXT;
                        t[i].next = (uint16_t)(i + 1);
                }
                t[QSIZE + 7].flags = 0;
                t[QSIZE + 7].len = 100;
                tx_bad(&d, drv_chain(&d, s, 1), VQ_DROP_BAD_CHAIN, "chain longer than the ring");
        }
        {
                struct dspec s[] = {{buf, 12, 0}, {buf, 80000, 0}};
                tx_bad(&d, drv_chain(&d, s, 2), VQ_DROP_TOO_BIG, "frame over 64 KB");
        }
        CHECK(d.vq.broken == NULL, "ring still works");
        /* The guest moves avail idx by more than the ring: the ring stops. */
        d.avail_idx += QSIZE + 1;
        __atomic_store_n(&d.avail->idx, d.avail_idx, __ATOMIC_RELEASE);
        {
                struct rte_mbuf *pkts[VIRTQ_BURST];

                CHECK(virtq_split_dequeue(&d.vq, pool, pkts, VIRTQ_BURST) == 0, "broken ring");
        }
        CHECK(d.vq.broken != NULL && d.vq.stats.ring_errors == 1, "avail jump detected");
        CHECK(virtq_stats_bad_desc(&d.vq.stats) == 16, "bad desc total %llu",
              (unsigned long long)virtq_stats_bad_desc(&d.vq.stats));
        fg_fini(&g);
}

static void test_rx_malformed(void)
{
        struct rte_mbuf *m = make_frame(pool, 100, 2048, 9);
        struct rte_mbuf *ms[4] = {m, m, m, m};
        struct fake_guest g;
        struct dspec bad[3];
        struct drv d;
        uint16_t seen;
        unsigned k;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        rx_bad_specs(&g, bad);
        for (k = 0; k < 3; k++)
                drv_post(&d, drv_chain(&d, &bad[k], 1));
        rx_post(&d, 1, 1, 1600);
        /* Each malformed chain costs the frame that met it. */
        CHECK(virtq_split_enqueue(&d.vq, ms, 4) == 4, "all four frames consumed");
        rx_bad_counted(&d.vq.stats);
        CHECK(drv_used_idx(&d) == 4 && drv_used(&d, 0).len == 0 && drv_used(&d, 1).len == 0 &&
                  drv_used(&d, 2).len == 0,
              "bad chains returned empty, used idx %u", drv_used_idx(&d));
        seen = 3;
        rx_expect(&d, &seen, 100, 9, 1, "good chain after bad ones");
        rte_pktmbuf_free(m);
        fg_fini(&g);
}

/* Issue 11, item 1: with MRG_RXBUF and a ring of more than VIRTQ_MAX_BUFS
 * entries, a frame that needs more tiny chains than a frame may use wrote
 * its 65th head and length past the engine's arrays on the worker's stack.
 * It is too big: dropped and counted, the chains left to the guest, and a
 * frame that fits takes them next. */
static void test_rx_many_chains(void)
{
        struct rte_mbuf *m[2];
        struct fake_guest g;
        struct drv d;
        uint16_t seen = 0;

        fg_init(&g);
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        rx_post(&d, VIRTQ_MAX_BUFS + 16, 1, 12);
        m[0] = make_frame(pool, 1500, 2048, 1);
        m[1] = make_frame(pool, 100, 2048, 2);
        CHECK(virtq_split_enqueue(&d.vq, m, 1) == 1, "frame over 64 chains consumed");
        CHECK(d.vq.stats.drops[VQ_DROP_TOO_BIG] == 1, "and counted too big");
        CHECK(drv_used_idx(&d) == 0 && d.vq.last_avail_idx == 0, "chains left to the guest");
        CHECK(virtq_split_enqueue(&d.vq, &m[1], 1) == 1, "a frame that fits");
        rx_expect(&d, &seen, 100, 2, 10, "100 bytes over 10 tiny chains");
        rte_pktmbuf_free_bulk(m, 2);
        fg_fini(&g);
}

/* An address a hostile or buggy driver might write: inside, at the edges of
 * or outside the regions, or anything at all. */
static uint64_t garbage_addr(void)
{
        switch (rand() % 5) {
        case 0:
                return FG_BUF_GPA + rnd() % 0x201000;
        case 1:
                return FG_HIGH_GPA + rnd() % (FG_HIGH_SIZE + 0x1000);
        case 2:
                return FG_BUF_GPA - 16 + rnd() % 32;
        case 3:
                return 0x80000 + rnd() % 0x81000;
        default:
                return rnd();
        }
}

static void garbage_desc(struct vring_desc *d, uint32_t size)
{
        static const uint32_t lens[] = {0, 1, 12, 13, 64, 1500, 70000, 0xffffffff};

        d->addr = garbage_addr();
        d->len = rand() % 2 ? lens[rand() % 8] : (uint32_t)rnd();
        d->flags = (uint16_t)(rand() % 3 ? rand() & 7 : rnd());
        d->next = (uint16_t)(rand() % 8 ? rand() % size : rnd());
}

/* Descriptor tables full of garbage, on a TX and an RX ring: the engine
 * neither crashes nor loops, and the used ring keeps up with what it took. */
static void test_garbage(void)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        struct rte_mbuf *rxm[2];
        struct fake_guest g;
        struct drv tx, rx;
        unsigned round, bad = 0;

        srand(7);
        fg_init(&g);
        if (drv_init(&tx, &g, 0x1000, 64, 12, false, false) != 0 ||
            drv_init(&rx, &g, 0x10000, 64, 12, true, false) != 0)
                return;
        rxm[0] = make_frame(pool, 60, 2048, 1);
        rxm[1] = make_frame(pool, 3000, 1000, 2);
        for (round = 0; round < 20000; round++) {
                struct drv *d = round & 1 ? &rx : &tx;
                unsigned k, n = 1 + rand() % 6;
                uint16_t before = d->vq.last_avail_idx;

                for (k = 0; k < 8; k++)
                        garbage_desc(&d->desc[rand() % 64], 64);
                for (k = 0; k < n; k++)
                        drv_post(d, (uint16_t)(rand() % 16 ? rand() % 64 : rand()));
                if (d == &tx) {
                        uint16_t got = virtq_split_dequeue(&tx.vq, pool, pkts, VIRTQ_BURST);

                        rte_pktmbuf_free_bulk(pkts, got);
                } else {
                        virtq_split_enqueue(&rx.vq, rxm, 2);
                        /* Whatever the engine did not take, the driver
                         * takes back, as after a reset of its queue. */
                        d->avail_idx = d->vq.last_avail_idx;
                        __atomic_store_n(&d->avail->idx, d->avail_idx, __ATOMIC_RELEASE);
                }
                if (drv_used_idx(d) != d->vq.last_used_idx ||
                    (uint16_t)(d->vq.last_used_idx - d->vq.last_avail_idx) != 0 ||
                    (uint16_t)(d->vq.last_avail_idx - before) > 64)
                        bad++;
        }
        CHECK(bad == 0, "%u rounds left the ring inconsistent", bad);
        CHECK(tx.vq.broken == NULL && rx.vq.broken == NULL, "rings still work");
        CHECK(virtq_stats_bad_desc(&tx.vq.stats) > 1000 &&
                  virtq_stats_bad_desc(&rx.vq.stats) > 1000,
              "garbage was seen as such: tx %llu rx %llu",
              (unsigned long long)virtq_stats_bad_desc(&tx.vq.stats),
              (unsigned long long)virtq_stats_bad_desc(&rx.vq.stats));
        rte_pktmbuf_free_bulk(rxm, 2);
        fg_fini(&g);
}

/* Migration: with a dirty log, every page the engine writes is marked,
 * and only those. */
static void test_dirty_log(void)
{
        struct rte_mbuf *m = make_frame(pool, 100, 2048, 3);
        struct dirty_log log, bad;
        struct fake_guest g;
        struct drv d;
        uint8_t *view;
        uint64_t buf, used_gpa;
        uint16_t head;
        int fd;
        char err[256];

        fg_init(&g);
        view = fg_log_init(&log, &fd);
        CHECK(dirty_log_map(&bad, fd, FG_LOG_SIZE + 0x2000, FG_LOG_OFFSET, err, sizeof(err)) != 0 &&
                  strstr(err, "past the end"),
              "log past its file: %s", err);
        t_log = &log;
        if (drv_init(&d, &g, 0x1000, QSIZE, 12, true, false) != 0)
                return;
        used_gpa = (0x1000 + 16 * QSIZE + 6 + 2 * QSIZE + 4095) & ~4095ull;
        /* An RX buffer across a page boundary. */
        buf = FG_BUF_GPA + 0x8000 - 50;
        {
                struct dspec s[] = {{buf, 1600, VRING_DESC_F_WRITE}};
                drv_post(&d, drv_chain(&d, s, 1));
        }
        CHECK(virtq_split_enqueue(&d.vq, &m, 1) == 1, "rx with log");
        frame_logged(view, buf);
        CHECK(fg_dirty(view, used_gpa), "used ring page");
        memset(view, 0, FG_LOG_SIZE);
        head = tx_post(&d, 60, 1, NULL, 0, false);
        tx_expect(&d, 60, 1, "tx with log");
        CHECK(fg_dirty(view, used_gpa), "used ring page after tx");
        CHECK(!fg_dirty(view, d.desc[head].addr), "tx buffer is only read");
        t_log = NULL;
        rte_pktmbuf_free(m);
        fg_log_fini(&log, view, fd);
        fg_fini(&g);
}

/* The driver side of the benchmark: chains the engine used go straight
 * back to avail, as a guest recycling its buffers would. */
static void bench_recycle(struct drv *d, uint16_t *seen)
{
        uint16_t u = drv_used_idx(d);

        while (*seen != u) {
                d->avail->ring[d->avail_idx++ & (d->size - 1)] =
                    (uint16_t)drv_used(d, (*seen)++).id;
        }
        __atomic_store_n(&d->avail->idx, d->avail_idx, __ATOMIC_RELEASE);
}

static void bench(uint32_t frame_len)
{
        struct fake_guest ga, gb;
        struct drv tx, rx;
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint16_t seen_tx = 0, seen_rx = 0;
        uint64_t frames = 0;
        unsigned i;
        double t0, dt;

        fg_init(&ga);
        fg_init(&gb);
        if (drv_init(&tx, &ga, 0x1000, 1024, 12, true, true) != 0 ||
            drv_init(&rx, &gb, 0x1000, 1024, 12, true, true) != 0)
                return;
        for (i = 0; i < 1024; i++) {
                tx_post(&tx, frame_len, i, NULL, 0, false);
                rx_post(&rx, 1, 1, 2048);
        }
        t0 = now_s();
        do {
                for (i = 0; i < 1000; i++) {
                        uint16_t n = virtq_split_dequeue(&tx.vq, pool, pkts, VIRTQ_BURST);
                        uint16_t sent = virtq_split_enqueue(&rx.vq, pkts, n);

                        frames += sent;
                        rte_pktmbuf_free_bulk(pkts, n);
                        bench_recycle(&tx, &seen_tx);
                        bench_recycle(&rx, &seen_rx);
                }
                dt = now_s() - t0;
        } while (dt < 2.0);
        printf("split %4u B: %.2f Mpps dequeue+enqueue (%.1f ns/frame), drops %llu\n", frame_len,
               frames / dt / 1e6, dt * 1e9 / frames,
               (unsigned long long)(virtq_stats_bad_desc(&tx.vq.stats) +
                                    virtq_stats_bad_desc(&rx.vq.stats)));
        fg_fini(&ga);
        fg_fini(&gb);
}

int main(int argc, char **argv)
{
        pool = t_eal_init(argv[0], "ring");
        if (t_bench(argc, argv, bench)) {
                t_eal_fini();
                return 0;
        }
        test_guest_mem();
        test_init_checks();
        test_tx_layouts();
        test_tx_bursts();
        test_rx();
        test_notify();
        test_arm();
        test_tx_malformed();
        test_rx_malformed();
        test_rx_many_chains();
        test_garbage();
        test_dirty_log();
        return t_finish(pool);
}
