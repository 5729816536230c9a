/* RPC handlers of the interface family: create vhost-user, delete
 * vhost-user, set interface state, show interface. Every field of a
 * request is checked here again: vhost-ctl is not the only possible peer. */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vsw_rx_mode.h"
#include "vsw_wake.h"
#include "rpc_call.h"
#include "virtio_spec.h"

/* A user or group as startup.conf spells it: a name or a number. */
static int account_exists(const char *v, int is_group)
{
        char *end;

        if (isdigit((unsigned char)v[0])) {
                unsigned long id = strtoul(v, &end, 10);

                return *end == '\0' && id < UINT32_MAX;
        }
        return is_group ? getgrnam(v) != NULL : getpwnam(v) != NULL;
}

static int copy_account(struct rpc_call *c, const char *what, const char *v, char *dst, size_t len,
                        int is_group)
{
        char q[80];

        if (!*v || strlen(v) >= len)
                return rpc_fail(c, EINVAL, "bad %s '%s'", what, rpc_quote(v, q, sizeof(q)));
        if (!account_exists(v, is_group))
                return rpc_fail(c, ENOENT, "unknown %s '%s'", what, rpc_quote(v, q, sizeof(q)));
        memcpy(dst, v, strlen(v) + 1);
        return 0;
}

static int opts_from_request(const Vsw__CreateVhostUserRequest *q, vhostd_iface_opts *o,
                             struct rpc_call *c)
{
        char quoted[80];

        memset(o, 0, sizeof(*o));
        if (q->socket[0] != '/' || strlen(q->socket) >= sizeof(o->socket))
                return rpc_fail(c, EINVAL, "bad socket path '%s': absolute and under %zu bytes",
                                rpc_quote(q->socket, quoted, sizeof(quoted)), sizeof(o->socket));
        memcpy(o->socket, q->socket, strlen(q->socket) + 1);
        o->server = q->has_server && q->server;
        o->feature_mask = q->has_feature_mask ? q->feature_mask : UINT64_MAX;
        if (q->has_hwaddr) {
                if (q->hwaddr.len != sizeof(o->hwaddr))
                        return rpc_fail(c, EINVAL, "hwaddr has %zu bytes, expected 6",
                                        q->hwaddr.len);
                if (q->hwaddr.data[0] & 1)
                        return rpc_fail(c, EINVAL, "hwaddr is a multicast address");
                memcpy(o->hwaddr, q->hwaddr.data, sizeof(o->hwaddr));
                o->hwaddr_set = 1;
        }
        o->renumber = -1;
        if (q->has_renumber) {
                if (q->renumber > INT32_MAX)
                        return rpc_fail(c, EINVAL, "renumber %u is out of range", q->renumber);
                o->renumber = (int32_t)q->renumber;
        }
        if (q->owner && copy_account(c, "user", q->owner, o->owner, sizeof(o->owner), 0))
                return -1;
        if (q->group && copy_account(c, "group", q->group, o->group, sizeof(o->group), 1))
                return -1;
        o->mode = -1;
        if (q->has_mode) {
                if (q->mode > 07777)
                        return rpc_fail(c, EINVAL, "mode %o is not a file mode", q->mode);
                o->mode = (int32_t)q->mode;
        }
        return 0;
}

int rpc_create_vhost_user(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        vhostd_iface_opts o;
        Vsw__CreateVhostUserReply *r;
        struct vsw_iface *ifc;
        uint32_t sw_if_index;
        char err[256];

        if (opts_from_request(req->create_vhost_user, &o, c))
                return -1;
        if (vhostd_iface_create(d, &o, &sw_if_index, err, sizeof(err)))
                return rpc_fail(c, EINVAL, "%s", err);
        ifc = vhostd_iface_by_index(d, sw_if_index);
        r = rpc_alloc(c, sizeof(*r));
        if (!r || !ifc)
                return ifc ? rpc_no_memory(c)
                           : rpc_fail(c, ENODEV, "interface %u vanished after create", sw_if_index);
        vsw__create_vhost_user_reply__init(r);
        r->sw_if_index = sw_if_index;
        r->name = rpc_strdup(c, ifc->name);
        if (!r->name)
                return rpc_no_memory(c);
        c->reply.body_case = VSW__REPLY__BODY_CREATED;
        c->reply.created = r;
        return 0;
}

