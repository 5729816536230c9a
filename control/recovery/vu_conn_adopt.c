/* Taking over an interface's endpoint from a previous vhostd, gracefully
 * (it is still running until we go) or after it crashed. The front end
 * sees nothing: its socket stays open in the vault, we only take copies. */
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "vhostd.h"
#include "vu_conn_io.h"
#include "vu_handlers.h"
#include "vu_recover.h"

int vu_conn_adopt(struct vu_conn *c, struct vhostd *d, struct vsw_iface *ifc, char *err,
                  size_t errlen)
{
        memset(c, 0, sizeof(*c));
        c->d = d;
        c->listen_fd = c->conn_fd = -1;
        vu_dev_init(&c->dev, d->st, ifc, d->vault);
        /* Read before fetching: a change made meanwhile moves it again. */
        c->adopted_seq = atomic_load_explicit(&ifc->vault_seq, memory_order_acquire);
        c->adopted_index = ifc->sw_if_index;
        if (vu_recover_fetch(&c->dev, &c->listen_fd, &c->conn_fd, err, errlen) < 0) {
                c->d = NULL;
                return -1;
        }
        if (c->listen_fd >= 0)
                c->listen_ev =
                    event_new(d->base, c->listen_fd, EV_READ | EV_PERSIST, vu_conn_on_accept, c);
        if (c->conn_fd >= 0)
                c->conn_ev = vu_conn_new_read_event(c, c->conn_fd);
        if ((c->listen_fd >= 0 && !c->listen_ev) || (c->conn_fd >= 0 && !c->conn_ev)) {
                snprintf(err, errlen, "cannot create the socket events");
                vu_conn_detach(c);
                return -1;
        }
        return 0;
}

int vu_conn_adoption_current(const struct vu_conn *c, const struct vsw_iface *ifc)
{
        return c->d && c->adopted_index == ifc->sw_if_index &&
               c->adopted_seq == atomic_load_explicit(&ifc->vault_seq, memory_order_acquire);
}

static void arm(struct vu_conn *c, struct event *ev, const char *what)
{
        if (ev && event_add(ev, NULL) < 0)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the %s event", c->dev.ifc->name, what);
}

void vu_conn_go(struct vu_conn *c)
{
        struct vsw_iface *ifc = c->dev.ifc;

        vu_recover_sweep(&c->dev);
        vu_frame_init(&c->frame, &c->dev, c->conn_fd);
        if (c->conn_fd >= 0 && vu_conn_set_nonblocking(c, c->conn_fd) == 0) {
                ifc->conn_state = VSW_CONN_CONNECTED;
                arm(c, c->conn_ev, "connection's read");
                /* A ring left paused by a message that will not be applied
                 * again is released; one that will be keeps its pause. */
                enum vu_step s = vu_frame_settle(&c->frame);

                if (!c->dev.replay)
                        vu_release_all(&c->dev);
                vu_recover_publish(&c->dev);
                vu_conn_after(c, s);
                if (c->conn_fd >= 0) {
                        /* What is queued was never announced to this event. */
                        event_active(c->conn_ev, EV_READ, 0);
                        vu_conn_serve(c);
                }
                return;
        }
        ifc->journal.state = VSW_JOURNAL_EMPTY;
        vu_recover_publish(&c->dev);
        if (c->conn_fd >= 0) {
                vu_conn_disconnect(c);
                return;
        }
        if (ifc->features_set || ifc->owner_set || ifc->mem.nregions)
                /* The front end's socket died with the predecessor. */
                VSW_WARN(VSW_LOG_VHOST_USER,
                         "%s: no connection in the vault: clearing the negotiated state",
                         ifc->name);
        /* Rings a predecessor left paused are released once cleared. */
        vu_conn_reset_and_serve(c);
}
