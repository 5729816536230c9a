/* 802.1Q tags on frames the bridge owns alone: read, strip, push. */
#ifndef VSW_L2_VLAN_H
#define VSW_L2_VLAN_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#define L2_ETH_HLEN    14
#define L2_VLAN_HLEN   4
#define L2_ETH_P_8021Q 0x8100
#define L2_MACS_LEN    12 /* destination and source MAC */

static inline uint16_t l2_be16_at(const uint8_t *p)
{
        uint16_t v;

        memcpy(&v, p, sizeof(v));
        return rte_be_to_cpu_16(v);
}

/* The two MACs as 48-bit little-endian numbers (wire order), from 8-byte
 * loads that stay inside the 14-byte header. */
static inline uint64_t l2_mac_at(const uint8_t *p)
{
        uint64_t v;

        memcpy(&v, p, sizeof(v));
        return rte_le_to_cpu_64(v) & 0xffffffffffffull;
}

/* A frame with offload requests (a guest's partial checksum or TSO) has its
 * headers' offsets in l2_len: a tag taken off or put on moves them. */
#define L2_OL_FLAGS (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)

static inline void l2_vlan_strip(struct rte_mbuf *m)
{
        if (m->ol_flags & L2_OL_FLAGS)
                m->l2_len -= L2_VLAN_HLEN;
        uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

        memmove(p + L2_VLAN_HLEN, p, L2_MACS_LEN);
        rte_pktmbuf_adj(m, L2_VLAN_HLEN);
}

/* The frame with a tag for vlan after its MACs: m itself, or a copy (m
 * freed) when m has no headroom left; NULL (m freed) when no copy could be
 * made. */
static inline struct rte_mbuf *l2_vlan_push(struct rte_mbuf *m, uint16_t vlan)
{
        uint16_t tag[2] = {rte_cpu_to_be_16(L2_ETH_P_8021Q), rte_cpu_to_be_16(vlan)};
        uint8_t *p;

        if (rte_pktmbuf_headroom(m) < L2_VLAN_HLEN) {
                struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

                rte_pktmbuf_free(m);
                if (!c || rte_pktmbuf_headroom(c) < L2_VLAN_HLEN) {
                        rte_pktmbuf_free(c);
                        return NULL;
                }
                m = c;
        }
        p = (uint8_t *)rte_pktmbuf_prepend(m, L2_VLAN_HLEN);
        memmove(p, p + L2_VLAN_HLEN, L2_MACS_LEN);
        memcpy(p + L2_MACS_LEN, tag, sizeof(tag));
        if (m->ol_flags & L2_OL_FLAGS)
                m->l2_len += L2_VLAN_HLEN;
        return m;
}

#endif
