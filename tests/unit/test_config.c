/* startup.conf parser: the embedded default, the whole grammar, and one
 * case per kind of mistake with the exact message it must give. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit_check.h"

static void test_defaults(void)
{
        struct vsw_config c;
        vsw_config_defaults(&c);
        CHECK(strcmp(c.runtime_dir, "/run/vhostsw") == 0);
        CHECK(strcmp(c.cli_listen, "ipc:///run/vhostsw/cli.sock") == 0);
        CHECK(c.main_core == 0 && c.nworkers == 0);
        CHECK(strcmp(c.huge_dir, "/dev/hugepages") == 0);
        CHECK(c.socket_mem_mb == 256 && c.num_mbufs == 16384);
        CHECK(strcmp(c.file_prefix, "vhostsw") == 0 && c.uplink[0] == '\0');
        CHECK(c.rx_retry == 1 && c.rx_retry_delay_us == 15 && c.rx_retry_num == 4);
        CHECK(c.vm2vm == 1 && c.reconnect_ms == 1000 && c.nboot_ifaces == 0);
        CHECK(c.max_guest_memory == 1ULL << 40 && c.cli_tcp_read_only == 0 &&
              c.max_mem_slots == 509);
        CHECK(c.rx_placement == VSW_RX_PLACEMENT_CYCLES);
        CHECK(c.rx_mode == VSW_RX_MODE_POLLING && c.rx_adaptive_idle_us == 5000);
        CHECK(c.default_log_level == VSW_LOG_INFO && c.metrics_listen[0] == '\0');
        for (int i = 0; i < VSW_LOG_CLASS_MAX; i++)
                CHECK(c.class_log_level[i] == -1);
}

static void test_embedded(void)
{
        struct vsw_config c;
        char err[512] = "";
        int rc = vsw_config_load(&c, NULL, err, sizeof(err));
        if (rc != 0)
                printf("embedded: %s\n", err);
        CHECK(rc == 0);
        CHECK(c.path[0] == '\0');
        CHECK(strcmp(c.runtime_dir, "/run/vhostsw") == 0);
        CHECK(c.main_core == 0 && c.nworkers == 1 && c.worker_cores[0] == 1);
        CHECK(c.nboot_ifaces == 2);
        CHECK(strcmp(c.boot_ifaces[0].socket, "/run/vhostsw/vm1.sock") == 0);
        CHECK(strcmp(c.boot_ifaces[1].socket, "/run/vhostsw/vm2.sock") == 0);
        for (int i = 0; i < 2; i++) {
                CHECK(c.boot_ifaces[i].server == 1 && c.boot_ifaces[i].mode == 0660);
                CHECK(c.boot_ifaces[i].feature_mask == ~0ULL && c.boot_ifaces[i].renumber == -1);
                CHECK(c.boot_ifaces[i].hwaddr_set == 0 && c.boot_ifaces[i].owner[0] == '\0');
        }
}

static void test_full_grammar(void)
{
        const char *text =
            "# every key once\n"
            "unix { runtime-dir /tmp/vsw cli-listen tcp://127.0.0.1:5002 cli-tcp read-only }\n"
            "cpu\n{\n\tmain-core 3 # the supervisor\n\tcorelist-workers 1-2,4,6-7\n}\n"
            "dpdk { huge-dir /mnt/huge socket-mem 512 file-prefix t_1-x\n"
            "  uplink net_tap0,iface=up0 num-mbufs 4096 }\n"
            "vhost { rx-retry off rx-retry-delay 0 rx-retry-num 9 vm2vm 2\n"
            "  vlan-strip on reconnect-interval 250 max-guest-memory 512g\n"
            "  rx-placement roundrobin max-mem-slots 64\n"
            "  rx-mode adaptive rx-mode-adaptive-idle 250\n"
            "  interface{socket /tmp/a.sock server feature-mask 0x40000000\n"
            "    hwaddr 02:FE:00:00:00:0a renumber 7 owner libvirt-qemu group kvm mode 660\n"
            "    bridge 16777215 vlan 4094 }\n"
            "  interface { socket /tmp/b.sock feature-mask ffffffffffffffff }\n"
            "}\n"
            "logging { default-log-level warning class vhost-user debug class RPC error }\n"
            "metrics { listen [::1]:9464 }";
        struct vsw_config c;
        char err[512] = "";
        vsw_config_defaults(&c);
        int rc = vsw_config_parse(&c, "full.conf", text, err, sizeof(err));
        if (rc != 0)
                printf("full: %s\n", err);
        CHECK(rc == 0);
        CHECK(strcmp(c.path, "full.conf") == 0);
        CHECK(strcmp(c.runtime_dir, "/tmp/vsw") == 0);
        CHECK(strcmp(c.cli_listen, "tcp://127.0.0.1:5002") == 0 && c.cli_tcp_read_only == 1);
        CHECK(c.main_core == 3 && c.nworkers == 5);
        CHECK(c.worker_cores[0] == 1 && c.worker_cores[1] == 2 && c.worker_cores[2] == 4);
        CHECK(c.worker_cores[3] == 6 && c.worker_cores[4] == 7);
        CHECK(strcmp(c.huge_dir, "/mnt/huge") == 0 && c.socket_mem_mb == 512);
        CHECK(strcmp(c.file_prefix, "t_1-x") == 0 && c.num_mbufs == 4096);
        CHECK(strcmp(c.uplink, "net_tap0,iface=up0") == 0);
        CHECK(c.rx_retry == 0 && c.rx_retry_delay_us == 0 && c.rx_retry_num == 9);
        CHECK(c.vm2vm == 2 && c.vlan_strip == 1 && c.reconnect_ms == 250);
        CHECK(c.max_guest_memory == 512ULL << 30 && c.max_mem_slots == 64);
        CHECK(c.rx_placement == VSW_RX_PLACEMENT_ROUNDROBIN);
        CHECK(c.rx_mode == VSW_RX_MODE_ADAPTIVE && c.rx_adaptive_idle_us == 250);
        CHECK(c.nboot_ifaces == 2);
        const struct vsw_boot_iface *a = &c.boot_ifaces[0], *b = &c.boot_ifaces[1];
        static const uint8_t mac[6] = {0x02, 0xfe, 0, 0, 0, 0x0a};
        CHECK(strcmp(a->socket, "/tmp/a.sock") == 0 && a->server == 1);
        CHECK(a->feature_mask == 0x40000000ULL && a->renumber == 7 && a->mode == 0660);
        CHECK(a->hwaddr_set == 1 && memcmp(a->hwaddr, mac, 6) == 0);
        CHECK(strcmp(a->owner, "libvirt-qemu") == 0 && strcmp(a->group, "kvm") == 0);
        CHECK(a->bridge == 16777215 && a->vlan == 4094 && b->bridge == 0 && b->vlan == 0);
        CHECK(strcmp(b->socket, "/tmp/b.sock") == 0 && b->server == 0);
        CHECK(b->feature_mask == ~0ULL && b->renumber == -1 && b->mode == -1);
        CHECK(c.default_log_level == VSW_LOG_WARNING);
        CHECK(c.class_log_level[VSW_LOG_VHOST_USER] == VSW_LOG_DEBUG);
        CHECK(c.class_log_level[VSW_LOG_RPC] == VSW_LOG_ERR);
        CHECK(c.class_log_level[VSW_LOG_GENERAL] == -1);
        CHECK(strcmp(c.metrics_listen, "[::1]:9464") == 0);
}

/* Two CPUs and two workers: a worker may share the main core, whose
 * processes sleep in epoll. */
