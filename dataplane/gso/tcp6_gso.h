/* TCP/IPv6 segmentation in software: what rte_gso does for TCP/IPv4, which
 * DPDK 22.11's library cannot do for IPv6 (rte_gso.h: TCP/IPv4, UDP/IPv4
 * and tunnels only). Ours until DPDK's library has it. */
#ifndef VSW_TCP6_GSO_H
#define VSW_TCP6_GSO_H

#include <stdint.h>

#include <rte_mbuf.h>

/* m, a TCP/IPv6 frame whose metadata asks for TSO (RTE_MBUF_F_TX_TCP_SEG,
 * l2_len, l3_len, l4_len, tso_segsz; headers in its first segment), cut
 * into segments of at most tso_segsz payload bytes in out[] (room for
 * nb_out): each a fresh header mbuf from hdr_pool (headers copied, then
 * per segment: IPv6 payload length, TCP sequence number, FIN/PSH on the
 * last segment only, CWR on the first only, the TCP checksum complete)
 * chained to indirect mbufs from ind_pool that share m's payload.
 *
 * Returns the number of segments; 0 when m's payload fits one segment (m
 * left as it is, checksum not done); -EINVAL when m is not a TCP/IPv6
 * frame without extension headers that its metadata describes; -ERANGE
 * when it needs more than nb_out segments; -ENOMEM when a pool ran dry.
 * m is never changed (but for its data's reference count) and stays the
 * caller's: free it once done (the
 * segments hold references to its data). On an error nothing is left
 * allocated. */
int tcp6_gso_segment(struct rte_mbuf *m, struct rte_mempool *hdr_pool, struct rte_mempool *ind_pool,
                     struct rte_mbuf **out, uint16_t nb_out);

#endif
