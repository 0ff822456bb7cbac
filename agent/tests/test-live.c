/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "agent/live.h"

static void test_global(void **state) {
        live_address a = { .scope = RT_SCOPE_UNIVERSE };

        (void) state;
        assert_int_equal(ip_prefix_from_string("192.0.2.58/24", AF_UNSPEC, true, &a.addr), 0);
        assert_true(live_address_is_global(&a));
        assert_int_equal(ip_prefix_from_string("fe80::1/64", AF_UNSPEC, true, &a.addr), 0);
        assert_false(live_address_is_global(&a));
        assert_int_equal(ip_prefix_from_string("2001:db8::1/64", AF_UNSPEC, true, &a.addr), 0);
        assert_true(live_address_is_global(&a));
        a.scope = RT_SCOPE_HOST;
        assert_false(live_address_is_global(&a));
}

static void test_lookup(void **state) {
        _cleanup_(live_state_freep) live_state *s = live_state_new();
        live_link a = { .ifindex = 3, .name = "eth1", .has_mac = true, .mac = { 2, 0, 0, 0, 0, 1 } };
        live_link b = { .ifindex = 2, .name = "eth0", .has_mac = true, .mac = { 2, 0, 0, 0, 0, 9 },
                        .has_perm_mac = true, .perm_mac = { 2, 0, 0, 0, 0, 1 } };
        static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 }, m9[6] = { 2, 0, 0, 0, 0, 9 }, m7[6] = { 7 };

        (void) state;
        assert_int_equal(live_state_add_link(s, &a), 0);
        assert_int_equal(live_state_add_link(s, &b), 0);
        assert_string_equal(live_state_link_by_name(s, "eth1")->name, "eth1");
        assert_null(live_state_link_by_name(s, "eth2"));
        assert_int_equal(live_state_link_by_index(s, 2)->ifindex, 2);
        assert_null(live_state_link_by_index(s, 4));
        /* the permanent MAC wins over another link's current MAC */
        assert_string_equal(live_state_link_by_mac(s, m1)->name, "eth0");
        assert_string_equal(live_state_link_by_mac(s, m9)->name, "eth0");
        assert_null(live_state_link_by_mac(s, m7));
}

static void test_dynamic(void **state) {
        live_address a = { .addr.family = AF_INET, .flags = IFA_F_PERMANENT, .valid_lft = UINT32_MAX };
        live_address b = { .addr.family = AF_INET, .flags = 0, .valid_lft = 3600 };

        (void) state;
        assert_false(live_address_is_dynamic(&a));
        assert_true(live_address_is_dynamic(&b));
}

/* Reading the live state works in any namespace and always shows the loopback link. */
static void test_read(void **state) {
        _cleanup_(live_state_freep) live_state *s = NULL;
        const live_link *lo;

        (void) state;
        assert_int_equal(live_state_read(&s), 0);
        lo = live_state_link_by_name(s, "lo");
        assert_non_null(lo);
        assert_int_equal(lo->arptype, ARPHRD_LOOPBACK);
        assert_true(lo->ifindex > 0);
        for (size_t i = 0; i < s->n_routes; i++)
                assert_true(s->routes[i].dst.family == AF_INET || s->routes[i].dst.family == AF_INET6);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_global),
                cmocka_unit_test(test_lookup),
                cmocka_unit_test(test_dynamic),
                cmocka_unit_test(test_read),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
