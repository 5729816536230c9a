/* Client half of the fd vault (vault.h): one request message out, one reply
 * message back on a SOCK_SEQPACKET socket, fds as SCM_RIGHTS. */
#include "vault.h"
#include "scm_rights.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vsw_vault_connect(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        if (!path || strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int err = -errno;
                close(s);
                return err;
        }
        return s;
}

/* Keys must fit with their NUL; empty is allowed only as a prefix. */
static int fill_req(struct vsw_vault_req *req, uint32_t op, const char *key, int allow_empty)
{
        if (!key)
                return -EINVAL;
        size_t len = strlen(key);
        if (len >= sizeof(req->key))
                return -ENAMETOOLONG;
        if (len == 0 && !allow_empty)
                return -EINVAL;
        memset(req, 0, sizeof(*req));
        req->op = op;
        memcpy(req->key, key, len);
        return 0;
}

static int send_req(int vault, const struct vsw_vault_req *req, int fd)
{
        struct iovec iov = {.iov_base = (void *)req, .iov_len = sizeof(*req)};
        union vsw_scm_one ctl;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

        vsw_scm_attach_fd(&msg, &ctl, fd);
        ssize_t n;
        do
                n = sendmsg(vault, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return n == (ssize_t)sizeof(*req) ? 0 : -EPROTO;
}

/* Receives one reply. data/datalen take the LIST payload (may be NULL/0);
 * *fd receives the one fd a FETCH reply carries (NULL: none is expected, any
 * that arrives is closed and the reply is a protocol error). Returns the
 * reply's status, or a negative errno for a transport or protocol error. */
static int recv_reply(int vault, char *data, unsigned datalen, unsigned *got, int *fd)
{
        struct vsw_vault_reply rep;
        struct iovec iov[2] = {
            {.iov_base = &rep, .iov_len = sizeof(rep)},
            {.iov_base = data, .iov_len = data ? datalen : 0},
        };
        union {
                char buf[CMSG_SPACE(sizeof(int) * 4)];
                struct cmsghdr align;
        } ctl;
        struct msghdr msg = {
            .msg_iov = iov,
            .msg_iovlen = 2,
            .msg_control = ctl.buf,
            .msg_controllen = sizeof(ctl.buf),
        };
        ssize_t n;
        do
                n = recvmsg(vault, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;

        int fds[4];
        unsigned extra, nfds = vsw_scm_take_fds(&msg, fds, 4, &extra);

        int ret;
        if (n == 0)
                ret = -ECONNRESET;
        else if (msg.msg_flags & MSG_TRUNC)
                ret = -EMSGSIZE; /* a LIST reply bigger than the caller's buffer */
        else if ((msg.msg_flags & MSG_CTRUNC) || extra || n < (ssize_t)sizeof(rep) ||
                 rep.len != (size_t)n - sizeof(rep) || rep.status > 0)
                ret = -EPROTO;
        else if (rep.status < 0)
                ret = nfds == 0 ? rep.status : -EPROTO;
        else if (fd && nfds == 1)
                ret = 0;
        else if (!fd && nfds == 0)
                ret = 0;
        else
                ret = -EPROTO;

        if (ret == 0 && fd) {
                *fd = fds[0];
                nfds = 0;
        }
        for (unsigned i = 0; i < nfds; i++)
                close(fds[i]);
        if (ret == 0 && got)
                *got = rep.len;
        return ret;
}

static int simple_op(int vault, uint32_t op, const char *key, int allow_empty, int fd)
{
        struct vsw_vault_req req;
        int ret = fill_req(&req, op, key, allow_empty);
        if (ret < 0)
                return ret;
        ret = send_req(vault, &req, fd);
        if (ret < 0)
                return ret;
        return recv_reply(vault, NULL, 0, NULL, NULL);
}

int vsw_vault_deposit(int vault, const char *key, int fd)
{
        if (fd < 0)
                return -EBADF;
        return simple_op(vault, VSW_VAULT_DEPOSIT, key, 0, fd);
}

int vsw_vault_fetch(int vault, const char *key)
{
        struct vsw_vault_req req;
        int fd = -1;
        int ret = fill_req(&req, VSW_VAULT_FETCH, key, 0);
        if (ret < 0)
                return ret;
        ret = send_req(vault, &req, -1);
        if (ret < 0)
                return ret;
        ret = recv_reply(vault, NULL, 0, NULL, &fd);
        return ret < 0 ? ret : fd;
}

int vsw_vault_withdraw(int vault, const char *key)
{
        return simple_op(vault, VSW_VAULT_WITHDRAW, key, 0, -1);
}

int vsw_vault_withdraw_prefix(int vault, const char *prefix)
{
        return simple_op(vault, VSW_VAULT_WITHDRAW_PREFIX, prefix, 1, -1);
}

int vsw_vault_list(int vault, const char *prefix, char *buf, unsigned buflen)
{
        struct vsw_vault_req req;
        unsigned got = 0;
        int ret = fill_req(&req, VSW_VAULT_LIST, prefix, 1);
        if (ret < 0)
                return ret;
        if (!buf && buflen)
                return -EINVAL;
        ret = send_req(vault, &req, -1);
        if (ret < 0)
                return ret;
        ret = recv_reply(vault, buf, buflen, &got, NULL);
        return ret < 0 ? ret : (int)got;
}
