/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hostwatch/utf8.h"

static void test_valid(void **state) {
        static const char *const ok[] = {
                "", "guest1.example.org", "eth0", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "tab\there",
        };
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
                assert_true(utf8_is_valid(ok[i], strlen(ok[i])));
}

static void test_invalid(void **state) {
        static const char *const bad[] = {
                "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",   /* overlong */
                "\xed\xa0\x80", "\xed\xbf\xbf",                                         /* surrogates */
                "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xff", "\xfe", /* range */
                "\xc3", "\xe2\x82", "\xf0\x9f\x98",                                    /* truncated */
                "\xc3\x28", "\xe2\x28\xa1",                                            /* bad continuation */
                "line\nbreak", "esc\x1b[31m", "del\x7f",                              /* controls */
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
                assert_false(utf8_is_valid(bad[i], strlen(bad[i])));
        assert_false(utf8_is_valid("a\0b", 3));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
