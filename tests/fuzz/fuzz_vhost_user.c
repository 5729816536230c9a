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
 * the sequence goes on. After each input every fd must be closed again. */
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
static int created[4096]; /* fd numbers handed to vhostd during this input */
static unsigned ncreated;

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
        if (ncreated < sizeof(created) / sizeof(created[0]))
                created[ncreated++] = fd;
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

        ncreated = 0;
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

                enum vu_action act = vu_msg_handle(&dev, &m, &reply);
                for (unsigned i = 0; i < VU_MAX_FDS; i++)
                        if (m.fds[i] != -1 && i < nfds)
                                abort(); /* vu_msg_handle must leave no fd behind */
                if (act == VU_ACT_REPLY && reply.hdr.size > VHOST_USER_PAYLOAD_MAX)
                        abort();
                if (act == VU_ACT_CLOSE)
                        vu_dev_reset(&dev);
        }
        vu_dev_reset(&dev);

        /* Every fd handed over must be closed again once the device is reset. */
        for (unsigned i = 0; i < ncreated; i++) {
                if (fcntl(created[i], F_GETFD) >= 0) {
                        fprintf(stderr, "fd leak: fd %d still open\n", created[i]);
                        abort();
                }
        }
        return 0;
}
