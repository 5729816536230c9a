/* One vhost-dp worker's poll loop: the rings it owns, the pause/release
 * handshake with vhostd (vsw_state.h), its heartbeat. */
#ifndef VSW_DP_WORKER_H
#define VSW_DP_WORKER_H

#include <signal.h>
#include <stdint.h>

#include "vsw_state.h"

/* The worker's copy of a ring's configuration, taken when vhostd releases
 * the ring (cmd_seq even); valid while !paused. */
struct dp_ring {
        uint16_t iface;
        uint16_t vring;
        uint32_t seen_seq; /* last cmd_seq acted on */
        uint8_t paused;
        uint32_t num;
        uint32_t state; /* VSW_VRING_* */
        uint64_t desc_gpa, avail_gpa, used_gpa;
        uint16_t last_avail_idx, last_used_idx;
};

#define DP_MAX_RINGS (VSW_MAX_IFACES * VSW_MAX_VRINGS)

struct dp_worker {
        struct vsw_state *st;
        uint32_t idx;
        unsigned nrings;
        struct dp_ring rings[DP_MAX_RINGS];
        int16_t slot[VSW_MAX_IFACES][VSW_MAX_VRINGS]; /* index in rings[], -1 if not ours */
};

/* Polls until *stop becomes non-zero. */
void dp_worker_run(struct dp_worker *w, volatile sig_atomic_t *stop);

#endif
