/* The management RPC endpoint: a nanomsg REP socket on the config's
 * cli-listen, read from the libevent loop through its NN_RCVFD. Each
 * request is decoded and checked (rpc_decode.c), dispatched through the
 * command list (proto/vsw_commands.def) and answered; anything that does
 * not decode gets an error reply, never a crash. */
#include "rpc.h"

#include <errno.h>
#include <event2/event.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rpc_call.h"
#include "rpc_decode.h"
#include "vhostd.h"
#include "vsw_commands.h"
#include "vsw_wake.h"

#define RPC_MAX_REQUEST (64 * 1024) /* the largest request is a few paths */
#define RPC_BURST       16          /* requests per wakeup, then back to the loop */
#define RPC_SOCKET_MODE 0600        /* the RPC can create root-owned sockets */
#define IPC_PREFIX      "ipc://"

/* Indexed like vsw_commands: each command's handler is rpc_<field>. */
static rpc_handler *const rpc_handlers[VSW_NCOMMANDS] = {
#define VSW_COMMAND(field, CASE, words, access) rpc_##field,
#include "vsw_commands.def"
#undef VSW_COMMAND
};

static struct {
        int sock;
        struct event *ev;
        char ipc_path[VSW_PATH_LEN]; /* "" unless the endpoint is ipc:// */
        dev_t ipc_dev;               /* the socket file we bound */
        ino_t ipc_ino;
        int read_only; /* a tcp:// endpoint: any local user can reach it */
} rpc = {.sock = -1};

rpc_handler *rpc_handler_of(Vsw__Request__CmdCase cmd)
{
        const struct vsw_command *c = vsw_command_of(cmd);

        return c ? rpc_handlers[c - vsw_commands] : NULL;
}

static void dispatch(struct vhostd *d, const void *buf, size_t len, struct rpc_call *c)
{
        const struct vsw_command *cmd;
        Vsw__Request *req;
        char why[256];
        int rc = rpc_request_decode(buf, len, &req, why, sizeof(why));

        if (rc) {
                rpc_fail(c, rc, "%s", why);
                VSW_WARN(VSW_LOG_RPC, "request of %zu bytes refused: %s", len, why);
                return;
        }
        cmd = vsw_command_of(req->cmd_case);
        if (!cmd) {
                rpc_fail(c, EOPNOTSUPP, "unknown request (command %d)", (int)req->cmd_case);
                VSW_WARN(VSW_LOG_RPC, "unknown request (command %d)", (int)req->cmd_case);
        } else if (rpc.read_only && cmd->access != VSW_CMD_READ_ONLY) {
                rpc_fail(c, EPERM,
                         "%s refused: this tcp endpoint serves read-only commands (show ...); "
                         "use the ipc endpoint",
                         cmd->words);
                VSW_WARN(VSW_LOG_RPC, "%s refused on the read-only tcp endpoint", cmd->words);
        } else if (rpc_handlers[cmd - vsw_commands](d, req, c)) {
                /* A failed handler may have started a body: never send half of one. */
                c->reply.body_case = VSW__REPLY__BODY__NOT_SET;
                VSW_NOTICE(VSW_LOG_RPC, "%s: %s", cmd->words, c->error);
        } else {
                VSW_DEBUG(VSW_LOG_RPC, "%s", cmd->words);
                /* Workers read what it changed (admin state, L2 config) at
                 * housekeeping: one asleep (rx-mode) must not wait a
                 * VSW_SLEEP_MAX_MS for it. */
                if (cmd->access != VSW_CMD_READ_ONLY)
                        for (uint32_t w = 0; w < d->st->nworkers; w++)
                                vsw_wake(w);
        }
        vsw__request__free_unpacked(req, NULL);
}

static void reply(const struct rpc_call *c)
{
        size_t len = vsw__reply__get_packed_size(&c->reply);
        void *msg = nn_allocmsg(len ? len : 1, 0);

        if (!msg) {
                VSW_ERR(VSW_LOG_RPC, "cannot allocate a %zu-byte reply: %s", len,
                        nn_strerror(nn_errno()));
                return;
        }
        vsw__reply__pack(&c->reply, msg);
        /* REP never blocks on send: a peer that has gone just loses its reply. */
        if (nn_send(rpc.sock, &msg, NN_MSG, NN_DONTWAIT) < 0) {
                VSW_WARN(VSW_LOG_RPC, "reply not sent: %s", nn_strerror(nn_errno()));
                nn_freemsg(msg);
        }
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
        struct vhostd *d = arg;

        (void)fd;
        (void)what;
        for (int i = 0; i < RPC_BURST; i++) {
                struct rpc_call c = {.blocks = NULL};
                void *buf;
                int n = nn_recv(rpc.sock, &buf, NN_MSG, NN_DONTWAIT);

                if (n < 0) {
                        if (nn_errno() != EAGAIN)
                                VSW_WARN(VSW_LOG_RPC, "receive failed: %s",
                                         nn_strerror(nn_errno()));
                        return;
                }
                vsw__reply__init(&c.reply);
                dispatch(d, buf, (size_t)n, &c);
                nn_freemsg(buf);
                reply(&c);
                rpc_call_release(&c);
        }
}

/* A socket file left by a vhostd that is gone would make the bind fail.
 * One still served by a previous generation is replaced on purpose: the
 * endpoint moves to the newest vhostd (and vhost-ctl retries meanwhile). */
