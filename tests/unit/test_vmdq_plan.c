/* The VMDQ plan (tools/supervisor/vmdq_plan.c) for an Intel 82599 as DPDK's ixgbe PMD
 * reports it in rte_eth_dev_info: 64 pools sharing 128 RX queues from queue
 * 0 (2 per pool, in blocks), pools from 0, 128 unicast MAC (RAR) entries,
 * 128 RX queues, 64 TX queues before the port is configured. Checked
 * against the 82599's limits: pool counts, queue ids, MAC table, VLAN
 * filters, and the refusals. Then the igb PMD's geometry (82576: 8 pools
 * sharing 16 queues, pool i on queues i and i + 8; i350: 8 queues, pool i
 * on queue i), and a PMD whose layout is unknown. Pure: no EAL, no port. */
#include <stdio.h>
#include <string.h>

#include "vmdq_plan.h"
#include "unit_check.h"

#define IXGBE_82599_RAR_ENTRIES 128
#define IXGBE_82599_QUEUES      128

static struct vmdq_caps caps_82599(void)
{
        struct rte_eth_dev_info info;
        struct vmdq_caps caps;

        memset(&info, 0, sizeof(info));
        info.driver_name = "net_ixgbe";
        info.max_vmdq_pools = RTE_ETH_64_POOLS;
        info.vmdq_queue_num = IXGBE_82599_QUEUES;
        info.vmdq_queue_base = 0;
        info.vmdq_pool_base = 0;
        info.max_rx_queues = IXGBE_82599_QUEUES;
        info.max_tx_queues = 64;
        info.max_mac_addrs = IXGBE_82599_RAR_ENTRIES;
        info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
        vmdq_caps_from_dev_info(&info, &caps);
        return caps;
}

/* VM n: interface 100+n, MAC 52:54:00:00:hi:lo (n+1), worker n%2. */
static void make_vms(struct vmdq_vm *vms, unsigned n)
{
        memset(vms, 0, sizeof(*vms) * n);
        for (unsigned i = 0; i < n; i++) {
                uint8_t m[RTE_ETHER_ADDR_LEN] = {
                    0x52, 0x54, 0, 0, (uint8_t)((i + 1) >> 8), (uint8_t)(i + 1)};

                vms[i].iface = 100 + i;
                memcpy(vms[i].mac.addr_bytes, m, sizeof(m));
                vms[i].worker = i % 2;
        }
}

static struct vmdq_plan plan;
static char err[256];

static int build(const struct vmdq_caps *caps, const struct vmdq_vm *vms, unsigned n)
{
        err[0] = '\0';
        return vmdq_plan_build(caps, vms, n, &plan, err, sizeof(err));
}

