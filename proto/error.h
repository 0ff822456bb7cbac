/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>

/* What the peer did wrong. Functions of this library return 0 on success, one of these
 * (always > 0) when the input from the peer is bad — an expected event the caller handles
 * by skipping, counting or disconnecting — and a negative errno when we ourselves failed
 * (out of memory, a caller's invalid argument). */
typedef enum ProtoError {
        PROTO_E_TRUNCATED = 1,  /* the input ends inside a frame or a field */
        PROTO_E_TOO_LARGE,      /* a frame claims more than PROTO_FRAME_MAX bytes */
        PROTO_E_BAD_MAGIC,      /* no frame starts here */
        PROTO_E_BAD_HEADER,     /* the header checksum does not match */
        PROTO_E_BAD_CHECKSUM,   /* the frame checksum does not match */
        PROTO_E_BAD_VERSION,    /* version 0, or no common version */
        PROTO_E_BAD_TYPE,       /* a message type this version does not know: skip it */
        PROTO_E_BAD_FIELD,      /* a known field with a wrong length or value, or repeated */
        PROTO_E_MISSING_FIELD,  /* a required field is absent */
        PROTO_E_TOO_MANY,       /* more links or addresses than the named caps allow */
        _PROTO_E_MAX,
        _PROTO_E_INVALID = -EINVAL,
} ProtoError;

const char *proto_error_to_string(ProtoError e);
