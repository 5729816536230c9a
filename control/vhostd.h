/* vhostd: the control daemon's process-wide context and the interface API
 * the RPC handlers call. The vhost-user protocol lives behind this API; the
 * RPC layer never sees a socket or a message. */
#ifndef VSW_VHOSTD_H
#define VSW_VHOSTD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "vsw_state.h"

struct event_base;
struct evhttp;
struct evhttp_bound_socket;

struct vhostd {
        struct event_base *base;
        struct vsw_state *st; /* the memzone */
        struct vsw_config cfg;
        int vault; /* connected vault socket, -1 if none */
        uint32_t generation;
        int metrics_fd;              /* the metrics listening socket until served, -1 */
        struct evhttp *metrics_http; /* serving it, or NULL */
        struct evhttp_bound_socket *metrics_accept; /* accepting on it, or NULL */
};

extern struct vhostd *vhostd_ctx;

/* Options of `create vhost-user`; the same struct startup.conf uses. */
typedef struct vsw_boot_iface vhostd_iface_opts;

/* Each returns 0, or -1 with a one-line reason in err. */
int vhostd_iface_create(struct vhostd *d, const vhostd_iface_opts *o, uint32_t *sw_if_index,
                        char *err, size_t errlen);
int vhostd_iface_delete(struct vhostd *d, uint32_t sw_if_index, char *err, size_t errlen);
int vhostd_iface_set_admin(struct vhostd *d, uint32_t sw_if_index, int up, char *err,
                           size_t errlen);
int vhostd_iface_set_debug(struct vhostd *d, int on);
/* Moves queue pair qp (vrings 2qp and 2qp+1) to worker, for good (pinned:
 * a rebalance leaves it there). */
int vhostd_iface_place(struct vhostd *d, uint32_t sw_if_index, uint32_t qp, uint32_t worker,
                       char *err, size_t errlen);
/* Unpins queue pair qp: it stays where it is until a rebalance moves it. */
int vhostd_iface_unpin(struct vhostd *d, uint32_t sw_if_index, uint32_t qp, char *err,
                       size_t errlen);

/* Lookup by "VirtualEthernet0/0/N" name; NULL when none. */
struct vsw_iface *vhostd_iface_by_name(struct vhostd *d, const char *name);
struct vsw_iface *vhostd_iface_by_index(struct vhostd *d, uint32_t sw_if_index);

#endif
