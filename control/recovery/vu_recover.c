#include "vu_recover.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vault.h"
#include "vault_keys.h"

/* Where a vault key belongs in the process-local state. */
struct key_slot {
        int *fd;    /* NULL: the memzone does not name this key */
        int orphan; /* a stale generation: the sweep withdraws it */
};

static struct key_slot classify(struct vu_dev *dev, const char *key, int *listen_fd, int *conn_fd)
{
        struct vsw_iface *ifc = dev->ifc;
        struct key_slot s = {NULL, 0};
        struct vsw_key k;

        if (vsw_key_parse(key, ifc->sw_if_index, &k) < 0)
                return s;
        switch (k.kind) {
        case VSW_KEY_LISTEN:
                s.fd = listen_fd;
                break;
        case VSW_KEY_CONN:
                s.fd = conn_fd;
                break;
        case VSW_KEY_LOGFD:
                s.fd = &dev->log_notify_fd;
                break;
        case VSW_KEY_BACKEND:
                s.fd = &dev->backend_fd;
                break;
        case VSW_KEY_MEM:
                if (k.b < VSW_MAX_MEM_REGIONS && ifc->mem.regions[k.b].in_use &&
                    k.a == ifc->mem.regions[k.b].key_gen)
                        s.fd = &dev->mem_fd[k.b];
                else
                        s.orphan = 1;
                break;
        case VSW_KEY_LOG:
                if (k.a == ifc->log_gen)
                        s.fd = &dev->log_fd;
                else
                        s.orphan = 1;
                break;
        case VSW_KEY_KICK:
        case VSW_KEY_CALL:
        case VSW_KEY_ERR:
                if (k.a < VSW_MAX_VRINGS)
                        s.fd = k.kind == VSW_KEY_KICK   ? &dev->kick_fd[k.a]
                               : k.kind == VSW_KEY_CALL ? &dev->call_fd[k.a]
                                                        : &dev->err_fd[k.a];
                break;
        default:
                break;
        }
        return s;
}

/* Calls fn for each key of the interface. */
static int for_each_key(struct vu_dev *dev, char *err, size_t errlen,
                        void (*fn)(struct vu_dev *, const char *key, void *), void *arg)
{
        static char keys[VSW_VAULT_LIST_MAX];
        char prefix[VSW_VAULT_KEY_LEN];
        int n;

        if (dev->vault < 0) {
                snprintf(err, errlen, "no vault to take the fds from");
                return -1;
        }
        vsw_key_format(prefix, dev->ifc->sw_if_index, (struct vsw_key){.kind = VSW_KEY_ALL});
        n = vsw_vault_list(dev->vault, prefix, keys, sizeof(keys));
        if (n < 0) {
                snprintf(err, errlen, "listing %s* in the vault: %s", prefix, strerror(-n));
                return -1;
        }
        for (int off = 0; off < n;) {
                const char *key = keys + off;
                size_t len = strnlen(key, (size_t)(n - off));

                fn(dev, key, arg);
                off += (int)len + 1;
        }
        return 0;
}

struct fetch_ctx {
        int *listen_fd, *conn_fd;
        unsigned fetched, failed;
};

static void fetch_one(struct vu_dev *dev, const char *key, void *arg)
{
        struct fetch_ctx *f = arg;
        struct key_slot s = classify(dev, key, f->listen_fd, f->conn_fd);

        if (!s.fd)
                return;
        int fd = vsw_vault_fetch(dev->vault, key);

        if (fd < 0) {
                VSW_ERR(VSW_LOG_VAULT, "%s: fetching %s from the vault: %s", dev->ifc->name, key,
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

static void sweep_one(struct vu_dev *dev, const char *key, void *arg)
{
        struct key_slot s = classify(dev, key, NULL, NULL);
        int rc;

        (void)arg;
        if (!s.orphan)
                return;
        rc = vsw_vault_withdraw(dev->vault, key);
        if (rc < 0)
                VSW_ERR(VSW_LOG_VAULT, "%s: withdrawing the stale %s: %s", dev->ifc->name, key,
                        strerror(-rc));
        else
                VSW_NOTICE(VSW_LOG_VAULT, "%s: withdrew %s, which the memzone no longer names",
                           dev->ifc->name, key);
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
