/* The shared memzone: the one contract between vhost-supervisor, vhostd and
 * the vhost-dp workers. Fixed-size tables, no pointers (each process maps
 * guest memory and the memzone at its own addresses). Any change to a struct
 * here must bump VSW_STATE_ABI_VERSION. */
#ifndef VSW_STATE_H
#define VSW_STATE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "vsw_route.h"

#define VSW_STATE_MZ_NAME  "vhostsw_state"
#define VSW_MBUF_POOL_NAME "vhostsw_mbufs"
/* Single-producer/single-consumer rte_ring from worker <from> to worker
 * <to> (the supervisor creates one per ordered pair): frames for a vring
 * the receiving worker owns. */
#define VSW_XW_RING_FMT  "vsw_xw_%u_%u"
#define VSW_XW_RING_SIZE 1024
#define VSW_XW_ELEM_SIZE 16                    /* an mbuf pointer and the vring it goes to */
#define VSW_STATE_MAGIC  0x7673777374617465ULL /* "vswstate" */
/* `pcap trace`: workers put pcapng packet blocks (rte_pcapng_copy, into
 * the VSW_PCAP_POOL mempool) on this multi-producer ring; vhostd drains it
 * into the file. Both made by the supervisor, so every process finds them. */
#define VSW_PCAP_RING      "vsw_pcap"
#define VSW_PCAP_POOL      "vsw_pcap_mbufs"
#define VSW_PCAP_RING_SIZE 2048
#define VSW_PCAP_MBUFS     2047
#define VSW_PCAP_SNAPLEN   2048 /* bytes of a frame kept; longer ones are cut */
#ifndef VSW_STATE_ABI_VERSION
#define VSW_STATE_ABI_VERSION 21u
#endif

/* The default bound on one interface's guest memory: 1 TiB. x86-64 gives a
 * process 128 TiB of user addresses, and a worker may map up to
 * VSW_MAX_IFACES (32) interfaces: 32 x 1 TiB leaves room for everything
 * else, while no real VM comes near 1 TiB. */
#define VSW_DEFAULT_MAX_GUEST_MEMORY (1ULL << 40)

#define VSW_MAX_IFACES      32
#define VSW_MAX_QUEUE_PAIRS 8
#define VSW_MAX_VRINGS      (2 * VSW_MAX_QUEUE_PAIRS)
/* QEMU's own cap for a vhost-user back end (it asks GET_MAX_MEM_SLOTS and
 * takes the smaller): one slot per RAMBlock, so every DIMM it may hot-add. */
#define VSW_MAX_MEM_REGIONS 509
#define VSW_MAX_WORKERS     16
#define VSW_NAME_LEN        64
#define VSW_PATH_LEN        108 /* sun_path */
#define VSW_CACHE_LINE      64
#define VSW_NO_WORKER       UINT32_MAX
#define VSW_MAX_VRING_SIZE  32768
#define VSW_MAX_BRIDGES     16
#define VSW_L2FIB_WAYS      4    /* entries per bucket: one cache line */
#define VSW_L2FIB_BUCKETS   1024 /* per bridge domain: 4096 MACs */
#define VSW_NO_BRIDGE       UINT32_MAX
/* The uplink's sw_if_index as a bridge port: vhostd numbers interfaces up
 * from 1 and never reaches it. */
#define VSW_UPLINK_SW_IF_INDEX (UINT32_MAX - 1)
#define VSW_UPLINK_STR_LEN     256
#define VSW_REFUSED_LEN        256
#define VSW_UPLINK_MAX_RXQ     64 /* RX queues one worker polls (VMDQ: a pool's each) */

/* Log classes; levels live in the header so every process follows
 * `set logging class ...` without a message of its own. */
enum vsw_log_class {
        VSW_LOG_GENERAL,
        VSW_LOG_CONFIG,
        VSW_LOG_VHOST_USER,
        VSW_LOG_RPC,
        VSW_LOG_VAULT,
        VSW_LOG_SUPERVISOR,
        VSW_LOG_DATAPLANE,
        VSW_LOG_CLASS_MAX
};

enum vsw_log_level {
        VSW_LOG_EMERG,
        VSW_LOG_ERR,
        VSW_LOG_WARNING,
        VSW_LOG_NOTICE,
        VSW_LOG_INFO,
        VSW_LOG_DEBUG,
        VSW_LOG_LEVEL_MAX
};

/* One guest memory region as the front end described it. The fd itself
 * is in the vault under "if<N>/mem/g<key_gen>/<slot>": a region keeps its
 * key while the table changes around it, so a change moves one fd, not
 * all of them, and a worker maps only the regions whose key is new. */
