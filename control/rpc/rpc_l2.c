/* RPC handlers of the L2 family: set interface l2 bridge / l3 / vlan,
 * create and delete bridge-domain, show bridge-domain, show l2fib. The
 * config lives in the memzone (shared/vsw_bridge.h); the MAC tables are
 * read as the workers write them, entry by entry, with no lock. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "rpc_call.h"
#include "vsw_bridge.h"
#include "vsw_l2fib.h"

#define AGING_MINUTES_MAX 10080u /* a week */

static int check_bd_id(struct rpc_call *c, uint32_t id)
{
        if (id == 0 || id > VSW_BRIDGE_ID_MAX)
                return rpc_fail(c, EINVAL, "bridge domain id %u is out of range 1-%u", id,
                                VSW_BRIDGE_ID_MAX);
        return 0;
}

int rpc_set_interface_l2_bridge(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceL2BridgeRequest *q = req->set_interface_l2_bridge;
        struct vsw_vxlan_tunnel *tn = rpc_tunnel_named(d, q->name);
        struct vsw_iface *ifc;
        char err[128];

        if (tn) {
                if (check_bd_id(c, q->bd_id))
                        return -1;
                if (vsw_tunnel_set_bridge(d->st, tn, q->bd_id, err, sizeof(err)))
                        return rpc_fail(c, ENOSPC, "%s", err);
                VSW_NOTICE(VSW_LOG_RPC, "%s: in bridge domain %u", tn->name, q->bd_id);
                return 0;
        }
        ifc = rpc_iface_named(d, c, q->name);
        if (!ifc || check_bd_id(c, q->bd_id))
                return -1;
        if (vsw_iface_set_bridge(d->st, ifc, q->bd_id, err, sizeof(err)))
                return rpc_fail(c, ENOSPC, "%s", err);
        VSW_NOTICE(VSW_LOG_RPC, "%s: in bridge domain %u", ifc->name, q->bd_id);
        return 0;
}

int rpc_set_interface_l3(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        struct vsw_vxlan_tunnel *tn = rpc_tunnel_named(d, req->set_interface_l3->name);
        struct vsw_iface *ifc;
        char err[128];

        if (tn) {
                if (vsw_tunnel_set_bridge(d->st, tn, VSW_NO_BRIDGE, err, sizeof(err)))
                        return rpc_fail(c, EINVAL, "%s", err);
                VSW_NOTICE(VSW_LOG_RPC, "%s: in no bridge domain", tn->name);
                return 0;
        }
        ifc = rpc_iface_named(d, c, req->set_interface_l3->name);
        if (!ifc)
                return -1;
        if (vsw_iface_set_bridge(d->st, ifc, VSW_NO_BRIDGE, err, sizeof(err)))
                return rpc_fail(c, EINVAL, "%s", err);
        VSW_NOTICE(VSW_LOG_RPC, "%s: in no bridge domain", ifc->name);
        return 0;
}

int rpc_set_interface_vlan(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceVlanRequest *q = req->set_interface_vlan;
        struct vsw_iface *ifc = rpc_iface_named(d, c, q->name);
        char err[128];

        if (!ifc)
                return -1;
        if (vsw_iface_set_vlan(d->st, ifc, q->vlan, err, sizeof(err)))
                return rpc_fail(c, EINVAL, "%s", err);
        if (q->vlan)
                VSW_NOTICE(VSW_LOG_RPC, "%s: access VLAN %u", ifc->name, q->vlan);
        else
                VSW_NOTICE(VSW_LOG_RPC, "%s: no access VLAN", ifc->name);
        return 0;
}

int rpc_create_bridge_domain(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__CreateBridgeDomainRequest *q = req->create_bridge_domain;
        struct vsw_bridge *b;
        char err[128];

        if (check_bd_id(c, q->bd_id))
                return -1;
        if (q->has_aging_minutes && q->aging_minutes > AGING_MINUTES_MAX)
                return rpc_fail(c, EINVAL, "aging %u minutes is out of range 0-%u",
                                q->aging_minutes, AGING_MINUTES_MAX);
        b = vsw_bridge_add(d->st, q->bd_id, err, sizeof(err));
        if (!b)
                return rpc_fail(c, ENOSPC, "%s", err);
        vsw_bridge_set(d->st, b, q->has_learn ? q->learn : (int)b->learn,
                       q->has_aging_minutes ? q->aging_minutes * 60 : b->aging_s);
        VSW_NOTICE(VSW_LOG_RPC, "bridge domain %u: learn %s, aging %u s", b->id,
                   b->learn ? "on" : "off", b->aging_s);
        return 0;
}