static void test_worker_on_main_core(void)
{
        struct vsw_config c;
        char err[512] = "";
        vsw_config_defaults(&c);
        CHECK(vsw_config_parse(&c, "t.conf", "cpu {\n main-core 0\n corelist-workers 0-1\n}", err,
                               sizeof(err)) == 0);
        CHECK(c.main_core == 0 && c.nworkers == 2 && c.worker_cores[0] == 0);
}

static void test_guest_memory_sizes(void)
{
        static const struct {
                const char *text;
                unsigned long long bytes;
        } cases[] = {
            {"vhost { max-guest-memory 1048576 }", 1ULL << 20},
            {"vhost { max-guest-memory 1024K }", 1ULL << 20},
            {"vhost { max-guest-memory 3M }", 3ULL << 20},
            {"vhost { max-guest-memory 2G }", 2ULL << 30},
            {"vhost { max-guest-memory 128T }", 128ULL << 40},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct vsw_config c;
                char err[512] = "";
                vsw_config_defaults(&c);
                CHECK(vsw_config_parse(&c, "t.conf", cases[i].text, err, sizeof(err)) == 0, "%s",
                      err);
                CHECK(c.max_guest_memory == cases[i].bytes, "%s: %llu", cases[i].text,
                      (unsigned long long)c.max_guest_memory);
        }
}

