/* The command table: each command of the shared list (proto/vsw_commands.def)
 * with its argument grammar, help line, parser and reply printer side by
 * side, so `help` shows exactly what the parsers accept (VPP keeps its CLI
 * help next to the handler the same way). Every bad word is caught here,
 * before anything is sent. */
#include "ctl.h"
#include "vsw_rx_mode.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "vsw_bridge.h"
#include "virtio_spec.h"
#include "vsw_state.h"

#include "ctl_json.h"
#include "vsw_commands.h"

/* A command's argument grammar, help line, parser and reply printer, as
 * CTL_<field> (the field of proto/vsw_commands.def) right after its parser. */
#define CTL_GRAMMAR(args, help, parse, print) args, help, parse, print

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

static int no_more(int argc, char **argv, int i, const char *cmd, char *err, size_t errlen)
{
        if (i < argc)
                return fail(err, errlen, "unexpected word '%s' after '%s'", argv[i], cmd);
        return 0;
}

/* The word after option argv[*i], consumed; NULL (and err set) when the
 * command line ends first. */
static char *value_of(int argc, char **argv, int *i, const char *metavar, char *err, size_t errlen)
{
        if (*i + 1 >= argc) {
                fail(err, errlen, "'%s' needs a value %s", argv[*i], metavar);
                return NULL;
        }
        return argv[++*i];
}

static int check_name(const char *name, char *err, size_t errlen)
{
        if (!*name || strlen(name) >= VSW_NAME_LEN)
                return fail(err, errlen, "bad interface name '%s'", name);
        return 0;
}

/* A user or group as startup.conf takes it: a name (letters, digits, . _ -
 * and $) or a number; vhostd checks that it exists. */
