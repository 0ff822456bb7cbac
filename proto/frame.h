/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

/* Frame layout, all integers big-endian (PROTOCOL.md, "Framing"):
 *   0  magic  ff 4e 47 50  (0xff cannot start UTF-8 text; "NGP")
 *   4  version u8          5  flags u8          6  type u16
 *   8  seq u32            12  payload length u32
 *  16  header check: CRC-32C of bytes 0..15
 *  20  payload (TLV fields)
 *  20+len  frame check: CRC-32C of bytes 0..19+len */
#define PROTO_MAGIC_SIZE 4
#define PROTO_HEADER_SIZE 20
#define PROTO_TRAILER_SIZE 4
#define PROTO_OVERHEAD (PROTO_HEADER_SIZE + PROTO_TRAILER_SIZE)

/* A frame is at most 64 KiB: the most a peer can make a reader buffer per channel, and far
 * more than a full address snapshot of a guest within the caps of message.h needs. */
#define PROTO_FRAME_MAX 65536u
#define PROTO_PAYLOAD_MAX (PROTO_FRAME_MAX - PROTO_OVERHEAD)

extern const uint8_t proto_magic[PROTO_MAGIC_SIZE];

/* Protocol versions this build speaks. Versions only ever add message types and fields. */
#define PROTO_VERSION_MIN 1
#define PROTO_VERSION_MAX 2

enum {
        /* Must-not-lose message: the receiver answers with ACK(seq) even for a duplicate,
         * the sender keeps it in its outbox and resends it until acknowledged. */
        PROTO_FLAG_ACK_REQUEST = 1u << 0,
        /* Other bits are sent as 0 and ignored on receipt. */
};

typedef struct ProtoFrame {
        uint8_t version;
        uint8_t flags;
        uint16_t type;
        uint32_t seq;
        const uint8_t *payload;         /* points into the parsed buffer */
        size_t payload_size;
        size_t size;                    /* the whole frame, header to trailer */
} ProtoFrame;

/* Checks the header at buf: 0 and the whole frame's size, or TRUNCATED (fewer than
 * PROTO_HEADER_SIZE bytes), BAD_MAGIC, BAD_HEADER, BAD_VERSION, TOO_LARGE. */
int proto_frame_check_header(const uint8_t *buf, size_t size, size_t *ret_frame_size);

/* Parses one frame at the start of buf (trailing bytes are left alone): 0 with *ret filled,
 * or a ProtoError. ret->payload points into buf. */
int proto_frame_parse(const uint8_t *buf, size_t size, ProtoFrame *ret);

/* Given payload_size bytes of payload already at buf + PROTO_HEADER_SIZE, writes the header
 * and the trailer around it. buf must hold payload_size + PROTO_OVERHEAD bytes.
 * Returns the frame size, or -E2BIG / -EINVAL. */
int proto_frame_seal(uint8_t *buf, size_t size, uint8_t version, uint8_t flags, uint16_t type,
                     uint32_t seq, size_t payload_size);

static inline uint16_t proto_read_be16(const uint8_t *p) {
        return (uint16_t) ((unsigned) p[0] << 8 | p[1]);
}
static inline uint32_t proto_read_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static inline uint64_t proto_read_be64(const uint8_t *p) {
        return (uint64_t) proto_read_be32(p) << 32 | proto_read_be32(p + 4);
}
static inline void proto_write_be16(uint8_t *p, uint16_t v) {
        p[0] = v >> 8;
        p[1] = v & 0xff;
}
static inline void proto_write_be32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24;
        p[1] = (v >> 16) & 0xff;
        p[2] = (v >> 8) & 0xff;
        p[3] = v & 0xff;
}
static inline void proto_write_be64(uint8_t *p, uint64_t v) {
        proto_write_be32(p, v >> 32);
        proto_write_be32(p + 4, v & 0xffffffffu);
}
