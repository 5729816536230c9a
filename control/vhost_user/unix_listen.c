/* The socket is born in a private 0700 directory created beside its final
 * place, where nobody else can add or swap an entry: owner and mode are set
 * there, then one rename puts it in place. The parent directory is held
 * open, so every step names the same directory. A stale socket is replaced
 * by that rename; a name that is anything else (a file, a symlink, a
 * directory) is refused. */
#include "unix_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SOCK_NAME    "sock"
#define TRIES        16
#define PRIVATE_MODE 0700

struct spot {
        int dir;  /* the socket's directory */
        int priv; /* our private directory in it */
        char name[NAME_MAX + 1];
        char priv_name[NAME_MAX + 1];
};

static int failed(char *err, size_t errlen, const char *path, const char *what)
{
        snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
        return -1;
}

/* Holds path's directory open and keeps its last component. */
static int open_dir(struct spot *s, const char *path, char *err, size_t errlen)
{
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t dlen = slash ? (size_t)(slash - path) : 0;

        if (path[0] != '/' || !slash[1] || strlen(slash + 1) > NAME_MAX || dlen >= sizeof(dir)) {
                snprintf(err, errlen, "%s: not an absolute path to a socket", path);
                return -1;
        }
        memcpy(dir, path, dlen);
        dir[dlen] = '\0';
        snprintf(s->name, sizeof(s->name), "%s", slash + 1);
        s->dir = open(dlen ? dir : "/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        return s->dir < 0 ? failed(err, errlen, path, "opening its directory") : 0;
}

/* What is at the name now: 0 nothing, 1 a socket; -1 anything else. */
static int existing(const struct spot *s, const char *path, char *err, size_t errlen)
{
        struct stat st;

        if (fstatat(s->dir, s->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : failed(err, errlen, path, "lstat");
        if (S_ISSOCK(st.st_mode))
                return 1;
        snprintf(err, errlen, "%s exists and is not a socket (%s): refused", path,
                 S_ISLNK(st.st_mode)   ? "a symlink"
                 : S_ISDIR(st.st_mode) ? "a directory"
                 : S_ISREG(st.st_mode) ? "a regular file"
                                       : "a special file");
        return -1;
}

/* mkdirat a fresh name, then open it without following links and check it
 * is still the 0700 directory we made: someone who can write the parent
 * may rename it away and put theirs in its place. */
static int make_private(struct spot *s, const char *path, char *err, size_t errlen)
{
        struct stat st;

        for (int i = 0; i < TRIES; i++) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                snprintf(s->priv_name, sizeof(s->priv_name), ".%.200s.%d.%lx", s->name,
                         (int)getpid(), (unsigned long)(ts.tv_nsec ^ (long)random()));
                if (mkdirat(s->dir, s->priv_name, PRIVATE_MODE) == 0)
                        break;
                if (errno != EEXIST || i == TRIES - 1)
                        return failed(err, errlen, path, "creating a private directory beside it");
        }
        s->priv = openat(s->dir, s->priv_name, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);
        if (s->priv < 0)
                return failed(err, errlen, path, "opening the private directory beside it");
        if (fstat(s->priv, &st) < 0)
                return failed(err, errlen, path, "fstat of the private directory");
        if (st.st_uid != geteuid() || (st.st_mode & 07777) != PRIVATE_MODE) {
                snprintf(err, errlen, "%s: the private directory beside it was replaced: refused",
                         path);
                return -1;
        }
        return 0;
}

/* Binds through /proc/self/fd/<priv>: the name is looked up in the
 * directory we hold, whatever its path leads to by now. Born 0600 (the
 * umask), though nobody else can reach into the directory anyway. */
static int bind_private(const struct spot *s, int fd, const char *path, char *err, size_t errlen)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        mode_t old;
        int rc;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" SOCK_NAME, s->priv);
        old = umask(0177);
        rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        return rc < 0 ? failed(err, errlen, path, "bind") : 0;
}

static void cleanup(struct spot *s)
{
        if (s->priv >= 0) {
                unlinkat(s->priv, SOCK_NAME, 0);
                close(s->priv);
        }
        if (s->priv_name[0])
                unlinkat(s->dir, s->priv_name, AT_REMOVEDIR);
        if (s->dir >= 0)
                close(s->dir);
}

int vsw_unix_listen(const char *path, uint32_t uid, uint32_t gid, uint32_t mode, char *err,
                    size_t errlen)
{
        struct spot s = {.dir = -1, .priv = -1};
        int fd = -1, there;

        if (open_dir(&s, path, err, errlen) < 0 || (there = existing(&s, path, err, errlen)) < 0 ||
            make_private(&s, path, err, errlen) < 0)
                goto fail;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                failed(err, errlen, path, "socket");
                goto fail;
        }
        if (bind_private(&s, fd, path, err, errlen) < 0)
                goto fail;
        if ((uid != VSW_UNIX_KEEP || gid != VSW_UNIX_KEEP) &&
            fchownat(s.priv, SOCK_NAME, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
                failed(err, errlen, path, "chown");
                goto fail;
        }
        if (mode != VSW_UNIX_KEEP && fchmodat(s.priv, SOCK_NAME, mode & 07777, 0) < 0) {
                failed(err, errlen, path, "chmod");
                goto fail;
        }
        if (listen(fd, 1) < 0) {
                failed(err, errlen, path, "listen");
                goto fail;
        }
        /* Over a stale socket: replaced in one step. Over nothing: never
         * over something that appeared since we looked. */
        if (renameat2(s.priv, SOCK_NAME, s.dir, s.name, there ? 0 : RENAME_NOREPLACE) < 0) {
                failed(err, errlen, path,
                       errno == EEXIST ? "appeared while it was created"
                                       : "moving the socket into place");
                goto fail;
        }
        cleanup(&s);
        return fd;
fail:
        if (fd >= 0)
                close(fd);
        cleanup(&s);
        return -1;
}
