/* The L2 bridge (dataplane/l2) over a memzone-shaped vsw_state in plain
 * memory and a small mbuf pool: learning, lookup, flood, aging, VLANs, the
 * config handshake, and two threads learning into one table with no torn
 * entry seen. With --bench: Mpps of l2_bridge_input on 64-byte frames with
 * a warm table. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "l2_bridge.h"
#include "rpc_call.h"
#include "l2_vlan.h"
#include "l2fib.h"
#include "vsw_bridge.h"
#include "vsw_l2fib.h"
#include "unit_check.h"

static struct rte_mempool *pool;
static struct vsw_state *st;
static uint32_t t_now = 100000;

static uint32_t fake_clock(void)
{
        return t_now;
}

/* 02:00:00:00:hi:lo */
static uint64_t mac(unsigned n)
{
        return 0x02ull | (uint64_t)(n & 0xff) << 40 | (uint64_t)((n >> 8) & 0xff) << 32;
}

#define BCAST 0xffffffffffffull
#define MCAST 0x0100005e0001ull /* 01:00:5e:00:00:01 read little-endian is below */

static void put_mac(uint8_t *p, uint64_t m)
{
        for (int i = 0; i < 6; i++)
                p[i] = (uint8_t)(m >> (8 * i));
}

/* A 64-byte frame (68 with a tag); vlan < 0: untagged. */
static struct rte_mbuf *frame(uint64_t src, uint64_t dst, int vlan)
{
        struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
        uint16_t len = vlan >= 0 ? 68 : 64;
        uint8_t *p;

        if (!m)
                return NULL;
        p = (uint8_t *)rte_pktmbuf_append(m, len);
        memset(p, 0xab, len);
        put_mac(p, dst);
        put_mac(p + 6, src);
        if (vlan >= 0) {
                p[12] = 0x81;
                p[13] = 0x00;
                p[14] = (uint8_t)(vlan >> 8);
                p[15] = (uint8_t)vlan;
                p += 4;
        }
        p[12] = 0x08;
        p[13] = 0x00;
        return m;
}

/* The frame's VLAN tag, or -1 when untagged. */
static int tag_of(const struct rte_mbuf *m)
{
        const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

        if (p[12] != 0x81 || p[13] != 0x00)
                return -1;
        return (p[14] & 0x0f) << 8 | p[15];
}

static uint64_t src_of(const struct rte_mbuf *m)
{
        return l2_mac_at(rte_pktmbuf_mtod(m, const uint8_t *) + 6);
}

static void add_iface(unsigned slot, uint32_t sw_if_index, uint32_t bd, uint32_t vlan)
{
        struct vsw_iface *ifc = &st->ifaces[slot];
        char err[128];

        memset(ifc, 0, sizeof(*ifc));
        ifc->sw_if_index = sw_if_index;
        ifc->bridge_id = VSW_NO_BRIDGE;
        vsw_l2_edit_begin(st);
        ifc->in_use = 1;
        vsw_l2_edit_end(st);
        CHECK(bd == VSW_NO_BRIDGE || vsw_iface_set_bridge(st, ifc, bd, err, sizeof(err)) == 0, "%s",
              err);
        CHECK(vsw_iface_set_vlan(st, ifc, vlan, err, sizeof(err)) == 0, "%s", err);
}

static void reset_state(void)
{
        vsw_state_init(st);
        t_now += 100000;
}

static const struct l2_dest *dest(const struct l2_out *o, uint32_t sw_if_index)
{
        for (unsigned i = 0; i < o->ndests; i++)
                if (o->dests[i].sw_if_index == sw_if_index)
                        return &o->dests[i];
        return NULL;
}

static void free_out(struct l2_out *o)
{
        for (unsigned i = 0; i < o->ndests; i++)
                rte_pktmbuf_free_bulk(o->dests[i].pkts, o->dests[i].n);
        o->ndests = 0;
}

/* One frame in on sw_if_index; out filled. */
static void send1(struct l2_ctx *c, uint32_t sw_if_index, struct rte_mbuf *m, struct l2_out *o)
{
        l2_bridge_input(c, sw_if_index, &m, 1, o);
}

static int lookup(uint32_t bd, uint64_t m, uint16_t vlan, uint32_t *sw)
{
        struct vsw_bridge *b = vsw_bridge_find(st, bd);

        return b && l2fib_lookup(b, vsw_l2fib_key(m, vlan), t_now, b->aging_s, sw);
}

static struct l2_out out;

static void test_not_bridged(void)
{
        struct l2_ctx c;
        struct rte_mbuf *m[3];

        reset_state();
        add_iface(0, 1, VSW_NO_BRIDGE, 0);
        add_iface(1, 2, 1, 0);
        l2_ctx_init(&c, st);
        c.clock = fake_clock;
        for (int i = 0; i < 3; i++)
                m[i] = frame(mac(1), mac(2), -1);
        CHECK(l2_bridge_input(&c, 1, m, 3, &out) == 3, "count");
        CHECK(out.ndests == 0 && out.ndropped == 3 && out.drops[L2_DROP_NOT_BRIDGED] == 3,
              "dests %u dropped %u", out.ndests, out.ndropped);
        m[0] = frame(mac(1), mac(2), -1);
        send1(&c, 77, m[0], &out);
        CHECK(out.drops[L2_DROP_NOT_BRIDGED] == 1, "unknown sw_if_index dropped");
}

