/* Graceful vhostd handover (ARCHITECTURE.md "Restart and recovery"): the
 * supervisor starts generation N+1 with one end of a socketpair as
 * `--handover-fd <fd>`. N+1 attaches, takes its fds from the vault, creates
 * its events and writes READY; the supervisor makes N drain (SIGTERM: it
 * finishes the message in hand and exits without withdrawing anything),
 * then writes GO. N+1 arms its events and moves the RPC endpoint last. */
#ifndef VSW_HANDOVER_H
#define VSW_HANDOVER_H

#define VSW_HANDOVER_READY 'R'
#define VSW_HANDOVER_GO    'G'

/* vhostd's exit status when the memzone's layout is not one it knows. */
#define VSW_EXIT_LAYOUT_REFUSED 3

#endif
