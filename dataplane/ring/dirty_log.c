/* Mapping of the front end's dirty page log. */
#include "dirty_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

int dirty_log_map(struct dirty_log *log, int fd, uint64_t size, uint64_t offset, char *err,
                  unsigned errlen)
{
        struct stat st;
        void *base;

        memset(log, 0, sizeof(*log));
        if (size == 0 || offset > UINT64_MAX - size || offset + size > SIZE_MAX) {
                snprintf(err, errlen,
                         "dirty log size 0x%" PRIx64 " offset 0x%" PRIx64 " is not usable", size,
                         offset);
                return -1;
        }
        if (fstat(fd, &st) != 0) {
                snprintf(err, errlen, "dirty log fd: fstat: %s", strerror(errno));
                return -1;
        }
        /* Pages past the end of the file would fault with SIGBUS. */
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < offset + size) {
                snprintf(err, errlen,
                         "dirty log offset 0x%" PRIx64 " + size 0x%" PRIx64
                         " is past the end of its file (0x%" PRIx64 ")",
                         offset, size, (uint64_t)st.st_size);
                return -1;
        }
        base = mmap(NULL, offset + size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (base == MAP_FAILED) {
                snprintf(err, errlen, "dirty log mmap of 0x%" PRIx64 " bytes: %s", offset + size,
                         strerror(errno));
                return -1;
        }
        log->bitmap = (uint8_t *)base + offset;
        log->size = size;
        log->map_base = base;
        log->map_len = offset + size;
        return 0;
}

void dirty_log_unmap(struct dirty_log *log)
{
        if (log->map_base != NULL)
                munmap(log->map_base, log->map_len);
        memset(log, 0, sizeof(*log));
}
