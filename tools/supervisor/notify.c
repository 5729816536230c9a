/* systemd's service notification (Type=notify), through libsystemd's
 * sd_notify: READY=1 once vhostd serves and every startup.conf interface
 * is listening (or, in client mode, connecting) and every worker runs;
 * RELOADING=1 while vhostd is handed over, READY=1 again after; WATCHDOG=1
 * from the main loop at half WatchdogSec=; STOPPING=1 on the way out;
 * STATUS= lines saying where the switch is. Without NOTIFY_SOCKET (not
 * under systemd) sd_notify does nothing. */
#include <errno.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "supervisor.h"

#define MS 1000000ull

static void notify(const char *what)
{
        int rc = sd_notify(0, what);

        if (rc < 0)
                VSW_WARN(VSW_LOG_SUPERVISOR, "sd_notify %s: %s", what, strerror(-rc));
}

void notify_init(struct supervisor *sv)
{
        uint64_t usec = 0;
        int rc = sd_watchdog_enabled(0, &usec);

        sv->notify.watchdog_ns = rc > 0 ? usec * 1000 : 0;
        sv->notify.next_watchdog_ns = 0;
        if (rc < 0)
                VSW_WARN(VSW_LOG_SUPERVISOR, "WATCHDOG_USEC: %s; not pinging systemd",
                         strerror(-rc));
        sd_notifyf(0, "STATUS=starting: vhostd, %u workers, %u interfaces", sv->cfg.nworkers,
                   sv->cfg.nboot_ifaces);
}

static const struct vsw_iface *iface_of_socket(const struct vsw_state *st, const char *path)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (st->ifaces[i].in_use && strncmp(st->ifaces[i].socket_path, path,
                                                    sizeof(st->ifaces[i].socket_path)) == 0)
                        return &st->ifaces[i];
        return NULL;
}

/* vhostd serves, every startup interface has its socket, every worker runs. */
static int switch_ready(const struct supervisor *sv)
{
        const struct vsw_state *st = sv->st;

        if (!st || sv->stopping || sv->ho.stage != HO_NONE || !sv->children[0].pid ||
            atomic_load(&st->vhostd_pid) != sv->children[0].pid)
                return 0;
        for (uint32_t i = 0; i < sv->cfg.nboot_ifaces; i++) {
                const struct vsw_iface *ifc = iface_of_socket(st, sv->cfg.boot_ifaces[i].socket);

                if (!ifc || ifc->conn_state == VSW_CONN_IDLE)
                        return 0;
        }
        for (uint32_t w = 0; w < sv->cfg.nworkers; w++)
                if (atomic_load(&st->workers[w].state) != VSW_WORKER_RUNNING)
                        return 0;
        return 1;
}

void notify_reloading(struct supervisor *sv, uint32_t generation)
{
        sv->notify.ready = 0;
        sd_notifyf(0, "RELOADING=1\nSTATUS=handing vhostd over to generation %u", generation);
}

void notify_stopping(struct supervisor *sv)
{
        sv->notify.ready = 0;
        notify("STOPPING=1\nSTATUS=stopping");
}

int notify_tick(struct supervisor *sv)
{
        uint64_t now = now_ns();
        int wait = -1;

        if (!sv->notify.ready && switch_ready(sv)) {
                int rc = sd_notifyf(0,
                                    "READY=1\nSTATUS=running: vhostd generation %u, %u workers, "
                                    "%u interfaces listening",
                                    atomic_load(&sv->st->vhostd_generation), sv->cfg.nworkers,
                                    sv->cfg.nboot_ifaces);

                if (rc < 0)
                        VSW_WARN(VSW_LOG_SUPERVISOR, "sd_notify READY=1: %s", strerror(-rc));
                sv->notify.ready = 1;
        } else if (!sv->notify.ready && !sv->stopping) {
                wait = 10; /* look again soon: nothing else wakes us when it gets ready */
        }
        if (sv->notify.watchdog_ns) {
                if (now >= sv->notify.next_watchdog_ns) {
                        notify("WATCHDOG=1");
                        sv->notify.next_watchdog_ns = now + sv->notify.watchdog_ns / 2;
                }
                int ms = (int)((sv->notify.next_watchdog_ns - now + MS - 1) / MS);

                wait = wait < 0 || ms < wait ? ms : wait;
        }
        return wait;
}
