/* An interface's vhost-user socket endpoint on the libevent loop: server
 * mode listens (one front end at a time), client mode connects and retries
 * every reconnect_ms. The connection's framing (vu_conn_frame.h) never
 * blocks the loop: a message is handled once it is queued whole, one left
 * incomplete for VU_PARTIAL_TIMEOUT_S drops its front end, a reply the
 * front end does not read stops reading until it does, and a message that
 * waits for a worker to pause a ring is tried again from a timer. */
#ifndef VU_CONN_H
#define VU_CONN_H

#include <stddef.h>

#include "vu_conn_frame.h"
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
        struct event *write_ev;   /* a reply waits for the socket */
        struct event *partial_ev; /* deadline of an incomplete message */
        struct event *pause_ev;   /* a worker has still to acknowledge a pause */
        struct vu_frame frame;
        uint64_t pause_since_ms; /* 0: not waiting for a pause */
        uint32_t pause_retry_us;
        uint8_t pause_logged;
        uint8_t resetting; /* front end gone, its device not cleared yet */
        /* What an adoption took (vu_conn_adopt): still current while the
         * interface's vault_seq and sw_if_index have not moved. */
        uint32_t adopted_seq;
        uint32_t adopted_index;
};

/* Opens ifc's endpoint (listening socket, or a first connect attempt).
 * 0, or -1 with a one-line reason in err. */
int vu_conn_start(struct vu_conn *c, struct vhostd *d, struct vsw_iface *ifc, char *err,
                  size_t errlen);
/* Takes over a predecessor's endpoint for ifc: fetches its sockets and
 * fds from the vault and creates the events without arming them, so
 * nothing is read yet and nothing changes in the memzone. 0, or -1 with a
 * reason in err. */
int vu_conn_adopt(struct vu_conn *c, struct vhostd *d, struct vsw_iface *ifc, char *err,
                  size_t errlen);
/* Is c's adoption of ifc still what the memzone and the vault hold? */
int vu_conn_adoption_current(const struct vu_conn *c, const struct vsw_iface *ifc);
/* Once this vhostd is the only one: settles what a predecessor left half
 * done (its journaled message, paused rings, stale vault keys, a
 * connection that is gone) and arms the events. */
void vu_conn_go(struct vu_conn *c);
/* Drops the front end (if any) and the endpoint, withdrawing their fds.
 * -1 (logged, nothing changed) when a worker did not pause the rings. */
int vu_conn_stop(struct vu_conn *c);
/* Closes this process's fds and events only: the vault keeps the
 * connection for a successor vhostd. */
void vu_conn_detach(struct vu_conn *c);

#endif
