/* Which worker polls each queue pair. A new queue pair goes to the worker
 * with the fewest queue pairs (round robin over every queue of every interface),
 * a pair the user placed (`set interface rx-placement`) stays where it was
 * put, and `set rx-placement rebalance` spreads the others by the busy
 * cycles each used since the last `clear runtime` (or by count), as OVS's
 * pmd-rxq-assign does. Both vrings of a pair always share a worker. */
#ifndef VSW_RX_PLACEMENT_H
#define VSW_RX_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "vsw_state.h"

/* The owner vring q of ifc gets when it starts: the one it has (a reset
 * clears it), else its pair's other vring's owner, else the worker with the
 * fewest queue pairs (the lowest index on a tie). VSW_NO_WORKER with no
 * workers. */
uint32_t rx_placement_default(const struct vsw_state *st, const struct vsw_iface *ifc, unsigned q);

/* Moves queue pair qp of ifc (both vrings) to worker through the pause
 * handshake: the old owner writes its positions back and lets go before the
 * new one reads them. 0, or -1 with the reason in err (nothing moved). */
int rx_placement_move(struct vsw_state *st, struct vsw_iface *ifc, unsigned qp, uint32_t worker,
                      char *err, size_t errlen);

struct rx_placement_move {
        uint16_t iface; /* slot in ifaces[] */
        uint16_t qp;
        uint32_t from, to;
        uint64_t cycles; /* busy cycles since the last clear runtime */
};

/* The moves a rebalance makes (st->rx_placement says by what): pinned
 * pairs stay and weigh on their worker; the others, heaviest first (by
 * cycles) or in order (roundrobin), go to the least loaded worker,
 * staying where they are on a tie. Returns the number of moves (at most
 * max). */
unsigned rx_placement_plan(const struct vsw_state *st, struct rx_placement_move *moves,
                           unsigned max);

/* A queue pair's busy cycles since the last `clear runtime`. */
uint64_t rx_placement_cycles(const struct vsw_iface *ifc, unsigned qp);

#endif
