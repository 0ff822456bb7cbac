/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which link is the management link and who the host is, in the order the architecture
 * page gives, on hand-built live states. */
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "agent/management.h"
#include "agent/tests/live-fixture.h"

static void test_resolve_mgmt(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        _cleanup_(agent_config_freep) agent_config *cfg = agent_config_new(), *hint = agent_config_new();
        _cleanup_free_ char *error = NULL;
        const live_link *l = NULL;
        mgmt_source src;

        (void) state;
        add_link(s, 3, "ens4", ARPHRD_ETHER, (const uint8_t[]) { 0x52, 0x54, 0, 0, 0, 4 });
        add_addr(s, 3, "198.51.100.7/24", false);

        assert_int_equal(management_resolve_link(s, "ens4", NULL, NULL, &l, &src, NULL), 0);
        assert_string_equal(l->name, "ens4");
        assert_int_equal(src, MGMT_SOURCE_OPTION);
        assert_int_equal(management_resolve_link(s, "52:54:00:00:00:04", NULL, NULL, &l, &src, NULL), 0);
        assert_string_equal(l->name, "ens4");
        assert_int_equal(management_resolve_link(s, "nope0", NULL, NULL, &l, &src, &error), -ENODEV);
        assert_non_null(strstr(error, "nope0"));

        /* agent config beats the default route */
        cfg->mgmt_name = strdup("ens4");
        assert_int_equal(management_resolve_link(s, NULL, cfg, NULL, &l, &src, NULL), 0);
        assert_string_equal(l->name, "ens4");
        assert_int_equal(src, MGMT_SOURCE_AGENT_CONFIG);
        /* the option beats the agent config */
        assert_int_equal(management_resolve_link(s, "gv", cfg, NULL, &l, &src, NULL), 0);
        assert_string_equal(l->name, "gv");

        /* the hint, then the IPv4 default route */
        hint->has_mgmt_mac = true;
        memcpy(hint->mgmt_mac, (const uint8_t[]) { 0x52, 0x54, 0, 0, 0, 4 }, 6);
        assert_int_equal(management_resolve_link(s, NULL, NULL, hint, &l, &src, NULL), 0);
        assert_int_equal(src, MGMT_SOURCE_HOST_HINT);
        assert_string_equal(l->name, "ens4");
        assert_int_equal(management_resolve_link(s, NULL, NULL, NULL, &l, &src, NULL), 0);
        assert_int_equal(src, MGMT_SOURCE_DEFAULT_ROUTE4);
        assert_string_equal(l->name, "gv");
}

static void test_resolve_mgmt_stale_hint(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        _cleanup_(agent_config_freep) agent_config *hint = agent_config_new();
        const live_link *l = NULL;
        mgmt_source src;

        (void) state;
        hint->mgmt_name = strdup("gone0");
        assert_int_equal(management_resolve_link(s, NULL, NULL, hint, &l, &src, NULL), 0);
        assert_int_equal(src, MGMT_SOURCE_DEFAULT_ROUTE4);
        assert_string_equal(l->name, "gv");
}

static void test_resolve_mgmt_fallbacks(void **state) {
        _cleanup_(live_state_freep) live_state *s = live_state_new();
        _cleanup_free_ char *error = NULL;
        const live_link *l = NULL;
        mgmt_source src;

        (void) state;
        add_link(s, 1, "lo", ARPHRD_LOOPBACK, NULL);
        add_addr(s, 1, "127.0.0.1/8", false);
        assert_int_equal(management_resolve_link(s, NULL, NULL, NULL, &l, &src, &error), -ENXIO);
        add_link(s, 5, "ens5", ARPHRD_ETHER, NULL);
        add_link(s, 4, "ens4", ARPHRD_ETHER, NULL);
        add_addr(s, 5, "198.51.100.5/24", false);
        add_addr(s, 4, "2001:db8::4/64", false);
        assert_int_equal(management_resolve_link(s, NULL, NULL, NULL, &l, &src, NULL), 0);
        assert_int_equal(src, MGMT_SOURCE_GLOBAL_ADDRESS);
        assert_string_equal(l->name, "ens4");
        add_route(s, 5, NULL, "2001:db8::1", RTPROT_RA);
        assert_int_equal(management_resolve_link(s, NULL, NULL, NULL, &l, &src, NULL), 0);
        assert_int_equal(src, MGMT_SOURCE_DEFAULT_ROUTE6);
        assert_string_equal(l->name, "ens5");
}

