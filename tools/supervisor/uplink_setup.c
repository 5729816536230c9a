/* The uplink port: EAL probes it (the devargs go on the primary's command
 * line), the supervisor configures one RX and one TX queue per worker,
 * starts it and records in the memzone what the workers and vhostd need:
 * port id, queue of each worker, steering mode and why. Secondaries find
 * the same port id (vdevs are shared with them by EAL, a PCI device is
 * allowed on their command line too). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "log.h"
#include "supervisor.h"
#include "vsw_bridge.h"

#define UPLINK_RX_DESC 512
#define UPLINK_TX_DESC 512

int uplink_is_pci(const struct vsw_config *cfg)
{
        return cfg->uplink[0] && strncmp(cfg->uplink, "net_", 4) != 0;
}

/* Software steering runs on any PMD; VMDQ needs pools from the NIC. */
static void choose_mode(struct vsw_uplink *up, const struct rte_eth_dev_info *info)
{
        up->mode = VSW_UPLINK_SOFTWARE;
        if (info->max_vmdq_pools == 0)
                snprintf(up->mode_reason, sizeof(up->mode_reason),
                         "the PMD reports no VMDQ pools (max_vmdq_pools 0)");
        else
                snprintf(up->mode_reason, sizeof(up->mode_reason),
                         "the PMD reports %u VMDQ pools, but VMDQ pool steering is not built yet",
                         info->max_vmdq_pools);
        if (up->vm2vm == 2)
                VSW_WARN(VSW_LOG_SUPERVISOR,
                         "uplink %s: vm2vm 2 loops VM-to-VM frames through the NIC's switch, "
                         "which software steering does not use: it behaves as vm2vm 0",
                         up->name);
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

static int setup_queues(uint16_t port, uint16_t nq, struct rte_mempool *mp, const char *name)
{
        uint16_t nrx = UPLINK_RX_DESC, ntx = UPLINK_TX_DESC;
        int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);

        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: descriptor counts: %s", name,
                        rte_strerror(-rc));
                return -1;
        }
        for (uint16_t q = 0; q < nq; q++) {
                rc = rte_eth_rx_queue_setup(port, q, nrx, (unsigned)rte_eth_dev_socket_id(port),
                                            NULL, mp);
                if (rc == 0)
                        rc = rte_eth_tx_queue_setup(port, q, ntx,
                                                    (unsigned)rte_eth_dev_socket_id(port), NULL);
                if (rc < 0) {
                        VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: setting up queue %u: %s", name, q,
                                rte_strerror(-rc));
                        return -1;
                }
        }
        return 0;
}

static int configure(struct vsw_uplink *up, uint16_t nq, const struct rte_eth_dev_info *info,
                     struct rte_mempool *mp)
{
        struct rte_eth_conf conf;
        int rc;

        memset(&conf, 0, sizeof(conf));
        if (up->vlan_strip && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)) {
                conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
                up->vlan_strip_hw = 1;
        }
        rc = rte_eth_dev_configure(up->port_id, nq, nq, &conf);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: configuring %u RX and TX queues: %s",
                        up->name, nq, rte_strerror(-rc));
                return -1;
        }
        if (setup_queues(up->port_id, nq, mp, up->name) < 0)
                return -1;
        /* Frames for the VMs' MACs, not the port's, must come in. */
        rc = rte_eth_promiscuous_enable(up->port_id);
        if (rc < 0)
                VSW_WARN(VSW_LOG_SUPERVISOR,
                         "uplink %s: promiscuous mode: %s; only frames to its own MAC come in",
                         up->name, rte_strerror(-rc));
        rc = rte_eth_dev_start(up->port_id);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "uplink %s: start: %s", up->name, rte_strerror(-rc));
                return -1;
        }
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
        if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "uplink %s: %u workers need %u RX and TX queues, the PMD offers %u RX "
                        "and %u TX",
                        up->name, nq, nq, info.max_rx_queues, info.max_tx_queues);
                return -1;
        }
        choose_mode(up, &info);
        if (configure(up, nq, &info, mp) < 0)
                return -1;
        up->nqueues = nq;
        for (uint16_t w = 0; w < nq; w++)
                up->queue_of_worker[w] = w;
        if (rte_eth_macaddr_get(port, &mac) == 0)
                memcpy(up->mac, mac.addr_bytes, sizeof(up->mac));
        if (join_bridge(sv->st, up, cfg->uplink_bridge) < 0)
                return -1;
        VSW_NOTICE(VSW_LOG_SUPERVISOR,
                   "uplink %s (driver %s, port %u): %u RX/TX queues, one per worker, bridge "
                   "domain %u, %s steering (%s), vm2vm %u, vlan-strip %s%s",
                   up->name, up->driver, port, nq, up->bridge_id,
                   up->mode == VSW_UPLINK_VMDQ ? "VMDQ" : "software", up->mode_reason, up->vm2vm,
                   up->vlan_strip ? "on" : "off",
                   up->vlan_strip && !up->vlan_strip_hw ? " (the PMD cannot: done in software)"
                                                        : "");
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
