/* The fd vault: the supervisor keeps a duplicate of every fd that must
 * outlive a vhostd (ARCHITECTURE.md "Restart and recovery"). Clients talk to it
 * over a SOCK_SEQPACKET unix socket, one request and one reply per message,
 * fds as SCM_RIGHTS. Keys are stable names such as "if3/conn" or
 * "if3/mem/g7/2", built and parsed by vault_keys.h only. Each is in the
 * vault before the memzone field naming it changes, so a worker that sees a
 * new generation finds its fds. */
#ifndef VSW_VAULT_H
#define VSW_VAULT_H

#include <stdint.h>

#define VSW_VAULT_SOCK_NAME "vault.sock" /* in the runtime dir */
#define VSW_VAULT_KEY_LEN   64
/* Every interface at QEMU's 509 memory regions (32 x 509 = 16,288) and
 * the fds each interface holds besides (shared/fd_budget.h). */
#define VSW_VAULT_MAX_FDS 18944

enum vsw_vault_op {
        VSW_VAULT_DEPOSIT = 1,  /* carries one fd; replaces any fd under key */
        VSW_VAULT_FETCH = 2,    /* reply carries a duplicate of the fd */
        VSW_VAULT_WITHDRAW = 3, /* vault closes its copy */
        VSW_VAULT_WITHDRAW_PREFIX = 4,
        VSW_VAULT_LIST = 5, /* reply: keys under a prefix, NUL-separated */
};

struct vsw_vault_req {
        uint32_t op;
        char key[VSW_VAULT_KEY_LEN]; /* NUL-terminated */
};

struct vsw_vault_reply {
        int32_t status; /* 0, or a negative errno */
        uint32_t len;   /* bytes of data following (LIST) */
};

/* One interface's keys: up to 509 "ifN/mem/gG/S" names of up to 33 bytes
 * with their NULs (16.8 KB with 10-digit numbers), and its vrings' and
 * channels' names. */
#define VSW_VAULT_LIST_MAX 65536

/* Client side. All return a negative errno on failure. */
int vsw_vault_connect(const char *path);
int vsw_vault_deposit(int vault, const char *key, int fd);
int vsw_vault_fetch(int vault, const char *key); /* returns a new fd */
int vsw_vault_withdraw(int vault, const char *key);
int vsw_vault_withdraw_prefix(int vault, const char *prefix);
/* Fills buf with NUL-separated keys under prefix; returns their bytes
 * (-EMSGSIZE when they do not fit in buflen). */
int vsw_vault_list(int vault, const char *prefix, char *buf, unsigned buflen);

#endif
