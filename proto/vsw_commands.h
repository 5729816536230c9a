/* The RPC commands' identities (vsw_commands.def) as data: what vhost-ctl
 * and vhostd agree on about each command. */
#ifndef VSW_COMMANDS_H
#define VSW_COMMANDS_H

#include <stddef.h>

#include "vhostsw.pb-c.h"

/* Non-zero both: a zeroed entry is neither. */
enum vsw_cmd_access { VSW_CMD_CHANGES = 1, VSW_CMD_READ_ONLY = 2 };

struct vsw_command {
        Vsw__Request__CmdCase cmd;
        const char *field; /* the oneof member's name in vhostsw.proto */
        const char *words;
        enum vsw_cmd_access access;
};

enum {
#define VSW_COMMAND(field, CASE, words, access) VSW_CMD_INDEX_##CASE,
#include "vsw_commands.def"
#undef VSW_COMMAND
        VSW_NCOMMANDS
};

extern const struct vsw_command vsw_commands[VSW_NCOMMANDS];

/* The entry of a request's cmd case, or NULL for one not in the list. */
const struct vsw_command *vsw_command_of(Vsw__Request__CmdCase cmd);

#endif
