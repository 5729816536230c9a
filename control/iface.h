/* vhostd's side of interface lifetime beyond the RPC API of vhostd.h:
 * what main does at start and at exit. */
#ifndef VHOSTD_IFACE_H
#define VHOSTD_IFACE_H

#include "vhostd.h"

/* Creates the interfaces of the startup config when the memzone has none;
 * otherwise (a restarted vhostd) re-opens the endpoints of those the
 * memzone records. Failures are logged per interface. */
void vhostd_ifaces_boot(struct vhostd *d);

/* At exit: closes this process's fds without withdrawing them, so the
 * vault keeps every connection for the next vhostd. */
void vhostd_ifaces_detach(struct vhostd *d);

#endif