struct vsw_mem_region {
        uint64_t guest_phys_addr;
        uint64_t memory_size;
        uint64_t userspace_addr;
        uint64_t mmap_offset;
        int32_t fd;       /* vhostd's fd number, for `show vhost-user` only */
        uint32_t in_use;  /* slot holds a region: times the front end added it */
        uint32_t key_gen; /* the table generation that put this region in the slot */
        uint32_t pad;
};

struct vsw_mem_table {
        uint32_t generation; /* bumped on every change; names the vault keys */
        uint32_t nregions;
        struct vsw_mem_region regions[VSW_MAX_MEM_REGIONS];
};

/* vring state bits (vsw_vring.state). */
#define VSW_VRING_ADDR_SET  (1u << 0) /* SET_VRING_ADDR seen */
#define VSW_VRING_STARTED   (1u << 1) /* kick received, not stopped by GET_VRING_BASE */
#define VSW_VRING_ENABLED   (1u << 2) /* SET_VRING_ENABLE 1 (or no PROTOCOL_FEATURES) */
#define VSW_VRING_KICK_POLL (1u << 3) /* kick came with the no-fd bit: poll */
#define VSW_VRING_CALL_NONE (1u << 4) /* call came with the no-fd bit: never signal */
#define VSW_VRING_LOG       (1u << 5) /* VHOST_VRING_F_LOG */
#define VSW_VRING_PACKED    (1u << 6) /* VIRTIO_F_RING_PACKED negotiated */

/* Why a descriptor failed validation (drops_bad[] index). */
enum vsw_bad_desc {
        VSW_BAD_HEAD,      /* head index >= ring size */
        VSW_BAD_NEXT,      /* next index >= ring or table size */
        VSW_BAD_ADDR,      /* buffer not inside one guest memory region (or addr + len wraps) */
        VSW_BAD_CHAIN,     /* loop, or longer than the ring or table */
        VSW_BAD_INDIRECT,  /* indirect table size, place, nesting, or with NEXT */
        VSW_BAD_DIRECTION, /* device-writable where readable is required, or back */
        VSW_BAD_SHORT,     /* no room for the header, or no frame after it */
        VSW_BAD_NET_HDR,   /* virtio-net header: offload not negotiated, or beyond the frame */
        VSW_BAD_DESC_REASONS
};

/* How a worker waits for a guest TX queue (and its uplink queues):
 * POLLING busy-polls; INTERRUPT arms the guest's notifications and sleeps
 * once the queue is drained; ADAPTIVE polls and switches to interrupt after
 * the queue has been idle for rx_adaptive_idle_us. A worker sleeps only
 * when every queue it owns is in interrupt state (dataplane/dp_sleep.c). */
enum vsw_rx_mode {
        VSW_RX_MODE_DEFAULT, /* per ring only: the switch's default */
        VSW_RX_MODE_POLLING,
        VSW_RX_MODE_INTERRUPT,
        VSW_RX_MODE_ADAPTIVE,
        VSW_RX_MODES
};

enum vsw_rx_state {
        VSW_RX_STATE_NONE,      /* no worker runs the ring */
        VSW_RX_STATE_POLLING,   /* polled; the guest's kicks suppressed */
        VSW_RX_STATE_INTERRUPT, /* idle: the owner may sleep on its kick fd */
};

struct vsw_vring_counters {
        uint64_t packets;
        uint64_t bytes;
        uint64_t drops_full;     /* guest ring had no room */
        uint64_t drops_bad_desc; /* descriptor failed validation: the sum of drops_bad */
        uint64_t drops_other;    /* no mbuf, too big, ring stopped, L2 bridge drops */
        uint64_t drops_mtu;      /* guest TX frames over the interface's MTU (vsw_iface_mtu) */
        uint64_t drops_bad[VSW_BAD_DESC_REASONS];
        /* Offloads (dataplane/dp_offload.c): TX ring, GSO frames the guest
         * sent; RX ring, GSO frames handed to the guest whole, frames
         * segmented for it in software, checksums completed for it in
         * software (a TX ring's: partial checksums at odd offsets). */
        uint64_t gso_in;
        uint64_t gso_passed;
        uint64_t sw_segmented;
        uint64_t sw_csum;
};

/* Handshake (ARCHITECTURE.md "Changing a running ring"): the control plane makes
 * cmd_seq odd to pause the ring and waits until ack_seq == cmd_seq; the owner
 * worker then no longer touches the ring and has written back its indices.
 * cmd_seq even again releases it; the worker re-reads the config and acks.
 * Workers read only this first cache line per iteration. */
