/* The uplink port: EAL probes it (the devargs go on the primary's command
 * line), the supervisor configures and starts it and records in the
 * memzone what the workers and vhostd need: port id, the queues of each
 * worker, steering mode and why. Secondaries find the same port id (vdevs
 * are shared with them by EAL, a PCI device is allowed on their command
 * line too).
 *
 * Where the PMD offers VMDQ pools (an 82599 has 64), the startup
 * interfaces get one pool each (vmdq_plan.h): the NIC sorts frames by MAC
 * and VLAN into pools, each pool's queue polled by the worker that owns the
 * VM's first queue pair. Elsewhere, or when no plan fits, one RX and one TX
 * queue per worker and the workers steer in software. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "log.h"
#include "supervisor.h"
#include "uplink_mtu.h"
#include "vmdq_plan.h"
#include "vsw_bridge.h"

#define UPLINK_RX_DESC      512
#define UPLINK_TX_DESC      512
#define UPLINK_IDLE_RX_DESC 32 /* raised to the PMD's minimum if it has a higher one */

int uplink_is_pci(const struct vsw_config *cfg)
{
        return cfg->uplink[0] && strncmp(cfg->uplink, "net_", 4) != 0;
}

/* The pools the startup interfaces would get; 0 with the plan in *plan,
 * or -1 with the reason for software steering in up->mode_reason. */
static int plan_vmdq(const struct vsw_config *cfg, const struct rte_eth_dev_info *info,
                     struct vsw_uplink *up, struct vmdq_plan *plan)
{
        struct vmdq_vm vms[VMDQ_MAX_VMS];
        struct vmdq_caps caps;
        char err[120];
        unsigned n = cfg->nboot_ifaces;

        if (info->max_vmdq_pools == 0) {
                snprintf(up->mode_reason, sizeof(up->mode_reason),
                         "the PMD reports no VMDQ pools (max_vmdq_pools 0)");
                return -1;
        }
        if (n == 0) {
                snprintf(up->mode_reason, sizeof(up->mode_reason),
                         "the PMD reports %u VMDQ pools, but startup.conf has no interfaces to "
                         "give them to",
                         info->max_vmdq_pools);
                return -1;
        }
        memset(vms, 0, sizeof(vms));
        for (unsigned i = 0; i < n && i < VMDQ_MAX_VMS; i++) {
                const struct vsw_boot_iface *b = &cfg->boot_ifaces[i];

                vms[i].iface = i;
                if (b->hwaddr_set)
                        memcpy(vms[i].mac.addr_bytes, b->hwaddr, sizeof(b->hwaddr));
                vms[i].vlan = (uint16_t)b->vlan;
                /* Worker 0 polls every pool: frames for a VM whose queue pair
                 * went to another worker (rx_placement.h) cross to it. */
                vms[i].worker = 0;
        }
        vmdq_caps_from_dev_info(info, &caps);
        if (vmdq_plan_build(&caps, vms, n, plan, err, sizeof(err)) < 0) {
                snprintf(up->mode_reason, sizeof(up->mode_reason),
                         "the PMD reports %u VMDQ pools, but no VMDQ plan fits: %s",
                         info->max_vmdq_pools, err);
                return -1;
        }
        snprintf(up->mode_reason, sizeof(up->mode_reason),
                 "the PMD reports %u VMDQ pools: %u pools of %u queues (%s) for %u startup "
                 "interfaces",
                 info->max_vmdq_pools, plan->nb_pools, plan->queues_per_pool,
                 plan->layout == VMDQ_LAYOUT_INTERLEAVED ? "pool i on queue i" : "in blocks", n);
        return 0;
}

/* The workers are DPDK secondaries: a PMD whose queues work only in the
 * process that set them up would leave them polling nothing. DPDK 22.11's
 * net_af_packet maps its rings in the primary and gives a secondary no RX
 * or TX function. */
static int secondaries_do_io(const char *driver)
{
        return strcmp(driver, "net_af_packet") != 0;
}

static int find_port(const struct vsw_config *cfg, uint16_t *port)
{
        uint16_t p, n = 0;

        RTE_ETH_FOREACH_DEV(p)
        {
                if (n++ == 0)
                        *port = p;
        }
        if (n != 1) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "uplink %s: EAL probed %u ethdev ports, expected exactly one (is its "
                        "driver installed and the device free?)",
                        cfg->uplink, n);
                return -1;
        }
        return 0;
}

/* Whether RX queue q is one a worker polls: all of them with software
 * steering, the VMs' pool queues with VMDQ. */
