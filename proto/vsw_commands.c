#include "vsw_commands.h"

const struct vsw_command vsw_commands[VSW_NCOMMANDS] = {
#define VSW_COMMAND(field, CASE, words, access)                                                    \
        {VSW__REQUEST__CMD_##CASE, #field, words, VSW_CMD_##access},
#include "vsw_commands.def"
#undef VSW_COMMAND
};

const struct vsw_command *vsw_command_of(Vsw__Request__CmdCase cmd)
{
        for (size_t i = 0; i < VSW_NCOMMANDS; i++)
                if (vsw_commands[i].cmd == cmd)
                        return &vsw_commands[i];
        return NULL;
}
