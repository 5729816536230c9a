#include "cni_devinfo.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_error.h"

#define DEVINFO_VERSION "1.1.0"

static int make_parent(const char *path, char *err, size_t errlen)
{
        char dir[256];
        char *slash;

        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        for (char *p = dir + 1;; p++) {
                if (*p && *p != '/')
                        continue;
                char c = *p;

                *p = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
                        return CNI_ERR_IO;
                }
                if (!c)
                        return 0;
                *p = c;
        }
}

int cni_devinfo_write(const char *path, const char *sock, char *err, size_t errlen)
{
        json_t *j = json_pack("{s:s, s:s, s:{s:s, s:s}}", "type", "vhost-user", "version",
                              DEVINFO_VERSION, "vhost-user", "mode", "client", "path", sock);
        int rc;

        if (!j) {
                snprintf(err, errlen, "out of memory describing the device");
                return CNI_ERR_IO;
        }
        rc = make_parent(path, err, errlen);
        if (!rc && json_dump_file(j, path, JSON_COMPACT)) {
                snprintf(err, errlen, "cannot write device info %s: %s", path, strerror(errno));
                rc = CNI_ERR_IO;
        }
        json_decref(j);
        return rc;
}

void cni_devinfo_remove(const char *path)
{
        if (unlink(path) < 0 && errno != ENOENT)
                fprintf(stderr, "vhostsw-cni: %s: %s\n", path, strerror(errno));
}
