#include "listen_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config_parser.h"

static int parse_port(const char *s, uint16_t *port)
{
        uint64_t v;

        if (vsw_conf_parse_u64(s, 10, &v) < 0 || v == 0 || v > 65535)
                return -1;
        *port = (uint16_t)v;
        return 0;
}

int vsw_listen_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
        char host[INET6_ADDRSTRLEN + 1];
        const char *colon;
        uint16_t port;
        size_t hlen;

        memset(ss, 0, sizeof(*ss));
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

                if (!close || close[1] != ':' || (hlen = (size_t)(close - s - 1)) >= sizeof(host))
                        return -1;
                memcpy(host, s + 1, hlen);
                host[hlen] = '\0';
                if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1 || parse_port(close + 2, &port))
                        return -1;
                a->sin6_family = AF_INET6;
                a->sin6_port = htons(port);
                *len = sizeof(*a);
                return 0;
        }
        colon = strrchr(s, ':');
        if (!colon || (hlen = (size_t)(colon - s)) >= sizeof(host))
                return -1;
        struct sockaddr_in *a = (struct sockaddr_in *)ss;

        memcpy(host, s, hlen);
        host[hlen] = '\0';
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || parse_port(colon + 1, &port))
                return -1;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        *len = sizeof(*a);
        return 0;
}
