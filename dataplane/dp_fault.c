/* Guest memory faults. A front end can shrink the file behind its memory
 * after vhostd checked it; the worker's next touch of a page past the new
 * end takes SIGBUS. The handler finds the interface whose mapping holds the
 * address, puts anonymous memory in place of every range that interface has
 * mapped (so the faulting instruction completes on retry, harmlessly) and
 * flags the interface; the poll loop then stops its rings. Nothing is added
 * to the per-packet path. A SIGBUS anywhere else still kills the worker.
 *
 * The table is written by the poll loop only and read by the handler, which
 * runs on the same thread (a fault is synchronous): no lock is needed, but
 * the stores must reach memory in order (signal fences). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "dp_worker.h"
#include "log.h"

#define DP_FAULT_RANGES (VSW_MAX_IFACES * (VSW_MAX_MEM_REGIONS + 2))

struct fault_range {
        uintptr_t start;
        size_t len; /* 0: free; set last */
        uint16_t iface;
};

static struct fault_range ranges[DP_FAULT_RANGES];
static struct dp_worker *worker;
static volatile sig_atomic_t faulted[VSW_MAX_IFACES];
static volatile uintptr_t fault_addr[VSW_MAX_IFACES];
static volatile sig_atomic_t any_fault;

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
        uintptr_t a = (uintptr_t)si->si_addr;
        int saved_errno = errno;
        int iface = -1;

        (void)ctx;
        for (unsigned i = 0; i < DP_FAULT_RANGES && iface < 0; i++)
                if (ranges[i].len && a - ranges[i].start < ranges[i].len)
                        iface = ranges[i].iface;
        for (unsigned i = 0; iface >= 0 && i < DP_FAULT_RANGES; i++) {
                if (!ranges[i].len || ranges[i].iface != iface)
                        continue;
                if (mmap((void *)ranges[i].start, ranges[i].len, PROT_READ | PROT_WRITE,
                         MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
                        iface = -1; /* cannot make the retry harmless */
        }
        if (iface < 0) {
                /* Not guest memory: the default action on the retry. */
                signal(sig, SIG_DFL);
                errno = saved_errno;
                return;
        }
        fault_addr[iface] = a;
        faulted[iface] = 1;
        /* At once: the burst in hand is dropped, not forwarded (dp_guest_tx.c). */
        *(volatile uint8_t *)&worker->ifaces[iface].faulted = 1;
        any_fault = 1;
        errno = saved_errno;
}

int dp_fault_install(struct dp_worker *w)
{
        worker = w;
        struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};

        sigemptyset(&sa.sa_mask);
        return sigaction(SIGBUS, &sa, NULL);
}

void dp_fault_track(uint16_t iface, const void *base, size_t len)
{
        for (unsigned i = 0; i < DP_FAULT_RANGES; i++) {
                if (ranges[i].len)
                        continue;
                ranges[i].start = (uintptr_t)base;
                ranges[i].iface = iface;
                atomic_signal_fence(memory_order_release);
                ranges[i].len = len;
                return;
        }
        /* The table holds every region and log of every interface. */
        VSW_ERR(VSW_LOG_DATAPLANE, "if %u: no room to guard a mapping against SIGBUS", iface);
}

void dp_fault_untrack(const void *base)
{
        for (unsigned i = 0; i < DP_FAULT_RANGES; i++)
                if (ranges[i].len && ranges[i].start == (uintptr_t)base) {
                        ranges[i].len = 0;
                        atomic_signal_fence(memory_order_release);
                }
}

/* Which region of d the address was in, for the log. */
static void describe(const struct dp_iface *d, uintptr_t a, char *buf, size_t len)
{
        for (uint32_t i = 0; i < d->gm.nregions; i++) {
                const struct gm_region *r = &d->gm.regions[i];
                uintptr_t base = (uintptr_t)r->map_base;

                if (a - base < r->map_len) {
                        snprintf(buf, len, "guest physical 0x%llx",
                                 (unsigned long long)(r->gpa + (a - (uintptr_t)r->host)));
                        return;
                }
        }
        snprintf(buf, len, "%s", d->log_mapped ? "the dirty log" : "guest memory");
}

void dp_fault_poll(struct dp_worker *w)
{
        if (!any_fault)
                return;
        any_fault = 0;
        atomic_signal_fence(memory_order_acquire);
        for (uint16_t i = 0; i < VSW_MAX_IFACES; i++) {
                struct vsw_iface *ifc = &w->st->ifaces[i];
                struct vsw_iface_fault *f = &ifc->mem_fault;
                struct dp_iface *d = &w->ifaces[i];
                char where[96];

                if (!faulted[i])
                        continue;
                faulted[i] = 0;
                describe(d, fault_addr[i], where, sizeof(where));
                f->worker = w->idx;
                f->mem_gen = d->mem_gen;
                __atomic_fetch_add(&f->count, 1, __ATOMIC_RELAXED); /* workers may race */
                atomic_store_explicit(&f->kind, VSW_FAULT_MEM_BUS, memory_order_release);
                VSW_ERR(VSW_LOG_DATAPLANE,
                        "%s: SIGBUS on worker %u at %s (memory table generation %u): its "
                        "front end shrank the file behind it; interface stopped until it sends a "
                        "new memory table (fault %llu)",
                        ifc->name, w->idx, where, d->mem_gen, (unsigned long long)f->count);
        }
}
