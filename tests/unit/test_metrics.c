/* control/metrics/metrics_format.c: a state built here comes out as the
 * samples it holds (interface and queue counters by direction and reason,
 * workers, uplink, MAC table entries not aged, vhostd), and the page keeps
 * the exposition format's rules: each family has one HELP and one TYPE
 * before its samples, its samples together, counters end in _total. */
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_format.h"
#include "unit_check.h"
#include "vsw_l2fib.h"

#define NS 1000000000ull

static struct vsw_state *build_state(uint64_t now_ns)
{
        struct vsw_state *st = calloc(1, sizeof(*st));
        struct vsw_iface *ifc;

        if (!st)
                return NULL;
        atomic_store(&st->vhostd_generation, 3);
        atomic_store(&st->vhostd_handovers, 2);
        ifc = &st->ifaces[4];
        ifc->in_use = 1;
        ifc->conn_state = VSW_CONN_CONNECTED;
        snprintf(ifc->name, sizeof(ifc->name), "VirtualEthernet0/0/1");
        ifc->vrings[0].num = 256; /* guest RX: tx */
        ifc->vrings[0].counters.packets = 10;
        ifc->vrings[0].counters.bytes = 640;
        ifc->vrings[0].counters.drops_full = 4;
        ifc->vrings[3].num = 256; /* queue pair 1, guest TX: rx */
        ifc->vrings[3].counters.packets = 7;
        ifc->vrings[3].counters.drops_bad[VSW_BAD_ADDR] = 2;
        ifc->vrings[3].counters.drops_bad_desc = 2;
        ifc->vrings[3].counters.drops_other = 1;
        st->ifaces[5].in_use = 1; /* a name that needs escaping */
        snprintf(st->ifaces[5].name, sizeof(st->ifaces[5].name), "a\"b\\c");
        st->ifaces[5].vrings[1].num = 64;

        st->nworkers = 2;
        atomic_store(&st->workers[1].state, VSW_WORKER_RUNNING);
        atomic_store(&st->workers[1].heartbeat_ns, now_ns - NS / 4);
        st->workers[1].restarts = 5;
        st->workers[0].xw_drops = 9;
        st->workers[1].runtime.polls = 1000;
        st->workers[1].runtime.frames_in = 40;
        st->workers[1].runtime.busy_cycles = 12000;

        st->uplink.mode = VSW_UPLINK_SOFTWARE;
        st->uplink.nworkers = 1;
        st->uplink.counters[0].rx_packets = 11;
        st->uplink.counters[0].tx_drops = 6;
        st->uplink.counters[0].tx_drops_mtu = 3;
        st->uplink.counters[1].vxlan_drops[VSW_VXLAN_DROP_UNKNOWN_VNI] = 3;
        st->tunnels[2].in_use = 1;
        snprintf(st->tunnels[2].name, sizeof(st->tunnels[2].name), "vxlan_tunnel0");
        st->tunnels[2].counters[0].tx_packets = 5;
        st->tunnels[2].counters[1].tx_packets = 4;
        st->tunnels[2].counters[1].rx_bytes = 1000;
        st->tunnels[2].counters[0].drops[VSW_VXLAN_DROP_MTU] = 2;

        struct vsw_bridge *b = &st->bridges[2];
        uint32_t now_s = (uint32_t)(now_ns / NS);

        b->in_use = 1;
        b->id = 42;
        b->aging_s = 300;
        atomic_store(&b->fib[0].way[0].key, vsw_l2fib_key(0x0100fe02, 0));
        atomic_store(&b->fib[0].way[0].val, vsw_l2fib_val(1, now_s - 10));
        atomic_store(&b->fib[7].way[1].key, vsw_l2fib_key(0x0200fe02, 0));
        atomic_store(&b->fib[7].way[1].val, vsw_l2fib_val(2, now_s));
        atomic_store(&b->fib[9].way[2].key, vsw_l2fib_key(0x0300fe02, 0)); /* aged */
        atomic_store(&b->fib[9].way[2].val, vsw_l2fib_val(2, now_s - 301));
        return st;
}

static int has_line(const char *page, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = page; (p = strstr(p, line)); p++)
                if ((p == page || p[-1] == '\n') && p[n] == '\n')
                        return 1;
        return 0;
}

