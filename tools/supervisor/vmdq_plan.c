/* Builds and applies the VMDQ layout of an uplink port (see vmdq_plan.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#include "vmdq_plan.h"

/* The pool counts rte_eth_vmdq_rx_conf can ask for (enum rte_eth_nb_pools). */
static const uint16_t pool_choices[] = {RTE_ETH_8_POOLS, RTE_ETH_16_POOLS, RTE_ETH_32_POOLS,
                                        RTE_ETH_64_POOLS};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

enum vmdq_layout vmdq_layout_of(const char *driver)
{
        static const struct {
                const char *driver;
                enum vmdq_layout layout;
        } known[] = {
            {"net_ixgbe", VMDQ_LAYOUT_BLOCKS},
            {"net_i40e", VMDQ_LAYOUT_BLOCKS},
            {"net_e1000_igb", VMDQ_LAYOUT_INTERLEAVED},
        };

        for (unsigned i = 0; i < RTE_DIM(known); i++)
                if (strcmp(driver, known[i].driver) == 0)
                        return known[i].layout;
        return VMDQ_LAYOUT_UNKNOWN;
}

int vmdq_pmd_loops_back(const char *driver)
{
        return strcmp(driver, "net_ixgbe") == 0;
}

void vmdq_caps_from_dev_info(const struct rte_eth_dev_info *info, struct vmdq_caps *caps)
{
        memset(caps, 0, sizeof(*caps));
        snprintf(caps->driver, sizeof(caps->driver), "%s",
                 info->driver_name ? info->driver_name : "");
        caps->layout = vmdq_layout_of(caps->driver);
        caps->max_vmdq_pools = info->max_vmdq_pools;
        caps->vmdq_queue_num = info->vmdq_queue_num;
        caps->vmdq_queue_base = info->vmdq_queue_base;
        caps->vmdq_pool_base = info->vmdq_pool_base;
        caps->max_rx_queues = info->max_rx_queues;
        caps->max_tx_queues = info->max_tx_queues;
        caps->max_mac_addrs = info->max_mac_addrs;
        caps->rx_offload_capa = info->rx_offload_capa;
}

static int pick_pools(const struct vmdq_caps *caps, unsigned nvms, const struct vmdq_vm *vms,
                      struct vmdq_plan *out, char *err, size_t errlen)
{
        if (caps->max_vmdq_pools < RTE_ETH_8_POOLS)
                return fail(err, errlen,
                            "no VMDQ: software steering (port reports %u VMDQ pools, fewer "
                            "than the %u DPDK can configure)",
                            caps->max_vmdq_pools, RTE_ETH_8_POOLS);
        if (caps->layout == VMDQ_LAYOUT_UNKNOWN)
                return fail(err, errlen,
                            "no VMDQ: software steering (PMD %s reports %u VMDQ pools, but which "
                            "queues a pool owns is known for ixgbe, i40e and igb only)",
                            caps->driver[0] ? caps->driver : "(unnamed)", caps->max_vmdq_pools);
        if (caps->vmdq_queue_num < caps->max_vmdq_pools)
                return fail(err, errlen,
                            "no VMDQ: software steering (port reports %u VMDQ queues for %u "
                            "pools)",
                            caps->vmdq_queue_num, caps->max_vmdq_pools);
        for (unsigned i = 0; i < RTE_DIM(pool_choices); i++) {
                if (pool_choices[i] > caps->max_vmdq_pools)
                        break;
                if (pool_choices[i] >= nvms) {
                        out->nb_pools = pool_choices[i];
                        break;
                }
        }
        if (out->nb_pools == 0) {
                unsigned most = 0;

                for (unsigned i = 0; i < RTE_DIM(pool_choices); i++)
                        if (pool_choices[i] <= caps->max_vmdq_pools)
                                most = pool_choices[i];
                return fail(err, errlen,
                            "VM interface %u has no VMDQ pool: %u VMs, the port offers at most "
                            "%u pools (one per VM)",
                            vms[most].iface, nvms, most);
        }
        /* The PMD's pool layout is fixed (the 82599 in VMDQ-only mode always
         * gives each of its 64 pools 2 queues), whatever count is configured. */
        out->queues_per_pool = caps->vmdq_queue_num / caps->max_vmdq_pools;
        out->layout = caps->layout;
        out->nb_rx_queues = caps->vmdq_queue_base + out->nb_pools * out->queues_per_pool;
        if (out->nb_rx_queues > caps->max_rx_queues)
                return fail(err, errlen, "VMDQ needs %u RX queues for %u pools, the port has %u",
                            out->nb_rx_queues, out->nb_pools, caps->max_rx_queues);
        return 0;
}

