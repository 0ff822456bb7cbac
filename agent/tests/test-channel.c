/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The channel against a socketpair standing in for the port: the test holds the host end.
 * Closing it is the host leaving (read() 0, POLLHUP, as on the real port); an open that
 * finds the host end already closed is "no host"; -ENOENT is a missing port. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "agent/channel.h"
#include "proto/reader.h"

typedef struct host {
        int fd;                 /* host end, -1 when none */
        int missing;            /* opens still to fail with ENOENT */
        bool absent;            /* opens find no host */
        int small_buffers;
        ProtoReader *reader;
        /* What the host received */
        size_t n_msgs;
        ProtoType types[4096];
        uint32_t seqs[4096];
        uint8_t flags[4096];
        uint32_t snapshots[4096];
        uint64_t tokens[4096];
        bool replies[4096];
        uint8_t versions[4096];
        size_t n_routes[4096], n_permanent[4096];
        bool with_v2;           /* snapshots carry a default route and a permanent MAC */
        /* What the guest's owner saw */
        size_t want_snapshots, host_hellos, delivered, reported;
        ProtoHostHello last_hello;
        uint32_t next_links;
        channel *ch;
} host;

static int open_port(const char *path, void *userdata) {
        host *h = userdata;
        int sv[2];

        if (h->missing > 0) {
                h->missing--;
                return -ENOENT;
        }
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        if (h->small_buffers) {
                int v = h->small_buffers;
                assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
                assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
        }
        if (h->fd >= 0)
                close(h->fd);
        h->fd = sv[1];
        if (h->absent) {
                close(h->fd);
                h->fd = -1;
        }
        proto_reader_reset(h->reader);
        return sv[0];
}

static void make_snapshot(ProtoAddresses *a, ProtoLink *links, size_t n) {
        memset(links, 0, n * sizeof(*links));
        for (size_t i = 0; i < n; i++) {
                snprintf(links[i].name, sizeof(links[i].name), "eth%u", (unsigned) (i % 1000));
                links[i].index = (uint32_t) i + 1;
                links[i].operstate = PROTO_OPER_UP;
        }
        *a = (ProtoAddresses) { .n_links = n, .links = links };
}

static void cb_want_snapshot(channel *c, void *userdata) {
        host *h = userdata;
        ProtoLink links[8];
        ProtoAddresses a;

        ProtoRoute route = { .family = PROTO_FAMILY_IPV4, .ifindex = 2, .metric = 100,
                             .gateway = { .family = AF_INET, .bytes = { 192, 0, 2, 1 }, .prefixlen = 32 } };

        h->want_snapshots++;
        make_snapshot(&a, links, 2);
        if (h->with_v2) {
                memcpy(links[1].permanent_hwaddr, "\x52\x54\x00\x12\x34\x56", 6);
                links[1].permanent_hwaddr_len = 6;
                a.routes = &route;
                a.n_routes = 1;
        }
        assert_true(channel_set_snapshot(c, &a) > 0);
}

static void cb_host_hello(channel *c, const ProtoHostHello *hh, void *userdata) {
        host *h = userdata;

        h->host_hellos++;
        h->last_hello = *hh;
}

static void cb_message(channel *c, const ProtoMessage *m, void *userdata) {
        ((host *) userdata)->delivered++;
}

static void cb_reported(channel *c, uint32_t snapshot, void *userdata) {
        ((host *) userdata)->reported++;
}

static const channel_callbacks callbacks = {
        .want_snapshot = cb_want_snapshot,
        .host_hello = cb_host_hello,
        .message = cb_message,
        .reported = cb_reported,
};

static sd_event *event;

static host *setup_host(uint64_t reopen_max_usec) {
        host *h = calloc(1, sizeof(host));
        channel_params p = { .path = "/dev/virtio-ports/test", .reopen_max_usec = reopen_max_usec,
                             .open_port = open_port };

        assert_non_null(h);
        h->fd = -1;
        assert_int_equal(proto_reader_new(&h->reader), 0);
        snprintf(p.hello.agent_version, sizeof(p.hello.agent_version), "test");
        if (!event)
                assert_int_equal(sd_event_new(&event), 0);
        assert_int_equal(channel_new(event, &p, &callbacks, h, &h->ch), 0);
        return h;
}

