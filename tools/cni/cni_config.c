#include "cni_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni_error.h"

#define BD_ID_MAX  16777215
#define VLAN_MAX   4094
#define IFNAME_MAX 15 /* IFNAMSIZ - 1: the name a pod would give it */
#define MODE_MAX   07777

const char *const cni_supported_versions[] = {"0.4.0", "1.0.0", NULL};

/* The keys a config may hold: the spec's and ours. Anything else is a
 * mistyped key, better refused than silently ignored. */
static const char *const known_keys[] = {
    "cniVersion",   "name",       "type",          "args",         "ipMasq",     "ipam",
    "dns",          "prevResult", "runtimeConfig", "capabilities", "endpoint",   "socketDir",
    "bridgeDomain", "vlan",       "socketOwner",   "socketGroup",  "socketMode", NULL};

/* Error lines quote what they were given: keep them one printable line
 * (and, for the environment, plain ASCII: it need not be UTF-8). */
static void sanitize(char *err, int ascii)
{
        for (unsigned char *p = (unsigned char *)err; *p; p++)
                if (*p < 0x20 || *p == 0x7f || (ascii && *p >= 0x80))
                        *p = '?';
}

static int fail(char *err, size_t errlen, int code, const char *fmt, const char *what)
{
        snprintf(err, errlen, fmt, what);
        return code;
}

/* A string member: absent leaves dst as it is. */
static int get_string(json_t *root, const char *key, char *dst, size_t len, int required, char *err,
                      size_t errlen)
{
        json_t *v = json_object_get(root, key);
        const char *s;

        if (!v)
                return required ? fail(err, errlen, CNI_ERR_CONFIG,
                                       "network config: '%s' is missing", key)
                                : 0;
        if (!json_is_string(v))
                return fail(err, errlen, CNI_ERR_CONFIG, "network config: '%s' is not a string",
                            key);
        s = json_string_value(v);
        if (strlen(s) != json_string_length(v) || strlen(s) >= len)
                return fail(err, errlen, CNI_ERR_CONFIG,
                            "network config: '%s' is too long or holds a NUL", key);
        memcpy(dst, s, strlen(s) + 1);
        return 0;
}

static int get_uint(json_t *root, const char *key, uint32_t min, uint32_t max, uint32_t *dst,
                    char *err, size_t errlen)
{
        json_t *v = json_object_get(root, key);
        json_int_t n;

        if (!v)
                return 0;
        if (!json_is_integer(v))
                return fail(err, errlen, CNI_ERR_CONFIG, "network config: '%s' is not an integer",
                            key);
        n = json_integer_value(v);
        if (n < min || n > max) {
                snprintf(err, errlen, "network config: '%s' %lld is out of range %u-%u", key,
                         (long long)n, min, max);
                return CNI_ERR_CONFIG;
        }
        *dst = (uint32_t)n;
        return 0;
}

/* Names and numbers of users and groups, nothing a path could hide in. */
static int account_ok(const char *s)
{
        if (!*s)
                return 1;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr("_-.", *s))
                        return 0;
        return 1;
}

/* The spec's rule for network names and container ids; it also keeps
 * them to one path component, which host-local's lease directory and our
 * per-pod directory rely on. */
static int name_ok(const char *s)
{
        if (!isalnum((unsigned char)s[0]))
                return 0;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
                        return 0;
        return 1;
}

static int check_keys(json_t *root, char *err, size_t errlen)
{
        const char *key;
        json_t *v;

        json_object_foreach(root, key, v)
        {
                int known = 0;

                for (int i = 0; known_keys[i]; i++)
                        known |= !strcmp(key, known_keys[i]);
                if (!known) {
                        char q[64];

                        snprintf(q, sizeof(q), "%.40s", key);
                        return fail(err, errlen, CNI_ERR_FIELD,
                                    "network config: unsupported field '%s'", q);
                }
        }
        return 0;
}

static int check_version(const char *v, char *err, size_t errlen)
{
        for (int i = 0; cni_supported_versions[i]; i++)
                if (!strcmp(v, cni_supported_versions[i]))
                        return 0;
        return fail(err, errlen, CNI_ERR_VERSION,
                    "network config: cniVersion '%s' is not supported (0.4.0, 1.0.0)", v);
}

