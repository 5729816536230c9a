#include "vu_recover.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vault.h"

/* Where a vault key belongs in the process-local state. */
struct key_slot {
        int *fd;    /* NULL: the memzone does not name this key */
        int orphan; /* a stale generation: the sweep withdraws it */
};

static struct key_slot classify(struct vu_dev *dev, const char *key, int *listen_fd, int *conn_fd)
{
        struct vsw_iface *ifc = dev->ifc;
        struct key_slot s = {NULL, 0};
        unsigned a, b;
        int n = 0;
        char kind[8];

        if (strcmp(key, "listen") == 0) {
                s.fd = listen_fd;
        } else if (strcmp(key, "conn") == 0) {
                s.fd = conn_fd;
        } else if (strcmp(key, "logfd") == 0) {
                s.fd = &dev->log_notify_fd;
        } else if (strcmp(key, "backend") == 0) {
                s.fd = &dev->backend_fd;
        } else if (sscanf(key, "mem/g%u/%u%n", &a, &b, &n) == 2 && key[n] == '\0') {
                if (a == ifc->mem.generation && b < VSW_MAX_MEM_REGIONS &&
                    ifc->mem.regions[b].in_use)
                        s.fd = &dev->mem_fd[b];
                else
                        s.orphan = 1;
        } else if (sscanf(key, "log/%u%n", &a, &n) == 1 && key[n] == '\0') {
                if (a == ifc->log_gen)
                        s.fd = &dev->log_fd;
                else
                        s.orphan = 1;
        } else if (sscanf(key, "vq%u/%7[a-z]%n", &a, kind, &n) == 2 && key[n] == '\0' &&
                   a < VSW_MAX_VRINGS) {
                if (strcmp(kind, "kick") == 0)
                        s.fd = &dev->kick_fd[a];
                else if (strcmp(kind, "call") == 0)
                        s.fd = &dev->call_fd[a];
                else if (strcmp(kind, "err") == 0)
                        s.fd = &dev->err_fd[a];
        }
        return s;
}

/* Calls fn for each key under "if<N>/" (the key given without the prefix). */
static int for_each_key(struct vu_dev *dev, char *err, size_t errlen,
                        void (*fn)(struct vu_dev *, const char *full, const char *key, void *),
                        void *arg)
{
        static char keys[VSW_VAULT_LIST_MAX];
        char prefix[32];
        int n;

        if (dev->vault < 0) {
                snprintf(err, errlen, "no vault to take the fds from");
                return -1;
        }
        snprintf(prefix, sizeof(prefix), "if%u/", dev->ifc->sw_if_index);
        n = vsw_vault_list(dev->vault, prefix, keys, sizeof(keys));
        if (n < 0) {
                snprintf(err, errlen, "listing %s* in the vault: %s", prefix, strerror(-n));
                return -1;
        }
        for (int off = 0; off < n;) {
                const char *full = keys + off;
                size_t len = strnlen(full, (size_t)(n - off));

                if (len > strlen(prefix))
                        fn(dev, full, full + strlen(prefix), arg);
                off += (int)len + 1;
        }
        return 0;
}

struct fetch_ctx {
        int *listen_fd, *conn_fd;
        unsigned fetched, failed;
};

static void fetch_one(struct vu_dev *dev, const char *full, const char *key, void *arg)
{
        struct fetch_ctx *f = arg;
        struct key_slot s = classify(dev, key, f->listen_fd, f->conn_fd);

        if (!s.fd)
                return;
        int fd = vsw_vault_fetch(dev->vault, full);

        if (fd < 0) {
                VSW_ERR(VSW_LOG_VAULT, "%s: fetching %s from the vault: %s", dev->ifc->name, full,
                        strerror(-fd));
                f->failed++;
                return;
        }
        if (*s.fd >= 0)
                close(*s.fd);
        *s.fd = fd;
        f->fetched++;
}

int vu_recover_fetch(struct vu_dev *dev, int *listen_fd, int *conn_fd, char *err, size_t errlen)
{
        struct fetch_ctx f = {listen_fd, conn_fd, 0, 0};

        *listen_fd = *conn_fd = -1;
        if (for_each_key(dev, err, errlen, fetch_one, &f) < 0)
                return -1;
        VSW_INFO(VSW_LOG_VAULT, "%s: took %u fds from the vault%s", dev->ifc->name, f.fetched,
                 f.failed ? " (some failed)" : "");
        return 0;
}

static void sweep_one(struct vu_dev *dev, const char *full, const char *key, void *arg)
{
        struct key_slot s = classify(dev, key, NULL, NULL);
        int rc;

        (void)arg;
        if (!s.orphan)
                return;
        rc = vsw_vault_withdraw(dev->vault, full);
        if (rc < 0)
                VSW_ERR(VSW_LOG_VAULT, "%s: withdrawing the stale %s: %s", dev->ifc->name, full,
                        strerror(-rc));
        else
                VSW_NOTICE(VSW_LOG_VAULT, "%s: withdrew %s, which the memzone no longer names",
                           dev->ifc->name, full);
}

void vu_recover_sweep(struct vu_dev *dev)
{
        char err[128];

        if (for_each_key(dev, err, sizeof(err), sweep_one, NULL) < 0 && dev->vault >= 0)
                VSW_ERR(VSW_LOG_VAULT, "%s: %s", dev->ifc->name, err);
}

void vu_recover_publish(struct vu_dev *dev)
{
        struct vsw_iface *ifc = dev->ifc;

        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (ifc->mem.regions[i].in_use)
                        ifc->mem.regions[i].fd = dev->mem_fd[i];
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                ifc->vrings[q].kickfd = dev->kick_fd[q];
                ifc->vrings[q].callfd = dev->call_fd[q];
                ifc->vrings[q].errfd = dev->err_fd[q];
        }
}
