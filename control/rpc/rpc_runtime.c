/* RPC handlers of `show runtime`, `clear runtime` and `set rx-placement
 * rebalance` (`show interface rx-placement` is rpc_rx_placement.c's). The workers count (their
 * memzone slots, shared/vsw_state.h struct vsw_worker_runtime, and each
 * vring's busy_cycles); a clear only records a baseline beside those
 * counts, so the workers never learn of it. */
#include <errno.h>
#include <time.h>

#include <rte_cycles.h>

#include "log.h"
#include "rpc_call.h"
#include "rx_placement.h"

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned nworkers(const struct vsw_state *st)
{
        return st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
}

static const char *mode_name(const struct vsw_state *st)
{
        return st->rx_placement == VSW_RX_PLACEMENT_ROUNDROBIN ? "roundrobin" : "cycles";
}

/* The worker's words as they are now, each read whole. */
static void snapshot(const struct vsw_worker *k, struct vsw_worker_runtime *o)
{
        const struct vsw_worker_runtime *m = &k->runtime;

        o->polls = __atomic_load_n(&m->polls, __ATOMIC_RELAXED);
        o->idle_polls = __atomic_load_n(&m->idle_polls, __ATOMIC_RELAXED);
        o->frames_in = __atomic_load_n(&m->frames_in, __ATOMIC_RELAXED);
        o->frames_out = __atomic_load_n(&m->frames_out, __ATOMIC_RELAXED);
        o->cycles = __atomic_load_n(&m->cycles, __ATOMIC_RELAXED);
        o->busy_cycles = __atomic_load_n(&m->busy_cycles, __ATOMIC_RELAXED);
        o->frames_direct = __atomic_load_n(&m->frames_direct, __ATOMIC_RELAXED);
}

static uint64_t minus(uint64_t a, uint64_t b)
{
        return a > b ? a - b : 0;
}

static Vsw__RuntimeCounts *counts(struct rpc_call *c, const struct vsw_worker_runtime *now,
                                  const struct vsw_worker_runtime *base)
{
        Vsw__RuntimeCounts *r = rpc_alloc(c, sizeof(*r));

        if (!r)
                return NULL;
        vsw__runtime_counts__init(r);
        r->polls = minus(now->polls, base->polls);
        r->idle_polls = minus(now->idle_polls, base->idle_polls);
        r->frames_in = minus(now->frames_in, base->frames_in);
        r->frames_out = minus(now->frames_out, base->frames_out);
        r->cycles = minus(now->cycles, base->cycles);
        r->busy_cycles = minus(now->busy_cycles, base->busy_cycles);
        r->frames_direct = minus(now->frames_direct, base->frames_direct);
        return r;
}

static int fill_workers(struct rpc_call *c, const struct vsw_state *st, Vsw__ShowRuntimeReply *r,
                        uint64_t since_clear[VSW_MAX_WORKERS])
{
        static const struct vsw_worker_runtime zero;
        unsigned n = nworkers(st);
        Vsw__WorkerRuntime **w =
            n ? (Vsw__WorkerRuntime **)rpc_alloc_array(c, n, sizeof(Vsw__WorkerRuntime)) : NULL;

        if (n && !w)
                return -1;
        for (unsigned i = 0; i < n; i++) {
                const struct vsw_worker *k = &st->workers[i];
                struct vsw_worker_runtime now;

                snapshot(k, &now);
                vsw__worker_runtime__init(w[i]);
                w[i]->worker = i;
                w[i]->lcore = k->lcore;
                w[i]->state = (char *)rpc_worker_state_name(atomic_load(&k->state));
                w[i]->since_start = counts(c, &now, &zero);
                w[i]->since_clear = counts(c, &now, &k->runtime_clear);
                if (!w[i]->since_start || !w[i]->since_clear)
                        return -1;
                since_clear[i] = w[i]->since_clear->cycles;
        }
        r->n_workers = n;
        r->workers = w;
        return 0;
}

