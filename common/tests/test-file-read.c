/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/file-read.h"
#include "common/strv.h"

static char dir[] = "/tmp/test-file-read.XXXXXX";

static char *path_in(const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

static void write_file(const char *name, const char *data, size_t n) {
        _cleanup_free_ char *p = path_in(name);
        FILE *f = fopen(p, "we");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        (void) state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        static const char *const names[] = { "small", "big", "link", "fifo", "empty" };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = path_in(names[i]);
                (void) unlink(p);
        }
        return rmdir(dir);
}

static void test_read(void **state) {
        _cleanup_free_ char *small = path_in("small"), *big = path_in("big"), *link = path_in("link"),
                            *fifo = path_in("fifo"), *empty = path_in("empty");
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 99;
        char *none = NULL;

        (void) state;
        write_file("small", "a: 1\n", 5);
        write_file("big", "0123456789", 10);
        write_file("empty", "", 0);
        assert_int_equal(symlink(small, link), 0);
        assert_int_equal(mkfifo(fifo, 0600), 0);

        assert_int_equal(read_file_bounded(small, 5, 0, &buf, &n, &st), 0);
        assert_int_equal(n, 5);
        assert_string_equal(buf, "a: 1\n");
        assert_true(S_ISREG(st.st_mode));
        buf = mfree(buf);

        assert_int_equal(read_file_bounded(empty, 5, 0, &buf, &n, NULL), 0);
        assert_int_equal(n, 0);
        assert_string_equal(buf, "");
        buf = mfree(buf);

        assert_int_equal(read_file_bounded(big, 9, 0, &none, NULL, NULL), -EFBIG);
        assert_int_equal(read_file_bounded(link, 100, 0, &none, NULL, NULL), -ELOOP);
        assert_int_equal(read_file_bounded(link, 100, READ_FILE_FOLLOW, &buf, NULL, NULL), 0);
        assert_string_equal(buf, "a: 1\n");
        /* a FIFO with no writer would block a plain open(): refused at once */
        assert_int_equal(read_file_bounded(fifo, 100, 0, &none, NULL, NULL), -EBADFD);
        assert_int_equal(read_file_bounded(dir, 100, 0, &none, NULL, NULL), -EISDIR);
        assert_int_equal(read_file_bounded("/nonexistent/x", 100, 0, &none, NULL, NULL), -ENOENT);
        assert_null(none);
}

static void test_strv(void **state) {
        _cleanup_strv_free_ char **v = NULL;

        (void) state;
        assert_int_equal(strv_length(v), 0);
        assert_false(strv_contains(v, "a"));
        assert_int_equal(strv_push(&v, "a"), 0);
        assert_int_equal(strv_push(&v, "bc"), 0);
        assert_int_equal(strv_length(v), 2);
        assert_true(strv_contains(v, "bc"));
        assert_false(strv_contains(v, "b"));
        assert_null(v[2]);
        assert_null(strv_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read),
                cmocka_unit_test(test_strv),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
