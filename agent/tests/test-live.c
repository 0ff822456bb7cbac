/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
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

static const live_address *find_address(const live_state *s, const char *prefix) {
        ip_addr want;

        assert_int_equal(ip_prefix_from_string(prefix, AF_UNSPEC, true, &want), 0);
        for (size_t i = 0; i < s->n_addresses; i++)
                if (ip_addr_equal(&s->addresses[i].addr, &want) && s->addresses[i].addr.prefixlen == want.prefixlen)
                        return &s->addresses[i];
        return NULL;
}

static const live_route *find_default(const live_state *s, int family) {
        for (size_t i = 0; i < s->n_routes; i++)
                if (s->routes[i].dst.family == family && s->routes[i].dst.prefixlen == 0)
                        return &s->routes[i];
        return NULL;
}

/* What the kernel holds, read back field by field, in a network namespace of the test's
 * own (root only; gone with the process): a veth pair, addresses of both families with a
 * lifetime, a point-to-point peer, default routes with gateways and metrics, a master. */
static void test_read_namespace(void **state) {
        _cleanup_(live_state_freep) live_state *s = NULL;
        const live_link *v0, *v1, *br;
        const live_address *a;
        const live_route *r;
        ip_addr gw;

        (void) state;
        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
                skip();
        assert_int_equal(system("set -e; exec >/dev/null 2>&1; ip link set lo up;"
                                "ip link add v0 address 02:00:00:00:00:10 type veth peer name v1;"
                                "ip link add br0 type bridge; ip link set v1 master br0;"
                                "ip link set v0 up; ip link set v1 up; ip link set br0 up;"
                                "ip addr add 192.0.2.10/24 dev v0;"
                                "ip addr add 198.51.100.7 peer 198.51.100.8/32 dev v0;"
                                "ip -6 addr add 2001:db8::10/64 dev v0 nodad valid_lft 3000 preferred_lft 2000;"
                                "ip route add default via 192.0.2.1 dev v0 metric 100;"
                                "ip -6 route add default via 2001:db8::1 dev v0 metric 50;"
                                "ip route add 203.0.113.0/24 via 192.0.2.254 dev v0 table 100"),
                         0);
        assert_int_equal(live_state_read(&s), 0);

        v0 = live_state_link_by_name(s, "v0");
        v1 = live_state_link_by_name(s, "v1");
        br = live_state_link_by_name(s, "br0");
        assert_non_null(v0);
        assert_non_null(v1);
        assert_non_null(br);
        assert_string_equal(v0->kind, "veth");
        assert_string_equal(br->kind, "bridge");
        assert_int_equal(v0->arptype, ARPHRD_ETHER);
        assert_true(v0->has_mac);
        assert_memory_equal(v0->mac, ((const uint8_t[]) { 2, 0, 0, 0, 0, 0x10 }), 6);
        assert_false(v0->has_perm_mac);         /* veth: all zeros */
        assert_string_equal(v0->driver, "veth");
        assert_int_equal(v1->master, br->ifindex);
        assert_int_equal(v0->master, 0);
        assert_true(v0->flags & IFF_UP);

        a = find_address(s, "192.0.2.10/24");
        assert_non_null(a);
        assert_int_equal(a->ifindex, v0->ifindex);
        assert_int_equal(a->scope, RT_SCOPE_UNIVERSE);
        assert_true(a->flags & IFA_F_PERMANENT);
        assert_int_equal(a->valid_lft, UINT32_MAX);
        assert_false(live_address_is_dynamic(a));
        /* a point-to-point address is our end, not the peer's */
        assert_non_null(find_address(s, "198.51.100.7/32"));
        assert_null(find_address(s, "198.51.100.8/32"));
        a = find_address(s, "2001:db8::10/64");
        assert_non_null(a);
        assert_true(a->flags & IFA_F_NODAD);
        assert_true(a->valid_lft > 0 && a->valid_lft <= 3000);
        assert_true(a->preferred_lft > 0 && a->preferred_lft <= 2000);
        assert_true(live_address_is_dynamic(a));

        r = find_default(s, AF_INET);
        assert_non_null(r);
        assert_true(r->has_gateway);
        assert_int_equal(ip_prefix_from_string("192.0.2.1/32", AF_INET, true, &gw), 0);
        assert_true(ip_addr_equal(&r->gateway, &gw));
        assert_int_equal(r->oif, v0->ifindex);
        assert_int_equal(r->metric, 100);
        assert_int_equal(r->type, RTN_UNICAST);
        r = find_default(s, AF_INET6);
        assert_non_null(r);
        assert_true(r->has_gateway);
        assert_int_equal(ip_prefix_from_string("2001:db8::1/128", AF_INET6, true, &gw), 0);
        assert_true(ip_addr_equal(&r->gateway, &gw));
        assert_int_equal(r->metric, 50);
        /* the main table only */
        for (size_t i = 0; i < s->n_routes; i++)
                assert_false(s->routes[i].has_gateway && s->routes[i].dst.family == AF_INET &&
                             s->routes[i].dst.prefixlen == 24 && s->routes[i].gateway.in.s_addr == htonl(0xc00002fe));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_global),
                cmocka_unit_test(test_lookup),
                cmocka_unit_test(test_dynamic),
                cmocka_unit_test(test_read),
                cmocka_unit_test(test_read_namespace),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
