/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Sequence numbers remembered below the highest one seen. Senders resend unacknowledged
 * frames oldest first after each HELLO and on a timeout, so a resend trails the newest
 * frame by far fewer than this many frames. */
#define PROTO_DEDUP_WINDOW 1024

/* The receiver's half of delivery: recognises a resent must-not-lose frame it has already
 * handed to the application (a sliding window, as in IPsec anti-replay, per peer instance). */
typedef struct ProtoDedup {
        uint64_t instance;
        uint32_t highest;
        uint64_t seen[PROTO_DEDUP_WINDOW / 64];  /* bit k: highest - k was seen */
} ProtoDedup;

void proto_dedup_init(ProtoDedup *d);

/* From each peer HELLO: a new instance (a restarted peer numbers from 1 again) forgets the
 * old one's numbers. Returns true if it did. */
bool proto_dedup_set_instance(ProtoDedup *d, uint64_t instance);

/* true: seq is new, deliver it (and ACK it); false: a duplicate, or older than the window,
 * or 0: do not deliver, but ACK it again so the sender stops resending. */
bool proto_dedup_check(ProtoDedup *d, uint32_t seq);

/* A sender's next sequence number: 1, 2, ... (0 is never used). */
static inline uint32_t proto_seq_next(uint32_t *counter) {
        if (++*counter == 0)
                *counter = 1;
        return *counter;
}