/* Everything that must hold of any plan for the 82599 with n VMs. */
static void check_82599_plan(unsigned n, unsigned want_pools)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[VMDQ_MAX_VMS];
        uint8_t queue_used[IXGBE_82599_QUEUES] = {0};
        unsigned polled = 0;

        make_vms(vms, n);
        CHECK(build(&caps, vms, n) == 0, "%u VMs: %s", n, err);
        CHECK(plan.nb_pools == want_pools, "%u VMs: %u pools, want %u", n, plan.nb_pools,
              want_pools);
        CHECK(plan.queues_per_pool == 2, "%u VMs: %u queues per pool", n, plan.queues_per_pool);
        CHECK(plan.nb_rx_queues == want_pools * 2, "%u VMs: %u RX queues", n, plan.nb_rx_queues);
        CHECK(plan.nb_rx_queues <= caps.max_rx_queues, "%u VMs", n);
        CHECK(plan.nb_vms == n, "%u VMs: plan has %u", n, plan.nb_vms);
        CHECK(plan.nb_macs == n && plan.nb_macs < IXGBE_82599_RAR_ENTRIES, "%u VMs: %u MACs", n,
              plan.nb_macs);
        for (unsigned i = 0; i < n; i++) {
                const struct vmdq_vm_slot *s = &plan.vms[i];

                CHECK(s->iface == vms[i].iface && s->pool == i && s->pool_id == i,
                      "VM %u: iface %u pool %u id %u", i, s->iface, s->pool, s->pool_id);
                CHECK(s->rx_queue_first == 2 * i && s->rx_queue_count == 2 &&
                          s->rx_queue_step == 1 && s->rx_queue_polled == 2 * i,
                      "VM %u: queues %u+%u polled %u", i, s->rx_queue_first, s->rx_queue_count,
                      s->rx_queue_polled);
                CHECK(s->rx_queue_first >= caps.vmdq_queue_base &&
                          s->rx_queue_first + s->rx_queue_count <=
                              caps.vmdq_queue_base + caps.vmdq_queue_num &&
                          s->rx_queue_first + s->rx_queue_count <= plan.nb_rx_queues,
                      "VM %u: queues %u+%u outside the VMDQ queues", i, s->rx_queue_first,
                      s->rx_queue_count);
                for (unsigned q = s->rx_queue_first; q < s->rx_queue_first + s->rx_queue_count;
                     q++) {
                        CHECK(q < IXGBE_82599_QUEUES && !queue_used[q], "queue %u reused", q);
                        if (q < IXGBE_82599_QUEUES)
                                queue_used[q] = 1;
                }
                CHECK(s->worker == i % 2, "VM %u on worker %u", i, s->worker);
                CHECK(rte_is_same_ether_addr(&plan.macs[i].mac, &vms[i].mac) &&
                          plan.macs[i].pool_id == i && plan.macs[i].iface == vms[i].iface,
                      "MAC entry %u", i);
                CHECK(plan.macs[i].mac_index == i + 1 &&
                          plan.macs[i].mac_index < IXGBE_82599_RAR_ENTRIES,
                      "MAC entry %u at index %u", i, plan.macs[i].mac_index);
        }
        CHECK(plan.nb_workers == (n > 1 ? 2u : 1u), "%u VMs: %u workers", n, plan.nb_workers);
        for (unsigned w = 0; w < plan.nb_workers; w++) {
                const struct vmdq_worker_queues *wq = &plan.workers[w];

                CHECK(wq->tx_queue == w, "worker %u TX queue %u", w, wq->tx_queue);
                CHECK(wq->nb_rx_queues == (n + 1 - w) / 2, "worker %u polls %u queues", w,
                      wq->nb_rx_queues);
                for (unsigned k = 0; k < wq->nb_rx_queues; k++)
                        CHECK(wq->rx_queues[k] == 2 * (2 * k + w), "worker %u queue %u is %u", w, k,
                              wq->rx_queues[k]);
                polled += wq->nb_rx_queues;
        }
        CHECK(polled == n, "%u VMs, %u queues polled", n, polled);
        CHECK(plan.nb_tx_queues == plan.nb_workers && plan.nb_tx_queues <= caps.max_tx_queues,
              "%u TX queues", plan.nb_tx_queues);
        CHECK(plan.nb_vlan_maps == 0, "untagged VMs, %u VLAN filters", plan.nb_vlan_maps);
        CHECK(plan.rx_mode & RTE_ETH_VMDQ_ACCEPT_UNTAG, "untagged VMs need untagged frames");
}

static void test_pool_sizes(void)
{
        check_82599_plan(1, 8);
        check_82599_plan(8, 8);
        check_82599_plan(9, 16);
        check_82599_plan(17, 32);
        check_82599_plan(33, 64);
        check_82599_plan(63, 64);
        check_82599_plan(64, 64);
}

