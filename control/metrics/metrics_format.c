/* Names follow Prometheus's conventions: vhostsw_ prefix, base units
 * (bytes, seconds), counters end in _total, one HELP and TYPE per family
 * and all its samples together. Each family is a row of one of the tables
 * below; a new counter is one more row. Rows that share a name are one
 * family told apart by their labels (drops by reason), and must follow one
 * another. */
#include "metrics_format.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>

#include "drop_reasons.h"
#include "vsw_l2fib.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct family {
        const char *name;
        const char *type; /* counter or gauge */
        const char *help;
};

/* ---- per vring: interface, queue, direction ---- */

struct vring_row {
        struct family f;
        uint64_t (*get)(const struct vsw_vring_counters *c);
};

static uint64_t v_packets(const struct vsw_vring_counters *c)
{
        return c->packets;
}
static uint64_t v_bytes(const struct vsw_vring_counters *c)
{
        return c->bytes;
}
static uint64_t v_gso_in(const struct vsw_vring_counters *c)
{
        return c->gso_in;
}
static uint64_t v_gso_passed(const struct vsw_vring_counters *c)
{
        return c->gso_passed;
}
static uint64_t v_sw_segmented(const struct vsw_vring_counters *c)
{
        return c->sw_segmented;
}
static uint64_t v_sw_csum(const struct vsw_vring_counters *c)
{
        return c->sw_csum;
}
#define PACKETS_HELP                                                                               \
        "Frames through a vhost-user queue; direction rx: from the guest (its TX ring), tx: to "   \
        "the guest (its RX ring)"
#define DROPS                                                                                      \
        {                                                                                          \
                "vhostsw_interface_drops_total", "counter", "Frames dropped on a queue, by reason" \
        }

/* The reasons add up to `show interface`'s drops (bad_desc is the sum of
 * the bad_* reasons). */
static const struct vring_row vring_rows[] = {
    {{"vhostsw_interface_packets_total", "counter", PACKETS_HELP}, v_packets},
    {{"vhostsw_interface_bytes_total", "counter", "Bytes of the frames counted in packets_total"},
     v_bytes},
    {{"vhostsw_interface_tso_in_total", "counter", "TSO frames the guest sent (rx)"}, v_gso_in},
    {{"vhostsw_interface_tso_passed_total", "counter",
      "TSO frames handed to the guest whole (tx): it negotiated TSO"},
     v_gso_passed},
    {{"vhostsw_interface_sw_segmented_total", "counter",
      "TSO frames the switch segmented in software for the guest (tx)"},
     v_sw_segmented},
    {{"vhostsw_interface_sw_checksummed_total", "counter",
      "Checksums the switch completed in software (tx: for the guest; rx: odd layouts)"},
     v_sw_csum},
};

/* ---- per worker ---- */

struct worker_row {
        struct family f;
        const char *label; /* a second label, name="value", or NULL */
        double (*get)(const struct vsw_worker *w, uint64_t now_ns);
};

static double w_running(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return atomic_load_explicit(&w->state, memory_order_relaxed) == VSW_WORKER_RUNNING;
}
static double w_restarts(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return w->restarts;
}
static double w_heartbeat_age(const struct vsw_worker *w, uint64_t now_ns)
{
        uint64_t hb = atomic_load_explicit(&w->heartbeat_ns, memory_order_relaxed);

        return hb && now_ns > hb ? (double)(now_ns - hb) / 1e9 : 0.0;
}
static double w_leaked(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->leaked_mbufs;
}
static double w_xw_drops(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->xw_drops;
}
static double w_no_rxq(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->no_rxq_drops;
}
/* The runtime words are the owning worker's, written whole (`show runtime`). */
static double w_polls(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->runtime.polls;
}
static double w_idle_polls(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->runtime.idle_polls;
}
static double w_frames_in(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->runtime.frames_in;
}
static double w_frames_out(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->runtime.frames_out;
}
static double w_busy_cycles(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return (double)w->runtime.busy_cycles;
}
/* As `show runtime` computes it: cycles of the polls that moved frames per
 * frame taken in. */
