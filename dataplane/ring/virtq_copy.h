/* Copies between guest buffers and mbufs, and the steps around them that the
 * split and packed engines take alike. The buffers were validated (inside
 * guest memory) before they got here; these functions only move bytes and
 * count. All that runs per frame is inline. Internal to the ring library. */
#ifndef VSW_VIRTQ_COPY_H
#define VSW_VIRTQ_COPY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "dirty_log.h"
#include "guest_mem.h"
#include "virtio_net_hdr.h"
#include "virtq.h"

/* One guest buffer, translated. */
struct virtq_buf {
        uint8_t *addr;
        uint32_t len;
};

/* General cases of the two copies below. */
enum virtq_drop virtq_copy_bufs_to_mbuf_gen(const struct virtq_buf *bufs, uint32_t nbufs,
                                            uint32_t skip, struct rte_mbuf *m,
                                            struct rte_mempool *mp);
void virtq_copy_mbuf_to_bufs_gen(const struct virtq_buf *bufs, uint32_t nbufs, const uint8_t *hdr,
                                 uint16_t hdr_len, const struct rte_mbuf *m);

/* Marks dirty the guest pages behind the first len bytes of bufs (what an
 * RX copy wrote). */
void virtq_log_bufs(const struct guest_mem *gm, struct dirty_log *log, const struct virtq_buf *bufs,
                    uint32_t nbufs, uint64_t len);

/* A failed copy may have chained segments onto m: makes it fresh again. */
void virtq_mbuf_recycle(struct rte_mbuf *m);

/* Starts the transfer of the header and frame lines of a guest buffer
 * (guest physical gpa, len bytes) before the walk needs it: the front end
 * wrote it (TX) or last touched it (RX) on another core, and misses taken
 * one chain at a time would cost a burst dearly. A hint only: gpa and len
 * are read unvalidated from the ring, the walk validates the chain.
 * (rte_prefetch0_write is still experimental in DPDK 22.11.) */
static __rte_always_inline void virtq_prefetch_buf(struct guest_mem *gm, uint64_t gpa, uint32_t len,
                                                   bool for_write)
{
        const uint8_t *p;

        len = RTE_MIN(len, (uint32_t)RTE_CACHE_LINE_SIZE * 2);
        p = gm_translate(gm, gpa, len);
        if (unlikely(p == NULL))
                return;
        if (for_write) {
                __builtin_prefetch(p, 1, 3);
                if (len > RTE_CACHE_LINE_SIZE)
                        __builtin_prefetch(p + RTE_CACHE_LINE_SIZE, 1, 3);
        } else {
                rte_prefetch0(p);
                if (len > RTE_CACHE_LINE_SIZE)
                        rte_prefetch0(p + RTE_CACHE_LINE_SIZE);
        }
}

/* The end of a TX chain's walk, r its result and total its bytes: a frame
 * over VIRTQ_MAX_FRAME_LEN is too big; a good one's data (past the header
 * when the first buffer holds more) is prefetched for the copy. */
static __rte_always_inline enum virtq_drop
virtq_tx_walked(enum virtq_drop r, uint64_t total, uint16_t hdr_len, const struct virtq_buf *bufs)
{
        if (likely(r == VQ_DROP_NONE) && unlikely(total - hdr_len > VIRTQ_MAX_FRAME_LEN))
                return VQ_DROP_TOO_BIG;
        if (likely(r == VQ_DROP_NONE))
                rte_prefetch0(bufs[0].addr + (bufs[0].len > hdr_len ? hdr_len : 0));
        return r;
}

/* After a TX chain went back to the guest, r the fate of its frame in
 * pkts[*out]: kept (out moves on, its bytes added), or counted as dropped
 * and the mbuf made fresh for the next chain. */
static __rte_always_inline void virtq_tx_account(struct virtq_stats *st, enum virtq_drop r,
                                                 struct rte_mbuf **pkts, uint16_t *out,
                                                 uint64_t *bytes)
{
        if (likely(r == VQ_DROP_NONE)) {
                *bytes += pkts[*out]->pkt_len;
                (*out)++;
        } else {
                st->drops[r]++;
                virtq_mbuf_recycle(pkts[*out]);
        }
}

/* Guest TX: the bytes of bufs after the first skip (the virtio-net header)
 * into the fresh mbuf m, chaining mbufs from mp when it is full. The caller
 * has checked that the frame is not empty. */
static inline enum virtq_drop virtq_copy_bufs_to_mbuf(const struct virtq_buf *bufs, uint32_t nbufs,
                                                      uint32_t skip, struct rte_mbuf *m,
                                                      struct rte_mempool *mp)
{
        if (likely(nbufs == 1)) {
                uint32_t len = bufs[0].len - skip;

                if (likely(len <= rte_pktmbuf_tailroom(m))) {
                        rte_memcpy(rte_pktmbuf_mtod(m, void *), bufs[0].addr + skip, len);
                        m->data_len = (uint16_t)len;
                        m->pkt_len = len;
                        return VQ_DROP_NONE;
                }
        }
        return virtq_copy_bufs_to_mbuf_gen(bufs, nbufs, skip, m, mp);
}

