/* Taking over an interface's endpoint from a previous vhostd, gracefully
 * (it is still running until we go) or after it crashed. The front end
 * sees nothing: its socket stays open in the vault, we only take copies. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vhostd.h"
#include "vu_conn_io.h"
#include "vu_handlers.h"
#include "vu_journal.h"
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
                c->conn_ev =
                    event_new(d->base, c->conn_fd, EV_READ | EV_PERSIST, vu_conn_on_message, c);
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

/* The predecessor died with a message in the journal (vu_journal.h). */
static void settle_journal(struct vu_conn *c)
{
        struct vsw_iface *ifc = c->dev.ifc;
        struct vsw_journal *j = &ifc->journal;
        const char *name = vu_request_name(j->request);
        struct vu_msg m, reply;
        int head;

        if (j->state != VSW_JOURNAL_APPLYING && j->state != VSW_JOURNAL_APPLIED)
                return;
        if (!name)
                name = "a request";
        head = vu_journal_at_head(j, c->conn_fd);
        if (j->state == VSW_JOURNAL_APPLYING) {
                if (head == 1) {
                        /* Still unconsumed: the first read applies it again,
                         * and releases the rings the predecessor paused. */
                        VSW_NOTICE(VSW_LOG_VHOST_USER,
                                   "%s: the previous vhostd died applying %s: applying it again",
                                   ifc->name, name);
                        c->dev.replay = 1;
                        return;
                }
                VSW_ERR(VSW_LOG_VHOST_USER,
                        "%s: the previous vhostd died applying %s and the message is gone: "
                        "dropping the front end so that it starts afresh",
                        ifc->name, name);
                vu_conn_disconnect(c);
                return;
        }
        vu_journal_reply(j, &reply);
        if (head == 1) {
                /* Applied, not consumed: consume it, answer from the journal. */
                VSW_NOTICE(VSW_LOG_VHOST_USER,
                           "%s: the previous vhostd applied %s but did not consume it: "
                           "consuming it and sending the journaled reply",
                           ifc->name, name);
                if (vu_journal_peek(c->conn_fd, &m) != VU_PEEK_MSG ||
                    vu_journal_consume(c->conn_fd, &m) < 0) {
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: consuming %s: %s", ifc->name, name,
                                strerror(errno));
                        vu_conn_disconnect(c);
                        return;
                }
                for (unsigned i = 0; i < m.nfds; i++)
                        close(m.fds[i]);
        } else if (j->action == VSW_JOURNAL_REPLY &&
                   (vu_queued_in(c->conn_fd) > 0 || vu_queued_out(c->conn_fd) > 0)) {
                /* A front end sends nothing new before it has the reply it
                 * waits for, and bytes we sent are still queued to it: the
                 * reply went out. */
                VSW_INFO(VSW_LOG_VHOST_USER, "%s: the reply to %s had been sent", ifc->name, name);
                vu_journal_done(j);
                return;
        } else if (j->action == VSW_JOURNAL_REPLY) {
                VSW_NOTICE(VSW_LOG_VHOST_USER,
                           "%s: the previous vhostd died before answering %s: sending the "
                           "journaled reply",
                           ifc->name, name);
        }
        vu_conn_finish(c,
                       j->action == VSW_JOURNAL_REPLY     ? VU_ACT_REPLY
                       : j->action == VSW_JOURNAL_HANG_UP ? VU_ACT_CLOSE
                                                          : VU_ACT_NONE,
                       &reply);
}

static void arm(struct vu_conn *c, struct event *ev, const char *what)
{
        if (ev && event_add(ev, NULL) < 0)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot arm the %s event", c->dev.ifc->name, what);
}

void vu_conn_go(struct vu_conn *c)
{
        struct vsw_iface *ifc = c->dev.ifc;
        char err[256];

        vu_recover_sweep(&c->dev);
        if (c->conn_fd >= 0) {
                vu_conn_set_io_timeouts(c->conn_fd);
                ifc->conn_state = VSW_CONN_CONNECTED;
                arm(c, c->conn_ev, "connection's read");
                settle_journal(c);
        } else {
                ifc->journal.state = VSW_JOURNAL_EMPTY;
                if (ifc->features_set || ifc->owner_set || ifc->mem.nregions) {
                        /* The front end's socket died with the predecessor. */
                        VSW_WARN(VSW_LOG_VHOST_USER,
                                 "%s: no connection in the vault: clearing the negotiated state",
                                 ifc->name);
                        vu_dev_reset(&c->dev);
                }
        }
        /* A ring left paused by a message that will not be applied again. */
        if (!c->dev.replay)
                vu_release_all(&c->dev);
        vu_recover_publish(&c->dev);

        if (ifc->is_server) {
                if (c->listen_fd >= 0)
                        arm(c, c->listen_ev, "accept");
                else if (vu_conn_start_server(c, err, sizeof(err)) < 0)
                        VSW_ERR(VSW_LOG_VHOST_USER, "%s: re-opening its socket: %s", ifc->name,
                                err);
                if (c->conn_fd < 0)
                        ifc->conn_state = VSW_CONN_LISTENING;
        } else if (c->conn_fd < 0) {
                vu_conn_schedule_retry(c);
        }
}