static int check_account(const char *opt, const char *v, size_t max, char *err, size_t errlen)
{
        size_t len = strlen(v);

        if (!len || len >= max || v[0] == '-' ||
            strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-$") != len)
                return fail(err, errlen, "bad %s '%s'", opt, v);
        return 0;
}

#define TWICE(opt) fail(err, errlen, "'%s' given twice", opt)

static int parse_create(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__CreateVhostUserRequest *c = &r->u.create;
        struct vsw_boot_iface sizes; /* the option fields bound the lengths */

        vsw__create_vhost_user_request__init(c);
        r->req.create_vhost_user = c;
        for (int i = 0; i < argc; i++) {
                const char *w = argv[i];
                char *v = NULL;

                if (!strcmp(w, "server")) {
                        if (c->has_server)
                                return TWICE(w);
                        c->has_server = c->server = 1;
                        continue;
                }
                if (!strcmp(w, "socket")) {
                        if (c->socket)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<path>", err, errlen)))
                                return -1;
                        if (v[0] != '/')
                                return fail(err, errlen, "socket path '%s' is not absolute", v);
                        if (strlen(v) >= VSW_PATH_LEN)
                                return fail(err, errlen, "socket path '%s' is longer than %d bytes",
                                            v, VSW_PATH_LEN - 1);
                        c->socket = v;
                } else if (!strcmp(w, "feature-mask")) {
                        if (c->has_feature_mask)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<hex>", err, errlen)))
                                return -1;
                        if (ctl_arg_hex64(v, &c->feature_mask))
                                return fail(err, errlen, "bad hex value '%s' for feature-mask", v);
                        c->has_feature_mask = 1;
                } else if (!strcmp(w, "hwaddr")) {
                        if (c->has_hwaddr)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<mac>", err, errlen)))
                                return -1;
                        if (ctl_arg_mac(v, r->hwaddr))
                                return fail(
                                    err, errlen,
                                    "bad MAC address '%s' for hwaddr, expected xx:xx:xx:xx:xx:xx",
                                    v);
                        if (r->hwaddr[0] & 1)
                                return fail(err, errlen, "hwaddr '%s' is a multicast address", v);
                        c->has_hwaddr = 1;
                        c->hwaddr.data = r->hwaddr;
                        c->hwaddr.len = sizeof(r->hwaddr);
                } else if (!strcmp(w, "renumber")) {
                        if (c->has_renumber)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<n>", err, errlen)))
                                return -1;
                        if (ctl_arg_u32(v, INT32_MAX, &c->renumber))
                                return fail(err, errlen, "bad number '%s' for renumber", v);
                        c->has_renumber = 1;
                } else if (!strcmp(w, "owner")) {
                        if (c->owner)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<user>", err, errlen)))
                                return -1;
                        if (check_account("owner", v, sizeof(sizes.owner), err, errlen))
                                return -1;
                        c->owner = v;
                } else if (!strcmp(w, "group")) {
                        if (c->group)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<group>", err, errlen)))
                                return -1;
                        if (check_account("group", v, sizeof(sizes.group), err, errlen))
                                return -1;
                        c->group = v;
                } else if (!strcmp(w, "mode")) {
                        if (c->has_mode)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<octal>", err, errlen)))
                                return -1;
                        if (ctl_arg_mode(v, &c->mode))
                                return fail(err, errlen,
                                            "bad octal mode '%s' for mode, expected e.g. 0660", v);
                        c->has_mode = 1;
                } else {
                        return fail(err, errlen, "unknown word '%s' in 'create vhost-user'", w);
                }
        }
        if (!c->socket)
                return fail(err, errlen, "'create vhost-user' needs 'socket <path>'");
        return 0;
}
#define CTL_create_vhost_user                                                                      \
        CTL_GRAMMAR(                                                                               \
            "socket <path> [server] [feature-mask <hex>] [hwaddr <mac>] [renumber <n>] "           \
            "[owner <user>] [group <group>] [mode <octal>]",                                       \
            "create a vhost-user interface (server: vhostsw listens on the socket) and print its " \
            "name",                                                                                \
            parse_create, ctl_print_created)

static int parse_delete(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__DeleteVhostUserRequest *d = &r->u.del;
        int i = 0;

        vsw__delete_vhost_user_request__init(d);
        r->req.delete_vhost_user = d;
        if (argc == 0)
                return fail(err, errlen, "'delete vhost-user' needs <name> or 'sw_if_index <n>'");
        if (!strcmp(argv[0], "sw_if_index")) {
                const char *v = value_of(argc, argv, &i, "<n>", err, errlen);

                if (!v)
                        return -1;
                if (ctl_arg_u32(v, UINT32_MAX, &d->sw_if_index))
                        return fail(err, errlen, "bad number '%s' for sw_if_index", v);
                d->has_sw_if_index = 1;
        } else {
                if (check_name(argv[0], err, errlen))
                        return -1;
                d->name = argv[0];
        }
        return no_more(argc, argv, i + 1, "delete vhost-user", err, errlen);
}
#define CTL_delete_vhost_user                                                                      \
        CTL_GRAMMAR("{<name> | sw_if_index <n>}", "delete a vhost-user interface", parse_delete,   \
                    ctl_print_ok)

static int parse_state(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceStateRequest *s = &r->u.state;

        vsw__set_interface_state_request__init(s);
        r->req.set_interface_state = s;
        if (argc < 2)
                return fail(err, errlen, "'set interface state' needs <name> {up | down}");
        if (check_name(argv[0], err, errlen))
                return -1;
        s->name = argv[0];
        if (!strcmp(argv[1], "up"))
                s->up = 1;
        else if (strcmp(argv[1], "down"))
                return fail(err, errlen, "bad state '%s', expected up or down", argv[1]);
        return no_more(argc, argv, 2, "set interface state", err, errlen);
}
#define CTL_set_interface_state                                                                    \
        CTL_GRAMMAR("<name> {up | down}", "set an interface's admin state", parse_state,           \
                    ctl_print_ok)

static int parse_placement(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceRxPlacementRequest *p = &r->u.placement;

        vsw__set_interface_rx_placement_request__init(p);
        r->req.set_interface_rx_placement = p;
        if (argc < 5 || strcmp(argv[1], "queue") || strcmp(argv[3], "worker"))
                return fail(err, errlen,
                            "'set interface rx-placement' needs <name> queue <n> worker "
                            "{<n> | auto}");
        if (check_name(argv[0], err, errlen))
                return -1;
        p->name = argv[0];
        if (ctl_arg_u32(argv[2], UINT32_MAX, &p->queue))
                return fail(err, errlen, "bad queue '%s', expected a number", argv[2]);
        if (strcmp(argv[4], "auto") == 0)
                p->has_unpin = p->unpin = 1;
        else if (ctl_arg_u32(argv[4], UINT32_MAX, &p->worker))
                return fail(err, errlen, "bad worker '%s', expected a number or auto", argv[4]);
        return no_more(argc, argv, 5, "set interface rx-placement", err, errlen);
}
#define CTL_set_interface_rx_placement                                                             \
        CTL_GRAMMAR(                                                                               \
            "<name> queue <n> worker {<n> | auto}",                                                \
            "poll queue pair <n> of an interface (both its vrings) on worker <n> (0: the first), " \
            "pinned: 'set rx-placement rebalance' leaves it there; auto: unpinned again",          \
            parse_placement, ctl_print_ok)

static int parse_rx_mode(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceRxModeRequest *m = &r->u.rx_mode;
        int i = 1;

        vsw__set_interface_rx_mode_request__init(m);
        r->req.set_interface_rx_mode = m;
        if (argc < 2)
                return fail(err, errlen,
                            "'set interface rx-mode' needs <name> [queue <n>] "
                            "{polling | interrupt | adaptive}");
        if (check_name(argv[0], err, errlen))
                return -1;
        m->name = argv[0];
        if (!strcmp(argv[1], "queue")) {
                if (argc < 4)
                        return fail(err, errlen,
                                    "'set interface rx-mode <name> queue <n>' needs a mode after "
                                    "the queue");
                if (ctl_arg_u32(argv[2], UINT32_MAX, &m->queue))
                        return fail(err, errlen, "bad queue '%s', expected a number", argv[2]);
                m->has_queue = 1;
                i = 3;
        }
        if (vsw_rx_mode_parse(argv[i]) < 0)
                return fail(err, errlen,
                            "bad rx-mode '%s', expected polling, interrupt or adaptive", argv[i]);
        m->mode = argv[i];
        return no_more(argc, argv, i + 1, "set interface rx-mode", err, errlen);
}
#define CTL_set_interface_rx_mode                                                                  \
        CTL_GRAMMAR("<name> [queue <n>] {polling | interrupt | adaptive}",                         \
                    "how workers wait for frames from an interface's queue pair <n> (all without " \
                    "queue): busy-poll, sleep until the guest kicks, or poll while busy and "      \
                    "sleep when idle",                                                             \
                    parse_rx_mode, ctl_print_ok)

static int parse_show_vhost(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__ShowVhostUserRequest *s = &r->u.show_vhost;

        vsw__show_vhost_user_request__init(s);
        r->req.show_vhost_user = s;
        s->names = r->names;
        for (int i = 0; i < argc; i++) {
                if (check_name(argv[i], err, errlen))
                        return -1;
                if (s->n_names == CTL_MAX_NAMES)
                        return fail(err, errlen, "more than %d interface names", CTL_MAX_NAMES);
                s->names[s->n_names++] = argv[i];
        }
        return 0;
}
#define CTL_show_vhost_user                                                                        \
        CTL_GRAMMAR(                                                                               \
            "[<name> ...]",                                                                        \
            "features, socket, memory regions, virtqueues and faults of vhost-user interfaces",    \
            parse_show_vhost, ctl_print_show_vhost)

static int parse_show_iface(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__ShowInterfaceRequest *s = &r->u.show_iface;

        vsw__show_interface_request__init(s);
        r->req.show_interface = s;
        s->names = r->names;
        if (argc > 0) {
                if (check_name(argv[0], err, errlen))
                        return -1;
                s->names[s->n_names++] = argv[0];
        }
        return no_more(argc, argv, 1, "show interface", err, errlen);
}
#define CTL_show_interface                                                                         \
        CTL_GRAMMAR("[<name>]", "admin and link state and counters of interfaces",                 \
                    parse_show_iface, ctl_print_show_iface)

static int parse_debug(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__DebugVhostUserRequest *d = &r->u.debug;

        vsw__debug_vhost_user_request__init(d);
        r->req.debug_vhost_user = d;
        if (argc == 0)
                return fail(err, errlen, "'debug vhost-user' needs on or off");
        if (!strcmp(argv[0], "on"))
                d->on = 1;
        else if (strcmp(argv[0], "off"))
                return fail(err, errlen, "bad value '%s', expected on or off", argv[0]);
        return no_more(argc, argv, 1, "debug vhost-user", err, errlen);
}
#define CTL_debug_vhost_user                                                                       \
        CTL_GRAMMAR("{on | off}", "log every vhost-user message", parse_debug, ctl_print_ok)

static const char *class_name(int i)
{
        return vsw_log_class_name((enum vsw_log_class)i);
}

static const char *level_name(int i)
{
        return vsw_log_level_name((enum vsw_log_level)i);
}

/* "a, b, c": the names log.c knows, so the message cannot go stale. */
static const char *name_list(char *buf, size_t len, int n, const char *(*name)(int))
{
        size_t off = 0;

        buf[0] = '\0';
        for (int i = 0; i < n && off < len; i++)
                off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", name(i));
        return buf;
}

static int parse_logging(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetLoggingRequest *l = &r->u.logging;
        char names[160];

        vsw__set_logging_request__init(l);
        r->req.set_logging = l;
        if (argc == 0)
                return fail(err, errlen, "'set logging class' needs <class> level <level>");
        l->log_class = argv[0];
        if (vsw_log_class_from_name(argv[0]) < 0)
                return fail(err, errlen, "unknown log class '%s', expected one of: %s", argv[0],
                            name_list(names, sizeof(names), VSW_LOG_CLASS_MAX, class_name));
        if (argc < 2 || strcmp(argv[1], "level"))
                return fail(err, errlen, "'set logging class %s' needs 'level <level>'", argv[0]);
        if (argc < 3)
                return fail(err, errlen, "'level' needs a value <level>");
        l->level = argv[2];
        if (vsw_log_level_from_name(argv[2]) < 0)
                return fail(err, errlen, "unknown log level '%s', expected one of: %s", argv[2],
                            name_list(names, sizeof(names), VSW_LOG_LEVEL_MAX, level_name));
        return no_more(argc, argv, 3, "set logging class", err, errlen);
}
#define CTL_set_logging                                                                            \
        CTL_GRAMMAR("<class> level <level>", "set the log level of a log class", parse_logging,    \
                    ctl_print_ok)

static int parse_show_log(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_log_request__init(&r->u.show_log);
        r->req.show_log = &r->u.show_log;
        return no_more(argc, argv, 0, "show log", err, errlen);
}
#define CTL_show_log CTL_GRAMMAR("", "the last lines vhostd logged", parse_show_log, ctl_print_log)

static int parse_show_version(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_version_request__init(&r->u.show_version);
        r->req.show_version = &r->u.show_version;
        return no_more(argc, argv, 0, "show version", err, errlen);
}
#define CTL_show_version                                                                           \
        CTL_GRAMMAR("", "vhost-ctl and vhostd versions, vhostd generation and pid",                \
                    parse_show_version, ctl_print_version)

static int parse_restart(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__RestartControlRequest *q = &r->u.restart;

        vsw__restart_control_request__init(q);
        r->req.restart_control = q;
        if (argc == 0)
                return 0;
        if (strcmp(argv[0], "binary"))
                return fail(err, errlen, "unknown word '%s' after 'restart control'", argv[0]);
        if (argc < 2)
                return fail(err, errlen, "'binary' needs a value <path>");
        if (argv[1][0] != '/')
                return fail(err, errlen, "binary '%s' must be an absolute path", argv[1]);
        q->binary = argv[1];
        return no_more(argc, argv, 2, "restart control", err, errlen);
}
#define CTL_restart_control                                                                        \
        CTL_GRAMMAR(                                                                               \
            "[binary <path>]",                                                                     \
            "hand vhostd over to a new generation (of <path>, default the installed vhostd); "     \
            "VMs stay connected",                                                                  \
            parse_restart, ctl_print_restarting)

static int parse_show_rx_placement(struct ctl_req *r, int argc, char **argv, char *err,
                                   size_t errlen)
{
        vsw__show_interface_rx_placement_request__init(&r->u.show_rxp);
        r->req.show_interface_rx_placement = &r->u.show_rxp;
        return no_more(argc, argv, 0, "show interface rx-placement", err, errlen);
}
#define CTL_show_interface_rx_placement                                                            \
        CTL_GRAMMAR("", "per worker, the guest TX queues it runs, with their rx-mode and state",   \
                    parse_show_rx_placement, ctl_print_rx_placement)

static int parse_show_workers(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_workers_request__init(&r->u.show_workers);
        r->req.show_workers = &r->u.show_workers;
        return no_more(argc, argv, 0, "show workers", err, errlen);
}
#define CTL_show_workers                                                                           \
        CTL_GRAMMAR("", "vhost-dp workers: pid, lcore, state, restarts, heartbeat age, drops",     \
                    parse_show_workers, ctl_print_workers)

static int parse_show_uplink(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_uplink_request__init(&r->u.show_uplink);
        r->req.show_uplink = &r->u.show_uplink;
        return no_more(argc, argv, 0, "show uplink", err, errlen);
}
#define CTL_show_uplink                                                                            \
        CTL_GRAMMAR(                                                                               \
            "",                                                                                    \
            "the uplink port: devargs, driver, link, steering mode (vmdq or software) and why, "   \
            "queues "                                                                              \
            "per worker, vm2vm, vlan-strip, each worker's uplink counters, registered VM MACs",    \
            parse_show_uplink, ctl_print_uplink)

static int parse_show_runtime(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_runtime_request__init(&r->u.show_runtime);
        r->req.show_runtime = &r->u.show_runtime;
        return no_more(argc, argv, 0, "show runtime", err, errlen);
}
#define CTL_show_runtime                                                                           \
        CTL_GRAMMAR("",                                                                            \
                    "each worker's poll loop (VPP's show runtime): polls, frames in and out, "     \
                    "frames per poll, clocks per frame, idle polls, since start and since "        \
                    "'clear runtime'; each queue pair's share of its worker's cycles",             \
                    parse_show_runtime, ctl_print_runtime)

static int parse_clear_runtime(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__clear_runtime_request__init(&r->u.clear_runtime);
        r->req.clear_runtime = &r->u.clear_runtime;
        return no_more(argc, argv, 0, "clear runtime", err, errlen);
}
#define CTL_clear_runtime                                                                          \
        CTL_GRAMMAR("",                                                                            \
                    "start 'show runtime''s since-clear figures (and the cycles a rebalance "      \
                    "weighs) from now",                                                            \
                    parse_clear_runtime, ctl_print_ok)

static int parse_rebalance(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__set_rx_placement_rebalance_request__init(&r->u.rebalance);
        r->req.set_rx_placement_rebalance = &r->u.rebalance;
        return no_more(argc, argv, 0, "set rx-placement rebalance", err, errlen);
}
#define CTL_set_rx_placement_rebalance                                                             \
        CTL_GRAMMAR("",                                                                            \
                    "spread the queue pairs nobody pinned over the workers by the cycles each "    \
                    "used since 'clear runtime' (vhost { rx-placement cycles }, the default) or "  \
                    "by count (roundrobin); prints the moves",                                     \
                    parse_rebalance, ctl_print_rebalance)
static int parse_show_errors(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_errors_request__init(&r->u.show_errors);
        r->req.show_errors = &r->u.show_errors;
        return no_more(argc, argv, 0, "show errors", err, errlen);
}
#define CTL_show_errors                                                                            \
        CTL_GRAMMAR("",                                                                            \
                    "every drop and error counter that is not zero, by interface (direction) "     \
                    "and reason, then workers and uplink",                                         \
                    parse_show_errors, ctl_print_errors)

/* VPP's `pcap trace [rx] [tx] [max <n>] [intfc <if>|any] [file <path>]` and
 * `pcap trace off`; as in VPP max defaults to 100 and intfc to any. */
static int parse_pcap_trace(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__PcapTraceRequest *t = &r->u.pcap_trace;

        vsw__pcap_trace_request__init(t);
        r->req.pcap_trace = t;
        if (argc >= 1 && !strcmp(argv[0], "off")) {
                t->has_off = t->off = 1;
                return no_more(argc, argv, 1, "pcap trace off", err, errlen);
        }
        t->has_max = 1;
        t->max = 100;
        t->file = "/tmp/vhostsw.pcapng";
        for (int i = 0; i < argc; i++) {
                const char *v;

                if (!strcmp(argv[i], "rx")) {
                        t->has_rx = t->rx = 1;
                } else if (!strcmp(argv[i], "tx")) {
                        t->has_tx = t->tx = 1;
                } else if (!strcmp(argv[i], "max")) {
                        if (!(v = value_of(argc, argv, &i, "<packets>", err, errlen)))
                                return -1;
                        if (ctl_arg_u32(v, UINT32_MAX, &t->max) || t->max == 0)
                                return fail(err, errlen,
                                            "bad max '%s', expected packets, 1 or more", v);
                } else if (!strcmp(argv[i], "intfc")) {
                        if (!(v = value_of(argc, argv, &i, "<name> | any", err, errlen)))
                                return -1;
                        if (strcmp(v, "any") && check_name(v, err, errlen))
                                return -1;
                        t->intfc = strcmp(v, "any") ? (char *)v : NULL;
                } else if (!strcmp(argv[i], "file")) {
                        if (!(v = value_of(argc, argv, &i, "<path>", err, errlen)))
                                return -1;
                        if (v[0] != '/')
                                return fail(err, errlen, "bad file '%s', expected an absolute path",
                                            v);
                        t->file = (char *)v;
                } else {
                        return fail(err, errlen,
                                    "unexpected word '%s' in 'pcap trace', expected rx, tx, max, "
                                    "intfc, file or off",
                                    argv[i]);
                }
        }
        if (!t->has_rx && !t->has_tx)
                return fail(err, errlen, "'pcap trace' needs rx, tx or both");
        return 0;
}
#define CTL_pcap_trace                                                                             \
        CTL_GRAMMAR("{[rx] [tx] [max <n>] [intfc <name> | any] [file <path>] | off}",              \
                    "capture an interface's frames (rx: received from its guest, tx: sent to "     \
                    "it) into a pcapng file (default /tmp/vhostsw.pcapng) until max packets "      \
                    "(default 100) or 'pcap trace off'",                                           \
                    parse_pcap_trace, ctl_print_pcap)

static int parse_show_pcap(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_pcap_trace_request__init(&r->u.show_pcap);
        r->req.show_pcap_trace = &r->u.show_pcap;
        return no_more(argc, argv, 0, "show pcap trace", err, errlen);
}
#define CTL_show_pcap_trace                                                                        \
        CTL_GRAMMAR("",                                                                            \
                    "the capture running (packets written, frames not copied) or how the last "    \
                    "one ended",                                                                   \
                    parse_show_pcap, ctl_print_pcap)

static int bd_id_of(const char *v, uint32_t *id, char *err, size_t errlen)
{
        if (ctl_arg_u32(v, VSW_BRIDGE_ID_MAX, id) || *id == 0)
                return fail(err, errlen, "bad bridge domain id '%s', expected 1-%u", v,
                            VSW_BRIDGE_ID_MAX);
        return 0;
}

static int parse_l2_bridge(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceL2BridgeRequest *b = &r->u.l2_bridge;

        vsw__set_interface_l2_bridge_request__init(b);
        r->req.set_interface_l2_bridge = b;
        if (argc < 2)
                return fail(err, errlen, "'set interface l2 bridge' needs <name> <bd-id>");
        if (check_name(argv[0], err, errlen) || bd_id_of(argv[1], &b->bd_id, err, errlen))
                return -1;
        b->name = argv[0];
        return no_more(argc, argv, 2, "set interface l2 bridge", err, errlen);
}
#define CTL_set_interface_l2_bridge                                                                \
        CTL_GRAMMAR("<name> <bd-id>",                                                              \
                    "put an interface into bridge domain <bd-id> (1-16777215, created if needed)", \
                    parse_l2_bridge, ctl_print_ok)

static int parse_l3(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceL3Request *l = &r->u.l3;

        vsw__set_interface_l3_request__init(l);
        r->req.set_interface_l3 = l;
        if (argc < 1)
                return fail(err, errlen, "'set interface l3' needs <name>");
        if (check_name(argv[0], err, errlen))
                return -1;
        l->name = argv[0];
        return no_more(argc, argv, 1, "set interface l3", err, errlen);
}
#define CTL_set_interface_l3                                                                       \
        CTL_GRAMMAR("<name>", "take an interface out of its bridge domain (not forwarded)",        \
                    parse_l3, ctl_print_ok)

static int parse_vlan(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceVlanRequest *v = &r->u.vlan;

        vsw__set_interface_vlan_request__init(v);
        r->req.set_interface_vlan = v;
        if (argc < 2)
                return fail(err, errlen, "'set interface vlan' needs <name> {<vlan-id> | none}");
        if (check_name(argv[0], err, errlen))
                return -1;
        v->name = argv[0];
        if (strcmp(argv[1], "none") &&
            (ctl_arg_u32(argv[1], VSW_VLAN_MAX, &v->vlan) || v->vlan == 0))
                return fail(err, errlen, "bad VLAN '%s', expected 1-%u or none", argv[1],
                            VSW_VLAN_MAX);
        return no_more(argc, argv, 2, "set interface vlan", err, errlen);
}
#define CTL_set_interface_vlan                                                                     \
        CTL_GRAMMAR(                                                                               \
            "<name> {<vlan-id> | none}",                                                           \
            "access VLAN 1-4094: untagged frames in, frames out untagged, other tags dropped; "    \
            "none: frames keep their own tags",                                                    \
            parse_vlan, ctl_print_ok)

/* VPP's grammar: set interface mtu [packet|ip4|ip6|mpls] <value> <interface>.
 * Only the packet MTU exists here (a switch has no L3 MTUs). */
static int parse_mtu(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceMtuRequest *m = &r->u.mtu;
        int i = 0;

        vsw__set_interface_mtu_request__init(m);
        r->req.set_interface_mtu = m;
        if (argc > 0 && !strcmp(argv[0], "packet"))
                i = 1;
        else if (argc > 0 &&
                 (!strcmp(argv[0], "ip4") || !strcmp(argv[0], "ip6") || !strcmp(argv[0], "mpls")))
                return fail(err, errlen, "'%s' MTU: only the packet MTU can be set here", argv[0]);
        if (argc < i + 2)
                return fail(err, errlen,
                            "'set interface mtu' needs [packet] {<bytes> | none} <name>");
        if (strcmp(argv[i], "none") &&
            (ctl_arg_u32(argv[i], VIRTIO_NET_MAX_MTU, &m->mtu) || m->mtu < VIRTIO_NET_MIN_MTU))
                return fail(err, errlen, "bad MTU '%s', expected %u-%u or none", argv[i],
                            VIRTIO_NET_MIN_MTU, VIRTIO_NET_MAX_MTU);
        if (check_name(argv[i + 1], err, errlen))
                return -1;
        m->name = argv[i + 1];
        return no_more(argc, argv, i + 2, "set interface mtu", err, errlen);
}
#define CTL_set_interface_mtu                                                                      \
        CTL_GRAMMAR("[packet] {<bytes> | none} <name>",                                            \
                    "largest frame from the guest: <bytes> + Ethernet header (+ 4 if tagged), "    \
                    "or the front end's MTU if smaller; bigger ones dropped (drops mtu)",          \
                    parse_mtu, ctl_print_ok)

static int parse_create_bd(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__CreateBridgeDomainRequest *b = &r->u.create_bd;

        vsw__create_bridge_domain_request__init(b);
        r->req.create_bridge_domain = b;
        if (argc < 1)
                return fail(err, errlen, "'create bridge-domain' needs <bd-id>");
        if (bd_id_of(argv[0], &b->bd_id, err, errlen))
                return -1;
        for (int i = 1; i < argc; i++) {
                const char *w = argv[i];
                char *v;

                if (!strcmp(w, "learn")) {
                        if (b->has_learn)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "{on | off}", err, errlen)))
                                return -1;
                        if (strcmp(v, "on") && strcmp(v, "off"))
                                return fail(err, errlen,
                                            "bad value '%s' for learn, expected on "
                                            "or off",
                                            v);
                        b->has_learn = 1;
                        b->learn = !strcmp(v, "on");
                } else if (!strcmp(w, "aging")) {
                        if (b->has_aging_minutes)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<minutes>", err, errlen)))
                                return -1;
                        if (ctl_arg_u32(v, 10080, &b->aging_minutes))
                                return fail(err, errlen,
                                            "bad aging '%s', expected minutes "
                                            "0-10080 (0: never)",
                                            v);
                        b->has_aging_minutes = 1;
                } else {
                        return fail(err, errlen, "unknown word '%s' in 'create bridge-domain'", w);
                }
        }
        return 0;
}
#define CTL_create_bridge_domain                                                                   \
        CTL_GRAMMAR(                                                                               \
            "<bd-id> [learn {on | off}] [aging <minutes>]",                                        \
            "create a bridge domain or change its options (default learn on, aging 5; 0: never)",  \
            parse_create_bd, ctl_print_ok)

