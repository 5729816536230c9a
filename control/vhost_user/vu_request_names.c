/* The spec's name of every request, for log lines: below the handlers and
 * the dispatch table (vu_msg.c) so that any of them can name a message. */
#include "vu_msg.h"

#define NAME(r) [VHOST_USER_##r] = "VHOST_USER_" #r

static const char *const names[VHOST_USER_REQUEST_MAX] = {
    NAME(GET_FEATURES),
    NAME(SET_FEATURES),
    NAME(SET_OWNER),
    NAME(RESET_OWNER),
    NAME(SET_MEM_TABLE),
    NAME(SET_LOG_BASE),
    NAME(SET_LOG_FD),
    NAME(SET_VRING_NUM),
    NAME(SET_VRING_ADDR),
    NAME(SET_VRING_BASE),
    NAME(GET_VRING_BASE),
    NAME(SET_VRING_KICK),
    NAME(SET_VRING_CALL),
    NAME(SET_VRING_ERR),
    NAME(GET_PROTOCOL_FEATURES),
    NAME(SET_PROTOCOL_FEATURES),
    NAME(GET_QUEUE_NUM),
    NAME(SET_VRING_ENABLE),
    NAME(SEND_RARP),
    NAME(NET_SET_MTU),
    NAME(SET_BACKEND_REQ_FD),
    NAME(IOTLB_MSG),
    NAME(SET_VRING_ENDIAN),
    NAME(GET_CONFIG),
    NAME(SET_CONFIG),
    NAME(CREATE_CRYPTO_SESSION),
    NAME(CLOSE_CRYPTO_SESSION),
    NAME(POSTCOPY_ADVISE),
    NAME(POSTCOPY_LISTEN),
    NAME(POSTCOPY_END),
    NAME(GET_INFLIGHT_FD),
    NAME(SET_INFLIGHT_FD),
    NAME(GPU_SET_SOCKET),
    NAME(RESET_DEVICE),
    NAME(VRING_KICK),
    NAME(GET_MAX_MEM_SLOTS),
    NAME(ADD_MEM_REG),
    NAME(REM_MEM_REG),
    NAME(SET_STATUS),
    NAME(GET_STATUS),
};

const char *vu_request_name(uint32_t request)
{
        if (request >= VHOST_USER_REQUEST_MAX)
                return NULL;
        return names[request];
}
