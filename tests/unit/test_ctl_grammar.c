/* vhost-ctl's parser: good command lines become the right request fields,
 * bad ones the right one-line error; and the printers' text and JSON. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "unit_check.h"

/* Splits line on spaces into a static argv and parses it. */
static int parse(const char *line, struct ctl_req *r, char *err, size_t errlen)
{
        static char buf[1024];
        static char *argv[64];
        int argc = 0;

        snprintf(buf, sizeof(buf), "%s", line);
        for (char *t = strtok(buf, " "); t && argc < 64; t = strtok(NULL, " "))
                argv[argc++] = t;
        err[0] = '\0';
        return ctl_parse(argc, argv, r, err, errlen);
}

static void good(const char *line, struct ctl_req *r)
{
        char err[256];

        CHECK(parse(line, r, err, sizeof(err)) == 0, "'%s' rejected: %s", line, err);
}

static void bad(const char *line, const char *want)
{
        struct ctl_req r;
        char err[256];

        int rc = parse(line, &r, err, sizeof(err));

        CHECK(rc != 0, "'%s' accepted, expected error '%s'", line, want);
        if (rc != 0)
                CHECK(strcmp(err, want) == 0, "'%s': error '%s', expected '%s'", line, err, want);
}

static void test_create(void)
{
        struct ctl_req r;
        Vsw__CreateVhostUserRequest *c;

        good("create vhost-user socket /run/vm1.sock", &r);
        c = r.req.create_vhost_user;
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_CREATE_VHOST_USER);
        CHECK(!strcmp(c->socket, "/run/vm1.sock"));
        CHECK(!c->has_server && !c->has_feature_mask && !c->has_hwaddr && !c->has_renumber);
        CHECK(!c->owner && !c->group && !c->has_mode);

        good("create vhost-user socket /run/vm1.sock server feature-mask 0xFF00 hwaddr "
             "02:fe:0A:00:00:01 renumber 7 owner nobody group nogroup mode 0660",
             &r);
        c = r.req.create_vhost_user;
        CHECK(c->has_server && c->server);
        CHECK(c->has_feature_mask && c->feature_mask == 0xff00);
        CHECK(c->has_hwaddr && c->hwaddr.len == 6);
        CHECK(!memcmp(c->hwaddr.data, "\x02\xfe\x0a\x00\x00\x01", 6));
        CHECK(c->has_renumber && c->renumber == 7);
        CHECK(!strcmp(c->owner, "nobody") && !strcmp(c->group, "nogroup"));
        CHECK(c->has_mode && c->mode == 0660);

        good("create vhost-user server feature-mask ffffffffffffffff socket /a", &r);
        CHECK(r.req.create_vhost_user->feature_mask == UINT64_MAX);

        bad("create vhost-user", "'create vhost-user' needs 'socket <path>'");
        bad("create vhost-user socket", "'socket' needs a value <path>");
        bad("create vhost-user socket rel.sock", "socket path 'rel.sock' is not absolute");
        bad("create vhost-user socket /a feature-mask", "'feature-mask' needs a value <hex>");
        bad("create vhost-user socket /a feature-mask 0xzz",
            "bad hex value '0xzz' for feature-mask");
        bad("create vhost-user socket /a feature-mask 0x", "bad hex value '0x' for feature-mask");
        bad("create vhost-user socket /a feature-mask 0x1ffffffffffffffff",
            "bad hex value '0x1ffffffffffffffff' for feature-mask");
        bad("create vhost-user socket /a hwaddr 02:00:00:00:00",
            "bad MAC address '02:00:00:00:00' for hwaddr, expected xx:xx:xx:xx:xx:xx");
        bad("create vhost-user socket /a hwaddr 02:00:00:00:00:0g",
            "bad MAC address '02:00:00:00:00:0g' for hwaddr, expected xx:xx:xx:xx:xx:xx");
        bad("create vhost-user socket /a hwaddr 02:00:00:00:00:001",
            "bad MAC address '02:00:00:00:00:001' for hwaddr, expected xx:xx:xx:xx:xx:xx");
        bad("create vhost-user socket /a hwaddr 01:00:5e:00:00:01",
            "hwaddr '01:00:5e:00:00:01' is a multicast address");
        bad("create vhost-user socket /a mode 0669",
            "bad octal mode '0669' for mode, expected e.g. 0660");
        bad("create vhost-user socket /a mode 17777",
            "bad octal mode '17777' for mode, expected e.g. 0660");
        bad("create vhost-user socket /a mode", "'mode' needs a value <octal>");
        bad("create vhost-user socket /a renumber -1", "bad number '-1' for renumber");
        bad("create vhost-user socket /a renumber 2147483648",
            "bad number '2147483648' for renumber");
        bad("create vhost-user socket /a owner", "'owner' needs a value <user>");
        bad("create vhost-user socket /a group a:b", "bad group 'a:b'");
        bad("create vhost-user socket /a server server", "'server' given twice");
        bad("create vhost-user socket /a socket /b", "'socket' given twice");
        bad("create vhost-user socket /a bogus", "unknown word 'bogus' in 'create vhost-user'");
}

