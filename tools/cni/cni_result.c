#include "cni_result.h"

#include <stdio.h>
#include <string.h>

static void mac_text(const uint8_t mac[6], char out[18])
{
        snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
}

/* Copies the IPAM result's ips (pointed at interface 1), routes and dns. */
static int add_ipam(json_t *r, json_t *ipam)
{
        json_t *ips = json_object_get(ipam, "ips"), *ip, *out;
        size_t i;

        if (json_is_array(ips)) {
                out = json_array();
                if (!out || json_object_set_new(r, "ips", out))
                        return -1;
                json_array_foreach(ips, i, ip)
                {
                        json_t *copy = json_deep_copy(ip);

                        if (!json_is_object(copy) ||
                            json_object_set_new(copy, "interface", json_integer(1)) ||
                            json_array_append_new(out, copy))
                                return -1;
                }
        }
        if (json_object_get(ipam, "routes") &&
            json_object_set_new(r, "routes", json_deep_copy(json_object_get(ipam, "routes"))))
                return -1;
        if (json_object_get(ipam, "dns") &&
            json_object_set_new(r, "dns", json_deep_copy(json_object_get(ipam, "dns"))))
                return -1;
        return 0;
}

json_t *cni_result_add(const struct cni_config *c, const struct cni_env *e, const char *host_name,
                       const char *sock, const uint8_t mac[6], json_t *ipam)
{
        char m[18];
        json_t *r;

        mac_text(mac, m);
        r = json_pack("{s:s, s:[{s:s}, {s:s, s:s, s:s, s:s}]}", "cniVersion", c->cni_version,
                      "interfaces", "name", host_name, "name", e->ifname, "mac", m, "sandbox",
                      e->netns, "socketPath", sock);
        if (r && ipam && add_ipam(r, ipam)) {
                json_decref(r);
                return NULL;
        }
        return r;
}

int cni_result_matches(json_t *prev, const struct cni_env *e, const char *sock,
                       const uint8_t mac[6], char *err, size_t errlen)
{
        json_t *ifaces = json_object_get(prev, "interfaces"), *i;
        char m[18];
        size_t k;

        mac_text(mac, m);
        json_array_foreach(ifaces, k, i)
        {
                const char *name = json_string_value(json_object_get(i, "name"));
                const char *path = json_string_value(json_object_get(i, "socketPath"));
                const char *hw = json_string_value(json_object_get(i, "mac"));

                if (!name || strcmp(name, e->ifname))
                        continue;
                if (!path || strcmp(path, sock)) {
                        snprintf(err, errlen, "prevResult: %s has socketPath '%s', expected '%s'",
                                 e->ifname, path ? path : "", sock);
                        return -1;
                }
                if (!hw || strcasecmp(hw, m)) {
                        snprintf(err, errlen, "prevResult: %s has mac '%s', expected '%s'",
                                 e->ifname, hw ? hw : "", m);
                        return -1;
                }
                return 0;
        }
        snprintf(err, errlen, "prevResult has no interface %s", e->ifname);
        return -1;
}

int cni_print(json_t *j)
{
        int rc = json_dumpf(j, stdout, JSON_INDENT(2)) ? -1 : 0;

        json_decref(j);
        if (putchar('\n') == EOF || fflush(stdout) == EOF)
                rc = -1;
        return rc;
}

void cni_print_error(const char *version, int code, const char *msg)
{
        json_t *j = json_pack("{s:s, s:i, s:s}", "cniVersion", version, "code", code, "msg", msg);

        /* Not UTF-8 (a peer's words quoted): the code alone still tells. */
        if (!j)
                j = json_pack("{s:s, s:i, s:s}", "cniVersion", version, "code", code, "msg",
                              "(error message not UTF-8)");

        if (!j || cni_print(j))
                fprintf(stderr, "vhostsw-cni: error %d: %s\n", code, msg);
}