static int check_vm(const struct vmdq_caps *caps, const struct vmdq_vm *vms, unsigned i, char *err,
                    size_t errlen)
{
        const struct vmdq_vm *vm = &vms[i];

        if (vm->vlan > VMDQ_MAX_VLAN)
                return fail(err, errlen, "VM interface %u: VLAN %u out of range (0-%u)", vm->iface,
                            vm->vlan, VMDQ_MAX_VLAN);
        if (vm->vlan != 0 && !(caps->rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_FILTER))
                return fail(err, errlen,
                            "VM interface %u: VLAN %u, but the port cannot filter VLANs", vm->iface,
                            vm->vlan);
        if (vm->worker >= VSW_MAX_WORKERS)
                return fail(err, errlen, "VM interface %u is on no worker (worker %u, limit %u)",
                            vm->iface, vm->worker, VSW_MAX_WORKERS);
        if (!rte_is_zero_ether_addr(&vm->mac) && !rte_is_unicast_ether_addr(&vm->mac))
                return fail(err, errlen,
                            "VM interface %u: MAC " RTE_ETHER_ADDR_PRT_FMT
                            " is not unicast, it cannot select a pool",
                            vm->iface, RTE_ETHER_ADDR_BYTES(&vm->mac));
        for (unsigned j = 0; j < i; j++) {
                if (vms[j].iface == vm->iface)
                        return fail(err, errlen, "VM interface %u is listed twice", vm->iface);
                if (!rte_is_zero_ether_addr(&vm->mac) &&
                    rte_is_same_ether_addr(&vms[j].mac, &vm->mac))
                        return fail(err, errlen,
                                    "VM interface %u: MAC " RTE_ETHER_ADDR_PRT_FMT
                                    " is already interface %u's; a MAC selects one pool",
                                    vm->iface, RTE_ETHER_ADDR_BYTES(&vm->mac), vms[j].iface);
        }
        return 0;
}

static int add_mac(const struct vmdq_caps *caps, const struct vmdq_vm_slot *slot,
                   const struct rte_ether_addr *mac, struct vmdq_plan *out, char *err,
                   size_t errlen)
{
        /* Entry 0 holds the port's own address; ethdev fills the lowest free
         * entry, so on a freshly configured port the n-th VM MAC lands in n. */
        uint32_t usable = caps->max_mac_addrs > 0 ? caps->max_mac_addrs - 1 : 0;
        struct vmdq_mac_entry *e;

        if (out->nb_macs >= usable)
                return fail(err, errlen,
                            "VM interface %u: MAC filter table full (%u entries, entry 0 is the "
                            "port's own address)",
                            slot->iface, caps->max_mac_addrs);
        e = &out->macs[out->nb_macs];
        e->mac = *mac;
        e->mac_index = out->nb_macs + 1;
        e->pool_id = slot->pool_id;
        e->iface = slot->iface;
        out->nb_macs++;
        return 0;
}

static int add_vlan(const struct vmdq_vm_slot *slot, struct vmdq_plan *out, char *err,
                    size_t errlen)
{
        struct vmdq_vlan_map *m = NULL;

        for (unsigned i = 0; i < out->nb_vlan_maps; i++)
                if (out->vlan_map[i].vlan_id == slot->vlan)
                        m = &out->vlan_map[i];
        if (m == NULL) {
                if (out->nb_vlan_maps >= RTE_ETH_VMDQ_MAX_VLAN_FILTERS)
                        return fail(err, errlen,
                                    "VM interface %u: VLAN %u would be VLAN filter %u, the port "
                                    "has %u",
                                    slot->iface, slot->vlan, out->nb_vlan_maps + 1,
                                    RTE_ETH_VMDQ_MAX_VLAN_FILTERS);
                m = &out->vlan_map[out->nb_vlan_maps++];
                m->vlan_id = slot->vlan;
                m->pools = 0;
        }
        m->pools |= UINT64_C(1) << slot->pool;
        /* ixgbe programs one 32-pool half of a filter's pool mask (VLVFB), so a
         * VLAN whose pools straddle pool 32 would lose the lower half. */
        if ((m->pools & UINT32_MAX) != 0 && (m->pools >> 32) != 0)
                return fail(err, errlen,
                            "VM interface %u: VLAN %u would span pools below and above 32, which "
                            "one VLAN filter cannot hold",
                            slot->iface, slot->vlan);
        return 0;
}

/* The pool's queues by the PMD's rule (enum vmdq_layout). */
static void place_queues(const struct vmdq_caps *caps, const struct vmdq_plan *plan,
                         struct vmdq_vm_slot *slot)
{
        if (plan->layout == VMDQ_LAYOUT_INTERLEAVED) {
                slot->rx_queue_first = (uint16_t)(caps->vmdq_queue_base + slot->pool);
                slot->rx_queue_step = plan->nb_pools;
        } else {
                slot->rx_queue_first =
                    (uint16_t)(caps->vmdq_queue_base + slot->pool * plan->queues_per_pool);
                slot->rx_queue_step = 1;
        }
        slot->rx_queue_count = plan->queues_per_pool;
        slot->rx_queue_polled = slot->rx_queue_first;
}

static void add_to_worker(const struct vmdq_vm_slot *slot, struct vmdq_plan *out)
{
        struct vmdq_worker_queues *w = &out->workers[slot->worker];

        w->rx_queues[w->nb_rx_queues++] = slot->rx_queue_polled;
        if (slot->worker + 1 > out->nb_workers)
                out->nb_workers = slot->worker + 1;
}

