/* dp_mbuf_cache_reclaim against caches torn the way a SIGKILL inside a
 * DPDK 22.11 put tears them (the length raised, the pointers not yet
 * copied in): nothing that may be in someone else's hands is kept, no
 * mbuf is kept twice, and a cache that was not torn keeps what it can. */
#include <stdbool.h>
#include <stdlib.h>

#include "dp_mbuf_cache.h"
#include "unit_check.h"

#define NOBJ 1024
static char objs[NOBJ];

static void *obj(unsigned i)
{
        return &objs[i];
}

static struct rte_mempool_cache *cache_of(unsigned first, unsigned n)
{
        struct rte_mempool_cache *c = calloc(1, sizeof(*c));

        if (!c)
                abort();
        c->size = 256;
        c->flushthresh = 384;
        for (unsigned i = 0; i < n; i++)
                c->objs[i] = obj(first + i);
        c->len = n;
        return c;
}

/* Whether the cache holds no object twice and none of [lo, hi). */
static bool clean(const struct rte_mempool_cache *c, unsigned lo, unsigned hi)
{
        static unsigned char seen[NOBJ];

        for (unsigned i = 0; i < NOBJ; i++)
                seen[i] = 0;
        for (unsigned i = 0; i < c->len; i++) {
                unsigned k = (unsigned)((char *)c->objs[i] - objs);

                if (k >= NOBJ || seen[k]++ || (k >= lo && k < hi))
                        return false;
        }
        return true;
}

/* A get took the top 32 (now in flight, held elsewhere), then a put of 32
 * others was killed after it raised the length: the top 32 slots still
 * name the objects held elsewhere. */
static void torn_put(void)
{
        struct rte_mempool_cache *c = cache_of(0, 100);
        uint32_t dropped;

        c->len -= 32; /* the get: objects 68..99 leave */
        c->len += 32; /* the killed put: no copy */
        dropped = dp_mbuf_cache_reclaim(c, true);
        CHECK(clean(c, 68, 100), "objects held elsewhere or twice kept (len %u)", c->len);
        CHECK(c->len == 36 && dropped == 64, "kept %u, dropped %u", c->len, dropped);
        free(c);
}

/* Stale slots that name objects also below them in the cache. */
static void torn_put_duplicates(void)
{
        struct rte_mempool_cache *c = cache_of(0, 300);

        for (unsigned i = 0; i < 32; i++)
                c->objs[300 + i] = obj(10 + i);
        c->len = 332;
        dp_mbuf_cache_reclaim(c, true);
        CHECK(clean(c, 300, NOBJ) && c->len == 268, "len %u", c->len);
        free(c);
}

/* A put that flushed the cache to the ring and was killed before it
 * copied its own objects in: the bottom slots name objects now in the
 * ring. */
static void torn_flush(void)
{
        struct rte_mempool_cache *c = cache_of(0, 384);

        c->len = 16;
        dp_mbuf_cache_reclaim(c, true);
        CHECK(c->len == 0, "len %u", c->len);
        free(c);
}

/* Duplicates below the untrusted top go too (whatever tore them). */
static void duplicates_below(void)
{
        struct rte_mempool_cache *c = cache_of(0, 200);

        c->objs[5] = obj(6);
        c->objs[7] = obj(6);
        dp_mbuf_cache_reclaim(c, true);
        CHECK(clean(c, NOBJ, NOBJ) && c->len == 134, "len %u", c->len);
        free(c);
}

/* At the first start (no kill) every distinct entry is kept. */
static void first_start(void)
{
        struct rte_mempool_cache *c = cache_of(0, 100);
        uint32_t dropped = dp_mbuf_cache_reclaim(c, false);

        CHECK(c->len == 100 && dropped == 0 && clean(c, NOBJ, NOBJ), "len %u dropped %u", c->len,
              dropped);
        free(c);
}

/* A length past the array (garbage) never reads beyond it, and empty
 * slots are not objects. */
static void garbage_len(void)
{
        struct rte_mempool_cache *c = cache_of(0, 100);

        c->len = 0xffffffffu;
        dp_mbuf_cache_reclaim(c, true);
        CHECK(c->len == 100 && clean(c, NOBJ, NOBJ), "len %u", c->len);
        free(c);
}

int main(void)
{
        torn_put();
        torn_put_duplicates();
        torn_flush();
        duplicates_below();
        first_start();
        garbage_len();
        return t_report();
}
