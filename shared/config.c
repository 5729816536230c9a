/* startup.conf parser: a tokenizer (words, braces, # comments) under one
 * table of keys per section. Text is parsed into a copy of the config, so a
 * bad file leaves the caller's config untouched. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vault.h"

extern const char vsw_default_conf[];

#define STR_(x)        #x
#define STR(x)         STR_(x)
#define EMBEDDED_NAME  "startup.conf (embedded)"
#define MAX_FILE_BYTES (1u << 20)

enum tok_type { TOK_EOF, TOK_OPEN, TOK_CLOSE, TOK_WORD };

struct parser {
        const char *path; /* for messages */
        const char *p;
        unsigned line;
        char *err;
        unsigned errlen;
        struct vsw_config *cfg;
        struct vsw_boot_iface *iface; /* the `interface { }` being read */
        enum tok_type type;           /* the token just read */
        unsigned tok_line;
        char tok[VSW_CONF_STR];
        /* main-core and corelist-workers may come in any order: checked at the end */
        unsigned main_core_line, workers_line;
};

struct key {
        const char *name;
        const char *expect; /* what its value should look like */
        int (*parse)(struct parser *ps, const struct key *k, unsigned line);
};

static int fail(struct parser *ps, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, unsigned line, const char *fmt, ...)
{
        if (!ps->err || ps->errlen == 0)
                return -1;
        int n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->path, line);
        if (n >= 0 && (unsigned)n < ps->errlen) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
                va_end(ap);
        }
        return -1;
}

static const char *describe_token(const struct parser *ps)
{
        switch (ps->type) {
        case TOK_EOF:
                return "end of file";
        case TOK_OPEN:
                return "'{'";
        case TOK_CLOSE:
                return "'}'";
        default:
                return ps->tok;
        }
}

static int is_space(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads the next token into ps->type / ps->tok / ps->tok_line. */
static int next_token(struct parser *ps)
{
        for (;;) {
                unsigned char c = *ps->p;
                if (c == '\n') {
                        ps->line++;
                        ps->p++;
                } else if (is_space(c)) {
                        ps->p++;
                } else if (c == '#') {
                        while (*ps->p && *ps->p != '\n')
                                ps->p++;
                } else {
                        break;
                }
        }
        ps->tok_line = ps->line;
        ps->tok[0] = '\0';
        unsigned char c = *ps->p;
        if (c == '\0') {
                ps->type = TOK_EOF;
                return 0;
        }
        if (c == '{' || c == '}') {
                ps->type = c == '{' ? TOK_OPEN : TOK_CLOSE;
                ps->p++;
                return 0;
        }
        size_t n = 0;
        while (c > ' ' && c != 0x7f && c != '{' && c != '}' && c != '#') {
                if (n + 1 >= sizeof(ps->tok))
                        return fail(ps, ps->line,
                                    "word '%.32s...' is too long, expected at most %zu characters",
                                    ps->tok, sizeof(ps->tok) - 1);
                ps->tok[n++] = (char)c;
                ps->tok[n] = '\0';
                c = *++ps->p;
        }
        if (n == 0)
                return fail(ps, ps->line, "control character 0x%02x, expected text", c);
        ps->type = TOK_WORD;
        return 0;
}

/* The value of k: the next word, on the same line as the key. */
static const char *value(struct parser *ps, const struct key *k, unsigned line)
{
        if (next_token(ps) < 0)
                return NULL;
        if (ps->type != TOK_WORD || ps->tok_line != line) {
                fail(ps, line, "missing value for '%s', expected %s", k->name, k->expect);
                return NULL;
        }
        return ps->tok;
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
        const char *digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
        if (!*s || strspn(s, digits) != strlen(s))
                return -1;
        errno = 0;
        unsigned long long v = strtoull(s, NULL, base);
        if (errno)
                return -1;
        *out = v;
        return 0;
}

static int number(struct parser *ps, const struct key *k, unsigned line, uint64_t min, uint64_t max,
                  uint32_t *out)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        uint64_t v;
        if (parse_u64(s, 10, &v) < 0) {
                if (*s && strspn(s, "0123456789") == strlen(s))
                        return fail(ps, line, "%s %s is out of range, expected %s", k->name, s,
                                    k->expect);
                return fail(ps, line, "bad number '%s' for %s, expected %s", s, k->name, k->expect);
        }
        if (v < min || v > max)
                return fail(ps, line, "%s %s is out of range, expected %s", k->name, s, k->expect);
        *out = (uint32_t)v;
        return 0;
}