static void test_learn_flood_forward(void)
{
        struct l2_ctx c;
        const struct l2_dest *d, *d2;
        struct rte_mbuf *m;
        uint32_t sw = 0;

        reset_state();
        add_iface(0, 1, 1, 0); /* A */
        add_iface(1, 2, 1, 0); /* B */
        add_iface(2, 3, 1, 0); /* C */
        add_iface(3, 4, 7, 0); /* another bridge domain */
        l2_ctx_init(&c, st);
        c.clock = fake_clock;

        /* Unknown unicast: flooded to B and C as one mbuf, refcount 2. */
        m = frame(mac(1), mac(2), -1);
        send1(&c, 1, m, &out);
        d = dest(&out, 2);
        d2 = dest(&out, 3);
        CHECK(out.ndests == 2 && d && d2 && d->n == 1 && d2->n == 1, "flood to B and C: %u dests",
              out.ndests);
        CHECK(d && d2 && d->pkts[0] == m && d2->pkts[0] == m && rte_mbuf_refcnt_read(m) == 2,
              "one mbuf, refcount %u", rte_mbuf_refcnt_read(m));
        CHECK(d && d->iface == 1 && d2 && d2->iface == 2, "iface slots");
        CHECK(!dest(&out, 4) && !dest(&out, 1), "not to the input nor another bridge");
        free_out(&out);
        CHECK(lookup(1, mac(1), 0, &sw) && sw == 1, "A's MAC learned on 1 (got %u)", sw);
        CHECK(c.stats.learned == 1 && c.stats.flooded == 1, "stats");

        /* Known destination: to A only. */
        m = frame(mac(2), mac(1), -1);
        send1(&c, 2, m, &out);
        d = dest(&out, 1);
        CHECK(out.ndests == 1 && d && d->n == 1 && d->pkts[0] == m && rte_mbuf_refcnt_read(m) == 1,
              "unicast to A");
        free_out(&out);
        m = frame(mac(1), mac(2), -1);
        send1(&c, 1, m, &out);
        CHECK(out.ndests == 1 && dest(&out, 2), "unicast to B");
        free_out(&out);

        /* Broadcast and multicast: flooded even though both MACs are known. */
        m = frame(mac(1), BCAST, -1);
        send1(&c, 1, m, &out);
        CHECK(out.ndests == 2 && dest(&out, 2) && dest(&out, 3), "broadcast flooded");
        free_out(&out);
        m = frame(mac(1), 0x0100005e0001ull | 1, -1);
        send1(&c, 1, m, &out);
        CHECK(out.ndests == 2 && dest(&out, 2) && dest(&out, 3), "multicast flooded");
        free_out(&out);

        /* A's MAC moves to C: last writer wins. */
        m = frame(mac(1), BCAST, -1);
        send1(&c, 3, m, &out);
        free_out(&out);
        CHECK(lookup(1, mac(1), 0, &sw) && sw == 3 && c.stats.moved == 1, "moved to 3 (%u)", sw);
        m = frame(mac(2), mac(1), -1);
        send1(&c, 2, m, &out);
        CHECK(out.ndests == 1 && dest(&out, 3), "follows the move");
        free_out(&out);

        /* Destination on the input interface: filtered. */
        m = frame(mac(3), mac(1), -1);
        send1(&c, 3, m, &out);
        CHECK(out.ndests == 0 && out.drops[L2_DROP_SAME_PORT] == 1, "same port dropped");

        /* Bad frames. */
        m = frame(0x0100005e0002ull | 1, mac(2), -1);
        send1(&c, 1, m, &out);
        CHECK(out.drops[L2_DROP_BAD_SRC] == 1, "multicast source dropped");
        m = frame(0, mac(2), -1);
        send1(&c, 1, m, &out);
        CHECK(out.drops[L2_DROP_BAD_SRC] == 1, "zero source dropped");
        m = frame(mac(1), mac(2), -1);
        rte_pktmbuf_trim(m, 64 - 13);
        send1(&c, 1, m, &out);
        CHECK(out.drops[L2_DROP_RUNT] == 1, "13-byte frame dropped");
        m = frame(mac(1), mac(2), 5);
        rte_pktmbuf_trim(m, 68 - 17);
        send1(&c, 1, m, &out);
        CHECK(out.drops[L2_DROP_RUNT] == 1, "17-byte tagged frame dropped");

        /* A burst: per-destination lists in arrival order. */
        struct rte_mbuf *b[6];
        for (int i = 0; i < 6; i++)
                b[i] = frame(mac(10 + (unsigned)i), i % 2 ? mac(2) : mac(1), -1);
        CHECK(l2_bridge_input(&c, 1, b, 6, &out) == 6, "burst");
        d = dest(&out, 2);
        d2 = dest(&out, 3);
        CHECK(out.ndests == 2 && d && d2 && d->n == 3 && d2->n == 3, "burst split 3/3");
        CHECK(d && d->pkts[0] == b[1] && d->pkts[2] == b[5] && d2 && d2->pkts[1] == b[2],
              "order kept");
        free_out(&out);
}