static void test_others(void)
{
        struct ctl_req r;

        good("delete vhost-user VirtualEthernet0/0/3", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_DELETE_VHOST_USER);
        CHECK(!strcmp(r.req.delete_vhost_user->name, "VirtualEthernet0/0/3"));
        CHECK(!r.req.delete_vhost_user->has_sw_if_index);
        good("delete vhost-user sw_if_index 4", &r);
        CHECK(!r.req.delete_vhost_user->name);
        CHECK(r.req.delete_vhost_user->has_sw_if_index &&
              r.req.delete_vhost_user->sw_if_index == 4);
        bad("delete vhost-user", "'delete vhost-user' needs <name> or 'sw_if_index <n>'");
        bad("delete vhost-user sw_if_index", "'sw_if_index' needs a value <n>");
        bad("delete vhost-user sw_if_index x", "bad number 'x' for sw_if_index");
        bad("delete vhost-user a b", "unexpected word 'b' after 'delete vhost-user'");

        good("set interface state VirtualEthernet0/0/1 up", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_INTERFACE_STATE);
        CHECK(r.req.set_interface_state->up);
        good("set interface state VirtualEthernet0/0/1 down", &r);
        CHECK(!r.req.set_interface_state->up);
        bad("set interface state VirtualEthernet0/0/1 sideways",
            "bad state 'sideways', expected up or down");
        bad("set interface state x", "'set interface state' needs <name> {up | down}");

        good("set interface rx-placement VirtualEthernet0/0/1 queue 1 worker 0", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_INTERFACE_RX_PLACEMENT);
        CHECK(r.req.set_interface_rx_placement->queue == 1 &&
              r.req.set_interface_rx_placement->worker == 0);
        good("set interface rx-mode VirtualEthernet0/0/1 adaptive", &r);
        CHECK(!r.req.set_interface_rx_mode->has_queue &&
              !strcmp(r.req.set_interface_rx_mode->mode, "adaptive"));
        good("set interface rx-mode VirtualEthernet0/0/1 queue 2 interrupt", &r);
        CHECK(r.req.set_interface_rx_mode->has_queue && r.req.set_interface_rx_mode->queue == 2 &&
              !strcmp(r.req.set_interface_rx_mode->mode, "interrupt"));
        bad("set interface rx-mode VirtualEthernet0/0/1 sometimes",
            "bad rx-mode 'sometimes', expected polling, interrupt or adaptive");
        bad("set interface rx-mode VirtualEthernet0/0/1 queue 1",
            "'set interface rx-mode <name> queue <n>' needs a mode after the queue");
        bad("set interface rx-placement VirtualEthernet0/0/1 queue 1",
            "'set interface rx-placement' needs <name> queue <n> worker {<n> | auto}");
        bad("set interface rx-placement VirtualEthernet0/0/1 queue x worker 0",
            "bad queue 'x', expected a number");
        bad("set interface rx-placement VirtualEthernet0/0/1 queue 0 worker -1",
            "bad worker '-1', expected a number or auto");
        good("set interface rx-placement VirtualEthernet0/0/1 queue 0 worker auto", &r);
        CHECK(r.req.set_interface_rx_placement->has_unpin &&
              r.req.set_interface_rx_placement->unpin);
        good("show interface rx-placement", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_INTERFACE_RX_PLACEMENT);
        good("show runtime", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_RUNTIME);
        bad("show runtime x", "unexpected word 'x' after 'show runtime'");
        good("clear runtime", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_CLEAR_RUNTIME);
        good("set rx-placement rebalance", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_RX_PLACEMENT_REBALANCE);

        good("show vhost-user", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_VHOST_USER);
        CHECK(r.req.show_vhost_user->n_names == 0);
        good("show vhost-user VirtualEthernet0/0/0 VirtualEthernet0/0/1", &r);
        CHECK(r.req.show_vhost_user->n_names == 2);
        CHECK(!strcmp(r.req.show_vhost_user->names[1], "VirtualEthernet0/0/1"));

        good("show interface", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_INTERFACE);
        CHECK(r.req.show_interface->n_names == 0);
        good("show interface VirtualEthernet0/0/2", &r);
        CHECK(r.req.show_interface->n_names == 1);
        bad("show interface a b", "unexpected word 'b' after 'show interface'");

        good("debug vhost-user on", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_DEBUG_VHOST_USER && r.req.debug_vhost_user->on);
        bad("debug vhost-user maybe", "bad value 'maybe', expected on or off");

        good("set logging class vhost-user level debug", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_LOGGING);
        CHECK(!strcmp(r.req.set_logging->log_class, "vhost-user"));
        CHECK(!strcmp(r.req.set_logging->level, "debug"));
        bad("set logging class vhost-user", "'set logging class vhost-user' needs 'level <level>'");
        bad("set logging class vhost-user level", "'level' needs a value <level>");
        bad("set logging class bogus level debug",
            "unknown log class 'bogus', expected one of: general, config, vhost-user, rpc, vault, "
            "supervisor, dataplane");
        bad("set logging class rpc level loud",
            "unknown log level 'loud', expected one of: emerg, err, warn, notice, info, debug");

        good("show log", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_LOG);
        good("show version", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_VERSION);
        bad("show version now", "unexpected word 'now' after 'show version'");
        good("help", &r);
        CHECK(r.cmd && !r.cmd->print);

        bad("", "no command given (try 'vhost-ctl help')");
        bad("frobnicate", "unknown command 'frobnicate' (try 'vhost-ctl help')");
        bad("show", "incomplete command 'show' (try 'vhost-ctl help')");
        bad("show vhostuser", "unknown word 'vhostuser' after 'show' (try 'vhost-ctl help')");
        bad("set interface", "incomplete command 'set interface' (try 'vhost-ctl help')");
}

