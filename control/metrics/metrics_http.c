#include "metrics_http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listen_addr.h"
#include "log.h"
#include "metrics_format.h"
#include "vault.h"
#include "vault_keys.h"
#include "vhostd.h"

/* A scraper sends one small GET: anything bigger is not one. */
#define MAX_HEADERS_SIZE 8192
#define TIMEOUT_S        10

static uint64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The fd listens on exactly this address. */
static int listens_on(int fd, const struct sockaddr_storage *want, socklen_t want_len)
{
        struct sockaddr_storage have;
        socklen_t len = sizeof(have);
        int on = 0;
        socklen_t onlen = sizeof(on);

        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &onlen) < 0 || !on ||
            getsockname(fd, (struct sockaddr *)&have, &len) < 0 || len != want_len)
                return 0;
        if (want->ss_family == AF_INET) {
                const struct sockaddr_in *a = (const void *)&have, *b = (const void *)want;

                return a->sin_family == AF_INET && a->sin_port == b->sin_port &&
                       a->sin_addr.s_addr == b->sin_addr.s_addr;
        }
        const struct sockaddr_in6 *a = (const void *)&have, *b = (const void *)want;

        return a->sin6_family == AF_INET6 && a->sin6_port == b->sin6_port &&
               memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

static int make_listener(const char *text, const struct sockaddr_storage *ss, socklen_t len)
{
        int one = 1;
        int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0) {
                VSW_ERR(VSW_LOG_GENERAL, "metrics: socket: %s", strerror(errno));
                return -1;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 64) < 0) {
                VSW_ERR(VSW_LOG_GENERAL, "metrics: cannot listen on %s: %s", text, strerror(errno));
                close(fd);
                return -1;
        }
        return fd;
}

int vhostd_metrics_adopt(struct vhostd *d)
{
        const char *key = vsw_global_key(VSW_GKEY_METRICS_LISTEN);
        const char *text = d->cfg.metrics_listen;
        struct sockaddr_storage ss;
        socklen_t len;
        int fd = d->vault >= 0 ? vsw_vault_fetch(d->vault, key) : -ENOENT;
        int rc;

        d->metrics_fd = -1;
        if (fd >= 0 &&
            (!text[0] || vsw_listen_addr_parse(text, &ss, &len) < 0 || !listens_on(fd, &ss, len))) {
                VSW_NOTICE(VSW_LOG_GENERAL, "metrics: the vault's socket is not %s%s: closing it",
                           text[0] ? "on " : "configured", text);
                close(fd);
                rc = vsw_vault_withdraw(d->vault, key);
                if (rc < 0)
                        VSW_WARN(VSW_LOG_VAULT, "vault: withdrawing %s: %s", key, strerror(-rc));
                fd = -ENOENT;
        }
        if (!text[0])
                return 0;
        if (fd >= 0) {
                d->metrics_fd = fd;
                return 0;
        }
        if (vsw_listen_addr_parse(text, &ss, &len) < 0) {
                VSW_ERR(VSW_LOG_GENERAL, "metrics: bad listen address %s", text);
                return -1;
        }
        fd = make_listener(text, &ss, len);
        if (fd < 0)
                return -1;
        if (d->vault >= 0 && (rc = vsw_vault_deposit(d->vault, key, fd)) < 0)
                VSW_WARN(VSW_LOG_VAULT,
                         "vault: depositing %s: %s; the metrics port will close with this vhostd",
                         key, strerror(-rc));
        d->metrics_fd = fd;
        VSW_NOTICE(VSW_LOG_GENERAL, "metrics: listening on %s", text);
        return 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
        struct vhostd *d = arg;
        const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
        const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
        struct evbuffer *body = evbuffer_new();

        if (!body) {
                evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
                return;
        }
        if (!path || strcmp(path, "/metrics") != 0) {
                evbuffer_add_printf(body, "vhostsw serves /metrics only\n");
                evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", body);
        } else if (vsw_metrics_format(d->st, mono_ns(), body) < 0) {
                evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
        } else {
                struct evkeyvalq *h = evhttp_request_get_output_headers(req);

                if (evhttp_add_header(h, "Content-Type", VSW_METRICS_CONTENT_TYPE) < 0)
                        evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
                else
                        evhttp_send_reply(req, HTTP_OK, "OK", body);
        }
        evbuffer_free(body);
}

int vhostd_metrics_start(struct vhostd *d)
{
        if (d->metrics_fd < 0)
                return 0;
        d->metrics_http = evhttp_new(d->base);
        if (!d->metrics_http) {
                VSW_ERR(VSW_LOG_GENERAL, "metrics: cannot create the HTTP server");
                return -1;
        }
        evhttp_set_allowed_methods(d->metrics_http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
        evhttp_set_max_headers_size(d->metrics_http, MAX_HEADERS_SIZE);
        evhttp_set_max_body_size(d->metrics_http, 0);
        evhttp_set_timeout(d->metrics_http, TIMEOUT_S);
        evhttp_set_gencb(d->metrics_http, on_request, d);
        d->metrics_accept = evhttp_accept_socket_with_handle(d->metrics_http, d->metrics_fd);
        if (!d->metrics_accept) {
                VSW_ERR(VSW_LOG_GENERAL, "metrics: cannot serve the listening socket: %s",
                        strerror(errno));
                evhttp_free(d->metrics_http);
                d->metrics_http = NULL;
                return -1;
        }
        /* evhttp closes it when freed. */
        d->metrics_fd = -1;
        return 0;
}

int vhostd_metrics_stop_accepting(struct vhostd *d)
{
        if (!d->metrics_accept)
                return 0;
        /* Closes this process's descriptor only: the vault keeps the socket. */
        evhttp_del_accept_socket(d->metrics_http, d->metrics_accept);
        d->metrics_accept = NULL;
        return 1;
}

void vhostd_metrics_stop(struct vhostd *d)
{
        if (d->metrics_http)
                evhttp_free(d->metrics_http);
        d->metrics_http = NULL;
        d->metrics_accept = NULL;
        if (d->metrics_fd >= 0)
                close(d->metrics_fd);
        d->metrics_fd = -1;
}
