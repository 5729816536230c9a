#include "vu_conn_frame.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "vu_handlers.h"
#include "vu_journal.h"

static const char *iname(const struct vu_frame *f)
{
        return f->dev->ifc->name;
}

void vu_frame_init(struct vu_frame *f, struct vu_dev *dev, int fd)
{
        memset(f, 0, sizeof(*f));
        f->fd = fd;
        f->dev = dev;
}

/* Tests only: has the process "died" at this point of the journal's steps? */
static int killed(struct vu_frame *f)
{
        return f->kill_at && --f->kill_at == 0;
}

static void close_fds(struct vu_msg *m)
{
        for (unsigned i = 0; i < m->nfds; i++)
                if (m->fds[i] >= 0)
                        close(m->fds[i]);
        m->nfds = 0;
}

enum vu_step vu_frame_flush(struct vu_frame *f)
{
        while (f->out_off < f->out_len) {
                ssize_t n = send(f->fd, f->out + f->out_off, f->out_len - f->out_off,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return VU_STEP_WRITING;
                if (n <= 0) {
                        f->dev->ifc->sock_errno = n < 0 ? errno : EPIPE;
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: sending a reply: %s", iname(f),
                                strerror(f->dev->ifc->sock_errno));
                        return VU_STEP_HANG_UP;
                }
                f->out_off += (uint32_t)n;
        }
        if (f->out_len && killed(f))
                return VU_STEP_KILLED;
        f->out_len = f->out_off = 0;
        vu_journal_done(&f->dev->ifc->journal);
        return VU_STEP_DONE;
}

/* What a handled message asks for, its journal entry written. */
static enum vu_step finish(struct vu_frame *f, enum vu_action act, const struct vu_msg *reply)
{
        switch (act) {
        case VU_ACT_REPLY:
                memcpy(f->out, &reply->hdr, VHOST_USER_HDR_SIZE);
                memcpy(f->out + VHOST_USER_HDR_SIZE, &reply->payload, reply->hdr.size);
                f->out_len = (uint32_t)(VHOST_USER_HDR_SIZE + reply->hdr.size);
                f->out_off = 0;
                return vu_frame_flush(f);
        case VU_ACT_CLOSE:
                VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: dropping the front end after a bad message",
                           iname(f));
                return VU_STEP_HANG_UP;
        case VU_ACT_NONE:
        case VU_ACT_AGAIN:
                break;
        }
        vu_journal_done(&f->dev->ifc->journal);
        return VU_STEP_DONE;
}

/* The crash-atomic path (vu_journal.h): m was peeked, not consumed. */
static enum vu_step handle(struct vu_frame *f, struct vu_msg *m)
{
        struct vsw_journal *j = &f->dev->ifc->journal;
        struct vu_msg reply;
        size_t size = m->hdr.size;
        enum vu_action act;

        vu_journal_begin(j, m);
        if (killed(f)) {
                close_fds(m);
                return VU_STEP_KILLED;
        }
        act = vu_msg_handle(f->dev, m, &reply);
        /* Nothing applied: the message stays at the head, the journal says
         * APPLYING, and the next try (or a successor) applies it. */
        if (act == VU_ACT_AGAIN)
                return VU_STEP_PAUSING;
        if (killed(f))
                return VU_STEP_KILLED;
        if (f->dev->replay) {
                /* The rings a predecessor paused for this message are done. */
                vu_release_all(f->dev);
                f->dev->replay = 0;
        }
        vu_journal_applied(j, act, &reply);
        if (killed(f))
                return VU_STEP_KILLED;
        m->hdr.size = (uint32_t)size;
        if (vu_journal_consume(f->fd, m) < 0) {
                f->dev->ifc->sock_errno = errno;
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: consuming %s: %s", iname(f),
                        vu_request_name(m->hdr.request), strerror(errno));
                return VU_STEP_HANG_UP;
        }
        if (killed(f))
                return VU_STEP_KILLED;
        return finish(f, act, &reply);
}

enum vu_step vu_frame_read(struct vu_frame *f)
{
        struct vu_msg m, reply;

