/* What a hostile front end may not hand vhostd, checked on a heap memzone:
 * regions that overlap at the top of the address space, more guest memory
 * than vhost { max-guest-memory } allows, a ring layout flipped under a
 * running ring, a split ring base past 16 bits, and kick/call/err fds that
 * are not eventfds (packed ring bases, which use 32 bits, are taken), more
 * regions than vhost { max-mem-slots } or the switch's region fd budget
 * allow. Each is refused with a log line that says why, and leaks no fd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_budget.h"
#include "unit_check.h"
#include "vu_features.h"
#include "vu_test_device.h"

static void test_ranges(void)
{
        const uint64_t top = ~0ULL - 0xfffff; /* the last MiB: ends at 2^64 */

        CHECK(vu_ranges_overlap(top, 0x100000, top + 0x80000, 0x1000), "inside the last MiB");
        CHECK(vu_ranges_overlap(top + 0x80000, 0x1000, top, 0x100000), "either order");
        CHECK(vu_ranges_overlap(top - 0x1000, 0x2000, top, 0x100000), "straddles its start");
        CHECK(!vu_ranges_overlap(top - 0x1000, 0x1000, top, 0x100000), "ends where it starts");
        CHECK(!vu_ranges_overlap(0, 0x1000, top, 0x100000), "the bottom page");
        CHECK(vu_ranges_overlap(0, ~0ULL, 5, 1), "all but the last byte");
        CHECK(!vu_ranges_overlap(0, 0, 0, 1) && !vu_ranges_overlap(0, 1, 0, 0), "empty");
}

/* A table whose region 0 ends at 2^64 in guest-physical space: a second
 * region inside it was missed when the end was computed as start + size. */
static void test_overlap_at_top(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vhost_user_memory mem = {.nregions = 2};
        int before = t_count_fds();
        int fds[2] = {memfd(0x100000), memfd(0x100000)};

        mem.regions[0].guest_phys_addr = ~0ULL - 0xfffff;
        mem.regions[0].memory_size = 0x100000;
        mem.regions[0].userspace_addr = 0x7f0000000000ULL;
        mem.regions[1].guest_phys_addr = ~0ULL - 0x7ffff;
        mem.regions[1].memory_size = 0x1000;
        mem.regions[1].userspace_addr = 0x7f0000200000ULL;
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &mem, mem_size(2), fds, 2) ==
                  VU_ACT_CLOSE,
              "overlap at the top refused");
        CHECK(logged("VHOST_USER_SET_MEM_TABLE: region 1 overlaps region 0 (guest addresses "
                     "0xfffffffffff80000+0x1000 and 0xfffffffffff00000+0x100000)"),
              "log");
        CHECK(ifc->mem.nregions == 0, "no table applied");

        /* The same through ADD_MEM_REG, against a table that holds the top region. */
        mem.nregions = 1;
        fds[0] = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &mem, mem_size(1), fds, 1) ==
                  VU_ACT_NONE,
              "the top region alone");
        struct vhost_user_mem_reg reg = {.region = mem.regions[1]};
        fds[1] = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_ADD_MEM_REG, VHOST_USER_VERSION, &reg, sizeof(reg), &fds[1], 1) ==
                  VU_ACT_CLOSE,
              "overlapping add refused");
        CHECK(logged("VHOST_USER_ADD_MEM_REG: new region overlaps region 0 (guest addresses"),
              "log");
        CHECK(ifc->mem.nregions == 1 && ifc->mem.generation == 1, "table unchanged");
        vu_dev_reset(&dev);
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

