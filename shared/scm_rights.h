/* fds passed over unix sockets as SCM_RIGHTS, the one place the switch
 * builds or walks their control messages: the vault's client and server
 * (one fd a message) and vhostd's vhost-user framing (up to 8 a message,
 * peeked as fresh duplicates each time). */
#ifndef VSW_SCM_RIGHTS_H
#define VSW_SCM_RIGHTS_H

#include <sys/socket.h>

/* Room for one fd's control message, aligned as a cmsghdr must be. */
union vsw_scm_one {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
};

/* Attaches fd to msg, its control message held in ctl (which must live
 * until the sendmsg); fd < 0 attaches nothing. */
void vsw_scm_attach_fd(struct msghdr *msg, union vsw_scm_one *ctl, int fd);

/* Takes the fds a recvmsg delivered in msg's control messages: the first
 * max into fds, in order; every other one is closed, never leaked. Returns
 * how many it kept and, in *closed (unless NULL), how many it closed. */
unsigned vsw_scm_take_fds(struct msghdr *msg, int *fds, unsigned max, unsigned *closed);

#endif
