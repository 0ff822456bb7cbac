/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* agent-qemu-host: the host half of bench/agent-qemu's latency figure on a real QEMU
 * port. Reads netguard-agent's frames from QEMU's socket of io.netguard.agent.0 (proto's
 * reader and decoder) and serves agent-qemu-guest on a second port (io.netguard.bench.0)
 * with one text line per request:
 *   guest "S <n>"                  -> host "T <n> <host CLOCK_REALTIME ns>"  (clock sync)
 *   guest "W <i> <IPv4> <1|0>"     -> host "A <i> <ns>" once a snapshot read from the
 *                                     agent holds (1) or lacks (0) the address; <ns> is
 *                                     when that snapshot's bytes were read
 *   guest "Q"                      -> host exits
 * The guest does the arithmetic (it knows when it made each change). Prints figures of
 * its own side only; never judges them.
 *
 *   agent-qemu-host --agent SOCKET --bench SOCKET [--seconds N]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/ip-addr.h"
#include "common/macro.h"
#include "proto/message.h"
#include "proto/reader.h"

/* Addresses kept from the newest snapshot: the bench guest holds a handful. */
#define SNAPSHOT_ADDR_MAX 256
/* A request line from the bench guest is short; a longer one is a protocol error. */
#define LINE_MAX_LEN 128

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int connect_unix(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

typedef struct state {
        ip_addr addrs[SNAPSHOT_ADDR_MAX];
        size_t n_addrs;
        uint64_t read_ns;     /* when the newest snapshot was read */
        uint64_t snapshots, frames;
        bool have;
        /* The guest's pending wait: change i wants addr present (want) or absent. */
        bool pending, want;
        long pending_i;
        ip_addr pending_addr;
} state;

static bool holds(const state *s, const ip_addr *a) {
        for (size_t i = 0; i < s->n_addrs; i++)
                if (ip_addr_equal(&s->addrs[i], a))
                        return true;
        return false;
}

static int reply(int fd, const char *line) {
        size_t n = strlen(line);
        return write(fd, line, n) == (ssize_t) n ? 0 : -EIO;
}

static int check_pending(state *s, int bench_fd) {
        char line[LINE_MAX_LEN];

        if (!s->pending || !s->have || holds(s, &s->pending_addr) != s->want)
                return 0;
        s->pending = false;
        snprintf(line, sizeof(line), "A %ld %" PRIu64 "\n", s->pending_i, s->read_ns);
        return reply(bench_fd, line);
}

static void take_snapshot(state *s, const ProtoAddresses *a, uint64_t t) {
        s->n_addrs = 0;
        for (size_t i = 0; i < a->n_links; i++)
                for (size_t j = 0; j < a->links[i].n_addresses && s->n_addrs < SNAPSHOT_ADDR_MAX; j++)
                        s->addrs[s->n_addrs++] = a->links[i].addresses[j].address;
        s->read_ns = t;
        s->have = true;
        s->snapshots++;
}

/* One request line; 1 when the guest said it is done. */
static int handle_line(state *s, int bench_fd, const char *line) {
        char out[LINE_MAX_LEN], text[64];
        long n;
        int want;

        if (sscanf(line, "S %ld", &n) == 1) {
                snprintf(out, sizeof(out), "T %ld %" PRIu64 "\n", n, now_ns());
                return reply(bench_fd, out);
        }
        if (sscanf(line, "W %ld %63s %d", &n, text, &want) == 3) {
                if (ip_addr_from_string(text, AF_INET, &s->pending_addr) < 0)
                        return -EINVAL;
                s->pending = true;
                s->pending_i = n;
                s->want = want != 0;
                return check_pending(s, bench_fd);
        }
        if (line[0] == 'Q')
                return 1;
        return -EINVAL;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "agent", required_argument, NULL, 'a' },
                { "bench", required_argument, NULL, 'b' },
                { "seconds", required_argument, NULL, 't' },
                {},
        };
        _cleanup_(proto_reader_freep) ProtoReader *reader = NULL;
        _cleanup_close_ int afd = -EBADF, bfd = -EBADF;
        const char *agent_path = NULL, *bench_path = NULL;
        char lbuf[LINE_MAX_LEN];
        size_t llen = 0;
        long seconds = 1800;
        state s = {};
        time_t end;
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'a': agent_path = optarg; break;
                case 'b': bench_path = optarg; break;
                case 't': seconds = atol(optarg); break;
                default: return 2;
                }
        if (!agent_path || !bench_path || seconds < 1) {
                fprintf(stderr, "usage: agent-qemu-host --agent SOCKET --bench SOCKET [--seconds N]\n");
                return 2;
        }
        afd = connect_unix(agent_path);
        bfd = afd >= 0 ? connect_unix(bench_path) : -EBADF;
        if (afd < 0 || bfd < 0) {
                fprintf(stderr, "agent-qemu-host: connect: %s\n", strerror(-(afd < 0 ? afd : bfd)));
                return 1;
        }
        if (proto_reader_new(&reader) < 0)
                return 1;
        printf("CONNECTED\n");
        fflush(stdout);

        end = time(NULL) + seconds;
        while (r == 0 && time(NULL) < end) {
                struct pollfd p[2] = { { .fd = afd, .events = POLLIN }, { .fd = bfd, .events = POLLIN } };
                uint8_t buf[65536];
                ssize_t n;

                if (poll(p, 2, 1000) <= 0)
                        continue;
                if (p[0].revents) {
                        uint64_t t;

                        n = read(afd, buf, sizeof(buf));
                        t = now_ns();
                        if (n <= 0) {
                                fprintf(stderr, "agent-qemu-host: the agent's socket closed\n");
                                r = -EPIPE;
                                break;
                        }
                        for (size_t off = 0; off < (size_t) n;) {
                                off += proto_reader_feed(reader, buf + off, (size_t) n - off);
                                for (;;) {
                                        const ProtoFrame *f = NULL;
                                        ProtoMessage m = {};
                                        int k = proto_reader_next(reader, &f);

                                        if (k > 0)
                                                continue;
                                        if (k < 0 || !f)
                                                break;
                                        s.frames++;
                                        if (proto_message_decode(f, &m) != 0)
                                                continue;
                                        if (m.type == PROTO_TYPE_ADDRESSES)
                                                take_snapshot(&s, &m.addresses, t);
                                        proto_message_done(&m);
                                }
                        }
                        if (check_pending(&s, bfd) < 0)
                                r = -EIO;
                }
                if (p[1].revents) {
                        n = read(bfd, buf, sizeof(buf));
                        if (n <= 0) {
                                fprintf(stderr, "agent-qemu-host: the bench port closed\n");
                                r = -EPIPE;
                                break;
                        }
                        for (ssize_t i = 0; i < n && r == 0; i++) {
                                if (buf[i] != '\n') {
                                        if (llen + 1 >= sizeof(lbuf)) {
                                                r = -EINVAL;
                                                break;
                                        }
                                        lbuf[llen++] = (char) buf[i];
                                        continue;
                                }
                                lbuf[llen] = '\0';
                                llen = 0;
                                r = handle_line(&s, bfd, lbuf);
                        }
                }
        }
        printf("host: %" PRIu64 " frames, %" PRIu64 " ADDRESSES read from the agent\n", s.frames, s.snapshots);
        if (r < 0) {
                fprintf(stderr, "agent-qemu-host: %s\n", strerror(-r));
                return 1;
        }
        return r == 1 ? 0 : 1;
}
