/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hostwatch-sim: COUNT guests in one process, for netguard-hostwatch's tests and its
 * scale bench. Guest i listens on DIR/vmI.sock as QEMU's chardev socket does, and when
 * the host connects says HELLO, sends one ADDRESSES snapshot (PREFIX + i+1, an IPv6
 * documentation address by default) and then a HEARTBEAT every --heartbeat ms (5,000), or
 * as often as the host's HELLO asks, as the agent does (spread over the interval, so the
 * host sees a steady trickle, not bursts; "interval MS" is printed when that changes). What the host sends
 * is read; frames that ask for an ACK (HOST_REACHED, HOST_LOST) get one, as the agent
 * gives it (else the host resends them every 2 s), the rest is dropped. With --config FILE it writes the daemon's config for these guests
 * first. Prints "ready" when every socket listens and "accept NAME N" on each connection
 * (N counts the connections of that guest), so a test can tell who reconnected.
 * A guest holds 2 fds (listening, connected): --first F runs guests F..F+COUNT-1, so that
 * guests beyond one process's open-file limit are split over several processes.
 * --hosts K: guest i reports PREFIX + (i mod K) + 1, so that K real sshds can answer for
 * every guest (the bench's idle phase, where every machine is verified). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "guest-sim.h"
#include "proto/message.h"
#include "proto/reader.h"

typedef struct Guest {
        GuestSim sim;
        ProtoReader *reader;
        unsigned accepts;
        uint64_t next_heartbeat;
        unsigned interval;              /* ms: --heartbeat until the host asks for another */
} Guest;

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static int address_of(const char *prefix, unsigned i, char *buf, size_t size) {
        struct in6_addr a;

        if (inet_pton(AF_INET6, prefix, &a) != 1)
                return -EINVAL;
        a.s6_addr[14] = (uint8_t) ((i + 1) >> 8);
        a.s6_addr[15] = (uint8_t) (i + 1);
        if (!inet_ntop(AF_INET6, &a, buf, (socklen_t) size))
                return -EINVAL;
        return 0;
}

static int write_config(const char *path, const char *dir, unsigned count, const char *prefix, const char *key,
                        unsigned max_in_flight, unsigned heartbeat_s) {
        FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        fprintf(f, "defaults:\n  max-in-flight: %u\n", max_in_flight);
        if (heartbeat_s > 0)
                fprintf(f, "  heartbeat: %u\n", heartbeat_s);
        fprintf(f, "machines:\n");
        for (unsigned i = 0; i < count; i++)
                fprintf(f,
                        "  - name: vm%u\n    channel: %s/vm%u.sock\n    macaddress: \"52:54:00:%02x:%02x:%02x\"\n"
                        "    networks: [\"%s/64\"]\n    host-key: \"%s\"\n",
                        i, dir, i, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, prefix, key);
        return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "prefix", required_argument, NULL, 'p' },
                { "heartbeat", required_argument, NULL, 'b' },
                { "config", required_argument, NULL, 'c' },
                { "key", required_argument, NULL, 'k' },
                { "max-in-flight", required_argument, NULL, 'm' },
                { "config-count", required_argument, NULL, 'n' },
                { "first", required_argument, NULL, 'f' },
                { "hosts", required_argument, NULL, 'H' },
                {},
        };
        const char *prefix = "2001:db8:1::", *config = NULL, *key = NULL;
        unsigned heartbeat = 5000, heartbeat_given = 0, last_interval = 0, max_in_flight = 64, count, config_count = 0, first = 0, hosts = 0;
        struct rlimit rl;
        Guest *g;
        int ep, c;

        while ((c = getopt_long(argc, argv, "p:b:c:k:m:n:f:H:", opts, NULL)) >= 0)
                switch (c) {
                case 'p':
                        prefix = optarg;
                        break;
                case 'b':
                        heartbeat = (unsigned) atoi(optarg);
                        heartbeat_given = 1;
                        break;
                case 'c':
                        config = optarg;
                        break;
                case 'k':
                        key = optarg;
                        break;
                case 'm':
                        max_in_flight = (unsigned) atoi(optarg);
                        break;
                case 'n':
                        config_count = (unsigned) atoi(optarg);
                        break;
                case 'f':
                        first = (unsigned) atoi(optarg);
                        break;
                case 'H':
                        hosts = (unsigned) atoi(optarg);
                        break;
                default:
                        return 2;
                }
        if (argc - optind != 2 || heartbeat < 100) {
                fprintf(stderr, "usage: hostwatch-sim [--prefix V6PREFIX] [--heartbeat MS] [--config FILE --key KEY "
                                "[--config-count N] [--max-in-flight N]] [--first F] [--hosts K] DIR COUNT\n");
                return 2;
        }
        count = (unsigned) atoi(argv[optind + 1]);
        if (count == 0 || count > 65000 || first > 65000 || first + count > 65000)
                return 2;
        if (config) {
                int r = write_config(config, argv[optind], config_count ? config_count : count, prefix,
                                     key ? key : "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo",
                                     max_in_flight, !heartbeat_given ? 0 : heartbeat / 1000 ? heartbeat / 1000 : 1);
                if (r < 0) {
                        fprintf(stderr, "cannot write %s: %s\n", config, strerror(-r));
                        return 1;
                }
        }
        signal(SIGPIPE, SIG_IGN);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        g = calloc(count, sizeof *g);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (!g || ep < 0)
                return 1;
        for (unsigned i = 0; i < count; i++) {
                char path[108];
                struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t) i << 1 };

                snprintf(path, sizeof path, "%s/vm%u.sock", argv[optind], first + i);
                if (guest_sim_listen(&g[i].sim, path) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, g[i].sim.listen_fd, &ev) < 0) {
                        fprintf(stderr, "cannot listen on %s: %m\n", path);
                        return 1;
                }
        }
        printf("ready\n");
        fflush(stdout);

        for (uint64_t tick = now_ms();;) {
                struct epoll_event ev[256];
                uint64_t now;
                int n = epoll_wait(ep, ev, 256, 50);

                for (int k = 0; k < n; k++) {
                        unsigned i = (unsigned) (ev[k].data.u64 >> 1);
                        Guest *x = &g[i];
                        char name[32];

                        if (!(ev[k].data.u64 & 1)) {
                                struct epoll_event cev = { .events = EPOLLIN, .data.u64 = ((uint64_t) i << 1) | 1 };
                                char addr[64], full[80];
                                const char *addrs[2] = { full, NULL };

                                if (x->sim.fd >= 0)
                                        guest_sim_close(&x->sim, false);
                                if (guest_sim_accept(&x->sim, 0) < 0)
                                        continue;
                                if (!x->reader && proto_reader_new(&x->reader) < 0)
                                        return 1;
                                proto_reader_reset(x->reader);
                                (void) epoll_ctl(ep, EPOLL_CTL_ADD, x->sim.fd, &cev);
                                snprintf(name, sizeof name, "vm%u", first + i);
                                (void) address_of(prefix, hosts ? (first + i) % hosts : first + i, addr, sizeof addr);
                                snprintf(full, sizeof full, "%s/64", addr);
                                (void) guest_sim_hello(&x->sim, name);
                                (void) guest_sim_addresses(&x->sim, "eth0", addrs);
                                /* spread: each guest has its own phase in the interval */
                                x->interval = heartbeat;
                                x->next_heartbeat = now_ms() + heartbeat * (uint64_t) i / count + 1;
                                printf("accept %s %u\n", name, ++x->accepts);
                                fflush(stdout);
                        } else {
                                char buf[4096];
                                ssize_t r = read(x->sim.fd, buf, sizeof buf);
                                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                                        (void) epoll_ctl(ep, EPOLL_CTL_DEL, x->sim.fd, NULL);
                                        guest_sim_close(&x->sim, false);
                                        continue;
                                }
                                for (size_t off = 0; r > 0 && off < (size_t) r;) {
                                        const ProtoFrame *f;
                                        off += proto_reader_feed(x->reader, (const uint8_t *) buf + off, (size_t) r - off);
                                        for (int e; (e = proto_reader_next(x->reader, &f)) >= 0;) {
                                                if (e > 0)
                                                        continue;       /* a bad candidate skipped */
                                                if (!f)
                                                        break;
                                                if (f->flags & PROTO_FLAG_ACK_REQUEST)
                                                        (void) guest_sim_ack(&x->sim, f->seq);
                                                if (f->type == PROTO_TYPE_HOST_HELLO) {
                                                        /* as the agent does: the host's wish, 1 s at least */
                                                        ProtoMessage m = {};
                                                        unsigned want;

                                                        if (proto_message_decode(f, &m) != 0)
                                                                continue;
                                                        want = m.host_hello.heartbeat_interval_ms;
                                                        proto_message_done(&m);
                                                        if (want == 0)
                                                                continue;
                                                        if (want != x->interval) {
                                                                x->interval = want < 1000 ? 1000 : want;
                                                                x->next_heartbeat = now_ms() + x->interval * (uint64_t) i / count + 1;
                                                        }
                                                        if (x->interval != last_interval) {
                                                                last_interval = x->interval;
                                                                printf("interval %u\n", x->interval);
                                                                fflush(stdout);
                                                        }
                                                }
                                        }
                                }
                        }
                }
                now = now_ms();
                if (now - tick < 20)
                        continue;
                tick = now;
                for (unsigned i = 0; i < count; i++) {
                        Guest *x = &g[i];
                        if (x->sim.fd < 0 || now < x->next_heartbeat)
                                continue;
                        x->next_heartbeat += x->interval;
                        if (x->next_heartbeat < now)
                                x->next_heartbeat = now + x->interval;
                        if (guest_sim_heartbeat(&x->sim, x->sim.snapshot) < 0) {
                                (void) epoll_ctl(ep, EPOLL_CTL_DEL, x->sim.fd, NULL);
                                guest_sim_close(&x->sim, false);
                        }
                }
        }
}
