/* vhost-supervisor -c <startup.conf>: reads the config, becomes the DPDK
 * primary, serves the fd vault and keeps the children running until SIGTERM
 * or SIGINT; SIGHUP restarts vhostd. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_budget.h"
#include "log.h"
#include "supervisor.h"
#include "vsw_wake.h"

#define LOG_FILE_NAME "vhostsw.log"
#define PID_FILE_NAME "supervisor.pid"
#define IPC_SCHEME    "ipc://"

static struct supervisor sv; /* large (the vault table): not on the stack */

static void usage(FILE *out)
{
        fprintf(out, "usage: vhost-supervisor [-c startup.conf]\n"
                     "  without -c the built-in default configuration is used\n");
}

static int mkdir_p(const char *path, mode_t mode)
{
        char buf[PATH_MAX];
        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return -ENAMETOOLONG;
        for (char *p = buf + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char saved = *p;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = saved;
                if (saved == '\0')
                        return 0;
        }
}

/* Another supervisor on the same runtime dir owns everything in it: we
 * must neither overwrite its pid file nor remove its sockets. */
static pid_t running_supervisor(const char *pid_file)
{
        FILE *f = fopen(pid_file, "re");
        int pid = 0;
        if (!f)
                return 0;
        if (fscanf(f, "%d", &pid) != 1 || pid <= 0 || pid == getpid())
                pid = 0;
        fclose(f);
        if (pid && kill(pid, 0) < 0 && errno == ESRCH)
                pid = 0;
        return pid;
}

static int write_pid_file(const char *path)
{
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fprintf(f, "%d\n", (int)getpid());
        if (fclose(f) != 0)
                return -errno;
        return 0;
}

static void remove_file(const char *what, const char *path)
{
        if (path[0] && unlink(path) < 0 && errno != ENOENT)
                VSW_ERR(VSW_LOG_SUPERVISOR, "remove %s %s: %s", what, path, strerror(errno));
}

/* Socket files other processes created but that must not outlive the
 * switch: server-mode vhost-user sockets (from the memzone) and the CLI's
 * ipc:// endpoint. */
static void remove_runtime_sockets(struct supervisor *s)
{
        if (!s->st)
                return; /* no child ever ran: nothing of ours to remove */
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &s->st->ifaces[i];
                if (ifc->in_use && ifc->is_server &&
                    memchr(ifc->socket_path, '\0', sizeof(ifc->socket_path)))
                        remove_file("interface socket", ifc->socket_path);
        }
        if (strncmp(s->cfg.cli_listen, IPC_SCHEME, strlen(IPC_SCHEME)) == 0)
                remove_file("CLI socket", s->cfg.cli_listen + strlen(IPC_SCHEME));
}

static int load_config(int argc, char **argv)
{
        const char *path = NULL;
        int opt;
        while ((opt = getopt(argc, argv, "c:h")) != -1) {
                switch (opt) {
                case 'c':
                        path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(0);
                default:
                        usage(stderr);
                        return -1;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "vhost-supervisor: unexpected argument '%s'\n", argv[optind]);
                usage(stderr);
                return -1;
        }
        char err[512];
        if (vsw_config_load(&sv.cfg, path, err, sizeof(err)) < 0) {
                fprintf(stderr, "vhost-supervisor: %s\n", err);
                return -1;
        }
        if (path && !realpath(path, sv.conf_path)) {
                fprintf(stderr, "vhost-supervisor: %s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!sv.cfg.file_prefix[0]) {
                fprintf(stderr, "vhost-supervisor: dpdk file-prefix must not be empty\n");
                return -1;
        }
        return 0;
}

static int setup_runtime_dir(void)
{
        const char *dir = sv.cfg.runtime_dir;
        char logfile[PATH_MAX];
        int rc = mkdir_p(dir, 0755);
        if (rc < 0) {
                fprintf(stderr, "vhost-supervisor: create runtime-dir %s: %s\n", dir,
                        strerror(-rc));
                return -1;
        }
        snprintf(logfile, sizeof(logfile), "%s/%s", dir, LOG_FILE_NAME);
        if (vsw_log_open("vhost-supervisor", logfile, sv.cfg.default_log_level) < 0) {
                fprintf(stderr, "vhost-supervisor: open log %s: %s\n", logfile, strerror(errno));
                return -1;
        }
        for (unsigned c = 0; c < VSW_LOG_CLASS_MAX; c++)
                if (sv.cfg.class_log_level[c] >= 0)
                        vsw_log_set_level(c, sv.cfg.class_log_level[c]);
        snprintf(sv.pid_file, sizeof(sv.pid_file), "%s/%s", dir, PID_FILE_NAME);
        pid_t other = running_supervisor(sv.pid_file);
        if (other) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "another vhost-supervisor (pid %d, %s) is running on runtime-dir %s",
                        (int)other, sv.pid_file, dir);
                sv.pid_file[0] = '\0';
                return -1;
        }
        rc = write_pid_file(sv.pid_file);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "write %s: %s", sv.pid_file, strerror(-rc));
                sv.pid_file[0] = '\0';
                return -1;
        }
        return 0;
}