static void test_too_many_vms(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[VMDQ_MAX_VMS + 1];

        make_vms(vms, VMDQ_MAX_VMS + 1);
        CHECK(build(&caps, vms, VMDQ_MAX_VMS + 1) < 0, "65 VMs accepted");
        CHECK(strstr(err, "VM interface 164 ") && strstr(err, "65 VMs") &&
                  strstr(err, "at most 64 pools"),
              "message: %s", err);

        /* A PMD offering 16 pools refuses the 17th VM. */
        caps.max_vmdq_pools = RTE_ETH_16_POOLS;
        CHECK(build(&caps, vms, 17) < 0 && strstr(err, "VM interface 116 ") &&
                  strstr(err, "at most 16 pools"),
              "message: %s", err);
        CHECK(build(&caps, vms, 16) == 0 && plan.nb_pools == 16, "16 of 16: %s", err);
        CHECK(plan.queues_per_pool == 8, "128 queues over 16 pools: %u", plan.queues_per_pool);
}

static void test_duplicate_mac(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[4];

        make_vms(vms, 4);
        vms[3].mac = vms[1].mac;
        CHECK(build(&caps, vms, 4) < 0, "duplicate MAC accepted");
        CHECK(strstr(err, "VM interface 103") && strstr(err, "52:54:00:00:00:02") &&
                  strstr(err, "interface 101"),
              "message: %s", err);

        make_vms(vms, 4);
        vms[2].iface = vms[0].iface;
        CHECK(build(&caps, vms, 4) < 0 && strstr(err, "interface 100 is listed twice"),
              "message: %s", err);
}

static void test_mac_rules(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[4];

        make_vms(vms, 4);
        vms[1].mac.addr_bytes[0] = 0x01; /* multicast */
        CHECK(build(&caps, vms, 4) < 0 && strstr(err, "VM interface 101") &&
                  strstr(err, "not unicast"),
              "message: %s", err);

        /* A MAC not known yet: the VM gets its pool, no MAC entry. */
        make_vms(vms, 4);
        memset(&vms[1].mac, 0, sizeof(vms[1].mac));
        memset(&vms[2].mac, 0, sizeof(vms[2].mac));
        CHECK(build(&caps, vms, 4) == 0, "%s", err);
        CHECK(plan.nb_macs == 2 && plan.macs[0].iface == 100 && plan.macs[1].iface == 103 &&
                  plan.macs[1].pool_id == 3 && plan.macs[1].mac_index == 2,
              "%u MACs", plan.nb_macs);
        CHECK(plan.vms[2].pool == 2, "unknown MAC still has pool %u", plan.vms[2].pool);

        /* A small MAC table: entry 0 is the port's own, so 4 entries hold 3 VMs. */
        make_vms(vms, 4);
        caps.max_mac_addrs = 4;
        CHECK(build(&caps, vms, 4) < 0 && strstr(err, "VM interface 103") &&
                  strstr(err, "MAC filter table full (4 entries"),
              "message: %s", err);
        CHECK(build(&caps, vms, 3) == 0, "%s", err);
}

