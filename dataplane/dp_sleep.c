/* rx-mode: when a worker stops polling (vsw_state.h enum vsw_rx_mode).
 * Housekeeping plans: each owned guest TX queue's mode (its own or the
 * switch's default), whether any must be polled (polling mode, or no kick
 * fd), and the adaptive idle time. The poll loop then sleeps once every
 * queue is quiet (dp_sleep_due): it arms the guest's notifications, looks
 * at every ring and its cross-worker rings once more (the virtio spec's
 * closure of the race with a chain made available before the arming, and
 * vsw_wake.h's with its other producers), then waits in epoll_wait on the
 * kick fds it owns and its wake eventfd. Never longer than VSW_SLEEP_MAX_MS
 * (the heartbeat is beaten on each side of the wait, so the watchdog's
 * 500 ms judgement holds; a worker blocked elsewhere, on a call fd, beats
 * nothing and is still caught), and 1 ms with an uplink, whose queues are
 * polled at that rate meanwhile. On waking it disarms: while polling, the
 * guests' kicks are suppressed. A restarted worker polls every ring before
 * its first sleep, so a kick that came while no worker listened is not
 * lost. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dp_vq.h"
#include "log.h"
#include "virtq_arm.h"
#include "vsw_wake.h"

/* How often an idle worker with an uplink still polls it (no RX interrupt
 * from the uplink's PMD in a secondary process). */
#define DP_UPLINK_IDLE_POLL_MS 1

void dp_sleep_attach(struct dp_worker *w)
{
        char key[VSW_VAULT_KEY_LEN];
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET};

        atomic_store(&w->self->sleeping, 0);
        w->poll_only = 1;
        w->wakefd = -1;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epfd < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: epoll_create1: %s: polling only", w->idx,
                        strerror(errno));
                return;
        }
        vsw_wake_key(key, w->idx);
        w->wakefd = vsw_vault_fetch(w->vault, key);
        if (w->wakefd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: its wake eventfd %s: %s: polling only",
                        w->idx, key, strerror(w->wakefd < 0 ? -w->wakefd : errno));
                if (w->wakefd >= 0)
                        close(w->wakefd);
                w->wakefd = -1;
                close(w->epfd);
                w->epfd = -1;
                return;
        }
        /* The other workers' wake fds, for frames pushed into their rings. */
        vsw_wake_attach(w->st, w->vault);
}

static uint8_t sane_mode(uint32_t m, uint8_t dflt)
{
        return m > VSW_RX_MODE_DEFAULT && m < VSW_RX_MODES ? (uint8_t)m : dflt;
}

/* A queue the poll loop dequeues from right now. */
static bool polled(const struct dp_vq *vq)
{
        return (vq->vring & 1) && vq->running && vq->ifc->admin_up;
}

void dp_sleep_plan(struct dp_worker *w, uint64_t now_tsc)
{
        uint8_t dflt = sane_mode(w->st->rx_mode_default, VSW_RX_MODE_POLLING);
        uint64_t idle = rte_get_tsc_hz() / 1000000 * w->st->rx_adaptive_idle_us;
        bool poll = w->epfd < 0 || (w->uplink.active && dflt == VSW_RX_MODE_POLLING);

        w->uplink_mode = dflt;
        w->adaptive_idle_tsc = idle;
        bool any_polled = false;

        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];
                uint32_t state = VSW_RX_STATE_NONE;

                vq->rx_mode = sane_mode(
                    atomic_load_explicit(&vq->shared->rx_mode, memory_order_relaxed), dflt);
                if (polled(vq)) {
                        any_polled = true;
                        bool idle_now =
                            vq->rx_mode == VSW_RX_MODE_INTERRUPT ||
                            (vq->rx_mode == VSW_RX_MODE_ADAPTIVE && now_tsc - vq->busy_tsc > idle);

                        if (vq->kickfd < 0 || vq->rx_mode == VSW_RX_MODE_POLLING) {
                                poll = true;
                                idle_now = false;
                        }
                        state = idle_now ? VSW_RX_STATE_INTERRUPT : VSW_RX_STATE_POLLING;
                }
                if (atomic_load_explicit(&vq->shared->rx_state, memory_order_relaxed) != state)
                        atomic_store_explicit(&vq->shared->rx_state, state, memory_order_relaxed);
        }
        /* A worker with no queue to run (none yet, or all changing hands)
         * follows the default: polling means it never sleeps. */
        if (!any_polled && dflt == VSW_RX_MODE_POLLING)
                poll = true;
        w->poll_only = poll;
}

static void disarm(struct dp_vq *vq)
{
        if (!vq->armed)
                return;
        vq->armed = 0;
        if (!vq->running)
                return; /* restarted since: the engine's init suppressed kicks */
        if (vq->packed)
                virtq_packed_disarm(&vq->e.packed);
        else
                virtq_split_disarm(&vq->e.split);
}

/* Arms the queue; true when it has work already (or cannot sleep). */
static bool arm(struct dp_vq *vq)
{
        if (vq->kickfd < 0 || vq->rx_mode == VSW_RX_MODE_DEFAULT ||
            vq->rx_mode == VSW_RX_MODE_POLLING)
                return true; /* not planned for sleeping yet */
        vq->armed = 1;
        return vq->packed ? virtq_packed_arm(&vq->e.packed) : virtq_split_arm(&vq->e.split);
}

/* After `sleeping` is set: anything the loop must do first. */
static bool work_pending(struct dp_worker *w)
{
        uint32_t changes = w->ring_changes;

        dp_ring_rescan(w); /* rings given to this worker (vsw_wake.h) */
        if (w->ring_changes != changes)
                return true;
        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];

                if (atomic_load_explicit(&vq->shared->cmd_seq, memory_order_acquire) !=
                    vq->seen_seq)
                        return true;
                if (polled(vq) && arm(vq))
                        return true;
        }
        for (uint32_t o = 0; o < w->st->nworkers; o++)
                if (w->xw_in[o] && !rte_ring_empty(w->xw_in[o]))
                        return true;
        return false;
}

void dp_sleep(struct dp_worker *w)
{
        struct epoll_event ev[8];
        int timeout = w->uplink.active ? DP_UPLINK_IDLE_POLL_MS : VSW_SLEEP_MAX_MS;

        atomic_store(&w->self->sleeping, 1);
        atomic_thread_fence(memory_order_seq_cst); /* before the last look (vsw_wake.h) */
        if (!work_pending(w)) {
                int n;

                atomic_store_explicit(&w->self->heartbeat_ns, dp_now_ns(), memory_order_relaxed);
                w->self->sleeps++;
                n = epoll_wait(w->epfd, ev, 8, timeout);
                if (n > 0)
                        w->self->wakes++;
                else if (n < 0 && errno != EINTR)
                        VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: epoll_wait: %s", w->idx,
                                strerror(errno));
                atomic_store_explicit(&w->self->heartbeat_ns, dp_now_ns(), memory_order_relaxed);
        }
        atomic_store(&w->self->sleeping, 0);
        for (unsigned i = 0; i < w->nvqs; i++)
                disarm(w->vqs[i]);
        /* Drain until idle: one whole iteration before the next sleep. */
        w->busy_int = rte_rdtsc();
}
