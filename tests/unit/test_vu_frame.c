/* A connection's framing (control/vhost_user/vu_conn_frame.c) on a real
 * non-blocking socketpair: nothing ever waits. Half a message is left queued, whole; a
 * front end that does not read its replies stops being read from, and gets
 * every reply once it reads; a message whose ring a running worker has not
 * paused changes nothing and stays at the head until the worker acks; a
 * vhostd killed between consuming a message and answering it is succeeded
 * by one that sends the journaled reply, once. No fd leaks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "unit_check.h"
#include "vu_conn_frame.h"
#include "vu_features.h"
#include "vu_handlers.h"
#include "vu_journal.h"

static struct vsw_state *st;
static struct vu_dev dev;
static struct vu_frame fr;
static int fe, be;

static void send_msg(uint32_t req, const void *payload, uint32_t size, int fd)
{
        char buf[VHOST_USER_HDR_SIZE + VHOST_USER_PAYLOAD_MAX];
        struct vhost_user_header h = {req, VHOST_USER_VERSION, size};
        char cbuf[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = {buf, VHOST_USER_HDR_SIZE + size};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), payload, size);
        if (fd >= 0) {
                mh.msg_control = cbuf;
                mh.msg_controllen = sizeof(cbuf);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        }
        if (sendmsg(fe, &mh, 0) != (ssize_t)(VHOST_USER_HDR_SIZE + size))
                abort();
}

static void fresh(void)
{
        int sp[2];
        struct vsw_iface *ifc = &st->ifaces[0];

        memset(ifc, 0, sizeof(*ifc));
        ifc->in_use = 1;
        ifc->sw_if_index = 1;
        snprintf(ifc->name, sizeof(ifc->name), "VirtualEthernet0/0/0");
        ifc->feature_mask = ~0ULL;
        for (unsigned q = 0; q < VSW_MAX_VRINGS; q++)
                atomic_store(&ifc->vrings[q].owner, VSW_NO_WORKER);
        vu_dev_init(&dev, st, ifc, -1);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) < 0)
                abort();
        fe = sp[0];
        be = sp[1];
        vu_frame_init(&fr, &dev, be);
}

static void done(void)
{
        vu_dev_reset(&dev);
        close(fe);
        close(be);
}

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_half_message(void)
{
        struct vhost_user_header h = {VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 0};

        fresh();
        CHECK(vu_frame_read(&fr) == VU_STEP_IDLE, "nothing queued");
        if (send(fe, &h, 7, 0) != 7)
                abort();
        CHECK(vu_frame_read(&fr) == VU_STEP_PARTIAL, "half a header: partial");
        CHECK(vu_queued_in(be) == 7, "nothing consumed");
        if (send(fe, (char *)&h + 7, 5, 0) != 5)
                abort();
        CHECK(vu_frame_read(&fr) == VU_STEP_DONE, "whole: handled");
        uint64_t reply[3];
        CHECK(recv(fe, reply, sizeof(reply), 0) == 20, "the reply came");
        shutdown(fe, SHUT_WR);
        CHECK(vu_frame_read(&fr) == VU_STEP_EOF, "the front end closed");
        done();
}

static void test_never_reads(void)
{
        int small = 4096, sent = 0, replies = 0;
        char buf[20];

        fresh();
        if (setsockopt(be, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0)
                abort();
        double t0 = now();
        enum vu_step s = VU_STEP_DONE;
        for (; sent < 2000 && s != VU_STEP_WRITING; sent++) {
                send_msg(VHOST_USER_GET_FEATURES, NULL, 0, -1);
                s = vu_frame_read(&fr);
        }
        CHECK(s == VU_STEP_WRITING, "replies fill the socket: writing after %d", sent);
        int queued = vu_queued_in(be);
        send_msg(VHOST_USER_GET_FEATURES, NULL, 0, -1);
        CHECK(vu_frame_read(&fr) == VU_STEP_WRITING && vu_queued_in(be) == queued + 12,
              "no message is read while a reply waits");
        CHECK(vu_frame_flush(&fr) == VU_STEP_WRITING, "the socket is still full");
        CHECK(now() - t0 < 0.5, "nothing waited (%.3f s)", now() - t0);
        sent++;
        for (int i = 0; i < 100000 && replies < sent; i++) {
                while (recv(fe, buf, sizeof(buf), MSG_DONTWAIT) == 20)
                        replies++;
                s = fr.out_len ? vu_frame_flush(&fr) : vu_frame_read(&fr);
                if (s != VU_STEP_DONE && s != VU_STEP_WRITING && s != VU_STEP_IDLE)
                        break;
        }
        CHECK(replies == sent, "every reply once the front end reads: %d of %d", replies, sent);
        CHECK(dev.ifc->journal.state == VSW_JOURNAL_DONE, "journal done");
        done();
}

static void test_pause_waits(void)
{
        struct vsw_iface *ifc = &st->ifaces[0];
        struct vhost_vring_state en = {2, 1};
        char buf[64];

        fresh();
        st->nworkers = 1;
        atomic_store(&st->workers[0].state, VSW_WORKER_RUNNING);
        atomic_store(&ifc->vrings[2].owner, 0);
        send_msg(VHOST_USER_SET_VRING_ENABLE, &en, sizeof(en), -1);
        CHECK(vu_frame_read(&fr) == VU_STEP_PAUSING, "the worker has not acked");
        CHECK(!(ifc->vrings[2].state & VSW_VRING_ENABLED), "ring not edited");
        CHECK(vu_queued_in(be) == 20, "the message stays at the head");
        CHECK(ifc->journal.state == VSW_JOURNAL_APPLYING, "journal: applying");
        CHECK(vu_frame_read(&fr) == VU_STEP_PAUSING, "again: still waiting");
        atomic_store(&ifc->vrings[2].ack_seq, atomic_load(&ifc->vrings[2].cmd_seq));
        CHECK(vu_frame_read(&fr) == VU_STEP_DONE, "acked: applied");
        CHECK(ifc->vrings[2].state & VSW_VRING_ENABLED, "ring edited");
        CHECK(!(atomic_load(&ifc->vrings[2].cmd_seq) & 1), "and released");
        CHECK(vu_queued_in(be) == 0 && ifc->journal.state == VSW_JOURNAL_DONE, "consumed, done");
        CHECK(recv(fe, buf, sizeof(buf), MSG_DONTWAIT) < 0, "no reply to a setter");
        atomic_store(&st->workers[0].state, VSW_WORKER_DEAD);
        st->nworkers = 0;
        done();
}

/* Killed after consuming GET_FEATURES, before answering: the successor
 * answers from the journal, once; the front end's next message is handled. */
