/* shared/vault_keys.c: every key an interface's fds live under formats and
 * parses back to itself; what was not written by vsw_key_format (another
 * interface's key, a prefix, leading zeros, an unknown kind) does not parse. */
#include <string.h>

#include "unit_check.h"
#include "vault_keys.h"

static void round_trips(void)
{
        static const struct {
                struct vsw_key k;
                const char *text;
        } keys[] = {
            {{VSW_KEY_LISTEN, 0, 0}, "if7/listen"},   {{VSW_KEY_CONN, 0, 0}, "if7/conn"},
            {{VSW_KEY_MEM, 12, 3}, "if7/mem/g12/3"},  {{VSW_KEY_LOG, 4, 0}, "if7/log/4"},
            {{VSW_KEY_LOGFD, 0, 0}, "if7/logfd"},     {{VSW_KEY_KICK, 5, 0}, "if7/vq5/kick"},
            {{VSW_KEY_CALL, 15, 0}, "if7/vq15/call"}, {{VSW_KEY_ERR, 0, 0}, "if7/vq0/err"},
            {{VSW_KEY_BACKEND, 0, 0}, "if7/backend"},
        };
        char key[VSW_VAULT_KEY_LEN];
        struct vsw_key k;

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                vsw_key_format(key, 7, keys[i].k);
                CHECK(strcmp(key, keys[i].text) == 0, "format %s (got %s)", keys[i].text, key);
                CHECK(vsw_key_parse(key, 7, &k) == 0 && k.kind == keys[i].k.kind &&
                          k.a == keys[i].k.a && k.b == keys[i].k.b,
                      "parse %s", key);
                CHECK(!vsw_key_is_prefix(keys[i].k), "%s is a key", key);
        }
}

static void prefixes(void)
{
        char key[VSW_VAULT_KEY_LEN];

        vsw_key_format(key, 3, (struct vsw_key){.kind = VSW_KEY_ALL});
        CHECK(strcmp(key, "if3/") == 0, "every key of if3: %s", key);
        vsw_key_format(key, 3, (struct vsw_key){.kind = VSW_KEY_MEM_ALL});
        CHECK(strcmp(key, "if3/mem/") == 0, "every memory region: %s", key);
        vsw_key_format(key, 3, (struct vsw_key){.kind = VSW_KEY_VQ_ALL});
        CHECK(strcmp(key, "if3/vq") == 0, "every vring fd: %s", key);
        CHECK(vsw_key_is_prefix((struct vsw_key){.kind = VSW_KEY_MEM_ALL}), "mem/ is a prefix");
}

static void refusals(void)
{
        static const char *const bad[] = {
            "if8/conn",      "if7/",
            "if7/mem/g12/",  "if7/mem/g012/3",
            "if7/vq+1/call", "if7/vq1/calls",
            "if7/vq1/",      "if7/log/",
            "if7/listen/",   "if7/mem/g1/2/3",
            "if7/connx",     "if77/listen",
            "iff/mem/g1/2",  "",
        };
        struct vsw_key k;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(vsw_key_parse(bad[i], 7, &k) < 0, "'%s' is not a key of if7", bad[i]);
}

/* vhostd's own keys lie outside every interface's prefix: withdrawing an
 * interface's keys never takes them, and they never parse as one. */
static void global_keys(void)
{
        const char *m = vsw_global_key(VSW_GKEY_METRICS_LISTEN);
        char all[VSW_VAULT_KEY_LEN];
        struct vsw_key k;

        CHECK(strcmp(m, "metrics/listen") == 0, "metrics key is '%s'", m);
        vsw_key_format(all, 1, (struct vsw_key){VSW_KEY_ALL, 0, 0});
        CHECK(strncmp(m, all, strlen(all)) != 0, "'%s' is under '%s'", m, all);
        CHECK(vsw_key_parse(m, 1, &k) < 0, "'%s' parses as an interface key", m);
}

int main(void)
{
        global_keys();
        round_trips();
        prefixes();
        refusals();
        return t_report();
}
