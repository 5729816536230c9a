/* The MAC table entry encoding shared by the learners (dataplane/l2) and
 * the readers that show it (vhostd):
 *   key = PENDING(63) | VALID(62) | vlan(59..48) | MAC(47..0)
 *   val = seconds(63..32) | sw_if_index(31..0)
 * The MAC is the six bytes as they are on the wire, read little-endian, so
 * bit 0 is the group bit. VALID keeps every key non-zero (0 = never used);
 * PENDING marks a slot being claimed for a new key, which no lookup
 * matches. Seconds are CLOCK_MONOTONIC, the same in every process. */
#ifndef VSW_L2FIB_H
#define VSW_L2FIB_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "vsw_state.h"

#define VSW_L2FIB_VALID        (1ull << 62)
#define VSW_L2FIB_PENDING      (1ull << 63)
#define VSW_L2FIB_MAC_MASK     0xffffffffffffull
#define VSW_L2_DEFAULT_AGING_S 300 /* as VPP */

static inline uint64_t vsw_l2fib_key(uint64_t mac48, uint16_t vlan)
{
        return VSW_L2FIB_VALID | (uint64_t)(vlan & 0xfff) << 48 | (mac48 & VSW_L2FIB_MAC_MASK);
}

static inline uint16_t vsw_l2fib_key_vlan(uint64_t key)
{
        return (uint16_t)((key >> 48) & 0xfff);
}

static inline void vsw_l2fib_key_mac(uint64_t key, uint8_t mac[6])
{
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)(key >> (8 * i));
}

static inline uint64_t vsw_l2fib_val(uint32_t sw_if_index, uint32_t now_s)
{
        return (uint64_t)now_s << 32 | sw_if_index;
}

static inline uint32_t vsw_l2fib_val_sw_if_index(uint64_t val)
{
        return (uint32_t)val;
}

static inline uint32_t vsw_l2fib_val_time(uint64_t val)
{
        return (uint32_t)(val >> 32);
}

/* Seconds since val was written, as seen at now_s. Negative when another
 * process read the clock a moment later than this one: still fresh. */
static inline int32_t vsw_l2fib_age(uint64_t val, uint32_t now_s)
{
        return (int32_t)(now_s - vsw_l2fib_val_time(val));
}

static inline int vsw_l2fib_aged(uint64_t val, uint32_t now_s, uint32_t aging_s)
{
        return aging_s && vsw_l2fib_age(val, now_s) >= (int32_t)aging_s;
}

static inline uint32_t vsw_l2fib_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        return (uint32_t)ts.tv_sec;
}

/* A consistent snapshot of one entry: 1 with its key and val, 0 when the
 * slot is empty, being claimed, or changed under the read. */
static inline int vsw_l2fib_read(const struct vsw_l2fib_entry *e, uint64_t *key, uint64_t *val)
{
        uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);

        if (k == 0 || (k & VSW_L2FIB_PENDING))
                return 0;
        *val = atomic_load_explicit(&e->val, memory_order_acquire);
        if (atomic_load_explicit(&e->key, memory_order_relaxed) != k)
                return 0;
        *key = k;
        return 1;
}

#endif
