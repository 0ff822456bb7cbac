/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's figures in the Prometheus text exposition format (version 0.0.4), written
 * atomically to a file that node_exporter's textfile collector reads (the name must end
 * in .prom there), and served on a unix socket: one rendering per connection, then close
 * (an HTTP/1.0 answer when the client sends a GET, plain text otherwise). Formatting is
 * pure over a snapshot, so it is unit-tested. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>

#include "common/macro.h"

#include "netguard/hostwatch.h"

/* Seconds from an address learned to SSH verified there. */
#define METRICS_LATENCY_BUCKETS 10
extern const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS];

typedef struct MetricsHistogram {
        uint64_t bucket[METRICS_LATENCY_BUCKETS];       /* not cumulative: observations in (b[i-1], b[i]] */
        uint64_t count;
        uint64_t sum_usec;
} MetricsHistogram;

typedef struct MetricsMachine {
        const char *name;
        HostWatchState state;
        HostWatchStats stats;
        uint64_t backoff_waits;         /* rounds that ended in backoff or key-mismatch */
} MetricsMachine;

void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec);

/* The whole exposition to f. 0 or -EIO. */
int metrics_format(FILE *f, const MetricsMachine *machines, size_t n, const MetricsHistogram *latency,
                   unsigned in_flight, unsigned in_flight_peak);

/* The socket: at most this many clients at once (more are closed at once), each served
 * within the timeout or dropped, so a stuck client costs a slot, never the loop. */
#define METRICS_SOCKET_CONNECTIONS_MAX 16
#define METRICS_SOCKET_TIMEOUT_USEC (10 * UINT64_C(1000000))
/* How long to wait for a request line before answering in plain text. */
#define METRICS_SOCKET_REQUEST_WAIT_USEC (200 * UINT64_C(1000))
/* A request is a GET line and a few headers; a rendering past this is refused. */
#define METRICS_SOCKET_REQUEST_MAX 4096
#define METRICS_SOCKET_OUTPUT_MAX (64u * 1024 * 1024)

typedef struct MetricsServer MetricsServer;
/* The exposition now, in a malloc'd buffer. */
typedef int (*metrics_render_fn)(void *userdata, char **ret, size_t *ret_size);

/* Listens on path (mode 0660). A stale socket there (nobody answers) is replaced; a live
 * one is -EADDRINUSE, anything not a socket -EEXIST. The socket appears ready: bound and
 * listening under a temporary name first, then renamed into place. */
int metrics_server_new(sd_event *event, const char *path, metrics_render_fn render, void *userdata,
                       MetricsServer **ret);
/* Closes every connection, removes the socket file. */
MetricsServer *metrics_server_free(MetricsServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(MetricsServer *, metrics_server_free);
const char *metrics_server_get_path(MetricsServer *s);
/* Connections refused for the cap, and dropped at the timeout, since the start. */
void metrics_server_get_stats(MetricsServer *s, uint64_t *ret_refused, uint64_t *ret_timed_out);

/* metrics_format into PATH atomically (temp file beside it, fsync, rename). */
int metrics_write_file(const char *path, const MetricsMachine *machines, size_t n, const MetricsHistogram *latency,
                       unsigned in_flight, unsigned in_flight_peak);
