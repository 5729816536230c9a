/* Per-vring requests. Each edit of a ring happens between vring_pause()
 * and vring_release(), so the owning worker never sees half of it. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rx_placement.h"
#include "vring_handshake.h"
#include "vu_features.h"
#include "vu_handlers.h"

static int is_packed(const struct vu_dev *dev)
{
        return (dev->ifc->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED)) != 0;
}

static void touch_queue(struct vu_dev *dev, unsigned q)
{
        if (dev->ifc->num_queue_pairs < q / 2 + 1)
                dev->ifc->num_queue_pairs = q / 2 + 1;
}

enum vu_result vu_set_vring_num(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q = msg->payload.state.index;
        uint32_t num = msg->payload.state.num;
        struct vsw_vring *vr = &dev->ifc->vrings[q];

        (void)reply;
        /* Split rings must be a power of two; packed ones need not. */
        if (num == 0 || num > VSW_MAX_VRING_SIZE || (!is_packed(dev) && (num & (num - 1)))) {
                vu_log_err(dev, msg, "vring %u: size %u invalid (%s, at most %u)", q, num,
                           is_packed(dev) ? "packed" : "split: a power of two", VSW_MAX_VRING_SIZE);
                return VU_R_FAIL;
        }
        touch_queue(dev, q);
        if (vring_pause(dev->st, dev->ifc, q) < 0)
                return VU_R_AGAIN;
        vr->num = num;
        if (vr->state & VSW_VRING_ADDR_SET)
                vu_vring_translate(dev, msg, q);
        vring_release(dev->ifc, q);
        return VU_R_OK;
}

enum vu_result vu_set_vring_addr(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        const struct vhost_vring_addr *addr = &msg->payload.addr;
        unsigned q = addr->index;
        struct vsw_vring *vr = &dev->ifc->vrings[q];
        struct vu_ring_addrs a = {
            .desc_user_addr = addr->desc_user_addr,
            .avail_user_addr = addr->avail_user_addr,
            .used_user_addr = addr->used_user_addr,
        };

        (void)reply;
        if (vu_ring_translate(dev, msg, q, vr->num, &a) < 0)
                return VU_R_FAIL;
        touch_queue(dev, q);
        if (vring_pause(dev->st, dev->ifc, q) < 0)
                return VU_R_AGAIN;
        vr->flags = addr->flags;
        vr->desc_user_addr = a.desc_user_addr;
        vr->avail_user_addr = a.avail_user_addr;
        vr->used_user_addr = a.used_user_addr;
        vr->desc_gpa = a.desc_gpa;
        vr->avail_gpa = a.avail_gpa;
        vr->used_gpa = a.used_gpa;
        vr->log_guest_addr = addr->log_guest_addr;
        vr->state |= VSW_VRING_ADDR_SET;
        if (addr->flags & VHOST_VRING_F_LOG)
                vr->state |= VSW_VRING_LOG;
        else
                vr->state &= ~VSW_VRING_LOG;
        vring_release(dev->ifc, q);
        return VU_R_OK;
}

/* A packed ring's base carries both positions (vhost-user "Vring descriptor
 * indices for packed virtqueues"): avail index and wrap counter in bits
 * 0-15, used index and wrap counter in bits 16-31. QEMU sends both (a new
 * ring is 0x80008000: both wrap counters start at 1); DPDK's virtio-user
 * sends only the low half, for a used position equal to the avail one. */
static void packed_base_set(struct vsw_vring *vr, uint32_t num)
{
        uint16_t avail = (uint16_t)num, used = (uint16_t)(num >> 16);

        vr->last_avail_idx = avail;
        vr->last_used_idx = used != 0 ? used : avail;
}

enum vu_result vu_set_vring_base(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q = msg->payload.state.index;
        uint32_t num = msg->payload.state.num;
        struct vsw_vring *vr = &dev->ifc->vrings[q];

        (void)reply;
        if (!is_packed(dev) && num > UINT16_MAX) {
                vu_log_err(dev, msg, "vring %u: base %u out of range (16 bits for a split ring)", q,
                           num);
                return VU_R_FAIL;
        }
        touch_queue(dev, q);
        if (vring_pause(dev->st, dev->ifc, q) < 0)
                return VU_R_AGAIN;
        if (is_packed(dev)) {
                packed_base_set(vr, num);
                /* The front end's base is where the ring stands now: a
                 * progress word a dead owner left would override it
                 * (virtq_packed_resume). */
                vr->packed_progress = 0;
        } else {
                vr->last_avail_idx = (uint16_t)num;
                vr->last_used_idx = (uint16_t)num;
        }
        vring_release(dev->ifc, q);
        return VU_R_OK;
}

enum vu_result vu_get_vring_base(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q = msg->payload.state.index;
        struct vsw_vring *vr = &dev->ifc->vrings[q];

        /* Once the owner acked it has written back its indices and stopped. */
        if (vring_pause(dev->st, dev->ifc, q) < 0)
                return VU_R_AGAIN;
        vr->state &= ~VSW_VRING_STARTED;
        reply->payload.state.index = q;
        reply->payload.state.num = vr->last_avail_idx;
        /* Packed: the used position in the high half, as QEMU reads it
         * back (with only the low half it would put its used index at slot
         * 0 of lap 0, wrong once it drives the ring itself or migrates). */
        if (vr->state & VSW_VRING_PACKED)
                reply->payload.state.num |= (uint32_t)vr->last_used_idx << 16;
        vring_release(dev->ifc, q);
        reply->hdr.size = sizeof(struct vhost_vring_state);
        reply->len = reply->hdr.size;
        return VU_R_REPLY;
}

