/* vu_conn.c's pieces that taking over an endpoint (vu_conn_adopt.c) needs
 * too: the event callbacks and what a connection does on its socket. */
#ifndef VU_CONN_IO_H
#define VU_CONN_IO_H

#include <event2/util.h>

#include "vu_conn.h"

void vu_conn_on_message(evutil_socket_t fd, short what, void *arg);
void vu_conn_on_accept(evutil_socket_t fd, short what, void *arg);
void vu_conn_on_retry(evutil_socket_t fd, short what, void *arg);

void vu_conn_set_io_timeouts(int fd);
/* Front end gone (or dropped): clears the device, then listens or retries. */
void vu_conn_disconnect(struct vu_conn *c);
void vu_conn_schedule_retry(struct vu_conn *c);
/* Binds and arms the listening socket. 0, or -1 with a reason in err. */
int vu_conn_start_server(struct vu_conn *c, char *err, size_t errlen);
int vu_conn_send_reply(struct vu_conn *c, const struct vu_msg *reply);
/* Does what a handled message asks (reply, hang up, nothing), then marks
 * the interface's journal done. */
void vu_conn_finish(struct vu_conn *c, enum vu_action act, const struct vu_msg *reply);

#endif
