/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostwatch/network.h"

static ip_addr addr(const char *s) {
        ip_addr a;
        assert_int_equal(ip_addr_from_string(s, AF_UNSPEC, &a), 0);
        return a;
}

static bool in(const Networks *n, const char *s) {
        ip_addr a = addr(s);
        return networks_contain(n, &a);
}

static void test_filter(void **state) {
        const char *const v[] = { "192.0.2.0/24", "2001:db8::/64", "198.51.100.7/30", NULL };
        Networks n;

        assert_int_equal(networks_parse(v, &n), 0);
        assert_int_equal(n.n, 3);
        assert_true(in(&n, "192.0.2.58"));
        assert_true(in(&n, "192.0.2.255"));
        assert_false(in(&n, "192.0.3.1"));
        assert_false(in(&n, "203.0.113.5"));
        assert_true(in(&n, "2001:db8::10"));
        assert_false(in(&n, "2001:db8:1::10"));
        /* a host part in the configured prefix is cleared: .4-.7 */
        assert_true(in(&n, "198.51.100.4"));
        assert_false(in(&n, "198.51.100.8"));
        /* never link-local, never across families */
        assert_false(in(&n, "fe80::5054:ff:fe12:3456"));
        assert_false(in(&n, "::ffff:192.0.2.58"));
        assert_false(networks_contain(&n, &(ip_addr) {}));
}

static void test_parse_errors(void **state) {
        const char *const no_len[] = { "192.0.2.0", NULL };
        const char *const junk[] = { "192.0.2.0/33", NULL };
        const char *const text[] = { "vm-net", NULL };
        const char *many[NETWORKS_MAX + 2];
        Networks n = { .n = 99 };

        assert_int_equal(networks_parse(no_len, &n), -EINVAL);
        assert_int_equal(networks_parse(junk, &n), -EINVAL);
        assert_int_equal(networks_parse(text, &n), -EINVAL);
        assert_int_equal(networks_parse(NULL, &n), -ENOENT);
        for (size_t i = 0; i < NETWORKS_MAX + 1; i++)
                many[i] = "192.0.2.0/24";
        many[NETWORKS_MAX + 1] = NULL;
        assert_int_equal(networks_parse(many, &n), -E2BIG);
        assert_int_equal(n.n, 99);      /* untouched on failure */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_filter),
                cmocka_unit_test(test_parse_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