/* Guest TX: the chain's frame into m as above, then its virtio-net
 * header's offload requests into m's metadata (host_ol: what the guest
 * negotiated). The header is read once, into a local copy: the guest may
 * rewrite it meanwhile. */
static __rte_always_inline enum virtq_drop
virtq_tx_frame(const struct virtq_buf *bufs, uint32_t nbufs, uint32_t hdr_len, struct rte_mbuf *m,
               struct rte_mempool *mp, uint8_t host_ol, struct virtq_stats *st)
{
        struct virtio_net_hdr_le h;
        enum virtq_drop r = virtq_copy_bufs_to_mbuf(bufs, nbufs, hdr_len, m, mp);

        if (unlikely(r != VQ_DROP_NONE))
                return r;
        if (likely(bufs[0].len >= sizeof(h)))
                memcpy(&h, bufs[0].addr, sizeof(h));
        else
                virtio_net_hdr_gather(bufs, nbufs, &h);
        if (likely(h.flags == 0 && h.gso_type == 0))
                return VQ_DROP_NONE;
        return virtio_net_hdr_tx(&h, m, host_ol, st);
}

/* A zeroed virtio-net header with num_buffers (hdr_len 12) at dst, written
 * only where dst differs. A front end recycles its RX buffers and mostly
 * finds the header it last read there (DPDK's virtio PMD only clears the
 * fields that are not zero on TX): not writing keeps that line shared,
 * instead of taking it out of the front end's cache just before the front
 * end reads it. Constant sizes: inlined loads and stores, not a call. */
static __rte_always_inline void virtq_put_hdr(uint8_t *dst, uint16_t hdr_len, uint16_t num_buffers)
{
        uint64_t head;
        uint16_t tail, want = hdr_len == 12 ? rte_cpu_to_le_16(num_buffers) : 0;

        memcpy(&head, dst, sizeof(head));
        memcpy(&tail, dst + 8, sizeof(tail));
        if (head != 0)
                memset(dst, 0, sizeof(head));
        if (tail != 0)
                memset(dst + 8, 0, sizeof(tail));
        if (hdr_len == 12) {
                uint16_t nb;

                memcpy(&nb, dst + 10, sizeof(nb));
                if (nb != want)
                        memcpy(dst + 10, &want, sizeof(want));
        }
}

/* Guest RX: a virtio-net header (num_buffers set when the header has the
 * field; zeroed unless m carries offload metadata the guest takes:
 * guest_ol) and then the frame in m, across bufs. The caller has checked
 * that bufs hold hdr_len + m->pkt_len bytes. */
static inline void virtq_copy_mbuf_to_bufs(const struct virtq_buf *bufs, uint32_t nbufs,
                                           uint16_t hdr_len, uint16_t num_buffers,
                                           const struct rte_mbuf *m, uint8_t guest_ol)
{
        if (likely(m->nb_segs == 1 && bufs[0].len >= hdr_len + (uint32_t)m->data_len &&
                   !(m->ol_flags & VNH_MBUF_FLAGS))) {
                virtq_put_hdr(bufs[0].addr, hdr_len, num_buffers);
                rte_memcpy(bufs[0].addr + hdr_len, rte_pktmbuf_mtod(m, const void *), m->data_len);
                return;
        }
        /* num_buffers is the last field of the 12-byte header. */
        uint8_t hdr[12] = {0};
        uint16_t nb = rte_cpu_to_le_16(num_buffers);

        if (m->ol_flags & VNH_MBUF_FLAGS)
                virtio_net_hdr_rx(m, guest_ol, hdr);
        memcpy(&hdr[10], &nb, sizeof(nb));
        virtq_copy_mbuf_to_bufs_gen(bufs, nbufs, hdr, hdr_len, m);
}

/* Guest RX: the frame m into bufs as above, over nchains chains, and with
 * a dirty log the need (header + frame) bytes written marked. The ring's
 * gm and log are passed by address so that they are read after the copy,
 * not held in registers across it. */
static __rte_always_inline void virtq_rx_write(const struct virtq_buf *bufs, uint32_t nbufs,
                                               uint16_t hdr_len, uint8_t guest_ol, uint32_t nchains,
                                               const struct rte_mbuf *m,
                                               struct guest_mem *const *gm,
                                               struct dirty_log *const *log, uint64_t need)
{
        virtq_copy_mbuf_to_bufs(bufs, nbufs, hdr_len, (uint16_t)nchains, m, guest_ol);
        if (unlikely(*log != NULL))
                virtq_log_bufs(*gm, *log, bufs, nbufs, need);
}

/* The used length of an RX frame's next chain, which holds chain_len
 * bytes: what of the frame it took, out of the *left bytes still to
 * account for (reduced by it). */
static __rte_always_inline uint32_t virtq_rx_used_len(uint32_t chain_len, uint64_t *left)
{
        uint32_t len = (uint32_t)RTE_MIN((uint64_t)chain_len, *left);

        *left -= len;
        return len;
}

#endif