struct vsw_vring {
        alignas(VSW_CACHE_LINE) _Atomic uint32_t cmd_seq;
        _Atomic uint32_t ack_seq;
        _Atomic uint32_t owner; /* worker index or VSW_NO_WORKER; changed only while paused */
        uint32_t state;         /* VSW_VRING_* bits, written while paused */
        /* enum vsw_rx_mode the user chose for the ring (`set interface
         * rx-mode`); DEFAULT: the switch's (vsw_state.rx_mode_default). The
         * owner reads it at housekeeping, so no pause is needed. */
        _Atomic uint32_t rx_mode;

        alignas(VSW_CACHE_LINE) uint32_t num;
        uint32_t flags; /* SET_VRING_ADDR flags */
        uint64_t desc_user_addr;
        uint64_t avail_user_addr;
        uint64_t used_user_addr;
        uint64_t desc_gpa; /* translated through the memory table */
        uint64_t avail_gpa;
        uint64_t used_gpa;
        uint64_t log_guest_addr;
        uint16_t last_avail_idx; /* for packed rings: bit 15 is the wrap counter */
        uint16_t last_used_idx;  /* likewise */
        uint32_t kick_gen;       /* bumped on each SET_VRING_KICK: worker refetches the fd */
        uint32_t call_gen;
        uint32_t err_gen;
        int32_t kickfd; /* vhostd's fd numbers, for display; -1 none */
        int32_t callfd;
        int32_t errfd;
        uint32_t placement_user; /* owner chosen by the user, not the default */

        alignas(VSW_CACHE_LINE) struct vsw_vring_counters counters;
        /* Split rings: the guest's avail and used flags and idx as the owner
         * last read them (housekeeping), for `show vhost-user`: vhostd never
         * maps guest memory. heads_valid 0: not read (packed, not running). */
        uint16_t avail_flags, avail_idx, used_flags, used_idx;
        uint32_t heads_valid;
        /* Packed rings only, written by the owner (atomic stores) before each
         * used descriptor it writes, so that a worker restarted after a crash
         * can tell where the ring stands (virtq_packed_resume); 0 while the
         * ring is paused: last_avail_idx and last_used_idx are then exact. */
        uint64_t packed_progress;
        /* TSC cycles the owner spent serving this ring in polls where it
         * moved frames (a TX ring's dequeue, the bridge, and delivery to
         * RX rings of the same worker), across owners: what rebalancing
         * by cycles weighs. Written by the owner at housekeeping. */
        uint64_t busy_cycles;
        /* busy_cycles at the last `clear runtime`; written by vhostd only. */
        uint64_t busy_cycles_clear;
        /* enum vsw_rx_state, written by the owner on each change (show). */
        _Atomic uint32_t rx_state;
};

enum vsw_conn_state {
        VSW_CONN_IDLE,       /* no front end */
        VSW_CONN_LISTENING,  /* server: waiting for accept */
        VSW_CONN_CONNECTING, /* client: retrying */
        VSW_CONN_CONNECTED,
};

/* Crash-atomic message journal (ARCHITECTURE.md "Restart and recovery"): vhostd
 * peeks a message, records it here (APPLYING), applies it, records its
 * reply (APPLIED), consumes it from the socket, sends the reply and marks
 * it DONE. A successor reads the state to tell what was done. */
enum vsw_journal_state {
        VSW_JOURNAL_EMPTY,
        VSW_JOURNAL_APPLYING, /* the message at the socket's head is being applied */
        VSW_JOURNAL_APPLIED,  /* applied, reply recorded; maybe consumed, not known sent */
        VSW_JOURNAL_DONE,     /* consumed, reply sent */
};

enum vsw_journal_action {
        VSW_JOURNAL_NOTHING, /* no reply */
        VSW_JOURNAL_REPLY,   /* send reply[] */
        VSW_JOURNAL_HANG_UP, /* the message was refused: drop the front end */
};

#define VSW_JOURNAL_REPLY_MAX 64

struct vsw_journal {
        uint32_t state;  /* enum vsw_journal_state */
        uint32_t action; /* enum vsw_journal_action */
        /* The message's identity, to recognise it at the socket's head. */
        uint32_t request;
        uint32_t hdr_flags;
        uint32_t size;
        uint32_t nfds;
        uint64_t payload_hash; /* FNV-1a of the payload */
        uint64_t seq;          /* messages journaled on this interface */
        uint32_t reply_len;    /* header included */
        uint8_t reply[VSW_JOURNAL_REPLY_MAX];
};

/* Why the dataplane stopped an interface: a trap its front end set. A
 * fault holds while the trap is current (vsw_iface_fault_current) and the
 * interface's rings are then neither polled nor signalled, by any worker. */
enum vsw_fault_kind {
        VSW_FAULT_NONE,
        VSW_FAULT_CALL_STALL, /* a worker blocked writing this call eventfd (watchdog) */
        VSW_FAULT_MEM_MAP,    /* a worker could not map this memory table */
        VSW_FAULT_MEM_BUS,    /* a worker took SIGBUS on this memory table (file shrunk) */
};

