/* vhostd: the control plane, started by vhost-supervisor as a DPDK
 * secondary:
 *   vhostd <EAL args> -- -c <startup.conf or ""> [--generation N] [--handover-fd FD]
 * It attaches to the state memzone (refusing a layout it does not know),
 * opens the log and the vault, takes over the interfaces a predecessor left
 * in the memzone, waits for GO when handed over gracefully, then serves the
 * sockets and the RPC on one libevent loop until SIGTERM or SIGINT. It
 * exits without withdrawing anything: the vault keeps every connection for
 * the next generation. */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "fd_budget.h"
#include "handover.h"
#include "iface.h"
#include "iface_diagnose.h"
#include "log.h"
#include "metrics_http.h"
#include "pcap_capture.h"
#include "vsw_wake.h"
#include "rpc.h"
#include "stop_signals.h"
#include "vault.h"
#include "vhostd.h"
#include "vhostd_handover.h"

/* How long a stopping vhostd still answers the scrapes it accepted. */
#define METRICS_GRACE_US 100000

struct args {
        const char *conf; /* NULL: the embedded default */
        long generation;  /* -1: not given */
        int handover_fd;  /* -1: not a graceful handover */
};

static int parse_args(int argc, char **argv, struct args *a)
{
        static const struct option opts[] = {
            {"generation", required_argument, NULL, 'g'},
            {"handover-fd", required_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int c;
        char *end;

        a->conf = NULL;
        a->generation = -1;
        a->handover_fd = -1;
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        a->conf = optarg[0] ? optarg : NULL;
                        break;
                case 'g':
                        errno = 0;
                        a->generation = strtol(optarg, &end, 10);
                        if (errno || *end || a->generation < 0 || a->generation > UINT32_MAX) {
                                fprintf(stderr, "vhostd: --generation %s: expected a number\n",
                                        optarg);
                                return -1;
                        }
                        break;
                case 'h':
                        errno = 0;
                        long fd = strtol(optarg, &end, 10);
                        if (errno || *end || fd < 0 || fd > INT32_MAX) {
                                fprintf(stderr, "vhostd: --handover-fd %s: expected an fd\n",
                                        optarg);
                                return -1;
                        }
                        a->handover_fd = (int)fd;
                        break;
                default:
                        fprintf(stderr, "usage: vhostd <EAL args> -- -c <startup.conf> "
                                        "[--generation N] [--handover-fd FD]\n");
                        return -1;
                }
        }
        if (optind != argc) {
                fprintf(stderr, "vhostd: unexpected argument %s\n", argv[optind]);
                return -1;
        }
        return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
        struct vhostd *d = arg;

        (void)what;
        VSW_NOTICE(VSW_LOG_GENERAL, "signal %d: stopping", (int)sig);
        /* A scrape accepted a moment ago is answered before we go (the
         * successor only starts once we are gone); new ones wait for it in
         * the listening socket's backlog. */
        if (vhostd_metrics_stop_accepting(d)) {
                const struct timeval grace = {0, METRICS_GRACE_US};

                event_base_loopexit(d->base, &grace);
                return;
        }
        event_base_loopbreak(d->base);
}

/* The memzone, or NULL (logged) when it is missing or laid out by a
 * build this one does not know; *refused says which. */
static struct vsw_state *attach_memzone(int *refused)
{
        const struct rte_memzone *mz = rte_memzone_lookup(VSW_STATE_MZ_NAME);
        char err[256];

        *refused = 0;
        if (!mz) {
                VSW_ERR(VSW_LOG_GENERAL, "memzone %s not found: is vhost-supervisor running?",
                        VSW_STATE_MZ_NAME);
                return NULL;
        }
        *refused = 1;
        if (mz->len < sizeof(struct vsw_state)) {
                VSW_ERR(VSW_LOG_GENERAL,
                        "memzone %s is %zu bytes, this build needs %zu: refusing to attach",
                        VSW_STATE_MZ_NAME, mz->len, sizeof(struct vsw_state));
                return NULL;
        }
        if (vsw_state_check(mz->addr, err, sizeof(err)) < 0) {
                VSW_ERR(VSW_LOG_GENERAL, "%s", err);
                return NULL;
        }
        *refused = 0;
        return mz->addr;
}

/* From here on this vhostd is the only one: the memzone says so, what a
 * predecessor left half done is settled, and the events are armed. */
static int go(struct vhostd *d)
{
        vhostd_ifaces_go(d);
        pcap_capture_go(d);
        atomic_store(&d->st->vhostd_generation, d->generation);
        /* The RPC endpoint moves last; vhost-ctl retries meanwhile. */
        if (vhostd_rpc_start(d, d->cfg.cli_listen) < 0)
                return -1;
        if (vhostd_metrics_start(d) < 0)
                VSW_WARN(VSW_LOG_GENERAL, "serving no metrics");
        if (iface_diagnose_start(d) < 0)
                return -1;
        /* Only now, serving everything: the supervisor tells systemd READY
         * once the memzone names this vhostd. */
        atomic_store(&d->st->vhostd_pid, (int32_t)getpid());
        VSW_NOTICE(VSW_LOG_GENERAL, "vhostd generation %u ready (pid %d)", d->generation,
                   (int)getpid());
        return 0;
}

