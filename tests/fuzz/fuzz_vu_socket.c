/* libFuzzer target for vhostd's connection framing
 * (control/vhost_user/vu_conn_frame.c) on a real unix stream socketpair with real SCM_RIGHTS fds: the input is a
 * front end's writes, cut at any point, with memfds, eventfds and pipes
 * attached to some of them, interleaved with vhostd turns (peek, validate,
 * apply to a heap memzone, journal, consume, reply), a worker that acks
 * vring pauses or not, a front end that reads its replies or not, and
 * vhostd crashes at any step of the journal followed by a successor's
 * recovery (journal replay). After each input no fd may be left open
 * (/proc/self/fd is counted), and a message that waits for a pause must
 * have changed nothing the worker reads.
 *
 * Input: a sequence of ops, each one byte and its arguments:
 *   0 raw write   u8 len, len bytes; bits 3-4 of the op: fds to attach (0-3),
 *                 bits 5-6: their kind (memfd 1 MiB, eventfd, pipe, memfd 4 KiB)
 *   1 message     u8 request, u8 flags (bit 0: NEED_REPLY, bit 1: wrong
 *                 version), u8 payload len, payload; fds as for 0
 *   2 vhostd turn up to 8 messages
 *   3 the front end reads whatever was sent to it
 *   4 crash       u8 point: vhostd dies at that step of the next message,
 *                 a successor takes the connection over and settles it
 *   5 worker      u8 mode: 0 none, 1 running and acking, 2 running and
 *                 never acking, 3 restarting (not running)
 *   6 the front end closes its side (vhostd sees EOF; a new pair follows)
 *   7 the worker acks every pause asked so far (one poll iteration) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "vu_conn_frame.h"
#include "vu_handlers.h"
#include "vu_journal.h"
#include "vu_msg.h"

static struct vsw_state *st;

struct fuzz {
        const uint8_t *data;
        size_t size, pos;
        int fe, be; /* front end's and vhostd's ends */
        struct vu_dev dev;
        struct vu_frame f;
        unsigned worker_mode;
};

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (!d)
                abort();
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

static int take(struct fuzz *z, uint8_t *b)
{
        if (z->pos >= z->size)
                return 0;
        *b = z->data[z->pos++];
        return 1;
}

static int make_fd(unsigned kind)
{
        static const size_t sizes[] = {1 << 20, 0, 0, 4096};
        int fd, p[2];

        switch (kind) {
        case 1:
                fd = eventfd(0, EFD_CLOEXEC);
                break;
        case 2:
                if (pipe2(p, O_CLOEXEC) < 0)
                        abort();
                close(p[1]);
                fd = p[0];
                break;
        default:
                fd = memfd_create("fuzz", MFD_CLOEXEC);
                if (fd >= 0 && ftruncate(fd, sizes[kind]) < 0)
                        abort();
        }
        if (fd < 0)
                abort();
        return fd;
}

/* One sendmsg of len bytes with nfds fresh fds of kind; a full socket
 * drops the write, as a front end that blocks would never get it out. */
