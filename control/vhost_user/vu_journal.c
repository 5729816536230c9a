#include "vu_journal.h"

#include <errno.h>
#include <linux/sockios.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scm_rights.h"

#define MSG_MAX (VHOST_USER_HDR_SIZE + VHOST_USER_PAYLOAD_MAX + 1)

static uint64_t fnv1a(const void *p, size_t len)
{
        const uint8_t *b = p;
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < len; i++) {
                h ^= b[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static void close_fds(struct vu_msg *m)
{
        for (unsigned i = 0; i < m->nfds; i++)
                if (m->fds[i] >= 0)
                        close(m->fds[i]);
        m->nfds = 0;
}

/* Collects the fds of mh into m (closing any beyond VU_MAX_FDS). */
static void take_fds(struct msghdr *mh, struct vu_msg *m)
{
        unsigned extra;

        m->nfds = vsw_scm_take_fds(mh, m->fds, VU_MAX_FDS, &extra);
        if (extra)
                m->fds_truncated = 1;
}

/* Not all here yet, or here but not peekable whole: the queue tells. */
static enum vu_peek short_peek(int fd, size_t want, int *queued)
{
        int n = vu_queued_in(fd);

        if (n < 0)
                return VU_PEEK_ERROR;
        if ((size_t)n >= want)
                return VU_PEEK_SPLIT;
        if (queued)
                *queued = n;
        return VU_PEEK_PARTIAL;
}

enum vu_peek vu_journal_peek(int fd, struct vu_msg *m, int *queued)
{
        struct vhost_user_header hdr;
        char buf[MSG_MAX];
        char cbuf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];
        ssize_t n;

        memset(m, 0, sizeof(*m));
        /* No control buffer: the kernel drops the fds this peek duplicated. */
        do
                n = recv(fd, &hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                return VU_PEEK_EOF;
        if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK ? VU_PEEK_NOTHING : VU_PEEK_ERROR;
        /* A peek stops after a piece that carries fds. */
        if ((size_t)n < sizeof(hdr))
                return short_peek(fd, sizeof(hdr), queued);
        if (hdr.size > VHOST_USER_PAYLOAD_MAX) {
                m->hdr = hdr;
                m->hdr_len = VHOST_USER_HDR_SIZE;
                return VU_PEEK_BAD;
        }

        /* One byte more than the message: a peek that ends inside a segment
         * without fds goes on to the next one and takes its fds too, so
         * getting that byte means the fds were the next message's. */
        size_t want = VHOST_USER_HDR_SIZE + hdr.size;
        struct iovec iov = {buf, want + 1};
        struct msghdr mh = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = cbuf,
            .msg_controllen = sizeof(cbuf),
        };

        do
                n = recvmsg(fd, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EAGAIN || errno == EWOULDBLOCK ? short_peek(fd, want, queued)
                                                               : VU_PEEK_ERROR;
        take_fds(&mh, m);
        if (mh.msg_flags & MSG_CTRUNC)
                m->fds_truncated = 1;
        if ((size_t)n > want) {
                close_fds(m);
                m->fds_truncated = 0;
        }
        if ((size_t)n < want) {
                close_fds(m);
                return short_peek(fd, want, queued);
        }
        memcpy(&m->hdr, buf, VHOST_USER_HDR_SIZE);
        memcpy(&m->payload, buf + VHOST_USER_HDR_SIZE, hdr.size);
        m->hdr_len = VHOST_USER_HDR_SIZE;
        m->len = hdr.size;
        return VU_PEEK_MSG;
}

static int same_message(const struct vsw_journal *j, const struct vu_msg *m)
{
        return j->request == m->hdr.request && j->hdr_flags == m->hdr.flags &&
               j->size == m->hdr.size && j->nfds == m->nfds &&
               j->payload_hash == fnv1a(&m->payload, m->hdr.size);
}

int vu_journal_at_head(const struct vsw_journal *j, int fd)
{
        struct vu_msg m;
        int same;

        switch (vu_journal_peek(fd, &m, NULL)) {
        case VU_PEEK_MSG:
                same = same_message(j, &m);
                close_fds(&m);
                return same;
        case VU_PEEK_EOF:
                return -1;
        default:
                return 0;
        }
}

/* The journal is read by a successor after this process died: each step's
 * stores must be in memory before the state that announces them. */
static void set_state(struct vsw_journal *j, uint32_t state)
{
        atomic_thread_fence(memory_order_release);
        j->state = state;
        atomic_thread_fence(memory_order_release);
}

void vu_journal_begin(struct vsw_journal *j, const struct vu_msg *m)
{
        j->action = VSW_JOURNAL_NOTHING;
        j->request = m->hdr.request;
        j->hdr_flags = m->hdr.flags;
        j->size = m->hdr.size;
        j->nfds = m->nfds;
        j->payload_hash = fnv1a(&m->payload, m->hdr.size);
        j->reply_len = 0;
        j->seq++;
        set_state(j, VSW_JOURNAL_APPLYING);
}

void vu_journal_applied(struct vsw_journal *j, enum vu_action act, const struct vu_msg *reply)
{
        size_t len = VHOST_USER_HDR_SIZE + reply->hdr.size;

        j->action = VSW_JOURNAL_NOTHING;
        j->reply_len = 0;
        if (act == VU_ACT_CLOSE) {
                j->action = VSW_JOURNAL_HANG_UP;
        } else if (act == VU_ACT_REPLY && len <= sizeof(j->reply)) {
                /* Every reply is a header and at most a u64 or a vring state. */
                memcpy(j->reply, &reply->hdr, VHOST_USER_HDR_SIZE);
                memcpy(j->reply + VHOST_USER_HDR_SIZE, &reply->payload, reply->hdr.size);
                j->reply_len = (uint32_t)len;
                j->action = VSW_JOURNAL_REPLY;
        }
        set_state(j, VSW_JOURNAL_APPLIED);
}

int vu_journal_consume(int fd, const struct vu_msg *m)
{
        size_t want = VHOST_USER_HDR_SIZE + m->hdr.size, got = 0;
        char buf[MSG_MAX];
        char cbuf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)];

        while (got < want) {
                struct iovec iov = {buf, want - got};
                struct msghdr mh = {
                    .msg_iov = &iov,
                    .msg_iovlen = 1,
                    .msg_control = cbuf,
                    .msg_controllen = sizeof(cbuf),
                };
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                vsw_scm_take_fds(&mh, NULL, 0, NULL);
                if (n == 0) {
                        errno = ECONNRESET;
                        return -1;
                }
                got += (size_t)n;
        }
        return 0;
}

void vu_journal_done(struct vsw_journal *j)
{
        set_state(j, VSW_JOURNAL_DONE);
}

void vu_journal_reply(const struct vsw_journal *j, struct vu_msg *reply)
{
        memset(reply, 0, sizeof(*reply));
        if (j->reply_len < VHOST_USER_HDR_SIZE || j->reply_len > sizeof(j->reply))
                return;
        memcpy(&reply->hdr, j->reply, VHOST_USER_HDR_SIZE);
        reply->hdr.size = j->reply_len - VHOST_USER_HDR_SIZE;
        memcpy(&reply->payload, j->reply + VHOST_USER_HDR_SIZE, reply->hdr.size);
        reply->len = reply->hdr.size;
}

int vu_queued_in(int fd)
{
        int n;

        return ioctl(fd, SIOCINQ, &n) < 0 ? -1 : n;
}

int vu_queued_out(int fd)
{
        int n;

        return ioctl(fd, SIOCOUTQ, &n) < 0 ? -1 : n;
}
