/* What the ring engine fuzzers share: EAL and an mbuf pool, an input
 * reader, and a synthetic guest whose memory the engines cannot leave
 * unnoticed.
 *
 * Guest memory is three regions and a dirty log bitmap, each between
 * PROT_NONE guard pages of one reservation:
 *   guard | A: rings, 8 KiB | guard | B: buffers, 16 KiB | guard |
 *   C: tables and buffers, 8 KiB, across the 4 GiB line | guard | log | guard
 * The driver puts a ring at the very end of A, buffers often end at the end
 * of B or C, the bitmap ends at its guard: an access past any of them
 * faults. Writes that stay inside mapped memory are caught by comparison:
 * before each engine call the regions are copied, afterwards every byte
 * that changed must lie in what the device may write (the used ring, the
 * packed descriptor ring, the device event area, and with RX the
 * device-writable buffers of every descriptor and indirect table entry the
 * guest wrote), or the fuzzer aborts. With the dirty log on (and the used
 * ring logged where it is), each changed byte's page must also have its
 * bit set in the bitmap, where the bitmap covers it. */
#ifndef FUZZ_RING_GUEST_H
#define FUZZ_RING_GUEST_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <linux/virtio_ring.h>

#include "dirty_log.h"
#include "guest_mem.h"
#include "virtq.h"
#include "virtq_chain.h"

/* The checking code is no part of what is fuzzed: no coverage feedback
 * from it (its byte loops would also cost most of the time). */
#define FZ_UNTRACED __attribute__((no_sanitize("coverage")))

#define FZ_PAGE      4096u
#define FZ_NREG      3
#define FZ_LOG_BYTES 64u /* bitmap: 512 pages, the low 2 MiB of guest memory */

/* Guest physical layout. C straddles 4 GiB: a 32-bit truncation shows. */
#define FZ_A_GPA  0x10000ull
#define FZ_A_SIZE (2 * FZ_PAGE)
#define FZ_B_GPA  0x40000000ull
#define FZ_B_SIZE (4 * FZ_PAGE)
#define FZ_C_GPA  (0x100000000ull - FZ_PAGE)
#define FZ_C_SIZE (2 * FZ_PAGE)

