/* The first step of every RPC request, before any handler runs: unpack the
 * protobuf-c message and check what all commands share. Pure (protobuf-c
 * only), so tests/fuzz/fuzz_rpc_request.c drives it on any bytes. */
#ifndef VSW_RPC_DECODE_H
#define VSW_RPC_DECODE_H

#include <stddef.h>

#include "vhostsw.pb-c.h"

#define RPC_MAX_STRING   256 /* bytes with the NUL: the longest is a binary path */
#define RPC_MAX_BYTES    64  /* a bytes field holds a MAC */
#define RPC_MAX_REPEATED 64  /* a list holds interface names (VSW_MAX_IFACES) */
#define RPC_MAX_DEPTH    4   /* Request -> command -> its messages */

/* Unpacks buf and checks that it names a command, that every field in it
 * is one this vhostd knows, that every string is shorter than
 * RPC_MAX_STRING with no control character (they end up in log lines and
 * paths), every bytes field at most RPC_MAX_BYTES and every list at most
 * RPC_MAX_REPEATED entries. 0 with *req (free it with
 * vsw__request__free_unpacked), or a positive errno with one line in err. */
int rpc_request_decode(const void *buf, size_t len, Vsw__Request **req, char *err, size_t errlen);

#endif