struct vsw_iface_fault {
        _Atomic uint32_t kind; /* enum vsw_fault_kind, stored last (release) */
        uint32_t worker;       /* the worker that hit it */
        uint32_t vring;        /* CALL_STALL: the vring being signalled */
        uint32_t call_gen;     /* CALL_STALL: its call_gen then; a new call fd ends it */
        uint32_t mem_gen;      /* MEM_*: the table generation; a new table ends it */
        uint32_t reserved;
        uint64_t hold_until_ns; /* CALL_STALL: not before then either (CLOCK_MONOTONIC) */
        uint64_t count;         /* times it happened on this interface */
};

struct vsw_iface {
        uint32_t in_use;
        uint32_t sw_if_index;
        uint32_t instance; /* N in VirtualEthernet0/0/N */
        char name[VSW_NAME_LEN];
        char socket_path[VSW_PATH_LEN];
        uint8_t is_server;
        uint8_t admin_up;
        uint8_t conn_state; /* enum vsw_conn_state */
        uint8_t hwaddr_set;
        int32_t sock_errno; /* last socket error, for show */
        uint32_t sock_uid, sock_gid, sock_mode;
        uint32_t reconnect_ms;

        uint64_t feature_mask;      /* user's mask: offered = supported & mask */
        uint64_t features;          /* acked by SET_FEATURES */
        uint64_t protocol_features; /* acked by SET_PROTOCOL_FEATURES */
        uint8_t features_set;
        uint8_t owner_set;
        uint8_t debug;
        uint8_t mac[6];
        uint16_t vlan;             /* access VLAN 1-4094; 0: frames pass with their own tags */
        uint32_t bridge_id;        /* bridge domain id, VSW_NO_BRIDGE: not forwarded */
        uint32_t num_queue_pairs;  /* pairs the front end has touched */
        uint32_t mtu;              /* NET_SET_MTU: the front end's (QEMU host_mtu); 0: none */
        uint32_t mtu_admin;        /* set interface mtu; 0: none. Enforced: vsw_iface_mtu */
        uint32_t device_status;    /* SET_STATUS */
        uint8_t rarp_mac[6];       /* SEND_RARP: the MAC to announce */
        _Atomic uint32_t rarp_seq; /* bumped per SEND_RARP: the dataplane announces */
        /* rarp_seq when the owner of queue 0's TX ring last sent the RARP:
         * a worker (re)started later sends only what is still owed. */
        _Atomic uint32_t rarp_sent_seq;

        struct vsw_mem_table mem;
        uint64_t log_size;
        uint64_t log_offset;
        uint32_t log_gen; /* vault key "if<N>/log/<gen>" */

        struct vsw_journal journal;
        /* Written by the supervisor's watchdog only. */
        struct vsw_iface_fault stall;
        /* Written by the workers only (each that maps the memory). */
        struct vsw_iface_fault mem_fault;
        /* The last message vhostd refused from a front end on this
         * interface (vu_log_err), for `show vhost-user`; "" once it forwards. */
        char refused[VSW_REFUSED_LEN];
        /* Bumped after each deposit or withdrawal under "if<N>/": a vhostd
         * that fetched its fds earlier sees whether they are still current. */
        _Atomic uint32_t vault_seq;
        /* Per-interface counters are the sums of its vrings' (each written
         * by the ring's one owner), added up by the reader. */
        struct vsw_vring vrings[VSW_MAX_VRINGS];
};

/* A worker's poll loop as `show runtime` reports it (VPP's): written by
 * the worker only, relaxed stores at housekeeping; they survive its
 * restarts (the successor counts on). The TSC is read once per poll. */
struct vsw_worker_runtime {
        uint64_t polls;       /* loop iterations */
        uint64_t idle_polls;  /* iterations that moved no frame */
        uint64_t frames_in;   /* frames taken off guest TX queues and the uplink's RX queues */
        uint64_t frames_out;  /* frames put into guest RX queues and onto the uplink */
        uint64_t cycles;      /* TSC cycles of all iterations */
        uint64_t busy_cycles; /* TSC cycles of the iterations that moved frames */
        /* Of frames_out, those copied guest to guest with no mbuf (the
         * one-copy path, dataplane/dp_onecopy.c). */
        uint64_t frames_direct;
};

enum vsw_worker_state {
        VSW_WORKER_ABSENT,
        VSW_WORKER_STARTING,
        VSW_WORKER_RUNNING,
        VSW_WORKER_DEAD,
};

