/* The metrics endpoint (`metrics { listen <addr:port> }`): an HTTP server
 * (libevent's evhttp, which parses the requests) answering GET /metrics
 * with metrics_format.c's page. Its listening socket is made once and kept
 * in the vault under metrics/listen, so a successor vhostd serves the same
 * socket and a scraper never sees the port closed. */
#ifndef VSW_METRICS_HTTP_H
#define VSW_METRICS_HTTP_H

struct vhostd;

/* Before GO: takes the listening socket from the vault, or makes it and
 * deposits it (a socket for another address, or one no longer configured,
 * is withdrawn). Returns 0, or -1 (logged) when it cannot listen. */
int vhostd_metrics_adopt(struct vhostd *d);
/* At GO: serves the socket on d's event loop. Returns 0 or -1 (logged). */
int vhostd_metrics_start(struct vhostd *d);
/* On the way out: accepts no more connections (the successor takes what
 * waits in the socket's backlog), while those accepted still get their
 * answer. Returns whether it was accepting. */
int vhostd_metrics_stop_accepting(struct vhostd *d);
void vhostd_metrics_stop(struct vhostd *d);

#endif
