/* shared/scm_rights.c: fds beyond what a receiver takes are closed, not
 * leaked (the vault's client and server once kept the first few and lost
 * the rest), and an attached fd arrives as a working duplicate. */
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scm_rights.h"
#include "unit_check.h"

#define SENT 6

static void send_fds(int sock, const int *fds, unsigned n)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * SENT)];
                struct cmsghdr align;
        } ctl;
        char byte = 'x';
        struct iovec iov = {&byte, 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        struct cmsghdr *c;

        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
        CHECK(sendmsg(sock, &msg, 0) == 1, "sendmsg of %u fds", n);
}

static unsigned receive(int sock, int *fds, unsigned max, unsigned *closed)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * SENT)];
                struct cmsghdr align;
        } ctl;
        char byte;
        struct iovec iov = {&byte, 1};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = ctl.buf,
            .msg_controllen = sizeof(ctl.buf),
        };

        CHECK(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) == 1, "recvmsg");
        return vsw_scm_take_fds(&msg, fds, max, closed);
}

static void extras_are_closed(int sv[2])
{
        int sent[SENT], got[4];
        unsigned closed = 99, n;
        int before;

        for (unsigned i = 0; i < SENT; i++)
                sent[i] = eventfd(0, EFD_CLOEXEC);
        before = t_count_fds();
        send_fds(sv[0], sent, SENT);
        n = receive(sv[1], got, 4, &closed);
        CHECK(n == 4 && closed == SENT - 4, "kept %u, closed %u of %d", n, closed, SENT);
        CHECK(t_count_fds() == before + 4, "only the kept fds are open (%d, was %d)", t_count_fds(),
              before);
        for (unsigned i = 0; i < n; i++)
                close(got[i]);
        for (unsigned i = 0; i < SENT; i++)
                close(sent[i]);
}

static void none_kept(int sv[2])
{
        int sent[2] = {eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC)};
        int before = t_count_fds();
        unsigned closed = 0;

        send_fds(sv[0], sent, 2);
        CHECK(receive(sv[1], NULL, 0, &closed) == 0 && closed == 2, "max 0 closes them all");
        CHECK(t_count_fds() == before, "nothing left open");
        close(sent[0]);
        close(sent[1]);
}

static void attach_one(int sv[2])
{
        int efd = eventfd(0, EFD_CLOEXEC), got = -1;
        union vsw_scm_one ctl;
        char byte = 'y';
        struct iovec iov = {&byte, 1};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        uint64_t v = 7;
        unsigned closed = 99;

        vsw_scm_attach_fd(&msg, &ctl, efd);
        CHECK(sendmsg(sv[0], &msg, 0) == 1, "sendmsg with one attached fd");
        CHECK(receive(sv[1], &got, 1, &closed) == 1 && closed == 0, "one fd arrives");
        CHECK(write(got, &v, sizeof(v)) == sizeof(v) && read(efd, &v, sizeof(v)) == sizeof(v) &&
                  v == 7,
              "the duplicate is the same eventfd");
        close(got);
        close(efd);
}

int main(void)
{
        int sv[2];

        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
        extras_are_closed(sv);
        none_kept(sv);
        attach_one(sv);
        close(sv[0]);
        close(sv[1]);
        return t_report();
}
