/* Dirty page log for live migration (VHOST_F_LOG_ALL): a bitmap the front
 * end shares (SET_LOG_BASE), one bit per 4 KiB page of guest physical
 * memory. While it is set up, every guest page the engines write (RX
 * buffers; the used ring's entries, index, flags and avail_event; a packed
 * ring's used descriptors and device event area) gets its bit set, so the
 * migration source copies it again. */
#ifndef VSW_DIRTY_LOG_H
#define VSW_DIRTY_LOG_H

#include <stddef.h>
#include <stdint.h>

#define DIRTY_LOG_PAGE 4096u

struct dirty_log {
        uint8_t *bitmap;
        uint64_t size; /* bytes of bitmap */
        void *map_base;
        size_t map_len;
};

/* Maps the log the front end passed (fd, log_size, log_offset); the caller
 * keeps the fd. Returns 0, or -1 with the reason in err. */
int dirty_log_map(struct dirty_log *log, int fd, uint64_t size, uint64_t offset, char *err,
                  unsigned errlen);

void dirty_log_unmap(struct dirty_log *log);

/* Marks the pages of [gpa, gpa + len) dirty. Pages past the bitmap are the
 * front end's to size; they are left out. */
static inline void dirty_log_write(struct dirty_log *log, uint64_t gpa, uint64_t len)
{
        uint64_t page, last;

        if (len == 0)
                return;
        last = (gpa + (len - 1)) / DIRTY_LOG_PAGE;
        for (page = gpa / DIRTY_LOG_PAGE; page <= last && page / 8 < log->size; page++)
                __atomic_fetch_or(&log->bitmap[page / 8], (uint8_t)(1u << (page % 8)),
                                  __ATOMIC_RELEASE);
}

#endif