static double w_clocks_per_frame(const struct vsw_worker *w, uint64_t now_ns)
{
        (void)now_ns;
        return w->runtime.frames_in ? (double)w->runtime.busy_cycles / (double)w->runtime.frames_in
                                    : 0.0;
}

#define WFRAMES                                                                                    \
        {                                                                                          \
                "vhostsw_worker_frames_total", "counter",                                          \
                    "Frames a worker took in (guest TX queues, uplink RX) and put out"             \
        }

#define WDROPS                                                                                     \
        {                                                                                          \
                "vhostsw_worker_drops_total", "counter",                                           \
                    "Frames a worker dropped with no queue of its own to count them on, by reason" \
        }

static const struct worker_row worker_rows[] = {
    {{"vhostsw_worker_running", "gauge", "1 while the worker process runs"}, NULL, w_running},
    {{"vhostsw_worker_restarts_total", "counter", "Times the supervisor restarted the worker"},
     NULL,
     w_restarts},
    {{"vhostsw_worker_heartbeat_age_seconds", "gauge",
      "Time since the worker's last heartbeat (the watchdog acts at 0.5 s)"},
     NULL,
     w_heartbeat_age},
    {{"vhostsw_worker_leaked_mbufs_total", "counter",
      "mbufs a worker held when it died, never returned to the pool"},
     NULL,
     w_leaked},
    {WDROPS, "reason=\"xworker_ring_full\"", w_xw_drops},
    {WDROPS, "reason=\"no_rx_queue\"", w_no_rxq},
    {{"vhostsw_worker_polls_total", "counter", "Poll loop iterations"}, NULL, w_polls},
    {{"vhostsw_worker_idle_polls_total", "counter", "Poll loop iterations that moved no frame"},
     NULL,
     w_idle_polls},
    {WFRAMES, "direction=\"in\"", w_frames_in},
    {WFRAMES, "direction=\"out\"", w_frames_out},
    {{"vhostsw_worker_busy_cycles_total", "counter",
      "TSC cycles of the poll loop iterations that moved frames"},
     NULL,
     w_busy_cycles},
    {{"vhostsw_worker_clocks_per_frame", "gauge",
      "Busy TSC cycles per frame taken in, since the worker's start"},
     NULL,
     w_clocks_per_frame},
};

/* ---- uplink, per worker and direction ---- */

struct uplink_row {
        struct family f;
        const char *direction;
        const char *reason;
        uint64_t (*get)(const struct vsw_uplink_counters *c);
};

#define U(field)                                                                                   \
        static uint64_t u_##field(const struct vsw_uplink_counters *c)                             \
        {                                                                                          \
                return c->field;                                                                   \
        }
U(rx_packets)
U(rx_bytes)
U(rx_steered)
U(rx_drops)
U(tx_packets)
U(tx_bytes)
U(tx_drops)
U(tx_sw_segmented)
U(tx_sw_csum)
U(tx_drops_mtu)
U(tx_hw_tso)
U(tx_hw_csum)
#undef U

#define UPACKETS                                                                                   \
        {                                                                                          \
                "vhostsw_uplink_packets_total", "counter",                                         \
                    "Frames off (rx) and onto (tx) the uplink"                                     \
        }
#define UBYTES                                                                                     \
        {                                                                                          \
                "vhostsw_uplink_bytes_total", "counter", "Bytes of the uplink's frames"            \
        }
#define UDROPS                                                                                     \
        {                                                                                          \
                "vhostsw_uplink_drops_total", "counter", "Uplink frames dropped, by reason"        \
        }

