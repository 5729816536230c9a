/* How many guest memory region fds the switch may hold. Every region fd a
 * front end hands over stays open twice, in vhostd and in the supervisor's
 * vault, for as long as the region exists (the workers close theirs once
 * mapped). QEMU may send up to 509 regions per interface (one per RAMBlock:
 * base RAM and every hot-added DIMM), so 32 such interfaces need 16,288 fds
 * in each process: more than a usual open-file limit. The budget is the
 * smaller of what the vault and both processes' limits allow, less a reserve
 * for everything else an interface holds open (sockets, eventfds, the dirty
 * log); a table that would go over it is refused, naming the limit, and
 * nothing else is affected. */
#ifndef VSW_FD_BUDGET_H
#define VSW_FD_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "vsw_state.h"

/* Fds an interface holds besides its regions: each vring's kick, call and
 * err eventfds, the listening socket, the connection, the dirty log and its
 * notifier, the back-end channel. Plus the process's own (logs, RPC,
 * libevent, DPDK). */
#define VSW_FD_RESERVE (VSW_MAX_IFACES * (3 * VSW_MAX_VRINGS + 5) + 512)

/* Raises this process's soft open-file limit to its hard limit (the usual
 * soft 1024 is far below what the region fds need). Returns the soft limit
 * now in force, or 0 when it cannot be read (err says why; the caller goes
 * on with whatever limit it has). */
uint64_t vsw_raise_nofile(char *err, size_t errlen);

/* The region fds a process whose open-file limit is nofile may hold next to
 * a vault of vault_max fds: min(nofile, vault_max) less VSW_FD_RESERVE. */
uint32_t vsw_mem_fd_budget(uint64_t nofile, uint64_t vault_max);

/* May interface iface's table hold nregions regions? The other interfaces'
 * regions (nregions in the memzone) and these must fit in
 * st->mem_fd_budget. Returns 0, or -1 with the reason, naming the budget
 * and who holds it, in err. */
int vsw_mem_fds_check(const struct vsw_state *st, unsigned iface, uint32_t nregions, char *err,
                      size_t errlen);

#endif
