/* One line per event to stderr and to the log file, plus a ring of recent
 * lines for `show log`. Levels are process-local until the process attaches
 * to the memzone, then every process follows the levels stored there. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024
#define RING_LINES     512

static const char *const class_names[VSW_LOG_CLASS_MAX] = {
    [VSW_LOG_GENERAL] = "general",       [VSW_LOG_CONFIG] = "config",
    [VSW_LOG_VHOST_USER] = "vhost-user", [VSW_LOG_RPC] = "rpc",
    [VSW_LOG_VAULT] = "vault",           [VSW_LOG_SUPERVISOR] = "supervisor",
    [VSW_LOG_DATAPLANE] = "dataplane",
};

static const char *const level_names[VSW_LOG_LEVEL_MAX] = {
    [VSW_LOG_EMERG] = "emerg",   [VSW_LOG_ERR] = "err",   [VSW_LOG_WARNING] = "warn",
    [VSW_LOG_NOTICE] = "notice", [VSW_LOG_INFO] = "info", [VSW_LOG_DEBUG] = "debug",
};

static char proc_name[32];
static _Atomic int log_fd = -1;
static _Atomic int file_error_reported;
static struct vsw_state *_Atomic attached;
static _Atomic uint8_t local_level[VSW_LOG_CLASS_MAX] = {
    VSW_LOG_INFO, VSW_LOG_INFO, VSW_LOG_INFO, VSW_LOG_INFO,
    VSW_LOG_INFO, VSW_LOG_INFO, VSW_LOG_INFO,
};
_Static_assert(VSW_LOG_CLASS_MAX == 7, "initialise local_level for every class");

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[RING_LINES][LINE_MAX_BYTES];
static unsigned ring_next; /* next slot to write */
static unsigned ring_count;

static enum vsw_log_class valid_class(enum vsw_log_class cls)
{
        return (unsigned)cls < VSW_LOG_CLASS_MAX ? cls : VSW_LOG_GENERAL;
}

int vsw_log_open(const char *proc, const char *logfile, enum vsw_log_level default_level)
{
        snprintf(proc_name, sizeof(proc_name), "%s", proc);
        if ((unsigned)default_level >= VSW_LOG_LEVEL_MAX)
                default_level = VSW_LOG_INFO;
        /* Local levels only: once attached, the memzone's levels are everyone's. */
        for (int c = 0; c < VSW_LOG_CLASS_MAX; c++)
                atomic_store_explicit(&local_level[c], (uint8_t)default_level,
                                      memory_order_relaxed);
        int old = atomic_exchange(&log_fd, -1);
        if (old >= 0)
                close(old);
        if (!logfile)
                return 0;
        int fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0) {
                int e = errno;
                VSW_ERR(VSW_LOG_GENERAL, "cannot open log file %s: %s; logging to stderr only",
                        logfile, strerror(e));
                errno = e;
                return -1;
        }
        atomic_store(&file_error_reported, 0);
        atomic_store(&log_fd, fd);
        return 0;
}

void vsw_log_attach(struct vsw_state *st)
{
        atomic_store_explicit(&attached, st, memory_order_release);
}

void vsw_log_set_level(enum vsw_log_class cls, enum vsw_log_level lvl)
{
        if ((unsigned)cls >= VSW_LOG_CLASS_MAX || (unsigned)lvl >= VSW_LOG_LEVEL_MAX)
                return;
        struct vsw_state *st = atomic_load_explicit(&attached, memory_order_acquire);
        if (st)
                atomic_store_explicit(&st->log_level[cls], (uint8_t)lvl, memory_order_relaxed);
        else
                atomic_store_explicit(&local_level[cls], (uint8_t)lvl, memory_order_relaxed);
}

enum vsw_log_level vsw_log_get_level(enum vsw_log_class cls)
{
        cls = valid_class(cls);
        struct vsw_state *st = atomic_load_explicit(&attached, memory_order_acquire);
        uint8_t lvl = st ? atomic_load_explicit(&st->log_level[cls], memory_order_relaxed)
                         : atomic_load_explicit(&local_level[cls], memory_order_relaxed);
        /* The memzone is shared memory: never trust it to hold a valid level. */
        return lvl < VSW_LOG_LEVEL_MAX ? (enum vsw_log_level)lvl : VSW_LOG_DEBUG;
}

int vsw_log_enabled(enum vsw_log_class cls, enum vsw_log_level lvl)
{
        return lvl <= vsw_log_get_level(cls);
}

