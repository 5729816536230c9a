/* Bridge domain and interface L2 config in the memzone, as vhostd (and the
 * unit tests) change it. Every change is made between vsw_l2_edit_begin and
 * vsw_l2_edit_end, so the workers (dataplane/l2) re-read a consistent
 * config. Single writer: vhostd's one thread. */
#ifndef VSW_BRIDGE_H
#define VSW_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "vsw_state.h"

#define VSW_BRIDGE_ID_MAX 16777215u /* as VPP: 24 bits, 0 reserved */
#define VSW_VLAN_MAX      4094u

/* Makes l2_seq odd (edit under way) and even again. */
void vsw_l2_edit_begin(struct vsw_state *st);
void vsw_l2_edit_end(struct vsw_state *st);

struct vsw_bridge *vsw_bridge_find(struct vsw_state *st, uint32_t id);

/* Bridge domain id, created with learning on and the default aging when it
 * does not exist. NULL with a reason in err when id is out of range or
 * every slot is taken. */
struct vsw_bridge *vsw_bridge_add(struct vsw_state *st, uint32_t id, char *err, size_t errlen);

void vsw_bridge_set(struct vsw_state *st, struct vsw_bridge *b, int learn, uint32_t aging_s);

/* Refused (-1, err) while interfaces are in it. */
int vsw_bridge_delete(struct vsw_state *st, uint32_t id, char *err, size_t errlen);

/* Interfaces in bridge domain id, the uplink and tunnels included. */
unsigned vsw_bridge_members(const struct vsw_state *st, uint32_t id);

/* Puts ifc into bridge domain bd_id (created if needed), or takes it out
 * of any with VSW_NO_BRIDGE. 0, or -1 with a reason in err. */
int vsw_iface_set_bridge(struct vsw_state *st, struct vsw_iface *ifc, uint32_t bd_id, char *err,
                         size_t errlen);

/* The same for a VXLAN tunnel. */
int vsw_tunnel_set_bridge(struct vsw_state *st, struct vsw_vxlan_tunnel *tn, uint32_t bd_id,
                          char *err, size_t errlen);

/* Access VLAN 1-4094, or 0 for none. 0, or -1 with a reason in err. */
int vsw_iface_set_vlan(struct vsw_state *st, struct vsw_iface *ifc, uint32_t vlan, char *err,
                       size_t errlen);

#endif
