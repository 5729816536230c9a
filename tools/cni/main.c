/* vhostsw-cni: a CNI plugin (spec 1.0.0, and 0.4.0) attaching pods to
 * vhostsw as vhost-user interfaces. A container runtime runs it with
 * CNI_COMMAND (ADD, DEL, CHECK, VERSION) and the other CNI_* variables in
 * the environment and the network config on stdin; it prints the result
 * (ADD), nothing (DEL, CHECK) or a CNI error object on stdout, exiting 0
 * on success and 1 on an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_config.h"
#include "cni_devinfo.h"
#include "cni_error.h"
#include "cni_ipam.h"
#include "cni_result.h"
#include "cni_vhostd.h"

#define STDIN_MAX (1 << 20)
#define ERR_LEN   512
#define LATEST    "1.0.0"

struct cni_run {
        struct cni_config cfg;
        struct cni_env env;
        const char *conf; /* stdin as given, for the IPAM plugin */
        size_t len;
        char dir[CNI_SOCK_PATH_MAX], sock[CNI_SOCK_PATH_MAX];
        uint8_t mac[6];
        char err[ERR_LEN];
};

static char *read_stdin(size_t *len)
{
        size_t cap = 4096, n = 0;
        char *buf = malloc(cap);

        while (buf) {
                size_t r;

                if (n == cap) {
                        char *b = cap < STDIN_MAX ? realloc(buf, cap * 2) : NULL;

                        if (!b)
                                break;
                        buf = b;
                        cap *= 2;
                }
                r = fread(buf + n, 1, cap - n, stdin);
                n += r;
                if (r == 0) {
                        if (ferror(stdin))
                                break;
                        *len = n;
                        return buf;
                }
        }
        free(buf);
        return NULL;
}

/* The pod's MAC, the same for every command on one attachment: from the
 * container id and interface name, locally administered, unicast. */
static void pod_mac(const struct cni_env *e, uint8_t mac[6])
{
        uint64_t h = 14695981039346656037ull; /* FNV-1a */
        const char *parts[] = {e->container_id, "/", e->ifname};

        for (int p = 0; p < 3; p++)
                for (const char *s = parts[p]; *s; s++)
                        h = (h ^ (uint8_t)*s) * 1099511628211ull;
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)(h >> (8 * i));
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

static int make_dirs(struct cni_run *r)
{
        char path[sizeof(r->dir)];

        /* Each ancestor of the pod directory, then it: 0755, so that the
         * pod (whatever its uid) reaches the socket, which has its own mode. */
        snprintf(path, sizeof(path), "%s", r->dir);
        for (char *p = path + 1;; p++) {
                if (*p && *p != '/')
                        continue;
                char c = *p;

                *p = '\0';
                if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                        snprintf(r->err, sizeof(r->err), "cannot create %s: %s", path,
                                 strerror(errno));
                        return CNI_ERR_IO;
                }
                if (!c)
                        return 0;
                *p = c;
        }
}

/* The socket (vhostd unlinks it, this is in case it could not) and the
 * pod directory when nothing else of the pod's is left in it. */
static void remove_files(struct cni_run *r)
{
        if (unlink(r->sock) < 0 && errno != ENOENT)
                fprintf(stderr, "vhostsw-cni: %s: %s\n", r->sock, strerror(errno));
        if (rmdir(r->dir) < 0 && errno != ENOENT && errno != ENOTEMPTY)
                fprintf(stderr, "vhostsw-cni: %s: %s\n", r->dir, strerror(errno));
}

static int ipam(struct cni_run *r, const char *command, json_t **out)
{
        json_t *ignored = NULL;
        int rc;

        if (!r->cfg.ipam_type[0]) {
                if (out)
                        *out = NULL;
                return 0;
        }
        rc = cni_ipam_exec(&r->env, r->cfg.ipam_type, command, r->conf, r->len,
                           out ? out : &ignored, r->err, sizeof(r->err));
        json_decref(ignored);
        return rc;
}

/* ADD failed part way: what it did is undone, its error kept in r->err. */
static void undo_add(struct cni_run *r, int leased)
{
        char ignored[ERR_LEN];
        json_t *none = NULL;

        if (leased)
                cni_ipam_exec(&r->env, r->cfg.ipam_type, "DEL", r->conf, r->len, &none, ignored,
                              sizeof(ignored));
        json_decref(none);
        cni_vhostd_detach(&r->cfg, r->sock, ignored, sizeof(ignored));
        remove_files(r);
}