static void test_guest_memory_limit(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vhost_user_memory mem = {.nregions = 2};
        int before = t_count_fds();
        int fds[2] = {memfd(1ULL << 30), memfd(1ULL << 30)};

        CHECK(st->max_guest_memory == 1ULL << 40, "default 1 TiB");
        st->max_guest_memory = (1ULL << 30) + (512ULL << 20); /* 1.5 GiB */
        for (unsigned i = 0; i < 2; i++) {
                mem.regions[i].guest_phys_addr = (uint64_t)i << 32;
                mem.regions[i].memory_size = 1ULL << 30;
                mem.regions[i].userspace_addr = 0x7f0000000000ULL + ((uint64_t)i << 32);
        }
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &mem, mem_size(2), fds, 2) ==
                  VU_ACT_CLOSE,
              "2 GiB table refused");
        CHECK(logged("VirtualEthernet0/0/1: VHOST_USER_SET_MEM_TABLE: guest memory of "
                     "VirtualEthernet0/0/1 would be 0x80000000 bytes (2048 MiB), over the limit "
                     "of 0x60000000 bytes (1536 MiB, vhost { max-guest-memory }): refused"),
              "log");
        CHECK(ifc->mem.nregions == 0 && ifc->mem.generation == 0, "no table applied");

        mem.nregions = 1;
        fds[0] = memfd(1ULL << 30);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &mem, mem_size(1), fds, 1) ==
                  VU_ACT_NONE,
              "1 GiB table within the limit");
        struct vhost_user_mem_reg reg = {.region = mem.regions[1]};
        fds[1] = memfd(1ULL << 30);
        CHECK(send_msg(VHOST_USER_ADD_MEM_REG, VHOST_USER_VERSION, &reg, sizeof(reg), &fds[1], 1) ==
                  VU_ACT_CLOSE,
              "a second GiB refused");
        CHECK(logged("VHOST_USER_ADD_MEM_REG: guest memory of VirtualEthernet0/0/1 would be "
                     "0x80000000 bytes (2048 MiB), over the limit"),
              "log");
        CHECK(ifc->mem.nregions == 1 && ifc->mem.generation == 1, "table unchanged");

        vu_dev_reset(&dev);
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

static void set_features(uint64_t f, enum vu_action want, const char *what)
{
        CHECK(send_u64(VHOST_USER_SET_FEATURES, f, NULL, 0) == want, "%s", what);
}

static void setup_ring(unsigned q, uint32_t num)
{
        struct vhost_vring_addr a = {
            .index = q,
            .desc_user_addr = 0x7f0000010000ULL,
            .avail_user_addr = 0x7f0000020000ULL,
            .used_user_addr = 0x7f0000030000ULL,
        };
        CHECK(send_state(VHOST_USER_SET_VRING_NUM, q, num) == VU_ACT_NONE, "num");
        CHECK(send_msg(VHOST_USER_SET_VRING_ADDR, VHOST_USER_VERSION, &a, sizeof(a), NULL, 0) ==
                  VU_ACT_NONE,
              "addr");
        CHECK(send_state(VHOST_USER_SET_VRING_BASE, q, 5) == VU_ACT_NONE, "base");
}

/* A split ring of 256 checked as such must not become a packed ring, nor
 * a packed ring of 100 (no power of two, no avail/used arrays) a split one. */