/* Parses text as "t.conf" and expects exactly msg; cfg must stay untouched. */
static void expect_error(int line, const char *text, const char *msg)
{
        struct vsw_config c, before;
        char err[512] = "";
        vsw_config_defaults(&c);
        before = c;
        int rc = vsw_config_parse(&c, "t.conf", text, err, sizeof(err));
        if (rc != -1 || strcmp(err, msg) != 0 || memcmp(&c, &before, sizeof(c)) != 0) {
                t_failed++;
                printf("FAIL %s:%d: rc %d\n  got      \"%s\"\n  expected \"%s\"\n", __FILE__, line,
                       rc, err, msg);
        } else {
                t_passed++;
        }
}

#define EXPECT_ERROR(text, msg) expect_error(__LINE__, text, msg)

static void test_errors(void)
{
        EXPECT_ERROR(
            "cpu {\n  main-core 0\n  corelist 1\n}\n",
            "t.conf:3: unknown key 'corelist' in section 'cpu', expected one of main-core, "
            "corelist-workers");
        EXPECT_ERROR("\n\nfoo { }", "t.conf:3: unknown section 'foo', expected one of unix, cpu, "
                                    "dpdk, vhost, logging, metrics");
        EXPECT_ERROR("vhost { rx-placement fastest }",
                     "t.conf:1: bad rx-placement 'fastest', expected cycles or roundrobin");
        EXPECT_ERROR("}", "t.conf:1: unexpected '}', expected a section: one of unix, cpu, dpdk, "
                          "vhost, logging, metrics");
        EXPECT_ERROR("unix runtime-dir /x }", "t.conf:1: runtime-dir after 'unix', expected '{'");
        EXPECT_ERROR("unix {\n runtime-dir /x\n",
                     "t.conf:3: end of file inside 'unix' opened at line 1, expected '}'");
        EXPECT_ERROR("vhost {\n interface {\n  socket /x }\n",
                     "t.conf:4: end of file inside 'vhost' opened at line 1, expected '}'");
        EXPECT_ERROR("vhost { interface {\n  socket /x\n",
                     "t.conf:3: end of file inside 'vhost "
                     "interface' opened at line 1, expected '}'");
        EXPECT_ERROR("cpu { { } }", "t.conf:1: '{' without a key in section 'cpu', expected one of "
                                    "main-core, corelist-workers");
        EXPECT_ERROR("cpu { main-core }",
                     "t.conf:1: missing value for 'main-core', expected a core number 0-127");
        EXPECT_ERROR("cpu {\n main-core\n 1 }",
                     "t.conf:2: missing value for 'main-core', expected a core number 0-127");
        EXPECT_ERROR("cpu { main-core", "t.conf:1: missing value for 'main-core', expected a core "
                                        "number 0-127");
        EXPECT_ERROR("cpu { main-core x1 }",
                     "t.conf:1: bad number 'x1' for main-core, expected a core number 0-127");
        EXPECT_ERROR("cpu { main-core -1 }",
                     "t.conf:1: bad number '-1' for main-core, expected a core number 0-127");
        EXPECT_ERROR("cpu { main-core 128 }",
                     "t.conf:1: main-core 128 is out of range, expected a core number 0-127");
        EXPECT_ERROR("cpu { main-core 99999999999999999999999 }",
                     "t.conf:1: main-core 99999999999999999999999 is out of range, expected a core "
                     "number 0-127");
        EXPECT_ERROR("cpu { corelist-workers 1-17 }",
                     "t.conf:1: more than 16 cores in corelist-workers, expected at most 16");
        EXPECT_ERROR("cpu { corelist-workers 1-,4 }",
                     "t.conf:1: bad core list '1-,4', expected a core list like 1-2,4");
        EXPECT_ERROR("cpu { corelist-workers 1,,4 }",
                     "t.conf:1: bad core list '1,,4', expected a core list like 1-2,4");
        EXPECT_ERROR("cpu { corelist-workers 3-1 }",
                     "t.conf:1: range 3-1 in corelist-workers runs backwards, expected a core list "
                     "like 1-2,4");
        EXPECT_ERROR("cpu { corelist-workers 1,2,1 }",
                     "t.conf:1: core 1 listed twice in corelist-workers, expected each core once");
        EXPECT_ERROR(
            "cpu { corelist-workers 1,100-200 }",
            "t.conf:1: core 200 in corelist-workers is out of range, expected cores 0-127");
        EXPECT_ERROR(
            "unix { runtime-dir run/vsw }",
            "t.conf:1: runtime-dir 'run/vsw' is not an absolute path, expected an absolute "
            "path");
        EXPECT_ERROR(
            "unix { cli-listen /run/cli.sock }",
            "t.conf:1: cli-listen '/run/cli.sock' is not an ipc:// or tcp:// endpoint, "
            "expected an endpoint like ipc:///run/vhostsw/cli.sock or tcp://127.0.0.1:5002");
        EXPECT_ERROR("unix { cli-listen tcp://127.0.0.1:5002 }",
                     "t.conf: cli-listen tcp://127.0.0.1:5002 can be reached by every local user: "
                     "refused, expected an ipc:// endpoint, or `cli-tcp read-only` in unix { } to "
                     "serve only commands that change nothing");
        EXPECT_ERROR("unix { cli-tcp read-only cli-tcp off cli-listen tcp://127.0.0.1:5002 }",
                     "t.conf: cli-listen tcp://127.0.0.1:5002 can be reached by every local user: "
                     "refused, expected an ipc:// endpoint, or `cli-tcp read-only` in unix { } to "
                     "serve only commands that change nothing");
        EXPECT_ERROR("unix { cli-tcp on }",
                     "t.conf:1: unknown cli-tcp policy 'on', expected read-only or off");
        EXPECT_ERROR("vhost { rx-mode sometimes }",
                     "t.conf:1: unknown rx-mode 'sometimes', expected polling, interrupt or "
                     "adaptive");
        EXPECT_ERROR("vhost { rx-mode-adaptive-idle 99 }",
                     "t.conf:1: rx-mode-adaptive-idle 99 is out of range, expected microseconds "
                     "100-10000000");
        EXPECT_ERROR("vhost { max-mem-slots 510 }",
                     "t.conf:1: max-mem-slots 510 is out of range, expected a count 1-509");
        EXPECT_ERROR("vhost { max-mem-slots 0 }",
                     "t.conf:1: max-mem-slots 0 is out of range, expected a count 1-509");
        EXPECT_ERROR("vhost { max-guest-memory 1X }",
                     "t.conf:1: bad size '1X' for max-guest-memory, expected a size 1M-128T like "
                     "512G or 1T (K, M, G, T: powers of 1024)");
        EXPECT_ERROR("vhost { max-guest-memory 129T }",
                     "t.conf:1: bad size '129T' for max-guest-memory, expected a size 1M-128T like "
                     "512G or 1T (K, M, G, T: powers of 1024)");
        EXPECT_ERROR("vhost { max-guest-memory 1023K }",
                     "t.conf:1: bad size '1023K' for max-guest-memory, expected a size 1M-128T "
                     "like 512G or 1T (K, M, G, T: powers of 1024)");
        EXPECT_ERROR("vhost { max-guest-memory T }",
                     "t.conf:1: bad size 'T' for max-guest-memory, expected a size 1M-128T like "
                     "512G or 1T (K, M, G, T: powers of 1024)");
        EXPECT_ERROR("vhost { max-guest-memory 99999999999999999999T }",
                     "t.conf:1: bad size '99999999999999999999T' for max-guest-memory, expected a "
                     "size 1M-128T like 512G or 1T (K, M, G, T: powers of 1024)");
        EXPECT_ERROR("dpdk { socket-mem 0 }",
                     "t.conf:1: socket-mem 0 is out of range, expected megabytes 1-1048576");
        EXPECT_ERROR("dpdk { file-prefix a/b }",
                     "t.conf:1: bad file-prefix 'a/b', expected a name of letters, digits, '-' and "
                     "'_'");
        EXPECT_ERROR("dpdk { num-mbufs 12k }",
                     "t.conf:1: bad number '12k' for num-mbufs, expected a count 1024-16777216");
        EXPECT_ERROR("vhost { rx-retry yes }",
                     "t.conf:1: bad value 'yes' for rx-retry, expected on or off");
        EXPECT_ERROR("vhost { vm2vm 3 }", "t.conf:1: vm2vm 3 is out of range, expected 0, 1 or 2");
        EXPECT_ERROR("vhost {\n interface { server }\n}",
                     "t.conf:2: interface without a socket, expected 'socket <path>' in it");
        EXPECT_ERROR("vhost {\n interface { socket /a hwaddr 02:00:00:00:00 }\n}",
                     "t.conf:2: bad hwaddr '02:00:00:00:00', expected a unicast MAC like "
                     "02:fe:00:00:00:01");
        EXPECT_ERROR("vhost { interface { socket /a hwaddr 02-00-00-00-00-01 } }",
                     "t.conf:1: bad hwaddr '02-00-00-00-00-01', expected a unicast MAC like "
                     "02:fe:00:00:00:01");
        EXPECT_ERROR("vhost { interface { socket /a hwaddr 0g:00:00:00:00:01 } }",
                     "t.conf:1: bad hwaddr '0g:00:00:00:00:01', expected a unicast MAC like "
                     "02:fe:00:00:00:01");
        EXPECT_ERROR(
            "vhost { interface { socket /a hwaddr 01:00:5e:00:00:01 } }",
            "t.conf:1: hwaddr 01:00:5e:00:00:01 is a multicast address, expected a unicast "
            "MAC like 02:fe:00:00:00:01");
        EXPECT_ERROR("vhost { interface { socket /a mode 0980 } }",
                     "t.conf:1: bad mode '0980', expected an octal mode like 0660");
        EXPECT_ERROR("vhost { interface { socket /a mode 07777x } }",
                     "t.conf:1: bad mode '07777x', expected an octal mode like 0660");
        EXPECT_ERROR("vhost { interface { socket /a feature-mask 0xzz } }",
                     "t.conf:1: bad feature-mask '0xzz', expected a hex mask like 0x40000000");
        EXPECT_ERROR("vhost { interface { socket /a feature-mask 0x1ffffffffffffffff } }",
                     "t.conf:1: bad feature-mask '0x1ffffffffffffffff', expected a hex mask like "
                     "0x40000000");
        EXPECT_ERROR("vhost { interface { socket /a owner bad:user } }",
                     "t.conf:1: bad owner 'bad:user', expected a user name or uid");
        EXPECT_ERROR(
            "vhost { interface { socket /a tap 1 } }",
            "t.conf:1: unknown key 'tap' in section 'vhost interface', expected one of "
            "socket, server, feature-mask, hwaddr, renumber, owner, group, mode, bridge, vlan");
        EXPECT_ERROR("vhost { interface { socket /a bridge 0 } }",
                     "t.conf:1: bridge 0 is out of range, expected a bridge domain id 1-16777215");
        EXPECT_ERROR("vhost { interface { socket /a vlan 4095 } }",
                     "t.conf:1: vlan 4095 is out of range, expected an access VLAN 1-4094");
        EXPECT_ERROR("vhost {\n interface { socket /a }\n interface { socket /a }\n}",
                     "t.conf:3: socket /a used by two interfaces, expected one each");
        EXPECT_ERROR("vhost {\n interface { socket /a renumber 3 }\n"
                     " interface { socket /b renumber 3 }\n}",
                     "t.conf:3: renumber 3 used by two interfaces, expected one each");
        EXPECT_ERROR("vhost {\n"
                     "interface { socket /1 } interface { socket /2 } interface { socket /3 }\n"
                     "interface { socket /4 } interface { socket /5 } interface { socket /6 }\n"
                     "interface { socket /7 } interface { socket /8 }\n"
                     "interface { socket /9 }\n}",
                     "t.conf:5: more than 8 interfaces, expected at most 8");
        EXPECT_ERROR("metrics { listen localhost:9464 }",
                     "t.conf:1: bad metrics listen address 'localhost:9464', expected an address "
                     "and port like 127.0.0.1:9464 or [::1]:9464");
        EXPECT_ERROR("metrics { listen 127.0.0.1:65536 }",
                     "t.conf:1: bad metrics listen address '127.0.0.1:65536', expected an address "
                     "and port like 127.0.0.1:9464 or [::1]:9464");
        EXPECT_ERROR("metrics { listen [::1]9464 }",
                     "t.conf:1: bad metrics listen address '[::1]9464', expected an address "
                     "and port like 127.0.0.1:9464 or [::1]:9464");
        EXPECT_ERROR("logging { default-log-level loud }",
                     "t.conf:1: unknown log level 'loud' for default-log-level, expected one of "
                     "emerg, err, warn, notice, info, debug");
        EXPECT_ERROR("logging { class dhcp debug }",
                     "t.conf:1: unknown log class 'dhcp', expected one of general, config, "
                     "vhost-user, rpc, vault, supervisor, dataplane");
        EXPECT_ERROR("logging { class rpc }",
                     "t.conf:1: missing value for 'class', expected <class> <level>, level one of "
                     "emerg, err, warn, notice, info, debug");
        EXPECT_ERROR("logging { class rpc chatty }",
                     "t.conf:1: unknown log level 'chatty' for class, expected one of emerg, err, "
                     "warn, notice, info, debug");
        EXPECT_ERROR("unix { runtime-dir /a\x01 }",
                     "t.conf:1: control character 0x01, expected text");
}

