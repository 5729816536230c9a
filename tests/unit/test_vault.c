/* The fd vault, client (shared/vault_client.c) against server
 * (tools/supervisor/vault_server.c), the server polled by a thread. Also
 * raw malformed requests, which the client API cannot produce. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault.h"
#include "vault_server.h"
#include "unit_check.h"

static struct vault_server srv;
static atomic_int stop;

static void *serve(void *arg)
{
        (void)arg;
        while (!atomic_load(&stop)) {
                struct pollfd p[1 + VAULT_MAX_CLIENTS];
                int slot_of[1 + VAULT_MAX_CLIENTS];
                int n = 0;
                p[n++] = (struct pollfd){.fd = srv.listen_fd, .events = POLLIN};
                for (int i = 0; i < VAULT_MAX_CLIENTS; i++) {
                        if (srv.clients[i] >= 0) {
                                slot_of[n] = i;
                                p[n++] = (struct pollfd){.fd = srv.clients[i], .events = POLLIN};
                        }
                }
                if (poll(p, n, 20) <= 0)
                        continue;
                if (p[0].revents)
                        vault_server_accept(&srv);
                for (int i = 1; i < n; i++)
                        if (p[i].revents)
                                vault_server_handle(&srv, slot_of[i]);
        }
        return NULL;
}

/* Two fds name the same open file when their inode and device match. */
static int same_file(int a, int b)
{
        struct stat sa, sb;
        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
               sa.st_dev == sb.st_dev;
}

static struct vsw_vault_reply raw_request(int s, const void *buf, size_t len, int nfds, int fd)
{
        struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
        union {
                char buf[CMSG_SPACE(sizeof(int) * 2)];
                struct cmsghdr align;
        } ctl;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (nfds) {
                int fds[2] = {fd, fd};
                memset(&ctl, 0, sizeof(ctl));
                msg.msg_control = ctl.buf;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        }
        CHECK(sendmsg(s, &msg, 0) == (ssize_t)len);
        struct vsw_vault_reply rep;
        CHECK(recv(s, &rep, sizeof(rep), 0) == sizeof(rep));
        return rep;
}

static void test_ops(int v)
{
        int p[2];
        CHECK(pipe(p) == 0);
        CHECK(vsw_vault_deposit(v, "if1/conn", p[0]) == 0);
        CHECK(vsw_vault_deposit(v, "if1/vq0/kick", p[1]) == 0);
        CHECK(vsw_vault_deposit(v, "if2/conn", p[1]) == 0);

        int f = vsw_vault_fetch(v, "if1/conn");
        CHECK(f >= 0 && f != p[0] && same_file(f, p[0]));
        CHECK(fcntl(f, F_GETFD) & FD_CLOEXEC);
        close(f);
        CHECK(vsw_vault_fetch(v, "if9/conn") == -ENOENT);

        /* Deposit under an existing key replaces the old fd. */
        CHECK(vsw_vault_deposit(v, "if1/conn", p[1]) == 0);
        f = vsw_vault_fetch(v, "if1/conn");
        CHECK(same_file(f, p[1]));
        close(f);

        char buf[256];
        int n = vsw_vault_list(v, "if1/", buf, sizeof(buf));
        CHECK(n == (int)(sizeof("if1/conn") + sizeof("if1/vq0/kick")));
        CHECK((!strcmp(buf, "if1/conn") && !strcmp(buf + 9, "if1/vq0/kick")) ||
              (!strcmp(buf, "if1/vq0/kick") && !strcmp(buf + 13, "if1/conn")));
        CHECK(vsw_vault_list(v, "if1/", buf, 4) == -EMSGSIZE);
        CHECK(vsw_vault_list(v, "nothing", buf, sizeof(buf)) == 0);

        CHECK(vsw_vault_withdraw(v, "if2/conn") == 0);
        CHECK(vsw_vault_withdraw(v, "if2/conn") == -ENOENT);
        CHECK(vsw_vault_withdraw_prefix(v, "if1/") == 0);
        CHECK(vsw_vault_list(v, "", buf, sizeof(buf)) == 0);

        CHECK(vsw_vault_deposit(v, "", p[0]) == -EINVAL);
        char longkey[VSW_VAULT_KEY_LEN + 1];
        memset(longkey, 'k', VSW_VAULT_KEY_LEN);
        longkey[VSW_VAULT_KEY_LEN] = '\0';
        CHECK(vsw_vault_fetch(v, longkey) == -ENAMETOOLONG);
        CHECK(vsw_vault_deposit(v, "x", -1) == -EBADF);
        close(p[0]);
        close(p[1]);
}

static void test_bad_requests(int v)
{
        struct vsw_vault_req req = {.op = VSW_VAULT_FETCH};
        strcpy(req.key, "k");
        CHECK(raw_request(v, &req, 5, 0, -1).status == -EINVAL);
        CHECK(raw_request(v, &req, sizeof(req), 1, 0).status == -EINVAL);

        req.op = 77;
        CHECK(raw_request(v, &req, sizeof(req), 0, -1).status == -EOPNOTSUPP);

        req.op = VSW_VAULT_DEPOSIT;
        CHECK(raw_request(v, &req, sizeof(req), 0, -1).status == -EINVAL);
        CHECK(raw_request(v, &req, sizeof(req), 2, 0).status == -EINVAL);

        memset(req.key, 'a', sizeof(req.key));
        CHECK(raw_request(v, &req, sizeof(req), 1, 0).status == -EINVAL);
        CHECK(srv.nentries == 0);
}

static void test_full(int v)
{
        char key[VSW_VAULT_KEY_LEN];
        for (int i = 0; i < VSW_VAULT_MAX_FDS; i++) {
                snprintf(key, sizeof(key), "k%d", i);
                CHECK(vsw_vault_deposit(v, key, 0) == 0);
        }
        CHECK(vsw_vault_deposit(v, "one-too-many", 0) == -ENOSPC);
        char buf[64];
        CHECK(vsw_vault_list(v, "", buf, sizeof(buf)) == -ENOBUFS); /* over VSW_VAULT_LIST_MAX */
        CHECK(vsw_vault_withdraw_prefix(v, "k") == 0);
        CHECK(srv.nentries == 0);
}

int main(void)
{
        char path[] = "/tmp/test_vault.XXXXXX";
        CHECK(mkdtemp(path));
        char sock[128];
        snprintf(sock, sizeof(sock), "%s/%s", path, VSW_VAULT_SOCK_NAME);
        CHECK(vault_server_open(&srv, sock) == 0);
        struct stat sb;
        CHECK(stat(sock, &sb) == 0 && (sb.st_mode & 0777) == 0600);

        /* test_full makes the server hold VSW_VAULT_MAX_FDS fds at once. */
        struct rlimit rl = {VSW_VAULT_MAX_FDS + 256, VSW_VAULT_MAX_FDS + 256};
        CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
        int before = t_count_fds();
        pthread_t t;
        CHECK(pthread_create(&t, NULL, serve, NULL) == 0);
        int v = vsw_vault_connect(sock);
        CHECK(v >= 0);
        if (t_failed)
                return t_report(); /* no server to talk to */
        test_ops(v);
        test_bad_requests(v);
        test_full(v);
        close(v);
        CHECK(vsw_vault_connect("/nonexistent/vault.sock") == -ENOENT);

        usleep(100000); /* let the server see the hang-up */
        atomic_store(&stop, 1);
        pthread_join(t, NULL);
        CHECK(t_count_fds() == before); /* nothing leaked on either side */
        vault_server_close(&srv);
        CHECK(stat(sock, &sb) < 0 && errno == ENOENT);
        rmdir(path);
        return t_report();
}
