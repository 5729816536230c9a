/* One vhost-user connection's framing, without libevent (vu_conn.c runs it
 * from its events; the fuzz target drives it on a socketpair). Nothing here
 * blocks: the socket is non-blocking, a message is handled only once it is
 * queued whole (peeked, never read in parts), and a reply the front end
 * does not take yet waits in the frame while reading stops. Each message
 * follows the journal's steps (vu_journal.h). */
#ifndef VU_CONN_FRAME_H
#define VU_CONN_FRAME_H

#include <stdint.h>

#include "vu_msg.h"

struct vu_frame {
        int fd; /* the connection, O_NONBLOCK */
        struct vu_dev *dev;
        /* A reply not yet sent whole: no message is read until it is. */
        uint8_t out[VHOST_USER_HDR_SIZE + VHOST_USER_PAYLOAD_MAX];
        uint32_t out_len, out_off;
        /* For tests: stop as a killed process would at the kill_at-th point
         * of the journal's steps from now (0: never). */
        uint32_t kill_at;
};

enum vu_step {
        VU_STEP_DONE,    /* a message was handled: there may be another */
        VU_STEP_IDLE,    /* no byte queued */
        VU_STEP_PARTIAL, /* part of a message is queued: wait for the rest */
        VU_STEP_PAUSING, /* the message at the head waits for a worker to
                          * acknowledge a vring pause: handle it again later */
        VU_STEP_WRITING, /* a reply waits for the socket to take it */
        VU_STEP_HANG_UP, /* drop the front end (logged) */
        VU_STEP_EOF,     /* the front end closed */
        VU_STEP_KILLED,  /* kill_at reached (tests only) */
};

void vu_frame_init(struct vu_frame *f, struct vu_dev *dev, int fd);
/* Handles the message at the head of the socket, if it is queued whole. */
enum vu_step vu_frame_read(struct vu_frame *f);
/* Sends what is left of the pending reply: DONE once it is all out. */
enum vu_step vu_frame_flush(struct vu_frame *f);
/* Once a successor took the connection over: settles what the journal says
 * a predecessor left half done (DESIGN.md "Restart and recovery"). A
 * message to apply again sets dev->replay and returns IDLE: the next read
 * applies it. */
enum vu_step vu_frame_settle(struct vu_frame *f);

#endif