static void test_vlans(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[VMDQ_MAX_VMS];
        const uint16_t tags[5] = {100, 100, 200, 0, 100};

        make_vms(vms, 5);
        for (unsigned i = 0; i < 5; i++)
                vms[i].vlan = tags[i];
        CHECK(build(&caps, vms, 5) == 0, "%s", err);
        CHECK(plan.nb_vlan_maps == 2, "%u VLAN filters", plan.nb_vlan_maps);
        CHECK(plan.vlan_map[0].vlan_id == 100 && plan.vlan_map[0].pools == 0x13,
              "VLAN 100 -> pools %#llx", (unsigned long long)plan.vlan_map[0].pools);
        CHECK(plan.vlan_map[1].vlan_id == 200 && plan.vlan_map[1].pools == 0x04,
              "VLAN 200 -> pools %#llx", (unsigned long long)plan.vlan_map[1].pools);
        CHECK(plan.vms[3].vlan == 0 && (plan.rx_mode & RTE_ETH_VMDQ_ACCEPT_UNTAG),
              "untagged VM 3, rx_mode %#x", plan.rx_mode);

        /* All tagged: untagged frames stay out of the pools. */
        vms[3].vlan = 300;
        CHECK(build(&caps, vms, 5) == 0 && plan.nb_vlan_maps == 3, "%s", err);
        CHECK(!(plan.rx_mode & RTE_ETH_VMDQ_ACCEPT_UNTAG), "rx_mode %#x", plan.rx_mode);
        CHECK(plan.rx_mode & RTE_ETH_VMDQ_ACCEPT_BROADCAST, "no broadcast: ARP would fail");

        /* 64 VMs, each its own VLAN: every VLVF entry used, pool i alone. */
        make_vms(vms, 64);
        for (unsigned i = 0; i < 64; i++)
                vms[i].vlan = (uint16_t)(1000 + i);
        CHECK(build(&caps, vms, 64) == 0 && plan.nb_vlan_maps == RTE_ETH_VMDQ_MAX_VLAN_FILTERS,
              "%s", err);
        CHECK(plan.vlan_map[40].vlan_id == 1040 && plan.vlan_map[40].pools == UINT64_C(1) << 40,
              "VLAN 1040 -> pools %#llx", (unsigned long long)plan.vlan_map[40].pools);

        /* One VLAN over pools 31 and 32: ixgbe's filter holds one half. */
        make_vms(vms, 33);
        vms[31].vlan = 7;
        vms[32].vlan = 7;
        CHECK(build(&caps, vms, 33) < 0 && strstr(err, "VM interface 132") &&
                  strstr(err, "VLAN 7 would span"),
              "message: %s", err);

        make_vms(vms, 3);
        vms[2].vlan = 4096;
        CHECK(build(&caps, vms, 3) < 0 && strstr(err, "VM interface 102: VLAN 4096 out of range"),
              "message: %s", err);
        vms[2].vlan = 4095;
        CHECK(build(&caps, vms, 3) == 0, "%s", err);

        caps.rx_offload_capa = 0;
        CHECK(build(&caps, vms, 3) < 0 && strstr(err, "cannot filter VLANs"), "message: %s", err);
}

static void test_no_vmdq(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[2];

        /* net_tap and net_af_packet report no pools. */
        caps.max_vmdq_pools = 0;
        caps.vmdq_queue_num = 0;
        make_vms(vms, 2);
        CHECK(build(&caps, vms, 2) < 0 && strstr(err, "no VMDQ: software steering"), "message: %s",
              err);
        CHECK(build(&caps, vms, 0) < 0 && strstr(err, "no VMDQ: software steering"), "message: %s",
              err);
}

static void test_workers(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[4];

        make_vms(vms, 4);
        vms[0].worker = 3;
        vms[1].worker = 3;
        vms[2].worker = 0;
        vms[3].worker = VSW_NO_WORKER;
        CHECK(build(&caps, vms, 4) < 0 && strstr(err, "VM interface 103 is on no worker"),
              "message: %s", err);
        CHECK(build(&caps, vms, 3) == 0, "%s", err);
        CHECK(plan.nb_workers == 4 && plan.nb_tx_queues == 4, "%u workers", plan.nb_workers);
        CHECK(plan.workers[3].nb_rx_queues == 2 && plan.workers[3].rx_queues[0] == 0 &&
                  plan.workers[3].rx_queues[1] == 2,
              "worker 3 polls %u queues", plan.workers[3].nb_rx_queues);
        CHECK(plan.workers[0].nb_rx_queues == 1 && plan.workers[0].rx_queues[0] == 4,
              "worker 0 polls %u queues", plan.workers[0].nb_rx_queues);
        CHECK(plan.workers[1].nb_rx_queues == 0 && plan.workers[2].nb_rx_queues == 0,
              "idle workers poll nothing");
}

