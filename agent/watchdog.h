/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-event.h>

#include "common/macro.h"

/* systemd's watchdog (WatchdogSec=), pinged from wakeups the loop has anyway.
 *
 * sd_event_set_watchdog() keeps a timer of its own, which at WatchdogSec=3min wakes the
 * idle agent once every 90-135 s on top of its heartbeats. Here a post source pings when
 * any other source ran and a quarter of the period has passed since the last ping; only
 * a loop that had no wakeup for half the period is woken for it, by a timer moved on at
 * each ping. Without WATCHDOG_USEC for this process it does nothing. */
typedef struct watchdog watchdog;

int watchdog_new(sd_event *event, watchdog **ret);
watchdog *watchdog_free(watchdog *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(watchdog *, watchdog_free);

/* How many pings were sent, and how many of them needed a wakeup of their own. */
void watchdog_get_counts(const watchdog *w, unsigned *ret_pings, unsigned *ret_own_wakeups);
