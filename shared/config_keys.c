/* What each startup.conf key accepts, one table per section, and the
 * startup.conf parser over those tables. */
#include "config_parser.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen_addr.h"
#include "log.h"
#include "vault.h"
#include "virtio_spec.h"
#include "vsw_bridge.h"
#include "vsw_rx_mode.h"

/* ---- unix ---- */

static int key_runtime_dir(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        /* Sockets such as vault.sock live in it and must fit in sun_path. */
        return vsw_conf_abs_path(ps, k, line, ps->cfg->runtime_dir, VSW_PATH_LEN,
                                 1 + strlen(VSW_VAULT_SOCK_NAME));
}

static int key_cli_listen(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        size_t len = strlen(s);
        if (strncmp(s, "ipc://", 6) == 0) {
                if (len == 6)
                        return vsw_conf_fail(ps, line, "cli-listen '%s' has no path, expected %s",
                                             s, k->expect);
                if (len - 6 >= VSW_PATH_LEN)
                        return vsw_conf_fail(
                            ps, line,
                            "cli-listen '%s' is too long (%zu characters of path), expected at "
                            "most %d",
                            s, len - 6, VSW_PATH_LEN - 1);
        } else if (strncmp(s, "tcp://", 6) == 0) {
                if (len == 6 || !strchr(s + 6, ':'))
                        return vsw_conf_fail(ps, line, "cli-listen '%s' has no port, expected %s",
                                             s, k->expect);
        } else {
                return vsw_conf_fail(
                    ps, line, "cli-listen '%s' is not an ipc:// or tcp:// endpoint, expected %s", s,
                    k->expect);
        }
        memcpy(ps->cfg->cli_listen, s, len + 1);
        return 0;
}

static int key_cli_tcp(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        if (strcmp(s, "read-only") == 0)
                ps->cfg->cli_tcp_read_only = 1;
        else if (strcmp(s, "off") == 0)
                ps->cfg->cli_tcp_read_only = 0;
        else
                return vsw_conf_fail(ps, line, "unknown %s policy '%s', expected %s", k->name, s,
                                     k->expect);
        return 0;
}

/* ---- cpu ---- */

static int key_main_core(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 0, VSW_CONF_MAX_CORE, &ps->cfg->main_core);
}

static int add_worker(struct parser *ps, const struct vsw_conf_key *k, unsigned line, uint64_t core)
{
        struct vsw_config *c = ps->cfg;
        if (core > VSW_CONF_MAX_CORE)
                return vsw_conf_fail(ps, line,
                                     "core %llu in %s is out of range, expected cores 0-%d",
                                     (unsigned long long)core, k->name, VSW_CONF_MAX_CORE);
        for (uint32_t i = 0; i < c->nworkers; i++)
                if (c->worker_cores[i] == core)
                        return vsw_conf_fail(
                            ps, line, "core %llu listed twice in %s, expected each core once",
                            (unsigned long long)core, k->name);
        if (c->nworkers == VSW_MAX_WORKERS)
                return vsw_conf_fail(ps, line, "more than %d cores in %s, expected at most %d",
                                     VSW_MAX_WORKERS, k->name, VSW_MAX_WORKERS);
        c->worker_cores[c->nworkers++] = (uint32_t)core;
        return 0;
}

/* "1-2,4": single cores and inclusive ranges, separated by commas. */
static int key_corelist_workers(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        char list[VSW_CONF_STR];
        snprintf(list, sizeof(list), "%s", s);
        ps->cfg->nworkers = 0;
        char *save = NULL;
        /* strtok_r would skip empty items silently */
        if (list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
                return vsw_conf_fail(ps, line, "bad core list '%s', expected %s", s, k->expect);
        for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *dash = strchr(item, '-');
                uint64_t first, last;
                if (dash)
                        *dash = '\0';
                if (vsw_conf_parse_u64(item, 10, &first) < 0 ||
                    (dash && vsw_conf_parse_u64(dash + 1, 10, &last) < 0))
                        return vsw_conf_fail(ps, line, "bad core list '%s', expected %s", s,
                                             k->expect);
                if (!dash)
                        last = first;
                if (last < first)
                        return vsw_conf_fail(ps, line,
                                             "range %s-%s in %s runs backwards, expected %s", item,
                                             dash + 1, k->name, k->expect);
                if (last > VSW_CONF_MAX_CORE)
                        return add_worker(ps, k, line, last);
                for (uint64_t core = first; core <= last; core++)
                        if (add_worker(ps, k, line, core) < 0)
                                return -1;
        }
        return 0;
}

