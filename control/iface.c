/* Interface lifetime (control/vhostd.h): slots in the memzone's ifaces[]
 * table, each with its process-local endpoint in conns[] at the same index. */
#include "iface.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rx_placement.h"
#include "vring_handshake.h"
#include "vault.h"
#include "vsw_bridge.h"
#include "vu_conn.h"
#include "vu_handlers.h"

struct vhostd *vhostd_ctx;

static struct vu_conn conns[VSW_MAX_IFACES];

static unsigned slot_of(const struct vhostd *d, const struct vsw_iface *ifc)
{
        return (unsigned)(ifc - d->st->ifaces);
}

struct vsw_iface *vhostd_iface_by_name(struct vhostd *d, const char *name)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (d->st->ifaces[i].in_use && strcmp(d->st->ifaces[i].name, name) == 0)
                        return &d->st->ifaces[i];
        return NULL;
}

struct vsw_iface *vhostd_iface_by_index(struct vhostd *d, uint32_t sw_if_index)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (d->st->ifaces[i].in_use && d->st->ifaces[i].sw_if_index == sw_if_index)
                        return &d->st->ifaces[i];
        return NULL;
}

static int instance_used(const struct vhostd *d, uint32_t n)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (d->st->ifaces[i].in_use && d->st->ifaces[i].instance == n)
                        return 1;
        return 0;
}

/* A name, or a number as it is (a pod's uid need not be in the host's
 * passwd): the RPC and startup.conf accept both. -1 when unknown. */
static int64_t account_id(const char *v, int is_group)
{
        char *end;

        if (isdigit((unsigned char)v[0])) {
                unsigned long id = strtoul(v, &end, 10);

                return *end == '\0' && id < UINT32_MAX ? (int64_t)id : -1;
        }
        if (is_group) {
                struct group *gr = getgrnam(v);

                return gr ? (int64_t)gr->gr_gid : -1;
        }
        struct passwd *pw = getpwnam(v);

        return pw ? (int64_t)pw->pw_uid : -1;
}

static int resolve_owner(const vhostd_iface_opts *o, uint32_t *uid, uint32_t *gid, char *err,
                         size_t errlen)
{
        int64_t id;

        *uid = *gid = (uint32_t)-1;
        if (o->owner[0]) {
                id = account_id(o->owner, 0);
                if (id < 0) {
                        snprintf(err, errlen, "unknown user %s", o->owner);
                        return -1;
                }
                *uid = (uint32_t)id;
        }
        if (o->group[0]) {
                id = account_id(o->group, 1);
                if (id < 0) {
                        snprintf(err, errlen, "unknown group %s", o->group);
                        return -1;
                }
                *gid = (uint32_t)id;
        }
        return 0;
}

static void clear_vrings(struct vsw_iface *ifc)
{
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                struct vsw_vring *vr = &ifc->vrings[q];

                atomic_store(&vr->owner, VSW_NO_WORKER);
                vr->kickfd = vr->callfd = vr->errfd = -1;
        }
}

