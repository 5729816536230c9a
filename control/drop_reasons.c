#include "drop_reasons.h"

static uint64_t full(const struct vsw_vring_counters *c)
{
        return c->drops_full;
}
static uint64_t mtu(const struct vsw_vring_counters *c)
{
        return c->drops_mtu;
}
static uint64_t other(const struct vsw_vring_counters *c)
{
        return c->drops_other;
}
#define BAD(reason, idx)                                                                           \
        static uint64_t reason(const struct vsw_vring_counters *c)                                 \
        {                                                                                          \
                return c->drops_bad[idx];                                                          \
        }
BAD(bad_head, VSW_BAD_HEAD)
BAD(bad_next, VSW_BAD_NEXT)
BAD(bad_addr, VSW_BAD_ADDR)
BAD(bad_chain, VSW_BAD_CHAIN)
BAD(bad_indirect, VSW_BAD_INDIRECT)
BAD(bad_direction, VSW_BAD_DIRECTION)
BAD(bad_short, VSW_BAD_SHORT)
BAD(bad_net_hdr, VSW_BAD_NET_HDR)
#undef BAD

const struct vsw_drop_reason vsw_vring_drop_reasons[] = {
    {"ring_full", full},
    {"bad_head", bad_head},
    {"bad_next", bad_next},
    {"bad_addr", bad_addr},
    {"bad_chain", bad_chain},
    {"bad_indirect", bad_indirect},
    {"bad_direction", bad_direction},
    {"bad_short", bad_short},
    {"bad_net_hdr", bad_net_hdr},
    {"mtu", mtu},
    {"other", other},
};

const unsigned vsw_vring_drop_nreasons =
    sizeof(vsw_vring_drop_reasons) / sizeof(vsw_vring_drop_reasons[0]);

const char *const vsw_vxlan_drop_names[VSW_VXLAN_DROPS] = {
    [VSW_VXLAN_DROP_TRUNCATED] = "truncated",
    [VSW_VXLAN_DROP_BAD_FLAGS] = "bad_flags",
    [VSW_VXLAN_DROP_FRAGMENT] = "fragment",
    [VSW_VXLAN_DROP_UNKNOWN_VNI] = "unknown_vni",
    [VSW_VXLAN_DROP_INNER_RUNT] = "inner_runt",
    [VSW_VXLAN_DROP_NO_NEIGHBOR] = "no_neighbor",
    [VSW_VXLAN_DROP_NO_ROUTE] = "no_route", /* shared/vsw_route.h */
    [VSW_VXLAN_DROP_MTU] = "mtu",
    [VSW_VXLAN_DROP_NO_MBUF] = "no_mbuf",
};