static void test_refresh_and_aging(void)
{
        struct l2_ctx c;
        struct vsw_bridge *b;
        struct rte_mbuf *m;
        uint32_t sw = 0;
        uint64_t key = vsw_l2fib_key(mac(1), 0), k, v;
        char err[64];

        reset_state();
        add_iface(0, 1, 1, 0);
        add_iface(1, 2, 1, 0);
        b = vsw_bridge_find(st, 1);
        CHECK(b && b->aging_s == VSW_L2_DEFAULT_AGING_S && b->learn, "defaults");
        vsw_bridge_set(st, b, 1, 80); /* refresh every 10 s */
        l2_ctx_init(&c, st);
        c.clock = fake_clock;

        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        free_out(&out);
        uint32_t t0 = t_now;
        t_now += 5;
        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        free_out(&out);
        CHECK(lookup(1, mac(1), 0, &sw), "known");
        struct vsw_l2fib_entry *e = NULL;
        for (unsigned i = 0; i < VSW_L2FIB_BUCKETS * VSW_L2FIB_WAYS && !e; i++)
                if (vsw_l2fib_read(&b->fib[i / 4].way[i % 4], &k, &v) && k == key)
                        e = &b->fib[i / 4].way[i % 4];
        CHECK(e && vsw_l2fib_read(e, &k, &v) && vsw_l2fib_val_time(v) == t0,
              "no write within the refresh interval");
        t_now += 6;
        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        free_out(&out);
        CHECK(e && vsw_l2fib_read(e, &k, &v) && vsw_l2fib_val_time(v) == t_now &&
                  c.stats.refreshed == 1,
              "refreshed after it");

        t_now += 79;
        CHECK(lookup(1, mac(1), 0, &sw), "79 s old: still known");
        t_now += 1;
        CHECK(!lookup(1, mac(1), 0, &sw), "80 s old: aged");
        m = frame(mac(2), mac(1), -1);
        send1(&c, 2, m, &out);
        CHECK(out.ndests == 1 && dest(&out, 1) && c.stats.flooded == 4, "aged: flooded");
        free_out(&out);

        /* Reclaim: keys sharing a home bucket fill the probe window; the
         * next one finds no room until they age. */
        uint64_t keys[VSW_L2FIB_WAYS * L2FIB_PROBE + 1];
        unsigned nk = 0;
        uint32_t home = l2fib_home(vsw_l2fib_key(mac(1000), 0));
        for (unsigned n = 1000; nk < RTE_DIM(keys) && n < 1000000; n++) {
                uint64_t kk = vsw_l2fib_key(mac(n) | (uint64_t)(n >> 16) << 24, 0);
                if (l2fib_home(kk) == home)
                        keys[nk++] = kk;
        }
        CHECK(nk == RTE_DIM(keys), "found %u colliding keys", nk);
        vsw_bridge_delete(st, 1, err, sizeof(err)); /* refused: members */
        CHECK(vsw_bridge_find(st, 1) != NULL, "delete refused while members: %s", err);
        for (unsigned i = 0; i + 1 < nk; i++) {
                int r = l2fib_learn(b, keys[i], 9, t_now, 80, 10);
                /* Earlier tests' keys may sit in the window: all aged by now. */
                CHECK(r == L2FIB_NEW, "key %u: %d", i, r);
        }
        CHECK(l2fib_learn(b, keys[nk - 1], 9, t_now, 80, 10) == L2FIB_FULL, "window full");
        CHECK(l2fib_lookup(b, keys[3], t_now, 80, &sw) && sw == 9, "colliding key found");
        t_now += 80;
        CHECK(l2fib_learn(b, keys[nk - 1], 8, t_now, 80, 10) == L2FIB_NEW, "aged slot reclaimed");
        CHECK(l2fib_lookup(b, keys[nk - 1], t_now, 80, &sw) && sw == 8, "reclaimed key found");
        CHECK(!l2fib_lookup(b, keys[3], t_now, 80, &sw), "old keys aged");

        /* Aging 0: never. */
        vsw_bridge_set(st, b, 1, 0);
        t_now += 1000000;
        CHECK(l2fib_lookup(b, keys[nk - 1], t_now, 0, &sw), "aging 0 keeps entries");
}

