/* Logging shared by every process: one line per event, to stderr and to
 * <runtime-dir>/vhostsw.log, filtered by per-class levels that live in the
 * memzone once a process has attached to it. */
#ifndef VSW_LOG_H
#define VSW_LOG_H

#include "vsw_state.h"

/* proc names the process in each line ("vhostd", "vhost-dp@1", ...);
 * logfile may be NULL (stderr only). */
int vsw_log_open(const char *proc, const char *logfile, enum vsw_log_level default_level);
/* Levels come from the memzone from now on (NULL: back to local levels). */
void vsw_log_attach(struct vsw_state *st);
void vsw_log_set_level(enum vsw_log_class cls, enum vsw_log_level lvl);
enum vsw_log_level vsw_log_get_level(enum vsw_log_class cls);
int vsw_log_enabled(enum vsw_log_class cls, enum vsw_log_level lvl);

void vsw_log(enum vsw_log_class cls, enum vsw_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Names as the CLI spells them; -1 when unknown. */
int vsw_log_class_from_name(const char *name);
int vsw_log_level_from_name(const char *name);
const char *vsw_log_class_name(enum vsw_log_class cls);
const char *vsw_log_level_name(enum vsw_log_level lvl);

/* The last lines this process logged, oldest first, for `show log`.
 * Calls fn once per line. */
void vsw_log_recent(void (*fn)(const char *line, void *arg), void *arg);

#define VSW_ERR(cls, ...)    vsw_log(cls, VSW_LOG_ERR, __VA_ARGS__)
#define VSW_WARN(cls, ...)   vsw_log(cls, VSW_LOG_WARNING, __VA_ARGS__)
#define VSW_NOTICE(cls, ...) vsw_log(cls, VSW_LOG_NOTICE, __VA_ARGS__)
#define VSW_INFO(cls, ...)   vsw_log(cls, VSW_LOG_INFO, __VA_ARGS__)
#define VSW_DEBUG(cls, ...)                                                                        \
        do {                                                                                       \
                if (vsw_log_enabled(cls, VSW_LOG_DEBUG))                                           \
                        vsw_log(cls, VSW_LOG_DEBUG, __VA_ARGS__);                                  \
        } while (0)

#endif