struct vsw_worker {
        alignas(VSW_CACHE_LINE) _Atomic uint32_t state;
        int32_t pid;
        uint32_t lcore;
        uint32_t restarts;
        _Atomic uint64_t heartbeat_ns; /* CLOCK_MONOTONIC */
        uint64_t leaked_mbufs;
        /* Frames the worker dropped with no vring of its own to count them
         * on: the receiving worker's ring was full, or the destination
         * interface had no enabled RX queue. */
        uint64_t xw_drops;
        uint64_t no_rxq_drops;
        /* Frames the worker holds parked (dp_park.c), written by it at each
         * change: if it is killed, its successor adds them to parked_lost
         * (dropped by the kill, not silently). */
        uint64_t parked;
        uint64_t parked_lost;
        /* While the worker writes a call eventfd: the interface slot + 1
         * (bits 8-15), vring (bits 0-7) and that vring's call_gen (bits
         * 32-63); 0 otherwise. Names the trap if the write never returns. */
        _Atomic uint64_t signalling;
        /* Written by the worker only (see above). */
        alignas(VSW_CACHE_LINE) struct vsw_worker_runtime runtime;
        /* runtime at the last `clear runtime` (and when), written by vhostd
         * only: show runtime prints the difference, the workers never see
         * a clear. */
        struct vsw_worker_runtime runtime_clear;
        uint64_t runtime_clear_ns; /* CLOCK_MONOTONIC; 0: never cleared */
        /* 1 while the worker is (about to be) asleep in epoll_wait: whoever
         * gives it work (a ring command, a cross-worker ring) then writes
         * its wake eventfd (shared/vsw_wake.h). Stored and read with
         * seq_cst on both sides. The heartbeat still beats at every wake
         * (at least every VSW_SLEEP_MAX_MS). */
        _Atomic uint32_t sleeping;
        uint32_t reserved;
        uint64_t sleeps; /* times it went to sleep */
        uint64_t wakes;  /* of those, woken by an event rather than the timeout */
};

/* The longest a worker sleeps: its heartbeat is judged at 500 ms. */
#define VSW_SLEEP_MAX_MS 100

/* One MAC table entry (layout in vsw_l2fib.h). Learners in several
 * processes write entries with no lock: each word is written whole, and a
 * key changes only through a PENDING state readers never match, so a reader
 * that sees the same key before and after reading val has a val written for
 * that key. */
struct vsw_l2fib_entry {
        _Atomic uint64_t key; /* 0: never used */
        _Atomic uint64_t val;
};

struct vsw_l2fib_bucket {
        alignas(VSW_CACHE_LINE) struct vsw_l2fib_entry way[VSW_L2FIB_WAYS];
};

/* A bridge domain. Config fields change only under the l2_seq handshake
 * (vsw_bridge.h); the table is written by the workers' learners. */
struct vsw_bridge {
        alignas(VSW_CACHE_LINE) uint32_t in_use;
        uint32_t id;      /* the user's bridge domain id, 1-16777215 */
        uint32_t aging_s; /* entries older than this are ignored and reclaimed; 0: never */
        uint32_t learn;   /* learn source MACs */
        struct vsw_l2fib_bucket fib[VSW_L2FIB_BUCKETS];
};

enum vsw_rx_placement {
        VSW_RX_PLACEMENT_CYCLES,     /* by measured busy cycles, heaviest first */
        VSW_RX_PLACEMENT_ROUNDROBIN, /* by count of queue pairs */
};

enum vsw_uplink_mode {
        VSW_UPLINK_NONE,     /* no uplink configured */
        VSW_UPLINK_SOFTWARE, /* any PMD: workers classify by MAC and VLAN */
        VSW_UPLINK_VMDQ,     /* the NIC sorts frames into per-VM pools */
};

/* Why a VXLAN frame was dropped (control/drop_reasons.c names them). The
 * decapsulation's reasons are counted per worker on the uplink, the
 * encapsulation's per tunnel. */
enum vsw_vxlan_drop {
        VSW_VXLAN_DROP_TRUNCATED,   /* outer headers shorter than they say, or cut */
        VSW_VXLAN_DROP_BAD_FLAGS,   /* VXLAN header without the I flag */
        VSW_VXLAN_DROP_FRAGMENT,    /* outer IPv4 fragment: not reassembled */
        VSW_VXLAN_DROP_UNKNOWN_VNI, /* no tunnel with that VNI from that sender */
        VSW_VXLAN_DROP_INNER_RUNT,  /* inner frame shorter than an Ethernet header */
        VSW_VXLAN_DROP_NO_NEIGHBOR, /* next hop not resolved yet (ARP sent) */
        VSW_VXLAN_DROP_NO_ROUTE,    /* no route to the remote VTEP (vsw_route.h) */
        VSW_VXLAN_DROP_MTU,         /* inner frame over the tunnel's inner MTU */
        VSW_VXLAN_DROP_NO_MBUF,     /* no mbuf for a copy or a header */
        VSW_VXLAN_DROPS
};

