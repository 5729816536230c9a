/* dataplane/gso/tcp6_gso.c: TCP/IPv6 frames cut into segments compared
 * byte for byte with segments built here independently (headers patched
 * by hand, checksums by a plain one's-complement sum), across input
 * chains whose segment boundaries fall anywhere; frames it must refuse;
 * no mbuf leaked on any path. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "tcp6_gso.h"
#include "unit_check.h"

#define MAX_FRAME 70000u
#define MAX_OUT   64

static struct rte_mempool *pool;

/* A frame: L2 (untagged or 802.1Q), IPv6, TCP with opt_len option bytes,
 * payload bytes of a pattern; returns its length. */
static uint32_t make_frame(uint8_t *f, bool vlan, uint32_t opt_len, uint32_t payload, uint8_t flags)
{
        uint32_t l2 = vlan ? 18 : 14, l4 = 20 + opt_len, o = 0;

        memset(f, 0, l2 + 40 + l4);
        memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
        o = 12;
        if (vlan) {
                memcpy(f + o, "\x81\x00\x00\x07", 4);
                o += 4;
        }
        memcpy(f + o, "\x86\xdd", 2);
        o += 2;
        f[o] = 0x60; /* version 6, traffic class and flow label in the rest */
        f[o + 1] = 0x0a;
        f[o + 3] = 0x5c;
        f[o + 4] = 0xff; /* payload length: nonsense, the segmenter sets it */
        f[o + 5] = 0xff;
        f[o + 6] = 6; /* TCP */
        f[o + 7] = 64;
        for (int i = 0; i < 32; i++)
                f[o + 8 + i] = (uint8_t)(0xfd + i * 7);
        o += 40;
        f[o] = 0x9c; /* ports */
        f[o + 1] = 0x41;
        f[o + 2] = 0x13;
        f[o + 3] = 0x89;
        f[o + 4] = 0xff; /* sequence number near wrap-around */
        f[o + 5] = 0xff;
        f[o + 6] = 0xf0;
        f[o + 7] = 0x00;
        f[o + 8] = 0x12; /* ack */
        f[o + 12] = (uint8_t)((l4 / 4) << 4);
        f[o + 13] = flags;
        f[o + 14] = 0x01; /* window */
        f[o + 16] = 0xab; /* a checksum field the guest left: replaced */
        f[o + 17] = 0xcd;
        for (uint32_t i = 0; i < opt_len; i++)
                f[o + 20 + i] = i % 4 == 0 ? 1 : (uint8_t)(0x30 + i); /* NOPs and bytes */
        o += l4;
        for (uint32_t i = 0; i < payload; i++)
                f[o + i] = (uint8_t)(i * 31 + (i >> 8));
        return o + payload;
}

static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t s)
{
        for (uint32_t i = 0; i + 1 < n; i += 2)
                s += (uint32_t)(p[i] << 8 | p[i + 1]);
        if (n & 1)
                s += (uint32_t)p[n - 1] << 8;
        return s;
}

/* The segment i of frame f (payload off, len bytes), built by hand. */
static uint32_t expect_segment(const uint8_t *f, uint32_t l2, uint32_t l4, uint32_t off,
                               uint32_t len, bool first, bool last, uint8_t *e)
{
        uint32_t hdrs = l2 + 40 + l4, s, seq;
        uint8_t *ip = e + l2, *tcp = ip + 40;
        uint16_t csum;

        memcpy(e, f, hdrs);
        memcpy(e + hdrs, f + hdrs + off, len);
        ip[4] = (uint8_t)((l4 + len) >> 8);
        ip[5] = (uint8_t)(l4 + len);
        seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
        seq += off;
        tcp[4] = (uint8_t)(seq >> 24);
        tcp[5] = (uint8_t)(seq >> 16);
        tcp[6] = (uint8_t)(seq >> 8);
        tcp[7] = (uint8_t)seq;
        if (!last)
                tcp[13] &= (uint8_t) ~(0x01 | 0x08); /* FIN, PSH */
        if (!first)
                tcp[13] &= (uint8_t)~0x80; /* CWR */
        tcp[16] = tcp[17] = 0;
        s = sum16(ip + 8, 32, 0) + l4 + len + 6; /* pseudo-header */
        s = sum16(tcp, l4 + len, s);
        while (s >> 16)
                s = (s & 0xffff) + (s >> 16);
        csum = (uint16_t)~s;
        tcp[16] = (uint8_t)(csum >> 8);
        tcp[17] = (uint8_t)csum;
        return hdrs + len;
}

/* f[0, len) in a chain whose segments hold cuts[] bytes each (the last
 * one the rest), with TSO metadata. */
