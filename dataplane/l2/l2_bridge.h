/* The L2 learning bridge, as a vhost-dp worker calls it: a burst of frames
 * received on one interface in, per-destination lists of mbufs out. It
 * knows Ethernet and VLAN tags, nothing of descriptors or rings.
 *
 * Per bridge domain: source MACs are learned (per VLAN) into the shared
 * table in the memzone (l2fib.h) that every worker reads and writes with no
 * lock; a known unicast destination goes to its interface; unknown
 * unicast, broadcast and multicast are flooded to every other interface of
 * the bridge domain that carries the frame's VLAN. Frames from an
 * interface in no bridge domain are dropped.
 *
 * VLANs: an interface with an access VLAN (vsw_iface.vlan 1-4094) puts its
 * untagged (and priority-tagged) frames into that VLAN, drops frames tagged
 * with another one, and sends frames untagged. An interface with vlan 0
 * passes frames with their own tag (untagged frames are VLAN 0) and gets
 * access ports' frames tagged with their VLAN.
 *
 * VXLAN tunnels (vsw_state.tunnels[]) are ports too, with no access VLAN,
 * in one split-horizon group: a frame from a tunnel never goes to a tunnel
 * (each remote switch floods to every tunnel itself: head-end replication).
 *
 * The uplink (vsw_state.uplink) is one more port, L2_UPLINK_PORT, with no
 * access VLAN: VMs' frames leave it tagged with their interface's VLAN. A
 * frame whose tag the NIC stripped (RTE_MBUF_F_RX_VLAN_STRIPPED) is in the
 * VLAN of its vlan_tci. With vm2vm 0 or 2 the VMs do not reach each other
 * here: their frames go to the uplink alone. */
#ifndef VSW_L2_BRIDGE_H
#define VSW_L2_BRIDGE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "vsw_state.h"

#define L2_BURST_MAX    64                   /* frames per l2_bridge_input call */
#define L2_UPLINK_PORT  VSW_MAX_IFACES       /* after the interfaces' slots */
#define L2_TUNNEL_PORT0 (VSW_MAX_IFACES + 1) /* tunnel t is port L2_TUNNEL_PORT0 + t */
#define L2_MAX_PORTS    (VSW_MAX_IFACES + 1 + VSW_MAX_TUNNELS) /* interfaces, uplink, tunnels */

static inline int l2_is_tunnel(unsigned port)
{
        return port >= L2_TUNNEL_PORT0;
}

enum l2_drop {
        L2_DROP_NOT_BRIDGED,   /* input interface in no bridge domain */
        L2_DROP_RUNT,          /* first segment shorter than the Ethernet (and VLAN) header */
        L2_DROP_BAD_SRC,       /* source MAC multicast or all zeros */
        L2_DROP_VLAN,          /* tagged with a VLAN the access port is not in */
        L2_DROP_SAME_PORT,     /* destination learned on the input interface */
        L2_DROP_NO_MEMBER,     /* flood with no other interface in the frame's VLAN */
        L2_DROP_NO_MBUF,       /* no mbuf for a re-tagged copy */
        L2_DROP_SPLIT_HORIZON, /* from a tunnel to a tunnel */
        L2_DROP_MAX
};

/* One destination: the frames to send on it, in arrival order. */
struct l2_dest {
        uint32_t sw_if_index;
        uint16_t iface; /* its slot in vsw_state.ifaces[], or L2_UPLINK_PORT */
        uint16_t n;
        struct rte_mbuf *pkts[L2_BURST_MAX];
};

/* What one call produced (about 16 KB: keep one per worker). Each frame
 * handed in is in the dests' lists (a flooded frame in several, see
 * l2_bridge_input) or was dropped: freed already and counted in drops[].
 * A flood whose re-tagged copy could not be made counts one
 * L2_DROP_NO_MBUF per destination that missed it. */
struct l2_out {
        uint16_t ndests;
        uint16_t ndropped;
        uint32_t drops[L2_DROP_MAX];
        int8_t slot[L2_MAX_PORTS]; /* port -> index in dests[], -1 none */
        struct l2_dest dests[L2_MAX_PORTS];
};

struct l2_stats {
        uint64_t learned, moved, refreshed;
        uint64_t learn_full; /* no room in the table: not learned, flooded to */
        uint64_t learn_race; /* another worker changed the slot first: next frame */
        uint64_t unicast, flooded;
};

/* The worker's view of an interface and of a bridge domain, re-read from
 * the memzone whenever vhostd changes the L2 config. */
struct l2_port {
        uint32_t sw_if_index;
        uint16_t vlan;
        uint8_t bridged;
        uint8_t bd; /* slot in vsw_state.bridges[] */
};

struct l2_bd {
        struct vsw_bridge *b;
        uint32_t aging_s, refresh_s;
        uint8_t learn;
        uint8_t nmembers;
        uint8_t members[L2_MAX_PORTS]; /* ports */
};

#define L2_PORT_HASH 128 /* sw_if_index -> iface slot, open addressing */

struct l2_ctx {
        struct vsw_state *st;
        uint32_t (*clock)(void); /* seconds, CLOCK_MONOTONIC (tests give their own) */
        uint32_t seen_seq;
        uint8_t synced;
        uint8_t isolate; /* vm2vm 0 or 2: interfaces' frames go to the uplink (or a tunnel) only */
        int8_t port_of[L2_PORT_HASH];
        struct l2_port ports[L2_MAX_PORTS];
        struct l2_bd bds[VSW_MAX_BRIDGES];
        struct l2_stats stats;
};

/* A context per worker (process-local, about 1.4 KB), over the memzone st. */
void l2_ctx_init(struct l2_ctx *c, struct vsw_state *st);

/* Switches pkts[0..n) received on in_sw_if_index; fills *out (cleared
 * first). Handles min(n, L2_BURST_MAX) frames and returns that count; the
 * rest are not touched.
 *
 * pkts must be the caller's alone (direct mbufs, refcount 1) with the
 * Ethernet header, and VLAN tag if any, in the first segment; frames may be
 * re-tagged in place. A flooded frame is one mbuf whose refcount is raised
 * to the number of destinations that get the same bytes (not a clone): free
 * each list entry once after sending it, or once when it cannot be sent,
 * and never write into a listed mbuf. Destinations that need the frame
 * tagged differently share one copy the same way. */
uint16_t l2_bridge_input(struct l2_ctx *c, uint32_t in_sw_if_index, struct rte_mbuf **pkts,
                         uint16_t n, struct l2_out *out);

/* The one-copy path's decision for frames received on in_sw_if_index
 * that all carry the Ethernet header hdr (14 bytes, the caller's private
 * copy): learns the source once and returns the interface slot the frames
 * go to as they are (a learned unicast destination in the same bridge
 * domain and VLAN, no tag to add or strip); -1 for anything else (a tag,
 * flood, group address, bad source, vm2vm isolation, not bridged): then
 * l2_bridge_input decides, frame by frame. The caller counts in
 * stats.unicast the frames it delivers: those the destination did not
 * take go to l2_bridge_input, which counts them. */
int l2_bridge_unicast(struct l2_ctx *c, uint32_t in_sw_if_index, const uint8_t *hdr);

/* Re-reads the L2 config when vhostd changed it; l2_bridge_input calls it
 * on every burst. */
void l2_ctx_sync(struct l2_ctx *c);

const char *l2_drop_name(enum l2_drop d);

#endif
