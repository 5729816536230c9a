/* Bridge domain config writes (vsw_bridge.h). */
#include "vsw_bridge.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "vsw_l2fib.h"

void vsw_l2_edit_begin(struct vsw_state *st)
{
        atomic_fetch_add_explicit(&st->l2_seq, 1, memory_order_relaxed);
        /* Readers that see the edits below see the odd sequence first. */
        atomic_thread_fence(memory_order_release);
}

void vsw_l2_edit_end(struct vsw_state *st)
{
        atomic_fetch_add_explicit(&st->l2_seq, 1, memory_order_release);
}

struct vsw_bridge *vsw_bridge_find(struct vsw_state *st, uint32_t id)
{
        for (unsigned i = 0; i < VSW_MAX_BRIDGES; i++)
                if (st->bridges[i].in_use && st->bridges[i].id == id)
                        return &st->bridges[i];
        return NULL;
}

static void clear_fib(struct vsw_bridge *b)
{
        for (unsigned i = 0; i < VSW_L2FIB_BUCKETS; i++)
                for (unsigned w = 0; w < VSW_L2FIB_WAYS; w++) {
                        atomic_store_explicit(&b->fib[i].way[w].key, 0, memory_order_relaxed);
                        atomic_store_explicit(&b->fib[i].way[w].val, 0, memory_order_relaxed);
                }
}

struct vsw_bridge *vsw_bridge_add(struct vsw_state *st, uint32_t id, char *err, size_t errlen)
{
        struct vsw_bridge *b = vsw_bridge_find(st, id);

        if (b)
                return b;
        if (id == 0 || id > VSW_BRIDGE_ID_MAX) {
                snprintf(err, errlen, "bridge domain id %u is out of range 1-%u", id,
                         VSW_BRIDGE_ID_MAX);
                return NULL;
        }
        for (unsigned i = 0; i < VSW_MAX_BRIDGES; i++) {
                if (st->bridges[i].in_use)
                        continue;
                b = &st->bridges[i];
                /* No worker uses a free slot: a table left by a deleted
                 * bridge domain is cleared before it can be seen again. */
                clear_fib(b);
                vsw_l2_edit_begin(st);
                b->id = id;
                b->learn = 1;
                b->aging_s = VSW_L2_DEFAULT_AGING_S;
                b->in_use = 1;
                vsw_l2_edit_end(st);
                return b;
        }
        snprintf(err, errlen, "no room for bridge domain %u (at most %d)", id, VSW_MAX_BRIDGES);
        return NULL;
}

void vsw_bridge_set(struct vsw_state *st, struct vsw_bridge *b, int learn, uint32_t aging_s)
{
        vsw_l2_edit_begin(st);
        b->learn = learn ? 1 : 0;
        b->aging_s = aging_s;
        vsw_l2_edit_end(st);
}

unsigned vsw_bridge_members(const struct vsw_state *st, uint32_t id)
{
        unsigned n = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                n += st->ifaces[i].in_use && st->ifaces[i].bridge_id == id;
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++)
                n += st->tunnels[t].in_use && st->tunnels[t].bridge_id == id;
        return n + (st->uplink.mode != VSW_UPLINK_NONE && st->uplink.bridge_id == id);
}

int vsw_bridge_delete(struct vsw_state *st, uint32_t id, char *err, size_t errlen)
{
        struct vsw_bridge *b = vsw_bridge_find(st, id);
        unsigned n;

        if (!b) {
                snprintf(err, errlen, "no bridge domain %u", id);
                return -1;
        }
        n = vsw_bridge_members(st, id);
        if (n) {
                snprintf(err, errlen, "bridge domain %u still has %u interface%s", id, n,
                         n == 1 ? "" : "s");
                return -1;
        }
        vsw_l2_edit_begin(st);
        b->in_use = 0;
        vsw_l2_edit_end(st);
        return 0;
}

int vsw_iface_set_bridge(struct vsw_state *st, struct vsw_iface *ifc, uint32_t bd_id, char *err,
                         size_t errlen)
{
        if (bd_id != VSW_NO_BRIDGE && !vsw_bridge_add(st, bd_id, err, errlen))
                return -1;
        vsw_l2_edit_begin(st);
        ifc->bridge_id = bd_id;
        vsw_l2_edit_end(st);
        return 0;
}

int vsw_iface_set_vlan(struct vsw_state *st, struct vsw_iface *ifc, uint32_t vlan, char *err,
                       size_t errlen)
{
        if (vlan > VSW_VLAN_MAX) {
                snprintf(err, errlen, "VLAN %u is out of range 1-%u", vlan, VSW_VLAN_MAX);
                return -1;
        }
        vsw_l2_edit_begin(st);
        ifc->vlan = (uint16_t)vlan;
        vsw_l2_edit_end(st);
        return 0;
}

int vsw_tunnel_set_bridge(struct vsw_state *st, struct vsw_vxlan_tunnel *tn, uint32_t bd_id,
                          char *err, size_t errlen)
{
        if (bd_id != VSW_NO_BRIDGE && !vsw_bridge_add(st, bd_id, err, errlen))
                return -1;
        vsw_l2_edit_begin(st);
        tn->bridge_id = bd_id;
        vsw_l2_edit_end(st);
        return 0;
}
