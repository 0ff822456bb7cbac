/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stream reader on arbitrary bytes, chunked as the input's last byte says; every frame
 * it yields goes through the decoder, and what decodes must re-encode stably. */
#include <stdlib.h>
#include <string.h>

#include "proto/message.h"
#include "proto/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const ProtoFrame *f) {
        static uint8_t e1[PROTO_FRAME_MAX], e2[PROTO_FRAME_MAX];
        ProtoMessage m = {}, m2 = {};
        ProtoFrame f2;
        int n1, n2;

        if (f->size > PROTO_FRAME_MAX || f->payload_size + PROTO_OVERHEAD != f->size)
                abort();
        if (proto_message_decode(f, &m) != 0)
                return;
        n1 = proto_message_encode(&m, e1, sizeof(e1));
        if (n1 <= 0 || proto_frame_parse(e1, n1, &f2) != 0 || proto_message_decode(&f2, &m2) != 0)
                abort();
        n2 = proto_message_encode(&m2, e2, sizeof(e2));
        if (n2 != n1 || memcmp(e1, e2, n1) != 0)
                abort();
        proto_message_done(&m);
        proto_message_done(&m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static ProtoReader *reader;
        const ProtoFrame *f;
        size_t off = 0, chunk;
        uint64_t skipped0, frames0;

        if (!reader && proto_reader_new(&reader) < 0)
                abort();
        proto_reader_reset(reader);
        skipped0 = proto_reader_get_stats(reader)->skipped;
        frames0 = proto_reader_get_stats(reader)->frames;

        chunk = size > 0 ? data[size - 1] % 64 : 0;     /* 0: all at once */
        while (off < size) {
                size_t c = chunk ? chunk : size - off;

                if (c > size - off)
                        c = size - off;
                off += proto_reader_feed(reader, data + off, c);
                for (;;) {
                        int r = proto_reader_next(reader, &f);
                        if (r < 0)
                                abort();
                        if (r == 0 && !f)
                                break;
                        if (r == 0)
                                check(f);
                }
        }
        proto_reader_end(reader);
        for (;;) {
                int r = proto_reader_next(reader, &f);
                if (r < 0)
                        abort();
                if (r == 0 && !f)
                        break;
                if (r == 0)
                        check(f);
        }
        /* Nothing is left behind after the end, and nothing is counted twice. */
        const ProtoReaderStats *st = proto_reader_get_stats(reader);
        if (st->skipped - skipped0 > size || (st->frames - frames0) * PROTO_OVERHEAD > size)
                abort();
        return 0;
}
