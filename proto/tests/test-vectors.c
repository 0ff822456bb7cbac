/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The vectors of PROTOCOL.md: they match the encoder, round-trip byte for byte, and survive
 * truncation, bit flips, garbage before them and any chunking of the stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/crc32c.h"
#include "proto/message.h"
#include "proto/reader.h"
#include "proto/tests/samples.h"
#include "proto/tests/vectors.h"

static const char *protocol_md;
static Vector *vectors;
static size_t n_vectors;

static bool is_future(const Vector *v) {
        return strncmp(v->name, "future-", 7) == 0;
}

static const Vector *vector_find(const char *name) {
        for (size_t i = 0; i < n_vectors; i++)
                if (strcmp(vectors[i].name, name) == 0)
                        return vectors + i;
        return NULL;
}

/* xorshift64*: deterministic, so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static void test_crc32c(void **state) {
        uint8_t buf[300];

        (void) state;
        assert_int_equal(proto_crc32c("123456789", 9), 0xe3069283u);
        assert_int_equal(proto_crc32c_extend_sw(0, "123456789", 9), 0xe3069283u);
        assert_int_equal(proto_crc32c("", 0), 0);
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = rnd() & 0xff;
        for (size_t off = 0; off < 16; off++)
                for (size_t len = 0; len + off <= sizeof(buf); len += 7) {
                        uint32_t a = proto_crc32c(buf + off, len);

                        assert_int_equal(a, proto_crc32c_extend_sw(0, buf + off, len));
                        assert_int_equal(a, proto_crc32c_extend(proto_crc32c(buf + off, len / 2),
                                                                buf + off + len / 2, len - len / 2));
                }
}

static void test_vectors_are_the_encoder(void **state) {
        (void) state;
        /* Every sample has its vector in PROTOCOL.md with exactly the encoder's bytes, and
         * every vector there is a sample. */
        assert_int_equal(n_vectors, n_samples);
        for (size_t i = 0; i < n_samples; i++) {
                const Vector *v = vector_find(samples[i].name);
                uint8_t buf[PROTO_FRAME_MAX];
                int r;

                if (!v)
                        fail_msg("PROTOCOL.md lacks vector %s", samples[i].name);
                r = sample_encode(samples + i, buf, sizeof(buf));
                assert_true(r > 0);
                if ((size_t) r != v->size || memcmp(buf, v->bytes, r) != 0)
                        fail_msg("vector %s in PROTOCOL.md differs from the encoder", v->name);
        }
}

static void test_roundtrip(void **state) {
        (void) state;
        for (size_t i = 0; i < n_vectors; i++) {
                const Vector *v = vectors + i;
                uint8_t buf[PROTO_FRAME_MAX];
                ProtoMessage m = {}, m2 = {};
                ProtoFrame f;
                int r;

                assert_int_equal(proto_frame_parse(v->bytes, v->size, &f), 0);
                assert_int_equal(f.size, v->size);
                if (is_future(v))
                        continue;
                assert_int_equal(proto_message_decode(&f, &m), 0);
                r = proto_message_encode(&m, buf, sizeof(buf));
                if (r < 0 || (size_t) r != v->size || memcmp(buf, v->bytes, v->size) != 0)
                        fail_msg("vector %s does not round-trip", v->name);
                /* Exactly enough room works, one byte less does not. */
                assert_int_equal(proto_message_encode(&m, buf, v->size), (int) v->size);
                assert_int_equal(proto_message_encode(&m, buf, v->size - 1), -ENOBUFS);
                assert_int_equal(proto_frame_parse(buf, r, &f), 0);
                assert_int_equal(proto_message_decode(&f, &m2), 0);
                proto_message_done(&m);
                proto_message_done(&m2);
                proto_message_done(&m2);        /* idempotent */
        }
}

/* addresses-v2 is the addresses snapshot plus the version 2 fields: in version 1 (with
 * the seq and snapshot number of addresses) it encodes to exactly the addresses vector. */
