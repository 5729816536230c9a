/* libFuzzer target for the uplink's own address (dataplane/uplink/
 * host_reply.c): any frame off the uplink, any address and MAC. A frame
 * not for the address is left untouched, and nothing past the first
 * segment (head) is ever written; a reply has the frame's length,
 * comes from the uplink's MAC and address, and an ICMP echo reply's
 * checksum is right whenever the request's was; a learned neighbor has an
 * address and a unicast MAC, and comes from a frame for the address or,
 * news for a known entry only, from a gratuitous ARP (broadcast, sender
 * address = target address) left to the bridge. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host_reply.h"

#define MAX_FRAME 2048

static void require(int cond)
{
        if (!cond)
                abort();
}

/* The one's complement sum of p[0..n) folded: 0xffff for a valid checksum. */
static uint16_t sum(const uint8_t *p, size_t n)
{
        uint32_t s = 0;

        for (size_t i = 0; i + 1 < n; i += 2)
                s += (uint32_t)(p[i] << 8 | p[i + 1]);
        if (n & 1)
                s += (uint32_t)p[n - 1] << 8;
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        return (uint16_t)s;
}

/* The ICMP message of an IPv4 frame (its bytes, by the IP total length). */
static const uint8_t *icmp_of(const uint8_t *f, size_t len, size_t *n)
{
        size_t hl = (size_t)(f[14] & 0xf) * 4, tot = (size_t)(f[16] << 8 | f[17]);

        if (len < 34 || tot < hl || 14 + tot > len)
                return NULL;
        *n = tot - hl;
        return f + 14 + hl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t frame[MAX_FRAME], orig[MAX_FRAME], mac[6];
        struct host_learned l;
        enum host_verdict v;
        uint32_t ip;
        size_t len, head, n = 0;
        const uint8_t *ic;
        int icmp_valid = 0;

        if (size < 11 || size - 11 > MAX_FRAME)
                return 0;
        memcpy(&ip, data, 4);
        memcpy(mac, data + 4, 6);
        mac[0] &= 0xfe;
        len = size - 11;
        /* What the first segment holds: the whole frame, or less by up to
         * 2040 bytes (the rest in other segments, never read). */
        head = len - (len < (size_t)data[10] * 8 ? len : (size_t)data[10] * 8);
        memcpy(frame, data + 11, len);
        memcpy(orig, frame, len);
        if (len >= 34 && frame[12] == 0x08 && frame[13] == 0 && (ic = icmp_of(frame, len, &n)))
                icmp_valid = sum(ic, n) == 0xffff;
        v = host_reply(frame, head, len, ip, mac, &l);
        require(memcmp(frame + head, orig + head, len - head) == 0);
        if (l.ip)
                require(!(l.mac[0] & 1) && (v != HOST_NOT_MINE) == !l.update_only);
        if (l.update_only)
                require(len >= 42 && !memcmp(frame + 28, frame + 38, 4) &&
                        !memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6));
        if (v != HOST_REPLY) {
                require(memcmp(frame, orig, len) == 0);
                return 0;
        }
        require(ip != 0 && len >= 14 && memcmp(frame + 6, mac, 6) == 0);
        if (frame[12] == 0x08 && frame[13] == 0x06) {
                require(memcmp(frame + 14 + 14, &ip, 4) == 0 &&
                        memcmp(frame + 14 + 8, mac, 6) == 0);
                require(frame[14 + 6] == 0 && frame[14 + 7] == 2);
        } else {
                require(frame[12] == 0x08 && frame[13] == 0);
                require(memcmp(frame + 14 + 12, &ip, 4) == 0);
                ic = icmp_of(frame, len, &n);
                require(ic && ic[0] == 0);
                if (icmp_valid)
                        require(sum(ic, n) == 0xffff);
        }
        return 0;
}
