/* The uplink MAC registry: an interface registers its VM's first source
 * MAC once; a MAC another live interface holds is refused and counted (in
 * VMDQ mode it would steer that VM's frames to the newcomer); a deleted
 * interface's slot holds nothing; two interfaces racing for one MAC never
 * both get it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mac_registry.h"
#include "unit_check.h"

static struct vsw_state *st;
static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

static void add_iface(unsigned slot, uint32_t sw_if_index)
{
        st->ifaces[slot].in_use = 1;
        st->ifaces[slot].sw_if_index = sw_if_index;
}

static void test_claims(void)
{
        uint32_t owner = 0;

        vsw_state_init(st);
        add_iface(0, 1);
        add_iface(1, 2);
        add_iface(2, 3);
        CHECK(vsw_uplink_mac_claim(st, 0, mac_a, 10, &owner) == VSW_MAC_CLAIMED, "first claim");
        CHECK(atomic_load(&st->uplink.macs[0].sw_if_index) == 1 &&
                  memcmp(st->uplink.macs[0].mac, mac_a, 6) == 0 && st->uplink.macs[0].vlan == 10,
              "slot 0 holds mac_a for sw_if_index 1");
        CHECK(vsw_uplink_mac_claim(st, 0, mac_a, 10, &owner) == VSW_MAC_KNOWN, "again: known");

        owner = 0;
        CHECK(vsw_uplink_mac_claim(st, 1, mac_a, 20, &owner) == VSW_MAC_TAKEN, "another's MAC");
        CHECK(owner == 1, "names the owner (%u)", owner);
        CHECK(atomic_load(&st->uplink.macs[1].sw_if_index) == 0, "slot 1 stays free");
        CHECK(atomic_load(&st->uplink.macs[1].refused) == 1, "counted");
        CHECK(vsw_uplink_mac_claim(st, 1, mac_a, 20, &owner) == VSW_MAC_TAKEN &&
                  atomic_load(&st->uplink.macs[1].refused) == 2,
              "counted each time");
        CHECK(atomic_load(&st->uplink.macs[0].sw_if_index) == 1 &&
                  memcmp(st->uplink.macs[0].mac, mac_a, 6) == 0,
              "the owner keeps it");

        CHECK(vsw_uplink_mac_claim(st, 1, mac_b, 20, &owner) == VSW_MAC_CLAIMED, "its own MAC");

        /* Interface 1 deleted; its slot reused by sw_if_index 4: mac_a is free for it. */
        st->ifaces[0].in_use = 0;
        owner = 0;
        CHECK(vsw_uplink_mac_claim(st, 2, mac_a, 0, &owner) == VSW_MAC_CLAIMED,
              "a deleted interface's MAC is free (owner %u)", owner);
        add_iface(0, 4);
        CHECK(vsw_uplink_mac_claim(st, 0, mac_a, 0, &owner) == VSW_MAC_TAKEN && owner == 3,
              "the new interface in slot 0 cannot take it back (owner %u)", owner);
}

struct racer {
        unsigned slot;
        pthread_barrier_t *go;
        enum vsw_mac_claim got;
};

static void *race(void *arg)
{
        struct racer *r = arg;
        uint32_t owner;

        pthread_barrier_wait(r->go);
        r->got = vsw_uplink_mac_claim(st, r->slot, mac_a, 0, &owner);
        return NULL;
}

static void test_race(void)
{
        unsigned both = 0, one = 0, none = 0;

        for (int round = 0; round < 2000; round++) {
                pthread_barrier_t go;
                pthread_t t[2];
                struct racer r[2] = {{0, &go, 0}, {1, &go, 0}};

                vsw_state_init(st);
                add_iface(0, 1);
                add_iface(1, 2);
                pthread_barrier_init(&go, NULL, 2);
                for (int i = 0; i < 2; i++)
                        pthread_create(&t[i], NULL, race, &r[i]);
                for (int i = 0; i < 2; i++)
                        pthread_join(t[i], NULL);
                pthread_barrier_destroy(&go);
                int claimed = (r[0].got == VSW_MAC_CLAIMED) + (r[1].got == VSW_MAC_CLAIMED);
                int held = (atomic_load(&st->uplink.macs[0].sw_if_index) != 0) +
                           (atomic_load(&st->uplink.macs[1].sw_if_index) != 0);
                both += claimed == 2;
                one += claimed == 1;
                none += claimed == 0;
                if (held != claimed)
                        break;
        }
        printf("race: 2000 rounds: one claimed %u, none %u, both %u\n", one, none, both);
        CHECK(both == 0, "never both (%u rounds)", both);
        CHECK(one + none == 2000, "every round ended with the slots matching the claims");
}

int main(void)
{
        st = calloc(1, sizeof(*st));
        test_claims();
        test_race();
        free(st);
        return t_report();
}
