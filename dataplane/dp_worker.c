/* The poll loop. Per iteration: the first cache line of every owned
 * ring (a pause or release from vhostd), one burst from the worker's uplink
 * RX queue, one burst from every running guest TX queue, and the rings from
 * the other workers; then, with rx-mode interrupt or adaptive and every
 * queue quiet, a sleep (dp_sleep.c). Every DP_HOUSEKEEPING_US (by the TSC,
 * however long an iteration takes, so that a busy worker beats as often as
 * an idle one): heartbeat, guest memory faults, counters, routes, RARPs
 * owed, the rings assigned to this worker or taken away, and the rx-mode
 * plan. The TSC read that paces housekeeping also closes each poll for
 * `show runtime` (dp_runtime.h). */
#include <stdatomic.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "dp_vq.h"
#include "log.h"

/* The supervisor's watchdog restarts a worker whose heartbeat is 500 ms
 * old. An iteration is a burst per ring, far below that; rx-retry's waits
 * beat on their own (dp_guest_rx.c). */
#define DP_HOUSEKEEPING_US 1000

static void housekeeping(struct dp_worker *w)
{
        uint64_t now = dp_now_ns();

        atomic_store_explicit(&w->self->heartbeat_ns, now, memory_order_relaxed);
        dp_fault_poll(w);
        dp_ring_rescan(w);
        dp_ring_faults(w, now);
        dp_ring_report(w, now);
        dp_routes_refresh(w, now);
        dp_rarp_poll(w);
        dp_counters_publish_all(w);
        dp_sleep_plan(w, rte_rdtsc());
}

void dp_worker_run(struct dp_worker *w, volatile sig_atomic_t *stop)
{
        w->nvqs = 0;
        memset(w->slot, 0, sizeof(w->slot));
        memset(w->ifaces, 0, sizeof(w->ifaces));
        memset(w->routes, 0, sizeof(w->routes));
        l2_ctx_init(&w->l2, w->st);

        const uint64_t period = rte_get_tsc_hz() / 1000000 * DP_HOUSEKEEPING_US;
        uint64_t next = 0;

        dp_runtime_init(&w->rt, w->self, rte_rdtsc());
        while (!*stop) {
                uint64_t tsc = rte_rdtsc();

                dp_runtime_poll(&w->rt, tsc);
                if (unlikely(tsc >= next)) {
                        housekeeping(w);
                        next = tsc + period;
                        dp_runtime_skip(&w->rt);
                }
                if (unlikely(w->npark))
                        dp_park_retry(w);
                if (w->uplink.active && dp_uplink_poll(w)) {
                        dp_runtime_skip(&w->rt);
                        dp_sleep_busy_uplink(w, tsc);
                }
                if (unlikely(w->nvqs == 0)) {
                        if (dp_park_room(w) && dp_xw_drain(w))
                                w->busy_int = tsc;
                        else
                                rte_pause(); /* nothing to poll: spare the sibling hyperthread */
                        if (dp_sleep_due(w, tsc))
                                dp_sleep(w);
                        continue;
                }
                for (unsigned i = 0; i < w->nvqs;) {
                        struct dp_vq *vq = w->vqs[i];

                        if (!dp_ring_check(w, i))
                                continue; /* removed: vqs[i] is another ring now */
                        /* Admin down: the guest's frames wait in its ring. */
                        if ((vq->vring & 1) && vq->running && vq->ifc->admin_up &&
                            dp_park_room(w) && dp_guest_tx_poll(w, vq)) {
                                dp_sleep_busy(w, vq, tsc,
                                              dp_runtime_ring_busy(&w->rt, &vq->busy_cycles));
                        }
                        i++;
                }
                if (dp_park_room(w) && dp_xw_drain(w))
                        w->busy_int = tsc;
                if (dp_sleep_due(w, tsc))
                        dp_sleep(w);
        }
        if (w->npark) {
                w->no_rxq_drops += w->npark;
                for (unsigned i = 0; i < w->npark; i++)
                        rte_pktmbuf_free(w->park[i].m);
                w->npark = 0;
                __atomic_store_n(&w->self->parked, 0, __ATOMIC_RELEASE);
        }
        dp_ring_drop_all(w);
        dp_counters_publish_all(w);
}