static void test_v2_in_v1(void **state) {
        const Vector *v2 = vector_find("addresses-v2"), *v1 = vector_find("addresses");
        uint8_t buf[PROTO_FRAME_MAX];
        ProtoMessage m = {}, m1 = {};
        ProtoFrame f;

        (void) state;
        assert_non_null(v2);
        assert_non_null(v1);
        assert_int_equal(proto_frame_parse(v2->bytes, v2->size, &f), 0);
        assert_int_equal(f.version, 2);
        assert_int_equal(proto_message_decode(&f, &m), 0);
        assert_int_equal(m.addresses.n_routes, 3);
        assert_int_equal(m.addresses.links[1].permanent_hwaddr_len, 6);
        assert_int_equal(m.addresses.links[3].permanent_hwaddr_len, 6);
        assert_int_equal(m.addresses.links[2].permanent_hwaddr_len, 0);
        assert_int_equal(m.addresses.routes[1].family, PROTO_FAMILY_IPV4);       /* ordered by family, metric */
        assert_int_equal(m.addresses.routes[1].gateway.family, AF_UNSPEC);
        assert_int_equal(m.addresses.routes[2].family, PROTO_FAMILY_IPV6);

        assert_int_equal(proto_frame_parse(v1->bytes, v1->size, &f), 0);
        assert_int_equal(proto_message_decode(&f, &m1), 0);
        m.version = 1;
        m.seq = m1.seq;
        m.addresses.snapshot = m1.addresses.snapshot;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), (int) v1->size);
        assert_memory_equal(buf, v1->bytes, v1->size);

        /* And the version 2 frame read as if it were version 1 decodes to the same. */
        assert_int_equal(proto_frame_parse(v2->bytes, v2->size, &f), 0);
        proto_message_done(&m);
        assert_int_equal(proto_message_decode_payload_version(f.type, 1, f.payload, f.payload_size, &m), 0);
        assert_int_equal(m.addresses.n_routes, 0);
        for (size_t i = 0; i < m.addresses.n_links; i++)
                assert_int_equal(m.addresses.links[i].permanent_hwaddr_len, 0);
        proto_message_done(&m);
        proto_message_done(&m1);
}

static void test_future(void **state) {
        const Vector *t = vector_find("future-type"), *h = vector_find("future-hello"),
                *g = vector_find("guest-hello");
        uint8_t buf[PROTO_FRAME_MAX];
        ProtoMessage m = {};
        ProtoFrame f;
        ProtoReader *reader = NULL;
        const ProtoFrame *rf;
        int n = 0;

        (void) state;
        assert_non_null(t);
        assert_non_null(h);
        assert_non_null(g);

        assert_int_equal(proto_frame_parse(t->bytes, t->size, &f), 0);
        assert_int_equal(f.version, 2);
        assert_int_equal(proto_message_decode(&f, &m), PROTO_E_BAD_TYPE);

        assert_int_equal(proto_frame_parse(h->bytes, h->size, &f), 0);
        assert_int_equal(proto_message_decode(&f, &m), 0);
        assert_int_equal(m.version, 2);
        assert_int_equal(m.type, PROTO_TYPE_GUEST_HELLO);
        /* Without the unknown fields, in version 1, it is exactly guest-hello. */
        m.version = 1;
        assert_int_equal(proto_message_encode(&m, buf, sizeof(buf)), (int) g->size);
        assert_memory_equal(buf, g->bytes, g->size);
        proto_message_done(&m);

        /* A stream reader passes both on as valid frames: skipping is the decoder's call. */
        assert_int_equal(proto_reader_new(&reader), 0);
        assert_int_equal(proto_reader_feed(reader, t->bytes, t->size), t->size);
        assert_int_equal(proto_reader_feed(reader, h->bytes, h->size), h->size);
        for (;;) {
                assert_int_equal(proto_reader_next(reader, &rf), 0);
                if (!rf)
                        break;
                n++;
        }
        assert_int_equal(n, 2);
        assert_int_equal(proto_reader_get_stats(reader)->skipped, 0);
        proto_reader_free(reader);
}

