/* An interface as one worker sees it: its guest memory, mapped from the
 * vault's fds, its rings' call eventfds, and where its RX queues are
 * polled (the routes other interfaces' frames take to it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_ether.h>

#include "dp_worker.h"
#include "log.h"
#include "vault.h"
#include "vault_keys.h"
#include "virtio_spec.h"

static int fetch(struct dp_worker *w, const char *key)
{
        int fd = vsw_vault_fetch(w->vault, key);

        if (fd < 0)
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: fetching %s from the vault: %s", w->idx, key,
                        strerror(-fd));
        return fd;
}

/* Only the maps fresh made itself: those it shares with the old map are
 * tracked already (and go with whichever owns them last). */
static void track_mem(uint16_t iface, const struct guest_mem *gm, const int *fds)
{
        for (uint32_t i = 0; i < gm->nregions; i++)
                if (fds[gm->regions[i].slot] >= 0)
                        dp_fault_track(iface, gm->regions[i].map_base, gm->regions[i].map_len);
}

static void untrack_mem(const struct guest_mem *gm)
{
        for (uint32_t i = 0; i < gm->nregions; i++)
                if (gm->regions[i].map_base)
                        dp_fault_untrack(gm->regions[i].map_base);
}

/* Records a table this worker cannot map: every worker holds the interface
 * until the front end sends another. */
static void map_failed(struct dp_worker *w, struct vsw_iface *ifc, uint32_t generation)
{
        struct vsw_iface_fault *f = &ifc->mem_fault;

        f->worker = w->idx;
        f->mem_gen = generation;
        __atomic_fetch_add(&f->count, 1, __ATOMIC_RELAXED); /* workers may race */
        atomic_store_explicit(&f->kind, VSW_FAULT_MEM_MAP, memory_order_release);
}

/* Maps the new table beside the old one and switches over only once it is
 * all mapped: rings still running on the old maps keep valid pointers
 * until the caller restarts them, and a failure leaves the old maps as
 * they were for the caller to stop the rings before unmapping. Regions the
 * old map holds already are shared, not fetched and mapped again: hot-adding
 * a DIMM to a guest of hundreds maps one region. */
static int map_mem(struct dp_worker *w, uint16_t iface)
{
        struct vsw_iface *ifc = &w->st->ifaces[iface];
        struct dp_iface *d = &w->ifaces[iface];
        const struct vsw_mem_table *table = &ifc->mem;
        uint32_t generation = table->generation;
        static struct guest_mem fresh; /* 28 KiB; one poll loop per process */
        /* After a fault the old maps are anonymous memory: nothing to share. */
        const struct guest_mem *old = d->mapped && !d->faulted ? &d->gm : NULL;
        int fds[VSW_MAX_MEM_REGIONS];
        char key[VSW_VAULT_KEY_LEN], err[256];
        int rc = 0;

        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                fds[i] = -1;
                if (!table->regions[i].in_use || rc < 0 || gm_has_region(old, table, i))
                        continue;
                vsw_key_format(key, ifc->sw_if_index,
                               (struct vsw_key){VSW_KEY_MEM, table->regions[i].key_gen, i});
                fds[i] = fetch(w, key);
                if (fds[i] < 0) {
                        snprintf(err, sizeof(err), "its region %u is not in the vault", i);
                        rc = -1;
                }
        }
        if (rc == 0 && gm_map(&fresh, table, fds, old, err, sizeof(err)) < 0)
                rc = -1;
        if (rc < 0) {
                for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                        if (fds[i] >= 0)
                                close(fds[i]);
                map_failed(w, ifc, generation);
                VSW_ERR(VSW_LOG_DATAPLANE,
                        "%s: worker %u cannot map guest memory (generation %u): %s; interface "
                        "stopped until its front end sends a new memory table",
                        ifc->name, w->idx, generation, err);
                return -1;
        }
        dp_iface_retire(w, iface); /* a previous switch's, normally gone already */
        track_mem(iface, &fresh, fds);
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        if (d->mapped) {
                gm_disown(&d->gm, &fresh);
                d->retired = d->gm;
                d->has_retired = 1;
        }
        d->gm = fresh;
        d->mapped = 1;
        d->faulted = 0;
        d->mem_gen = generation;
        VSW_INFO(VSW_LOG_DATAPLANE, "worker %u: %s: guest memory generation %u mapped (%u regions)",
                 w->idx, ifc->name, generation, table->nregions);
        return 0;
}

