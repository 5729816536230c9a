/* Crash-atomic vhost-user messages (ARCHITECTURE.md "Restart and recovery"): a
 * message is peeked whole (its fds come with the peek), applied, its reply
 * written to the interface's journal, then consumed, then answered, then
 * marked done. A successor vhostd reads the journal and the socket's head to
 * tell which of those steps happened. */
#ifndef VU_JOURNAL_H
#define VU_JOURNAL_H

#include "vu_msg.h"

enum vu_peek {
        VU_PEEK_MSG,     /* *m holds the whole message and fresh fds */
        VU_PEEK_NOTHING, /* no byte queued */
        VU_PEEK_EOF,     /* the front end closed, nothing queued */
        VU_PEEK_PARTIAL, /* part of a message is queued (*queued bytes) */
        VU_PEEK_BAD,     /* a header whose size no payload has: m->hdr has it */
        VU_PEEK_SPLIT,   /* all its bytes are queued, but fds came with more
                          * than one of its pieces: no peek returns it whole */
        VU_PEEK_ERROR,   /* the socket failed: errno */
};

/* Peeks the message at the head of fd without consuming it and without
 * waiting. *queued (may be NULL) gets the bytes queued when PARTIAL. */
enum vu_peek vu_journal_peek(int fd, struct vu_msg *m, int *queued);

/* Does the message at fd's head match what j recorded? 1 yes, 0 no (or
 * nothing queued), -1 when the front end has closed with nothing queued. */
int vu_journal_at_head(const struct vsw_journal *j, int fd);

/* The steps, in order. */
void vu_journal_begin(struct vsw_journal *j, const struct vu_msg *m);
void vu_journal_applied(struct vsw_journal *j, enum vu_action act, const struct vu_msg *reply);
/* Reads the message's bytes off fd (all queued: it was peeked whole) and
 * closes the fds that come with them (duplicates of the peeked ones). 0, or
 * -1 with errno. */
int vu_journal_consume(int fd, const struct vu_msg *m);
void vu_journal_done(struct vsw_journal *j);

/* The journaled reply as a message, for sending again. */
void vu_journal_reply(const struct vsw_journal *j, struct vu_msg *reply);

/* Bytes queued for reading on fd (-1 on error). */
int vu_queued_in(int fd);
/* Bytes we sent on fd that the peer has not read yet (-1 on error). */
int vu_queued_out(int fd);

#endif
