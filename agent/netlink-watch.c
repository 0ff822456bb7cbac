/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/netlink-watch.h"
#include "common/log.h"

struct netlink_watch {
        sd_event *event;
        int fd;
        sd_event_source *io, *timer;
        uint64_t debounce_usec;
        uint64_t first_usec;
        uint64_t last_call_usec;        /* when the handler last ran; 0 = never */
        netlink_watch_handler handler;
        void *userdata;
        netlink_watch_stats stats;
};

netlink_watch *netlink_watch_free(netlink_watch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->io);
        sd_event_source_disable_unref(w->timer);
        if (w->fd >= 0)
                close(w->fd);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

static void call(netlink_watch *w, uint64_t now) {
        w->last_call_usec = now;
        w->stats.batches++;
        w->handler(w, w->first_usec, w->userdata);
}

/* The first change after a quiet spell is handled at once; changes that follow within
 * debounce_usec of the last call are gathered into one call at its end. */
static void changed(netlink_watch *w) {
        int enabled = SD_EVENT_OFF;
        uint64_t now = 0;

        (void) sd_event_source_get_enabled(w->timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;         /* a batch is being gathered already */
        (void) sd_event_now(w->event, CLOCK_MONOTONIC, &now);
        w->first_usec = now;
        if (w->last_call_usec == 0 || now >= w->last_call_usec + w->debounce_usec) {
                call(w, now);
                return;
        }
        if (sd_event_source_set_time(w->timer, w->last_call_usec + w->debounce_usec) < 0 ||
            sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT) < 0) {
                log_warning("netlink: cannot arm the debounce timer");
                call(w, now);
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        netlink_watch *w = userdata;
        /* Only that something changed matters: the contents are read again in full. */
        _Alignas(struct nlmsghdr) uint8_t buf[32768];
        bool any = false;

        w->stats.wakeups++;
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == ENOBUFS) {
                        if (w->stats.overruns++ == 0)
                                log_notice("netlink: event queue overrun; reading the full state");
                        any = true;
                        continue;
                }
                if (n < 0) {
                        if (errno != EAGAIN)
                                log_warning_errno(errno, "netlink: recv: %m");
                        break;
                }
                if (n == 0)
                        break;
                for (const struct nlmsghdr *h = (const struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n);
                     h = NLMSG_NEXT(h, n)) {
                        w->stats.messages++;
                        any = true;
                }
        }
        if (any)
                changed(w);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        netlink_watch *w = userdata;

        w->stats.wakeups++;
        call(w, usec);
        return 0;
}

int netlink_watch_new(sd_event *e, uint64_t debounce_usec, netlink_watch_handler h, void *userdata,
                      netlink_watch **ret) {
        _cleanup_(netlink_watch_freep) netlink_watch *w = NULL;
        struct sockaddr_nl sa = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
                             RTMGRP_IPV6_ROUTE,
        };
        int size = NETLINK_WATCH_RCVBUF, r;

        if (!e || !h || !ret)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->fd = -EBADF;
        w->event = sd_event_ref(e);
        w->handler = h;
        w->userdata = userdata;
        w->debounce_usec = debounce_usec;
        w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (w->fd < 0)
                return negative_errno();
        /* FORCE works for root (the agent); otherwise the ordinary limit applies. */
        if (setsockopt(w->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (bind(w->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return negative_errno();
        r = sd_event_add_io(e, &w->io, w->fd, EPOLLIN, on_io, w);
        if (r < 0)
                return r;
        /* Accuracy 1 µs: sd-event would otherwise coalesce this timer by up to 250 ms. */
        r = sd_event_add_time(e, &w->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, w);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

const netlink_watch_stats *netlink_watch_get_stats(const netlink_watch *w) {
        return &w->stats;
}
