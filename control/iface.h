/* vhostd's side of interface lifetime beyond the RPC API of vhostd.h:
 * what main does at start and at exit. */
#ifndef VHOSTD_IFACE_H
#define VHOSTD_IFACE_H

#include "vhostd.h"

/* Before this vhostd goes: takes over the interfaces the memzone records
 * (fds from the vault, events created but not armed). Reads nothing and
 * changes nothing a predecessor still running could see. */
void vhostd_ifaces_adopt(struct vhostd *d);

/* Once this vhostd is the only one: brings the takeover up to date with
 * what the predecessor did meanwhile, settles what it left half done and
 * arms the events. The first vhostd creates the startup config's
 * interfaces instead. Failures are logged per interface. */
void vhostd_ifaces_go(struct vhostd *d);

/* At exit: closes this process's fds without withdrawing them, so the
 * vault keeps every connection for the next vhostd. */
void vhostd_ifaces_detach(struct vhostd *d);

#endif
