/* Taking over a predecessor's interface: the memzone says what was
 * negotiated, the vault holds the fds. Nothing here sends anything to the
 * front end or changes what the workers read. */
#ifndef VU_RECOVER_H
#define VU_RECOVER_H

#include <stddef.h>

#include "vu_msg.h"

/* Fetches from the vault every fd the memzone names for dev's interface
 * (memory regions of the current generation, vring kick/call/err, dirty
 * log, log fd, back-end channel) into dev, and the endpoint's listening
 * and connected sockets into *listen_fd / *conn_fd (-1 when absent).
 * 0, or -1 with a reason in err (no vault, or it cannot list). */
int vu_recover_fetch(struct vu_dev *dev, int *listen_fd, int *conn_fd, char *err, size_t errlen);

/* Withdraws the interface's vault keys the memzone no longer names (a
 * predecessor died between depositing a new generation and dropping the
 * old one). Only once no other vhostd runs. */
void vu_recover_sweep(struct vu_dev *dev);

/* Writes this process's fd numbers into the memzone's display fields. */
void vu_recover_publish(struct vu_dev *dev);

#endif
