/* The underlay's route table (shared/vsw_route.c): add and del with their
 * refusals (host bits, duplicates, a full table, an unknown prefix or the
 * wrong gateway), the longest prefix match against the uplink's connected
 * subnet (which wins ties), a gateway off the subnet; the neighbor aging
 * states by age; and the ARP that refreshes an entry at once (a gratuitous
 * one, dataplane/uplink/host_reply.c), not mistaken for one to answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "host_reply.h"
#include "unit_check.h"
#include "vsw_route.h"

static uint32_t ip(const char *s)
{
        struct in_addr a;

        inet_pton(AF_INET, s, &a);
        return a.s_addr;
}

static struct vsw_route_table tbl;

static void test_add_del(void)
{
        memset(&tbl, 0, sizeof(tbl));
        CHECK(vsw_route_add(&tbl, ip("10.2.0.0"), 16, ip("10.1.0.254")) == 0);
        CHECK(vsw_route_add(&tbl, ip("10.2.0.0"), 16, ip("10.1.0.253")) == -EEXIST);
        CHECK(vsw_route_add(&tbl, ip("10.2.0.1"), 16, ip("10.1.0.254")) == -EINVAL, "host bits");
        CHECK(vsw_route_add(&tbl, ip("10.3.0.0"), 16, 0) == -EINVAL, "no gateway");
        CHECK(vsw_route_add(&tbl, ip("10.3.0.0"), 33, ip("10.1.0.254")) == -EINVAL);
        CHECK(vsw_route_add(&tbl, 0, 0, ip("10.1.0.1")) == 0, "a default route");
        CHECK(tbl.n == 2 && (atomic_load(&tbl.seq) & 1) == 0 && atomic_load(&tbl.seq) == 4,
              "n %u seq %u", tbl.n, atomic_load(&tbl.seq));
        CHECK(vsw_route_del(&tbl, ip("10.2.0.0"), 16, ip("10.1.0.1")) == -ENOENT, "wrong via");
        CHECK(vsw_route_del(&tbl, ip("10.2.0.0"), 24, 0) == -ENOENT, "other length");
        CHECK(vsw_route_del(&tbl, ip("10.2.0.0"), 16, ip("10.1.0.254")) == 0);
        CHECK(tbl.n == 1 && tbl.r[0].plen == 0, "the default route moved into the hole");
        CHECK(vsw_route_del(&tbl, 0, 0, 0) == 0 && tbl.n == 0);
        CHECK(vsw_route_del(&tbl, 0, 0, 0) == -ENOENT);
        for (unsigned i = 0; i < VSW_ROUTE_MAX; i++)
                CHECK(vsw_route_add(&tbl, htonl(0x0b000000u + (i << 8)), 24, ip("10.1.0.254")) ==
                      0);
        CHECK(vsw_route_add(&tbl, ip("12.0.0.0"), 8, ip("10.1.0.254")) == -ENOSPC, "full");
        CHECK(vsw_route_del(&tbl, htonl(0x0b000000u + (5u << 8)), 24, 0) == 0);
        CHECK(vsw_route_add(&tbl, ip("12.0.0.0"), 8, ip("10.1.0.254")) == 0, "room again");
}

static void test_lpm(void)
{
        uint32_t host = ip("10.1.0.1"), nh = 0;

        memset(&tbl, 0, sizeof(tbl));
        CHECK(vsw_route_lookup(&tbl, 0, 0, ip("10.1.0.2"), &nh) == VSW_ROUTE_NO_ADDR);
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.1.0.2"), &nh) == VSW_ROUTE_ON_LINK &&
              nh == ip("10.1.0.2"));
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.2.0.2"), &nh) == VSW_ROUTE_NONE);
        vsw_route_add(&tbl, ip("10.0.0.0"), 8, ip("10.1.0.100"));
        vsw_route_add(&tbl, ip("10.2.0.0"), 16, ip("10.1.0.254"));
        vsw_route_add(&tbl, ip("10.2.3.0"), 24, ip("10.1.0.253"));
        vsw_route_add(&tbl, ip("10.1.0.0"), 24, ip("10.1.0.9")); /* ties the connected */
        vsw_route_add(&tbl, ip("10.1.0.77"), 32, ip("10.1.0.9"));
        vsw_route_add(&tbl, ip("10.9.0.0"), 16, ip("10.8.0.1")); /* gateway off the subnet */
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.2.0.2"), &nh) == VSW_ROUTE_VIA &&
                  nh == ip("10.1.0.254"),
              "/16 over /8");
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.2.3.4"), &nh) == VSW_ROUTE_VIA &&
                  nh == ip("10.1.0.253"),
              "/24 over /16");
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.5.0.1"), &nh) == VSW_ROUTE_VIA &&
                  nh == ip("10.1.0.100"),
              "/8");
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.1.0.2"), &nh) == VSW_ROUTE_ON_LINK &&
                  nh == ip("10.1.0.2"),
              "the connected route wins a tie");
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.1.0.77"), &nh) == VSW_ROUTE_VIA &&
                  nh == ip("10.1.0.9"),
              "a /32 inside the subnet beats it");
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.9.1.1"), &nh) == VSW_ROUTE_GW_OFF_LINK);
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("192.168.0.1"), &nh) == VSW_ROUTE_NONE);
        vsw_route_add(&tbl, 0, 0, ip("10.1.0.1"));
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("192.168.0.1"), &nh) == VSW_ROUTE_VIA &&
                  nh == ip("10.1.0.1"),
              "the default route");
        atomic_store(&tbl.seq, 7); /* a writer that never finished */
        CHECK(vsw_route_lookup(&tbl, host, 24, ip("10.2.0.2"), &nh) == VSW_ROUTE_NONE,
              "a table left mid-edit is not read, nor waited on forever");
}

