/* What the split and packed ring tests' drivers do alike: describe the
 * buffers of a TX frame or an RX chain, check what came out of the engine,
 * count malformed RX chains and dirty pages, and run the benchmark or the
 * tests from main. How buffers reach the ring differs and stays in each. */
#ifndef TEST_RING_COMMON_H
#define TEST_RING_COMMON_H

#include <stdbool.h>
#include <time.h>

#include <linux/virtio_ring.h>

#include "test_ring_guest.h"
#include "virtq.h"

/* One guest buffer as the driver lays it out. */
struct dspec {
        uint64_t gpa;
        uint32_t len;
        uint16_t flags;
};

/* Guest TX frame: header (zeros) and len pattern bytes, cut into buffers
 * of the given lengths (the last takes the rest), alternating between
 * regions 1 and 2. Fills s and returns how many buffers. */
static unsigned tx_frame_specs(struct fake_guest *g, uint32_t hdr_len, uint32_t len, uint32_t seed,
                               const uint32_t *cuts, unsigned ncuts, struct dspec *s)
{
        uint8_t bytes[16384];
        uint32_t total = hdr_len + len, off = 0;
        unsigned i, n = 0;

        memset(bytes, 0, hdr_len);
        fill_pattern(bytes + hdr_len, len, seed);
        for (i = 0; i <= ncuts && off < total; i++) {
                uint32_t l = i < ncuts ? cuts[i] : total - off;
                uint64_t gpa = (i & 1) ? fg_high(g, l + 1) : fg_buf(g, l + 1);

                if (l > 0)
                        memcpy(fg_ptr(g, gpa), bytes + off, l);
                s[n++] = (struct dspec){gpa, l, 0};
                off += l;
        }
        return n;
}

/* Guest RX chain: ndesc writable buffers of len in region 1. Every other
 * buffer holds stale bytes, as a recycled one does: the header written
 * over them must come out zeroed just the same. */
static void rx_chain_specs(struct fake_guest *g, unsigned ndesc, uint32_t len, struct dspec *s)
{
        static unsigned stale;
        unsigned i;

        for (i = 0; i < ndesc; i++) {
                s[i] = (struct dspec){fg_buf(g, len), len, VRING_DESC_F_WRITE};
                if (stale++ % 2 == 0)
                        memset(fg_ptr(g, s[i].gpa), 0xa5, len);
        }
}

/* A dequeue of n frames was to give exactly one, (len, seed). */
static void expect_one_frame(struct rte_mbuf **pkts, uint16_t n, uint32_t len, uint32_t seed,
                             const char *what)
{
        CHECK(n == 1, "%s: %u frames", what, n);
        if (n >= 1)
                CHECK(frame_matches(pkts[0], len, seed), "%s: bytes differ (len %u segs %u)", what,
                      pkts[0]->pkt_len, pkts[0]->nb_segs);
}

/* The got bytes the guest gathered from its used buffers: a zero header
 * of hdr_len whose num_buffers (12-byte header) is nbufs, then len
 * pattern bytes of seed. */
static void rx_check_bytes(const uint8_t *bytes, uint32_t got, uint32_t hdr_len, uint32_t len,
                           uint32_t seed, uint16_t nbufs, const char *what)
{
        static const uint8_t zero[10];
        uint8_t want[16384];
        uint16_t num_buffers = 0;

        CHECK(got == hdr_len + len, "%s: %u bytes, want %u", what, got, hdr_len + len);
        if (got != hdr_len + len)
                return;
        CHECK(memcmp(bytes, zero, 10) == 0, "%s: header not zeroed", what);
        if (hdr_len == 12) {
                memcpy(&num_buffers, bytes + 10, 2);
                CHECK(num_buffers == nbufs, "%s: num_buffers %u want %u", what, num_buffers, nbufs);
        }
        fill_pattern(want, len, seed);
        CHECK(memcmp(bytes + hdr_len, want, len) == 0, "%s: payload differs", what);
}

/* Three malformed RX chains, in the order rx_bad_counted expects them:
 * device-readable, shorter than the header, outside guest memory. */
static void rx_bad_specs(struct fake_guest *g, struct dspec s[3])
{
        s[0] = (struct dspec){fg_buf(g, 1600), 1600, 0};
        s[1] = (struct dspec){fg_buf(g, 8), 8, VRING_DESC_F_WRITE};
        s[2] = (struct dspec){0x7000000000ull, 1600, VRING_DESC_F_WRITE};
}

static void rx_bad_counted(const struct virtq_stats *st)
{
        CHECK(st->drops[VQ_DROP_BAD_DIRECTION] == 1, "read-only in RX counted");
        CHECK(st->drops[VQ_DROP_BAD_SHORT] == 1, "chain shorter than header counted");
        CHECK(st->drops[VQ_DROP_BAD_ADDR] == 1, "bad address counted");
}

/* A frame written at buf (100 bytes, across a page boundary) dirtied both
 * its pages and no further. */
static void frame_logged(const uint8_t *view, uint64_t buf)
{
        CHECK(fg_dirty(view, buf) && fg_dirty(view, buf + 100), "both pages of the frame");
        CHECK(!fg_dirty(view, buf + 0x2000), "page past the frame untouched");
}

static uint64_t rnd(void)
{
        return ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
}

static double now_s(void)
{
        struct timespec ts;

        /* CPU time of this thread: the figures hold on a loaded host. */
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* With --bench [frame length], runs bench (both standard sizes by
 * default) and says so; the tests are then not run. */
static bool t_bench(int argc, char **argv, void (*bench)(uint32_t))
{
        if (argc < 2 || strcmp(argv[1], "--bench") != 0)
                return false;
        if (argc > 2) {
                bench((uint32_t)atoi(argv[2]));
        } else {
                bench(64);
                bench(1518);
        }
        return true;
}

/* After the tests: no mbuf may still be out of the pool. */
static int t_finish(struct rte_mempool *mp)
{
        CHECK(rte_mempool_in_use_count(mp) == 0, "mbufs leaked: %u", rte_mempool_in_use_count(mp));
        t_eal_fini();
        return t_report();
}

#endif