static void unmap_log(struct dp_iface *d)
{
        if (d->log_mapped) {
                dp_fault_untrack(d->log.map_base);
                dirty_log_unmap(&d->log);
        }
        d->log_mapped = 0;
}

/* Like the memory: the new log is mapped before the old one goes. */
static int map_log(struct dp_worker *w, uint16_t iface)
{
        struct vsw_iface *ifc = &w->st->ifaces[iface];
        struct dp_iface *d = &w->ifaces[iface];
        char key[VSW_VAULT_KEY_LEN], err[256];
        struct dirty_log fresh;
        int fd, rc;

        vsw_key_format(key, ifc->sw_if_index,
                       (struct vsw_key){.kind = VSW_KEY_LOG, .a = ifc->log_gen});
        fd = fetch(w, key);
        if (fd < 0) {
                map_failed(w, ifc, ifc->mem.generation);
                return -1;
        }
        rc = dirty_log_map(&fresh, fd, ifc->log_size, ifc->log_offset, err, sizeof(err));
        close(fd);
        if (rc < 0) {
                /* Running without it would corrupt a migration: the
                 * interface stops like for a table that cannot be mapped. */
                map_failed(w, ifc, ifc->mem.generation);
                VSW_ERR(VSW_LOG_DATAPLANE,
                        "%s: worker %u cannot map the dirty log (generation %u): %s; interface "
                        "stopped until its front end sends a new memory table",
                        ifc->name, w->idx, ifc->log_gen, err);
                return -1;
        }
        dp_fault_track(iface, fresh.map_base, fresh.map_len);
        unmap_log(d);
        d->log = fresh;
        d->log_mapped = 1;
        d->log_gen = ifc->log_gen;
        return 0;
}

int dp_iface_sync(struct dp_worker *w, uint16_t iface)
{
        const struct vsw_iface *ifc = &w->st->ifaces[iface];
        struct dp_iface *d = &w->ifaces[iface];
        int want_log = (ifc->features & VIRTIO_BIT(VHOST_F_LOG_ALL)) && ifc->log_size;
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

void dp_iface_retire(struct dp_worker *w, uint16_t iface)
{
        struct dp_iface *d = &w->ifaces[iface];

        if (!d->has_retired)
                return;
        untrack_mem(&d->retired);
        gm_unmap(&d->retired);
        d->has_retired = 0;
}

void dp_iface_unmap(struct dp_worker *w, uint16_t iface)
{
        struct dp_iface *d = &w->ifaces[iface];

        dp_iface_retire(w, iface);
        unmap_log(d);
        if (d->mapped) {
                untrack_mem(&d->gm);
                gm_unmap(&d->gm);
        }
        d->mapped = 0;
}

/* Only an eventfd can be written without blocking (with O_NONBLOCK); the
 * front end may have handed anything. */
static int is_eventfd(int fd)
{
        char path[32], target[32];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return 0;
        target[n] = '\0';
        return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* The fd shares its file status flags with the front end's copy: the front
 * end can clear O_NONBLOCK again at any time. Setting it here makes an
 * honest front end's saturated counter an EAGAIN; a hostile one that clears
 * it can still block the write, and the supervisor's watchdog ends that.
 * Setting it again before each write would not help: it costs a syscall
 * per interrupt and leaves the window between the two calls open. */
static int set_nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);

        if (fl < 0)
                return -1;
        return (fl & O_NONBLOCK) ? 0 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void dp_iface_fetch_call(struct dp_worker *w, struct dp_vq *vq)
{
        const struct vsw_vring *vr = vq->shared;
        const char *name = w->st->ifaces[vq->iface].name;
        char key[VSW_VAULT_KEY_LEN];
        int fd;

        if (vq->callfd >= 0 && vq->call_gen == vr->call_gen)
                return;
        if (vq->callfd >= 0)
                close(vq->callfd);
        vq->callfd = -1;
        vq->call_gen = vr->call_gen;
        if (vr->state & VSW_VRING_CALL_NONE || vr->callfd < 0)
                return;
        vsw_key_format(key, vq->sw_if_index,
                       (struct vsw_key){.kind = VSW_KEY_CALL, .a = vq->vring});
        fd = fetch(w, key);
        if (fd < 0)
                return;
        if (!is_eventfd(fd) || set_nonblock(fd) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE,
                        "%s: vring %u: its call fd is %s: the guest gets no interrupts from it",
                        name, vq->vring,
                        is_eventfd(fd) ? "not settable non-blocking" : "not an eventfd");
                close(fd);
                return;
        }
        vq->callfd = fd;
}

