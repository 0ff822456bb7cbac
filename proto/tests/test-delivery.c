/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Delivery pieces: outbox, duplicate detection, and both together over a simulated
 * virtio-serial channel that throws away everything unread at each disconnect.
 * Built a second time with PROTO_DEDUP_TEST_DISABLED (proto-delivery-without-dedup): the
 * lossy-channel run then passes only if it saw the duplicates a working dedup removes. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/macro.h"
#include "proto/dedup.h"
#include "proto/message.h"
#include "proto/outbox.h"
#include "proto/reader.h"

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static uint64_t rnd(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static int encode_txn(uint32_t seq, uint64_t id, uint8_t *buf) {
        ProtoMessage m = { .type = PROTO_TYPE_TXN, .seq = seq, .flags = PROTO_FLAG_ACK_REQUEST,
                           .txn = { .id = id, .state = PROTO_TXN_PENDING } };
        return proto_message_encode(&m, buf, PROTO_FRAME_MAX);
}

static void test_outbox(void **state) {
        static uint8_t buf[PROTO_FRAME_MAX];
        ProtoOutbox *o = NULL;
        const uint8_t *p;
        size_t size;
        uint32_t seq;
        int n;

        (void) state;
        assert_int_equal(proto_outbox_new(&o), 0);
        for (uint32_t i = 1; i <= PROTO_OUTBOX_MAX; i++) {
                n = encode_txn(i, i, buf);
                assert_true(n > 0);
                assert_int_equal(proto_outbox_add(o, buf, n), 0);
        }
        assert_int_equal(proto_outbox_add(o, buf, n), -EEXIST);
        n = encode_txn(PROTO_OUTBOX_MAX + 1, 1, buf);
        assert_int_equal(proto_outbox_add(o, buf, n), -ENOBUFS);
        assert_int_equal(proto_outbox_add(o, buf, n - 1), -EINVAL);     /* not a whole frame */
        assert_int_equal(proto_outbox_count(o), PROTO_OUTBOX_MAX);

        assert_int_equal(proto_outbox_ack(o, 3), 1);
        assert_int_equal(proto_outbox_ack(o, 3), 0);
        assert_int_equal(proto_outbox_ack(o, 1000), 0);
        assert_int_equal(proto_outbox_count(o), PROTO_OUTBOX_MAX - 1);
        /* Oldest first, byte for byte. */
        assert_int_equal(proto_outbox_get(o, 0, &p, &size, &seq), 0);
        assert_int_equal(seq, 1);
        assert_int_equal(proto_outbox_get(o, 2, &p, &size, &seq), 0);
        assert_int_equal(seq, 4);
        assert_int_equal(encode_txn(4, 4, buf), (int) size);
        assert_memory_equal(p, buf, size);
        assert_int_equal(proto_outbox_get(o, PROTO_OUTBOX_MAX - 1, &p, &size, &seq), -ENOENT);
        n = encode_txn(PROTO_OUTBOX_MAX + 1, 1, buf);
        assert_int_equal(proto_outbox_add(o, buf, n), 0);

        /* A frame that did not ask for an ACK has no place here. */
        ProtoMessage hb = { .type = PROTO_TYPE_HEARTBEAT, .seq = 500 };
        n = proto_message_encode(&hb, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(proto_outbox_ack(o, 1), 1);
        assert_int_equal(proto_outbox_add(o, buf, n), -EINVAL);
        proto_outbox_free(o);
        assert_null(proto_outbox_free(NULL));
}

#ifndef PROTO_DEDUP_TEST_DISABLED
static void test_dedup(void **state) {
        ProtoDedup d;

        (void) state;
        proto_dedup_init(&d);
        assert_false(proto_dedup_check(&d, 0));
        assert_true(proto_dedup_check(&d, 1));
        assert_false(proto_dedup_check(&d, 1));
        assert_true(proto_dedup_check(&d, 5));
        assert_true(proto_dedup_check(&d, 3));         /* late, never seen */
        assert_false(proto_dedup_check(&d, 3));
        assert_true(proto_dedup_check(&d, 2));
        assert_true(proto_dedup_check(&d, 4));
        for (uint32_t s = 1; s <= 5; s++)
                assert_false(proto_dedup_check(&d, s));

        /* The window: PROTO_DEDUP_WINDOW - 1 below the highest is remembered, further is not. */
        assert_true(proto_dedup_check(&d, 5 + PROTO_DEDUP_WINDOW - 1));
        assert_false(proto_dedup_check(&d, 5));
        assert_true(proto_dedup_check(&d, 6));
        assert_false(proto_dedup_check(&d, 6));
        assert_true(proto_dedup_check(&d, 7 + PROTO_DEDUP_WINDOW - 1));
        assert_false(proto_dedup_check(&d, 6));         /* now beyond the window: counts as seen */
        assert_true(proto_dedup_check(&d, 7));          /* the window's last slot, never seen */
        assert_false(proto_dedup_check(&d, 7));
        /* Shifts by every amount keep exactly the bits they should. */
        for (uint32_t step = 1; step < 200; step++) {
                uint32_t h = d.highest;
                assert_true(proto_dedup_check(&d, h + step));
                assert_false(proto_dedup_check(&d, h));
                if (step > 1)
                        assert_true(proto_dedup_check(&d, h + 1));
        }

        /* A new instance starts afresh; the same instance changes nothing. */
        assert_true(proto_dedup_set_instance(&d, 42));
        assert_true(proto_dedup_check(&d, 1));
        assert_false(proto_dedup_set_instance(&d, 42));
        assert_false(proto_dedup_check(&d, 1));

        uint32_t c = UINT32_MAX - 1;
        assert_int_equal(proto_seq_next(&c), UINT32_MAX);
        assert_int_equal(proto_seq_next(&c), 1);
}

#endif

/* The simulation. */

#define EVENTS_MAX 4000

typedef struct Pipe {
        uint8_t data[1 << 20];
        size_t len;
} Pipe;

typedef struct Peer {
        bool guest;
        uint64_t instance;
        uint32_t seq;
        ProtoOutbox *outbox;
        ProtoDedup dedup;
        ProtoReader *reader;
        uint64_t events;                /* made by this side's application: ids 1..events */
        unsigned delivered[EVENTS_MAX + 1];     /* the peer's events handed to our application */
        uint64_t duplicates, acks_sent, hellos;
} Peer;

typedef struct Sim {
        Peer g, h;
        Pipe g2h, h2g;
        bool connected;
        uint64_t disconnects, bytes_lost;
} Sim;

static void pipe_write(Sim *s, Pipe *p, const uint8_t *data, size_t n) {
        if (!s->connected)
                return;         /* the guest gets EAGAIN; the host has no socket */
        assert_true(p->len + n <= sizeof(p->data));
        memcpy(p->data + p->len, data, n);
        p->len += n;
}

static Pipe *out_pipe(Sim *s, Peer *p) {
        return p->guest ? &s->g2h : &s->h2g;
}

static void peer_send(Sim *s, Peer *p, ProtoMessage *m) {
        uint8_t buf[PROTO_FRAME_MAX];
        int n;

        m->seq = proto_seq_next(&p->seq);
        if (proto_type_needs_ack(m->type))
                m->flags |= PROTO_FLAG_ACK_REQUEST;
        n = proto_message_encode(m, buf, sizeof(buf));
        assert_true(n > 0);
        if (m->flags & PROTO_FLAG_ACK_REQUEST)
                assert_int_equal(proto_outbox_add(p->outbox, buf, n), 0);
        pipe_write(s, out_pipe(s, p), buf, n);
}

static void peer_resend(Sim *s, Peer *p) {
        for (size_t i = 0; i < proto_outbox_count(p->outbox); i++) {
                const uint8_t *f;
                size_t n;

                assert_int_equal(proto_outbox_get(p->outbox, i, &f, &n, NULL), 0);
                pipe_write(s, out_pipe(s, p), f, n);
        }
}

static void peer_hello(Sim *s, Peer *p, bool reply) {
        ProtoMessage m = {};

        if (p->guest)
                m = (ProtoMessage) { .type = PROTO_TYPE_GUEST_HELLO,
                                     .guest_hello = { .version_min = 1, .version_max = 1,
                                                      .instance = p->instance, .reply = reply } };
        else
                m = (ProtoMessage) { .type = PROTO_TYPE_HOST_HELLO,
                                     .host_hello = { .version_min = 1, .version_max = 1,
                                                     .instance = p->instance, .reply = reply } };
        peer_send(s, p, &m);
}

static void peer_event(Sim *s, Peer *p) {
        ProtoMessage m;

        if (p->events >= EVENTS_MAX || proto_outbox_count(p->outbox) >= PROTO_OUTBOX_MAX)
                return;
        p->events++;
        if (p->guest)
                m = (ProtoMessage) { .type = PROTO_TYPE_TXN,
                                     .txn = { .id = p->events, .state = PROTO_TXN_CONFIRMED } };
        else if (p->events % 2)
                m = (ProtoMessage) { .type = PROTO_TYPE_HOST_REACHED,
                                     .host_reached = { .txn = p->events, .proof = PROTO_PROOF_SSH,
                                                       .address = { .family = AF_INET,
                                                                    .bytes = { 192, 0, 2, 10 },
                                                                    .prefixlen = 32 } } };
        else
                m = (ProtoMessage) { .type = PROTO_TYPE_HOST_LOST, .host_lost = { .txn = p->events } };
        peer_send(s, p, &m);
}

static void peer_noise(Sim *s, Peer *p) {
        ProtoMessage m;

        if (p->guest)
                m = (ProtoMessage) { .type = PROTO_TYPE_HEARTBEAT, .heartbeat = { .snapshot = 1 } };
        else
                m = (ProtoMessage) { .type = PROTO_TYPE_PING, .ping = { .token = rnd() } };
        peer_send(s, p, &m);
}

static void peer_handle(Sim *s, Peer *p, const ProtoFrame *f) {
        ProtoMessage m = {};
        uint64_t id = 0;
        int r;

        r = proto_message_decode(f, &m);
        assert_int_equal(r, 0);

        switch (m.type) {
        case PROTO_TYPE_GUEST_HELLO:
        case PROTO_TYPE_HOST_HELLO: {
                bool reply = m.type == PROTO_TYPE_GUEST_HELLO ? m.guest_hello.reply : m.host_hello.reply;

                p->hellos++;
                proto_dedup_set_instance(&p->dedup, m.type == PROTO_TYPE_GUEST_HELLO ?
                                         m.guest_hello.instance : m.host_hello.instance);
                if (!reply)
                        peer_hello(s, p, true);
                if (p->guest) {
                        ProtoMessage a = { .type = PROTO_TYPE_ADDRESSES };
                        peer_send(s, p, &a);
                }
                peer_resend(s, p);
                break;
        }
        case PROTO_TYPE_ACK:
                proto_outbox_ack(p->outbox, m.ack.seq);
                break;
        case PROTO_TYPE_TXN:
                id = m.txn.id;
                break;
        case PROTO_TYPE_HOST_REACHED:
                id = m.host_reached.txn;
                break;
        case PROTO_TYPE_HOST_LOST:
                id = m.host_lost.txn;
                break;
        case PROTO_TYPE_ADDRESSES:
        case PROTO_TYPE_HEARTBEAT:
        case PROTO_TYPE_ERROR:
        case PROTO_TYPE_PING:
                break;
        case _PROTO_TYPE_MAX:
        case _PROTO_TYPE_INVALID:
                fail();
        }

        if (m.flags & PROTO_FLAG_ACK_REQUEST) {
                ProtoMessage ack = { .type = PROTO_TYPE_ACK, .ack = { .seq = m.seq } };

                peer_send(s, p, &ack);
                p->acks_sent++;
                if (proto_dedup_check(&p->dedup, m.seq)) {
                        assert_true(id >= 1 && id <= EVENTS_MAX);
                        p->delivered[id]++;
                } else
                        p->duplicates++;
        }
        proto_message_done(&m);
}

/* The peer reads up to n bytes of what was written to it. */
static void peer_read(Sim *s, Peer *p, size_t n) {
        Pipe *in = p->guest ? &s->h2g : &s->g2h;
        size_t off = 0;

        if (n > in->len)
                n = in->len;
        while (off < n) {
                const ProtoFrame *f;

                off += proto_reader_feed(p->reader, in->data + off, n - off);
                for (;;) {
                        int r = proto_reader_next(p->reader, &f);
                        assert_true(r >= 0);
                        if (r == 0 && !f)
                                break;
                        if (r == 0)
                                peer_handle(s, p, f);
                }
        }
        memmove(in->data, in->data + n, in->len - n);
        in->len -= n;
}

static void sim_disconnect(Sim *s) {
        /* A successful write does not mean delivery: what was not read is gone. */
        s->bytes_lost += s->g2h.len + s->h2g.len;
        s->g2h.len = s->h2g.len = 0;
        s->connected = false;
        s->disconnects++;
}

static void sim_connect(Sim *s) {
        uint8_t stale[64];
        size_t n = rnd() % sizeof(stale);

        s->connected = true;
        /* The host opens a new socket and starts a fresh reader. The guest keeps its port,
         * its reader and whatever half frame it held, and may find stale bytes first. */
        proto_reader_reset(s->h.reader);
        for (size_t i = 0; i < n; i++)
                stale[i] = rnd() & 0xff;
        pipe_write(s, &s->h2g, stale, n);
        peer_hello(s, &s->h, false);
        peer_hello(s, &s->g, false);
}

static void peer_init(Peer *p, bool guest, uint64_t instance) {
        memset(p, 0, sizeof(*p));
        p->guest = guest;
        p->instance = instance;
        assert_int_equal(proto_outbox_new(&p->outbox), 0);
        assert_int_equal(proto_reader_new(&p->reader), 0);
        proto_dedup_init(&p->dedup);
}

static void peer_done(Peer *p) {
        proto_outbox_free(p->outbox);
        proto_reader_free(p->reader);
}

static void test_lossy_channel(void **state) {
        Sim *s = calloc(1, sizeof(Sim));

        (void) state;
        assert_non_null(s);
        peer_init(&s->g, true, 0x1111);
        peer_init(&s->h, false, 0x2222);
        sim_connect(s);

        for (unsigned step = 0; step < 60000; step++) {
                unsigned r = rnd() % 1000;

                if (r < 40)
                        peer_event(s, &s->g);
                else if (r < 80)
                        peer_event(s, &s->h);
                else if (r < 120)
                        peer_noise(s, rnd() % 2 ? &s->g : &s->h);
                else if (r < 130) {
                        if (s->connected)
                                sim_disconnect(s);
                } else if (r < 180) {
                        if (!s->connected)
                                sim_connect(s);
                } else if (s->connected) {
                        peer_read(s, &s->g, 1 + rnd() % 200);
                        peer_read(s, &s->h, 1 + rnd() % 200);
                }
        }

        /* Then a quiet connection: everything must arrive and be acknowledged. */
        if (!s->connected)
                sim_connect(s);
        for (unsigned i = 0; i < 100000 && (s->g2h.len || s->h2g.len); i++) {
                peer_read(s, &s->g, 1 + rnd() % 200);
                peer_read(s, &s->h, 1 + rnd() % 200);
        }
        assert_int_equal(s->g2h.len + s->h2g.len, 0);
        assert_int_equal(proto_outbox_count(s->g.outbox), 0);
        assert_int_equal(proto_outbox_count(s->h.outbox), 0);

        uint64_t missing = 0, repeated = 0;
        for (uint64_t id = 1; id <= s->g.events; id++) {
                missing += s->h.delivered[id] == 0;
                repeated += s->h.delivered[id] > 1;
        }
        for (uint64_t id = 1; id <= s->h.events; id++) {
                missing += s->g.delivered[id] == 0;
                repeated += s->g.delivered[id] > 1;
        }
        if (missing > 0)
                fail_msg("%" PRIu64 " events never delivered", missing);

        /* The run must have exercised what it claims to test. */
        assert_true(s->disconnects >= 100 && s->bytes_lost > 0);
        assert_true(s->g.events >= 1000 && s->h.events >= 1000);
        assert_true(proto_reader_get_stats(s->g.reader)->skipped > 0);
#ifdef PROTO_DEDUP_TEST_DISABLED
        /* The same run with a dedup that lets everything through must see events delivered
         * twice: otherwise this test could not tell a working dedup from a broken one. */
        assert_true(s->h.duplicates == 0 && s->g.duplicates == 0);
        if (repeated == 0)
                fail_msg("dedup disabled, yet every event was delivered exactly once: "
                         "the lossy-channel test cannot detect a broken dedup");
        print_message("dedup disabled: %" PRIu64 " of %" PRIu64 " events delivered more than once, "
                      "so the lossy-channel test fails without dedup, as it must\n",
                      repeated, s->g.events + s->h.events);
#else
        if (repeated > 0)
                fail_msg("%" PRIu64 " events delivered more than once", repeated);
        print_message("lossy channel: %" PRIu64 " disconnects, %" PRIu64 " bytes lost, %" PRIu64
                      " TXN and %" PRIu64 " HOST_* delivered exactly once; %" PRIu64 " + %" PRIu64
                      " duplicates suppressed; guest skipped %" PRIu64 " bytes resyncing\n",
                      s->disconnects, s->bytes_lost, s->g.events, s->h.events,
                      s->h.duplicates, s->g.duplicates, proto_reader_get_stats(s->g.reader)->skipped);
        assert_true(s->h.duplicates > 0 && s->g.duplicates > 0);
#endif

        peer_done(&s->g);
        peer_done(&s->h);
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_outbox),
#ifndef PROTO_DEDUP_TEST_DISABLED
                cmocka_unit_test(test_dedup),
#endif
                cmocka_unit_test(test_lossy_channel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
