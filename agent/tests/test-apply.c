/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The apply backends' child handling against real children on a real sd-event loop: exit
 * 0, a non-zero exit, a missing program, a child that outlives the timeout (killed), and
 * output past the cap (kept bounded, the rest counted). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "agent/apply.h"

typedef struct result {
        bool done;
        int r;
        char detail[512];
        size_t n_output, dropped;
        char output[64];
        sd_event *event;
} result;

static void on_done(apply *a, int r, const char *detail, void *userdata) {
        result *res = userdata;
        const char *out = apply_output(a, &res->dropped);

        res->done = true;
        res->r = r;
        snprintf(res->detail, sizeof(res->detail), "%s", detail);
        res->n_output = strlen(out);
        snprintf(res->output, sizeof(res->output), "%s", out);
        sd_event_exit(res->event, 0);
}

/* Runs argv through the command backend until it reports (or a 30 s safety stop). */
static result run(char *const *argv, uint64_t timeout_usec) {
        _cleanup_(apply_freep) apply *a = NULL;
        result res = {};
        apply_request req = { .mode = AGENT_APPLY_COMMAND, .argv = argv, .timeout_usec = timeout_usec };

        assert_int_equal(sd_event_new(&res.event), 0);
        assert_int_equal(apply_start(res.event, &req, on_done, &res, &a), 0);
        /* A bound on the test, not a figure: the loop exits on the report. */
        assert_int_equal(sd_event_add_time_relative(res.event, NULL, CLOCK_MONOTONIC, 30u * 1000000u, 0, NULL,
                                                    (void *) (intptr_t) 1), 0);
        assert_int_equal(sd_event_loop(res.event), 0);
        res.event = sd_event_unref(res.event);
        return res;
}

static void test_true(void **state) {
        char *argv[] = { (char *) "/bin/true", NULL };
        result res = run(argv, 0);

        (void) state;
        assert_true(res.done);
        assert_int_equal(res.r, 0);
}

static void test_false(void **state) {
        char *argv[] = { (char *) "/bin/false", NULL };
        result res = run(argv, 0);

        (void) state;
        assert_true(res.done);
        assert_int_equal(res.r, -ECHILD);
        assert_non_null(strstr(res.detail, "exit status 1"));
}

static void test_missing(void **state) {
        char *argv[] = { (char *) "/nonexistent/netguard-apply", NULL };
        result res = run(argv, 0);

        (void) state;
        assert_int_equal(res.r, -ENOENT);
        assert_non_null(strstr(res.detail, "cannot run /nonexistent/netguard-apply"));
}

static void test_timeout_kills(void **state) {
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "echo started; exec sleep 600", NULL };
        result res = run(argv, 300u * 1000u);

        (void) state;
        assert_int_equal(res.r, -ETIME);
        assert_non_null(strstr(res.detail, "killed after the timeout: started"));
        /* Reaped: no child of ours is left. */
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_output_bounded(void **state) {
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "head -c 100000 /dev/zero | tr '\\0' x; exit 3",
                         NULL };
        result res = run(argv, 0);

        (void) state;
        assert_int_equal(res.r, -ECHILD);
        assert_int_equal(res.n_output, APPLY_OUTPUT_MAX);
        assert_int_equal(res.dropped, 100000 - APPLY_OUTPUT_MAX);
        assert_non_null(strstr(res.detail, "exit status 3"));
}

static void test_free_while_running(void **state) {
        _cleanup_(apply_freep) apply *a = NULL;
        sd_event *e = NULL;
        char *argv[] = { (char *) "/bin/sleep", (char *) "600", NULL };
        apply_request req = { .mode = AGENT_APPLY_COMMAND, .argv = argv };

        (void) state;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(apply_start(e, &req, on_done, NULL, &a), 0);
        a = apply_free(a);
        /* The child was killed and reaped at once. */
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
        sd_event_unref(e);
}

static void test_bad_request(void **state) {
        apply *a = NULL;
        sd_event *e = NULL;
        char *empty[] = { NULL };
        apply_request req = { .mode = AGENT_APPLY_COMMAND, .argv = empty };

        (void) state;
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(apply_start(e, &req, on_done, NULL, &a), -EINVAL);
        assert_null(a);
        sd_event_unref(e);
}

/* The journal's links-renamed detail, as engine.c writes it, back into renames. */
static void test_renames_parse(void **state) {
        apply_rename rn[4];
        size_t n = 99;

        (void) state;
        assert_int_equal(apply_renames_parse("ens4>mgmt0 eth1>wan", rn, 4, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(rn[0].from, "ens4");
        assert_string_equal(rn[0].to, "mgmt0");
        assert_string_equal(rn[1].from, "eth1");
        assert_string_equal(rn[1].to, "wan");
        assert_int_equal(rn[0].ifindex, 0);
        /* Fifteen characters is the longest link name. */
        assert_int_equal(apply_renames_parse("abcdefghijklmno>x", rn, 4, &n), 0);
        assert_string_equal(rn[0].from, "abcdefghijklmno");
        assert_int_equal(apply_renames_parse("", rn, 4, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(apply_renames_parse(NULL, rn, 4, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(apply_renames_parse("  a>b  ", rn, 4, &n), 0);
        assert_int_equal(n, 1);
        /* What a torn or hand-edited detail may hold: refused whole, nothing renamed. */
        n = 7;
        assert_int_equal(apply_renames_parse("ens4", rn, 4, &n), -EINVAL);
        assert_int_equal(n, 7);
        assert_int_equal(apply_renames_parse("ens4>", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse(">mgmt0", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse("a>b>c", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse("abcdefghijklmnop>x", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse("a/b>c", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse("a>..", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse("a>b\tc", rn, 4, &n), -EINVAL);
        assert_int_equal(apply_renames_parse("a>b c>d e>f", rn, 2, &n), -E2BIG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_true),
                cmocka_unit_test(test_false),
                cmocka_unit_test(test_missing),
                cmocka_unit_test(test_timeout_kills),
                cmocka_unit_test(test_output_bounded),
                cmocka_unit_test(test_free_while_running),
                cmocka_unit_test(test_bad_request),
                cmocka_unit_test(test_renames_parse),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
