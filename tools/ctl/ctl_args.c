/* Values of command arguments. Each accepts the whole word or nothing:
 * "0x1g", "12 " or "" are errors, never a prefix silently used. */
#include "ctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int ctl_arg_hex64(const char *s, uint64_t *v)
{
        const char *p = s;
        char *end;
        unsigned long long x;

        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                p += 2;
        if (!isxdigit((unsigned char)*p))
                return -1;
        errno = 0;
        x = strtoull(p, &end, 16);
        if (errno || *end)
                return -1;
        *v = x;
        return 0;
}

int ctl_arg_u32(const char *s, uint32_t max, uint32_t *v)
{
        char *end;
        unsigned long long x;

        if (!isdigit((unsigned char)*s))
                return -1;
        errno = 0;
        x = strtoull(s, &end, 10);
        if (errno || *end || x > max)
                return -1;
        *v = (uint32_t)x;
        return 0;
}

int ctl_arg_mode(const char *s, uint32_t *v)
{
        char *end;
        unsigned long x;

        if (*s < '0' || *s > '7')
                return -1;
        errno = 0;
        x = strtoul(s, &end, 8);
        if (errno || *end || x > 07777)
                return -1;
        *v = (uint32_t)x;
        return 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* xx:xx:xx:xx:xx:xx, two hex digits per byte. */
int ctl_arg_mac(const char *s, uint8_t mac[6])
{
        for (int i = 0; i < 6; i++) {
                int hi = hexval(s[0]);
                int lo = hi < 0 ? -1 : hexval(s[1]);

                if (lo < 0)
                        return -1;
                mac[i] = (uint8_t)(hi << 4 | lo);
                s += 2;
                if (*s != (i == 5 ? '\0' : ':'))
                        return -1;
                if (i < 5)
                        s++;
        }
        return 0;
}
