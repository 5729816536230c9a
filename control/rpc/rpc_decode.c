/* The checks walk the message through its protobuf-c descriptor, so a
 * field added to proto/ is covered without a line here. */
#include "rpc_decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_message(const ProtobufCMessage *m, unsigned depth, char *err, size_t errlen);

static int check_string(const ProtobufCFieldDescriptor *f, const char *s, char *err, size_t errlen)
{
        size_t len;

        if (!s)
                return 0;
        len = strnlen(s, RPC_MAX_STRING);
        if (len == RPC_MAX_STRING) {
                snprintf(err, errlen, "field %s: a string of %d bytes or more, expected fewer",
                         f->name, RPC_MAX_STRING);
                return EINVAL;
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch < 0x20 || ch == 0x7f) {
                        snprintf(err, errlen,
                                 "field %s: control character 0x%02x at byte %zu, expected text",
                                 f->name, ch, i);
                        return EINVAL;
                }
        }
        return 0;
}

/* One value of field f at p (for a list: one element). */
static int check_value(const ProtobufCFieldDescriptor *f, const void *p, unsigned depth, char *err,
                       size_t errlen)
{
        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING:
                return check_string(f, *(char *const *)p, err, errlen);
        case PROTOBUF_C_TYPE_BYTES:
                if (((const ProtobufCBinaryData *)p)->len > RPC_MAX_BYTES) {
                        snprintf(err, errlen, "field %s: %zu bytes, expected at most %d", f->name,
                                 ((const ProtobufCBinaryData *)p)->len, RPC_MAX_BYTES);
                        return EINVAL;
                }
                return 0;
        case PROTOBUF_C_TYPE_MESSAGE: {
                const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;

                return sub ? check_message(sub, depth + 1, err, errlen) : 0;
        }
        default:
                return 0; /* numbers: each handler checks its ranges */
        }
}

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING:
                return sizeof(char *);
        case PROTOBUF_C_TYPE_BYTES:
                return sizeof(ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_MESSAGE:
                return sizeof(ProtobufCMessage *);
        default:
                return 0;
        }
}

static int check_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, unsigned depth,
                       char *err, size_t errlen)
{
        const char *base = (const char *)m;
        const void *member = base + f->offset;

        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t n = *(const size_t *)(base + f->quantifier_offset);
                const char *elems = *(const char *const *)member;
                size_t sz = elem_size(f);

                if (n > RPC_MAX_REPEATED) {
                        snprintf(err, errlen, "field %s: %zu entries, expected at most %d", f->name,
                                 n, RPC_MAX_REPEATED);
                        return EINVAL;
                }
                for (size_t i = 0; sz && i < n; i++) {
                        int rc = check_value(f, elems + i * sz, depth, err, errlen);

                        if (rc)
                                return rc;
                }
                return 0;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
                return 0; /* another member of the oneof is the one set */
        if (f->type == PROTOBUF_C_TYPE_BYTES && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
            !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            !*(const protobuf_c_boolean *)(base + f->quantifier_offset))
                return 0;
        return check_value(f, member, depth, err, errlen);
}

static int check_message(const ProtobufCMessage *m, unsigned depth, char *err, size_t errlen)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        if (depth > RPC_MAX_DEPTH) {
                snprintf(err, errlen, "message %s nested deeper than %d", d->short_name,
                         RPC_MAX_DEPTH);
                return EINVAL;
        }
        /* A field this vhostd does not know could change what the request
         * means (and protobuf-c keeps even field number 0): refused rather
         * than half understood. */
        if (m->n_unknown_fields) {
                snprintf(err, errlen, "message %s has field number %u, unknown to this vhostd",
                         d->short_name, m->unknown_fields[0].tag);
                return EINVAL;
        }
        for (unsigned i = 0; i < d->n_fields; i++) {
                int rc = check_field(m, &d->fields[i], depth, err, errlen);

                if (rc)
                        return rc;
        }
        return 0;
}

int rpc_request_decode(const void *buf, size_t len, Vsw__Request **req, char *err, size_t errlen)
{
        Vsw__Request *r = vsw__request__unpack(NULL, len, buf);
        int rc;

        *req = NULL;
        if (!r) {
                snprintf(err, errlen, "malformed request (%zu bytes)", len);
                return EBADMSG;
        }
        if (r->cmd_case == VSW__REQUEST__CMD__NOT_SET) {
                snprintf(err, errlen, "empty request: no command");
                rc = EINVAL;
        } else {
                rc = check_message(&r->base, 0, err, errlen);
        }
        if (rc) {
                vsw__request__free_unpacked(r, NULL);
                return rc;
        }
        *req = r;
        return 0;
}
