/* One vhost-dp worker: the rings it owns (with their ring engines), its
 * view of each interface's guest memory, the routes to every interface's RX
 * queues, and the rings to and from the other workers. Everything here is
 * process-local; the memzone is only read (and the owned rings' counters and
 * indices written). */
#ifndef VSW_DP_WORKER_H
#define VSW_DP_WORKER_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dp_runtime.h"
#include "guest_mem.h"
#include "l2_bridge.h"
#include "virtq_packed.h"
#include "virtq_split.h"
#include "vsw_state.h"

#define DP_BURST VIRTQ_BURST

/* CLOCK_MONOTONIC in ns: heartbeats and fault holds (vsw_state.h). */
static inline uint64_t dp_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Bytes in a burst, for the uplink's counters (its RX and TX sides). */
static inline uint64_t dp_bytes_of(struct rte_mbuf *const *pkts, uint16_t n)
{
        uint64_t b = 0;

        for (uint16_t i = 0; i < n; i++)
                b += rte_pktmbuf_pkt_len(pkts[i]);
        return b;
}

/* What this worker holds for one interface: its guest memory mapped while
 * the worker owns at least one of its rings. */
struct dp_iface {
        struct guest_mem gm;
        /* The table gm replaced, mapped until the rings that ran over it
         * have restarted over gm (dp_iface_retire). */
        struct guest_mem retired;
        struct dirty_log log; /* while VHOST_F_LOG_ALL (live migration) */
        uint32_t mem_gen;     /* mem.generation mapped; valid while mapped */
        uint32_t log_gen;     /* log_gen mapped; valid while log_mapped */
        uint8_t mapped;
        uint8_t log_mapped;
        uint8_t has_retired;
        /* SIGBUS: gm is anonymous memory now, not the guest's. Set by the
         * signal handler: read it through a volatile access. */
        uint8_t faulted;
        uint8_t admin_up;    /* as of the last housekeeping */
        uint32_t max_frame;  /* likewise: MTU + Ethernet header; 0: no MTU (dp_mtu.c) */
        uint32_t registered; /* sw_if_index whose MAC this worker saw registered */
        uint16_t nowned;     /* rings of this interface the worker owns */
};

/* An owned ring. The engine is valid while running; the counters before
 * the engine's last (re)start are kept in acc. */
struct dp_vq {
        struct vsw_vring *shared;
        struct dp_iface *ifc;
        uint16_t iface; /* slot in vsw_state.ifaces[] */
        uint16_t vring;
        uint32_t sw_if_index;
        uint32_t seen_seq; /* last cmd_seq acted on */
        uint8_t running;   /* engine set up, ring STARTED and ENABLED, not paused */
        uint8_t packed;
        uint8_t loaded;        /* released, not held, at least once in this process */
        uint8_t broken_logged; /* the engine's stop was logged (since its last start) */
        uint8_t held;          /* kept stopped: its interface is faulted */
        uint64_t bad_log_ns;   /* when malformed chains were last logged */
        uint64_t bad_seen[VSW_BAD_DESC_REASONS]; /* engine counts already logged */
        uint32_t call_gen;
        int callfd; /* -1: the guest takes no interrupts */
        /* rx-mode (dp_sleep.c), guest TX queues only: the kick eventfd in
         * the worker's epoll set (-1: none, the queue is polled), the mode
         * as of the last housekeeping (0: not planned yet), whether the
         * guest's kicks are armed, when the queue last moved a frame. */
        int kickfd;
        uint32_t kick_gen;
        uint8_t rx_mode;
        uint8_t armed;
        uint64_t busy_tsc;
        struct vsw_vring_counters acc; /* counted before the engine's last start */
        uint64_t drops_full;           /* since the engine's last start */
        uint64_t drops_other;
        uint64_t busy_cycles; /* vsw_vring.busy_cycles, published at housekeeping */
        uint64_t drops_mtu;
        /* Offloads towards this guest (RX rings, dp_offload.c), since the
         * engine's last start; rx_ol: the VIRTQ_OL_* bits it takes. */
        uint64_t gso_passed;
        uint64_t sw_segmented;
        uint64_t sw_csum;
        uint8_t rx_ol;
        /* Guest TX queues: bursts the one-copy path leaves alone after it
         * found the frames were not for it (dp_onecopy.c). */
        uint8_t onecopy_wait;
        union {
                struct virtq_split split;
                struct virtq_packed packed;
        } e;
};

