/* The crash-atomic message path (control/vhost_user/vu_journal.c) on a
 * real unix stream socket pair: a peek gives the whole message and its own fds (never
 * the next message's, a kernel peek quirk), consuming reads exactly one
 * message, the journal recognises the message at the socket's head, and
 * for each point a vhostd can die at, the journal plus the socket tell a
 * successor what to do. No fd leaks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vu_handlers.h"
#include "vu_journal.h"
#include "unit_check.h"

/* The front end's side: one sendmsg per message, as QEMU and DPDK do. */
static void send_msg(int fd, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
                     const int *fds, unsigned nfds)
{
        char buf[VHOST_USER_HDR_SIZE + VHOST_USER_PAYLOAD_MAX];
        struct vhost_user_header h = {req, flags, size};
        char cbuf[CMSG_SPACE(sizeof(int) * VU_MAX_FDS)] = {0};
        struct iovec iov = {buf, VHOST_USER_HDR_SIZE + size};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), payload, size);
        if (nfds) {
                mh.msg_control = cbuf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
        }
        if (sendmsg(fd, &mh, 0) != (ssize_t)(VHOST_USER_HDR_SIZE + size))
                abort();
}

static void close_msg_fds(struct vu_msg *m)
{
        for (unsigned i = 0; i < m->nfds; i++)
                close(m->fds[i]);
        m->nfds = 0;
}

static void test_peek_and_consume(int fe, int be)
{
        struct vhost_vring_state num = {0, 256};
        uint64_t kick = 1;
        int efd = eventfd(0, 0);
        struct vu_msg m;

        /* SET_VRING_NUM (no fd) right before SET_VRING_KICK (one fd). */
        send_msg(fe, VHOST_USER_SET_VRING_NUM, 1, &num, sizeof(num), NULL, 0);
        send_msg(fe, VHOST_USER_SET_VRING_KICK, 1, &kick, sizeof(kick), &efd, 1);
        close(efd);

        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG, "peek SET_VRING_NUM");
        CHECK(m.hdr.request == VHOST_USER_SET_VRING_NUM && m.len == sizeof(num) &&
                  m.payload.state.num == 256,
              "whole message: request %u len %u", m.hdr.request, m.len);
        CHECK(m.nfds == 0, "no fd of the next message (got %u)", m.nfds);
        close_msg_fds(&m);
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG &&
                  m.hdr.request == VHOST_USER_SET_VRING_NUM,
              "a second peek sees the same message");
        CHECK(vu_journal_consume(be, &m) == 0, "consume SET_VRING_NUM");

        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG, "peek SET_VRING_KICK");
        CHECK(m.hdr.request == VHOST_USER_SET_VRING_KICK && m.nfds == 1,
              "its own fd (request %u, %u fds)", m.hdr.request, m.nfds);
        CHECK(vu_journal_consume(be, &m) == 0, "consume SET_VRING_KICK");
        close_msg_fds(&m);
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_NOTHING, "nothing left");
        CHECK(vu_queued_in(be) == 0, "socket drained");
}

/* A front end that sends its message in parts: nothing is read before it
 * is all there, and the peek says how much is. */
static void test_split_message(int fe, int be)
{
        struct vhost_user_header h = {VHOST_USER_SET_FEATURES, 1, 8};
        struct vu_msg m;
        int queued = -1;

        if (send(fe, &h, 5, 0) != 5)
                abort();
        CHECK(vu_journal_peek(be, &m, &queued) == VU_PEEK_PARTIAL && queued == 5,
              "half a header: partial, 5 bytes queued (got %d)", queued);
        if (send(fe, (char *)&h + 5, sizeof(h) - 5, 0) != (ssize_t)sizeof(h) - 5)
                abort();
        CHECK(vu_journal_peek(be, &m, &queued) == VU_PEEK_PARTIAL && queued == 12,
              "a header without its payload: partial (%d bytes)", queued);
        CHECK(vu_queued_in(be) == 12, "peeking consumed nothing");
        uint64_t f = 0;
        if (send(fe, &f, sizeof(f), 0) != sizeof(f))
                abort();
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG, "once whole, it can be peeked");
        CHECK(vu_journal_consume(be, &m) == 0, "and consumed");
}

/* fds with each of two pieces of one message: no peek returns it whole, so
 * it is refused once all its bytes are there (never read in parts). */
