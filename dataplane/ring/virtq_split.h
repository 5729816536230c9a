/* Split virtqueue engine (virtio 1.x "Split Virtqueues") over one
 * interface's guest memory: guest TX chains into mbufs, mbufs into guest RX
 * chains, used-ring updates and the notification decisions. One owner
 * (worker) per queue, no locks. Every descriptor is untrusted: a malformed
 * chain is consumed (used, len 0), its frame dropped and counted by reason. */
#ifndef VSW_VIRTQ_SPLIT_H
#define VSW_VIRTQ_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_ring.h>
#include <rte_mbuf.h>

#include "dirty_log.h"
#include "guest_mem.h"
#include "virtq.h"
#include "virtq_chain.h"

struct virtq_split_params {
        uint32_t size; /* descriptors: power of 2, 1..VSW_MAX_VRING_SIZE */
        uint64_t desc_gpa;
        uint64_t avail_gpa;
        uint64_t used_gpa;
        uint16_t last_avail_idx; /* SET_VRING_BASE; last_used_idx is read from used->idx */
        uint16_t hdr_len;        /* virtq_net_hdr_len(features): 10 or 12 */
        uint8_t host_ol;         /* VIRTQ_OL_*: offloads the guest may ask for on TX */
        uint8_t guest_ol;        /* VIRTQ_OL_*: offloads its RX headers may carry */
        bool mrg_rxbuf;          /* VIRTIO_NET_F_MRG_RXBUF: an RX frame may span chains */
        bool event_idx;          /* VIRTIO_RING_F_EVENT_IDX */
        /* VHOST_F_LOG_ALL with the ring's log flag: pages written are
         * marked here, the used ring at log_used_gpa (log_guest_addr).
         * NULL: no logging. */
        struct dirty_log *log;
        uint64_t log_used_gpa;
};

#define VIRTQ_SPLIT_SHADOW 64

struct virtq_split {
        struct vring_desc *desc;
        struct vring_avail *avail;
        struct vring_used *used;
        struct guest_mem *gm;
        struct dirty_log *log; /* NULL unless migrating */
        uint64_t log_used_gpa;
        uint16_t mask; /* size - 1 */
        uint16_t last_avail_idx;
        uint16_t last_used_idx;
        uint16_t hdr_len;
        uint8_t host_ol;
        uint8_t guest_ol;
        uint32_t size;
        bool mrg_rxbuf;
        bool event_idx;
        bool signalled_valid;    /* a notify decision was made since init */
        uint16_t signalled_used; /* last_used_idx at the last decision (or init) */
        uint16_t avail_event;    /* what we last wrote there (EVENT_IDX) */
        const char *broken;      /* why the ring stopped; NULL while it works */
        struct virtq_stats stats;
        /* Used entries of the burst in hand (from last_used_idx - nshadow
         * on), written into the ring in one run when it is published:
         * the guest polls used->idx, whose line holds the first entries,
         * and a store per frame would take it back from the guest again
         * and again. Empty between calls but virtq_split_put and
         * virtq_split_publish. */
        uint16_t nshadow;
        uint16_t published; /* the used->idx we last wrote */
        struct vring_used_elem shadow[VIRTQ_SPLIT_SHADOW];
};

/* Far enough ahead that a busy-polled guest almost never kicks (EVENT_IDX:
 * avail_event this far past what was consumed). */
#define VIRTQ_SPLIT_AVAIL_EVENT_DISTANCE 0x8000

/* The avail_event field after the used ring (EVENT_IDX). */
static inline uint16_t *virtq_split_avail_event(const struct virtq_split *vq)
{
        return (uint16_t *)&vq->used->ring[vq->size];
}

/* Every store into the used ring (flags, entries, idx, avail_event) is
 * ours in guest memory: marked in the dirty log while migrating, at the
 * address the front end asked the used ring to be logged at. */
