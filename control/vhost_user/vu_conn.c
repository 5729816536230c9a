#include "vu_conn.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "unix_listen.h"
#include "vhostd.h"
#include "vring_handshake.h"
#include "vu_conn_io.h"
#include "vu_handlers.h"
#include "vu_journal.h"

/* A message left incomplete this long drops its front end. */
#define VU_PARTIAL_TIMEOUT_S 3
/* How soon a message waiting for a worker's pause acknowledgement is tried
 * again: a running worker acks within one poll iteration, so first soon,
 * then less and less often. */
#define VU_PAUSE_RETRY_MIN_US 20
#define VU_PAUSE_RETRY_MAX_US 1000
/* A pause not acknowledged for this long is logged (once per message). */
#define VU_PAUSE_LOG_MS 1000
/* Messages handled per turn before the other events get theirs. */
#define VU_BURST 16

static int try_connect(struct vu_conn *c);
static void on_message(evutil_socket_t fd, short what, void *arg);

static const char *iname(const struct vu_conn *c)
{
        return c->dev.ifc->name;
}

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int vu_conn_set_nonblocking(struct vu_conn *c, int fd)
{
        int fl = fcntl(fd, F_GETFL);

        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: making the connection non-blocking: %s", iname(c),
                        strerror(errno));
                return -1;
        }
        return 0;
}

struct event *vu_conn_new_read_event(struct vu_conn *c, int fd)
{
        return event_new(c->d->base, fd, EV_READ | EV_PERSIST | EV_ET, on_message, c);
}

/* A persistent read event on fd calling cb; if it cannot be armed, fd is
 * closed, *ev is NULL and -1 is returned. */
static int arm_read_event(struct vu_conn *c, struct event **ev, int fd, event_callback_fn cb)
{
        *ev = event_new(c->d->base, fd, EV_READ | EV_PERSIST, cb, c);
        if (*ev && event_add(*ev, NULL) == 0)
                return 0;
        if (*ev)
                event_free(*ev);
        *ev = NULL;
        close(fd);
        return -1;
}

/* Arms the one-shot timer *ev (created on first use) to call cb. */
static void arm_timer(struct vu_conn *c, struct event **ev, event_callback_fn cb,
                      const struct timeval *tv, const char *what)
{
        if (!*ev)
                *ev = evtimer_new(c->d->base, cb, c);
        if (!*ev || evtimer_add(*ev, tv) < 0)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the %s timer", iname(c), what);
}

static void free_event(struct event **ev)
{
        if (*ev)
                event_free(*ev);
        *ev = NULL;
}

static void on_pause_retry(evutil_socket_t fd, short what, void *arg);
static void on_partial_timeout(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);

/* The connection is up: hand it to the vault and wait for messages. */
static int connected(struct vu_conn *c, int fd)
{
        if (vu_conn_set_nonblocking(c, fd) < 0) {
                close(fd);
                return -1;
        }
        c->conn_ev = vu_conn_new_read_event(c, fd);
        if (!c->conn_ev || event_add(c->conn_ev, NULL) < 0) {
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the connection's read event", iname(c));
                free_event(&c->conn_ev);
                close(fd);
                return -1;
        }
        c->conn_fd = fd;
        vu_frame_init(&c->frame, &c->dev, fd);
        c->dev.ifc->journal.state = VSW_JOURNAL_EMPTY;
        vu_vault_put(&c->dev, fd, (struct vsw_key){.kind = VSW_KEY_CONN});
        c->dev.ifc->conn_state = VSW_CONN_CONNECTED;
        c->dev.ifc->sock_errno = 0;
        VSW_INFO(VSW_LOG_VHOST_USER, "%s: front end connected on %s", iname(c),
                 c->dev.ifc->socket_path);
        /* Bytes may be queued already: an edge that came before the event. */
        event_active(c->conn_ev, EV_READ, 0);
        return 0;
}

static void schedule_retry(struct vu_conn *c)
{
        uint32_t ms = c->dev.ifc->reconnect_ms ? c->dev.ifc->reconnect_ms : 1000;
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

        c->dev.ifc->conn_state = VSW_CONN_CONNECTING;
        arm_timer(c, &c->retry_ev, vu_conn_on_retry, &tv, "reconnect");
}

