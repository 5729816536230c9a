#include "mac_registry.h"

#include <string.h>

/* The live interface other than self that registered mac, or 0. A slot
 * left by a deleted interface (its sw_if_index no longer in use there)
 * owns nothing. */
static uint32_t other_owner(const struct vsw_state *st, unsigned self, const uint8_t mac[6])
{
        for (unsigned j = 0; j < VSW_MAX_IFACES; j++) {
                const struct vsw_uplink_mac *e = &st->uplink.macs[j];
                uint32_t idx = atomic_load_explicit(&e->sw_if_index, memory_order_acquire);

                if (j == self || !idx || !st->ifaces[j].in_use || st->ifaces[j].sw_if_index != idx)
                        continue;
                if (memcmp(e->mac, mac, sizeof(e->mac)) == 0)
                        return idx;
        }
        return 0;
}

enum vsw_mac_claim vsw_uplink_mac_claim(struct vsw_state *st, unsigned self, const uint8_t mac[6],
                                        uint16_t vlan, uint32_t *owner)
{
        struct vsw_uplink_mac *reg = &st->uplink.macs[self];
        uint32_t me = st->ifaces[self].sw_if_index;
        uint32_t old = atomic_load_explicit(&reg->sw_if_index, memory_order_acquire);

        if (old == me)
                return VSW_MAC_KNOWN;
        *owner = other_owner(st, self, mac);
        if (*owner)
                goto taken;
        if (!atomic_compare_exchange_strong(&reg->sw_if_index, &old, me))
                return VSW_MAC_KNOWN;
        memcpy(reg->mac, mac, sizeof(reg->mac));
        reg->vlan = vlan;
        /* Two VMs claiming one MAC at once on two workers: each writes its
         * slot, then looks at the others; at least one sees the other, and
         * gives its claim back. */
        atomic_thread_fence(memory_order_seq_cst);
        *owner = other_owner(st, self, mac);
        if (!*owner)
                return VSW_MAC_CLAIMED;
        atomic_store_explicit(&reg->sw_if_index, 0, memory_order_release);
taken:
        atomic_fetch_add_explicit(&reg->refused, 1, memory_order_relaxed);
        return VSW_MAC_TAKEN;
}
