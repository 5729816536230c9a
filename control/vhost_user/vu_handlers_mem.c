/* Guest memory: the memory table (SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG)
 * and the dirty log (SET_LOG_BASE, SET_LOG_FD). vhostd never maps guest
 * memory here: it checks each region against its fd and hands the fds to
 * the workers through the vault, one key per generation of the table. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_budget.h"
#include "log.h"
#include "vu_features.h"
#include "vu_handlers.h"

/* Is [off, off + len) inside the file behind fd? */
static int check_fd_extent(struct vu_dev *dev, const struct vu_msg *msg, const char *what, int fd,
                           uint64_t off, uint64_t len)
{
        struct stat sb;

        if (off + len < off) {
                vu_log_err(dev, msg, "%s: offset 0x%" PRIx64 " + size 0x%" PRIx64 " overflows",
                           what, off, len);
                return -1;
        }
        if (fstat(fd, &sb) < 0) {
                vu_log_err(dev, msg, "%s: fstat of its fd: %s", what, strerror(errno));
                return -1;
        }
        if (!S_ISREG(sb.st_mode)) {
                vu_log_err(dev, msg, "%s: its fd is not a memory file", what);
                return -1;
        }
        if ((uint64_t)sb.st_size < off + len) {
                vu_log_err(dev, msg,
                           "%s larger than its fd: offset 0x%" PRIx64 " + size 0x%" PRIx64
                           " > file size 0x%" PRIx64,
                           what, off, len, (uint64_t)sb.st_size);
                return -1;
        }
        return 0;
}

static int check_region(struct vu_dev *dev, const struct vu_msg *msg,
                        const struct vhost_user_memory_region *r, int fd, unsigned i)
{
        char what[32];

        snprintf(what, sizeof(what), "region %u", i);
        if (r->memory_size == 0) {
                vu_log_err(dev, msg, "%s has size 0", what);
                return -1;
        }
        if (r->guest_phys_addr + r->memory_size - 1 < r->guest_phys_addr ||
            r->userspace_addr + r->memory_size - 1 < r->userspace_addr) {
                vu_log_err(dev, msg,
                           "%s: guest address 0x%" PRIx64 " or user address 0x%" PRIx64
                           " + size 0x%" PRIx64 " overflows",
                           what, r->guest_phys_addr, r->userspace_addr, r->memory_size);
                return -1;
        }
        return check_fd_extent(dev, msg, what, fd, r->mmap_offset, r->memory_size);
}

/* Compared by last byte, not end: a region may end at 2^64 exactly, where
 * start + size wraps to 0 (check_region lets that through). */
int vu_ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
        return a_size && b_size && a <= b + (b_size - 1) && b <= a + (a_size - 1);
}

static int overlap(const struct vu_dev *dev, const struct vu_msg *msg, uint64_t gpa_a,
                   uint64_t uva_a, uint64_t size_a, const struct vsw_mem_region *b,
                   const char *a_name, unsigned ib)
{
        int gpa = vu_ranges_overlap(gpa_a, size_a, b->guest_phys_addr, b->memory_size);
        int uva = vu_ranges_overlap(uva_a, size_a, b->userspace_addr, b->memory_size);

        if (!gpa && !uva)
                return 0;
        vu_log_err(dev, msg,
                   "%s overlaps region %u (%s 0x%" PRIx64 "+0x%" PRIx64 " and 0x%" PRIx64
                   "+0x%" PRIx64 ")",
                   a_name, ib, gpa ? "guest addresses" : "user addresses", gpa ? gpa_a : uva_a,
                   size_a, gpa ? b->guest_phys_addr : b->userspace_addr, b->memory_size);
        return 1;
}

/* Does a table of `total` bytes stay within the interface's bound? A
 * front end with sparse multi-TiB regions would otherwise use up the
 * address space of the worker that maps it, for every other VM on it. */
static int check_total(const struct vu_dev *dev, const struct vu_msg *msg, uint64_t total,
                       int wrapped)
{
        uint64_t limit = dev->st->max_guest_memory;

        if (!wrapped && total <= limit)
                return 0;
        vu_log_err(dev, msg,
                   "guest memory of %s would be %s0x%" PRIx64 " bytes (%" PRIu64
                   " MiB), over the limit of 0x%" PRIx64 " bytes (%" PRIu64
                   " MiB, vhost { max-guest-memory }): refused",
                   dev->ifc->name, wrapped ? "more than " : "", total, total >> 20, limit,
                   limit >> 20);
        return -1;
}