/* Where frames for an interface go: its enabled RX queues and their
 * owners (none while the interface is admin down), refreshed at
 * housekeeping (a hint: the owner checks the ring). */
struct dp_route {
        uint8_t nrxq;
        uint8_t rxq[VSW_MAX_QUEUE_PAIRS];   /* vring index (even) */
        uint8_t owner[VSW_MAX_QUEUE_PAIRS]; /* worker index */
};

#define DP_MAX_RINGS (VSW_MAX_IFACES * VSW_MAX_VRINGS)

/* A frame waiting for its RX ring to change hands (dp_park.c). */
struct dp_parked {
        struct rte_mbuf *m;
        uint16_t iface;
        uint16_t vring;
        uint64_t ns; /* parked at (CLOCK_MONOTONIC) */
};

#define DP_PARK_MAX 4096
/* Past this many parked frames the worker takes no more from guest TX
 * queues and other workers' rings: the frames wait where they are (a
 * guest's ring, the sender's rx-retry) instead of overflowing the lot. */
#define DP_PARK_HIGH (DP_PARK_MAX / 2)

/* The worker's own queues on the uplink port: one RX queue (software
 * steering) or its VMs' pool queues (VMDQ), and one TX queue. */
struct dp_uplink {
        uint8_t active;
        uint16_t port;
        uint16_t txq;
        uint16_t nrxq;
        uint16_t rxq[VSW_UPLINK_MAX_RXQ];
        uint8_t pool_of_rxq[VSW_UPLINK_MAX_RXQ]; /* VMDQ: its slot in uplink.pools[] */
        uint8_t tx_csum_hw;                      /* the PMD's offloads (struct vsw_uplink) */
        uint8_t tx_tso_hw;
        uint16_t tso_max_frame;
        struct vsw_uplink_counters *ctr; /* this worker's, in the memzone */
        uint32_t max_frame;              /* the port's MTU + the Ethernet header (dp_mtu.c) */
};

struct dp_worker {
        struct vsw_state *st;
        struct vsw_worker *self;
        uint32_t idx;
        struct rte_mempool *mp;
        int vault;
        uint8_t rx_retry;
        uint32_t rx_retry_delay_us;
        uint32_t rx_retry_num;

        unsigned nvqs;
        struct dp_vq *vqs[DP_MAX_RINGS];                    /* owned rings, dense */
        struct dp_vq *slot[VSW_MAX_IFACES][VSW_MAX_VRINGS]; /* NULL if not ours */
        struct dp_iface ifaces[VSW_MAX_IFACES];
        struct dp_route routes[VSW_MAX_IFACES];

        struct rte_ring *xw_out[VSW_MAX_WORKERS]; /* to worker i; NULL for self */
        struct rte_ring *xw_in[VSW_MAX_WORKERS];  /* from worker i */

        struct dp_uplink uplink;
        struct l2_ctx l2;
        struct l2_out out;

        struct dp_runtime rt; /* `show runtime`'s counts (dp_runtime.h) */
        unsigned npark;
        struct dp_parked park[DP_PARK_MAX];
        /* rx-mode (dp_sleep.c). The worker sleeps when no queue is in
         * polling mode (poll_only 0), the interrupt-mode ones moved nothing
         * since busy_int and the adaptive ones nothing for adaptive_idle_tsc
         * since busy_adp. */
        int epfd;   /* kick fds and wakefd; -1: the worker always polls */
        int wakefd; /* written by whoever gives a sleeping worker work */
        uint8_t poll_only;
        uint8_t uplink_mode;   /* enum vsw_rx_mode of the uplink queues */
        uint32_t ring_changes; /* rings added or removed, to notice one at sleep time */
        uint64_t busy_int;
        uint64_t busy_adp;
        uint64_t adaptive_idle_tsc;

