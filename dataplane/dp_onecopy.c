/* The one-copy path: a guest's TX frames straight into another guest's RX
 * buffers, no mbuf, when this worker owns both rings. The burst's plain
 * chains are looked at in place (virtq_*_peek); each run of them with one
 * Ethernet header (both MACs, no VLAN tag) gets one bridge decision
 * (l2_bridge_unicast); while that names an RX queue this worker owns and
 * may write as it is, the run is copied (virtq_*_put), then its TX chains
 * go back to the source (virtq_*_consume), and only then are the RX used
 * entries published: a worker killed meanwhile has handed no guest a
 * half-written buffer, and loses at most this burst. From the first run
 * that cannot go this way, everything else (another worker's queue, the
 * uplink, flooding, tags, offload requests, MTU, capture, frames a full
 * ring did not take) takes the mbuf path (dp_guest_tx_poll's dequeue) in
 * the same poll, in order. */
#include <string.h>

#include "dp_capture.h"
#include "dp_vq.h"
#include "l2_vlan.h"

/* After a burst the bridge or the destination turned away (flooding,
 * another worker's queue, the uplink), the next ones go straight the mbuf
 * way: a peek that leads nowhere walks the chains twice. The path is
 * tried again this many bursts on, so a destination learned meanwhile is
 * taken up soon. */
#define ONECOPY_BACKOFF 16

/* The destination's ring for frames from queue pair src_qp, when this
 * worker may write the frames into it as they are; NULL otherwise. */
static inline struct dp_vq *owned_dest(struct dp_worker *w, unsigned src_qp, int port)
{
        const struct dp_route *r = &w->routes[port];
        struct dp_vq *vq;
        unsigned k;

        if (unlikely(r->nrxq == 0))
                return NULL;
        k = src_qp < r->nrxq ? src_qp : src_qp % r->nrxq;
        if (r->owner[k] != w->idx)
                return NULL;
        vq = w->slot[port][r->rxq[k]];
        if (unlikely(!vq || !vq->running || *(volatile uint8_t *)&vq->ifc->faulted ||
                     atomic_load_explicit(&w->st->pcap.on[port], memory_order_relaxed)))
                return NULL;
        return vq;
}

/* The run of chains from ch[0] whose Ethernet headers equal ch[0]'s,
 * which is copied into hdr. */
static inline uint16_t same_header_run(const struct virtq_chain *ch, uint16_t n,
                                       uint8_t hdr[L2_ETH_HLEN])
{
        uint16_t i;

        memcpy(hdr, ch[0].frame, L2_ETH_HLEN);
        for (i = 1; i < n; i++)
                if (memcmp(ch[i].frame, hdr, L2_ETH_HLEN) != 0)
                        break;
        return i;
}

uint16_t dp_onecopy(struct dp_worker *w, struct dp_vq *vq, bool *rest)
{
        struct virtq_chain ch[DP_BURST];
        uint8_t hdr[L2_ETH_HLEN];
        uint16_t skip = dp_vq_hdr_len(vq), n, run, done, off;
        struct dp_vq *dst;
        int port;

        *rest = true;
        if (vq->onecopy_wait != 0) {
                vq->onecopy_wait--;
                return 0;
        }
        if (unlikely(vq->ifc->max_frame != 0 || vq->ifc->registered != vq->sw_if_index ||
                     w->npark != 0 ||
                     atomic_load_explicit(&w->st->pcap.on[vq->iface], memory_order_relaxed)))
                return 0;
        /* What the guest makes available after the peek waits for the
         * next poll's, not the mbuf way: when the peek saw no chain it
         * did not return, and every one is taken, the poll ends here. */
        n = dp_vq_peek(vq, ch, DP_BURST, L2_ETH_HLEN, rest);
        /* Run after run, each to its own destination and published before
         * the next: a kill between runs loses none of the runs done. */
        for (off = 0; off < n;) {
                run = same_header_run(ch + off, (uint16_t)(n - off), hdr);
                port = l2_bridge_unicast(&w->l2, vq->sw_if_index, hdr);
                dst = port < 0 ? NULL : owned_dest(w, vq->vring / 2u, port);
                if (dst == NULL) {
                        if (off == 0)
                                vq->onecopy_wait = ONECOPY_BACKOFF;
                        *rest = true;
                        break;
                }
                /* The header decided on goes out, whatever the guest has
                 * rewritten in its buffer since. */
                done = dp_vq_put(dst, ch + off, run, skip, (struct virtq_prefix){hdr, L2_ETH_HLEN},
                                 &vq->ifc->faulted);
                dp_vq_consume(vq, ch + off, done);
                dp_vq_publish(dst);
                w->l2.stats.unicast += done;
                if (dp_vq_need_notify(dst))
                        dp_notify(w, dst);
                off = (uint16_t)(off + done);
                if (done < run) {
                        *rest = true; /* a full ring: the rest the mbuf way (rx-retry, drops) */
                        break;
                }
        }
        dp_runtime_in(&w->rt, off);
        dp_runtime_out(&w->rt, off);
        w->rt.c.frames_direct += off;
        return off;
}