/* Names the ring whose owner keeps a message (or a reset) waiting. */
static void log_slow_pause(struct vu_conn *c, const char *waiting)
{
        struct vsw_iface *ifc = c->dev.ifc;

        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                uint32_t seq = atomic_load_explicit(&ifc->vrings[q].cmd_seq, memory_order_relaxed);

                if (!(seq & 1u) || vring_pause(c->d->st, ifc, q) == 0)
                        continue;
                VSW_WARN(VSW_LOG_VHOST_USER,
                         "%s: worker %u has not acknowledged the pause of vring %u for %u ms: "
                         "%s waits, the ring is not edited (a worker that stopped is restarted "
                         "by the supervisor)",
                         iname(c), atomic_load(&ifc->vrings[q].owner), q, VU_PAUSE_LOG_MS, waiting);
                return;
        }
}

/* Tries again, from a short timer, what waits for a worker to pause. */
static void wait_for_pause(struct vu_conn *c, const char *waiting)
{
        uint64_t now = now_us();

        if (!c->pause_since_ms) {
                c->pause_since_ms = now / 1000 ? now / 1000 : 1;
                c->pause_logged = 0;
                c->pause_retry_us = VU_PAUSE_RETRY_MIN_US;
        } else if (c->pause_retry_us < VU_PAUSE_RETRY_MAX_US) {
                c->pause_retry_us *= 2;
        }
        struct timeval tv = {0, (suseconds_t)c->pause_retry_us};

        if (!c->pause_logged && now / 1000 - c->pause_since_ms >= VU_PAUSE_LOG_MS) {
                log_slow_pause(c, waiting);
                c->pause_logged = 1;
        }
        arm_timer(c, &c->pause_ev, on_pause_retry, &tv, "pause retry");
}

void vu_conn_reset_and_serve(struct vu_conn *c)
{
        struct vsw_iface *ifc = c->dev.ifc;

        if (vu_dev_reset(&c->dev) < 0) {
                /* No new front end before the old one's rings are cleared. */
                if (!c->resetting && c->listen_ev)
                        event_del(c->listen_ev);
                c->resetting = 1;
                ifc->conn_state = VSW_CONN_IDLE;
                wait_for_pause(c, "clearing the device");
                return;
        }
        c->resetting = 0;
        c->pause_since_ms = 0;
        vu_conn_serve(c);
}

void vu_conn_serve(struct vu_conn *c)
{
        struct vsw_iface *ifc = c->dev.ifc;
        char err[256];

        if (!ifc->is_server) {
                if (c->conn_fd < 0)
                        schedule_retry(c);
                return;
        }
        if (c->listen_fd < 0) {
                if (vu_conn_start_server(c, err, sizeof(err)) < 0)
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: re-opening its socket: %s", iname(c), err);
        } else if (event_add(c->listen_ev, NULL) < 0) {
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the accept event", iname(c));
        }
        if (c->conn_fd < 0)
                ifc->conn_state = VSW_CONN_LISTENING;
}

/* Front end gone (or dropped): clear the device, then listen or retry. */
void vu_conn_disconnect(struct vu_conn *c)
{
        if (c->conn_fd < 0)
                return;
        free_event(&c->conn_ev);
        free_event(&c->write_ev);
        if (c->partial_ev)
                evtimer_del(c->partial_ev);
        if (c->pause_ev)
                evtimer_del(c->pause_ev);
        c->pause_since_ms = 0;
        c->dev.replay = 0;
        vu_vault_drop(&c->dev, (struct vsw_key){.kind = VSW_KEY_CONN});
        /* The journal speaks of this connection only. */
        c->dev.ifc->journal.state = VSW_JOURNAL_EMPTY;
        close(c->conn_fd);
        c->conn_fd = -1;
        vu_frame_init(&c->frame, &c->dev, -1);
        vu_conn_reset_and_serve(c);
}

/* Handles what is queued, a burst at a time so that a front end that
 * hammers shares the loop with the others. */
static void process(struct vu_conn *c)
{
        for (unsigned i = 0; i < VU_BURST; i++) {
                enum vu_step s = vu_frame_read(&c->frame);

                vu_conn_after(c, s);
                if (s != VU_STEP_DONE)
                        return;
        }
        /* Edge-triggered: bytes already queued bring no new edge. */
        event_active(c->conn_ev, EV_READ, 0);
}

