/* IPAM by delegation, as CNI delegation works: the IPAM plugin named by
 * the config's ipam.type is run from CNI_PATH with our environment (its
 * CNI_COMMAND the one given) and the same network config on stdin. */
#ifndef VSW_CNI_IPAM_H
#define VSW_CNI_IPAM_H

#include <jansson.h>
#include <stddef.h>

#include "cni_config.h"

/* Runs the plugin. 0: it succeeded, *result its JSON output (NULL when it
 * printed nothing, as DEL and CHECK do; json_decref it). Else the CNI code
 * of its error (its own, passed through) with its message in err. */
int cni_ipam_exec(const struct cni_env *e, const char *type, const char *command, const char *conf,
                  size_t len, json_t **result, char *err, size_t errlen);

#endif
