/* The uplink's own IPv4 address, frame by frame: an ARP request for it or
 * an ICMP echo request to it is turned, in place, into the reply; a
 * gratuitous ARP from a neighbor refreshes what the address knows of it. Pure
 * (bytes in, bytes out, no DPDK): the fuzz target drives it as the worker
 * does (dp_uplink_host.c). */
#ifndef VSW_HOST_REPLY_H
#define VSW_HOST_REPLY_H

#include <stddef.h>
#include <stdint.h>

enum host_verdict {
        HOST_NOT_MINE, /* not for the address: the bridge's */
        HOST_REPLY,    /* rewritten into its reply: send it back out */
        HOST_CONSUMED, /* for the address, needs no answer (an ARP reply) */
};

/* What an ARP frame to the address said about its sender. */
struct host_learned {
        uint32_t ip; /* network byte order, 0: nothing learned */
        uint8_t mac[6];
        uint8_t update_only; /* a gratuitous ARP: news for an entry, none made */
};

/* An untagged Ethernet frame off the uplink, len bytes long, of which
 * frame[0..head) are here (the first segment of a chain): only headers are
 * read or rewritten (an echo reply's checksum is updated, not summed), so a
 * jumbo echo request in several segments is answered too. ip (network byte
 * order, not 0) and mac: the uplink's. */
enum host_verdict host_reply(uint8_t *frame, size_t head, size_t len, uint32_t ip,
                             const uint8_t mac[6], struct host_learned *learned);

/* An ARP request from the address (ip, mac) for target (network byte
 * order), to dst (a unicast probe of a known entry) or broadcast (dst
 * NULL), into f (room for HOST_ARP_REQUEST_LEN bytes: padded
 * to Ethernet's minimum). */
#define HOST_ARP_REQUEST_LEN 60
void host_arp_request(uint8_t *f, uint32_t ip, const uint8_t mac[6], uint32_t target,
                      const uint8_t *dst);

#endif