static void fe_write(struct fuzz *z, const void *buf, size_t len, unsigned nfds, unsigned kind)
{
        char cbuf[CMSG_SPACE(sizeof(int) * 3)] = {0};
        struct iovec iov = {(void *)buf, len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        int fds[3];

        if (z->fe < 0 || len == 0)
                return;
        for (unsigned i = 0; i < nfds; i++)
                fds[i] = make_fd(kind);
        if (nfds) {
                mh.msg_control = cbuf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
        }
        if (sendmsg(z->fe, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
                abort();
        for (unsigned i = 0; i < nfds; i++)
                close(fds[i]);
}

static void fe_read(struct fuzz *z)
{
        char buf[4096];
        char cbuf[CMSG_SPACE(sizeof(int) * 8)];

        while (z->fe >= 0) {
                struct iovec iov = {buf, sizeof(buf)};
                struct msghdr mh = {.msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = cbuf,
                                    .msg_controllen = sizeof(cbuf)};

                if (recvmsg(z->fe, &mh, MSG_DONTWAIT) <= 0)
                        return;
                if (mh.msg_controllen)
                        abort(); /* vhostd sends no fds */
        }
}

/* One poll iteration of worker 0: acks what vhostd asked. */
static void worker_ack(void)
{
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                struct vsw_vring *vr = &st->ifaces[0].vrings[q];

                atomic_store(&vr->ack_seq, atomic_load(&vr->cmd_seq));
        }
}

static void set_worker(struct fuzz *z, unsigned mode)
{
        z->worker_mode = mode & 3;
        st->nworkers = z->worker_mode ? 1 : 0;
        atomic_store(&st->workers[0].state, z->worker_mode == 1 || z->worker_mode == 2
                                                ? VSW_WORKER_RUNNING
                                                : VSW_WORKER_STARTING);
}

static void new_pair(struct fuzz *z)
{
        int sp[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
                abort();
        z->fe = sp[0];
        z->be = sp[1];
        vu_frame_init(&z->f, &z->dev, z->be);
        z->dev.ifc->journal.state = VSW_JOURNAL_EMPTY;
}

/* What vu_conn does when the front end goes: the device is cleared once
 * its rings are paused (the supervisor restarts a worker that never acks). */
static void drop_front_end(struct fuzz *z)
{
        if (vu_dev_reset(&z->dev) < 0) {
                if (z->worker_mode == 1)
                        worker_ack();
                else
                        set_worker(z, 3);
                if (vu_dev_reset(&z->dev) < 0)
                        abort();
        }
        z->dev.replay = 0;
        close(z->be);
        if (z->fe >= 0)
                close(z->fe);
        new_pair(z);
}

/* What the worker reads of a ring, to check that a waiting message
 * changed none of it. */
struct ring_view {
        uint32_t state, num;
        uint64_t desc, avail, used, features;
        uint16_t last_avail, last_used;
        uint32_t gen, kick_gen, call_gen;
};

static void view(struct ring_view *v)
{
        const struct vsw_iface *ifc = &st->ifaces[0];

        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                const struct vsw_vring *vr = &ifc->vrings[q];

                memset(&v[q], 0, sizeof(v[q]));
                v[q].state = vr->state;
                v[q].num = vr->num;
                v[q].desc = vr->desc_gpa;
                v[q].avail = vr->avail_gpa;
                v[q].used = vr->used_gpa;
                v[q].features = ifc->features;
                v[q].last_avail = vr->last_avail_idx;
                v[q].last_used = vr->last_used_idx;
                v[q].gen = ifc->mem.generation;
                v[q].kick_gen = vr->kick_gen;
                v[q].call_gen = vr->call_gen;
        }
}

/* Returns the step that ended the turn. */
static enum vu_step vhostd_turn(struct fuzz *z)
{
        static struct ring_view before[VSW_MAX_VRINGS], after[VSW_MAX_VRINGS];
        enum vu_step s = VU_STEP_DONE;

        for (unsigned i = 0; i < 8 && s == VU_STEP_DONE; i++) {
                if (z->worker_mode == 1)
                        worker_ack();
                view(before);
                s = z->f.out_len ? vu_frame_flush(&z->f) : vu_frame_read(&z->f);
                if (s == VU_STEP_PAUSING) {
                        view(after);
                        if (memcmp(before, after, sizeof(before)) != 0)
                                abort(); /* edited under a worker that did not ack */
                        if (z->dev.ifc->journal.state != VSW_JOURNAL_APPLYING)
                                abort();
                }
                if (s == VU_STEP_HANG_UP || s == VU_STEP_EOF)
                        drop_front_end(z);
        }
        return s;
}

/* vhostd dies at the given step of the next message; the successor keeps
 * the memzone and, from the vault, the connection and every fd (dups:
 * the dead process's own are closed with it), and settles the journal. */
static void crash(struct fuzz *z, uint8_t point)
{
        struct vu_dev *dev = &z->dev;

        z->f.kill_at = 1u + point % 6u;
        if (vhostd_turn(z) != VU_STEP_KILLED) {
                z->f.kill_at = 0;
                return;
        }
        int *slots[] = {&dev->log_fd, &dev->log_notify_fd, &dev->backend_fd, &z->be};
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (dev->mem_fd[i] >= 0) {
                        int fd = dup(dev->mem_fd[i]);

                        close(dev->mem_fd[i]);
                        dev->mem_fd[i] = fd;
                }
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                int *v[] = {&dev->kick_fd[q], &dev->call_fd[q], &dev->err_fd[q]};

                for (unsigned k = 0; k < 3; k++)
                        if (*v[k] >= 0) {
                                int fd = dup(*v[k]);

                                close(*v[k]);
                                *v[k] = fd;
                        }
        }
        for (unsigned k = 0; k < 4; k++)
                if (*slots[k] >= 0) {
                        int fd = dup(*slots[k]);

                        close(*slots[k]);
                        *slots[k] = fd;
                }
        dev->replay = 0;
        vu_frame_init(&z->f, dev, z->be);
        enum vu_step s = vu_frame_settle(&z->f);

        if (!dev->replay)
                vu_release_all(dev);
        if (s == VU_STEP_HANG_UP || s == VU_STEP_EOF)
                drop_front_end(z);
}

static void fresh_iface(struct vsw_iface *ifc)
{
        memset(ifc, 0, sizeof(*ifc));
        ifc->in_use = 1;
        ifc->sw_if_index = 1;
        snprintf(ifc->name, sizeof(ifc->name), "VirtualEthernet0/0/0");
        ifc->feature_mask = ~0ULL;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                atomic_store(&ifc->vrings[q].owner, VSW_NO_WORKER);
                ifc->vrings[q].kickfd = ifc->vrings[q].callfd = ifc->vrings[q].errfd = -1;
        }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        vsw_log_open("fuzz", NULL, VSW_LOG_EMERG);
        for (int c = 0; c < VSW_LOG_CLASS_MAX; c++)
                vsw_log_set_level(c, VSW_LOG_EMERG);
        st = calloc(1, sizeof(*st));
        if (!st)
                abort();
        vsw_state_init(st);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz z = {.data = data, .size = size};
        int before = count_fds();
        uint8_t op, a, b, c;

        fresh_iface(&st->ifaces[0]);
        vu_dev_init(&z.dev, st, &st->ifaces[0], -1);
        set_worker(&z, 0);
        new_pair(&z);
        while (take(&z, &op)) {
                unsigned nfds = (op >> 3) & 3, kind = (op >> 5) & 3;
                uint8_t buf[VHOST_USER_HDR_SIZE + 256];

                switch (op & 7) {
                case 0:
                        if (!take(&z, &a))
                                break;
                        a = (uint8_t)(a < size - z.pos ? a : size - z.pos);
                        fe_write(&z, data + z.pos, a, nfds, kind);
                        z.pos += a;
                        break;
                case 1: {
                        if (!take(&z, &a) || !take(&z, &b) || !take(&z, &c))
                                break;
                        c = (uint8_t)(c < size - z.pos ? c : size - z.pos);
                        struct vhost_user_header h = {
                            a,
                            ((b & 2) ? 2u : VHOST_USER_VERSION) |
                                ((b & 1) ? VHOST_USER_NEED_REPLY_MASK : 0u),
                            c};

                        memcpy(buf, &h, sizeof(h));
                        memcpy(buf + sizeof(h), data + z.pos, c);
                        z.pos += c;
                        fe_write(&z, buf, sizeof(h) + c, nfds, kind);
                        break;
                }
                case 2:
                        vhostd_turn(&z);
                        break;
                case 3:
                        fe_read(&z);
                        break;
                case 4:
                        if (take(&z, &a))
                                crash(&z, a);
                        break;
                case 5:
                        if (take(&z, &a))
                                set_worker(&z, a);
                        break;
                case 6:
                        close(z.fe);
                        z.fe = -1;
                        break;
                case 7:
                        worker_ack();
                        break;
                }
        }
        /* The front end goes: vhostd sees it, clears the device. */
        if (z.fe >= 0)
                close(z.fe);
        z.fe = -1;
        set_worker(&z, 3);
        while (vhostd_turn(&z) == VU_STEP_DONE)
                ;
        if (vu_dev_reset(&z.dev) < 0)
                abort();
        close(z.be);
        if (z.fe >= 0)
                close(z.fe);
        int after = count_fds();
        if (after != before) {
                fprintf(stderr, "fd leak: %d fds open before the input, %d after\n", before, after);
                abort();
        }
        return 0;
}
