/* The uplink port's MTU (uplink_mtu.h). DPDK 22.11 checks an MTU against
 * the PMD's max_rx_pktlen in rte_eth_dev_configure; some PMDs hold TX to
 * it too (net_tap drops bigger frames and reports 1522), so a PMD's limit
 * is what the switch can promise. */
#include "uplink_mtu.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

/* PMDs that chain a frame over several mbufs by themselves, without
 * offering RTE_ETH_RX_OFFLOAD_SCATTER (net_pcap reads jumbo frames into
 * chains). */
static int chains_by_itself(const char *driver)
{
        return strcmp(driver, "net_pcap") == 0;
}

/* The bytes ethdev adds to an MTU to get a frame length (as its own MTU
 * check does). */
static uint32_t overhead(const struct rte_eth_dev_info *info)
{
        if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
                return info->max_rx_pktlen - info->max_mtu;
        return RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
}

int uplink_mtu_plan(struct vsw_uplink *up, uint32_t mtu, const struct rte_eth_dev_info *info,
                    uint32_t data_room, struct rte_eth_conf *conf)
{
        /* The biggest frame a guest may hand the port: a tag it wrote itself
         * adds 4 bytes (dataplane/dp_mtu.c). */
        uint32_t frame = mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
        const char *how = "";

        if (mtu == 0) {
                snprintf(up->mtu_reason, sizeof(up->mtu_reason),
                         "the PMD's default (no uplink-mtu in startup.conf)");
                return 0;
        }
        if (mtu < info->min_mtu || mtu > info->max_mtu ||
            mtu + overhead(info) > info->max_rx_pktlen) {
                VSW_ERR(VSW_LOG_SUPERVISOR,
                        "uplink %s: uplink-mtu %u needs frames of %u bytes; PMD %s takes at most "
                        "max_rx_pktlen %u (MTU %u-%u)%s. A kernel interface (tap or veth) carries "
                        "jumbo frames with net_pcap0,iface=<name> (README, Uplink)",
                        up->name, mtu, mtu + overhead(info), up->driver, info->max_rx_pktlen,
                        info->min_mtu, info->max_mtu,
                        strcmp(up->driver, "net_tap") == 0 ? " and drops bigger frames on TX" : "");
                return -1;
        }
        if (frame > data_room) {
                if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
                        conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
                        how = ", frames over one mbuf received in chains (scatter RX)";
                } else if (chains_by_itself(up->driver)) {
                        how = ", frames over one mbuf received in chains (by the PMD)";
                } else {
                        VSW_ERR(VSW_LOG_SUPERVISOR,
                                "uplink %s: uplink-mtu %u makes frames of up to %u bytes, more "
                                "than the switch's mbufs hold (%u), and PMD %s cannot chain them "
                                "(it offers no scatter RX)",
                                up->name, mtu, frame, data_room, up->driver);
                        return -1;
                }
                /* Guests' frames that big are chains too. */
                if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
                        conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
        }
        conf->rxmode.mtu = mtu;
        snprintf(up->mtu_reason, sizeof(up->mtu_reason), "uplink-mtu %u in startup.conf%s", mtu,
                 how);
        return 0;
}

void uplink_mtu_record(struct vsw_uplink *up)
{
        uint16_t mtu;
        int rc = rte_eth_dev_get_mtu(up->port_id, &mtu);

        if (rc == 0) {
                up->mtu = mtu;
                return;
        }
        /* Not held to any: the PMD decides what it sends. */
        up->mtu = 0;
        snprintf(up->mtu_reason, sizeof(up->mtu_reason), "unknown: reading it failed (%s)",
                 rte_strerror(-rc));
        VSW_WARN(VSW_LOG_SUPERVISOR, "uplink %s: its MTU: %s; frames to it are not held to one",
                 up->name, rte_strerror(-rc));
}