/* Every command in the table is in help, with its grammar. */
static void test_l2(void)
{
        struct ctl_req r;

        good("set interface l2 bridge VirtualEthernet0/0/1 16777215", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_INTERFACE_L2_BRIDGE);
        CHECK(!strcmp(r.u.l2_bridge.name, "VirtualEthernet0/0/1") &&
              r.u.l2_bridge.bd_id == 16777215);
        bad("set interface l2 bridge VirtualEthernet0/0/1 0",
            "bad bridge domain id '0', expected 1-16777215");
        bad("set interface l2 bridge VirtualEthernet0/0/1",
            "'set interface l2 bridge' needs <name> <bd-id>");
        bad("set interface l2 bridge x 1 2", "unexpected word '2' after 'set interface l2 bridge'");
        good("set interface l3 VirtualEthernet0/0/1", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_INTERFACE_L3);
        good("set interface vlan VirtualEthernet0/0/1 4094", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_INTERFACE_VLAN && r.u.vlan.vlan == 4094);
        good("set interface vlan VirtualEthernet0/0/1 none", &r);
        CHECK(r.u.vlan.vlan == 0);
        bad("set interface vlan x 4095", "bad VLAN '4095', expected 1-4094 or none");
        bad("set interface vlan x 0", "bad VLAN '0', expected 1-4094 or none");
        good("set interface mtu packet 9000 VirtualEthernet0/0/1", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_INTERFACE_MTU && r.u.mtu.mtu == 9000 &&
              !strcmp(r.u.mtu.name, "VirtualEthernet0/0/1"));
        good("set interface mtu 68 VirtualEthernet0/0/1", &r);
        CHECK(r.u.mtu.mtu == 68);
        good("set interface mtu none VirtualEthernet0/0/1", &r);
        CHECK(r.u.mtu.mtu == 0);
        bad("set interface mtu packet 67 x", "bad MTU '67', expected 68-65535 or none");
        bad("set interface mtu 65536 x", "bad MTU '65536', expected 68-65535 or none");
        bad("set interface mtu ip4 1500 x", "'ip4' MTU: only the packet MTU can be set here");
        bad("set interface mtu packet 1500",
            "'set interface mtu' needs [packet] {<bytes> | none} <name>");
        bad("set interface mtu 1500 x y", "unexpected word 'y' after 'set interface mtu'");
        good("create bridge-domain 7", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_CREATE_BRIDGE_DOMAIN);
        CHECK(r.u.create_bd.bd_id == 7 && !r.u.create_bd.has_learn &&
              !r.u.create_bd.has_aging_minutes);
        good("create bridge-domain 7 learn off aging 0", &r);
        CHECK(r.u.create_bd.has_learn && !r.u.create_bd.learn);
        CHECK(r.u.create_bd.has_aging_minutes && r.u.create_bd.aging_minutes == 0);
        bad("create bridge-domain 7 learn maybe",
            "bad value 'maybe' for learn, expected on or off");
        bad("create bridge-domain 7 aging 10081",
            "bad aging '10081', expected minutes 0-10080 (0: never)");
        bad("create bridge-domain 7 aging 1 aging 2", "'aging' given twice");
        bad("create bridge-domain 7 flood on", "unknown word 'flood' in 'create bridge-domain'");
        good("delete bridge-domain 7", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_DELETE_BRIDGE_DOMAIN && r.u.delete_bd.bd_id == 7);
        good("show bridge-domain", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_BRIDGE_DOMAIN && !r.u.show_bd.has_bd_id);
        good("show bridge-domain 3", &r);
        CHECK(r.u.show_bd.has_bd_id && r.u.show_bd.bd_id == 3);
        good("show l2fib", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_L2FIB && !r.u.show_l2fib.has_verbose);
        good("show l2fib verbose bd 9", &r);
        CHECK(r.u.show_l2fib.verbose && r.u.show_l2fib.has_bd_id && r.u.show_l2fib.bd_id == 9);
        bad("show l2fib bd", "'bd' needs a value <bd-id>");
}

