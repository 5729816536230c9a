/* libFuzzer target for vhostsw-cni's network config parser
 * (tools/cni/cni_config.c): the JSON a runtime hands the plugin on stdin,
 * written by whoever wrote the network attachment. Any bytes: no crash,
 * no leak, no undefined behaviour. A config it accepts holds only values
 * the plugin may act on; one it refuses gets a CNI error code and one line
 * saying why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni_config.h"
#include "cni_error.h"

static void require(int cond)
{
        if (!cond)
                abort();
}

static void check_accepted(const struct cni_config *c)
{
        const struct cni_env e = {.command = "ADD", .container_id = "c0ffee", .ifname = "eth0"};
        char dir[CNI_SOCK_PATH_MAX], sock[CNI_SOCK_PATH_MAX], err[256] = "";
        int supported = 0;

        for (int i = 0; cni_supported_versions[i]; i++)
                supported |= !strcmp(c->cni_version, cni_supported_versions[i]);
        require(supported && c->name[0]);
        require(c->bridge >= 1 && c->bridge <= 16777215 && c->vlan <= 4094);
        require(c->mode >= -1 && c->mode <= 07777);
        require(c->socket_dir[0] == '/' && !strstr(c->socket_dir, ".."));
        require(!strchr(c->ipam_type, '/') && c->ipam_type[0] != '.');
        require(!strchr(c->owner, '/') && !strchr(c->group, '/'));
        require(!c->prev_result || json_is_object(c->prev_result));
        require(!c->devinfo_file[0] ||
                (c->devinfo_file[0] == '/' && !strstr(c->devinfo_file, "..")));
        if (cni_socket_paths(c, &e, dir, sizeof(dir), sock, sizeof(sock), err, sizeof(err)))
                require(err[0] && !strchr(err, '\n'));
        else
                require(strlen(sock) < CNI_SOCK_PATH_MAX && !strncmp(sock, dir, strlen(dir)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cni_config c;
        char err[512] = "";
        int rc = cni_config_parse((const char *)data, size, &c, err, sizeof(err));

        if (rc) {
                require(rc == CNI_ERR_VERSION || rc == CNI_ERR_FIELD || rc == CNI_ERR_DECODE ||
                        rc == CNI_ERR_CONFIG);
                require(err[0] && !strchr(err, '\n'));
        } else {
                check_accepted(&c);
        }
        cni_config_free(&c);
        return 0;
}