static void test_resolve_host(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        _cleanup_(agent_config_freep) agent_config *cfg = agent_config_new(), *hint = agent_config_new();
        const live_link *gv = live_state_link_by_name(s, "gv");
        host_peer h;
        ip_addr want;

        (void) state;
        assert_int_equal(management_resolve_host(s, gv, NULL, NULL, &h), 0);
        assert_int_equal(h.source, HOST_SOURCE_GATEWAY);
        want = ip("192.0.2.1");
        assert_true(ip_addr_equal(&h.addr, &want));
        assert_int_equal(h.addr.prefixlen, 32);
        assert_true(host_peer_is_specific(&h));

        hint->mgmt_host = ip("192.0.2.2");
        assert_int_equal(management_resolve_host(s, gv, cfg, hint, &h), 0);
        assert_int_equal(h.source, HOST_SOURCE_HOST_HINT);

        cfg->mgmt_host = ip("203.0.113.1");
        assert_int_equal(management_resolve_host(s, gv, cfg, hint, &h), 0);
        assert_int_equal(h.source, HOST_SOURCE_AGENT_CONFIG);
        want = ip("203.0.113.1");
        assert_true(ip_addr_equal(&h.addr, &want));
}

static void test_resolve_host_v6_gateway(void **state) {
        _cleanup_(live_state_freep) live_state *s = live_state_new();
        host_peer h;
        ip_addr want = ip("fe80::1");

        (void) state;
        add_link(s, 2, "gv", ARPHRD_ETHER, GV_MAC);
        add_addr(s, 2, "2001:db8::58/64", true);
        add_route(s, 2, NULL, "fe80::1", RTPROT_RA);
        assert_int_equal(management_resolve_host(s, live_state_link_by_name(s, "gv"), NULL, NULL, &h), 0);
        assert_int_equal(h.source, HOST_SOURCE_GATEWAY);
        assert_true(ip_addr_equal(&h.addr, &want));
}

static void test_resolve_host_subnet(void **state) {
        _cleanup_(live_state_freep) live_state *s = live_state_new();
        char buf[IP_PREFIX_STRLEN];
        host_peer h;

        (void) state;
        add_link(s, 2, "gv", ARPHRD_ETHER, GV_MAC);
        assert_int_equal(management_resolve_host(s, live_state_link_by_name(s, "gv"), NULL, NULL, &h), -ENXIO);
        add_addr(s, 2, "2001:db8::58/64", true);
        add_addr(s, 2, "192.0.2.58/24", true);
        assert_int_equal(management_resolve_host(s, live_state_link_by_name(s, "gv"), NULL, NULL, &h), 0);
        assert_int_equal(h.source, HOST_SOURCE_SUBNET);
        assert_false(host_peer_is_specific(&h));
        /* the subnet itself, typed: IPv4 first */
        assert_int_equal(ip_prefix_to_string(&h.addr, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "192.0.2.0/24");
}

static void test_describe(void **state) {
        _cleanup_(live_state_freep) live_state *s = guest_on_dhcp();
        _cleanup_(agent_config_freep) agent_config *cfg = agent_config_new();
        host_peer h = { .source = HOST_SOURCE_GATEWAY };
        char buf[256];

        (void) state;
        cfg->path = strdup("/etc/netguard/agent.yaml");
        cfg->has_mgmt_mac = true;
        assert_int_equal(mgmt_source_describe(MGMT_SOURCE_AGENT_CONFIG, cfg, NULL, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "management.macaddress in /etc/netguard/agent.yaml");
        assert_int_equal(mgmt_source_describe(MGMT_SOURCE_DEFAULT_ROUTE6, NULL, NULL, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "the link holding the IPv6 default route");
        assert_int_equal(mgmt_source_describe(MGMT_SOURCE_DEFAULT_ROUTE6, NULL, NULL, buf, 8), -ENOBUFS);
        assert_int_equal(host_source_describe(&h, live_state_link_by_name(s, "gv"), NULL, NULL, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "the default gateway on gv");
        for (int i = 0; i < _MGMT_SOURCE_MAX; i++)
                assert_non_null(mgmt_source_to_string(i));
        for (int i = 0; i < _HOST_SOURCE_MAX; i++)
                assert_non_null(host_source_to_string(i));
        assert_null(mgmt_source_to_string(_MGMT_SOURCE_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resolve_mgmt),
                cmocka_unit_test(test_resolve_mgmt_stale_hint),
                cmocka_unit_test(test_resolve_mgmt_fallbacks),
                cmocka_unit_test(test_resolve_host),
                cmocka_unit_test(test_resolve_host_v6_gateway),
                cmocka_unit_test(test_resolve_host_subnet),
                cmocka_unit_test(test_describe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
