/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/ether-addr.h"
#include "common/ip-addr.h"

static void test_ip_addr_parse(void **state) {
        ip_addr a = { .family = 99 };
        char buf[IP_PREFIX_STRLEN];

        (void) state;
        assert_int_equal(ip_addr_from_string("192.0.2.7", AF_UNSPEC, &a), 0);
        assert_int_equal(a.family, AF_INET);
        assert_int_equal(a.prefixlen, 32);
        assert_int_equal(ip_addr_from_string("2001:db8::1", AF_UNSPEC, &a), 0);
        assert_int_equal(a.family, AF_INET6);
        assert_int_equal(a.prefixlen, 128);
        assert_int_equal(ip_addr_from_string("2001:db8::1", AF_INET, &a), -EINVAL);
        assert_int_equal(ip_addr_from_string("192.0.2.7/24", AF_UNSPEC, &a), -EINVAL);
        assert_int_equal(ip_addr_from_string("", AF_UNSPEC, &a), -EINVAL);
        assert_int_equal(ip_addr_from_string(NULL, AF_UNSPEC, &a), -EINVAL);
        assert_int_equal(a.family, AF_INET6); /* untouched on failure */

        assert_int_equal(ip_prefix_from_string("192.0.2.7/24", AF_UNSPEC, true, &a), 0);
        assert_int_equal(a.prefixlen, 24);
        assert_int_equal(ip_prefix_to_string(&a, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "192.0.2.7/24");
        assert_int_equal(ip_addr_to_string(&a, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "192.0.2.7");
        assert_int_equal(ip_prefix_from_string("192.0.2.7/33", AF_UNSPEC, true, &a), -ERANGE);
        assert_int_equal(ip_prefix_from_string("192.0.2.7/", AF_UNSPEC, true, &a), -EINVAL);
        assert_int_equal(ip_prefix_from_string("192.0.2.7/-1", AF_UNSPEC, true, &a), -EINVAL);
        assert_int_equal(ip_prefix_from_string("192.0.2.7", AF_UNSPEC, true, &a), -EINVAL);
        assert_int_equal(ip_prefix_from_string("192.0.2.7", AF_UNSPEC, false, &a), 0);
        assert_int_equal(a.prefixlen, 32);
        assert_int_equal(ip_prefix_from_string("2001:db8::5/64", AF_INET6, true, &a), 0);
        assert_int_equal(ip_prefix_to_string(&a, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "2001:db8::5/64");
        assert_int_equal(ip_prefix_to_string(&a, buf, 10), -ENOSPC);
        assert_int_equal(ip_prefix_from_string("2001:db8::5/129", AF_INET6, true, &a), -ERANGE);
}

static void test_ip_prefix_contains(void **state) {
        ip_addr net, in, out, v6;

        (void) state;
        assert_int_equal(ip_prefix_from_string("192.0.2.0/25", AF_UNSPEC, true, &net), 0);
        assert_int_equal(ip_addr_from_string("192.0.2.127", AF_UNSPEC, &in), 0);
        assert_int_equal(ip_addr_from_string("192.0.2.128", AF_UNSPEC, &out), 0);
        assert_int_equal(ip_addr_from_string("2001:db8::1", AF_UNSPEC, &v6), 0);
        assert_true(ip_prefix_contains(&net, &in));
        assert_false(ip_prefix_contains(&net, &out));
        assert_false(ip_prefix_contains(&net, &v6));
        net.prefixlen = 0;
        assert_true(ip_prefix_contains(&net, &out));

        assert_int_equal(ip_prefix_from_string("2001:db8:0:1::9/63", AF_UNSPEC, true, &net), 0);
        assert_int_equal(ip_addr_from_string("2001:db8::1", AF_UNSPEC, &in), 0);
        assert_true(ip_prefix_contains(&net, &in));
        assert_int_equal(ip_addr_from_string("2001:db8:0:2::1", AF_UNSPEC, &out), 0);
        assert_false(ip_prefix_contains(&net, &out));
        assert_false(ip_addr_equal(&in, &out));
        assert_true(ip_addr_equal(&in, &in));

        /* byte-boundary and mid-byte prefixes */
        assert_int_equal(ip_prefix_from_string("192.0.2.58/26", AF_UNSPEC, true, &net), 0);
        assert_int_equal(ip_addr_from_string("192.0.2.1", AF_UNSPEC, &in), 0);
        assert_int_equal(ip_addr_from_string("192.0.2.64", AF_UNSPEC, &out), 0);
        assert_true(ip_prefix_contains(&net, &in));
        assert_false(ip_prefix_contains(&net, &out));
        net.prefixlen = 32;
        assert_false(ip_prefix_contains(&net, &in));
        net.prefixlen = 33;
        assert_false(ip_prefix_contains(&net, &net));
        assert_int_equal(ip_prefix_from_string("2001:db8:1::5/46", AF_UNSPEC, true, &net), 0);
        assert_int_equal(ip_addr_from_string("2001:db8:2::1", AF_UNSPEC, &in), 0);
        assert_true(ip_prefix_contains(&net, &in));
        net.prefixlen = 47;
        assert_false(ip_prefix_contains(&net, &in));
}

static void test_ip_addr_subnet(void **state) {
        ip_addr a, s, want;
        char buf[IP_PREFIX_STRLEN];

        (void) state;
        assert_int_equal(ip_prefix_from_string("198.51.100.77/20", AF_UNSPEC, true, &a), 0);
        s = ip_addr_subnet(&a);
        assert_int_equal(ip_prefix_to_string(&s, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "198.51.96.0/20");
        assert_int_equal(ip_prefix_from_string("2001:db8:ab:cdef::1/52", AF_UNSPEC, true, &a), 0);
        s = ip_addr_subnet(&a);
        assert_int_equal(ip_prefix_from_string("2001:db8:ab:c000::/52", AF_UNSPEC, true, &want), 0);
        assert_true(ip_addr_equal(&s, &want));
        assert_int_equal(ip_addr_from_string("fe80::1", AF_UNSPEC, &a), 0);
        assert_true(ip_addr_is_link_local(&a));
        assert_false(ip_addr_is_link_local(&want));
        assert_true(ip_addr_is_set(&a));
        assert_false(ip_addr_is_set(&(ip_addr) {}));
}

static void test_ip_addr_from_bytes(void **state) {
        static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8 };
        ip_addr a;

        (void) state;
        assert_int_equal(ip_addr_from_bytes(AF_INET6, b, 32, &a), 0);
        assert_int_equal(a.prefixlen, 32);
        assert_memory_equal(a.bytes, b, 16);
        assert_int_equal(ip_addr_from_bytes(AF_INET, b, 33, &a), -ERANGE);
        assert_int_equal(ip_addr_from_bytes(AF_UNIX, b, 0, &a), -EAFNOSUPPORT);
        assert_int_equal(ip_family_size(AF_INET), 4);
        assert_int_equal(ip_family_bits(AF_INET6), 128);
}

static void test_ether_addr(void **state) {
        uint8_t mac[6] = {};
        char buf[ETHER_ADDR_STRLEN];

        (void) state;
        assert_true(ether_addr_is_zero(mac));
        assert_int_equal(ether_addr_from_string("52:54:00:AB:cd:0f", mac), 0);
        assert_string_equal(ether_addr_to_string(mac, buf), "52:54:00:ab:cd:0f");
        assert_false(ether_addr_is_zero(mac));
        assert_int_equal(ether_addr_from_string("52:54:00:ab:cd", mac), -EINVAL);
        assert_int_equal(ether_addr_from_string("52-54-00-ab-cd-0f", mac), -EINVAL);
        assert_int_equal(ether_addr_from_string("52:54:00:ab:cd:0g", mac), -EINVAL);
        assert_int_equal(ether_addr_from_string("52:54:00:ab:cd:0f:", mac), -EINVAL);
        assert_int_equal(ether_addr_from_string(NULL, mac), -EINVAL);
        assert_string_equal(ether_addr_to_string(mac, buf), "52:54:00:ab:cd:0f");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ip_addr_parse),
                cmocka_unit_test(test_ip_prefix_contains),
                cmocka_unit_test(test_ip_addr_subnet),
                cmocka_unit_test(test_ip_addr_from_bytes),
                cmocka_unit_test(test_ether_addr),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
