/* `uplink-mtu` (tools/supervisor/uplink_mtu.c) against the capabilities
 * DPDK 22.11's PMDs report: net_tap (max_rx_pktlen 1522, scatter RX)
 * refuses 9000 and takes 1500; an ixgbe-like NIC (max_rx_pktlen 9728,
 * max_mtu 9710, scatter RX, multi-segment TX) takes 9000 with both turned
 * on; net_pcap (no limit, no offloads, chains by itself) takes 9000 with
 * neither; a PMD without scatter refuses frames over the mbufs; no key
 * leaves the PMD's default. Pure: no EAL, no port. */
#include <string.h>

#include "uplink_mtu.h"
#include "unit_check.h"

#define DATA_ROOM 2048 /* RTE_MBUF_DEFAULT_DATAROOM */

static struct rte_eth_dev_info info_of(const char *driver, uint32_t max_rx_pktlen, uint16_t max_mtu,
                                       uint64_t rx_capa, uint64_t tx_capa)
{
        struct rte_eth_dev_info info;

        memset(&info, 0, sizeof(info));
        info.driver_name = driver;
        info.max_rx_pktlen = max_rx_pktlen;
        info.min_mtu = RTE_ETHER_MIN_MTU;
        info.max_mtu = max_mtu;
        info.rx_offload_capa = rx_capa;
        info.tx_offload_capa = tx_capa;
        return info;
}

static int plan(const char *driver, const struct rte_eth_dev_info *info, uint32_t mtu,
                struct rte_eth_conf *conf, struct vsw_uplink *up)
{
        memset(conf, 0, sizeof(*conf));
        memset(up, 0, sizeof(*up));
        snprintf(up->name, sizeof(up->name), "%s0", driver);
        snprintf(up->driver, sizeof(up->driver), "%s", driver);
        return uplink_mtu_plan(up, mtu, info, DATA_ROOM, conf);
}

static void test_tap(void)
{
        struct rte_eth_dev_info info =
            info_of("net_tap", RTE_ETHER_MAX_VLAN_FRAME_LEN, UINT16_MAX, RTE_ETH_RX_OFFLOAD_SCATTER,
                    RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
        struct rte_eth_conf conf;
        struct vsw_uplink up;

        CHECK(plan("net_tap", &info, 9000, &conf, &up) == -1, "9000 over max_rx_pktlen 1522");
        CHECK(plan("net_tap", &info, 1505, &conf, &up) == -1, "1505 + 18 > 1522");
        CHECK(plan("net_tap", &info, 1504, &conf, &up) == 0 && conf.rxmode.mtu == 1504);
        CHECK(plan("net_tap", &info, 1500, &conf, &up) == 0 && conf.rxmode.mtu == 1500);
        CHECK(conf.rxmode.offloads == 0 && conf.txmode.offloads == 0,
              "1500-byte frames fit one mbuf: no scatter, no multi-segment TX");
        CHECK(strcmp(up.mtu_reason, "uplink-mtu 1500 in startup.conf") == 0, "%s", up.mtu_reason);
}

static void test_nic(void)
{
        struct rte_eth_dev_info info = info_of(
            "net_ixgbe", 9728, 9710, RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_VLAN_STRIP,
            RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
        struct rte_eth_conf conf;
        struct vsw_uplink up;

        CHECK(plan("net_ixgbe", &info, 9000, &conf, &up) == 0 && conf.rxmode.mtu == 9000);
        CHECK(conf.rxmode.offloads == RTE_ETH_RX_OFFLOAD_SCATTER &&
                  conf.txmode.offloads == RTE_ETH_TX_OFFLOAD_MULTI_SEGS,
              "9000: scatter RX and multi-segment TX");
        CHECK(strstr(up.mtu_reason, "scatter RX") != NULL, "%s", up.mtu_reason);
        CHECK(plan("net_ixgbe", &info, 9711, &conf, &up) == -1, "over max_mtu 9710");
        info.rx_offload_capa = 0;
        CHECK(plan("net_ixgbe", &info, 9000, &conf, &up) == -1,
              "no scatter RX: a 9018-byte frame does not fit a 2048-byte mbuf");
        CHECK(plan("net_ixgbe", &info, 2026, &conf, &up) == 0 && conf.rxmode.offloads == 0,
              "2026 + 14 + 4 = 2044: fits one mbuf");
        CHECK(plan("net_ixgbe", &info, 2031, &conf, &up) == -1, "2031 + 18 = 2049: does not");
}

static void test_pcap(void)
{
        struct rte_eth_dev_info info = info_of("net_pcap", UINT32_MAX, UINT16_MAX, 0, 0);
        struct rte_eth_conf conf;
        struct vsw_uplink up;

        CHECK(plan("net_pcap", &info, 9000, &conf, &up) == 0 && conf.rxmode.mtu == 9000);
        CHECK(conf.rxmode.offloads == 0 && conf.txmode.offloads == 0,
              "net_pcap chains by itself and offers no offloads to ask for");
        CHECK(strstr(up.mtu_reason, "by the PMD") != NULL, "%s", up.mtu_reason);
}

static void test_default(void)
{
        struct rte_eth_dev_info info = info_of("net_tap", RTE_ETHER_MAX_VLAN_FRAME_LEN, UINT16_MAX,
                                               RTE_ETH_RX_OFFLOAD_SCATTER, 0);
        struct rte_eth_conf conf;
        struct vsw_uplink up;

        CHECK(plan("net_tap", &info, 0, &conf, &up) == 0 && conf.rxmode.mtu == 0,
              "no uplink-mtu: ethdev's default");
        CHECK(strstr(up.mtu_reason, "the PMD's default") != NULL, "%s", up.mtu_reason);
}

int main(void)
{
        test_tap();
        test_nic();
        test_pcap();
        test_default();
        return t_report();
}
