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
        VU_PEEK_EOF,     /* the front end closed, nothing queued */
        VU_PEEK_PLAIN,   /* not peekable whole (partial, malformed, split at
                          * an fd boundary): read it the plain way */
        VU_PEEK_NOTHING, /* no byte queued */
};

/* Peeks the message at the head of fd without consuming it. */
enum vu_peek vu_journal_peek(int fd, struct vu_msg *m);

/* Does the message at fd's head match what j recorded? 1 yes, 0 no (or
 * nothing queued), -1 when the front end has closed with nothing queued. */
int vu_journal_at_head(const struct vsw_journal *j, int fd);

/* The steps, in order. */
void vu_journal_begin(struct vsw_journal *j, const struct vu_msg *m);
void vu_journal_applied(struct vsw_journal *j, enum vu_action act, const struct vu_msg *reply);
/* Reads the message's bytes off fd and closes the fds that come with them
 * (duplicates of the peeked ones). 0, or -1 with errno. */
int vu_journal_consume(int fd, const struct vu_msg *m);
void vu_journal_done(struct vsw_journal *j);

/* The journaled reply as a message, for sending again. */
void vu_journal_reply(const struct vsw_journal *j, struct vu_msg *reply);

/* Bytes queued for reading on fd (-1 on error). */
int vu_queued_in(int fd);
/* Bytes we sent on fd that the peer has not read yet (-1 on error). */
int vu_queued_out(int fd);

#endif