static inline void virtq_split_log_used(const struct virtq_split *vq, uint64_t off, uint64_t len)
{
        if (unlikely(vq->log != NULL))
                dirty_log_write(vq->log, vq->log_used_gpa + off, len);
}

static inline void virtq_split_set_used_flags(struct virtq_split *vq, uint16_t flags)
{
        __atomic_store_n(&vq->used->flags, flags, __ATOMIC_RELAXED);
        virtq_split_log_used(vq, offsetof(struct vring_used, flags), sizeof(flags));
}

/* Offset of avail_event from the used ring's start. */
static inline uint64_t virtq_split_avail_event_off(const struct virtq_split *vq)
{
        return offsetof(struct vring_used, ring) +
               (uint64_t)vq->size * sizeof(struct vring_used_elem);
}

/* Sets vq up over gm (which must stay mapped while vq is used: a new memory
 * table means a new init) and tells the guest not to kick: the worker
 * polls (rx-mode asks for kicks around a sleep: virtq_arm.h). Returns 0, or
 * -1 with the reason in err. */
int virtq_split_init(struct virtq_split *vq, struct guest_mem *gm,
                     const struct virtq_split_params *p, char *err, unsigned errlen);

/* Guest TX: up to count (<= VIRTQ_BURST) frames from the avail ring into
 * mbufs from mp, virtio-net header stripped; their chains are returned as
 * used. Returns the number of mbufs stored in pkts (the caller owns them).
 * Malformed chains are consumed and counted, never returned. */
uint16_t virtq_split_dequeue(struct virtq_split *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
                             uint16_t count);

/* Guest RX: copies pkts[0, n) into guest buffers behind a zeroed
 * virtio-net header and returns n, the number of frames consumed: copied,
 * or dropped as too big for the guest's buffers (counted). pkts[n, count)
 * found no guest buffers: the caller retries or drops them. The caller
 * keeps ownership of every mbuf. */
uint16_t virtq_split_enqueue(struct virtq_split *vq, struct rte_mbuf *const *pkts, uint16_t count);

/* The one-copy path (virtq_chain.h). Guest TX: up to count plain chains
 * from the head of the ring into ch, their first buffers holding
 * min_first frame bytes; stops at the first chain that is not plain (the
 * mbuf path takes it). Nothing is consumed. *left: the ring had chains
 * available past those returned (not plain, or past count) when it
 * looked; false when it returned all there were. */
uint16_t virtq_split_peek(struct virtq_split *vq, struct virtq_chain *ch, uint16_t count,
                          uint32_t min_first, bool *left);
/* Returns the first n chains peeked as used (len 0) and counts them. */
void virtq_split_consume(struct virtq_split *vq, const struct virtq_chain *ch, uint16_t n);
/* Guest RX: the frames of src[0, n) (TX chains of another ring, headers of
 * src_hdr_len bytes) copied into this ring's buffers;
 * returns how many were consumed (copied, or dropped and counted), the rest
 * found no buffer. The used entries are written but not published
 * (virtq_split_publish), so a worker that dies before hands nothing over.
 * When *src_gone is set after the copy (the source's memory faulted) the
 * ring is left as it was and 0 returned. */
uint16_t virtq_split_put(struct virtq_split *vq, const struct virtq_chain *src, uint16_t n,
                         uint16_t src_hdr_len, struct virtq_prefix pre,
                         const volatile uint8_t *src_gone);
void virtq_split_publish(struct virtq_split *vq);

/* Whether the guest wants an interrupt for the used entries added since the
 * last call (VRING_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX). The
 * caller then writes 1 to the call eventfd. */
bool virtq_split_need_notify(struct virtq_split *vq);

/* For a worker restarted after a crash: the engine never keeps chains in
 * flight between calls, so the used->idx the guest sees (read by init) is
 * where consuming resumes, whatever the memzone last recorded. */
static inline void virtq_split_resume(struct virtq_split *vq)
{
        vq->last_avail_idx = vq->last_used_idx;
}

#endif
