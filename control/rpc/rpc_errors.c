/* RPC handler of `show errors` (VPP's): every drop and error counter that
 * is not zero, by interface (and direction) and reason, then the workers'
 * and the uplink's. Vring counters are summed over the interface's queues
 * of one direction; reasons are named by drop_reasons.c, as in the
 * Prometheus page. */
#include <errno.h>
#include <stdio.h>

#include "drop_reasons.h"
#include "rpc_call.h"

#define MAX_ERRORS                                                                                 \
        (VSW_MAX_IFACES * (2 * VSW_BAD_DESC_REASONS + 8) + VSW_MAX_WORKERS * 3 + 2 +               \
         (VSW_MAX_TUNNELS + 1) * VSW_VXLAN_DROPS)

struct errors {
        struct rpc_call *c;
        Vsw__ErrorCounter **v;
        size_t n;
};

static int add(struct errors *e, const char *source, const char *direction, const char *reason,
               uint64_t count)
{
        Vsw__ErrorCounter *k;

        if (!count)
                return 0;
        if (e->n == MAX_ERRORS)
                return rpc_fail(e->c, ENOSPC, "more than %d error counters", MAX_ERRORS);
        k = e->v[e->n++];
        vsw__error_counter__init(k);
        k->source = rpc_strdup(e->c, source);
        k->direction = (char *)direction;
        k->reason = (char *)reason;
        k->count = count;
        return k->source ? 0 : rpc_no_memory(e->c);
}

static int iface_errors(struct errors *e, const struct vsw_iface *ifc)
{
        for (unsigned dir = 0; dir < 2; dir++)
                for (unsigned r = 0; r < vsw_vring_drop_nreasons; r++) {
                        uint64_t sum = 0;

                        for (unsigned q = dir; q < VSW_MAX_VRINGS; q += 2)
                                sum += vsw_vring_drop_reasons[r].get(&ifc->vrings[q].counters);
                        if (add(e, ifc->name, dir ? "rx" : "tx", vsw_vring_drop_reasons[r].name,
                                sum))
                                return -1;
                }
        return add(e, ifc->name, "", "call_stall", ifc->stall.count) ||
               add(e, ifc->name, "", "mem_fault", ifc->mem_fault.count);
}

static int worker_errors(struct errors *e, const struct vsw_state *st)
{
        unsigned n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
        uint64_t rx = 0, tx = 0, mtu = 0;

        for (unsigned w = 0; w < n; w++) {
                const struct vsw_worker *k = &st->workers[w];
                char name[32];

                snprintf(name, sizeof(name), "worker %u", w);
                if (add(e, name, "", "xworker_ring_full", k->xw_drops) ||
                    add(e, name, "", "no_rx_queue", k->no_rxq_drops) ||
                    add(e, name, "", "parked_lost_in_kill", k->parked_lost) ||
                    add(e, name, "", "leaked_mbufs", k->leaked_mbufs))
                        return -1;
        }
        for (unsigned w = 0; w < VSW_MAX_WORKERS; w++) {
                rx += st->uplink.counters[w].rx_drops;
                tx += st->uplink.counters[w].tx_drops;
                mtu += st->uplink.counters[w].tx_drops_mtu;
        }
        return add(e, "uplink", "rx", "bridge", rx) || add(e, "uplink", "tx", "queue_full", tx) ||
               add(e, "uplink", "tx", "mtu", mtu);
}

/* VXLAN: each tunnel's encapsulation drops, and the uplink's for frames
 * no tunnel took. */
static int vxlan_errors(struct errors *e, const struct vsw_state *st)
{
        for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++) {
                uint64_t sum = 0;

                for (unsigned w = 0; w < VSW_MAX_WORKERS; w++)
                        sum += st->uplink.counters[w].vxlan_drops[r];
                if (add(e, "uplink", "rx", vsw_vxlan_drop_names[r], sum))
                        return -1;
        }
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++) {
                const struct vsw_vxlan_tunnel *tn = &st->tunnels[t];

                if (!tn->in_use)
                        continue;
                for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++) {
                        uint64_t sum = 0;

                        for (unsigned w = 0; w < VSW_MAX_WORKERS; w++)
                                sum += tn->counters[w].drops[r];
                        if (add(e, tn->name, "tx", vsw_vxlan_drop_names[r], sum))
                                return -1;
                }
        }
        return 0;
}

int rpc_show_errors(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        struct errors e = {c, NULL, 0};
        Vsw__ShowErrorsReply *r = rpc_alloc(c, sizeof(*r));

        (void)req;
        e.v = (Vsw__ErrorCounter **)rpc_alloc_array(c, MAX_ERRORS, sizeof(Vsw__ErrorCounter));
        if (!r || !e.v)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (d->st->ifaces[i].in_use && iface_errors(&e, &d->st->ifaces[i]))
                        return -1;
        if (worker_errors(&e, d->st) || vxlan_errors(&e, d->st))
                return -1;
        vsw__show_errors_reply__init(r);
        r->errors = e.v;
        r->n_errors = e.n;
        c->reply.body_case = VSW__REPLY__BODY_ERRORS;
        c->reply.errors = r;
        return 0;
}