int rpc_delete_vhost_user(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__DeleteVhostUserRequest *q = req->delete_vhost_user;
        struct vsw_iface *ifc;
        char err[256];

        if (!q->name == !q->has_sw_if_index)
                return rpc_fail(c, EINVAL, "delete vhost-user needs a name or an sw_if_index");
        if (q->name) {
                ifc = rpc_iface_named(d, c, q->name);
                if (!ifc)
                        return -1;
        } else {
                ifc = vhostd_iface_by_index(d, q->sw_if_index);
                if (!ifc)
                        return rpc_fail(c, ENODEV, "unknown sw_if_index %u", q->sw_if_index);
        }
        if (vhostd_iface_delete(d, ifc->sw_if_index, err, sizeof(err)))
                return rpc_fail(c, EINVAL, "%s", err);
        return 0;
}

int rpc_set_interface_state(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceStateRequest *q = req->set_interface_state;
        struct vsw_iface *ifc = rpc_iface_named(d, c, q->name);
        char err[256];

        if (!ifc)
                return -1;
        if (vhostd_iface_set_admin(d, ifc->sw_if_index, q->up, err, sizeof(err)))
                return rpc_fail(c, EINVAL, "%s", err);
        return 0;
}

int rpc_set_interface_mtu(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceMtuRequest *q = req->set_interface_mtu;
        struct vsw_iface *ifc = rpc_iface_named(d, c, q->name);

        if (!ifc)
                return -1;
        if (q->mtu != 0 && (q->mtu < VIRTIO_NET_MIN_MTU || q->mtu > VIRTIO_NET_MAX_MTU))
                return rpc_fail(c, EINVAL, "MTU %u is out of range %u-%u", q->mtu,
                                VIRTIO_NET_MIN_MTU, VIRTIO_NET_MAX_MTU);
        /* The workers read it at housekeeping (dp_routes_refresh). */
        __atomic_store_n(&ifc->mtu_admin, q->mtu, __ATOMIC_RELAXED);
        if (q->mtu)
                VSW_NOTICE(VSW_LOG_RPC, "%s: mtu %u (enforced %u)", ifc->name, q->mtu,
                           vsw_iface_mtu(ifc));
        else
                VSW_NOTICE(VSW_LOG_RPC, "%s: no mtu set (enforced %u, 0: none)", ifc->name,
                           vsw_iface_mtu(ifc));
        return 0;
}

int rpc_set_interface_rx_placement(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceRxPlacementRequest *q = req->set_interface_rx_placement;
        struct vsw_iface *ifc = rpc_iface_named(d, c, q->name);
        char err[256];

        if (!ifc)
                return -1;
        if (q->has_unpin && q->unpin) {
                if (vhostd_iface_unpin(d, ifc->sw_if_index, q->queue, err, sizeof(err)))
                        return rpc_fail(c, EINVAL, "%s: %s", ifc->name, err);
                return 0;
        }
        if (vhostd_iface_place(d, ifc->sw_if_index, q->queue, q->worker, err, sizeof(err)))
                return rpc_fail(c, EINVAL, "%s: %s", ifc->name, err);
        return 0;
}

int rpc_set_interface_rx_mode(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__SetInterfaceRxModeRequest *q = req->set_interface_rx_mode;
        struct vsw_iface *ifc = rpc_iface_named(d, c, q->name);
        int mode = vsw_rx_mode_parse(q->mode);
        unsigned first = 0, last = VSW_MAX_QUEUE_PAIRS - 1;

        if (!ifc)
                return -1;
        if (mode < 0)
                return rpc_fail(c, EINVAL,
                                "bad rx-mode '%s', expected polling, interrupt or adaptive",
                                q->mode);
        if (q->has_queue) {
                if (q->queue >= VSW_MAX_QUEUE_PAIRS)
                        return rpc_fail(c, EINVAL, "%s: queue %u is out of range, expected 0-%u",
                                        ifc->name, q->queue, VSW_MAX_QUEUE_PAIRS - 1);
                first = last = q->queue;
        }
        /* The owner reads it at housekeeping: no pause needed, only a wake
         * for one that sleeps. */
        for (unsigned qp = first; qp <= last; qp++)
                for (unsigned v = 2 * qp; v < 2 * qp + 2; v++) {
                        atomic_store_explicit(&ifc->vrings[v].rx_mode, (uint32_t)mode,
                                              memory_order_relaxed);
                        vsw_wake(atomic_load_explicit(&ifc->vrings[v].owner, memory_order_acquire));
                }
        if (q->has_queue)
                VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: queue %u rx-mode %s", ifc->name, q->queue,
                           q->mode);
        else
                VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: rx-mode %s", ifc->name, q->mode);
        return 0;
}