static void test_uplink(void)
{
        struct ctl_req r;

        good("show uplink", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_UPLINK && r.req.show_uplink);
        bad("show uplink now", "unexpected word 'now' after 'show uplink'");
}

static void test_vxlan(void)
{
        struct ctl_req r;

        good("create vxlan tunnel src 10.99.0.1 dst 10.99.0.2 vni 10", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_CREATE_VXLAN_TUNNEL);
        CHECK(r.u.vxlan.src == htonl(0x0a630001) && r.u.vxlan.dst == htonl(0x0a630002) &&
              r.u.vxlan.vni == 10 && !r.u.vxlan.has_instance && !r.u.vxlan.has_del);
        good("create vxlan tunnel vni 16777215 dst 10.99.0.2 src 10.99.0.1 instance 7 del", &r);
        CHECK(r.u.vxlan.vni == 16777215 && r.u.vxlan.has_instance && r.u.vxlan.instance == 7 &&
              r.u.vxlan.has_del && r.u.vxlan.del);
        good("show vxlan tunnel", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_VXLAN_TUNNEL);
        bad("create vxlan tunnel src 10.99.0.1 dst 10.99.0.2",
            "'create vxlan tunnel' needs src <ip> dst <ip> vni <n>");
        bad("create vxlan tunnel src 10.99.0.1 dst 10.99.0.2 vni 16777216",
            "bad vni '16777216', expected 0-16777215");
        bad("create vxlan tunnel src 10.99.0.300 dst 10.99.0.2 vni 1",
            "bad src address '10.99.0.300', expected an IPv4 address");
        bad("create vxlan tunnel src 10.99.0.1 dst 10.99.0.2 vni 1 encap-vrf-id 2",
            "unknown word 'encap-vrf-id' in 'create vxlan tunnel'");
        bad("create vxlan tunnel src", "'src' needs a value");
        bad("show vxlan tunnel 1", "unexpected word '1' after 'show vxlan tunnel'");
}