/* ---- dpdk ---- */

static int key_huge_dir(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_abs_path(ps, k, line, ps->cfg->huge_dir, VSW_CONF_STR, 0);
}

static int key_socket_mem(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 1, 1u << 20, &ps->cfg->socket_mem_mb);
}

static int key_file_prefix(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_plain_name(ps, k, line, "-_", ps->cfg->file_prefix, 64);
}

static int is_hex(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)s[i]))
                        return 0;
        return 1;
}

/* A PCI address as EAL takes it: [DDDD:]BB:DD.F, then ",key=value..." */
static int is_pci_address(const char *s)
{
        size_t len = strcspn(s, ",");

        if (len == 12 && s[4] == ':')
                s += 5, len -= 5;
        return len == 7 && s[2] == ':' && s[5] == '.' && is_hex(s, 2) && is_hex(s + 3, 2) &&
               s[6] >= '0' && s[6] <= '7';
}

/* vdev devargs: net_<driver><id>[,key=value...], nothing EAL would split. */
static int is_vdev_devargs(const char *s)
{
        size_t name = strcspn(s, ",");

        if (strncmp(s, "net_", 4) != 0 || name <= 4)
                return 0;
        for (size_t i = 0; s[i]; i++)
                if (isspace((unsigned char)s[i]) || !isprint((unsigned char)s[i]))
                        return 0;
        for (size_t i = 0; i < name; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '_')
                        return 0;
        return s[name] == '\0' || s[name + 1] != '\0';
}

static int key_uplink(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        if (!is_pci_address(s) && !is_vdev_devargs(s))
                return vsw_conf_fail(ps, line, "bad uplink '%s', expected %s", s, k->expect);
        snprintf(ps->cfg->uplink, sizeof(ps->cfg->uplink), "%s", s);
        return 0;
}

/* The uplink port's MTU (0: the PMD's default); the supervisor refuses one
 * the PMD cannot carry (tools/supervisor/uplink_mtu.c). */
static int key_uplink_mtu(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, VIRTIO_NET_MIN_MTU, VIRTIO_NET_MAX_MTU,
                               &ps->cfg->uplink_mtu);
}

static int key_uplink_bridge(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 1, VSW_BRIDGE_ID_MAX, &ps->cfg->uplink_bridge);
}

static int key_num_mbufs(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 1024, 1u << 24, &ps->cfg->num_mbufs);
}

/* ---- vhost interface { } ---- */

static int key_socket(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_abs_path(ps, k, line, ps->iface->socket, VSW_PATH_LEN, 0);
}

static int key_server(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        (void)k;
        (void)line;
        ps->iface->server = 1;
        return 0;
}

