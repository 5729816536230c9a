/* This lcore's mbuf cache as a restarted worker finds it (dp_mbuf_cache.c). */
#ifndef VSW_DP_MBUF_CACHE_H
#define VSW_DP_MBUF_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/* Top entries of the cache not trusted after a kill: a put raises the
 * cache's length before it copies the pointers in (DPDK 22.11
 * rte_mempool_do_generic_put), so a worker killed inside one leaves up to
 * a put's worth of stale pointers on top, naming mbufs that are in the
 * pool's ring or in someone's hands: its successor would hand them out
 * again (one mbuf for two frames: one delivered twice, the other lost).
 * rte_pktmbuf_free_bulk puts at most 64 at a time. */
#define DP_MBUF_CACHE_UNTRUSTED 64u

/* Keeps what can be trusted of the cache: after a kill (after_kill) not
 * its top DP_MBUF_CACHE_UNTRUSTED entries; never an mbuf twice. Returns
 * how many entries were dropped (leaked: never handed out again). */
uint32_t dp_mbuf_cache_reclaim(struct rte_mempool_cache *c, bool after_kill);

#endif
