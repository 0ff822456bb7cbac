/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netlink-watch against the kernel, in a network namespace of this test's own
 * (unshare(CLONE_NEWNET): it goes when the test ends). Needs root: exit 77 otherwise. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/netlink-watch.h"

static sd_event *event;
static unsigned calls;

static void handler(netlink_watch *w, uint64_t first_usec, void *userdata) {
        calls++;
}

/* Runs the loop until nothing has happened for a while (bounded). */
static void run_until_quiet(void) {
        for (int i = 0, idle = 0; i < 1000 && idle < 3; i++) {
                int r = sd_event_run(event, 50 * 1000);

                assert_true(r >= 0);
                idle = r == 0 ? idle + 1 : 0;
        }
}

static void run_batch(int pairs) {
        char path[] = "/tmp/test-netlink-watch-XXXXXX", cmd[128];
        int fd = mkstemp(path);
        FILE *f;

        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        assert_non_null(f);
        for (int i = 0; i < pairs; i++)
                fprintf(f, "addr add 198.51.100.%d/32 dev nlw0\naddr del 198.51.100.%d/32 dev nlw0\n", i % 250 + 1,
                        i % 250 + 1);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "ip -batch %s", path);
        assert_int_equal(system(cmd), 0);
        unlink(path);
}

static void test_change_then_burst(void **state) {
        _cleanup_(netlink_watch_freep) netlink_watch *w = NULL;
        (void) state;
        assert_int_equal(netlink_watch_new(event, NETLINK_WATCH_DEBOUNCE_USEC, handler, NULL, &w), 0);
        run_until_quiet();
        assert_int_equal(calls, 0);     /* nothing changed yet */

        /* A lone change: the handler runs in the very dispatch that read it. */
        assert_int_equal(system("ip link add nlw0 type veth peer name nlw1"), 0);
        for (int i = 0; i < 100 && calls == 0; i++)
                assert_true(sd_event_run(event, 100 * 1000) >= 0);
        assert_true(calls >= 1);
        assert_true(netlink_watch_get_stats(w)->messages >= 1);
        run_until_quiet();

        /* A burst of 400 address changes: every message read, far fewer full reads. */
        calls = 0;
        run_batch(200);
        run_until_quiet();
        assert_true(calls >= 1);
        assert_true(calls < 400);
        assert_true(netlink_watch_get_stats(w)->messages >= 400);
        printf("# 400 changes: %u full reads, %llu messages, %llu overruns\n", calls,
               (unsigned long long) netlink_watch_get_stats(w)->messages,
               (unsigned long long) netlink_watch_get_stats(w)->overruns);

        /* More than the socket holds while nobody reads (20,000 messages, an address and
         * its local route each, against NETLINK_WATCH_RCVBUF, which the kernel doubles):
         * the kernel drops messages and says ENOBUFS; the watch still calls (its owner
         * reads everything anyway). */
        calls = 0;
        run_batch(5000);
        run_until_quiet();
        printf("# 10000 changes unread: %u full reads, %llu overruns\n", calls,
               (unsigned long long) netlink_watch_get_stats(w)->overruns);
        assert_true(netlink_watch_get_stats(w)->overruns >= 1);
        assert_true(calls >= 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_change_then_burst),
        };
        int r;

        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
                printf("SKIP: needs root for a network namespace of its own\n");
                return 77;
        }
        if (system("ip link set lo up") != 0) {
                printf("SKIP: needs iproute2 (ip)\n");
                return 77;
        }
        assert_int_equal(sd_event_new(&event), 0);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        sd_event_unref(event);
        return r;
}
