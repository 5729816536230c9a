/* control/iface_diagnose.c: the reason an interface does not forward, in
 * the order a user must fix things (fault, admin, socket reach, the last
 * refusal, negotiation, memory table, queues, bridge), NULL once it
 * forwards; and the socket reach check against real directories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iface_diagnose.h"
#include "unit_check.h"

#define NONE ((uint32_t)-1)

static const char *why(const struct vsw_iface *ifc, int *mistake)
{
        static char buf[512];

        return iface_why_not_forwarding(ifc, 0, buf, sizeof(buf), mistake);
}

static void reasons_in_order(void)
{
        struct vsw_iface *ifc = calloc(1, sizeof(*ifc));
        const char *w;
        int mistake;

        if (!ifc)
                return;
        snprintf(ifc->name, sizeof(ifc->name), "VirtualEthernet0/0/3");
        snprintf(ifc->socket_path, sizeof(ifc->socket_path), "/tmp");
        ifc->is_server = 1;
        ifc->sock_uid = ifc->sock_gid = ifc->sock_mode = NONE;
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "admin down: set interface state VirtualEthernet0/0/3 up") && !mistake,
              "%s", w);
        ifc->admin_up = 1;
        ifc->conn_state = VSW_CONN_LISTENING;
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "no front end connected on /tmp") && !mistake, "%s", w);
        snprintf(ifc->refused, sizeof(ifc->refused), "VHOST_USER_SET_VRING_NUM: too big");
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "the last one was dropped: VHOST_USER_SET_VRING_NUM"), "%s", w);
        ifc->refused[0] = '\0';
        ifc->conn_state = VSW_CONN_CONNECTED;
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "features not negotiated yet") && !mistake, "%s", w);
        ifc->features_set = 1;
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "sent no memory table") && strstr(w, "share=on") && mistake, "%s", w);
        ifc->mem.nregions = 1;
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "no queue running") && !mistake, "%s", w);
        ifc->vrings[1].state = VSW_VRING_STARTED | VSW_VRING_ENABLED;
        ifc->bridge_id = VSW_NO_BRIDGE;
        w = why(ifc, &mistake);
        CHECK(w && strstr(w, "in no bridge domain: set interface l2 bridge VirtualEthernet0/0/3"),
              "%s", w);
        ifc->bridge_id = 1;
        CHECK(why(ifc, &mistake) == NULL && !mistake);
        free(ifc);
}

static void socket_reach(void)
{
        char top[] = "/tmp/vsw_diag_XXXXXX", sub[64], sock[96], buf[512];

        if (!mkdtemp(top)) {
                CHECK(0, "mkdtemp");
                return;
        }
        snprintf(sub, sizeof(sub), "%s/sub", top);
        snprintf(sock, sizeof(sock), "%s/vm.sock", sub);
        CHECK(mkdir(sub, 0700) == 0 && chmod(top, 0755) == 0);
        /* Not configured: nothing to check. */
        CHECK(iface_socket_unreachable(sock, NONE, NONE, NONE, buf, sizeof(buf)) == 0);
        /* Root may search anything. */
        CHECK(iface_socket_unreachable(sock, 0, NONE, NONE, buf, sizeof(buf)) == 0);
        /* uid 12345 owns nothing here: sub (0700) stops it, and is named. */
        CHECK(iface_socket_unreachable(sock, 12345, NONE, NONE, buf, sizeof(buf)) == 1 &&
                  strstr(buf, sub) && strstr(buf, "owner uid 12345") &&
                  strstr(buf, "not searchable"),
              "%s", buf);
        /* A group: o+x on sub lets it through; then a mode without group
         * write stops it at the socket. */
        CHECK(iface_socket_unreachable(sock, NONE, 54321, NONE, buf, sizeof(buf)) == 1);
        CHECK(chmod(sub, 0701) == 0);
        CHECK(iface_socket_unreachable(sock, NONE, 54321, 0660, buf, sizeof(buf)) == 0);
        CHECK(iface_socket_unreachable(sock, NONE, 54321, 0600, buf, sizeof(buf)) == 1 &&
                  strstr(buf, "mode 0600"),
              "%s", buf);
        CHECK(rmdir(sub) == 0 && rmdir(top) == 0);
}

int main(void)
{
        reasons_in_order();
        socket_reach();
        return t_report();
}
