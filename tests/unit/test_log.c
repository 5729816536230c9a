/* Logging: line format, per-class filtering (local and from the memzone),
 * the ring of recent lines, file output and whole lines across processes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "unit_check.h"

static char dir[] = "/tmp/test_log.XXXXXX";
static char logfile[256], errfile[256];

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return strdup("");
        char *buf = calloc(1, 1 << 20);
        size_t n = fread(buf, 1, (1 << 20) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static int count_lines(const char *text, const char *needle)
{
        int n = 0;
        for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* "2026-11-21T22:40:01.123Z <proc>[<pid>] <class> <level>: <message>" */
static int well_formed(const char *line, const char *proc)
{
        int y, mo, d, h, mi, s, ms, consumed = 0;
        if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %n", &y, &mo, &d, &h, &mi, &s, &ms,
                   &consumed) != 7 ||
            consumed != 25 || line[4] != '-' || line[23] != 'Z')
                return 0;
        line += consumed;
        size_t plen = strlen(proc);
        if (strncmp(line, proc, plen) != 0 || line[plen] != '[')
                return 0;
        char *end;
        long pid = strtol(line + plen + 1, &end, 10);
        return pid > 0 && strncmp(end, "] ", 2) == 0 && strstr(end, ": ") != NULL;
}

static void test_names(void)
{
        CHECK(vsw_log_class_from_name("vhost-user") == VSW_LOG_VHOST_USER);
        CHECK(vsw_log_class_from_name("dataplane") == VSW_LOG_DATAPLANE);
        CHECK(vsw_log_class_from_name("nope") == -1);
        CHECK(vsw_log_level_from_name("err") == VSW_LOG_ERR);
        CHECK(vsw_log_level_from_name("error") == VSW_LOG_ERR);
        CHECK(vsw_log_level_from_name("warning") == VSW_LOG_WARNING);
        CHECK(vsw_log_level_from_name("warn") == VSW_LOG_WARNING);
        CHECK(vsw_log_level_from_name("emerg") == VSW_LOG_EMERG);
        CHECK(vsw_log_level_from_name("loud") == -1);
        CHECK(strcmp(vsw_log_class_name(VSW_LOG_SUPERVISOR), "supervisor") == 0);
        CHECK(strcmp(vsw_log_level_name(VSW_LOG_WARNING), "warn") == 0);
        CHECK(strcmp(vsw_log_level_name(VSW_LOG_LEVEL_MAX), "unknown") == 0);
}

static void collect(const char *line, void *arg)
{
        FILE *f = arg;
        fprintf(f, "%s\n", line);
}

/* Before vsw_log_open: stderr and the ring only. */
static void test_before_open(void)
{
        VSW_WARN(VSW_LOG_CONFIG, "early %d", 1);
        VSW_DEBUG(VSW_LOG_CONFIG, "early debug not shown");
        char *err = slurp(errfile);
        CHECK(count_lines(err, " config warn: early 1\n") == 1);
        CHECK(strstr(err, "early debug") == NULL);
        CHECK(well_formed(err, program_invocation_short_name)); /* no proc name yet */
        free(err);
}

static void test_filter_and_file(void)
{
        CHECK(vsw_log_open("vhostd", logfile, VSW_LOG_NOTICE) == 0);
        CHECK(vsw_log_get_level(VSW_LOG_RPC) == VSW_LOG_NOTICE);
        vsw_log_set_level(VSW_LOG_VHOST_USER, VSW_LOG_DEBUG);
        vsw_log_set_level(VSW_LOG_RPC, VSW_LOG_ERR);
        CHECK(vsw_log_enabled(VSW_LOG_VHOST_USER, VSW_LOG_DEBUG));
        CHECK(!vsw_log_enabled(VSW_LOG_RPC, VSW_LOG_WARNING));

        errno = EAGAIN;
        VSW_DEBUG(VSW_LOG_VHOST_USER, "if%d: shown debug", 3);
        CHECK(errno == EAGAIN);
        VSW_WARN(VSW_LOG_RPC, "hidden rpc warn");
        VSW_ERR(VSW_LOG_RPC, "shown rpc err");
        VSW_INFO(VSW_LOG_GENERAL, "hidden general info");
        VSW_NOTICE(VSW_LOG_GENERAL, "shown general notice");
        VSW_ERR(VSW_LOG_VAULT, "two\nlines\tand a trailing newline\n");

        char *log = slurp(logfile);
        CHECK(count_lines(log, "\n") == 4);
        CHECK(well_formed(log, "vhostd"));
        CHECK(count_lines(log, "] vhost-user debug: if3: shown debug\n") == 1);
        CHECK(count_lines(log, "] rpc err: shown rpc err\n") == 1);
        CHECK(count_lines(log, "] general notice: shown general notice\n") == 1);
        CHECK(count_lines(log, "] vault err: two?lines?and a trailing newline\n") == 1);
        CHECK(strstr(log, "hidden") == NULL);
        free(log);
        char *err = slurp(errfile);
        CHECK(count_lines(err, "shown") == 3 && strstr(err, "hidden") == NULL);
        free(err);

        /* Reopening appends. */
        CHECK(vsw_log_open("vhostd", logfile, VSW_LOG_INFO) == 0);
        VSW_INFO(VSW_LOG_GENERAL, "after reopen");
        log = slurp(logfile);
        CHECK(count_lines(log, "\n") == 5 && count_lines(log, "after reopen") == 1);
        free(log);

        char bad[300];
        snprintf(bad, sizeof(bad), "%s/no/such/dir/x.log", dir);
        CHECK(vsw_log_open("vhostd", bad, VSW_LOG_INFO) == -1 && errno == ENOENT);
        err = slurp(errfile);
        CHECK(strstr(err, "general err: cannot open log file ") != NULL);
        free(err);
}

