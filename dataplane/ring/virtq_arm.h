/* Guest notifications for a worker about to sleep (rx-mode interrupt and
 * adaptive): arming asks the guest to kick when it makes a chain
 * available; disarming suppresses kicks again while the worker polls. Kept
 * apart from the engines' per-burst code: it runs only around a sleep. */
#ifndef VSW_VIRTQ_ARM_H
#define VSW_VIRTQ_ARM_H

#include <stdbool.h>

#include "virtq_packed.h"
#include "virtq_split.h"

/* Enables the guest's kicks, then (after a full barrier, the virtio spec's
 * closure of the race with a chain made available just before) looks at
 * the ring once more: true when a chain is already waiting, so the caller
 * must not sleep. Split: clears VRING_USED_F_NO_NOTIFY, or with EVENT_IDX
 * sets avail_event to the next chain. A stopped (broken) ring is never
 * armed and never has work. */
bool virtq_split_arm(struct virtq_split *vq);
void virtq_split_disarm(struct virtq_split *vq);

/* Packed: our device event suppression area: ENABLE, or with EVENT_IDX
 * DESC at the next chain's slot and wrap counter. */
bool virtq_packed_arm(struct virtq_packed *vq);
void virtq_packed_disarm(struct virtq_packed *vq);

#endif