/* Paths one character longer than their field allows. */
/* dpdk { uplink ... }: a PCI address or net_ vdev devargs, its bridge
 * domain, and vm2vm / vlan-strip beside it. */
static void test_uplink(void)
{
        struct vsw_config c;
        char err[512] = "";

        vsw_config_defaults(&c);
        CHECK(c.uplink_bridge == 1 && c.vm2vm == 1 && c.vlan_strip == 0 && c.uplink_mtu == 0);
        CHECK(vsw_config_parse(&c, "u.conf",
                               "dpdk { uplink 0000:03:00.1,max_queues=4 uplink-bridge 7\n"
                               "  uplink-mtu 9000\n"
                               "  vm2vm 0 vlan-strip on }",
                               err, sizeof(err)) == 0);
        CHECK(strcmp(c.uplink, "0000:03:00.1,max_queues=4") == 0 && c.uplink_bridge == 7);
        CHECK(c.uplink_mtu == 9000);
        EXPECT_ERROR("dpdk {\n uplink-mtu 67 }",
                     "t.conf:2: uplink-mtu 67 is out of range, expected bytes 68-65535");
        CHECK(c.vm2vm == 0 && c.vlan_strip == 1);
        CHECK(vsw_config_parse(&c, "u.conf", "dpdk { uplink 03:00.0 }", err, sizeof(err)) == 0);
        CHECK(strcmp(c.uplink, "03:00.0") == 0);
        CHECK(vsw_config_parse(&c, "u.conf", "dpdk { uplink net_af_packet0,iface=veth0 }", err,
                               sizeof(err)) == 0);
        EXPECT_ERROR("dpdk {\n uplink eth0 }",
                     "t.conf:2: bad uplink 'eth0', expected a PCI address like 0000:03:00.0 or "
                     "vdev devargs like net_tap0,iface=up0");
        EXPECT_ERROR("dpdk { uplink 0000:03:00.8 }",
                     "t.conf:1: bad uplink '0000:03:00.8', expected a PCI address like "
                     "0000:03:00.0 or vdev devargs like net_tap0,iface=up0");
        EXPECT_ERROR("dpdk { uplink net_tap0, }",
                     "t.conf:1: bad uplink 'net_tap0,', expected a PCI address like 0000:03:00.0 "
                     "or vdev devargs like net_tap0,iface=up0");
        EXPECT_ERROR("dpdk { uplink-bridge 0 }",
                     "t.conf:1: uplink-bridge 0 is out of range, expected a bridge domain id "
                     "1-16777215");
        EXPECT_ERROR("dpdk { vm2vm 3 }", "t.conf:1: vm2vm 3 is out of range, expected 0, 1 or 2");
        EXPECT_ERROR("dpdk { vlan-strip 1 }",
                     "t.conf:1: bad value '1' for vlan-strip, expected on or off");
}