static void test_vlan(void)
{
        struct l2_ctx c;
        const struct l2_dest *d;
        struct rte_mbuf *m;
        uint32_t sw;

        reset_state();
        add_iface(0, 11, 2, 0);  /* T: passes tags */
        add_iface(1, 12, 2, 10); /* A: access 10 */
        add_iface(2, 13, 2, 10); /* B: access 10 */
        add_iface(3, 14, 2, 20); /* C: access 20 */
        l2_ctx_init(&c, st);
        c.clock = fake_clock;

        /* Untagged from A: untagged to B (same mbuf), tagged 10 to T (a copy). */
        m = frame(mac(0xa), BCAST, -1);
        send1(&c, 12, m, &out);
        d = dest(&out, 13);
        CHECK(d && d->pkts[0] == m && tag_of(m) == -1 && m->pkt_len == 64, "B untagged");
        d = dest(&out, 11);
        CHECK(d && d->pkts[0] != m && tag_of(d->pkts[0]) == 10 && d->pkts[0]->pkt_len == 68 &&
                  src_of(d->pkts[0]) == mac(0xa),
              "T tagged 10");
        CHECK(out.ndests == 2 && !dest(&out, 14), "C (VLAN 20) left out");
        free_out(&out);
        CHECK(lookup(2, mac(0xa), 10, &sw) && sw == 12 && !lookup(2, mac(0xa), 0, &sw),
              "learned in VLAN 10 only");

        /* Tagged with another VLAN on an access port: dropped. */
        m = frame(mac(0xa), BCAST, 20);
        send1(&c, 12, m, &out);
        CHECK(out.ndests == 0 && out.drops[L2_DROP_VLAN] == 1, "VLAN 20 on access 10 dropped");
        /* Tagged with its own VLAN: accepted, carried untagged. */
        m = frame(mac(0xa), BCAST, 10);
        send1(&c, 12, m, &out);
        d = dest(&out, 13);
        CHECK(d && tag_of(d->pkts[0]) == -1 && d->pkts[0]->pkt_len == 64, "own tag stripped");
        d = dest(&out, 11);
        CHECK(d && tag_of(d->pkts[0]) == 10, "and tagged again to T");
        free_out(&out);

        /* From T, tagged 10, to A's MAC: untagged to A. */
        m = frame(mac(0x7), mac(0xa), 10);
        send1(&c, 11, m, &out);
        d = dest(&out, 12);
        CHECK(out.ndests == 1 && d && tag_of(d->pkts[0]) == -1 && d->pkts[0]->pkt_len == 64,
              "T to A stripped");
        free_out(&out);
        /* From A to T's MAC (learned in VLAN 10): tagged. */
        m = frame(mac(0xa), mac(0x7), -1);
        send1(&c, 12, m, &out);
        d = dest(&out, 11);
        CHECK(out.ndests == 1 && d && tag_of(d->pkts[0]) == 10, "A to T tagged");
        free_out(&out);

        /* From T tagged 20: only C, untagged. Untagged from T: nobody. */
        m = frame(mac(0x7), BCAST, 20);
        send1(&c, 11, m, &out);
        d = dest(&out, 14);
        CHECK(out.ndests == 1 && d && tag_of(d->pkts[0]) == -1, "VLAN 20 to C");
        free_out(&out);
        m = frame(mac(0x7), BCAST, -1);
        send1(&c, 11, m, &out);
        CHECK(out.ndests == 0 && out.drops[L2_DROP_NO_MEMBER] == 1, "VLAN 0: no member");
        m = frame(mac(0x7), BCAST, 4095);
        send1(&c, 11, m, &out);
        CHECK(out.drops[L2_DROP_VLAN] == 1, "VLAN 4095 dropped");

        /* A second port that passes tags gets the frame as it came. */
        add_iface(4, 15, 2, 0);
        m = frame(mac(0x7), BCAST, 10);
        send1(&c, 11, m, &out);
        d = dest(&out, 15);
        CHECK(out.ndests == 3 && d && d->pkts[0] == m && tag_of(m) == 10, "trunk to trunk as is");
        CHECK(dest(&out, 12) && dest(&out, 12)->pkts[0] != m &&
                  dest(&out, 12)->pkts[0] == dest(&out, 13)->pkts[0] &&
                  rte_mbuf_refcnt_read(dest(&out, 12)->pkts[0]) == 2,
              "access ports share one stripped copy");
        free_out(&out);
}

/* The uplink as a bridge port (VSW_UPLINK_SW_IF_INDEX): tags the NIC
 * stripped (RTE_MBUF_F_RX_VLAN_STRIPPED) put the frame in that VLAN;
 * vm2vm 0 sends the interfaces' frames to the uplink only. */
static void test_uplink(void)
{
        const uint32_t up = VSW_UPLINK_SW_IF_INDEX;
        struct l2_ctx c;
        const struct l2_dest *d;
        struct rte_mbuf *m;
        char err[128];

        reset_state();
        add_iface(0, 21, 3, 100); /* A: access 100 */
        add_iface(1, 22, 3, 0);   /* T: passes tags */
        add_iface(2, 23, 3, 100); /* B: access 100 */
        vsw_l2_edit_begin(st);
        st->uplink.mode = VSW_UPLINK_SOFTWARE;
        st->uplink.vm2vm = 1;
        st->uplink.bridge_id = 3;
        vsw_l2_edit_end(st);
        CHECK(vsw_bridge_members(st, 3) == 4, "the uplink counts as a member");
        CHECK(vsw_bridge_delete(st, 3, err, sizeof(err)) < 0, "bridge kept while the uplink is in");
        l2_ctx_init(&c, st);
        c.clock = fake_clock;

        /* From A: to the uplink tagged 100, and to B. */
        m = frame(mac(0xa), BCAST, -1);
        send1(&c, 21, m, &out);
        d = dest(&out, up);
        CHECK(d && d->iface == L2_UPLINK_PORT && tag_of(d->pkts[0]) == 100, "A to uplink tagged");
        CHECK(out.ndests == 3 && dest(&out, 23) && dest(&out, 22), "and to B and T (vm2vm 1)");
        free_out(&out);

        /* In on the uplink, tag stripped by the NIC: VLAN 100, to A untagged,
         * to T with the tag back in its bytes. */
        m = frame(mac(0x5), BCAST, -1);
        m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
        m->vlan_tci = 100;
        send1(&c, up, m, &out);
        d = dest(&out, 21);
        CHECK(d && tag_of(d->pkts[0]) == -1, "stripped VLAN 100 to A untagged");
        d = dest(&out, 22);
        CHECK(d && tag_of(d->pkts[0]) == 100, "and to T tagged 100");
        free_out(&out);
        m = frame(mac(0x5), mac(0xa), -1);
        send1(&c, up, m, &out);
        CHECK(!dest(&out, 21) && !dest(&out, 23) && dest(&out, 22),
              "untagged from the uplink reaches T only, not the VLAN 100 ports");
        free_out(&out);

        /* vm2vm 0: A's frame for B (learned) and A's broadcast go to the uplink only. */
        vsw_l2_edit_begin(st);
        st->uplink.vm2vm = 0;
        vsw_l2_edit_end(st);
        m = frame(mac(0xb), BCAST, -1);
        send1(&c, 23, m, &out);
        CHECK(out.ndests == 1 && dest(&out, up), "vm2vm 0: B's broadcast to the uplink only");
        free_out(&out);
        m = frame(mac(0xa), mac(0xb), -1);
        send1(&c, 21, m, &out);
        d = dest(&out, up);
        CHECK(out.ndests == 1 && d && tag_of(d->pkts[0]) == 100,
              "vm2vm 0: A to B's MAC leaves by the uplink, tagged");
        free_out(&out);
        m = frame(mac(0x5), mac(0xa), 100);
        send1(&c, up, m, &out);
        CHECK(out.ndests == 1 && dest(&out, 21), "vm2vm 0: the uplink still reaches A");
        free_out(&out);
}