        /* VXLAN (dp_vxlan_tx.c): the next outer IPv4 id, when each
         * tunnel's next hop was last asked for (TSC). */
        uint16_t vxlan_ip_id;
        uint64_t vxlan_arp_tsc[VSW_MAX_TUNNELS];

        uint64_t xw_drops;     /* another worker's ring was full */
        uint64_t no_rxq_drops; /* destination has no enabled RX queue */
};

/* Whether the parked frames leave room for another burst's worth. */
static inline bool dp_park_room(const struct dp_worker *w)
{
        return likely(w->npark < DP_PARK_HIGH);
}

/* dp_worker.c: polls until *stop becomes non-zero. */
void dp_worker_run(struct dp_worker *w, volatile sig_atomic_t *stop);

/* dp_ring_ctl.c: the owned-ring list and the pause/release handshake. */
void dp_ring_rescan(struct dp_worker *w);
/* Acts on a cmd_seq change of w->vqs[i]; returns 0 when the ring left
 * this worker (vqs[i] is then another ring), 1 otherwise. */
int dp_ring_command(struct dp_worker *w, unsigned i, uint32_t seq);

/* The one memzone read per owned ring and iteration. */
static inline int dp_ring_check(struct dp_worker *w, unsigned i)
{
        uint32_t seq = atomic_load_explicit(&w->vqs[i]->shared->cmd_seq, memory_order_acquire);

        if (likely(seq == w->vqs[i]->seen_seq))
                return 1;
        return dp_ring_command(w, i, seq);
}
void dp_ring_drop_all(struct dp_worker *w);
/* Acts at once on what the loop or housekeeping would act on next for ring
 * (iface, vring): a command not seen yet, or a ring assigned to this worker
 * and not taken up. Returns the ring if this worker owns it now, else NULL.
 * Only between ring polls (it may add or remove rings). */
struct dp_vq *dp_ring_pickup(struct dp_worker *w, uint16_t iface, uint16_t vring);
/* Housekeeping's log lines about guest input: one for each ring whose
 * engine stopped on it (the guest then sees the ring go quiet until it
 * resets it), and one at most every second per ring for the malformed
 * chains dropped since the last, by reason. now_ns: CLOCK_MONOTONIC. */
void dp_ring_report(struct dp_worker *w, uint64_t now_ns);

/* dp_iface.c: guest memory, dirty log and eventfds of one interface. */
/* Maps the interface's memory table and dirty log when they are not the
 * ones mapped: the new maps first, then the switch. Returns 1 when it
 * remapped (rings running over the old maps must restart, then
 * dp_iface_retire unmaps the old table), 0 when nothing changed, -1 on
 * failure (logged, recorded in the memzone; the old maps are left as they
 * were: the caller stops every ring of the interface, then unmaps). */
int dp_iface_sync(struct dp_worker *w, uint16_t iface);
void dp_iface_retire(struct dp_worker *w, uint16_t iface);
void dp_iface_unmap(struct dp_worker *w, uint16_t iface);
/* Fetches vq's call eventfd from the vault when call_gen moved. */
void dp_iface_fetch_call(struct dp_worker *w, struct dp_vq *vq);
/* Writes vq's call eventfd (non-blocking), with the worker slot naming the
 * ring meanwhile (vsw_worker.signalling). */
void dp_notify(struct dp_worker *w, struct dp_vq *vq);
/* The kick eventfd of a guest TX queue from the vault, into the worker's
 * epoll set (rx-mode), when kick_gen moved; dropped again when the ring
 * leaves the worker. */
void dp_iface_fetch_kick(struct dp_worker *w, struct dp_vq *vq);
void dp_iface_drop_kick(struct dp_worker *w, struct dp_vq *vq);
void dp_routes_refresh(struct dp_worker *w, uint64_t now_ns);

/* dp_fault.c: SIGBUS in guest memory costs its interface, not the worker. */
int dp_fault_install(struct dp_worker *w);
/* Guards [base, base + len), a mapping of interface iface's memory or log. */
void dp_fault_track(uint16_t iface, const void *base, size_t len);
void dp_fault_untrack(const void *base);
/* Records and logs the interfaces faulted since the last call. */
void dp_fault_poll(struct dp_worker *w);