static int key_feature_mask(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        const char *hex = strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0 ? s + 2 : s;
        if (strlen(hex) > 16 || vsw_conf_parse_u64(hex, 16, &ps->iface->feature_mask) < 0)
                return vsw_conf_fail(ps, line, "bad feature-mask '%s', expected %s", s, k->expect);
        return 0;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static int key_hwaddr(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        uint8_t mac[6];
        if (strlen(s) != 17)
                return vsw_conf_fail(ps, line, "bad hwaddr '%s', expected %s", s, k->expect);
        for (int i = 0; i < 6; i++) {
                int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
                if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
                        return vsw_conf_fail(ps, line, "bad hwaddr '%s', expected %s", s,
                                             k->expect);
                mac[i] = (uint8_t)(hi << 4 | lo);
        }
        if (mac[0] & 1)
                return vsw_conf_fail(ps, line, "hwaddr %s is a multicast address, expected %s", s,
                                     k->expect);
        static const uint8_t zero[6];
        if (memcmp(mac, zero, sizeof(mac)) == 0)
                return vsw_conf_fail(ps, line, "hwaddr %s is all zeros, expected %s", s, k->expect);
        memcpy(ps->iface->hwaddr, mac, sizeof(mac));
        ps->iface->hwaddr_set = 1;
        return 0;
}

static int key_renumber(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        uint32_t v;
        if (vsw_conf_number(ps, k, line, 0, INT32_MAX, &v) < 0)
                return -1;
        ps->iface->renumber = (int32_t)v;
        return 0;
}

/* User and group: a name (letters, digits, . _ - and a trailing $) or a number. */
static int key_owner(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_plain_name(ps, k, line, "._-$", ps->iface->owner, sizeof(ps->iface->owner));
}

static int key_group(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_plain_name(ps, k, line, "._-$", ps->iface->group, sizeof(ps->iface->group));
}

static int key_mode(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        size_t len = strlen(s);
        if (len == 0 || len > 4 || strspn(s, "01234567") != len)
                return vsw_conf_fail(ps, line, "bad mode '%s', expected %s", s, k->expect);
        ps->iface->mode = (int32_t)strtol(s, NULL, 8);
        return 0;
}

static int key_bridge(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 1, VSW_BRIDGE_ID_MAX, &ps->iface->bridge);
}

static int key_vlan(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 1, VSW_VLAN_MAX, &ps->iface->vlan);
}

static const struct vsw_conf_key iface_keys[] = {
    {"socket", "an absolute path", key_socket},
    {"server", "", key_server},
    {"feature-mask", "a hex mask like 0x40000000", key_feature_mask},
    {"hwaddr", "a unicast MAC like 02:fe:00:00:00:01", key_hwaddr},
    {"renumber", "an instance number 0-2147483647", key_renumber},
    {"owner", "a user name or uid", key_owner},
    {"group", "a group name or gid", key_group},
    {"mode", "an octal mode like 0660", key_mode},
    {"bridge", "a bridge domain id 1-16777215", key_bridge},
    {"vlan", "an access VLAN 1-4094", key_vlan},
    {NULL, NULL, NULL},
};

/* ---- vhost ---- */

static int key_rx_retry(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_on_off(ps, k, line, &ps->cfg->rx_retry);
}

static int key_rx_retry_delay(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 0, 100000, &ps->cfg->rx_retry_delay_us);
}

static int key_rx_retry_num(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 0, 1024, &ps->cfg->rx_retry_num);
}

static int key_vm2vm(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 0, 2, &ps->cfg->vm2vm);
}

static int key_vlan_strip(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_on_off(ps, k, line, &ps->cfg->vlan_strip);
}

static int key_rx_placement(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        if (strcmp(s, "cycles") == 0)
                ps->cfg->rx_placement = VSW_RX_PLACEMENT_CYCLES;
        else if (strcmp(s, "roundrobin") == 0)
                ps->cfg->rx_placement = VSW_RX_PLACEMENT_ROUNDROBIN;
        else
                return vsw_conf_fail(ps, line, "bad rx-placement '%s', expected %s", s, k->expect);
        return 0;
}

static int key_reconnect_interval(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 10, 3600000, &ps->cfg->reconnect_ms);
}

static int key_rx_mode(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *v = vsw_conf_value(ps, k, line);
        int m = v ? vsw_rx_mode_parse(v) : -1;

        if (!v)
                return -1;
        if (m < 0)
                return vsw_conf_fail(ps, line, "unknown %s '%s', expected %s", k->name, v,
                                     k->expect);
        ps->cfg->rx_mode = (uint32_t)m;
        return 0;
}

static int key_rx_adaptive_idle(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 100, 10000000, &ps->cfg->rx_adaptive_idle_us);
}

