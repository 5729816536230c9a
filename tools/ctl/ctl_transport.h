/* vhost-ctl's side of the RPC: one request, one reply, over nanomsg REQ. */
#ifndef VSW_CTL_TRANSPORT_H
#define VSW_CTL_TRANSPORT_H

#include <stddef.h>

/* Sends req to endpoint and waits for the reply, retrying briefly while
 * the endpoint is missing (it moves during a control-plane restart). On 0,
 * *rep holds the reply (free with nn_freemsg); else -1, one line in err. */
int ctl_exchange(const char *endpoint, const void *req, size_t len, void **rep, size_t *replen,
                 char *err, size_t errlen);

#endif