/* The fd of a SET_VRING_KICK/CALL/ERR, or -1 with the no-fd bit. */
static int vring_fd(struct vu_msg *msg, unsigned *q)
{
        int fd = -1;

        *q = (unsigned)(msg->payload.u64 & VHOST_USER_VRING_IDX_MASK);
        if (!(msg->payload.u64 & VHOST_USER_VRING_NOFD)) {
                fd = msg->fds[0];
                msg->fds[0] = -1;
        }
        return fd;
}

/* Kick, call and err fds must be eventfds: a worker writes call fds
 * without blocking and waits on kick fds, which a pipe, a socket or a
 * file would turn into a stall of every ring on that worker. The fd's
 * /proc link names its kind ("anon_inode:[eventfd]", "pipe:[123]"...). */
static int check_eventfd(struct vu_dev *dev, const struct vu_msg *msg, const char *what)
{
        char link[64], kind[64];
        ssize_t n;

        if (msg->payload.u64 & VHOST_USER_VRING_NOFD)
                return 0;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", msg->fds[0]);
        n = readlink(link, kind, sizeof(kind) - 1);
        if (n < 0) {
                vu_log_err(dev, msg, "vring %u: cannot tell what its %s fd is: %s",
                           (unsigned)(msg->payload.u64 & VHOST_USER_VRING_IDX_MASK), what,
                           strerror(errno));
                return -1;
        }
        kind[n] = '\0';
        if (strcmp(kind, "anon_inode:[eventfd]") == 0)
                return 0;
        vu_log_err(dev, msg, "vring %u: the %s fd is a %s, not an eventfd: refused",
                   (unsigned)(msg->payload.u64 & VHOST_USER_VRING_IDX_MASK), what, kind);
        return -1;
}

/* What SET_VRING_KICK/CALL/ERR do alike: pause the ring, take the
 * message's fd (or none), keep it in slots[q] and the vault as
 * vq<q>/<kind>. The ring is returned paused: the caller updates it, then
 * releases it. NULL, with nothing taken, while the owner has not paused. */
static struct vsw_vring *vring_take_fd(struct vu_dev *dev, struct vu_msg *msg, int *slots,
                                       enum vsw_key_kind kind, unsigned *q, int *fd)
{
        *q = (unsigned)(msg->payload.u64 & VHOST_USER_VRING_IDX_MASK);
        touch_queue(dev, *q);
        if (vring_pause(dev->st, dev->ifc, *q) < 0)
                return NULL;
        *fd = vring_fd(msg, q);
        vu_replace_fd(dev, &slots[*q], *fd, (struct vsw_key){.kind = kind, .a = *q});
        return &dev->ifc->vrings[*q];
}

enum vu_result vu_set_vring_kick(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q;
        int fd;
        struct vsw_vring *vr;

        (void)reply;
        if (check_eventfd(dev, msg, "kick") < 0)
                return VU_R_FAIL;
        vr = vring_take_fd(dev, msg, dev->kick_fd, VSW_KEY_KICK, &q, &fd);
        if (!vr)
                return VU_R_AGAIN;
        vr->kickfd = fd;
        vr->kick_gen++;
        if (fd < 0)
                vr->state |= VSW_VRING_KICK_POLL;
        else
                vr->state &= ~VSW_VRING_KICK_POLL;
        /* The ring starts here; without PROTOCOL_FEATURES it is enabled too. */
        vr->state |= VSW_VRING_STARTED;
        if (!(dev->ifc->features & VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
                vr->state |= VSW_VRING_ENABLED;
        if (!vr->placement_user)
                atomic_store_explicit(&vr->owner, rx_placement_default(dev->st, dev->ifc, q),
                                      memory_order_release);
        vring_release(dev->ifc, q);
        return VU_R_OK;
}

enum vu_result vu_set_vring_call(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q;
        int fd;
        struct vsw_vring *vr;

        (void)reply;
        if (check_eventfd(dev, msg, "call") < 0)
                return VU_R_FAIL;
        vr = vring_take_fd(dev, msg, dev->call_fd, VSW_KEY_CALL, &q, &fd);
        if (!vr)
                return VU_R_AGAIN;
        vr->callfd = fd;
        vr->call_gen++;
        if (fd < 0)
                vr->state |= VSW_VRING_CALL_NONE;
        else
                vr->state &= ~VSW_VRING_CALL_NONE;
        vring_release(dev->ifc, q);
        return VU_R_OK;
}

enum vu_result vu_set_vring_err(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q;
        int fd;
        struct vsw_vring *vr;

        (void)reply;
        if (check_eventfd(dev, msg, "err") < 0)
                return VU_R_FAIL;
        vr = vring_take_fd(dev, msg, dev->err_fd, VSW_KEY_ERR, &q, &fd);
        if (!vr)
                return VU_R_AGAIN;
        vr->errfd = fd;
        vr->err_gen++;
        vring_release(dev->ifc, q);
        return VU_R_OK;
}

enum vu_result vu_set_vring_enable(struct vu_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
        unsigned q = msg->payload.state.index;
        uint32_t enable = msg->payload.state.num;
        struct vsw_vring *vr = &dev->ifc->vrings[q];

        (void)reply;
        if (enable > 1) {
                vu_log_err(dev, msg, "vring %u: enable value %u is neither 0 nor 1", q, enable);
                return VU_R_FAIL;
        }
        touch_queue(dev, q);
        if (vring_pause(dev->st, dev->ifc, q) < 0)
                return VU_R_AGAIN;
        if (enable)
                vr->state |= VSW_VRING_ENABLED;
        else
                vr->state &= ~VSW_VRING_ENABLED;
        vring_release(dev->ifc, q);
        return VU_R_OK;
}
