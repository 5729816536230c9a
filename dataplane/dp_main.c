/* vhost-dp: one pinned worker. Started by vhost-supervisor as
 *   vhost-dp <EAL secondary args> -- -c <startup.conf or ""> --worker <index>
 * it attaches to the supervisor's memzone (refusing a layout it does not
 * know), the mbuf pool, the fd vault and the rings to the other workers,
 * registers in its worker slot and polls until SIGTERM. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "config.h"
#include "dp_capture.h"
#include "dp_mbuf_cache.h"
#include "dp_worker.h"
#include "log.h"
#include "stop_signals.h"
#include "vault.h"

static volatile sig_atomic_t stop_requested;
static struct dp_worker worker = {.vault = -1}; /* large: not on the stack */

static void on_stop_signal(int sig)
{
        (void)sig;
        stop_requested = 1;
}

/* Arguments after EAL's: -c <path> (empty: built-in default), --worker <n>. */
static int parse_args(int argc, char **argv, const char **conf, long *idx)
{
        *conf = NULL;
        *idx = -1;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
                        *conf = argv[++i][0] ? argv[i] : NULL;
                } else if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc) {
                        char *end;
                        errno = 0;
                        *idx = strtol(argv[++i], &end, 10);
                        if (errno || *end || *idx < 0 || *idx >= VSW_MAX_WORKERS) {
                                fprintf(stderr,
                                        "vhost-dp: --worker '%s' is not an index below %d\n",
                                        argv[i], VSW_MAX_WORKERS);
                                return -1;
                        }
                } else {
                        fprintf(stderr,
                                "vhost-dp: unexpected argument '%s' (started by "
                                "vhost-supervisor, not by hand)\n",
                                argv[i]);
                        return -1;
                }
        }
        if (*idx < 0) {
                fprintf(stderr, "vhost-dp: --worker <index> is required\n");
                return -1;
        }
        return 0;
}

static struct vsw_config cfg;

static int open_log(const char *conf, long idx)
{
        char err[512], logfile[PATH_MAX], name[32];
        if (vsw_config_load(&cfg, conf, err, sizeof(err)) < 0) {
                fprintf(stderr, "vhost-dp: %s\n", err);
                return -1;
        }
        snprintf(logfile, sizeof(logfile), "%s/vhostsw.log", cfg.runtime_dir);
        snprintf(name, sizeof(name), "vhost-dp@%u", rte_lcore_id());
        if (vsw_log_open(name, logfile, cfg.default_log_level) < 0) {
                fprintf(stderr, "vhost-dp: worker %ld: open log %s: %s\n", idx, logfile,
                        strerror(errno));
                return -1;
        }
        return 0;
}

/* Finds the memzone and checks it is ours and our slot matches our core. */
static struct vsw_state *attach_state(uint32_t idx)
{
        const struct rte_memzone *mz = rte_memzone_lookup(VSW_STATE_MZ_NAME);
        if (!mz) {
                VSW_ERR(VSW_LOG_DATAPLANE,
                        "worker %u: memzone %s not found: is vhost-supervisor "
                        "running with this file-prefix?",
                        idx, VSW_STATE_MZ_NAME);
                return NULL;
        }
        struct vsw_state *st = mz->addr;
        char err[256];
        if (mz->len < sizeof(*st) || vsw_state_check(st, err, sizeof(err)) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: %s", idx,
                        mz->len < sizeof(*st) ? "memzone smaller than this build's layout" : err);
                return NULL;
        }
        if (idx >= st->nworkers) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: the switch has only %u workers", idx,
                        st->nworkers);
                return NULL;
        }
        if (st->workers[idx].lcore != rte_lcore_id()) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: runs on lcore %u but its slot says lcore %u",
                        idx, rte_lcore_id(), st->workers[idx].lcore);
                return NULL;
        }
        return st;
}

/* What a killed predecessor left in this lcore's mbuf cache is checked
 * before any of it is handed out (dp_mbuf_cache.h); a predecessor that
 * exited cleanly flushed it, and at the first start it holds what the
 * primary put there. Dropped entries count in leaked_mbufs. */
static void reclaim_mbuf_cache(struct dp_worker *w)
{
        struct rte_mempool_cache *c = rte_mempool_default_cache(w->mp, rte_lcore_id());
        uint32_t had, dropped;

        if (!c || c->len == 0)
                return;
        had = c->len;
        dropped = dp_mbuf_cache_reclaim(c, w->self->restarts != 0);
        if (dropped == 0)
                return;
        w->self->leaked_mbufs += dropped;
        VSW_WARN(VSW_LOG_DATAPLANE,
                 "worker %u: its predecessor left %u mbufs in lcore %u's pool cache: %u not "
                 "trusted (leaked_mbufs %" PRIu64 ")",
                 w->idx, had, rte_lcore_id(), dropped, w->self->leaked_mbufs);
}

