/* An interface's vhost-user socket endpoint on the libevent loop: server
 * mode listens (one front end at a time), client mode connects and retries
 * every reconnect_ms. Messages are read whole, with their fds, and handed to
 * vu_msg_handle(); replies go back on the same socket. */
#ifndef VU_CONN_H
#define VU_CONN_H

#include <stddef.h>

#include "vu_msg.h"

struct vhostd;
struct event;

struct vu_conn {
        struct vhostd *d;
        struct vu_dev dev;
        int listen_fd;
        int conn_fd;
        struct event *listen_ev;
        struct event *conn_ev;
        struct event *retry_ev;
};

/* Opens ifc's endpoint (listening socket, or a first connect attempt).
 * 0, or -1 with a one-line reason in err. */
int vu_conn_start(struct vu_conn *c, struct vhostd *d, struct vsw_iface *ifc, char *err,
                  size_t errlen);
/* Drops the front end (if any) and the endpoint, withdrawing their fds. */
void vu_conn_stop(struct vu_conn *c);
/* Closes this process's fds and events only: the vault keeps the
 * connection for a successor vhostd. */
void vu_conn_detach(struct vu_conn *c);

#endif