static int on_off(struct parser *ps, const struct key *k, unsigned line, uint8_t *out)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        if (strcmp(s, "on") == 0)
                *out = 1;
        else if (strcmp(s, "off") == 0)
                *out = 0;
        else
                return fail(ps, line, "bad value '%s' for %s, expected %s", s, k->name, k->expect);
        return 0;
}

/* An absolute path that, with `reserve` more characters, fits in size bytes. */
static int abs_path(struct parser *ps, const struct key *k, unsigned line, char *out, size_t size,
                    size_t reserve)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        if (s[0] != '/')
                return fail(ps, line, "%s '%s' is not an absolute path, expected %s", k->name, s,
                            k->expect);
        size_t len = strlen(s);
        if (len + reserve >= size)
                return fail(ps, line, "%s '%s' is too long (%zu characters), expected at most %zu",
                            k->name, s, len, size - reserve - 1);
        memcpy(out, s, len + 1);
        return 0;
}

/* A word of letters, digits and `extra`, shorter than size. */
static int plain_name(struct parser *ps, const struct key *k, unsigned line, const char *extra,
                      char *out, size_t size)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        size_t len = strlen(s);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];
                int alnum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && !strchr(extra, c))
                        return fail(ps, line, "bad %s '%s', expected %s", k->name, s, k->expect);
        }
        if (len >= size)
                return fail(ps, line, "%s '%s' is too long (%zu characters), expected at most %zu",
                            k->name, s, len, size - 1);
        memcpy(out, s, len + 1);
        return 0;
}

/* ---- unix ---- */

static int key_runtime_dir(struct parser *ps, const struct key *k, unsigned line)
{
        /* Sockets such as vault.sock live in it and must fit in sun_path. */
        return abs_path(ps, k, line, ps->cfg->runtime_dir, VSW_PATH_LEN,
                        1 + strlen(VSW_VAULT_SOCK_NAME));
}

static int key_cli_listen(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        size_t len = strlen(s);
        if (strncmp(s, "ipc://", 6) == 0) {
                if (len == 6)
                        return fail(ps, line, "cli-listen '%s' has no path, expected %s", s,
                                    k->expect);
                if (len - 6 >= VSW_PATH_LEN)
                        return fail(
                            ps, line,
                            "cli-listen '%s' is too long (%zu characters of path), expected at "
                            "most %d",
                            s, len - 6, VSW_PATH_LEN - 1);
        } else if (strncmp(s, "tcp://", 6) == 0) {
                if (len == 6 || !strchr(s + 6, ':'))
                        return fail(ps, line, "cli-listen '%s' has no port, expected %s", s,
                                    k->expect);
        } else {
                return fail(ps, line,
                            "cli-listen '%s' is not an ipc:// or tcp:// endpoint, expected %s", s,
                            k->expect);
        }
        memcpy(ps->cfg->cli_listen, s, len + 1);
        return 0;
}

/* ---- cpu ---- */

static int key_main_core(struct parser *ps, const struct key *k, unsigned line)
{
        ps->main_core_line = line;
        return number(ps, k, line, 0, VSW_CONF_MAX_CORE, &ps->cfg->main_core);
}

