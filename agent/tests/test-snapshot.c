/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/tests/live-fixture.h"
#include "agent/snapshot.h"

static void build(const live_state *s, const agent_config *cfg, ProtoAddresses *ret) {
        size_t dropped = 99;

        assert_int_equal(snapshot_build(s, cfg, NULL, ret, &dropped), 0);
        assert_int_equal(dropped, 0);
}

static void test_dhcp_guest(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        ProtoAddresses a = {};
        uint8_t buf[PROTO_FRAME_MAX];
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES, .seq = 1 };

        (void) state;
        build(s, NULL, &a);
        assert_int_equal(a.n_links, 2);
        assert_string_equal(a.links[0].name, "lo");
        assert_int_equal(a.links[0].flags, 0);
        assert_string_equal(a.links[1].name, "gv");
        assert_int_equal(a.links[1].index, 2);
        assert_int_equal(a.links[1].hwaddr_len, 6);
        assert_memory_equal(a.links[1].hwaddr, GV_MAC, 6);
        /* No config: the link holding the default route is the management link. */
        assert_int_equal(a.links[1].flags, PROTO_LINK_MANAGEMENT);
        assert_int_equal(a.links[1].n_addresses, 1);
        assert_true(ip_addr_equal(&a.links[1].addresses[0].address, &(ip_addr) { .family = AF_INET, .bytes = { 192, 0, 2, 58 } }));
        assert_int_equal(a.links[1].addresses[0].address.prefixlen, 24);
        assert_int_equal(a.links[1].addresses[0].valid_lft, 3600);

        /* What we build is what the protocol accepts. */
        m.addresses = a;
        assert_true(proto_message_encode(&m, buf, sizeof(buf)) > 0);
        snapshot_done(&a);
        snapshot_done(&a);
}

static void test_management_from_config(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        _cleanup_(agent_config_freep) agent_config *cfg = NULL;
        static const char text[] = "management: { name: lo }\n";
        ProtoAddresses a = {};

        (void) state;
        assert_int_equal(agent_config_parse("agent.yaml", text, sizeof(text) - 1, &cfg, NULL), 0);
        build(s, cfg, &a);
        assert_int_equal(a.links[0].flags, PROTO_LINK_MANAGEMENT);
        assert_int_equal(a.links[1].flags, 0);
        snapshot_done(&a);
}

static void test_sorted_and_no_management(void **state) {
        _cleanup_(live_state_freep) live_state *s = live_state_new();
        ProtoAddresses a = {};

        (void) state;
        add_link(s, 7, "eth1", ARPHRD_ETHER, GV_MAC);
        add_link(s, 1, "lo", ARPHRD_LOOPBACK, NULL);
        add_addr(s, 1, "127.0.0.1/8", false);
        build(s, NULL, &a);
        assert_int_equal(a.n_links, 2);
        assert_int_equal(a.links[0].index, 1);
        assert_int_equal(a.links[1].index, 7);
        /* No route, no global address on an Ethernet link: nothing is flagged. */
        assert_int_equal(a.links[0].flags | a.links[1].flags, 0);
        snapshot_done(&a);
}

static void test_equal(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp(), *t = guest_on_dhcp(), *u = guest_on_dhcp();
        _cleanup_(live_state_freep) live_state *v = guest_static();
        ProtoAddresses a = {}, b = {}, c = {}, d = {};

        (void) state;
        build(s, NULL, &a);
        /* A lease that counted down a minute is the same state. */
        t->addresses[1].valid_lft -= 60;
        t->addresses[1].preferred_lft -= 60;
        build(t, NULL, &b);
        b.snapshot = 42;
        assert_true(snapshot_equal(&a, &b));
        assert_true(snapshot_equal(&b, &a));

        /* An address added, a link down, a lease turned static: each is a change. */
        add_addr(u, 2, "2001:db8::58/64", false);
        build(u, NULL, &c);
        assert_false(snapshot_equal(&a, &c));
        build(v, NULL, &d);
        assert_false(snapshot_equal(&a, &d));
        snapshot_done(&c);
        u->links[1].operstate = PROTO_OPER_DOWN;
        build(u, NULL, &c);
        assert_false(snapshot_equal(&a, &c));
        snapshot_done(&b);
        t->addresses[1].preferred_lft = 0;     /* deprecated */
        build(t, NULL, &b);
        assert_false(snapshot_equal(&a, &b));
        assert_false(snapshot_equal(&a, NULL));

        snapshot_done(&a);
        snapshot_done(&b);
        snapshot_done(&c);
        snapshot_done(&d);
}

