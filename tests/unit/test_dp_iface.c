/* An interface as a worker sees it (dataplane/dp_iface.c, dp_fault.c),
 * against a real fd vault served by a thread and memfd guest memory:
 * - a new memory table is mapped before the old one goes: the old stays
 *   mapped until dp_iface_retire (rings still on it restart first);
 * - a table that cannot be mapped leaves the maps as they were, is recorded
 *   in the memzone (the interface is held until a new table), and
 *   dp_iface_unmap then leaves nothing mapped;
 * - a file shrunk under the map: the SIGBUS costs the interface (anonymous
 *   memory in place, flagged, recorded), not the process, in guest memory
 *   and in the dirty log alike; a SIGBUS outside guest memory still kills
 *   (in a child);
 * - call fds: only an eventfd is used, made O_NONBLOCK; a saturated counter
 *   does not block dp_notify, and the worker slot names the ring only while
 *   it writes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dp_worker.h"
#include "unit_check.h"
#include "vault.h"
#include "vault_keys.h"
#include "vault_server.h"
#include "virtio_spec.h"

#define MEM (2u << 20)

static struct vault_server srv;
static atomic_int stop;

static void *serve(void *arg)
{
        (void)arg;
        while (!atomic_load(&stop)) {
                struct pollfd p[1 + VAULT_MAX_CLIENTS];
                int slot_of[1 + VAULT_MAX_CLIENTS];
                int n = 0;

                p[n++] = (struct pollfd){.fd = srv.listen_fd, .events = POLLIN};
                for (int i = 0; i < VAULT_MAX_CLIENTS; i++)
                        if (srv.clients[i] >= 0) {
                                slot_of[n] = i;
                                p[n++] = (struct pollfd){.fd = srv.clients[i], .events = POLLIN};
                        }
                if (poll(p, n, 20) <= 0)
                        continue;
                if (p[0].revents)
                        vault_server_accept(&srv);
                for (int i = 1; i < n; i++)
                        if (p[i].revents)
                                vault_server_handle(&srv, slot_of[i]);
        }
        return NULL;
}

static struct dp_worker w;

/* A memfd of MEM bytes whose first byte is tag. */
static int guest_file(uint8_t tag)
{
        int fd = memfd_create("guest", MFD_CLOEXEC);

        CHECK(fd >= 0 && ftruncate(fd, MEM) == 0 && pwrite(fd, &tag, 1, 0) == 1);
        return fd;
}

/* Generation gen of interface 0's table: one region [0, MEM), its fd put
 * in the vault unless fd < 0. */
static void table(struct vsw_iface *ifc, uint32_t gen, int fd)
{
        char key[VSW_VAULT_KEY_LEN];

        ifc->mem.generation = gen;
        ifc->mem.nregions = 1;
        ifc->mem.regions[0] = (struct vsw_mem_region){
            .memory_size = MEM, .userspace_addr = 0x7f0000000000, .in_use = 1, .key_gen = gen};
        if (fd < 0)
                return;
        vsw_key_format(key, ifc->sw_if_index, (struct vsw_key){VSW_KEY_MEM, gen, 0});
        CHECK(vsw_vault_deposit(w.vault, key, fd) == 0, "deposit %s", key);
}

/* Whether the page at p is mapped in this process (msync fails with
 * ENOMEM on an unmapped range), without touching it. */
static int mapped(const void *p)
{
        uintptr_t page = (uintptr_t)p & ~(uintptr_t)4095;

        return msync((void *)page, 4096, MS_ASYNC) == 0;
}