/* Adds size to *total; 1 once the sum no longer fits in 64 bits. */
static int add_size(uint64_t *total, uint64_t size)
{
        int wrapped = *total + size < *total;

        *total += size;
        return wrapped;
}

/* Did slot i change between tables b and m? A region that stays keeps its
 * fd, so a new fd number in the slot means a new region. */
static int slot_changed(const struct vsw_mem_table *b, const struct vsw_mem_table *m, unsigned i)
{
        return !b->regions[i].in_use || !m->regions[i].in_use ||
               b->regions[i].fd != m->regions[i].fd;
}

/* The rest of a table change, with the rings paused and the table edited
 * from `before`: a new generation, and the fds of the regions new in it in
 * the vault before any worker looks. Regions that stay keep their keys (and
 * the workers their maps of them); the keys of regions gone are withdrawn. */
static void commit_table(struct vu_dev *dev, const struct vu_msg *msg,
                         const struct vsw_mem_table *before)
{
        struct vsw_mem_table *m = &dev->ifc->mem;

        m->generation = before->generation + 1;
        m->nregions = 0;
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                struct vsw_mem_region *r = &m->regions[i];

                if (!r->in_use)
                        continue;
                m->nregions++;
                if (!slot_changed(before, m, i))
                        continue;
                r->key_gen = m->generation;
                vu_vault_put(dev, dev->mem_fd[i], (struct vsw_key){VSW_KEY_MEM, r->key_gen, i});
        }
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                if (dev->ifc->vrings[q].state & VSW_VRING_ADDR_SET)
                        vu_vring_translate(dev, msg, q);
        vu_release_all(dev);
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (before->regions[i].in_use && slot_changed(before, m, i))
                        vu_vault_drop(dev,
                                      (struct vsw_key){VSW_KEY_MEM, before->regions[i].key_gen, i});
}

/* Would a table of nregions regions fit this interface's slots and the
 * switch's region fd budget? */
static int check_slots(const struct vu_dev *dev, const struct vu_msg *msg, uint32_t nregions)
{
        const struct vsw_state *st = dev->st;
        char err[400];

        if (nregions > st->max_mem_slots) {
                vu_log_err(dev, msg,
                           "%u memory regions, over the limit of %u (vhost { max-mem-slots }): "
                           "refused",
                           nregions, st->max_mem_slots);
                return -1;
        }
        if (vsw_mem_fds_check(st, (unsigned)(dev->ifc - st->ifaces), nregions, err, sizeof(err)) <
            0) {
                vu_log_err(dev, msg, "%s: refused", err);
                return -1;
        }
        return 0;
}

/* The table as it was before a change: static, it is 24 KiB and vhostd
 * handles one message at a time. */
static const struct vsw_mem_table *snapshot(const struct vu_dev *dev)
{
        static struct vsw_mem_table before;

        before = dev->ifc->mem;
        return &before;
}

static void set_region(struct vsw_mem_region *dst, const struct vhost_user_memory_region *src,
                       int fd)
{
        dst->guest_phys_addr = src->guest_phys_addr;
        dst->memory_size = src->memory_size;
        dst->userspace_addr = src->userspace_addr;
        dst->mmap_offset = src->mmap_offset;
        dst->fd = fd;
        dst->in_use = 1;
        dst->key_gen = 0; /* commit_table gives it its key */
}

static int same_region(const struct vsw_mem_region *a, const struct vhost_user_memory_region *b)
{
        return a->guest_phys_addr == b->guest_phys_addr && a->memory_size == b->memory_size &&
               a->userspace_addr == b->userspace_addr && a->mmap_offset == b->mmap_offset;
}

