/* VXLAN's outer headers (dataplane/uplink/vxlan_hdr.c): what the builder
 * writes (Ethernet, IPv4 with DF, TTL 64 and a checksum DPDK's helper
 * fills, UDP to 4789 with checksum 0, the I flag and the VNI) parses back
 * to the same tunnel and inner frame; each malformed outer header is
 * dropped for its reason, never read past; frames that are not VXLAN to
 * the address are left to the bridge; the source port is the flow's. */
#include <arpa/inet.h>
#include <string.h>

#include <rte_ip.h>

#include "unit_check.h"
#include "vxlan_hdr.h"

#define INNER 64

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 1}, peer_mac[6] = {0x02, 0, 0, 0, 0, 2};

static uint16_t fold(const uint8_t *p, size_t n)
{
        uint32_t s = 0;

        for (size_t i = 0; i + 1 < n; i += 2)
                s += (uint32_t)(p[i] << 8 | p[i + 1]);
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        return (uint16_t)s;
}

/* A VXLAN frame from peer to us: headers and an inner frame of INNER
 * bytes (its first byte 0xaa), as the sender's worker builds it. */
static size_t frame(uint8_t *f, uint32_t src, uint32_t dst, uint32_t vni)
{
        struct vxlan_tx tx = {.src_ip = src,
                              .dst_ip = dst,
                              .vni = vni,
                              .sport = 50000,
                              .ip_id = 7,
                              .inner_len = INNER};
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

        memcpy(tx.src_mac, peer_mac, 6);
        memcpy(tx.dst_mac, our_mac, 6);
        vxlan_build(f, &tx);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        memset(f + VXLAN_HLEN, 0xaa, INNER);
        return VXLAN_HLEN + INNER;
}

static void test_build(void)
{
        uint8_t f[256];
        uint32_t a = inet_addr("10.99.0.2"), b = inet_addr("10.99.0.1");

        frame(f, a, b, 0xabcdef);
        CHECK(memcmp(f, our_mac, 6) == 0 && memcmp(f + 6, peer_mac, 6) == 0);
        CHECK(f[12] == 0x08 && f[13] == 0x00, "IPv4");
        CHECK(f[14] == 0x45 && (f[16] << 8 | f[17]) == 20 + 8 + 8 + INNER, "IP total length");
        CHECK(f[20] == 0x40 && f[21] == 0, "DF, no fragment");
        CHECK(f[22] == 64 && f[23] == 17, "TTL 64, UDP");
        CHECK(fold(f + 14, 20) == 0xffff, "IP header checksum verifies");
        CHECK(memcmp(f + 26, &a, 4) == 0 && memcmp(f + 30, &b, 4) == 0, "addresses");
        CHECK((f[34] << 8 | f[35]) == 50000 && (f[36] << 8 | f[37]) == 4789, "ports");
        CHECK((f[38] << 8 | f[39]) == 8 + 8 + INNER && f[40] == 0 && f[41] == 0,
              "UDP length, checksum 0");
        CHECK(f[42] == 0x08 && f[43] == 0 && f[44] == 0 && f[45] == 0, "I flag only");
        CHECK(f[46] == 0xab && f[47] == 0xcd && f[48] == 0xef && f[49] == 0, "VNI, reserved 0");
}

static void test_parse(void)
{
        uint8_t f[256];
        uint32_t a = inet_addr("10.99.0.2"), b = inet_addr("10.99.0.1");
        size_t n = frame(f, a, b, 0x123456);
        struct vxlan_rx rx;

        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_INNER);
        CHECK(rx.vni == 0x123456 && rx.src_ip == a, "vni %x", rx.vni);
        CHECK(rx.inner_off == VXLAN_HLEN && rx.inner_len == INNER, "inner %u+%u", rx.inner_off,
              rx.inner_len);
        /* Ethernet padding after the datagram is not the inner frame's. */
        CHECK(vxlan_parse(f, n + 6, n + 6, b, &rx) == VXLAN_INNER && rx.inner_len == INNER);
        /* Headers in the first segment, the rest in others. */
        CHECK(vxlan_parse(f, VXLAN_HLEN + 14, n, b, &rx) == VXLAN_INNER && rx.inner_len == INNER);
        CHECK(vxlan_parse(f, n, n, a, &rx) == VXLAN_NOT_MINE, "another address");
}

