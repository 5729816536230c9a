#include "rpc_client.h"

#include <errno.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CTL_IO_TIMEOUT_MS   5000
#define CTL_RETRY_WINDOW_MS 2000
#define CTL_RETRY_STEP_MS   100
#define IPC_PREFIX          "ipc://"

/* Whether a unix socket listens at path: 0, or the connect errno. */
static int probe_ipc(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd, rc = 0;

        if (strlen(path) >= sizeof(sa.sun_path))
                return ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                rc = errno;
        close(fd);
        return rc;
}

/* nanomsg connects in the background and would only report a missing
 * listener as a send timeout; for ipc:// find out directly, and wait out
 * the moment of a control-plane restart when the socket is briefly gone. */
static int wait_for_ipc(const char *endpoint, char *err, size_t errlen)
{
        const char *path = endpoint + strlen(IPC_PREFIX);
        const struct timespec step = {0, CTL_RETRY_STEP_MS * 1000000L};
        int rc = 0;

        for (int waited = 0; waited <= CTL_RETRY_WINDOW_MS; waited += CTL_RETRY_STEP_MS) {
                rc = probe_ipc(path);
                if (rc == 0)
                        return 0;
                if (rc != ENOENT && rc != ECONNREFUSED)
                        break;
                nanosleep(&step, NULL);
        }
        snprintf(err, errlen, "cannot connect to %s: %s%s", endpoint, strerror(rc),
                 rc == ENOENT || rc == ECONNREFUSED ? " (is vhostsw running?)" : "");
        return -1;
}

int vsw_rpc_exchange(const char *endpoint, const void *req, size_t len, void **rep, size_t *replen,
                     char *err, size_t errlen)
{
        int timeout = CTL_IO_TIMEOUT_MS, unlimited = -1;
        int s, n;

        if (!strncmp(endpoint, IPC_PREFIX, strlen(IPC_PREFIX)) &&
            wait_for_ipc(endpoint, err, errlen))
                return -1;
        s = nn_socket(AF_SP, NN_REQ);
        if (s < 0) {
                snprintf(err, errlen, "nanomsg socket: %s", nn_strerror(nn_errno()));
                return -1;
        }
        if (nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout, sizeof(timeout)) < 0 ||
            nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout, sizeof(timeout)) < 0 ||
            nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof(unlimited)) < 0) {
                snprintf(err, errlen, "nanomsg socket options: %s", nn_strerror(nn_errno()));
                goto fail;
        }
        if (nn_connect(s, endpoint) < 0) {
                snprintf(err, errlen, "bad endpoint '%s': %s", endpoint, nn_strerror(nn_errno()));
                goto fail;
        }
        /* The REQ socket itself reconnects and resends if the endpoint moves
         * while we wait, so one send and one receive cover a restart. */
        if (nn_send(s, req, len, 0) < 0) {
                snprintf(err, errlen, "cannot send to %s: %s", endpoint, nn_strerror(nn_errno()));
                goto fail;
        }
        n = nn_recv(s, rep, NN_MSG, 0);
        if (n < 0) {
                snprintf(err, errlen, "no reply from %s: %s", endpoint, nn_strerror(nn_errno()));
                goto fail;
        }
        *replen = (size_t)n;
        nn_close(s);
        return 0;
fail:
        nn_close(s);
        return -1;
}

int vsw_rpc_call(const char *endpoint, const Vsw__Request *req, Vsw__Reply **rep, char *err,
                 size_t errlen)
{
        size_t len = vsw__request__get_packed_size(req), replen;
        uint8_t *buf = malloc(len ? len : 1);
        void *in;

        if (!buf) {
                snprintf(err, errlen, "out of memory");
                return -1;
        }
        vsw__request__pack(req, buf);
        if (vsw_rpc_exchange(endpoint, buf, len, &in, &replen, err, errlen)) {
                free(buf);
                return -1;
        }
        free(buf);
        *rep = vsw__reply__unpack(NULL, replen, in);
        nn_freemsg(in);
        if (!*rep) {
                snprintf(err, errlen, "malformed reply from %s", endpoint);
                return -1;
        }
        return 0;
}