/* Version 2 fields: the permanent MAC where the kernel has one, the default routes only,
 * in a fixed order, and a changed default route is a changed snapshot. */
static void test_v2_fields(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp(), *t = guest_on_dhcp();
        static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
        ProtoAddresses a = {}, b = {};
        uint8_t buf[PROTO_FRAME_MAX];
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES, .seq = 1 }, d = {};
        ProtoFrame f;
        int n;

        (void) state;
        add_link(s, 3, "veth0", ARPHRD_ETHER, other_mac);
        s->links[2].has_perm_mac = false;       /* what live.c makes of a veth's zeros */
        add_route(s, 2, NULL, "2001:db8::1", RTPROT_RA);
        add_route(s, 3, NULL, NULL, RTPROT_STATIC);
        s->routes[s->n_routes - 1].metric = 50;
        add_route(s, 3, "198.51.100.0/24", "192.0.2.9", RTPROT_STATIC);        /* not a default */
        add_route(s, 0, NULL, NULL, RTPROT_STATIC);                             /* no link: left out */
        build(s, NULL, &a);

        assert_int_equal(a.links[1].permanent_hwaddr_len, 6);
        assert_memory_equal(a.links[1].permanent_hwaddr, GV_MAC, 6);            /* equal to hwaddr: sent */
        assert_int_equal(a.links[2].permanent_hwaddr_len, 0);
        assert_int_equal(a.links[0].permanent_hwaddr_len, 0);
        assert_int_equal(a.n_routes, 3);
        /* family, then metric: the static IPv4 route (50) before the DHCP one (100). */
        assert_int_equal(a.routes[0].family, PROTO_FAMILY_IPV4);
        assert_int_equal(a.routes[0].ifindex, 3);
        assert_int_equal(a.routes[0].gateway.family, AF_UNSPEC);
        assert_int_equal(a.routes[0].protocol, RTPROT_STATIC);
        assert_int_equal(a.routes[1].ifindex, 2);
        assert_true(ip_addr_equal(&a.routes[1].gateway, &(ip_addr) { .family = AF_INET, .bytes = { 192, 0, 2, 1 } }));
        assert_int_equal(a.routes[1].metric, 100);
        assert_int_equal(a.routes[1].protocol, RTPROT_DHCP);
        assert_int_equal(a.routes[2].family, PROTO_FAMILY_IPV6);
        assert_int_equal(a.routes[2].protocol, RTPROT_RA);

        /* What we build is what the protocol accepts, and comes back as built. */
        m.addresses = a;
        n = proto_message_encode(&m, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(proto_frame_parse(buf, n, &f), 0);
        assert_int_equal(proto_message_decode(&f, &d), 0);
        assert_true(snapshot_equal(&a, &d.addresses));
        proto_message_done(&d);

        /* The same routes dumped in another order: the same snapshot. */
        add_link(t, 3, "veth0", ARPHRD_ETHER, other_mac);
        t->links[2].has_perm_mac = false;
        add_route(t, 3, NULL, NULL, RTPROT_STATIC);
        t->routes[t->n_routes - 1].metric = 50;
        add_route(t, 2, NULL, "2001:db8::1", RTPROT_RA);
        build(t, NULL, &b);
        assert_true(snapshot_equal(&a, &b));
        snapshot_done(&b);

        /* Another gateway, another metric, a route gone, another permanent MAC: changes. */
        t->routes[1].gateway = ip("192.0.2.2");
        build(t, NULL, &b);
        assert_false(snapshot_equal(&a, &b));
        snapshot_done(&b);
        t->routes[1].gateway = ip("192.0.2.1");
        t->routes[2].metric = 10;
        build(t, NULL, &b);
        assert_false(snapshot_equal(&a, &b));
        snapshot_done(&b);
        t->routes[2].metric = 50;
        t->n_routes--;
        build(t, NULL, &b);
        assert_false(snapshot_equal(&a, &b));
        snapshot_done(&b);
        t->n_routes++;
        build(t, NULL, &b);
        assert_true(snapshot_equal(&a, &b));
        snapshot_done(&b);
        t->links[1].perm_mac[5] ^= 1;
        build(t, NULL, &b);
        assert_false(snapshot_equal(&a, &b));
        snapshot_done(&b);

        snapshot_done(&a);
        assert_null(a.routes);
        assert_int_equal(a.n_routes, 0);
}

