#include "vu_conn.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "unix_listen.h"
#include "vhostd.h"
#include "vu_conn_io.h"
#include "vu_handlers.h"
#include "vu_journal.h"
#include "vu_recover.h"

/* A front end that sends half a message gets this long before it is
 * dropped; replies that cannot be sent within it likewise. */
#define VU_IO_TIMEOUT_S 1

static int try_connect(struct vu_conn *c);

static const char *iname(const struct vu_conn *c)
{
        return c->dev.ifc->name;
}

void vu_conn_set_io_timeouts(int fd)
{
        struct timeval tv = {VU_IO_TIMEOUT_S, 0};

        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                VSW_WARN(VSW_LOG_VHOST_USER, "setting socket timeouts: %s", strerror(errno));
}

/* A persistent read event on fd calling cb; if it cannot be armed, fd is
 * closed, *ev is NULL and -1 is returned. */
static int arm_read_event(struct vu_conn *c, struct event **ev, int fd, event_callback_fn cb)
{
        *ev = event_new(c->d->base, fd, EV_READ | EV_PERSIST, cb, c);
        if (*ev && event_add(*ev, NULL) == 0)
                return 0;
        if (*ev)
                event_free(*ev);
        *ev = NULL;
        close(fd);
        return -1;
}

/* The connection is up: hand it to the vault and wait for messages. */
static int connected(struct vu_conn *c, int fd)
{
        vu_conn_set_io_timeouts(fd);
        if (arm_read_event(c, &c->conn_ev, fd, vu_conn_on_message) < 0) {
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the connection's read event", iname(c));
                return -1;
        }
        c->conn_fd = fd;
        c->dev.ifc->journal.state = VSW_JOURNAL_EMPTY;
        vu_vault_put(&c->dev, fd, "conn");
        c->dev.ifc->conn_state = VSW_CONN_CONNECTED;
        c->dev.ifc->sock_errno = 0;
        VSW_INFO(VSW_LOG_VHOST_USER, "%s: front end connected on %s", iname(c),
                 c->dev.ifc->socket_path);
        return 0;
}

void vu_conn_schedule_retry(struct vu_conn *c)
{
        uint32_t ms = c->dev.ifc->reconnect_ms ? c->dev.ifc->reconnect_ms : 1000;
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

        c->dev.ifc->conn_state = VSW_CONN_CONNECTING;
        if (!c->retry_ev)
                c->retry_ev = evtimer_new(c->d->base, vu_conn_on_retry, c);
        if (!c->retry_ev || evtimer_add(c->retry_ev, &tv) < 0)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the reconnect timer", iname(c));
}

/* Front end gone (or dropped): clear the device, then listen or retry. */
void vu_conn_disconnect(struct vu_conn *c)
{
        if (c->conn_fd < 0)
                return;
        event_free(c->conn_ev);
        c->conn_ev = NULL;
        vu_dev_reset(&c->dev);
        vu_vault_drop(&c->dev, "conn");
        /* The journal speaks of this connection only. */
        c->dev.ifc->journal.state = VSW_JOURNAL_EMPTY;
        close(c->conn_fd);
        c->conn_fd = -1;
        if (c->dev.ifc->is_server)
                c->dev.ifc->conn_state = VSW_CONN_LISTENING;
        else
                vu_conn_schedule_retry(c);
}

/* Fills m from the socket: the header with its fds, then the payload when
 * the header says it fits. Returns 1 at end of stream before any byte. */
static int read_msg(struct vu_conn *c, struct vu_msg *m)
{
        char cbuf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
        struct iovec iov = {&m->hdr, VHOST_USER_HDR_SIZE};
        struct msghdr mh = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = cbuf,
            .msg_controllen = sizeof(cbuf),
        };
        ssize_t n;

        memset(m, 0, sizeof(*m));
        do
                n = recvmsg(c->conn_fd, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        /* Take the fds first, whatever else went wrong: they are ours to close. */
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                unsigned k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                const int *fds = (const int *)CMSG_DATA(cm);

                for (unsigned i = 0; i < k; i++) {
                        if (m->nfds < VU_MAX_FDS)
                                m->fds[m->nfds++] = fds[i];
                        else {
                                close(fds[i]);
                                m->fds_truncated = 1;
                        }
                }
        }
        if (mh.msg_flags & MSG_CTRUNC)
                m->fds_truncated = 1;
        if (n < 0) {
                c->dev.ifc->sock_errno = errno;
                m->hdr_len = 0;
                if (errno != ECONNRESET)
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: receiving: %s", iname(c), strerror(errno));
                return m->nfds ? 0 : 1;
        }
        m->hdr_len = (uint32_t)n;
        if (n == 0 && m->nfds == 0)
                return 1;
        if (m->hdr_len < VHOST_USER_HDR_SIZE || m->hdr.size > VHOST_USER_PAYLOAD_MAX ||
            m->hdr.size == 0)
                return 0;
        do
                n = recv(c->conn_fd, &m->payload, m->hdr.size, MSG_WAITALL);
        while (n < 0 && errno == EINTR);
        m->len = n > 0 ? (uint32_t)n : 0;
        return 0;
}