static int fill_queues(struct rpc_call *c, const struct vsw_state *st, Vsw__ShowRuntimeReply *r,
                       const uint64_t since_clear[VSW_MAX_WORKERS])
{
        unsigned n = 0, k = 0;
        Vsw__QueueRuntime **q;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (st->ifaces[i].in_use)
                        n += st->ifaces[i].num_queue_pairs;
        if (n == 0)
                return 0;
        q = (Vsw__QueueRuntime **)rpc_alloc_array(c, n, sizeof(Vsw__QueueRuntime));
        if (!q)
                return -1;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &st->ifaces[i];

                if (!ifc->in_use)
                        continue;
                for (unsigned qp = 0;
                     qp < ifc->num_queue_pairs && qp < VSW_MAX_QUEUE_PAIRS && k < n; qp++) {
                        const struct vsw_vring *tx = &ifc->vrings[2 * qp + 1];
                        uint32_t o = atomic_load_explicit(&tx->owner, memory_order_acquire);
                        Vsw__QueueRuntime *e = q[k++];

                        vsw__queue_runtime__init(e);
                        e->name = rpc_strdup(c, ifc->name);
                        if (!e->name)
                                return -1;
                        e->sw_if_index = ifc->sw_if_index;
                        e->queue = qp;
                        e->pinned = tx->placement_user != 0;
                        e->busy_cycles = rx_placement_cycles(ifc, qp);
                        if (o < nworkers(st)) {
                                e->has_worker = 1;
                                e->worker = o;
                                if (since_clear[o])
                                        e->share = (double)e->busy_cycles / (double)since_clear[o];
                        }
                }
        }
        r->n_queues = k;
        r->queues = q;
        return 0;
}

static int show(struct vhostd *d, struct rpc_call *c)
{
        const struct vsw_state *st = d->st;
        uint64_t since_clear[VSW_MAX_WORKERS] = {0};
        uint64_t cleared = 0;
        Vsw__ShowRuntimeReply *r = rpc_alloc(c, sizeof(*r));

        if (!r)
                return rpc_no_memory(c);
        vsw__show_runtime_reply__init(r);
        r->tsc_hz = rte_get_tsc_hz();
        r->rx_placement = (char *)mode_name(st);
        for (unsigned i = 0; i < nworkers(st); i++)
                if (st->workers[i].runtime_clear_ns > cleared)
                        cleared = st->workers[i].runtime_clear_ns;
        if (cleared) {
                r->has_since_clear_s = 1;
                r->since_clear_s = (double)minus(now_ns(), cleared) / 1e9;
        }
        if (fill_workers(c, st, r, since_clear) < 0 || fill_queues(c, st, r, since_clear) < 0)
                return rpc_no_memory(c);
        c->reply.body_case = VSW__REPLY__BODY_RUNTIME;
        c->reply.runtime = r;
        return 0;
}

int rpc_show_runtime(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        (void)req;
        return show(d, c);
}

int rpc_clear_runtime(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        struct vsw_state *st = d->st;
        uint64_t now = now_ns();

        (void)req;
        (void)c;
        for (unsigned i = 0; i < nworkers(st); i++) {
                snapshot(&st->workers[i], &st->workers[i].runtime_clear);
                st->workers[i].runtime_clear_ns = now;
        }
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                        struct vsw_vring *vr = &st->ifaces[i].vrings[q];

                        vr->busy_cycles_clear = __atomic_load_n(&vr->busy_cycles, __ATOMIC_RELAXED);
                }
        return 0;
}

int rpc_set_rx_placement_rebalance(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        static struct rx_placement_move moves[VSW_MAX_IFACES * VSW_MAX_QUEUE_PAIRS];
        struct vsw_state *st = d->st;
        unsigned n = rx_placement_plan(st, moves, VSW_MAX_IFACES * VSW_MAX_QUEUE_PAIRS), done = 0;
        Vsw__RebalanceReply *r = rpc_alloc(c, sizeof(*r));
        Vsw__RxPlacementMove **m =
            n ? (Vsw__RxPlacementMove **)rpc_alloc_array(c, n, sizeof(Vsw__RxPlacementMove)) : NULL;
        char err[160];

        (void)req;
        if (!r || (n && !m))
                return rpc_no_memory(c);
        vsw__rebalance_reply__init(r);
        r->rx_placement = (char *)mode_name(st);
        for (unsigned i = 0; i < n; i++) {
                struct vsw_iface *ifc = &st->ifaces[moves[i].iface];

                if (rx_placement_move(st, ifc, moves[i].qp, moves[i].to, err, sizeof(err)) < 0)
                        return rpc_fail(c, EAGAIN, "%s queue %u: %s (%u of %u moves made)",
                                        ifc->name, moves[i].qp, err, done, n);
                VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: queue %u rebalanced from worker %u to %u",
                           ifc->name, moves[i].qp, moves[i].from, moves[i].to);
                vsw__rx_placement_move__init(m[done]);
                m[done]->name = rpc_strdup(c, ifc->name);
                if (!m[done]->name)
                        return rpc_no_memory(c);
                m[done]->queue = moves[i].qp;
                m[done]->from = moves[i].from;
                m[done]->to = moves[i].to;
                m[done]->busy_cycles = moves[i].cycles;
                done++;
        }
        r->n_moves = done;
        r->moves = m;
        c->reply.body_case = VSW__REPLY__BODY_REBALANCE;
        c->reply.rebalance = r;
        return 0;
}
