/* The unit tests' harness: counted checks that say where and why they
 * failed, a summary that is the exit code, and an fd count for leak checks. */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <dirent.h>
#include <stdio.h>

static unsigned t_passed, t_failed;

/* CHECK(cond) or CHECK(cond, fmt, args...): fmt is a string literal; the
 * " " before it keeps a bare CHECK(cond) from printing an empty format. */
#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (cond) {                                                                        \
                        t_passed++;                                                                \
                } else {                                                                           \
                        t_failed++;                                                                \
                        fprintf(stderr, "FAIL %s:%d: %s:", __FILE__, __LINE__, #cond);             \
                        fprintf(stderr, " " __VA_ARGS__);                                          \
                        fputc('\n', stderr);                                                       \
                }                                                                                  \
        } while (0)

/* Prints the counts; returns main's exit code. A program that checked
 * nothing fails: it proves nothing, most likely because its checks were
 * skipped by mistake. */
static inline int t_report(void)
{
        printf("%u passed, %u failed\n", t_passed, t_failed);
        if (t_passed + t_failed == 0) {
                fprintf(stderr, "FAIL: no check ran\n");
                return 1;
        }
        return t_failed == 0 ? 0 : 1;
}

/* The fds this process has open now (-1 if /proc is not readable). */
static inline int t_count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (d == NULL)
                return -1;
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

#endif
