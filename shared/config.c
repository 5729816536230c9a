/* startup.conf: defaults, and reading the file (or the embedded default)
 * for the parser in config_parser.c. */
#include "config.h"
#include "vsw_rx_mode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char vsw_default_conf[];

#define MAX_FILE_BYTES (1u << 20)

void vsw_config_defaults(struct vsw_config *cfg)
{
        memset(cfg, 0, sizeof(*cfg));
        snprintf(cfg->runtime_dir, sizeof(cfg->runtime_dir), "/run/vhostsw");
        snprintf(cfg->cli_listen, sizeof(cfg->cli_listen), "ipc:///run/vhostsw/cli.sock");
        cfg->main_core = 0;
        cfg->nworkers = 0;
        snprintf(cfg->huge_dir, sizeof(cfg->huge_dir), "/dev/hugepages");
        cfg->socket_mem_mb = 256;
        snprintf(cfg->file_prefix, sizeof(cfg->file_prefix), "vhostsw");
        cfg->num_mbufs = 16384;
        cfg->uplink_bridge = 1;
        cfg->rx_retry = 1;
        cfg->rx_retry_delay_us = 15;
        cfg->rx_retry_num = 4;
        cfg->vm2vm = 1;
        cfg->vlan_strip = 0;
        cfg->reconnect_ms = 1000;
        cfg->max_guest_memory = VSW_DEFAULT_MAX_GUEST_MEMORY;
        cfg->max_mem_slots = VSW_MAX_MEM_REGIONS;
        cfg->rx_placement = VSW_RX_PLACEMENT_CYCLES;
        cfg->rx_mode = VSW_RX_MODE_POLLING;
        cfg->rx_adaptive_idle_us = VSW_DEFAULT_ADAPTIVE_IDLE_US;
        cfg->default_log_level = VSW_LOG_INFO;
        for (int c = 0; c < VSW_LOG_CLASS_MAX; c++)
                cfg->class_log_level[c] = -1;
}

static int read_file(const char *path, char **text, size_t *len, char *err, unsigned errlen)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) < 0) {
                snprintf(err, errlen, "%s: cannot open (%s), expected a readable startup.conf",
                         path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > MAX_FILE_BYTES) {
                snprintf(err, errlen,
                         "%s: not a regular file of at most %u bytes, expected a startup.conf",
                         path, MAX_FILE_BYTES);
                close(fd);
                return -1;
        }
        char *buf = malloc((size_t)sb.st_size + 1);
        if (!buf) {
                snprintf(err, errlen, "%s: out of memory, expected to read the config", path);
                close(fd);
                return -1;
        }
        size_t got = 0;
        while (got < (size_t)sb.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        snprintf(err, errlen,
                                 "%s: cannot read (%s), expected a readable startup.conf", path,
                                 strerror(errno));
                        free(buf);
                        close(fd);
                        return -1;
                }
                if (n == 0)
                        break; /* shrank while we read: parse what is there */
                got += (size_t)n;
        }
        close(fd);
        buf[got] = '\0';
        *text = buf;
        *len = got;
        return 0;
}

int vsw_config_load(struct vsw_config *cfg, const char *path, char *err, unsigned errlen)
{
        char dummy[1];
        if (!err || errlen == 0) {
                err = dummy;
                errlen = sizeof(dummy);
        }
        vsw_config_defaults(cfg);
        if (!path)
                return vsw_config_parse(cfg, NULL, vsw_default_conf, err, errlen);
        if (strlen(path) >= sizeof(cfg->path)) {
                snprintf(err, errlen,
                         "config path '%.64s...' is too long, expected at most %zu characters",
                         path, sizeof(cfg->path) - 1);
                return -1;
        }
        char *text;
        size_t len;
        if (read_file(path, &text, &len, err, errlen) < 0)
                return -1;
        /* The tokenizer stops at a NUL: one inside the file would hide the rest. */
        const char *nul = memchr(text, '\0', len);
        if (nul) {
                unsigned line = 1;
                for (const char *c = text; c < nul; c++)
                        line += *c == '\n';
                snprintf(err, errlen, "%s:%u: NUL byte, expected text", path, line);
                free(text);
                return -1;
        }
        int rc = vsw_config_parse(cfg, path, text, err, errlen);
        free(text);
        return rc;
}