static int polled(const struct vmdq_plan *plan, uint16_t q)
{
        if (!plan)
                return 1;
        for (unsigned i = 0; i < plan->nb_vms; i++)
                if (plan->vms[i].rx_queue_polled == q)
                        return 1;
        return 0;
}

static int setup_queues(uint16_t port, uint16_t nrxq, uint16_t ntxq, const struct vmdq_plan *plan,
                        struct rte_mempool *mp, const char *name)
{
        /* Queues nobody polls (the pools' other queues, pools with no VM)
         * must be set up all the same, with as few descriptors as the PMD
         * takes: an 82599's 128 queues of 512 would hold 64K mbufs. */
        uint16_t nrx = UPLINK_RX_DESC, ntx = UPLINK_TX_DESC, nidle = UPLINK_IDLE_RX_DESC;
        uint16_t ntx_idle = UPLINK_TX_DESC;
        struct rte_eth_dev_info info;
        struct rte_eth_rxconf rxconf;
        int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);

        if (rc == 0)
                rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nidle, &ntx_idle);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: descriptor counts: %s", name,
                        rte_strerror(-rc));
                return -1;
        }
        rc = rte_eth_dev_info_get(port, &info);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: device info: %s", name, rte_strerror(-rc));
                return -1;
        }
        /* A full queue drops its own frames rather than holding up the
         * port's: with VMDQ the NIC copies broadcasts to pools nobody polls
         * (igb always has 8), whose queues fill and stay full. */
        rxconf = info.default_rxconf;
        rxconf.rx_drop_en = 1;
        for (uint16_t q = 0; q < nrxq || q < ntxq; q++) {
                unsigned socket = (unsigned)rte_eth_dev_socket_id(port);

                rc = q < nrxq ? rte_eth_rx_queue_setup(port, q, polled(plan, q) ? nrx : nidle,
                                                       socket, &rxconf, mp)
                              : 0;
                if (rc == 0 && q < ntxq)
                        rc = rte_eth_tx_queue_setup(port, q, ntx, socket, NULL);
                if (rc < 0) {
                        VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: setting up queue %u: %s", name, q,
                                rte_strerror(-rc));
                        return -1;
                }
        }
        return 0;
}

/* Queues and the VMDQ pools (plan NULL: software steering) as the
 * memzone records them for the workers. */
static void record_queues(struct vsw_uplink *up, uint16_t nworkers, const struct vmdq_plan *plan)
{
        up->nworkers = nworkers;
        for (uint16_t w = 0; w < nworkers; w++) {
                up->txq_of_worker[w] = w;
                up->nrxq_of_worker[w] = plan ? 0 : 1;
                up->rxq_of_worker[w][0] = w;
        }
        for (unsigned i = 0; plan && i < plan->nb_vms; i++) {
                const struct vmdq_vm_slot *v = &plan->vms[i];
                uint16_t *n = &up->nrxq_of_worker[v->worker];

                up->pools[i].sw_if_index = i + 1;
                up->pools[i].pool_id = v->pool_id;
                up->pools[i].rx_queue = v->rx_queue_polled;
                up->pools[i].worker = (uint16_t)v->worker;
                up->pools[i].vlan = v->vlan;
                memcpy(up->pools[i].mac, v->mac.addr_bytes, sizeof(up->pools[i].mac));
                if (*n < VSW_UPLINK_MAX_RXQ)
                        up->rxq_of_worker[v->worker][(*n)++] = v->rx_queue_polled;
        }
}

