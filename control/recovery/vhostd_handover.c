#include "vhostd_handover.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "handover.h"
#include "log.h"

int vhostd_handover_wait(int fd)
{
        char b = VSW_HANDOVER_READY;
        ssize_t n;

        do
                n = write(fd, &b, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1) {
                VSW_ERR(VSW_LOG_GENERAL, "handover: saying ready: %s",
                        n < 0 ? strerror(errno) : "short write");
                close(fd);
                return -1;
        }
        do
                n = read(fd, &b, 1);
        while (n < 0 && errno == EINTR);
        close(fd);
        if (n == 1 && b == VSW_HANDOVER_GO)
                return 0;
        VSW_NOTICE(VSW_LOG_GENERAL, "handover: the supervisor called it off (%s)",
                   n < 0    ? strerror(errno)
                   : n == 0 ? "channel closed"
                            : "unexpected byte");
        return -1;
}
