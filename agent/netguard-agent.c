/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netguard-agent: the guest daemon. Pushes the guest's addresses to the host over the
 * virtio-serial port whenever they change; see manager.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "agent/manager.h"
#include "common/fault.h"
#include "common/log.h"

static void usage(FILE *f) {
        fputs("usage: netguard-agent [--root-dir DIR] [--config FILE] [--hint-file FILE] [--port PATH]\n"
              "                      [--no-bus] [--debug]\n"
              "       netguard-agent --list-fault-points\n"
              "\n"
              "  --root-dir DIR    take every path under DIR: etc/netplan, run/netplan,\n"
              "                    var/lib/netguard, run/netguard, etc/netguard/agent.yaml (tests)\n"
              "  --config FILE     agent configuration (default /etc/netguard/agent.yaml)\n"
              "  --hint-file FILE  where the host's hint is kept (default /run/netguard/host-hint.yaml)\n"
              "  --port PATH       the virtio-serial port (default: agent.yaml's port:, else\n"
              "                    /dev/virtio-ports/io.netguard.agent.0)\n"
              "  --no-bus          do not register io.netguard.Agent1 on the system bus\n"
              "  --debug           log debug messages\n"
              "  --list-fault-points  print every fault point (NETGUARD_FAULT=NAME[:N]) and exit\n",
              f);
}

int main(int argc, char *argv[]) {
        enum { ARG_CONFIG = 0x100, ARG_HINT, ARG_PORT, ARG_NO_BUS, ARG_DEBUG, ARG_VERSION, ARG_ROOT_DIR,
               ARG_LIST_FAULT_POINTS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "hint-file", required_argument, NULL, ARG_HINT },
                { "port", required_argument, NULL, ARG_PORT },
                { "no-bus", no_argument, NULL, ARG_NO_BUS },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "root-dir", required_argument, NULL, ARG_ROOT_DIR },
                { "list-fault-points", no_argument, NULL, ARG_LIST_FAULT_POINTS },
                {},
        };
        _cleanup_(manager_freep) manager *m = NULL;
        manager_options o = {};
        int c, r;

        log_set_program("netguard-agent");
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case ARG_VERSION:
                        printf("netguard-agent %s\n", NETGUARD_VERSION);
                        return 0;
                case ARG_CONFIG:
                        o.config_path = optarg;
                        break;
                case ARG_HINT:
                        o.hint_path = optarg;
                        break;
                case ARG_PORT:
                        o.port = optarg;
                        break;
                case ARG_NO_BUS:
                        o.no_bus = true;
                        break;
                case ARG_DEBUG:
                        log_set_max_level(LOG_LEVEL_DEBUG);
                        break;
                case ARG_ROOT_DIR:
                        if (!*optarg) {
                                log_error("--root-dir needs a directory");
                                return 2;
                        }
                        o.root_dir = optarg;
                        break;
                case ARG_LIST_FAULT_POINTS:
                        /* The file side's (txn-disk) and the engine's, in the order a try
                         * reaches them. */
                        for (size_t i = 0; fault_point_names[i]; i++)
                                puts(fault_point_names[i]);
                        for (size_t i = 0; engine_fault_points[i]; i++)
                                puts(engine_fault_points[i]);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        if (optind < argc) {
                log_error("unexpected argument '%s'", argv[optind]);
                return 2;
        }

        r = manager_new(&o, &m);
        if (r < 0)
                return log_error_errno(r, "cannot set up: %m"), 1;
        r = manager_start(m);
        if (r < 0)
                return 1;
        return manager_run(m) < 0 ? 1 : 0;
}