#define RX_L4_CKSUM (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)
#define TX_CKSUM                                                                                   \
        (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |                            \
         RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

/* The PMD's checksum and TSO offloads, for guests' frames that ask for
 * them (dataplane/dp_offload.c hands such frames over as they are instead
 * of completing them in software). TSO only with the checksums (DPDK's
 * TSO implies the TCP checksum, and an IPv4 header's). The PMD's multi-
 * segment TX is needed for a 64 KiB frame in a chain of mbufs. */
static void tx_offloads(struct vsw_uplink *up, const struct rte_eth_dev_info *info,
                        struct rte_eth_conf *conf)
{
        const uint64_t capa = info->tx_offload_capa;

        up->tx_csum_hw = up->tx_tso_hw = 0;

        if ((capa & TX_CKSUM) != TX_CKSUM || !(capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
                return;
        conf->txmode.offloads |= TX_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
        up->tx_csum_hw = 1;
        if (capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) {
                conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
                up->tx_tso_hw = 1;
        }
}

/* The largest segment (headers included) the PMD's TSO takes. A NIC cuts
 * at the MSS it is given, whatever its MTU; net_tap's TSO (rte_gso in the
 * PMD) refuses a frame whose segments, Ethernet header included, exceed
 * its MTU, and stops its TX burst there: such frames are the switch's to
 * segment. */
static void tso_limit(struct vsw_uplink *up)
{
        uint16_t mtu;
        int rc;

        up->tso_max_frame = UINT16_MAX;
        if (!up->tx_tso_hw || strcmp(up->driver, "net_tap") != 0)
                return;
        rc = rte_eth_dev_get_mtu(up->port_id, &mtu);
        if (rc < 0) {
                VSW_WARN(VSW_LOG_SUPERVISOR, "uplink %s: its MTU: %s; TSO left to the switch",
                         up->name, rte_strerror(-rc));
                up->tx_tso_hw = 0;
                return;
        }
        up->tso_max_frame = mtu;
}

static int configure(struct vsw_uplink *up, uint16_t nworkers, uint32_t mtu,
                     const struct rte_eth_dev_info *info, const struct vmdq_plan *plan,
                     struct rte_mempool *mp)
{
        uint16_t nrxq = plan ? plan->nb_rx_queues : nworkers;
        uint16_t ntxq = plan && plan->nb_tx_queues > nworkers ? plan->nb_tx_queues : nworkers;
        struct rte_eth_conf conf;
        char err[200];
        int rc;

        memset(&conf, 0, sizeof(conf));
        if (plan)
                vmdq_plan_eth_conf(plan, &conf);
        /* vm2vm 2, as vhost-switch: the NIC's switch loops VM-to-VM frames
         * back into the destination's pool. */
        if (plan && up->vm2vm == 2)
                conf.rx_adv_conf.vmdq_rx_conf.enable_loop_back = 1;
        if (up->vlan_strip && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)) {
                conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
                up->vlan_strip_hw = 1;
        }
        /* The NIC's verdict on TCP/UDP checksums: a good one becomes
         * DATA_VALID for guests with GUEST_CSUM (dataplane/ring/
         * virtio_net_hdr.c), which then skip checking it. */
        if ((info->rx_offload_capa & RX_L4_CKSUM) == RX_L4_CKSUM) {
                conf.rxmode.offloads |= RX_L4_CKSUM;
                up->rx_csum_hw = 1;
        }
        tx_offloads(up, info, &conf);
        if (uplink_mtu_plan(up, mtu, info, rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM,
                            &conf) < 0)
                return -1;
        rc = rte_eth_dev_configure(up->port_id, nrxq, ntxq, &conf);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: configuring %u RX and %u TX queues: %s",
                        up->name, nrxq, ntxq, rte_strerror(-rc));
                return -1;
        }
        if (setup_queues(up->port_id, nrxq, ntxq, plan, mp, up->name) < 0)
                return -1;
        if (plan && vmdq_plan_apply(up->port_id, plan, err, sizeof(err)) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: applying the VMDQ plan: %s", up->name, err);
                return -1;
        }
        /* Frames for the VMs' MACs, not the port's, must come in (with
         * VMDQ the pools' MAC filters decide instead). */
        rc = plan ? 0 : rte_eth_promiscuous_enable(up->port_id);
        if (rc < 0)
                VSW_WARN(VSW_LOG_SUPERVISOR,
                         "uplink %s: promiscuous mode: %s; only frames to its own MAC come in",
                         up->name, rte_strerror(-rc));
        rc = rte_eth_dev_start(up->port_id);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: start: %s", up->name, rte_strerror(-rc));
                return -1;
        }
        record_queues(up, nworkers, plan);
        uplink_mtu_record(up);
        tso_limit(up);
        return 0;
}

static int join_bridge(struct vsw_state *st, struct vsw_uplink *up, uint32_t bd)
{
        char err[256];
        struct vsw_bridge *b;

        vsw_l2_edit_begin(st);
        b = vsw_bridge_add(st, bd, err, sizeof(err));
        if (b)
                up->bridge_id = bd;
        vsw_l2_edit_end(st);
        if (!b)
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: bridge domain %u: %s", up->name, bd, err);
        return b ? 0 : -1;
}