static void test_remap(struct vsw_iface *ifc, struct dp_iface *d)
{
        int a = guest_file(0xA1), b = guest_file(0xB2);
        uint8_t *old, *cur;

        table(ifc, 1, a);
        CHECK(dp_iface_sync(&w, 0) == 1 && d->mapped && d->mem_gen == 1);
        old = gm_translate(&d->gm, 0, 1);
        CHECK(old && *old == 0xA1, "generation 1 mapped");

        table(ifc, 2, b);
        CHECK(dp_iface_sync(&w, 0) == 1 && d->mem_gen == 2);
        cur = gm_translate(&d->gm, 0, 1);
        CHECK(cur && *cur == 0xB2, "generation 2 is the one translated");
        CHECK(mapped(old) && *old == 0xA1, "generation 1 still mapped before the retire");
        dp_iface_retire(&w, 0);
        CHECK(!mapped(old), "generation 1 unmapped by the retire");
        CHECK(dp_iface_sync(&w, 0) == 0, "nothing changed: no remap");

        /* Generation 3's fd never reached the vault: the map fails. */
        table(ifc, 3, -1);
        CHECK(dp_iface_sync(&w, 0) == -1);
        CHECK(d->mapped && d->mem_gen == 2 && mapped(cur) && *cur == 0xB2,
              "a failed map leaves the maps as they were (the caller stops the rings)");
        CHECK(atomic_load(&ifc->mem_fault.kind) == VSW_FAULT_MEM_MAP &&
                  ifc->mem_fault.mem_gen == 3 && ifc->mem_fault.count == 1,
              "the failure is in the memzone");
        CHECK(vsw_iface_fault_current(ifc, dp_now_ns()) == &ifc->mem_fault,
              "the interface is held while generation 3 is the table");
        dp_iface_unmap(&w, 0);
        CHECK(!d->mapped && !mapped(cur), "dp_iface_unmap leaves nothing mapped");
        ifc->mem.generation = 4;
        CHECK(vsw_iface_fault_current(ifc, dp_now_ns()) == NULL, "a new table ends the hold");
        close(a);
        close(b);
}

/* Region slot of generation gen at guest address slot * MEM, its fd put
 * in the vault under the region's own key. */
static void add_region(struct vsw_iface *ifc, uint32_t gen, unsigned slot, int fd)
{
        char key[VSW_VAULT_KEY_LEN];

        ifc->mem.generation = gen;
        ifc->mem.nregions++;
        ifc->mem.regions[slot] =
            (struct vsw_mem_region){.guest_phys_addr = (uint64_t)slot * MEM,
                                    .memory_size = MEM,
                                    .userspace_addr = 0x7f0000000000 + (uint64_t)slot * MEM,
                                    .in_use = 1,
                                    .key_gen = gen};
        vsw_key_format(key, ifc->sw_if_index, (struct vsw_key){VSW_KEY_MEM, gen, slot});
        CHECK(vsw_vault_deposit(w.vault, key, fd) == 0, "deposit %s", key);
}

/* A hot-added region is the one region mapped: the others are shared with
 * the previous map (not fetched from the vault again) and outlive its
 * retire; a removed one is unmapped by the retire. */
static void test_add_remove(struct vsw_iface *ifc, struct dp_iface *d)
{
        int a = guest_file(0xA1), b = guest_file(0xB2);
        uint8_t *p0, *p1;
        char key[VSW_VAULT_KEY_LEN];

        memset(&ifc->mem, 0, sizeof(ifc->mem));
        add_region(ifc, 10, 0, a);
        CHECK(dp_iface_sync(&w, 0) == 1 && d->gm.nregions == 1);
        p0 = gm_translate(&d->gm, 0, 1);
        CHECK(p0 && *p0 == 0xA1);
        /* Slot 0's key leaves the vault: a worker that fetched it again
         * would fail the map. */
        vsw_key_format(key, ifc->sw_if_index, (struct vsw_key){VSW_KEY_MEM, 10, 0});
        CHECK(vsw_vault_withdraw(w.vault, key) == 0);
        add_region(ifc, 11, 300, b);
        CHECK(dp_iface_sync(&w, 0) == 1 && d->mem_gen == 11 && d->gm.nregions == 2,
              "the new region mapped, the old one shared");
        CHECK(gm_translate(&d->gm, 0, 1) == p0, "region 0 is the same map");
        p1 = gm_translate(&d->gm, 300ull * MEM, 1);
        CHECK(p1 && *p1 == 0xB2, "region 300 translated");
        dp_iface_retire(&w, 0);
        CHECK(mapped(p0) && *p0 == 0xA1, "the retire leaves the shared map in place");

        /* Remove region 300. */
        ifc->mem.regions[300] = (struct vsw_mem_region){0};
        ifc->mem.nregions = 1;
        ifc->mem.generation = 12;
        CHECK(dp_iface_sync(&w, 0) == 1 && d->gm.nregions == 1 && gm_translate(&d->gm, 0, 1) == p0);
        CHECK(gm_translate(&d->gm, 300ull * MEM, 1) == NULL, "region 300 no longer translates");
        CHECK(mapped(p1), "still mapped until the retire");
        dp_iface_retire(&w, 0);
        CHECK(!mapped(p1) && mapped(p0), "the retire unmaps region 300 only");
        dp_iface_unmap(&w, 0);
        CHECK(!mapped(p0), "dp_iface_unmap unmaps the shared map too");
        memset(&ifc->mem, 0, sizeof(ifc->mem));
        close(a);
        close(b);
}

