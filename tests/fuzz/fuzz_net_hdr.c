/* libFuzzer target for the virtio-net header parser (dataplane/ring/
 * virtio_net_hdr.c) and the TCP/IPv6 segmenter behind it (dataplane/gso/
 * tcp6_gso.c): a hostile guest's header and frame, the frame in a chain of
 * mbufs of fuzzed sizes, the guest's offloads fuzzed too.
 *
 * Input:
 *   u8  offloads the guest negotiated (VIRTQ_OL_* in the low 4 bits)
 *   u8  first segment's length (1 + v * 8, at most what the mbuf holds)
 *   10  bytes of virtio-net header
 *   then the frame (at most 9000 bytes), the rest of it in full segments.
 * Checked: no byte of any segment's buffer outside the frame changes; in
 * the frame only the checksum field the header names may change; metadata
 * set on success describes headers inside the first segment, and the RX
 * header built back from it points inside the frame. A TCP/IPv6 TSO frame
 * the parser took is segmented: the input stays as it was, the segments'
 * payloads are the frame's in order, none carries more than the segment
 * size, each one's headers are the frame's but for payload length,
 * sequence number, flags and checksum, its TCP checksum verifies, and
 * every mbuf is back in the pool once they are freed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "tcp6_gso.h"
#include "virtio_net_hdr.h"

#define MAX_FRAME 9000u
#define MAX_SEGS  16
#define MAX_OUT   64 /* segments one frame may become here */

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
        pool = rte_pktmbuf_pool_create("fz_mbufs", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
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

static uint8_t seg_bytes[MAX_FRAME];

/* The checks on one segment (headers hdrs bytes, of the frame in
 * frame_before), its payload expected at off. */
static void check_segment(const struct rte_mbuf *m, const struct rte_mbuf *s, uint32_t off,
                          bool first, bool last)
{
        const uint32_t l2 = m->l2_len, hdrs = l2 + m->l3_len + m->l4_len;
        const uint32_t len = rte_pktmbuf_pkt_len(s);
        const uint8_t *p = rte_pktmbuf_read(s, 0, len, seg_bytes);
        const uint8_t *tcp, *orig_tcp = frame_before + l2 + m->l3_len;
        uint32_t sum, seq, seq0;
        uint8_t flags;

        if (p == NULL || len <= hdrs || len - hdrs > m->tso_segsz || s->data_len != hdrs)
                abort();
        tcp = p + l2 + m->l3_len;
        if (memcmp(p, frame_before, l2 + 4) != 0 || memcmp(p + l2 + 6, frame_before + l2 + 6, 34) ||
            memcmp(tcp, orig_tcp, 4) != 0 || memcmp(tcp + 8, orig_tcp + 8, 5) != 0 ||
            memcmp(tcp + 14, orig_tcp + 14, 2) != 0 ||
            memcmp(tcp + 18, orig_tcp + 18, m->l4_len - 18) != 0 ||
            memcmp(p + hdrs, frame_before + hdrs + off, len - hdrs) != 0)
                abort(); /* a header byte changed that should not, or the payload */
        if ((uint32_t)(p[l2 + 4] << 8 | p[l2 + 5]) != len - l2 - m->l3_len)
                abort(); /* IPv6 payload length */
        seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
        seq0 = (uint32_t)orig_tcp[4] << 24 | (uint32_t)orig_tcp[5] << 16 |
               (uint32_t)orig_tcp[6] << 8 | orig_tcp[7];
        flags = orig_tcp[13];
        if (!last)
                flags &= (uint8_t) ~(0x01 | 0x08);
        if (!first)
                flags &= (uint8_t)~0x80;
        if (seq != seq0 + off || tcp[13] != flags)
                abort();
        sum = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)(p + l2), 0) +
              rte_raw_cksum(tcp, len - l2 - m->l3_len);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        if (sum != 0xffff)
                abort(); /* the TCP checksum does not verify */
}

/* m, a TSO frame the parser took, through the IPv6 segmenter. */
static void segment_v6(struct rte_mbuf *m, uint32_t len)
{
        const uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
        unsigned avail = rte_mempool_avail_count(pool);
        struct rte_mbuf *out[MAX_OUT];
        uint32_t off = 0;
        int n = tcp6_gso_segment(m, pool, pool, out, MAX_OUT);

        if (n < 0 && n != -ERANGE)
                abort(); /* the parser took it and the pool holds plenty */
        const uint8_t *now = rte_pktmbuf_read(m, 0, len, seg_bytes);

        if (now == NULL || memcmp(now, frame_before, len) != 0)
                abort(); /* the input changed */
        for (int i = 0; i < n; i++) {
                check_segment(m, out[i], off, i == 0, i == n - 1);
                off += rte_pktmbuf_pkt_len(out[i]) - hdrs;
        }
        if (n > 0 && off != len - hdrs)
                abort(); /* payload lost or added */
        for (int i = 0; i < n; i++)
                rte_pktmbuf_free(out[i]);
        if (rte_mempool_avail_count(pool) != avail)
                abort();
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
                if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && (m->ol_flags & RTE_MBUF_F_TX_IPV6)) {
                        /* the checksum field the parser may have written */
                        const uint8_t *now = rte_pktmbuf_read(m, 0, len, seg_bytes);

                        if (now == NULL)
                                abort();
                        memmove(frame_before, now, len);
                        segment_v6(m, len);
                }
        }
        rte_pktmbuf_free(m);
        return 0;
}