enum vu_result vu_set_mem_table(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        const struct vhost_user_memory *mem = &msg->payload.memory;
        struct vsw_mem_table *m = &dev->ifc->mem;
        int old_fd[VSW_MAX_MEM_REGIONS];

        uint64_t total = 0;
        int wrapped = 0;

        (void)reply;
        for (unsigned i = 0; i < mem->nregions; i++) {
                const struct vhost_user_memory_region *r = &mem->regions[i];

                if (check_region(dev, msg, r, msg->fds[i], i) < 0)
                        return VU_R_FAIL;
                wrapped |= add_size(&total, r->memory_size);
                char name[32];

                snprintf(name, sizeof(name), "region %u", i);
                for (unsigned j = 0; j < i; j++) {
                        struct vsw_mem_region b = {0};

                        set_region(&b, &mem->regions[j], -1);
                        if (overlap(dev, msg, r->guest_phys_addr, r->userspace_addr, r->memory_size,
                                    &b, name, j))
                                return VU_R_FAIL;
                }
        }
        if (check_total(dev, msg, total, wrapped) < 0 || check_slots(dev, msg, mem->nregions) < 0)
                return VU_R_FAIL;

        if (vu_pause_all(dev) < 0)
                return VU_R_AGAIN;
        const struct vsw_mem_table *before = snapshot(dev);

        memcpy(old_fd, dev->mem_fd, sizeof(old_fd));
        memset(m->regions, 0, sizeof(m->regions));
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                dev->mem_fd[i] = -1;
        for (unsigned i = 0; i < mem->nregions; i++) {
                set_region(&m->regions[i], &mem->regions[i], msg->fds[i]);
                dev->mem_fd[i] = msg->fds[i];
                msg->fds[i] = -1;
        }
        commit_table(dev, msg, before);
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (old_fd[i] >= 0)
                        close(old_fd[i]);
        return VU_R_OK;
}

enum vu_result vu_get_max_mem_slots(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        const struct vsw_state *st = dev->st;
        uint64_t others = 0, slots = st->max_mem_slots;

        (void)msg;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                if (&st->ifaces[i] != dev->ifc)
                        others += st->ifaces[i].mem.nregions;
        /* What the fd budget leaves this interface, when that is fewer:
         * the front end then knows before it plugs a DIMM in. */
        if (st->mem_fd_budget < others + slots)
                slots = st->mem_fd_budget > others ? st->mem_fd_budget - others : 0;
        vu_reply_u64(reply, slots);
        return VU_R_REPLY;
}

/* Do two fds name the same file? */
static int same_file(int a, int b)
{
        struct stat sa, sb;

        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
}

/* QEMU sends each region once per queue pair (one vhost device each, one
 * socket): the same region of the same file is one more reference, not an
 * overlap. The table, its generation and the workers' maps stay as they are. */
static enum vu_result add_same_region(struct vu_dev *dev, struct vu_msg *msg, unsigned i)
{
        struct vsw_mem_region *reg = &dev->ifc->mem.regions[i];

        if (dev->mem_fd[i] >= 0 && !same_file(dev->mem_fd[i], msg->fds[0])) {
                vu_log_err(dev, msg, "new region is region %u's range in another file", i);
                return VU_R_FAIL;
        }
        reg->in_use++;
        VSW_INFO(VSW_LOG_VHOST_USER,
                 "%s: VHOST_USER_ADD_MEM_REG: region %u added again, %u references", dev->ifc->name,
                 i, reg->in_use);
        return VU_R_OK;
}

enum vu_result vu_add_mem_reg(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        const struct vhost_user_memory_region *r = &msg->payload.mem_reg.region;
        struct vsw_mem_table *m = &dev->ifc->mem;
        unsigned slot = VSW_MAX_MEM_REGIONS;

        (void)reply;
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                if (!m->regions[i].in_use) {
                        if (slot == VSW_MAX_MEM_REGIONS)
                                slot = i;
                } else if (dev->replay && same_region(&m->regions[i], r)) {
                        /* A predecessor added it and died before saying so:
                         * take this fd and commit the table again. */
                        slot = i;
                        break;
                } else if (same_region(&m->regions[i], r)) {
                        return add_same_region(dev, msg, i);
                } else if (overlap(dev, msg, r->guest_phys_addr, r->userspace_addr, r->memory_size,
                                   &m->regions[i], "new region", i)) {
                        return VU_R_FAIL;
                }
        }
        if (slot == VSW_MAX_MEM_REGIONS) {
                vu_log_err(dev, msg, "memory table full (%u regions)", VSW_MAX_MEM_REGIONS);
                return VU_R_FAIL;
        }
        if (check_region(dev, msg, r, msg->fds[0], slot) < 0 ||
            check_slots(dev, msg, m->nregions + !m->regions[slot].in_use) < 0)
                return VU_R_FAIL;

        uint64_t total = 0;
        int wrapped = add_size(&total, r->memory_size);

        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (i != slot && m->regions[i].in_use)
                        wrapped |= add_size(&total, m->regions[i].memory_size);
        if (check_total(dev, msg, total, wrapped) < 0)
                return VU_R_FAIL;

        uint32_t refs = m->regions[slot].in_use;

        if (vu_pause_all(dev) < 0)
                return VU_R_AGAIN;
        const struct vsw_mem_table *before = snapshot(dev);
        int old_fd = dev->mem_fd[slot];

        set_region(&m->regions[slot], r, msg->fds[0]);
        if (refs > 1) /* a replay keeps the references counted before */
                m->regions[slot].in_use = refs;
        dev->mem_fd[slot] = msg->fds[0];
        msg->fds[0] = -1;
        commit_table(dev, msg, before);
        if (old_fd >= 0)
                close(old_fd);
        return VU_R_OK;
}