static void test_ip_route(void)
{
        struct ctl_req r;

        good("ip route add 10.98.0.0/16 via 10.99.0.254", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_IP_ROUTE && !r.u.ip_route.del);
        CHECK(r.u.ip_route.prefix == htonl(0x0a620000) && r.u.ip_route.prefix_len == 16 &&
              r.u.ip_route.has_via && r.u.ip_route.via == htonl(0x0a6300fe));
        good("ip route add 0.0.0.0/0 via 10.99.0.1", &r);
        CHECK(r.u.ip_route.prefix == 0 && r.u.ip_route.prefix_len == 0);
        good("ip route del 10.98.0.0/16", &r);
        CHECK(r.u.ip_route.del && !r.u.ip_route.has_via);
        good("ip route del 10.98.0.1/32 via 10.99.0.254", &r);
        CHECK(r.u.ip_route.del && r.u.ip_route.has_via && r.u.ip_route.prefix_len == 32);
        bad("ip route add 10.98.0.0/16", "'ip route add' needs via <gw>");
        bad("ip route add 10.98.0.1/16 via 10.99.0.254", "prefix '10.98.0.1/16' has host bits set");
        bad("ip route add 1.0.0.0/0 via 10.99.0.254", "prefix '1.0.0.0/0' has host bits set");
        bad("ip route add 10.98.0.0/33 via 10.99.0.254",
            "bad prefix '10.98.0.0/33', expected <ip>/<0-32>");
        bad("ip route add 10.98.0.0 via 10.99.0.254",
            "bad prefix '10.98.0.0', expected <ip>/<0-32>");
        bad("ip route add 10.98.0.0/16 via 0.0.0.0",
            "bad via address '0.0.0.0', expected an IPv4 address");
        bad("ip route add 10.98.0.0/16 via 10.99.0.254 table 2",
            "unexpected word 'table' after 'ip route'");
        bad("ip route flush", "'ip route' needs {add | del} <prefix>/<len> via <gw>");
        good("show ip fib", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_IP_FIB);
        good("set ip neighbor-config ip4 age 2", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SET_IP_NEIGHBOR_CONFIG &&
              r.u.neigh_config.age_s == 2);
        bad("set ip neighbor-config ip4 age 0", "bad age '0', expected 1-3600 seconds");
        bad("set ip neighbor-config ip4 age 3601", "bad age '3601', expected 1-3600 seconds");
        bad("set ip neighbor-config ip6 age 3", "'set ip neighbor-config' needs ip4 age <seconds>");
}

static void test_pcap(void)
{
        struct ctl_req r;

        good("pcap trace rx tx max 7 intfc vhost-user-1 file /tmp/a.pcapng", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_PCAP_TRACE);
        CHECK(r.u.pcap_trace.rx && r.u.pcap_trace.tx && !r.u.pcap_trace.has_off);
        CHECK(r.u.pcap_trace.max == 7 && !strcmp(r.u.pcap_trace.intfc, "vhost-user-1"));
        CHECK(!strcmp(r.u.pcap_trace.file, "/tmp/a.pcapng"));
        good("pcap trace tx intfc any", &r);
        CHECK(!r.u.pcap_trace.has_rx && r.u.pcap_trace.tx && !r.u.pcap_trace.intfc);
        CHECK(r.u.pcap_trace.max == 100 && !strcmp(r.u.pcap_trace.file, "/tmp/vhostsw.pcapng"));
        good("pcap trace off", &r);
        CHECK(r.u.pcap_trace.has_off && r.u.pcap_trace.off);
        good("show pcap trace", &r);
        CHECK(r.req.cmd_case == VSW__REQUEST__CMD_SHOW_PCAP_TRACE);
        bad("pcap trace max 5", "'pcap trace' needs rx, tx or both");
        bad("pcap trace rx max 0", "bad max '0', expected packets, 1 or more");
        bad("pcap trace rx file x.pcap", "bad file 'x.pcap', expected an absolute path");
        bad("pcap trace rx intfc", "'intfc' needs a value <name> | any");
        bad("pcap trace rx drop", "unexpected word 'drop' in 'pcap trace', expected rx, tx, max, "
                                  "intfc, file or off");
        bad("pcap trace off now", "unexpected word 'now' after 'pcap trace off'");
}

