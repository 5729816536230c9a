/* `show runtime` as a worker counts it: polls, idle polls, frames in and
 * out, and TSC cycles, read once per poll iteration (never per frame); and
 * each owned ring's busy cycles, read once per ring per poll at most, and
 * only after a ring that moved frames. Everything here is worker-local;
 * dp_runtime_publish copies it into the worker's memzone slot (single
 * writer, relaxed stores) at housekeeping. Kept apart from the loop so that
 * changes to the loop's shape need only call these. */
#ifndef VSW_DP_RUNTIME_H
#define VSW_DP_RUNTIME_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>

#include "vsw_state.h"

struct dp_runtime {
        struct vsw_worker_runtime c; /* running totals, from a predecessor's on */
        uint64_t poll_tsc;           /* TSC at the start of the current poll */
        uint64_t ring_tsc;           /* TSC the next busy ring's cycles count from */
        uint64_t moved_before;       /* frames_in + frames_out when the poll started */
};

/* Takes over the totals in the worker's slot (a restarted worker counts on). */
void dp_runtime_init(struct dp_runtime *rt, const struct vsw_worker *self, uint64_t tsc);
/* Into the worker's memzone slot (relaxed stores; readers tolerate a torn
 * set of fields, each word is whole). */
void dp_runtime_publish(const struct dp_runtime *rt, struct vsw_worker *self);

static inline void dp_runtime_in(struct dp_runtime *rt, uint64_t n)
{
        rt->c.frames_in += n;
}

static inline void dp_runtime_out(struct dp_runtime *rt, uint64_t n)
{
        rt->c.frames_out += n;
}

/* Closes the poll that started at rt->poll_tsc and opens the next at tsc
 * (the loop's one TSC read per iteration). */
static inline void dp_runtime_poll(struct dp_runtime *rt, uint64_t tsc)
{
        uint64_t moved = rt->c.frames_in + rt->c.frames_out;
        uint64_t d = tsc - rt->poll_tsc;

        rt->c.polls++;
        rt->c.cycles += d;
        if (moved == rt->moved_before)
                rt->c.idle_polls++;
        else
                rt->c.busy_cycles += d;
        rt->moved_before = moved;
        rt->poll_tsc = tsc;
        rt->ring_tsc = tsc;
}

/* Work that is no ring's (the uplink's queues) moved frames: its cycles
 * must not be charged to the next busy ring. */
static inline void dp_runtime_skip(struct dp_runtime *rt)
{
        rt->ring_tsc = rte_rdtsc();
}

/* A ring moved frames: the cycles since the last mark are its. Returns
 * the TSC read for it (rx-mode stamps the ring with the same read). */
static inline uint64_t dp_runtime_ring_busy(struct dp_runtime *rt, uint64_t *ring_cycles)
{
        uint64_t now = rte_rdtsc();

        *ring_cycles += now - rt->ring_tsc;
        rt->ring_tsc = now;
        return now;
}

#endif
