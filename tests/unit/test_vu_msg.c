/* vhost-user message validation and handlers on a heap memzone, no vault:
 * each bad input gives the right log line, the right action and no fd
 * leak; a good sequence lands in the memzone as the spec says. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "unit_check.h"
#include "vu_features.h"
#include "vu_test_device.h"

static void test_framing(void)
{
        int before = t_count_fds();
        struct vu_msg m = {0};

        m.hdr_len = 6;
        m.fds[0] = eventfd(0, 0);
        m.nfds = 1;
        CHECK(vu_msg_handle(&dev, &m, &reply) == VU_ACT_CLOSE, "truncated header");
        CHECK(logged("VirtualEthernet0/0/1: truncated header (6 of 12 bytes)"), "log");

        int fd = eventfd(0, 0);
        CHECK(send_msg(VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, NULL, 4096, &fd, 1) ==
                  VU_ACT_CLOSE,
              "size over max");
        CHECK(logged("VHOST_USER_SET_FEATURES: size 4096 over the max"), "log");

        CHECK(send_u64(VHOST_USER_SET_FEATURES, 0, NULL, 0) == VU_ACT_NONE, "good");
        uint64_t v = 0;
        CHECK(send_msg(VHOST_USER_SET_FEATURES, 0x2, &v, 8, NULL, 0) == VU_ACT_CLOSE,
              "wrong version");
        CHECK(logged("VHOST_USER_SET_FEATURES: wrong version 2"), "log");

        memset(&m, 0, sizeof(m));
        m.hdr.request = VHOST_USER_SET_VRING_NUM;
        m.hdr.flags = VHOST_USER_VERSION;
        m.hdr.size = 8;
        m.hdr_len = 12;
        m.len = 3;
        CHECK(vu_msg_handle(&dev, &m, &reply) == VU_ACT_CLOSE, "truncated payload");
        CHECK(logged("VHOST_USER_SET_VRING_NUM: truncated payload (3 of 8 bytes)"), "log");

        fd = eventfd(0, 0);
        CHECK(send_u64(99, 0, &fd, 1) == VU_ACT_CLOSE, "unknown");
        CHECK(logged("VirtualEthernet0/0/1: request 99: unknown request"), "log");
        CHECK(send_u64(VHOST_USER_GET_CONFIG, 0, NULL, 0) == VU_ACT_CLOSE, "unsupported");
        CHECK(logged("VHOST_USER_GET_CONFIG: not supported"), "log");

        CHECK(send_state(VHOST_USER_SET_VRING_NUM, 40, 256) == VU_ACT_CLOSE, "index");
        CHECK(logged("VirtualEthernet0/0/1: VHOST_USER_SET_VRING_NUM: vring index 40 out of range "
                     "(max 15)"),
              "log");
        CHECK(send_u64(VHOST_USER_SET_VRING_CALL, 200 | VHOST_USER_VRING_NOFD, NULL, 0) ==
                  VU_ACT_CLOSE,
              "index");
        CHECK(logged("VHOST_USER_SET_VRING_CALL: vring index 200 out of range"), "log");

        CHECK(send_u64(VHOST_USER_SET_VRING_KICK, 0, NULL, 0) == VU_ACT_CLOSE, "no fd");
        CHECK(logged("VHOST_USER_SET_VRING_KICK: fd count mismatch: 0 fds, expected 1"), "log");
        int two[2] = {eventfd(0, 0), eventfd(0, 0)};
        CHECK(send_u64(VHOST_USER_SET_VRING_KICK, 0, two, 2) == VU_ACT_CLOSE, "two fds");
        CHECK(logged("fd count mismatch: 2 fds, expected 1"), "log");
        fd = eventfd(0, 0);
        CHECK(send_u64(VHOST_USER_SET_VRING_KICK, VHOST_USER_VRING_NOFD, &fd, 1) == VU_ACT_CLOSE,
              "fd with nofd bit");
        CHECK(logged("fd count mismatch: 1 fds, expected 0"), "log");
        fd = eventfd(0, 0);
        CHECK(send_u64(VHOST_USER_SET_FEATURES, 0, &fd, 1) == VU_ACT_CLOSE, "fd on setter");
        CHECK(logged("VHOST_USER_SET_FEATURES: fd count mismatch"), "log");
        CHECK(send_msg(VHOST_USER_SET_VRING_NUM, 1, &v, 4, NULL, 0) == VU_ACT_CLOSE, "short");
        CHECK(logged("VHOST_USER_SET_VRING_NUM: payload size 4, expected 8"), "log");

        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

static void mem_table(struct vhost_user_memory *mem, unsigned n)
{
        memset(mem, 0, sizeof(*mem));
        mem->nregions = n;
        for (unsigned i = 0; i < n; i++) {
                mem->regions[i].guest_phys_addr = 0x100000ULL * i;
                mem->regions[i].memory_size = 0x100000;
                mem->regions[i].userspace_addr = 0x7f0000000000ULL + 0x100000ULL * i;
        }
}

static void test_mem_table_errors(void)
{
        int before = t_count_fds();
        struct vhost_user_memory mem;
        int fds[2];

        mem_table(&mem, 2);
        mem.regions[1].guest_phys_addr = 0x80000;
        fds[0] = memfd(0x100000);
        fds[1] = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(2), fds, 2) == VU_ACT_CLOSE,
              "overlap");
        CHECK(logged("VHOST_USER_SET_MEM_TABLE: region 1 overlaps region 0 (guest addresses"),
              "log");

        mem_table(&mem, 1);
        fds[0] = memfd(0x1000);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(1), fds, 1) == VU_ACT_CLOSE,
              "bigger than fd");
        CHECK(logged("region 0 larger than its fd: offset 0x0 + size 0x100000 > file size 0x1000"),
              "log");

        mem_table(&mem, 1);
        mem.regions[0].mmap_offset = ~0ULL - 10;
        fds[0] = memfd(0x1000);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(1), fds, 1) == VU_ACT_CLOSE,
              "offset overflow");
        CHECK(logged("overflows"), "log");

        mem_table(&mem, 1);
        mem.regions[0].memory_size = 0;
        fds[0] = memfd(0x1000);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(1), fds, 1) == VU_ACT_CLOSE,
              "size 0");
        CHECK(logged("region 0 has size 0"), "log");

        mem_table(&mem, 1);
        fds[0] = eventfd(0, 0);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(1), fds, 1) == VU_ACT_CLOSE,
              "eventfd as memory");
        CHECK(logged("region 0: its fd is not a memory file"), "log");

        mem_table(&mem, 2);
        fds[0] = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(2), fds, 1) == VU_ACT_CLOSE,
              "fd count");
        CHECK(logged("VHOST_USER_SET_MEM_TABLE: fd count mismatch: 1 fds, expected 2"), "log");

        mem.nregions = 9;
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(8), NULL, 0) == VU_ACT_CLOSE,
              "too many regions");
        CHECK(logged("9 regions"), "log");
        mem.nregions = 1;
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(2), NULL, 0) == VU_ACT_CLOSE,
              "size vs regions");
        CHECK(logged("does not match 1 regions"), "log");

        CHECK(st->ifaces[0].mem.nregions == 0, "no table applied");
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

static const uint64_t base_uva = 0x7f0000000000ULL;

static void negotiate(uint64_t features, uint64_t protocol)
{
        CHECK(send_msg(VHOST_USER_GET_FEATURES, 1, NULL, 0, NULL, 0) == VU_ACT_REPLY, "get");
        CHECK(reply.payload.u64 == vu_supported_features(), "offered 0x%llx",
              (unsigned long long)reply.payload.u64);
        CHECK(reply.hdr.flags == (VHOST_USER_VERSION | VHOST_USER_REPLY_MASK), "reply flags");
        CHECK(send_u64(VHOST_USER_SET_PROTOCOL_FEATURES, protocol, NULL, 0) == VU_ACT_NONE, "p");
        CHECK(send_u64(VHOST_USER_SET_FEATURES, features, NULL, 0) == VU_ACT_NONE, "set");
        CHECK(send_msg(VHOST_USER_SET_OWNER, 1, NULL, 0, NULL, 0) == VU_ACT_NONE, "owner");
}

static void setup_ring(unsigned q, uint32_t num)
{
        struct vhost_vring_addr a = {
            .index = q,
            .desc_user_addr = base_uva + 0x10000,
            .avail_user_addr = base_uva + 0x20000,
            .used_user_addr = base_uva + 0x30000,
        };
        CHECK(send_state(VHOST_USER_SET_VRING_NUM, q, num) == VU_ACT_NONE, "num");
        CHECK(send_msg(VHOST_USER_SET_VRING_ADDR, 1, &a, sizeof(a), NULL, 0) == VU_ACT_NONE,
              "addr");
        CHECK(send_state(VHOST_USER_SET_VRING_BASE, q, 5) == VU_ACT_NONE, "base");
        int call = eventfd(0, 0);
        CHECK(send_u64(VHOST_USER_SET_VRING_CALL, q, &call, 1) == VU_ACT_NONE, "call");
        int kick = eventfd(0, 0);
        CHECK(send_u64(VHOST_USER_SET_VRING_KICK, q, &kick, 1) == VU_ACT_NONE, "kick");
}

static void test_good_sequence(void)
{
        int before = t_count_fds();
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vhost_user_memory mem;
        int fd = memfd(0x100000);
        uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES) |
                     VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);

        negotiate(f, VIRTIO_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) |
                         VIRTIO_BIT(VHOST_USER_PROTOCOL_F_LOG_SHMFD));
        CHECK(ifc->features == f && ifc->features_set && ifc->owner_set, "features");

        mem_table(&mem, 1);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1 | VHOST_USER_NEED_REPLY_MASK, &mem, mem_size(1),
                       &fd, 1) == VU_ACT_REPLY,
              "mem table");
        CHECK(reply.hdr.size == 8 && reply.payload.u64 == 0, "ack 0");
        CHECK(ifc->mem.nregions == 1 && ifc->mem.generation == 1 && ifc->mem.regions[0].in_use &&
                  ifc->mem.regions[0].fd == fd,
              "table");

        setup_ring(1, 256);
        struct vsw_vring *vr = &ifc->vrings[1];
        CHECK(vr->num == 256 && vr->desc_gpa == 0x10000 && vr->avail_gpa == 0x20000 &&
                  vr->used_gpa == 0x30000,
              "gpa");
        CHECK(vr->last_avail_idx == 5 && vr->kickfd >= 0 && vr->callfd >= 0, "base, fds");
        CHECK((vr->state & VSW_VRING_STARTED) && !(vr->state & VSW_VRING_ENABLED),
              "started, disabled with PROTOCOL_FEATURES: 0x%x", vr->state);
        CHECK(ifc->num_queue_pairs == 1, "pairs");
        CHECK(send_state(VHOST_USER_SET_VRING_ENABLE, 1, 1) == VU_ACT_NONE, "enable");
        CHECK(vr->state & VSW_VRING_ENABLED, "enabled");
        CHECK((atomic_load(&vr->cmd_seq) & 1) == 0, "released");

        /* A ring outside guest memory, a bad size: REPLY_ACK carries failure. */
        struct vhost_vring_addr a = {.index = 0, .desc_user_addr = base_uva + 0x200000};
        CHECK(send_msg(VHOST_USER_SET_VRING_ADDR, 1 | VHOST_USER_NEED_REPLY_MASK, &a, sizeof(a),
                       NULL, 0) == VU_ACT_REPLY,
              "addr outside");
        CHECK(reply.payload.u64 == 1, "ack 1");
        CHECK(logged("VHOST_USER_SET_VRING_ADDR: vring 0: descriptor ring at user address "
                     "0x7f0000200000 (+1 bytes) is outside guest memory"),
              "log");
        struct vhost_vring_state s = {0, 3};
        CHECK(send_msg(VHOST_USER_SET_VRING_NUM, 1 | VHOST_USER_NEED_REPLY_MASK, &s, 8, NULL, 0) ==
                  VU_ACT_REPLY,
              "bad num");
        CHECK(reply.payload.u64 == 1 && logged("vring 0: size 3 invalid"), "ack 1");

        CHECK(send_state(VHOST_USER_GET_VRING_BASE, 1, 0) == VU_ACT_REPLY, "get base");
        CHECK(reply.payload.state.index == 1 && reply.payload.state.num == 5, "base %u",
              reply.payload.state.num);
        CHECK(!(vr->state & VSW_VRING_STARTED), "stopped");

        /* Log base: LOG_SHMFD wants an empty reply. */
        struct vhost_user_log log = {.mmap_size = 0x1000};
        fd = memfd(0x1000);
        CHECK(send_msg(VHOST_USER_SET_LOG_BASE, 1, &log, sizeof(log), &fd, 1) == VU_ACT_REPLY,
              "log base");
        CHECK(reply.hdr.size == 0 && ifc->log_size == 0x1000 && ifc->log_gen == 1, "log reply");

        /* Memory hot-plug: a second region, then remove it. */
        struct vhost_user_mem_reg reg = {.region = {.guest_phys_addr = 0x100000,
                                                    .memory_size = 0x100000,
                                                    .userspace_addr = base_uva + 0x100000}};
        fd = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_ADD_MEM_REG, 1, &reg, sizeof(reg), &fd, 1) == VU_ACT_NONE, "add");
        CHECK(ifc->mem.nregions == 2 && ifc->mem.generation == 2, "added");
        /* QEMU adds each region once per queue pair: the same region of
         * the same file is counted, not refused, and comes off as often. */
        int again = dup(dev.mem_fd[1]);
        CHECK(send_msg(VHOST_USER_ADD_MEM_REG, 1, &reg, sizeof(reg), &again, 1) == VU_ACT_NONE,
              "add the same region again");
        CHECK(ifc->mem.nregions == 2 && ifc->mem.generation == 2 && ifc->mem.regions[1].in_use == 2,
              "counted, table unchanged (gen %u, refs %u)", ifc->mem.generation,
              ifc->mem.regions[1].in_use);
        fd = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_ADD_MEM_REG, 1, &reg, sizeof(reg), &fd, 1) == VU_ACT_CLOSE,
              "same range in another file");
        CHECK(logged("new region is region 1's range in another file"), "log");
        struct vhost_user_mem_reg part = reg;
        part.region.memory_size /= 2;
        fd = memfd(0x100000);
        CHECK(send_msg(VHOST_USER_ADD_MEM_REG, 1, &part, sizeof(part), &fd, 1) == VU_ACT_CLOSE,
              "overlapping region");
        CHECK(logged("overlaps"), "log");
        CHECK(send_msg(VHOST_USER_REM_MEM_REG, 1, &reg, sizeof(reg), NULL, 0) == VU_ACT_NONE,
              "rem one reference");
        CHECK(ifc->mem.nregions == 2 && ifc->mem.generation == 2 && ifc->mem.regions[1].in_use == 1,
              "still mapped");
        CHECK(send_msg(VHOST_USER_REM_MEM_REG, 1, &reg, sizeof(reg), NULL, 0) == VU_ACT_NONE,
              "rem");
        CHECK(ifc->mem.nregions == 1 && ifc->mem.generation == 3, "removed");

        uint64_t mac = 0x665544332211ULL;
        CHECK(send_u64(VHOST_USER_SEND_RARP, mac, NULL, 0) == VU_ACT_NONE, "rarp");
        CHECK(ifc->rarp_mac[0] == 0x11 && ifc->rarp_mac[5] == 0x66 && ifc->rarp_seq == 1, "mac");
        CHECK(send_u64(VHOST_USER_NET_SET_MTU, 9000, NULL, 0) == VU_ACT_NONE && ifc->mtu == 9000,
              "mtu");
        CHECK(send_u64(VHOST_USER_SET_STATUS, 0xf, NULL, 0) == VU_ACT_NONE, "status");
        CHECK(send_msg(VHOST_USER_GET_STATUS, 1, NULL, 0, NULL, 0) == VU_ACT_REPLY &&
                  reply.payload.u64 == 0xf,
              "status");
        CHECK(send_msg(VHOST_USER_GET_QUEUE_NUM, 1, NULL, 0, NULL, 0) == VU_ACT_REPLY &&
                  reply.payload.u64 == VSW_MAX_QUEUE_PAIRS,
              "queues");
        CHECK(send_u64(VHOST_USER_SET_FEATURES, VIRTIO_BIT(40), NULL, 0) == VU_ACT_CLOSE,
              "unoffered features");
        CHECK(logged("VHOST_USER_SET_FEATURES: features 0x10000000000 were not offered"), "log");

        CHECK(send_msg(VHOST_USER_RESET_DEVICE, 1, NULL, 0, NULL, 0) == VU_ACT_NONE, "reset");
        CHECK(ifc->features == 0 && ifc->mem.nregions == 0 && ifc->vrings[1].state == 0 &&
                  ifc->vrings[1].kickfd == -1,
              "reset state");
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
}

