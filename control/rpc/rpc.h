/* vhostd's management RPC: protobuf-c messages (proto/) over a nanomsg
 * REP socket on the config's cli-listen endpoint, served from the libevent
 * loop. */
#ifndef VSW_RPC_H
#define VSW_RPC_H

struct vhostd;

/* Binds endpoint and arms a libevent read event on it. 0, or -1 logged. */
int vhostd_rpc_start(struct vhostd *d, const char *endpoint);
void vhostd_rpc_stop(struct vhostd *d);

#endif