static void test_config_changes(void)
{
        struct l2_ctx c;
        struct rte_mbuf *m;
        char err[128];

        reset_state();
        add_iface(0, 1, 1, 0);
        add_iface(1, 2, 1, 0);
        add_iface(2, 3, 1, 0);
        l2_ctx_init(&c, st);
        c.clock = fake_clock;
        send1(&c, 2, frame(mac(2), BCAST, -1), &out);
        free_out(&out);

        /* B leaves: its frames are dropped, its MAC is flooded to the rest. */
        CHECK(vsw_iface_set_bridge(st, &st->ifaces[1], VSW_NO_BRIDGE, err, sizeof(err)) == 0, "%s",
              err);
        send1(&c, 2, frame(mac(2), BCAST, -1), &out);
        CHECK(out.drops[L2_DROP_NOT_BRIDGED] == 1, "left the bridge");
        m = frame(mac(1), mac(2), -1);
        send1(&c, 1, m, &out);
        CHECK(out.ndests == 1 && dest(&out, 3), "flooded to the members left");
        free_out(&out);

        /* An edit under way (odd sequence) keeps the old view. */
        vsw_l2_edit_begin(st);
        st->ifaces[2].bridge_id = VSW_NO_BRIDGE;
        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        CHECK(out.ndests == 1 && dest(&out, 3), "old view during an edit");
        free_out(&out);
        vsw_l2_edit_end(st);
        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        CHECK(out.ndests == 0 && out.drops[L2_DROP_NO_MEMBER] == 1, "new view after it");

        /* Learning off. */
        CHECK(vsw_iface_set_bridge(st, &st->ifaces[2], 1, err, sizeof(err)) == 0, "%s", err);
        vsw_bridge_set(st, vsw_bridge_find(st, 1), 0, 300);
        uint64_t learned = c.stats.learned;
        send1(&c, 3, frame(mac(33), BCAST, -1), &out);
        free_out(&out);
        uint32_t sw;
        CHECK(c.stats.learned == learned && !lookup(1, mac(33), 0, &sw), "no learning");

        /* Bridge domains: range, capacity, delete. */
        CHECK(!vsw_bridge_add(st, 0, err, sizeof(err)), "id 0 refused");
        CHECK(!vsw_bridge_add(st, VSW_BRIDGE_ID_MAX + 1, err, sizeof(err)), "id too big");
        for (uint32_t id = 100; id < 100 + VSW_MAX_BRIDGES - 1; id++)
                CHECK(vsw_bridge_add(st, id, err, sizeof(err)) != NULL, "bd %u: %s", id, err);
        CHECK(!vsw_bridge_add(st, 999, err, sizeof(err)) && strstr(err, "no room"), "%s", err);
        CHECK(vsw_bridge_delete(st, 100, err, sizeof(err)) == 0, "%s", err);
        CHECK(vsw_bridge_add(st, 999, err, sizeof(err)) != NULL, "slot reused: %s", err);
        CHECK(vsw_iface_set_vlan(st, &st->ifaces[0], 4095, err, sizeof(err)) < 0, "vlan 4095");
}

/* What `show l2fib verbose` and `show bridge-domain` (vhostd's handlers)
 * read back from tables the bridge filled. */
static void test_show(void)
{
        struct vhostd d = {.st = st};
        struct l2_ctx c;
        Vsw__ShowL2fibRequest fq = VSW__SHOW_L2FIB_REQUEST__INIT;
        Vsw__ShowBridgeDomainRequest bq = VSW__SHOW_BRIDGE_DOMAIN_REQUEST__INIT;
        Vsw__Request req = VSW__REQUEST__INIT;
        struct rpc_call call;
        const Vsw__ShowL2fibReply *r;

        reset_state();
        t_now = vsw_l2fib_now(); /* the handlers use the real clock */
        add_iface(0, 1, 3, 0);
        add_iface(1, 2, 3, 42);
        add_iface(2, 3, 4, 0);
        snprintf(st->ifaces[1].name, sizeof(st->ifaces[1].name), "VirtualEthernet0/0/1");
        l2_ctx_init(&c, st);
        c.clock = fake_clock;
        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        free_out(&out);
        send1(&c, 2, frame(mac(2), BCAST, -1), &out);
        free_out(&out);
        send1(&c, 3, frame(mac(3), BCAST, -1), &out);
        free_out(&out);

        fq.has_verbose = fq.verbose = 1;
        fq.has_bd_id = 1;
        fq.bd_id = 3;
        req.cmd_case = VSW__REQUEST__CMD_SHOW_L2FIB;
        req.show_l2fib = &fq;
        memset(&call, 0, sizeof(call));
        vsw__reply__init(&call.reply);
        CHECK(rpc_show_l2fib(&d, &req, &call) == 0, "%s", call.error);
        r = call.reply.l2fib;
        CHECK(r && r->count == 2 && r->n_entries == 2, "bd 3: 2 entries");
        for (size_t i = 0; r && i < r->n_entries; i++) {
                const Vsw__L2fibEntry *e = r->entries[i];
                uint64_t m = 0;

                for (int k = 0; k < 6; k++)
                        m |= (uint64_t)e->mac.data[k] << (8 * k);
                CHECK(e->bd_id == 3 && e->age_s == 0, "entry %zu", i);
                if (e->sw_if_index == 2)
                        CHECK(m == mac(2) && e->vlan == 42 && e->name &&
                                  !strcmp(e->name, "VirtualEthernet0/0/1"),
                              "MAC of interface 2");
                else
                        CHECK(m == mac(1) && e->vlan == 0 && e->sw_if_index == 1 && e->name,
                              "MAC of interface 1");
        }
        rpc_call_release(&call);

        fq.has_bd_id = 0;
        fq.verbose = 0;
        memset(&call, 0, sizeof(call));
        CHECK(rpc_show_l2fib(&d, &req, &call) == 0 && call.reply.l2fib->count == 3 &&
                  call.reply.l2fib->n_entries == 0,
              "all bridge domains: count only");
        rpc_call_release(&call);
        fq.has_bd_id = 1;
        fq.bd_id = 9;
        memset(&call, 0, sizeof(call));
        CHECK(rpc_show_l2fib(&d, &req, &call) == -1 && strstr(call.error, "no bridge domain 9"),
              "%s", call.error);
        rpc_call_release(&call);

        req.cmd_case = VSW__REQUEST__CMD_SHOW_BRIDGE_DOMAIN;
        req.show_bridge_domain = &bq;
        memset(&call, 0, sizeof(call));
        CHECK(rpc_show_bridge_domain(&d, &req, &call) == 0, "%s", call.error);
        CHECK(call.reply.bridge_domains->n_bridge_domains == 2 &&
                  call.reply.bridge_domains->bridge_domains[0]->macs == 2 &&
                  call.reply.bridge_domains->bridge_domains[0]->n_members == 2 &&
                  call.reply.bridge_domains->bridge_domains[1]->macs == 1,
              "bridge domains 3 and 4");
        rpc_call_release(&call);
}

