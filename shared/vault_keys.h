/* The names the fd vault keeps an interface's fds under, built and parsed
 * here only (ARCHITECTURE.md "The fd vault"). N is the interface's
 * sw_if_index; every key of it begins "if<N>/":
 *   listen, conn            the listening socket and the connection
 *   mem/g<gen>/<slot>       a guest memory region put in the table by generation gen
 *   log/<gen>, logfd        the dirty log of log generation gen, its notifier
 *   vq<q>/kick|call|err     a vring's eventfds
 *   backend                 SET_BACKEND_REQ_FD
 * The *_ALL kinds name prefixes, for withdrawing a group.
 * Keys of vhostd as a whole, under no interface:
 *   metrics/listen          the metrics endpoint's listening TCP socket */
#ifndef VSW_VAULT_KEYS_H
#define VSW_VAULT_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "vault.h"

enum vsw_key_kind {
        VSW_KEY_LISTEN,
        VSW_KEY_CONN,
        VSW_KEY_MEM, /* a: the region's key_gen, b: slot */
        VSW_KEY_LOG, /* a: log generation */
        VSW_KEY_LOGFD,
        VSW_KEY_KICK, /* a: vring */
        VSW_KEY_CALL,
        VSW_KEY_ERR,
        VSW_KEY_BACKEND,
        /* Prefixes. */
        VSW_KEY_ALL, /* every key of the interface */
        VSW_KEY_MEM_ALL,
        VSW_KEY_LOG_ALL,
        VSW_KEY_VQ_ALL,
};

struct vsw_key {
        enum vsw_key_kind kind;
        uint32_t a, b;
};

static inline bool vsw_key_is_prefix(struct vsw_key k)
{
        return k.kind >= VSW_KEY_ALL;
}

enum vsw_global_key {
        VSW_GKEY_METRICS_LISTEN,
};

/* The vault key of one of vhostd's own fds. */
const char *vsw_global_key(enum vsw_global_key k);

/* Writes the key (or prefix) k of interface sw_if_index into key. */
void vsw_key_format(char key[VSW_VAULT_KEY_LEN], uint32_t sw_if_index, struct vsw_key k);

/* Reads a whole key of interface sw_if_index: 0 with *k filled, or -1 when
 * it is not one of that interface's keys this build knows (prefixes never
 * parse). */
int vsw_key_parse(const char *key, uint32_t sw_if_index, struct vsw_key *k);

#endif
