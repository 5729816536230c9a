/* vhostd and the vhost-dp workers: spawn (pinned), reap, restart with
 * backoff, stop. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define STABLE_RUN_MS  10000 /* a child that ran this long starts over at BACKOFF_MIN_MS */
#define STOP_GRACE_MS  3000  /* SIGTERM, then SIGKILL after this */
#define MS             1000000ull

uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Finds prog in VHOSTSW_BIN_DIR if set; else beside our own executable
 * (installed layout) or in its build-tree folder (<exe>/../../<subdir>). */
static int find_binary(const char *prog, const char *subdir, char *out, size_t outlen)
{
        const char *env = getenv("VHOSTSW_BIN_DIR");
        char cand[2][PATH_MAX + 64];
        int ncand = 0;

        if (env && env[0]) {
                snprintf(cand[ncand++], sizeof(cand[0]), "%s/%s", env, prog);
        } else {
                char exe[PATH_MAX];
                ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
                if (n < 0) {
                        VSW_ERR(VSW_LOG_SUPERVISOR, "readlink /proc/self/exe: %s", strerror(errno));
                        return -1;
                }
                exe[n] = '\0';
                char *slash = strrchr(exe, '/');
                if (slash)
                        *slash = '\0';
                snprintf(cand[ncand++], sizeof(cand[0]), "%s/%s", exe, prog);
                snprintf(cand[ncand++], sizeof(cand[0]), "%s/../../%s/%s", exe, subdir, prog);
        }
        for (int i = 0; i < ncand; i++) {
                if (access(cand[i], X_OK) == 0 && realpath(cand[i], out) && strlen(out) < outlen)
                        return 0;
        }
        VSW_ERR(VSW_LOG_SUPERVISOR, "cannot find the %s executable (tried %s%s%s)", prog, cand[0],
                ncand > 1 ? " and " : "", ncand > 1 ? cand[1] : "");
        return -1;
}

int children_resolve_vhostd(char *out, size_t outlen)
{
        return find_binary("vhostd", "control", out, outlen);
}

int children_find_binaries(struct supervisor *sv)
{
        if (find_binary("vhostd", "control", sv->vhostd_path, sizeof(sv->vhostd_path)) < 0)
                return -1;
        if (find_binary("vhost-dp", "dataplane", sv->dp_path, sizeof(sv->dp_path)) < 0)
                return -1;
        return 0;
}

void children_init(struct supervisor *sv)
{
        uint64_t now = now_ns();
        sv->nchildren = 1 + sv->cfg.nworkers;
        for (unsigned i = 0; i < sv->nchildren; i++) {
                struct child *c = &sv->children[i];
                memset(c, 0, sizeof(*c));
                c->prog = i == 0 ? "vhostd" : "vhost-dp";
                c->worker = (int)i - 1;
                c->lcore = i == 0 ? sv->cfg.main_core : sv->cfg.worker_cores[i - 1];
                c->backoff_ms = BACKOFF_MIN_MS;
                c->restart_at_ns = now;
        }
}

#define EXIT_PIN_FAILED  126
#define EXIT_EXEC_FAILED 127

struct child_argv {
        char core[16], num[16], handover[16];
        char *argv[18];
};

static void build_child_argv(const struct supervisor *sv, const struct child *c, int handover_fd,
                             struct child_argv *a)
{
        int n = 0;
        snprintf(a->core, sizeof(a->core), "%u", c->lcore);
        a->argv[n++] = (char *)c->prog;
        a->argv[n++] = "--proc-type=secondary";
        a->argv[n++] = "--file-prefix";
        a->argv[n++] = (char *)sv->cfg.file_prefix;
        a->argv[n++] = "-l";
        a->argv[n++] = a->core;
        if (uplink_is_pci(&sv->cfg)) { /* a vdev uplink comes to secondaries from EAL */
                a->argv[n++] = "-a";
                a->argv[n++] = (char *)sv->cfg.uplink;
        } else {
                a->argv[n++] = "--no-pci";
        }
        a->argv[n++] = "--";
        a->argv[n++] = "-c";
        a->argv[n++] = (char *)sv->conf_path;
        if (c->worker < 0) {
                snprintf(a->num, sizeof(a->num), "%u", sv->vhostd_generation);
                a->argv[n++] = "--generation";
        } else {
                snprintf(a->num, sizeof(a->num), "%d", c->worker);
                a->argv[n++] = "--worker";
        }
        a->argv[n++] = a->num;
        if (handover_fd >= 0) {
                snprintf(a->handover, sizeof(a->handover), "%d", handover_fd);
                a->argv[n++] = "--handover-fd";
                a->argv[n++] = a->handover;
        }
        a->argv[n] = NULL;
}

/* In the forked child of a multi-threaded process (EAL has its threads):
 * only async-signal-safe calls until execv; failures show in the exit
 * status the supervisor logs. */
static void exec_child(const char *path, char *const argv[], uint32_t lcore, pid_t parent,
                       int keep_fd)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* If the supervisor dies, the primary is gone: stop with it rather
         * than run on unsupervised. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
                _exit(1);

        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(lcore, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                _exit(EXIT_PIN_FAILED);
        if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) < 0)
                _exit(EXIT_EXEC_FAILED);
        execv(path, argv);
        _exit(EXIT_EXEC_FAILED);
}

pid_t children_spawn(const struct supervisor *sv, const struct child *c, const char *path,
                     int handover_fd)
{
        struct child_argv a;

        build_child_argv(sv, c, handover_fd, &a);
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid == 0)
                exec_child(path, a.argv, c->lcore, parent, handover_fd);
        return pid;
}

