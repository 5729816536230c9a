/* The feature bits vhostd supports (numbers in shared/virtio_spec.h) and
 * their names as the virtio and vhost-user specs spell them. */
#ifndef VU_FEATURES_H
#define VU_FEATURES_H

#include <stdint.h>

#include "virtio_spec.h"

/* Everything vhostd can offer; an interface offers this & its feature_mask. */
uint64_t vu_supported_features(void);
uint64_t vu_supported_protocol_features(void);

/* Name of a feature bit, or NULL when vhostd does not know it. */
const char *vu_feature_name(unsigned bit);
const char *vu_protocol_feature_name(unsigned bit);

#endif
