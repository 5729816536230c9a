/* VHOST_USER_SEND_RARP: once a guest has migrated, its front end asks the
 * back end to announce the guest's MAC (a guest without GUEST_ANNOUNCE
 * cannot). The worker that owns the interface's queue 0 TX ring sends one
 * RARP broadcast from the interface into its bridge domain, as if the guest
 * had sent it: the bridge learns the MAC on this interface at once, and the
 * uplink carries it out, so the physical network relearns too. */
#include <stdatomic.h>
#include <string.h>

#include "dp_vq.h"
#include "log.h"

/* The shortest Ethernet frame without FCS: the 42 bytes of header and RARP
 * body, zero padded (the mbuf's old bytes, another guest's data, must not
 * go out as padding). */
#define RARP_FRAME_LEN 60

/* Reverse request (RFC 903): Ethernet hardware, IPv4 protocol, sender and
 * target hardware address the MAC, protocol addresses unknown (zero). */
static struct rte_mbuf *rarp_frame(struct rte_mempool *mp, const uint8_t mac[6])
{
        static const uint8_t arp_head[] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x03};
        struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
        uint8_t *p;

        if (m == NULL)
                return NULL;
        p = (uint8_t *)rte_pktmbuf_append(m, RARP_FRAME_LEN);
        if (p == NULL) {
                rte_pktmbuf_free(m);
                return NULL;
        }
        memset(p, 0, RARP_FRAME_LEN);
        memset(p, 0xff, 6);
        memcpy(p + 6, mac, 6);
        p[12] = 0x80; /* ethertype 0x8035: RARP */
        p[13] = 0x35;
        memcpy(p + 14, arp_head, sizeof(arp_head));
        memcpy(p + 22, mac, 6); /* sender hardware address; sender IP 0 */
        memcpy(p + 32, mac, 6); /* target hardware address; target IP 0 */
        return m;
}

/* The MAC of the latest SEND_RARP, and its sequence number; false when
 * vhostd wrote another meanwhile (the next housekeeping reads that one). */
static bool rarp_wanted(const struct vsw_iface *ifc, uint32_t *seq, uint8_t mac[6])
{
        *seq = atomic_load_explicit(&ifc->rarp_seq, memory_order_acquire);
        if (*seq == atomic_load_explicit(&ifc->rarp_sent_seq, memory_order_relaxed))
                return false;
        memcpy(mac, ifc->rarp_mac, 6);
        atomic_thread_fence(memory_order_acquire);
        return *seq == atomic_load_explicit(&ifc->rarp_seq, memory_order_relaxed);
}

void dp_rarp_poll(struct dp_worker *w)
{
        for (unsigned i = 0; i < w->nvqs; i++) {
                struct dp_vq *vq = w->vqs[i];
                struct vsw_iface *ifc = &w->st->ifaces[vq->iface];
                struct rte_mbuf *m;
                uint8_t mac[6];
                uint32_t seq;

                /* Sent once the ring runs and frames may flow: admin up, memory sound. */
                if (vq->vring != 1 || !vq->running || !vq->ifc->admin_up || vq->ifc->faulted)
                        continue;
                if (!rarp_wanted(ifc, &seq, mac))
                        continue;
                /* In no bridge domain: nobody to tell (and no drop to count
                 * against a guest that sent nothing). */
                if (ifc->bridge_id == VSW_NO_BRIDGE) {
                        atomic_store_explicit(&ifc->rarp_sent_seq, seq, memory_order_release);
                        continue;
                }
                m = rarp_frame(w->mp, mac);
                if (m == NULL)
                        continue; /* no mbuf now: the next housekeeping tries again */
                atomic_store_explicit(&ifc->rarp_sent_seq, seq, memory_order_release);
                VSW_INFO(VSW_LOG_DATAPLANE,
                         "%s: RARP for %02x:%02x:%02x:%02x:%02x:%02x sent into its bridge domain",
                         ifc->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
                dp_guest_input(w, vq, &m, 1);
        }
}
