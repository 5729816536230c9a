/* Waking a sleeping worker (rx-mode interrupt and adaptive). The
 * supervisor creates one eventfd per worker before any child starts and
 * keeps it in the vault under "worker<i>/wake" (vsw_wake_key), so it
 * outlives every worker and vhostd generation. A worker about to sleep sets
 * its slot's `sleeping` (seq_cst), then looks for work once more; whoever
 * publishes work for it (a ring command, frames in its cross-worker ring)
 * publishes first, then reads `sleeping` (seq_cst) and writes the eventfd if
 * set. One of the two always sees the other: no wakeup is lost. */
#ifndef VSW_WAKE_H
#define VSW_WAKE_H

#include <stdint.h>

#include "vault.h"
#include "vsw_state.h"

void vsw_wake_key(char key[VSW_VAULT_KEY_LEN], uint32_t worker);

/* This process's duplicates of the workers' wake eventfds, fetched from
 * the vault (once per worker; missing ones are retried on use). Returns 0,
 * or -1 when the vault had none for some worker (logged): that worker then
 * only notices work at its next timed wake (VSW_SLEEP_MAX_MS). */
int vsw_wake_attach(struct vsw_state *st, int vault);

/* Writes worker's eventfd if it sleeps. Call after publishing its work.
 * Does nothing before vsw_wake_attach. */
void vsw_wake(uint32_t worker);

#endif
