/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Tells, on an sd-event loop, that links, addresses or routes changed: a raw rtnetlink
 * socket in the link, IPv4/IPv6 address and IPv4/IPv6 route groups, drained on every
 * wakeup. The first change after a quiet spell calls the handler at once; changes within
 * the debounce interval after a call are gathered into one call at its end (so a burst
 * yields about one call per interval, each a bounded delay after the change that started
 * it). The owner reads the full state in the handler, so an overrun (ENOBUFS: the kernel
 * dropped events) is harmless: the next call reads everything. */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "common/macro.h"

/* The least time between two full reads: a burst of thousands of changes costs a few
 * reads per millisecond at most, and a lone change is not delayed at all. */
#define NETLINK_WATCH_DEBOUNCE_USEC 1000u
/* The kernel's queue for us: a burst of thousands of changes fits before ENOBUFS. */
#define NETLINK_WATCH_RCVBUF (4u * 1024u * 1024u)

typedef struct netlink_watch netlink_watch;

/* first_usec: CLOCK_MONOTONIC when the first message of this batch was read. */
typedef void (*netlink_watch_handler)(netlink_watch *w, uint64_t first_usec, void *userdata);

typedef struct netlink_watch_stats {
        uint64_t wakeups;               /* dispatches of the socket and the timer */
        uint64_t messages;              /* notifications read */
        uint64_t batches;               /* handler calls */
        uint64_t overruns;              /* ENOBUFS */
} netlink_watch_stats;

int netlink_watch_new(sd_event *e, uint64_t debounce_usec, netlink_watch_handler h, void *userdata,
                      netlink_watch **ret);
netlink_watch *netlink_watch_free(netlink_watch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(netlink_watch *, netlink_watch_free);

const netlink_watch_stats *netlink_watch_get_stats(const netlink_watch *w);
