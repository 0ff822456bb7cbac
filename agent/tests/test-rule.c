/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/rule.h"

static void test_catalogue(void **state) {
        (void) state;
        for (int i = 0; i < _RULE_ID_MAX; i++) {
                const rule_info *r = rule_get((rule_id) i);
                char code[8];

                assert_non_null(r);
                snprintf(code, sizeof(code), "NG%03d", i + 1);
                assert_string_equal(r->code, code);
                assert_int_equal(rule_from_string(r->code), i);
                assert_int_equal(rule_from_string(r->name), i);
                assert_non_null(strstr(r->explanation, "Fix:"));
                assert_true(strlen(r->summary) > 10);
        }
        assert_null(rule_get(_RULE_ID_MAX));
        assert_null(rule_get(_RULE_ID_INVALID));
        assert_int_equal(rule_from_string("ng002"), RULE_MANAGEMENT_UNADDRESSED);
        assert_int_equal(rule_from_string("NG009"), RULE_MANAGEMENT_UNRENDERED);
        assert_int_equal(rule_from_string("NG010"), RULE_MANAGEMENT_MAC_CHANGES);
        assert_int_equal(rule_from_string("NG011"), _RULE_ID_INVALID);
        assert_int_equal(rule_from_string(NULL), _RULE_ID_INVALID);
        assert_int_equal(rule_get(RULE_MANAGEMENT_ADDRESS_MOVES)->severity, RULE_SEVERITY_WARNING);
        assert_int_equal(rule_get(RULE_MANAGEMENT_RENAMED)->severity, RULE_SEVERITY_WARNING);
        assert_int_equal(rule_get(RULE_DHCP_IDENTITY_CHANGES)->severity, RULE_SEVERITY_WARNING);
        assert_int_equal(rule_get(RULE_HOST_UNREACHABLE)->severity, RULE_SEVERITY_ERROR);
        assert_string_equal(rule_severity_to_string(RULE_SEVERITY_ERROR), "error");
        assert_string_equal(rule_severity_to_string(RULE_SEVERITY_WARNING), "warning");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_catalogue),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