void vu_conn_after(struct vu_conn *c, enum vu_step step)
{
        struct timeval partial = {VU_PARTIAL_TIMEOUT_S, 0};

        if (step != VU_STEP_PAUSING)
                c->pause_since_ms = 0;
        if (step != VU_STEP_PARTIAL && c->partial_ev)
                evtimer_del(c->partial_ev);
        switch (step) {
        case VU_STEP_DONE:
        case VU_STEP_IDLE:
        case VU_STEP_KILLED:
                break;
        case VU_STEP_PARTIAL:
                /* The deadline runs from the first sight of the message. */
                if (!c->partial_ev || !evtimer_pending(c->partial_ev, NULL))
                        arm_timer(c, &c->partial_ev, on_partial_timeout, &partial,
                                  "incomplete message");
                break;
        case VU_STEP_PAUSING:
                wait_for_pause(c, "a message");
                break;
        case VU_STEP_WRITING:
                if (!c->write_ev)
                        c->write_ev = event_new(c->d->base, c->conn_fd, EV_WRITE, on_writable, c);
                if (!c->write_ev || event_add(c->write_ev, NULL) < 0) {
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the write event", iname(c));
                        vu_conn_disconnect(c);
                }
                break;
        case VU_STEP_EOF:
                VSW_INFO(VSW_LOG_VHOST_USER, "%s: front end disconnected", iname(c));
                vu_conn_disconnect(c);
                break;
        case VU_STEP_HANG_UP:
                vu_conn_disconnect(c);
                break;
        }
}

static void on_message(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;

        (void)fd;
        (void)what;
        /* A reply waiting for the socket or a message waiting for a pause:
         * their own events go on. */
        if (c->frame.out_len || c->pause_since_ms)
                return;
        process(c);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;
        enum vu_step s = vu_frame_flush(&c->frame);

        (void)fd;
        (void)what;
        vu_conn_after(c, s);
        if (s == VU_STEP_DONE)
                process(c);
}

static void on_pause_retry(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;

        (void)fd;
        (void)what;
        if (c->resetting)
                vu_conn_reset_and_serve(c);
        else if (c->conn_fd >= 0)
                process(c);
}

static void on_partial_timeout(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;
        struct vhost_user_header h;
        char what_came[128];
        int queued = vu_queued_in(c->conn_fd);
        ssize_t n = recv(c->conn_fd, &h, sizeof(h), MSG_PEEK | MSG_DONTWAIT);

        (void)fd;
        (void)what;
        if (n == (ssize_t)sizeof(h) && queued >= (int)sizeof(h)) {
                const char *name = vu_request_name(h.request);
                char num[32];

                if (!name) {
                        snprintf(num, sizeof(num), "request %u", h.request);
                        name = num;
                }
                snprintf(what_came, sizeof(what_came), "%s header and %d of %u payload bytes", name,
                         queued - (int)sizeof(h), h.size);
        } else {
                snprintf(what_came, sizeof(what_came), "%d of %zu header bytes", queued, sizeof(h));
        }
        VSW_ERR(VSW_LOG_VHOST_USER, "%s: incomplete message for %d s (%s): dropping the front end",
                iname(c), VU_PARTIAL_TIMEOUT_S, what_came);
        vu_conn_disconnect(c);
}

void vu_conn_on_accept(evutil_socket_t lfd, short what, void *arg)
{
        struct vu_conn *c = arg;
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        (void)what;
        if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR) {
                        c->dev.ifc->sock_errno = errno;
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: accept: %s", iname(c), strerror(errno));
                }
                return;
        }
        if (c->conn_fd >= 0) {
                VSW_WARN(VSW_LOG_VHOST_USER,
                         "%s: refusing a second front end on %s: one is connected already",
                         iname(c), c->dev.ifc->socket_path);
                close(fd);
                return;
        }
        connected(c, fd);
}

void vu_conn_on_retry(evutil_socket_t fd, short what, void *arg)
{
        struct vu_conn *c = arg;

        (void)fd;
        (void)what;
        if (c->conn_fd < 0 && !c->resetting && try_connect(c) < 0)
                schedule_retry(c);
}

static int make_addr(struct sockaddr_un *sa, const char *path)
{
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(sa->sun_path))
                return -1;
        strcpy(sa->sun_path, path);
        return 0;
}

static int try_connect(struct vu_conn *c)
{
        struct sockaddr_un sa;
        /* Non-blocking: a front end with a full backlog makes connect fail
         * with EAGAIN (retried) instead of stalling the loop. */
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0 || make_addr(&sa, c->dev.ifc->socket_path) < 0 ||
            connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;

                /* Quiet while the front end is simply not there yet. */
                if (e != c->dev.ifc->sock_errno)
                        VSW_INFO(VSW_LOG_VHOST_USER, "%s: connecting to %s: %s (retrying)",
                                 iname(c), c->dev.ifc->socket_path, strerror(e));
                c->dev.ifc->sock_errno = e;
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return connected(c, fd);
}

