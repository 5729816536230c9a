/* The workers' watchdog. A worker beats its heartbeat every millisecond
 * however busy it is (dp_worker.c); one whose heartbeat is WATCHDOG_STALL_MS
 * old is stuck, most likely in a write to a call eventfd whose front end
 * cleared O_NONBLOCK and filled the counter. It is killed and restarted at
 * once; the interface whose call fd it was writing (its worker slot says so)
 * is stopped first, so that the successor does not fetch the same trap. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "log.h"
#include "supervisor.h"

#define WATCHDOG_STALL_MS  500
#define WATCHDOG_PERIOD_MS 100
#define STALL_HOLD_MS      1000 /* doubled per stall of the same interface, up to 256 s */
#define MS                 1000000ull

/* Stops the interface the worker was signalling; returns its slot or -1. */
static int stop_trap(struct supervisor *sv, unsigned widx, uint64_t sig, uint64_t now)
{
        unsigned slot = (unsigned)((sig >> 8) & 0xff), vring = (unsigned)(sig & 0xff);
        struct vsw_iface *ifc;
        struct vsw_iface_fault *f;
        unsigned shift;

        if (sig == 0 || slot == 0 || slot > VSW_MAX_IFACES || vring >= VSW_MAX_VRINGS)
                return -1;
        ifc = &sv->st->ifaces[slot - 1];
        if (!ifc->in_use)
                return -1;
        f = &ifc->stall;
        shift = f->count >= 8 ? 8 : (unsigned)f->count;
        /* The hold first: a worker that reads the fields mid-update still
         * finds the interface held. */
        f->hold_until_ns = now + ((uint64_t)STALL_HOLD_MS << shift) * MS;
        atomic_thread_fence(memory_order_release);
        f->worker = widx;
        f->vring = vring;
        f->call_gen = (uint32_t)(sig >> 32);
        f->count++;
        atomic_store_explicit(&f->kind, VSW_FAULT_CALL_STALL, memory_order_release);
        return (int)slot - 1;
}

static void check(struct supervisor *sv, struct child *c, uint64_t now)
{
        struct vsw_worker *w = &sv->st->workers[c->worker];
        uint64_t hb = atomic_load_explicit(&w->heartbeat_ns, memory_order_relaxed);
        uint64_t sig;
        int slot;

        if (c->pid <= 0 || c->kill_at_ns || atomic_load(&w->state) != VSW_WORKER_RUNNING ||
            hb + WATCHDOG_STALL_MS * MS > now)
                return;
        sig = atomic_load_explicit(&w->signalling, memory_order_relaxed);
        slot = stop_trap(sv, (unsigned)c->worker, sig, now);
        if (slot >= 0) {
                const struct vsw_iface *ifc = &sv->st->ifaces[slot];

                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "worker %d (pid %d): no heartbeat for %llu ms, blocked writing the call "
                        "eventfd of %.*s vring %u: SIGKILL and restart; %.*s stopped until its "
                        "front end sends a new call fd for that vring (and for at least %llu ms; "
                        "stall %llu)",
                        c->worker, c->pid, (unsigned long long)((now - hb) / MS), VSW_NAME_LEN,
                        ifc->name, ifc->stall.vring, VSW_NAME_LEN, ifc->name,
                        (unsigned long long)((ifc->stall.hold_until_ns - now) / MS),
                        (unsigned long long)ifc->stall.count);
        } else {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "worker %d (pid %d): no heartbeat for %llu ms: SIGKILL and restart",
                        c->worker, c->pid, (unsigned long long)((now - hb) / MS));
        }
        if (kill(c->pid, SIGKILL) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "SIGKILL to worker %d (pid %d): %s", c->worker, c->pid,
                        strerror(errno));
                return;
        }
        c->kill_at_ns = UINT64_MAX; /* wait for the reap */
        c->restart_now = 1;         /* no backoff: its VMs wait */
}

int watchdog_tick(struct supervisor *sv)
{
        uint64_t now = now_ns();
        int any = 0;

        if (sv->stopping)
                return -1;
        for (unsigned i = 1; i < sv->nchildren; i++) {
                check(sv, &sv->children[i], now);
                any |= sv->children[i].pid > 0;
        }
        return any ? WATCHDOG_PERIOD_MS : -1;
}
