/* Arming and disarming guest notifications (virtq_arm.h). */
#include "virtq_arm.h"

#include <stddef.h>

#include <rte_atomic.h>

#define PACKED_DESC_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define PACKED_DESC_F_USED  (1u << VRING_PACKED_DESC_F_USED)

static void split_set_avail_event(struct virtq_split *vq, uint16_t v)
{
        vq->avail_event = v;
        __atomic_store_n(virtq_split_avail_event(vq), v, __ATOMIC_RELAXED);
        virtq_split_log_used(vq, virtq_split_avail_event_off(vq), sizeof(v));
}

bool virtq_split_arm(struct virtq_split *vq)
{
        if (vq->broken)
                return false;
        /* The guest kicks once its avail idx passes last_avail_idx. */
        if (vq->event_idx)
                split_set_avail_event(vq, vq->last_avail_idx);
        else
                virtq_split_set_used_flags(vq, 0);
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
                virtq_split_set_used_flags(vq, VRING_USED_F_NO_NOTIFY);
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
        virtq_packed_log_device_event(vq);
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
        virtq_packed_log_device_event(vq);
}