/* Without PROTOCOL_FEATURES rings start enabled; kick with the no-fd bit
 * means polling, call with it means no notification. */
static void test_legacy_rings(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vhost_user_memory mem;
        int fd = memfd(0x100000);

        negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1), 0);
        mem_table(&mem, 1);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(1), &fd, 1) == VU_ACT_NONE,
              "mem");
        CHECK(send_u64(VHOST_USER_SET_VRING_KICK, 0 | VHOST_USER_VRING_NOFD, NULL, 0) ==
                  VU_ACT_NONE,
              "kick nofd");
        CHECK(send_u64(VHOST_USER_SET_VRING_CALL, 0 | VHOST_USER_VRING_NOFD, NULL, 0) ==
                  VU_ACT_NONE,
              "call nofd");
        uint32_t s = ifc->vrings[0].state;
        CHECK((s & VSW_VRING_STARTED) && (s & VSW_VRING_ENABLED) && (s & VSW_VRING_KICK_POLL) &&
                  (s & VSW_VRING_CALL_NONE),
              "state 0x%x", s);
        CHECK(atomic_load(&ifc->vrings[0].owner) == VSW_NO_WORKER, "no workers, no owner");
}

/* A worker that acks the handshake and writes back its index. */
static volatile int worker_stop;
static void *fake_worker(void *arg)
{
        struct vsw_iface *ifc = arg;

        while (!worker_stop) {
                for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                        struct vsw_vring *vr = &ifc->vrings[q];
                        uint32_t cmd = atomic_load_explicit(&vr->cmd_seq, memory_order_acquire);

                        if (atomic_load(&vr->owner) != 0 || atomic_load(&vr->ack_seq) == cmd)
                                continue;
                        if (cmd & 1)
                                vr->last_avail_idx = 77;
                        atomic_store_explicit(&vr->ack_seq, cmd, memory_order_release);
                }
                usleep(100);
        }
        return NULL;
}