static void test_eth_conf(void)
{
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[VMDQ_MAX_VMS];
        struct rte_eth_conf conf;
        const struct rte_eth_vmdq_rx_conf *vc = &conf.rx_adv_conf.vmdq_rx_conf;

        make_vms(vms, 10);
        vms[4].vlan = 100;
        vms[6].vlan = 100;
        vms[9].vlan = 200;
        CHECK(build(&caps, vms, 10) == 0, "%s", err);
        memset(&conf, 0, sizeof(conf));
        conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
        conf.rxmode.mtu = 1500;
        vmdq_plan_eth_conf(&plan, &conf);
        CHECK(conf.rxmode.mq_mode == RTE_ETH_MQ_RX_VMDQ_ONLY, "mq_mode %d", conf.rxmode.mq_mode);
        CHECK(conf.txmode.mq_mode == RTE_ETH_MQ_TX_NONE, "tx mq_mode %d", conf.txmode.mq_mode);
        CHECK(vc->nb_queue_pools == RTE_ETH_16_POOLS, "%d pools", vc->nb_queue_pools);
        CHECK(vc->enable_default_pool == 0 && vc->default_pool == 0 && vc->enable_loop_back == 0,
              "default pool %u/%u loopback %u", vc->enable_default_pool, vc->default_pool,
              vc->enable_loop_back);
        CHECK(vc->nb_pool_maps == 2, "%u pool maps", vc->nb_pool_maps);
        CHECK(vc->pool_map[0].vlan_id == 100 && vc->pool_map[0].pools == ((1u << 4) | (1u << 6)),
              "map 0: %u -> %#llx", vc->pool_map[0].vlan_id,
              (unsigned long long)vc->pool_map[0].pools);
        CHECK(vc->pool_map[1].vlan_id == 200 && vc->pool_map[1].pools == 1u << 9,
              "map 1: %u -> %#llx", vc->pool_map[1].vlan_id,
              (unsigned long long)vc->pool_map[1].pools);
        CHECK(vc->rx_mode == (RTE_ETH_VMDQ_ACCEPT_UNTAG | RTE_ETH_VMDQ_ACCEPT_BROADCAST |
                              RTE_ETH_VMDQ_ACCEPT_MULTICAST),
              "rx_mode %#x", vc->rx_mode);
        CHECK(conf.rxmode.offloads ==
                  (RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_VLAN_FILTER),
              "offloads %#llx", (unsigned long long)conf.rxmode.offloads);
        CHECK(conf.rxmode.mtu == 1500, "caller's fields kept");

        make_vms(vms, 2);
        CHECK(build(&caps, vms, 2) == 0, "%s", err);
        memset(&conf, 0, sizeof(conf));
        vmdq_plan_eth_conf(&plan, &conf);
        CHECK(vc->nb_queue_pools == RTE_ETH_8_POOLS && vc->nb_pool_maps == 0, "%d pools",
              vc->nb_queue_pools);
        CHECK(conf.rxmode.offloads == 0, "no VLAN filter without tagged VMs");
}

static void test_caps_from_dev_info(void)
{
        struct rte_eth_dev_info info;
        struct vmdq_caps caps;

        memset(&info, 0, sizeof(info));
        info.driver_name = "net_i40e";
        info.max_vmdq_pools = 32;
        info.vmdq_queue_num = 64;
        info.vmdq_queue_base = 64;
        info.vmdq_pool_base = 1;
        info.max_rx_queues = 320;
        info.max_tx_queues = 321;
        info.max_mac_addrs = 64;
        info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
        vmdq_caps_from_dev_info(&info, &caps);
        CHECK(caps.max_vmdq_pools == 32 && caps.vmdq_queue_num == 64 &&
                  caps.vmdq_queue_base == 64 && caps.vmdq_pool_base == 1 &&
                  caps.max_rx_queues == 320 && caps.max_tx_queues == 321 &&
                  caps.max_mac_addrs == 64 &&
                  caps.rx_offload_capa == RTE_ETH_RX_OFFLOAD_VLAN_FILTER &&
                  strcmp(caps.driver, "net_i40e") == 0 && caps.layout == VMDQ_LAYOUT_BLOCKS,
              "fields copied");

        /* A PMD whose VMDQ queues start after its own (i40e-like): absolute ids. */
        struct vmdq_vm vms[3];

        make_vms(vms, 3);
        CHECK(build(&caps, vms, 3) == 0, "%s", err);
        CHECK(plan.queues_per_pool == 2 && plan.nb_rx_queues == 64 + 8 * 2, "%u RX queues",
              plan.nb_rx_queues);
        CHECK(plan.vms[2].rx_queue_first == 68 && plan.vms[2].pool_id == 3 &&
                  plan.vms[2].pool == 2 && plan.macs[2].pool_id == 3,
              "VM 2: queue %u pool id %u", plan.vms[2].rx_queue_first, plan.vms[2].pool_id);
}

