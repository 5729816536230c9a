#include "iface_diagnose.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "vhostd.h"
#include "virtio_spec.h"

#define NONE ((uint32_t)-1)

/* May uid (or a member of gid) search directory st? Root may. */
static int may_search(const struct stat *st, uint32_t uid, uint32_t gid)
{
        if (uid == 0)
                return 1;
        if (uid != NONE)
                return st->st_uid == uid                  ? (st->st_mode & S_IXUSR) != 0
                       : st->st_gid == gid && gid != NONE ? (st->st_mode & S_IXGRP) != 0
                                                          : (st->st_mode & S_IXOTH) != 0;
        /* A member of the group: its group bits, or other's when the
         * directory belongs to another group. */
        return st->st_gid == gid ? (st->st_mode & S_IXGRP) != 0 : (st->st_mode & S_IXOTH) != 0;
}

static const char *who(uint32_t uid, uint32_t gid, char *buf, size_t len)
{
        if (uid != NONE && gid != NONE)
                snprintf(buf, len, "owner uid %u and group gid %u", uid, gid);
        else if (uid != NONE)
                snprintf(buf, len, "owner uid %u", uid);
        else
                snprintf(buf, len, "group gid %u", gid);
        return buf;
}

int iface_socket_unreachable(const char *path, uint32_t uid, uint32_t gid, uint32_t mode, char *buf,
                             size_t len)
{
        char dir[VSW_PATH_LEN], w[64];
        struct stat st;

        if (uid == NONE && gid == NONE)
                return 0;
        snprintf(dir, sizeof(dir), "%s", path);
        for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                if (stat(dir, &st) == 0 && !may_search(&st, uid, gid)) {
                        snprintf(buf, len,
                                 "the %s cannot reach socket %s: directory %s (mode %04o, "
                                 "uid %u, gid %u) is not searchable by it; chmod o+x or chgrp it",
                                 who(uid, gid, w, sizeof(w)), path, dir,
                                 (unsigned)st.st_mode & 07777, (unsigned)st.st_uid,
                                 (unsigned)st.st_gid);
                        return 1;
                }
                *slash = '/';
        }
        /* A group that may not write the socket cannot connect to it. */
        if (uid == NONE && mode != NONE && !(mode & 020)) {
                snprintf(buf, len,
                         "the group gid %u cannot connect to socket %s: its mode %04o gives the "
                         "group no write permission; use mode 0660",
                         gid, path, mode);
                return 1;
        }
        return 0;
}

static int any_ring_running(const struct vsw_iface *ifc)
{
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                if ((ifc->vrings[q].state & (VSW_VRING_STARTED | VSW_VRING_ENABLED)) ==
                    (VSW_VRING_STARTED | VSW_VRING_ENABLED))
                        return 1;
        return 0;
}

const char *iface_why_not_forwarding(const struct vsw_iface *ifc, uint64_t now_ns, char *buf,
                                     size_t len, int *mistake)
{
        int dummy;

        if (!mistake)
                mistake = &dummy;
        *mistake = 0;
        if (vsw_iface_fault_current(ifc, now_ns)) {
                snprintf(buf, len, "stopped by the dataplane: see 'dataplane' below");
                return buf;
        }
        if (!ifc->admin_up) {
                snprintf(buf, len, "admin down: set interface state %s up", ifc->name);
                return buf;
        }
        if (ifc->conn_state != VSW_CONN_CONNECTED) {
                if (ifc->is_server &&
                    iface_socket_unreachable(ifc->socket_path, ifc->sock_uid, ifc->sock_gid,
                                             ifc->sock_mode, buf, len)) {
                        *mistake = 1;
                } else if (ifc->refused[0]) {
                        snprintf(buf, len, "no front end connected; the last one was dropped: %s",
                                 ifc->refused);
                } else if (ifc->sock_errno) {
                        snprintf(buf, len, "socket %s: %s", ifc->socket_path,
                                 strerror(ifc->sock_errno));
                } else {
                        snprintf(buf, len, "no front end connected %s %s",
                                 ifc->is_server ? "on" : "to", ifc->socket_path);
                }
                return buf;
        }
        if (!ifc->features_set) {
                snprintf(buf, len, "front end connected, features not negotiated yet");
                return buf;
        }
        if (ifc->mem.nregions == 0) {
                snprintf(buf, len,
                         "the front end negotiated but sent no memory table: the guest's RAM is "
                         "not shared with the switch; give QEMU a shared memory backend "
                         "(-object memory-backend-memfd,share=on or memory-backend-file on "
                         "hugetlbfs with share=on, used by -numa node,memdev= or -machine "
                         "memory-backend=)");
                *mistake = 1;
                return buf;
        }
        if (!any_ring_running(ifc)) {
                if (ifc->refused[0])
                        snprintf(buf, len, "no queue running; a message was refused: %s",
                                 ifc->refused);
                else
                        snprintf(buf, len,
                                 "no queue running: the guest driver has not started the device "
                                 "(link down in the guest?)");
                return buf;
        }
        if (ifc->bridge_id == VSW_NO_BRIDGE) {
                snprintf(buf, len, "in no bridge domain: set interface l2 bridge %s <bd-id>",
                         ifc->name);
                return buf;
        }
        return NULL;
}

/* ---- the periodic check ---- */

static struct event *tick_ev;
static char seen[VSW_MAX_IFACES][512];   /* a mistake seen at the last tick */
static char logged[VSW_MAX_IFACES][512]; /* the mistake last logged */

static uint64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
        struct vhostd *d = arg;
        uint64_t now = mono_ns();

        (void)fd;
        (void)what;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                struct vsw_iface *ifc = &d->st->ifaces[i];
                char buf[512];
                int mistake = 0;
                const char *why =
                    ifc->in_use ? iface_why_not_forwarding(ifc, now, buf, sizeof(buf), &mistake)
                                : NULL;

                if (ifc->in_use && !why)
                        ifc->refused[0] = '\0'; /* forwarding: that is over */
                if (!mistake) {
                        seen[i][0] = logged[i][0] = '\0';
                        continue;
                }
                if (strcmp(seen[i], why) == 0 && strcmp(logged[i], why) != 0) {
                        VSW_WARN(VSW_LOG_VHOST_USER, "%s: not forwarding: %s", ifc->name, why);
                        snprintf(logged[i], sizeof(logged[i]), "%s", why);
                }
                snprintf(seen[i], sizeof(seen[i]), "%s", why);
        }
}

int iface_diagnose_start(struct vhostd *d)
{
        const struct timeval second = {1, 0};

        tick_ev = event_new(d->base, -1, EV_PERSIST, on_tick, d);
        if (!tick_ev || event_add(tick_ev, &second) < 0) {
                VSW_ERR(VSW_LOG_GENERAL, "cannot arm the interface diagnosis timer");
                return -1;
        }
        return 0;
}

void iface_diagnose_stop(void)
{
        if (tick_ev)
                event_free(tick_ev);
        tick_ev = NULL;
}
