/* Guest memory map: mmap of the front end's region fds and the
 * translations the ring engines use. */
#include "guest_mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void gm_init(struct guest_mem *gm)
{
        memset(gm, 0, sizeof(*gm));
}

static int region_in_range(const struct gm_region *r, uint64_t base, uint64_t addr, uint64_t len)
{
        uint64_t off = addr - base;

        return off < r->size && len <= r->size - off;
}

/* Maps one region. The file offset of mmap must be page aligned, so map from
 * the page below mmap_offset and point host past the slack. */
static int map_region(struct gm_region *out, const struct vsw_mem_region *in, int fd, unsigned slot,
                      char *err, unsigned errlen)
{
        uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
        uint64_t slack = in->mmap_offset % page;
        uint64_t file_off = in->mmap_offset - slack;
        uint64_t map_len, file_end;
        struct stat st;
        void *base;

        if (in->memory_size == 0 || fd < 0) {
                snprintf(err, errlen, "memory region slot %u: %s", slot,
                         fd < 0 ? "no fd" : "size 0");
                return -1;
        }
        if (in->memory_size > UINT64_MAX - in->mmap_offset ||
            in->memory_size > UINT64_MAX - in->guest_phys_addr ||
            in->memory_size > UINT64_MAX - in->userspace_addr ||
            in->memory_size + slack > SIZE_MAX) {
                snprintf(err, errlen, "memory region slot %u: size 0x%" PRIx64 " overflows", slot,
                         in->memory_size);
                return -1;
        }
        file_end = in->mmap_offset + in->memory_size;
        /* Pages past the end of the file would fault with SIGBUS on access. */
        if (fstat(fd, &st) != 0) {
                snprintf(err, errlen, "memory region slot %u: fstat: %s", slot, strerror(errno));
                return -1;
        }
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < file_end) {
                snprintf(err, errlen,
                         "memory region slot %u: offset 0x%" PRIx64 " + size 0x%" PRIx64
                         " is past the end of its file (0x%" PRIx64 ")",
                         slot, in->mmap_offset, in->memory_size, (uint64_t)st.st_size);
                return -1;
        }
        map_len = in->memory_size + slack;
        base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)file_off);
        if (base == MAP_FAILED) {
                snprintf(err, errlen, "memory region slot %u: mmap of 0x%" PRIx64 " bytes: %s",
                         slot, map_len, strerror(errno));
                return -1;
        }
        /* Guest RAM has no place in a worker's core dump. */
        (void)madvise(base, map_len, MADV_DONTDUMP);
        out->gpa = in->guest_phys_addr;
        out->size = in->memory_size;
        out->uva = in->userspace_addr;
        out->host = (uint8_t *)base + slack;
        out->map_base = base;
        out->map_len = map_len;
        out->slot = slot;
        out->key_gen = in->key_gen;
        return 0;
}

/* old's region for slot, or NULL. Regions are in slot order. */
static const struct gm_region *find_slot(const struct guest_mem *old, unsigned slot)
{
        uint32_t lo = 0, hi = old ? old->nregions : 0;

        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;

                if (old->regions[mid].slot < slot)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < (old ? old->nregions : 0) && old->regions[lo].slot == slot ? &old->regions[lo]
                                                                               : NULL;
}

int gm_has_region(const struct guest_mem *old, const struct vsw_mem_table *table, unsigned slot)
{
        const struct vsw_mem_region *in = &table->regions[slot];
        const struct gm_region *r = find_slot(old, slot);

        return in->in_use && r && r->map_base && r->key_gen == in->key_gen &&
               r->gpa == in->guest_phys_addr && r->size == in->memory_size &&
               r->uva == in->userspace_addr;
}

/* Unmaps the regions of gm that old does not share. */
static void unmap_own(struct guest_mem *gm, const struct guest_mem *old)
{
        for (uint32_t i = 0; i < gm->nregions; i++) {
                const struct gm_region *o = find_slot(old, gm->regions[i].slot);

                if (!o || o->map_base != gm->regions[i].map_base)
                        munmap(gm->regions[i].map_base, gm->regions[i].map_len);
        }
        gm_init(gm);
}

int gm_map(struct guest_mem *gm, const struct vsw_mem_table *table, const int *fds,
           const struct guest_mem *old, char *err, unsigned errlen)
{
        unsigned slot;

        gm_init(gm);
        for (slot = 0; slot < VSW_MAX_MEM_REGIONS; slot++) {
                if (!table->regions[slot].in_use)
                        continue;
                if (gm_has_region(old, table, slot)) {
                        gm->regions[gm->nregions++] = *find_slot(old, slot);
                        continue;
                }
                if (map_region(&gm->regions[gm->nregions], &table->regions[slot], fds[slot], slot,
                               err, errlen) != 0) {
                        unmap_own(gm, old);
                        return -1;
                }
                gm->nregions++;
        }
        return 0;
}

void gm_disown(struct guest_mem *old, const struct guest_mem *fresh)
{
        for (uint32_t i = 0; i < old->nregions; i++) {
                const struct gm_region *f = find_slot(fresh, old->regions[i].slot);

                if (f && f->map_base == old->regions[i].map_base)
                        old->regions[i].map_base = NULL;
        }
}

void gm_unmap(struct guest_mem *gm)
{
        uint32_t i;

        for (i = 0; i < gm->nregions; i++)
                if (gm->regions[i].map_base)
                        munmap(gm->regions[i].map_base, gm->regions[i].map_len);
        gm_init(gm);
}

void *gm_translate_slow(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
        uint32_t i;

        for (i = 0; i < gm->nregions; i++) {
                const struct gm_region *r = &gm->regions[i];

                if (region_in_range(r, r->gpa, gpa, len)) {
                        gm->last_hit = i;
                        return r->host + (gpa - r->gpa);
                }
        }
        return NULL;
}

int gm_uva_to_gpa(const struct guest_mem *gm, uint64_t uva, uint64_t len, uint64_t *gpa)
{
        uint32_t i;

        for (i = 0; i < gm->nregions; i++) {
                const struct gm_region *r = &gm->regions[i];

                if (region_in_range(r, r->uva, uva, len)) {
                        *gpa = r->gpa + (uva - r->uva);
                        return 0;
                }
        }
        return -1;
}

int gm_host_to_gpa(const struct guest_mem *gm, const void *p, uint64_t *gpa)
{
        uint32_t i;

        for (i = 0; i < gm->nregions; i++) {
                const struct gm_region *r = &gm->regions[i];
                uintptr_t off = (uintptr_t)p - (uintptr_t)r->host;

                if ((uintptr_t)p >= (uintptr_t)r->host && off < r->size) {
                        *gpa = r->gpa + off;
                        return 0;
                }
        }
        return -1;
}

void *gm_translate_uva(const struct guest_mem *gm, uint64_t uva, uint64_t len)
{
        uint32_t i;

        for (i = 0; i < gm->nregions; i++) {
                const struct gm_region *r = &gm->regions[i];

                if (region_in_range(r, r->uva, uva, len))
                        return r->host + (uva - r->uva);
        }
        return NULL;
}
