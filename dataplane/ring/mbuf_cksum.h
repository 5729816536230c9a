/* The raw one's-complement sum over bytes of an mbuf chain: what DPDK's
 * rte_raw_cksum_mbuf computes, without its 22.11 flaw. That one byte-swaps
 * a segment's 32-bit partial sum truncated to 16 bits when the segment
 * starts at an odd offset into the range, losing the carries: checksums of
 * chains whose segments have odd lengths (TSO segments cut at an odd MSS,
 * a guest's odd-sized buffers) come out wrong. Here each segment's sum is
 * rte_raw_cksum's, reduced, before it is swapped. */
#ifndef VSW_MBUF_CKSUM_H
#define VSW_MBUF_CKSUM_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* The sum of m's bytes [off, off + len) into *cksum (not complemented);
 * -1 when the range is not inside the chain. */
static inline int mbuf_raw_cksum(const struct rte_mbuf *m, uint32_t off, uint32_t len,
                                 uint16_t *cksum)
{
        uint32_t sum = 0, done = 0;

        if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
                return -1;
        for (const struct rte_mbuf *seg = m; seg != NULL && done < len; seg = seg->next) {
                uint32_t n = rte_pktmbuf_data_len(seg);
                uint16_t piece;

                if (off >= n) {
                        off -= n;
                        continue;
                }
                n = RTE_MIN(n - off, len - done);
                piece = rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const uint8_t *, off), n);
                sum += (done & 1) ? rte_bswap16(piece) : piece;
                done += n;
                off = 0;
        }
        if (done != len)
                return -1; /* pkt_len claims more than the chain holds */
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        *cksum = (uint16_t)sum;
        return 0;
}

#endif
