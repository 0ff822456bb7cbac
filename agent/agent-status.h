/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's state as `netguard status` and the D-Bus object show it, and how whoever
 * shows it asks for it (the manager answers; the bus object never sees the manager). */

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/channel.h"

/* What `netguard status` shows. */
typedef struct agent_status {
        channel_state state;
        const char *port;
        uint32_t last_report;           /* the last snapshot written whole, 0 = none */
        char management_link[IF_NAMESIZE];
        char host_hint[128];            /* "macaddress ..., host ..." or "" */
        uint64_t netlink_batches, snapshots_built, snapshots_unchanged;
        uint64_t wakeups;               /* the channel's and the netlink watch's dispatches */
        uint64_t netlink_wakeups;       /* of them, the netlink watch's */
        uint64_t loop_iterations;       /* sd-event's: every wakeup of the loop, whatever woke it */
        /* netlink message read -> its snapshot written whole, over the last changes */
        uint32_t latency_p50_usec, latency_p99_usec, latency_max_usec;
        size_t latency_samples;
        const channel_stats *channel;
} agent_status;

typedef void (*agent_status_get_fn)(void *userdata, agent_status *ret);