static int remove_stale_ipc(const char *path)
{
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -1;
        if (!S_ISSOCK(st.st_mode)) {
                errno = EEXIST;
                return -1;
        }
        return unlink(path);
}

static int bind_endpoint(const char *endpoint)
{
        int is_ipc = !strncmp(endpoint, IPC_PREFIX, strlen(IPC_PREFIX));
        const char *path = endpoint + strlen(IPC_PREFIX);
        struct stat st;
        mode_t old_mask;
        int rc;

        if (is_ipc && remove_stale_ipc(path) < 0) {
                VSW_ERR(VSW_LOG_RPC, "cannot remove old socket %s: %s", path, strerror(errno));
                return -1;
        }
        /* Born 0600: no moment where another user could connect. */
        old_mask = umask(0777 & ~RPC_SOCKET_MODE);
        rc = nn_bind(rpc.sock, endpoint);
        umask(old_mask);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_RPC, "cannot bind %s: %s", endpoint, nn_strerror(nn_errno()));
                return -1;
        }
        if (!is_ipc) {
                /* Reachable by every local user: read-only, and only when
                 * the administrator said so (the config parser refuses a
                 * tcp cli-listen without `cli-tcp read-only`). */
                rpc.read_only = 1;
                return 0;
        }
        if (chmod(path, RPC_SOCKET_MODE) < 0 || lstat(path, &st) < 0) {
                VSW_ERR(VSW_LOG_RPC, "chmod %s: %s", path, strerror(errno));
                return -1;
        }
        if (strlen(path) >= sizeof(rpc.ipc_path)) {
                VSW_ERR(VSW_LOG_RPC, "socket path %s is too long", path);
                return -1;
        }
        memcpy(rpc.ipc_path, path, strlen(path) + 1);
        rpc.ipc_dev = st.st_dev;
        rpc.ipc_ino = st.st_ino;
        return 0;
}

/* nanomsg unlinks an ipc:// socket file when it closes the socket. If a
 * successor vhostd has already bound the path, that file is not ours: keep
 * its name alive through the close with a second hard link. */
static void close_keeping_successor(void)
{
        char keep[VSW_PATH_LEN + 32];
        struct stat st;
        int kept = 0;

        if (rpc.ipc_path[0] && lstat(rpc.ipc_path, &st) == 0 &&
            (st.st_dev != rpc.ipc_dev || st.st_ino != rpc.ipc_ino)) {
                snprintf(keep, sizeof(keep), "%s.keep%d", rpc.ipc_path, (int)getpid());
                kept = link(rpc.ipc_path, keep) == 0;
                if (!kept)
                        VSW_WARN(VSW_LOG_RPC, "cannot keep the successor's %s: %s", rpc.ipc_path,
                                 strerror(errno));
        }
        nn_close(rpc.sock);
        if (kept && rename(keep, rpc.ipc_path) < 0) {
                VSW_ERR(VSW_LOG_RPC, "cannot restore the successor's %s: %s", rpc.ipc_path,
                        strerror(errno));
                unlink(keep);
        }
}

int vhostd_rpc_start(struct vhostd *d, const char *endpoint)
{
        int max = RPC_MAX_REQUEST, fd;
        size_t fdlen = sizeof(fd);

        if (rpc.sock >= 0) {
                VSW_ERR(VSW_LOG_RPC, "already serving");
                return -1;
        }
        rpc.sock = nn_socket(AF_SP, NN_REP);
        if (rpc.sock < 0) {
                VSW_ERR(VSW_LOG_RPC, "nanomsg socket: %s", nn_strerror(nn_errno()));
                return -1;
        }
        if (nn_setsockopt(rpc.sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max, sizeof(max)) < 0) {
                VSW_ERR(VSW_LOG_RPC, "NN_RCVMAXSIZE: %s", nn_strerror(nn_errno()));
                goto fail;
        }
        if (strncmp(endpoint, IPC_PREFIX, strlen(IPC_PREFIX)) != 0 && !d->cfg.cli_tcp_read_only) {
                VSW_ERR(VSW_LOG_RPC, "%s: a tcp endpoint needs `cli-tcp read-only` in unix { }",
                        endpoint);
                goto fail;
        }
        if (bind_endpoint(endpoint) < 0)
                goto fail;
        if (nn_getsockopt(rpc.sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &fdlen) < 0) {
                VSW_ERR(VSW_LOG_RPC, "NN_RCVFD: %s", nn_strerror(nn_errno()));
                goto fail;
        }
        rpc.ev = event_new(d->base, fd, EV_READ | EV_PERSIST, on_readable, d);
        if (!rpc.ev || event_add(rpc.ev, NULL) < 0) {
                VSW_ERR(VSW_LOG_RPC, "cannot arm the read event for %s", endpoint);
                goto fail;
        }
        VSW_INFO(VSW_LOG_RPC, "serving %s", endpoint);
        return 0;
fail:
        vhostd_rpc_stop(d);
        return -1;
}

void vhostd_rpc_stop(struct vhostd *d)
{
        (void)d;
        if (rpc.ev) {
                event_free(rpc.ev);
                rpc.ev = NULL;
        }
        if (rpc.sock >= 0) {
                close_keeping_successor();
                rpc.sock = -1;
        }
        rpc.ipc_path[0] = '\0';
        rpc.read_only = 0;
}