static int cmd_add(struct cni_run *r)
{
        char name[CNI_VHOSTD_NAME_LEN];
        json_t *ip = NULL, *res;
        int rc;

        if ((rc = make_dirs(r)))
                return rc;
        rc =
            cni_vhostd_attach(&r->cfg, r->sock, r->mac, name, sizeof(name), r->err, sizeof(r->err));
        if (rc) {
                /* The socket may be a live attachment's (an ADD repeated):
                 * only the directory goes, and only if this ADD left it empty. */
                if (rmdir(r->dir) < 0 && errno != ENOTEMPTY && errno != ENOENT)
                        fprintf(stderr, "vhostsw-cni: %s: %s\n", r->dir, strerror(errno));
                return rc;
        }
        rc = ipam(r, "ADD", &ip);
        if (rc) {
                undo_add(r, 0);
                return rc;
        }
        if (r->cfg.devinfo_file[0] &&
            (rc = cni_devinfo_write(r->cfg.devinfo_file, r->sock, r->err, sizeof(r->err)))) {
                json_decref(ip);
                undo_add(r, r->cfg.ipam_type[0] != '\0');
                return rc;
        }
        res = cni_result_add(&r->cfg, &r->env, name, r->sock, r->mac, ip);
        json_decref(ip);
        if (!res) {
                snprintf(r->err, sizeof(r->err), "out of memory building the result");
                return CNI_ERR_IO;
        }
        if (cni_print(res)) {
                snprintf(r->err, sizeof(r->err), "cannot write the result: %s", strerror(errno));
                return CNI_ERR_IO;
        }
        return 0;
}

/* Idempotent: whatever is already gone is not an error. */
static int cmd_del(struct cni_run *r)
{
        int rc = cni_vhostd_detach(&r->cfg, r->sock, r->err, sizeof(r->err));

        if (rc)
                return rc;
        remove_files(r);
        if (r->cfg.devinfo_file[0])
                cni_devinfo_remove(r->cfg.devinfo_file);
        return ipam(r, "DEL", NULL);
}

static int cmd_check(struct cni_run *r)
{
        char name[CNI_VHOSTD_NAME_LEN];
        struct stat st;
        int rc;

        if (!r->cfg.prev_result) {
                snprintf(r->err, sizeof(r->err), "network config: CHECK needs prevResult");
                return CNI_ERR_CONFIG;
        }
        if (cni_result_matches(r->cfg.prev_result, &r->env, r->sock, r->mac, r->err,
                               sizeof(r->err)))
                return CNI_ERR_CHECK;
        rc = cni_vhostd_check(&r->cfg, r->sock, name, sizeof(name), r->err, sizeof(r->err));
        if (rc)
                return rc;
        if (stat(r->sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
                snprintf(r->err, sizeof(r->err), "%s: socket %s is missing", name, r->sock);
                return CNI_ERR_CHECK;
        }
        return ipam(r, "CHECK", NULL);
}

static int cmd_version(void)
{
        json_t *v = json_pack("{s:s, s:[]}", "cniVersion", LATEST, "supportedVersions");

        for (int i = 0; v && cni_supported_versions[i]; i++)
                json_array_append_new(json_object_get(v, "supportedVersions"),
                                      json_string(cni_supported_versions[i]));
        return v && !cni_print(v) ? 0 : CNI_ERR_IO;
}

static int run(struct cni_run *r)
{
        int rc = cni_env_read(&r->env, r->err, sizeof(r->err));

        if (rc)
                return rc;
        if (!strcmp(r->env.command, "VERSION"))
                return cmd_version();
        if ((rc = cni_config_parse(r->conf, r->len, &r->cfg, r->err, sizeof(r->err))) ||
            (rc = cni_socket_paths(&r->cfg, &r->env, r->dir, sizeof(r->dir), r->sock,
                                   sizeof(r->sock), r->err, sizeof(r->err))))
                return rc;
        pod_mac(&r->env, r->mac);
        if (!strcmp(r->env.command, "ADD"))
                return cmd_add(r);
        if (!strcmp(r->env.command, "DEL"))
                return cmd_del(r);
        return cmd_check(r);
}

int main(void)
{
        static struct cni_run r;
        char *conf = read_stdin(&r.len);
        int rc;

        if (!conf) {
                cni_print_error(LATEST, CNI_ERR_IO, "cannot read the network config on stdin");
                return 1;
        }
        r.conf = conf;
        rc = run(&r);
        if (rc)
                cni_print_error(r.cfg.cni_version[0] ? r.cfg.cni_version : LATEST, rc, r.err);
        cni_config_free(&r.cfg);
        free(conf);
        return rc ? 1 : 0;
}
