#include "scm_rights.h"

#include <string.h>
#include <unistd.h>

void vsw_scm_attach_fd(struct msghdr *msg, union vsw_scm_one *ctl, int fd)
{
        struct cmsghdr *c;

        if (fd < 0)
                return;
        memset(ctl, 0, sizeof(*ctl));
        msg->msg_control = ctl->buf;
        msg->msg_controllen = sizeof(ctl->buf);
        c = CMSG_FIRSTHDR(msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
}

unsigned vsw_scm_take_fds(struct msghdr *msg, int *fds, unsigned max, unsigned *closed)
{
        unsigned kept = 0, dropped = 0;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                for (size_t i = 0; i < k; i++) {
                        int fd;

                        /* CMSG_DATA need not be int-aligned. */
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (kept < max) {
                                fds[kept++] = fd;
                        } else {
                                close(fd);
                                dropped++;
                        }
                }
        }
        if (closed)
                *closed = dropped;
        return kept;
}