/* One worker's uplink traffic; written by that worker only. */
struct vsw_uplink_counters {
        alignas(VSW_CACHE_LINE) uint64_t rx_packets; /* off its RX queue */
        uint64_t rx_bytes;
        uint64_t rx_steered; /* of those, handed to the worker owning the VM's queue */
        uint64_t rx_drops;   /* dropped by the bridge (no destination, VLAN, runt) */
        uint64_t tx_packets; /* onto its TX queue */
        uint64_t tx_bytes;
        uint64_t tx_drops;        /* TX queue full, or no mbufs to segment a TSO frame */
        uint64_t tx_sw_segmented; /* guests' TSO frames segmented in software */
        uint64_t tx_sw_csum;      /* frames whose checksum was completed in software */
        uint64_t tx_drops_mtu;    /* frames over the uplink's MTU, not sent */
        /* VXLAN frames off the uplink dropped before any tunnel took them
         * (dataplane/vxlan_decap.c), by enum vsw_vxlan_drop. */
        uint64_t vxlan_drops[VSW_VXLAN_DROPS];
        uint64_t tx_hw_tso;       /* guests' TSO frames handed to the PMD to segment */
        uint64_t tx_hw_csum;      /* frames handed to the PMD to complete their checksum */
};

/* The first frame a VM sends registers its MAC (as DPDK's vhost-switch
 * does): claimed by compare-and-swap of sw_if_index, so it is logged once
 * whichever worker sees the frame; never a MAC another live interface has
 * registered (dataplane/uplink/mac_registry.c). */
struct vsw_uplink_mac {
        _Atomic uint32_t sw_if_index; /* 0: free */
        uint16_t vlan;
        uint8_t mac[6];
        _Atomic uint32_t refused; /* registrations refused: the MAC was another's */
};

/* A neighbor on the uplink's network, learned from the ARP frames sent to
 * the uplink's own address (`show ip neighbors`), aged by heard_ns
 * (vsw_neigh_state in vsw_route.h; an expired entry's slot is free). Workers write it under
 * seq (odd while written, claimed by compare-and-swap, so two workers
 * never write one entry at once); vhostd reads until seq is even and the
 * same before and after. */
#define VSW_NEIGH_MAX 64
struct vsw_neighbor {
        _Atomic uint32_t seq;
        uint32_t ip; /* network byte order, 0: free */
        uint8_t mac[6];
        uint64_t heard_ns; /* CLOCK_MONOTONIC */
};

/* A VMDQ pool planned for a startup interface (by sw_if_index: vhostd
 * numbers them from 1 in startup.conf order on a fresh memzone). */
struct vsw_uplink_pool {
        uint32_t sw_if_index; /* 0: none */
        uint16_t pool_id;     /* for rte_eth_dev_mac_addr_add */
        uint16_t rx_queue;    /* the pool's queue its owner polls */
        uint16_t worker;      /* that owner */
        uint16_t vlan;        /* the VLAN the NIC's filter admits to it; 0: untagged */
        uint8_t mac[6];       /* startup.conf's hwaddr; all zero: none (the registered one) */
};

/* One pool queue's traffic; written by the worker polling it only. A
 * frame on a pool's queue is for that pool's VM alone (dp_uplink_rx.c). */
struct vsw_uplink_pool_counters {
        alignas(VSW_CACHE_LINE) uint64_t rx_packets; /* off the pool's queue */
        uint64_t rx_delivered;                       /* to the pool's VM */
        uint64_t rx_not_owner; /* another MAC or VLAN than its VM's (igb's default pool): dropped */
        uint64_t rx_copies;    /* a flood's copies for other VMs: their own pools deliver them */
};

/* The uplink port, set up by the supervisor before any child starts and
 * not changed afterwards (counters and registered MACs excepted). */
