/* The one fd a vault request or reply carries, as SCM_RIGHTS: what the
 * client (vault_client.c) and the server (vault_server.c) both send. */
#ifndef VSW_VAULT_SCM_H
#define VSW_VAULT_SCM_H

#include <string.h>
#include <sys/socket.h>

/* Room for one fd's control message, aligned as a cmsghdr must be. */
union vsw_vault_cmsg {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
};

/* Attaches fd to msg, its control message held in ctl (which must live
 * until the sendmsg); fd < 0 attaches nothing. */
static inline void vsw_vault_attach_fd(struct msghdr *msg, union vsw_vault_cmsg *ctl, int fd)
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

#endif