/* A size in bytes with an optional K, M, G or T suffix (powers of 1024). */
static int key_max_guest_memory(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        static const char suffixes[] = "KMGT";
        const char *s = vsw_conf_value(ps, k, line);
        char digits[VSW_CONF_STR];
        uint64_t n, unit = 1;
        size_t len;

        if (!s)
                return -1;
        len = strlen(s);
        snprintf(digits, sizeof(digits), "%s", s);
        const char *suffix = len ? strchr(suffixes, toupper((unsigned char)s[len - 1])) : NULL;
        if (suffix && *suffix) {
                unit = 1ULL << (10 * (suffix - suffixes + 1));
                digits[len - 1] = '\0';
        }
        if (vsw_conf_parse_u64(digits, 10, &n) < 0 || n > VSW_MAX_GUEST_MEMORY_LIMIT / unit ||
            n * unit < VSW_MIN_GUEST_MEMORY_LIMIT)
                return vsw_conf_fail(ps, line, "bad size '%s' for %s, expected %s", s, k->name,
                                     k->expect);
        ps->cfg->max_guest_memory = n * unit;
        return 0;
}

static int key_max_mem_slots(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        return vsw_conf_number(ps, k, line, 1, VSW_MAX_MEM_REGIONS, &ps->cfg->max_mem_slots);
}

static void boot_iface_defaults(struct vsw_boot_iface *ifc)
{
        memset(ifc, 0, sizeof(*ifc));
        ifc->feature_mask = ~0ULL;
        ifc->renumber = -1;
        ifc->mode = -1;
}

static int key_interface(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        (void)k;
        struct vsw_config *c = ps->cfg;
        if (c->nboot_ifaces == VSW_CONF_MAX_BOOT_IFACES)
                return vsw_conf_fail(ps, line, "more than %d interfaces, expected at most %d",
                                     VSW_CONF_MAX_BOOT_IFACES, VSW_CONF_MAX_BOOT_IFACES);
        struct vsw_boot_iface *ifc = &c->boot_ifaces[c->nboot_ifaces];
        boot_iface_defaults(ifc);
        ps->iface = ifc;
        if (vsw_conf_parse_block(ps, "vhost interface", line, iface_keys) < 0)
                return -1;
        if (!ifc->socket[0])
                return vsw_conf_fail(ps, line,
                                     "interface without a socket, expected 'socket <path>' in it");
        for (uint32_t i = 0; i < c->nboot_ifaces; i++) {
                if (strcmp(c->boot_ifaces[i].socket, ifc->socket) == 0)
                        return vsw_conf_fail(ps, line,
                                             "socket %s used by two interfaces, expected one each",
                                             ifc->socket);
                if (ifc->renumber >= 0 && c->boot_ifaces[i].renumber == ifc->renumber)
                        return vsw_conf_fail(
                            ps, line, "renumber %d used by two interfaces, expected one each",
                            (int)ifc->renumber);
        }
        c->nboot_ifaces++;
        return 0;
}

/* ---- logging ---- */

#define LEVEL_NAMES "one of emerg, err, warn, notice, info, debug"
#define CLASS_NAMES "one of general, config, vhost-user, rpc, vault, supervisor, dataplane"

static int level(struct parser *ps, const struct vsw_conf_key *k, unsigned line, const char *s)
{
        int lvl = vsw_log_level_from_name(s);
        if (lvl < 0)
                return vsw_conf_fail(ps, line, "unknown log level '%s' for %s, expected %s", s,
                                     k->name, LEVEL_NAMES);
        return lvl;
}

static int key_default_log_level(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        int lvl = s ? level(ps, k, line, s) : -1;
        if (lvl < 0)
                return -1;
        ps->cfg->default_log_level = (enum vsw_log_level)lvl;
        return 0;
}

static int key_class(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        int cls = vsw_log_class_from_name(s);
        if (cls < 0)
                return vsw_conf_fail(ps, line, "unknown log class '%s', expected %s", s,
                                     CLASS_NAMES);
        const struct vsw_conf_key level_key = {"class", "<class> <level>, level " LEVEL_NAMES,
                                               NULL};
        s = vsw_conf_value(ps, &level_key, line);
        int lvl = s ? level(ps, k, line, s) : -1;
        if (lvl < 0)
                return -1;
        ps->cfg->class_log_level[cls] = (int8_t)lvl;
        return 0;
}

/* ---- metrics ---- */

