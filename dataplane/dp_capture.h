/* `pcap trace` in a worker: the one check per burst, and the copy taken
 * out of line only when vhostd turned capture on for that interface and
 * direction (vsw_state.pcap.on). */
#ifndef VSW_DP_CAPTURE_H
#define VSW_DP_CAPTURE_H

#include "dp_worker.h"

/* Finds the capture ring and pool the supervisor made. 0, or -1 logged. */
int dp_capture_attach(uint32_t worker);

/* Copies frames as pcapng packet blocks onto the capture ring, never
 * blocking; a copy that cannot be made or queued is counted in
 * vsw_state.pcap.lost[]. dir: VSW_PCAP_RX or VSW_PCAP_TX. */
void dp_capture_burst(struct dp_worker *w, const struct dp_vq *vq, struct rte_mbuf *const *pkts,
                      uint16_t n, unsigned dir);

static inline void dp_capture(struct dp_worker *w, const struct dp_vq *vq,
                              struct rte_mbuf *const *pkts, uint16_t n, unsigned dir)
{
        if (unlikely(atomic_load_explicit(&w->st->pcap.on[vq->iface], memory_order_relaxed) & dir))
                dp_capture_burst(w, vq, pkts, n, dir);
}

#endif