#define MS 1000000ull

static void test_aging(void)
{
        uint64_t t0 = 1000 * MS;

        CHECK(vsw_neigh_state(t0, t0, 0) == VSW_NEIGH_REACHABLE);
        CHECK(vsw_neigh_state(t0, t0 + 29999 * MS, 0) == VSW_NEIGH_REACHABLE, "30 s default");
        CHECK(vsw_neigh_state(t0, t0 + 30000 * MS, 0) == VSW_NEIGH_PROBE_UNICAST);
        CHECK(vsw_neigh_state(t0, t0 + 2000 * MS, 2000) == VSW_NEIGH_PROBE_UNICAST);
        CHECK(vsw_neigh_state(t0, t0 + 2999 * MS, 2000) == VSW_NEIGH_PROBE_UNICAST);
        CHECK(vsw_neigh_state(t0, t0 + 3000 * MS, 2000) == VSW_NEIGH_PROBE_BROADCAST);
        CHECK(vsw_neigh_state(t0, t0 + 3999 * MS, 2000) == VSW_NEIGH_PROBE_BROADCAST);
        CHECK(vsw_neigh_state(t0, t0 + 4000 * MS, 2000) == VSW_NEIGH_EXPIRED);
        CHECK(vsw_neigh_state(t0, t0 - 5 * MS, 2000) == VSW_NEIGH_REACHABLE,
              "heard by another worker just after now was read");
        CHECK(!strcmp(vsw_neigh_state_text(VSW_NEIGH_PROBE_UNICAST), "probe"));
}

/* An ARP frame: op, sender (mac, ip), target ip, Ethernet destination. */
static size_t arp_frame(uint8_t *f, const uint8_t *dst, uint16_t op, const uint8_t *smac,
                        uint32_t sip, uint32_t tip)
{
        memset(f, 0, 60);
        memcpy(f, dst, 6);
        memcpy(f + 6, smac, 6);
        f[12] = 0x08, f[13] = 0x06;
        f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4;
        f[20] = 0, f[21] = (uint8_t)op;
        memcpy(f + 22, smac, 6);
        memcpy(f + 28, &sip, 4);
        memcpy(f + 38, &tip, 4);
        return 60;
}

static void test_gratuitous(void)
{
        static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        static const uint8_t ours[6] = {2, 0, 0, 0, 0, 1}, newmac[6] = {2, 0, 0, 0, 0, 0x42};
        uint8_t f[60];
        struct host_learned l;
        size_t n;

        n = arp_frame(f, bc, 1, newmac, ip("10.1.0.254"), ip("10.1.0.254"));
        CHECK(host_reply(f, n, n, ip("10.1.0.1"), ours, &l) == HOST_NOT_MINE, "left to the bridge");
        CHECK(l.ip == ip("10.1.0.254") && !memcmp(l.mac, newmac, 6) && l.update_only,
              "a gratuitous request updates a known entry");
        n = arp_frame(f, bc, 2, newmac, ip("10.1.0.254"), ip("10.1.0.254"));
        host_reply(f, n, n, ip("10.1.0.1"), ours, &l);
        CHECK(l.ip == ip("10.1.0.254") && l.update_only, "a gratuitous reply too");
        n = arp_frame(f, bc, 1, newmac, ip("10.1.0.254"), ip("10.1.0.7"));
        host_reply(f, n, n, ip("10.1.0.1"), ours, &l);
        CHECK(l.ip == 0, "a request for another host teaches nothing");
        n = arp_frame(f, ours, 2, newmac, ip("10.1.0.254"), ip("10.1.0.1"));
        CHECK(host_reply(f, n, n, ip("10.1.0.1"), ours, &l) == HOST_CONSUMED);
        CHECK(l.ip == ip("10.1.0.254") && !memcmp(l.mac, newmac, 6) && !l.update_only,
              "a reply to the address (a probe's answer) makes or updates the entry");
        n = arp_frame(f, bc, 1, newmac, 0, 0);
        host_reply(f, n, n, ip("10.1.0.1"), ours, &l);
        CHECK(l.ip == 0, "a probe from no address teaches nothing");
}

int main(void)
{
        test_add_del();
        test_lpm();
        test_aging();
        test_gratuitous();
        return t_report();
}