/* HELP, TYPE, then samples, family by family, none seen twice. */
static void check_shape(char *page)
{
        char families[64][96], current[96] = "";
        unsigned nfam = 0, samples = 0;
        int typed = 0;

        for (char *save = NULL, *l = strtok_r(page, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
                char name[96], type[16];

                if (sscanf(l, "# HELP %95s", name) == 1) {
                        for (unsigned i = 0; i < nfam; i++)
                                CHECK(strcmp(families[i], name) != 0, "family %s twice", name);
                        if (nfam < 64)
                                snprintf(families[nfam++], sizeof(families[0]), "%s", name);
                        snprintf(current, sizeof(current), "%s", name);
                        typed = 0;
                } else if (sscanf(l, "# TYPE %95s %15s", name, type) == 2) {
                        CHECK(strcmp(name, current) == 0, "TYPE %s under HELP %s", name, current);
                        CHECK(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
                        size_t n = strlen(name);
                        int total = n > 6 && strcmp(name + n - 6, "_total") == 0;
                        CHECK(total == (strcmp(type, "counter") == 0), "%s is a %s", name, type);
                        typed = 1;
                } else {
                        size_t n = strcspn(l, "{ ");
                        CHECK(typed && strncmp(l, current, n) == 0 && current[n] == '\0',
                              "sample '%s' outside its family %s", l, current);
                        samples++;
                }
        }
        CHECK(nfam >= 12 && samples >= 40, "%u families, %u samples", nfam, samples);
}

int main(void)
{
        uint64_t now_ns = 1000 * NS;
        struct vsw_state *st = build_state(now_ns);
        struct evbuffer *out = evbuffer_new();

        CHECK(st && out);
        if (!st || !out)
                return t_report();
        CHECK(vsw_metrics_format(st, now_ns, out) == 0);
        size_t len = evbuffer_get_length(out);
        char *page = malloc(len + 1);

        CHECK(page != NULL);
        if (!page)
                return t_report();
        evbuffer_remove(out, page, len);
        page[len] = '\0';
        static const char *const want[] = {
            "vhostsw_vhostd_generation 3",
            "vhostsw_vhostd_handovers_total 2",
            "vhostsw_interface_link_up{interface=\"VirtualEthernet0/0/1\"} 1",
            "vhostsw_interface_packets_total{interface=\"VirtualEthernet0/0/1\",queue=\"0\","
            "direction=\"tx\"} 10",
            "vhostsw_interface_bytes_total{interface=\"VirtualEthernet0/0/1\",queue=\"0\","
            "direction=\"tx\"} 640",
            "vhostsw_interface_packets_total{interface=\"VirtualEthernet0/0/1\",queue=\"1\","
            "direction=\"rx\"} 7",
            "vhostsw_interface_drops_total{interface=\"VirtualEthernet0/0/1\",queue=\"0\","
            "direction=\"tx\",reason=\"ring_full\"} 4",
            "vhostsw_interface_drops_total{interface=\"VirtualEthernet0/0/1\",queue=\"1\","
            "direction=\"rx\",reason=\"bad_addr\"} 2",
            "vhostsw_interface_drops_total{interface=\"VirtualEthernet0/0/1\",queue=\"1\","
            "direction=\"rx\",reason=\"other\"} 1",
            "vhostsw_interface_packets_total{interface=\"a\\\"b\\\\c\",queue=\"0\","
            "direction=\"rx\"} 0",
            "vhostsw_worker_running{worker=\"0\"} 0",
            "vhostsw_worker_running{worker=\"1\"} 1",
            "vhostsw_worker_restarts_total{worker=\"1\"} 5",
            "vhostsw_worker_heartbeat_age_seconds{worker=\"1\"} 0.25",
            "vhostsw_worker_drops_total{worker=\"0\",reason=\"xworker_ring_full\"} 9",
            "vhostsw_worker_polls_total{worker=\"1\"} 1000",
            "vhostsw_worker_frames_total{worker=\"1\",direction=\"in\"} 40",
            "vhostsw_worker_clocks_per_frame{worker=\"1\"} 300",
            "vhostsw_uplink_packets_total{worker=\"0\",direction=\"rx\"} 11",
            "vhostsw_uplink_drops_total{worker=\"0\",direction=\"tx\",reason=\"queue_full\"} 6",
            "vhostsw_uplink_drops_total{worker=\"0\",direction=\"tx\",reason=\"mtu\"} 3",
            "vhostsw_l2fib_entries{bridge_domain=\"42\"} 2",
            "vhostsw_vxlan_packets_total{tunnel=\"vxlan_tunnel0\",direction=\"tx\"} 9",
            "vhostsw_vxlan_bytes_total{tunnel=\"vxlan_tunnel0\",direction=\"rx\"} 1000",
            "vhostsw_vxlan_drops_total{tunnel=\"vxlan_tunnel0\",direction=\"tx\",reason=\"mtu\"} 2",
            "vhostsw_vxlan_drops_total{tunnel=\"uplink\",direction=\"rx\",reason=\"unknown_vni\"} "
            "3",
        };
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                CHECK(has_line(page, want[i]), "no line '%s' in:\n%s", want[i], page);
        /* Rings the front end never sized are not shown; nor is a
         * reason-less drop line. */
        CHECK(!strstr(page, "queue=\"2\""));
        check_shape(page);

        /* No uplink: no uplink families at all. */
        st->uplink.mode = VSW_UPLINK_NONE;
        CHECK(vsw_metrics_format(st, now_ns, out) == 0);
        len = evbuffer_get_length(out);
        char *page2 = malloc(len + 1);
        CHECK(page2 != NULL);
        if (page2) {
                evbuffer_remove(out, page2, len);
                page2[len] = '\0';
                CHECK(!strstr(page2, "vhostsw_uplink") && !strstr(page2, "vhostsw_vxlan"));
                free(page2);
        }
        free(page);
        evbuffer_free(out);
        free(st);
        return t_report();
}