static void test_sigbus(struct vsw_iface *ifc, struct dp_iface *d)
{
        int c = guest_file(0xC3);
        volatile uint8_t *p;
        uint8_t v;

        table(ifc, 5, c);
        CHECK(dp_iface_sync(&w, 0) == 1 && d->mem_gen == 5);
        p = gm_translate(&d->gm, 4096, 1);
        CHECK(p && p[-4096] == 0xC3);
        CHECK(ftruncate(c, 0) == 0);
        p[0] = 7; /* past the end of the file now: SIGBUS, then a harmless retry */
        v = p[0];
        CHECK(v == 7 && d->faulted, "the write landed in anonymous memory, interface flagged");
        dp_fault_poll(&w);
        CHECK(atomic_load(&ifc->mem_fault.kind) == VSW_FAULT_MEM_BUS &&
                  ifc->mem_fault.mem_gen == 5 && ifc->mem_fault.count == 2,
              "the fault is in the memzone (generation %u, count %llu)", ifc->mem_fault.mem_gen,
              (unsigned long long)ifc->mem_fault.count);
        CHECK(vsw_iface_fault_current(ifc, dp_now_ns()) != NULL, "and holds the interface");

        /* A new table that keeps the region (its key_gen still 5, as when
         * another region is added) maps it again from its file: the old map
         * is the anonymous stand-in now, nothing to share. */
        uint8_t tag = 0xD4;
        CHECK(ftruncate(c, MEM) == 0 && pwrite(c, &tag, 1, 4096) == 1);
        ifc->mem.generation = 6;
        CHECK(dp_iface_sync(&w, 0) == 1 && !d->faulted, "a new table clears the flag");
        p = gm_translate(&d->gm, 4096, 1);
        CHECK(p && *p == 0xD4, "the region mapped from its file again, not the stand-in");
        dp_iface_retire(&w, 0);

        /* A new table maps the guest's memory again. */
        int e = guest_file(0xE5);
        table(ifc, 8, e);
        CHECK(dp_iface_sync(&w, 0) == 1 && !d->faulted, "and so does a table of a new region");
        p = gm_translate(&d->gm, 0, 1);
        CHECK(p && *p == 0xE5);
        dp_iface_retire(&w, 0);
        dp_iface_unmap(&w, 0);
        close(c);
        close(e);

        /* The dirty log is guarded too. */
        int m = guest_file(0), l = guest_file(0);
        table(ifc, 7, m);
        ifc->features = VIRTIO_BIT(VHOST_F_LOG_ALL);
        ifc->log_size = 4096;
        ifc->log_gen = 1;
        CHECK(vsw_vault_deposit(w.vault, "if1/log/1", l) == 0);
        CHECK(dp_iface_sync(&w, 0) == 1 && d->log_mapped && !d->faulted);
        CHECK(ftruncate(l, 0) == 0);
        dirty_log_write(&d->log, 0, 1);
        CHECK(d->faulted, "SIGBUS in the dirty log flags the interface");
        dp_fault_poll(&w);
        CHECK(ifc->mem_fault.mem_gen == 7 && ifc->mem_fault.count == 3,
              "and is recorded against its table");
        ifc->features = 0;
        dp_iface_unmap(&w, 0);
        close(m);
        close(l);

        /* Not guest memory: the process dies of it, as before. */
        pid_t pid = fork();
        if (pid == 0) {
                int f = memfd_create("other", 0);
                uint8_t *m;

                if (f < 0 || ftruncate(f, 4096) < 0)
                        _exit(2);
                m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
                if (m == MAP_FAILED || ftruncate(f, 0) < 0)
                        _exit(2);
                *(volatile uint8_t *)m = 1;
                _exit(0);
        }
        int status = 0;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
                  WTERMSIG(status) == SIGBUS,
              "a SIGBUS outside guest memory still kills (status 0x%x)", status);
}