static void test_not_mine(void)
{
        uint8_t f[256];
        uint32_t a = inet_addr("10.99.0.2"), b = inet_addr("10.99.0.1");
        size_t n = frame(f, a, b, 1);
        struct vxlan_rx rx;

        f[37] = 0x13; /* UDP port 4883 */
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_NOT_MINE);
        frame(f, a, b, 1);
        f[23] = 6; /* TCP */
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_NOT_MINE);
        frame(f, a, b, 1);
        f[13] = 0x06; /* ARP */
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_NOT_MINE);
        frame(f, a, b, 1);
        CHECK(vxlan_parse(f, 20, n, b, &rx) == VXLAN_NOT_MINE, "first segment too short to say");
        CHECK(vxlan_parse(f, 0, 0, b, &rx) == VXLAN_NOT_MINE);
}

static void test_drops(void)
{
        uint8_t f[256];
        uint32_t a = inet_addr("10.99.0.2"), b = inet_addr("10.99.0.1");
        size_t n = frame(f, a, b, 1);
        struct vxlan_rx rx;

        CHECK(vxlan_parse(f, n - 1, n - 1, b, &rx) == VXLAN_DROP &&
                  rx.drop == VSW_VXLAN_DROP_TRUNCATED,
              "cut short of its IP length");
        CHECK(vxlan_parse(f, 44, n, b, &rx) == VXLAN_DROP && rx.drop == VSW_VXLAN_DROP_TRUNCATED,
              "VXLAN header beyond the first segment");
        f[39] = 8 + 7; /* UDP length leaves no VXLAN header */
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_DROP && rx.drop == VSW_VXLAN_DROP_TRUNCATED);
        frame(f, a, b, 1);
        f[38] = 0x10; /* UDP length beyond the IP datagram */
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_DROP && rx.drop == VSW_VXLAN_DROP_TRUNCATED);
        frame(f, a, b, 1);
        f[14] = 0x4f; /* IHL 60: the UDP header is not where it was */
        CHECK(vxlan_parse(f, n, n, b, &rx) != VXLAN_INNER);
        frame(f, a, b, 1);
        f[42] = 0x00;
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_DROP && rx.drop == VSW_VXLAN_DROP_BAD_FLAGS);
        frame(f, a, b, 1);
        f[20] = 0x20; /* more fragments */
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_DROP && rx.drop == VSW_VXLAN_DROP_FRAGMENT);
        frame(f, a, b, 1);
        f[17] = 20 + 8 + 8 + 13; /* IP and UDP say a 13-byte inner frame */
        f[39] = 8 + 8 + 13;
        CHECK(vxlan_parse(f, n, n, b, &rx) == VXLAN_DROP && rx.drop == VSW_VXLAN_DROP_INNER_RUNT);
}

static void test_flow(void)
{
        uint8_t f1[64] = {0}, f2[64], k1[VXLAN_FLOW_KEY_MAX], k2[VXLAN_FLOW_KEY_MAX];
        size_t n1, n2;

        f1[12] = 0x08;
        f1[14] = 0x45;
        f1[23] = 6; /* TCP */
        f1[34] = 0x13;
        f1[35] = 0x89;
        memcpy(f2, f1, sizeof(f1));
        f2[18] = 0x55; /* another IP id: the same flow */
        n1 = vxlan_flow_key(f1, sizeof(f1), k1);
        n2 = vxlan_flow_key(f2, sizeof(f2), k2);
        CHECK(n1 == 14 + 1 + 8 + 4 && n1 == n2 && memcmp(k1, k2, n1) == 0, "key %zu", n1);
        f2[35] = 0x8a; /* another port: another flow */
        n2 = vxlan_flow_key(f2, sizeof(f2), k2);
        CHECK(n1 == n2 && memcmp(k1, k2, n1) != 0);
        CHECK(vxlan_flow_key(f1, 10, k1) == 10, "a runt: its bytes");
        for (uint32_t h = 0; h < 100000; h += 977)
                CHECK(vxlan_sport(h) >= 49152, "port %u", vxlan_sport(h));
}

int main(void)
{
        test_build();
        test_parse();
        test_not_mine();
        test_drops();
        test_flow();
        return t_report();
}
