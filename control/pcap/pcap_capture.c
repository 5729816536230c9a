/* `pcap trace` in vhostd: pcap_capture.h says what it does and why. */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng via pcap_file.h */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "log.h"
#include "pcap_capture.h"
#include "pcap_file.h"
#include "vhostd.h"

#define DRAIN_BURST    64
#define DRAIN_PER_TICK 4096
static const struct timeval tick = {0, 10000}; /* 10 ms: the ring holds 2048 */

static struct {
        struct pcap_file *file;
        struct event *timer;
        struct rte_ring *ring;
} cap;

static uint64_t lost_sum(const struct vsw_state *st)
{
        uint64_t n = 0;

        for (unsigned i = 0; i < VSW_MAX_WORKERS; i++)
                n += atomic_load_explicit(&st->pcap.lost[i], memory_order_relaxed);
        return n;
}

uint64_t pcap_capture_lost(const struct vhostd *d)
{
        uint64_t now = lost_sum(d->st);

        return now > d->st->pcap.lost_base ? now - d->st->pcap.lost_base : 0;
}

static void flags_off(struct vsw_state *st)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                atomic_store_explicit(&st->pcap.on[i], 0, memory_order_relaxed);
}

/* Frees what the ring holds: copies of a capture that ended. */
static void ring_discard(void)
{
        void *m[DRAIN_BURST];
        unsigned n;

        if (!cap.ring)
                return;
        while ((n = rte_ring_dequeue_burst(cap.ring, m, DRAIN_BURST, NULL)) > 0)
                rte_pktmbuf_free_bulk((struct rte_mbuf **)m, n);
}

static int ring_attach(void)
{
        if (!cap.ring)
                cap.ring = rte_ring_lookup(VSW_PCAP_RING);
        return cap.ring ? 0 : -1;
}

/* Writes what the workers queued, up to max packets. Returns 1 once max
 * is reached, -1 on a write error, else 0. */
static int drain(struct vhostd *d)
{
        struct vsw_pcap *p = &d->st->pcap;
        void *m[DRAIN_BURST];
        unsigned n, done = 0;

        while (done < DRAIN_PER_TICK &&
               (n = rte_ring_dequeue_burst(cap.ring, m, DRAIN_BURST, NULL)) > 0) {
                for (unsigned i = 0; i < n; i++) {
                        if (p->written >= p->max_packets) {
                                rte_pktmbuf_free(m[i]);
                                continue;
                        }
                        if (pcap_file_write(cap.file, m[i], d->st) < 0) {
                                int e = errno;

                                rte_pktmbuf_free_bulk((struct rte_mbuf **)m + i + 1, n - i - 1);
                                errno = e;
                                return -1;
                        }
                        p->written++;
                }
                done += n;
        }
        return p->written >= p->max_packets;
}

/* `intfc <name>`: the flag goes with the interface when it is deleted (its
 * slot may serve another one). */
static void flags_named(struct vsw_state *st)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &st->ifaces[i];

                if (atomic_load_explicit(&st->pcap.on[i], memory_order_relaxed) &&
                    (!ifc->in_use || strncmp(ifc->name, st->pcap.intfc, sizeof(ifc->name))))
                        atomic_store_explicit(&st->pcap.on[i], 0, memory_order_relaxed);
        }
}

/* `intfc any` covers interfaces created after the start too. */
static void flags_any(struct vsw_state *st)
{
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (st->ifaces[i].in_use &&
                    atomic_load_explicit(&st->pcap.on[i], memory_order_relaxed) != st->pcap.dirs)
                        atomic_store_explicit(&st->pcap.on[i], (uint8_t)st->pcap.dirs,
                                              memory_order_relaxed);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
        struct vhostd *d = arg;
        int rc;

        (void)fd;
        (void)what;
        if (d->st->pcap.any)
                flags_any(d->st);
        else
                flags_named(d->st);
        rc = drain(d);
        if (rc < 0) {
                char why[128];

                snprintf(why, sizeof(why), "writing the file failed: %s", strerror(errno));
                pcap_capture_stop(d, why);
        } else if (rc > 0) {
                pcap_capture_stop(d, "max packets reached");
        }
}

