/* RPC handlers of the logging family: debug vhost-user, set logging class,
 * show log. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rpc_call.h"

int rpc_debug_vhost_user(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        if (vhostd_iface_set_debug(d, req->debug_vhost_user->on))
                return rpc_fail(c, EINVAL, "cannot turn vhost-user debugging %s",
                                req->debug_vhost_user->on ? "on" : "off");
        return 0;
}

int rpc_set_logging(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetLoggingRequest *q = req->set_logging;
        int cls = vsw_log_class_from_name(q->log_class);
        int lvl = vsw_log_level_from_name(q->level);
        char quoted[80];

        (void)d;
        if (cls < 0)
                return rpc_fail(c, EINVAL, "unknown log class '%s'",
                                rpc_quote(q->log_class, quoted, sizeof(quoted)));
        if (lvl < 0)
                return rpc_fail(c, EINVAL, "unknown log level '%s'",
                                rpc_quote(q->level, quoted, sizeof(quoted)));
        vsw_log_set_level((enum vsw_log_class)cls, (enum vsw_log_level)lvl);
        VSW_NOTICE(VSW_LOG_RPC, "log class %s now at level %s",
                   vsw_log_class_name((enum vsw_log_class)cls),
                   vsw_log_level_name((enum vsw_log_level)lvl));
        return 0;
}

struct log_lines {
        struct rpc_call *c;
        Vsw__ShowLogReply *r;
        size_t cap;
        int failed;
};

static void add_line(const char *line, void *arg)
{
        struct log_lines *l = arg;
        size_t len = strlen(line);

        if (l->failed)
                return;
        if (l->r->n_lines == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 64;
                char **v = rpc_alloc(l->c, cap * sizeof(*v));

                if (!v) {
                        l->failed = 1;
                        return;
                }
                if (l->r->n_lines)
                        memcpy(v, l->r->lines, l->r->n_lines * sizeof(*v));
                l->r->lines = v;
                l->cap = cap;
        }
        /* Lines are kept with their newline; the reply carries bare lines. */
        while (len && line[len - 1] == '\n')
                len--;
        l->r->lines[l->r->n_lines] = rpc_alloc(l->c, len + 1);
        if (!l->r->lines[l->r->n_lines]) {
                l->failed = 1;
                return;
        }
        memcpy(l->r->lines[l->r->n_lines++], line, len);
}

int rpc_show_log(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        struct log_lines l = {.c = c};

        (void)d;
        (void)req;
        l.r = rpc_alloc(c, sizeof(*l.r));
        if (!l.r)
                return rpc_no_memory(c);
        vsw__show_log_reply__init(l.r);
        vsw_log_recent(add_line, &l);
        if (l.failed)
                return rpc_no_memory(c);
        c->reply.body_case = VSW__REPLY__BODY_LOG;
        c->reply.log = l.r;
        return 0;
}
