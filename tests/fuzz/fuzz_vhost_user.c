/* libFuzzer target for vhostd's vhost-user protocol side: validation and
 * handlers on a heap memzone, no vault, no DPDK, no libevent.
 *
 * Input: a sequence of messages, each
 *   u8 ctl    bits 0-3: fds to attach (9 and up: more than a message can
 *             carry, as MSG_CTRUNC reports), bits 4-5: their kind (memfd of
 *             1 MiB, eventfd, memfd of 4 KiB, memfd of 2 MiB); bit 7 of the
 *             first ctl turns `debug vhost-user` on for the input
 *   12 bytes  vhost-user header (request, flags, size); fewer at the end of
 *             the input: a truncated header
 *   payload   min(size, what the input has left) bytes
 * A dropped connection (VU_ACT_CLOSE) resets the device as vu_conn does, and
 * the sequence goes on. After each message every fd it brought is closed or
 * held by the device; after each input as many fds are open as before it
 * (/proc/self/fd counted, so a leaked fd of any origin is caught). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "vu_handlers.h"
#include "vu_msg.h"

static struct vsw_state *st;

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

/* Is fd one the device holds (it may keep what a message brought)? */
static int held(const struct vu_dev *dev, int fd)
{
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                if (dev->mem_fd[i] == fd)
                        return 1;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                if (dev->kick_fd[q] == fd || dev->call_fd[q] == fd || dev->err_fd[q] == fd)
                        return 1;
        return dev->log_fd == fd || dev->log_notify_fd == fd || dev->backend_fd == fd;
}

static int make_fd(unsigned kind)
{
        static const size_t sizes[] = {1 << 20, 0, 4096, 2 << 20};
        int fd;

        if (kind == 1) {
                fd = eventfd(0, EFD_CLOEXEC);
        } else {
                fd = memfd_create("fuzz", MFD_CLOEXEC);
                if (fd >= 0 && ftruncate(fd, sizes[kind]) < 0)
                        abort();
        }
        if (fd < 0)
                abort();
        return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        vsw_log_open("fuzz", NULL, VSW_LOG_EMERG);
        for (int c = 0; c < VSW_LOG_CLASS_MAX; c++)
                vsw_log_set_level(c, VSW_LOG_EMERG);
        st = calloc(1, sizeof(*st));
        vsw_state_init(st);
        return 0;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vu_dev dev;
        size_t pos = 0;
        int before = count_fds();

        fresh_iface(ifc);
        vu_dev_init(&dev, st, ifc, -1);
        vu_debug_all = size > 0 && (data[0] & 0x80); /* cover the debug line too */
        while (pos + 1 <= size) {
                struct vu_msg m, reply;
                uint8_t ctl = data[pos++];
                size_t avail = size - pos;

                memset(&m, 0, sizeof(m));
                m.hdr_len = avail < VHOST_USER_HDR_SIZE ? (uint32_t)avail : VHOST_USER_HDR_SIZE;
                memcpy(&m.hdr, data + pos, m.hdr_len);
                pos += m.hdr_len;
                if (m.hdr_len == VHOST_USER_HDR_SIZE && m.hdr.size <= VHOST_USER_PAYLOAD_MAX) {
                        size_t n = m.hdr.size < size - pos ? m.hdr.size : size - pos;

                        memcpy(&m.payload, data + pos, n);
                        m.len = (uint32_t)n;
                        pos += n;
                }
                unsigned nfds = ctl & 0xf;
                if (nfds > VU_MAX_FDS) {
                        nfds = VU_MAX_FDS;
                        m.fds_truncated = 1;
                }
                for (unsigned i = 0; i < nfds; i++)
                        m.fds[i] = make_fd((ctl >> 4) & 3);
                m.nfds = nfds;
                int mine[VU_MAX_FDS];
                memcpy(mine, m.fds, sizeof(mine));

                enum vu_action act = vu_msg_handle(&dev, &m, &reply);
                /* Each fd the message brought is closed or kept by the device
                 * (a closed number cannot have been reused: nothing opened
                 * an fd since). */
                for (unsigned i = 0; i < nfds; i++)
                        if (fcntl(mine[i], F_GETFD) >= 0 && !held(&dev, mine[i])) {
                                fprintf(stderr, "fd leak: fd %d of the message is still open\n",
                                        mine[i]);
                                abort();
                        }
                if (act == VU_ACT_REPLY && reply.hdr.size > VHOST_USER_PAYLOAD_MAX)
                        abort();
                /* No worker runs here: every pause is acknowledged at once. */
                if (act == VU_ACT_AGAIN || (act == VU_ACT_CLOSE && vu_dev_reset(&dev) < 0))
                        abort();
        }
        if (vu_dev_reset(&dev) < 0)
                abort();

        /* Every fd handed over must be closed again once the device is reset. */
        int after = count_fds();
        if (after != before) {
                fprintf(stderr, "fd leak: %d fds open before the input, %d after\n", before, after);
                abort();
        }
        return 0;
}