/* A clean exit leaves this lcore's mbuf cache empty for the successor. */
static void flush_mbuf_cache(struct dp_worker *w)
{
        struct rte_mempool_cache *c = rte_mempool_default_cache(w->mp, rte_lcore_id());

        if (c)
                rte_mempool_cache_flush(c, w->mp);
}

/* What the poll loop needs besides the memzone: the mbuf pool, the vault
 * (guest memory and eventfds), the uplink queues, `pcap trace`'s ring, the
 * cross-worker rings, rx-retry. */
static int attach_resources(struct dp_worker *w)
{
        char path[PATH_MAX];

        w->mp = rte_mempool_lookup(VSW_MBUF_POOL_NAME);
        if (!w->mp) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: mbuf pool %s not found", w->idx,
                        VSW_MBUF_POOL_NAME);
                return -1;
        }
        snprintf(path, sizeof(path), "%s/%s", cfg.runtime_dir, VSW_VAULT_SOCK_NAME);
        w->vault = vsw_vault_connect(path);
        if (w->vault < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: connecting to the vault %s: %s", w->idx,
                        path, strerror(-w->vault));
                return -1;
        }
        w->rx_retry = cfg.rx_retry;
        w->rx_retry_delay_us = cfg.rx_retry_delay_us;
        w->rx_retry_num = cfg.rx_retry_num;
        if (dp_uplink_attach(w) < 0 || dp_xw_attach(w) < 0 || dp_capture_attach(w->idx) < 0)
                return -1;
        dp_sleep_attach(w);
        return 0;
}

int main(int argc, char **argv)
{
        sigset_t mask;
        if (vsw_stop_signals_hold(&mask) < 0) {
                fprintf(stderr, "vhost-dp: sigprocmask: %s\n", strerror(errno));
                return 1;
        }
        int n = rte_eal_init(argc, argv);
        if (n < 0) {
                fprintf(stderr, "vhost-dp: rte_eal_init as secondary failed: %s\n",
                        rte_strerror(rte_errno));
                return 1;
        }
        argc -= n;
        argv += n;

        const char *conf;
        long idx;
        int rc = 1;
        if (parse_args(argc, argv, &conf, &idx) < 0 || open_log(conf, idx) < 0)
                goto out;
        struct vsw_state *st = attach_state((uint32_t)idx);
        if (!st)
                goto out;
        vsw_log_attach(st);

        struct sigaction sa = {.sa_handler = on_stop_signal};
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
            dp_fault_install(&worker) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %ld: sigaction: %s", idx, strerror(errno));
                goto out;
        }
        /* A stop signal held back until now only sets stop_requested. */
        if (vsw_stop_signals_release(&mask) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %ld: sigprocmask: %s", idx, strerror(errno));
                goto out;
        }

        struct vsw_worker *self = &st->workers[idx];
        worker.st = st;
        worker.self = self;
        worker.idx = (uint32_t)idx;
        if (attach_resources(&worker) < 0)
                goto out;
        self->pid = getpid();
        atomic_store(&self->signalling, 0);
        /* A predecessor's counts go on (they are published every
         * millisecond, from this process's own). */
        worker.xw_drops = self->xw_drops;
        worker.no_rxq_drops = self->no_rxq_drops;
        dp_park_reclaim(self, worker.idx);
        reclaim_mbuf_cache(&worker);
        /* The watchdog judges a RUNNING worker by its heartbeat: a fresh
         * one first, not the predecessor's. */
        atomic_store(&self->heartbeat_ns, dp_now_ns());
        atomic_store(&self->state, VSW_WORKER_RUNNING);
        VSW_NOTICE(VSW_LOG_DATAPLANE, "worker %ld on lcore %u running (pid %d, restarts %u)", idx,
                   rte_lcore_id(), (int)getpid(), self->restarts);

        dp_worker_run(&worker, &stop_requested);
        flush_mbuf_cache(&worker);

        atomic_store(&self->state, VSW_WORKER_ABSENT);
        VSW_NOTICE(VSW_LOG_DATAPLANE, "worker %ld on lcore %u stopped", idx, rte_lcore_id());
        vsw_log_attach(NULL);
        rc = 0;
out:
        if (worker.vault >= 0)
                close(worker.vault);
        rte_eal_cleanup();
        return rc;
}
