/* The uplink port's MTU: `uplink-mtu` from startup.conf applied where the
 * PMD can carry it (its max_rx_pktlen, and frames bigger than the switch's
 * mbufs scattered over several), refused where it cannot, naming the PMD's
 * limit; what the port ends up with recorded in the memzone for the
 * workers (which hold frames to the port to it) and `show uplink`. */
#ifndef VSW_UPLINK_MTU_H
#define VSW_UPLINK_MTU_H

#include <stdint.h>

#include <rte_ethdev.h>

#include "vsw_state.h"

/* Puts the MTU (and scatter RX, multi-segment TX where the frames need
 * them) into conf; data_room: bytes of frame one mbuf of the pool holds.
 * Returns 0, or -1 with the reason logged (the PMD cannot). */
int uplink_mtu_plan(struct vsw_uplink *up, uint32_t mtu, const struct rte_eth_dev_info *info,
                    uint32_t data_room, struct rte_eth_conf *conf);

/* After the port started: its MTU as ethdev holds it, into up->mtu. */
void uplink_mtu_record(struct vsw_uplink *up);

#endif
