/* A guest TX chain looked at in place (the one-copy path): walked and
 * validated like any chain, but not consumed and never copied into an
 * mbuf. The switch reads its Ethernet header where it lies, then the
 * destination ring's engine copies its frame straight into guest RX
 * buffers (virtq_*_put), and the source ring's engine returns it
 * (virtq_*_consume). Only plain chains qualify: valid, in at most
 * VIRTQ_CHAIN_BUFS buffers, a virtio-net header asking for no offload, and
 * the first bytes of the frame in one buffer: the first, behind the
 * header, or the second when the first holds the header alone. */
#ifndef VSW_VIRTQ_CHAIN_H
#define VSW_VIRTQ_CHAIN_H

#include <stdint.h>

#include "virtq_copy.h"

#define VIRTQ_CHAIN_BUFS 4

struct virtq_chain {
        struct virtq_buf bufs[VIRTQ_CHAIN_BUFS]; /* header included */
        const uint8_t *frame;                    /* its first bytes */
        uint32_t nbufs;
        uint32_t len;   /* frame bytes, header excluded */
        uint16_t id;    /* split: head index; packed: buffer id */
        uint16_t ndesc; /* packed: slots the chain takes */
};

/* Whether a walked TX chain (bufs, nbufs, total bytes, header hdr_len)
 * qualifies, with min_first frame bytes in one buffer; if so it is stored
 * in c (id and ndesc are the engine's to set). */
static __rte_always_inline bool virtq_chain_take(struct virtq_chain *c,
                                                 const struct virtq_buf *bufs, uint32_t nbufs,
                                                 uint64_t total, uint16_t hdr_len,
                                                 uint32_t min_first)
{
        struct virtio_net_hdr_le h;

        if (unlikely(nbufs > VIRTQ_CHAIN_BUFS))
                return false;
        if (likely(bufs[0].len >= hdr_len + min_first))
                c->frame = bufs[0].addr + hdr_len;
        else if (bufs[0].len == hdr_len && nbufs > 1 && bufs[1].len >= min_first)
                c->frame = bufs[1].addr;
        else
                return false;
        memcpy(&h, bufs[0].addr, sizeof(h));
        if (unlikely(h.flags != 0 || h.gso_type != 0))
                return false;
        for (uint32_t i = 0; i < nbufs; i++)
                c->bufs[i] = bufs[i];
        c->nbufs = nbufs;
        c->len = (uint32_t)(total - hdr_len);
        return true;
}

/* What the frames' first bytes must be, whatever the guest has in its
 * buffer by the time they are copied: the bytes the switch decided on
 * (len <= the min_first of the peek). */
struct virtq_prefix {
        const uint8_t *bytes;
        uint16_t len;
};

/* The general case of virtq_copy_chain. */
void virtq_copy_chain_gen(const struct virtq_buf *dst, uint32_t ndst, uint16_t hdr_len,
                          uint16_t num_buffers, const struct virtq_chain *src, uint16_t src_skip,
                          struct virtq_prefix pre);

/* Guest RX from guest TX: a zeroed virtio-net header of hdr_len bytes
 * (num_buffers set), then pre's bytes, then the rest of src's frame (its
 * first src_skip bytes, its own header, left out) across dst, which holds
 * hdr_len + src->len bytes. */
static __rte_always_inline void virtq_copy_chain(const struct virtq_buf *dst, uint32_t ndst,
                                                 uint16_t hdr_len, uint16_t num_buffers,
                                                 const struct virtq_chain *src, uint16_t src_skip,
                                                 struct virtq_prefix pre)
{
        /* The frame in one buffer, behind its header or after the one
         * that holds the header alone; into the first buffer. */
        if (likely(dst[0].len >= hdr_len + src->len &&
                   (src->nbufs == 1 || (src->nbufs == 2 && src->bufs[0].len == src_skip)))) {
                virtq_put_hdr(dst[0].addr, hdr_len, num_buffers);
                rte_memcpy(dst[0].addr + hdr_len, src->frame, src->len);
                memcpy(dst[0].addr + hdr_len, pre.bytes, pre.len);
                return;
        }
        virtq_copy_chain_gen(dst, ndst, hdr_len, num_buffers, src, src_skip, pre);
}

#endif
