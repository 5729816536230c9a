/* The worker's copy of the L2 config (l2_ctx): read from the memzone under
 * the l2_seq seqlock that vhostd's edits hold odd (shared/vsw_bridge.h). */
#include <stdatomic.h>
#include <string.h>

#include "l2_bridge.h"
#include "vsw_l2fib.h"

static const char *const drop_names[L2_DROP_MAX] = {
    [L2_DROP_NOT_BRIDGED] = "not in a bridge domain",
    [L2_DROP_RUNT] = "runt",
    [L2_DROP_BAD_SRC] = "bad source MAC",
    [L2_DROP_VLAN] = "VLAN not on the access port",
    [L2_DROP_SAME_PORT] = "destination is the input interface",
    [L2_DROP_NO_MEMBER] = "no other interface in the VLAN",
    [L2_DROP_NO_MBUF] = "no mbuf",
    [L2_DROP_SPLIT_HORIZON] = "from a tunnel to a tunnel",
};

const char *l2_drop_name(enum l2_drop d)
{
        return (unsigned)d < L2_DROP_MAX ? drop_names[d] : "unknown";
}

void l2_ctx_init(struct l2_ctx *c, struct vsw_state *st)
{
        memset(c, 0, sizeof(*c));
        c->st = st;
        c->clock = vsw_l2fib_now;
        memset(c->port_of, -1, sizeof(c->port_of));
        l2_ctx_sync(c);
}

/* Rewrite the shared entry well before it ages, and not more often. */
static uint32_t refresh_of(uint32_t aging_s)
{
        if (aging_s == 0)
                return UINT32_MAX >> 1; /* never ages: write only on a move */
        return aging_s / 8 ? aging_s / 8 : 1;
}

/* Marks p bridged when bridge domain bd_id exists. */
static void port_bridge(struct l2_port *p, const uint32_t *bd_ids, uint32_t bd_id)
{
        for (unsigned b = 0; b < VSW_MAX_BRIDGES; b++)
                if (bd_id != VSW_NO_BRIDGE && bd_ids[b] == bd_id) {
                        p->bridged = 1;
                        p->bd = (uint8_t)b;
                }
}

/* Copies what the fast path needs; the copy is used only if l2_seq did not
 * move meanwhile. */
static void snapshot(const struct vsw_state *st, struct l2_port *ports, uint32_t *bd_ids,
                     struct l2_bd *bds)
{
        const struct vsw_uplink *up = &st->uplink;

        for (unsigned i = 0; i < VSW_MAX_BRIDGES; i++) {
                const struct vsw_bridge *b = &st->bridges[i];

                bd_ids[i] = b->in_use ? b->id : VSW_NO_BRIDGE;
                bds[i].aging_s = b->aging_s;
                bds[i].learn = b->learn ? 1 : 0;
        }
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &st->ifaces[i];
                uint32_t bd_id = ifc->bridge_id;

                ports[i].sw_if_index = ifc->sw_if_index;
                ports[i].vlan = ifc->vlan;
                ports[i].bridged = 0;
                if (ifc->in_use)
                        port_bridge(&ports[i], bd_ids, bd_id);
        }
        for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++) {
                const struct vsw_vxlan_tunnel *tn = &st->tunnels[t];
                struct l2_port *p = &ports[L2_TUNNEL_PORT0 + t];

                *p = (struct l2_port){.sw_if_index = tn->sw_if_index};
                if (tn->in_use)
                        port_bridge(p, bd_ids, tn->bridge_id);
        }
        ports[L2_UPLINK_PORT] = (struct l2_port){.sw_if_index = VSW_UPLINK_SW_IF_INDEX};
        if (up->mode != VSW_UPLINK_NONE)
                port_bridge(&ports[L2_UPLINK_PORT], bd_ids, up->bridge_id);
}

static void rebuild(struct l2_ctx *c, const struct l2_port *ports, const struct l2_bd *bds)
{
        memcpy(c->ports, ports, sizeof(c->ports));
        memset(c->port_of, -1, sizeof(c->port_of));
        for (unsigned b = 0; b < VSW_MAX_BRIDGES; b++) {
                c->bds[b] = bds[b];
                c->bds[b].b = &c->st->bridges[b];
                c->bds[b].refresh_s = refresh_of(bds[b].aging_s);
                c->bds[b].nmembers = 0;
        }
        c->isolate = ports[L2_UPLINK_PORT].bridged && c->st->uplink.vm2vm != 1;
        for (unsigned i = 0; i < L2_MAX_PORTS; i++) {
                struct l2_bd *bd;
                unsigned h;

                if (!ports[i].bridged)
                        continue;
                bd = &c->bds[ports[i].bd];
                bd->members[bd->nmembers++] = (uint8_t)i;
                h = ports[i].sw_if_index % L2_PORT_HASH;
                while (c->port_of[h] >= 0)
                        h = (h + 1) % L2_PORT_HASH;
                c->port_of[h] = (int8_t)i;
        }
}

void l2_ctx_sync(struct l2_ctx *c)
{
        uint32_t seq = atomic_load_explicit(&c->st->l2_seq, memory_order_acquire);
        struct l2_port ports[L2_MAX_PORTS];
        struct l2_bd bds[VSW_MAX_BRIDGES];
        uint32_t bd_ids[VSW_MAX_BRIDGES];

        if ((c->synced && seq == c->seen_seq) || (seq & 1))
                return; /* unchanged, or an edit under way: keep the old view */
        snapshot(c->st, ports, bd_ids, bds);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&c->st->l2_seq, memory_order_relaxed) != seq)
                return; /* changed while copied: next burst */
        rebuild(c, ports, bds);
        c->seen_seq = seq;
        c->synced = 1;
}