int vmdq_plan_build(const struct vmdq_caps *caps, const struct vmdq_vm *vms, unsigned nvms,
                    struct vmdq_plan *out, char *err, size_t errlen)
{
        int any_untagged = 0;

        memset(out, 0, sizeof(*out));
        if (pick_pools(caps, nvms, vms, out, err, errlen) < 0)
                return -1;
        for (unsigned i = 0; i < nvms; i++) {
                struct vmdq_vm_slot *slot = &out->vms[i];

                if (check_vm(caps, vms, i, err, errlen) < 0)
                        return -1;
                slot->iface = vms[i].iface;
                slot->pool = (uint16_t)i;
                slot->pool_id = (uint16_t)(caps->vmdq_pool_base + i);
                place_queues(caps, out, slot);
                slot->mac = vms[i].mac;
                slot->vlan = vms[i].vlan;
                slot->worker = vms[i].worker;
                if (!rte_is_zero_ether_addr(&vms[i].mac) &&
                    add_mac(caps, slot, &vms[i].mac, out, err, errlen) < 0)
                        return -1;
                if (slot->vlan != 0 && add_vlan(slot, out, err, errlen) < 0)
                        return -1;
                if (slot->vlan == 0)
                        any_untagged = 1;
                add_to_worker(slot, out);
        }
        out->nb_vms = nvms;
        /* Broadcast and multicast reach every pool as they reach every port of
         * a bridge (ARP, IPv6 neighbour discovery); untagged frames only when
         * some VM is untagged. */
        out->rx_mode = RTE_ETH_VMDQ_ACCEPT_BROADCAST | RTE_ETH_VMDQ_ACCEPT_MULTICAST;
        if (any_untagged)
                out->rx_mode |= RTE_ETH_VMDQ_ACCEPT_UNTAG;
        for (unsigned w = 0; w < out->nb_workers; w++)
                out->workers[w].tx_queue = (uint16_t)w;
        out->nb_tx_queues = (uint16_t)(out->nb_workers > 0 ? out->nb_workers : 1);
        if (out->nb_tx_queues > caps->max_tx_queues)
                return fail(err, errlen, "%u workers need a TX queue each, the port has %u",
                            out->nb_tx_queues, caps->max_tx_queues);
        return 0;
}

void vmdq_plan_eth_conf(const struct vmdq_plan *plan, struct rte_eth_conf *conf)
{
        struct rte_eth_vmdq_rx_conf *vc = &conf->rx_adv_conf.vmdq_rx_conf;

        conf->rxmode.mq_mode = RTE_ETH_MQ_RX_VMDQ_ONLY;
        conf->txmode.mq_mode = RTE_ETH_MQ_TX_NONE;
        memset(vc, 0, sizeof(*vc));
        vc->nb_queue_pools = (enum rte_eth_nb_pools)plan->nb_pools;
        /* A frame for no VM's MAC goes nowhere (ixgbe). igb cannot turn the
         * default pool off: such frames come in on pool 0's queue, and the
         * worker polling it drops those not for pool 0's VM (dp_uplink_rx.c). */
        vc->enable_default_pool = 0;
        vc->default_pool = 0;
        vc->enable_loop_back = 0;
        vc->rx_mode = plan->rx_mode;
        vc->nb_pool_maps = (uint8_t)plan->nb_vlan_maps;
        for (unsigned i = 0; i < plan->nb_vlan_maps; i++) {
                vc->pool_map[i].vlan_id = plan->vlan_map[i].vlan_id;
                vc->pool_map[i].pools = plan->vlan_map[i].pools;
        }
        if (plan->nb_vlan_maps > 0)
                conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
}

/* Not run by the unit tests (no port there): they check vmdq_plan_build and
 * vmdq_plan_eth_conf for each PMD's reported geometry. */
int vmdq_plan_apply(uint16_t port, const struct vmdq_plan *plan, char *err, size_t errlen)
{
        int ret;

        for (unsigned i = 0; i < plan->nb_macs; i++) {
                const struct vmdq_mac_entry *e = &plan->macs[i];
                struct rte_ether_addr mac = e->mac;

                ret = rte_eth_dev_mac_addr_add(port, &mac, e->pool_id);
                if (ret < 0) {
                        fail(err, errlen,
                             "port %u: adding MAC " RTE_ETHER_ADDR_PRT_FMT
                             " of VM interface %u to pool %u: %s",
                             port, RTE_ETHER_ADDR_BYTES(&mac), e->iface, e->pool_id,
                             rte_strerror(-ret));
                        return ret;
                }
        }
        for (unsigned i = 0; i < plan->nb_vlan_maps; i++) {
                ret = rte_eth_dev_vlan_filter(port, plan->vlan_map[i].vlan_id, 1);
                if (ret < 0) {
                        fail(err, errlen, "port %u: enabling VLAN filter %u: %s", port,
                             plan->vlan_map[i].vlan_id, rte_strerror(-ret));
                        return ret;
                }
        }
        return 0;
}
