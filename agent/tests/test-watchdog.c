/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The watchdog pings from the loop's own wakeups: with a source that fires often it never
 * needs a timer of its own; with nothing else it wakes itself before half the period.
 * The pings are read from a real notify socket, as systemd would get them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/watchdog.h"

#define PERIOD_USEC 2000000ULL

typedef struct fixture {
        char dir[64];
        char path[108];
        int fd;
} fixture;

static int setup(void **state) {
        fixture *f = calloc(1, sizeof *f);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char pid[32], usec[32];

        assert_non_null(f);
        snprintf(f->dir, sizeof f->dir, "/tmp/test-watchdog.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof f->path, "%s/notify", f->dir);
        f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(f->fd >= 0);
        memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
        assert_int_equal(bind(f->fd, (struct sockaddr *) &sa, sizeof sa), 0);
        snprintf(pid, sizeof pid, "%d", (int) getpid());
        snprintf(usec, sizeof usec, "%llu", PERIOD_USEC);
        setenv("NOTIFY_SOCKET", f->path, 1);
        setenv("WATCHDOG_PID", pid, 1);
        setenv("WATCHDOG_USEC", usec, 1);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;

        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_PID");
        unsetenv("WATCHDOG_USEC");
        close(f->fd);
        unlink(f->path);
        rmdir(f->dir);
        free(f);
        return 0;
}

static unsigned read_pings(int fd) {
        char buf[256];
        unsigned n = 0;
        ssize_t r;

        while ((r = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
                buf[r] = 0;
                if (strstr(buf, "WATCHDOG=1"))
                        n++;
        }
        return n;
}

typedef struct ticker {
        unsigned ticks;
} ticker;

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        ticker *t = userdata;

        t->ticks++;
        (void) sd_event_source_set_time(s, usec + 100000);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void run_for(sd_event *e, uint64_t usec) {
        uint64_t now;

        assert_true(sd_event_now(e, CLOCK_MONOTONIC, &now) >= 0);
        assert_int_equal(sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + usec, 0, NULL, NULL), 0);        /* NULL: exit the loop */
        assert_int_equal(sd_event_loop(e), 0);
}

static void test_piggyback(void **state) {
        fixture *f = *state;
        sd_event *e = NULL;
        watchdog *w = NULL;
        ticker t = {};
        unsigned pings, own;
        uint64_t now;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(watchdog_new(e, &w), 0);
        assert_true(sd_event_now(e, CLOCK_MONOTONIC, &now) >= 0);
        assert_int_equal(sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + 100000, 0, on_tick, &t), 0);
        run_for(e, 3 * PERIOD_USEC / 2);
        watchdog_get_counts(w, &pings, &own);
        assert_true(t.ticks > 5);
        assert_int_equal(own, 0);               /* never a wakeup of its own */
        assert_true(pings >= 2);                /* one at the first wakeup, then each quarter */
        assert_int_equal(read_pings(f->fd), pings);
        watchdog_free(w);
        sd_event_unref(e);
}

static void test_alone(void **state) {
        fixture *f = *state;
        sd_event *e = NULL;
        watchdog *w = NULL;
        unsigned pings, own;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(watchdog_new(e, &w), 0);
        run_for(e, 5 * PERIOD_USEC / 4);        /* its timer: at half the period (+1/8) */
        watchdog_get_counts(w, &pings, &own);
        assert_true(own >= 1);
        assert_true(pings >= own);
        assert_int_equal(read_pings(f->fd), pings);
        watchdog_free(w);
        sd_event_unref(e);
}

static void test_not_asked(void **state) {
        fixture *f = *state;
        sd_event *e = NULL;
        watchdog *w = NULL;
        ticker t = {};
        unsigned pings, own;
        uint64_t now;

        unsetenv("WATCHDOG_USEC");
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(watchdog_new(e, &w), 0);
        assert_true(sd_event_now(e, CLOCK_MONOTONIC, &now) >= 0);
        assert_int_equal(sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + 100000, 0, on_tick, &t), 0);
        run_for(e, 500000);
        watchdog_get_counts(w, &pings, &own);
        assert_int_equal(pings, 0);
        assert_int_equal(read_pings(f->fd), 0);
        watchdog_free(w);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_piggyback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_alone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_asked, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
