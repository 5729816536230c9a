/* The memzone handshake for changing a running vring (shared/vsw_state.h):
 * make cmd_seq odd, wait until the owning worker acknowledges, edit, make
 * cmd_seq even again. */
#ifndef VRING_HANDSHAKE_H
#define VRING_HANDSHAKE_H

#include "vsw_state.h"

/* Returns once the owner no longer touches vring q of ifc (or after about a
 * second, logged, when a running owner does not answer: -1). A ring with no
 * running owner is paused at once. */
int vring_pause(struct vsw_state *st, const struct vsw_iface *ifc, unsigned q);
/* Lets the owner read the edited ring. */
void vring_release(struct vsw_iface *ifc, unsigned q);
/* The worker that owns queue pair q/2 by default (VSW_NO_WORKER with none). */
uint32_t vring_default_owner(const struct vsw_state *st, unsigned q);

#endif
