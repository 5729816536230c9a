/* vhost-supervisor: the DPDK primary. It owns the memzone, the mbuf pool
 * and the fd vault, and keeps vhostd and one vhost-dp per worker core
 * running. Nothing here parses anything a VM sends. */
#ifndef VSW_SUPERVISOR_H
#define VSW_SUPERVISOR_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "vault_server.h"
#include "vsw_state.h"

struct child {
        const char *prog; /* "vhostd" or "vhost-dp" */
        int worker;       /* worker index, -1 for vhostd */
        uint32_t lcore;
        pid_t pid; /* 0 while not running */
        uint64_t started_ns;
        uint64_t restart_at_ns; /* pending start; 0 = none */
        uint64_t kill_at_ns;    /* SIGKILL deadline after our SIGTERM; 0 = none */
        unsigned backoff_ms;
        int restart_now; /* we stopped it to restart it (SIGHUP): no backoff */
        unsigned starts;
};

struct supervisor {
        struct vsw_config cfg;
        char conf_path[PATH_MAX]; /* absolute; "" for the embedded default */
        char vhostd_path[PATH_MAX];
        char dp_path[PATH_MAX];
        char pid_file[PATH_MAX];
        char dpdk_runtime_dir[PATH_MAX];
        struct vsw_state *st;
        uint32_t vhostd_generation;
        int stopping; /* SIGTERM/SIGINT seen: children are being stopped */
        unsigned nchildren;
        struct child children[1 + VSW_MAX_WORKERS]; /* [0] is vhostd */
        struct vault_server vault;
};

/* dpdk_setup.c: EAL as primary, the memzone and the mbuf pool. */
int dpdk_setup(struct supervisor *sv, const char *argv0);
void dpdk_teardown(struct supervisor *sv);

/* children.c */
int children_find_binaries(struct supervisor *sv);
void children_init(struct supervisor *sv);
/* Starts children whose restart is due and SIGKILLs those past their stop
 * deadline; returns the ms until the next such deadline (-1: none). */
int children_tick(struct supervisor *sv);
void children_reap(struct supervisor *sv);
void children_restart_vhostd(struct supervisor *sv);
void children_stop_all(struct supervisor *sv);
int children_running(const struct supervisor *sv);

/* hugepages.c: removes what DPDK leaves behind after rte_eal_cleanup(). */
void hugepages_release(const char *huge_dir, const char *prefix, const char *dpdk_runtime_dir);

uint64_t now_ns(void);

#endif