struct vsw_uplink {
        uint32_t mode;     /* enum vsw_uplink_mode */
        uint16_t port_id;  /* ethdev port, the same in every process */
        uint16_t nworkers; /* workers with queues on it */
        uint16_t txq_of_worker[VSW_MAX_WORKERS];
        uint16_t nrxq_of_worker[VSW_MAX_WORKERS];
        uint16_t rxq_of_worker[VSW_MAX_WORKERS][VSW_UPLINK_MAX_RXQ];
        struct vsw_uplink_pool pools[VSW_MAX_IFACES]; /* VMDQ only */
        uint32_t bridge_id;                           /* bridge domain the uplink is a port of */
        uint32_t vm2vm;                               /* 0, 1 or 2 as configured */
        uint8_t vlan_strip;                           /* configured */
        uint8_t vlan_strip_hw;                        /* the PMD strips tags on RX */
        uint8_t nic_loopback; /* vm2vm 2 in effect: VMDQ, and the PMD turns the loopback on */
        /* The PMD's own offloads, turned on at port setup when it has them
         * (tools/supervisor/uplink_setup.c); what it lacks the workers do
         * in software (dataplane/dp_offload.c). */
        uint8_t tx_csum_hw;     /* IPv4 header, TCP and UDP checksums on TX */
        uint8_t tx_tso_hw;      /* TCP segmentation (the workers hand it TCP/IPv4 only) */
        uint8_t rx_csum_hw;     /* TCP/UDP checksum verdicts on RX (DATA_VALID for guests) */
        uint16_t tso_max_frame; /* the largest segment, headers included, its TSO takes */
        uint8_t mac[6];
        uint32_t max_vmdq_pools; /* capabilities read from the PMD */
        uint32_t max_rx_queues;
        uint32_t max_tx_queues;
        char devargs[VSW_UPLINK_STR_LEN];
        char name[VSW_NAME_LEN]; /* ethdev name */
        char driver[VSW_NAME_LEN];
        char mode_reason[VSW_UPLINK_STR_LEN]; /* why this mode */
        /* The port's MTU (rte_eth_dev_get_mtu once started): frames to it
         * of more than mtu + the Ethernet header (+ 4 with a VLAN tag) are
         * dropped and counted (tx_drops_mtu). */
        uint32_t mtu;
        char mtu_reason[VSW_UPLINK_STR_LEN]; /* where it comes from */
        struct vsw_uplink_mac macs[VSW_MAX_IFACES];
        struct vsw_uplink_counters counters[VSW_MAX_WORKERS];
        struct vsw_uplink_pool_counters pool_counters[VSW_MAX_IFACES]; /* by pools[] slot */
        /* Its own IPv4 address (`set interface ip address`), which the
         * workers answer ARP and ICMP echo for (dataplane/dp_uplink_host.c).
         * vhostd stores host_plen, then host_ip (0: none). */
        _Atomic uint32_t host_ip; /* network byte order */
        _Atomic uint32_t host_plen;
        struct vsw_neighbor neighbors[VSW_NEIGH_MAX];
        /* `set ip neighbor-config ip4 age <s>`: how long an entry is
         * reachable after it was heard (0: VSW_NEIGH_REACHABLE_MS). */
        _Atomic uint32_t neigh_reachable_ms;
        /* `ip route add`: remote VTEPs beyond the address's subnet. */
        struct vsw_route_table routes;
};

/* VXLAN tunnels (RFC 7348, `create vxlan tunnel`): ports of a bridge
 * domain beyond the uplink's own address. sw_if_index from the interfaces'
 * numbering; config fields change under the l2_seq handshake like a bridge
 * port's (shared/vsw_bridge.h); counters per worker, written by it only. */
#define VSW_MAX_TUNNELS    16
#define VSW_VXLAN_UDP_PORT 4789
#define VSW_VXLAN_OVERHEAD 50 /* outer Ethernet 14, IPv4 20, UDP 8, VXLAN 8 */
#define VSW_VXLAN_VNI_MAX  0xffffffu
struct vsw_vxlan_counters {
        alignas(VSW_CACHE_LINE) uint64_t rx_packets; /* decapsulated into the bridge */
        uint64_t rx_bytes;                           /* inner frames' */
        uint64_t tx_packets;                         /* encapsulated onto the uplink */
        uint64_t tx_bytes;                           /* inner frames' */
        uint64_t drops[VSW_VXLAN_DROPS];             /* the encapsulation's, by reason */
};

struct vsw_vxlan_tunnel {
        uint32_t in_use;
        uint32_t sw_if_index;
        uint32_t instance; /* N in vxlan_tunnelN */
        uint32_t vni;
        uint32_t src_ip;    /* network byte order: the uplink's address */
        uint32_t dst_ip;    /* the remote VTEP */
        uint32_t bridge_id; /* VSW_NO_BRIDGE: not forwarded */
        uint32_t reserved;
        char name[VSW_NAME_LEN];
        struct vsw_vxlan_counters counters[VSW_MAX_WORKERS];
};

/* `pcap trace` (control/pcap/). VSW_PCAP_RX: frames an interface received
 * (taken off the guest's TX queue), VSW_PCAP_TX: frames it sent (put in
 * the guest's RX queue). */