static const struct uplink_row uplink_rows[] = {
    {UPACKETS, "rx", NULL, u_rx_packets},
    {UPACKETS, "tx", NULL, u_tx_packets},
    {UBYTES, "rx", NULL, u_rx_bytes},
    {UBYTES, "tx", NULL, u_tx_bytes},
    {UDROPS, "rx", "bridge", u_rx_drops},
    {UDROPS, "tx", "queue_full", u_tx_drops},
    {UDROPS, "tx", "mtu", u_tx_drops_mtu},
    {{"vhostsw_uplink_steered_total", "counter",
      "Uplink frames handed to the worker owning the destination queue"},
     "rx",
     NULL,
     u_rx_steered},
    {{"vhostsw_uplink_sw_segmented_total", "counter",
      "Guests' TSO frames the switch segmented in software for the uplink"},
     "tx",
     NULL,
     u_tx_sw_segmented},
    {{"vhostsw_uplink_sw_checksummed_total", "counter",
      "Checksums the switch completed in software for the uplink"},
     "tx",
     NULL,
     u_tx_sw_csum},
    {{"vhostsw_uplink_hw_tso_total", "counter",
      "Guests' TSO frames handed to the uplink's PMD to segment"},
     "tx",
     NULL,
     u_tx_hw_tso},
    {{"vhostsw_uplink_hw_checksum_total", "counter",
      "Frames handed to the uplink's PMD to complete their checksum"},
     "tx",
     NULL,
     u_tx_hw_csum},
};

/* ---- helpers ---- */

static int header(struct evbuffer *out, const struct family *f, const char **last)
{
        if (*last && strcmp(*last, f->name) == 0)
                return 0;
        *last = f->name;
        return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                                   f->type) < 0
                   ? -1
                   : 0;
}

/* A label value with \, " and newline escaped as the format asks. */
static void escape(const char *s, char *buf, size_t len)
{
        size_t n = 0;

        for (; *s && n + 3 < len; s++) {
                if (*s == '\\' || *s == '"') {
                        buf[n++] = '\\';
                        buf[n++] = *s;
                } else if (*s == '\n') {
                        buf[n++] = '\\';
                        buf[n++] = 'n';
                } else {
                        buf[n++] = *s;
                }
        }
        buf[n] = '\0';
}

static int sample_u64(struct evbuffer *out, const char *name, const char *labels, uint64_t v)
{
        return evbuffer_add_printf(out, "%s{%s} %llu\n", name, labels, (unsigned long long)v) < 0
                   ? -1
                   : 0;
}

/* ---- families ---- */

/* One sample per sized vring of every interface; reason NULL: none. */
static int vring_samples(const struct vsw_state *st, struct evbuffer *out, const char *name,
                         const char *reason, uint64_t (*get)(const struct vsw_vring_counters *))
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &st->ifaces[i];
                char iname[2 * VSW_NAME_LEN], labels[4 * VSW_NAME_LEN];

                if (!ifc->in_use)
                        continue;
                escape(ifc->name, iname, sizeof(iname));
                for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                        const struct vsw_vring *vr = &ifc->vrings[q];
                        int n;

                        if (!vr->num)
                                continue;
                        n = snprintf(labels, sizeof(labels),
                                     "interface=\"%s\",queue=\"%u\",direction=\"%s\"", iname, q / 2,
                                     q & 1 ? "rx" : "tx");
                        if (reason)
                                snprintf(labels + n, sizeof(labels) - (size_t)n, ",reason=\"%s\"",
                                         reason);
                        if (sample_u64(out, name, labels, get(&vr->counters)))
                                return -1;
                }
        }
        return 0;
}

static int vrings(const struct vsw_state *st, struct evbuffer *out)
{
        static const struct family drops = {"vhostsw_interface_drops_total", "counter",
                                            "Frames dropped on a queue, by reason"};
        const char *last = NULL;

        for (size_t r = 0; r < ARRAY_LEN(vring_rows); r++)
                if (header(out, &vring_rows[r].f, &last) < 0 ||
                    vring_samples(st, out, vring_rows[r].f.name, NULL, vring_rows[r].get) < 0)
                        return -1;
        if (header(out, &drops, &last) < 0)
                return -1;
        for (unsigned k = 0; k < vsw_vring_drop_nreasons; k++)
                if (vring_samples(st, out, drops.name, vsw_vring_drop_reasons[k].name,
                                  vsw_vring_drop_reasons[k].get) < 0)
                        return -1;
        return 0;
}

