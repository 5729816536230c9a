/* libFuzzer target for the virtio-net header parser (dataplane/ring/
 * virtio_net_hdr.c): a hostile guest's header and frame, the frame in a
 * chain of mbufs of fuzzed sizes, the guest's offloads fuzzed too.
 *
 * Input:
 *   u8  offloads the guest negotiated (VIRTQ_OL_* in the low 4 bits)
 *   u8  first segment's length (1 + v * 8, at most what the mbuf holds)
 *   10  bytes of virtio-net header
 *   then the frame (at most 9000 bytes), the rest of it in full segments.
 * Checked: no byte of any segment's buffer outside the frame changes; in
 * the frame only the checksum field the header names may change; metadata
 * set on success describes headers inside the first segment, and the RX
 * header built back from it points inside the frame. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "virtio_net_hdr.h"

#define MAX_FRAME 9000u
#define MAX_SEGS  16

static struct rte_mempool *pool;

/* EAL leaves its (empty, with --no-shconf) runtime directory behind. */
static void eal_fini(void)
{
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
        rte_eal_cleanup();
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        char prefix[64];
        char *args[] = {"fuzz",           "--no-huge",     "--no-pci", "-m", "64",
                        "--no-shconf",    "--file-prefix", prefix,     "-l", "0",
                        "--no-telemetry", "--log-level",   "*:error"};

        (void)argc;
        (void)argv;
        snprintf(prefix, sizeof(prefix), "vswfz-nethdr%d", (int)getpid());
        if (rte_eal_init((int)RTE_DIM(args), args) < 0)
                abort();
        pool = rte_pktmbuf_pool_create("fz_mbufs", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       SOCKET_ID_ANY);
        if (pool == NULL || atexit(eal_fini) != 0)
                abort();
        return 0;
}

struct fz_in {
        const uint8_t *p;
        size_t n;
};

static uint8_t fz_u8(struct fz_in *in)
{
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

static uint8_t before[MAX_SEGS][RTE_MBUF_DEFAULT_BUF_SIZE];
static uint8_t frame_before[MAX_FRAME];

/* The frame into a chain; NULL when the pool is out (never: one at a time). */
static struct rte_mbuf *build(const uint8_t *p, uint32_t len, uint32_t first)
{
        struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *seg = m;
        uint32_t room = RTE_MIN(first, (uint32_t)rte_pktmbuf_tailroom(m));

        if (m == NULL)
                abort();
        while (len > 0) {
                uint32_t n = RTE_MIN(len, room);

                memcpy(rte_pktmbuf_mtod(seg, uint8_t *) + seg->data_len, p, n);
                seg->data_len = (uint16_t)(seg->data_len + n);
                m->pkt_len += n;
                p += n;
                len -= n;
                if (len > 0) {
                        struct rte_mbuf *next = rte_pktmbuf_alloc(pool);

                        if (next == NULL || m->nb_segs == MAX_SEGS)
                                abort();
                        seg->next = next;
                        seg = next;
                        m->nb_segs++;
                        room = rte_pktmbuf_tailroom(seg);
                }
        }
        return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size};
        struct virtio_net_hdr_le h;
        struct virtq_stats st = {0};
        uint8_t host_ol = fz_u8(&in) & 0xf;
        uint32_t first = 1 + fz_u8(&in) * 8u, len, k = 0, off = 0;
        struct rte_mbuf *m, *seg;
        enum virtq_drop r;

        for (unsigned i = 0; i < sizeof(h); i++)
                ((uint8_t *)&h)[i] = fz_u8(&in);
        len = (uint32_t)RTE_MIN(in.n, (size_t)MAX_FRAME);
        if (len == 0)
                return 0;
        m = build(in.p, len, first);
        memcpy(frame_before, in.p, len);
        for (seg = m; seg != NULL; seg = seg->next)
                memcpy(before[k++], seg->buf_addr, seg->buf_len);

        r = virtio_net_hdr_tx(&h, m, host_ol, &st);
        if (r != VQ_DROP_NONE && r != VQ_DROP_BAD_NET_HDR)
                abort();

        k = 0;
        for (seg = m; seg != NULL; seg = seg->next, k++) {
                const uint8_t *now = seg->buf_addr;

                for (uint32_t b = 0; b < seg->buf_len; b++) {
                        bool in_frame = b >= seg->data_off && b < seg->data_off + seg->data_len;

                        if (!in_frame && now[b] != before[k][b])
                                abort(); /* written outside the frame */
                        if (in_frame && now[b] != frame_before[off + b - seg->data_off]) {
                                uint32_t at = off + b - seg->data_off;
                                uint32_t field = rte_le_to_cpu_16(h.csum_start) +
                                                 rte_le_to_cpu_16(h.csum_offset);

                                if (at != field && at != field + 1)
                                        abort(); /* not the checksum field */
                        }
                }
                off += seg->data_len;
        }
        if (r == VQ_DROP_NONE && (m->ol_flags & VNH_MBUF_FLAGS)) {
                uint8_t out[10];
                struct virtio_net_hdr_le back;

                if ((uint32_t)m->l2_len + m->l3_len + m->l4_len > m->data_len)
                        abort();
                virtio_net_hdr_rx(m, 0xf, out);
                memcpy(&back, out, sizeof(back));
                if (rte_le_to_cpu_16(back.csum_start) + rte_le_to_cpu_16(back.csum_offset) + 2u >
                        m->pkt_len ||
                    rte_le_to_cpu_16(back.hdr_len) > m->pkt_len)
                        abort();
        }
        rte_pktmbuf_free(m);
        return 0;
}