static int parse_delete_bd(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__DeleteBridgeDomainRequest *b = &r->u.delete_bd;

        vsw__delete_bridge_domain_request__init(b);
        r->req.delete_bridge_domain = b;
        if (argc < 1)
                return fail(err, errlen, "'delete bridge-domain' needs <bd-id>");
        if (bd_id_of(argv[0], &b->bd_id, err, errlen))
                return -1;
        return no_more(argc, argv, 1, "delete bridge-domain", err, errlen);
}
#define CTL_delete_bridge_domain                                                                   \
        CTL_GRAMMAR("<bd-id>", "delete a bridge domain with no interfaces", parse_delete_bd,       \
                    ctl_print_ok)

static int parse_show_bd(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__ShowBridgeDomainRequest *b = &r->u.show_bd;

        vsw__show_bridge_domain_request__init(b);
        r->req.show_bridge_domain = b;
        if (argc > 0) {
                if (bd_id_of(argv[0], &b->bd_id, err, errlen))
                        return -1;
                b->has_bd_id = 1;
        }
        return no_more(argc, argv, 1, "show bridge-domain", err, errlen);
}
#define CTL_show_bridge_domain                                                                     \
        CTL_GRAMMAR("[<bd-id>]", "bridge domains: learning, aging, MACs, interfaces",              \
                    parse_show_bd, ctl_print_bridge_domains)

