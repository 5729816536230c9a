/* The pcapng file of a capture, written with DPDK 22.11's rte_pcapng as far
 * as it can name our interfaces, which is not far: rte_pcapng_fdopen writes
 * the section header block and then one interface block per ethdev port
 * this process sees, and rte_pcapng_write_packets sets each packet block's
 * interface id from a table indexed by ethdev port. vhostsw interfaces are
 * not ethdev ports (22.11 has no call to add an interface; 23.11's
 * rte_pcapng_add_interface is that call), so:
 *   - the section header (and any ethdev port's block, ids 0..K-1) comes
 *     from rte_pcapng_fdopen;
 *   - the packet blocks come whole from rte_pcapng_copy in the workers
 *     (data, nanosecond timestamp, direction flag, queue), their mbuf port
 *     being the interface slot;
 *   - here, we write an interface block for each slot the first time one
 *     of its packets comes (pcapng lets a section add interfaces at any
 *     point: ids count blocks in order, from K), set the packet block's
 *     interface id to it, and write the block as rte_pcapng_write_packets
 *     would (writev of the mbuf's segments).
 * Every block goes out in one write, so a kill leaves whole blocks. */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng (DPDK 22.11) */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_pcapng.h>

#include "pcap_file.h"
#include "vsw_version.h"

/* pcapng (draft-ietf-opsawg-pcapng): the blocks and options used here. */
#define PCAPNG_IDB          1u
#define PCAPNG_EPB          6u
#define PCAPNG_OPT_END      0
#define PCAPNG_IF_NAME      2
#define PCAPNG_IF_TSRESOL   9
#define PCAPNG_LINK_ETHER   1
#define PCAPNG_EPB_IFACE_ID 2 /* 32-bit words into the block */
#define NO_ID               UINT32_MAX

struct pcap_file {
        rte_pcapng_t *w;
        int fd;
        uint32_t next_id; /* the id the next interface block gets */
        uint32_t id_of[VSW_MAX_IFACES];
        uint32_t sw_if_index_of[VSW_MAX_IFACES]; /* the interface id_of[] describes */
};

struct pcap_file *pcap_file_open(const char *path)
{
        struct pcap_file *f = calloc(1, sizeof(*f));
        struct stat sb = {0};
        int fd;

        if (!f)
                return NULL;
        /* O_NONBLOCK: a FIFO at path must not hang the event loop; it is
         * refused below (no effect on a regular file). */
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0640);
        if (fd < 0) {
                free(f);
                return NULL;
        }
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
                int e = S_ISREG(sb.st_mode) ? errno : EINVAL;

                close(fd);
                free(f);
                errno = e;
                return NULL;
        }
        /* The ethdev ports rte_pcapng_fdopen is about to describe. */
        f->next_id = rte_eth_dev_count_avail();
        f->w = rte_pcapng_fdopen(fd, NULL, NULL, "vhostsw " VSW_VERSION, NULL);
        if (!f->w) {
                int e = rte_errno ? rte_errno : EIO;

                close(fd);
                free(f);
                errno = e;
                return NULL;
        }
        f->fd = fd;
        for (unsigned i = 0; i < VSW_MAX_IFACES; i++)
                f->id_of[i] = NO_ID;
        return f;
}

static size_t pad4(size_t n)
{
        return (n + 3u) & ~(size_t)3u;
}

static int write_all(int fd, const void *buf, size_t len)
{
        ssize_t n = write(fd, buf, len);

        if (n < 0)
                return -1;
        if ((size_t)n != len) {
                errno = ENOSPC;
                return -1;
        }
        return 0;
}

/* An interface block: Ethernet, the snap length the workers cut at, the
 * interface's name, nanosecond timestamps (rte_pcapng_copy's). */
static int write_idb(struct pcap_file *f, const char *name)
{
        uint8_t buf[128] = {0};
        size_t nlen = strnlen(name, VSW_NAME_LEN - 1);
        size_t len = 16 + 4 + pad4(nlen) + 4 + 4 + 4 + 4;
        uint8_t *p = buf;
        uint32_t u32;
        uint16_t u16;

#define PUT(v, n)                                                                                  \
        do {                                                                                       \
                memcpy(p, (v), (n));                                                               \
                p += (n);                                                                          \
        } while (0)
        u32 = PCAPNG_IDB;
        PUT(&u32, 4);
        u32 = (uint32_t)len;
        PUT(&u32, 4);
        u16 = PCAPNG_LINK_ETHER;
        PUT(&u16, 2);
        u16 = 0;
        PUT(&u16, 2);
        u32 = VSW_PCAP_SNAPLEN;
        PUT(&u32, 4);
        u16 = PCAPNG_IF_NAME;
        PUT(&u16, 2);
        u16 = (uint16_t)nlen;
        PUT(&u16, 2);
        memcpy(p, name, nlen);
        p += pad4(nlen);
        u16 = PCAPNG_IF_TSRESOL;
        PUT(&u16, 2);
        u16 = 1;
        PUT(&u16, 2);
        *p = 9; /* 10^-9 s */
        p += 4;
        u16 = PCAPNG_OPT_END;
        PUT(&u16, 2);
        PUT(&u16, 2);
        u32 = (uint32_t)len;
        PUT(&u32, 4);
#undef PUT
        return write_all(f->fd, buf, len);
}

static int interface_id(struct pcap_file *f, unsigned slot, const struct vsw_state *st,
                        uint32_t *id)
{
        const struct vsw_iface *ifc = &st->ifaces[slot];

        /* A slot deleted and reused meanwhile is another interface. */
        if (f->id_of[slot] == NO_ID ||
            (ifc->in_use && ifc->sw_if_index != f->sw_if_index_of[slot])) {
                char name[VSW_NAME_LEN];

                snprintf(name, sizeof(name), "%s", ifc->in_use ? ifc->name : "(deleted)");
                if (write_idb(f, name) < 0)
                        return -1;
                f->id_of[slot] = f->next_id++;
                f->sw_if_index_of[slot] = ifc->sw_if_index;
        }
        *id = f->id_of[slot];
        return 0;
}

int pcap_file_write(struct pcap_file *f, struct rte_mbuf *m, const struct vsw_state *st)
{
        uint32_t *epb = rte_pktmbuf_mtod(m, uint32_t *);
        struct iovec iov[8];
        unsigned cnt = 0;
        int rc = -1;

        if (m->port >= VSW_MAX_IFACES || rte_pktmbuf_data_len(m) < 12 || epb[0] != PCAPNG_EPB ||
            m->nb_segs > RTE_DIM(iov)) {
                errno = EINVAL;
                goto out;
        }
        if (interface_id(f, m->port, st, &epb[PCAPNG_EPB_IFACE_ID]) < 0)
                goto out;
        for (struct rte_mbuf *s = m; s; s = s->next) {
                iov[cnt].iov_base = rte_pktmbuf_mtod(s, void *);
                iov[cnt++].iov_len = rte_pktmbuf_data_len(s);
        }
        ssize_t n = writev(f->fd, iov, (int)cnt);
        if (n >= 0 && (uint32_t)n != rte_pktmbuf_pkt_len(m))
                errno = ENOSPC;
        else if (n >= 0)
                rc = 0;
out:
        rte_pktmbuf_free(m);
        return rc;
}

void pcap_file_close(struct pcap_file *f)
{
        rte_pcapng_close(f->w);
        free(f);
}
