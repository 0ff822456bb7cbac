/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lab-host: the host side of the lab's port for agent-lab. Connects to the emulated
 * port's unix socket (QEMU's chardev socket) and prints every message the agent sends, one
 * line each, flushed, so the test can wait for lines:
 *   HELLO reply=0 instance=...
 *   ADDRESSES n=3 | lo unknown 127.0.0.1/8 ::1/128 | eth0 up mgmt 192.0.2.58/24 | eth1 down
 *   EXTRA n=3 version=2 perm: eth0=52:54:00:12:34:56 | 0.0.0.0/0 via 192.0.2.1 dev eth0 metric 100 proto 16 |
 *   HEARTBEAT snapshot=3 token=0
 * (EXTRA follows every ADDRESSES: its frame version, then the version 2 fields.)
 * --hello sends HOST_HELLO (the lab's management MAC and host address as hints), speaking
 * versions 1..--version-max (default: all this build speaks);
 * SIGUSR1 sends garbage (random bytes and a damaged frame), then PING 0x5eed.
 *
 *   lab-host --socket PATH [--hello] [--version-max N] [--seconds N]
 */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "common/log.h"
#include "common/macro.h"
#include "proto/message.h"
#include "proto/reader.h"

static volatile sig_atomic_t want_garbage, want_stop;

static void on_usr1(int sig) {
        want_garbage = 1;
}

static void on_term(int sig) {
        want_stop = 1;
}

static int send_msg(int fd, ProtoMessage *m) {
        static uint32_t seq;
        uint8_t buf[PROTO_FRAME_MAX];
        int n;

        m->seq = ++seq;
        n = proto_message_encode(m, buf, sizeof(buf));
        if (n < 0)
                return n;
        return write(fd, buf, (size_t) n) == n ? 0 : -EIO;
}

static const char *oper(uint8_t s) {
        const char *t = proto_oper_state_to_string((ProtoOperState) s);
        return t ? t : "?";
}

static const char *link_name(const ProtoAddresses *s, uint32_t ifindex) {
        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].index == ifindex)
                        return s->links[i].name;
        return "?";
}

/* The frame's version and what version 2 added: permanent MACs and default routes. */
static void print_extra(const ProtoMessage *m) {
        const ProtoAddresses *s = &m->addresses;
        char a[IP_PREFIX_STRLEN];

        printf("EXTRA n=%" PRIu32 " version=%u perm:", s->snapshot, m->version);
        for (size_t i = 0; i < s->n_links; i++) {
                const ProtoLink *l = &s->links[i];

                if (l->permanent_hwaddr_len == 0)
                        continue;
                printf(" %s=", l->name);
                for (size_t k = 0; k < l->permanent_hwaddr_len; k++)
                        printf(k ? ":%02x" : "%02x", l->permanent_hwaddr[k]);
        }
        printf(" |");
        for (size_t i = 0; i < s->n_routes; i++) {
                const ProtoRoute *r = &s->routes[i];

                printf(" %s", r->family == PROTO_FAMILY_IPV6 ? "::/0" : "0.0.0.0/0");
                if (r->gateway.family != AF_UNSPEC && ip_addr_to_string(&r->gateway, a, sizeof(a)) == 0)
                        printf(" via %s", a);
                printf(" dev %s metric %" PRIu32 " proto %u |", link_name(s, r->ifindex), r->metric, r->protocol);
        }
        printf("\n");
}

static void print_message(const ProtoMessage *m) {
        char a[IP_PREFIX_STRLEN];

        switch (m->type) {
        case PROTO_TYPE_GUEST_HELLO:
                printf("HELLO reply=%d instance=%016" PRIx64 "\n", m->guest_hello.reply, m->guest_hello.instance);
                break;
        case PROTO_TYPE_ADDRESSES:
                printf("ADDRESSES n=%" PRIu32, m->addresses.snapshot);
                for (size_t i = 0; i < m->addresses.n_links; i++) {
                        const ProtoLink *l = &m->addresses.links[i];

                        printf(" | %s %s%s", l->name, oper(l->operstate), l->flags & PROTO_LINK_MANAGEMENT ? " mgmt" : "");
                        for (size_t j = 0; j < l->n_addresses; j++)
                                if (ip_prefix_to_string(&l->addresses[j].address, a, sizeof(a)) == 0)
                                        printf(" %s", a);
                }
                printf(" |\n");
                print_extra(m);
                break;
        case PROTO_TYPE_HEARTBEAT:
                printf("HEARTBEAT snapshot=%" PRIu32 " token=%" PRIx64 "\n", m->heartbeat.snapshot, m->heartbeat.token);
                break;
        case PROTO_TYPE_ERROR:
                printf("ERROR code=%" PRIu32 " seq=%" PRIu32 "\n", m->error.code, m->error.seq);
                break;
        default:
                printf("%s seq=%" PRIu32 "\n", proto_type_to_string(m->type) ?: "?", m->seq);
                break;
        }
        fflush(stdout);
}