int vhostd_iface_create(struct vhostd *d, const vhostd_iface_opts *o, uint32_t *sw_if_index,
                        char *err, size_t errlen)
{
        struct vsw_state *st = d->st;
        struct vsw_iface *ifc = NULL;
        uint32_t uid, gid, instance = 0;

        if (!o->socket[0] || strlen(o->socket) >= VSW_PATH_LEN) {
                snprintf(err, errlen, "socket path must have 1 to %d characters", VSW_PATH_LEN - 1);
                return -1;
        }
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                if (st->ifaces[i].in_use && strcmp(st->ifaces[i].socket_path, o->socket) == 0) {
                        snprintf(err, errlen, "socket %s is already used by %s", o->socket,
                                 st->ifaces[i].name);
                        return -1;
                }
                if (!ifc && !st->ifaces[i].in_use)
                        ifc = &st->ifaces[i];
        }
        if (!ifc) {
                snprintf(err, errlen, "no room for another interface (at most %d)", VSW_MAX_IFACES);
                return -1;
        }
        if (o->renumber >= 0) {
                instance = (uint32_t)o->renumber;
                if (instance_used(d, instance)) {
                        snprintf(err, errlen, "VirtualEthernet0/0/%u exists already", instance);
                        return -1;
                }
        } else {
                while (instance_used(d, instance))
                        instance++;
        }
        if (resolve_owner(o, &uid, &gid, err, errlen) < 0)
                return -1;
        if (o->vlan > VSW_VLAN_MAX) {
                snprintf(err, errlen, "VLAN %u is out of range 1-%u", o->vlan, VSW_VLAN_MAX);
                return -1;
        }
        if (o->bridge && !vsw_bridge_add(st, o->bridge, err, errlen))
                return -1;

        memset(ifc, 0, sizeof(*ifc));
        ifc->instance = instance;
        if (st->next_sw_if_index == 0)
                st->next_sw_if_index = 1; /* 0 stays "no interface" */
        ifc->sw_if_index = st->next_sw_if_index++;
        snprintf(ifc->name, sizeof(ifc->name), "VirtualEthernet0/0/%u", instance);
        snprintf(ifc->socket_path, sizeof(ifc->socket_path), "%s", o->socket);
        ifc->is_server = o->server;
        ifc->sock_uid = uid;
        ifc->sock_gid = gid;
        ifc->sock_mode = o->mode >= 0 ? (uint32_t)o->mode : (uint32_t)-1;
        ifc->reconnect_ms = d->cfg.reconnect_ms;
        ifc->feature_mask = o->feature_mask;
        ifc->hwaddr_set = o->hwaddr_set;
        memcpy(ifc->mac, o->hwaddr, sizeof(ifc->mac));
        ifc->bridge_id = o->bridge ? o->bridge : VSW_NO_BRIDGE;
        ifc->vlan = (uint16_t)o->vlan;
        clear_vrings(ifc);

        if (vu_conn_start(&conns[slot_of(d, ifc)], d, ifc, err, errlen) < 0) {
                memset(ifc, 0, sizeof(*ifc));
                return -1;
        }
        /* Workers re-read the L2 config: the interface may be in a bridge. */
        vsw_l2_edit_begin(st);
        ifc->in_use = 1;
        vsw_l2_edit_end(st);
        if (sw_if_index)
                *sw_if_index = ifc->sw_if_index;
        VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: created, socket %s (%s)", ifc->name, ifc->socket_path,
                   ifc->is_server ? "server" : "client");
        return 0;
}

int vhostd_iface_delete(struct vhostd *d, uint32_t sw_if_index, char *err, size_t errlen)
{
        struct vsw_iface *ifc = vhostd_iface_by_index(d, sw_if_index);

        if (!ifc) {
                snprintf(err, errlen, "no interface with sw_if_index %u", sw_if_index);
                return -1;
        }
        struct vu_conn *c = &conns[slot_of(d, ifc)];

        if (vu_conn_stop(c) < 0) {
                snprintf(err, errlen,
                         "a worker did not pause the interface's rings: not deleted, try again");
                return -1;
        }
        if (d->vault >= 0) {
                char prefix[VSW_VAULT_KEY_LEN];

                vsw_key_format(prefix, ifc->sw_if_index, (struct vsw_key){.kind = VSW_KEY_ALL});
                vsw_vault_withdraw_prefix(d->vault, prefix);
        }
        VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: deleted", ifc->name);
        vsw_l2_edit_begin(d->st);
        ifc->in_use = 0;
        vsw_l2_edit_end(d->st);
        atomic_thread_fence(memory_order_release);
        memset(ifc, 0, sizeof(*ifc));
        return 0;
}

int vhostd_iface_set_admin(struct vhostd *d, uint32_t sw_if_index, int up, char *err, size_t errlen)
{
        struct vsw_iface *ifc = vhostd_iface_by_index(d, sw_if_index);

        if (!ifc) {
                snprintf(err, errlen, "no interface with sw_if_index %u", sw_if_index);
                return -1;
        }
        ifc->admin_up = up ? 1 : 0;
        return 0;
}

/* The interface of a placement command, with its queue pair checked. */
static struct vsw_iface *placed_iface(struct vhostd *d, uint32_t sw_if_index, uint32_t qp,
                                      char *err, size_t errlen)
{
        struct vsw_iface *ifc = vhostd_iface_by_index(d, sw_if_index);

        if (!ifc) {
                snprintf(err, errlen, "no interface with sw_if_index %u", sw_if_index);
                return NULL;
        }
        if (qp >= VSW_MAX_QUEUE_PAIRS) {
                snprintf(err, errlen, "queue %u is out of range, expected 0-%u", qp,
                         VSW_MAX_QUEUE_PAIRS - 1);
                return NULL;
        }
        return ifc;
}