/* Two learners and their lookups on keys that all share one probe window
 * (twice as many keys as slots), with aging short enough that slots are
 * reclaimed for other keys all the time. Each learner writes, for key i,
 * sw_if_index i << 8 | thread: a lookup or a scan that pairs key i with
 * anything else has seen a torn entry. */
#define RACE_KEYS 32
static uint64_t race_keys[RACE_KEYS];
static struct vsw_bridge *race_bridge;
static _Atomic uint32_t race_now;
static _Atomic int race_stop;

struct racer {
        unsigned id;
        uint64_t iters, hits, torn, claims, scans;
};

static void *racer_main(void *arg)
{
        struct racer *r = arg;
        uint32_t seed = 12345 + r->id;

        while (!atomic_load(&race_stop)) {
                uint32_t now = atomic_load(&race_now);
                unsigned i, j;
                uint32_t sw;

                /* The keys in use slide by one per tick: old ones age out,
                 * new ones claim their slots. */
                seed = seed * 1103515245 + 12345;
                i = (now + (seed >> 16) % 8) % RACE_KEYS;
                j = (seed >> 8) % RACE_KEYS;
                if (l2fib_learn(race_bridge, race_keys[i], i << 8 | r->id, now, 2, 1) == L2FIB_NEW)
                        r->claims++;
                if (l2fib_lookup(race_bridge, race_keys[j], now, 2, &sw)) {
                        r->hits++;
                        r->torn += (sw >> 8) != j;
                }
                if ((++r->iters & 1023) == 0) {
                        uint32_t home = l2fib_home(race_keys[0]);
                        for (unsigned bk = 0; bk < L2FIB_PROBE; bk++)
                                for (unsigned w = 0; w < VSW_L2FIB_WAYS; w++) {
                                        uint64_t k, v;
                                        struct vsw_l2fib_entry *e =
                                            &l2fib_bucket(race_bridge, home, bk)->way[w];
                                        if (!vsw_l2fib_read(e, &k, &v))
                                                continue;
                                        r->scans++;
                                        for (unsigned x = 0; x < RACE_KEYS; x++)
                                                if (race_keys[x] == k)
                                                        r->torn += (v >> 8 & 0xffffff) != x;
                                }
                }
                if (r->id == 0 && (r->iters & 255) == 0)
                        atomic_fetch_add(&race_now, 1);
        }
        return NULL;
}

