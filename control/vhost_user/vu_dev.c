/* A device's process-local state (vu_dev_init) and the helpers the
 * handlers share: error lines, vault keys, pausing every ring,
 * and clearing a device back to "no front end has negotiated anything". */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vault.h"
#include "vring_handshake.h"
#include "vu_features.h"
#include "vu_handlers.h"

void vu_dev_init(struct vu_dev *dev, struct vsw_state *st, struct vsw_iface *ifc, int vault)
{
        memset(dev, 0, sizeof(*dev));
        dev->st = st;
        dev->ifc = ifc;
        dev->vault = vault;
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                dev->mem_fd[i] = -1;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                dev->kick_fd[q] = dev->call_fd[q] = dev->err_fd[q] = -1;
        dev->log_fd = dev->log_notify_fd = dev->backend_fd = -1;
}

void vu_log_err(const struct vu_dev *dev, const struct vu_msg *msg, const char *fmt, ...)
{
        char what[256];
        char num[32];
        const char *name = vu_request_name(msg->hdr.request);
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (!name) {
                snprintf(num, sizeof(num), "request %u", msg->hdr.request);
                name = num;
        }
        VSW_ERR(VSW_LOG_VHOST_USER, "%s: %s: %s", dev->ifc->name, name, what);
        /* Cut to fit: show vhost-user needs the gist, the log has it all. */
        char full[sizeof(what) + 64];
        size_t n = (size_t)snprintf(full, sizeof(full), "%.60s: %s", name, what);

        if (n >= sizeof(dev->ifc->refused))
                n = sizeof(dev->ifc->refused) - 1;
        memcpy(dev->ifc->refused, full, n);
        dev->ifc->refused[n] = '\0';
}

/* After the vault changed: a successor that fetched earlier refetches. */
static void vault_changed(struct vu_dev *dev)
{
        atomic_fetch_add_explicit(&dev->ifc->vault_seq, 1, memory_order_release);
}

void vu_vault_put(struct vu_dev *dev, int fd, struct vsw_key k)
{
        char key[VSW_VAULT_KEY_LEN];
        int rc;

        if (dev->vault < 0)
                return;
        vsw_key_format(key, dev->ifc->sw_if_index, k);
        rc = vsw_vault_deposit(dev->vault, key, fd);
        vault_changed(dev);
        if (rc < 0)
                VSW_ERR(VSW_LOG_VAULT, "%s: depositing %s in the vault: %s", dev->ifc->name, key,
                        strerror(-rc));
}

/* A key the vault does not hold is no error. */
void vu_vault_drop(struct vu_dev *dev, struct vsw_key k)
{
        char key[VSW_VAULT_KEY_LEN];
        bool prefix = vsw_key_is_prefix(k);
        int rc;

        if (dev->vault < 0)
                return;
        vsw_key_format(key, dev->ifc->sw_if_index, k);
        rc = prefix ? vsw_vault_withdraw_prefix(dev->vault, key)
                    : vsw_vault_withdraw(dev->vault, key);
        vault_changed(dev);
        if (rc < 0 && rc != -ENOENT)
                VSW_ERR(VSW_LOG_VAULT, "%s: withdrawing %s%s from the vault: %s", dev->ifc->name,
                        key, prefix ? "*" : "", strerror(-rc));
}

int vu_pause_all(struct vu_dev *dev)
{
        int rc = 0;

        /* Every ring is asked before any answer is awaited: one retry then
         * finds them all acknowledged. */
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                if (vring_pause(dev->st, dev->ifc, q) < 0)
                        rc = -1;
        return rc;
}

void vu_release_all(struct vu_dev *dev)
{
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                vring_release(dev->ifc, q);
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void clear_vring(struct vsw_vring *vr)
{
        vr->state = 0;
        vr->num = 0;
        vr->flags = 0;
        vr->desc_user_addr = vr->avail_user_addr = vr->used_user_addr = 0;
        vr->desc_gpa = vr->avail_gpa = vr->used_gpa = 0;
        vr->log_guest_addr = 0;
        vr->last_avail_idx = vr->last_used_idx = 0;
        vr->packed_progress = 0;
        vr->kick_gen++;
        vr->call_gen++;
        vr->err_gen++;
        vr->kickfd = vr->callfd = vr->errfd = -1;
        if (!vr->placement_user)
                atomic_store_explicit(&vr->owner, VSW_NO_WORKER, memory_order_release);
}

int vu_dev_reset(struct vu_dev *dev)
{
        struct vsw_iface *ifc = dev->ifc;

        if (vu_pause_all(dev) < 0)
                return -1;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                clear_vring(&ifc->vrings[q]);
        ifc->features = 0;
        ifc->protocol_features = 0;
        ifc->features_set = 0;
        ifc->owner_set = 0;
        ifc->num_queue_pairs = 0;
        ifc->mtu = 0;
        ifc->device_status = 0;
        memset(ifc->mem.regions, 0, sizeof(ifc->mem.regions));
        ifc->mem.nregions = 0;
        ifc->mem.generation++;
        ifc->log_size = 0;
        ifc->log_offset = 0;
        ifc->log_gen++;
        vu_release_all(dev);

        /* Withdraw before closing: the vault copy would keep the fd alive. */
        vu_vault_drop(dev, (struct vsw_key){.kind = VSW_KEY_MEM_ALL});
        vu_vault_drop(dev, (struct vsw_key){.kind = VSW_KEY_VQ_ALL});
        vu_vault_drop(dev, (struct vsw_key){.kind = VSW_KEY_LOG_ALL});
        vu_vault_drop(dev, (struct vsw_key){.kind = VSW_KEY_LOGFD});
        vu_vault_drop(dev, (struct vsw_key){.kind = VSW_KEY_BACKEND});
        for (unsigned i = 0; i < VSW_MAX_MEM_REGIONS; i++)
                close_fd(&dev->mem_fd[i]);
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++) {
                close_fd(&dev->kick_fd[q]);
                close_fd(&dev->call_fd[q]);
                close_fd(&dev->err_fd[q]);
        }
        close_fd(&dev->log_fd);
        close_fd(&dev->log_notify_fd);
        close_fd(&dev->backend_fd);
        return 0;
}

void vu_reply_u64(struct vu_msg *reply, uint64_t v)
{
        reply->hdr.size = sizeof(uint64_t);
        reply->payload.u64 = v;
        reply->len = sizeof(uint64_t);
}

uint64_t vu_offered_features(const struct vu_dev *dev)
{
        return vu_features_consistent(vu_supported_features() & dev->ifc->feature_mask);
}

int vu_has_protocol_feature(const struct vu_dev *dev, unsigned bit)
{
        /* QEMU sets protocol features before SET_FEATURES acks
         * VHOST_USER_F_PROTOCOL_FEATURES, and relies on them at once. */
        return (dev->ifc->protocol_features & VIRTIO_BIT(bit)) != 0;
}

void vu_replace_fd(struct vu_dev *dev, int *slot, int fd, struct vsw_key k)
{
        /* A deposit replaces the vault's copy; with no new fd, withdraw it. */
        if (fd >= 0)
                vu_vault_put(dev, fd, k);
        else if (*slot >= 0)
                vu_vault_drop(dev, k);
        close_fd(slot);
        *slot = fd;
}