static int parse_mode(json_t *root, struct cni_config *c, char *err, size_t errlen)
{
        char s[8] = "", *end;
        unsigned long m;
        int rc = get_string(root, "socketMode", s, sizeof(s), 0, err, errlen);

        if (rc || !*s)
                return rc;
        /* A string: JSON has no octal numbers, and 660 would mean 01224. */
        m = strtoul(s, &end, 8);
        if (*end || !isdigit((unsigned char)s[0]) || m > MODE_MAX)
                return fail(err, errlen, CNI_ERR_CONFIG,
                            "network config: socketMode '%s' is not an octal file mode", s);
        c->mode = (int32_t)m;
        return 0;
}

/* Only the runtime's key vhostsw-cni uses; the rest is the runtime's. */
static int parse_runtime_config(json_t *root, struct cni_config *c, char *err, size_t errlen)
{
        json_t *rc = json_object_get(root, "runtimeConfig");
        int r;

        if (!rc)
                return 0;
        if (!json_is_object(rc))
                return fail(err, errlen, CNI_ERR_CONFIG, "network config: '%s' is not an object",
                            "runtimeConfig");
        r = get_string(rc, "CNIDeviceInfoFile", c->devinfo_file, sizeof(c->devinfo_file), 0, err,
                       errlen);
        if (r)
                return r;
        if (c->devinfo_file[0] && (c->devinfo_file[0] != '/' || strstr(c->devinfo_file, "..")))
                return fail(err, errlen, CNI_ERR_CONFIG,
                            "network config: CNIDeviceInfoFile '%s' is not an absolute path "
                            "without '..'",
                            c->devinfo_file);
        return 0;
}

static int parse_ipam(json_t *root, struct cni_config *c, char *err, size_t errlen)
{
        json_t *ipam = json_object_get(root, "ipam");
        int rc;

        if (!ipam)
                return 0;
        if (!json_is_object(ipam))
                return fail(err, errlen, CNI_ERR_CONFIG, "network config: '%s' is not an object",
                            "ipam");
        rc = get_string(ipam, "type", c->ipam_type, sizeof(c->ipam_type), 1, err, errlen);
        if (rc)
                return rc;
        /* It is run from CNI_PATH by this name: a plain file name only. */
        if (!*c->ipam_type || strchr(c->ipam_type, '/') || c->ipam_type[0] == '.')
                return fail(err, errlen, CNI_ERR_CONFIG,
                            "network config: ipam type '%s' is not a plugin name", c->ipam_type);
        return 0;
}

int cni_config_parse(const char *buf, size_t len, struct cni_config *c, char *err, size_t errlen)
{
        json_error_t je;
        json_t *root, *prev;
        char type[64];
        int rc;

        memset(c, 0, sizeof(*c));
        c->mode = -1;
        snprintf(c->endpoint, sizeof(c->endpoint), "%s", CNI_DEFAULT_ENDPOINT);
        snprintf(c->socket_dir, sizeof(c->socket_dir), "%s", CNI_DEFAULT_SOCKET_DIR);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!root) {
                snprintf(err, errlen, "network config: not JSON: %s (line %d)", je.text, je.line);
                sanitize(err, 0);
                return CNI_ERR_DECODE;
        }
        if (!json_is_object(root)) {
                rc = fail(err, errlen, CNI_ERR_CONFIG, "network config: %s", "not an object");
                goto out;
        }
        if ((rc = check_keys(root, err, errlen)) ||
            (rc = get_string(root, "cniVersion", c->cni_version, sizeof(c->cni_version), 1, err,
                             errlen)) ||
            (rc = check_version(c->cni_version, err, errlen)) ||
            (rc = get_string(root, "name", c->name, sizeof(c->name), 1, err, errlen)) ||
            (rc = get_string(root, "type", type, sizeof(type), 1, err, errlen)) ||
            (rc = get_string(root, "endpoint", c->endpoint, sizeof(c->endpoint), 0, err, errlen)) ||
            (rc = get_string(root, "socketDir", c->socket_dir, sizeof(c->socket_dir), 0, err,
                             errlen)) ||
            (rc = get_uint(root, "bridgeDomain", 1, BD_ID_MAX, &c->bridge, err, errlen)) ||
            (rc = get_uint(root, "vlan", 0, VLAN_MAX, &c->vlan, err, errlen)) ||
            (rc = get_string(root, "socketOwner", c->owner, sizeof(c->owner), 0, err, errlen)) ||
            (rc = get_string(root, "socketGroup", c->group, sizeof(c->group), 0, err, errlen)) ||
            (rc = parse_mode(root, c, err, errlen)) || (rc = parse_ipam(root, c, err, errlen)) ||
            (rc = parse_runtime_config(root, c, err, errlen)))
                goto out;
        /* host-local keeps its leases under a directory of this name. */
        if (!name_ok(c->name)) {
                rc = fail(err, errlen, CNI_ERR_CONFIG,
                          "network config: name '%s': letters, digits, '_', '.', '-' only, "
                          "starting with a letter or digit",
                          c->name);
                goto out;
        }
        if (!c->bridge) {
                rc = fail(err, errlen, CNI_ERR_CONFIG, "network config: '%s' is missing",
                          "bridgeDomain");
                goto out;
        }
        if (c->socket_dir[0] != '/' || strstr(c->socket_dir, "..")) {
                rc = fail(err, errlen, CNI_ERR_CONFIG,
                          "network config: socketDir '%s' is not an absolute path without '..'",
                          c->socket_dir);
                goto out;
        }
        if (!account_ok(c->owner) || !account_ok(c->group)) {
                rc = fail(err, errlen, CNI_ERR_CONFIG, "network config: %s",
                          "socketOwner or socketGroup is not a user or group name");
                goto out;
        }
        prev = json_object_get(root, "prevResult");
        if (prev && !json_is_object(prev)) {
                rc = fail(err, errlen, CNI_ERR_CONFIG, "network config: '%s' is not an object",
                          "prevResult");
                goto out;
        }
        c->prev_result = json_incref(prev);
        rc = 0;
