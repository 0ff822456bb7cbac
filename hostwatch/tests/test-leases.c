/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/ether-addr.h"
#include "hostwatch/leases.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void assert_addr(const Lease *l, const char *s) {
        char buf[IP_PREFIX_STRLEN];
        assert_int_equal(ip_addr_to_string(&l->address, buf, sizeof buf), 0);
        assert_string_equal(buf, s);
}

static void test_dnsmasq(void **state) {
        const char text[] =
                "1764700000 52:54:00:12:34:56 192.0.2.58 guest 01:52:54:00:12:34:56\n"
                "1764700500 52:54:00:aa:bb:cc 192.0.2.60 other *\n"
                "1764709999 52:54:00:12:34:56 192.0.2.61 guest *\n"
                "0 52:54:00:12:34:56 192.0.2.62 * *\n"
                "duid 00:01:00:01:2c:5b:7e:1a:52:54:00:00:00:01\n"
                "1764700000 1234567 2001:db8::58 guest 00:04:aa:bb\n"
                "\n"
                "garbage line\n"
                "1764700000 52:54:00:12:34:56 not-an-address guest *\n"
                "1764700000 52:54:00:12:34:56 192.0.2.63";     /* no newline at the end */
        Lease l[8];
        size_t bad = 99;
        int n = leases_find(text, strlen(text), mac, l, 8, &bad);

        assert_int_equal(n, 4);
        assert_int_equal(bad, 2);
        assert_addr(&l[0], "192.0.2.62");      /* never expires: first */
        assert_addr(&l[1], "192.0.2.61");      /* then the latest expiry */
        assert_int_equal(l[1].expiry, 1764709999);
        /* .58 and .63 tie: either order */
        assert_int_equal(l[2].expiry, 1764700000);
        assert_int_equal(l[3].expiry, 1764700000);

        /* fewer slots than leases: the best ones kept, the count is still the total */
        n = leases_find(text, strlen(text), mac, l, 1, NULL);
        assert_int_equal(n, 4);
        assert_addr(&l[0], "192.0.2.62");
        assert_int_equal(leases_find("", 0, mac, l, 8, NULL), 0);
}

static void test_dnsmasq_long_line(void **state) {
        size_t size = LEASES_LINE_MAX + 100;
        char *text = malloc(size + 64);
        size_t bad = 0;
        Lease l[2];

        assert_non_null(text);
        memset(text, 'x', size);
        strcpy(text + size, "\n1 52:54:00:12:34:56 192.0.2.9 a *\n");
        assert_int_equal(leases_find(text, strlen(text), mac, l, 2, &bad), 1);
        assert_int_equal(bad, 1);
        free(text);
}

static void test_libvirt(void **state) {
        const char json[] =
                "[\n"
                "  { \"ip-address\": \"192.0.2.70\", \"mac-address\": \"52:54:00:12:34:56\",\n"
                "    \"hostname\": \"guest\", \"client-id\": \"01:52:54:00:12:34:56\", \"expiry-time\": 1764700000 },\n"
                "  { \"ip-address\": \"192.0.2.71\", \"mac-address\": \"52:54:00:12:34:56\", \"expiry-time\": 1764800000 },\n"
                "  { \"ip-address\": \"192.0.2.72\", \"mac-address\": \"52:54:00:ab:cd:ef\", \"expiry-time\": 1764900000 },\n"
                "  { \"ip-address\": \"2001:db8::9\", \"iaid\": \"1234\", \"client-id\": \"00:04:aa\", \"expiry-time\": 1 },\n"
                "  { \"ip-address\": 7, \"mac-address\": \"52:54:00:12:34:56\" }\n"
                "]\n";
        Lease l[4];
        size_t bad = 0;

        assert_int_equal(leases_find(json, strlen(json), mac, l, 4, &bad), 2);
        assert_int_equal(bad, 1);
        assert_addr(&l[0], "192.0.2.71");
        assert_addr(&l[1], "192.0.2.70");
        assert_int_equal(leases_find("[]", 2, mac, l, 4, NULL), 0);
}

static void test_libvirt_bad(void **state) {
        static const char *const bad[] = {
                "[", "[{\"ip-address\": \"192.0.2.1\"", "[1, 2]", "  [ \"x\" ]",
                "[[[[[[[[[[[[]]]]]]]]]]]]",     /* deeper than the flat format allows */
        };
        Lease l[1];

        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
                assert_int_equal(leases_find(bad[i], strlen(bad[i]), mac, l, 1, NULL), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dnsmasq),
                cmocka_unit_test(test_dnsmasq_long_line),
                cmocka_unit_test(test_libvirt),
                cmocka_unit_test(test_libvirt_bad),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
