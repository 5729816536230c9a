#include "stop_signals.h"

int vsw_stop_signals_hold(sigset_t *old)
{
        sigset_t stop;

        if (sigemptyset(&stop) < 0 || sigaddset(&stop, SIGTERM) < 0 || sigaddset(&stop, SIGINT) < 0)
                return -1;
        return sigprocmask(SIG_BLOCK, &stop, old);
}

int vsw_stop_signals_release(const sigset_t *old)
{
        return sigprocmask(SIG_SETMASK, old, NULL);
}
