/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "proto/error.h"

const char *proto_error_to_string(ProtoError e) {
        switch (e) {
        case PROTO_E_TRUNCATED:
                return "truncated";
        case PROTO_E_TOO_LARGE:
                return "too-large";
        case PROTO_E_BAD_MAGIC:
                return "bad-magic";
        case PROTO_E_BAD_HEADER:
                return "bad-header";
        case PROTO_E_BAD_CHECKSUM:
                return "bad-checksum";
        case PROTO_E_BAD_VERSION:
                return "bad-version";
        case PROTO_E_BAD_TYPE:
                return "bad-type";
        case PROTO_E_BAD_FIELD:
                return "bad-field";
        case PROTO_E_MISSING_FIELD:
                return "missing-field";
        case PROTO_E_TOO_MANY:
                return "too-many";
        case _PROTO_E_MAX:
        case _PROTO_E_INVALID:
                break;
        }
        return NULL;
}