static void test_truncation(void **state) {
        ProtoReader *reader = NULL;

        (void) state;
        assert_int_equal(proto_reader_new(&reader), 0);
        for (size_t i = 0; i < n_vectors; i++) {
                const Vector *v = vectors + i;
                ProtoFrame f;

                assert_int_equal(proto_frame_parse(v->bytes, v->size, &f), 0);
                for (size_t k = 0; k < v->size; k++) {
                        uint64_t skipped_before = proto_reader_get_stats(reader)->skipped;
                        const ProtoFrame *rf;
                        int r;

                        assert_int_equal(proto_frame_parse(v->bytes, k, &f), PROTO_E_TRUNCATED);

                        /* Streamed then ended: no frame, only "truncated", every byte skipped. */
                        assert_int_equal(proto_reader_feed(reader, v->bytes, k), k);
                        assert_int_equal(proto_reader_next(reader, &rf), 0);
                        assert_null(rf);
                        proto_reader_end(reader);
                        for (;;) {
                                r = proto_reader_next(reader, &rf);
                                if (r == 0 && !rf)
                                        break;
                                assert_int_equal(r, PROTO_E_TRUNCATED);
                        }
                        assert_int_equal(proto_reader_get_stats(reader)->skipped - skipped_before, k);
                }

                /* The payload cut short at every byte (and sealed again, so only the field
                 * decoder sees it): an error code or a valid message, never a crash. */
                if (is_future(v))
                        continue;
                ProtoFrame full;
                assert_int_equal(proto_frame_parse(v->bytes, v->size, &full), 0);
                for (size_t k = 0; k < full.payload_size; k++) {
                        ProtoMessage m = {};
                        int r = proto_message_decode_payload(full.type, full.payload, k, &m);

                        assert_true(r >= 0);
                        if (r == 0) {
                                uint8_t buf[PROTO_FRAME_MAX];
                                assert_true(proto_message_encode(&m, buf, sizeof(buf)) > 0);
                                proto_message_done(&m);
                        }
                }
        }
        assert_int_equal(proto_reader_get_stats(reader)->frames, 0);
        proto_reader_free(reader);
}

static void test_bit_flips(void **state) {
        ProtoReader *reader = NULL;
        uint64_t detected = 0, valid = 0, payload_valid = 0, payload_rejected = 0;

        (void) state;
        assert_int_equal(proto_reader_new(&reader), 0);
        for (size_t i = 0; i < n_vectors; i++) {
                const Vector *v = vectors + i;
                uint8_t buf[PROTO_FRAME_MAX];

                for (size_t bit = 0; bit < v->size * 8; bit++) {
                        const ProtoFrame *rf;
                        ProtoFrame f;
                        unsigned frames = 0;
                        int r;

                        memcpy(buf, v->bytes, v->size);
                        buf[bit / 8] ^= 1u << (bit % 8);

                        r = proto_frame_parse(buf, v->size, &f);
                        if (r == 0) {
                                /* Only acceptable if it is a valid message of its own. */
                                ProtoMessage m = {};
                                r = proto_message_decode(&f, &m);
                                assert_true(r == 0 || r == PROTO_E_BAD_TYPE);
                                proto_message_done(&m);
                                valid++;
                        } else {
                                assert_true(r > 0 && r < _PROTO_E_MAX);
                                detected++;
                        }

                        /* In a stream, the flipped frame costs nothing after it. */
                        assert_int_equal(proto_reader_feed(reader, buf, v->size), v->size);
                        assert_int_equal(proto_reader_feed(reader, v->bytes, v->size), v->size);
                        proto_reader_end(reader);
                        for (;;) {
                                r = proto_reader_next(reader, &rf);
                                assert_true(r >= 0);
                                if (r == 0 && !rf)
                                        break;
                                if (r == 0) {
                                        frames++;
                                        if (frames == 2 || memcmp(rf->payload - PROTO_HEADER_SIZE, buf, v->size) != 0) {
                                                assert_int_equal(rf->size, v->size);
                                                assert_memory_equal(rf->payload - PROTO_HEADER_SIZE, v->bytes, v->size);
                                        }
                                }
                        }
                        assert_true(frames >= 1);
                }

                /* Flips inside the payload, sealed again: the field decoder on its own. */
                ProtoFrame full;
                assert_int_equal(proto_frame_parse(v->bytes, v->size, &full), 0);
                for (size_t bit = 0; bit < full.payload_size * 8; bit++) {
                        uint8_t p[PROTO_FRAME_MAX];
                        ProtoMessage m = {}, m2 = {};
                        int r;

                        memcpy(p, full.payload, full.payload_size);
                        p[bit / 8] ^= 1u << (bit % 8);
                        r = proto_message_decode_payload(full.type, p, full.payload_size, &m);
                        assert_true(r >= 0);
                        if (r != 0) {
                                payload_rejected++;
                                continue;
                        }
                        /* What decodes, encodes, and decodes again to the same encoding. */
                        uint8_t e1[PROTO_FRAME_MAX], e2[PROTO_FRAME_MAX];
                        int n1 = proto_message_encode(&m, e1, sizeof(e1));
                        assert_true(n1 > 0);
                        ProtoFrame f2;
                        assert_int_equal(proto_frame_parse(e1, n1, &f2), 0);
                        assert_int_equal(proto_message_decode(&f2, &m2), 0);
                        assert_int_equal(proto_message_encode(&m2, e2, sizeof(e2)), n1);
                        assert_memory_equal(e1, e2, n1);
                        proto_message_done(&m);
                        proto_message_done(&m2);
                        payload_valid++;
                }
        }
        print_message("bit flips: %" PRIu64 " detected, %" PRIu64 " valid; payload flips: %" PRIu64
                      " rejected, %" PRIu64 " decoded to a valid message\n",
                      detected, valid, payload_rejected, payload_valid);
        assert_int_equal(valid, 0);     /* two CRC-32C catch every single-bit error */
        proto_reader_free(reader);
}