static void test_long_message(void)
{
        char big[3000];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK(vsw_log_open("vhostd", logfile, VSW_LOG_INFO) == 0);
        VSW_INFO(VSW_LOG_GENERAL, "%s", big);
        char *log = slurp(logfile);
        char *last = strstr(log, "xxx");
        CHECK(last != NULL);
        char *nl = last ? strchr(last, '\n') : NULL;
        CHECK(nl && nl - 3 > last && strncmp(nl - 3, "...", 3) == 0);
        CHECK(nl && !strchr(nl + 1, '\n'));
        free(log);
}

static void test_attach(void)
{
        struct vsw_state *st = calloc(1, sizeof(*st));
        vsw_state_init(st);
        vsw_log_set_level(VSW_LOG_DATAPLANE, VSW_LOG_EMERG); /* local */
        vsw_log_attach(st);
        CHECK(vsw_log_get_level(VSW_LOG_DATAPLANE) == VSW_LOG_INFO);
        atomic_store(&st->log_level[VSW_LOG_DATAPLANE], VSW_LOG_DEBUG);
        CHECK(vsw_log_enabled(VSW_LOG_DATAPLANE, VSW_LOG_DEBUG));
        vsw_log_set_level(VSW_LOG_RPC, VSW_LOG_WARNING);
        CHECK(atomic_load(&st->log_level[VSW_LOG_RPC]) == VSW_LOG_WARNING);
        atomic_store(&st->log_level[VSW_LOG_RPC], 200); /* a corrupt memzone */
        CHECK(vsw_log_get_level(VSW_LOG_RPC) == VSW_LOG_DEBUG);
        vsw_log_attach(NULL);
        CHECK(vsw_log_get_level(VSW_LOG_DATAPLANE) == VSW_LOG_EMERG);
        free(st);
}

static void test_ring(void)
{
        vsw_log_set_level(VSW_LOG_GENERAL, VSW_LOG_INFO);
        for (int i = 0; i < 600; i++)
                VSW_INFO(VSW_LOG_GENERAL, "ring line %d", i);
        char path[300];
        snprintf(path, sizeof(path), "%s/ring.txt", dir);
        FILE *f = fopen(path, "w");
        vsw_log_recent(collect, f);
        fclose(f);
        char *text = slurp(path);
        CHECK(count_lines(text, "\n") == 512);
        const char *first = strstr(text, "ring line ");
        CHECK(first && strncmp(first, "ring line 88\n", 13) == 0);
        CHECK(count_lines(text, "ring line 599\n") == 1);
        CHECK(well_formed(text, "vhostd"));
        free(text);
        unlink(path);
}

/* Two processes appending at once: every line stays whole. */
static void test_processes(void)
{
        CHECK(vsw_log_open("vhostd", logfile, VSW_LOG_INFO) == 0);
        int before = 0;
        char *log = slurp(logfile);
        before = count_lines(log, "\n");
        free(log);
        pid_t pid = fork();
        if (pid == 0) {
                vsw_log_open("vhost-dp@1", logfile, VSW_LOG_INFO);
                for (int i = 0; i < 2000; i++)
                        VSW_INFO(VSW_LOG_DATAPLANE, "child %d padding padding padding padding", i);
                _exit(0);
        }
        for (int i = 0; i < 2000; i++)
                VSW_INFO(VSW_LOG_GENERAL, "parent %d padding padding padding padding", i);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
        log = slurp(logfile);
        CHECK(count_lines(log, "\n") == before + 4000);
        int bad = 0;
        for (char *line = log; *line;) {
                char *nl = strchr(line, '\n');
                *nl = '\0';
                if (!well_formed(line, "vhostd") && !well_formed(line, "vhost-dp@1"))
                        bad++;
                line = nl + 1;
        }
        CHECK(bad == 0);
        free(log);
}

int main(void)
{
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        snprintf(logfile, sizeof(logfile), "%s/vhostsw.log", dir);
        snprintf(errfile, sizeof(errfile), "%s/stderr.txt", dir);
        /* Capture stderr in a file; results go to stdout. */
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
                perror(errfile);
                return 1;
        }
        close(fd);

        test_names();
        test_before_open();
        test_filter_and_file();
        test_long_message();
        test_attach();
        test_ring();
        test_processes();

        unlink(logfile);
        unlink(errfile);
        rmdir(dir);
        return t_report();
}