static int fail(char *err, size_t errlen, int fd, const char *what, const char *path)
{
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        if (fd >= 0)
                close(fd);
        return -1;
}

/* Binds the listening socket, replacing a stale socket file (never any
 * other kind of file), and gives it the owner, group and mode asked for so
 * a QEMU run as another user (libvirt-qemu) can connect; without following
 * any link another user may have put in its directory (unix_listen.c). */
int vu_conn_start_server(struct vu_conn *c, char *err, size_t errlen)
{
        struct vsw_iface *ifc = c->dev.ifc;
        const char *path = ifc->socket_path;
        struct sockaddr_un sa;
        int fd;

        if (make_addr(&sa, path) < 0) {
                errno = ENAMETOOLONG;
                return fail(err, errlen, -1, "socket path", path);
        }
        fd = vsw_unix_listen(path, ifc->sock_uid, ifc->sock_gid, ifc->sock_mode, err, errlen);
        if (fd < 0)
                return -1;
        if (arm_read_event(c, &c->listen_ev, fd, vu_conn_on_accept) < 0) {
                snprintf(err, errlen, "cannot arm the accept event for %s", path);
                return -1;
        }
        c->listen_fd = fd;
        vu_vault_put(&c->dev, fd, (struct vsw_key){.kind = VSW_KEY_LISTEN});
        ifc->conn_state = VSW_CONN_LISTENING;
        return 0;
}

int vu_conn_start(struct vu_conn *c, struct vhostd *d, struct vsw_iface *ifc, char *err,
                  size_t errlen)
{
        memset(c, 0, sizeof(*c));
        c->d = d;
        c->listen_fd = c->conn_fd = -1;
        vu_dev_init(&c->dev, d->st, ifc, d->vault);
        vu_frame_init(&c->frame, &c->dev, -1);
        /* What a previous front end negotiated goes first (rings paused). */
        if (vu_dev_reset(&c->dev) < 0) {
                vu_conn_reset_and_serve(c);
                return 0;
        }
        if (ifc->is_server)
                return vu_conn_start_server(c, err, errlen);
        if (try_connect(c) < 0)
                schedule_retry(c);
        return 0;
}

/* For an RPC only (the loop waits): every ring paused within budget_us. */
static int pause_all_within(struct vu_conn *c, uint64_t budget_us)
{
        uint64_t end = now_us() + budget_us;

        while (vu_pause_all(&c->dev) < 0) {
                if (now_us() >= end) {
                        log_slow_pause(c, "removing the interface");
                        vu_release_all(&c->dev);
                        return -1;
                }
                sched_yield();
        }
        return 0;
}

int vu_conn_stop(struct vu_conn *c)
{
        if (!c->d)
                return 0;
        if (pause_all_within(c, VSW_RPC_PAUSE_BUDGET_US) < 0)
                return -1;
        vu_conn_disconnect(c);
        free_event(&c->retry_ev);
        free_event(&c->pause_ev);
        free_event(&c->partial_ev);
        if (c->listen_fd >= 0) {
                free_event(&c->listen_ev);
                vu_vault_drop(&c->dev, (struct vsw_key){.kind = VSW_KEY_LISTEN});
                close(c->listen_fd);
                c->listen_fd = -1;
                unlink(c->dev.ifc->socket_path);
        }
        vu_dev_reset(&c->dev);
        vu_release_all(&c->dev);
        c->resetting = 0;
        c->dev.ifc->conn_state = VSW_CONN_IDLE;
        c->d = NULL;
        return 0;
}

static void close_local(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

void vu_conn_detach(struct vu_conn *c)
{
        struct vu_dev *dev = &c->dev;

        if (!c->d)
                return;
        free_event(&c->conn_ev);
        free_event(&c->listen_ev);
        free_event(&c->retry_ev);
        free_event(&c->write_ev);
        free_event(&c->partial_ev);
        free_event(&c->pause_ev);
        close_local(&c->conn_fd);
        close_local(&c->listen_fd);
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                close_local(&dev->mem_fd[i]);
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                close_local(&dev->kick_fd[q]);
                close_local(&dev->call_fd[q]);
                close_local(&dev->err_fd[q]);
        }
        close_local(&dev->log_fd);
        close_local(&dev->log_notify_fd);
        close_local(&dev->backend_fd);
        c->d = NULL;
}
