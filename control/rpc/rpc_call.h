/* One RPC request in flight: the reply being built and the memory it
 * points to, freed together once the reply is sent. The handlers of each
 * command family (rpc_iface.c, rpc_show_vhost.c, rpc_log.c, rpc_version.c)
 * fill it; rpc_server.c dispatches to them. */
#ifndef VSW_RPC_CALL_H
#define VSW_RPC_CALL_H

#include <stddef.h>

#include "vhostd.h"
#include "vhostsw.pb-c.h"

struct rpc_block;

struct rpc_call {
        Vsw__Reply reply;
        struct rpc_block *blocks;
        char error[256];
};

/* Zeroed memory that lives until the reply is sent; NULL when out of
 * memory (the handler then fails with rpc_no_memory). */
void *rpc_alloc(struct rpc_call *c, size_t size);
/* Frees everything rpc_alloc handed out for this call. */
void rpc_call_release(struct rpc_call *c);
char *rpc_strdup(struct rpc_call *c, const char *s);
/* An array of n pointers to fresh zeroed objects of size each. */
void **rpc_alloc_array(struct rpc_call *c, size_t n, size_t size);

/* Sets the error reply (status -err, one line) and returns -1. */
int rpc_fail(struct rpc_call *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int rpc_no_memory(struct rpc_call *c);

/* A string from the request, made safe to quote in one line: at most 64
 * characters, anything unprintable shown as '?'. */
const char *rpc_quote(const char *s, char *buf, size_t len);

/* The interface called name, or NULL with "unknown interface '<name>'"
 * already set as the error. */
struct vsw_iface *rpc_iface_named(struct vhostd *d, struct rpc_call *c, const char *name);

/* Every interface in use, in slot order, into ifcs (VSW_MAX_IFACES room);
 * returns how many: what a show command with no names lists. */
size_t rpc_ifaces_in_use(struct vhostd *d, struct vsw_iface **ifcs);

/* A vring's counters from the memzone as the reply carries them, or NULL
 * when out of memory. */
Vsw__VringCounters *rpc_vring_counters(struct rpc_call *c, const struct vsw_vring_counters *src);

/* A worker's state as `show workers` spells it (rpc_workers.c). */
const char *rpc_worker_state_name(uint32_t state);

/* Connection state as `show` spells it. */
const char *rpc_conn_state_name(unsigned state);

typedef int rpc_handler(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c);

/* One per command in proto/vsw_commands.def, named rpc_<field>. */
#define VSW_COMMAND(field, CASE, words, access) rpc_handler rpc_##field;
#include "vsw_commands.def"
#undef VSW_COMMAND
/* The handler of a command in the list, or NULL. */
rpc_handler *rpc_handler_of(Vsw__Request__CmdCase cmd);

/* rpc_uplink.c: the uplink port in `show interface`. */
int rpc_uplink_named(struct vhostd *d, const char *name);
int rpc_uplink_interface(struct vhostd *d, struct rpc_call *c, Vsw__Interface *o);

/* rpc_ip.c: the neighbor table's MAC for ip (network byte order): 0, or
 * -1 when not known. */
int rpc_neighbor_mac(struct vhostd *d, uint32_t ip, uint8_t *mac);

/* rpc_vxlan.c: the VXLAN tunnel called name, or with sw_if_index; NULL
 * when none. */
struct vsw_vxlan_tunnel *rpc_tunnel_named(struct vhostd *d, const char *name);
struct vsw_vxlan_tunnel *rpc_tunnel_by_index(struct vhostd *d, uint32_t sw_if_index);

/* rpc_tunnel_iface.c: tunnel tn as an interface of `show interface`. */
int rpc_tunnel_interface(struct vhostd *d, struct rpc_call *c, const struct vsw_vxlan_tunnel *tn,
                         Vsw__Interface *o);

#endif
