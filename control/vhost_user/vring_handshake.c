#include "vring_handshake.h"

#include <sched.h>
#include <time.h>

#include "vsw_wake.h"

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
        /* cmd_seq is odd before the owner's state is read: a worker that
         * starts running from here on sees the pause before the ring. */
        uint32_t owner = atomic_load_explicit(&vr->owner, memory_order_acquire);

        if (!owner_is_running(st, owner))
                return 0;
        if (atomic_load_explicit(&vr->ack_seq, memory_order_acquire) == seq)
                return 0;
        vsw_wake(owner); /* it may sleep (rx-mode interrupt) */
        return -1;
}

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int vring_pause_within(struct vsw_state *st, const struct vsw_iface *ifc, unsigned q,
                       uint64_t budget_us)
{
        uint64_t end = now_us() + budget_us;

        while (vring_pause(st, ifc, q) < 0) {
                if (now_us() >= end)
                        return -1;
                sched_yield();
        }
        return 0;
}

void vring_release(struct vsw_iface *ifc, unsigned q)
{
        struct vsw_vring *vr = &ifc->vrings[q];
        uint32_t seq = atomic_load_explicit(&vr->cmd_seq, memory_order_relaxed);

        if (seq & 1u) {
                atomic_store_explicit(&vr->cmd_seq, seq + 1, memory_order_release);
                vsw_wake(atomic_load_explicit(&vr->owner, memory_order_acquire));
        }
}
