/* Holding back SIGTERM and SIGINT around rte_eal_init of a secondary: one
 * killed in the middle of its EAL init can die holding the locks of the
 * shared memory config, and every other process of the switch then hangs in
 * rte_eal_cleanup (the supervisor's stop never ends). A stop signal sent
 * meanwhile is delivered once the init has returned. */
#ifndef VSW_STOP_SIGNALS_H
#define VSW_STOP_SIGNALS_H

#include <signal.h>

/* Blocks SIGTERM and SIGINT; *old receives the previous mask. -1 + errno. */
int vsw_stop_signals_hold(sigset_t *old);

/* Restores the mask vsw_stop_signals_hold saved. -1 + errno. */
int vsw_stop_signals_release(const sigset_t *old);

#endif