static void test_help(void)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ctl_print_help(f, 0);
        fclose(f);
        for (size_t c = 0; c < ctl_ncmds; c++) {
                char line[512];

                snprintf(line, sizeof(line), "  %s%s%s\n", ctl_cmds[c].words,
                         *ctl_cmds[c].args ? " " : "", ctl_cmds[c].args);
                CHECK(strstr(text, line) != NULL);
        }
        free(text);
}

static char *print_to_string(int (*print)(const Vsw__Reply *, FILE *, int), const Vsw__Reply *rep,
                             int json)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        CHECK(print(rep, f, json) == 0);
        fclose(f);
        return text;
}

static void test_print(void)
{
        Vsw__Reply rep = VSW__REPLY__INIT;
        Vsw__ShowLogReply log = VSW__SHOW_LOG_REPLY__INIT;
        char *lines[] = {"plain", "quote \" back\\slash\ttab \x01 bad \xff utf8 \xc3\xa9"};
        Vsw__CreateVhostUserReply created = VSW__CREATE_VHOST_USER_REPLY__INIT;
        char *s;

        log.n_lines = 2;
        log.lines = lines;
        rep.body_case = VSW__REPLY__BODY_LOG;
        rep.log = &log;
        s = print_to_string(ctl_print_log, &rep, 1);
        CHECK(!strcmp(s, "{\"lines\":[\"plain\",\"quote \\\" back\\\\slash\\ttab \\u0001 bad "
                         "\\ufffd utf8 \xc3\xa9\"]}\n"));
        free(s);

        created.name = "VirtualEthernet0/0/5";
        created.sw_if_index = 5;
        rep.body_case = VSW__REPLY__BODY_CREATED;
        rep.created = &created;
        s = print_to_string(ctl_print_created, &rep, 0);
        CHECK(!strcmp(s, "VirtualEthernet0/0/5\n"));
        free(s);
        s = print_to_string(ctl_print_created, &rep, 1);
        CHECK(!strcmp(s, "{\"name\":\"VirtualEthernet0/0/5\",\"sw_if_index\":5}\n"));
        free(s);
        CHECK(ctl_print_version(&rep, stderr, 0) == -1);
}

static void test_print_pcap(void)
{
        Vsw__Reply rep = VSW__REPLY__INIT;
        Vsw__PcapTraceReply p = VSW__PCAP_TRACE_REPLY__INIT;
        char *s;

        rep.body_case = VSW__REPLY__BODY_PCAP;
        rep.pcap = &p;
        s = print_to_string(ctl_print_pcap, &rep, 0);
        CHECK(!strcmp(s, "pcap trace: off, none ran\n"), "%s", s);
        free(s);
        p.active = 1;
        p.rx = p.tx = 1;
        p.max = 10;
        p.intfc = "any";
        p.file = "/tmp/a.pcapng";
        p.written = 4;
        p.has_lost = 1;
        p.lost = 2;
        s = print_to_string(ctl_print_pcap, &rep, 0);
        CHECK(!strcmp(s, "pcap trace: on rx tx, max 10, intfc any, file /tmp/a.pcapng\n"
                         "  4 packets written, 2 frames not copied\n"),
              "%s", s);
        free(s);
        p.active = 0;
        p.has_lost = 0;
        p.tx = 0;
        p.status = "max packets reached: 10 packets written";
        s = print_to_string(ctl_print_pcap, &rep, 1);
        CHECK(!strcmp(s, "{\"active\":false,\"rx\":true,\"tx\":false,\"max\":10,\"intfc\":"
                         "\"any\",\"file\":\"/tmp/a.pcapng\",\"written\":4,\"status\":\"max "
                         "packets reached: 10 packets written\"}\n"),
              "%s", s);
        free(s);
        CHECK(ctl_print_errors(&rep, stderr, 0) == -1);
}

