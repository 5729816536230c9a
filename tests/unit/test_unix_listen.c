/* vsw_unix_listen in a directory an unprivileged user can write: whatever
 * that user puts at the socket's name or swaps in while we work (symlinks
 * to a root-owned file, files, renamed private directories), root's file
 * keeps its owner and mode, and a name that is not a socket is refused
 * with an error that says what it is. Run as root (the tests are). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit_check.h"
#include "unix_listen.h"

#define NOBODY 65534

static char top[] = "/tmp/test_unix_listen.XXXXXX";
static char dir[PATH_MAX], sock[PATH_MAX], victim[PATH_MAX];

static void join(char *out, const char *a, const char *b)
{
        strcpy(out, a);
        strcat(out, "/");
        strcat(out, b);
}

static int victim_intact(void)
{
        struct stat st;

        return stat(victim, &st) == 0 && st.st_uid == 0 && st.st_gid == 0 &&
               (st.st_mode & 07777) == 0600;
}

static int can_connect(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;

        strcpy(sa.sun_path, path);
        ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        if (fd >= 0)
                close(fd);
        return ok;
}

/* Entries of dir other than the socket's name: private directories left behind. */
static int leftovers(void)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        int n = 0;

        while (d && (e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                    strcmp(e->d_name, "vm.sock"))
                        n++;
        if (d)
                closedir(d);
        return n;
}

static void test_static(void)
{
        char err[512] = "";
        struct stat st;
        int fd;

        CHECK(symlink(victim, sock) == 0, "symlink");
        fd = vsw_unix_listen(sock, NOBODY, NOBODY, 0666, err, sizeof(err));
        CHECK(fd == -1 && strstr(err, "vm.sock exists and is not a socket (a symlink): refused"),
              "symlink refused: %s", err);
        CHECK(victim_intact(), "root's file untouched");
        CHECK(lstat(sock, &st) == 0 && S_ISLNK(st.st_mode), "the link is left as it was");
        CHECK(leftovers() == 0, "nothing left behind");
        unlink(sock);

        FILE *f = fopen(sock, "w");
        CHECK(f != NULL, "a regular file at the name");
        if (f)
                fclose(f);
        fd = vsw_unix_listen(sock, NOBODY, NOBODY, 0666, err, sizeof(err));
        CHECK(fd == -1 && strstr(err, "exists and is not a socket (a regular file)"), "%s", err);
        CHECK(lstat(sock, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0,
              "the file is neither removed nor chowned");
        unlink(sock);

        /* The honest case: owner, group and mode as asked; a stale socket replaced. */
        fd = vsw_unix_listen(sock, NOBODY, NOBODY, 0660, err, sizeof(err));
        CHECK(fd >= 0, "created: %s", err);
        CHECK(lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == NOBODY &&
                  st.st_gid == NOBODY && (st.st_mode & 07777) == 0660,
              "nobody:nobody 0660 (uid %u mode %o)", st.st_uid, st.st_mode & 07777);
        CHECK(can_connect(sock), "connectable");
        close(fd);
        fd = vsw_unix_listen(sock, VSW_UNIX_KEEP, VSW_UNIX_KEEP, VSW_UNIX_KEEP, err, sizeof(err));
        CHECK(fd >= 0, "the stale socket is replaced: %s", err);
        CHECK(lstat(sock, &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0600,
              "root 0600 when nothing is asked (uid %u mode %o)", st.st_uid, st.st_mode & 07777);
        CHECK(can_connect(sock), "the new one listens");
        close(fd);
        CHECK(leftovers() == 0, "no private directory left behind");
        unlink(sock);
}

/* The attacker, as nobody: keeps putting a symlink to root's file at the
 * socket's name, and renaming our private directories away and replacing
 * them with links to root's file's directory. */
static void swap_private_dirs(void)
{
        char a[PATH_MAX], b[PATH_MAX];
        DIR *d = opendir(dir);
        struct dirent *e;

        while (d && (e = readdir(d))) {
                if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
                    strstr(e->d_name, ".moved"))
                        continue;
                join(a, dir, e->d_name);
                snprintf(b, sizeof(b), "%s.moved", a);
                if (rename(a, b) == 0)
                        symlink(top, a);
        }
        if (d)
                closedir(d);
}

static void attacker(void)
{
        if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
                _exit(2);
        for (;;) {
                unlink(sock);
                swap_private_dirs();
                symlink(victim, sock);
                swap_private_dirs();
        }
}

static void test_race(void)
{
        char err[512];
        int made = 0, at_name = 0, private_dir = 0, appeared = 0, other = 0;
        struct timespec start, now;
        pid_t pid = fork();

        if (pid == 0)
                attacker();
        CHECK(pid > 0, "fork");
        clock_gettime(CLOCK_MONOTONIC, &start);
        do {
                int fd = vsw_unix_listen(sock, NOBODY, NOBODY, 0666, err, sizeof(err));

                if (fd >= 0) {
                        made++;
                        close(fd);
                } else if (strstr(err, "is not a socket")) {
                        at_name++;
                } else if (strstr(err, "private directory")) {
                        private_dir++;
                } else if (strstr(err, "appeared while it was created")) {
                        appeared++;
                } else {
                        other++;
                        if (other < 5)
                                printf("other failure: %s\n", err);
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                /* At least 2 s, and on until the attacker got in mid-way
                 * at least once (a matter of scheduling), at most 20 s. */
        } while (victim_intact() &&
                 (now.tv_sec - start.tv_sec < 2 ||
                  (private_dir + appeared == 0 && now.tv_sec - start.tv_sec < 20)));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        printf("race: %d sockets made; refused: %d link at the name, %d private directory "
               "swapped, %d link appeared before the rename, %d other\n",
               made, at_name, private_dir, appeared, other);
        CHECK(victim_intact(), "root's file kept owner root and mode 0600 through the race");
        CHECK(made > 0 && private_dir + appeared > 0,
              "the race reached past the first look (%d made, %d swapped, %d appeared)", made,
              private_dir, appeared);
}

int main(void)
{
        char cmd[PATH_MAX + 16];
        FILE *f;

        if (geteuid() != 0) {
                printf("needs root: chown and an unprivileged attacker\n");
                return 77;
        }
        CHECK(mkdtemp(top) != NULL, "mkdtemp");
        CHECK(chmod(top, 0755) == 0, "top readable");
        join(dir, top, "shared");
        join(sock, dir, "vm.sock");
        join(victim, top, "root-file");
        CHECK(mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0, "a directory anyone may write");
        f = fopen(victim, "w");
        CHECK(f != NULL && chmod(victim, 0600) == 0, "root's file");
        if (f)
                fclose(f);
        test_static();
        test_race();
        snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
        CHECK(system(cmd) == 0, "cleanup");
        return t_report();
}
