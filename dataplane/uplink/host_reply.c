#include "host_reply.h"
#include "wire_be16.h"

#include <string.h>

#define ETH_HLEN       14
#define ETH_P_IP       0x0800
#define ETH_P_ARP      0x0806
#define ARP_LEN        28
#define ARP_REQUEST    1
#define ARP_REPLY      2
#define IP_MIN_HLEN    20
#define IP_PROTO_ICMP  1
#define ICMP_ECHO      8
#define ICMP_ECHOREPLY 0
#define ICMP_HLEN      8

static int is_broadcast(const uint8_t *m)
{
        static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

        return memcmp(m, bc, 6) == 0;
}

/* A gratuitous ARP (sender and target address the same, broadcast): a
 * neighbor announcing its MAC, news for an entry the address has. */
static void gratuitous(const uint8_t *f, size_t len, struct host_learned *learned)
{
        const uint8_t *a = f + ETH_HLEN;

        if (len < ETH_HLEN + ARP_LEN || wire_be16(a) != 1 || wire_be16(a + 2) != ETH_P_IP ||
            a[4] != 6 || a[5] != 4 || memcmp(a + 14, a + 24, 4) != 0 ||
            memcmp(a + 14, "\0\0\0\0", 4) == 0 || (a[8] & 1))
                return;
        memcpy(&learned->ip, a + 14, 4);
        memcpy(learned->mac, a + 8, 6);
        learned->update_only = 1;
}

/* Ethernet/IPv4 ARP for ip: learn the sender; answer a request. */
static enum host_verdict arp(uint8_t *f, size_t len, uint32_t ip, const uint8_t mac[6],
                             struct host_learned *learned)
{
        uint8_t *a = f + ETH_HLEN;
        uint16_t op;

        if (len < ETH_HLEN + ARP_LEN || wire_be16(a) != 1 || wire_be16(a + 2) != ETH_P_IP ||
            a[4] != 6 || a[5] != 4 || memcmp(a + 24, &ip, 4) != 0) {
                if (is_broadcast(f))
                        gratuitous(f, len, learned);
                return HOST_NOT_MINE; /* the bridge's still */
        }
        op = wire_be16(a + 6);
        if (op != ARP_REQUEST && op != ARP_REPLY)
                return HOST_NOT_MINE;
        /* A sender with no address (an ARP probe) or a group MAC teaches nothing. */
        if (memcmp(a + 14, "\0\0\0\0", 4) != 0 && !(a[8] & 1)) {
                memcpy(&learned->ip, a + 14, 4);
                memcpy(learned->mac, a + 8, 6);
        }
        if (op == ARP_REPLY)
                return HOST_CONSUMED;
        /* The request becomes the reply: to its sender, from us. */
        memcpy(f, a + 8, 6);
        memcpy(f + 6, mac, 6);
        wire_put_be16(a + 6, ARP_REPLY);
        memcpy(a + 18, a + 8, 10); /* target := the sender (MAC and IP) */
        memcpy(a + 8, mac, 6);
        memcpy(a + 14, &ip, 4);
        return HOST_REPLY;
}

/* The one's complement sum's update for a 16-bit word changing from old
 * to new (RFC 1624, eqn. 3). */
static uint16_t csum_update(uint16_t csum, uint16_t old, uint16_t new)
{
        uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new;

        s = (s & 0xffff) + (s >> 16);
        s = (s & 0xffff) + (s >> 16);
        return (uint16_t)~s;
}

/* An ICMP echo request to ip, unfragmented, to our MAC: answered. */
static enum host_verdict icmp(uint8_t *f, size_t head, size_t len, uint32_t ip,
                              const uint8_t mac[6])
{
        uint8_t *h = f + ETH_HLEN, *ic, tmp[6];
        size_t hlen, tot;
        uint16_t sum;

        if (head < ETH_HLEN + IP_MIN_HLEN || (h[0] >> 4) != 4 || memcmp(h + 16, &ip, 4) != 0)
                return HOST_NOT_MINE;
        hlen = (size_t)(h[0] & 0xf) * 4;
        tot = wire_be16(h + 2);
        if (hlen < IP_MIN_HLEN || ETH_HLEN + hlen + ICMP_HLEN > head || tot < hlen + ICMP_HLEN ||
            ETH_HLEN + tot > len ||
            h[9] != IP_PROTO_ICMP || (wire_be16(h + 6) & 0x3fff) != 0 || memcmp(f, mac, 6) != 0)
                return HOST_NOT_MINE;
        ic = h + hlen;
        if (ic[0] != ICMP_ECHO || ic[1] != 0)
                return HOST_CONSUMED; /* ours, not one we answer */
        memcpy(tmp, f, 6);            /* to the sender, from us */
        memcpy(f, f + 6, 6);
        memcpy(f + 6, tmp, 6);
        memcpy(h + 16, h + 12, 4); /* the swap keeps the header checksum */
        memcpy(h + 12, &ip, 4);
        ic[0] = ICMP_ECHOREPLY;
        sum = csum_update(wire_be16(ic + 2), ICMP_ECHO << 8, ICMP_ECHOREPLY << 8);
        /* An update can give +0 where only -0 verifies (a message of zeros
         * but its type); 0xffff verifies wherever 0 would. */
        wire_put_be16(ic + 2, sum ? sum : 0xffff);
        return HOST_REPLY;
}

enum host_verdict host_reply(uint8_t *frame, size_t head, size_t len, uint32_t ip,
                             const uint8_t mac[6], struct host_learned *learned)
{
        learned->ip = 0;
        learned->update_only = 0;
        if (head > len || head < ETH_HLEN || ip == 0)
                return HOST_NOT_MINE;
        switch (wire_be16(frame + 12)) {
        case ETH_P_ARP:
                if (!is_broadcast(frame) && memcmp(frame, mac, 6) != 0)
                        return HOST_NOT_MINE;
                return arp(frame, head, ip, mac, learned);
        case ETH_P_IP:
                return icmp(frame, head, len, ip, mac);
        default:
                return HOST_NOT_MINE;
        }
}

void host_arp_request(uint8_t *f, uint32_t ip, const uint8_t mac[6], uint32_t target,
                      const uint8_t *dst)
{
        uint8_t *a = f + ETH_HLEN;

        memset(f, 0, HOST_ARP_REQUEST_LEN);
        if (dst)
                memcpy(f, dst, 6);
        else
                memset(f, 0xff, 6);
        memcpy(f + 6, mac, 6);
        wire_put_be16(f + 12, ETH_P_ARP);
        wire_put_be16(a, 1); /* Ethernet */
        wire_put_be16(a + 2, ETH_P_IP);
        a[4] = 6;
        a[5] = 4;
        wire_put_be16(a + 6, ARP_REQUEST);
        memcpy(a + 8, mac, 6);
        memcpy(a + 14, &ip, 4);
        memcpy(a + 24, &target, 4); /* target MAC left zero */
}
