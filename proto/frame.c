/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "proto/crc32c.h"
#include "proto/frame.h"

const uint8_t proto_magic[PROTO_MAGIC_SIZE] = { 0xff, 'N', 'G', 'P' };

int proto_frame_check_header(const uint8_t *buf, size_t size, size_t *ret_frame_size) {
        uint32_t len;

        if (size < PROTO_HEADER_SIZE)
                return PROTO_E_TRUNCATED;
        if (memcmp(buf, proto_magic, PROTO_MAGIC_SIZE) != 0)
                return PROTO_E_BAD_MAGIC;
        if (proto_crc32c(buf, 16) != proto_read_be32(buf + 16))
                return PROTO_E_BAD_HEADER;
        if (buf[4] == 0)
                return PROTO_E_BAD_VERSION;
        len = proto_read_be32(buf + 12);
        if (len > PROTO_PAYLOAD_MAX)
                return PROTO_E_TOO_LARGE;

        *ret_frame_size = (size_t) len + PROTO_OVERHEAD;
        return 0;
}

int proto_frame_parse(const uint8_t *buf, size_t size, ProtoFrame *ret) {
        size_t frame_size, len;
        int r;

        r = proto_frame_check_header(buf, size, &frame_size);
        if (r != 0)
                return r;
        if (size < frame_size)
                return PROTO_E_TRUNCATED;
        len = frame_size - PROTO_OVERHEAD;
        if (proto_crc32c(buf, PROTO_HEADER_SIZE + len) != proto_read_be32(buf + PROTO_HEADER_SIZE + len))
                return PROTO_E_BAD_CHECKSUM;

        *ret = (ProtoFrame) {
                .version = buf[4],
                .flags = buf[5],
                .type = proto_read_be16(buf + 6),
                .seq = proto_read_be32(buf + 8),
                .payload = buf + PROTO_HEADER_SIZE,
                .payload_size = len,
                .size = frame_size,
        };
        return 0;
}

int proto_frame_seal(uint8_t *buf, size_t size, uint8_t version, uint8_t flags, uint16_t type,
                     uint32_t seq, size_t payload_size) {
        if (version == 0)
                return -EINVAL;
        if (payload_size > PROTO_PAYLOAD_MAX)
                return -E2BIG;
        if (size < payload_size + PROTO_OVERHEAD)
                return -ENOBUFS;

        memcpy(buf, proto_magic, PROTO_MAGIC_SIZE);
        buf[4] = version;
        buf[5] = flags;
        proto_write_be16(buf + 6, type);
        proto_write_be32(buf + 8, seq);
        proto_write_be32(buf + 12, (uint32_t) payload_size);
        proto_write_be32(buf + 16, proto_crc32c(buf, 16));
        proto_write_be32(buf + PROTO_HEADER_SIZE + payload_size,
                         proto_crc32c(buf, PROTO_HEADER_SIZE + payload_size));
        return (int) (payload_size + PROTO_OVERHEAD);
}
