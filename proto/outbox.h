/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"

/* Unacknowledged must-not-lose messages one side may hold. A transaction makes a handful of
 * TXN events and the host a few HOST_* proofs; 64 is generous, and bounds our memory when
 * the peer never answers (64 * PROTO_FRAME_MAX at the very worst). */
#define PROTO_OUTBOX_MAX 64

/* The sender's half of delivery: encoded frames that asked for an ACK, kept in the order
 * they were first sent until the peer acknowledges their sequence number, and resent in
 * that order after every peer HELLO (a write that succeeded may still be lost). */
typedef struct ProtoOutbox ProtoOutbox;

int proto_outbox_new(ProtoOutbox **ret);
ProtoOutbox *proto_outbox_free(ProtoOutbox *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProtoOutbox *, proto_outbox_free);

/* Keeps a copy of a sealed frame (it must carry PROTO_FLAG_ACK_REQUEST). -ENOBUFS when
 * PROTO_OUTBOX_MAX frames wait already, -EEXIST if its seq waits already, -EINVAL if it is
 * not a valid frame, -ENOMEM. */
int proto_outbox_add(ProtoOutbox *o, const uint8_t *frame, size_t size);

/* The peer acknowledged seq: 1 if a frame was removed, 0 if none waited (a repeated ACK). */
int proto_outbox_ack(ProtoOutbox *o, uint32_t seq);

size_t proto_outbox_count(const ProtoOutbox *o);

/* The i-th oldest waiting frame: 0, or -ENOENT past the end. */
int proto_outbox_get(const ProtoOutbox *o, size_t i, const uint8_t **ret_frame, size_t *ret_size,
                     uint32_t *ret_seq);
