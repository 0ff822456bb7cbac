/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "agent/watchdog.h"

struct watchdog {
        sd_event *event;
        sd_event_source *post, *timer;
        uint64_t period_usec;
        uint64_t last_ping;             /* 0: none yet */
        unsigned pings, own_wakeups;
};

static void ping(watchdog *w, uint64_t now) {
        (void) sd_notify(false, "WATCHDOG=1");
        w->last_ping = now;
        w->pings++;
        /* Fired at half the period at the latest plus an eighth of slack for sd-event to
         * coalesce it with other timers: still well inside the period. */
        (void) sd_event_source_set_time(w->timer, now + w->period_usec / 2);
        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

static int on_post(sd_event_source *s, void *userdata) {
        watchdog *w = userdata;
        uint64_t now;

        if (sd_event_now(w->event, CLOCK_MONOTONIC, &now) < 0)
                return 0;
        if (w->last_ping == 0 || now - w->last_ping >= w->period_usec / 4)
                ping(w, now);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        watchdog *w = userdata;
        uint64_t now;

        if (sd_event_now(w->event, CLOCK_MONOTONIC, &now) < 0)
                now = usec;
        w->own_wakeups++;
        ping(w, now);
        return 0;
}

int watchdog_new(sd_event *event, watchdog **ret) {
        _cleanup_(watchdog_freep) watchdog *w = NULL;
        uint64_t usec = 0, now;
        int r;

        if (!event || !ret)
                return -EINVAL;
        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        r = sd_watchdog_enabled(false, &usec);
        if (r <= 0 || usec < 4) {
                *ret = TAKE_PTR(w);     /* systemd asks for none: nothing to do */
                return 0;
        }
        w->period_usec = usec;
        r = sd_event_now(event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = sd_event_add_time(event, &w->timer, CLOCK_MONOTONIC, now + usec / 2, usec / 8, on_timer, w);
        if (r < 0)
                return r;
        r = sd_event_add_post(event, &w->post, on_post, w);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

watchdog *watchdog_free(watchdog *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->post);
        sd_event_source_disable_unref(w->timer);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

void watchdog_get_counts(const watchdog *w, unsigned *ret_pings, unsigned *ret_own_wakeups) {
        if (ret_pings)
                *ret_pings = w ? w->pings : 0;
        if (ret_own_wakeups)
                *ret_own_wakeups = w ? w->own_wakeups : 0;
}