static int parse_show_l2fib(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__ShowL2fibRequest *f = &r->u.show_l2fib;

        vsw__show_l2fib_request__init(f);
        r->req.show_l2fib = f;
        for (int i = 0; i < argc; i++) {
                const char *w = argv[i];
                char *v;

                if (!strcmp(w, "verbose")) {
                        if (f->has_verbose)
                                return TWICE(w);
                        f->has_verbose = f->verbose = 1;
                } else if (!strcmp(w, "bd")) {
                        if (f->has_bd_id)
                                return TWICE(w);
                        if (!(v = value_of(argc, argv, &i, "<bd-id>", err, errlen)) ||
                            bd_id_of(v, &f->bd_id, err, errlen))
                                return -1;
                        f->has_bd_id = 1;
                } else {
                        return fail(err, errlen, "unknown word '%s' in 'show l2fib'", w);
                }
        }
        return 0;
}
#define CTL_show_l2fib                                                                             \
        CTL_GRAMMAR(                                                                               \
            "[bd <bd-id>] [verbose]",                                                              \
            "number of learned MACs; verbose: each MAC with its bridge domain, VLAN, interface, "  \
            "age",                                                                                 \
            parse_show_l2fib, ctl_print_l2fib)

/* VPP's grammar: set interface ip address <interface> <ip>/<len>; here the
 * uplink only (the switch's one port on the underlay), and one address. */
