/* The NPWG device-info file (k8snetworkplumbingwg device-info-spec): how
 * Multus learns the socket and puts it in the pod's network-status
 * annotation, where the pod reads it (downward API). */
#ifndef VSW_CNI_DEVINFO_H
#define VSW_CNI_DEVINFO_H

#include <stddef.h>

/* Writes {"type": "vhost-user", "vhost-user": {"mode": "client", "path":
 * sock}} to path (its directory made if missing): "client" as the spec
 * means it, the host made the socket and the pod attaches to it. 0, or a
 * CNI code with err. */
int cni_devinfo_write(const char *path, const char *sock, char *err, size_t errlen);

/* Removes it; a missing file is no error. */
void cni_devinfo_remove(const char *path);

#endif