int vu_conn_send_reply(struct vu_conn *c, const struct vu_msg *reply)
{
        struct iovec iov[2] = {
            {(void *)&reply->hdr, VHOST_USER_HDR_SIZE},
            {(void *)&reply->payload, reply->hdr.size},
        };
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
        size_t want = VHOST_USER_HDR_SIZE + reply->hdr.size;
        ssize_t n;

        do
                n = sendmsg(c->conn_fd, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)want)
                return 0;
        c->dev.ifc->sock_errno = n < 0 ? errno : EMSGSIZE;
        VSW_ERR(VSW_LOG_VHOST_USER, "%s: sending the reply to %s: %s", iname(c),
                vu_request_name(reply->hdr.request), n < 0 ? strerror(errno) : "short write");
        return -1;
}

void vu_conn_finish(struct vu_conn *c, enum vu_action act, const struct vu_msg *reply)
{
        switch (act) {
        case VU_ACT_REPLY:
                if (vu_conn_send_reply(c, reply) < 0) {
                        vu_conn_disconnect(c);
                        break;
                }
                vu_journal_done(&c->dev.ifc->journal);
                break;
        case VU_ACT_CLOSE:
                VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: dropping the front end after a bad message",
                           iname(c));
                vu_conn_disconnect(c);
                break;
        case VU_ACT_NONE:
                vu_journal_done(&c->dev.ifc->journal);
                break;
        }
}

/* The crash-atomic path (vu_journal.h): m was peeked, not consumed. */
static void handle_journaled(struct vu_conn *c, struct vu_msg *m)
{
        struct vsw_journal *j = &c->dev.ifc->journal;
        struct vu_msg reply;
        size_t size = m->hdr.size;
        enum vu_action act;

        vu_journal_begin(j, m);
        act = vu_msg_handle(&c->dev, m, &reply);
        if (c->dev.replay) {
                /* The rings a predecessor paused for this message are done. */
                vu_release_all(&c->dev);
                c->dev.replay = 0;
        }
        vu_journal_applied(j, act, &reply);
        m->hdr.size = (uint32_t)size;
        if (vu_journal_consume(c->conn_fd, m) < 0) {
                c->dev.ifc->sock_errno = errno;
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: consuming %s: %s", iname(c),
                        vu_request_name(m->hdr.request), strerror(errno));
                vu_conn_disconnect(c);
                return;
        }
        vu_conn_finish(c, act, &reply);
}

void vu_conn_on_message(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;
        struct vu_msg m, reply;

        (void)fd;
        (void)what;
        switch (vu_journal_peek(c->conn_fd, &m)) {
        case VU_PEEK_MSG:
                handle_journaled(c, &m);
                return;
        case VU_PEEK_NOTHING:
                return;
        case VU_PEEK_EOF:
        case VU_PEEK_PLAIN:
                break;
        }
        if (read_msg(c, &m) == 1) {
                VSW_INFO(VSW_LOG_VHOST_USER, "%s: front end disconnected", iname(c));
                vu_conn_disconnect(c);
                return;
        }
        switch (vu_msg_handle(&c->dev, &m, &reply)) {
        case VU_ACT_REPLY:
                if (vu_conn_send_reply(c, &reply) < 0)
                        vu_conn_disconnect(c);
                break;
        case VU_ACT_CLOSE:
                VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: dropping the front end after a bad message",
                           iname(c));
                vu_conn_disconnect(c);
                break;
        case VU_ACT_NONE:
                break;
        }
}

void vu_conn_on_accept(evutil_socket_t lfd, short what, void *arg)
{
        struct vu_conn *c = arg;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

        (void)what;
        if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR) {
                        c->dev.ifc->sock_errno = errno;
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: accept: %s", iname(c), strerror(errno));
                }
                return;
        }
        if (c->conn_fd >= 0) {
                VSW_WARN(VSW_LOG_VHOST_USER,
                         "%s: refusing a second front end on %s: one is connected already",
                         iname(c), c->dev.ifc->socket_path);
                close(fd);
                return;
        }
        connected(c, fd);
}