static struct rte_mbuf *chain(const uint8_t *f, uint32_t len, const uint16_t *cuts, uint16_t l2,
                              uint16_t l4, uint16_t mss)
{
        struct rte_mbuf *m = NULL, *tail = NULL;
        uint32_t o = 0;

        for (unsigned i = 0; o < len; i++) {
                struct rte_mbuf *s = rte_pktmbuf_alloc(pool);
                uint32_t n = RTE_MIN(len - o, cuts[i] ? (uint32_t)cuts[i] : 2048u);

                if (s == NULL)
                        abort();
                memcpy(rte_pktmbuf_append(s, (uint16_t)n), f + o, n);
                o += n;
                if (m == NULL) {
                        m = s;
                } else {
                        tail->next = s;
                        m->nb_segs++;
                        m->pkt_len += n;
                }
                tail = s;
                if (cuts[i] == 0)
                        cuts--; /* the rest in full mbufs */
        }
        m->l2_len = l2;
        m->l3_len = 40;
        m->l4_len = l4;
        m->tso_segsz = mss;
        m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
        return m;
}

static uint8_t frame[MAX_FRAME], expect[MAX_FRAME], got[MAX_FRAME];

/* One case: the frame cut by the segmenter equals the hand-made segments. */
static void check_case(const char *what, bool vlan, uint32_t opt_len, uint32_t payload,
                       uint16_t mss, uint8_t flags, const uint16_t *cuts)
{
        uint32_t l2 = vlan ? 18 : 14, l4 = 20 + opt_len;
        uint32_t len = make_frame(frame, vlan, opt_len, payload, flags);
        unsigned avail = rte_mempool_avail_count(pool);
        struct rte_mbuf *m = chain(frame, len, cuts, (uint16_t)l2, (uint16_t)l4, mss);
        struct rte_mbuf *out[MAX_OUT];
        uint32_t nseg = (payload + mss - 1) / mss;
        int n = tcp6_gso_segment(m, pool, pool, out, MAX_OUT);

        CHECK(n == (int)nseg, "%s: %d segments, expected %u", what, n, nseg);
        CHECK(rte_pktmbuf_read(m, 0, len, got) != NULL && memcmp(got, frame, len) == 0,
              "%s: the input is unchanged", what);
        rte_pktmbuf_free(m); /* the segments keep its data */
        for (int i = 0; i < n && (uint32_t)n == nseg; i++) {
                uint32_t off = (uint32_t)i * mss, plen = RTE_MIN((uint32_t)mss, payload - off);
                uint32_t elen =
                    expect_segment(frame, l2, l4, off, plen, i == 0, i == n - 1, expect);
                const uint8_t *p = rte_pktmbuf_read(out[i], 0, elen, got);

                CHECK(out[i]->pkt_len == elen && p != NULL && memcmp(p, expect, elen) == 0,
                      "%s: segment %d of %d byte for byte (%u bytes, expected %u)", what, i, n,
                      out[i]->pkt_len, elen);
                CHECK(out[i]->l2_len == l2 && out[i]->l3_len == 40 && out[i]->l4_len == l4 &&
                          !(out[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
                          rte_pktmbuf_data_len(out[i]) == l2 + 40 + l4,
                      "%s: segment %d's metadata, headers in a mbuf of their own", what, i);
                rte_pktmbuf_free(out[i]);
        }
        CHECK(rte_mempool_avail_count(pool) == avail, "%s: every mbuf back (%u of %u)", what,
              rte_mempool_avail_count(pool), avail);
}

/* m refused with rc, nothing allocated, m (its first len bytes) unchanged. */
static void check_refused(const char *what, struct rte_mbuf *m, int rc, unsigned avail)
{
        struct rte_mbuf *out[MAX_OUT];
        uint32_t len = rte_pktmbuf_pkt_len(m);
        int n = tcp6_gso_segment(m, pool, pool, out, MAX_OUT);

        CHECK(n == rc, "%s: returned %d, expected %d", what, n, rc);
        CHECK(rte_pktmbuf_read(m, 0, len, got) != NULL && memcmp(got, frame, len) == 0,
              "%s: the input is unchanged", what);
        rte_pktmbuf_free(m);
        CHECK(rte_mempool_avail_count(pool) == avail, "%s: nothing left allocated", what);
}

static void refusals(void)
{
        static const uint16_t one[] = {0};
        unsigned avail = rte_mempool_avail_count(pool);
        uint32_t len = make_frame(frame, false, 12, 3000, 0x18);
        struct rte_mbuf *m, *out[MAX_OUT];

        m = chain(frame, len, one, 14, 32, 1000);
        m->l3_len = 48; /* an extension header */
        check_refused("l3_len beyond the fixed header", m, -EINVAL, avail);
        frame[14 + 6] = 0; /* hop-by-hop options next */
        m = chain(frame, len, one, 14, 32, 1000);
        check_refused("next header not TCP", m, -EINVAL, avail);
        len = make_frame(frame, false, 12, 3000, 0x18);
        frame[14] = 0x45;
        m = chain(frame, len, one, 14, 32, 1000);
        check_refused("IP version 4 in an IPv6 frame", m, -EINVAL, avail);
        len = make_frame(frame, false, 12, 3000, 0x18);
        m = chain(frame, len, one, 14, 28, 1000);
        check_refused("l4_len not the TCP data offset", m, -EINVAL, avail);
        m = chain(frame, len, one, 14, 32, 0);
        check_refused("segment size 0", m, -EINVAL, avail);
        m = chain(frame, len, (const uint16_t[]){60, 0}, 14, 32, 1000);
        check_refused("headers beyond the first segment", m, -EINVAL, avail);
        m = chain(frame, len, one, 14, 32, 1000);
        m->ol_flags &= ~RTE_MBUF_F_TX_TCP_SEG;
        check_refused("no TSO asked", m, -EINVAL, avail);
        m = chain(frame, len, one, 14, 32, 40);
        check_refused("more segments than out[] holds", m, -ERANGE, avail);
        m = chain(frame, len, one, 14, 32, 1000);
        m->pkt_len += 500; /* metadata claiming more than the chain holds */
        CHECK(tcp6_gso_segment(m, pool, pool, out, MAX_OUT) == -EINVAL &&
                  rte_mempool_avail_count(pool) == avail - m->nb_segs,
              "pkt_len beyond the chain: refused, nothing left allocated");
        m->pkt_len -= 500;
        rte_pktmbuf_free(m);
        m = chain(frame, len, one, 14, 32, 3000);
        check_refused("payload in one segment", m, 0, avail);
}

/* A pool that runs dry half way: -ENOMEM, and every mbuf taken is back. */
static void pool_dry(void)
{
        static const uint16_t one[] = {0};
        struct rte_mempool *small =
            rte_pktmbuf_pool_create("t_small", 7, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
        uint32_t len = make_frame(frame, false, 0, 8000, 0x10);
        struct rte_mbuf *m = chain(frame, len, one, 14, 20, 1000), *out[MAX_OUT];
        int n;

        CHECK(small != NULL);
        if (small == NULL)
                return;
        n = tcp6_gso_segment(m, small, small, out, MAX_OUT);
        CHECK(n == -ENOMEM && rte_mempool_avail_count(small) == 7,
              "dry pool: %d, %u of 7 mbufs back", n, rte_mempool_avail_count(small));
        rte_pktmbuf_free(m);
        rte_mempool_free(small);
}

static void eal_fini(void)
{
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
        rte_eal_cleanup();
        rmdir(dir);
}

int main(int argc, char **argv)
{
        char prefix[PATH_MAX];
        char *args[] = {argv[0],          "--no-huge",   "--no-shconf",  "--no-pci",
                        "--file-prefix",  prefix,        "-l",           "0",
                        "--no-telemetry", "--log-level", "lib.eal:error"};

        (void)argc;
        snprintf(prefix, sizeof(prefix), "vswt-gso%d", (int)getpid());
        if (rte_eal_init((int)RTE_DIM(args), args) < 0) {
                printf("rte_eal_init failed\n");
                return 2;
        }
        pool = rte_pktmbuf_pool_create("t_mbufs", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       SOCKET_ID_ANY);
        if (pool == NULL || atexit(eal_fini) != 0) {
                printf("mbuf pool: %s\n", rte_strerror(rte_errno));
                return 2;
        }
        /* FIN|PSH|ACK|CWR: FIN and PSH on the last segment only, CWR on the first. */
        check_case("3 full segments, one input mbuf", false, 12, 3000, 1000, 0x99,
                   (const uint16_t[]){0});
        check_case("short last segment, payload across odd cuts", false, 12, 2501, 1000, 0x99,
                   (const uint16_t[]){100, 7, 333, 1, 1200, 0});
        check_case("802.1Q tag, no options, odd MSS", true, 0, 5000, 1427, 0x18,
                   (const uint16_t[]){18 + 40 + 20, 0});
        check_case("64 KiB frame at MSS 1440, 40 option bytes", false, 40, 65400, 1440, 0x98,
                   (const uint16_t[]){0});
        check_case("MSS 1: a segment per byte", false, 0, 50, 1, 0x19, (const uint16_t[]){90, 0});
        refusals();
        pool_dry();
        return t_report();
}
