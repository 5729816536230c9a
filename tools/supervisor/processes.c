/* The supervisor's processes as one: its children and a vhostd handover in
 * progress. Both are dispatched from here so that the handover, which spawns
 * and stops through children.c, stays above it. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "supervisor.h"

void processes_reap(struct supervisor *sv)
{
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);
                if (pid <= 0) {
                        if (pid < 0 && errno != ECHILD && errno != EINTR)
                                VSW_ERR(VSW_LOG_SUPERVISOR, "waitpid: %s", strerror(errno));
                        return;
                }
                if (handover_reaped(sv, pid, status))
                        continue;
                struct child *c = children_by_pid(sv, pid);
                if (!c || !children_exited(sv, c, status))
                        continue;
                if (c->worker < 0 && handover_predecessor_exited(sv))
                        continue;
                children_schedule_restart(c);
        }
}

void processes_restart_vhostd(struct supervisor *sv)
{
        struct child *c = &sv->children[0];
        if (c->pid > 0) {
                handover_begin(sv);
        } else {
                VSW_NOTICE(VSW_LOG_SUPERVISOR, "SIGHUP: starting vhostd now");
                c->restart_at_ns = now_ns();
        }
}

void processes_stop_all(struct supervisor *sv)
{
        sv->stopping = 1;
        handover_abort(sv);
        children_stop_all(sv);
}