int uplink_setup(struct supervisor *sv, struct rte_mempool *mp)
{
        static struct vmdq_plan plan; /* large: not on the stack */
        const struct vsw_config *cfg = &sv->cfg;
        struct vsw_uplink *up = &sv->st->uplink;
        struct rte_eth_dev_info info;
        struct rte_ether_addr mac;
        uint16_t port, nq = (uint16_t)cfg->nworkers;
        int rc;

        up->mode = VSW_UPLINK_NONE;
        up->bridge_id = VSW_NO_BRIDGE;
        if (!cfg->uplink[0])
                return 0;
        if (nq == 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "uplink %s: no workers to poll it (cpu "
                        "corelist-workers is empty)",
                        cfg->uplink);
                return -1;
        }
        if (find_port(cfg, &port) < 0)
                return -1;
        rc = rte_eth_dev_info_get(port, &info);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: device info: %s", cfg->uplink,
                        rte_strerror(-rc));
                return -1;
        }
        up->port_id = port;
        up->vm2vm = cfg->vm2vm;
        up->vlan_strip = cfg->vlan_strip;
        up->max_vmdq_pools = info.max_vmdq_pools;
        up->max_rx_queues = info.max_rx_queues;
        up->max_tx_queues = info.max_tx_queues;
        snprintf(up->devargs, sizeof(up->devargs), "%s", cfg->uplink);
        snprintf(up->driver, sizeof(up->driver), "%s", info.driver_name);
        if (rte_eth_dev_get_name_by_port(port, up->name) != 0)
                snprintf(up->name, sizeof(up->name), "port%u", port);
        if (!secondaries_do_io(up->driver)) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "uplink %s: PMD %s does no I/O in a DPDK secondary process, and the "
                        "workers are secondaries; for a kernel interface use "
                        "net_pcap0,iface=<name> (or net_tap)",
                        up->name, up->driver);
                return -1;
        }
        if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "uplink %s: %u workers need %u RX and TX queues, the PMD offers %u RX "
                        "and %u TX",
                        up->name, nq, nq, info.max_rx_queues, info.max_tx_queues);
                return -1;
        }
        up->mode = plan_vmdq(cfg, &info, up, &plan) == 0 ? VSW_UPLINK_VMDQ : VSW_UPLINK_SOFTWARE;
        if (up->mode == VSW_UPLINK_SOFTWARE && up->vm2vm == 2)
                VSW_WARN(VSW_LOG_SUPERVISOR,
                         "uplink %s: vm2vm 2 loops VM-to-VM frames through the NIC's switch, "
                         "which software steering does not use: it behaves as vm2vm 0",
                         up->name);
        up->nic_loopback = up->mode == VSW_UPLINK_VMDQ && vmdq_pmd_loops_back(up->driver);
        if (up->mode == VSW_UPLINK_VMDQ && up->vm2vm == 2 && !up->nic_loopback)
                VSW_WARN(VSW_LOG_SUPERVISOR,
                         "uplink %s: vm2vm 2 loops VM-to-VM frames through the NIC's switch, "
                         "which PMD %s does not turn on: it behaves as vm2vm 0",
                         up->name, up->driver);
        if (configure(up, nq, cfg->uplink_mtu, &info, up->mode == VSW_UPLINK_VMDQ ? &plan : NULL,
                      mp) < 0)
                return -1;
        if (rte_eth_macaddr_get(port, &mac) == 0)
                memcpy(up->mac, mac.addr_bytes, sizeof(up->mac));
        if (join_bridge(sv->st, up, cfg->uplink_bridge) < 0)
                return -1;
        VSW_NOTICE(VSW_LOG_SUPERVISOR,
                   "uplink %s (driver %s, port %u): %u workers with a TX queue each, bridge "
                   "domain %u, %s steering (%s), vm2vm %u, vlan-strip %s%s; TX checksums by "
                   "the %s, TSO by the %s (segments up to %u bytes), RX checksums %s, mtu %u (%s)",
                   up->name, up->driver, port, nq, up->bridge_id,
                   up->mode == VSW_UPLINK_VMDQ ? "VMDQ" : "software", up->mode_reason, up->vm2vm,
                   up->vlan_strip ? "on" : "off",
                   up->vlan_strip && !up->vlan_strip_hw ? " (the PMD cannot: done in software)"
                                                        : "",
                   up->tx_csum_hw ? "PMD" : "switch", up->tx_tso_hw ? "PMD (TCP/IPv4)" : "switch",
                   up->tso_max_frame, up->rx_csum_hw ? "checked by the PMD" : "not checked",
                   up->mtu, up->mtu_reason);
        return 0;
}

void uplink_teardown(struct supervisor *sv)
{
        struct vsw_uplink *up = sv->st ? &sv->st->uplink : NULL;
        int rc;

        if (!up || up->mode == VSW_UPLINK_NONE)
                return;
        rc = rte_eth_dev_stop(up->port_id);
        if (rc < 0)
                VSW_WARN(VSW_LOG_SUPERVISOR, "uplink %s: stop: %s", up->name, rte_strerror(-rc));
        rc = rte_eth_dev_close(up->port_id);
        if (rc < 0)
                VSW_WARN(VSW_LOG_SUPERVISOR, "uplink %s: close: %s", up->name, rte_strerror(-rc));
        up->mode = VSW_UPLINK_NONE;
}
