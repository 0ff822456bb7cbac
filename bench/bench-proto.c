/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Protocol figures: decode throughput of a stream of ADDRESSES frames (16 links x 8
 * addresses) through the stream reader and the message decoder, time per message, and the
 * encoder and checksum alone. Prints figures; never passes or fails on time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "proto/crc32c.h"
#include "proto/message.h"
#include "proto/reader.h"

#define STREAM_SIZE (64u << 20)
#define ROUNDS 5

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static ProtoAddress addrs[16][8];
static ProtoLink links[16];

static void make_snapshot(ProtoMessage *m) {
        for (unsigned i = 0; i < 16; i++) {
                links[i] = (ProtoLink) { .index = i + 1, .hwaddr = { 0x52, 0x54, 0, 0x12, 0x34, i },
                                         .hwaddr_len = 6, .operstate = PROTO_OPER_UP,
                                         .flags = i == 0 ? PROTO_LINK_MANAGEMENT : 0,
                                         .master = i >= 8 ? 3 : 0,
                                         .n_addresses = 8, .addresses = addrs[i] };
                snprintf(links[i].name, sizeof(links[i].name), "enp%us0", i);
                for (unsigned k = 0; k < 8; k++) {
                        ProtoAddress *a = &addrs[i][k];

                        if (k % 2 == 0)
                                *a = (ProtoAddress) { .address = { .family = AF_INET,
                                                                   .bytes = { 198, 51, 100, i * 8 + k },
                                                                   .prefixlen = 24 },
                                                      .flags = 0x80,
                                                      .valid_lft = 3600, .preferred_lft = 1800 };
                        else
                                *a = (ProtoAddress) { .address = { .family = AF_INET6,
                                                                   .bytes = { 0x20, 0x01, 0x0d, 0xb8, 0, i, [15] = k },
                                                                   .prefixlen = 64 },
                                                      .flags = 0x100, .scope = k == 7 ? 253 : 0,
                                                      .valid_lft = 86400, .preferred_lft = 14400 };
                }
        }
        *m = (ProtoMessage) { .type = PROTO_TYPE_ADDRESSES, .seq = 1,
                              .addresses = { .snapshot = 1, .n_links = 16, .links = links } };
}

/* Feeds the stream in 64 KiB reads; decode = also decode (and free) every message. */
static double run_stream(ProtoReader *reader, const uint8_t *stream, size_t size, bool decode, uint64_t *ret_frames) {
        uint64_t frames = 0;
        double t0 = now();

        for (size_t off = 0; off < size;) {
                size_t c = size - off < 65536 ? size - off : 65536;
                size_t took = proto_reader_feed(reader, stream + off, c);
                const ProtoFrame *f;

                off += took;
                while (proto_reader_next(reader, &f) == 0 && f) {
                        if (decode) {
                                ProtoMessage m;
                                if (proto_message_decode(f, &m) != 0)
                                        abort();
                                proto_message_done(&m);
                        }
                        frames++;
                }
        }
        *ret_frames = frames;
        return now() - t0;
}

int main(void) {
        static uint8_t frame[PROTO_FRAME_MAX];
        ProtoReader *reader = NULL;
        ProtoMessage m;
        uint8_t *stream;
        size_t n_frames, size;
        double best, best_parse, t;
        uint64_t frames = 0;
        int n;

        make_snapshot(&m);
        n = proto_message_encode(&m, frame, sizeof(frame));
        if (n <= 0 || proto_reader_new(&reader) < 0)
                return 1;
        n_frames = STREAM_SIZE / n;
        size = n_frames * (size_t) n;
        stream = malloc(size);
        if (!stream)
                return 1;
        for (size_t i = 0; i < n_frames; i++)
                memcpy(stream + i * n, frame, n);

        printf("ADDRESSES message: 16 links x 8 addresses = %d bytes per frame; stream of %zu frames (%.1f MiB)\n",
               n, n_frames, size / 1048576.0);

        best = best_parse = 1e9;
        for (int r = 0; r < ROUNDS; r++) {
                t = run_stream(reader, stream, size, true, &frames);
                if (frames != n_frames)
                        return 1;
                best = t < best ? t : best;
                t = run_stream(reader, stream, size, false, &frames);
                best_parse = t < best_parse ? t : best_parse;
        }
        printf("decode (reader + message decoder): %.0f MB/s, %.0f ns per ADDRESSES message\n",
               size / best / 1e6, best / n_frames * 1e9);
        printf("framing only (reader, checksums):  %.0f MB/s, %.0f ns per frame\n",
               size / best_parse / 1e6, best_parse / n_frames * 1e9);

        /* Encoder. */
        best = 1e9;
        for (int r = 0; r < ROUNDS; r++) {
                double t0 = now();
                for (unsigned i = 0; i < 100000; i++) {
                        m.seq = i + 1;
                        if (proto_message_encode(&m, frame, sizeof(frame)) != n)
                                return 1;
                }
                t = now() - t0;
                best = t < best ? t : best;
        }
        printf("encode: %.0f ns per ADDRESSES message (%.0f MB/s)\n", best / 100000 * 1e9, 100000.0 * n / best / 1e6);

        /* CRC-32C alone. */
        best = 1e9;
        uint32_t sink = 0;
        for (int r = 0; r < ROUNDS; r++) {
                double t0 = now();
                sink ^= proto_crc32c(stream, size);
                t = now() - t0;
                best = t < best ? t : best;
        }
        printf("CRC-32C: %.0f MB/s (check %08x)\n", size / best / 1e6, sink);

        proto_reader_free(reader);
        free(stream);
        return 0;
}
