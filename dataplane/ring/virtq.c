/* Names and sums for the counters the ring engines keep. */
#include "virtq.h"

const char *virtq_drop_name(enum virtq_drop reason)
{
        static const char *const names[VQ_DROP_MAX] = {
            [VQ_DROP_NONE] = "none",
            [VQ_DROP_BAD_HEAD] = "bad-head",
            [VQ_DROP_BAD_NEXT] = "bad-next",
            [VQ_DROP_BAD_ADDR] = "bad-addr",
            [VQ_DROP_BAD_CHAIN] = "bad-chain",
            [VQ_DROP_BAD_INDIRECT] = "bad-indirect",
            [VQ_DROP_BAD_DIRECTION] = "bad-direction",
            [VQ_DROP_BAD_SHORT] = "bad-short",
            [VQ_DROP_BAD_NET_HDR] = "bad-net-hdr",
            [VQ_DROP_TOO_BIG] = "too-big",
            [VQ_DROP_NO_MBUF] = "no-mbuf",
        };

        if ((unsigned)reason >= VQ_DROP_MAX)
                return "unknown";
        return names[reason];
}

uint64_t virtq_stats_bad_desc(const struct virtq_stats *st)
{
        uint64_t sum = 0;
        int r;

        for (r = VQ_DROP_BAD_HEAD; r <= VQ_DROP_BAD_NET_HDR; r++)
                sum += st->drops[r];
        return sum;
}