static void test_routes_cap(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        ProtoAddresses a = {};
        size_t dropped = 0;

        (void) state;
        for (int i = 0; i < PROTO_ROUTES_MAX + 5; i++) {
                add_route(s, 2, NULL, "192.0.2.1", RTPROT_STATIC);
                s->routes[s->n_routes - 1].metric = 1000 + (uint32_t) i;
        }
        assert_int_equal(snapshot_build(s, NULL, NULL, &a, &dropped), 0);
        assert_int_equal(a.n_routes, PROTO_ROUTES_MAX);
        assert_int_equal(dropped, 6);   /* the fixture's own default route is the 70th */
        snapshot_done(&a);
}

static void test_caps(void **state) {
        _cleanup_(live_state_freep) live_state *s = live_state_new();
        ProtoAddresses a = {};
        size_t dropped = 0;
        char name[IF_NAMESIZE], addr[64];
        uint8_t buf[PROTO_FRAME_MAX];
        ProtoMessage m = { .type = PROTO_TYPE_ADDRESSES, .seq = 1 };
        int r;

        (void) state;
        for (int i = 1; i <= PROTO_LINKS_MAX + 10; i++) {
                snprintf(name, sizeof(name), "veth%d", i);
                add_link(s, i, name, ARPHRD_ETHER, GV_MAC);
        }
        /* 100 on link 1 (64 fit), then 8 on each next link until the total cap bites. */
        for (int i = 0; i < 100; i++) {
                snprintf(addr, sizeof(addr), "2001:db8::%x/64", i + 1);
                add_addr(s, 1, addr, false);
        }
        for (int l = 2; l <= 200; l++)
                for (int i = 0; i < 8; i++) {
                        snprintf(addr, sizeof(addr), "2001:db8:%x::%x/64", l, i + 1);
                        add_addr(s, l, addr, false);
                }
        assert_int_equal(snapshot_build(s, NULL, NULL, &a, &dropped), 0);
        assert_int_equal(a.n_links, PROTO_LINKS_MAX);
        assert_int_equal(a.links[0].n_addresses, PROTO_LINK_ADDRESSES_MAX);
        size_t total = 0;
        for (size_t i = 0; i < a.n_links; i++)
                total += a.links[i].n_addresses;
        assert_int_equal(total, PROTO_ADDRESSES_MAX);
        assert_int_equal(dropped, 10 + (100 + 199 * 8 - PROTO_ADDRESSES_MAX));
        /* Within the caps, yet too big for one frame: the caller learns it from encode. */
        m.addresses = a;
        r = proto_message_encode(&m, buf, sizeof(buf));
        assert_true(r > 0 || r == -E2BIG);
        snapshot_done(&a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dhcp_guest),
                cmocka_unit_test(test_management_from_config),
                cmocka_unit_test(test_sorted_and_no_management),
                cmocka_unit_test(test_equal),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_v2_fields),
                cmocka_unit_test(test_routes_cap),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
