/* The feature bits vhostd supports (numbers in shared/virtio_spec.h) and
 * their names as the virtio and vhost-user specs spell them. */
#ifndef VU_FEATURES_H
#define VU_FEATURES_H

#include <stdint.h>

#include "virtio_spec.h"

/* Everything vhostd can offer; an interface offers this & its feature_mask. */
uint64_t vu_supported_features(void);
uint64_t vu_supported_protocol_features(void);

/* f without the offload bits whose prerequisite f lacks (virtio 1.x
 * "Feature bit requirements": HOST_TSO4 needs CSUM, GUEST_TSO4 needs
 * GUEST_CSUM, ECN needs a TSO bit), so that a feature mask that turns one
 * off never makes the switch offer an inconsistent set. */
uint64_t vu_features_consistent(uint64_t f);

/* Name of a feature bit, or NULL when vhostd does not know it. */
const char *vu_feature_name(unsigned bit);
const char *vu_protocol_feature_name(unsigned bit);

#endif
