/* Graceful vhostd handover (shared/handover.h): N+1 is started beside N
 * with a channel; when it says READY, N is told to drain (SIGTERM: it
 * finishes the message in hand and exits, withdrawing nothing); once N is
 * gone, N+1 is told GO and becomes the vhostd. If N+1 exits first (for
 * instance because it does not know the memzone's layout), N keeps
 * running and the log says why. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_policy.h"
#include "handover.h"
#include "log.h"
#include "supervisor.h"

#define READY_TIMEOUT_MS 10000
#define MS               1000000ull

static void close_channel(struct supervisor *sv)
{
        if (sv->ho.sock < 0)
                return;
        epoll_ctl(sv->epoll_fd, EPOLL_CTL_DEL, sv->ho.sock, NULL);
        close(sv->ho.sock);
        sv->ho.sock = -1;
}

static void reset(struct supervisor *sv)
{
        close_channel(sv);
        sv->ho.stage = HO_NONE;
        sv->ho.pid = 0;
        sv->ho.predecessor_gone = 0;
}

/* A binary a client asked for runs only if it is installed in the program
 * directory: where the supervisor finds its own vhostd. vhostd checked it
 * already; this is the process that executes it, so it checks again, and
 * runs the path it resolved. */
static int allowed_binary(const char *asked, char *out)
{
        char dir[PATH_MAX], why[512];
        char *slash;

        if (children_resolve_vhostd(dir, sizeof(dir)) < 0)
                return -1;
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        if (vsw_exec_check(dir, asked, out, why, sizeof(why)) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "handover: refusing to run the binary asked for: %s",
                        why);
                return -1;
        }
        return 0;
}

/* The executable for N+1: the one `restart control binary <path>` named,
 * else vhostd found again (it may have been upgraded in place). */
static int next_binary(struct supervisor *sv)
{
        char *asked = sv->st->vhostd_next_binary;

        if (asked[0]) {
                char copy[sizeof(sv->st->vhostd_next_binary)];
                int ok = memchr(asked, '\0', sizeof(sv->st->vhostd_next_binary)) != NULL;

                if (ok)
                        strcpy(copy, asked);
                memset(asked, 0, sizeof(sv->st->vhostd_next_binary));
                if (!ok) {
                        VSW_ERR(VSW_LOG_SUPERVISOR,
                                "handover: the binary asked for is not a valid path");
                        return -1;
                }
                return allowed_binary(copy, sv->ho.binary);
        }
        return children_resolve_vhostd(sv->ho.binary, sizeof(sv->ho.binary));
}

void handover_begin(struct supervisor *sv)
{
        struct handover *ho = &sv->ho;
        int sp[2];

        if (ho->stage != HO_NONE) {
                VSW_WARN(VSW_LOG_SUPERVISOR,
                         "vhostd restart asked while generation %u is being handed over: ignored",
                         ho->generation);
                return;
        }
        if (next_binary(sv) < 0)
                return;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "handover: socketpair: %s", strerror(errno));
                return;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = SV_TAG_HANDOVER};
        if (epoll_ctl(sv->epoll_fd, EPOLL_CTL_ADD, sp[0], &ev) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "handover: epoll add: %s", strerror(errno));
                close(sp[0]);
                close(sp[1]);
                return;
        }
        sv->vhostd_generation++;
        ho->generation = sv->vhostd_generation;
        ho->sock = sp[0];
        pid_t pid = children_spawn(sv, &sv->children[0], ho->binary, sp[1]);
        close(sp[1]);
        if (pid < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "handover: fork: %s; vhostd pid %d keeps running",
                        strerror(errno), sv->children[0].pid);
                reset(sv);
                return;
        }
        ho->pid = pid;
        ho->stage = HO_WAIT_READY;
        ho->deadline_ns = now_ns() + READY_TIMEOUT_MS * MS;
        notify_reloading(sv, ho->generation);
        VSW_NOTICE(VSW_LOG_SUPERVISOR,
                   "handing vhostd over: started generation %u (pid %d, %s) beside pid %d",
                   ho->generation, pid, ho->binary, sv->children[0].pid);
}