struct fz_in {
        const uint8_t *p;
        size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
        return (uint16_t)(fz_u8(in) | fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
        return (uint32_t)fz_u16(in) | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
        return (uint64_t)fz_u32(in) | (uint64_t)fz_u32(in) << 32;
}

struct fz_guest {
        uint8_t *arena; /* the reservation, guards included */
        size_t arena_len;
        size_t off[FZ_NREG]; /* where each region starts in the arena */
        uint8_t *log_bitmap; /* FZ_LOG_BYTES before a guard */
        struct guest_mem gm;
        struct dirty_log log;
        uint8_t *before;   /* arena copy (regions and bitmap only) */
        uint8_t *may;      /* per arena byte: the device may write it */
        uint64_t buf_next; /* bump allocator over B, for chains */
        bool check_log;    /* every page written must be marked in the log */
};

static const uint64_t fz_gpa[FZ_NREG] = {FZ_A_GPA, FZ_B_GPA, FZ_C_GPA};
static const uint64_t fz_size[FZ_NREG] = {FZ_A_SIZE, FZ_B_SIZE, FZ_C_SIZE};

static struct rte_mempool *fz_pool;
static struct fz_guest fz_g;

static void fz_die(const char *what)
{
        fprintf(stderr, "fuzz setup: %s\n", what);
        exit(2);
}

/* EAL pins the calling thread to its lcore: libFuzzer's process gets its
 * CPUs back, so two fuzzers do not share one core. */
/* EAL leaves its (empty, with --no-shconf) runtime directory behind. */
static void fz_eal_fini(void)
{
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
        rte_eal_cleanup();
        rmdir(dir);
}

static void fz_eal_init(const char *tag)
{
        char prefix[64];
        char *args[] = {"fuzz",           "--no-huge",     "--no-pci", "-m", "64",
                        "--no-shconf",    "--file-prefix", prefix,     "-l", "0",
                        "--no-telemetry", "--log-level",   "*:error"};
        cpu_set_t cpus;

        if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0)
                fz_die("sched_getaffinity");
        snprintf(prefix, sizeof(prefix), "vswfz-%s%d", tag, (int)getpid());
        if (rte_eal_init((int)RTE_DIM(args), args) < 0)
                fz_die("rte_eal_init");
        if (sched_setaffinity(0, sizeof(cpus), &cpus) != 0)
                fz_die("sched_setaffinity");
        fz_pool = rte_pktmbuf_pool_create("fz_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                          SOCKET_ID_ANY);
        if (fz_pool == NULL)
                fz_die(rte_strerror(rte_errno));
        if (atexit(fz_eal_fini) != 0)
                fz_die("atexit");
}

/* The arena: guard, A, guard, B, guard, C, guard, log page, guard. */
static void fz_guest_init(void)
{
        struct fz_guest *g = &fz_g;
        size_t at = FZ_PAGE;
        unsigned r;

        g->arena_len = FZ_PAGE * 5 + FZ_A_SIZE + FZ_B_SIZE + FZ_C_SIZE + FZ_PAGE;
        g->arena = mmap(NULL, g->arena_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g->before = calloc(1, g->arena_len);
        g->may = calloc(1, g->arena_len);
        if (g->arena == MAP_FAILED || g->before == NULL || g->may == NULL)
                fz_die("arena");
        gm_init(&g->gm);
        for (r = 0; r < FZ_NREG; r++) {
                struct gm_region *x = &g->gm.regions[r];

                g->off[r] = at;
                if (mprotect(g->arena + at, fz_size[r], PROT_READ | PROT_WRITE) != 0)
                        fz_die("mprotect");
                x->gpa = fz_gpa[r];
                x->size = fz_size[r];
                x->uva = 0x7f0000000000ull + at;
                x->host = g->arena + at;
                at += fz_size[r] + FZ_PAGE;
        }
        g->gm.nregions = FZ_NREG;
        if (mprotect(g->arena + at, FZ_PAGE, PROT_READ | PROT_WRITE) != 0)
                fz_die("mprotect log");
        g->log_bitmap = g->arena + at + FZ_PAGE - FZ_LOG_BYTES;
        g->log.bitmap = g->log_bitmap;
        g->log.size = FZ_LOG_BYTES;
}

/* A fresh guest for one input: known bytes everywhere, nothing offered. */
FZ_UNTRACED static void fz_guest_reset(void)
{
        struct fz_guest *g = &fz_g;
        unsigned r;

        for (r = 0; r < FZ_NREG; r++)
                memset(g->arena + g->off[r], 0xa5, fz_size[r]);
        memset(g->log_bitmap, 0, FZ_LOG_BYTES);
        g->gm.last_hit = 0;
        g->buf_next = FZ_B_GPA;
}

/* The driver's pointer for [gpa, gpa + len), or NULL unless inside one
 * region. */
FZ_UNTRACED static uint8_t *fz_ptr(uint64_t gpa, uint64_t len)
{
        unsigned r;

        for (r = 0; r < FZ_NREG; r++) {
                uint64_t off = gpa - fz_gpa[r];

                if (off < fz_size[r] && len <= fz_size[r] - off)
                        return fz_g.arena + fz_g.off[r] + off;
        }
        return NULL;
}

/* An address and length for a buffer or table, from the input: mostly
 * inside B or C, often flush against a region's end (and its guard),
 * sometimes across an edge or anywhere at all. */
static void fz_addr_len(struct fz_in *in, uint64_t *gpa, uint32_t *len)
{
        uint8_t mode = fz_u8(in);
        uint16_t v = fz_u16(in);

        *len = (mode & 0x80) ? fz_u16(in) : (uint32_t)(v & 0x7ff);
        switch (mode & 7) {
        case 0:
        case 1:
                *gpa = FZ_B_GPA + v % FZ_B_SIZE;
                break;
        case 2:
                *gpa = FZ_B_GPA + FZ_B_SIZE - *len; /* ends at B's guard */
                break;
        case 3:
                *gpa = FZ_C_GPA + v % FZ_C_SIZE;
                break;
        case 4:
                *gpa = FZ_C_GPA + FZ_C_SIZE - *len;
                break;
        case 5:
                *gpa = FZ_A_GPA + v % FZ_A_SIZE;
                break;
        case 6:
                *gpa = fz_gpa[v % FZ_NREG] + fz_size[v % FZ_NREG] - (v >> 4); /* across */
                break;
        default:
                *gpa = fz_u64(in);
                *len = fz_u32(in);
                break;
        }
}

/* A buffer of len bytes for a chain: B, bump allocated, wrapping. */
static uint64_t fz_buf(uint32_t len)
{
        uint64_t gpa;

        if (len > FZ_B_SIZE)
                len = FZ_B_SIZE;
        if (fz_g.buf_next + len > FZ_B_GPA + FZ_B_SIZE)
                fz_g.buf_next = FZ_B_GPA;
        gpa = fz_g.buf_next;
        fz_g.buf_next += len;
        return gpa;
}

/* The device may write [gpa, gpa + len) (when it is guest memory). */
FZ_UNTRACED static void fz_may_write(uint64_t gpa, uint64_t len)
{
        uint8_t *p = fz_ptr(gpa, len);

        if (p != NULL && len > 0)
                memset(fz_g.may + (p - fz_g.arena), 1, len);
}

/* Copies guest memory and the bitmap before an engine call. */
FZ_UNTRACED static void fz_snapshot(void)
{
        struct fz_guest *g = &fz_g;
        unsigned r;

        for (r = 0; r < FZ_NREG; r++)
                memcpy(g->before + g->off[r], g->arena + g->off[r], fz_size[r]);
        memcpy(g->before + (g->log_bitmap - g->arena), g->log_bitmap, FZ_LOG_BYTES);
}

/* Whether any byte changed since the snapshot. */
FZ_UNTRACED static bool fz_changed(void)
{
        struct fz_guest *g = &fz_g;
        unsigned r;

        for (r = 0; r < FZ_NREG; r++)
                if (memcmp(g->before + g->off[r], g->arena + g->off[r], fz_size[r]) != 0)
                        return true;
        return false;
}

/* After an engine call that changed guest memory, with may[] filled in by
 * the caller from the snapshot: any changed byte outside it is a write
 * the device had no right to. The bitmap may change anywhere. */
FZ_UNTRACED static void fz_check_writes(const char *op)
{
        struct fz_guest *g = &fz_g;
        unsigned r;

        for (r = 0; r < FZ_NREG; r++) {
                for (size_t i = g->off[r]; i < g->off[r] + fz_size[r]; i++) {
                        /* Whole lines that did not change are skipped. */
                        if (i % 64 == 0 && memcmp(g->before + i, g->arena + i, 64) == 0) {
                                i += 63;
                                continue;
                        }
                        if (g->before[i] != g->arena[i] && g->check_log) {
                                uint64_t page = (fz_gpa[r] + i - g->off[r]) / FZ_PAGE;

                                if (page / 8 < FZ_LOG_BYTES &&
                                    !(g->log_bitmap[page / 8] & (1u << (page % 8)))) {
                                        fprintf(stderr,
                                                "%s wrote guest byte 0x%llx (region %u +0x%zx) "
                                                "without marking its page in the dirty log\n",
                                                op, (unsigned long long)(fz_gpa[r] + i - g->off[r]),
                                                r, i - g->off[r]);
                                        abort();
                                }
                        }
                        if (g->before[i] != g->arena[i] && !g->may[i]) {
                                fprintf(stderr,
                                        "%s wrote guest byte 0x%llx (region %u +0x%zx): 0x%02x -> "
                                        "0x%02x, outside the ring areas and offered buffers\n",
                                        op, (unsigned long long)(fz_gpa[r] + i - g->off[r]), r,
                                        i - g->off[r], g->before[i], g->arena[i]);
                                abort();
                        }
                }
        }
}

/* The snapshot's view of guest memory: descriptors as the guest wrote them
 * before the call (the packed engine overwrites slots with used ones). */
FZ_UNTRACED static const uint8_t *fz_before(uint64_t gpa, uint64_t len)
{
        const uint8_t *p = fz_ptr(gpa, len);

        return p == NULL ? NULL : fz_g.before + (p - fz_g.arena);
}

/* Marks the device-writable buffers of the n 16-byte descriptors at
 * desc_gpa (split or packed: addr and len are where both put them, the
 * flags not), and of the indirect tables they point at. */
FZ_UNTRACED static void fz_may_write_descs(uint64_t desc_gpa, uint32_t n, bool packed,
                                           bool in_table)
{
        for (uint32_t i = 0; i < n; i++) {
                const uint8_t *d = fz_before(desc_gpa + 16ull * i, 16);
                uint64_t addr;
                uint32_t len;
                uint16_t flags;

                if (d == NULL)
                        return;
                memcpy(&addr, d, 8);
                memcpy(&len, d + 8, 4);
                memcpy(&flags, d + (packed ? 14 : 12), 2);
                if (flags & VRING_DESC_F_WRITE)
                        fz_may_write(addr, len);
                if ((flags & VRING_DESC_F_INDIRECT) && !in_table && fz_before(addr, len) != NULL)
                        fz_may_write_descs(addr, len / 16, packed, true);
        }
}

/* A frame of len bytes in mbufs of at most 64 + seg % 1985 bytes each;
 * NULL when the pool is empty. */
static struct rte_mbuf *fz_frame(uint32_t len, uint32_t seg)
{
        struct rte_mbuf *head = NULL, *last = NULL;
        uint32_t off = 0;

        seg = 64 + seg % (RTE_MBUF_DEFAULT_DATAROOM - 63);
        while (off < len || head == NULL) {
                struct rte_mbuf *m = rte_pktmbuf_alloc(fz_pool);
                uint32_t chunk = RTE_MIN(len - off, seg);
                char *p;

                if (m == NULL) {
                        rte_pktmbuf_free(head);
                        return NULL;
                }
                p = rte_pktmbuf_append(m, (uint16_t)chunk);
                memset(p, (int)(off + len), chunk);
                off += chunk;
                if (head == NULL) {
                        head = m;
                } else {
                        last->next = m;
                        head->nb_segs++;
                        head->pkt_len += chunk;
                }
                last = m;
        }
        return head;
}

/* The mbufs of dequeued frames go back; then none may be missing. */
static void fz_free_frames(struct rte_mbuf **pkts, uint16_t n)
{
        for (uint16_t i = 0; i < n; i++) {
                if (pkts[i]->pkt_len == 0 || pkts[i]->pkt_len > VIRTQ_MAX_FRAME_LEN)
                        abort(); /* the engine handed out an empty or oversized frame */
        }
        rte_pktmbuf_free_bulk(pkts, n);
}

static void fz_no_mbuf_leak(void)
{
        if (rte_mempool_in_use_count(fz_pool) != 0) {
                fprintf(stderr, "%u mbufs not returned to the pool\n",
                        rte_mempool_in_use_count(fz_pool));
                abort();
        }
}

/* The one-copy path (virtq_chain.h). Sources for a put: up to 4 TX chains
 * as a peek of another ring gives them (valid buffers, in C, the first
 * holding the hdr-byte header and an Ethernet header), into src; returns
 * how many. */
static unsigned fz_chains(struct fz_in *in, struct virtq_chain *src, uint16_t hdr)
{
        unsigned n = 1 + fz_u8(in) % 4;

        for (unsigned k = 0; k < n; k++) {
                struct virtq_chain *c = &src[k];
                uint64_t total = 0;

                /* The header alone in the first buffer, or the frame
                 * behind it. */
                bool split = fz_u8(in) & 1;

                c->nbufs = (split ? 2 : 1) + fz_u8(in) % (VIRTQ_CHAIN_BUFS - 1);
                for (uint32_t i = 0; i < c->nbufs; i++) {
                        uint32_t len = 1u + fz_u8(in) * 4u;

                        if (i == 0)
                                len = split ? hdr : hdr + 13u + len;
                        else if (i == 1 && split)
                                len += 13u;
                        uint64_t gpa = FZ_C_GPA + fz_u16(in) % (FZ_C_SIZE - len + 1);

                        c->bufs[i].addr = fz_ptr(gpa, len);
                        c->bufs[i].len = len;
                        total += len;
                }
                c->len = (uint32_t)(total - hdr);
                c->frame = split ? c->bufs[1].addr : c->bufs[0].addr + hdr;
                c->id = 0;
                c->ndesc = 1;
        }
        return n;
}

/* What a peek promises of each chain it gives: buffers inside guest
 * memory, the first holding the header and min_first frame bytes, the
 * frame length their sum less the header. */
FZ_UNTRACED static void fz_check_chains(const struct virtq_chain *ch, uint16_t n, uint16_t hdr,
                                        uint32_t min_first)
{
        for (uint16_t k = 0; k < n; k++) {
                uint64_t total = 0;

                bool behind = ch[k].nbufs > 0 && ch[k].bufs[0].len >= hdr + min_first;
                bool second =
                    ch[k].nbufs > 1 && ch[k].bufs[0].len == hdr && ch[k].bufs[1].len >= min_first;

                if (ch[k].nbufs == 0 || ch[k].nbufs > VIRTQ_CHAIN_BUFS || !(behind || second) ||
                    ch[k].frame != (behind ? ch[k].bufs[0].addr + hdr : ch[k].bufs[1].addr))
                        abort();
                for (uint32_t i = 0; i < ch[k].nbufs; i++) {
                        const uint8_t *p = ch[k].bufs[i].addr;
                        bool inside = false;

                        for (unsigned r = 0; r < FZ_NREG; r++) {
                                const uint8_t *b = fz_g.arena + fz_g.off[r];

                                if (p >= b && p <= b + fz_size[r] &&
                                    ch[k].bufs[i].len <= (uint64_t)(b + fz_size[r] - p))
                                        inside = true;
                        }
                        if (!inside)
                                abort();
                        total += ch[k].bufs[i].len;
                }
                if (ch[k].len != total - hdr)
                        abort();
        }
}

/* The one-copy path's two operations, the same for both engines (engine:
 * split or packed; the fuzzer defines drv, check() and fz_snapshot()):
 * - op_peek, TX side: chains peeked in place (nothing consumed, only the
 *   used ring may change; when it says none are left, a second look finds
 *   the same), then some of them returned as used;
 * - op_put, RX side: another guest's chains copied into this ring's
 *   buffers with the decided header over their first bytes, the used
 *   entries published apart; a source that faulted under the copy leaves
 *   the ring as it was, and a ring the put found broken counts that,
 *   nothing else. */
#define FZ_ONECOPY_OPS(engine)                                                                     \
        static void op_peek(struct fz_in *in)                                                      \
        {                                                                                          \
                struct virtq_chain ch[VIRTQ_BURST];                                                \
                uint16_t count = fz_u8(in) % (VIRTQ_BURST + 1), n, k;                              \
                uint32_t min_first = fz_u8(in) % 64;                                               \
                                                                                                   \
                bool left, again_left;                                                             \
                                                                                                   \
                fz_snapshot();                                                                     \
                n = virtq_##engine##_peek(&drv.vq, ch, count, min_first, &left);                   \
                /* Nothing left: a second look, however far, finds the same. */                    \
                if (!left && (virtq_##engine##_peek(&drv.vq, ch, VIRTQ_BURST, min_first,           \
                                                    &again_left) != n ||                           \
                              again_left))                                                         \
                        abort();                                                                   \
                check(false, "peek");                                                              \
                if (n > count)                                                                     \
                        abort();                                                                   \
                fz_check_chains(ch, n, drv.vq.hdr_len, min_first);                                 \
                k = n ? fz_u8(in) % (n + 1) : 0;                                                   \
                fz_snapshot();                                                                     \
                virtq_##engine##_consume(&drv.vq, ch, k);                                          \
                check(false, "consume");                                                           \
        }                                                                                          \
                                                                                                   \
        static void op_put(struct fz_in *in)                                                       \
        {                                                                                          \
                struct virtq_chain src[4];                                                         \
                uint16_t src_hdr = (fz_u8(in) & 1) ? 12 : 10, done;                                \
                unsigned n = fz_chains(in, src, src_hdr);                                          \
                uint8_t pre[14];                                                                   \
                uint8_t gone = fz_u8(in) % 8 == 0;                                                 \
                struct virtq_stats before = drv.vq.stats;                                          \
                                                                                                   \
                for (unsigned i = 0; i < sizeof(pre); i++)                                         \
                        pre[i] = fz_u8(in);                                                        \
                fz_snapshot();                                                                     \
                done = virtq_##engine##_put(&drv.vq, src, (uint16_t)n, src_hdr,                    \
                                            (struct virtq_prefix){pre, sizeof(pre)}, &gone);       \
                check(true, "put");                                                                \
                if (done > n ||                                                                    \
                    (gone && (done != 0 || before.packets != drv.vq.stats.packets ||               \
                              memcmp(before.drops, drv.vq.stats.drops, sizeof(before.drops)))))    \
                        abort();                                                                   \
                fz_snapshot();                                                                     \
                virtq_##engine##_publish(&drv.vq);                                                 \
                check(false, "publish");                                                           \
        }

#endif
