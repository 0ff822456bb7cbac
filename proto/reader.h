/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "proto/frame.h"

/* A streaming frame reader: takes the byte stream in chunks of any size, finds frames by
 * their magic, checks them, and skips whatever is not a valid frame. Its buffer holds one
 * maximal frame, so a peer cannot make it hold more. */
typedef struct ProtoReader ProtoReader;

typedef struct ProtoReaderStats {
        uint64_t bytes;                 /* fed in */
        uint64_t frames;                /* valid frames returned */
        uint64_t skipped;               /* bytes that were not part of a valid frame */
        uint64_t errors[_PROTO_E_MAX];  /* candidate frames dropped, by reason */
} ProtoReaderStats;

int proto_reader_new(ProtoReader **ret);
ProtoReader *proto_reader_free(ProtoReader *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProtoReader *, proto_reader_free);

/* Copies as much of data as fits and returns how much it took (0 when the buffer is full:
 * call proto_reader_next() until it returns no frame, then feed the rest). */
size_t proto_reader_feed(ProtoReader *r, const uint8_t *data, size_t size);

/* Returns 0 and *ret = the next valid frame (valid until the next call on r), or 0 and
 * *ret = NULL when more input is needed; a ProtoError when a candidate frame was dropped
 * (its bytes count as skipped; call again); a negative errno on misuse. */
int proto_reader_next(ProtoReader *r, const ProtoFrame **ret);

/* The stream ended (EOF, peer disconnected): a frame still incomplete will never complete,
 * so proto_reader_next() drops it with PROTO_E_TRUNCATED and looks for frames after its
 * start. Feeding more data clears this. */
void proto_reader_end(ProtoReader *r);

/* Forgets everything buffered (counted as skipped), e.g. on a new connection. */
void proto_reader_reset(ProtoReader *r);

const ProtoReaderStats *proto_reader_get_stats(const ProtoReader *r);
