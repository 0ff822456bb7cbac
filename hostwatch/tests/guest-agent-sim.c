/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest-agent-sim.h"
#include "common/macro.h"
#include "proto/dedup.h"
#include "proto/message.h"
#include "proto/reader.h"

#define SIM_ADDRESSES_MAX 16

typedef struct Sim {
        int fd;
        uint32_t seq, snapshot;
        uint64_t instance;
        ProtoAddress addrs[SIM_ADDRESSES_MAX];
        size_t n;
        const char *ifname;
        const char *reached_file;
} Sim;

static int send_msg(Sim *s, ProtoMessage *m) {
        uint8_t buf[PROTO_FRAME_MAX];
        int n;

        m->seq = proto_seq_next(&s->seq);
        n = proto_message_encode(m, buf, sizeof buf);
        if (n < 0)
                return n;
        return write(s->fd, buf, (size_t) n) == n ? 0 : -EIO;
}

static int send_hello(Sim *s, bool reply) {
        ProtoMessage m = { .type = PROTO_TYPE_GUEST_HELLO,
                           .guest_hello = { .version_min = 1, .version_max = 1, .instance = s->instance,
                                            .reply = reply } };
        snprintf(m.guest_hello.hostname, sizeof m.guest_hello.hostname, "lab-guest");
        return send_msg(s, &m);
}

static int send_snapshot(Sim *s) {
        ProtoLink l = { .index = if_nametoindex(s->ifname), .operstate = PROTO_OPER_UP,
                        .flags = PROTO_LINK_MANAGEMENT, .n_addresses = s->n, .addresses = s->addrs };
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES,
                           .addresses = { .snapshot = ++s->snapshot, .n_links = 1, .links = &l } };

        snprintf(l.name, sizeof l.name, "%s", s->ifname);
        if (l.index == 0)
                l.index = 1;
        return send_msg(s, &m);
}

/* The interface's addresses now; true if they differ from the last snapshot. */
static bool refresh(Sim *s) {
        struct ifaddrs *ifa = NULL;
        ProtoAddress now[SIM_ADDRESSES_MAX] = {};
        size_t n = 0;
        bool changed;

        if (getifaddrs(&ifa) < 0)
                return false;
        for (struct ifaddrs *i = ifa; i && n < SIM_ADDRESSES_MAX; i = i->ifa_next) {
                const void *b;
                int fam;
                if (!i->ifa_addr || strcmp(i->ifa_name, s->ifname) != 0)
                        continue;
                fam = i->ifa_addr->sa_family;
                if (fam == AF_INET)
                        b = &((struct sockaddr_in *) i->ifa_addr)->sin_addr;
                else if (fam == AF_INET6)
                        b = &((struct sockaddr_in6 *) i->ifa_addr)->sin6_addr;
                else
                        continue;
                if (ip_addr_from_bytes(fam, b, fam == AF_INET ? 24 : 64, &now[n].address) < 0)
                        continue;
                now[n].valid_lft = now[n].preferred_lft = UINT32_MAX;
                n++;
        }
        freeifaddrs(ifa);
        changed = n != s->n || memcmp(now, s->addrs, n * sizeof *now) != 0;
        memcpy(s->addrs, now, sizeof now);
        s->n = n;
        return changed;
}