/* rx-mode (dp_sleep.c): a guest TX queue's kick fd, in the worker's epoll
 * set while the ring is ours. */
void dp_iface_drop_kick(struct dp_worker *w, struct dp_vq *vq)
{
        if (vq->kickfd < 0)
                return;
        /* Explicitly: the file outlives our fd (the front end and the vault
         * hold it), and so would its registration. */
        if (epoll_ctl(w->epfd, EPOLL_CTL_DEL, vq->kickfd, NULL) < 0)
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: epoll_ctl DEL kick fd: %s", w->idx,
                        strerror(errno));
        close(vq->kickfd);
        vq->kickfd = -1;
}

void dp_iface_fetch_kick(struct dp_worker *w, struct dp_vq *vq)
{
        const struct vsw_vring *vr = vq->shared;
        char key[VSW_VAULT_KEY_LEN];
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
        int fd;

        if (w->epfd < 0 || !(vq->vring & 1) || (vq->kickfd >= 0 && vq->kick_gen == vr->kick_gen))
                return;
        dp_iface_drop_kick(w, vq);
        vq->kick_gen = vr->kick_gen;
        if (vr->state & VSW_VRING_KICK_POLL || vr->kickfd < 0)
                return; /* the front end never kicks: polled */
        vsw_key_format(key, vq->sw_if_index,
                       (struct vsw_key){.kind = VSW_KEY_KICK, .a = vq->vring});
        fd = vsw_vault_fetch(w->vault, key);
        if (fd < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "worker %u: fetching %s: %s: the queue is polled",
                        w->idx, key, strerror(-fd));
                return;
        }
        /* Never read: edge-triggered, each kick is an edge, and a front end
         * reading its own eventfd cannot make us block. */
        if (!is_eventfd(fd) || epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                VSW_ERR(VSW_LOG_DATAPLANE, "%s: vring %u: its kick fd %s: the queue is polled",
                        w->st->ifaces[vq->iface].name, vq->vring,
                        is_eventfd(fd) ? strerror(errno) : "is not an eventfd");
                close(fd);
                return;
        }
        vq->kickfd = fd;
}

void dp_notify(struct dp_worker *w, struct dp_vq *vq)
{
        static const uint64_t one = 1;
        uint64_t what = (uint64_t)vq->call_gen << 32 | (uint64_t)(vq->iface + 1u) << 8 | vq->vring;

        /* Should the write block after all, the supervisor can tell whose
         * fd stalled us. Two stores to our own slot's cache line. */
        atomic_store_explicit(&w->self->signalling, what, memory_order_relaxed);
        /* EAGAIN: the counter is saturated, the guest has an interrupt
         * pending anyway. */
        if (write(vq->callfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
                VSW_WARN(VSW_LOG_DATAPLANE, "if %u vring %u: writing the call eventfd: %s",
                         vq->sw_if_index, vq->vring, strerror(errno));
        atomic_store_explicit(&w->self->signalling, 0, memory_order_relaxed);
}

void dp_routes_refresh(struct dp_worker *w, uint64_t now_ns)
{
        uint32_t need = VSW_VRING_ADDR_SET | VSW_VRING_STARTED | VSW_VRING_ENABLED;

        for (unsigned i = 0; i < VSW_MAX_IFACES; i++) {
                const struct vsw_iface *ifc = &w->st->ifaces[i];
                struct dp_route *r = &w->routes[i];
                uint32_t mtu;
                uint8_t n = 0;

                /* A faulted interface takes no frames either. */
                w->ifaces[i].admin_up =
                    ifc->in_use && ifc->admin_up && !vsw_iface_fault_current(ifc, now_ns);
                mtu = vsw_iface_mtu(ifc);
                w->ifaces[i].max_frame = mtu ? mtu + RTE_ETHER_HDR_LEN : 0;
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