static int key_metrics_listen(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        struct sockaddr_storage ss;
        socklen_t len;
        const char *s = vsw_conf_value(ps, k, line);

        if (!s)
                return -1;
        if (strlen(s) >= sizeof(ps->cfg->metrics_listen) || vsw_listen_addr_parse(s, &ss, &len) < 0)
                return vsw_conf_fail(ps, line, "bad metrics listen address '%s', expected %s", s,
                                     k->expect);
        snprintf(ps->cfg->metrics_listen, sizeof(ps->cfg->metrics_listen), "%s", s);
        return 0;
}

/* ---- sections ---- */

static const struct vsw_conf_key unix_keys[] = {
    {"runtime-dir", "an absolute path", key_runtime_dir},
    {"cli-listen", "an endpoint like ipc:///run/vhostsw/cli.sock or tcp://127.0.0.1:5002",
     key_cli_listen},
    {"cli-tcp", "read-only or off", key_cli_tcp},
    {NULL, NULL, NULL},
};

static const struct vsw_conf_key cpu_keys[] = {
    {"main-core", "a core number 0-" STR(VSW_CONF_MAX_CORE), key_main_core},
    {"corelist-workers", "a core list like 1-2,4", key_corelist_workers},
    {NULL, NULL, NULL},
};

static const struct vsw_conf_key dpdk_keys[] = {
    {"huge-dir", "an absolute path", key_huge_dir},
    {"socket-mem", "megabytes 1-1048576", key_socket_mem},
    {"file-prefix", "a name of letters, digits, '-' and '_'", key_file_prefix},
    {"uplink", "a PCI address like 0000:03:00.0 or vdev devargs like net_tap0,iface=up0",
     key_uplink},
    {"uplink-bridge", "a bridge domain id 1-16777215", key_uplink_bridge},
    {"uplink-mtu", "bytes 68-65535", key_uplink_mtu},
    {"num-mbufs", "a count 1024-16777216", key_num_mbufs},
    /* The uplink's companions, as in vhost-switch; also accepted in vhost { }. */
    {"vm2vm", "0, 1 or 2", key_vm2vm},
    {"vlan-strip", "on or off", key_vlan_strip},
    {NULL, NULL, NULL},
};

static const struct vsw_conf_key vhost_keys[] = {
    {"rx-retry", "on or off", key_rx_retry},
    {"rx-retry-delay", "microseconds 0-100000", key_rx_retry_delay},
    {"rx-retry-num", "a count 0-1024", key_rx_retry_num},
    {"vm2vm", "0, 1 or 2", key_vm2vm},
    {"vlan-strip", "on or off", key_vlan_strip},
    {"reconnect-interval", "milliseconds 10-3600000", key_reconnect_interval},
    {"rx-placement", "cycles or roundrobin", key_rx_placement},
    {"max-guest-memory", "a size 1M-128T like 512G or 1T (K, M, G, T: powers of 1024)",
     key_max_guest_memory},
    {"max-mem-slots", "a count 1-509", key_max_mem_slots},
    {"rx-mode", "polling, interrupt or adaptive", key_rx_mode},
    {"rx-mode-adaptive-idle", "microseconds 100-10000000", key_rx_adaptive_idle},
    {"interface", "'{'", key_interface},
    {NULL, NULL, NULL},
};

static const struct vsw_conf_key logging_keys[] = {
    {"default-log-level", LEVEL_NAMES, key_default_log_level},
    {"class", "<class> <level>, class " CLASS_NAMES, key_class},
    {NULL, NULL, NULL},
};

static const struct vsw_conf_key metrics_keys[] = {
    {"listen", "an address and port like 127.0.0.1:9464 or [::1]:9464", key_metrics_listen},
    {NULL, NULL, NULL},
};

static const struct vsw_conf_section sections[] = {
    {"unix", unix_keys},   {"cpu", cpu_keys},         {"dpdk", dpdk_keys},
    {"vhost", vhost_keys}, {"logging", logging_keys}, {"metrics", metrics_keys},
    {NULL, NULL},
};

int vsw_config_parse(struct vsw_config *cfg, const char *path, const char *text, char *err,
                     unsigned errlen)
{
        return vsw_conf_parse(cfg, sections, path, text, err, errlen);
}
