#include "rx_placement.h"

#include <stdio.h>
#include <stdlib.h>

#include "vring_handshake.h"

static uint32_t owner_of(const struct vsw_vring *vr)
{
        return atomic_load_explicit(&vr->owner, memory_order_acquire);
}

uint32_t rx_placement_default(const struct vsw_state *st, const struct vsw_iface *ifc, unsigned q)
{
        unsigned count[VSW_MAX_WORKERS] = {0};
        unsigned n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
        uint32_t own = owner_of(&ifc->vrings[q]), sib = owner_of(&ifc->vrings[q ^ 1u]), best = 0;

        if (n == 0)
                return VSW_NO_WORKER;
        /* A ring kicked again (or a journaled kick applied again by a
         * successor) stays where it is: the choice must not depend on how
         * many times it was made. */
        if (own < n)
                return own;
        if (sib < n)
                return sib;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                if (!st->ifaces[i].in_use)
                        continue;
                /* By pair: a front end starts its RX vrings before its TX
                 * ones, so half-started pairs count whole. */
                for (unsigned v = 0; v < VSW_MAX_VRINGS; v += 2) {
                        uint32_t o = owner_of(&st->ifaces[i].vrings[v]);

                        if (o >= n)
                                o = owner_of(&st->ifaces[i].vrings[v + 1]);
                        if (o < n)
                                count[o]++;
                }
        }
        for (uint32_t w = 1; w < n; w++)
                if (count[w] < count[best])
                        best = w;
        return best;
}

int rx_placement_move(struct vsw_state *st, struct vsw_iface *ifc, unsigned qp, uint32_t worker,
                      char *err, size_t errlen)
{
        unsigned q0 = 2 * qp;

        for (unsigned q = q0; q < q0 + 2; q++) {
                if (vring_pause_within(st, ifc, q, VSW_RPC_PAUSE_BUDGET_US) < 0) {
                        for (unsigned r = q0; r <= q; r++)
                                vring_release(ifc, r);
                        snprintf(err, errlen, "vring %u: its worker did not pause it, not moved",
                                 q);
                        return -1;
                }
        }
        for (unsigned q = q0; q < q0 + 2; q++) {
                atomic_store_explicit(&ifc->vrings[q].owner, worker, memory_order_release);
                vring_release(ifc, q);
        }
        return 0;
}

uint64_t rx_placement_cycles(const struct vsw_iface *ifc, unsigned qp)
{
        uint64_t sum = 0;

        for (unsigned q = 2 * qp; q < 2 * qp + 2; q++) {
                const struct vsw_vring *vr = &ifc->vrings[q];
                uint64_t now = __atomic_load_n(&vr->busy_cycles, __ATOMIC_RELAXED);

                /* A worker restarted before it published may be behind the
                 * baseline for a moment. */
                sum += now > vr->busy_cycles_clear ? now - vr->busy_cycles_clear : 0;
        }
        return sum;
}

struct pair {
        uint16_t iface, qp;
        uint32_t owner;
        uint64_t cycles;
};

static int heavier_first(const void *a, const void *b)
{
        const struct pair *x = a, *y = b;

        if (x->cycles != y->cycles)
                return x->cycles > y->cycles ? -1 : 1;
        if (x->iface != y->iface)
                return x->iface < y->iface ? -1 : 1;
        return x->qp < y->qp ? -1 : x->qp > y->qp;
}

unsigned rx_placement_plan(const struct vsw_state *st, struct rx_placement_move *moves,
                           unsigned max)
{
        static struct pair pairs[VSW_MAX_IFACES * VSW_MAX_QUEUE_PAIRS];
        uint64_t load[VSW_MAX_WORKERS] = {0};
        unsigned n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
        int by_cycles = st->rx_placement == VSW_RX_PLACEMENT_CYCLES;
        unsigned np = 0, nm = 0;

        if (n < 2)
                return 0;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &st->ifaces[i];

                if (!ifc->in_use)
                        continue;
                for (unsigned qp = 0; qp < VSW_MAX_QUEUE_PAIRS; qp++) {
                        const struct vsw_vring *tx = &ifc->vrings[2 * qp + 1];
                        uint32_t o = owner_of(tx);
                        uint64_t c = rx_placement_cycles(ifc, qp);

                        if (o >= n)
                                continue;
                        if (tx->placement_user) {
                                load[o] += by_cycles ? c : 1;
                                continue;
                        }
                        pairs[np++] = (struct pair){
                            .iface = (uint16_t)i, .qp = (uint16_t)qp, .owner = o, .cycles = c};
                }
        }
        if (by_cycles)
                qsort(pairs, np, sizeof(pairs[0]), heavier_first);
        for (unsigned k = 0; k < np; k++) {
                struct pair *p = &pairs[k];
                uint32_t best = p->owner;

                for (uint32_t w = 0; w < n; w++)
                        if (load[w] < load[best])
                                best = w;
                load[best] += by_cycles ? p->cycles : 1;
                if (best != p->owner && nm < max)
                        moves[nm++] = (struct rx_placement_move){.iface = p->iface,
                                                                 .qp = p->qp,
                                                                 .from = p->owner,
                                                                 .to = best,
                                                                 .cycles = p->cycles};
        }
        return nm;
}