static void test_layout_flip(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vsw_vring *vr = &ifc->vrings[0];
        struct vhost_user_memory mem = {.nregions = 1};
        int before = t_count_fds();
        int fd = memfd(0x100000);
        uint64_t split = VIRTIO_BIT(VIRTIO_F_VERSION_1);
        uint64_t packed = split | VIRTIO_BIT(VIRTIO_F_RING_PACKED);

        CHECK(vu_supported_features() & VIRTIO_BIT(VIRTIO_F_RING_PACKED), "packed offered");
        mem.regions[0].memory_size = 0x100000;
        mem.regions[0].userspace_addr = 0x7f0000000000ULL;
        set_features(split, VU_ACT_NONE, "split");
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &mem, mem_size(1), &fd, 1) ==
                  VU_ACT_NONE,
              "mem");
        setup_ring(0, 256);
        int kick = eventfd(0, 0);
        CHECK(send_u64(VHOST_USER_SET_VRING_KICK, 0, &kick, 1) == VU_ACT_NONE, "kick");
        CHECK(vr->state & VSW_VRING_STARTED, "ring 0 running");

        set_features(packed, VU_ACT_CLOSE, "packed under a running split ring");
        CHECK(logged("VHOST_USER_SET_FEATURES: vring 0 is running as a split ring: "
                     "VIRTIO_F_RING_PACKED cannot change before GET_VRING_BASE stops it"),
              "log");
        CHECK(ifc->features == split && !(vr->state & VSW_VRING_PACKED) && vr->num == 256 &&
                  (vr->state & VSW_VRING_ADDR_SET),
              "ring unchanged");
        set_features(split, VU_ACT_NONE, "the same layout again is fine");

        /* Stopped: the layout may change, and the ring forgets what was
         * checked for the old one. */
        CHECK(send_state(VHOST_USER_GET_VRING_BASE, 0, 0) == VU_ACT_REPLY, "stop");
        set_features(packed, VU_ACT_NONE, "packed once stopped");
        CHECK((vr->state & VSW_VRING_PACKED) && !(vr->state & VSW_VRING_ADDR_SET) && vr->num == 0 &&
                  vr->desc_gpa == 0 && vr->last_avail_idx == 0,
              "size, addresses and indices forgotten (state 0x%x num %u)", vr->state, vr->num);

        /* A packed ring of 100 with its addresses, not started, then split. */
        setup_ring(0, 100);
        CHECK(vr->num == 100 && (vr->state & VSW_VRING_ADDR_SET), "packed ring of 100");
        set_features(split, VU_ACT_NONE, "split while stopped");
        CHECK(vr->num == 0 && !(vr->state & VSW_VRING_ADDR_SET) && !(vr->state & VSW_VRING_PACKED),
              "the packed size is not kept for a split ring");
        vu_dev_reset(&dev);
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

/* Ring bases: a packed ring's carries the avail position in its low half
 * and the used one in its high half (QEMU starts a ring with 0x80008000:
 * both wrap counters 1). vhostd refused that as "out of range (16 bits)"
 * and dropped every QEMU front end with packed=on: nothing got through. */
static void test_ring_bases(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vsw_vring *vr = &ifc->vrings[1];
        uint64_t split = VIRTIO_BIT(VIRTIO_F_VERSION_1);

        set_features(split, VU_ACT_NONE, "split");
        CHECK(send_state(VHOST_USER_SET_VRING_BASE, 1, 0x10000) == VU_ACT_CLOSE,
              "split base past 16 bits refused");
        CHECK(logged("VHOST_USER_SET_VRING_BASE: vring 1: base 65536 out of range (16 bits for a "
                     "split ring)"),
              "log");
        fresh_device();
        set_features(split | VIRTIO_BIT(VIRTIO_F_RING_PACKED), VU_ACT_NONE, "packed");
        CHECK(send_state(VHOST_USER_SET_VRING_BASE, 1, 0x80008000u) == VU_ACT_NONE,
              "QEMU's base of a new packed ring taken");
        CHECK(vr->last_avail_idx == 0x8000 && vr->last_used_idx == 0x8000,
              "both positions at slot 0, wrap 1 (avail 0x%x used 0x%x)", vr->last_avail_idx,
              vr->last_used_idx);
        CHECK(send_state(VHOST_USER_SET_VRING_BASE, 1, 0x00058007u) == VU_ACT_NONE,
              "avail and used apart");
        CHECK(vr->last_avail_idx == 0x8007 && vr->last_used_idx == 0x0005,
              "avail 7 wrap 1, used 5 wrap 0 (avail 0x%x used 0x%x)", vr->last_avail_idx,
              vr->last_used_idx);
        CHECK(send_state(VHOST_USER_SET_VRING_BASE, 1, 0x8000) == VU_ACT_NONE,
              "the low half alone (DPDK virtio-user)");
        CHECK(vr->last_avail_idx == 0x8000 && vr->last_used_idx == 0x8000,
              "used follows avail (avail 0x%x used 0x%x)", vr->last_avail_idx, vr->last_used_idx);

        /* GET_VRING_BASE answers in the same form, both halves. */
        vr->last_avail_idx = 0x8003;
        vr->last_used_idx = 0x0002;
        CHECK(send_state(VHOST_USER_GET_VRING_BASE, 1, 0) == VU_ACT_REPLY, "get base");
        CHECK(reply.payload.state.index == 1 && reply.payload.state.num == 0x00028003u,
              "packed base answered with both positions (0x%x)", reply.payload.state.num);
        vu_dev_reset(&dev);
}

