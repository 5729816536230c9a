/* A TCP listen address as startup.conf spells it: "127.0.0.1:9464" or
 * "[::1]:9464" (numeric only: no name lookup at start-up). */
#ifndef VSW_LISTEN_ADDR_H
#define VSW_LISTEN_ADDR_H

#include <sys/socket.h>

/* Fills *ss and *len; returns 0, or -1 when s is not such an address. */
int vsw_listen_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif
