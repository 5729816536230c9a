/* Which program `restart control binary <path>` may run: only a root-owned,
 * root-only-writable regular executable directly in the program directory,
 * judged by where its path really leads. Run as root (the tests are). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_policy.h"
#include "unit_check.h"

static char top[] = "/tmp/test_exec_policy.XXXXXX";
static char dir[PATH_MAX], outside[PATH_MAX];

static void make_file(const char *path, mode_t mode)
{
        FILE *f = fopen(path, "w");

        CHECK(f != NULL, "create %s", path);
        if (f)
                fclose(f);
        CHECK(chmod(path, mode) == 0, "chmod %s", path);
}

/* Expects vsw_exec_check(dir, path) to refuse with a message containing want. */
static void refused(const char *path, const char *want)
{
        char resolved[PATH_MAX], err[512] = "";
        int rc = vsw_exec_check(dir, path, resolved, err, sizeof(err));

        CHECK(rc == -1 && strstr(err, want), "%s: rc %d, \"%s\", expected \"%s\"", path, rc, err,
              want);
}

/* Paths here are short: /tmp/test_exec_policy.XXXXXX/... */
static void path_in(char *out, const char *d, const char *name)
{
        CHECK(strlen(d) + strlen(name) + 2 <= PATH_MAX, "path fits");
        strcpy(out, d);
        strcat(out, "/");
        strcat(out, name);
}

int main(void)
{
        char p[PATH_MAX], q[PATH_MAX], resolved[PATH_MAX], err[512] = "", own[PATH_MAX];

        if (geteuid() != 0) {
                printf("needs root: files must be root's\n");
                return 77;
        }
        CHECK(mkdtemp(top) != NULL, "mkdtemp");
        path_in(dir, top, "bin");
        path_in(outside, top, "elsewhere");
        CHECK(mkdir(dir, 0755) == 0 && mkdir(outside, 0755) == 0, "dirs");

        path_in(p, dir, "vhostd");
        make_file(p, 0755);
        CHECK(vsw_exec_check(dir, p, resolved, err, sizeof(err)) == 0, "installed vhostd: %s", err);
        CHECK(strcmp(resolved, p) == 0, "resolved %s", resolved);
        /* A path that wanders but lands in the directory is judged by where it lands. */
        path_in(q, dir, "../bin/./vhostd");
        CHECK(vsw_exec_check(dir, q, resolved, err, sizeof(err)) == 0 && strcmp(resolved, p) == 0,
              "dotted path: %s", err);
        path_in(q, dir, "link-in");
        CHECK(symlink("vhostd", q) == 0, "symlink inside");
        CHECK(vsw_exec_check(dir, q, resolved, err, sizeof(err)) == 0 && strcmp(resolved, p) == 0,
              "a link to a program beside it: %s", err);

        path_in(q, outside, "x");
        make_file(q, 0755);
        refused(q, "is outside the program directory");
        refused("/tmp/x-never-there", "No such file or directory");
        refused("relative/vhostd", "is not an absolute path");
        path_in(p, dir, "link-out");
        CHECK(symlink(q, p) == 0, "symlink out");
        refused(p, "(resolves to ");
        refused(p, "is outside the program directory");
        path_in(p, dir, "sub");
        CHECK(mkdir(p, 0755) == 0, "subdir");
        path_in(q, p, "vhostd");
        make_file(q, 0755);
        refused(q, "is outside the program directory");
        refused(p, "is not a regular file");
        path_in(p, dir, "fifo");
        CHECK(mkfifo(p, 0755) == 0, "fifo");
        refused(p, "is not a regular file");
        path_in(p, dir, "group-writable");
        make_file(p, 0775);
        refused(p, "mode 0775: a program the switch runs must be root's and writable by root only");
        path_in(p, dir, "world-writable");
        make_file(p, 0757);
        refused(p, "mode 0757");
        path_in(p, dir, "not-root");
        make_file(p, 0755);
        CHECK(chown(p, 65534, 65534) == 0, "chown");
        refused(p, "is owned by uid 65534");
        path_in(p, dir, "not-executable");
        make_file(p, 0644);
        refused(p, "is not executable");

        CHECK(vsw_exec_own_dir(own, sizeof(own)) == 0 && own[0] == '/', "own dir %s", own);
        path_in(p, own, "test_exec_policy");
        CHECK(access(p, X_OK) == 0, "this program is in its own dir %s", own);

        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
        CHECK(system(cmd) == 0, "cleanup");
        return t_report();
}
