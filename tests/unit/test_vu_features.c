/* Feature bit names for `show vhost-user`: every supported bit has one,
 * and unknown bits have none. */
#include <stdio.h>
#include <string.h>

#include "vu_features.h"
#include "unit_check.h"

int main(void)
{
        uint64_t f = vu_supported_features(), p = vu_supported_protocol_features();

        for (unsigned b = 0; b < 64; b++) {
                CHECK(!!(f & VIRTIO_BIT(b)) == (vu_feature_name(b) != NULL));
                CHECK(!!(p & VIRTIO_BIT(b)) == (vu_protocol_feature_name(b) != NULL));
        }
        CHECK(f == 0xd7d67bb8bULL); /* ... | VIRTIO_F_IN_ORDER, the offloads but UFO */
        CHECK(p == 0x1a03fULL);
        CHECK(strcmp(vu_feature_name(30), "VHOST_USER_F_PROTOCOL_FEATURES") == 0);
        CHECK(strcmp(vu_feature_name(34), "VIRTIO_F_RING_PACKED") == 0);
        CHECK(strcmp(vu_feature_name(35), "VIRTIO_F_IN_ORDER") == 0);
        CHECK(strcmp(vu_protocol_feature_name(5), "VHOST_USER_PROTOCOL_F_BACKEND_REQ") == 0);
        /* Offloads whose prerequisite a feature mask took away are not
         * offered: TSO and ECN without checksum offload, ECN without TSO. */
        CHECK(vu_features_consistent(f) == f);
        CHECK(vu_features_consistent(f & ~VIRTIO_BIT(VIRTIO_NET_F_CSUM)) ==
              (f & ~(VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
                     VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) | VIRTIO_BIT(VIRTIO_NET_F_HOST_ECN))));
        CHECK(vu_features_consistent(f & ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)) ==
              (f & ~(VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
                     VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN))));
        CHECK(vu_features_consistent(f & ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4)) ==
              (f & ~VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4)));
        CHECK(vu_features_consistent(f & ~(VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
                                           VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6))) ==
              (f & ~(VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) |
                     VIRTIO_BIT(VIRTIO_NET_F_GUEST_ECN))));
        CHECK(strcmp(vu_feature_name(11), "VIRTIO_NET_F_HOST_TSO4") == 0);
        CHECK(strcmp(vu_feature_name(12), "VIRTIO_NET_F_HOST_TSO6") == 0);
        CHECK(vu_feature_name(64) == NULL && vu_protocol_feature_name(200) == NULL);
        return t_report();
}
