/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fault.h"

/* Runs n passes over points a, b, a, b... in a child with $NETGUARD_FAULT=env; returns
 * how many points it passed before dying (or -1 if it finished). */
static int run(const char *env, int n) {
        int pipefd[2], status, passed = 0;
        pid_t pid;
        char c;

        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(pipefd[0]);
                if (env)
                        setenv(FAULT_ENV, env, 1);
                else
                        unsetenv(FAULT_ENV);
                fault_reset();
                for (int i = 0; i < n; i++) {
                        fault_point(i % 2 ? "test:b" : "test:a");
                        if (write(pipefd[1], "x", 1) != 1)
                                _exit(2);
                }
                _exit(0);
        }
        close(pipefd[1]);
        while (read(pipefd[0], &c, 1) == 1)
                passed++;
        close(pipefd[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 0)
                return -1;
        assert_int_equal(WEXITSTATUS(status), FAULT_EXIT_STATUS);
        return passed;
}

static void test_unset(void **state) {
        (void) state;
        assert_int_equal(run(NULL, 6), -1);
        assert_int_equal(run("", 6), -1);
        assert_int_equal(run("test:c", 6), -1);
}

static void test_first_time(void **state) {
        (void) state;
        assert_int_equal(run("test:a", 6), 0);
        assert_int_equal(run("test:b", 6), 1);
}

static void test_nth_time(void **state) {
        (void) state;
        assert_int_equal(run("test:a:1", 6), 0);
        assert_int_equal(run("test:a:2", 6), 2);
        assert_int_equal(run("test:b:3", 6), 5);
        assert_int_equal(run("test:b:4", 6), -1);
}

static void test_table(void **state) {
        size_t n = fault_point_count();

        (void) state;
        assert_true(n > 10);
        assert_null(fault_point_names[n]);
        for (size_t i = 0; i < n; i++) {
                assert_non_null(strchr(fault_point_names[i], ':'));
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(fault_point_names[i], fault_point_names[j]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unset),
                cmocka_unit_test(test_first_time),
                cmocka_unit_test(test_nth_time),
                cmocka_unit_test(test_table),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
