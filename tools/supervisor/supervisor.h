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

/* A graceful vhostd handover in progress (handover.c). */
enum handover_stage {
        HO_NONE,
        HO_WAIT_READY, /* N+1 started, attaching and taking its fds */
        HO_DRAINING,   /* N+1 ready; N told to finish and exit */
};

struct handover {
        enum handover_stage stage;
        pid_t pid; /* generation N+1 */
        int sock;  /* our end of its --handover-fd channel, -1 none */
        uint32_t generation;
        uint64_t deadline_ns;  /* N+1 must be ready by then */
        int predecessor_gone;  /* N exited (or crashed) while N+1 was not ready yet */
        char binary[PATH_MAX]; /* what N+1 runs */
};

/* systemd notification state (notify.c). */
struct notify_state {
        int ready;                 /* READY=1 sent since the last RELOADING=1 */
        uint64_t watchdog_ns;      /* WatchdogSec=, 0: none */
        uint64_t next_watchdog_ns; /* next WATCHDOG=1 */
};

/* epoll tags of the main loop: the signalfd, the vault's listening
 * socket, the handover channel, then one per vault client slot. */
enum { SV_TAG_SIGNAL, SV_TAG_VAULT_LISTEN, SV_TAG_HANDOVER, SV_TAG_VAULT_CLIENT };

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
        struct handover ho;
        struct notify_state notify;
        int epoll_fd;
};

/* dpdk_setup.c: EAL as primary, the memzone and the mbuf pool. */
int dpdk_setup(struct supervisor *sv, const char *argv0);
void dpdk_teardown(struct supervisor *sv);

/* uplink_setup.c: the uplink port, configured before any child starts. */
struct rte_mempool;
int uplink_setup(struct supervisor *sv, struct rte_mempool *mp);
void uplink_teardown(struct supervisor *sv);
/* The configured uplink is a PCI device (else none, or a vdev). */
int uplink_is_pci(const struct vsw_config *cfg);

/* children.c */
int children_find_binaries(struct supervisor *sv);
void children_init(struct supervisor *sv);
/* Starts children whose restart is due and SIGKILLs those past their stop
 * deadline; returns the ms until the next such deadline (-1: none). */
int children_tick(struct supervisor *sv);
/* The child with that pid, or NULL. */
struct child *children_by_pid(struct supervisor *sv, pid_t pid);
/* c exited with status: logged, its worker marked dead; 1 when a restart is
 * to be decided (the supervisor is not stopping). */
int children_exited(struct supervisor *sv, struct child *c, int status);
/* Restart c now (a planned restart) or after its backoff. */
void children_schedule_restart(struct child *c);
/* SIGTERM to every child (the supervisor is stopping). */
void children_stop_all(struct supervisor *sv);
int children_running(const struct supervisor *sv);
/* Forks and execs c's program from path, pinned; handover_fd >= 0 is
 * passed on as vhostd's --handover-fd. Returns the pid, or -1. */
pid_t children_spawn(const struct supervisor *sv, const struct child *c, const char *path,
                     int handover_fd);
/* SIGTERM now, SIGKILL after a grace period (children_tick). */
void children_stop(struct child *c, uint64_t now);
/* Where vhostd is now (VHOSTSW_BIN_DIR, or beside us): 0 or -1 logged. */
int children_resolve_vhostd(char *out, size_t outlen);

/* processes.c: children and a handover in progress, dispatched together. */
/* Reaps every exited process: N+1, or a child restarted unless a handover
 * takes it from here. */
void processes_reap(struct supervisor *sv);
/* SIGHUP: a handover when vhostd runs, else its start now. */
void processes_restart_vhostd(struct supervisor *sv);
void processes_stop_all(struct supervisor *sv);

/* handover.c: SIGHUP or `vhost-ctl restart control` with vhostd running.
 * Starts generation N+1 beside N; N keeps serving until N+1 is ready. */
void handover_begin(struct supervisor *sv);
/* The channel to N+1 is readable (epoll). */
void handover_on_readable(struct supervisor *sv);
/* vhostd N exited: 1 when a handover takes it from here (no restart). */
int handover_predecessor_exited(struct supervisor *sv);
/* 1 when pid was N+1 (it exited before taking over: logged, N goes on). */
int handover_reaped(struct supervisor *sv, pid_t pid, int status);
/* Ends N+1 when it is late; returns ms until its deadline (-1: none). */
int handover_tick(struct supervisor *sv);
/* The supervisor is stopping: ends N+1 and the channel. */
void handover_abort(struct supervisor *sv);

/* watchdog.c: SIGKILLs (for a restart) a running worker whose heartbeat
 * is stale, stopping the interface it was signalling; returns ms until the
 * next check (-1: no worker to watch). */
int watchdog_tick(struct supervisor *sv);

/* notify.c: systemd's Type=notify protocol (sd_notify). */
void notify_init(struct supervisor *sv);
/* READY=1 when due, WATCHDOG=1; returns ms until it wants to run again
 * (-1: no deadline). */
int notify_tick(struct supervisor *sv);
void notify_reloading(struct supervisor *sv, uint32_t generation);
void notify_stopping(struct supervisor *sv);

/* hugepage_check.c: 0 when huge-dir is hugetlbfs with enough free pages
 * for socket-mem, else -1 with one line saying what to run. */
int hugepages_check(const struct vsw_config *cfg);

/* hugepages.c: removes what DPDK leaves behind after rte_eal_cleanup(). */
void hugepages_release(const char *huge_dir, const char *prefix, const char *dpdk_runtime_dir);

uint64_t now_ns(void);

#endif