static void test_fds_in_pieces(int fe, int be)
{
        struct vhost_user_header h = {VHOST_USER_SET_VRING_KICK, 1, 8};
        uint64_t idx = 0;
        int a = eventfd(0, 0), b = eventfd(0, 0), before = t_count_fds();
        struct vu_msg m;

        send_msg(fe, h.request, h.flags, NULL, 0, &a, 1); /* the header, size 0 */
        /* A 12-byte header that says 8 more bytes follow, then those. */
        char raw[12];
        memcpy(raw, &h, 12);
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG && m.nfds == 1 && m.hdr.size == 0,
              "a header-only message with its fd");
        close_msg_fds(&m);
        CHECK(vu_journal_consume(be, &m) == 0, "consumed");

        struct iovec iov = {raw, 12};
        char cbuf[CMSG_SPACE(sizeof(int))] = {0};
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &a, sizeof(int));
        if (sendmsg(fe, &mh, 0) != 12)
                abort();
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_PARTIAL, "header with an fd, no payload");
        iov.iov_base = &idx;
        iov.iov_len = 8;
        memcpy(CMSG_DATA(cm), &b, sizeof(int));
        if (sendmsg(fe, &mh, 0) != 8)
                abort();
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_SPLIT, "payload with another fd: split");
        CHECK(t_count_fds() == before, "the peeks' fds are closed (%d, was %d)", t_count_fds(),
              before);
        char drain[20];
        CHECK(recv(be, drain, sizeof(drain), 0) == 12 && recv(be, drain, sizeof(drain), 0) == 8,
              "drain (the kernel closes fds a plain recv does not take)");
        close(a);
        close(b);

        h.size = 4096;
        if (send(fe, &h, sizeof(h), 0) != sizeof(h))
                abort();
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_BAD && m.hdr.size == 4096,
              "a size no payload has: bad at once, without waiting for 4096 bytes");
        CHECK(recv(be, drain, sizeof(drain), 0) == 12, "drain");
}

/* Where a vhostd can die, and what its successor finds. */
static void test_crash_points(int fe, int be)
{
        struct vsw_journal j;
        struct vu_msg m, reply, again;
        struct vhost_vring_state base = {1, 0};

        memset(&j, 0, sizeof(j));
        send_msg(fe, VHOST_USER_GET_VRING_BASE, 1, &base, sizeof(base), NULL, 0);
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG, "peek GET_VRING_BASE");

        /* Died while applying: the message is still at the head. */
        vu_journal_begin(&j, &m);
        CHECK(j.state == VSW_JOURNAL_APPLYING && vu_journal_at_head(&j, be) == 1,
              "APPLYING: the message is at the head, apply it again");

        /* Died after applying, before consuming: at head, reply journaled. */
        memset(&reply, 0, sizeof(reply));
        reply.hdr.request = VHOST_USER_GET_VRING_BASE;
        reply.hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
        reply.hdr.size = sizeof(struct vhost_vring_state);
        reply.payload.state.index = 1;
        reply.payload.state.num = 4242;
        vu_journal_applied(&j, VU_ACT_REPLY, &reply);
        CHECK(j.state == VSW_JOURNAL_APPLIED && j.action == VSW_JOURNAL_REPLY &&
                  vu_journal_at_head(&j, be) == 1,
              "APPLIED, not consumed: still at the head");

        /* Died after consuming, before replying: not at head, nothing
         * queued either way: the successor sends the journaled reply. */
        CHECK(vu_journal_consume(be, &m) == 0, "consume");
        CHECK(vu_journal_at_head(&j, be) == 0 && vu_queued_in(be) == 0 && vu_queued_out(be) == 0,
              "APPLIED, consumed: not at the head, no reply queued");
        vu_journal_reply(&j, &again);
        CHECK(again.hdr.request == VHOST_USER_GET_VRING_BASE && again.hdr.size == 8 &&
                  again.payload.state.num == 4242,
              "the journaled reply is the one computed (same value, never recomputed)");

        /* Died after sending, before marking done: our bytes are queued to
         * the front end, so the successor does not send them twice. */
        struct iovec iov[2] = {{&again.hdr, VHOST_USER_HDR_SIZE}, {&again.payload, 8}};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
        CHECK(sendmsg(be, &mh, 0) == 20, "reply sent");
        CHECK(vu_queued_out(be) > 0, "APPLIED, sent, unread: the successor sees it queued");
        char buf[20];
        CHECK(recv(fe, buf, sizeof(buf), 0) == 20, "front end reads the reply");
        /* Once read, the front end's next message shows it moved on. */
        uint64_t zero = 0;
        send_msg(fe, VHOST_USER_SET_FEATURES, 1, &zero, sizeof(zero), NULL, 0);
        CHECK(vu_journal_at_head(&j, be) == 0 && vu_queued_in(be) > 0,
              "APPLIED, sent, read: a different message is at the head");
        vu_journal_done(&j);
        CHECK(j.state == VSW_JOURNAL_DONE, "DONE");
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG && vu_journal_consume(be, &m) == 0,
              "drain");

        /* Same request, other payload: not the journaled message. */
        struct vhost_vring_state other = {0, 0};
        vu_journal_begin(
            &j, &(struct vu_msg){.hdr = {VHOST_USER_GET_VRING_BASE, 1, 8}, .payload.state = base});
        send_msg(fe, VHOST_USER_GET_VRING_BASE, 1, &other, sizeof(other), NULL, 0);
        CHECK(vu_journal_at_head(&j, be) == 0, "a different payload is a different message");
        CHECK(vu_journal_peek(be, &m, NULL) == VU_PEEK_MSG && vu_journal_consume(be, &m) == 0,
              "drain");

        close(fe);
        CHECK(vu_journal_at_head(&j, be) == -1, "front end gone: -1");
}

int main(void)
{
        int sp[2];
        int before = t_count_fds();

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) < 0)
                return 1;
        test_peek_and_consume(sp[0], sp[1]);
        test_split_message(sp[0], sp[1]);
        test_fds_in_pieces(sp[0], sp[1]);
        test_crash_points(sp[0], sp[1]);
        close(sp[1]);
        CHECK(t_count_fds() == before, "no fd leaked (%d, was %d)", t_count_fds(), before);
        return t_report();
}