static void free_host(host *h) {
        channel_free(h->ch);
        if (h->fd >= 0)
                close(h->fd);
        proto_reader_free(h->reader);
        free(h);
}

/* Reads what the guest wrote so far and records the messages. */
static void host_read(host *h) {
        uint8_t buf[8192];
        ssize_t n;

        if (h->fd < 0)
                return;
        while ((n = read(h->fd, buf, sizeof(buf))) > 0) {
                size_t off = 0;
                while (off < (size_t) n) {
                        off += proto_reader_feed(h->reader, buf + off, (size_t) n - off);
                        for (;;) {
                                const ProtoFrame *f = NULL;
                                ProtoMessage m = {};
                                int r = proto_reader_next(h->reader, &f);

                                if (r > 0)
                                        continue;
                                if (r < 0 || !f)
                                        break;
                                assert_int_equal(proto_message_decode(f, &m), 0);
                                assert_true(h->n_msgs < ELEMENTSOF(h->types));
                                h->types[h->n_msgs] = m.type;
                                h->seqs[h->n_msgs] = m.seq;
                                h->flags[h->n_msgs] = m.flags;
                                h->versions[h->n_msgs] = m.version;
                                if (m.type == PROTO_TYPE_ADDRESSES) {
                                        h->n_routes[h->n_msgs] = m.addresses.n_routes;
                                        h->n_permanent[h->n_msgs] = 0;
                                        for (size_t i = 0; i < m.addresses.n_links; i++)
                                                h->n_permanent[h->n_msgs] += m.addresses.links[i].permanent_hwaddr_len > 0;
                                }
                                if (m.type == PROTO_TYPE_ADDRESSES)
                                        h->snapshots[h->n_msgs] = m.addresses.snapshot;
                                if (m.type == PROTO_TYPE_HEARTBEAT)
                                        h->tokens[h->n_msgs] = m.heartbeat.token;
                                if (m.type == PROTO_TYPE_GUEST_HELLO)
                                        h->replies[h->n_msgs] = m.guest_hello.reply;
                                h->n_msgs++;
                                proto_message_done(&m);
                        }
                }
        }
}