static void on_frame(Sim *s, const ProtoFrame *f) {
        ProtoMessage m = {};

        if (proto_message_decode(f, &m) != 0)
                return;
        if (m.flags & PROTO_FLAG_ACK_REQUEST) {
                ProtoMessage ack = { .type = PROTO_TYPE_ACK, .ack.seq = m.seq };
                (void) send_msg(s, &ack);
        }
        if (m.type == PROTO_TYPE_HOST_HELLO) {
                if (!m.host_hello.reply)
                        (void) send_hello(s, true);
                (void) send_snapshot(s);
        } else if (m.type == PROTO_TYPE_HOST_REACHED) {
                char a[IP_PREFIX_STRLEN] = "";
                FILE *f2 = fopen(s->reached_file, "ae");
                (void) ip_addr_to_string(&m.host_reached.address, a, sizeof a);
                if (f2) {
                        if (m.host_reached.txn)
                                fprintf(f2, "%s txn=%" PRIu64 "\n", a, m.host_reached.txn);
                        else
                                fprintf(f2, "%s\n", a);
                        fclose(f2);
                }
        } else if (m.type == PROTO_TYPE_HOST_LOST && m.host_lost.txn) {
                char a[IP_PREFIX_STRLEN] = "-";
                FILE *f2 = fopen(s->reached_file, "ae");
                if (ip_addr_is_set(&m.host_lost.address))
                        (void) ip_addr_to_string(&m.host_lost.address, a, sizeof a);
                if (f2) {
                        fprintf(f2, "LOST %s txn=%" PRIu64 "\n", a, m.host_lost.txn);
                        fclose(f2);
                }
        }
        proto_message_done(&m);
}

/* "ID STATE" in txn_file: send that TXN once, then remove the file. */
static void maybe_send_txn(Sim *s, const char *txn_file) {
        ProtoMessage m = { .type = PROTO_TYPE_TXN, .flags = PROTO_FLAG_ACK_REQUEST };
        unsigned long long id = 0;
        unsigned st = 0;
        FILE *f = fopen(txn_file, "re");

        if (!f)
                return;
        if (fscanf(f, "%llu %u", &id, &st) == 2 && id > 0 && st > 0 && st < _PROTO_TXN_MAX) {
                m.txn.id = id;
                m.txn.state = (uint8_t) st;
                snprintf(m.txn.reason, sizeof m.txn.reason, "guest-agent-sim");
                (void) send_msg(s, &m);
        }
        fclose(f);
        (void) unlink(txn_file);
}

int guest_agent_sim_run(const char *port, const char *ifname, const char *reached_file, const char *stop_file,
                        unsigned max_sec) {
        char txn_file[4096];
        _cleanup_(proto_reader_freep) ProtoReader *r = NULL;
        Sim s = { .fd = -1, .ifname = ifname, .reached_file = reached_file, .instance = (uint64_t) getpid() };
        time_t end = time(NULL) + max_sec;

        if (proto_reader_new(&r) < 0)
                return 1;
        snprintf(txn_file, sizeof txn_file, "%s.txn", stop_file);
        while (time(NULL) < end && access(stop_file, F_OK) < 0) {
                struct pollfd p;
                uint8_t buf[4096];
                ssize_t n;

                if (s.fd < 0) {
                        s.fd = open(port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
                        if (s.fd < 0 || send_hello(&s, false) < 0) {
                                if (s.fd >= 0)
                                        close(s.fd);
                                s.fd = -1;
                                usleep(100000);
                                continue;
                        }
                        proto_reader_reset(r);
                        refresh(&s);
                        (void) send_snapshot(&s);
                }
                maybe_send_txn(&s, txn_file);
                if (refresh(&s) && send_snapshot(&s) < 0) {
                        close(s.fd);
                        s.fd = -1;
                        continue;
                }
                p = (struct pollfd) { .fd = s.fd, .events = POLLIN };
                if (poll(&p, 1, 50) <= 0)
                        continue;
                n = read(s.fd, buf, sizeof buf);
                if (n <= 0) {
                        if (n < 0 && errno == EAGAIN)
                                continue;
                        /* host gone (read 0 on a hung-up port): reopen on a timer */
                        close(s.fd);
                        s.fd = -1;
                        usleep(100000);
                        continue;
                }
                for (size_t off = 0; off < (size_t) n;) {
                        off += proto_reader_feed(r, buf + off, (size_t) n - off);
                        for (;;) {
                                const ProtoFrame *f = NULL;
                                int rr = proto_reader_next(r, &f);
                                if (rr > 0)
                                        continue;
                                if (rr < 0 || !f)
                                        break;
                                on_frame(&s, f);
                        }
                }
        }
        if (s.fd >= 0)
                close(s.fd);
        return 0;
}