enum vu_result vu_rem_mem_reg(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        const struct vhost_user_memory_region *r = &msg->payload.mem_reg.region;
        struct vsw_mem_table *m = &dev->ifc->mem;

        (void)reply;
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                struct vsw_mem_region *reg = &m->regions[i];

                if (!reg->in_use || reg->guest_phys_addr != r->guest_phys_addr ||
                    reg->memory_size != r->memory_size || reg->userspace_addr != r->userspace_addr)
                        continue;
                if (reg->in_use > 1) { /* added again: one reference goes */
                        reg->in_use--;
                        return VU_R_OK;
                }
                int fd = dev->mem_fd[i];

                if (vu_pause_all(dev) < 0)
                        return VU_R_AGAIN;
                const struct vsw_mem_table *before = snapshot(dev);

                memset(reg, 0, sizeof(*reg));
                dev->mem_fd[i] = -1;
                commit_table(dev, msg, before);
                if (fd >= 0)
                        close(fd);
                return VU_R_OK;
        }
        if (dev->replay) {
                /* A predecessor removed it and died before committing. */
                if (vu_pause_all(dev) < 0)
                        return VU_R_AGAIN;
                commit_table(dev, msg, snapshot(dev));
                return VU_R_OK;
        }
        vu_log_err(dev, msg,
                   "no region at guest address 0x%" PRIx64 " user address 0x%" PRIx64
                   " size 0x%" PRIx64,
                   r->guest_phys_addr, r->userspace_addr, r->memory_size);
        return VU_R_FAIL;
}

enum vu_result vu_set_log_base(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        const struct vhost_user_log *log = &msg->payload.log;
        struct vsw_iface *ifc = dev->ifc;
        uint32_t old = ifc->log_gen;

        if (check_fd_extent(dev, msg, "log", msg->fds[0], log->mmap_offset, log->mmap_size) < 0)
                return VU_R_FAIL;
        if (vu_pause_all(dev) < 0)
                return VU_R_AGAIN;
        ifc->log_size = log->mmap_size;
        ifc->log_offset = log->mmap_offset;
        ifc->log_gen = old + 1;
        vu_vault_put(dev, msg->fds[0], (struct vsw_key){.kind = VSW_KEY_LOG, .a = ifc->log_gen});
        vu_release_all(dev);
        if (dev->log_fd >= 0) {
                vu_vault_drop(dev, (struct vsw_key){.kind = VSW_KEY_LOG, .a = old});
                close(dev->log_fd);
        }
        dev->log_fd = msg->fds[0];
        msg->fds[0] = -1;
        /* With LOG_SHMFD the front end waits for an empty reply. */
        if (!vu_has_protocol_feature(dev, VHOST_USER_PROTOCOL_F_LOG_SHMFD))
                return VU_R_OK;
        reply->hdr.size = 0;
        return VU_R_REPLY;
}

enum vu_result vu_set_log_fd(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        (void)reply;
        vu_replace_fd(dev, &dev->log_notify_fd, msg->fds[0],
                      (struct vsw_key){.kind = VSW_KEY_LOGFD});
        msg->fds[0] = -1;
        return VU_R_OK;
}
