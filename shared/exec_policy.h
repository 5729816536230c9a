/* Which programs the switch may run on a request: `restart control binary
 * <path>` names one, and the RPC is reachable by more than root once a tcp
 * endpoint is configured. Only a program installed in the program
 * directory qualifies: the directory vhostd is started from (beside the
 * supervisor when installed; build/control in a build tree). vhostd checks
 * before it answers, the supervisor again right before it executes. */
#ifndef VSW_EXEC_POLICY_H
#define VSW_EXEC_POLICY_H

#include <stddef.h>

/* The real path of the directory holding the running executable, into dir
 * (PATH_MAX bytes). 0, or -1 with errno. */
int vsw_exec_own_dir(char *dir, size_t len);

/* Checks that path, resolved with realpath, is a regular file directly in
 * dir (itself a real path), owned by root, not writable by group or others
 * and executable. 0 with the resolved path in resolved (PATH_MAX bytes), or
 * -1 with one line saying why in err. */
int vsw_exec_check(const char *dir, const char *path, char *resolved, char *err, size_t errlen);

#endif
