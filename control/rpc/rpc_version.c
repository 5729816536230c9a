/* RPC handler of `show version`: this vhostd's release, generation and pid. */
#include <unistd.h>

#include "rpc_call.h"
#include "vsw_version.h"

int rpc_show_version(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        Vsw__ShowVersionReply *r = rpc_alloc(c, sizeof(*r));

        (void)req;
        if (!r)
                return rpc_no_memory(c);
        vsw__show_version_reply__init(r);
        r->version = (char *)VSW_VERSION;
        r->generation = d->generation;
        r->pid = (int32_t)getpid();
        c->reply.body_case = VSW__REPLY__BODY_VERSION;
        c->reply.version = r;
        return 0;
}
