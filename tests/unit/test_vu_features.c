/* Feature bit names for `show vhost-user`: every supported bit has one,
 * and unknown bits have none. */
#include <stdio.h>
#include <string.h>

#include "vu_features.h"

int main(void)
{
        int passed = 0, failed = 0;
        uint64_t f = vu_supported_features(), p = vu_supported_protocol_features();

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (c)                                                                             \
                        passed++;                                                                  \
                else {                                                                             \
                        failed++;                                                                  \
                        fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #c);                       \
                }                                                                                  \
        } while (0)

        for (unsigned b = 0; b < 64; b++) {
                CHECK(!!(f & VU_BIT(b)) == (vu_feature_name(b) != NULL));
                CHECK(!!(p & VU_BIT(b)) == (vu_protocol_feature_name(b) != NULL));
        }
        CHECK(f == 0x57d678008ULL);
        CHECK(p == 0x1a03fULL);
        CHECK(strcmp(vu_feature_name(30), "VHOST_USER_F_PROTOCOL_FEATURES") == 0);
        CHECK(strcmp(vu_feature_name(34), "VIRTIO_F_RING_PACKED") == 0);
        CHECK(strcmp(vu_protocol_feature_name(5), "VHOST_USER_PROTOCOL_F_BACKEND_REQ") == 0);
        CHECK(vu_feature_name(64) == NULL && vu_protocol_feature_name(200) == NULL);
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
}
