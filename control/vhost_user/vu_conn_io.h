/* vu_conn.c's pieces that taking over an endpoint (recovery/vu_conn_adopt.c)
 * needs too: the event callbacks and what a connection does on its socket. */
#ifndef VU_CONN_IO_H
#define VU_CONN_IO_H

#include <event2/util.h>

#include "vu_conn.h"

void vu_conn_on_accept(evutil_socket_t fd, short what, void *arg);
void vu_conn_on_retry(evutil_socket_t fd, short what, void *arg);

/* The connection's read event: edge-triggered, so a message that stays
 * incomplete costs nothing until more bytes come. NULL on failure. */
struct event *vu_conn_new_read_event(struct vu_conn *c, int fd);
/* Makes fd non-blocking. 0, or -1 logged. */
int vu_conn_set_nonblocking(struct vu_conn *c, int fd);
/* Front end gone (or dropped): clears the device (once its rings are
 * paused), then listens or retries. */
void vu_conn_disconnect(struct vu_conn *c);
/* Clears the device once its rings are paused (from a timer until then),
 * then serves the endpoint (vu_conn_serve). */
void vu_conn_reset_and_serve(struct vu_conn *c);
/* Arms the accept event (binding the socket when there is none), or
 * starts connecting when there is no front end. */
void vu_conn_serve(struct vu_conn *c);
/* Binds and arms the listening socket. 0, or -1 with a reason in err. */
int vu_conn_start_server(struct vu_conn *c, char *err, size_t errlen);
/* Acts on what the framing says (vu_conn_frame.h). */
void vu_conn_after(struct vu_conn *c, enum vu_step step);

#endif