void vu_conn_on_retry(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;

        (void)fd;
        (void)what;
        if (c->conn_fd < 0 && try_connect(c) < 0)
                vu_conn_schedule_retry(c);
}

static int make_addr(struct sockaddr_un *sa, const char *path)
{
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(sa->sun_path))
                return -1;
        strcpy(sa->sun_path, path);
        return 0;
}

static int try_connect(struct vu_conn *c)
{
        struct sockaddr_un sa;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || make_addr(&sa, c->dev.ifc->socket_path) < 0 ||
            connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;

                /* Quiet while the front end is simply not there yet. */
                if (e != c->dev.ifc->sock_errno)
                        VSW_INFO(VSW_LOG_VHOST_USER, "%s: connecting to %s: %s (retrying)",
                                 iname(c), c->dev.ifc->socket_path, strerror(e));
                c->dev.ifc->sock_errno = e;
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return connected(c, fd);
}

static int fail(char *err, size_t errlen, int fd, const char *what, const char *path)
{
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        if (fd >= 0)
                close(fd);
        return -1;
}

/* Binds the listening socket, replacing a stale socket file (never any
 * other kind of file), and gives it the owner, group and mode asked for so
 * a QEMU run as another user (libvirt-qemu) can connect; without following
 * any link another user may have put in its directory (unix_listen.c). */
int vu_conn_start_server(struct vu_conn *c, char *err, size_t errlen)
{
        struct vsw_iface *ifc = c->dev.ifc;
        const char *path = ifc->socket_path;
        struct sockaddr_un sa;
        int fd;

        if (make_addr(&sa, path) < 0) {
                errno = ENAMETOOLONG;
                return fail(err, errlen, -1, "socket path", path);
        }
        fd = vsw_unix_listen(path, ifc->sock_uid, ifc->sock_gid, ifc->sock_mode, err, errlen);
        if (fd < 0)
                return -1;
        if (arm_read_event(c, &c->listen_ev, fd, vu_conn_on_accept) < 0) {
                snprintf(err, errlen, "cannot arm the accept event for %s", path);
                return -1;
        }
        c->listen_fd = fd;
        vu_vault_put(&c->dev, fd, "listen");
        ifc->conn_state = VSW_CONN_LISTENING;
        return 0;
}

int vu_conn_start(struct vu_conn *c, struct vhostd *d, struct vsw_iface *ifc, char *err,
                  size_t errlen)
{
        memset(c, 0, sizeof(*c));
        c->d = d;
        c->listen_fd = c->conn_fd = -1;
        vu_dev_init(&c->dev, d->st, ifc, d->vault);
        if (ifc->is_server)
                return vu_conn_start_server(c, err, errlen);
        if (try_connect(c) < 0)
                vu_conn_schedule_retry(c);
        return 0;
}

void vu_conn_stop(struct vu_conn *c)
{
        if (!c->d)
                return;
        vu_conn_disconnect(c);
        if (c->retry_ev)
                event_free(c->retry_ev);
        c->retry_ev = NULL;
        if (c->listen_fd >= 0) {
                event_free(c->listen_ev);
                c->listen_ev = NULL;
                vu_vault_drop(&c->dev, "listen");
                close(c->listen_fd);
                c->listen_fd = -1;
                unlink(c->dev.ifc->socket_path);
        }
        vu_dev_reset(&c->dev);
        c->dev.ifc->conn_state = VSW_CONN_IDLE;
        c->d = NULL;
}

static void close_local(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

void vu_conn_detach(struct vu_conn *c)
{
        struct vu_dev *dev = &c->dev;

        if (!c->d)
                return;
        if (c->conn_ev)
                event_free(c->conn_ev);
        if (c->listen_ev)
                event_free(c->listen_ev);
        if (c->retry_ev)
                event_free(c->retry_ev);
        c->conn_ev = c->listen_ev = c->retry_ev = NULL;
        close_local(&c->conn_fd);
        close_local(&c->listen_fd);
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                close_local(&dev->mem_fd[i]);
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                close_local(&dev->kick_fd[q]);
                close_local(&dev->call_fd[q]);
                close_local(&dev->err_fd[q]);
        }
        close_local(&dev->log_fd);
        close_local(&dev->log_notify_fd);
        close_local(&dev->backend_fd);
        c->d = NULL;
}