static int interfaces(const struct vsw_state *st, struct evbuffer *out)
{
        static const struct family link = {"vhostsw_interface_link_up", "gauge",
                                           "1 while a front end is connected"};
        const char *last = NULL;

        if (header(out, &link, &last) < 0)
                return -1;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &st->ifaces[i];
                char name[2 * VSW_NAME_LEN], labels[3 * VSW_NAME_LEN];

                if (!ifc->in_use)
                        continue;
                escape(ifc->name, name, sizeof(name));
                snprintf(labels, sizeof(labels), "interface=\"%s\"", name);
                if (sample_u64(out, link.name, labels, ifc->conn_state == VSW_CONN_CONNECTED))
                        return -1;
        }
        return vrings(st, out);
}

static int workers(const struct vsw_state *st, uint64_t now_ns, struct evbuffer *out)
{
        const char *last = NULL;
        uint32_t n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;

        for (size_t r = 0; r < ARRAY_LEN(worker_rows); r++) {
                const struct worker_row *row = &worker_rows[r];

                if (header(out, &row->f, &last) < 0)
                        return -1;
                for (uint32_t w = 0; w < n; w++) {
                        char labels[64];
                        int k = snprintf(labels, sizeof(labels), "worker=\"%u\"", w);

                        if (row->label)
                                snprintf(labels + k, sizeof(labels) - (size_t)k, ",%s", row->label);
                        if (evbuffer_add_printf(out, "%s{%s} %.17g\n", row->f.name, labels,
                                                row->get(&st->workers[w], now_ns)) < 0)
                                return -1;
                }
        }
        return 0;
}

static int uplink(const struct vsw_state *st, struct evbuffer *out)
{
        const char *last = NULL;
        uint32_t n = st->uplink.nworkers < VSW_MAX_WORKERS ? st->uplink.nworkers : VSW_MAX_WORKERS;

        if (st->uplink.mode == VSW_UPLINK_NONE)
                return 0;
        for (size_t r = 0; r < ARRAY_LEN(uplink_rows); r++) {
                const struct uplink_row *row = &uplink_rows[r];

                if (header(out, &row->f, &last) < 0)
                        return -1;
                for (uint32_t w = 0; w < n; w++) {
                        char labels[96];
                        int k = snprintf(labels, sizeof(labels), "worker=\"%u\",direction=\"%s\"",
                                         w, row->direction);

                        if (row->reason)
                                snprintf(labels + k, sizeof(labels) - (size_t)k, ",reason=\"%s\"",
                                         row->reason);
                        if (sample_u64(out, row->f.name, labels, row->get(&st->uplink.counters[w])))
                                return -1;
                }
        }
        return 0;
}

static uint64_t l2fib_entries(const struct vsw_bridge *b, uint32_t now_s)
{
        uint64_t n = 0, key, val;

        for (unsigned i = 0; i < VSW_L2FIB_BUCKETS; i++)
                for (unsigned w = 0; w < VSW_L2FIB_WAYS; w++)
                        n += vsw_l2fib_read(&b->fib[i].way[w], &key, &val) &&
                             !vsw_l2fib_aged(val, now_s, b->aging_s);
        return n;
}

static int bridges(const struct vsw_state *st, uint64_t now_ns, struct evbuffer *out)
{
        static const struct family f = {"vhostsw_l2fib_entries", "gauge",
                                        "MAC table entries learned and not aged out"};
        const char *last = NULL;

        if (header(out, &f, &last) < 0)
                return -1;
        for (unsigned i = 0; i < VSW_MAX_BRIDGES; i++) {
                const struct vsw_bridge *b = &st->bridges[i];
                char labels[48];

                if (!b->in_use)
                        continue;
                snprintf(labels, sizeof(labels), "bridge_domain=\"%u\"", b->id);
                if (sample_u64(out, f.name, labels,
                               l2fib_entries(b, (uint32_t)(now_ns / 1000000000u))))
                        return -1;
        }
        return 0;
}

