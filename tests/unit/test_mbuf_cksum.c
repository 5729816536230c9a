/* dataplane/ring/mbuf_cksum.h: the raw sum over any range of a chain
 * whose segments have odd lengths equals rte_raw_cksum's over the same
 * bytes laid flat (DPDK 22.11's rte_raw_cksum_mbuf does not: printed, not
 * checked, so a fixed DPDK does not fail this test); ranges outside the
 * chain are refused. */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "mbuf_cksum.h"
#include "unit_check.h"

#define LEN 6000u

static uint8_t flat[LEN];

static struct rte_mbuf *chain(struct rte_mempool *pool, const uint16_t *cuts, unsigned n)
{
        struct rte_mbuf *m = NULL, *tail = NULL;
        uint32_t o = 0;

        for (unsigned i = 0; i < n; i++) {
                struct rte_mbuf *s = rte_pktmbuf_alloc(pool);

                if (s == NULL)
                        abort();
                memcpy(rte_pktmbuf_append(s, cuts[i]), flat + o, cuts[i]);
                o += cuts[i];
                if (m == NULL) {
                        m = s;
                } else {
                        tail->next = s;
                        m->nb_segs++;
                        m->pkt_len += cuts[i];
                }
                tail = s;
        }
        return m;
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
        static const uint16_t cuts[] = {77, 1, 1447, 2, 999, 1474};
        char prefix[PATH_MAX];
        char *args[] = {argv[0],          "--no-huge",   "--no-shconf",  "--no-pci",
                        "--file-prefix",  prefix,        "-l",           "0",
                        "--no-telemetry", "--log-level", "lib.eal:error"};
        struct rte_mempool *pool;
        struct rte_mbuf *m;
        unsigned wrong_in_dpdk = 0, total = 0;
        uint32_t len = 0;
        uint16_t got;

        (void)argc;
        snprintf(prefix, sizeof(prefix), "vswt-cks%d", (int)getpid());
        if (rte_eal_init((int)RTE_DIM(args), args) < 0) {
                printf("rte_eal_init failed\n");
                return 2;
        }
        pool =
            rte_pktmbuf_pool_create("t_mbufs", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
        if (pool == NULL || atexit(eal_fini) != 0) {
                printf("mbuf pool: %s\n", rte_strerror(rte_errno));
                return 2;
        }
        for (unsigned i = 0; i < RTE_DIM(cuts); i++)
                len += cuts[i];
        for (uint32_t i = 0; i < len; i++)
                flat[i] = (uint8_t)(0xff - (i * 13) % 7); /* big bytes: many carries */
        m = chain(pool, cuts, RTE_DIM(cuts));
        for (uint32_t off = 0; off < len; off += 37) {
                for (uint32_t n = 0; off + n <= len; n += 211) {
                        uint16_t want = rte_raw_cksum(flat + off, n), dpdk;
                        bool ok = mbuf_raw_cksum(m, off, n, &got) == 0 && got == want;

                        CHECK(ok, "range [%u, %u): %#x, expected %#x", off, off + n, got, want);
                        total++;
                        wrong_in_dpdk += rte_raw_cksum_mbuf(m, off, n, &dpdk) == 0 && dpdk != want;
                }
        }
        printf("rte_raw_cksum_mbuf was wrong on %u of %u ranges\n", wrong_in_dpdk, total);
        CHECK(mbuf_raw_cksum(m, len - 10, 11, &got) == -1, "a range past the end: refused");
        CHECK(mbuf_raw_cksum(m, UINT32_MAX, 2, &got) == -1, "an offset that wraps: refused");
        m->pkt_len += 100; /* metadata claiming more than the chain holds */
        CHECK(mbuf_raw_cksum(m, len - 10, 50, &got) == -1, "a range the chain does not hold");
        m->pkt_len -= 100;
        rte_pktmbuf_free(m);
        return t_report();
}
