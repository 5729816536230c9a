/* vhostsw-cni's input: the network configuration (JSON on stdin) and the
 * CNI_* environment, both checked here before anything acts on them (the
 * runtime hands them over, but they come from whoever wrote the config). */
#ifndef VSW_CNI_CONFIG_H
#define VSW_CNI_CONFIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CNI_DEFAULT_SOCKET_DIR "/run/vhostsw/cni"
#define CNI_DEFAULT_ENDPOINT   "ipc:///run/vhostsw/cli.sock"
#define CNI_SOCK_PATH_MAX      108 /* sun_path, with its NUL */

struct cni_config {
        char cni_version[16];
        char name[128];
        char endpoint[256];   /* vhostd's RPC endpoint */
        char socket_dir[128]; /* per-pod directories are made under it */
        uint32_t bridge;      /* bridge domain 1-16777215 */
        uint32_t vlan;        /* access VLAN 1-4094, 0: none */
        char owner[64];       /* socket owner, group: names or numbers, "": vhostd's */
        char group[64];
        int32_t mode;        /* socket file mode, -1: vhostd's default */
        char ipam_type[64];  /* the IPAM plugin, "": none */
        json_t *prev_result; /* CHECK (and DEL): what ADD returned, or NULL */
        /* runtimeConfig.CNIDeviceInfoFile (NPWG device-info spec, from
         * Multus): where ADD describes the socket for the pod; "": none. */
        char devinfo_file[256];
};

struct cni_env {
        const char *command; /* ADD, DEL, CHECK, VERSION */
        const char *container_id;
        const char *netns;
        const char *ifname;
        const char *path; /* CNI_PATH: where delegated plugins are */
};

/* The CNI versions this plugin speaks; a config's cniVersion must be one. */
extern const char *const cni_supported_versions[];

/* Parses the network config in buf[0..len). 0, or a CNI error code with one
 * line in err naming what is wrong. cni_config_free() afterwards either way. */
int cni_config_parse(const char *buf, size_t len, struct cni_config *c, char *err, size_t errlen);
void cni_config_free(struct cni_config *c);

/* Reads and checks the CNI_* variables the command needs: 0, or
 * CNI_ERR_ENV with the offending variable named in err. */
int cni_env_read(struct cni_env *e, char *err, size_t errlen);

/* <socket_dir>/<container id> and <that>/<ifname>.sock. 0, or
 * CNI_ERR_CONFIG when the socket path would not fit a unix address. */
int cni_socket_paths(const struct cni_config *c, const struct cni_env *e, char *dir, size_t dirlen,
                     char *sock, size_t socklen, char *err, size_t errlen);

#endif
