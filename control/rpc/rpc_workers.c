/* RPC handler of `show workers`: the vhost-dp workers as the memzone
 * records them (the supervisor writes pid and restarts, each worker its
 * state and heartbeat). */
#include <stdatomic.h>
#include <time.h>

#include "rpc_call.h"

const char *rpc_worker_state_name(uint32_t s)
{
        switch (s) {
        case VSW_WORKER_ABSENT:
                return "absent";
        case VSW_WORKER_STARTING:
                return "starting";
        case VSW_WORKER_RUNNING:
                return "running";
        case VSW_WORKER_DEAD:
                return "dead";
        }
        return "unknown";
}

static int64_t age_ms(uint64_t then_ns)
{
        struct timespec ts;
        uint64_t now;

        if (then_ns == 0 || clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return -1;
        now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
        return now > then_ns ? (int64_t)((now - then_ns) / 1000000ull) : 0;
}

int rpc_show_workers(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const struct vsw_state *st = d->st;
        unsigned n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
        Vsw__ShowWorkersReply *r = rpc_alloc(c, sizeof(*r));
        Vsw__Worker **w = n ? (Vsw__Worker **)rpc_alloc_array(c, n, sizeof(Vsw__Worker)) : NULL;

        (void)req;
        if (!r || (n && !w))
                return rpc_no_memory(c);
        vsw__show_workers_reply__init(r);
        for (unsigned i = 0; i < n; i++) {
                const struct vsw_worker *k = &st->workers[i];

                vsw__worker__init(w[i]);
                w[i]->index = i;
                w[i]->pid = k->pid;
                w[i]->lcore = k->lcore;
                w[i]->state = (char *)rpc_worker_state_name(atomic_load(&k->state));
                w[i]->restarts = k->restarts;
                w[i]->heartbeat_age_ms = age_ms(atomic_load(&k->heartbeat_ns));
                w[i]->has_xw_drops = w[i]->has_no_rxq_drops = 1;
                w[i]->xw_drops = k->xw_drops;
                w[i]->no_rxq_drops = k->no_rxq_drops;
                w[i]->has_sleeps = w[i]->has_wakes = 1;
                w[i]->sleeps = k->sleeps;
                w[i]->wakes = k->wakes;
                w[i]->has_parked_lost = 1;
                w[i]->parked_lost = k->parked_lost;
        }
        r->n_workers = n;
        r->workers = w;
        c->reply.body_case = VSW__REPLY__BODY_WORKERS;
        c->reply.workers = r;
        return 0;
}
