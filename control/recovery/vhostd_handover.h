/* vhostd's side of a graceful handover (shared/handover.h). */
#ifndef VHOSTD_HANDOVER_H
#define VHOSTD_HANDOVER_H

/* Says READY on fd and waits for GO. 0 on GO; -1 (logged) when the
 * supervisor gave up on this generation instead. Closes fd. */
int vhostd_handover_wait(int fd);

#endif