        if (f->out_len)
                return VU_STEP_WRITING;
        switch (vu_journal_peek(f->fd, &m, NULL)) {
        case VU_PEEK_MSG:
                return handle(f, &m);
        case VU_PEEK_NOTHING:
                return VU_STEP_IDLE;
        case VU_PEEK_EOF:
                return VU_STEP_EOF;
        case VU_PEEK_PARTIAL:
                return VU_STEP_PARTIAL;
        case VU_PEEK_BAD:
                /* Validation names what is wrong with the header. */
                vu_msg_handle(f->dev, &m, &reply);
                return VU_STEP_HANG_UP;
        case VU_PEEK_SPLIT:
                VSW_ERR(VSW_LOG_VHOST_USER,
                        "%s: a message came in pieces that each carry fds: a message and "
                        "its fds must be sent together",
                        iname(f));
                return VU_STEP_HANG_UP;
        case VU_PEEK_ERROR:
                break;
        }
        f->dev->ifc->sock_errno = errno;
        if (errno != ECONNRESET)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: receiving: %s", iname(f), strerror(errno));
        return VU_STEP_EOF;
}

enum vu_step vu_frame_settle(struct vu_frame *f)
{
        struct vsw_iface *ifc = f->dev->ifc;
        struct vsw_journal *j = &ifc->journal;
        const char *name = vu_request_name(j->request);
        struct vu_msg m, reply;
        int head;

        if (j->state != VSW_JOURNAL_APPLYING && j->state != VSW_JOURNAL_APPLIED)
                return VU_STEP_IDLE;
        if (!name)
                name = "a request";
        head = vu_journal_at_head(j, f->fd);
        if (j->state == VSW_JOURNAL_APPLYING) {
                if (head == 1) {
                        /* Still unconsumed: the first read applies it again,
                         * and releases the rings the predecessor paused. */
                        VSW_NOTICE(VSW_LOG_VHOST_USER,
                                   "%s: the previous vhostd died applying %s: applying it again",
                                   ifc->name, name);
                        f->dev->replay = 1;
                        return VU_STEP_IDLE;
                }
                VSW_ERR(VSW_LOG_VHOST_USER,
                        "%s: the previous vhostd died applying %s and the message is gone: "
                        "dropping the front end so that it starts afresh",
                        ifc->name, name);
                return VU_STEP_HANG_UP;
        }
        vu_journal_reply(j, &reply);
        if (head == 1) {
                /* Applied, not consumed: consume it, answer from the journal. */
                VSW_NOTICE(VSW_LOG_VHOST_USER,
                           "%s: the previous vhostd applied %s but did not consume it: "
                           "consuming it and sending the journaled reply",
                           ifc->name, name);
                if (vu_journal_peek(f->fd, &m, NULL) != VU_PEEK_MSG) {
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: peeking %s again failed", ifc->name, name);
                        return VU_STEP_HANG_UP;
                }
                close_fds(&m);
                if (vu_journal_consume(f->fd, &m) < 0) {
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: consuming %s: %s", ifc->name, name,
                                strerror(errno));
                        return VU_STEP_HANG_UP;
                }
        } else if (j->action == VSW_JOURNAL_REPLY &&
                   (vu_queued_in(f->fd) > 0 || vu_queued_out(f->fd) > 0)) {
                /* A front end sends nothing new before it has the reply it
                 * waits for, and bytes we sent are still queued to it: the
                 * reply went out. */
                VSW_INFO(VSW_LOG_VHOST_USER, "%s: the reply to %s had been sent", ifc->name, name);
                vu_journal_done(j);
                return VU_STEP_IDLE;
        } else if (j->action == VSW_JOURNAL_REPLY) {
                VSW_NOTICE(VSW_LOG_VHOST_USER,
                           "%s: the previous vhostd died before answering %s: sending the "
                           "journaled reply",
                           ifc->name, name);
        }
        return finish(f,
                      j->action == VSW_JOURNAL_REPLY     ? VU_ACT_REPLY
                      : j->action == VSW_JOURNAL_HANG_UP ? VU_ACT_CLOSE
                                                         : VU_ACT_NONE,
                      &reply);
}
