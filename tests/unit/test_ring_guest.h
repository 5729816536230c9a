/* Test scaffolding shared by the ring engine tests: EAL and an mbuf pool,
 * unit_check.h's counting, and a fake guest whose RAM is a memfd split into three
 * regions at scattered guest physical addresses (one with an mmap offset
 * that is not page aligned), as a front end would describe it. */
#ifndef TEST_RING_GUEST_H
#define TEST_RING_GUEST_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dirty_log.h"
#include "guest_mem.h"
#include "unit_check.h"

static struct rte_mempool *t_eal_init(const char *argv0, const char *tag)
{
        char prefix[64];
        char *args[] = {(char *)argv0,    "--no-huge",     "--no-pci",     "-m", "128",
                        "--no-shconf",    "--file-prefix", prefix,         "-l", "0",
                        "--no-telemetry", "--log-level",   "lib.eal:error"};
        struct rte_mempool *mp;

        snprintf(prefix, sizeof(prefix), "vswt-%s%d", tag, (int)getpid());
        if (rte_eal_init((int)RTE_DIM(args), args) < 0) {
                printf("rte_eal_init failed\n");
                exit(2);
        }
        mp = rte_pktmbuf_pool_create("t_mbufs", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
        if (mp == NULL) {
                printf("mbuf pool: %s\n", rte_strerror(rte_errno));
                exit(2);
        }
        return mp;
}

/* EAL leaves its (empty, with --no-shconf) runtime directory behind. */
static void t_eal_fini(void)
{
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
        rte_eal_cleanup();
        rmdir(dir);
}

#define FG_FILE_SIZE 0x400000u
#define FG_RING_GPA  0x0ull         /* region 0: rings, 1 MB at file offset 0 */
#define FG_BUF_GPA   0x40000000ull  /* region 1: buffers, 2 MB at file offset 1 MB */
#define FG_HIGH_GPA  0x100000000ull /* region 2: tables and buffers, above 4 GB */
#define FG_HIGH_OFF  0x300800ull    /* not page aligned */
#define FG_HIGH_SIZE 0xff000ull

struct fake_guest {
        int fd;
        uint8_t *mem; /* the test driver's own view of the whole file */
        struct vsw_mem_table table;
        int fds[VSW_MAX_MEM_REGIONS];
        struct guest_mem gm; /* the engine's view */
        uint64_t buf_next;   /* bump allocator in region 1 */
        uint64_t high_next;  /* bump allocator in region 2 */
};

static void fg_region(struct fake_guest *g, unsigned slot, uint64_t gpa, uint64_t size,
                      uint64_t off)
{
        struct vsw_mem_region *r = &g->table.regions[slot];

        r->guest_phys_addr = gpa;
        r->memory_size = size;
        r->userspace_addr = 0x7f0000000000ull + off;
        r->mmap_offset = off;
        r->fd = g->fd;
        r->in_use = 1;
        g->fds[slot] = g->fd;
        g->table.nregions++;
}

static void fg_init(struct fake_guest *g)
{
        char err[256];

        memset(g, 0, sizeof(*g));
        g->fd = memfd_create("fake-guest", MFD_CLOEXEC);
        if (g->fd < 0 || ftruncate(g->fd, FG_FILE_SIZE) != 0) {
                perror("memfd");
                exit(2);
        }
        g->mem = mmap(NULL, FG_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
        if (g->mem == MAP_FAILED) {
                perror("mmap");
                exit(2);
        }
        /* Slots out of order and with a hole, as ADD_MEM_REG leaves them. */
        fg_region(g, 0, FG_RING_GPA, 0x100000, 0);
        fg_region(g, 3, FG_BUF_GPA, 0x200000, 0x100000);
        fg_region(g, 5, FG_HIGH_GPA, FG_HIGH_SIZE, FG_HIGH_OFF);
        if (gm_map(&g->gm, &g->table, g->fds, NULL, err, sizeof(err)) != 0) {
                printf("gm_map: %s\n", err);
                exit(2);
        }
        g->buf_next = FG_BUF_GPA;
        g->high_next = FG_HIGH_GPA;
}

static void fg_fini(struct fake_guest *g)
{
        gm_unmap(&g->gm);
        munmap(g->mem, FG_FILE_SIZE);
        close(g->fd);
}

/* The driver's pointer for a guest physical address. */
static void *fg_ptr(struct fake_guest *g, uint64_t gpa)
{
        unsigned s;

        for (s = 0; s < VSW_MAX_MEM_REGIONS; s++) {
                const struct vsw_mem_region *r = &g->table.regions[s];

                if (r->in_use && gpa >= r->guest_phys_addr &&
                    gpa - r->guest_phys_addr < r->memory_size)
                        return g->mem + r->mmap_offset + (gpa - r->guest_phys_addr);
        }
        printf("fg_ptr: 0x%llx is not guest memory\n", (unsigned long long)gpa);
        exit(2);
}

/* A buffer of len bytes in region 1 (wrapping), 64-byte aligned. */
static uint64_t fg_buf(struct fake_guest *g, uint32_t len)
{
        uint64_t gpa;

        if (g->buf_next + len > FG_BUF_GPA + 0x200000)
                g->buf_next = FG_BUF_GPA;
        gpa = g->buf_next;
        g->buf_next += (len + 63) & ~63u;
        return gpa;
}

/* Likewise in region 2, for indirect tables and buffers above 4 GB. */
static uint64_t fg_high(struct fake_guest *g, uint32_t len)
{
        uint64_t gpa;

        if (g->high_next + len > FG_HIGH_GPA + FG_HIGH_SIZE)
                g->high_next = FG_HIGH_GPA;
        gpa = g->high_next;
        g->high_next += (len + 63) & ~63u;
        return gpa;
}

/* A dirty log covering all three regions, at a non-zero offset in its
 * memfd as SET_LOG_BASE allows. */
#define FG_LOG_SIZE   (((FG_HIGH_GPA + FG_HIGH_SIZE) / DIRTY_LOG_PAGE + 7) / 8)
#define FG_LOG_OFFSET 0x1000u

static uint8_t *fg_log_init(struct dirty_log *log, int *fd)
{
        char err[256];
        uint8_t *view;

        *fd = memfd_create("fake-log", MFD_CLOEXEC);
        if (*fd < 0 || ftruncate(*fd, FG_LOG_OFFSET + FG_LOG_SIZE) != 0) {
                perror("log memfd");
                exit(2);
        }
        if (dirty_log_map(log, *fd, FG_LOG_SIZE, FG_LOG_OFFSET, err, sizeof(err)) != 0) {
                printf("dirty_log_map: %s\n", err);
                exit(2);
        }
        view = mmap(NULL, FG_LOG_OFFSET + FG_LOG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
        if (view == MAP_FAILED) {
                perror("mmap log");
                exit(2);
        }
        return view + FG_LOG_OFFSET;
}

static void fg_log_fini(struct dirty_log *log, uint8_t *view, int fd)
{
        dirty_log_unmap(log);
        munmap(view - FG_LOG_OFFSET, FG_LOG_OFFSET + FG_LOG_SIZE);
        close(fd);
}

/* Whether the front end would see the page holding gpa as dirty. */
static int fg_dirty(const uint8_t *view, uint64_t gpa)
{
        uint64_t page = gpa / DIRTY_LOG_PAGE;

        return (view[page / 8] >> (page % 8)) & 1;
}

static void fill_pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
        uint32_t i;

        for (i = 0; i < len; i++)
                p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

/* A frame of len pattern bytes in mbufs of at most seg bytes each. */
static struct rte_mbuf *make_frame(struct rte_mempool *mp, uint32_t len, uint32_t seg,
                                   uint32_t seed)
{
        uint8_t tmp[16384];
        struct rte_mbuf *head = NULL, *last = NULL;
        uint32_t off = 0;

        fill_pattern(tmp, len, seed);
        while (off < len || head == NULL) {
                struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
                uint32_t chunk = len - off < seg ? len - off : seg;

                if (m == NULL)
                        exit(2);
                memcpy(rte_pktmbuf_append(m, (uint16_t)chunk), tmp + off, chunk);
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

/* Whether the mbuf chain holds exactly len pattern bytes of seed. */
static int frame_matches(const struct rte_mbuf *m, uint32_t len, uint32_t seed)
{
        uint8_t want[16384], got[16384];

        if (m->pkt_len != len || len > sizeof(got))
                return 0;
        fill_pattern(want, len, seed);
        return memcmp(rte_pktmbuf_read(m, 0, len, got), want, len) == 0;
}

#endif
