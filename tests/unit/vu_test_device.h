/* What the vhost-user unit tests share: one interface on a heap memzone
 * with no vault, messages handed to vu_msg_handle as if read from a socket,
 * and the log those produce, read back. Include once per test program. */
#ifndef VU_TEST_DEVICE_H
#define VU_TEST_DEVICE_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "vu_handlers.h"
#include "vu_msg.h"

static char log_path[] = "/tmp/test_vu.XXXXXX";
static long log_seen; /* bytes of the log already looked at */

static struct vsw_state *st;
static struct vu_dev dev;
static struct vu_msg reply;

/* Does the log written since the last call contain s? */
static int logged(const char *s)
{
        FILE *f = fopen(log_path, "r");
        char *buf;
        long len;
        int found;

        if (!f)
                return 0;
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        buf = calloc(1, len - log_seen + 1);
        fseek(f, log_seen, SEEK_SET);
        len = log_seen + (long)fread(buf, 1, len - log_seen, f);
        fclose(f);
        found = strstr(buf, s) != NULL;
        if (!found)
                fprintf(stderr, "log since last check: %s", buf);
        free(buf);
        log_seen = len;
        return found;
}

static int memfd(uint64_t size)
{
        int fd = memfd_create("guest", 0);

        if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
                abort();
        return fd;
}

static enum vu_action send_msg(uint32_t req, uint32_t flags, const void *payload, uint32_t size,
                               const int *fds, unsigned nfds)
{
        struct vu_msg m = {0};

        m.hdr.request = req;
        m.hdr.flags = flags;
        m.hdr.size = size;
        m.hdr_len = VHOST_USER_HDR_SIZE;
        if (size <= sizeof(m.payload)) {
                memcpy(&m.payload, payload, size);
                m.len = size;
        }
        for (unsigned i = 0; i < nfds; i++)
                m.fds[i] = fds[i];
        m.nfds = nfds;
        return vu_msg_handle(&dev, &m, &reply);
}

static enum vu_action send_u64(uint32_t req, uint64_t v, const int *fds, unsigned nfds)
{
        return send_msg(req, VHOST_USER_VERSION, &v, sizeof(v), fds, nfds);
}

static enum vu_action send_state(uint32_t req, uint32_t index, uint32_t num)
{
        struct vhost_vring_state s = {index, num};

        return send_msg(req, VHOST_USER_VERSION, &s, sizeof(s), NULL, 0);
}

/* SET_MEM_TABLE's payload size with n regions. */
static uint32_t mem_size(unsigned n)
{
        return 8 + n * sizeof(struct vhost_user_memory_region);
}

/* Interface 1 (slot 0) as a fresh memzone has it, no worker owning a ring. */
static void fresh_device(void)
{
        if (dev.st)
                vu_dev_reset(&dev);
        vsw_state_init(st);
        struct vsw_iface *ifc = &st->ifaces[0];
        ifc->in_use = 1;
        ifc->sw_if_index = 1;
        snprintf(ifc->name, sizeof(ifc->name), "VirtualEthernet0/0/1");
        ifc->feature_mask = ~0ULL;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                atomic_store(&ifc->vrings[q].owner, VSW_NO_WORKER);
        vu_dev_init(&dev, st, ifc, -1);
}

/* The program's log goes to a scratch file logged() reads; a heap memzone. */
static void vu_test_begin(const char *program)
{
        int fd = mkstemp(log_path);

        if (fd < 0)
                abort();
        close(fd);
        vsw_log_open(program, log_path, VSW_LOG_INFO);
        st = calloc(1, sizeof(*st));
}

static void vu_test_end(void)
{
        vu_dev_reset(&dev);
        unlink(log_path);
        free(st);
}

#endif