/* Concatenation of every vector that is not from the future. */
static size_t valid_stream(uint8_t *buf, size_t size, size_t *ret_count) {
        size_t n = 0, count = 0;

        for (size_t i = 0; i < n_vectors; i++) {
                if (is_future(vectors + i))
                        continue;
                assert_true(n + vectors[i].size <= size);
                memcpy(buf + n, vectors[i].bytes, vectors[i].size);
                n += vectors[i].size;
                count++;
        }
        *ret_count = count;
        return n;
}

typedef struct Event {
        int code;               /* 0: frame */
        uint32_t crc;           /* of the frame */
} Event;

#define EVENTS_MAX 100000

/* Feeds stream in chunks (chunk == 0: random sizes 1..2000), ends it, and logs what the
 * reader said. Returns the number of events. */
static size_t run_reader(const uint8_t *stream, size_t size, size_t chunk, Event *ev, uint64_t *ret_skipped) {
        ProtoReader *reader = NULL;
        const ProtoFrame *rf;
        size_t off = 0, n = 0;
        int r;

        assert_int_equal(proto_reader_new(&reader), 0);
        while (off < size) {
                size_t c = chunk ?: 1 + rnd() % 2000, took;

                if (c > size - off)
                        c = size - off;
                took = proto_reader_feed(reader, stream + off, c);
                off += took;
                for (;;) {
                        r = proto_reader_next(reader, &rf);
                        assert_true(r >= 0);
                        if (r == 0 && !rf)
                                break;
                        assert_true(n < EVENTS_MAX);
                        ev[n++] = (Event) { r, r == 0 ? proto_crc32c(rf->payload - PROTO_HEADER_SIZE, rf->size) : 0 };
                }
        }
        proto_reader_end(reader);
        for (;;) {
                r = proto_reader_next(reader, &rf);
                assert_true(r >= 0);
                if (r == 0 && !rf)
                        break;
                assert_true(n < EVENTS_MAX);
                ev[n++] = (Event) { r, r == 0 ? proto_crc32c(rf->payload - PROTO_HEADER_SIZE, rf->size) : 0 };
        }
        assert_int_equal(proto_reader_get_stats(reader)->bytes, size);
        if (ret_skipped)
                *ret_skipped = proto_reader_get_stats(reader)->skipped;
        proto_reader_free(reader);
        return n;
}

/* Random garbage, sprinkled with what hurts a reader: magic bytes, partial magics, and
 * headers with a valid header check claiming long payloads (stale half frames). */
static void garbage(uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                p[i] = rnd() & 0xff;
        for (size_t k = 0; n >= 4 && k < n / 64; k++) {
                size_t at = rnd() % (n - 3), m = 1 + rnd() % 4;
                memcpy(p + at, proto_magic, m);
        }
        if (n >= PROTO_HEADER_SIZE && rnd() % 2) {
                size_t at = rnd() % (n - PROTO_HEADER_SIZE + 1);
                uint8_t *h = p + at;

                memcpy(h, proto_magic, 4);
                h[4] = 1;
                proto_write_be32(h + 12, rnd() % PROTO_PAYLOAD_MAX);
                proto_write_be32(h + 16, proto_crc32c(h, 16));
        }
}