int rpc_delete_bridge_domain(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        uint32_t id = req->delete_bridge_domain->bd_id;
        char err[128];

        if (check_bd_id(c, id))
                return -1;
        if (vsw_bridge_delete(d->st, id, err, sizeof(err)))
                return rpc_fail(c, vsw_bridge_find(d->st, id) ? EBUSY : ENOENT, "%s", err);
        VSW_NOTICE(VSW_LOG_RPC, "bridge domain %u: deleted", id);
        return 0;
}

/* Calls fn for each live entry of b (published, not aged). */
static unsigned each_entry(const struct vsw_bridge *b, uint32_t now,
                           void (*fn)(void *arg, uint64_t key, uint64_t val), void *arg)
{
        unsigned n = 0;

        for (unsigned i = 0; i < VSW_L2FIB_BUCKETS; i++)
                for (unsigned w = 0; w < VSW_L2FIB_WAYS; w++) {
                        uint64_t key, val;

                        if (!vsw_l2fib_read(&b->fib[i].way[w], &key, &val) ||
                            vsw_l2fib_aged(val, now, b->aging_s))
                                continue;
                        n++;
                        if (fn)
                                fn(arg, key, val);
                }
        return n;
}

/* The bridge domains a request names: the one with id (ENOENT when
 * none), or all. */
static int selected(struct vhostd *d, struct rpc_call *c, int has_id, uint32_t id,
                    struct vsw_bridge **list, unsigned *n)
{
        *n = 0;
        if (has_id) {
                list[0] = vsw_bridge_find(d->st, id);
                if (!list[0])
                        return rpc_fail(c, ENOENT, "no bridge domain %u", id);
                *n = 1;
                return 0;
        }
        for (unsigned i = 0; i < VSW_MAX_BRIDGES; i++)
                if (d->st->bridges[i].in_use)
                        list[(*n)++] = &d->st->bridges[i];
        return 0;
}

static int fill_members(struct vhostd *d, struct rpc_call *c, Vsw__BridgeDomain *bd)
{
        unsigned n = vsw_bridge_members(d->st, bd->bd_id), k = 0;
        Vsw__BridgeMember **m;

        if (!n)
                return 0;
        m = (Vsw__BridgeMember **)rpc_alloc_array(c, n, sizeof(Vsw__BridgeMember));
        if (!m)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < VSW_MAX_IFACES && k < n; i++) {
                const struct vsw_iface *ifc = &d->st->ifaces[i];

                if (!ifc->in_use || ifc->bridge_id != bd->bd_id)
                        continue;
                vsw__bridge_member__init(m[k]);
                m[k]->name = rpc_strdup(c, ifc->name);
                if (!m[k]->name)
                        return rpc_no_memory(c);
                m[k]->sw_if_index = ifc->sw_if_index;
                m[k]->vlan = ifc->vlan;
                k++;
        }
        if (k < n && d->st->uplink.mode != VSW_UPLINK_NONE &&
            d->st->uplink.bridge_id == bd->bd_id) {
                vsw__bridge_member__init(m[k]);
                m[k]->name = rpc_strdup(c, d->st->uplink.name);
                if (!m[k]->name)
                        return rpc_no_memory(c);
                m[k]->sw_if_index = VSW_UPLINK_SW_IF_INDEX;
                k++;
        }
        for (unsigned t = 0; t < VSW_MAX_TUNNELS && k < n; t++) {
                const struct vsw_vxlan_tunnel *tn = &d->st->tunnels[t];

                if (!tn->in_use || tn->bridge_id != bd->bd_id)
                        continue;
                vsw__bridge_member__init(m[k]);
                m[k]->name = rpc_strdup(c, tn->name);
                if (!m[k]->name)
                        return rpc_no_memory(c);
                m[k]->sw_if_index = tn->sw_if_index;
                k++;
        }
        bd->n_members = k;
        bd->members = m;
        return 0;
}

