/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostwatch-follow: libnetguard-hostwatch watching one lab guest, for ./demo. Prints a
 * timestamped line for every state and address change and exits after --seconds. It runs
 * the library through hostwatch_get_fd()/get_timeout()/process() on a plain poll() loop,
 * as a VM manager without sd-event would. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/file-read.h"
#include "common/macro.h"
#include "common/parse-util.h"
#include "netguard/hostwatch.h"

#define FOLLOW_MAX_NETWORKS 8
#define FOLLOW_MAX_LEASES 4

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static void stamp(char buf[static 32]) {
        struct timeval tv;
        struct tm tm;

        gettimeofday(&tv, NULL);
        localtime_r(&tv.tv_sec, &tm);
        snprintf(buf, 32, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec, (long) (tv.tv_usec / 1000));
}

static void on_state(HostWatch *hw, const char *name, HostWatchState old_state, HostWatchState new_state,
                     void *userdata) {
        HostWatchWhere w;
        char t[32];

        (void) userdata;
        stamp(t);
        if (hostwatch_where(hw, name, &w) < 0)
                w = (HostWatchWhere) {};
        printf("%s  hostwatch: %s %s -> %s%s%s%s", t, name, hostwatch_state_to_string(old_state),
               hostwatch_state_to_string(new_state), w.address[0] ? " at " : "", w.address,
               new_state == HOSTWATCH_STATE_VERIFIED ? " (SSH with the pinned host key)" : "");
        /* the guest's pending `netguard try`: this state's proof (or loss) names it */
        if (w.txn)
                printf(" [txn %" PRIu64 "%s]", w.txn, w.txn_proven ? ": HOST_REACHED sent" : "");
        printf("\n");
        fflush(stdout);
}

static void on_address(HostWatch *hw, const HostWatchWhere *w, void *userdata) {
        char t[32];

        (void) hw;
        (void) userdata;
        stamp(t);
        printf("%s  hostwatch: %s address %s, from %s%s\n", t, w->name, w->address[0] ? w->address : "(none)",
               hostwatch_evidence_to_string(w->evidence), w->verified ? ", verified" : ", not verified yet");
        fflush(stdout);
}

/* "ssh-ed25519 AAAA... comment" -> "ssh-ed25519 AAAA..." */
static char *read_public_key(const char *path) {
        _cleanup_free_ char *data = NULL;
        char *sp;

        if (read_file_bounded(path, 16384, READ_FILE_FOLLOW, &data, NULL, NULL) < 0)
                return NULL;
        data[strcspn(data, "\n")] = 0;
        sp = strchr(data, ' ');
        if (sp && (sp = strchr(sp + 1, ' ')))
                *sp = 0;
        return TAKE_PTR(data);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "name", required_argument, NULL, 'n' },     { "channel", required_argument, NULL, 'c' },
                { "mac", required_argument, NULL, 'm' },      { "network", required_argument, NULL, 'N' },
                { "host-key", required_argument, NULL, 'k' }, { "identity", required_argument, NULL, 'i' },
                { "lease", required_argument, NULL, 'l' },    { "probe", no_argument, NULL, 'p' },
                { "seconds", required_argument, NULL, 's' },
                { "connect-timeout", required_argument, NULL, 't' }, {},
        };
        const char *networks[FOLLOW_MAX_NETWORKS + 1] = {}, *leases[FOLLOW_MAX_LEASES + 1] = {};
        size_t n_networks = 0, n_leases = 0;
        HostWatchMachineConfig mc = { .name = "guest" };
        _cleanup_free_ char *host_key = NULL;
        HostWatch *hw = NULL;
        uint32_t seconds = 30, connect_timeout = 0;
        struct timespec start, now;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'n': mc.name = optarg; break;
                case 'c': mc.channel = optarg; break;
                case 'm': mc.macaddress = optarg; break;
                case 'N':
                        if (n_networks >= FOLLOW_MAX_NETWORKS)
                                return fprintf(stderr, "hostwatch-follow: too many --network\n"), 2;
                        networks[n_networks++] = optarg;
                        break;
                case 'k':
                        host_key = read_public_key(optarg);
                        if (!host_key)
                                return fprintf(stderr, "hostwatch-follow: cannot read %s\n", optarg), 2;
                        break;
                case 'i': mc.ssh_identity = optarg; break;
                case 'l':
                        if (n_leases >= FOLLOW_MAX_LEASES)
                                return fprintf(stderr, "hostwatch-follow: too many --lease\n"), 2;
                        leases[n_leases++] = optarg;
                        break;
                case 'p': mc.probe_networks = true; break;
                case 's':
                        if (parse_range_u32(optarg, 1, 3600, &seconds) < 0)
                                return fprintf(stderr, "hostwatch-follow: --seconds 1-3600\n"), 2;
                        break;
                case 't':
                        if (parse_range_u32(optarg, 1, 120, &connect_timeout) < 0)
                                return fprintf(stderr, "hostwatch-follow: --connect-timeout 1-120\n"), 2;
                        break;
                default:
                        fprintf(stderr, "usage: hostwatch-follow --channel SOCK --mac MAC --network PREFIX... "
                                        "--host-key FILE.pub [--identity KEY] [--lease FILE] [--probe] [--seconds N] "
                                        "[--connect-timeout SEC]\n");
                        return 2;
                }
        if (!host_key || n_networks == 0) {
                fprintf(stderr, "hostwatch-follow: --host-key and --network are needed\n");
                return 2;
        }
        mc.host_key = host_key;
        mc.networks = networks;
        mc.leases = n_leases ? leases : NULL;

        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        /* --connect-timeout: a lab test need not wait gRPC's 20 s for a SYN into the void */
        r = hostwatch_new(&hw, &(HostWatchConfig) { .host_address = "192.0.2.1",
                                                    .min_connect_timeout_usec = (uint64_t) connect_timeout * 1000000 });
        if (r < 0)
                return fprintf(stderr, "hostwatch-follow: hostwatch_new: %s\n", strerror(-r)), 1;
        hostwatch_set_callbacks(hw, on_state, on_address, NULL);
        r = hostwatch_add_machine(hw, &mc);
        if (r < 0) {
                fprintf(stderr, "hostwatch-follow: hostwatch_add_machine: %s\n", strerror(-r));
                hostwatch_free(hw);
                return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &start);
        while (!stop) {
                struct pollfd p = { .fd = hostwatch_get_fd(hw), .events = POLLIN };
                uint64_t timeout_usec = UINT64_MAX;
                int ms = 1000;

                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec >= (time_t) seconds)
                        break;
                if (hostwatch_get_timeout(hw, &timeout_usec) >= 0 && timeout_usec != UINT64_MAX) {
                        uint64_t at = hostwatch_now(hw);
                        ms = timeout_usec <= at ? 0 : (int) ((timeout_usec - at + 999) / 1000);
                        if (ms > 1000)
                                ms = 1000;
                }
                if (poll(&p, 1, ms) < 0 && errno != EINTR)
                        break;
                r = hostwatch_process(hw);
                if (r < 0) {
                        fprintf(stderr, "hostwatch-follow: hostwatch_process: %s\n", strerror(-r));
                        break;
                }
        }
        hostwatch_free(hw);
        return 0;
}