/* dp_ring_ctl.c: stops the rings of faulted interfaces, restarts them once
 * the fault is no longer current (housekeeping). */
void dp_ring_faults(struct dp_worker *w, uint64_t now_ns);

/* dp_guest_tx.c: one burst dequeued off a guest's TX queue, forwarded to
 * its destinations. Returns the frames dequeued. */
uint16_t dp_guest_tx_poll(struct dp_worker *w, struct dp_vq *vq);
/* Frames from vq's guest (or sent on its behalf) into its bridge domain:
 * learnt, forwarded; the mbufs are consumed. */
void dp_guest_input(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n);

/* dp_onecopy.c: the leading frames of vq's burst that can go guest to
 * guest with no mbuf (runs of frames to a learned unicast destination
 * whose RX queue this worker owns), copied once; returns how many. *rest
 * says whether the mbuf path is to take what follows in this poll (false
 * when every frame peeked was taken). */
uint16_t dp_onecopy(struct dp_worker *w, struct dp_vq *vq, bool *rest);

/* dp_mtu.c: drops (and counts) the frames of a guest TX burst that exceed
 * its interface's MTU; returns how many are left, in order, in pkts. */
uint16_t dp_mtu_filter(struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n);
/* The same for a burst to the uplink, against the port's MTU (counted in
 * the worker's uplink tx_drops_mtu). */