static void test_garbage_prefix(void **state) {
        static uint8_t stream[4096 + 4096];
        static Event ev[EVENTS_MAX];
        size_t count, vlen;
        uint64_t lost_first = 0;

        (void) state;
        vlen = valid_stream(stream + 4096, 4096, &count);
        for (size_t g = 0; g <= 4096; g++) {
                uint8_t *s = stream + 4096 - g;
                uint32_t got[64], want[64];
                size_t n, frames = 0, k = 0;

                garbage(s, g);
                n = run_reader(s, g + vlen, 0, ev, NULL);
                for (size_t i = 0; i < n; i++)
                        if (ev[i].code == 0) {
                                assert_true(frames < ELEMENTSOF(got));
                                got[frames++] = ev[i].crc;
                        }
                for (size_t i = 0; i < n_vectors; i++)
                        if (!is_future(vectors + i))
                                want[k++] = proto_crc32c(vectors[i].bytes, vectors[i].size);
                /* No valid frame after the first is lost, and the frames are the stream's own. */
                assert_true(frames <= count);
                assert_true(frames + 1 >= count);
                assert_memory_equal(got, want + (count - frames), frames * sizeof(uint32_t));
                if (frames < count)
                        lost_first++;
        }
        print_message("garbage prefixes 0..4096: first frame lost in %" PRIu64 " of 4097 runs\n", lost_first);
        /* With a header check nothing in front of a frame can hide it: */
        assert_int_equal(lost_first, 0);
}

static void test_chunking(void **state) {
        static uint8_t stream[200000];
        static Event ref[EVENTS_MAX], ev[EVENTS_MAX];
        size_t n = 0, count, n_ref;
        uint64_t skipped_ref, skipped;
        const size_t chunks[] = { 1, 2, 3, 5, 19, 20, 21, 64, 4096, 65536, 0, 0, 0 };

        (void) state;
        /* garbage, frames, damaged frames, a half frame, future frames, frames. */
        garbage(stream, 3000);
        n = 3000;
        n += valid_stream(stream + n, sizeof(stream) - n, &count);
        for (size_t i = 0; i < n_vectors; i++) {
                memcpy(stream + n, vectors[i].bytes, vectors[i].size);
                stream[n + rnd() % vectors[i].size] ^= 1u << (rnd() % 8);
                n += vectors[i].size;
                memcpy(stream + n, vectors[i].bytes, vectors[i].size / 2);
                n += vectors[i].size / 2;
                memcpy(stream + n, vectors[i].bytes, vectors[i].size);
                n += vectors[i].size;
        }
        garbage(stream + n, 50000);
        n += 50000;
        n += valid_stream(stream + n, sizeof(stream) - n, &count);

        n_ref = run_reader(stream, n, n, ref, &skipped_ref);
        size_t frames = 0;
        for (size_t i = 0; i < n_ref; i++)
                frames += ref[i].code == 0;
        assert_int_equal(frames, 2 * count + n_vectors);

        for (size_t c = 0; c < ELEMENTSOF(chunks); c++) {
                size_t m = run_reader(stream, n, chunks[c], ev, &skipped);
                assert_int_equal(m, n_ref);
                assert_memory_equal(ev, ref, m * sizeof(Event));
                assert_int_equal(skipped, skipped_ref);
        }
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc32c),
                cmocka_unit_test(test_vectors_are_the_encoder),
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_future),
                cmocka_unit_test(test_v2_in_v1),
                cmocka_unit_test(test_truncation),
                cmocka_unit_test(test_bit_flips),
                cmocka_unit_test(test_garbage_prefix),
                cmocka_unit_test(test_chunking),
        };
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: %s PROTOCOL.md\n", argv[0]);
                return 2;
        }
        protocol_md = argv[1];
        r = vectors_load(protocol_md, &vectors, &n_vectors);
        if (r < 0) {
                fprintf(stderr, "%s: cannot read vectors: %s\n", protocol_md, strerror(-r));
                return 1;
        }
        r = cmocka_run_group_tests(tests, NULL, NULL);
        vectors_free(vectors, n_vectors);
        return r;
}