#define VSW_PCAP_RX 1u
#define VSW_PCAP_TX 2u
struct vsw_pcap {
        /* Per interface slot, VSW_PCAP_* bits: written by vhostd, read by
         * the workers once per burst. */
        _Atomic uint8_t on[VSW_MAX_IFACES];
        /* Copies a worker could not make (pool empty) or enqueue (ring
         * full): written by that worker only, relaxed. */
        _Atomic uint64_t lost[VSW_MAX_WORKERS];
        /* The capture, written by vhostd: the generation writing the file
         * (0: none), what it asked for, and how far it got. */
        _Atomic uint32_t writer_generation;
        uint32_t dirs; /* VSW_PCAP_* */
        uint32_t any;  /* every interface, including ones created later */
        uint32_t max_packets;
        uint64_t written;
        uint64_t lost_base; /* sum of lost[] when it started */
        char intfc[VSW_NAME_LEN];
        char file[256];
        char status[160]; /* why the last capture ended, "" while none did */
};

struct vsw_state {
        uint64_t magic;
        uint32_t abi_version;
        uint32_t state_size; /* sizeof(struct vsw_state) */
        uint32_t iface_size;
        uint32_t vring_size;
        uint32_t max_ifaces;
        uint32_t max_vrings;

        _Atomic uint32_t vhostd_generation;
        _Atomic int32_t vhostd_pid;
        _Atomic uint32_t vhostd_handovers; /* graceful handovers completed (supervisor) */
        /* `restart control binary <path>`: the executable the supervisor
         * starts for the next generation ("" = its usual one). */
        char vhostd_next_binary[256];
        /* `vhost { max-guest-memory }`: the most guest memory, in bytes, one
         * interface's table may hold (the sum of its regions' sizes). */
        uint64_t max_guest_memory;
        /* `vhost { max-mem-slots }`: the regions one interface's table may
         * hold (GET_MAX_MEM_SLOTS answers it). */
        uint32_t max_mem_slots;
        /* Region fds the whole switch may hold (shared/fd_budget.h): each is
         * open in vhostd and in the vault. The supervisor sets it from its
         * open-file limit, vhostd lowers it to its own. */
        uint32_t mem_fd_budget;
        /* `vhost { rx-placement }`: how `set rx-placement rebalance` spreads
         * the queue pairs nobody pinned (enum vsw_rx_placement). */
        uint32_t rx_placement;
        /* `vhost { rx-mode, rx-mode-adaptive-idle }` (enum vsw_rx_mode, never
         * DEFAULT; microseconds): what rings with no mode of their own use,
         * and the uplink queues always. */
        uint32_t rx_mode_default;
        uint32_t rx_adaptive_idle_us;
        uint32_t nworkers;
        uint32_t next_sw_if_index;
        _Atomic uint8_t log_level[VSW_LOG_CLASS_MAX];
        /* Seqlock over the L2 config (bridges[] config fields, ifaces[]
         * bridge_id and vlan, interfaces joining or leaving): odd while vhostd
         * edits; workers re-read the config when it changes. */
        _Atomic uint32_t l2_seq;

        struct vsw_worker workers[VSW_MAX_WORKERS];
        struct vsw_iface ifaces[VSW_MAX_IFACES];
        struct vsw_bridge bridges[VSW_MAX_BRIDGES];
        struct vsw_uplink uplink;
        struct vsw_pcap pcap;
        struct vsw_vxlan_tunnel tunnels[VSW_MAX_TUNNELS];
};

/* The MTU frames from the guest are held to: the smaller of the front
 * end's and the administrator's, 0 when neither is set. */
static inline uint32_t vsw_iface_mtu(const struct vsw_iface *ifc)
{
        uint32_t fe = ifc->mtu, admin = ifc->mtu_admin;

        if (fe == 0 || (admin != 0 && admin < fe))
                return admin;
        return fe;
}

/* The interface's rings must stay stopped: a fault its front end caused is
 * still current (the same call fd, or the same memory table). Returns the
 * fault, or NULL. now_ns: CLOCK_MONOTONIC. */
static inline const struct vsw_iface_fault *vsw_iface_fault_current(const struct vsw_iface *ifc,
                                                                    uint64_t now_ns)
{
        const struct vsw_iface_fault *s = &ifc->stall, *m = &ifc->mem_fault;

        if (atomic_load_explicit(&s->kind, memory_order_acquire) == VSW_FAULT_CALL_STALL &&
            s->vring < VSW_MAX_VRINGS &&
            (ifc->vrings[s->vring].call_gen == s->call_gen || now_ns < s->hold_until_ns))
                return s;
        if (atomic_load_explicit(&m->kind, memory_order_acquire) != VSW_FAULT_NONE &&
            ifc->mem.generation == m->mem_gen)
                return m;
        return NULL;
}

/* Fills the header of a freshly reserved memzone (supervisor only). */
void vsw_state_init(struct vsw_state *st);

/* Returns 0 when st was laid out by this build, else -1 with a message in
 * err naming the mismatch (magic, ABI version or a size). */
int vsw_state_check(const struct vsw_state *st, char *err, unsigned errlen);

#endif