/* Kick, call and err take eventfds only; the refused fd is closed. */
static void test_vring_fd_kinds(void)
{
        static const struct {
                uint32_t req;
                const char *name;
        } reqs[] = {
            {VHOST_USER_SET_VRING_KICK, "VHOST_USER_SET_VRING_KICK: vring 1: the kick fd"},
            {VHOST_USER_SET_VRING_CALL, "VHOST_USER_SET_VRING_CALL: vring 1: the call fd"},
            {VHOST_USER_SET_VRING_ERR, "VHOST_USER_SET_VRING_ERR: vring 1: the err fd"},
        };
        struct vsw_iface *ifc = &st->ifaces[0];
        int before = t_count_fds();
        char want[160];

        for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
                int p[2], sp[2], m = memfd(0x1000);

                CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0, "fds");
                close(p[0]);
                close(sp[1]);
                CHECK(send_u64(reqs[i].req, 1, &p[1], 1) == VU_ACT_CLOSE, "pipe refused");
                snprintf(want, sizeof(want), "%s is a pipe:[", reqs[i].name);
                CHECK(logged(want), "log: %s", want);
                CHECK(send_u64(reqs[i].req, 1, &m, 1) == VU_ACT_CLOSE, "memfd refused");
                snprintf(want, sizeof(want), "%s is a /memfd:guest (deleted), not an eventfd",
                         reqs[i].name);
                CHECK(logged(want), "log: %s", want);
                CHECK(send_u64(reqs[i].req, 1, &sp[0], 1) == VU_ACT_CLOSE, "socket refused");
                snprintf(want, sizeof(want), "%s is a socket:[", reqs[i].name);
                CHECK(logged(want), "log: %s", want);
                CHECK(ifc->vrings[1].kick_gen + ifc->vrings[1].call_gen + ifc->vrings[1].err_gen ==
                          i,
                      "ring 1 untouched");
                int efd = eventfd(0, 0);
                CHECK(send_u64(reqs[i].req, 1, &efd, 1) == VU_ACT_NONE, "eventfd taken");
        }
        CHECK(ifc->vrings[1].kick_gen == 1 && ifc->vrings[1].call_gen == 1 &&
                  ifc->vrings[1].err_gen == 1,
              "each eventfd taken once");
        vu_dev_reset(&dev);
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

/* ADD_MEM_REG of a 2 MiB region at guest address 2 MiB * i. */
static enum vu_action add_region(unsigned i)
{
        struct vhost_user_mem_reg reg = {
            .region = {.guest_phys_addr = (uint64_t)i << 21,
                       .memory_size = 1 << 21,
                       .userspace_addr = 0x7f0000000000ULL + ((uint64_t)i << 21)}};
        int fd = memfd(1 << 21);

        return send_msg(VHOST_USER_ADD_MEM_REG, VHOST_USER_VERSION, &reg, sizeof(reg), &fd, 1);
}

static uint64_t max_mem_slots(void)
{
        CHECK(send_msg(VHOST_USER_GET_MAX_MEM_SLOTS, VHOST_USER_VERSION, NULL, 0, NULL, 0) ==
              VU_ACT_REPLY);
        return reply.payload.u64;
}

/* The budget: the smaller of the open-file limit and the vault, less the
 * reserve; what this machine's usual limits give. */
static void test_fd_budget_math(void)
{
        CHECK(vsw_mem_fd_budget(1024, 18944) == 0, "the usual soft limit leaves nothing");
        CHECK(vsw_mem_fd_budget(20000, 18944) == 18944 - VSW_FD_RESERVE, "the vault bounds it");
        CHECK(vsw_mem_fd_budget(18000, 18944) == 18000 - VSW_FD_RESERVE, "the fd limit bounds it");
        CHECK(vsw_mem_fd_budget(1048576, VSW_VAULT_MAX_FDS) >= VSW_MAX_IFACES * VSW_MAX_MEM_REGIONS,
              "the vault holds every interface at QEMU's 509 regions");
        CHECK(VSW_MAX_MEM_REGIONS == 509, "QEMU's vhost-user cap");
}

