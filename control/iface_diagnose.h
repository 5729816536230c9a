/* Why an interface does not forward, in words a user can act on: for
 * `show vhost-user` and, when it is a setup mistake that persists, one log
 * line. Read from the memzone and the file system only. */
#ifndef VHOSTD_IFACE_DIAGNOSE_H
#define VHOSTD_IFACE_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>

#include "vsw_state.h"

struct vhostd;

/* NULL when ifc forwards; else the reason in buf. *mistake (may be NULL):
 * 1 when it is the host's or the VM's setup to fix, not a passing state. */
const char *iface_why_not_forwarding(const struct vsw_iface *ifc, uint64_t now_ns, char *buf,
                                     size_t len, int *mistake);

/* A server socket at path that a configured owner (uid) or group (gid)
 * cannot reach: a directory on the way they may not search, or the
 * socket's mode. Returns 1 with the reason in buf, else 0. (uint32_t)-1:
 * not configured. */
int iface_socket_unreachable(const char *path, uint32_t uid, uint32_t gid, uint32_t mode, char *buf,
                             size_t len);

/* Starts the once-a-second check that logs a mistake once it has held
 * for a second, and once per change. */
int iface_diagnose_start(struct vhostd *d);
void iface_diagnose_stop(void);

#endif