int vhostd_iface_place(struct vhostd *d, uint32_t sw_if_index, uint32_t qp, uint32_t worker,
                       char *err, size_t errlen)
{
        struct vsw_iface *ifc = placed_iface(d, sw_if_index, qp, err, errlen);

        if (!ifc)
                return -1;
        if (worker >= d->st->nworkers) {
                snprintf(err, errlen, "worker %u does not exist, expected 0-%u", worker,
                         d->st->nworkers - 1);
                return -1;
        }
        if (rx_placement_move(d->st, ifc, qp, worker, err, errlen) < 0)
                return -1;
        ifc->vrings[2 * qp].placement_user = 1;
        ifc->vrings[2 * qp + 1].placement_user = 1;
        VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: queue %u placed on worker %u", ifc->name, qp, worker);
        return 0;
}

int vhostd_iface_unpin(struct vhostd *d, uint32_t sw_if_index, uint32_t qp, char *err,
                       size_t errlen)
{
        struct vsw_iface *ifc = placed_iface(d, sw_if_index, qp, err, errlen);

        if (!ifc)
                return -1;
        ifc->vrings[2 * qp].placement_user = 0;
        ifc->vrings[2 * qp + 1].placement_user = 0;
        VSW_NOTICE(VSW_LOG_VHOST_USER, "%s: queue %u unpinned", ifc->name, qp);
        return 0;
}

int vhostd_iface_set_debug(struct vhostd *d, int on)
{
        (void)d;
        vu_debug_all = on ? 1 : 0;
        return 0;
}

/* No vault to take the fds from (or it failed): the interface can only
 * start afresh on its socket. */
static void reopen(struct vhostd *d, struct vsw_iface *ifc)
{
        char err[256];
        struct vu_conn *c = &conns[slot_of(d, ifc)];

        vu_dev_init(&c->dev, d->st, ifc, d->vault);
        vu_vault_drop(&c->dev, (struct vsw_key){.kind = VSW_KEY_ALL});
        /* vu_conn_start clears the negotiated state once the rings pause. */
        if (vu_conn_start(c, d, ifc, err, sizeof(err)) < 0)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: re-opening its socket: %s", ifc->name, err);
}

static void adopt(struct vhostd *d, struct vsw_iface *ifc)
{
        struct vu_conn *c = &conns[slot_of(d, ifc)];
        char err[256];

        if (vu_conn_adopt(c, d, ifc, err, sizeof(err)) < 0)
                VSW_ERR(VSW_LOG_VHOST_USER, "%s: cannot take it over: %s", ifc->name, err);
}

void vhostd_ifaces_adopt(struct vhostd *d)
{
        unsigned n = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                if (!d->st->ifaces[i].in_use)
                        continue;
                adopt(d, &d->st->ifaces[i]);
                n += conns[i].d != NULL;
        }
        if (n)
                VSW_NOTICE(VSW_LOG_VHOST_USER, "took over %u interfaces from the vault", n);
}

void vhostd_ifaces_go(struct vhostd *d)
{
        unsigned existing = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                struct vsw_iface *ifc = &d->st->ifaces[i];
                struct vu_conn *c = &conns[i];

                if (!ifc->in_use) {
                        vu_conn_detach(c); /* deleted since we took it over */
                        continue;
                }
                existing++;
                if (!vu_conn_adoption_current(c, ifc)) {
                        /* Changed since we took it over (or never taken). */
                        vu_conn_detach(c);
                        adopt(d, ifc);
                }
                if (c->d)
                        vu_conn_go(c);
                else
                        reopen(d, ifc);
        }
        /* Only the first vhostd creates the startup interfaces: a later one
         * must not bring back what the user deleted. */
        if (existing || atomic_load(&d->st->vhostd_generation) != 0)
                return;
        /* Startup interfaces are there for VMs to use at once, so they come
         * up admin-up; `create vhost-user` leaves a new one down, as VPP does. */
        for (unsigned i = 0; i < d->cfg.nboot_ifaces; i++) {
                char err[256];
                uint32_t sw_if_index;

                if (vhostd_iface_create(d, &d->cfg.boot_ifaces[i], &sw_if_index, err, sizeof(err)) <
                        0 ||
                    vhostd_iface_set_admin(d, sw_if_index, 1, err, sizeof(err)) < 0)
                        VSW_ERR(VSW_LOG_VHOST_USER, "startup interface %s: %s",
                                d->cfg.boot_ifaces[i].socket, err);
        }
}

void vhostd_ifaces_detach(struct vhostd *d)
{
        (void)d;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                vu_conn_detach(&conns[i]);
}
