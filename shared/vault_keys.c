#include "vault_keys.h"

#include <stdio.h>
#include <string.h>

static const char *const vq_fd_name[] = {
    [VSW_KEY_KICK] = "kick",
    [VSW_KEY_CALL] = "call",
    [VSW_KEY_ERR] = "err",
};

const char *vsw_global_key(enum vsw_global_key k)
{
        switch (k) {
        case VSW_GKEY_METRICS_LISTEN:
                return "metrics/listen";
        }
        return "";
}

void vsw_key_format(char key[VSW_VAULT_KEY_LEN], uint32_t sw_if_index, struct vsw_key k)
{
        int n = snprintf(key, VSW_VAULT_KEY_LEN, "if%u/", sw_if_index);
        char *s = key + n;
        size_t left = VSW_VAULT_KEY_LEN - (size_t)n;

        switch (k.kind) {
        case VSW_KEY_LISTEN:
                snprintf(s, left, "listen");
                break;
        case VSW_KEY_CONN:
                snprintf(s, left, "conn");
                break;
        case VSW_KEY_MEM:
                snprintf(s, left, "mem/g%u/%u", k.a, k.b);
                break;
        case VSW_KEY_LOG:
                snprintf(s, left, "log/%u", k.a);
                break;
        case VSW_KEY_LOGFD:
                snprintf(s, left, "logfd");
                break;
        case VSW_KEY_KICK:
        case VSW_KEY_CALL:
        case VSW_KEY_ERR:
                snprintf(s, left, "vq%u/%s", k.a, vq_fd_name[k.kind]);
                break;
        case VSW_KEY_BACKEND:
                snprintf(s, left, "backend");
                break;
        case VSW_KEY_ALL:
                break;
        case VSW_KEY_MEM_ALL:
                snprintf(s, left, "mem/");
                break;
        case VSW_KEY_LOG_ALL:
                snprintf(s, left, "log/");
                break;
        case VSW_KEY_VQ_ALL:
                snprintf(s, left, "vq");
                break;
        }
}

/* The same key formatted again: numbers with leading zeros or signs, which
 * sscanf would take, are not keys we wrote. */
static int canonical(const char *key, uint32_t sw_if_index, struct vsw_key *k)
{
        char again[VSW_VAULT_KEY_LEN];

        vsw_key_format(again, sw_if_index, *k);
        return strcmp(again, key) == 0 ? 0 : -1;
}

int vsw_key_parse(const char *key, uint32_t sw_if_index, struct vsw_key *k)
{
        static const struct {
                const char *name;
                enum vsw_key_kind kind;
        } plain[] = {
            {"listen", VSW_KEY_LISTEN},
            {"conn", VSW_KEY_CONN},
            {"logfd", VSW_KEY_LOGFD},
            {"backend", VSW_KEY_BACKEND},
        };
        char prefix[24], kind[8];
        unsigned a, b;
        int n = 0;

        snprintf(prefix, sizeof(prefix), "if%u/", sw_if_index);
        if (strncmp(key, prefix, strlen(prefix)) != 0)
                return -1;
        const char *s = key + strlen(prefix);

        *k = (struct vsw_key){.kind = 0};
        for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
                if (strcmp(s, plain[i].name) == 0) {
                        k->kind = plain[i].kind;
                        return 0;
                }
        if (sscanf(s, "mem/g%u/%u%n", &a, &b, &n) == 2 && s[n] == '\0')
                *k = (struct vsw_key){VSW_KEY_MEM, a, b};
        else if (sscanf(s, "log/%u%n", &a, &n) == 1 && s[n] == '\0')
                *k = (struct vsw_key){VSW_KEY_LOG, a, 0};
        else if (sscanf(s, "vq%u/%7[a-z]%n", &a, kind, &n) == 2 && s[n] == '\0' &&
                 (strcmp(kind, "kick") == 0 || strcmp(kind, "call") == 0 ||
                  strcmp(kind, "err") == 0))
                *k = (struct vsw_key){kind[0] == 'k'   ? VSW_KEY_KICK
                                      : kind[0] == 'c' ? VSW_KEY_CALL
                                                       : VSW_KEY_ERR,
                                      a, 0};
        else
                return -1;
        return canonical(key, sw_if_index, k);
}
