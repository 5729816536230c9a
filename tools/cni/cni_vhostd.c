#include "cni_vhostd.h"

#include <stdio.h>
#include <string.h>

#include "cni_error.h"
#include "rpc_client.h"

/* One request; 0 with *rep holding a successful reply, else a CNI code. */
static int call(const struct cni_config *c, Vsw__Request *req, Vsw__Reply **rep, char *err,
                size_t errlen)
{
        char why[384];

        if (vsw_rpc_call(c->endpoint, req, rep, why, sizeof(why))) {
                snprintf(err, errlen, "vhostd: %s", why);
                return CNI_ERR_TRY_AGAIN;
        }
        if ((*rep)->status) {
                snprintf(err, errlen, "vhostd: %s",
                         (*rep)->error && *(*rep)->error ? (*rep)->error : "request refused");
                vsw__reply__free_unpacked(*rep, NULL);
                *rep = NULL;
                return CNI_ERR_VHOSTD;
        }
        return 0;
}

/* A request whose reply carries nothing but its status. */
static int call_simple(const struct cni_config *c, Vsw__Request *req, char *err, size_t errlen)
{
        Vsw__Reply *rep;
        int rc = call(c, req, &rep, err, errlen);

        if (!rc)
                vsw__reply__free_unpacked(rep, NULL);
        return rc;
}

static int delete_index(const struct cni_config *c, uint32_t sw_if_index, char *err, size_t errlen)
{
        Vsw__Request req = VSW__REQUEST__INIT;
        Vsw__DeleteVhostUserRequest q = VSW__DELETE_VHOST_USER_REQUEST__INIT;

        q.has_sw_if_index = 1;
        q.sw_if_index = sw_if_index;
        req.cmd_case = VSW__REQUEST__CMD_DELETE_VHOST_USER;
        req.delete_vhost_user = &q;
        return call_simple(c, &req, err, errlen);
}

static int configure(const struct cni_config *c, const char *name, char *err, size_t errlen)
{
        Vsw__Request req = VSW__REQUEST__INIT;
        Vsw__SetInterfaceL2BridgeRequest br = VSW__SET_INTERFACE_L2_BRIDGE_REQUEST__INIT;
        Vsw__SetInterfaceVlanRequest vl = VSW__SET_INTERFACE_VLAN_REQUEST__INIT;
        Vsw__SetInterfaceStateRequest up = VSW__SET_INTERFACE_STATE_REQUEST__INIT;
        int rc;

        br.name = (char *)name;
        br.bd_id = c->bridge;
        req.cmd_case = VSW__REQUEST__CMD_SET_INTERFACE_L2_BRIDGE;
        req.set_interface_l2_bridge = &br;
        if ((rc = call_simple(c, &req, err, errlen)))
                return rc;
        if (c->vlan) {
                vl.name = (char *)name;
                vl.vlan = c->vlan;
                req.cmd_case = VSW__REQUEST__CMD_SET_INTERFACE_VLAN;
                req.set_interface_vlan = &vl;
                if ((rc = call_simple(c, &req, err, errlen)))
                        return rc;
        }
        up.name = (char *)name;
        up.up = 1;
        req.cmd_case = VSW__REQUEST__CMD_SET_INTERFACE_STATE;
        req.set_interface_state = &up;
        return call_simple(c, &req, err, errlen);
}

int cni_vhostd_attach(const struct cni_config *c, const char *sock, const uint8_t mac[6],
                      char *name, size_t namelen, char *err, size_t errlen)
{
        Vsw__Request req = VSW__REQUEST__INIT;
        Vsw__CreateVhostUserRequest q = VSW__CREATE_VHOST_USER_REQUEST__INIT;
        Vsw__Reply *rep;
        uint32_t index;
        char ignored[128];
        int rc;

        q.socket = (char *)sock;
        q.has_server = 1;
        q.server = 1;
        q.has_hwaddr = 1;
        q.hwaddr.len = 6;
        q.hwaddr.data = (uint8_t *)mac;
        q.owner = c->owner[0] ? (char *)c->owner : NULL;
        q.group = c->group[0] ? (char *)c->group : NULL;
        q.has_mode = c->mode >= 0;
        q.mode = c->mode >= 0 ? (uint32_t)c->mode : 0;
        req.cmd_case = VSW__REQUEST__CMD_CREATE_VHOST_USER;
        req.create_vhost_user = &q;
        if ((rc = call(c, &req, &rep, err, errlen)))
                return rc;
        if (rep->body_case != VSW__REPLY__BODY_CREATED) {
                vsw__reply__free_unpacked(rep, NULL);
                snprintf(err, errlen, "vhostd: create vhost-user answered without the interface");
                return CNI_ERR_VHOSTD;
        }
        snprintf(name, namelen, "%s", rep->created->name);
        index = rep->created->sw_if_index;
        vsw__reply__free_unpacked(rep, NULL);
        rc = configure(c, name, err, errlen);
        if (rc)
                delete_index(c, index, ignored, sizeof(ignored));
        return rc;
}

