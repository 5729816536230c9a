/* RPC handler of `restart control [binary <path>]`: asks the supervisor
 * (our parent) for a graceful handover to a new vhostd generation. The
 * reply goes out before anything moves: this vhostd drains only once its
 * successor says it is ready. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc_call.h"

static int check_binary(struct rpc_call *c, const char *path, size_t room)
{
        char q[80];
        struct stat st;

        if (path[0] != '/' || strlen(path) >= room)
                return rpc_fail(c, EINVAL, "bad binary path '%s': absolute and under %zu bytes",
                                rpc_quote(path, q, sizeof(q)), room);
        if (stat(path, &st) < 0)
                return rpc_fail(c, errno, "binary %s: %s", rpc_quote(path, q, sizeof(q)),
                                strerror(errno));
        if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
                return rpc_fail(c, EACCES, "binary %s is not an executable file",
                                rpc_quote(path, q, sizeof(q)));
        return 0;
}

int rpc_restart_control(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__RestartControlRequest *q = req->restart_control;
        char *next = d->st->vhostd_next_binary;
        Vsw__RestartControlReply *r;
        pid_t supervisor = getppid();

        if (supervisor <= 1)
                return rpc_fail(c, ESRCH, "no supervisor to restart vhostd");
        if (q->binary && check_binary(c, q->binary, sizeof(d->st->vhostd_next_binary)) < 0)
                return -1;
        r = rpc_alloc(c, sizeof(*r));
        if (!r)
                return rpc_no_memory(c);
        memset(next, 0, sizeof(d->st->vhostd_next_binary));
        if (q->binary)
                memcpy(next, q->binary, strlen(q->binary));
        if (kill(supervisor, SIGHUP) < 0)
                return rpc_fail(c, errno, "signalling the supervisor (pid %d): %s", (int)supervisor,
                                strerror(errno));
        vsw__restart_control_reply__init(r);
        r->generation = d->generation;
        r->pid = (int32_t)getpid();
        c->reply.body_case = VSW__REPLY__BODY_RESTARTING;
        c->reply.restarting = r;
        return 0;
}
