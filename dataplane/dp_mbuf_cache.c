/* The mempool cache of a worker's lcore lives in shared memory and
 * outlives the process: what a killed predecessor left there is checked
 * before any of it is handed out (dp_mbuf_cache.h). */
#include "dp_mbuf_cache.h"

#include <stdlib.h>

#include <rte_common.h>

static int ptr_cmp(const void *a, const void *b)
{
        uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

        return x < y ? -1 : x > y;
}

uint32_t dp_mbuf_cache_reclaim(struct rte_mempool_cache *c, bool after_kill)
{
        uint32_t was = RTE_MIN(c->len, (uint32_t)RTE_DIM(c->objs)), len = was, keep = 0;

        if (after_kill)
                len = len > DP_MBUF_CACHE_UNTRUSTED ? len - DP_MBUF_CACHE_UNTRUSTED : 0;
        qsort(c->objs, len, sizeof(c->objs[0]), ptr_cmp);
        for (uint32_t i = 0; i < len; i++)
                if (c->objs[i] != NULL && (keep == 0 || c->objs[keep - 1] != c->objs[i]))
                        c->objs[keep++] = c->objs[i];
        c->len = keep;
        return was - keep;
}