/* vhost { max-mem-slots } bounds one interface, the fd budget all of
 * them; GET_MAX_MEM_SLOTS answers the smaller, and an ADD_MEM_REG past
 * either is refused naming the limit, the table unchanged, no fd kept. */
static void test_mem_slots(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        int before = t_count_fds();

        CHECK(max_mem_slots() == VSW_MAX_MEM_REGIONS, "509 by default");
        st->max_mem_slots = 3;
        CHECK(max_mem_slots() == 3, "vhost { max-mem-slots 3 }");
        for (unsigned i = 0; i < 3; i++)
                CHECK(add_region(i) == VU_ACT_NONE, "region %u added", i);
        CHECK(ifc->mem.nregions == 3 && ifc->mem.generation == 3);
        CHECK(add_region(3) == VU_ACT_CLOSE, "a 4th region refused");
        CHECK(logged("VHOST_USER_ADD_MEM_REG: 4 memory regions, over the limit of 3 "
                     "(vhost { max-mem-slots }): refused"),
              "log");
        CHECK(ifc->mem.nregions == 3 && ifc->mem.generation == 3, "table unchanged");

        st->max_mem_slots = VSW_MAX_MEM_REGIONS;
        st->mem_fd_budget = 5;
        st->ifaces[1].mem.nregions = 2; /* another interface holds two */
        CHECK(max_mem_slots() == 3, "the budget leaves this interface 3");
        CHECK(add_region(3) == VU_ACT_CLOSE, "over the budget refused");
        CHECK(logged("VHOST_USER_ADD_MEM_REG: 4 memory regions here and 2 on the other "
                     "interfaces would be over the switch's budget of 5 region fds"),
              "log");
        CHECK(ifc->mem.nregions == 3, "table unchanged");
        st->ifaces[1].mem.nregions = 0;
        CHECK(add_region(3) == VU_ACT_NONE && ifc->mem.nregions == 4, "room once the other left");

        /* Regions that stay keep their keys; a new one gets the generation's. */
        CHECK(ifc->mem.regions[0].key_gen == 1 && ifc->mem.regions[3].key_gen == 4,
              "keys %u and %u", ifc->mem.regions[0].key_gen, ifc->mem.regions[3].key_gen);
        struct vhost_user_mem_reg reg = {.region = {.guest_phys_addr = 1 << 21,
                                                    .memory_size = 1 << 21,
                                                    .userspace_addr = 0x7f0000200000ULL}};
        CHECK(send_msg(VHOST_USER_REM_MEM_REG, VHOST_USER_VERSION, &reg, sizeof(reg), NULL, 0) ==
                      VU_ACT_NONE &&
                  ifc->mem.nregions == 3 && !ifc->mem.regions[1].in_use &&
                  ifc->mem.regions[0].key_gen == 1 && ifc->mem.generation == 5,
              "region 1 removed, the others as they were");
        st->ifaces[1].mem.nregions = 3; /* 3 + 3 > 5 */
        struct vhost_user_memory mem = {.nregions = 1};
        int fd = memfd(1 << 21);

        mem.regions[0] = reg.region;
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_VERSION, &mem, mem_size(1), &fd, 1) ==
                  VU_ACT_NONE,
              "a table of 1 fits (3 + 1 <= 5)");
        st->ifaces[1].mem.nregions = 0;
        vu_dev_reset(&dev);
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

int main(void)
{
        vu_test_begin("test_vu_limits");
        test_ranges();
        fresh_device();
        test_overlap_at_top();
        fresh_device();
        test_guest_memory_limit();
        fresh_device();
        test_layout_flip();
        fresh_device();
        test_vring_fd_kinds();
        fresh_device();
        test_ring_bases();
        fresh_device();
        test_fd_budget_math();
        test_mem_slots();
        fresh_device();
        vu_test_end();
        return t_report();
}