static void test_long_paths(void)
{
        char long_dir[98], text[300], msg[400];
        memset(long_dir, 'd', sizeof(long_dir) - 1);
        long_dir[0] = '/';
        long_dir[sizeof(long_dir) - 1] = '\0';
        snprintf(text, sizeof(text), "unix { runtime-dir %s }", long_dir);
        snprintf(msg, sizeof(msg),
                 "t.conf:1: runtime-dir '%s' is too long (97 characters), expected at most 96",
                 long_dir);
        EXPECT_ERROR(text, msg);
        long_dir[96] = '\0';
        struct vsw_config c;
        vsw_config_defaults(&c);
        snprintf(text, sizeof(text), "unix { runtime-dir %s }", long_dir);
        CHECK(vsw_config_parse(&c, "t.conf", text, msg, sizeof(msg)) == 0);

        char long_sock[VSW_PATH_LEN + 1];
        memset(long_sock, 's', sizeof(long_sock) - 1);
        long_sock[0] = '/';
        long_sock[sizeof(long_sock) - 1] = '\0';
        snprintf(text, sizeof(text), "vhost { interface { socket %s } }", long_sock);
        snprintf(msg, sizeof(msg),
                 "t.conf:1: socket '%s' is too long (108 characters), expected at most 107",
                 long_sock);
        EXPECT_ERROR(text, msg);

        char word[VSW_CONF_STR + 1];
        memset(word, 'w', sizeof(word) - 1);
        word[sizeof(word) - 1] = '\0';
        snprintf(text, sizeof(text), "dpdk {\n uplink %s }", word);
        EXPECT_ERROR(text, "t.conf:2: word 'wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww...' is too long, "
                           "expected at most 255 characters");
}