int pcap_capture_start(struct vhostd *d, const struct pcap_capture_opts *o, char *err,
                       size_t errlen)
{
        struct vsw_pcap *p = &d->st->pcap;
        int slot = -1;

        if (cap.file) {
                snprintf(err, errlen, "a capture into %s is running: 'pcap trace off' first",
                         p->file);
                return -EBUSY;
        }
        if (o->intfc) {
                const struct vsw_iface *ifc = vhostd_iface_by_name(d, o->intfc);

                if (!ifc) {
                        snprintf(err, errlen, "unknown interface '%.64s'", o->intfc);
                        return -ENOENT;
                }
                slot = (int)(ifc - d->st->ifaces);
        }
        if (ring_attach() < 0) {
                snprintf(err, errlen, "capture ring %s not found: %s", VSW_PCAP_RING,
                         rte_strerror(rte_errno));
                return -ENOENT;
        }
        if (!cap.timer) {
                cap.timer = event_new(d->base, -1, EV_PERSIST, on_tick, d);
                if (!cap.timer) {
                        snprintf(err, errlen, "out of memory");
                        return -ENOMEM;
                }
        }
        ring_discard(); /* a previous capture's late copies */
        cap.file = pcap_file_open(o->file);
        if (!cap.file) {
                int e = errno;

                snprintf(err, errlen, "cannot create %.200s: %s", o->file, strerror(e));
                return -e;
        }
        if (event_add(cap.timer, &tick) < 0) {
                pcap_file_close(cap.file);
                cap.file = NULL;
                snprintf(err, errlen, "cannot arm the capture timer");
                return -EIO;
        }
        p->dirs = o->dirs;
        p->any = slot < 0;
        p->max_packets = o->max;
        p->written = 0;
        p->lost_base = lost_sum(d->st);
        snprintf(p->intfc, sizeof(p->intfc), "%s", o->intfc ? o->intfc : "any");
        snprintf(p->file, sizeof(p->file), "%s", o->file);
        p->status[0] = '\0';
        atomic_store(&p->writer_generation, d->generation);
        if (slot >= 0)
                atomic_store(&p->on[slot], (uint8_t)o->dirs);
        else
                flags_any(d->st);
        VSW_NOTICE(VSW_LOG_RPC, "pcap trace%s%s max %u intfc %s file %s",
                   o->dirs & VSW_PCAP_RX ? " rx" : "", o->dirs & VSW_PCAP_TX ? " tx" : "", o->max,
                   p->intfc, p->file);
        return 0;
}

int pcap_capture_stop(struct vhostd *d, const char *why)
{
        struct vsw_pcap *p = &d->st->pcap;

        if (!cap.file)
                return -1;
        flags_off(d->st);
        /* What the workers queued before seeing the flags go. */
        if (drain(d) < 0)
                VSW_WARN(VSW_LOG_RPC, "pcap trace: writing %s failed: %s", p->file,
                         strerror(errno));
        event_del(cap.timer);
        pcap_file_close(cap.file);
        cap.file = NULL;
        snprintf(p->status, sizeof(p->status), "%s: %lu packets written", why,
                 (unsigned long)p->written);
        atomic_store(&p->writer_generation, 0);
        VSW_NOTICE(VSW_LOG_RPC, "pcap trace into %s stopped (%s)", p->file, p->status);
        return 0;
}

void pcap_capture_go(struct vhostd *d)
{
        struct vsw_pcap *p = &d->st->pcap;
        uint32_t g = atomic_load(&p->writer_generation);

        if (g == 0 || g == d->generation)
                return;
        /* Its writer was killed: the file holds whole blocks; its copies
         * still in the ring go. */
        flags_off(d->st);
        if (ring_attach() == 0)
                ring_discard();
        snprintf(p->status, sizeof(p->status),
                 "stopped: vhostd generation %u ended while capturing; %lu packets written", g,
                 (unsigned long)p->written);
        atomic_store(&p->writer_generation, 0);
        VSW_NOTICE(VSW_LOG_RPC, "pcap trace into %s: %s", p->file, p->status);
}

void pcap_capture_exit(struct vhostd *d)
{
        if (cap.file)
                pcap_capture_stop(d, "stopped: vhostd exited");
        if (cap.timer) {
                event_free(cap.timer);
                cap.timer = NULL;
        }
}
