/* The reasons a vring's frames are dropped, named once for everything that
 * shows them (`show errors`, the Prometheus reason label): each a name and
 * the counter in struct vsw_vring_counters. They add up to `show
 * interface`'s drops (drops_bad_desc is the sum of the bad_* reasons). */
#ifndef VHOSTD_DROP_REASONS_H
#define VHOSTD_DROP_REASONS_H

#include <stdint.h>

#include "vsw_state.h"

struct vsw_drop_reason {
        const char *name;
        uint64_t (*get)(const struct vsw_vring_counters *c);
};

extern const struct vsw_drop_reason vsw_vring_drop_reasons[];
extern const unsigned vsw_vring_drop_nreasons;

/* VXLAN's reasons (enum vsw_vxlan_drop), by index. */
extern const char *const vsw_vxlan_drop_names[VSW_VXLAN_DROPS];

#endif
