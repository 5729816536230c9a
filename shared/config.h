/* startup.conf, in VPP's style:
 *   unix    { runtime-dir /run/vhostsw  cli-listen ipc:///run/vhostsw/cli.sock
 *             cli-tcp read-only (needed for a tcp:// cli-listen) }
 *   cpu     { main-core 0  corelist-workers 1-2 }
 *   dpdk    { huge-dir /dev/hugepages  socket-mem 256  file-prefix vhostsw
 *             uplink <pci or vdev devargs> uplink-bridge 1 vm2vm 1 vlan-strip on }
 *   vhost   { rx-retry on rx-retry-delay 15 rx-retry-num 4 (vm2vm, vlan-strip also here)
 *             max-guest-memory 1T  max-mem-slots 509  rx-mode adaptive
 *             rx-mode-adaptive-idle 5000
 *             interface { socket /run/vhostsw/vm1.sock server ... } }
 *   logging { default-log-level info  class vhost-user debug }
 *   metrics { listen 127.0.0.1:9464 }   (Prometheus text over HTTP; off when absent)
 * An unknown section or key, or a malformed value, is an error naming the
 * file, the line and what was expected. */
#ifndef VSW_CONFIG_H
#define VSW_CONFIG_H

#include <stdint.h>

#include "vsw_state.h"

#define VSW_CONF_STR             256
#define VSW_CONF_MAX_BOOT_IFACES 8
#define VSW_CONF_MAX_CORE        127 /* RTE_MAX_LCORE - 1 in Debian's DPDK build */
/* Bounds of max-guest-memory: 1 MiB, and 128 TiB (all of x86-64 user space). */
#define VSW_MIN_GUEST_MEMORY_LIMIT (1ULL << 20)
#define VSW_MAX_GUEST_MEMORY_LIMIT (1ULL << 47)

/* An interface created at start-up (same options as `create vhost-user`). */
struct vsw_boot_iface {
        char socket[VSW_PATH_LEN];
        uint8_t server;
        uint8_t hwaddr_set;
        uint8_t hwaddr[6];
        uint64_t feature_mask; /* ~0 when not given */
        int32_t renumber;      /* -1 when not given */
        char owner[64];
        char group[64];
        int32_t mode;    /* -1 when not given */
        uint32_t bridge; /* bridge domain to join, 0: none */
        uint32_t vlan;   /* access VLAN, 0: none */
};

struct vsw_config {
        char path[VSW_CONF_STR]; /* the file this came from ("" = embedded default) */

        /* unix */
        char runtime_dir[VSW_CONF_STR];
        char cli_listen[VSW_CONF_STR];
        /* A tcp:// cli-listen can be reached by every local user: it is
         * refused unless `cli-tcp read-only` says the administrator wants
         * it, and then serves only commands that change nothing. */
        uint8_t cli_tcp_read_only;

        /* cpu */
        uint32_t main_core;
        uint32_t nworkers;
        uint32_t worker_cores[VSW_MAX_WORKERS];

        /* dpdk */
        char huge_dir[VSW_CONF_STR];
        uint32_t socket_mem_mb;
        char file_prefix[VSW_CONF_STR];
        char uplink[VSW_CONF_STR]; /* "" = none */
        uint32_t uplink_bridge;    /* bridge domain the uplink joins */
        uint32_t uplink_mtu;       /* 0: the PMD's default */
        uint32_t num_mbufs;

        /* vhost */
        uint8_t rx_retry;
        uint32_t rx_retry_delay_us;
        uint32_t rx_retry_num;
        uint32_t vm2vm;
        uint8_t vlan_strip;
        uint32_t reconnect_ms;     /* client-mode retry interval */
        uint64_t max_guest_memory; /* bytes of guest memory one interface may map */
        uint32_t max_mem_slots;    /* regions one interface's table may hold */
        uint32_t rx_placement;     /* enum vsw_rx_placement: how a rebalance spreads queues */
        uint32_t rx_mode;          /* enum vsw_rx_mode, never DEFAULT */
        uint32_t rx_adaptive_idle_us;
        uint32_t nboot_ifaces;
        struct vsw_boot_iface boot_ifaces[VSW_CONF_MAX_BOOT_IFACES];

        /* logging */
        enum vsw_log_level default_log_level;
        int8_t class_log_level[VSW_LOG_CLASS_MAX]; /* -1 = default */

        /* metrics */
        char metrics_listen[VSW_CONF_STR]; /* "" = no metrics endpoint */
};

/* Fills cfg with defaults. */
void vsw_config_defaults(struct vsw_config *cfg);
/* Parses text (from file `path`, used in messages) over cfg. Returns 0, or -1
 * with "<path>:<line>: <what was wrong>, expected <what>" in err. */
int vsw_config_parse(struct vsw_config *cfg, const char *path, const char *text, char *err,
                     unsigned errlen);
/* Reads and parses a file; path NULL means the embedded default startup.conf. */
int vsw_config_load(struct vsw_config *cfg, const char *path, char *err, unsigned errlen);

#endif
