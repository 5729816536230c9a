/* VXLAN (RFC 7348) headers, byte by byte: the parser the uplink's RX side
 * runs on every frame that may be VXLAN (everything from the wire is
 * hostile: it never reads past len), and the builder of the 50 bytes of
 * outer headers put in front of an inner frame. Pure (no DPDK): the fuzz
 * target and the unit test drive it as the worker does. */
#ifndef VSW_VXLAN_HDR_H
#define VSW_VXLAN_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "vsw_state.h"

#define VXLAN_HLEN      VSW_VXLAN_OVERHEAD
#define VXLAN_FLAG_I    0x08  /* first byte of the VXLAN header: the VNI is valid */
#define VXLAN_SPORT_MIN 49152 /* the ephemeral range (RFC 6335) */
#define VXLAN_TTL       64

enum vxlan_verdict {
        VXLAN_NOT_MINE, /* not UDP 4789 to the address: the bridge's */
        VXLAN_INNER,    /* a VXLAN frame: inner frame at *inner_off, inner_len long */
        VXLAN_DROP,     /* VXLAN to us but malformed: *drop says why */
};

struct vxlan_rx {
        uint32_t vni;
        uint32_t src_ip; /* network byte order: the sender's VTEP */
        uint32_t inner_off;
        uint32_t inner_len;
        uint32_t drop; /* enum vsw_vxlan_drop, for VXLAN_DROP */
};

/* f[0..len): the first segment of an untagged frame off the uplink,
 * total bytes in the whole frame (>= len). ip: the uplink's address
 * (network byte order, not 0). */
enum vxlan_verdict vxlan_parse(const uint8_t *f, size_t len, size_t total, uint32_t ip,
                               struct vxlan_rx *rx);

struct vxlan_tx {
        uint8_t src_mac[6], dst_mac[6];
        uint32_t src_ip, dst_ip; /* network byte order */
        uint32_t vni;
        uint16_t sport;     /* host order */
        uint16_t ip_id;     /* host order */
        uint32_t inner_len; /* the inner frame's bytes */
};

/* The outer headers into h[0..VXLAN_HLEN): Ethernet, IPv4 (DF, TTL 64, its
 * checksum left 0 for the caller: rte_ipv4_cksum), UDP to 4789 with
 * checksum 0 (RFC 7348 allows it over IPv4), VXLAN with the I flag. */
void vxlan_build(uint8_t *h, const struct vxlan_tx *t);

/* The UDP source port from a hash of the inner frame's flow (the
 * caller's, over the fields vxlan_flow_key picks): in the ephemeral range,
 * so that one flow keeps one path through an ECMP underlay. */
static inline uint16_t vxlan_sport(uint32_t hash)
{
        return (uint16_t)(VXLAN_SPORT_MIN + (hash % (65536 - VXLAN_SPORT_MIN)));
}

/* The fields of an inner frame that name its flow, into key (room for
 * VXLAN_FLOW_KEY_MAX bytes): MACs and EtherType, and for IPv4 the
 * addresses, protocol and (unfragmented TCP/UDP) ports. Returns its
 * length. */
#define VXLAN_FLOW_KEY_MAX 32
size_t vxlan_flow_key(const uint8_t *f, size_t len, uint8_t *key);

#endif
