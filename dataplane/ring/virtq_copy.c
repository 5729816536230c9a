/* General (multi-buffer, multi-segment) cases of the guest <-> mbuf copies. */
#include "virtq_chain.h"
#include "virtq_copy.h"

enum virtq_drop virtq_copy_bufs_to_mbuf_gen(const struct virtq_buf *bufs, uint32_t nbufs,
                                            uint32_t skip, struct rte_mbuf *m,
                                            struct rte_mempool *mp)
{
        struct rte_mbuf *seg = m;
        uint8_t *dst = rte_pktmbuf_mtod(m, uint8_t *);
        uint32_t room = rte_pktmbuf_tailroom(m);
        uint32_t i, total = 0;

        m->data_len = 0;
        for (i = 0; i < nbufs; i++) {
                const uint8_t *src = bufs[i].addr;
                uint32_t len = bufs[i].len;

                if (skip >= len) {
                        skip -= len;
                        continue;
                }
                src += skip;
                len -= skip;
                skip = 0;
                while (len > 0) {
                        uint32_t chunk;

                        if (room == 0) {
                                struct rte_mbuf *next = rte_pktmbuf_alloc(mp);

                                if (next == NULL)
                                        return VQ_DROP_NO_MBUF;
                                seg->next = next;
                                seg = next;
                                m->nb_segs++;
                                dst = rte_pktmbuf_mtod(seg, uint8_t *);
                                room = rte_pktmbuf_tailroom(seg);
                        }
                        chunk = len < room ? len : room;
                        rte_memcpy(dst, src, chunk);
                        dst += chunk;
                        src += chunk;
                        len -= chunk;
                        room -= chunk;
                        seg->data_len += chunk;
                        total += chunk;
                }
        }
        m->pkt_len = total;
        return VQ_DROP_NONE;
}

__rte_noinline void virtq_mbuf_recycle(struct rte_mbuf *m)
{
        if (m->next != NULL)
                rte_pktmbuf_free(m->next);
        rte_pktmbuf_reset(m);
}

void virtq_log_bufs(const struct guest_mem *gm, struct dirty_log *log, const struct virtq_buf *bufs,
                    uint32_t nbufs, uint64_t len)
{
        uint32_t i;

        for (i = 0; i < nbufs && len > 0; i++) {
                uint64_t n = bufs[i].len < len ? bufs[i].len : len;
                uint64_t gpa;

                if (gm_host_to_gpa(gm, bufs[i].addr, &gpa) == 0)
                        dirty_log_write(log, gpa, n);
                len -= n;
        }
}

/* Copies [src, src + len) into the buffers from position (*bi, *off). */
static void put_bytes(const struct virtq_buf *bufs, uint32_t nbufs, uint32_t *bi, uint32_t *off,
                      const uint8_t *src, uint32_t len)
{
        while (len > 0 && *bi < nbufs) {
                uint32_t room = bufs[*bi].len - *off;
                uint32_t chunk = len < room ? len : room;

                rte_memcpy(bufs[*bi].addr + *off, src, chunk);
                src += chunk;
                len -= chunk;
                *off += chunk;
                if (*off == bufs[*bi].len) {
                        (*bi)++;
                        *off = 0;
                }
        }
}

void virtq_copy_mbuf_to_bufs_gen(const struct virtq_buf *bufs, uint32_t nbufs, const uint8_t *hdr,
                                 uint16_t hdr_len, const struct rte_mbuf *m)
{
        uint32_t bi = 0, off = 0;
        const struct rte_mbuf *seg;

        put_bytes(bufs, nbufs, &bi, &off, hdr, hdr_len);
        for (seg = m; seg != NULL; seg = seg->next)
                put_bytes(bufs, nbufs, &bi, &off, rte_pktmbuf_mtod(seg, const uint8_t *),
                          seg->data_len);
}

void virtq_copy_chain_gen(const struct virtq_buf *dst, uint32_t ndst, uint16_t hdr_len,
                          uint16_t num_buffers, const struct virtq_chain *src, uint16_t src_skip,
                          struct virtq_prefix pre)
{
        uint8_t hdr[12] = {0};
        uint16_t nb = rte_cpu_to_le_16(num_buffers);
        uint32_t bi = 0, off = 0, skip = (uint32_t)src_skip + pre.len;

        memcpy(&hdr[10], &nb, sizeof(nb));
        put_bytes(dst, ndst, &bi, &off, hdr, hdr_len);
        put_bytes(dst, ndst, &bi, &off, pre.bytes, pre.len);
        for (uint32_t i = 0; i < src->nbufs; i++) {
                uint32_t len = src->bufs[i].len;

                if (skip >= len) {
                        skip -= len;
                        continue;
                }
                put_bytes(dst, ndst, &bi, &off, src->bufs[i].addr + skip, len - skip);
                skip = 0;
        }
}