static void test_handshake(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vhost_user_memory mem;
        int fd = memfd(0x100000);
        pthread_t t;

        st->nworkers = 1;
        atomic_store(&st->workers[0].state, VSW_WORKER_RUNNING);
        negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES), 0);
        mem_table(&mem, 1);
        CHECK(send_msg(VHOST_USER_SET_MEM_TABLE, 1, &mem, mem_size(1), &fd, 1) == VU_ACT_NONE,
              "mem");
        pthread_create(&t, NULL, fake_worker, ifc);
        setup_ring(3, 256);
        CHECK(atomic_load(&ifc->vrings[3].owner) == 0, "queue pair 1 -> worker 0");
        /* As vu_conn does: the message is tried again until the worker acks. */
        enum vu_action act;
        unsigned tries = 0;
        struct timespec step = {0, 50000}, start, now;

        /* Bounded by time, not tries: a loaded machine may run the fake
         * worker late. */
        clock_gettime(CLOCK_MONOTONIC, &start);
        while ((act = send_state(VHOST_USER_GET_VRING_BASE, 3, 0)) == VU_ACT_AGAIN) {
                tries++;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec > 10)
                        break;
                nanosleep(&step, NULL);
        }
        CHECK(act == VU_ACT_REPLY, "get base, after %u tries", tries);
        CHECK(reply.payload.state.num == 77, "index written back by the worker: %u",
              reply.payload.state.num);
        worker_stop = 1;
        pthread_join(t, NULL);

        /* A running worker that never answers: nothing waits, nothing is
         * edited, the pause stays asked, however often the message comes. */
        struct timespec a, b;
        uint32_t seq = atomic_load(&ifc->vrings[3].cmd_seq);
        ifc->vrings[3].state |= VSW_VRING_ENABLED;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (unsigned i = 0; i < 100; i++)
                CHECK(send_state(VHOST_USER_SET_VRING_ENABLE, 3, 0) == VU_ACT_AGAIN, "enable %u",
                      i);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
        CHECK(secs < 1.0, "100 tries took %.3f s: no waiting (a try once waited up to 1 s)", secs);
        CHECK(ifc->vrings[3].state & VSW_VRING_ENABLED, "not edited while the worker may run");
        CHECK(atomic_load(&ifc->vrings[3].cmd_seq) == seq + 1, "paused once, still asked");
        CHECK(vu_pause_all(&dev) < 0, "vu_pause_all says the ring is not paused");
        CHECK(vu_dev_reset(&dev) < 0 && ifc->vrings[3].num == 256,
              "nor does a reset clear the ring under the worker");
        /* The supervisor restarts it: a worker not running edits nothing. */
        atomic_store(&st->workers[0].state, VSW_WORKER_STARTING);
        CHECK(send_state(VHOST_USER_SET_VRING_ENABLE, 3, 0) == VU_ACT_NONE,
              "enable once restarted");
        CHECK(!(ifc->vrings[3].state & VSW_VRING_ENABLED), "edited now");
        CHECK(!(atomic_load(&ifc->vrings[3].cmd_seq) & 1), "released");
        atomic_store(&st->workers[0].state, VSW_WORKER_DEAD);
        st->nworkers = 0;
}

int main(void)
{
        vu_test_begin("test_vu_msg");
        int before = t_count_fds();

        fresh_device();
        test_framing();
        fresh_device();
        test_mem_table_errors();
        fresh_device();
        test_good_sequence();
        fresh_device();
        test_legacy_rings();
        fresh_device();
        test_handshake();
        fresh_device();
        vu_dev_reset(&dev);
        CHECK(t_count_fds() == before, "fd leak overall: %d before, %d after", before,
              t_count_fds());
        vu_test_end();
        return t_report();
}
