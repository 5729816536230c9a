/* One bridge domain's MAC table, shared by every worker and written with no
 * lock (the encoding is in shared/vsw_l2fib.h). Buckets of four entries, one
 * cache line each, probed linearly from the key's home bucket. Slots never
 * become empty again: an aged entry is reclaimed in place by the next
 * learner that needs room, so a probe stops at the first never-used slot.
 *
 * Who writes what, and why a reader never pairs a key with another key's val:
 * - A new key takes a slot by compare-and-swap of the key word, to
 *   key|PENDING (no lookup matches it), then stores val, then publishes the
 *   key. A reader checks the key again after reading val.
 * - A known key (refreshed, or moved to another interface) gets its val by
 *   compare-and-swap from the val it read (after checking the key again):
 *   if the slot was reclaimed for another key meanwhile, that key's val
 *   differs (a later timestamp) and the swap fails.
 * - Two learners racing for one slot: one swap wins; the other gives up for
 *   this frame (the next frame from that MAC learns it).
 * Only an aged entry is reclaimed, so fooling a reader would take the slot
 * going to another key and back while the reader stalls between two loads:
 * two reclaims, an aging period apart. Two learners that add the same new
 * MAC at once may leave a duplicate further along the probe; lookups and
 * learners both stop at the first, and the other ages out.
 * A worker killed between claim and publish leaves one slot PENDING for
 * good: at most one slot per killed worker, until the bridge is recreated. */
#ifndef VSW_L2FIB_TABLE_H
#define VSW_L2FIB_TABLE_H

#include <stdatomic.h>
#include <stdint.h>

#include <rte_prefetch.h>

#include "vsw_l2fib.h"
#include "vsw_state.h"

#define L2FIB_PROBE 4 /* buckets probed from the home bucket */

_Static_assert((VSW_L2FIB_BUCKETS & (VSW_L2FIB_BUCKETS - 1)) == 0,
               "VSW_L2FIB_BUCKETS must be a power of two");

enum l2fib_learned {
        L2FIB_FRESH,     /* known here and recent: nothing written */
        L2FIB_REFRESHED, /* known here, timestamp renewed */
        L2FIB_MOVED,     /* known on another interface: now this one */
        L2FIB_NEW,
        L2FIB_FULL, /* no free or aged slot in the probe window */
        L2FIB_RACE, /* another learner changed the slot first */
};

/* Fibonacci hashing: the high bits of key times 2^64/phi. */
static inline uint32_t l2fib_home(uint64_t key)
{
        return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - __builtin_ctz(VSW_L2FIB_BUCKETS)));
}

static inline struct vsw_l2fib_bucket *l2fib_bucket(struct vsw_bridge *b, uint32_t home, unsigned i)
{
        return &b->fib[(home + i) & (VSW_L2FIB_BUCKETS - 1)];
}

static inline void l2fib_prefetch(struct vsw_bridge *b, uint64_t key)
{
        rte_prefetch0(l2fib_bucket(b, l2fib_home(key), 0));
}

/* 1 with the interface key was last seen on, 0 when unknown or aged. */
static inline int l2fib_lookup(struct vsw_bridge *b, uint64_t key, uint32_t now_s, uint32_t aging_s,
                               uint32_t *sw_if_index)
{
        uint32_t home = l2fib_home(key);

        for (unsigned i = 0; i < L2FIB_PROBE; i++) {
                struct vsw_l2fib_bucket *bk = l2fib_bucket(b, home, i);

                for (unsigned w = 0; w < VSW_L2FIB_WAYS; w++) {
                        struct vsw_l2fib_entry *e = &bk->way[w];
                        uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);

                        if (k == key) {
                                uint64_t v = atomic_load_explicit(&e->val, memory_order_acquire);

                                if (atomic_load_explicit(&e->key, memory_order_relaxed) != key ||
                                    vsw_l2fib_aged(v, now_s, aging_s))
                                        return 0;
                                *sw_if_index = vsw_l2fib_val_sw_if_index(v);
                                return 1;
                        }
                        if (k == 0)
                                return 0;
                }
        }
        return 0;
}

/* Records that key was seen on sw_if_index at now_s. Writes the shared line
 * only when the key is new, has moved, or was last written refresh_s or
 * more ago. */
static inline enum l2fib_learned l2fib_learn(struct vsw_bridge *b, uint64_t key,
                                             uint32_t sw_if_index, uint32_t now_s, uint32_t aging_s,
                                             uint32_t refresh_s)
{
        uint64_t nv = vsw_l2fib_val(sw_if_index, now_s);
        struct vsw_l2fib_entry *room = NULL;
        uint64_t room_key = 0;
        uint32_t home = l2fib_home(key);

        for (unsigned i = 0; i < L2FIB_PROBE; i++) {
                struct vsw_l2fib_bucket *bk = l2fib_bucket(b, home, i);

                for (unsigned w = 0; w < VSW_L2FIB_WAYS; w++) {
                        struct vsw_l2fib_entry *e = &bk->way[w];
                        uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);
                        uint64_t v;

                        if (k == key) {
                                v = atomic_load_explicit(&e->val, memory_order_acquire);
                                if (vsw_l2fib_val_sw_if_index(v) == sw_if_index &&
                                    vsw_l2fib_age(v, now_s) < (int32_t)refresh_s)
                                        return L2FIB_FRESH;
                                /* v must be key's: a val read after a claim
                                 * for another key could be swapped back. */
                                if (atomic_load_explicit(&e->key, memory_order_relaxed) != key ||
                                    !atomic_compare_exchange_strong_explicit(&e->val, &v, nv,
                                                                             memory_order_release,
                                                                             memory_order_relaxed))
                                        return L2FIB_RACE;
                                return vsw_l2fib_val_sw_if_index(v) == sw_if_index ? L2FIB_REFRESHED
                                                                                   : L2FIB_MOVED;
                        }
                        if (k == 0) {
                                if (!room) {
                                        room = e;
                                        room_key = 0;
                                }
                                goto claim;
                        }
                        if (!room && !(k & VSW_L2FIB_PENDING) &&
                            vsw_l2fib_aged(atomic_load_explicit(&e->val, memory_order_relaxed),
                                           now_s, aging_s)) {
                                room = e;
                                room_key = k;
                        }
                }
        }
        if (!room)
                return L2FIB_FULL;
claim:
        if (!atomic_compare_exchange_strong_explicit(&room->key, &room_key, key | VSW_L2FIB_PENDING,
                                                     memory_order_acquire, memory_order_relaxed))
                return L2FIB_RACE;
        /* Whoever sees the new val sees the key no longer the old one. */
        atomic_thread_fence(memory_order_release);
        atomic_store_explicit(&room->val, nv, memory_order_relaxed);
        atomic_store_explicit(&room->key, key, memory_order_release);
        return L2FIB_NEW;
}

#endif