/* The 82576 as DPDK's igb PMD reports it (QEMU 10's -device igb too). */
static struct vmdq_caps caps_82576(void)
{
        struct rte_eth_dev_info info;
        struct vmdq_caps caps;

        memset(&info, 0, sizeof(info));
        info.driver_name = "net_e1000_igb";
        info.max_vmdq_pools = RTE_ETH_8_POOLS;
        info.vmdq_queue_num = 16;
        info.max_rx_queues = 16;
        info.max_tx_queues = 16;
        info.max_mac_addrs = 24;
        info.rx_offload_capa = RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
        vmdq_caps_from_dev_info(&info, &caps);
        return caps;
}

/* Pool i's frames arrive on queue i: the plan must poll queue i, not 2i
 * (which left pools 1.. on queues nobody polled). */
static void test_igb_82576(void)
{
        struct vmdq_caps caps = caps_82576();
        struct vmdq_vm vms[9];
        uint8_t queue_used[16] = {0};

        CHECK(caps.layout == VMDQ_LAYOUT_INTERLEAVED, "igb layout %d", caps.layout);
        make_vms(vms, 9);
        for (unsigned i = 0; i < 9; i++)
                vms[i].worker = 0;
        CHECK(build(&caps, vms, 3) == 0, "%s", err);
        CHECK(plan.nb_pools == 8 && plan.queues_per_pool == 2 && plan.nb_rx_queues == 16 &&
                  plan.layout == VMDQ_LAYOUT_INTERLEAVED,
              "%u pools of %u, %u RX queues", plan.nb_pools, plan.queues_per_pool,
              plan.nb_rx_queues);
        CHECK(plan.workers[0].nb_rx_queues == 3, "worker 0 polls %u queues",
              plan.workers[0].nb_rx_queues);
        for (unsigned i = 0; i < 3; i++) {
                const struct vmdq_vm_slot *s = &plan.vms[i];

                CHECK(s->pool == i && s->pool_id == i && s->rx_queue_first == i &&
                          s->rx_queue_polled == i && s->rx_queue_count == 2 &&
                          s->rx_queue_step == 8,
                      "VM %u: pool %u, queues %u+%u step %u, polled %u", i, s->pool,
                      s->rx_queue_first, s->rx_queue_count, s->rx_queue_step, s->rx_queue_polled);
                CHECK(plan.workers[0].rx_queues[i] == i, "worker 0 queue %u is %u", i,
                      plan.workers[0].rx_queues[i]);
                CHECK(rte_is_same_ether_addr(&s->mac, &vms[i].mac), "VM %u: its MAC", i);
        }

        /* 8 VMs: each queue of the 16 belongs to one pool. */
        CHECK(build(&caps, vms, 8) == 0, "%s", err);
        for (unsigned i = 0; i < 8; i++) {
                const struct vmdq_vm_slot *s = &plan.vms[i];

                for (unsigned k = 0; k < s->rx_queue_count; k++) {
                        unsigned q = s->rx_queue_first + k * s->rx_queue_step;

                        CHECK(q < plan.nb_rx_queues && !queue_used[q], "pool %u: queue %u", i, q);
                        if (q < 16)
                                queue_used[q] = 1;
                }
        }
        CHECK(memchr(queue_used, 0, sizeof(queue_used)) == NULL, "a queue of no pool");

        CHECK(build(&caps, vms, 9) < 0 && strstr(err, "VM interface 108 ") &&
                  strstr(err, "at most 8 pools"),
              "message: %s", err);
        CHECK(build(&caps, vms, 8) == 0 && plan.nb_macs == 8 && plan.macs[7].mac_index == 8 &&
                  plan.macs[7].pool_id == 7,
              "24 MAC entries hold 8 VMs: %s", err);
}

