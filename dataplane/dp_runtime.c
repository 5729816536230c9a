/* The worker's runtime totals into its memzone slot (dp_runtime.h). */
#include "dp_runtime.h"

void dp_runtime_init(struct dp_runtime *rt, const struct vsw_worker *self, uint64_t tsc)
{
        rt->c = self->runtime;
        rt->poll_tsc = tsc;
        rt->ring_tsc = tsc;
        rt->moved_before = rt->c.frames_in + rt->c.frames_out;
}

void dp_runtime_publish(const struct dp_runtime *rt, struct vsw_worker *self)
{
        struct vsw_worker_runtime *m = &self->runtime;

        __atomic_store_n(&m->polls, rt->c.polls, __ATOMIC_RELAXED);
        __atomic_store_n(&m->idle_polls, rt->c.idle_polls, __ATOMIC_RELAXED);
        __atomic_store_n(&m->frames_in, rt->c.frames_in, __ATOMIC_RELAXED);
        __atomic_store_n(&m->frames_out, rt->c.frames_out, __ATOMIC_RELAXED);
        __atomic_store_n(&m->cycles, rt->c.cycles, __ATOMIC_RELAXED);
        __atomic_store_n(&m->busy_cycles, rt->c.busy_cycles, __ATOMIC_RELAXED);
        __atomic_store_n(&m->frames_direct, rt->c.frames_direct, __ATOMIC_RELAXED);
}