static void host_send(host *h, ProtoMessage *m, uint8_t flags) {
        static uint32_t seq;
        uint8_t buf[PROTO_FRAME_MAX];
        int n;

        m->flags = flags;
        if (m->seq == 0)
                m->seq = ++seq;
        n = proto_message_encode(m, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(write(h->fd, buf, (size_t) n), n);
}

static size_t count(const host *h, ProtoType t, size_t from) {
        size_t n = 0;

        for (size_t i = from; i < h->n_msgs; i++)
                n += h->types[i] == t;
        return n;
}

/* Runs the loop until the channel is in state s (timers drive reopening). */
static void run_until_state(host *h, channel_state s) {
        for (int i = 0; i < 500 && channel_get_state(h->ch) != s; i++)
                assert_true(sd_event_run(event, 20 * 1000) >= 0);
        assert_int_equal(channel_get_state(h->ch), s);
}

/* Dispatches whatever is ready now, without waiting. */
static void run_ready(int times) {
        for (int i = 0; i < times; i++)
                assert_true(sd_event_run(event, 0) >= 0);
}

static void test_connect_hello_snapshot(void **state) {
        host *h = setup_host(1000000);

        (void) state;
        assert_int_equal(channel_start(h->ch), 0);
        assert_int_equal(channel_get_state(h->ch), CHANNEL_CONNECTED);
        run_ready(3);
        host_read(h);
        assert_true(h->n_msgs >= 2);
        assert_int_equal(h->types[0], PROTO_TYPE_GUEST_HELLO);
        assert_false(h->replies[0]);
        assert_int_equal(h->types[1], PROTO_TYPE_ADDRESSES);
        assert_int_equal(h->snapshots[1], 1);
        assert_int_equal(h->reported, 1);
        assert_int_equal(channel_last_snapshot_written(h->ch), 1);
        /* Sequence numbers increase from 1. */
        assert_int_equal(h->seqs[0], 1);
        assert_int_equal(h->seqs[1], 2);
        free_host(h);
}

static void test_newest_snapshot_only(void **state) {
        host *h = setup_host(1000000);
        static ProtoLink links[PROTO_LINKS_MAX];
        ProtoAddresses a;
        int64_t last = 0;
        size_t n_addr;

        (void) state;
        h->small_buffers = 4096;
        assert_int_equal(channel_start(h->ch), 0);
        /* The host does not read: 500 snapshots of ~5 KiB each, the loop never blocks. */
        for (int i = 0; i < 500; i++) {
                make_snapshot(&a, links, 200);
                links[0].master = (uint32_t) i;
                last = channel_set_snapshot(h->ch, &a);
                assert_true(last > 0);
                run_ready(1);
        }
        assert_true(channel_get_stats(h->ch)->snapshots_replaced > 400);
        /* The host reads now: it gets what was on the wire and then the newest, no backlog. */
        for (int i = 0; i < 200; i++) {
                host_read(h);
                run_ready(1);
        }
        host_read(h);
        n_addr = count(h, PROTO_TYPE_ADDRESSES, 0);
        assert_true(n_addr <= 4);
        assert_int_equal(h->types[h->n_msgs - 1], PROTO_TYPE_ADDRESSES);
        assert_int_equal(h->snapshots[h->n_msgs - 1], (uint32_t) last);
        assert_int_equal(channel_last_snapshot_written(h->ch), (uint32_t) last);
        free_host(h);
}

static void test_hangup_does_not_spin(void **state) {
        host *h = setup_host(3600ull * 1000000);
        uint64_t w;

        (void) state;
        h->absent = true;
        assert_int_equal(channel_start(h->ch), 0);
        assert_int_equal(channel_get_state(h->ch), CHANNEL_WAITING);
        /* POLLHUP stays set: a level-triggered wait would dispatch on every iteration. */
        run_ready(1000);
        assert_true(channel_get_stats(h->ch)->wakeups <= 2);

        /* Connected, then the host leaves: one hangup, then quiet again. */
        h->absent = false;
        run_until_state(h, CHANNEL_CONNECTED);
        close(h->fd);
        h->fd = -1;
        run_ready(10);
        assert_int_equal(channel_get_state(h->ch), CHANNEL_WAITING);
        assert_int_equal(channel_get_stats(h->ch)->hangups, 1);
        w = channel_get_stats(h->ch)->wakeups;
        run_ready(1000);
        assert_true(channel_get_stats(h->ch)->wakeups <= w + 1);
        free_host(h);
}

static void test_reconnect_and_missing_port(void **state) {
        host *h = setup_host(50 * 1000);
        size_t before;

        (void) state;
        h->missing = 3;
        assert_int_equal(channel_start(h->ch), 0);
        assert_int_equal(channel_get_state(h->ch), CHANNEL_CLOSED);
        run_until_state(h, CHANNEL_CONNECTED);
        assert_int_equal(channel_get_stats(h->ch)->open_failures, 3);
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_GUEST_HELLO, 0), 1);

        /* The host leaves and comes back: HELLO and a fresh snapshot again. */
        before = h->n_msgs;
        close(h->fd);
        h->fd = -1;
        run_ready(5);
        assert_int_equal(channel_get_state(h->ch), CHANNEL_WAITING);
        run_until_state(h, CHANNEL_CONNECTED);
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_GUEST_HELLO, before), 1);
        assert_int_equal(count(h, PROTO_TYPE_ADDRESSES, before), 1);
        assert_int_equal(h->want_snapshots, 2);
        free_host(h);
}