static int vhostd(const struct vsw_state *st, struct evbuffer *out)
{
        return evbuffer_add_printf(
                   out,
                   "# HELP vhostsw_vhostd_generation The running vhostd's generation (1 at start, "
                   "one more per restart or handover)\n"
                   "# TYPE vhostsw_vhostd_generation gauge\n"
                   "vhostsw_vhostd_generation %u\n"
                   "# HELP vhostsw_vhostd_handovers_total Graceful vhostd handovers completed\n"
                   "# TYPE vhostsw_vhostd_handovers_total counter\n"
                   "vhostsw_vhostd_handovers_total %u\n",
                   atomic_load(&st->vhostd_generation), atomic_load(&st->vhostd_handovers)) < 0
                   ? -1
                   : 0;
}

/* ---- VXLAN tunnels, summed over the workers ---- */

static int tunnel_sample(struct evbuffer *out, const char *name, const char *tunnel,
                         const char *direction, const char *reason, uint64_t v)
{
        char labels[160], esc[2 * VSW_NAME_LEN];
        int k;

        escape(tunnel, esc, sizeof(esc));
        k = snprintf(labels, sizeof(labels), "tunnel=\"%s\",direction=\"%s\"", esc, direction);
        if (reason)
                snprintf(labels + k, sizeof(labels) - (size_t)k, ",reason=\"%s\"", reason);
        return sample_u64(out, name, labels, v);
}

static int vxlan(const struct vsw_state *st, struct evbuffer *out)
{
        static const struct family
            packets = {"vhostsw_vxlan_packets_total", "counter",
                       "Inner frames decapsulated (rx) and encapsulated (tx)"},
            bytes = {"vhostsw_vxlan_bytes_total", "counter", "Bytes of the inner frames"},
            drops = {"vhostsw_vxlan_drops_total", "counter",
                     "VXLAN frames dropped, by reason (tunnel \"uplink\": "
                     "off the uplink, for no tunnel or malformed)"};
        const struct family *fams[] = {&packets, &bytes, &drops};
        const char *last = NULL;

        if (st->uplink.mode == VSW_UPLINK_NONE)
                return 0;
        for (unsigned f = 0; f < 3; f++) {
                if (header(out, fams[f], &last) < 0)
                        return -1;
                if (f == 2)
                        for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++) {
                                uint64_t sum = 0;

                                for (unsigned w = 0; w < VSW_MAX_WORKERS; w++)
                                        sum += st->uplink.counters[w].vxlan_drops[r];
                                if (tunnel_sample(out, drops.name, "uplink", "rx",
                                                  vsw_vxlan_drop_names[r], sum))
                                        return -1;
                        }
                for (unsigned t = 0; t < VSW_MAX_TUNNELS; t++) {
                        const struct vsw_vxlan_tunnel *tn = &st->tunnels[t];
                        uint64_t v[4] = {0}, d[VSW_VXLAN_DROPS] = {0};

                        if (!tn->in_use)
                                continue;
                        for (unsigned w = 0; w < VSW_MAX_WORKERS; w++) {
                                const struct vsw_vxlan_counters *c = &tn->counters[w];

                                v[0] += c->rx_packets;
                                v[1] += c->tx_packets;
                                v[2] += c->rx_bytes;
                                v[3] += c->tx_bytes;
                                for (unsigned r = 0; r < VSW_VXLAN_DROPS; r++)
                                        d[r] += c->drops[r];
                        }
                        if (f < 2 &&
                            (tunnel_sample(out, fams[f]->name, tn->name, "rx", NULL, v[2 * f]) ||
                             tunnel_sample(out, fams[f]->name, tn->name, "tx", NULL, v[2 * f + 1])))
                                return -1;
                        for (unsigned r = 0; f == 2 && r < VSW_VXLAN_DROPS; r++)
                                if (tunnel_sample(out, drops.name, tn->name, "tx",
                                                  vsw_vxlan_drop_names[r], d[r]))
                                        return -1;
                }
        }
        return 0;
}

int vsw_metrics_format(const struct vsw_state *st, uint64_t now_ns, struct evbuffer *out)
{
        if (vhostd(st, out) < 0 || interfaces(st, out) < 0 || workers(st, now_ns, out) < 0 ||
            uplink(st, out) < 0 || bridges(st, now_ns, out) < 0 || vxlan(st, out) < 0)
                return -1;
        return 0;
}