uint16_t dp_mtu_filter_uplink(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* dp_rarp.c: the RARPs vhost-user SEND_RARP asked for (housekeeping). */
void dp_rarp_poll(struct dp_worker *w);

/* dp_offload.c: a burst into an owned guest RX queue, its frames' offload
 * requests kept, or segmented and checksummed in software for a guest that
 * did not negotiate them; the mbufs are freed. */
void dp_guest_rx_burst(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n);
/* dp_guest_rx.c: the burst (frames the guest can take) into its ring. */
void dp_guest_rx_deliver(struct dp_worker *w, struct dp_vq *vq, struct rte_mbuf **pkts, uint16_t n);
/* dp_offload.c, for the uplink: whether a frame of pkts carries offload
 * requests; the first *used of pkts into out (room for DP_OL_UPLINK_OUT),
 * each handed to the PMD's offloads when it has them and pmd_ok (not for
 * a frame about to be encapsulated: the PMD would cut the outer frame),
 * else segmented and checksummed here, returning how many frames are
 * there. */
#define DP_OL_UPLINK_OUT (DP_BURST + 256)
bool dp_offload_pending(struct rte_mbuf *const *pkts, uint16_t n);
uint16_t dp_offload_uplink(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
                           struct rte_mbuf **out, uint16_t *used, bool pmd_ok);

/* dp_forward.c: sends a destination's frames to RX queue pair qp of its
 * interface, directly or through the owner's ring, or out of the uplink;
 * the mbufs are consumed. Returns 1 when they went to another worker's
 * ring. */
int dp_forward(struct dp_worker *w, unsigned src_qp, struct l2_dest *d);

/* dp_uplink.c: the worker's uplink queues, its TX side, MAC registration. */
int dp_uplink_attach(struct dp_worker *w);
void dp_uplink_tx(struct dp_worker *w, struct l2_dest *d);
/* The first frame of an interface registers its MAC (logged once). */
void dp_uplink_register(struct dp_worker *w, struct dp_vq *vq, const struct rte_mbuf *m);

/* dp_uplink_rx.c: a burst off each of the worker's uplink RX queues,
 * forwarded to its destinations. Returns the frames received. */
unsigned dp_uplink_poll(struct dp_worker *w);

/* dp_uplink_host.c: frames for the uplink's own address answered (ARP,
 * ICMP echo) and taken out of pkts; returns how many are left, in order. */
uint16_t dp_uplink_host(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* dp_uplink_host.c: the neighbor table. ip's MAC into mac and when it was
 * last heard: 0, or -1 when not known; an ARP request for target to dst
 * (NULL: broadcast) out of the worker's TX queue. */
int dp_neigh_lookup(const struct vsw_uplink *up, uint32_t ip, uint8_t *mac, uint64_t *heard_ns);
uint64_t dp_neigh_now_ns(void); /* CLOCK_MONOTONIC, the entries' clock */
void dp_neigh_solicit(struct dp_worker *w, uint32_t target, const uint8_t *dst);

/* dp_vxlan_tx.c: a destination's frames into tunnel t (its slot in
 * vsw_state.tunnels[]): segmented and checksummed in software when they
 * carry offload requests, encapsulated, out of the uplink; consumed. */
void dp_vxlan_tx(struct dp_worker *w, unsigned t, struct l2_dest *d);

/* dp_vxlan_rx.c: VXLAN frames to the uplink's address taken out of pkts,
 * decapsulated and bridged from their tunnel (or dropped and counted);
 * returns how many frames are left, in order. */
uint16_t dp_vxlan_rx(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* dp_park.c: frames for an RX ring that is changing hands wait for it. */
/* Whether frames for (iface, vring) this worker cannot deliver now should
 * wait: the ring is paused or moving. */
int dp_park_wanted(const struct dp_worker *w, uint16_t iface, uint16_t vring);
void dp_park(struct dp_worker *w, uint16_t iface, uint16_t vring, struct rte_mbuf **pkts,
             uint16_t n);
/* At the top of a poll while frames are parked. */
void dp_park_retry(struct dp_worker *w);
/* At start: frames a killed predecessor held parked are counted lost
 * (vsw_worker.parked_lost) and logged. */
void dp_park_reclaim(struct vsw_worker *self, unsigned idx);

/* dp_xworker.c, dp_xw_drain.c: the rings between workers. An element names
 * the destination vring: a flooded mbuf is shared by several destinations
 * and carries nothing of its own. */
struct dp_xw_elem {
        struct rte_mbuf *m;
        uint16_t iface;
        uint16_t vring;
        uint32_t pad;
};

_Static_assert(sizeof(struct dp_xw_elem) == VSW_XW_ELEM_SIZE, "cross-worker element size");

int dp_xw_attach(struct dp_worker *w);
void dp_xw_push(struct dp_worker *w, uint32_t owner, uint16_t iface, uint16_t vring,
                struct rte_mbuf **pkts, uint16_t n);
unsigned dp_xw_drain(struct dp_worker *w);

/* dp_sleep.c: rx-mode polling, interrupt and adaptive. */
/* The worker's epoll set and wake eventfd; on failure (logged) it polls. */
void dp_sleep_attach(struct dp_worker *w);
/* Housekeeping: each ring's mode, its state for show, whether and when the
 * worker may sleep. */
void dp_sleep_plan(struct dp_worker *w, uint64_t now_tsc);
/* Arms every owned queue, looks for work once more, and sleeps in
 * epoll_wait (at most VSW_SLEEP_MAX_MS) unless there is some. */
void dp_sleep(struct dp_worker *w);

/* tsc: the iteration's start; now: a TSC read after the burst went out,
 * the queue's own stamp (its adaptive state): forwarding it may have
 * waited long (rx-retry). */
static inline void dp_sleep_busy(struct dp_worker *w, struct dp_vq *vq, uint64_t tsc, uint64_t now)
{
        vq->busy_tsc = now;
        if (vq->rx_mode == VSW_RX_MODE_ADAPTIVE)
                w->busy_adp = tsc;
        else
                w->busy_int = tsc;
}

static inline void dp_sleep_busy_uplink(struct dp_worker *w, uint64_t tsc)
{
        if (w->uplink_mode == VSW_RX_MODE_ADAPTIVE)
                w->busy_adp = tsc;
        else
                w->busy_int = tsc;
}

static inline bool dp_sleep_due(const struct dp_worker *w, uint64_t tsc)
{
        /* Parked frames wait for their ring's new owner: keep looking. */
        return !w->poll_only && w->npark == 0 && tsc > w->busy_int &&
               tsc - w->busy_adp > w->adaptive_idle_tsc;
}

/* dp_counters.c: engine statistics into the memzone. */
void dp_counters_fold(struct dp_vq *vq);
void dp_counters_publish(struct dp_vq *vq);
void dp_counters_publish_all(struct dp_worker *w);
/* The guest's ring indices of a running split ring into the memzone. */
void dp_heads_publish(struct dp_vq *vq);

#endif
