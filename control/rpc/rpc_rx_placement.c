/* RPC handler of `show interface rx-placement`: for each worker, the guest
 * TX queues (the ones it polls or sleeps on) of every interface whose ring
 * it owns, with the ring's rx-mode (its own or the switch's default), the
 * state its owner last published, whether the user pinned it, and its
 * share of the worker's cycles since `clear runtime` (what a rebalance by
 * cycles weighs). */
#include <stdatomic.h>

#include "rpc_call.h"
#include "rx_placement.h"
#include "vsw_rx_mode.h"

/* Worker w's TSC cycles since the last `clear runtime` (since start if
 * never cleared): both words are read whole. */
static uint64_t worker_cycles(const struct vsw_state *st, uint32_t w)
{
        uint64_t now = __atomic_load_n(&st->workers[w].runtime.cycles, __ATOMIC_RELAXED);
        uint64_t base = st->workers[w].runtime_clear.cycles;

        return now > base ? now - base : 0;
}

static int fill_queue(struct rpc_call *c, const struct vsw_state *st, const struct vsw_iface *ifc,
                      unsigned q, uint64_t worker_cycles, Vsw__RxPlacementQueue *o)
{
        const struct vsw_vring *vr = &ifc->vrings[q];
        uint32_t mode = atomic_load_explicit(&vr->rx_mode, memory_order_relaxed);
        uint32_t state = atomic_load_explicit(&vr->rx_state, memory_order_relaxed);

        vsw__rx_placement_queue__init(o);
        o->interface = rpc_strdup(c, ifc->name);
        if (!o->interface)
                return rpc_no_memory(c);
        o->queue = q / 2;
        o->vring = q;
        o->mode_default = mode == VSW_RX_MODE_DEFAULT || mode >= VSW_RX_MODES;
        o->mode = (char *)vsw_rx_mode_name(o->mode_default ? st->rx_mode_default : mode);
        if (state != VSW_RX_STATE_NONE)
                o->state = (char *)vsw_rx_state_name(state);
        o->pinned = vr->placement_user != 0;
        o->busy_cycles = rx_placement_cycles(ifc, q / 2);
        if (worker_cycles)
                o->share = (double)o->busy_cycles / (double)worker_cycles;
        return 0;
}

static int fill_worker(struct rpc_call *c, const struct vsw_state *st, uint32_t w,
                       Vsw__RxPlacementWorker *o)
{
        size_t n = 0, k = 0;
        uint64_t cycles = worker_cycles(st, w);

        vsw__rx_placement_worker__init(o);
        o->worker = w;
        o->lcore = st->workers[w].lcore;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                for (unsigned q = 1; q < VSW_MAX_VRINGS; q += 2)
                        n += st->ifaces[i].in_use && st->ifaces[i].vrings[q].num &&
                             atomic_load(&st->ifaces[i].vrings[q].owner) == w;
        if (!n)
                return 0;
        o->queues = (Vsw__RxPlacementQueue **)rpc_alloc_array(c, n, sizeof(Vsw__RxPlacementQueue));
        if (!o->queues)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                for (unsigned q = 1; q < VSW_MAX_VRINGS && k < n; q += 2) {
                        const struct vsw_iface *ifc = &st->ifaces[i];

                        if (!ifc->in_use || !ifc->vrings[q].num ||
                            atomic_load(&ifc->vrings[q].owner) != w)
                                continue;
                        if (fill_queue(c, st, ifc, q, cycles, o->queues[k++]))
                                return -1;
                }
        o->n_queues = k;
        return 0;
}

int rpc_show_interface_rx_placement(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const struct vsw_state *st = d->st;
        unsigned n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
        Vsw__ShowInterfaceRxPlacementReply *r = rpc_alloc(c, sizeof(*r));
        Vsw__RxPlacementWorker **w =
            n ? (Vsw__RxPlacementWorker **)rpc_alloc_array(c, n, sizeof(Vsw__RxPlacementWorker))
              : NULL;

        (void)req;
        if (!r || (n && !w))
                return rpc_no_memory(c);
        vsw__show_interface_rx_placement_reply__init(r);
        for (unsigned i = 0; i < n; i++)
                if (fill_worker(c, st, i, w[i]))
                        return -1;
        r->n_workers = n;
        r->workers = w;
        c->reply.body_case = VSW__REPLY__BODY_RX_PLACEMENT;
        c->reply.rx_placement = r;
        return 0;
}
