/* Before EAL: are there enough free hugepages for socket-mem? EAL's own
 * failure says only that memory could not be reserved; this says how many
 * pages are needed, how many are free, and the command that reserves them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include "log.h"
#include "supervisor.h"

#define HUGETLBFS_MAGIC 0x958458f6

static int read_count(const char *path, unsigned long *v)
{
        FILE *f = fopen(path, "re");
        int ok;

        if (!f)
                return -1;
        ok = fscanf(f, "%lu", v) == 1;
        fclose(f);
        return ok ? 0 : -1;
}

int hugepages_check(const struct vsw_config *cfg)
{
        struct statfs fs;
        unsigned long free_pages, total, page_kb, needed;
        char dir[128], path[192];

        if (statfs(cfg->huge_dir, &fs) < 0) {
                VSW_ERR(VSW_LOG_SUPERVISOR, "huge-dir %s: %s", cfg->huge_dir, strerror(errno));
                return -1;
        }
        if (fs.f_type != HUGETLBFS_MAGIC) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "huge-dir %s is not a hugetlbfs mount: mount one with: mount -t hugetlbfs "
                        "nodev %s (or run deploy/hugepages.sh)",
                        cfg->huge_dir, cfg->huge_dir);
                return -1;
        }
        page_kb = (unsigned long)fs.f_bsize / 1024;
        snprintf(dir, sizeof(dir), "/sys/kernel/mm/hugepages/hugepages-%lukB", page_kb);
        snprintf(path, sizeof(path), "%s/free_hugepages", dir);
        if (read_count(path, &free_pages) < 0)
                return 0; /* no sysfs to ask: EAL will say what it finds */
        snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
        if (read_count(path, &total) < 0)
                return 0;
        needed = ((unsigned long)cfg->socket_mem_mb * 1024 + page_kb - 1) / page_kb;
        if (free_pages >= needed)
                return 0;
        VSW_ERR(VSW_LOG_SUPERVISOR,
                "too few free hugepages: socket-mem %u MB needs %lu pages of %lu kB, %lu of %lu "
                "are free; reserve more with: echo %lu > %s/nr_hugepages",
                cfg->socket_mem_mb, needed, page_kb, free_pages, total, total + needed - free_pages,
                dir);
        return -1;
}