out:
        json_decref(root);
        if (rc)
                sanitize(err, 0);
        return rc;
}

void cni_config_free(struct cni_config *c)
{
        json_decref(c->prev_result);
        c->prev_result = NULL;
}

static int ifname_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
                return 0;
        for (; *s; s++)
                if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
                    !isprint((unsigned char)*s))
                        return 0;
        return 1;
}

static int need(const char *name, const char **dst, char *err, size_t errlen)
{
        *dst = getenv(name);
        if (!*dst || !**dst)
                return fail(err, errlen, CNI_ERR_ENV, "%s is not set", name);
        return 0;
}

static int env_read(struct cni_env *e, char *err, size_t errlen)
{
        int add, del, check;

        memset(e, 0, sizeof(*e));
        if (need("CNI_COMMAND", &e->command, err, errlen))
                return CNI_ERR_ENV;
        add = !strcmp(e->command, "ADD");
        del = !strcmp(e->command, "DEL");
        check = !strcmp(e->command, "CHECK");
        if (!add && !del && !check) {
                if (!strcmp(e->command, "VERSION"))
                        return 0;
                return fail(err, errlen, CNI_ERR_ENV,
                            "CNI_COMMAND '%s' is not ADD, DEL, CHECK or VERSION", e->command);
        }
        if (need("CNI_CONTAINERID", &e->container_id, err, errlen) ||
            need("CNI_IFNAME", &e->ifname, err, errlen))
                return CNI_ERR_ENV;
        if (!name_ok(e->container_id))
                return fail(err, errlen, CNI_ERR_ENV,
                            "CNI_CONTAINERID '%s': letters, digits, '_', '.', '-' only, "
                            "starting with a letter or digit",
                            e->container_id);
        if (!ifname_ok(e->ifname))
                return fail(err, errlen, CNI_ERR_ENV, "CNI_IFNAME '%s' is not an interface name",
                            e->ifname);
        /* DEL may come after the namespace is gone: only ADD and CHECK need it. */
        if (!del && need("CNI_NETNS", &e->netns, err, errlen))
                return CNI_ERR_ENV;
        e->path = getenv("CNI_PATH");
        return 0;
}

int cni_env_read(struct cni_env *e, char *err, size_t errlen)
{
        int rc = env_read(e, err, errlen);

        if (rc)
                sanitize(err, 1);
        return rc;
}

int cni_socket_paths(const struct cni_config *c, const struct cni_env *e, char *dir, size_t dirlen,
                     char *sock, size_t socklen, char *err, size_t errlen)
{
        int n = snprintf(dir, dirlen, "%s/%s", c->socket_dir, e->container_id);
        int m = snprintf(sock, socklen, "%s/%s.sock", dir, e->ifname);

        if (n < 0 || (size_t)n >= dirlen || m < 0 || (size_t)m >= socklen ||
            (size_t)m >= CNI_SOCK_PATH_MAX) {
                fail(err, errlen, CNI_ERR_CONFIG,
                     "socketDir '%s' is too long for a unix socket path with the "
                     "container id and interface name",
                     c->socket_dir);
                sanitize(err, 0);
                return CNI_ERR_CONFIG;
        }
        return 0;
}
