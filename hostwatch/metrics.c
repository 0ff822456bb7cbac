/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macro.h"
#include "hostwatch/metrics.h"

const double metrics_latency_bounds[METRICS_LATENCY_BUCKETS] = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30,
};

void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec) {
        double s = (double) usec / 1e6;

        h->count++;
        h->sum_usec += usec;
        for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++)
                if (s <= metrics_latency_bounds[i]) {
                        h->bucket[i]++;
                        return;
                }
}

/* Machine names are [A-Za-z0-9._-]: nothing in them needs escaping in a label value. */
static void counter(FILE *f, const char *metric, const char *help, const MetricsMachine *m, size_t n,
                    size_t offset, bool from_stats) {
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
        for (size_t i = 0; i < n; i++) {
                const char *base = from_stats ? (const char *) &m[i].stats : (const char *) &m[i];
                uint64_t v;
                memcpy(&v, base + offset, sizeof v);
                fprintf(f, "%s{machine=\"%s\"} %llu\n", metric, m[i].name, (unsigned long long) v);
        }
}

int metrics_format(FILE *f, const MetricsMachine *m, size_t n, const MetricsHistogram *h, unsigned in_flight,
                   unsigned in_flight_peak) {
        uint64_t per_state[_HOSTWATCH_STATE_MAX] = {}, cum = 0;

        for (size_t i = 0; i < n; i++)
                if (m[i].state >= 0 && m[i].state < _HOSTWATCH_STATE_MAX)
                        per_state[m[i].state]++;
        fputs("# HELP netguard_hostwatch_machines Machines watched, by state.\n"
              "# TYPE netguard_hostwatch_machines gauge\n", f);
        for (int s = 0; s < _HOSTWATCH_STATE_MAX; s++)
                if (s != HOSTWATCH_STATE_REMOVED)
                        fprintf(f, "netguard_hostwatch_machines{state=\"%s\"} %llu\n",
                                hostwatch_state_to_string((HostWatchState) s), (unsigned long long) per_state[s]);
        fprintf(f, "# HELP netguard_hostwatch_ssh_in_flight SSH probes in flight now (capped by max-in-flight).\n"
                   "# TYPE netguard_hostwatch_ssh_in_flight gauge\nnetguard_hostwatch_ssh_in_flight %u\n"
                   "# HELP netguard_hostwatch_ssh_in_flight_peak The most SSH probes in flight at once since the start.\n"
                   "# TYPE netguard_hostwatch_ssh_in_flight_peak gauge\nnetguard_hostwatch_ssh_in_flight_peak %u\n",
                in_flight, in_flight_peak);
        counter(f, "netguard_hostwatch_channel_connects_total",
                "Connections made to the machine's channel socket (first connect and reconnects).", m, n,
                offsetof(HostWatchStats, channel_connects), true);
        counter(f, "netguard_hostwatch_ssh_attempts_total", "SSH probes started (connection attempts).", m, n,
                offsetof(HostWatchStats, ssh_attempts), true);
        counter(f, "netguard_hostwatch_backoff_waits_total", "Rounds that failed and waited in backoff.", m, n,
                offsetof(MetricsMachine, backoff_waits), false);
        counter(f, "netguard_hostwatch_bytes_dropped_total",
                "Bytes from the guest skipped as garbage or dropped frames.", m, n,
                offsetof(HostWatchStats, bytes_skipped), true);
        counter(f, "netguard_hostwatch_key_mismatches_total", "SSH servers that showed a key that is not pinned.", m,
                n, offsetof(HostWatchStats, key_mismatches), true);
        fputs("# HELP netguard_hostwatch_verify_latency_seconds From an address learned to SSH verified there.\n"
              "# TYPE netguard_hostwatch_verify_latency_seconds histogram\n", f);
        for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
                cum += h ? h->bucket[i] : 0;
                fprintf(f, "netguard_hostwatch_verify_latency_seconds_bucket{le=\"%g\"} %llu\n",
                        metrics_latency_bounds[i], (unsigned long long) cum);
        }
        fprintf(f, "netguard_hostwatch_verify_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
                (unsigned long long) (h ? h->count : 0));
        fprintf(f, "netguard_hostwatch_verify_latency_seconds_sum %.6f\n", h ? (double) h->sum_usec / 1e6 : 0.0);
        fprintf(f, "netguard_hostwatch_verify_latency_seconds_count %llu\n", (unsigned long long) (h ? h->count : 0));
        return ferror(f) ? -EIO : 0;
}

int metrics_write_file(const char *path, const MetricsMachine *m, size_t n, const MetricsHistogram *h,
                       unsigned in_flight, unsigned in_flight_peak) {
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int fd, r;

        if (asprintf(&tmp, "%s.tmp%d", path, (int) getpid()) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                (void) unlink(tmp);
                return r;
        }
        r = metrics_format(f, m, n, h, in_flight, in_flight_peak);
        if (r >= 0 && fflush(f) != 0)
                r = -errno;
        if (r >= 0 && fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r >= 0)
                r = -EIO;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}
