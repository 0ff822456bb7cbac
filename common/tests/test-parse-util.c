/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/parse-util.h"

static void test_parse_u64(void **state) {
        uint64_t v = 7;

        (void) state;
        assert_int_equal(parse_u64("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_u64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        v = 7;
        assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(v, 7);
        assert_int_equal(parse_u64("", &v), -EINVAL);
        assert_int_equal(parse_u64("-1", &v), -EINVAL);
        assert_int_equal(parse_u64(" 1", &v), -EINVAL);
        assert_int_equal(parse_u64("1x", &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_parse_range_u32(void **state) {
        uint32_t v = 9;

        (void) state;
        assert_int_equal(parse_range_u32("32", 1, 32, &v), 0);
        assert_int_equal(v, 32);
        assert_int_equal(parse_range_u32("33", 1, 32, &v), -ERANGE);
        assert_int_equal(parse_range_u32("0", 1, 32, &v), -ERANGE);
        assert_int_equal(parse_u32("4294967296", &v), -ERANGE);
        assert_int_equal(v, 32);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_u64),
                cmocka_unit_test(test_parse_range_u32),
        };
        return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
