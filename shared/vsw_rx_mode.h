/* The rx-mode words (VPP's), for startup.conf, vhost-ctl and the RPC. */
#ifndef VSW_RX_MODE_H
#define VSW_RX_MODE_H

#include <string.h>

#include "vsw_state.h"

/* The default adaptive idle time: a queue quiet this long stops being
 * polled (VPP's adaptive mode switches within milliseconds too). */
#define VSW_DEFAULT_ADAPTIVE_IDLE_US 5000

static inline const char *vsw_rx_mode_name(unsigned m)
{
        static const char *const names[VSW_RX_MODES] = {"default", "polling", "interrupt",
                                                        "adaptive"};

        return m < VSW_RX_MODES ? names[m] : "?";
}

static inline const char *vsw_rx_state_name(unsigned s)
{
        return s == VSW_RX_STATE_POLLING     ? "polling"
               : s == VSW_RX_STATE_INTERRUPT ? "interrupt"
                                             : "stopped";
}

/* polling, interrupt or adaptive: the enum value, or -1. */
static inline int vsw_rx_mode_parse(const char *s)
{
        for (unsigned m = VSW_RX_MODE_POLLING; m < VSW_RX_MODES; m++)
                if (!strcmp(s, vsw_rx_mode_name(m)))
                        return (int)m;
        return -1;
}

#endif