static void test_garbage_then_ping(void **state) {
        host *h = setup_host(1000000);
        static const uint8_t garbage[] = "\xff\x4e\x47\x50 garbage \xff\xff\x4eNGP\x01\x00 more";
        ProtoMessage ping = { .type = PROTO_TYPE_PING, .ping = { .token = 0x5eed } };
        size_t before;

        (void) state;
        assert_int_equal(channel_start(h->ch), 0);
        run_ready(3);
        host_read(h);
        before = h->n_msgs;
        assert_int_equal(write(h->fd, garbage, sizeof(garbage)), (ssize_t) sizeof(garbage));
        host_send(h, &ping, 0);
        run_ready(3);
        host_read(h);
        assert_int_equal(channel_get_state(h->ch), CHANNEL_CONNECTED);
        assert_int_equal(count(h, PROTO_TYPE_HEARTBEAT, before), 1);
        assert_int_equal(h->tokens[h->n_msgs - 1], 0x5eed);
        assert_true(channel_get_stats(h->ch)->bytes_skipped >= sizeof(garbage) - 1);
        free_host(h);
}

static void test_host_hello(void **state) {
        host *h = setup_host(1000000);
        ProtoMessage hello = { .type = PROTO_TYPE_HOST_HELLO,
                               .host_hello = { .version_min = 1, .version_max = 3, .instance = 7,
                                               .mgmt_mac = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 } } };
        size_t before;

        (void) state;
        assert_int_equal(channel_start(h->ch), 0);
        run_ready(3);
        host_read(h);
        before = h->n_msgs;
        host_send(h, &hello, 0);
        run_ready(3);
        host_read(h);
        assert_int_equal(h->host_hellos, 1);
        assert_int_equal(h->last_hello.mgmt_mac[5], 0x56);
        /* Answered with reply=1, and a fresh snapshot follows. */
        assert_int_equal(count(h, PROTO_TYPE_GUEST_HELLO, before), 1);
        assert_true(h->replies[before]);
        assert_int_equal(count(h, PROTO_TYPE_ADDRESSES, before), 1);

        /* No common version: ERROR, then silence on this connection. */
        before = h->n_msgs;
        hello.seq = 0;
        hello.host_hello.version_min = 5;
        hello.host_hello.version_max = 6;
        host_send(h, &hello, 0);
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_ERROR, before), 1);
        cb_want_snapshot(h->ch, h);
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_ADDRESSES, before), 0);
        assert_int_equal(h->host_hellos, 1);
        free_host(h);
}

/* Version 2 fields go only to a host that negotiated version 2; before any host HELLO the
 * guest writes version 1 (it does not know what the host reads yet). */
static void test_version_per_host(void **state) {
        for (uint16_t host_max = 1; host_max <= 2; host_max++) {
                host *h = setup_host(1000000);
                ProtoMessage hello = { .type = PROTO_TYPE_HOST_HELLO,
                                       .host_hello = { .version_min = 1, .version_max = host_max, .instance = 9 } };
                size_t before, k;

                (void) state;
                h->with_v2 = true;
                assert_int_equal(channel_start(h->ch), 0);
                run_ready(3);
                host_read(h);
                assert_int_equal(count(h, PROTO_TYPE_ADDRESSES, 0), 1);
                for (k = 0; h->types[k] != PROTO_TYPE_ADDRESSES; k++)
                        ;
                assert_int_equal(h->versions[0], 1);            /* GUEST_HELLO */
                assert_int_equal(h->versions[k], 1);
                assert_int_equal(h->n_routes[k] + h->n_permanent[k], 0);

                before = h->n_msgs;
                host_send(h, &hello, 0);
                run_ready(3);
                host_read(h);
                assert_int_equal(count(h, PROTO_TYPE_ADDRESSES, before), 1);
                for (k = before; h->types[k] != PROTO_TYPE_ADDRESSES; k++)
                        ;
                assert_int_equal(h->versions[k], host_max);
                assert_int_equal(h->n_routes[k], host_max == 2 ? 1 : 0);
                assert_int_equal(h->n_permanent[k], host_max == 2 ? 1 : 0);
                /* Everything after the HELLO is in the negotiated version. */
                for (size_t i = before; i < h->n_msgs; i++)
                        assert_int_equal(h->versions[i], host_max);
                free_host(h);
        }
}

