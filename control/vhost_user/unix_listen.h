/* A listening unix socket at a path in a directory other users may write
 * (a libvirt socket directory, /tmp): created so that no symlink or file
 * swapped in by someone else can make us chown, chmod or unlink anything
 * but our own socket. */
#ifndef VSW_UNIX_LISTEN_H
#define VSW_UNIX_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#define VSW_UNIX_KEEP ((uint32_t)-1) /* an owner, group or mode left as created */

/* Binds and listens (backlog 1) on a non-blocking, close-on-exec socket at
 * path with owner uid, group gid and mode (each may be VSW_UNIX_KEEP),
 * replacing a stale socket there, never any other kind of file. The fd, or
 * -1 with one line naming the path and the failure in err. */
int vsw_unix_listen(const char *path, uint32_t uid, uint32_t gid, uint32_t mode, char *err,
                    size_t errlen);

#endif