static int parse_ip_address(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetInterfaceIpAddressRequest *a = &r->u.ip_address;
        char addr[INET_ADDRSTRLEN];
        const char *slash;
        struct in_addr in;

        vsw__set_interface_ip_address_request__init(a);
        r->req.set_interface_ip_address = a;
        if (argc < 2)
                return fail(err, errlen,
                            "'set interface ip address' needs <uplink> {<ip>/<len> | none}");
        if (check_name(argv[0], err, errlen))
                return -1;
        a->name = argv[0];
        if (strcmp(argv[1], "none")) {
                slash = strchr(argv[1], '/');
                if (!slash || (size_t)(slash - argv[1]) >= sizeof(addr) ||
                    ctl_arg_u32(slash + 1, 32, &a->prefix_len) || a->prefix_len == 0)
                        return fail(err, errlen, "bad address '%s', expected <ip>/<1-32>", argv[1]);
                memcpy(addr, argv[1], (size_t)(slash - argv[1]));
                addr[slash - argv[1]] = '\0';
                if (inet_pton(AF_INET, addr, &in) != 1 || in.s_addr == 0)
                        return fail(err, errlen, "bad address '%s', expected <ip>/<1-32>", argv[1]);
                a->address = in.s_addr;
        }
        return no_more(argc, argv, 2, "set interface ip address", err, errlen);
}
#define CTL_set_interface_ip_address                                                               \
        CTL_GRAMMAR("<uplink> {<ip>/<len> | none}",                                                \
                    "the uplink's own IPv4 address (the underlay's): ARP and ICMP echo for it "    \
                    "answered, ARP senders learned (show ip neighbors)",                           \
                    parse_ip_address, ctl_print_ok)

