#include "fd_budget.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "vault.h"

uint64_t vsw_raise_nofile(char *err, size_t errlen)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
                snprintf(err, errlen, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
                return 0;
        }
        if (rl.rlim_cur == rl.rlim_max)
                return rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                snprintf(err, errlen, "raising the open-file limit to its hard limit %llu: %s",
                         (unsigned long long)rl.rlim_max, strerror(errno));
                if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                        return 0;
        }
        return rl.rlim_cur;
}

uint32_t vsw_mem_fd_budget(uint64_t nofile, uint64_t vault_max)
{
        uint64_t cap = nofile < vault_max ? nofile : vault_max;

        if (cap <= VSW_FD_RESERVE)
                return 0;
        cap -= VSW_FD_RESERVE;
        return cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

int vsw_mem_fds_check(const struct vsw_state *st, unsigned iface, uint32_t nregions, char *err,
                      size_t errlen)
{
        uint64_t others = 0;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (i != iface)
                        others += st->ifaces[i].mem.nregions;
        if (others + nregions <= st->mem_fd_budget)
                return 0;
        snprintf(err, errlen,
                 "%u memory regions here and %llu on the other interfaces would be over the "
                 "switch's budget of %u region fds (the open-file limit and the vault's %u fds, "
                 "less %u for other fds; raise LimitNOFILE or lower vhost { max-mem-slots })",
                 nregions, (unsigned long long)others, st->mem_fd_budget, VSW_VAULT_MAX_FDS,
                 VSW_FD_RESERVE);
        return -1;
}