/* N is gone: N+1 becomes the vhostd child. */
static void go(struct supervisor *sv)
{
        struct child *c = &sv->children[0];
        char b = VSW_HANDOVER_GO;

        if (send(sv->ho.sock, &b, 1, MSG_NOSIGNAL) != 1)
                VSW_ERR(VSW_LOG_SUPERVISOR, "handover: telling generation %u to go: %s",
                        sv->ho.generation, strerror(errno));
        c->pid = sv->ho.pid;
        c->started_ns = now_ns();
        c->restart_at_ns = 0;
        c->restart_now = 0;
        c->kill_at_ns = 0;
        c->starts++;
        atomic_fetch_add(&sv->st->vhostd_handovers, 1);
        VSW_NOTICE(VSW_LOG_SUPERVISOR, "vhostd generation %u (pid %d) took over", sv->ho.generation,
                   c->pid);
        reset(sv);
}

void handover_on_readable(struct supervisor *sv)
{
        struct handover *ho = &sv->ho;
        struct child *c = &sv->children[0];
        char b = 0;
        ssize_t n = recv(ho->sock, &b, 1, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n != 1 || b != VSW_HANDOVER_READY || ho->stage != HO_WAIT_READY) {
                /* N+1 is exiting; its reap says why. */
                close_channel(sv);
                return;
        }
        if (ho->predecessor_gone || c->pid <= 0) {
                go(sv);
                return;
        }
        VSW_INFO(VSW_LOG_SUPERVISOR, "vhostd generation %u ready: draining pid %d", ho->generation,
                 c->pid);
        ho->stage = HO_DRAINING;
        c->restart_now = 1; /* a planned exit: logged as such */
        children_stop(c, now_ns());
}

int handover_predecessor_exited(struct supervisor *sv)
{
        struct handover *ho = &sv->ho;

        if (ho->stage == HO_DRAINING) {
                go(sv);
                return 1;
        }
        if (ho->stage == HO_WAIT_READY) {
                /* N crashed meanwhile: N+1 takes over as soon as it is ready. */
                ho->predecessor_gone = 1;
                return 1;
        }
        return 0;
}

int handover_reaped(struct supervisor *sv, pid_t pid, int status)
{
        struct handover *ho = &sv->ho;
        struct child *c = &sv->children[0];
        char how[96];

        if (ho->stage == HO_NONE || pid != ho->pid)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == VSW_EXIT_LAYOUT_REFUSED)
                snprintf(how, sizeof(how), "does not know the memzone layout (version %u)",
                         sv->st->abi_version);
        else if (WIFEXITED(status))
                snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
        else
                snprintf(how, sizeof(how), "ended (wait status 0x%x)", status);
        if (c->pid > 0 && ho->stage == HO_WAIT_READY)
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "vhostd generation %u (%s) refused to take over: it %s; "
                        "generation %u (pid %d) keeps running",
                        ho->generation, ho->binary, how, ho->generation - 1, c->pid);
        else if (sv->stopping)
                VSW_INFO(VSW_LOG_SUPERVISOR, "vhostd generation %u (pid %d) %s", ho->generation,
                         pid, how);
        else
                VSW_ERR(VSW_LOG_SUPERVISOR, "vhostd generation %u (%s) %s before taking over",
                        ho->generation, ho->binary, how);
        int gone = ho->predecessor_gone;
        reset(sv);
        if (gone && !sv->stopping)
                c->restart_at_ns = now_ns() + c->backoff_ms * MS;
        return 1;
}

int handover_tick(struct supervisor *sv)
{
        struct handover *ho = &sv->ho;
        uint64_t now = now_ns();

        if (ho->stage != HO_WAIT_READY)
                return -1;
        if (now < ho->deadline_ns) {
                uint64_t ms = (ho->deadline_ns - now + MS - 1) / MS;
                return ms > 1000 ? 1000 : (int)ms;
        }
        VSW_ERR(VSW_LOG_SUPERVISOR,
                "vhostd generation %u (pid %d) not ready within %d ms: killing it, the running "
                "vhostd stays",
                ho->generation, ho->pid, READY_TIMEOUT_MS);
        kill(ho->pid, SIGKILL);
        ho->deadline_ns = UINT64_MAX; /* the reap ends the handover */
        return -1;
}

void handover_abort(struct supervisor *sv)
{
        if (sv->ho.stage == HO_NONE)
                return;
        close_channel(sv);
        if (sv->ho.pid > 0 && kill(sv->ho.pid, SIGTERM) < 0 && errno != ESRCH)
                VSW_ERR(VSW_LOG_SUPERVISOR, "SIGTERM to vhostd generation %u (pid %d): %s",
                        sv->ho.generation, sv->ho.pid, strerror(errno));
}
