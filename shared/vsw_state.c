#include "vsw_state.h"

#include <stdio.h>
#include <string.h>

#include "fd_budget.h"
#include "vault.h"

void vsw_state_init(struct vsw_state *st)
{
        memset(st, 0, sizeof(*st));
        st->abi_version = VSW_STATE_ABI_VERSION;
        st->state_size = sizeof(struct vsw_state);
        st->iface_size = sizeof(struct vsw_iface);
        st->vring_size = sizeof(struct vsw_vring);
        st->max_ifaces = VSW_MAX_IFACES;
        st->max_vrings = VSW_MAX_VRINGS;
        st->max_guest_memory = VSW_DEFAULT_MAX_GUEST_MEMORY;
        st->max_mem_slots = VSW_MAX_MEM_REGIONS;
        /* What the vault holds; the supervisor lowers it to its fd limit. */
        st->mem_fd_budget = vsw_mem_fd_budget(UINT64_MAX, VSW_VAULT_MAX_FDS);
        for (unsigned c = 0; c < VSW_LOG_CLASS_MAX; c++)
                atomic_store(&st->log_level[c], VSW_LOG_INFO);
        /* Zero is worker 0: an unassigned vring must say so explicitly. */
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                        atomic_store(&st->ifaces[i].vrings[q].owner, VSW_NO_WORKER);
        /* Magic last: a reader that sees it sees the rest. */
        atomic_thread_fence(memory_order_release);
        st->magic = VSW_STATE_MAGIC;
}

int vsw_state_check(const struct vsw_state *st, char *err, unsigned errlen)
{
        if (st->magic != VSW_STATE_MAGIC) {
                snprintf(err, errlen, "memzone %s has magic 0x%llx, expected 0x%llx",
                         VSW_STATE_MZ_NAME, (unsigned long long)st->magic,
                         (unsigned long long)VSW_STATE_MAGIC);
                return -1;
        }
        if (st->abi_version != VSW_STATE_ABI_VERSION) {
                snprintf(err, errlen,
                         "memzone layout version %u is not the one this build knows (%u): "
                         "refusing to attach",
                         st->abi_version, VSW_STATE_ABI_VERSION);
                return -1;
        }
        if (st->state_size != sizeof(struct vsw_state) ||
            st->iface_size != sizeof(struct vsw_iface) ||
            st->vring_size != sizeof(struct vsw_vring) || st->max_ifaces != VSW_MAX_IFACES ||
            st->max_vrings != VSW_MAX_VRINGS) {
                snprintf(err, errlen,
                         "memzone layout sizes differ (state %u/%zu, iface %u/%zu, vring %u/%zu): "
                         "refusing to attach",
                         st->state_size, sizeof(struct vsw_state), st->iface_size,
                         sizeof(struct vsw_iface), st->vring_size, sizeof(struct vsw_vring));
                return -1;
        }
        return 0;
}