static void test_call_fd(struct vsw_iface *ifc)
{
        struct dp_vq vq = {.shared = &ifc->vrings[1], .iface = 0, .vring = 1, .callfd = -1};
        int pipefd[2], efd = eventfd(0, 0);
        uint64_t v;

        vq.sw_if_index = ifc->sw_if_index;
        CHECK(pipe(pipefd) == 0 && efd >= 0);
        ifc->vrings[1].callfd = 9;
        ifc->vrings[1].call_gen = 1;
        CHECK(vsw_vault_deposit(w.vault, "if1/vq1/call", pipefd[1]) == 0);
        dp_iface_fetch_call(&w, &vq);
        CHECK(vq.callfd < 0, "a pipe is not used as a call fd");

        ifc->vrings[1].call_gen = 2;
        CHECK(vsw_vault_deposit(w.vault, "if1/vq1/call", efd) == 0);
        dp_iface_fetch_call(&w, &vq);
        CHECK(vq.callfd >= 0 && (fcntl(efd, F_GETFL) & O_NONBLOCK),
              "the eventfd is used, made non-blocking (the front end's copy too)");

        v = 0xfffffffffffffffeull;
        CHECK(write(efd, &v, sizeof(v)) == sizeof(v), "counter saturated");
        dp_notify(&w, &vq); /* EAGAIN, not a hang */
        CHECK(atomic_load(&w.self->signalling) == 0, "the slot names no ring after the write");
        CHECK(read(efd, &v, sizeof(v)) == sizeof(v) && v == 0xfffffffffffffffeull,
              "nothing was added to a saturated counter");
        dp_notify(&w, &vq);
        CHECK(read(efd, &v, sizeof(v)) == sizeof(v) && v == 1, "one interrupt signalled");
        close(vq.callfd);
        close(pipefd[0]);
        close(pipefd[1]);
        close(efd);
}

int main(void)
{
        char dir[] = "/tmp/test_dp_iface.XXXXXX", path[128];
        struct vsw_state *st = calloc(1, sizeof(*st));
        pthread_t th;

        CHECK(st && mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/vault.sock", dir);
        CHECK(vault_server_open(&srv, path) == 0);
        CHECK(pthread_create(&th, NULL, serve, NULL) == 0);
        w.st = st;
        w.self = &st->workers[0];
        w.vault = vsw_vault_connect(path);
        CHECK(w.vault >= 0 && dp_fault_install(&w) == 0);
        st->nworkers = 1;
        st->ifaces[0].in_use = 1;
        st->ifaces[0].sw_if_index = 1;
        snprintf(st->ifaces[0].name, sizeof(st->ifaces[0].name), "VirtualEthernet0/0/0");

        test_remap(&st->ifaces[0], &w.ifaces[0]);
        test_add_remove(&st->ifaces[0], &w.ifaces[0]);
        test_sigbus(&st->ifaces[0], &w.ifaces[0]);
        test_call_fd(&st->ifaces[0]);

        close(w.vault);
        atomic_store(&stop, 1);
        pthread_join(th, NULL);
        vault_server_close(&srv);
        rmdir(dir);
        free(st);
        return t_report();
}