static int run(struct vhostd *d, int handover_fd)
{
        struct event *sigterm = NULL, *sigint = NULL;
        int rc = -1;

        vhostd_ifaces_adopt(d);
        if (vhostd_metrics_adopt(d) < 0)
                VSW_WARN(VSW_LOG_GENERAL, "serving no metrics");
        /* Before GO: a SIGTERM just ends us, nothing is changed yet. */
        if (handover_fd >= 0 && vhostd_handover_wait(handover_fd) < 0) {
                rc = 0;
                goto out;
        }
        sigterm = evsignal_new(d->base, SIGTERM, on_signal, d);
        sigint = evsignal_new(d->base, SIGINT, on_signal, d);
        if (!sigterm || !sigint || event_add(sigterm, NULL) < 0 || event_add(sigint, NULL) < 0) {
                VSW_ERR(VSW_LOG_GENERAL, "cannot arm the signal events");
                goto out;
        }
        if (go(d) < 0)
                goto out;
        rc = event_base_dispatch(d->base) < 0 ? -1 : 0;
        vhostd_rpc_stop(d);
        pcap_capture_exit(d);
out:
        iface_diagnose_stop();
        vhostd_metrics_stop(d);
        vhostd_ifaces_detach(d);
        if (sigterm)
                event_free(sigterm);
        if (sigint)
                event_free(sigint);
        return rc;
}

/* vhostd holds every region fd the vault does: the budget is what both
 * processes' open-file limits allow. */
static void limit_region_fds(struct vsw_state *st)
{
        char err[160] = "";
        uint32_t mine = vsw_mem_fd_budget(vsw_raise_nofile(err, sizeof(err)), VSW_VAULT_MAX_FDS);

        if (err[0])
                VSW_WARN(VSW_LOG_VHOST_USER, "%s", err);
        if (mine < st->mem_fd_budget) {
                VSW_NOTICE(VSW_LOG_VHOST_USER,
                           "guest memory region fd budget lowered from %u to %u by vhostd's "
                           "open-file limit",
                           st->mem_fd_budget, mine);
                st->mem_fd_budget = mine;
        }
}

int main(int argc, char **argv)
{
        static struct vhostd d;
        struct args a;
        char err[512], path[VSW_CONF_STR + 32];
        int n, eal_errno, rc, refused;
        sigset_t mask;

        if (vsw_stop_signals_hold(&mask) < 0) {
                fprintf(stderr, "vhostd: sigprocmask: %s\n", strerror(errno));
                return 1;
        }
        n = rte_eal_init(argc, argv);
        eal_errno = rte_errno;
        if (vsw_stop_signals_release(&mask) < 0) {
                fprintf(stderr, "vhostd: sigprocmask: %s\n", strerror(errno));
                return 1;
        }
        if (n < 0) {
                fprintf(stderr, "vhostd: EAL init failed: %s\n", rte_strerror(eal_errno));
                return 1;
        }
        if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
                fprintf(stderr, "vhostd: must run as a DPDK secondary (--proc-type=secondary)\n");
                rte_eal_cleanup();
                return 1;
        }
        if (parse_args(argc - n, argv + n, &a) < 0) {
                rte_eal_cleanup();
                return 1;
        }
        if (vsw_config_load(&d.cfg, a.conf, err, sizeof(err)) < 0) {
                fprintf(stderr, "vhostd: %s\n", err);
                rte_eal_cleanup();
                return 1;
        }
        snprintf(path, sizeof(path), "%s/vhostsw.log", d.cfg.runtime_dir);
        vsw_log_open("vhostd", path, d.cfg.default_log_level);
        d.st = attach_memzone(&refused);
        if (!d.st) {
                rte_eal_cleanup();
                return refused ? VSW_EXIT_LAYOUT_REFUSED : 1;
        }
        vsw_log_attach(d.st);
        limit_region_fds(d.st);

        snprintf(path, sizeof(path), "%s/%s", d.cfg.runtime_dir, VSW_VAULT_SOCK_NAME);
        d.vault = vsw_vault_connect(path);
        if (d.vault < 0) {
                VSW_WARN(VSW_LOG_VAULT, "no vault at %s (%s): fds will not outlive this vhostd",
                         path, strerror(-d.vault));
                d.vault = -1;
        } else {
                /* Workers asleep (rx-mode interrupt) must hear of ring
                 * commands; a missing fd is logged and retried on use. */
                vsw_wake_attach(d.st, d.vault);
        }
        d.generation =
            a.generation >= 0 ? (uint32_t)a.generation : atomic_load(&d.st->vhostd_generation) + 1;
        signal(SIGPIPE, SIG_IGN);

        /* Connections are read edge-triggered (vu_conn.c): a message left
         * incomplete must not wake the loop again and again. Precise timers
         * (timerfd, not epoll's jiffies): a message waiting for a worker to
         * pause a ring is tried again within tens of microseconds. */
        struct event_config *ecfg = event_config_new();

        if (ecfg && event_config_require_features(ecfg, EV_FEATURE_ET) == 0 &&
            event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER) == 0)
                d.base = event_base_new_with_config(ecfg);
        if (ecfg)
                event_config_free(ecfg);
        if (!d.base) {
                VSW_ERR(VSW_LOG_GENERAL, "cannot create an edge-triggered event loop");
                rte_eal_cleanup();
                return 1;
        }
        vhostd_ctx = &d;
        d.metrics_fd = -1;
        rc = run(&d, a.handover_fd);

        int32_t me = (int32_t)getpid();
        atomic_compare_exchange_strong(&d.st->vhostd_pid, &me, 0);
        event_base_free(d.base);
        if (d.vault >= 0)
                close(d.vault);
        rte_eal_cleanup();
        return rc < 0 ? 1 : 0;
}
