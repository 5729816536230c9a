/* The supervisor as DPDK primary: EAL, the state memzone every other
 * process attaches to, the mbuf pool the workers share, the rings
 * between them and `pcap trace`'s ring and pool. */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng_mbuf_size (DPDK 22.11) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "fd_budget.h"
#include "log.h"
#include "supervisor.h"
#include "vault.h"

#define EAL_MAX_ARGS 16

/* The one place the primary's EAL command line is built: EAL probes the
 * uplink, a vdev by --vdev, a PCI device by -a (and no other PCI device). */
static int build_eal_args(const struct vsw_config *cfg, const char *argv0, char *argv[],
                          char store[][VSW_CONF_STR])
{
        int n = 0;
        argv[n++] = (char *)argv0;
        argv[n++] = "--proc-type=primary";
        argv[n++] = "--file-prefix";
        argv[n++] = (char *)cfg->file_prefix;
        snprintf(store[0], VSW_CONF_STR, "%u", cfg->main_core);
        argv[n++] = "-l";
        argv[n++] = store[0];
        argv[n++] = "--huge-dir";
        argv[n++] = (char *)cfg->huge_dir;
        snprintf(store[1], VSW_CONF_STR, "%u", cfg->socket_mem_mb);
        argv[n++] = "--socket-mem";
        argv[n++] = store[1];
        if (uplink_is_pci(cfg)) {
                argv[n++] = "-a";
                argv[n++] = (char *)cfg->uplink;
        } else {
                argv[n++] = "--no-pci";
        }
        if (cfg->uplink[0] && !uplink_is_pci(cfg)) {
                argv[n++] = "--vdev";
                argv[n++] = (char *)cfg->uplink;
        }
        argv[n] = NULL;
        return n;
}

static void set_log_levels(struct vsw_state *st, const struct vsw_config *cfg)
{
        for (unsigned c = 0; c < VSW_LOG_CLASS_MAX; c++) {
                int lvl = cfg->class_log_level[c];
                atomic_store(&st->log_level[c], lvl >= 0 ? (uint8_t)lvl : cfg->default_log_level);
        }
}

/* One single-producer/single-consumer ring per ordered pair of workers:
 * frames for a vring owned by the other one. */
static int create_worker_rings(const struct vsw_config *cfg)
{
        for (unsigned from = 0; from < cfg->nworkers; from++) {
                for (unsigned to = 0; to < cfg->nworkers; to++) {
                        char name[RTE_RING_NAMESIZE];

                        if (from == to)
                                continue;
                        snprintf(name, sizeof(name), VSW_XW_RING_FMT, from, to);
                        if (!rte_ring_create_elem(name, VSW_XW_ELEM_SIZE, VSW_XW_RING_SIZE,
                                                  rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ)) {
                                VSW_ERR(VSW_LOG_SUPERVISOR, "creating ring %s failed: %s", name,
                                        rte_strerror(rte_errno));
                                return -1;
                        }
                }
        }
        return 0;
}

/* `pcap trace`'s ring and mempool, made here so that every worker and
 * every vhostd generation finds the same ones (multi-producer: every worker
 * enqueues; multi-consumer: an exiting vhostd and its successor may both
 * drain). Small and unused until a capture starts. */
static int create_capture_ring(void)
{
        struct rte_mempool *mp = rte_pktmbuf_pool_create(
            VSW_PCAP_POOL, VSW_PCAP_MBUFS, 0, 0, (uint16_t)rte_pcapng_mbuf_size(VSW_PCAP_SNAPLEN),
            rte_socket_id());

        if (!mp) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "creating mbuf pool %s failed: %s", VSW_PCAP_POOL,
                        rte_strerror(rte_errno));
                return -1;
        }
        if (!rte_ring_create(VSW_PCAP_RING, VSW_PCAP_RING_SIZE, rte_socket_id(), 0)) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "creating ring %s failed: %s", VSW_PCAP_RING,
                        rte_strerror(rte_errno));
                return -1;
        }
        return 0;
}

int dpdk_setup(struct supervisor *sv, const char *argv0)
{
        const struct vsw_config *cfg = &sv->cfg;
        char *argv[EAL_MAX_ARGS];
        char store[2][VSW_CONF_STR];
        int argc = build_eal_args(cfg, argv0, argv, store);

        if (rte_eal_init(argc, argv) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "rte_eal_init as primary (file-prefix %s, huge-dir %s, socket-mem %u) "
                        "failed: %s",
                        cfg->file_prefix, cfg->huge_dir, cfg->socket_mem_mb,
                        rte_strerror(rte_errno));
                return -1;
        }
        snprintf(sv->dpdk_runtime_dir, sizeof(sv->dpdk_runtime_dir), "%s",
                 rte_eal_get_runtime_dir());

        const struct rte_memzone *mz = rte_memzone_reserve_aligned(
            VSW_STATE_MZ_NAME, sizeof(struct vsw_state), SOCKET_ID_ANY, 0, RTE_CACHE_LINE_SIZE);
        if (!mz) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "reserving memzone %s (%zu bytes) failed: %s",
                        VSW_STATE_MZ_NAME, sizeof(struct vsw_state), rte_strerror(rte_errno));
                return -1;
        }
        struct vsw_state *st = mz->addr;
        vsw_state_init(st);
        st->nworkers = cfg->nworkers;
        st->max_guest_memory = cfg->max_guest_memory;
        st->max_mem_slots = cfg->max_mem_slots;
        char nofile_err[160] = "";
        st->mem_fd_budget =
            vsw_mem_fd_budget(vsw_raise_nofile(nofile_err, sizeof(nofile_err)), VSW_VAULT_MAX_FDS);
        VSW_INFO(VSW_LOG_SUPERVISOR, "guest memory region fd budget: %u", st->mem_fd_budget);
        st->rx_placement = cfg->rx_placement;
        st->rx_mode_default = cfg->rx_mode;
        st->rx_adaptive_idle_us = cfg->rx_adaptive_idle_us;
        for (unsigned i = 0; i < cfg->nworkers; i++) {
                st->workers[i].lcore = cfg->worker_cores[i];
                atomic_store(&st->workers[i].state, VSW_WORKER_ABSENT);
        }
        set_log_levels(st, cfg);
        sv->st = st;
        vsw_log_attach(st);

        struct rte_mempool *mp = rte_pktmbuf_pool_create(
            VSW_MBUF_POOL_NAME, cfg->num_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
        if (!mp) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "creating mbuf pool %s (%u mbufs) failed: %s",
                        VSW_MBUF_POOL_NAME, cfg->num_mbufs, rte_strerror(rte_errno));
                return -1;
        }
        if (create_worker_rings(cfg) < 0 || create_capture_ring() < 0 || uplink_setup(sv, mp) < 0)
                return -1;
        VSW_INFO(VSW_LOG_SUPERVISOR,
                 "DPDK primary up: file-prefix %s, memzone %s (%zu bytes), %u mbufs",
                 cfg->file_prefix, VSW_STATE_MZ_NAME, sizeof(struct vsw_state), cfg->num_mbufs);
        return 0;
}

void dpdk_teardown(struct supervisor *sv)
{
        uplink_teardown(sv);
        vsw_log_attach(NULL);
        sv->st = NULL;
        int rc = rte_eal_cleanup();
        if (rc < 0)
                VSW_ERR(VSW_LOG_SUPERVISOR, "rte_eal_cleanup failed: %s", rte_strerror(-rc));
}