/* Writes all of buf; a short write is retried, errors are returned. */
static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static void ring_add(const char *line, size_t len)
{
        if (pthread_mutex_lock(&ring_lock) != 0)
                return;
        memcpy(ring[ring_next], line, len);
        ring[ring_next][len] = '\0';
        ring_next = (ring_next + 1) % RING_LINES;
        if (ring_count < RING_LINES)
                ring_count++;
        pthread_mutex_unlock(&ring_lock);
}

/* "2026-11-21T22:40:01.123Z vhostd[1234] vhost-user err: " */
static size_t line_prefix(char *buf, size_t size, enum vsw_log_class cls, enum vsw_log_level lvl)
{
        struct timespec ts;
        struct tm tm;
        char stamp[32] = "0000-00-00T00:00:00";
        if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm))
                strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        else
                ts.tv_nsec = 0;
        const char *proc = proc_name[0] ? proc_name : program_invocation_short_name;
        int n = snprintf(buf, size, "%s.%03ldZ %s[%d] %s %s: ", stamp, ts.tv_nsec / 1000000L, proc,
                         (int)getpid(), class_names[cls], level_names[lvl]);
        return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

void vsw_log(enum vsw_log_class cls, enum vsw_log_level lvl, const char *fmt, ...)
{
        int saved_errno = errno; /* callers log and then look at errno */
        cls = valid_class(cls);
        if ((unsigned)lvl >= VSW_LOG_LEVEL_MAX)
                lvl = VSW_LOG_DEBUG;
        if (!vsw_log_enabled(cls, lvl))
                return;

        char line[LINE_MAX_BYTES + 1]; /* + the newline */
        size_t len = line_prefix(line, LINE_MAX_BYTES, cls, lvl);
        size_t msg_start = len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line + len, LINE_MAX_BYTES - len, fmt, ap);
        va_end(ap);
        if (n > 0 && (size_t)n >= LINE_MAX_BYTES - len) {
                len = LINE_MAX_BYTES - 1;
                memcpy(line + len - 3, "...", 3);
        } else if (n > 0) {
                len += (size_t)n;
        }
        /* One event, one line: messages may quote what a VM sent. */
        while (len > msg_start && line[len - 1] == '\n')
                len--;
        for (size_t i = msg_start; i < len; i++)
                if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
                        line[i] = '?';

        ring_add(line, len);
        line[len++] = '\n';
        /* One write() each, so lines from several processes do not interleave. */
        (void)write_all(STDERR_FILENO, line, len); /* stderr may be gone; the file need not be */
        int fd = atomic_load(&log_fd);
        if (fd >= 0 && write_all(fd, line, len) < 0 && !atomic_exchange(&file_error_reported, 1)) {
                char msg[128];
                int m = snprintf(msg, sizeof(msg), "log file write failed: %s\n", strerror(errno));
                if (m > 0)
                        (void)write_all(STDERR_FILENO, msg, (size_t)m);
        }
        errno = saved_errno;
}

int vsw_log_class_from_name(const char *name)
{
        for (int c = 0; c < VSW_LOG_CLASS_MAX; c++)
                if (strcasecmp(name, class_names[c]) == 0)
                        return c;
        return -1;
}

int vsw_log_level_from_name(const char *name)
{
        if (strcasecmp(name, "error") == 0)
                return VSW_LOG_ERR;
        if (strcasecmp(name, "warning") == 0)
                return VSW_LOG_WARNING;
        for (int l = 0; l < VSW_LOG_LEVEL_MAX; l++)
                if (strcasecmp(name, level_names[l]) == 0)
                        return l;
        return -1;
}

const char *vsw_log_class_name(enum vsw_log_class cls)
{
        return (unsigned)cls < VSW_LOG_CLASS_MAX ? class_names[cls] : "unknown";
}

const char *vsw_log_level_name(enum vsw_log_level lvl)
{
        return (unsigned)lvl < VSW_LOG_LEVEL_MAX ? level_names[lvl] : "unknown";
}

void vsw_log_recent(void (*fn)(const char *line, void *arg), void *arg)
{
        /* Copy first: fn may itself log, which takes the lock. */
        char(*copy)[LINE_MAX_BYTES] = malloc(sizeof(ring));
        if (!copy) {
                VSW_ERR(VSW_LOG_GENERAL, "out of memory copying the recent log lines");
                return;
        }
        if (pthread_mutex_lock(&ring_lock) != 0) {
                free(copy);
                return;
        }
        unsigned count = ring_count;
        unsigned first = (ring_next + RING_LINES - count) % RING_LINES;
        for (unsigned i = 0; i < count; i++)
                memcpy(copy[i], ring[(first + i) % RING_LINES], LINE_MAX_BYTES);
        pthread_mutex_unlock(&ring_lock);
        for (unsigned i = 0; i < count; i++)
                fn(copy[i], arg);
        free(copy);
}
