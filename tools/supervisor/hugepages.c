/* DPDK leaves its hugepage files (<huge-dir>/<prefix>map_*) and its runtime
 * dir (/var/run/dpdk/<prefix>) behind after rte_eal_cleanup(); the pages stay
 * reserved until the files go, so the supervisor removes them on the way out. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"

/* Removes the entries of dir whose names start with prefix (all if ""). */
static void remove_matching(const char *dir, const char *prefix)
{
        DIR *d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        VSW_ERR(VSW_LOG_SUPERVISOR, "open %s: %s", dir, strerror(errno));
                return;
        }
        size_t len = strlen(prefix);
        struct dirent *e;
        while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                if (strncmp(e->d_name, prefix, len) != 0)
                        continue;
                if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
                        VSW_ERR(VSW_LOG_SUPERVISOR, "remove %s/%s: %s", dir, e->d_name,
                                strerror(errno));
        }
        closedir(d);
}

void hugepages_release(const char *huge_dir, const char *prefix, const char *dpdk_runtime_dir)
{
        char map_prefix[VSW_CONF_STR + 8];
        snprintf(map_prefix, sizeof(map_prefix), "%smap_", prefix);
        remove_matching(huge_dir, map_prefix);
        if (dpdk_runtime_dir[0]) {
                remove_matching(dpdk_runtime_dir, "");
                if (rmdir(dpdk_runtime_dir) < 0 && errno != ENOENT)
                        VSW_ERR(VSW_LOG_SUPERVISOR, "remove %s: %s", dpdk_runtime_dir,
                                strerror(errno));
        }
}
