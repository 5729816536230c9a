/* Arming and disarming guest notifications (virtq_arm.h). */
#include "virtq_arm.h"

#include <stddef.h>

#include <rte_atomic.h>

#define PACKED_DESC_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define PACKED_DESC_F_USED  (1u << VRING_PACKED_DESC_F_USED)

/* The used ring's flags and avail_event are ours to write, and are in
 * guest memory: logged while migrating like the rest of the used ring. */
static void split_log(struct virtq_split *vq, uint64_t off, uint64_t len)
{
        if (vq->log != NULL)
                dirty_log_write(vq->log, vq->log_used_gpa + off, len);
}

static void split_set_avail_event(struct virtq_split *vq, uint16_t v)
{
        vq->avail_event = v;
        __atomic_store_n(virtq_split_avail_event(vq), v, __ATOMIC_RELAXED);
        split_log(vq, offsetof(struct vring_used, ring) + (uint64_t)vq->size * 8, 2);
}

static void split_set_flags(struct virtq_split *vq, uint16_t flags)
{
        __atomic_store_n(&vq->used->flags, flags, __ATOMIC_RELAXED);
        split_log(vq, offsetof(struct vring_used, flags), 2);
}

bool virtq_split_arm(struct virtq_split *vq)
{
        if (vq->broken)
                return false;
        /* The guest kicks once its avail idx passes last_avail_idx. */
        if (vq->event_idx)
                split_set_avail_event(vq, vq->last_avail_idx);
        else
                split_set_flags(vq, 0);
        rte_smp_mb(); /* our store before our read, as the guest's are */
        return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail_idx;
}

void virtq_split_disarm(struct virtq_split *vq)
{
        if (vq->broken)
                return;
        if (vq->event_idx)
                split_set_avail_event(
                    vq, (uint16_t)(vq->last_avail_idx + VIRTQ_SPLIT_AVAIL_EVENT_DISTANCE));
        else
                split_set_flags(vq, VRING_USED_F_NO_NOTIFY);
}

bool virtq_packed_arm(struct virtq_packed *vq)
{
        uint16_t flags;

        if (vq->broken)
                return false;
        if (vq->event_idx) {
                /* The off_wrap before the mode that makes the driver read it. */
                __atomic_store_n(&vq->device_event->off_wrap, virtq_packed_avail_state(vq),
                                 __ATOMIC_RELAXED);
                __atomic_store_n(&vq->device_event->flags, VRING_PACKED_EVENT_FLAG_DESC,
                                 __ATOMIC_RELEASE);
        } else {
                __atomic_store_n(&vq->device_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE,
                                 __ATOMIC_RELEASE);
        }
        rte_smp_mb();
        flags = __atomic_load_n(&vq->desc[vq->last_avail_idx].flags, __ATOMIC_ACQUIRE);
        return !!(flags & PACKED_DESC_F_AVAIL) == vq->avail_wrap &&
               !!(flags & PACKED_DESC_F_USED) != vq->avail_wrap;
}

void virtq_packed_disarm(struct virtq_packed *vq)
{
        if (vq->broken)
                return;
        __atomic_store_n(&vq->device_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE,
                         __ATOMIC_RELEASE);
}
