/* Front-end user addresses to guest-physical ones, through the memory
 * table: for a vring's areas when its address or size is set, and again for
 * every ring when the table changes. */
#include <inttypes.h>

#include "vu_features.h"
#include "vu_handlers.h"

int vu_uva_to_gpa(const struct vsw_mem_table *m, uint64_t uva, uint64_t len, uint64_t *gpa)
{
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++) {
                const struct vsw_mem_region *r = &m->regions[i];

                if (!r->in_use || uva < r->userspace_addr)
                        continue;
                uint64_t off = uva - r->userspace_addr;
                if (off >= r->memory_size || len > r->memory_size - off)
                        continue;
                *gpa = r->guest_phys_addr + off;
                return 0;
        }
        return -1;
}

int vu_ring_translate(struct vu_dev *dev, const struct vu_msg *msg, unsigned q, uint32_t num,
                      struct vu_ring_addrs *a)
{
        int packed = (dev->ifc->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)) != 0;
        uint64_t n = num;
        const struct {
                const char *name;
                uint64_t uva;
                uint64_t len;
                uint64_t *gpa;
        } area[] = {
            {"descriptor", a->desc_user_addr, 16 * n, &a->desc_gpa},
            {packed ? "driver area" : "available", a->avail_user_addr, packed ? 4 : 6 + 2 * n,
             &a->avail_gpa},
            {packed ? "device area" : "used", a->used_user_addr, packed ? 4 : 6 + 8 * n,
             &a->used_gpa},
        };

        for (unsigned i = 0; i < sizeof(area) / sizeof(area[0]); i++) {
                uint64_t len = area[i].len ? area[i].len : 1;

                if (dev->ifc->mem.nregions == 0) {
                        /* QEMU with guest RAM it cannot share (no fd) sends
                         * no table, then its rings anyway. */
                        vu_log_err(dev, msg,
                                   "vring %u: ring addresses but no memory table: the front end "
                                   "shares no guest memory with the switch; guest RAM needs "
                                   "share=on (memory-backend-memfd, or memory-backend-file on "
                                   "hugetlbfs)",
                                   q);
                        return -1;
                }
                if (vu_uva_to_gpa(&dev->ifc->mem, area[i].uva, len, area[i].gpa) < 0) {
                        vu_log_err(dev, msg,
                                   "vring %u: %s ring at user address 0x%" PRIx64 " (+%" PRIu64
                                   " bytes) is outside guest memory",
                                   q, area[i].name, area[i].uva, len);
                        return -1;
                }
        }
        return 0;
}

int vu_vring_translate(struct vu_dev *dev, const struct vu_msg *msg, unsigned q)
{
        struct vsw_vring *vr = &dev->ifc->vrings[q];
        struct vu_ring_addrs a = {
            .desc_user_addr = vr->desc_user_addr,
            .avail_user_addr = vr->avail_user_addr,
            .used_user_addr = vr->used_user_addr,
        };

        if (vu_ring_translate(dev, msg, q, vr->num, &a) < 0) {
                vr->state &= ~VSW_VRING_ADDR_SET;
                return -1;
        }
        vr->desc_gpa = a.desc_gpa;
        vr->avail_gpa = a.avail_gpa;
        vr->used_gpa = a.used_gpa;
        return 0;
}
