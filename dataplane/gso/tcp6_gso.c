/* TCP/IPv6 segmentation (see tcp6_gso.h for why it is ours). The frame's
 * payload is not copied: each segment is a header mbuf of its own followed
 * by indirect mbufs attached to the input's segments (rte_pktmbuf_attach),
 * as rte_gso does for IPv4; the checksums are DPDK's (rte_ip.h). */

#include "tcp6_gso.h"
#include "mbuf_cksum.h"

#include <errno.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#define TCP_MIN_HDR 20u
#define TCP_MAX_HDR 60u

/* The IPv6 version field, in the first 4 bits of vtc_flow. */
#define IPV6_VERSION(vtc_flow) (rte_be_to_cpu_32(vtc_flow) >> 28)

/* Whether m's metadata describes a TCP/IPv6 frame this file can cut: no
 * extension header (the TCP header right after the fixed IPv6 header),
 * header lengths that match the headers, all of them in the first
 * segment, and a segment size. */
static bool segmentable(const struct rte_mbuf *m)
{
        const uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
        const struct rte_ipv6_hdr *ip;
        const struct rte_tcp_hdr *tcp;

        if (m->l3_len != sizeof(*ip) || m->l4_len < TCP_MIN_HDR || m->l4_len > TCP_MAX_HDR ||
            m->tso_segsz == 0 || hdrs > rte_pktmbuf_data_len(m) || hdrs > m->pkt_len)
                return false;
        ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, m->l2_len);
        tcp = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l2_len + m->l3_len);
        return IPV6_VERSION(ip->vtc_flow) == 6 && ip->proto == IPPROTO_TCP &&
               (uint32_t)(tcp->data_off >> 4) * 4 == m->l4_len;
}

/* The segment's headers: m's, with payload length, sequence number and
 * the flags that belong to this segment's place in the stream. */
static struct rte_mbuf *segment_head(const struct rte_mbuf *m, struct rte_mempool *pool,
                                     uint32_t payload_off, uint32_t len, bool first, bool last)
{
        const uint16_t hdrs = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
        struct rte_mbuf *h = rte_pktmbuf_alloc(pool);
        struct rte_ipv6_hdr *ip;
        struct rte_tcp_hdr *tcp;
        uint8_t *p;

        if (h == NULL)
                return NULL;
        p = (uint8_t *)rte_pktmbuf_append(h, hdrs);
        if (p == NULL) {
                rte_pktmbuf_free(h);
                return NULL;
        }
        memcpy(p, rte_pktmbuf_mtod(m, const uint8_t *), hdrs);
        ip = (struct rte_ipv6_hdr *)(p + m->l2_len);
        tcp = (struct rte_tcp_hdr *)(p + m->l2_len + m->l3_len);
        ip->payload_len = rte_cpu_to_be_16((uint16_t)(m->l4_len + len));
        tcp->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(tcp->sent_seq) + payload_off);
        if (!last)
                tcp->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
        if (!first)
                tcp->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
        return h;
}

/* len bytes of m's data from offset off onwards, attached to h's chain
 * piece by piece (one indirect mbuf per segment of m they span). */
static int attach_payload(struct rte_mbuf *h, struct rte_mbuf *m, struct rte_mempool *pool,
                          uint32_t off, uint32_t len)
{
        struct rte_mbuf *src = m, *tail = h;

        while (src != NULL && off >= src->data_len) {
                off -= src->data_len;
                src = src->next;
        }
        while (len > 0) {
                struct rte_mbuf *ind;
                uint16_t piece;

                if (src == NULL)
                        return -EINVAL; /* pkt_len claims more than the chain holds */
                piece = (uint16_t)RTE_MIN((uint32_t)src->data_len - off, len);
                ind = rte_pktmbuf_alloc(pool);
                if (ind == NULL)
                        return -ENOMEM;
                rte_pktmbuf_attach(ind, src);
                ind->data_off = (uint16_t)(ind->data_off + off);
                ind->data_len = piece;
                ind->pkt_len = piece;
                tail->next = ind;
                tail = ind;
                h->nb_segs++;
                h->pkt_len += piece;
                len -= piece;
                off = 0;
                src = src->next;
        }
        return 0;
}

/* The TCP checksum of segment h (whose chain this file built: the range
 * is inside it). Not rte_ipv6_udptcp_cksum_mbuf: see mbuf_cksum.h; our
 * pieces start wherever the input's segments end. */
static uint16_t tcp_cksum(const struct rte_mbuf *h, const struct rte_ipv6_hdr *ip, uint32_t l4_off)
{
        uint16_t raw = 0;
        uint32_t sum;

        mbuf_raw_cksum(h, l4_off, h->pkt_len - l4_off, &raw);
        sum = (uint32_t)raw + rte_ipv6_phdr_cksum(ip, 0);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

static void free_all(struct rte_mbuf **out, uint16_t n)
{
        for (uint16_t i = 0; i < n; i++)
                rte_pktmbuf_free(out[i]);
}

int tcp6_gso_segment(struct rte_mbuf *m, struct rte_mempool *hdr_pool, struct rte_mempool *ind_pool,
                     struct rte_mbuf **out, uint16_t nb_out)
{
        const uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
        const uint32_t mss = m->tso_segsz;
        uint32_t payload, nseg;

        if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || !segmentable(m))
                return -EINVAL;
        payload = m->pkt_len - hdrs;
        if (payload <= mss)
                return 0;
        nseg = (payload + mss - 1) / mss;
        if (nseg > nb_out)
                return -ERANGE;
        for (uint32_t i = 0; i < nseg; i++) {
                const uint32_t off = i * mss, len = RTE_MIN(mss, payload - off);
                struct rte_mbuf *h = segment_head(m, hdr_pool, off, len, i == 0, i == nseg - 1);
                struct rte_ipv6_hdr *ip;
                struct rte_tcp_hdr *tcp;
                int rc;

                if (h == NULL) {
                        free_all(out, (uint16_t)i);
                        return -ENOMEM;
                }
                rc = attach_payload(h, m, ind_pool, hdrs + off, len);
                if (rc != 0) {
                        rte_pktmbuf_free(h);
                        free_all(out, (uint16_t)i);
                        return rc;
                }
                ip = rte_pktmbuf_mtod_offset(h, struct rte_ipv6_hdr *, m->l2_len);
                tcp = rte_pktmbuf_mtod_offset(h, struct rte_tcp_hdr *, m->l2_len + m->l3_len);
                tcp->cksum = 0;
                tcp->cksum = tcp_cksum(h, ip, (uint32_t)m->l2_len + m->l3_len);
                h->tx_offload = m->tx_offload;
                h->ol_flags = m->ol_flags & ~RTE_MBUF_F_TX_TCP_SEG;
                out[i] = h;
        }
        return (int)nseg;
}