int rpc_show_bridge_domain(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__ShowBridgeDomainRequest *q = req->show_bridge_domain;
        struct vsw_bridge *list[VSW_MAX_BRIDGES];
        Vsw__ShowBridgeDomainReply *r = rpc_alloc(c, sizeof(*r));
        Vsw__BridgeDomain **bds;
        uint32_t now = vsw_l2fib_now();
        unsigned n;

        if (!r)
                return rpc_no_memory(c);
        if (selected(d, c, q->has_bd_id, q->bd_id, list, &n))
                return -1;
        vsw__show_bridge_domain_reply__init(r);
        bds = n ? (Vsw__BridgeDomain **)rpc_alloc_array(c, n, sizeof(Vsw__BridgeDomain)) : NULL;
        if (n && !bds)
                return rpc_no_memory(c);
        for (unsigned i = 0; i < n; i++) {
                vsw__bridge_domain__init(bds[i]);
                bds[i]->bd_id = list[i]->id;
                bds[i]->learn = list[i]->learn != 0;
                bds[i]->aging_s = list[i]->aging_s;
                bds[i]->macs = each_entry(list[i], now, NULL, NULL);
                if (fill_members(d, c, bds[i]))
                        return -1;
        }
        r->n_bridge_domains = n;
        r->bridge_domains = bds;
        c->reply.body_case = VSW__REPLY__BODY_BRIDGE_DOMAINS;
        c->reply.bridge_domains = r;
        return 0;
}

struct fib_fill {
        struct vhostd *d;
        struct rpc_call *c;
        const struct vsw_bridge *b;
        uint32_t now;
        Vsw__L2fibEntry **entries;
        unsigned n, max;
        int failed;
};

static void fill_entry(void *arg, uint64_t key, uint64_t val)
{
        struct fib_fill *f = arg;
        Vsw__L2fibEntry *e;
        struct vsw_iface *ifc;
        struct vsw_vxlan_tunnel *tn;
        uint8_t *mac;
        int32_t age = vsw_l2fib_age(val, f->now);

        /* The table may have grown since it was counted. */
        if (f->failed || f->n == f->max)
                return;
        e = f->entries[f->n];
        mac = rpc_alloc(f->c, 6);
        if (!mac) {
                f->failed = 1;
                return;
        }
        vsw__l2fib_entry__init(e);
        vsw_l2fib_key_mac(key, mac);
        e->mac.data = mac;
        e->mac.len = 6;
        e->bd_id = f->b->id;
        e->vlan = vsw_l2fib_key_vlan(key);
        e->sw_if_index = vsw_l2fib_val_sw_if_index(val);
        ifc = vhostd_iface_by_index(f->d, e->sw_if_index);
        tn = rpc_tunnel_by_index(f->d, e->sw_if_index);
        if (e->sw_if_index == VSW_UPLINK_SW_IF_INDEX)
                e->name = rpc_strdup(f->c, f->d->st->uplink.name);
        else if (ifc)
                e->name = rpc_strdup(f->c, ifc->name);
        else if (tn)
                e->name = rpc_strdup(f->c, tn->name);
        if ((ifc || tn || e->sw_if_index == VSW_UPLINK_SW_IF_INDEX) && !e->name) {
                f->failed = 1;
                return;
        }
        e->age_s = age > 0 ? (uint32_t)age : 0;
        f->n++;
}

int rpc_show_l2fib(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__ShowL2fibRequest *q = req->show_l2fib;
        struct vsw_bridge *list[VSW_MAX_BRIDGES];
        Vsw__ShowL2fibReply *r = rpc_alloc(c, sizeof(*r));
        struct fib_fill f = {.d = d, .c = c, .now = vsw_l2fib_now()};
        unsigned n, count = 0;

        if (!r)
                return rpc_no_memory(c);
        if (selected(d, c, q->has_bd_id, q->bd_id, list, &n))
                return -1;
        vsw__show_l2fib_reply__init(r);
        for (unsigned i = 0; i < n; i++)
                count += each_entry(list[i], f.now, NULL, NULL);
        if (q->has_verbose && q->verbose && count) {
                f.max = count;
                f.entries = (Vsw__L2fibEntry **)rpc_alloc_array(c, count, sizeof(Vsw__L2fibEntry));
                if (!f.entries)
                        return rpc_no_memory(c);
                for (unsigned i = 0; i < n; i++) {
                        f.b = list[i];
                        each_entry(list[i], f.now, fill_entry, &f);
                }
                if (f.failed)
                        return rpc_no_memory(c);
                r->n_entries = f.n;
                r->entries = f.entries;
                count = f.n;
        }
        r->count = count;
        c->reply.body_case = VSW__REPLY__BODY_L2FIB;
        c->reply.l2fib = r;
        return 0;
}
