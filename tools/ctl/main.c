/* vhost-ctl [-s <endpoint>] [-j] <command words...>: parses the command
 * line against the table in ctl_grammar.c, sends one request to vhostd and
 * prints its reply. Exit 0 on success; 2 for a bad command line (nothing
 * sent); 1 when the switch cannot be reached or refuses. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "rpc_client.h"

static int run(const struct ctl_req *r, const char *endpoint, int json)
{
        char err[512];
        Vsw__Reply *rep;
        int rc = 1;

        if (vsw_rpc_call(endpoint, &r->req, &rep, err, sizeof(err))) {
                fprintf(stderr, "vhost-ctl: %s\n", err);
                return 1;
        }
        if (rep->status)
                fprintf(stderr, "vhost-ctl: %s\n",
                        rep->error && *rep->error ? rep->error : strerror(-rep->status));
        else if (r->cmd->print(rep, stdout, json))
                fprintf(stderr, "vhost-ctl: reply from %s does not answer '%s'\n", endpoint,
                        r->cmd->words);
        else
                rc = 0;
        vsw__reply__free_unpacked(rep, NULL);
        return rc;
}

int main(int argc, char **argv)
{
        const char *endpoint = getenv(CTL_ENDPOINT_ENV);
        struct ctl_req r;
        char err[512];
        int json = 0, opt;

        /* '+': stop at the first command word. */
        while ((opt = getopt(argc, argv, "+s:jh")) != -1) {
                switch (opt) {
                case 's':
                        endpoint = optarg;
                        break;
                case 'j':
                        json = 1;
                        break;
                case 'h':
                        ctl_print_help(stdout, 0);
                        return 0;
                default:
                        fprintf(stderr, "vhost-ctl: bad option (try 'vhost-ctl help')\n");
                        return 2;
                }
        }
        if (!endpoint || !*endpoint)
                endpoint = CTL_DEFAULT_ENDPOINT;
        if (ctl_parse(argc - optind, argv + optind, &r, err, sizeof(err))) {
                fprintf(stderr, "vhost-ctl: %s\n", err);
                return 2;
        }
        if (!r.cmd->print) {
                ctl_print_help(stdout, json);
                return 0;
        }
        if (run(&r, endpoint, json))
                return 1;
        if (fflush(stdout) == EOF) {
                perror("vhost-ctl: stdout");
                return 1;
        }
        return 0;
}