/* The i350 (igb too): 8 queues for 8 pools, pool i on queue i alone. */
static void test_igb_i350(void)
{
        struct vmdq_caps caps = caps_82576();
        struct vmdq_vm vms[4];

        caps.vmdq_queue_num = 8;
        caps.max_rx_queues = 8;
        caps.max_tx_queues = 8;
        make_vms(vms, 4);
        CHECK(build(&caps, vms, 4) == 0, "%s", err);
        CHECK(plan.queues_per_pool == 1 && plan.nb_rx_queues == 8, "%u of %u", plan.queues_per_pool,
              plan.nb_rx_queues);
        CHECK(plan.vms[3].rx_queue_polled == 3 && plan.vms[3].rx_queue_count == 1, "VM 3 on %u",
              plan.vms[3].rx_queue_polled);
        CHECK(plan.workers[1].nb_rx_queues == 2 && plan.workers[1].rx_queues[0] == 1 &&
                  plan.workers[1].rx_queues[1] == 3,
              "worker 1 polls %u queues", plan.workers[1].nb_rx_queues);
}

/* A PMD with pools whose queue layout vhostsw does not know: software
 * steering, saying why, rather than polling queues at a guess. */
static void test_unknown_layout(void)
{
        struct rte_eth_dev_info info;
        struct vmdq_caps caps = caps_82599();
        struct vmdq_vm vms[2];

        memset(&info, 0, sizeof(info));
        info.driver_name = "net_txgbe";
        info.max_vmdq_pools = RTE_ETH_64_POOLS;
        info.vmdq_queue_num = 128;
        info.max_rx_queues = 128;
        info.max_tx_queues = 128;
        info.max_mac_addrs = 128;
        vmdq_caps_from_dev_info(&info, &caps);
        CHECK(caps.layout == VMDQ_LAYOUT_UNKNOWN, "layout %d", caps.layout);
        make_vms(vms, 2);
        CHECK(build(&caps, vms, 2) < 0 && strstr(err, "no VMDQ: software steering") &&
                  strstr(err, "net_txgbe"),
              "message: %s", err);
        CHECK(vmdq_layout_of("net_ixgbe") == VMDQ_LAYOUT_BLOCKS &&
                  vmdq_layout_of("net_e1000_igb") == VMDQ_LAYOUT_INTERLEAVED &&
                  vmdq_layout_of("net_e1000_em") == VMDQ_LAYOUT_UNKNOWN &&
                  vmdq_layout_of("") == VMDQ_LAYOUT_UNKNOWN,
              "layouts by driver name");
        CHECK(vmdq_pmd_loops_back("net_ixgbe") && !vmdq_pmd_loops_back("net_e1000_igb") &&
                  !vmdq_pmd_loops_back("net_txgbe"),
              "vm2vm 2's loopback: ixgbe only");
}

int main(void)
{
        test_pool_sizes();
        test_too_many_vms();
        test_duplicate_mac();
        test_mac_rules();
        test_vlans();
        test_no_vmdq();
        test_workers();
        test_eth_conf();
        test_caps_from_dev_info();
        test_igb_82576();
        test_igb_i350();
        test_unknown_layout();
        return t_report();
}
