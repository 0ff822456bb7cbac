/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus text exposition: exact output for a small fleet, the histogram's
 * cumulative buckets, and the atomic file write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostwatch/metrics.h"

static char *format(const MetricsMachine *m, size_t n, const MetricsHistogram *h) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(metrics_format(f, m, n, h, 3, 64), 0);
        fclose(f);
        return buf;
}

static void test_format(void **state) {
        MetricsMachine m[2] = {
                { .name = "vm1", .state = HOSTWATCH_STATE_VERIFIED, .backoff_waits = 3,
                  .stats = { .channel_connects = 2, .ssh_attempts = 5, .bytes_skipped = 17, .key_mismatches = 1 } },
                { .name = "vm2", .state = HOSTWATCH_STATE_BACKOFF },
        };
        MetricsHistogram h = {};
        char *out;

        metrics_histogram_observe(&h, 3000);            /* 3 ms: first bucket */
        metrics_histogram_observe(&h, 300000);          /* 0.3 s: le 0.5 */
        metrics_histogram_observe(&h, 60000000);        /* 60 s: only +Inf */
        out = format(m, 2, &h);
        assert_non_null(strstr(out, "# TYPE netguard_hostwatch_machines gauge\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_machines{state=\"verified\"} 1\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_machines{state=\"backoff\"} 1\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_machines{state=\"queued\"} 0\n"));
        assert_null(strstr(out, "state=\"removed\""));
        assert_non_null(strstr(out, "\nnetguard_hostwatch_ssh_in_flight 3\n"));
        assert_non_null(strstr(out, "\nnetguard_hostwatch_ssh_in_flight_peak 64\n"));
        assert_non_null(strstr(out, "# TYPE netguard_hostwatch_channel_connects_total counter\n"
                                    "netguard_hostwatch_channel_connects_total{machine=\"vm1\"} 2\n"
                                    "netguard_hostwatch_channel_connects_total{machine=\"vm2\"} 0\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_ssh_attempts_total{machine=\"vm1\"} 5\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_backoff_waits_total{machine=\"vm1\"} 3\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_bytes_dropped_total{machine=\"vm1\"} 17\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_key_mismatches_total{machine=\"vm1\"} 1\n"));
        assert_non_null(strstr(out, "# TYPE netguard_hostwatch_verify_latency_seconds histogram\n"
                                    "netguard_hostwatch_verify_latency_seconds_bucket{le=\"0.005\"} 1\n"
                                    "netguard_hostwatch_verify_latency_seconds_bucket{le=\"0.01\"} 1\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_verify_latency_seconds_bucket{le=\"0.25\"} 1\n"
                                    "netguard_hostwatch_verify_latency_seconds_bucket{le=\"0.5\"} 2\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_verify_latency_seconds_bucket{le=\"30\"} 2\n"
                                    "netguard_hostwatch_verify_latency_seconds_bucket{le=\"+Inf\"} 3\n"
                                    "netguard_hostwatch_verify_latency_seconds_sum 60.303000\n"
                                    "netguard_hostwatch_verify_latency_seconds_count 3\n"));
        /* every line is a comment or "name{labels} value", and the text ends with a newline */
        for (char *line = out; *line; line = strchr(line, '\n') + 1) {
                assert_true(line[0] == '#' || strncmp(line, "netguard_hostwatch_", 19) == 0);
                assert_non_null(strchr(line, '\n'));
        }
        free(out);
}

static void test_empty(void **state) {
        char *out = format(NULL, 0, NULL);

        assert_non_null(strstr(out, "netguard_hostwatch_machines{state=\"verified\"} 0\n"));
        assert_non_null(strstr(out, "netguard_hostwatch_verify_latency_seconds_count 0\n"));
        free(out);
}

static void test_write_file(void **state) {
        char dir[] = "/tmp/test-hostwatch-metrics.XXXXXX", path[128], cmd[160];
        MetricsMachine m = { .name = "vm1", .state = HOSTWATCH_STATE_VERIFIED };
        char buf[256];
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/hostwatch.prom", dir);
        assert_int_equal(metrics_write_file(path, &m, 1, NULL, 0, 0), 0);
        f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(buf, sizeof buf, f));
        assert_string_equal(buf, "# HELP netguard_hostwatch_machines Machines watched, by state.\n");
        fclose(f);
        /* only the file itself is left: the temp file was renamed over it */
        snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) = 1", dir);
        assert_int_equal(system(cmd), 0);
        snprintf(path, sizeof path, "%s/no/such/dir.prom", dir);
        assert_int_equal(metrics_write_file(path, &m, 1, NULL, 0, 0), -ENOENT);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_write_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
