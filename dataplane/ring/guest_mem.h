/* Guest memory as one vhost-dp worker sees it: the regions of one
 * interface's memory table, mapped from the vault's fds into this process,
 * and the translations the ring engines need (guest physical address and
 * front-end virtual address to a host pointer). Every address here comes
 * from a guest, so a translation succeeds only when the whole range lies
 * inside one region. */
#ifndef VSW_GUEST_MEM_H
#define VSW_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

#include "vsw_state.h"

struct gm_region {
        uint64_t gpa;   /* guest_phys_addr */
        uint64_t size;  /* memory_size; 0 for an unused slot */
        uint64_t uva;   /* userspace_addr in the front end */
        uint8_t *host;  /* where gpa lives in this process */
        void *map_base; /* what mmap returned, for munmap; NULL once a newer map owns it */
        size_t map_len;
        uint32_t slot;    /* the memory table slot it came from */
        uint32_t key_gen; /* and that slot's key_gen: the same pair is the same region */
};

struct guest_mem {
        uint32_t nregions; /* regions[0, nregions) are mapped */
        uint32_t last_hit; /* region of the last translation: packets cluster */
        struct gm_region regions[VSW_MAX_MEM_REGIONS];
};

/* Empty map: every translation fails. */
void gm_init(struct guest_mem *gm);

/* Does old (NULL: nothing mapped) hold a map of table's region in slot,
 * which a new map of table can share instead of mapping it again? */
int gm_has_region(const struct guest_mem *old, const struct vsw_mem_table *table, unsigned slot);

/* Maps every in-use slot of table: the regions old already has
 * (gm_has_region) are shared with it, the others mapped from fds[slot]
 * (the caller keeps ownership of the fds: a mapping outlives its fd). A
 * change of one region in a table of hundreds maps one region. Returns 0,
 * or -1 with nothing new mapped, old untouched, and the reason, naming the
 * slot, in err. After success, old still translates as before, and
 * gm_disown(old, gm) hands the shared maps to gm before old is unmapped. */
int gm_map(struct guest_mem *gm, const struct vsw_mem_table *table, const int *fds,
           const struct guest_mem *old, char *err, unsigned errlen);

/* The maps old shares with fresh become fresh's: gm_unmap(old) leaves
 * them in place. */
void gm_disown(struct guest_mem *old, const struct guest_mem *fresh);

/* Unmaps every region gm owns; gm is empty afterwards. */
void gm_unmap(struct guest_mem *gm);

/* Out of line: scan all regions, update last_hit. */
void *gm_translate_slow(struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Host pointer for guest physical range [gpa, gpa + len), or NULL unless it
 * lies entirely inside one region. Overflow-safe for any gpa and len. */
static inline void *gm_translate(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
        const struct gm_region *r = &gm->regions[gm->last_hit];
        /* Below the region, off wraps and fails off < size. */
        uint64_t off = gpa - r->gpa;

        if (likely(off < r->size && len <= r->size - off))
                return r->host + off;
        return gm_translate_slow(gm, gpa, len);
}

/* Guest physical address of the front end's virtual range [uva, uva + len)
 * (vring addresses in SET_VRING_ADDR are front-end virtual addresses).
 * Returns 0 and sets *gpa, or -1 unless the range is inside one region. */
int gm_uva_to_gpa(const struct guest_mem *gm, uint64_t uva, uint64_t len, uint64_t *gpa);

/* Guest physical address of p, a host pointer into a mapped region (for
 * the dirty log). Returns 0, or -1 when p is not guest memory. */
int gm_host_to_gpa(const struct guest_mem *gm, const void *p, uint64_t *gpa);

/* Host pointer for the front end's virtual range, or NULL as above. */
void *gm_translate_uva(const struct guest_mem *gm, uint64_t uva, uint64_t len);

#endif
