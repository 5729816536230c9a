#include "vxlan_hdr.h"
#include "wire_be16.h"

#include <string.h>

#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define IP_MIN_HLEN  20
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define UDP_HLEN     8
#define VXLAN_VHLEN  8
#define IP_DF        0x4000

static enum vxlan_verdict drop(struct vxlan_rx *rx, enum vsw_vxlan_drop why)
{
        rx->drop = why;
        return VXLAN_DROP;
}

enum vxlan_verdict vxlan_parse(const uint8_t *f, size_t len, size_t total, uint32_t ip,
                               struct vxlan_rx *rx)
{
        const uint8_t *h = f + ETH_HLEN, *u, *v;
        size_t hlen, tot, ulen;

        if (len > total || len < ETH_HLEN + IP_MIN_HLEN || wire_be16(f + 12) != ETH_P_IP ||
            (h[0] >> 4) != 4 || h[9] != IP_PROTO_UDP || memcmp(h + 16, &ip, 4) != 0)
                return VXLAN_NOT_MINE;
        hlen = (size_t)(h[0] & 0xf) * 4;
        if (hlen < IP_MIN_HLEN || len < ETH_HLEN + hlen + UDP_HLEN)
                return VXLAN_NOT_MINE; /* cannot see the port: not known to be VXLAN */
        u = h + hlen;
        if (wire_be16(u + 2) != VSW_VXLAN_UDP_PORT)
                return VXLAN_NOT_MINE;
        /* UDP 4789 to our address: ours from here on, dropped if bad. */
        if ((wire_be16(h + 6) & 0x3fff) != 0)
                return drop(rx, VSW_VXLAN_DROP_FRAGMENT);
        tot = wire_be16(h + 2);
        ulen = wire_be16(u + 4);
        if (tot < hlen + UDP_HLEN + VXLAN_VHLEN || ETH_HLEN + tot > total ||
            ulen < UDP_HLEN + VXLAN_VHLEN || ulen > tot - hlen ||
            len < ETH_HLEN + hlen + UDP_HLEN + VXLAN_VHLEN)
                return drop(rx, VSW_VXLAN_DROP_TRUNCATED);
        v = u + UDP_HLEN;
        if (!(v[0] & VXLAN_FLAG_I))
                return drop(rx, VSW_VXLAN_DROP_BAD_FLAGS);
        rx->inner_off = (uint32_t)(ETH_HLEN + hlen + UDP_HLEN + VXLAN_VHLEN);
        rx->inner_len = (uint32_t)(ulen - UDP_HLEN - VXLAN_VHLEN);
        if (rx->inner_len < ETH_HLEN || len < rx->inner_off + ETH_HLEN)
                return drop(rx, VSW_VXLAN_DROP_INNER_RUNT);
        rx->vni = (uint32_t)v[4] << 16 | (uint32_t)v[5] << 8 | v[6];
        memcpy(&rx->src_ip, h + 12, 4);
        return VXLAN_INNER;
}

void vxlan_build(uint8_t *h, const struct vxlan_tx *t)
{
        uint8_t *ip = h + ETH_HLEN, *u = ip + IP_MIN_HLEN, *v = u + UDP_HLEN;

        memcpy(h, t->dst_mac, 6);
        memcpy(h + 6, t->src_mac, 6);
        wire_put_be16(h + 12, ETH_P_IP);
        ip[0] = 0x45;
        ip[1] = 0;
        wire_put_be16(ip + 2, (uint16_t)(IP_MIN_HLEN + UDP_HLEN + VXLAN_VHLEN + t->inner_len));
        wire_put_be16(ip + 4, t->ip_id);
        wire_put_be16(ip + 6, IP_DF);
        ip[8] = VXLAN_TTL;
        ip[9] = IP_PROTO_UDP;
        wire_put_be16(ip + 10, 0);
        memcpy(ip + 12, &t->src_ip, 4);
        memcpy(ip + 16, &t->dst_ip, 4);
        wire_put_be16(u, t->sport);
        wire_put_be16(u + 2, VSW_VXLAN_UDP_PORT);
        wire_put_be16(u + 4, (uint16_t)(UDP_HLEN + VXLAN_VHLEN + t->inner_len));
        wire_put_be16(u + 6, 0);
        memset(v, 0, VXLAN_VHLEN);
        v[0] = VXLAN_FLAG_I;
        v[4] = (uint8_t)(t->vni >> 16);
        v[5] = (uint8_t)(t->vni >> 8);
        v[6] = (uint8_t)t->vni;
}

size_t vxlan_flow_key(const uint8_t *f, size_t len, uint8_t *key)
{
        const uint8_t *h = f + ETH_HLEN;
        size_t n, hlen;

        if (len < ETH_HLEN) {
                memcpy(key, f, len);
                return len;
        }
        memcpy(key, f, ETH_HLEN);
        n = ETH_HLEN;
        if (wire_be16(f + 12) != ETH_P_IP || len < ETH_HLEN + IP_MIN_HLEN || (h[0] >> 4) != 4)
                return n;
        key[n++] = h[9];
        memcpy(key + n, h + 12, 8);
        n += 8;
        hlen = (size_t)(h[0] & 0xf) * 4;
        if ((h[9] == IP_PROTO_TCP || h[9] == IP_PROTO_UDP) && (wire_be16(h + 6) & 0x3fff) == 0 &&
            hlen >= IP_MIN_HLEN && len >= ETH_HLEN + hlen + 4) {
                memcpy(key + n, h + hlen, 4);
                n += 4;
        }
        return n;
}
