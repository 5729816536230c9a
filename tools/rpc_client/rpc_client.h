/* The client side of vhostd's RPC: one Request, one Reply, over a nanomsg
 * REQ socket. vhost-ctl and vhostsw-cni both talk to vhostd through it. */
#ifndef VSW_RPC_CLIENT_H
#define VSW_RPC_CLIENT_H

#include <stddef.h>

#include "vhostsw.pb-c.h"

/* Sends req to endpoint and waits for the reply, retrying briefly while
 * the endpoint is missing (it moves during a control-plane restart). On 0,
 * *rep holds the reply (free with nn_freemsg); else -1, one line in err. */
int vsw_rpc_exchange(const char *endpoint, const void *req, size_t len, void **rep, size_t *replen,
                     char *err, size_t errlen);

/* Packs req, exchanges it and unpacks the reply. On 0, *rep is the reply
 * (free with vsw__reply__free_unpacked(*rep, NULL)), whatever its status;
 * -1: vhostd unreachable, silent or garbled (one line in err). */
int vsw_rpc_call(const char *endpoint, const Vsw__Request *req, Vsw__Reply **rep, char *err,
                 size_t errlen);

#endif
