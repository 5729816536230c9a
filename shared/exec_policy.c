#include "exec_policy.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vsw_exec_own_dir(char *dir, size_t len)
{
        char exe[PATH_MAX];
        char *slash;

        if (len < PATH_MAX || !realpath("/proc/self/exe", exe))
                return -1;
        slash = strrchr(exe, '/');
        if (!slash) {
                errno = EINVAL;
                return -1;
        }
        *slash = '\0';
        snprintf(dir, len, "%s", exe[0] ? exe : "/");
        return 0;
}

int vsw_exec_check(const char *dir, const char *path, char *resolved, char *err, size_t errlen)
{
        size_t dlen = strlen(dir);
        struct stat st;

        /* Resolving first: a symlink in dir that points out of it is judged
         * by where it points, and the supervisor runs the resolved path. */
        if (path[0] != '/') {
                snprintf(err, errlen, "%.80s is not an absolute path", path);
                return -1;
        }
        if (!realpath(path, resolved)) {
                snprintf(err, errlen, "%.80s: %s", path, strerror(errno));
                return -1;
        }
        if (strncmp(resolved, dir, dlen) != 0 || resolved[dlen] != '/' ||
            strchr(resolved + dlen + 1, '/')) {
                char shown[PATH_MAX + 128];

                if (strcmp(path, resolved) == 0)
                        snprintf(shown, sizeof(shown), "%.80s", path);
                else
                        snprintf(shown, sizeof(shown), "%.80s (resolves to %.80s)", path, resolved);
                snprintf(err, errlen,
                         "%s is outside the program directory %.120s: only programs installed "
                         "there may be run",
                         shown, dir);
                return -1;
        }
        if (lstat(resolved, &st) < 0) {
                snprintf(err, errlen, "%.80s: %s", resolved, strerror(errno));
                return -1;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "%.80s is not a regular file", resolved);
                return -1;
        }
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                snprintf(err, errlen,
                         "%.80s is owned by uid %u with mode %04o: a program the switch runs "
                         "must be root's and writable by root only",
                         resolved, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
                return -1;
        }
        if (!(st.st_mode & S_IXUSR)) {
                snprintf(err, errlen, "%.80s is not executable", resolved);
                return -1;
        }
        return 0;
}
