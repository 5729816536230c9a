/* What vhostsw-cni asks of vhostd, over the RPC vhost-ctl uses. Every
 * function returns 0 or a CNI error code with one line in err:
 * CNI_ERR_TRY_AGAIN when vhostd cannot be reached, CNI_ERR_VHOSTD when it
 * refuses. An attachment is found by its socket path, which ADD derives
 * from the container id and interface name: DEL and CHECK need no state of
 * their own. */
#ifndef VSW_CNI_VHOSTD_H
#define VSW_CNI_VHOSTD_H

#include <stddef.h>
#include <stdint.h>

#include "cni_config.h"

#define CNI_VHOSTD_NAME_LEN 64

/* Creates a server-mode vhost-user interface on sock for the pod's MAC,
 * puts it in the config's bridge domain and VLAN and sets it up; its
 * name in name. Undone entirely on failure. */
int cni_vhostd_attach(const struct cni_config *c, const char *sock, const uint8_t mac[6],
                      char *name, size_t namelen, char *err, size_t errlen);

/* Deletes the interface on sock; 0 too when there is none. */
int cni_vhostd_detach(const struct cni_config *c, const char *sock, char *err, size_t errlen);

/* 0 when an interface serves sock, in server mode, in the config's bridge
 * domain and VLAN (its name in name); else CNI_ERR_CHECK saying which. */
int cni_vhostd_check(const struct cni_config *c, const char *sock, char *name, size_t namelen,
                     char *err, size_t errlen);

#endif
