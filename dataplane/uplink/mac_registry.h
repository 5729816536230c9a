/* The uplink's MAC registry (struct vsw_uplink_mac in the memzone): one
 * slot per interface, claimed by the first frame its VM sends. A MAC that
 * another live interface registered is refused: in VMDQ mode registering
 * it would steer that VM's frames from the NIC to the newcomer's pool. */
#ifndef VSW_MAC_REGISTRY_H
#define VSW_MAC_REGISTRY_H

#include <stdint.h>

#include "vsw_state.h"

enum vsw_mac_claim {
        VSW_MAC_CLAIMED, /* registered now: log it, program the NIC */
        VSW_MAC_KNOWN,   /* registered before (another worker, or before a restart) */
        VSW_MAC_TAKEN,   /* another interface holds it: refused and counted */
};

/* Registers mac (and vlan) for the interface in slot self. With
 * VSW_MAC_TAKEN, *owner is the sw_if_index of the interface holding it. */
enum vsw_mac_claim vsw_uplink_mac_claim(struct vsw_state *st, unsigned self, const uint8_t mac[6],
                                        uint16_t vlan, uint32_t *owner);

#endif