static void test_load_file(void)
{
        char dir[] = "/tmp/test_config.XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        char path[256], err[512] = "";
        struct vsw_config c;

        snprintf(path, sizeof(path), "%s/startup.conf", dir);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        fputs("cpu { main-core 1 }\nvhost { interface { socket /x/y server } }\n", f);
        fclose(f);
        CHECK(vsw_config_load(&c, path, err, sizeof(err)) == 0);
        CHECK(strcmp(c.path, path) == 0 && c.main_core == 1 && c.nboot_ifaces == 1);
        /* Defaults under the file, not the embedded interfaces. */
        CHECK(c.socket_mem_mb == 256 && c.nworkers == 0);

        f = fopen(path, "w");
        CHECK(f != NULL);
        fwrite("cpu {\n main-core 1\n\0 }\n", 1, 23, f);
        fclose(f);
        CHECK(vsw_config_load(&c, path, err, sizeof(err)) == -1);
        char expected[600];
        snprintf(expected, sizeof(expected), "%s:3: NUL byte, expected text", path);
        CHECK(strcmp(err, expected) == 0);

        f = fopen(path, "w");
        CHECK(f != NULL);
        fputs("cpu { main-core 1 }\ncpu { bogus 2 }\n", f);
        fclose(f);
        CHECK(vsw_config_load(&c, path, err, sizeof(err)) == -1);
        snprintf(expected, sizeof(expected),
                 "%s:2: unknown key 'bogus' in section 'cpu', expected one of main-core, "
                 "corelist-workers",
                 path);
        CHECK(strcmp(err, expected) == 0);
        unlink(path);

        snprintf(path, sizeof(path), "%s/missing.conf", dir);
        CHECK(vsw_config_load(&c, path, err, sizeof(err)) == -1);
        snprintf(expected, sizeof(expected),
                 "%s: cannot open (No such file or directory), expected a readable startup.conf",
                 path);
        CHECK(strcmp(err, expected) == 0);
        CHECK(vsw_config_load(&c, dir, err, sizeof(err)) == -1);
        CHECK(strstr(err, "not a regular file") != NULL);
        rmdir(dir);
}

int main(void)
{
        test_defaults();
        test_embedded();
        test_full_grammar();
        test_worker_on_main_core();
        test_guest_memory_sizes();
        test_errors();
        test_uplink();
        test_long_paths();
        test_load_file();
        return t_report();
}