/* The vault alone may hold VSW_VAULT_MAX_FDS fds; the usual soft limit of
 * 1024 would make it drop deposits long before that. The soft limit goes to
 * the hard one, and root may raise the hard one to what the vault needs;
 * what is left sets the region fd budget (dpdk_setup.c). */
static void raise_fd_limit(void)
{
        const rlim_t want = VSW_VAULT_MAX_FDS + 256;
        char err[160] = "";
        struct rlimit rl;

        if (vsw_raise_nofile(err, sizeof(err)) >= want)
                return;
        if (err[0])
                VSW_WARN(VSW_LOG_VAULT, "%s", err);
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return;
        rl.rlim_max = rl.rlim_cur = want; /* root may raise the hard limit too */
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                VSW_NOTICE(VSW_LOG_VAULT,
                           "cannot raise the open-file limit to %llu: %s; the switch holds "
                           "fewer guest memory regions (show vhost-user says how many)",
                           (unsigned long long)want, strerror(errno));
}

/* Signals arrive through a signalfd; they are blocked before EAL starts
 * its threads so that none of those threads takes one instead. */
static int block_signals(void)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return -1;
        return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int epoll_add(int ep, int fd, uint64_t tag)
{
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
        return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void on_signals(int sfd)
{
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                switch (si.ssi_signo) {
                case SIGCHLD:
                        processes_reap(&sv);
                        break;
                case SIGHUP: /* also how `vhost-ctl restart control` reaches us */
                        if (!sv.stopping)
                                processes_restart_vhostd(&sv);
                        break;
                case SIGTERM:
                case SIGINT:
                        if (!sv.stopping) {
                                VSW_NOTICE(VSW_LOG_SUPERVISOR, "%s: stopping",
                                           strsignal(si.ssi_signo));
                                notify_stopping(&sv);
                                processes_stop_all(&sv);
                        }
                        break;
                }
        }
}

static void on_vault_listen(int ep)
{
        int slot = vault_server_accept(&sv.vault);
        if (slot < 0)
                return;
        if (epoll_add(ep, sv.vault.clients[slot], SV_TAG_VAULT_CLIENT + slot) < 0) {
                VSW_ERR(VSW_LOG_VAULT, "vault: epoll add client: %s", strerror(errno));
                close(sv.vault.clients[slot]);
                sv.vault.clients[slot] = -1;
        }
}

/* The sooner of two timeouts in ms, -1 meaning none. */
static int earliest(int a, int b)
{
        return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Runs until stopping and every child is reaped. */
/* One wake eventfd per worker (shared/vsw_wake.h), in the vault before
 * any child starts: it outlives every worker and vhostd. */
static int make_wake_fds(struct supervisor *s)
{
        char key[VSW_VAULT_KEY_LEN];

        for (uint32_t i = 0; i < s->st->nworkers; i++) {
                int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), rc;

                if (fd < 0) {
                        VSW_ERR(VSW_LOG_SUPERVISOR, "eventfd for worker %u: %s", i,
                                strerror(errno));
                        return -1;
                }
                vsw_wake_key(key, i);
                rc = vault_server_put(&s->vault, key, fd);
                if (rc < 0) {
                        VSW_ERR(VSW_LOG_SUPERVISOR, "vault: %s: %s", key, strerror(-rc));
                        return -1;
                }
        }
        return 0;
}