static int parse_show_ip_neighbors(struct ctl_req *r, int argc, char **argv, char *err,
                                   size_t errlen)
{
        vsw__show_ip_neighbors_request__init(&r->u.show_ip_neighbors);
        r->req.show_ip_neighbors = &r->u.show_ip_neighbors;
        return no_more(argc, argv, 0, "show ip neighbors", err, errlen);
}
#define CTL_show_ip_neighbors                                                                      \
        CTL_GRAMMAR("",                                                                            \
                    "the uplink's address and the neighbors ARP taught it (address, MAC, age)",    \
                    parse_show_ip_neighbors, ctl_print_ip_neighbors)

/* An IPv4 address word of a command, into *be (network byte order). */
static int ipv4_arg(const char *what, const char *s, uint32_t *be, char *err, size_t errlen)
{
        struct in_addr in;

        if (inet_pton(AF_INET, s, &in) != 1 || in.s_addr == 0)
                return fail(err, errlen, "bad %s address '%s', expected an IPv4 address", what, s);
        *be = in.s_addr;
        return 0;
}

/* VPP's grammar: create vxlan tunnel src <ip> dst <ip> vni <n> [instance
 * <n>] [del]. */
static int parse_vxlan(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__CreateVxlanTunnelRequest *v = &r->u.vxlan;
        int have_src = 0, have_dst = 0, have_vni = 0;

        vsw__create_vxlan_tunnel_request__init(v);
        r->req.create_vxlan_tunnel = v;
        for (int i = 0; i < argc; i++) {
                const char *k = argv[i];

                if (!strcmp(k, "del")) {
                        v->has_del = 1;
                        v->del = 1;
                        continue;
                }
                if (i + 1 >= argc)
                        return fail(err, errlen, "'%s' needs a value", k);
                if (!strcmp(k, "src")) {
                        if (ipv4_arg("src", argv[++i], &v->src, err, errlen))
                                return -1;
                        have_src = 1;
                } else if (!strcmp(k, "dst")) {
                        if (ipv4_arg("dst", argv[++i], &v->dst, err, errlen))
                                return -1;
                        have_dst = 1;
                } else if (!strcmp(k, "vni")) {
                        if (ctl_arg_u32(argv[++i], 0xffffff, &v->vni))
                                return fail(err, errlen, "bad vni '%s', expected 0-16777215",
                                            argv[i]);
                        have_vni = 1;
                } else if (!strcmp(k, "instance")) {
                        if (ctl_arg_u32(argv[++i], 65535, &v->instance))
                                return fail(err, errlen, "bad instance '%s', expected 0-65535",
                                            argv[i]);
                        v->has_instance = 1;
                } else {
                        return fail(err, errlen, "unknown word '%s' in 'create vxlan tunnel'", k);
                }
        }
        if (!have_src || !have_dst || !have_vni)
                return fail(err, errlen, "'create vxlan tunnel' needs src <ip> dst <ip> vni <n>");
        return 0;
}
#define CTL_create_vxlan_tunnel                                                                    \
        CTL_GRAMMAR("src <ip> dst <ip> vni <n> [instance <n>] [del]",                              \
                    "a VXLAN tunnel (RFC 7348) from the uplink's address to a remote VTEP: "       \
                    "interface vxlan_tunnel<n>, a bridge domain port; del removes it",             \
                    parse_vxlan, ctl_print_created)