/* Every vhost-user interface; 0 with *rep, else a CNI code. */
static int show_all(const struct cni_config *c, Vsw__Reply **rep, char *err, size_t errlen)
{
        Vsw__Request req = VSW__REQUEST__INIT;
        Vsw__ShowVhostUserRequest q = VSW__SHOW_VHOST_USER_REQUEST__INIT;
        int rc;

        req.cmd_case = VSW__REQUEST__CMD_SHOW_VHOST_USER;
        req.show_vhost_user = &q;
        if ((rc = call(c, &req, rep, err, errlen)))
                return rc;
        if ((*rep)->body_case != VSW__REPLY__BODY_VHOST_USER) {
                vsw__reply__free_unpacked(*rep, NULL);
                snprintf(err, errlen, "vhostd: show vhost-user answered something else");
                return CNI_ERR_VHOSTD;
        }
        return 0;
}

static const Vsw__VhostUserInterface *by_socket(const Vsw__Reply *rep, const char *sock)
{
        for (size_t i = 0; i < rep->vhost_user->n_interfaces; i++)
                if (!strcmp(rep->vhost_user->interfaces[i]->socket, sock))
                        return rep->vhost_user->interfaces[i];
        return NULL;
}

int cni_vhostd_detach(const struct cni_config *c, const char *sock, char *err, size_t errlen)
{
        const Vsw__VhostUserInterface *ifc;
        Vsw__Reply *rep;
        int rc = show_all(c, &rep, err, errlen);

        if (rc)
                return rc;
        ifc = by_socket(rep, sock);
        if (ifc)
                rc = delete_index(c, ifc->sw_if_index, err, errlen);
        vsw__reply__free_unpacked(rep, NULL);
        return rc;
}

/* 0 when the bridge domain lists sw_if_index with the config's VLAN. */
static int check_member(const struct cni_config *c, uint32_t sw_if_index, const char *name,
                        char *err, size_t errlen)
{
        Vsw__Request req = VSW__REQUEST__INIT;
        Vsw__ShowBridgeDomainRequest q = VSW__SHOW_BRIDGE_DOMAIN_REQUEST__INIT;
        Vsw__Reply *rep;
        int rc;

        q.has_bd_id = 1;
        q.bd_id = c->bridge;
        req.cmd_case = VSW__REQUEST__CMD_SHOW_BRIDGE_DOMAIN;
        req.show_bridge_domain = &q;
        if ((rc = call(c, &req, &rep, err, errlen)))
                return rc == CNI_ERR_VHOSTD ? CNI_ERR_CHECK : rc;
        rc = CNI_ERR_CHECK;
        snprintf(err, errlen, "%s is not in bridge domain %u", name, c->bridge);
        for (size_t b = 0; rep->body_case == VSW__REPLY__BODY_BRIDGE_DOMAINS &&
                           b < rep->bridge_domains->n_bridge_domains;
             b++) {
                const Vsw__BridgeDomain *bd = rep->bridge_domains->bridge_domains[b];

                for (size_t m = 0; bd->bd_id == c->bridge && m < bd->n_members; m++) {
                        if (bd->members[m]->sw_if_index != sw_if_index)
                                continue;
                        if (bd->members[m]->vlan == c->vlan)
                                rc = 0;
                        else
                                snprintf(err, errlen, "%s is in VLAN %u, not %u", name,
                                         bd->members[m]->vlan, c->vlan);
                }
        }
        vsw__reply__free_unpacked(rep, NULL);
        return rc;
}

int cni_vhostd_check(const struct cni_config *c, const char *sock, char *name, size_t namelen,
                     char *err, size_t errlen)
{
        const Vsw__VhostUserInterface *ifc;
        Vsw__Reply *rep;
        uint32_t index;
        int rc = show_all(c, &rep, err, errlen);

        if (rc)
                return rc;
        ifc = by_socket(rep, sock);
        if (!ifc || !ifc->server) {
                snprintf(err, errlen, "no server-mode vhost-user interface on %s", sock);
                vsw__reply__free_unpacked(rep, NULL);
                return CNI_ERR_CHECK;
        }
        snprintf(name, namelen, "%s", ifc->name);
        index = ifc->sw_if_index;
        vsw__reply__free_unpacked(rep, NULL);
        return check_member(c, index, name, err, errlen);
}
