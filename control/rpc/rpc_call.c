#include "rpc_call.h"

#include <errno.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rpc_block {
        struct rpc_block *next;
        alignas(max_align_t) unsigned char data[];
};

void *rpc_alloc(struct rpc_call *c, size_t size)
{
        struct rpc_block *b;

        if (size > SIZE_MAX - sizeof(*b))
                return NULL;
        b = calloc(1, sizeof(*b) + size);
        if (!b)
                return NULL;
        b->next = c->blocks;
        c->blocks = b;
        return b->data;
}

void rpc_call_release(struct rpc_call *c)
{
        while (c->blocks) {
                struct rpc_block *b = c->blocks;

                c->blocks = b->next;
                free(b);
        }
}

char *rpc_strdup(struct rpc_call *c, const char *s)
{
        size_t len = strlen(s) + 1;
        char *p = rpc_alloc(c, len);

        if (p)
                memcpy(p, s, len);
        return p;
}

void **rpc_alloc_array(struct rpc_call *c, size_t n, size_t size)
{
        void **v;
        unsigned char *objs;

        if (n == 0)
                return NULL;
        if (n > SIZE_MAX / sizeof(void *) || n > SIZE_MAX / size)
                return NULL;
        v = rpc_alloc(c, n * sizeof(void *));
        objs = v ? rpc_alloc(c, n * size) : NULL;
        if (!objs)
                return NULL;
        for (size_t i = 0; i < n; i++)
                v[i] = objs + i * size;
        return v;
}

int rpc_fail(struct rpc_call *c, int err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(c->error, sizeof(c->error), fmt, ap);
        va_end(ap);
        c->reply.status = -err;
        c->reply.error = c->error;
        return -1;
}

int rpc_no_memory(struct rpc_call *c)
{
        return rpc_fail(c, ENOMEM, "out of memory building the reply");
}

const char *rpc_quote(const char *s, char *buf, size_t len)
{
        size_t i = 0;

        for (; s[i] && i + 1 < len && i < 64; i++)
                buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
        buf[i] = '\0';
        return buf;
}

struct vsw_iface *rpc_iface_named(struct vhostd *d, struct rpc_call *c, const char *name)
{
        struct vsw_iface *ifc = vhostd_iface_by_name(d, name);
        char q[80];

        if (!ifc)
                rpc_fail(c, ENODEV, "unknown interface '%s'", rpc_quote(name, q, sizeof(q)));
        return ifc;
}

size_t rpc_ifaces_in_use(struct vhostd *d, struct vsw_iface **ifcs)
{
        size_t n = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (d->st->ifaces[i].in_use)
                        ifcs[n++] = &d->st->ifaces[i];
        return n;
}

const char *rpc_conn_state_name(unsigned state)
{
        static const char *const names[] = {
            [VSW_CONN_IDLE] = "idle",
            [VSW_CONN_LISTENING] = "listening",
            [VSW_CONN_CONNECTING] = "connecting",
            [VSW_CONN_CONNECTED] = "connected",
        };

        return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}
