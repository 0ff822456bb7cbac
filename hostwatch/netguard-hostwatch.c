/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netguard-hostwatch: the host daemon (run) and its clients (status, where, watch). */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/log.h"
#include "hostwatch/client.h"
#include "hostwatch/manager.h"

static void usage(FILE *f) {
        fputs("usage: netguard-hostwatch run [--config FILE] [--state-dir DIR] [--no-bus] [--debug]\n"
              "       netguard-hostwatch status [--json]\n"
              "       netguard-hostwatch where [--json] NAME\n"
              "       netguard-hostwatch watch [--json]\n"
              "where exits 0 verified, 1 known but not verified, 2 no such machine or no address, 3 no daemon\n",
              f);
}

/* One fd per channel, one per probe in flight, the bus: 10,000 machines need more than
 * the usual soft limit of 1024, and the hard limit is ours to take. */
static void raise_nofile(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                        log_warning_errno(errno, "cannot raise the open file limit: %m");
        }
}

static int run(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "no-bus", no_argument, NULL, 'n' },
                { "debug", no_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerOptions o = {};
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:s:ndh", opts, NULL)) >= 0)
                switch (c) {
                case 'c':
                        o.config_path = optarg;
                        break;
                case 's':
                        o.state_dir = optarg;
                        break;
                case 'n':
                        o.no_bus = true;
                        break;
                case 'd':
                        log_set_max_level(LOG_LEVEL_DEBUG);
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        if (optind < argc) {
                usage(stderr);
                return 2;
        }
        raise_nofile();
        /* A channel's frame buffer grows to 64 KiB while a large frame is read: mapped on
         * its own, it is given back whole when it shrinks, not left in the heap. */
        (void) mallopt(M_MMAP_THRESHOLD, 32 * 1024);
        /* sd-event takes these through a signalfd: they must not be delivered first. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = manager_new(&m, &o);
        if (r < 0)
                return 1;
        r = manager_run(m);
        if (r < 0) {
                log_error_errno(r, "the event loop failed: %m");
                return 1;
        }
        return 0;
}

static int client(int argc, char **argv, const char *cmd) {
        static const struct option opts[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool json = false;
        int c;

        while ((c = getopt_long(argc, argv, "jh", opts, NULL)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return CLIENT_EXIT_UNREACHABLE;
                }
        if (strcmp(cmd, "where") == 0) {
                if (optind + 1 != argc) {
                        usage(stderr);
                        return CLIENT_EXIT_NONE;
                }
                return client_where(argv[optind], json);
        }
        if (optind != argc) {
                usage(stderr);
                return CLIENT_EXIT_UNREACHABLE;
        }
        return strcmp(cmd, "status") == 0 ? client_status(json) : client_watch(json);
}

int main(int argc, char **argv) {
        log_set_program("netguard-hostwatch");
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                puts("netguard-hostwatch " NETGUARD_VERSION);
                return 0;
        }
        if (strcmp(argv[1], "run") == 0)
                return run(argc - 1, argv + 1);
        if (strcmp(argv[1], "status") == 0 || strcmp(argv[1], "where") == 0 || strcmp(argv[1], "watch") == 0)
                return client(argc - 1, argv + 1, argv[1]);
        fprintf(stderr, "netguard-hostwatch: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
}
