/* The fd vault: keeps a duplicate of every fd vhostd must not lose across a
 * restart. Clients are our own processes, but a request is still checked
 * field by field: a bad one gets an error status, never a crash. */
#include "vault_server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "scm_rights.h"

/* A request carries at most one fd; room for a few more lets us see (and
 * close) the extras a broken client sends instead of leaking them. */
#define VAULT_RECV_FDS 8

int vault_server_open(struct vault_server *v, const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        v->listen_fd = -1;
        v->nentries = 0;
        for (unsigned i = 0; i < VAULT_MAX_CLIENTS; i++)
                v->clients[i] = -1;
        if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(v->path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        strcpy(v->path, path);

        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        if (unlink(path) < 0 && errno != ENOENT) {
                int err = -errno;
                close(s);
                return err;
        }
        /* The umask makes the file 0600 from birth: no window where another
         * user could connect. */
        mode_t old = umask(0177);
        int rc = bind(s, (struct sockaddr *)&sa, sizeof(sa));
        int err = -errno;
        umask(old);
        if (rc < 0 || (err = 0, listen(s, 16)) < 0) {
                if (!err)
                        err = -errno;
                close(s);
                return err;
        }
        v->listen_fd = s;
        return 0;
}

int vault_server_accept(struct vault_server *v)
{
        int c = accept4(v->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
                if (errno != EAGAIN && errno != EINTR)
                        VSW_ERR(VSW_LOG_VAULT, "vault: accept on %s: %s", v->path, strerror(errno));
                return -1;
        }
        for (int i = 0; i < VAULT_MAX_CLIENTS; i++) {
                if (v->clients[i] < 0) {
                        v->clients[i] = c;
                        return i;
                }
        }
        VSW_ERR(VSW_LOG_VAULT, "vault: %d clients already connected, refusing one more",
                VAULT_MAX_CLIENTS);
        close(c);
        return -1;
}

static void drop_client(struct vault_server *v, int slot)
{
        close(v->clients[slot]);
        v->clients[slot] = -1;
}

static struct vault_entry *find(struct vault_server *v, const char *key)
{
        for (unsigned i = 0; i < v->nentries; i++)
                if (strcmp(v->entries[i].key, key) == 0)
                        return &v->entries[i];
        return NULL;
}

static void remove_entry(struct vault_server *v, struct vault_entry *e)
{
        close(e->fd);
        *e = v->entries[--v->nentries];
}

static int op_deposit(struct vault_server *v, const char *key, int fd)
{
        struct vault_entry *e = find(v, key);
        if (e) {
                close(e->fd);
                e->fd = fd;
                VSW_DEBUG(VSW_LOG_VAULT, "vault: %s replaced", key);
                return 0;
        }
        if (v->nentries == VSW_VAULT_MAX_FDS) {
                VSW_ERR(VSW_LOG_VAULT, "vault: full (%d fds), refusing %s", VSW_VAULT_MAX_FDS, key);
                close(fd);
                return -ENOSPC;
        }
        e = &v->entries[v->nentries++];
        strcpy(e->key, key);
        e->fd = fd;
        VSW_DEBUG(VSW_LOG_VAULT, "vault: %s deposited", key);
        return 0;
}

int vault_server_put(struct vault_server *v, const char *key, int fd)
{
        return op_deposit(v, key, fd);
}

static int op_withdraw(struct vault_server *v, const char *key)
{
        struct vault_entry *e = find(v, key);
        if (!e)
                return -ENOENT;
        remove_entry(v, e);
        VSW_DEBUG(VSW_LOG_VAULT, "vault: %s withdrawn", key);
        return 0;
}

static int op_withdraw_prefix(struct vault_server *v, const char *prefix)
{
        size_t len = strlen(prefix);
        unsigned n = 0;
        for (unsigned i = 0; i < v->nentries;) {
                if (strncmp(v->entries[i].key, prefix, len) == 0) {
                        remove_entry(v, &v->entries[i]);
                        n++;
                } else {
                        i++;
                }
        }
        VSW_DEBUG(VSW_LOG_VAULT, "vault: %u fds under '%s' withdrawn", n, prefix);
        return 0;
}

static int op_list(struct vault_server *v, const char *prefix, char *out, uint32_t *outlen)
{
        size_t len = strlen(prefix), used = 0;
        for (unsigned i = 0; i < v->nentries; i++) {
                const char *k = v->entries[i].key;
                if (strncmp(k, prefix, len) != 0)
                        continue;
                size_t klen = strlen(k) + 1;
                if (used + klen > VSW_VAULT_LIST_MAX) {
                        *outlen = 0;
                        return -ENOBUFS;
                }
                memcpy(out + used, k, klen);
                used += klen;
        }
        *outlen = used;
        return 0;
}

/* A reply the client cannot take right now (its socket buffer is full) means
 * it is not reading its replies: it is dropped rather than waited for. */
static int send_reply(int c, int32_t status, const char *data, uint32_t len, int fd)
{
        struct vsw_vault_reply rep = {.status = status, .len = len};
        struct iovec iov[2] = {
            {.iov_base = &rep, .iov_len = sizeof(rep)},
            {.iov_base = (void *)data, .iov_len = len},
        };
        union vsw_scm_one ctl;
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

        vsw_scm_attach_fd(&msg, &ctl, fd);
        if (sendmsg(c, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                VSW_ERR(VSW_LOG_VAULT, "vault: reply to client fd %d: %s, dropping it", c,
                        strerror(errno));
                return -1;
        }
        return 0;
}

static const char *op_name(uint32_t op)
{
        switch (op) {
        case VSW_VAULT_DEPOSIT:
                return "deposit";
        case VSW_VAULT_FETCH:
                return "fetch";
        case VSW_VAULT_WITHDRAW:
                return "withdraw";
        case VSW_VAULT_WITHDRAW_PREFIX:
                return "withdraw-prefix";
        case VSW_VAULT_LIST:
                return "list";
        }
        return NULL;
}

/* Checks a request's shape; returns 0 or the negative errno to reply with. */
static int validate(const struct vsw_vault_req *req, ssize_t n, int flags, int nfds)
{
        if (flags & (MSG_TRUNC | MSG_CTRUNC)) {
                VSW_ERR(VSW_LOG_VAULT, "vault: request truncated (too long or too many fds)");
                return -EINVAL;
        }
        if (n != (ssize_t)sizeof(*req)) {
                VSW_ERR(VSW_LOG_VAULT, "vault: request of %zd bytes, expected %zu", n,
                        sizeof(*req));
                return -EINVAL;
        }
        const char *name = op_name(req->op);
        if (!name) {
                VSW_ERR(VSW_LOG_VAULT, "vault: unknown op %u", req->op);
                return -EOPNOTSUPP;
        }
        if (!memchr(req->key, '\0', sizeof(req->key))) {
                VSW_ERR(VSW_LOG_VAULT, "vault: %s: key is not NUL-terminated within %d bytes", name,
                        VSW_VAULT_KEY_LEN);
                return -EINVAL;
        }
        int prefix_op = req->op == VSW_VAULT_WITHDRAW_PREFIX || req->op == VSW_VAULT_LIST;
        if (!prefix_op && req->key[0] == '\0') {
                VSW_ERR(VSW_LOG_VAULT, "vault: %s: empty key", name);
                return -EINVAL;
        }
        int want = req->op == VSW_VAULT_DEPOSIT ? 1 : 0;
        if (nfds != want) {
                VSW_ERR(VSW_LOG_VAULT, "vault: %s '%s' carries %d fds, expected %d", name, req->key,
                        nfds, want);
                return -EINVAL;
        }
        return 0;
}

int vault_server_handle(struct vault_server *v, int slot)
{
        int c = v->clients[slot];
        if (c < 0)
                return -1;
        struct vsw_vault_req req;
        /* One spare byte so an oversized request shows as a wrong size. */
        char buf[sizeof(req) + 1];
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        union {
                char buf[CMSG_SPACE(sizeof(int) * VAULT_RECV_FDS)];
                struct cmsghdr align;
        } ctl;
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = ctl.buf,
            .msg_controllen = sizeof(ctl.buf),
        };
        ssize_t n = recvmsg(c, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                VSW_ERR(VSW_LOG_VAULT, "vault: receive from client fd %d: %s", c, strerror(errno));
                drop_client(v, slot);
                return -1;
        }

        int fds[VAULT_RECV_FDS];
        unsigned extra, nfds = vsw_scm_take_fds(&msg, fds, VAULT_RECV_FDS, &extra);
        if (n == 0 && nfds == 0) {
                drop_client(v, slot);
                return -1;
        }

        memcpy(&req, buf, n < (ssize_t)sizeof(req) ? (size_t)n : sizeof(req));
        static char list[VSW_VAULT_LIST_MAX];
        uint32_t listlen = 0;
        int reply_fd = -1;
        int status = validate(&req, n, msg.msg_flags, (int)(nfds + extra));
        if (status < 0) {
                for (unsigned i = 0; i < nfds; i++)
                        close(fds[i]);
        } else {
                switch (req.op) {
                case VSW_VAULT_DEPOSIT:
                        status = op_deposit(v, req.key, fds[0]);
                        break;
                case VSW_VAULT_FETCH: {
                        struct vault_entry *e = find(v, req.key);
                        status = e ? 0 : -ENOENT;
                        reply_fd = e ? e->fd : -1; /* SCM_RIGHTS hands the client a duplicate */
                        break;
                }
                case VSW_VAULT_WITHDRAW:
                        status = op_withdraw(v, req.key);
                        break;
                case VSW_VAULT_WITHDRAW_PREFIX:
                        status = op_withdraw_prefix(v, req.key);
                        break;
                case VSW_VAULT_LIST:
                        status = op_list(v, req.key, list, &listlen);
                        break;
                }
        }
        if (send_reply(c, status, list, listlen, reply_fd) < 0) {
                drop_client(v, slot);
                return -1;
        }
        return 0;
}

void vault_server_close(struct vault_server *v)
{
        for (unsigned i = 0; i < VAULT_MAX_CLIENTS; i++)
                if (v->clients[i] >= 0)
                        drop_client(v, i);
        while (v->nentries)
                remove_entry(v, &v->entries[v->nentries - 1]);
        if (v->listen_fd >= 0) {
                close(v->listen_fd);
                v->listen_fd = -1;
                if (unlink(v->path) < 0 && errno != ENOENT)
                        VSW_ERR(VSW_LOG_VAULT, "vault: remove %s: %s", v->path, strerror(errno));
        }
}