static int add_worker(struct parser *ps, const struct key *k, unsigned line, uint64_t core)
{
        struct vsw_config *c = ps->cfg;
        if (core > VSW_CONF_MAX_CORE)
                return fail(ps, line, "core %llu in %s is out of range, expected cores 0-%d",
                            (unsigned long long)core, k->name, VSW_CONF_MAX_CORE);
        for (uint32_t i = 0; i < c->nworkers; i++)
                if (c->worker_cores[i] == core)
                        return fail(ps, line,
                                    "core %llu listed twice in %s, expected each core once",
                                    (unsigned long long)core, k->name);
        if (c->nworkers == VSW_MAX_WORKERS)
                return fail(ps, line, "more than %d cores in %s, expected at most %d",
                            VSW_MAX_WORKERS, k->name, VSW_MAX_WORKERS);
        c->worker_cores[c->nworkers++] = (uint32_t)core;
        return 0;
}

/* "1-2,4": single cores and inclusive ranges, separated by commas. */
static int key_corelist_workers(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        char list[VSW_CONF_STR];
        snprintf(list, sizeof(list), "%s", s);
        ps->workers_line = line;
        ps->cfg->nworkers = 0;
        char *save = NULL;
        /* strtok_r would skip empty items silently */
        if (list[0] == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,"))
                return fail(ps, line, "bad core list '%s', expected %s", s, k->expect);
        for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *dash = strchr(item, '-');
                uint64_t first, last;
                if (dash)
                        *dash = '\0';
                if (parse_u64(item, 10, &first) < 0 || (dash && parse_u64(dash + 1, 10, &last) < 0))
                        return fail(ps, line, "bad core list '%s', expected %s", s, k->expect);
                if (!dash)
                        last = first;
                if (last < first)
                        return fail(ps, line, "range %s-%s in %s runs backwards, expected %s", item,
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

static int key_huge_dir(struct parser *ps, const struct key *k, unsigned line)
{
        return abs_path(ps, k, line, ps->cfg->huge_dir, VSW_CONF_STR, 0);
}

static int key_socket_mem(struct parser *ps, const struct key *k, unsigned line)
{
        return number(ps, k, line, 1, 1u << 20, &ps->cfg->socket_mem_mb);
}

static int key_file_prefix(struct parser *ps, const struct key *k, unsigned line)
{
        return plain_name(ps, k, line, "-_", ps->cfg->file_prefix, 64);
}

static int key_uplink(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        snprintf(ps->cfg->uplink, sizeof(ps->cfg->uplink), "%s", s);
        return 0;
}

static int key_num_mbufs(struct parser *ps, const struct key *k, unsigned line)
{
        return number(ps, k, line, 1024, 1u << 24, &ps->cfg->num_mbufs);
}

/* ---- vhost interface { } ---- */

static int key_socket(struct parser *ps, const struct key *k, unsigned line)
{
        return abs_path(ps, k, line, ps->iface->socket, VSW_PATH_LEN, 0);
}

static int key_server(struct parser *ps, const struct key *k, unsigned line)
{
        (void)k;
        (void)line;
        ps->iface->server = 1;
        return 0;
}

static int key_feature_mask(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        const char *hex = strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0 ? s + 2 : s;
        if (strlen(hex) > 16 || parse_u64(hex, 16, &ps->iface->feature_mask) < 0)
                return fail(ps, line, "bad feature-mask '%s', expected %s", s, k->expect);
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

static int key_hwaddr(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        uint8_t mac[6];
        if (strlen(s) != 17)
                return fail(ps, line, "bad hwaddr '%s', expected %s", s, k->expect);
        for (int i = 0; i < 6; i++) {
                int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
                if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
                        return fail(ps, line, "bad hwaddr '%s', expected %s", s, k->expect);
                mac[i] = (uint8_t)(hi << 4 | lo);
        }
        if (mac[0] & 1)
                return fail(ps, line, "hwaddr %s is a multicast address, expected %s", s,
                            k->expect);
        static const uint8_t zero[6];
        if (memcmp(mac, zero, sizeof(mac)) == 0)
                return fail(ps, line, "hwaddr %s is all zeros, expected %s", s, k->expect);
        memcpy(ps->iface->hwaddr, mac, sizeof(mac));
        ps->iface->hwaddr_set = 1;
        return 0;
}

static int key_renumber(struct parser *ps, const struct key *k, unsigned line)
{
        uint32_t v;
        if (number(ps, k, line, 0, INT32_MAX, &v) < 0)
                return -1;
        ps->iface->renumber = (int32_t)v;
        return 0;
}

/* User and group: a name (letters, digits, . _ - and a trailing $) or a number. */
static int key_owner(struct parser *ps, const struct key *k, unsigned line)
{
        return plain_name(ps, k, line, "._-$", ps->iface->owner, sizeof(ps->iface->owner));
}

static int key_group(struct parser *ps, const struct key *k, unsigned line)
{
        return plain_name(ps, k, line, "._-$", ps->iface->group, sizeof(ps->iface->group));
}

static int key_mode(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        size_t len = strlen(s);
        if (len == 0 || len > 4 || strspn(s, "01234567") != len)
                return fail(ps, line, "bad mode '%s', expected %s", s, k->expect);
        ps->iface->mode = (int32_t)strtol(s, NULL, 8);
        return 0;
}

static const struct key iface_keys[] = {
    {"socket", "an absolute path", key_socket},
    {"server", "", key_server},
    {"feature-mask", "a hex mask like 0x40000000", key_feature_mask},
    {"hwaddr", "a unicast MAC like 02:fe:00:00:00:01", key_hwaddr},
    {"renumber", "an instance number 0-2147483647", key_renumber},
    {"owner", "a user name or uid", key_owner},
    {"group", "a group name or gid", key_group},
    {"mode", "an octal mode like 0660", key_mode},
    {NULL, NULL, NULL},
};

/* ---- vhost ---- */

static int key_rx_retry(struct parser *ps, const struct key *k, unsigned line)
{
        return on_off(ps, k, line, &ps->cfg->rx_retry);
}

static int key_rx_retry_delay(struct parser *ps, const struct key *k, unsigned line)
{
        return number(ps, k, line, 0, 100000, &ps->cfg->rx_retry_delay_us);
}

static int key_rx_retry_num(struct parser *ps, const struct key *k, unsigned line)
{
        return number(ps, k, line, 0, 1024, &ps->cfg->rx_retry_num);
}

static int key_vm2vm(struct parser *ps, const struct key *k, unsigned line)
{
        return number(ps, k, line, 0, 2, &ps->cfg->vm2vm);
}

static int key_vlan_strip(struct parser *ps, const struct key *k, unsigned line)
{
        return on_off(ps, k, line, &ps->cfg->vlan_strip);
}

static int key_reconnect_interval(struct parser *ps, const struct key *k, unsigned line)
{
        return number(ps, k, line, 10, 3600000, &ps->cfg->reconnect_ms);
}

static void boot_iface_defaults(struct vsw_boot_iface *ifc)
{
        memset(ifc, 0, sizeof(*ifc));
        ifc->feature_mask = ~0ULL;
        ifc->renumber = -1;
        ifc->mode = -1;
}

static int parse_block(struct parser *ps, const char *section, unsigned line,
                       const struct key *keys);

static int key_interface(struct parser *ps, const struct key *k, unsigned line)
{
        (void)k;
        struct vsw_config *c = ps->cfg;
        if (c->nboot_ifaces == VSW_CONF_MAX_BOOT_IFACES)
                return fail(ps, line, "more than %d interfaces, expected at most %d",
                            VSW_CONF_MAX_BOOT_IFACES, VSW_CONF_MAX_BOOT_IFACES);
        struct vsw_boot_iface *ifc = &c->boot_ifaces[c->nboot_ifaces];
        boot_iface_defaults(ifc);
        ps->iface = ifc;
        if (parse_block(ps, "vhost interface", line, iface_keys) < 0)
                return -1;
        if (!ifc->socket[0])
                return fail(ps, line, "interface without a socket, expected 'socket <path>' in it");
        for (uint32_t i = 0; i < c->nboot_ifaces; i++) {
                if (strcmp(c->boot_ifaces[i].socket, ifc->socket) == 0)
                        return fail(ps, line, "socket %s used by two interfaces, expected one each",
                                    ifc->socket);
                if (ifc->renumber >= 0 && c->boot_ifaces[i].renumber == ifc->renumber)
                        return fail(ps, line,
                                    "renumber %d used by two interfaces, expected one each",
                                    (int)ifc->renumber);
        }
        c->nboot_ifaces++;
        return 0;
}

/* ---- logging ---- */

#define LEVEL_NAMES "one of emerg, err, warn, notice, info, debug"
#define CLASS_NAMES "one of general, config, vhost-user, rpc, vault, supervisor, dataplane"

static int level(struct parser *ps, const struct key *k, unsigned line, const char *s)
{
        int lvl = vsw_log_level_from_name(s);
        if (lvl < 0)
                return fail(ps, line, "unknown log level '%s' for %s, expected %s", s, k->name,
                            LEVEL_NAMES);
        return lvl;
}

static int key_default_log_level(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        int lvl = s ? level(ps, k, line, s) : -1;
        if (lvl < 0)
                return -1;
        ps->cfg->default_log_level = (enum vsw_log_level)lvl;
        return 0;
}

static int key_class(struct parser *ps, const struct key *k, unsigned line)
{
        const char *s = value(ps, k, line);
        if (!s)
                return -1;
        int cls = vsw_log_class_from_name(s);
        if (cls < 0)
                return fail(ps, line, "unknown log class '%s', expected %s", s, CLASS_NAMES);
        const struct key level_key = {"class", "<class> <level>, level " LEVEL_NAMES, NULL};
        s = value(ps, &level_key, line);
        int lvl = s ? level(ps, k, line, s) : -1;
        if (lvl < 0)
                return -1;
        ps->cfg->class_log_level[cls] = (int8_t)lvl;
        return 0;
}

/* ---- sections ---- */

static const struct key unix_keys[] = {
    {"runtime-dir", "an absolute path", key_runtime_dir},
    {"cli-listen", "an endpoint like ipc:///run/vhostsw/cli.sock or tcp://127.0.0.1:5002",
     key_cli_listen},
    {NULL, NULL, NULL},
};

static const struct key cpu_keys[] = {
    {"main-core", "a core number 0-" STR(VSW_CONF_MAX_CORE), key_main_core},
    {"corelist-workers", "a core list like 1-2,4", key_corelist_workers},
    {NULL, NULL, NULL},
};

static const struct key dpdk_keys[] = {
    {"huge-dir", "an absolute path", key_huge_dir},
    {"socket-mem", "megabytes 1-1048576", key_socket_mem},
    {"file-prefix", "a name of letters, digits, '-' and '_'", key_file_prefix},
    {"uplink", "PCI address or vdev devargs", key_uplink},
    {"num-mbufs", "a count 1024-16777216", key_num_mbufs},
    {NULL, NULL, NULL},
};

static const struct key vhost_keys[] = {
    {"rx-retry", "on or off", key_rx_retry},
    {"rx-retry-delay", "microseconds 0-100000", key_rx_retry_delay},
    {"rx-retry-num", "a count 0-1024", key_rx_retry_num},
    {"vm2vm", "0, 1 or 2", key_vm2vm},
    {"vlan-strip", "on or off", key_vlan_strip},
    {"reconnect-interval", "milliseconds 10-3600000", key_reconnect_interval},
    {"interface", "'{'", key_interface},
    {NULL, NULL, NULL},
};

static const struct key logging_keys[] = {
    {"default-log-level", LEVEL_NAMES, key_default_log_level},
    {"class", "<class> <level>, class " CLASS_NAMES, key_class},
    {NULL, NULL, NULL},
};

static const struct section {
        const char *name;
        const struct key *keys;
} sections[] = {
    {"unix", unix_keys},   {"cpu", cpu_keys},         {"dpdk", dpdk_keys},
    {"vhost", vhost_keys}, {"logging", logging_keys}, {NULL, NULL},
};

static void key_names(const struct key *keys, char *out, size_t size)
{
        size_t n = 0;
        out[0] = '\0';
        for (const struct key *k = keys; k->name && n < size; k++)
                n += snprintf(out + n, size - n, "%s%s", k == keys ? "" : ", ", k->name);
}

/* `{ key value ... }` after a section or interface name given at line. */
static int parse_block(struct parser *ps, const char *section, unsigned line,
                       const struct key *keys)
{
        char names[VSW_CONF_STR];
        key_names(keys, names, sizeof(names));
        if (next_token(ps) < 0)
                return -1;
        if (ps->type != TOK_OPEN)
                return fail(ps, ps->tok_line, "%s after '%s', expected '{'", describe_token(ps),
                            section);
        for (;;) {
                if (next_token(ps) < 0)
                        return -1;
                if (ps->type == TOK_CLOSE)
                        return 0;
                if (ps->type == TOK_EOF)
                        return fail(ps, ps->tok_line,
                                    "end of file inside '%s' opened at line %u, expected '}'",
                                    section, line);
                if (ps->type == TOK_OPEN)
                        return fail(ps, ps->tok_line,
                                    "'{' without a key in section '%s', expected one of %s",
                                    section, names);
                const struct key *k = keys;
                while (k->name && strcmp(k->name, ps->tok) != 0)
                        k++;
                if (!k->name)
                        return fail(ps, ps->tok_line,
                                    "unknown key '%s' in section '%s', expected one of %s", ps->tok,
                                    section, names);
                if (k->parse(ps, k, ps->tok_line) < 0)
                        return -1;
        }
}

static int check_workers(struct parser *ps)
{
        const struct vsw_config *c = ps->cfg;
        unsigned line =
            ps->workers_line > ps->main_core_line ? ps->workers_line : ps->main_core_line;
        for (uint32_t i = 0; i < c->nworkers; i++)
                if (c->worker_cores[i] == c->main_core)
                        return fail(ps, line,
                                    "corelist-workers includes main-core %u, expected worker cores "
                                    "other than the main core",
                                    c->main_core);
        return 0;
}

static int parse_all(struct parser *ps)
{
        for (;;) {
                if (next_token(ps) < 0)
                        return -1;
                if (ps->type == TOK_EOF)
                        return check_workers(ps);
                const struct section *sec = sections;
                while (sec->name && (ps->type != TOK_WORD || strcmp(sec->name, ps->tok) != 0))
                        sec++;
                if (!sec->name && ps->type != TOK_WORD)
                        return fail(ps, ps->tok_line,
                                    "unexpected %s, expected a section: one of unix, cpu, dpdk, "
                                    "vhost, logging",
                                    describe_token(ps));
                if (!sec->name)
                        return fail(ps, ps->tok_line,
                                    "unknown section '%s', expected one of unix, cpu, dpdk, vhost, "
                                    "logging",
                                    ps->tok);
                if (parse_block(ps, sec->name, ps->tok_line, sec->keys) < 0)
                        return -1;
        }
}

void vsw_config_defaults(struct vsw_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        snprintf(cfg->runtime_dir, sizeof(cfg->runtime_dir), "/run/vhostsw");
        snprintf(cfg->cli_listen, sizeof(cfg->cli_listen), "ipc:///run/vhostsw/cli.sock");
        cfg->main_core = 0;
        cfg->nworkers = 0;
        snprintf(cfg->huge_dir, sizeof(cfg->huge_dir), "/dev/hugepages");
        cfg->socket_mem_mb = 256;
        snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "vhostsw");
        cfg->num_mbufs = 16384;
        cfg->rx_retry = 1;
        cfg->rx_retry_delay_us = 15;
        cfg->rx_retry_num = 4;
        cfg->vm2vm = 1;
        cfg->vlan_strip = 0;
        cfg->reconnect_ms = 1000;
        cfg->default_log_level = VSW_LOG_INFO;
        for (int c = 0; c < VSW_LOG_CLASS_MAX; c++)
                cfg->class_log_level[c] = -1;
}

int vsw_config_parse(struct vsw_config *cfg, const char *path, const char *text, char *err,
                     unsigned errlen)
{
        struct vsw_config *work = malloc(sizeof(*work));
        if (!work) {
                if (err && errlen)
                        snprintf(err, errlen, "%s: out of memory, expected to parse the config",
                                 path ? path : EMBEDDED_NAME);
                return -1;
        }
        *work = *cfg;
        struct parser ps = {
            .path = path ? path : EMBEDDED_NAME,
            .p = text,
            .line = 1,
            .err = err,
            .errlen = errlen,
            .cfg = work,
        };
        int rc = parse_all(&ps);
        if (rc == 0) {
                snprintf(work->path, sizeof(work->path), "%s", path ? path : "");
                *cfg = *work;
        }
        free(work);
        return rc;
}

/* Reads a whole file, NUL-terminated, into *text (the caller frees it). */
static int read_file(const char *path, char **text, size_t *len, char *err, unsigned errlen)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) < 0) {
                snprintf(err, errlen, "%s: cannot open (%s), expected a readable startup.conf",
                         path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > MAX_FILE_BYTES) {
                snprintf(err, errlen,
                         "%s: not a regular file of at most %u bytes, expected a startup.conf",
                         path, MAX_FILE_BYTES);
                close(fd);
                return -1;
        }
        char *buf = malloc((size_t)sb.st_size + 1);
        if (!buf) {
                snprintf(err, errlen, "%s: out of memory, expected to read the config", path);
                close(fd);
                return -1;
        }
        size_t got = 0;
        while (got < (size_t)sb.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        snprintf(err, errlen,
                                 "%s: cannot read (%s), expected a readable startup.conf", path,
                                 strerror(errno));
                        free(buf);
                        close(fd);
                        return -1;
                }
                if (n == 0)
                        break; /* shrank while we read: parse what is there */
                got += (size_t)n;
        }
        close(fd);
        buf[got] = '\0';
        *text = buf;
        *len = got;
        return 0;
}

int vsw_config_load(struct vsw_config *cfg, const char *path, char *err, unsigned errlen)
{
        char dummy[1];
        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        vsw_config_defaults(cfg);
        if (!path)
                return vsw_config_parse(cfg, NULL, vsw_default_conf, err, errlen);
        if (strlen(path) >= sizeof(cfg->path)) {
                snprintf(err, errlen,
                         "config path '%.64s...' is too long, expected at most %zu characters",
                         path, sizeof(cfg->path) - 1);
                return -1;
        }
        char *text;
        size_t len;
        if (read_file(path, &text, &len, err, errlen) < 0)
                return -1;
        /* The tokenizer stops at a NUL: one inside the file would hide the rest. */
        const char *nul = memchr(text, '\0', len);
        if (nul) {
                unsigned line = 1;
                for (const char *c = text; c < nul; c++)
                        line += *c == '\n';
                snprintf(err, errlen, "%s:%u: NUL byte, expected text", path, line);
                free(text);
                return -1;
        }
        int rc = vsw_config_parse(cfg, path, text, err, errlen);
        free(text);
        return rc;
}
