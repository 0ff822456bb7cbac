/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/reader.h"

struct ProtoReader {
        size_t start, end;      /* unconsumed bytes are buf[start..end) */
        size_t need;            /* bytes from start needed before looking again */
        bool eof;
        ProtoFrame frame;
        ProtoReaderStats stats;
        size_t size;            /* of buf: grows to PROTO_FRAME_MAX only while a frame needs it */
        uint8_t *buf;
};

/* Heartbeats and small snapshots fit; 10,000 idle channels on a host hold this each, not
 * a maximal frame each. */
#define READER_SIZE_MIN 512

static size_t size_for(size_t n) {
        size_t s = READER_SIZE_MIN;

        while (s < n && s < PROTO_FRAME_MAX)
                s *= 2;
        return s < PROTO_FRAME_MAX ? s : PROTO_FRAME_MAX;
}

static int resize(ProtoReader *r, size_t size) {
        uint8_t *b;

        if (size == r->size)
                return 0;
        b = realloc(r->buf, size);
        if (!b)
                return -ENOMEM;
        r->buf = b;
        r->size = size;
        return 0;
}

int proto_reader_new(ProtoReader **ret) {
        ProtoReader *r;

        if (!ret)
                return -EINVAL;
        r = malloc(sizeof(ProtoReader));
        if (!r)
                return -ENOMEM;
        r->buf = malloc(READER_SIZE_MIN);
        if (!r->buf) {
                free(r);
                return -ENOMEM;
        }
        r->size = READER_SIZE_MIN;
        r->start = r->end = r->need = 0;
        r->eof = false;
        r->frame = (ProtoFrame) {};
        r->stats = (ProtoReaderStats) {};
        *ret = r;
        return 0;
}

ProtoReader *proto_reader_free(ProtoReader *r) {
        if (r)
                free(r->buf);
        free(r);
        return NULL;
}

static void compact(ProtoReader *r) {
        if (r->start == 0)
                return;
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
}

size_t proto_reader_feed(ProtoReader *r, const uint8_t *data, size_t size) {
        size_t n;

        if (!r || (!data && size > 0))
                return 0;
        if (size == 0)
                return 0;
        /* Everything consumed: write at the front again, so a steady trickle (heartbeats)
         * keeps touching the same page instead of walking the whole 64 KiB into memory
         * (10,000 idle channels on a host: 25 KiB each after minutes, 64 KiB in the end). */
        if (r->start == r->end) {
                r->start = r->end = 0;
                /* empty again after a large frame: give the memory back */
                if (r->size > READER_SIZE_MIN && size <= READER_SIZE_MIN)
                        (void) resize(r, READER_SIZE_MIN);
        }
        if (r->end == r->size)
                compact(r);
        /* Takes what a PROTO_FRAME_MAX buffer would take, as it always did. */
        if (r->size - r->end < size && r->size < PROTO_FRAME_MAX &&
            resize(r, size_for(r->end + size)) < 0 && r->end == r->size) {
                /* no memory to grow and no room: drop the buffered bytes, so callers advance */
                r->stats.skipped += r->end - r->start;
                r->start = r->end = r->need = 0;
        }
        n = r->size - r->end;
        if (n > size)
                n = size;
        memcpy(r->buf + r->end, data, n);
        r->end += n;
        r->stats.bytes += n;
        r->eof = false;
        return n;
}

/* Offset of the first place in p that is, or at its end may become, the magic. */
static size_t find_magic(const uint8_t *p, size_t n) {
        size_t off = 0;

        for (;;) {
                const uint8_t *q = memchr(p + off, proto_magic[0], n - off);
                size_t k, m;

                if (!q)
                        return n;
                off = q - p;
                m = n - off < PROTO_MAGIC_SIZE ? n - off : PROTO_MAGIC_SIZE;
                for (k = 1; k < m; k++)
                        if (p[off + k] != proto_magic[k])
                                break;
                if (k == m)
                        return off;
                off++;
        }
}

static int drop(ProtoReader *r, int error) {
        /* Step over one byte only: a valid frame may start inside the dropped candidate. */
        r->start++;
        r->need = 0;
        r->stats.skipped++;
        r->stats.errors[error]++;
        return error;
}

int proto_reader_next(ProtoReader *r, const ProtoFrame **ret) {
        size_t avail, off, frame_size;
        const uint8_t *p;
        int k;

        if (!r || !ret)
                return -EINVAL;

        p = r->buf + r->start;
        avail = r->end - r->start;
        if (avail < r->need && !r->eof) {
                /* Still waiting for the rest of a candidate: do not rescan it byte by byte. */
                *ret = NULL;
                return 0;
        }
        r->need = 0;
        off = find_magic(p, avail);
        r->start += off;
        r->stats.skipped += off;
        p += off;
        avail -= off;

        if (avail < PROTO_HEADER_SIZE) {
                if (r->eof && avail > 0)
                        return drop(r, PROTO_E_TRUNCATED);
                compact(r);
                r->need = PROTO_HEADER_SIZE;
                *ret = NULL;
                return 0;
        }

        k = proto_frame_check_header(p, avail, &frame_size);
        if (k != 0)
                return drop(r, k);
        if (avail < frame_size) {
                if (r->eof)
                        return drop(r, PROTO_E_TRUNCATED);
                compact(r);
                r->need = frame_size;
                *ret = NULL;
                return 0;
        }
        k = proto_frame_parse(p, frame_size, &r->frame);
        if (k != 0)
                return drop(r, k);

        r->start += frame_size;
        r->stats.frames++;
        *ret = &r->frame;
        return 0;
}

void proto_reader_end(ProtoReader *r) {
        if (r)
                r->eof = true;
}

void proto_reader_reset(ProtoReader *r) {
        if (!r)
                return;
        r->stats.skipped += r->end - r->start;
        r->start = r->end = r->need = 0;
        r->eof = false;
        (void) resize(r, READER_SIZE_MIN);
}

const ProtoReaderStats *proto_reader_get_stats(const ProtoReader *r) {
        return &r->stats;
}
