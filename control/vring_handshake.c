#include "vring_handshake.h"

#include <time.h>

#include "log.h"

#define PAUSE_STEP_NS    50000L /* 50 us */
#define PAUSE_TIMEOUT_NS 1000000000LL

static long long now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int owner_is_running(const struct vsw_state *st, uint32_t owner)
{
        if (owner == VSW_NO_WORKER || owner >= VSW_MAX_WORKERS)
                return 0;
        return atomic_load_explicit(&st->workers[owner].state, memory_order_acquire) ==
               VSW_WORKER_RUNNING;
}

int vring_pause(struct vsw_state *st, const struct vsw_iface *ifc, unsigned q)
{
        struct vsw_vring *vr = (struct vsw_vring *)&ifc->vrings[q];
        uint32_t seq = atomic_load_explicit(&vr->cmd_seq, memory_order_relaxed);

        if (!(seq & 1u)) {
                seq++;
                atomic_store_explicit(&vr->cmd_seq, seq, memory_order_release);
        }
        long long deadline = now_ns() + PAUSE_TIMEOUT_NS;

        for (;;) {
                uint32_t owner = atomic_load_explicit(&vr->owner, memory_order_acquire);

                if (!owner_is_running(st, owner))
                        return 0;
                if (atomic_load_explicit(&vr->ack_seq, memory_order_acquire) == seq)
                        return 0;
                if (now_ns() >= deadline) {
                        VSW_ERR(VSW_LOG_VHOST_USER,
                                "%s: vring %u: worker %u did not acknowledge the pause within 1 s; "
                                "editing the ring anyway",
                                ifc->name, q, owner);
                        return -1;
                }
                struct timespec ts = {0, PAUSE_STEP_NS};
                nanosleep(&ts, NULL);
        }
}

void vring_release(struct vsw_iface *ifc, unsigned q)
{
        struct vsw_vring *vr = &ifc->vrings[q];
        uint32_t seq = atomic_load_explicit(&vr->cmd_seq, memory_order_relaxed);

        if (seq & 1u)
                atomic_store_explicit(&vr->cmd_seq, seq + 1, memory_order_release);
}

uint32_t vring_default_owner(const struct vsw_state *st, unsigned q)
{
        if (st->nworkers == 0)
                return VSW_NO_WORKER;
        return (q / 2) % st->nworkers;
}
