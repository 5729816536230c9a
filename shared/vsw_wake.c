/* The wake eventfds, process side (vsw_wake.h). */
#include "vsw_wake.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int wake_fd[VSW_MAX_WORKERS] = {[0 ... VSW_MAX_WORKERS - 1] = -1};
static int wake_vault = -1;
static const struct vsw_state *wake_st;
static uint32_t wake_n;

void vsw_wake_key(char key[VSW_VAULT_KEY_LEN], uint32_t worker)
{
        snprintf(key, VSW_VAULT_KEY_LEN, "worker%u/wake", worker);
}

static int fetch(uint32_t worker)
{
        char key[VSW_VAULT_KEY_LEN];
        int fd;

        if (wake_vault < 0)
                return -1;
        vsw_wake_key(key, worker);
        fd = vsw_vault_fetch(wake_vault, key);
        if (fd < 0) {
                VSW_WARN(VSW_LOG_VAULT, "vault: no %s (%s): worker %u wakes on its timer only", key,
                         strerror(-fd), worker);
                return -1;
        }
        wake_fd[worker] = fd;
        return 0;
}

int vsw_wake_attach(struct vsw_state *st, int vault)
{
        int rc = 0;

        wake_vault = vault;
        wake_st = st;
        wake_n = st->nworkers < VSW_MAX_WORKERS ? st->nworkers : VSW_MAX_WORKERS;
        for (uint32_t i = 0; i < wake_n; i++)
                if (wake_fd[i] < 0 && fetch(i) < 0)
                        rc = -1;
        return rc;
}

void vsw_wake(uint32_t worker)
{
        static const uint64_t one = 1;

        if (!wake_st || worker >= wake_n)
                return;
        atomic_thread_fence(memory_order_seq_cst);
        if (!atomic_load_explicit(&wake_st->workers[worker].sleeping, memory_order_relaxed))
                return;
        if (wake_fd[worker] < 0 && fetch(worker) < 0)
                return;
        /* The fd is ours (the supervisor's eventfd, non-blocking): EAGAIN
         * means a wake is pending anyway. */
        if (write(wake_fd[worker], &one, sizeof(one)) < 0 && errno != EAGAIN)
                VSW_WARN(VSW_LOG_VAULT, "waking worker %u: %s", worker, strerror(errno));
}
