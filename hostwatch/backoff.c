/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>

#include "hostwatch/backoff.h"

int backoff_params_validate(const BackoffParams *p) {
        if (p->initial_usec == 0 || p->initial_usec > p->max_usec)
                return -EINVAL;
        if (!(p->multiplier >= 1.0 && p->multiplier <= 100.0))
                return -EINVAL;
        if (!(p->jitter >= 0.0 && p->jitter < 1.0))
                return -EINVAL;
        return 0;
}

void backoff_init(Backoff *b, const BackoffParams *p, backoff_random_fn random, void *userdata) {
        *b = (Backoff) { .p = *p, .random = random, .userdata = userdata };
}

static uint64_t jittered(const Backoff *b, uint64_t v) {
        double u = b->random ? b->random(b->userdata) / 4294967296.0 : 0.5;    /* [0, 1) */
        double d = (double) v * (1.0 + b->p.jitter * (2.0 * u - 1.0));

        /* The cap holds after jitter too: no wait is ever longer than max. */
        if (d >= (double) b->p.max_usec)
                return b->p.max_usec;
        return d < 1.0 ? 1 : (uint64_t) d;
}

uint64_t backoff_attempt(Backoff *b, uint64_t now) {
        uint64_t window;

        if (b->current_usec == 0) {
                /* gRPC: the first attempt's deadline is the initial backoff, no jitter */
                b->current_usec = b->p.initial_usec;
                window = b->current_usec;
        } else {
                double next = (double) b->current_usec * b->p.multiplier;
                b->current_usec = next >= (double) b->p.max_usec ? b->p.max_usec : (uint64_t) next;
                window = jittered(b, b->current_usec);
        }
        b->attempts++;
        b->deadline_usec = now + window;
        return window > b->p.min_connect_timeout_usec ? window : b->p.min_connect_timeout_usec;
}

uint64_t backoff_failed(const Backoff *b, uint64_t now) {
        return b->deadline_usec > now ? b->deadline_usec : now;
}

void backoff_reset(Backoff *b) {
        b->current_usec = 0;
        b->deadline_usec = 0;
        b->attempts = 0;
}