static void test_concurrent_learners(void)
{
        struct racer r[2] = {{.id = 0}, {.id = 1}};
        pthread_t th[2];
        unsigned nk = 0;
        uint32_t home;

        reset_state();
        add_iface(0, 1, 5, 0);
        race_bridge = vsw_bridge_find(st, 5);
        home = l2fib_home(vsw_l2fib_key(mac(5000), 0));
        for (unsigned n = 5000; nk < RACE_KEYS && n < 10000000; n++) {
                uint64_t k = vsw_l2fib_key(mac(n) | (uint64_t)(n >> 16) << 24, 0);
                if (l2fib_home(k) == home)
                        race_keys[nk++] = k;
        }
        CHECK(nk == RACE_KEYS, "keys: %u", nk);
        atomic_store(&race_now, t_now);
        atomic_store(&race_stop, 0);
        for (int i = 0; i < 2; i++)
                CHECK(pthread_create(&th[i], NULL, racer_main, &r[i]) == 0, "thread");
        usleep(1500 * 1000);
        atomic_store(&race_stop, 1);
        for (int i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
        printf("race: %llu+%llu iterations, %llu hits, %llu claims, %llu scanned entries\n",
               (unsigned long long)r[0].iters, (unsigned long long)r[1].iters,
               (unsigned long long)(r[0].hits + r[1].hits),
               (unsigned long long)(r[0].claims + r[1].claims),
               (unsigned long long)(r[0].scans + r[1].scans));
        CHECK(r[0].torn + r[1].torn == 0, "%llu torn entries seen",
              (unsigned long long)(r[0].torn + r[1].torn));
        CHECK(r[0].hits && r[1].hits, "lookups hit");
        CHECK(r[0].claims + r[1].claims > 2 * VSW_L2FIB_WAYS * L2FIB_PROBE,
              "slots were reclaimed for other keys");
}

static double thread_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Frames from A to nmacs MACs learned on B, 64 bytes, in bursts of 32,
 * from one source MAC or from 32; the table is warm and nothing is
 * re-tagged, so the same mbufs go round. */
static void bench(unsigned nmacs, int one_src)
{
        enum { BURST = 32, ITERS = 200000, MAX_FRAMES = 2048 };
        unsigned nframes = nmacs < BURST ? BURST : nmacs;
        struct rte_mbuf *pkts[MAX_FRAMES];
        struct l2_ctx c;
        struct vsw_bridge *b;
        double t0, t;
        uint64_t frames = 0;

        reset_state();
        add_iface(0, 1, 1, 0);
        add_iface(1, 2, 1, 0);
        l2_ctx_init(&c, st);
        c.clock = fake_clock;
        b = vsw_bridge_find(st, 1);
        for (unsigned i = 0; i < nmacs; i++)
                l2fib_learn(b, vsw_l2fib_key(mac(10000 + i), 0), 2, t_now, 300, 37);
        for (unsigned i = 0; i < nframes; i++)
                pkts[i] = frame(mac(1 + (one_src ? 0 : i % BURST)), mac(10000 + i % nmacs), -1);
        for (unsigned i = 0; i < nframes; i += BURST)
                l2_bridge_input(&c, 1, pkts + i, BURST, &out);
        t0 = thread_seconds();
        for (unsigned it = 0; it < ITERS; it++) {
                unsigned off = (it * BURST) % nframes;

                frames += l2_bridge_input(&c, 1, pkts + off, BURST, &out);
        }
        t = thread_seconds() - t0;
        CHECK(out.ndests == 1 && out.dests[0].n == BURST, "bench frames forwarded");
        printf("l2_bridge_input: 64 B frames, burst %d, %u destination MAC%s, %s: %.1f Mpps "
               "(%.1f ns/frame)\n",
               BURST, nmacs, nmacs == 1 ? "" : "s", one_src ? "one source" : "32 sources",
               (double)frames / t / 1e6, t * 1e9 / (double)frames);
        rte_pktmbuf_free_bulk(pkts, nframes);
}

static void add_tunnel(unsigned slot, uint32_t sw_if_index, uint32_t bd)
{
        struct vsw_vxlan_tunnel *tn = &st->tunnels[slot];
        char err[128];

        memset(tn, 0, sizeof(*tn));
        tn->sw_if_index = sw_if_index;
        tn->bridge_id = VSW_NO_BRIDGE;
        vsw_l2_edit_begin(st);
        tn->in_use = 1;
        vsw_l2_edit_end(st);
        CHECK(vsw_tunnel_set_bridge(st, tn, bd, err, sizeof(err)) == 0, "%s", err);
}

/* VXLAN tunnels as bridge ports: a flood reaches every tunnel of the
 * bridge domain (head-end replication) and the local members; what comes
 * from a tunnel is learned against it and never goes to a tunnel (split
 * horizon), flooded or known. */
static void test_tunnels(void)
{
        struct l2_ctx c;

        reset_state();
        add_iface(0, 1, 10, 0);
        add_iface(1, 2, 10, 0);
        add_iface(2, 3, 20, 0);
        add_tunnel(0, 11, 10);
        add_tunnel(1, 12, 10);
        add_tunnel(2, 13, 20);
        l2_ctx_init(&c, st);
        c.clock = fake_clock;
        CHECK(vsw_bridge_members(st, 10) == 4, "members %u", vsw_bridge_members(st, 10));

        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        CHECK(out.ndests == 3 && dest(&out, 2) && dest(&out, 11) && dest(&out, 12) &&
                  !dest(&out, 13) && !dest(&out, 3),
              "a guest's broadcast: the other guest and both tunnels of its domain (%u)",
              out.ndests);
        CHECK(dest(&out, 11) && dest(&out, 11)->iface == L2_TUNNEL_PORT0 &&
                  dest(&out, 12)->iface == L2_TUNNEL_PORT0 + 1,
              "tunnel ports");
        free_out(&out);

        send1(&c, 11, frame(mac(9), BCAST, -1), &out);
        CHECK(out.ndests == 2 && dest(&out, 1) && dest(&out, 2) && !dest(&out, 12),
              "a tunnel's broadcast: the local members only (%u)", out.ndests);
        free_out(&out);
        uint32_t sw = 0;

        CHECK(lookup(10, mac(9), 0, &sw) && sw == 11, "inner source learned against the tunnel");

        send1(&c, 1, frame(mac(1), mac(9), -1), &out);
        CHECK(out.ndests == 1 && dest(&out, 11), "known unicast to the tunnel");
        free_out(&out);

        send1(&c, 12, frame(mac(8), mac(9), -1), &out);
        CHECK(out.ndests == 0 && out.drops[L2_DROP_SPLIT_HORIZON] == 1,
              "tunnel to tunnel: dropped (split horizon)");

        send1(&c, 13, frame(mac(7), mac(1), -1), &out);
        CHECK(out.ndests == 1 && dest(&out, 3), "another domain's tunnel floods to its own");
        free_out(&out);

        /* vm2vm 0 keeps VMs apart, not VMs and tunnels. */
        vsw_l2_edit_begin(st);
        st->uplink.mode = VSW_UPLINK_SOFTWARE;
        st->uplink.vm2vm = 0;
        st->uplink.bridge_id = 10;
        vsw_l2_edit_end(st);
        send1(&c, 1, frame(mac(1), BCAST, -1), &out);
        CHECK(out.ndests == 3 && dest(&out, VSW_UPLINK_SW_IF_INDEX) && dest(&out, 11) &&
                  dest(&out, 12) && !dest(&out, 2),
              "vm2vm 0: a guest's broadcast to the uplink and the tunnels, not the guest (%u)",
              out.ndests);
        free_out(&out);
        send1(&c, 1, frame(mac(1), mac(9), -1), &out);
        CHECK(out.ndests == 1 && dest(&out, 11), "vm2vm 0: known unicast to a tunnel");
        free_out(&out);
        send1(&c, 11, frame(mac(9), BCAST, -1), &out);
        CHECK(out.ndests == 3 && dest(&out, 1) && dest(&out, 2) &&
                  dest(&out, VSW_UPLINK_SW_IF_INDEX),
              "vm2vm 0: a tunnel's broadcast to the guests and the uplink (%u)", out.ndests);
        free_out(&out);
        vsw_l2_edit_begin(st);
        st->uplink.mode = VSW_UPLINK_NONE;
        vsw_l2_edit_end(st);
}

/* The one-copy path's decision (l2_bridge_unicast): a slot only for a
 * learned unicast destination in the same bridge domain and VLAN that
 * takes the frame as it is; -1 (the mbuf path decides) for the rest. */
static void test_unicast_decision(void)
{
        struct l2_ctx c;
        uint8_t h[14] = {0};
        uint32_t sw = 0;

        reset_state();
        add_iface(0, 1, 1, 0);  /* A */
        add_iface(1, 2, 1, 0);  /* B */
        add_iface(2, 3, 1, 10); /* C: access VLAN 10 */
        add_iface(3, 4, 7, 0);  /* another bridge domain */
        l2_ctx_init(&c, st);
        c.clock = fake_clock;
        put_mac(h, mac(2));
        put_mac(h + 6, mac(1));
        CHECK(l2_bridge_unicast(&c, 1, h) == -1, "B not learned yet: flood, the mbuf way");
        CHECK(!lookup(1, mac(1), 0, &sw), "nothing learned when it declines");
        l2fib_learn(c.bds[c.ports[1].bd].b, vsw_l2fib_key(mac(2), 0), 2, t_now, 80, 10);
        CHECK(l2_bridge_unicast(&c, 1, h) == 1, "B learned: its slot");
        CHECK(lookup(1, mac(1), 0, &sw) && sw == 1, "A learned on 1 (got %u)", sw);
        CHECK(c.stats.unicast == 0, "the caller counts what it delivers (%llu)",
              (unsigned long long)c.stats.unicast);
        CHECK(l2_bridge_unicast(&c, 2, h) == -1, "to its own port: the mbuf way drops it");
        put_mac(h, BCAST);
        CHECK(l2_bridge_unicast(&c, 1, h) == -1, "broadcast floods");
        put_mac(h, mac(2));
        put_mac(h + 6, BCAST);
        CHECK(l2_bridge_unicast(&c, 1, h) == -1, "group source");
        put_mac(h + 6, mac(1));
        h[12] = 0x81;
        CHECK(l2_bridge_unicast(&c, 1, h) == -1, "tagged");
        h[12] = 0x08;
        CHECK(l2_bridge_unicast(&c, 4, h) == -1, "another bridge domain");
        l2fib_learn(c.bds[c.ports[1].bd].b, vsw_l2fib_key(mac(3), 0), 3, t_now, 80, 10);
        put_mac(h, mac(3));
        CHECK(l2_bridge_unicast(&c, 1, h) == -1, "VLAN 0 frame to an access port of VLAN 10");
}

int main(int argc, char **argv)
{
        char prefix[PATH_MAX];
        /* --in-memory is refused next to --no-huge (which implies legacy
         * memory) in DPDK 22.11: --no-shconf and a prefix of our own. */
        char *args[] = {argv[0],          "--no-huge",   "--no-shconf",  "--no-pci",
                        "--file-prefix",  prefix,        "-l",           "0",
                        "--no-telemetry", "--log-level", "lib.eal:error"};

        snprintf(prefix, sizeof(prefix), "vswt-l2%d", (int)getpid());
        if (rte_eal_init((int)RTE_DIM(args), args) < 0) {
                printf("rte_eal_init failed\n");
                return 2;
        }
        pool = rte_pktmbuf_pool_create("l2_mbufs", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                       SOCKET_ID_ANY);
        st = aligned_alloc(VSW_CACHE_LINE, sizeof(*st));
        if (!pool || !st) {
                printf("mbuf pool or state: %s\n", rte_strerror(rte_errno));
                return 2;
        }
        if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
                bench(1, 1);
                bench(32, 0);
                bench(1024, 0);
                bench(2048, 0);
        } else {
                test_not_bridged();
                test_learn_flood_forward();
                test_unicast_decision();
                test_refresh_and_aging();
                test_vlan();
                test_uplink();
                test_tunnels();
                test_config_changes();
                test_show();
                test_concurrent_learners();
                CHECK(rte_mempool_in_use_count(pool) == 0, "mbufs leaked: %u",
                      rte_mempool_in_use_count(pool));
        }
        free(st);
        snprintf(prefix, sizeof(prefix), "%s", rte_eal_get_runtime_dir());
        rte_eal_cleanup();
        rmdir(prefix); /* EAL leaves its empty runtime directory */
        return t_report();
}