static void start_child(struct supervisor *sv, struct child *c)
{
        const char *path = c->worker < 0 ? sv->vhostd_path : sv->dp_path;

        c->restart_at_ns = 0;
        c->restart_now = 0;
        if (c->worker < 0)
                sv->vhostd_generation++;
        pid_t pid = children_spawn(sv, c, path, -1);
        if (pid < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "fork for %s: %s; retrying in %u ms", c->prog,
                        strerror(errno), c->backoff_ms);
                c->restart_at_ns = now_ns() + c->backoff_ms * MS;
                return;
        }
        c->pid = pid;
        c->started_ns = now_ns();
        if (c->worker >= 0) {
                struct vsw_worker *w = &sv->st->workers[c->worker];
                w->pid = pid;
                if (c->starts > 0)
                        w->restarts++;
                atomic_store(&w->state, VSW_WORKER_STARTING);
                VSW_NOTICE(VSW_LOG_SUPERVISOR, "started vhost-dp worker %d on core %u, pid %d",
                           c->worker, c->lcore, pid);
        } else {
                VSW_NOTICE(VSW_LOG_SUPERVISOR, "started vhostd generation %u, pid %d",
                           sv->vhostd_generation, pid);
        }
        c->starts++;
}

static void describe_status(const struct supervisor *sv, const struct child *c, int status,
                            char *buf, size_t len)
{
        if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PIN_FAILED)
                snprintf(buf, len, "could not be pinned to core %u", c->lcore);
        else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_EXEC_FAILED)
                snprintf(buf, len, "could not be executed from %s",
                         c->worker < 0 ? sv->vhostd_path : sv->dp_path);
        else if (WIFEXITED(status))
                snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
                         strsignal(WTERMSIG(status)));
        else
                snprintf(buf, len, "ended (wait status 0x%x)", status);
}

struct child *children_by_pid(struct supervisor *sv, pid_t pid)
{
        for (unsigned i = 0; i < sv->nchildren; i++)
                if (sv->children[i].pid == pid)
                        return &sv->children[i];
        return NULL;
}

int children_exited(struct supervisor *sv, struct child *c, int status)
{
        char how[PATH_MAX + 64];
        describe_status(sv, c, status, how, sizeof(how));
        int planned = sv->stopping || c->restart_now;
        if (planned)
                VSW_INFO(VSW_LOG_SUPERVISOR, "%s (pid %d) %s", c->prog, c->pid, how);
        else
                VSW_ERR(VSW_LOG_SUPERVISOR, "%s (pid %d) %s", c->prog, c->pid, how);

        if (c->worker >= 0) {
                struct vsw_worker *w = &sv->st->workers[c->worker];
                w->pid = 0;
                /* A worker that stopped cleanly has already said ABSENT. */
                if (atomic_load(&w->state) != VSW_WORKER_ABSENT)
                        atomic_store(&w->state, VSW_WORKER_DEAD);
        }
        c->pid = 0;
        c->kill_at_ns = 0;
        return !sv->stopping;
}

void children_schedule_restart(struct child *c)
{
        uint64_t now = now_ns();
        if (c->restart_now) {
                c->restart_at_ns = now;
                c->backoff_ms = BACKOFF_MIN_MS;
                return;
        }
        if (now - c->started_ns > STABLE_RUN_MS * MS)
                c->backoff_ms = BACKOFF_MIN_MS;
        c->restart_at_ns = now + c->backoff_ms * MS;
        VSW_NOTICE(VSW_LOG_SUPERVISOR, "restarting %s in %u ms", c->prog, c->backoff_ms);
        c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

void children_stop(struct child *c, uint64_t now)
{
        if (c->pid <= 0 || c->kill_at_ns)
                return;
        if (kill(c->pid, SIGTERM) < 0 && errno != ESRCH)
                VSW_ERR(VSW_LOG_SUPERVISOR, "SIGTERM to %s (pid %d): %s", c->prog, c->pid,
                        strerror(errno));
        c->kill_at_ns = now + STOP_GRACE_MS * MS;
}

int children_tick(struct supervisor *sv)
{
        uint64_t now = now_ns();
        uint64_t next = UINT64_MAX;
        for (unsigned i = 0; i < sv->nchildren; i++) {
                struct child *c = &sv->children[i];
                if (c->pid > 0 && c->kill_at_ns) {
                        if (now >= c->kill_at_ns) {
                                VSW_WARN(VSW_LOG_SUPERVISOR,
                                         "%s (pid %d) still running %d ms after SIGTERM: SIGKILL",
                                         c->prog, c->pid, STOP_GRACE_MS);
                                kill(c->pid, SIGKILL);
                                c->kill_at_ns = UINT64_MAX; /* wait for the reap */
                        } else if (c->kill_at_ns < next) {
                                next = c->kill_at_ns;
                        }
                }
                if (c->pid == 0 && c->restart_at_ns && !sv->stopping) {
                        if (now >= c->restart_at_ns)
                                start_child(sv, c);
                        if (c->restart_at_ns && c->restart_at_ns < next)
                                next = c->restart_at_ns;
                }
        }
        if (next == UINT64_MAX)
                return -1;
        uint64_t ms = next > now ? (next - now + MS - 1) / MS : 0;
        return ms > 1000 ? 1000 : (int)ms;
}

void children_stop_all(struct supervisor *sv)
{
        uint64_t now = now_ns();
        sv->stopping = 1;
        for (unsigned i = 0; i < sv->nchildren; i++)
                children_stop(&sv->children[i], now);
}

int children_running(const struct supervisor *sv)
{
        int n = 0;
        for (unsigned i = 0; i < sv->nchildren; i++)
                n += sv->children[i].pid > 0;
        return n + (sv->ho.pid > 0);
}
