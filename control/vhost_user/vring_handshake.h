/* The memzone handshake for changing a running vring (shared/vsw_state.h):
 * make cmd_seq odd, wait until the owning worker acknowledges, edit, make
 * cmd_seq even again. Nothing here waits: vhostd's one loop serves every
 * front end, so a caller whose ring is not paused yet tries again later
 * (vu_conn.c retries the message from a timer) and edits nothing meanwhile. */
#ifndef VRING_HANDSHAKE_H
#define VRING_HANDSHAKE_H

#include "vsw_state.h"

/* Asks the owner of vring q of ifc to stop touching it (the request stays
 * until vring_release) and says whether it has: 0 when the owner
 * acknowledged or no running worker owns the ring, -1 when not yet. Never
 * waits; on -1 the caller must not edit the ring. */
int vring_pause(struct vsw_state *st, const struct vsw_iface *ifc, unsigned q);
/* For an RPC only: vring_pause, tried for up to budget_us (a running worker
 * acks within one poll iteration). 0 paused, -1 not (the pause stays asked). */
int vring_pause_within(struct vsw_state *st, const struct vsw_iface *ifc, unsigned q,
                       uint64_t budget_us);
#define VSW_RPC_PAUSE_BUDGET_US 20000
/* Lets the owner read the edited ring. */
void vring_release(struct vsw_iface *ifc, unsigned q);

#endif
