#include "cni_ipam.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni_error.h"

#define IPAM_OUTPUT_MAX (1 << 20)

/* The first executable <dir>/<type> of CNI_PATH's directories. */
static int find_plugin(const char *cni_path, const char *type, char *out, size_t len)
{
        const char *p = cni_path;

        while (p && *p) {
                const char *end = strchr(p, ':');
                size_t n = end ? (size_t)(end - p) : strlen(p);
                int m = snprintf(out, len, "%.*s/%s", (int)n, p, type);

                if (n && m > 0 && (size_t)m < len && access(out, X_OK) == 0)
                        return 0;
                p = end ? end + 1 : NULL;
        }
        return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Its whole stdout, NUL-terminated, or NULL (too big, or a read error). */
static char *read_all(int fd, size_t *len)
{
        size_t cap = 4096, n = 0;
        char *buf = malloc(cap);

        while (buf) {
                ssize_t r;

                if (n + 1 == cap) {
                        char *b = cap < IPAM_OUTPUT_MAX ? realloc(buf, cap * 2) : NULL;

                        if (!b)
                                break;
                        buf = b;
                        cap *= 2;
                }
                r = read(fd, buf + n, cap - n - 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        break;
                if (r == 0) {
                        buf[n] = '\0';
                        *len = n;
                        return buf;
                }
                n += (size_t)r;
        }
        free(buf);
        return NULL;
}

static void child(int in, int out, const char *path, const char *command)
{
        if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            setenv("CNI_COMMAND", command, 1) < 0)
                _exit(127);
        execl(path, path, (char *)NULL);
        _exit(127);
}

/* A failed plugin's stdout is a CNI error: pass its code and message on. */
static int plugin_error(const char *type, const char *out, size_t len, int status, char *err,
                        size_t errlen)
{
        json_t *e = json_loadb(out, len, 0, NULL);
        json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "msg");
        int rc = CNI_ERR_IPAM;

        if (json_is_integer(code) && json_integer_value(code) > 0 &&
            json_integer_value(code) < INT_MAX) {
                rc = (int)json_integer_value(code);
                snprintf(err, errlen, "ipam %s: %s", type,
                         json_is_string(msg) ? json_string_value(msg) : "failed");
        } else {
                snprintf(err, errlen, "ipam %s: exit status %d, no CNI error on its stdout", type,
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
        json_decref(e);
        return rc;
}

int cni_ipam_exec(const struct cni_env *e, const char *type, const char *command, const char *conf,
                  size_t len, json_t **result, char *err, size_t errlen)
{
        int in[2], out[2], status, rc;
        char path[PATH_MAX], *buf;
        size_t n = 0;
        pid_t pid;

        *result = NULL;
        if (!e->path || find_plugin(e->path, type, path, sizeof(path))) {
                snprintf(err, errlen, "ipam plugin '%s' not found in CNI_PATH '%s'", type,
                         e->path ? e->path : "");
                return e->path ? CNI_ERR_CONFIG : CNI_ERR_ENV;
        }
        if (pipe2(in, O_CLOEXEC) < 0)
                goto io;
        if (pipe2(out, O_CLOEXEC) < 0) {
                close(in[0]);
                close(in[1]);
                goto io;
        }
        pid = fork();
        if (pid == 0)
                child(in[0], out[1], path, command);
        close(in[0]);
        close(out[1]);
        if (pid < 0) {
                close(in[1]);
                close(out[0]);
                goto io;
        }
        /* A plugin that exits before reading all of stdin must not kill us. */
        signal(SIGPIPE, SIG_IGN);
        rc = write_all(in[1], conf, len);
        close(in[1]);
        buf = read_all(out[0], &n);
        close(out[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        goto io;
        if (rc < 0 || !buf) {
                free(buf);
                snprintf(err, errlen, "ipam %s: cannot exchange its config or result", type);
                return CNI_ERR_IO;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                rc = plugin_error(type, buf, n, status, err, errlen);
                free(buf);
                return rc;
        }
        rc = 0;
        if (n) {
                *result = json_loadb(buf, n, 0, NULL);
                if (!json_is_object(*result)) {
                        json_decref(*result);
                        *result = NULL;
                        snprintf(err, errlen, "ipam %s: its result is not a JSON object", type);
                        rc = CNI_ERR_DECODE;
                }
        }
        free(buf);
        return rc;
io:
        snprintf(err, errlen, "ipam %s: %s", type, strerror(errno));
        return CNI_ERR_IO;
}
