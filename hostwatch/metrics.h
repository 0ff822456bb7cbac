/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's figures in the Prometheus text exposition format (version 0.0.4), written
 * atomically to a file that node_exporter's textfile collector reads (the name must end
 * in .prom there). Formatting is pure over a snapshot, so it is unit-tested. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* metrics_format into PATH atomically (temp file beside it, fsync, rename). */
int metrics_write_file(const char *path, const MetricsMachine *machines, size_t n, const MetricsHistogram *latency,
                       unsigned in_flight, unsigned in_flight_peak);
