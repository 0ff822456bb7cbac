/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The "any other loop" integration: a plain poll() loop over hostwatch_get_fd() and
 * hostwatch_get_timeout(), as a GLib, libuv or Qt program would wire it (a GSource with
 * the fd and a timeout; a uv_poll_t and a uv_timer_t; a QSocketNotifier and a QTimer). */

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "netguard/hostwatch.h"

static inline uint64_t loop_now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Runs until cond(userdata) holds or timeout_ms passes; returns cond's last value. */
static inline bool loop_run_until(HostWatch *hw, bool (*cond)(void *), void *userdata, int timeout_ms) {
        uint64_t end = loop_now_usec() + (uint64_t) timeout_ms * 1000;

        while (!(cond && cond(userdata))) {
                uint64_t now = loop_now_usec(), t;
                int wait = 50;
                struct pollfd p = { .fd = hostwatch_get_fd(hw), .events = POLLIN };

                if (now >= end)
                        break;
                if (hostwatch_get_timeout(hw, &t) == 0 && t != UINT64_MAX) {
                        uint64_t hnow = hostwatch_now(hw);
                        wait = t <= hnow ? 0 : (int) ((t - hnow) / 1000 + 1 < 50 ? (t - hnow) / 1000 + 1 : 50);
                }
                (void) poll(&p, 1, wait);
                (void) hostwatch_process(hw);
        }
        return cond && cond(userdata);
}
