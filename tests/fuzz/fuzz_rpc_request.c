/* libFuzzer target for the RPC request decoder (control/rpc/rpc_decode.c):
 * protobuf-c unpack and the checks every request passes before a handler
 * runs. Any bytes: no crash, no leak (ASan), no undefined behaviour
 * (UBSan). A request it accepts names a command and, packed again,
 * decodes again to the same bytes; one it refuses says why in one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_decode.h"

static void require(int cond)
{
        if (!cond)
                abort();
}

/* Every string in an accepted request is printable enough for a log line:
 * checked here on the first level independently of the walker. */
static void check_accepted(const Vsw__Request *req)
{
        require(req->cmd_case != VSW__REQUEST__CMD__NOT_SET);
        if (req->cmd_case == VSW__REQUEST__CMD_SHOW_INTERFACE) {
                require(req->show_interface->n_names <= RPC_MAX_REPEATED);
                for (size_t i = 0; i < req->show_interface->n_names; i++)
                        require(strlen(req->show_interface->names[i]) < RPC_MAX_STRING &&
                                !strchr(req->show_interface->names[i], '\n'));
        }
        if (req->cmd_case == VSW__REQUEST__CMD_CREATE_VHOST_USER)
                require(strlen(req->create_vhost_user->socket) < RPC_MAX_STRING);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        Vsw__Request *req, *again;
        char err[256] = "";
        int rc = rpc_request_decode(data, size, &req, err, sizeof(err));

        if (rc) {
                require(req == NULL && err[0] && !strchr(err, '\n'));
                return 0;
        }
        check_accepted(req);
        size_t len = vsw__request__get_packed_size(req);
        uint8_t *packed = malloc(len ? len : 1);

        require(packed != NULL);
        require(vsw__request__pack(req, packed) == len);
        require(rpc_request_decode(packed, len, &again, err, sizeof(err)) == 0);
        require(again->cmd_case == req->cmd_case);
        size_t len2 = vsw__request__get_packed_size(again);
        uint8_t *packed2 = malloc(len2 ? len2 : 1);

        require(packed2 != NULL && vsw__request__pack(again, packed2) == len2);
        require(len2 == len && memcmp(packed, packed2, len) == 0);
        free(packed2);
        free(packed);
        vsw__request__free_unpacked(again, NULL);
        vsw__request__free_unpacked(req, NULL);
        return 0;
}
