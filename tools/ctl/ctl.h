/* vhost-ctl: the command table and the request it parses into. The parser
 * and the printers need no nanomsg, so the unit tests link them alone. */
#ifndef VSW_CTL_H
#define VSW_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vhostsw.pb-c.h"

#define CTL_MAX_NAMES 64
/* The cli-listen of the standard runtime dir (deploy/startup.conf). */
#define CTL_DEFAULT_ENDPOINT "ipc:///run/vhostsw/cli.sock"
#define CTL_ENDPOINT_ENV     "VHOSTSW_CLI"

struct ctl_cmd;

/* A parsed command line: the request and the storage its fields point to
 * (strings point into argv). */
struct ctl_req {
        const struct ctl_cmd *cmd;
        Vsw__Request req;
        union {
                Vsw__CreateVhostUserRequest create;
                Vsw__DeleteVhostUserRequest del;
                Vsw__SetInterfaceStateRequest state;
                Vsw__SetInterfaceRxPlacementRequest placement;
                Vsw__SetInterfaceRxModeRequest rx_mode;
                Vsw__ShowVhostUserRequest show_vhost;
                Vsw__ShowInterfaceRequest show_iface;
                Vsw__ShowInterfaceRxPlacementRequest show_rxp;
                Vsw__DebugVhostUserRequest debug;
                Vsw__SetLoggingRequest logging;
                Vsw__ShowLogRequest show_log;
                Vsw__ShowVersionRequest show_version;
                Vsw__RestartControlRequest restart;
                Vsw__ShowWorkersRequest show_workers;
                Vsw__SetInterfaceL2BridgeRequest l2_bridge;
                Vsw__SetInterfaceL3Request l3;
                Vsw__SetInterfaceVlanRequest vlan;
                Vsw__SetInterfaceMtuRequest mtu;
                Vsw__CreateBridgeDomainRequest create_bd;
                Vsw__DeleteBridgeDomainRequest delete_bd;
                Vsw__ShowBridgeDomainRequest show_bd;
                Vsw__ShowL2fibRequest show_l2fib;
                Vsw__ShowUplinkRequest show_uplink;
                Vsw__ShowRuntimeRequest show_runtime;
                Vsw__ClearRuntimeRequest clear_runtime;
                Vsw__SetRxPlacementRebalanceRequest rebalance;
                Vsw__ShowErrorsRequest show_errors;
                Vsw__PcapTraceRequest pcap_trace;
                Vsw__ShowPcapTraceRequest show_pcap;
                Vsw__SetInterfaceIpAddressRequest ip_address;
                Vsw__ShowIpNeighborsRequest show_ip_neighbors;
                Vsw__CreateVxlanTunnelRequest vxlan;
                Vsw__ShowVxlanTunnelRequest show_vxlan;
                Vsw__IpRouteRequest ip_route;
                Vsw__ShowIpFibRequest show_ip_fib;
                Vsw__SetIpNeighborConfigRequest neigh_config;
        } u;
        uint8_t hwaddr[6];
        char *names[CTL_MAX_NAMES];
};

/* One command: its words and request case (proto/vsw_commands.def), its
 * argument grammar and help line (printed by `help`), the parser that
 * accepts exactly that grammar, and the printer of its reply. parse gets
 * the words after the command's own. A command with no printer runs
 * locally (help). */
struct ctl_cmd {
        const char *words;
        Vsw__Request__CmdCase cmd; /* NOT_SET: runs locally */
        const char *args;
        const char *help;
        int (*parse)(struct ctl_req *r, int argc, char **argv, char *err, size_t errlen);
        int (*print)(const Vsw__Reply *rep, FILE *out, int json);
};

extern const struct ctl_cmd ctl_cmds[];
extern const size_t ctl_ncmds;

/* Matches argv against the table and parses the arguments into r. Returns
 * 0, or -1 with one line naming the bad word in err. */
int ctl_parse(int argc, char **argv, struct ctl_req *r, char *err, size_t errlen);

/* `help`: the table, as text or as one JSON object. */
void ctl_print_help(FILE *out, int json);

/* Argument values; each returns 0, or -1 when s is not one. */
int ctl_arg_hex64(const char *s, uint64_t *v);
int ctl_arg_u32(const char *s, uint32_t max, uint32_t *v);
int ctl_arg_mode(const char *s, uint32_t *v); /* octal, at most 07777 */
int ctl_arg_mac(const char *s, uint8_t mac[6]);

/* Reply printers (ctl_print.c, ctl_show_vhost.c): 0, or -1 when the reply
 * lacks the body the command expects (a vhostd of another version). */
int ctl_print_ok(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_created(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_show_vhost(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_show_iface(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_log(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_version(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_restarting(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_workers(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_rx_placement(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_bridge_domains(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_l2fib(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_uplink(const Vsw__Reply *rep, FILE *out, int json);
/* ctl_print_runtime.c */
int ctl_print_runtime(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_rebalance(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_errors(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_pcap(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_ip_neighbors(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_vxlan_tunnels(const Vsw__Reply *rep, FILE *out, int json);
int ctl_print_ip_fib(const Vsw__Reply *rep, FILE *out, int json);
/* "aa:bb:cc:dd:ee:ff", or "?" when m is not 6 bytes. */
const char *ctl_mac_text(const ProtobufCBinaryData *m, char *buf, size_t len);

struct ctl_json;
void ctl_json_counters(struct ctl_json *j, const char *key, const Vsw__VringCounters *c);

#endif