static void test_reliable_resend(void **state) {
        host *h = setup_host(50 * 1000);
        ProtoMessage txn = { .type = PROTO_TYPE_TXN, .txn = { .id = 17, .state = PROTO_TXN_PENDING } };
        ProtoMessage hello = { .type = PROTO_TYPE_HOST_HELLO,
                               .host_hello = { .version_min = 1, .version_max = 1, .instance = 9 } };
        ProtoMessage ack = { .type = PROTO_TYPE_ACK };
        uint32_t seq = 0;
        size_t before;

        (void) state;
        assert_int_equal(channel_start(h->ch), 0);
        run_ready(3);
        assert_int_equal(channel_send_reliable(h->ch, &txn), 0);
        assert_int_equal(channel_outbox_count(h->ch), 1);
        /* Written, but the host leaves without reading: lost, as on the real port. */
        close(h->fd);
        h->fd = -1;
        run_ready(5);
        run_until_state(h, CHANNEL_CONNECTED);
        run_ready(3);
        host_read(h);
        for (size_t i = 0; i < h->n_msgs; i++)
                if (h->types[i] == PROTO_TYPE_TXN) {
                        seq = h->seqs[i];
                        assert_true(h->flags[i] & PROTO_FLAG_ACK_REQUEST);
                }
        /* Resent byte for byte on reconnect: the same seq. */
        assert_int_not_equal(seq, 0);
        before = h->n_msgs;
        host_send(h, &hello, 0);
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_TXN, before), 1);
        ack.ack.seq = seq;
        host_send(h, &ack, 0);
        run_ready(3);
        assert_int_equal(channel_outbox_count(h->ch), 0);
        before = h->n_msgs;
        hello.seq = 0;
        host_send(h, &hello, 0);
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_TXN, before), 0);
        free_host(h);
}

static void test_host_reached_acked_once(void **state) {
        host *h = setup_host(1000000);
        ProtoMessage hello = { .type = PROTO_TYPE_HOST_HELLO,
                               .host_hello = { .version_min = 1, .version_max = 1, .instance = 3, .reply = true } };
        ProtoMessage reached = { .type = PROTO_TYPE_HOST_REACHED, .host_reached = { .proof = PROTO_PROOF_SSH } };
        size_t before;

        (void) state;
        assert_int_equal(ip_addr_from_string("192.0.2.58", AF_INET, &reached.host_reached.address), 0);
        assert_int_equal(channel_start(h->ch), 0);
        run_ready(3);
        host_send(h, &hello, 0);
        run_ready(3);
        host_read(h);
        before = h->n_msgs;
        host_send(h, &reached, PROTO_FLAG_ACK_REQUEST);
        host_send(h, &reached, PROTO_FLAG_ACK_REQUEST);     /* a resend: same seq */
        run_ready(3);
        host_read(h);
        assert_int_equal(count(h, PROTO_TYPE_ACK, before), 2);
        assert_int_equal(h->delivered, 1);
        free_host(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_connect_hello_snapshot),
                cmocka_unit_test(test_newest_snapshot_only),
                cmocka_unit_test(test_hangup_does_not_spin),
                cmocka_unit_test(test_reconnect_and_missing_port),
                cmocka_unit_test(test_garbage_then_ping),
                cmocka_unit_test(test_host_hello),
                cmocka_unit_test(test_version_per_host),
                cmocka_unit_test(test_reliable_resend),
                cmocka_unit_test(test_host_reached_acked_once),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);

        sd_event_unref(event);
        return r;
}
