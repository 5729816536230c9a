/* The command list (proto/vsw_commands.def) against everything that must
 * agree with it: the Request oneof in vhostsw.proto, vhost-ctl's table and
 * vhostd's handlers; and the read-only policy a tcp endpoint relies on. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "rpc_call.h"
#include "unit_check.h"
#include "vsw_commands.h"

/* A good command line for each command (vhost-ctl needs its arguments). */
static const char *const samples[] = {
    "create vhost-user socket /tmp/x.sock",
    "delete vhost-user vhost-user-0",
    "set interface state vhost-user-0 up",
    "set interface rx-placement vhost-user-0 queue 0 worker 0",
    "set interface rx-mode vhost-user-0 queue 0 interrupt",
    "show vhost-user",
    "show interface",
    "show interface rx-placement",
    "debug vhost-user on",
    "set logging class rpc level debug",
    "show log",
    "show version",
    "restart control",
    "show workers",
    "set interface l2 bridge vhost-user-0 1",
    "set interface l3 vhost-user-0",
    "set interface vlan vhost-user-0 none",
    "set interface mtu packet 9000 vhost-user-0",
    "create bridge-domain 1",
    "delete bridge-domain 1",
    "show bridge-domain",
    "show l2fib",
    "show uplink",
    "show runtime",
    "clear runtime",
    "set rx-placement rebalance",
    "show errors",
    "pcap trace rx tx max 10 intfc any file /tmp/x.pcapng",
    "show pcap trace",
    "set interface ip address net_tap0 192.0.2.1/24",
    "show ip neighbors",
    "create vxlan tunnel src 192.0.2.1 dst 192.0.2.2 vni 10",
    "show vxlan tunnel",
    "ip route add 10.2.0.0/16 via 192.0.2.254",
    "show ip fib",
    "set ip neighbor-config ip4 age 30",
};

static const ProtobufCFieldDescriptor *proto_field(Vsw__Request__CmdCase cmd)
{
        return protobuf_c_message_descriptor_get_field(&vsw__request__descriptor, (unsigned)cmd);
}

/* Every member of the oneof is in the list under its own name, and the list
 * has nothing else. */
static void test_list_matches_proto(void)
{
        const ProtobufCMessageDescriptor *d = &vsw__request__descriptor;

        CHECK(d->n_fields == VSW_NCOMMANDS, "%u oneof members, %d commands", d->n_fields,
              VSW_NCOMMANDS);
        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *f = &d->fields[i];
                const struct vsw_command *c = vsw_command_of((Vsw__Request__CmdCase)f->id);

                CHECK(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF, "%s is not in the oneof", f->name);
                CHECK(c && !strcmp(c->field, f->name), "oneof member %s (%u) not in the list",
                      f->name, f->id);
        }
        for (int i = 0; i < VSW_NCOMMANDS; i++) {
                const ProtobufCFieldDescriptor *f = proto_field(vsw_commands[i].cmd);

                CHECK(f && !strcmp(f->name, vsw_commands[i].field), "%s not in the proto",
                      vsw_commands[i].words);
                CHECK(vsw_command_of(vsw_commands[i].cmd) == &vsw_commands[i], "%s listed twice",
                      vsw_commands[i].words);
        }
        CHECK(vsw_command_of(VSW__REQUEST__CMD__NOT_SET) == NULL);
        CHECK(vsw_command_of((Vsw__Request__CmdCase)1000) == NULL);
}

/* A tcp endpoint serves the read-only commands: exactly the `show` ones. */
static void test_read_only_policy(void)
{
        int n_read_only = 0;

        for (int i = 0; i < VSW_NCOMMANDS; i++) {
                const struct vsw_command *c = &vsw_commands[i];
                int show = !strncmp(c->words, "show ", 5);

                CHECK(c->access == VSW_CMD_READ_ONLY || c->access == VSW_CMD_CHANGES,
                      "%s: access %d", c->words, (int)c->access);
                CHECK((c->access == VSW_CMD_READ_ONLY) == show, "%s: access %d", c->words,
                      (int)c->access);
                n_read_only += c->access == VSW_CMD_READ_ONLY;
        }
        CHECK(n_read_only == 15, "%d read-only commands", n_read_only);
}

/* vhost-ctl has each listed command once (plus its local help), with the
 * list's words, a parser that fills the request member of the list's case,
 * and a printer. */
static void test_ctl_matches_list(void)
{
        CHECK(ctl_ncmds == VSW_NCOMMANDS + 1, "%zu vhost-ctl commands", ctl_ncmds);
        CHECK(sizeof(samples) / sizeof(samples[0]) == VSW_NCOMMANDS);
        for (size_t i = 0; i < ctl_ncmds; i++) {
                const struct ctl_cmd *k = &ctl_cmds[i];
                const struct vsw_command *c = vsw_command_of(k->cmd);

                if (!c) {
                        CHECK(!strcmp(k->words, "help") && !k->print, "%s: no command", k->words);
                        continue;
                }
                CHECK(!strcmp(k->words, c->words), "%s: listed as %s", k->words, c->words);
                CHECK(k->parse && k->print, "%s: no parser or printer", k->words);
        }
        for (int i = 0; i < VSW_NCOMMANDS && i < (int)(sizeof(samples) / sizeof(samples[0])); i++) {
                const ProtobufCFieldDescriptor *f = proto_field(vsw_commands[i].cmd);
                char buf[256], err[256] = "", *argv[16];
                struct ctl_req r;
                int argc = 0;

                snprintf(buf, sizeof(buf), "%s", samples[i]);
                for (char *t = strtok(buf, " "); t && argc < 16; t = strtok(NULL, " "))
                        argv[argc++] = t;
                CHECK(ctl_parse(argc, argv, &r, err, sizeof(err)) == 0, "'%s': %s", samples[i],
                      err);
                CHECK(r.cmd && !strcmp(r.cmd->words, vsw_commands[i].words), "'%s'", samples[i]);
                CHECK(r.req.cmd_case == vsw_commands[i].cmd, "'%s'", samples[i]);
                CHECK(f && *(void **)((char *)&r.req + f->offset) != NULL,
                      "'%s' does not fill member %s", samples[i], vsw_commands[i].field);
                CHECK(vsw__request__get_packed_size(&r.req) > 0, "'%s'", samples[i]);
        }
}

/* vhostd has a handler for each listed command and none for anything else. */
static void test_vhostd_matches_list(void)
{
        for (int i = 0; i < VSW_NCOMMANDS; i++)
                CHECK(rpc_handler_of(vsw_commands[i].cmd) != NULL, "%s: no handler",
                      vsw_commands[i].words);
        CHECK(rpc_handler_of(VSW__REQUEST__CMD__NOT_SET) == NULL);
        CHECK(rpc_handler_of((Vsw__Request__CmdCase)1000) == NULL);
}

int main(void)
{
        test_list_matches_proto();
        test_read_only_policy();
        test_ctl_matches_list();
        test_vhostd_matches_list();
        return t_report();
}