static int fill_interface(struct rpc_call *c, const struct vsw_iface *ifc, Vsw__Interface *o)
{
        unsigned nq = 0, k = 0;

        vsw__interface__init(o);
        o->name = rpc_strdup(c, ifc->name);
        o->sw_if_index = ifc->sw_if_index;
        o->admin_up = ifc->admin_up;
        o->link_up = ifc->conn_state == VSW_CONN_CONNECTED;
        o->conn_state = (char *)rpc_conn_state_name(ifc->conn_state);
        /* Each vring's counters have one writer (its worker): the
         * interface's are their sums. rx: from the guest (its TX queues,
         * odd), tx: to the guest (its RX queues, even). */
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                const struct vsw_vring_counters *v = &ifc->vrings[q].counters;

                if (q & 1) {
                        o->rx_packets += v->packets;
                        o->rx_bytes += v->bytes;
                } else {
                        o->tx_packets += v->packets;
                        o->tx_bytes += v->bytes;
                }
                o->drops += v->drops_full + v->drops_bad_desc + v->drops_other + v->drops_mtu;
        }
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                nq += ifc->vrings[q].num != 0;
        o->queues = (Vsw__QueueCounters **)rpc_alloc_array(c, nq, sizeof(Vsw__QueueCounters));
        if (!o->name || (nq && !o->queues))
                return rpc_no_memory(c);
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                const struct vsw_vring_counters *src = &ifc->vrings[q].counters;
                Vsw__QueueCounters *qc;

                if (!ifc->vrings[q].num)
                        continue;
                qc = o->queues[k++];
                vsw__queue_counters__init(qc);
                qc->index = q;
                qc->counters = rpc_vring_counters(c, src);
                if (!qc->counters)
                        return rpc_no_memory(c);
        }
        o->n_queues = k;
        return 0;
}

int rpc_show_interface(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__ShowInterfaceRequest *q = req->show_interface;
        struct vsw_iface *ifcs[VSW_MAX_IFACES];
        const struct vsw_vxlan_tunnel *tns[VSW_MAX_TUNNELS];
        Vsw__ShowInterfaceReply *r;
        size_t n = 0, nt = 0;
        int uplink = !q->n_names && d->st->uplink.mode != VSW_UPLINK_NONE;

        if (q->n_names > VSW_MAX_IFACES)
                return rpc_fail(c, EINVAL, "more than %d interface names", VSW_MAX_IFACES);
        for (size_t i = 0; i < q->n_names; i++) {
                if (rpc_uplink_named(d, q->names[i])) {
                        uplink = 1;
                        continue;
                }
                if (nt < VSW_MAX_TUNNELS && (tns[nt] = rpc_tunnel_named(d, q->names[i]))) {
                        nt++;
                        continue;
                }
                if (!(ifcs[n++] = rpc_iface_named(d, c, q->names[i])))
                        return -1;
        }
        if (!q->n_names) {
                n = rpc_ifaces_in_use(d, ifcs);
                for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                        if (d->st->tunnels[t].in_use)
                                tns[nt++] = &d->st->tunnels[t];
        }
        r = rpc_alloc(c, sizeof(*r));
        if (!r)
                return rpc_no_memory(c);
        vsw__show_interface_reply__init(r);
        r->interfaces =
            (Vsw__Interface **)rpc_alloc_array(c, n + (size_t)uplink + nt, sizeof(Vsw__Interface));
        if ((n || uplink || nt) && !r->interfaces)
                return rpc_no_memory(c);
        r->n_interfaces = n + (size_t)uplink + nt;
        for (size_t i = 0; i < n; i++)
                if (fill_interface(c, ifcs[i], r->interfaces[i]))
                        return -1;
        if (uplink && rpc_uplink_interface(d, c, r->interfaces[n]))
                return -1;
        for (size_t i = 0; i < nt; i++)
                if (rpc_tunnel_interface(d, c, tns[i], r->interfaces[n + (size_t)uplink + i]))
                        return -1;
        c->reply.body_case = VSW__REPLY__BODY_INTERFACES;
        c->reply.interfaces = r;
        return 0;
}