static void test_killed_before_reply(void)
{
        uint64_t reply[3];

        fresh();
        send_msg(VHOST_USER_GET_FEATURES, NULL, 0, -1);
        fr.kill_at = 4; /* begin, handle, applied, consume */
        CHECK(vu_frame_read(&fr) == VU_STEP_KILLED, "killed");
        CHECK(recv(fe, reply, sizeof(reply), MSG_DONTWAIT) < 0, "no reply yet");
        vu_frame_init(&fr, &dev, be);
        CHECK(vu_frame_settle(&fr) == VU_STEP_DONE, "settled");
        CHECK(recv(fe, reply, sizeof(reply), MSG_DONTWAIT) == 20 && (uint32_t)reply[1] == 8 &&
                  (uint32_t)reply[0] == VHOST_USER_GET_FEATURES,
              "the journaled reply");
        CHECK(recv(fe, reply, sizeof(reply), MSG_DONTWAIT) < 0, "once");
        CHECK(vu_frame_settle(&fr) == VU_STEP_IDLE, "nothing more to settle");
        send_msg(VHOST_USER_GET_QUEUE_NUM, NULL, 0, -1);
        CHECK(vu_frame_read(&fr) == VU_STEP_DONE, "the next message");
        done();
}

int main(void)
{
        vsw_log_open("test_vu_frame", NULL, VSW_LOG_ERR);
        st = calloc(1, sizeof(*st));
        if (!st)
                return 1;
        int before = t_count_fds();

        test_half_message();
        test_never_reads();
        test_pause_waits();
        test_killed_before_reply();
        CHECK(t_count_fds() == before, "fd leak: %d before, %d after", before, t_count_fds());
        return t_report();
}
