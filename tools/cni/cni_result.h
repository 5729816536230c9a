/* The JSON vhostsw-cni prints: ADD's result, VERSION's answer, errors. */
#ifndef VSW_CNI_RESULT_H
#define VSW_CNI_RESULT_H

#include <jansson.h>
#include <stdint.h>

#include "cni_config.h"

/* ADD's result: interfaces[0] the switch's interface (host side, no
 * sandbox), interfaces[1] the pod's (CNI_IFNAME, its MAC, CNI_NETNS as
 * sandbox, socketPath the vhost-user socket to open), then the IPAM
 * plugin's ips (each pointing at interface 1), routes and dns. NULL when
 * out of memory. */
json_t *cni_result_add(const struct cni_config *c, const struct cni_env *e, const char *host_name,
                       const char *sock, const uint8_t mac[6], json_t *ipam);

/* 0 when prev (CHECK's prevResult) holds the pod interface as ADD
 * returned it; else -1 with the difference in err. */
int cni_result_matches(json_t *prev, const struct cni_env *e, const char *sock,
                       const uint8_t mac[6], char *err, size_t errlen);

/* Prints j on stdout (and drops the reference): 0, or -1 on a write error. */
int cni_print(json_t *j);

/* Prints the CNI error object for code and msg. */
void cni_print_error(const char *version, int code, const char *msg);

#endif
