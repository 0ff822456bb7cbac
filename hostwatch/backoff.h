/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* gRPC connection backoff (doc/connection-backoff.md), pure: time and randomness come in. */
#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

typedef uint32_t (*backoff_random_fn)(void *userdata);

typedef struct BackoffParams {
        uint64_t initial_usec;                  /* 1 s */
        double multiplier;                      /* 1.6 */
        double jitter;                          /* 0.2: the wait is spread over ±20 % */
        uint64_t max_usec;                      /* 120 s: no wait is longer, jitter included */
        uint64_t min_connect_timeout_usec;      /* 20 s: an attempt always gets this long */
} BackoffParams;

#define BACKOFF_PARAMS_DEFAULT                                                          \
        ((BackoffParams) { .initial_usec = 1 * USEC_PER_SEC, .multiplier = 1.6, .jitter = 0.2, \
                           .max_usec = 120 * USEC_PER_SEC, .min_connect_timeout_usec = 20 * USEC_PER_SEC })

typedef struct Backoff {
        BackoffParams p;
        backoff_random_fn random;
        void *userdata;
        uint64_t current_usec;  /* the un-jittered backoff; 0 = none since the last reset */
        uint64_t deadline_usec; /* the earliest start of the next attempt */
        unsigned attempts;      /* since the last reset */
} Backoff;

/* -EINVAL unless 0 < initial <= max, multiplier >= 1, 0 <= jitter < 1. */
int backoff_params_validate(const BackoffParams *p);
void backoff_init(Backoff *b, const BackoffParams *p, backoff_random_fn random, void *userdata);

/* An attempt starts at now; returns how long it may take: max(the backoff window, the
 * minimum connect timeout). */
uint64_t backoff_attempt(Backoff *b, uint64_t now);
/* The attempt failed at now; returns when the next one may start. */
uint64_t backoff_failed(const Backoff *b, uint64_t now);
/* Success: the next attempt starts from the initial backoff again. */
void backoff_reset(Backoff *b);