static int parse_show_vxlan(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_vxlan_tunnel_request__init(&r->u.show_vxlan);
        r->req.show_vxlan_tunnel = &r->u.show_vxlan;
        return no_more(argc, argv, 0, "show vxlan tunnel", err, errlen);
}
#define CTL_show_vxlan_tunnel                                                                      \
        CTL_GRAMMAR("",                                                                            \
                    "VXLAN tunnels: src, dst, vni, bridge domain, next hop MAC, counters, "        \
                    "drops by reason, overhead and inner MTU",                                     \
                    parse_show_vxlan, ctl_print_vxlan_tunnels)

/* <ip>/<len> into *be (network byte order) and *plen; the host bits must
 * be zero. */
static int prefix_arg(const char *s, uint32_t *be, uint32_t *plen, char *err, size_t errlen)
{
        char addr[INET_ADDRSTRLEN];
        const char *slash = strchr(s, '/');
        struct in_addr in;

        if (!slash || (size_t)(slash - s) >= sizeof(addr) || ctl_arg_u32(slash + 1, 32, plen))
                return fail(err, errlen, "bad prefix '%s', expected <ip>/<0-32>", s);
        memcpy(addr, s, (size_t)(slash - s));
        addr[slash - s] = '\0';
        if (inet_pton(AF_INET, addr, &in) != 1)
                return fail(err, errlen, "bad prefix '%s', expected <ip>/<0-32>", s);
        if (*plen < 32 && (ntohl(in.s_addr) & (0xffffffffu >> *plen)))
                return fail(err, errlen, "prefix '%s' has host bits set", s);
        *be = in.s_addr;
        return 0;
}

/* VPP's grammar: ip route add <prefix>/<len> via <gw>, ip route del
 * <prefix>/<len> [via <gw>]. */
static int parse_ip_route(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__IpRouteRequest *q = &r->u.ip_route;

        vsw__ip_route_request__init(q);
        r->req.ip_route = q;
        if (argc < 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "del")))
                return fail(err, errlen, "'ip route' needs {add | del} <prefix>/<len> via <gw>");
        q->del = !strcmp(argv[0], "del");
        if (prefix_arg(argv[1], &q->prefix, &q->prefix_len, err, errlen))
                return -1;
        if (argc >= 4 && !strcmp(argv[2], "via")) {
                if (ipv4_arg("via", argv[3], &q->via, err, errlen))
                        return -1;
                q->has_via = 1;
                return no_more(argc, argv, 4, "ip route", err, errlen);
        }
        if (!q->del)
                return fail(err, errlen, "'ip route add' needs via <gw>");
        return no_more(argc, argv, 2, "ip route", err, errlen);
}
#define CTL_ip_route                                                                               \
        CTL_GRAMMAR("{add | del} <prefix>/<len> via <gw>",                                         \
                    "a route of the underlay: remote VTEPs in prefix are reached through the "     \
                    "gateway gw, on the uplink's subnet (show ip fib)",                            \
                    parse_ip_route, ctl_print_ok)