static int send_garbage(int fd) {
        uint8_t junk[4096];
        ProtoMessage ping = { .type = PROTO_TYPE_PING, .ping = { .token = 0x5eed } };
        uint8_t frame[64];
        int n;

        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (uint8_t) (i * 7919u >> 3);
        junk[100] = 0xff; /* false magics */
        memcpy(junk + 200, "\xff" "NGP", 4);
        if (write(fd, junk, sizeof(junk)) != (ssize_t) sizeof(junk))
                return -EIO;
        /* A frame with a broken checksum, then a good PING. */
        n = proto_message_encode(&ping, frame, sizeof(frame));
        if (n <= 0)
                return n < 0 ? n : -EIO;
        frame[n - 1] ^= 1;
        if (write(fd, frame, (size_t) n) != n)
                return -EIO;
        return send_msg(fd, &ping);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, 's' },
                { "hello", no_argument, NULL, 'H' },
                { "seconds", required_argument, NULL, 't' },
                { "version-max", required_argument, NULL, 'V' },
                {},
        };
        _cleanup_(proto_reader_freep) ProtoReader *reader = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = NULL;
        bool hello = false;
        long version_max = PROTO_VERSION_MAX;
        long seconds = 3600;
        time_t end;
        int c;

        log_set_program("lab-host");
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        path = optarg;
                        break;
                case 'H':
                        hello = true;
                        break;
                case 't':
                        seconds = atol(optarg);
                        break;
                case 'V':
                        version_max = atol(optarg);
                        if (version_max < PROTO_VERSION_MIN || version_max > PROTO_VERSION_MAX)
                                return log_error("--version-max: %d..%d", PROTO_VERSION_MIN, PROTO_VERSION_MAX), 2;
                        break;
                default:
                        return 2;
                }
        if (!path || strlen(path) >= sizeof(sa.sun_path))
                return log_error("--socket PATH needed"), 2;
        signal(SIGUSR1, on_usr1);
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        signal(SIGPIPE, SIG_IGN);

        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return log_error_errno(errno, "connect %s: %m", path), 1;
        if (proto_reader_new(&reader) < 0)
                return 1;
        printf("CONNECTED\n");
        fflush(stdout);
        if (hello) {
                ProtoMessage m = { .type = PROTO_TYPE_HOST_HELLO,
                                   .host_hello = { .version_min = 1, .version_max = (uint16_t) version_max,
                                                   .instance = 0x1ab,
                                                   .mgmt_mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } } };

                (void) ip_addr_from_string("192.0.2.1", AF_INET, &m.host_hello.host_address);
                /* Our HELLO in the lowest version we speak (as the agent does): any host reads it. */
                m.version = PROTO_VERSION_MIN;
                if (send_msg(fd, &m) < 0)
                        return log_error("cannot send HOST_HELLO"), 1;
        }

        end = time(NULL) + seconds;
        while (!want_stop && time(NULL) < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint8_t buf[16384];
                ssize_t n;

                if (want_garbage) {
                        want_garbage = 0;
                        if (send_garbage(fd) < 0)
                                log_error("cannot send garbage");
                        printf("SENT-GARBAGE\n");
                        fflush(stdout);
                }
                if (poll(&p, 1, 100) <= 0)
                        continue;
                n = read(fd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (size_t off = 0; off < (size_t) n;) {
                        off += proto_reader_feed(reader, buf + off, (size_t) n - off);
                        for (;;) {
                                const ProtoFrame *f = NULL;
                                ProtoMessage m = {};
                                int r = proto_reader_next(reader, &f);

                                if (r > 0)
                                        continue;
                                if (r < 0 || !f)
                                        break;
                                if (proto_message_decode(f, &m) == 0) {
                                        print_message(&m);
                                        proto_message_done(&m);
                                }
                        }
                }
        }
        printf("STATS frames=%" PRIu64 " skipped=%" PRIu64 "\n", proto_reader_get_stats(reader)->frames,
               proto_reader_get_stats(reader)->skipped);
        return 0;
}