static void test_print_l2(void)
{
        Vsw__Reply rep = VSW__REPLY__INIT;
        Vsw__ShowL2fibReply fib = VSW__SHOW_L2FIB_REPLY__INIT;
        Vsw__L2fibEntry e = VSW__L2FIB_ENTRY__INIT, *entries[] = {&e};
        uint8_t mac[6] = {0x02, 0xfe, 0, 0, 0, 0x0a};
        char *s;

        e.mac.data = mac;
        e.mac.len = 6;
        e.bd_id = 1;
        e.vlan = 10;
        e.sw_if_index = 2;
        e.name = "VirtualEthernet0/0/1";
        e.age_s = 42;
        fib.count = 1;
        fib.n_entries = 1;
        fib.entries = entries;
        rep.body_case = VSW__REPLY__BODY_L2FIB;
        rep.l2fib = &fib;
        s = print_to_string(ctl_print_l2fib, &rep, 0);
        CHECK(strstr(
            s, "02:fe:00:00:00:0a   1        10    VirtualEthernet0/0/1     2           42\n"));
        CHECK(strstr(s, "1 l2fib entries\n"));
        free(s);
        s = print_to_string(ctl_print_l2fib, &rep, 1);
        CHECK(!strcmp(s, "{\"count\":1,\"entries\":[{\"mac\":\"02:fe:00:00:00:0a\",\"bd_id\":1,"
                         "\"vlan\":10,\"interface\":\"VirtualEthernet0/0/1\",\"sw_if_index\":2,"
                         "\"age_s\":42}]}\n"));
        free(s);
        CHECK(ctl_print_bridge_domains(&rep, stderr, 0) == -1);
}

static void test_print_uplink(void)
{
        Vsw__Reply rep = VSW__REPLY__INIT;
        Vsw__ShowUplinkReply u = VSW__SHOW_UPLINK_REPLY__INIT;
        Vsw__UplinkWorker w = VSW__UPLINK_WORKER__INIT, *workers[] = {&w};
        uint32_t rxq[] = {0, 2};
        uint8_t mac[6] = {0x02, 0xfe, 0, 0, 0, 0x0b};
        char *s;

        rep.body_case = VSW__REPLY__BODY_UPLINK;
        rep.uplink = &u;
        s = print_to_string(ctl_print_uplink, &rep, 1);
        CHECK(!strcmp(s, "{\"configured\":false}\n"));
        free(s);
        s = print_to_string(ctl_print_uplink, &rep, 0);
        CHECK(!strcmp(s, "no uplink (startup.conf has no dpdk uplink)\n"));
        free(s);

        u.configured = 1;
        u.name = "0000:03:00.0";
        u.devargs = "0000:03:00.0";
        u.driver = "net_ixgbe";
        u.mac.data = mac;
        u.mac.len = 6;
        u.mode = "vmdq";
        u.mode_reason =
            "the PMD reports 64 VMDQ pools: 8 pools of 2 queues for 2 startup interfaces";
        u.max_vmdq_pools = 64;
        u.vm2vm = 2;
        u.vm2vm_effect = "VM frames go to the NIC, whose switch loops VM-to-VM frames back";
        u.vlan_strip = 1;
        u.vlan_strip_hw = 1;
        u.bd_id = 1;
        w.queue = 0;
        w.rx_queues = rxq;
        w.n_rx_queues = 2;
        w.rx_packets = 5;
        u.workers = workers;
        u.n_workers = 1;
        s = print_to_string(ctl_print_uplink, &rep, 0);
        CHECK(strstr(s, "uplink 0000:03:00.0 (port 0, driver net_ixgbe)\n"));
        CHECK(strstr(s, "  mode VMDQ steering: the PMD reports 64 VMDQ pools"));
        CHECK(strstr(s, "  queues per worker: its VMs' pool RX queues, 1 TX; bridge domain 1\n"));
        CHECK(strstr(s, "  vm2vm 2: VM frames go to the NIC"));
        CHECK(strstr(s, "  vlan-strip on (by the NIC)\n"));
        CHECK(strstr(s, "  0      0+1      0                     5"));
        free(s);
        s = print_to_string(ctl_print_uplink, &rep, 1);
        CHECK(strstr(s, "\"mode\":\"vmdq\"") && strstr(s, "\"rx_queues\":[0,2]") &&
              strstr(s, "\"mac\":\"02:fe:00:00:00:0b\""));
        free(s);
}

int main(void)
{
        test_create();
        test_others();
        test_l2();
        test_uplink();
        test_pcap();
        test_vxlan();
        test_ip_route();
        test_print_pcap();
        test_help();
        test_print();
        test_print_l2();
        test_print_uplink();
        return t_report();
}
