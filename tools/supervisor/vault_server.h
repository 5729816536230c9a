/* Server half of the fd vault (shared/vault.h): a table of fds under keys,
 * served over a SOCK_SEQPACKET socket. The supervisor's main loop calls
 * vault_server_accept() when listen_fd is readable and vault_server_handle()
 * when a client is; everything here is non-blocking. */
#ifndef VSW_VAULT_SERVER_H
#define VSW_VAULT_SERVER_H

#include "vault.h"
#include "vsw_state.h"

#define VAULT_MAX_CLIENTS 64

struct vault_entry {
        char key[VSW_VAULT_KEY_LEN];
        int fd;
};

struct vault_server {
        int listen_fd;
        char path[VSW_PATH_LEN];
        unsigned nentries;
        struct vault_entry entries[VSW_VAULT_MAX_FDS];
        int clients[VAULT_MAX_CLIENTS]; /* -1 when free */
};

/* Binds path with mode 0600 (removing a stale socket file). Returns 0 or a
 * negative errno. */
int vault_server_open(struct vault_server *v, const char *path);
/* Accepts one client; returns its slot in clients[], or -1. */
/* The supervisor's own deposit (the workers' wake eventfds); the vault
 * owns fd from here on, even on failure. Returns 0 or a negative errno. */
int vault_server_put(struct vault_server *v, const char *key, int fd);
int vault_server_accept(struct vault_server *v);
/* Serves one request from client slot; closes the client on hang-up or a
 * transport error. Returns 0 while the client stays, -1 once it is closed. */
int vault_server_handle(struct vault_server *v, int slot);
/* Closes every client and every fd held, and removes the socket file. */
void vault_server_close(struct vault_server *v);

#endif