static int parse_show_ip_fib(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        vsw__show_ip_fib_request__init(&r->u.show_ip_fib);
        r->req.show_ip_fib = &r->u.show_ip_fib;
        return no_more(argc, argv, 0, "show ip fib", err, errlen);
}
#define CTL_show_ip_fib                                                                            \
        CTL_GRAMMAR("",                                                                            \
                    "the underlay's routes: the uplink's connected subnet and the static "         \
                    "routes, each gateway's MAC or why it has none",                               \
                    parse_show_ip_fib, ctl_print_ip_fib)

/* VPP's grammar: set ip neighbor-config ip4 age <s>. */
static int parse_neigh_config(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        Vsw__SetIpNeighborConfigRequest *q = &r->u.neigh_config;

        vsw__set_ip_neighbor_config_request__init(q);
        r->req.set_ip_neighbor_config = q;
        if (argc < 3 || strcmp(argv[0], "ip4") || strcmp(argv[1], "age"))
                return fail(err, errlen, "'set ip neighbor-config' needs ip4 age <seconds>");
        if (ctl_arg_u32(argv[2], 3600, &q->age_s) || q->age_s == 0)
                return fail(err, errlen, "bad age '%s', expected 1-3600 seconds", argv[2]);
        return no_more(argc, argv, 3, "set ip neighbor-config", err, errlen);
}
#define CTL_set_ip_neighbor_config                                                                 \
        CTL_GRAMMAR("ip4 age <seconds>",                                                           \
                    "how long a neighbor entry is trusted after it was last heard (30 s); then "   \
                    "it is asked again by ARP while in use, and expires 2 s later",                \
                    parse_neigh_config, ctl_print_ok)

static int parse_help(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen)
{
        (void)r;
        return no_more(argc, argv, 0, "help", err, errlen);
}

/* Each command of the shared list with its grammar from the CTL_<field>
 * next to its parser: a command without one does not compile. */
const struct ctl_cmd ctl_cmds[] = {
#define VSW_COMMAND(field, CASE, words, access) {words, VSW__REQUEST__CMD_##CASE, CTL_##field},
#include "vsw_commands.def"
#undef VSW_COMMAND
    {"help", VSW__REQUEST__CMD__NOT_SET, "", "this list", parse_help, NULL},
};
const size_t ctl_ncmds = sizeof(ctl_cmds) / sizeof(ctl_cmds[0]);

/* How many of cmd's words argv starts with; *all is set when that is every
 * one of them. */
static int match_words(const char *words, int argc, char **argv, int *all)
{
        int n = 0;
        const char *p = words;

        *all = 0;
        while (*p) {
                size_t len = strcspn(p, " ");

                if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], p, len))
                        return n;
                n++;
                p += len;
                p += *p == ' ';
        }
        *all = 1;
        return n;
}

static void join_words(char *buf, size_t len, int argc, char **argv)
{
        size_t off = 0;

        buf[0] = '\0';
        for (int i = 0; i < argc && off < len; i++)
                off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);
}

int ctl_parse(int argc, char **argv, struct ctl_req *r, char *err, size_t errlen)
{
        const struct ctl_cmd *best = NULL;
        int best_n = 0, partial = 0;
        char seen[256];

        memset(r, 0, sizeof(*r));
        vsw__request__init(&r->req);
        if (argc == 0)
                return fail(err, errlen, "no command given (try 'vhost-ctl help')");
        for (size_t c = 0; c < ctl_ncmds; c++) {
                int all;
                int n = match_words(ctl_cmds[c].words, argc, argv, &all);

                if (all && n > best_n) {
                        best = &ctl_cmds[c];
                        best_n = n;
                } else if (!all && n > partial) {
                        partial = n;
                }
        }
        if (!best) {
                if (partial == 0)
                        return fail(err, errlen, "unknown command '%s' (try 'vhost-ctl help')",
                                    argv[0]);
                join_words(seen, sizeof(seen), partial, argv);
                if (partial == argc)
                        return fail(err, errlen, "incomplete command '%s' (try 'vhost-ctl help')",
                                    seen);
                return fail(err, errlen, "unknown word '%s' after '%s' (try 'vhost-ctl help')",
                            argv[partial], seen);
        }
        r->cmd = best;
        r->req.cmd_case = best->cmd;
        return best->parse(r, argc - best_n, argv + best_n, err, errlen);
}

void ctl_print_help(FILE *out, int json)
{
        if (json) {
                struct ctl_json j;

                ctl_json_init(&j, out);
                ctl_json_obj_begin(&j, NULL);
                ctl_json_arr_begin(&j, "commands");
                for (size_t c = 0; c < ctl_ncmds; c++) {
                        ctl_json_obj_begin(&j, NULL);
                        ctl_json_str(&j, "command", ctl_cmds[c].words);
                        ctl_json_str(&j, "args", ctl_cmds[c].args);
                        ctl_json_str(&j, "help", ctl_cmds[c].help);
                        ctl_json_obj_end(&j);
                }
                ctl_json_arr_end(&j);
                ctl_json_obj_end(&j);
                return;
        }
        fprintf(out, "usage: vhost-ctl [-s <endpoint>] [-j] <command>\n"
                     "  -s  RPC endpoint (default $" CTL_ENDPOINT_ENV ", else " CTL_DEFAULT_ENDPOINT
                     ")\n"
                     "  -j  print the reply as one JSON object\n"
                     "commands:\n");
        for (size_t c = 0; c < ctl_ncmds; c++)
                fprintf(out, "  %s%s%s\n      %s\n", ctl_cmds[c].words,
                        *ctl_cmds[c].args ? " " : "", ctl_cmds[c].args, ctl_cmds[c].help);
}
