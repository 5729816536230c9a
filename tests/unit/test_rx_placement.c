/* Which worker polls each queue pair (control/rx_placement.c), on a heap
 * memzone: a new pair goes to the worker with the fewest pairs whatever
 * order its vrings start in, a ring kicked again stays put, and a
 * rebalance moves only unpinned pairs, heaviest first, to the least loaded
 * worker (by busy cycles since the last clear, or by count), staying put
 * on a tie. */
#include <stdlib.h>

#include "rx_placement.h"
#include "unit_check.h"

static struct vsw_state *state(unsigned nworkers, unsigned nifaces)
{
        struct vsw_state *st = calloc(1, sizeof(*st));

        if (!st)
                abort();
        st->nworkers = nworkers;
        for (unsigned i = 0; i < nifaces; i++) {
                st->ifaces[i].in_use = 1;
                for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                        atomic_store(&st->ifaces[i].vrings[q].owner, VSW_NO_WORKER);
        }
        return st;
}

/* A front end starting vring q: what vu_set_vring_kick does. */
static uint32_t kick(struct vsw_state *st, unsigned iface, unsigned q)
{
        struct vsw_vring *vr = &st->ifaces[iface].vrings[q];
        uint32_t o = rx_placement_default(st, &st->ifaces[iface], q);

        atomic_store(&vr->owner, o);
        return o;
}

static uint32_t owner(const struct vsw_state *st, unsigned iface, unsigned q)
{
        return atomic_load(&st->ifaces[iface].vrings[q].owner);
}

static void test_default(void)
{
        struct vsw_state *st = state(2, 3);

        /* One single-queue VM per interface: they alternate workers. */
        CHECK(kick(st, 0, 0) == 0 && kick(st, 0, 1) == 0, "first VM on worker 0");
        CHECK(kick(st, 1, 0) == 1 && kick(st, 1, 1) == 1, "second VM on worker 1");
        /* A two-queue VM starting its RX vrings first (as virtio-user
         * does): each pair counts whole once one of its vrings started. */
        CHECK(kick(st, 2, 0) == 0, "third VM's pair 0 on worker 0");
        CHECK(kick(st, 2, 2) == 1, "its pair 1 on worker 1: %u", owner(st, 2, 2));
        CHECK(kick(st, 2, 1) == 0 && kick(st, 2, 3) == 1, "TX vrings follow their pair");
        /* Kicked again: stays, though worker 0 now has more pairs. */
        CHECK(kick(st, 0, 0) == 0 && kick(st, 2, 2) == 1, "a ring kicked again stays put");
        st->nworkers = 0;
        CHECK(rx_placement_default(st, &st->ifaces[1], 4) == VSW_NO_WORKER, "no workers, no owner");
        free(st);
}

static void place(struct vsw_state *st, unsigned iface, unsigned qp, uint32_t w, uint64_t cycles,
                  int pinned)
{
        for (unsigned q = 2 * qp; q < 2 * qp + 2; q++) {
                struct vsw_vring *vr = &st->ifaces[iface].vrings[q];

                atomic_store(&vr->owner, w);
                vr->placement_user = (uint32_t)pinned;
                vr->busy_cycles_clear = 1000;
                vr->busy_cycles = 1000 + ((q & 1) ? cycles : 0);
        }
}

static void test_rebalance_cycles(void)
{
        struct vsw_state *st = state(2, 3);
        struct rx_placement_move m[8];
        unsigned n;

        /* Everything on worker 1: two busy pairs and an idle pinned one. */
        place(st, 0, 0, 1, 700, 0);
        place(st, 0, 1, 1, 300, 0);
        place(st, 1, 0, 1, 0, 1);
        CHECK(rx_placement_cycles(&st->ifaces[0], 0) == 700, "cycles since the clear");
        n = rx_placement_plan(st, m, 8);
        CHECK(n == 1 && m[0].iface == 0 && m[0].qp == 1 && m[0].from == 1 && m[0].to == 0 &&
                  m[0].cycles == 300,
              "the lighter busy pair moves to the idle worker: %u moves", n);
        /* Balanced now: nothing moves. */
        place(st, 0, 1, 0, 300, 0);
        CHECK(rx_placement_plan(st, m, 8) == 0, "a balanced placement stays");
        /* A pinned heavy pair weighs on its worker: the others go elsewhere. */
        place(st, 1, 0, 0, 5000, 1);
        n = rx_placement_plan(st, m, 8);
        CHECK(n == 1 && m[0].qp == 1 && m[0].to == 1, "away from the pinned heavy pair: %u", n);
        /* Pinned pairs never move, even when alone on an overloaded worker. */
        place(st, 0, 0, 0, 700, 1);
        place(st, 0, 1, 0, 300, 1);
        CHECK(rx_placement_plan(st, m, 8) == 0, "pinned pairs stay");
        /* One worker: nothing to spread over. */
        st->nworkers = 1;
        CHECK(rx_placement_plan(st, m, 8) == 0, "one worker, no moves");
        free(st);
}

static void test_rebalance_roundrobin(void)
{
        struct vsw_state *st = state(2, 2);
        struct rx_placement_move m[8];
        unsigned n, on1 = 0;

        st->rx_placement = VSW_RX_PLACEMENT_ROUNDROBIN;
        for (unsigned qp = 0; qp < 4; qp++)
                place(st, 0, qp, 0, qp == 0 ? 1000000 : 0, 0);
        n = rx_placement_plan(st, m, 8);
        for (unsigned i = 0; i < n; i++)
                on1 += m[i].to == 1;
        CHECK(n == 2 && on1 == 2, "four pairs on one worker: two move, by count: %u", n);
        free(st);
}

int main(void)
{
        test_default();
        test_rebalance_cycles();
        test_rebalance_roundrobin();
        return t_report();
}