static int main_loop(int sfd)
{
        int ep = epoll_create1(EPOLL_CLOEXEC);
        sv.epoll_fd = ep;
        if (ep < 0 || epoll_add(ep, sfd, SV_TAG_SIGNAL) < 0 ||
            epoll_add(ep, sv.vault.listen_fd, SV_TAG_VAULT_LISTEN) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "epoll setup: %s", strerror(errno));
                return -1;
        }
        while (!sv.stopping || children_running(&sv) > 0) {
                struct epoll_event evs[16];
                int t = children_tick(&sv), h = handover_tick(&sv), w = watchdog_tick(&sv);
                int s = notify_tick(&sv);
                int n = epoll_wait(ep, evs, 16, earliest(earliest(earliest(t, h), w), s));
                if (n < 0 && errno != EINTR) {
                        VSW_ERR(VSW_LOG_SUPERVISOR, "epoll_wait: %s", strerror(errno));
                        processes_stop_all(&sv);
                }
                for (int i = 0; i < n; i++) {
                        uint64_t tag = evs[i].data.u64;
                        if (tag == SV_TAG_SIGNAL)
                                on_signals(sfd);
                        else if (tag == SV_TAG_VAULT_LISTEN)
                                on_vault_listen(ep);
                        else if (tag == SV_TAG_HANDOVER)
                                handover_on_readable(&sv);
                        else
                                vault_server_handle(&sv.vault, (int)(tag - SV_TAG_VAULT_CLIENT));
                }
        }
        close(ep);
        return 0;
}

static void shutdown_all(void)
{
        remove_runtime_sockets(&sv);
        if (sv.vault.listen_fd >= 0)
                vault_server_close(&sv.vault);
        if (sv.dpdk_runtime_dir[0]) {
                dpdk_teardown(&sv);
                hugepages_release(sv.cfg.huge_dir, sv.cfg.file_prefix, sv.dpdk_runtime_dir);
        }
        if (sv.pid_file[0])
                remove_file("pid file", sv.pid_file);
}

int main(int argc, char **argv)
{
        sv.vault.listen_fd = -1;
        sv.ho.sock = -1;
        sv.epoll_fd = -1;
        if (load_config(argc, argv) < 0)
                return 1;
        if (setup_runtime_dir() < 0 || children_find_binaries(&sv) < 0) {
                shutdown_all();
                return 1;
        }
        raise_fd_limit();
        int sfd = block_signals();
        if (sfd < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "signal setup: %s", strerror(errno));
                shutdown_all();
                return 1;
        }
        VSW_NOTICE(VSW_LOG_SUPERVISOR, "starting: config %s, runtime-dir %s, %u workers",
                   sv.conf_path[0] ? sv.conf_path : "(built-in default)", sv.cfg.runtime_dir,
                   sv.cfg.nworkers);
        for (unsigned i = 0; i < sv.cfg.nworkers; i++)
                if (sv.cfg.worker_cores[i] == sv.cfg.main_core)
                        VSW_WARN(VSW_LOG_SUPERVISOR,
                                 "worker %u polls on the main core %u: the control plane shares "
                                 "that core with a busy poller and answers more slowly",
                                 i, sv.cfg.main_core);
        if (hugepages_check(&sv.cfg) < 0 || dpdk_setup(&sv, argv[0]) < 0) {
                shutdown_all();
                return 1;
        }

        char vault_path[PATH_MAX];
        snprintf(vault_path, sizeof(vault_path), "%s/%s", sv.cfg.runtime_dir, VSW_VAULT_SOCK_NAME);
        int rc = vault_server_open(&sv.vault, vault_path);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_VAULT, "vault: listen on %s: %s", vault_path, strerror(-rc));
                shutdown_all();
                return 1;
        }

        notify_init(&sv);
        if (make_wake_fds(&sv) < 0) {
                shutdown_all();
                return 1;
        }
        children_init(&sv);
        rc = main_loop(sfd);
        if (rc < 0) {
                processes_stop_all(&sv);
                while (children_running(&sv) > 0) {
                        children_tick(&sv);
                        usleep(10000);
                        processes_reap(&sv);
                }
        }
        shutdown_all();
        close(sfd);
        VSW_NOTICE(VSW_LOG_SUPERVISOR, "stopped");
        return rc < 0 ? 1 : 0;
}
