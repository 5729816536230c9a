/* An interface as one worker sees it: its guest memory, mapped from the
 * vault's fds, its rings' call eventfds, and where its RX queues are
 * polled (the routes other interfaces' frames take to it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp_worker.h"
#include "log.h"
#include "vault.h"

static int fetch(struct dp_worker *w, const char *key)
{
        int fd = vsw_vault_fetch(w->vault, key);

        if (fd < 0)
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: fetching %s from the vault: %s", w->idx, key,
                        strerror(-fd));
        return fd;
}

static int map_mem(struct dp_worker *w, uint16_t iface)
{
        const struct vsw_iface *ifc = &w->st->ifaces[iface];
        struct dp_iface *d = &w->ifaces[iface];
        const struct vsw_mem_table *table = &ifc->mem;
        int fds[VSW_MAX_MEM_REGIONS];
        char key[VSW_VAULT_KEY_LEN], err[256];
        int rc = 0;

        if (d->mapped)
                gm_unmap(&d->gm);
        d->mapped = 0;
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                fds[i] = -1;
                if (!table->regions[i].in_use || rc < 0)
                        continue;
                snprintf(key, sizeof(key), "if%u/mem/g%u/%u", ifc->sw_if_index, table->generation,
                         i);
                fds[i] = fetch(w, key);
                if (fds[i] < 0)
                        rc = -1;
        }
        if (rc == 0 && gm_map(&d->gm, table, fds, err, sizeof(err)) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "%s: mapping guest memory (generation %u): %s",
                        ifc->name, table->generation, err);
                rc = -1;
        }
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        if (rc < 0)
                return -1;
        d->mapped = 1;
        d->mem_gen = table->generation;
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: %s: guest memory generation %u mapped (%u regions)",
                 w->idx, ifc->name, table->generation, table->nregions);
        return 0;
}

static void unmap_log(struct dp_iface *d)
{
        if (d->log_mapped)
                dirty_log_unmap(&d->log);
        d->log_mapped = 0;
}

static int map_log(struct dp_worker *w, uint16_t iface)
{
        const struct vsw_iface *ifc = &w->st->ifaces[iface];
        struct dp_iface *d = &w->ifaces[iface];
        char key[VSW_VAULT_KEY_LEN], err[256];
        int fd, rc;

        unmap_log(d);
        snprintf(key, sizeof(key), "if%u/log/%u", ifc->sw_if_index, ifc->log_gen);
        fd = fetch(w, key);
        if (fd < 0)
                return -1;
        rc = dirty_log_map(&d->log, fd, ifc->log_size, ifc->log_offset, err, sizeof(err));
        close(fd);
        if (rc < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "%s: mapping the dirty log (generation %u): %s",
                        ifc->name, ifc->log_gen, err);
                return -1;
        }
        d->log_mapped = 1;
        d->log_gen = ifc->log_gen;
        return 0;
}

int dp_iface_sync(struct dp_worker *w, uint16_t iface)
{
        const struct vsw_iface *ifc = &w->st->ifaces[iface];
        struct dp_iface *d = &w->ifaces[iface];
        int want_log = (ifc->features & DP_F_LOG_ALL) && ifc->log_size;
        int changed = 0;

        if (!d->mapped || d->mem_gen != ifc->mem.generation) {
                if (map_mem(w, iface) < 0)
                        return -1;
                changed = 1;
        }
        if (want_log && (!d->log_mapped || d->log_gen != ifc->log_gen)) {
                if (map_log(w, iface) < 0)
                        return -1;
                changed = 1;
        } else if (!want_log && d->log_mapped) {
                unmap_log(d);
                changed = 1;
        }
        return changed;
}

void dp_iface_unmap(struct dp_worker *w, uint16_t iface)
{
        struct dp_iface *d = &w->ifaces[iface];

        unmap_log(d);
        if (d->mapped)
                gm_unmap(&d->gm);
        d->mapped = 0;
}

void dp_iface_fetch_call(struct dp_worker *w, struct dp_vq *vq)
{
        const struct vsw_vring *vr = vq->shared;
        char key[VSW_VAULT_KEY_LEN];

        if (vq->callfd >= 0 && vq->call_gen == vr->call_gen)
                return;
        if (vq->callfd >= 0)
                close(vq->callfd);
        vq->callfd = -1;
        vq->call_gen = vr->call_gen;
        if (vr->state & VSW_VRING_CALL_NONE || vr->callfd < 0)
                return;
        snprintf(key, sizeof(key), "if%u/vq%u/call", vq->sw_if_index, vq->vring);
        vq->callfd = fetch(w, key);
}

void dp_notify(struct dp_vq *vq)
{
        static const uint64_t one = 1;

        /* EAGAIN: the counter is saturated, the guest has an interrupt
         * pending anyway. */
        if (write(vq->callfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
                VSW_WARN(VSW_LOG_DATAPLANE, "if %u vring %u: writing the call eventfd: %s",
                         vq->sw_if_index, vq->vring, strerror(errno));
}

void dp_routes_refresh(struct dp_worker *w)
{
        uint32_t need = VSW_VRING_ADDR_SET | VSW_VRING_STARTED | VSW_VRING_ENABLED;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &w->st->ifaces[i];
                struct dp_route *r = &w->routes[i];
                uint8_t n = 0;

                w->ifaces[i].admin_up = ifc->in_use && ifc->admin_up;
                for (unsigned q = 0; w->ifaces[i].admin_up && q < VSW_MAX_VRINGS; q += 2) {
                        const struct vsw_vring *vr = &ifc->vrings[q];
                        uint32_t owner = atomic_load_explicit(&vr->owner, memory_order_acquire);

                        if ((vr->state & need) != need || owner >= w->st->nworkers)
                                continue;
                        r->rxq[n] = (uint8_t)q;
                        r->owner[n++] = (uint8_t)owner;
                }
                r->nrxq = n;
        }
}
