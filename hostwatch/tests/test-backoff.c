/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostwatch/backoff.h"

/* A seeded generator, so that a failure can be replayed. */
static uint32_t lcg(void *userdata) {
        uint64_t *s = userdata;
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        return (uint32_t) (*s >> 32);
}

static uint32_t fixed(void *userdata) {
        return *(uint32_t *) userdata;
}

/* Every attempt fails at once: the waits between attempts follow 1 s x 1.6^k +- 20 %,
 * never above 120 s; each attempt may take at least 20 s. */
static void test_schedule_bounds(void **state) {
        for (uint64_t seed = 1; seed <= 50; seed++) {
                Backoff b;
                uint64_t now = 0, s = seed;
                double expect = 1e6;

                backoff_init(&b, &BACKOFF_PARAMS_DEFAULT, lcg, &s);
                for (int k = 0; k < 40; k++) {
                        uint64_t timeout = backoff_attempt(&b, now), next = backoff_failed(&b, now), wait = next - now;

                        assert_true(timeout >= 20 * USEC_PER_SEC);
                        if (k == 0)
                                assert_int_equal(wait, USEC_PER_SEC);   /* gRPC: no jitter on the first */
                        else {
                                double lo = expect * 0.8, hi = expect * 1.2;
                                if (hi > 120e6)
                                        hi = 120e6;
                                if (lo > 120e6)
                                        lo = 120e6 * 0.8;
                                assert_true((double) wait >= lo * 0.99999 && (double) wait <= hi * 1.00001);
                        }
                        assert_true(wait <= 120 * USEC_PER_SEC);
                        expect = expect * 1.6 > 120e6 ? 120e6 : expect * 1.6;
                        now = next;
                }
        }
}

/* Jitter at both ends of the random range, and the exact growth without it. */
static void test_schedule_exact(void **state) {
        BackoffParams p = BACKOFF_PARAMS_DEFAULT;
        uint32_t r = 0;
        Backoff b;
        uint64_t waits[6], now = 0;
        const uint64_t lowest[6] = { 1000000, 1280000, 2048000, 3276800, 5242880, 8388608 };

        backoff_init(&b, &p, fixed, &r);
        for (int k = 0; k < 6; k++) {
                backoff_attempt(&b, now);
                waits[k] = backoff_failed(&b, now) - now;
                now += waits[k];
        }
        for (int k = 0; k < 6; k++)
                assert_true(waits[k] + 1 >= lowest[k] && waits[k] <= lowest[k] + 1);

        r = UINT32_MAX;
        backoff_init(&b, &p, fixed, &r);
        backoff_attempt(&b, 0);
        backoff_attempt(&b, 0);
        /* 1.6 s + 20 % */
        assert_true(b.deadline_usec >= 1919999 && b.deadline_usec <= 1920001);

        p.jitter = 0;
        backoff_init(&b, &p, NULL, NULL);
        for (int k = 0; k < 30; k++)
                backoff_attempt(&b, 0);
        assert_int_equal(b.current_usec, 120 * USEC_PER_SEC);
        assert_int_equal(b.deadline_usec, 120 * USEC_PER_SEC);
}

/* An attempt that took longer than the window starts the next at once (gRPC). */
static void test_slow_failure(void **state) {
        Backoff b;

        backoff_init(&b, &BACKOFF_PARAMS_DEFAULT, NULL, NULL);
        assert_int_equal(backoff_attempt(&b, 0), 20 * USEC_PER_SEC);
        assert_int_equal(backoff_failed(&b, 20 * USEC_PER_SEC), 20 * USEC_PER_SEC);
}

/* Large windows give larger connect timeouts: max(window, 20 s). */
static void test_connect_timeout_grows(void **state) {
        BackoffParams p = BACKOFF_PARAMS_DEFAULT;
        Backoff b;
        uint64_t t = 0;

        p.jitter = 0;
        backoff_init(&b, &p, NULL, NULL);
        for (int k = 0; k < 30; k++)
                t = backoff_attempt(&b, 0);
        assert_int_equal(t, 120 * USEC_PER_SEC);
}

static void test_reset(void **state) {
        uint64_t s = 7;
        Backoff b;

        backoff_init(&b, &BACKOFF_PARAMS_DEFAULT, lcg, &s);
        for (int k = 0; k < 10; k++)
                backoff_attempt(&b, 0);
        assert_true(b.current_usec > 50 * USEC_PER_SEC);
        backoff_reset(&b);
        backoff_attempt(&b, 1000);
        assert_int_equal(backoff_failed(&b, 1000), 1000 + USEC_PER_SEC);
        assert_int_equal(b.attempts, 1);
}

static void test_validate(void **state) {
        BackoffParams p = BACKOFF_PARAMS_DEFAULT;

        assert_int_equal(backoff_params_validate(&p), 0);
        p.jitter = 1.0;
        assert_int_equal(backoff_params_validate(&p), -EINVAL);
        p = BACKOFF_PARAMS_DEFAULT;
        p.multiplier = 0.5;
        assert_int_equal(backoff_params_validate(&p), -EINVAL);
        p = BACKOFF_PARAMS_DEFAULT;
        p.initial_usec = p.max_usec + 1;
        assert_int_equal(backoff_params_validate(&p), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_schedule_bounds),
                cmocka_unit_test(test_schedule_exact),
                cmocka_unit_test(test_slow_failure),
                cmocka_unit_test(test_connect_timeout_grows),
                cmocka_unit_test(test_reset),
                cmocka_unit_test(test_validate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
