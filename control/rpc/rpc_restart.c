/* RPC handler of `restart control [binary <path>]`: asks the supervisor
 * (our parent) for a graceful handover to a new vhostd generation. The
 * reply goes out before anything moves: this vhostd drains only once its
 * successor says it is ready. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "exec_policy.h"
#include "rpc_call.h"

/* Only a program installed beside this vhostd may be named: the RPC must
 * never be a way to run an arbitrary file as root. The supervisor checks
 * again before it executes (tools/supervisor/handover.c). */
static int check_binary(struct rpc_call *c, const char *path, char *resolved, size_t room)
{
        char dir[PATH_MAX], why[512], q[80];

        if (strlen(path) >= room)
                return rpc_fail(c, EINVAL, "bad binary path '%s': at most %zu bytes",
                                rpc_quote(path, q, sizeof(q)), room - 1);
        if (vsw_exec_own_dir(dir, sizeof(dir)) < 0)
                return rpc_fail(c, errno, "cannot tell vhostd's program directory: %s",
                                strerror(errno));
        if (vsw_exec_check(dir, path, resolved, why, sizeof(why)) < 0)
                return rpc_fail(c, EPERM, "restart control binary refused: %s", why);
        if (strlen(resolved) >= room)
                return rpc_fail(c, EINVAL, "binary %s resolves to a path over %zu bytes",
                                rpc_quote(path, q, sizeof(q)), room - 1);
        return 0;
}

int rpc_restart_control(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__RestartControlRequest *q = req->restart_control;
        char *next = d->st->vhostd_next_binary;
        Vsw__RestartControlReply *r;
        char resolved[PATH_MAX];
        pid_t supervisor = getppid();

        if (supervisor <= 1)
                return rpc_fail(c, ESRCH, "no supervisor to restart vhostd");
        if (q->binary &&
            check_binary(c, q->binary, resolved, sizeof(d->st->vhostd_next_binary)) < 0)
                return -1;
        r = rpc_alloc(c, sizeof(*r));
        if (!r)
                return rpc_no_memory(c);
        memset(next, 0, sizeof(d->st->vhostd_next_binary));
        if (q->binary)
                memcpy(next, resolved, strlen(resolved));
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
