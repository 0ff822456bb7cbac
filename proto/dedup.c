/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "proto/dedup.h"

#define WORDS (PROTO_DEDUP_WINDOW / 64)

void proto_dedup_init(ProtoDedup *d) {
        memset(d, 0, sizeof(*d));
}

bool proto_dedup_set_instance(ProtoDedup *d, uint64_t instance) {
        if (d->instance == instance)
                return false;
        proto_dedup_init(d);
        d->instance = instance;
        return true;
}

static bool test_bit(const ProtoDedup *d, uint32_t k) {
        return d->seen[k / 64] >> (k % 64) & 1;
}

static void set_bit(ProtoDedup *d, uint32_t k) {
        d->seen[k / 64] |= UINT64_C(1) << (k % 64);
}

/* Moves the window up by n: bit k becomes bit k + n. */
static void shift(ProtoDedup *d, uint32_t n) {
        uint32_t words = n / 64, bits = n % 64;

        if (n >= PROTO_DEDUP_WINDOW) {
                memset(d->seen, 0, sizeof(d->seen));
                return;
        }
        for (int i = WORDS - 1; i >= 0; i--) {
                uint64_t v = 0;

                if ((uint32_t) i >= words) {
                        v = d->seen[i - words] << bits;
                        if (bits > 0 && (uint32_t) i > words)
                                v |= d->seen[i - words - 1] >> (64 - bits);
                }
                d->seen[i] = v;
        }
}

bool proto_dedup_check(ProtoDedup *d, uint32_t seq) {
        uint32_t k;

        if (seq == 0)
                return false;
#ifdef PROTO_DEDUP_TEST_DISABLED
        /* Only proto/tests builds this, to prove the delivery test sees duplicates without it. */
        return true;
#endif
        if (seq > d->highest) {
                shift(d, seq - d->highest);
                d->highest = seq;
                set_bit(d, 0);
                return true;
        }
        k = d->highest - seq;
        if (k >= PROTO_DEDUP_WINDOW || test_bit(d, k))
                return false;
        set_bit(d, k);
        return true;
}
