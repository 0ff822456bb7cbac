/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The message decoder on arbitrary payloads: input = type (u16, big-endian) + payload.
 * What decodes must encode, decode again, and encode to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "proto/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t e1[PROTO_FRAME_MAX], e2[PROTO_FRAME_MAX];
        ProtoMessage m = {}, m2 = {};
        ProtoFrame f;
        int r, n1, n2;

        if (size < 2)
                return 0;
        r = proto_message_decode_payload(proto_read_be16(data), data + 2, size - 2, &m);
        if (r < 0 || r >= _PROTO_E_MAX)
                abort();
        if (r > 0)
                return 0;

        n1 = proto_message_encode(&m, e1, sizeof(e1));
        if (n1 <= 0 || (size_t) n1 > size - 2 + PROTO_OVERHEAD)
                abort();        /* the canonical encoding is never longer than the input */
        if (proto_frame_parse(e1, n1, &f) != 0 || proto_message_decode(&f, &m2) != 0)
                abort();
        n2 = proto_message_encode(&m2, e2, sizeof(e2));
        if (n2 != n1 || memcmp(e1, e2, n1) != 0)
                abort();
        proto_message_done(&m);
        proto_message_done(&m2);
        return 0;
}
