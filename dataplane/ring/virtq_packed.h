/* Packed virtqueue engine (virtio 1.1+ "Packed Virtqueues",
 * VIRTIO_F_RING_PACKED) over one interface's guest memory: one descriptor
 * ring whose AVAIL/USED flag bits and wrap counters say who owns each
 * slot, indirect tables, and the two event suppression structures. Same
 * contract as the split engine: one owner, no locks, every descriptor
 * untrusted, malformed chains consumed (used, len 0) and counted. */
#ifndef VSW_VIRTQ_PACKED_H
#define VSW_VIRTQ_PACKED_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>
#include <rte_mbuf.h>

#include "dirty_log.h"
#include "guest_mem.h"
#include "virtq.h"
#include "virtq_chain.h"

/* Ring positions as vhost-user's SET/GET_VRING_BASE carry them for packed
 * rings: the index in bits 0-14, the wrap counter in bit 15. */
#define VIRTQ_PACKED_WRAP (1u << 15)

struct virtq_packed_params {
        uint32_t size; /* descriptors: 1..VSW_MAX_VRING_SIZE (no power of 2 needed) */
        uint64_t desc_gpa;
        uint64_t driver_event_gpa; /* "avail" address: the driver's suppression area */
        uint64_t device_event_gpa; /* "used" address: ours */
        uint16_t last_avail_idx;   /* index | wrap << 15 */
        uint16_t last_used_idx;    /* likewise */
        uint16_t hdr_len;          /* virtq_net_hdr_len(features): 10 or 12 */
        uint8_t host_ol;           /* VIRTQ_OL_*: offloads the guest may ask for on TX */
        uint8_t guest_ol;          /* VIRTQ_OL_*: offloads its RX headers may carry */
        bool mrg_rxbuf;            /* VIRTIO_NET_F_MRG_RXBUF */
        bool event_idx;            /* VIRTIO_RING_F_EVENT_IDX: descriptor event mode */
        bool in_order;             /* VIRTIO_F_IN_ORDER: one used descriptor per TX burst */
        struct dirty_log *log;     /* VHOST_F_LOG_ALL: pages written are marked; or NULL */
        uint64_t *progress;        /* where used descriptors are announced (below), or NULL */
};

#define VIRTQ_PACKED_SHADOW 64

struct virtq_packed_used {
        uint16_t id;
        uint16_t ndesc; /* slots the chain took: <= ring size */
        uint32_t len;
};

struct virtq_packed {
        struct vring_packed_desc *desc;
        struct vring_packed_desc_event *driver_event;
        struct vring_packed_desc_event *device_event;
        struct guest_mem *gm;
        struct dirty_log *log;     /* NULL unless migrating */
        uint64_t *progress;        /* NULL: not announced */
        uint64_t desc_gpa;         /* for the log */
        uint64_t device_event_gpa; /* for the log */
        uint32_t size;
        uint16_t last_avail_idx; /* slot of the next chain head, < size */
        uint16_t last_used_idx;  /* slot the next used descriptor goes to */
        bool avail_wrap;         /* wrap counter the next head must carry */
        bool used_wrap;          /* wrap counter the next used descriptor carries */
        uint16_t hdr_len;
        uint8_t host_ol;
        uint8_t guest_ol;
        bool mrg_rxbuf;
        bool event_idx;
        bool in_order;
        bool signalled_valid; /* a notify decision was made since init */
        bool signalled_wrap;  /* used position at the last decision (or init) */
        uint16_t signalled_used;
        const char *broken; /* why the ring stopped; NULL while it works */
        struct virtq_stats stats;
        /* Used descriptors of the burst in hand, not yet in the ring (nor
         * in last_used_idx). Empty between calls but virtq_packed_put and
         * virtq_packed_publish. */
        uint16_t nshadow;
        struct virtq_packed_used shadow[VIRTQ_PACKED_SHADOW];
};

/* The device event area is ours in guest memory: marked in the dirty log
 * after each store while migrating. */
static inline void virtq_packed_log_device_event(const struct virtq_packed *vq)
{
        if (unlikely(vq->log != NULL))
                dirty_log_write(vq->log, vq->device_event_gpa, sizeof(*vq->device_event));
}

/* Sets vq up over gm (which must stay mapped while vq is used) and tells
 * the guest not to kick: the worker busy-polls. Returns 0, or -1 with the
 * reason in err. */
int virtq_packed_init(struct virtq_packed *vq, struct guest_mem *gm,
                      const struct virtq_packed_params *p, char *err, unsigned errlen);

/* Guest TX: as virtq_split_dequeue. */
uint16_t virtq_packed_dequeue(struct virtq_packed *vq, struct rte_mempool *mp,
                              struct rte_mbuf **pkts, uint16_t count);

/* Guest RX: as virtq_split_enqueue. */
uint16_t virtq_packed_enqueue(struct virtq_packed *vq, struct rte_mbuf *const *pkts,
                              uint16_t count);

/* The one-copy path: as virtq_split_peek, _consume, _put and _publish
 * (virtq_split.h). The used descriptors put waits in the shadow until
 * published. */
uint16_t virtq_packed_peek(struct virtq_packed *vq, struct virtq_chain *ch, uint16_t count,
                           uint32_t min_first, bool *left);
void virtq_packed_consume(struct virtq_packed *vq, const struct virtq_chain *ch, uint16_t n);
uint16_t virtq_packed_put(struct virtq_packed *vq, const struct virtq_chain *src, uint16_t n,
                          uint16_t src_hdr_len, struct virtq_prefix pre,
                          const volatile uint8_t *src_gone);
void virtq_packed_publish(struct virtq_packed *vq);

/* Whether the guest wants an interrupt for the used descriptors written
 * since the last call (driver event flags, with EVENT_IDX its off_wrap). */
bool virtq_packed_need_notify(struct virtq_packed *vq);

/* Progress word: before writing a used descriptor the engine stores
 * ACTIVE | after << 16 | before, positions in the vhost-user form: where
 * the descriptor goes and where the ring stands once it is written. The
 * used descriptors of a burst go out one by one, so after a crash the
 * positions saved at the last pause may be far behind; the guest's ring
 * shows whether the announced descriptor was written: its slot is no
 * longer available in the lap `before` names. */
#define VIRTQ_PACKED_PROGRESS_ACTIVE (1ull << 32)

/* For an engine just initialised in a process that takes the ring over
 * from one that died: moves both positions to where the progress word
 * says the ring stands (nothing when it is not ACTIVE). The engine never
 * keeps chains in flight between calls, so avail and used positions are
 * the same there. */
void virtq_packed_resume(struct virtq_packed *vq);

/* Positions in the vhost-user form (index | wrap << 15), for the memzone. */
static inline uint16_t virtq_packed_avail_state(const struct virtq_packed *vq)
{
        return (uint16_t)(vq->last_avail_idx | (vq->avail_wrap ? VIRTQ_PACKED_WRAP : 0));
}

static inline uint16_t virtq_packed_used_state(const struct virtq_packed *vq)
{
        return (uint16_t)(vq->last_used_idx | (vq->used_wrap ? VIRTQ_PACKED_WRAP : 0));
}

#endif
