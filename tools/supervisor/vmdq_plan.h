/* The VMDQ layout of an uplink port: one pool per VM interface, the VM's MAC
 * (and VLAN) steering frames to its pool, each pool's queue polled by the
 * worker that owns the VM. vmdq_plan_build is pure: it works from the
 * capabilities the PMD reports (rte_eth_dev_info), so the layout an Intel
 * 82599 would get can be checked without one. vmdq_plan_eth_conf and
 * vmdq_plan_apply turn a plan into DPDK calls. */
#ifndef VSW_VMDQ_PLAN_H
#define VSW_VMDQ_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>

#include "vsw_state.h"

/* The largest VMDQ configuration DPDK can express (RTE_ETH_64_POOLS): at
 * most one VM per pool. */
#define VMDQ_MAX_POOLS 64
#define VMDQ_MAX_VMS   VMDQ_MAX_POOLS
#define VMDQ_MAX_VLAN  4095

/* Which RX queues a pool owns: rte_eth_dev_info says how many queues the
 * pools share and from where, not how they are shared out, so the rule is
 * the PMD's (read by driver name):
 * - ixgbe (82599, X5xx) and i40e: in blocks, pool i owns queues
 *   vmdq_queue_base + i * qpp .. + qpp - 1 (qpp = vmdq_queue_num /
 *   max_vmdq_pools, fixed by the PMD whatever pool count is configured;
 *   the rule DPDK's examples/vmdq follows); without RSS the NIC fills the
 *   first.
 * - igb (82576, 82580, i350): interleaved, pool i owns queue
 *   vmdq_queue_base + i and, on an 82576, i + 8; frames land on the first.
 * Any other PMD: unknown, so no VMDQ (software steering). */
enum vmdq_layout {
        VMDQ_LAYOUT_UNKNOWN,
        VMDQ_LAYOUT_BLOCKS,      /* ixgbe, i40e */
        VMDQ_LAYOUT_INTERLEAVED, /* igb */
};

/* What the port reports in rte_eth_dev_info. An 82599 under the ixgbe PMD
 * reports 64 pools, 128 VMDQ queues from queue 0, pools from 0, 128 MAC
 * (RAR) entries, 128 RX queues; an 82576 under igb 8 pools, 16 queues from
 * 0, 24 MAC entries, 16 RX and TX queues. */
struct vmdq_caps {
        char driver[32];         /* driver_name, as reported */
        enum vmdq_layout layout; /* from the driver name */
        uint16_t max_vmdq_pools; /* 0: no VMDQ, software steering */
        uint16_t vmdq_queue_num; /* queues shared out among max_vmdq_pools */
        uint16_t vmdq_queue_base;
        uint16_t vmdq_pool_base;
        uint16_t max_rx_queues;
        uint16_t max_tx_queues;
        uint32_t max_mac_addrs; /* unicast filter entries; entry 0 is the port's own */
        uint64_t rx_offload_capa;
};

/* The layout of a PMD's pools by its driver_name (VMDQ_LAYOUT_UNKNOWN for
 * any PMD not listed above). */
enum vmdq_layout vmdq_layout_of(const char *driver);

/* Whether the PMD turns the NIC's VM-to-VM loopback on when
 * vmdq_rx_conf.enable_loop_back asks (vm2vm 2): ixgbe does (PFDTXGSWC);
 * igb's VMDq setup ignores it (DTXSWC stays 0), others are not known. */
int vmdq_pmd_loops_back(const char *driver);

void vmdq_caps_from_dev_info(const struct rte_eth_dev_info *info, struct vmdq_caps *caps);

/* One VM interface that wants a pool. */
struct vmdq_vm {
        uint32_t iface;            /* index in vsw_state.ifaces */
        struct rte_ether_addr mac; /* all zero: not known yet (learned later) */
        uint16_t vlan;             /* 0: untagged */
        uint32_t worker;           /* the worker that owns the interface */
};

/* Where one VM's frames land. */
struct vmdq_vm_slot {
        uint32_t iface;
        uint16_t pool;             /* 0..nb_pools-1: the bit in vlan_map pools */
        uint16_t pool_id;          /* vmdq_pool_base + pool: for rte_eth_dev_mac_addr_add */
        uint16_t rx_queue_first;   /* absolute port queue id of the pool's first queue */
        uint16_t rx_queue_count;   /* queues the pool owns (all must be set up) */
        uint16_t rx_queue_step;    /* from one of the pool's queues to its next */
        uint16_t rx_queue_polled;  /* without RSS the NIC fills only the first */
        struct rte_ether_addr mac; /* all zero: not known yet */
        uint16_t vlan;
        uint32_t worker;
};

/* One unicast MAC filter entry (82599: one RAR register). */
struct vmdq_mac_entry {
        struct rte_ether_addr mac;
        uint32_t mac_index; /* the entry ethdev fills on a freshly configured port */
        uint16_t pool_id;
        uint32_t iface;
};

/* One VLAN filter (82599: one VLVF entry) and the pools it admits, as
 * rte_eth_vmdq_rx_conf.pool_map holds it. */
struct vmdq_vlan_map {
        uint16_t vlan_id;
        uint64_t pools; /* bit n: pool n of the plan */
};

struct vmdq_worker_queues {
        uint16_t nb_rx_queues;
        uint16_t rx_queues[VMDQ_MAX_POOLS]; /* absolute port queue ids it polls */
        uint16_t tx_queue;                  /* its own TX queue: no locks between workers */
};

struct vmdq_plan {
        uint16_t nb_pools; /* 8, 16, 32 or 64 (enum rte_eth_nb_pools) */
        uint16_t queues_per_pool;
        enum vmdq_layout layout;
        uint16_t nb_rx_queues; /* for rte_eth_dev_configure: the PF's queues and the pools' */
        uint16_t nb_tx_queues;
        unsigned nb_vms;
        struct vmdq_vm_slot vms[VMDQ_MAX_VMS]; /* in the order given to vmdq_plan_build */
        unsigned nb_macs;
        struct vmdq_mac_entry macs[VMDQ_MAX_VMS];
        unsigned nb_vlan_maps;
        struct vmdq_vlan_map vlan_map[RTE_ETH_VMDQ_MAX_VLAN_FILTERS];
        uint32_t rx_mode;    /* RTE_ETH_VMDQ_ACCEPT_* for every pool */
        unsigned nb_workers; /* highest owning worker + 1 */
        struct vmdq_worker_queues workers[VSW_MAX_WORKERS];
};

/* Builds the plan for nvms VMs on a port with caps: the smallest pool count
 * the port offers that holds them all, pool i for vms[i]. Returns 0, or -1
 * with one line in err naming the VM and the limit it broke. */
int vmdq_plan_build(const struct vmdq_caps *caps, const struct vmdq_vm *vms, unsigned nvms,
                    struct vmdq_plan *out, char *err, size_t errlen);

/* Writes the plan's part of a port configuration: rxmode.mq_mode (VMDQ
 * only), txmode.mq_mode, rx_adv_conf.vmdq_rx_conf, and the VLAN filter
 * offload when a VM is tagged. Other fields are the caller's. */
void vmdq_plan_eth_conf(const struct vmdq_plan *plan, struct rte_eth_conf *conf);

/* Adds each known MAC to its pool and each VLAN to the port's filter. Call
 * after rte_eth_dev_configure with vmdq_plan_eth_conf's fields; ethdev and
 * ixgbe keep the entries and restore them at each rte_eth_dev_start.
 * Returns 0, or a negative errno with one line in err. */
int vmdq_plan_apply(uint16_t port, const struct vmdq_plan *plan, char *err, size_t errlen);

#endif
