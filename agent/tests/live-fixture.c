/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "agent/tests/live-fixture.h"

const uint8_t GV_MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

ip_addr ip(const char *s) {
        ip_addr a;

        assert_int_equal(ip_addr_from_string(s, AF_UNSPEC, &a), 0);
        return a;
}

ip_addr prefix(const char *s) {
        ip_addr a;

        assert_int_equal(ip_prefix_from_string(s, AF_UNSPEC, true, &a), 0);
        return a;
}

void add_link(live_state *s, int ifindex, const char *name, unsigned arptype, const uint8_t *mac) {
        live_link l = { .ifindex = ifindex, .arptype = arptype };

        snprintf(l.name, sizeof(l.name), "%s", name);
        /* a NIC's MAC, as virtio-net reports it: current and permanent */
        if (mac) {
                memcpy(l.mac, mac, 6);
                memcpy(l.perm_mac, mac, 6);
                l.has_mac = l.has_perm_mac = true;
        }
        assert_int_equal(live_state_add_link(s, &l), 0);
}

void add_addr(live_state *s, int ifindex, const char *addr_with_prefix, bool dynamic) {
        live_address la = {
                .ifindex = ifindex,
                .addr = prefix(addr_with_prefix),
                .scope = RT_SCOPE_UNIVERSE,
                .flags = dynamic ? 0 : IFA_F_PERMANENT,
                .valid_lft = dynamic ? 3600 : UINT32_MAX,
                .preferred_lft = dynamic ? 3600 : UINT32_MAX,
        };

        assert_int_equal(live_state_add_address(s, &la), 0);
}

void add_route(live_state *s, int ifindex, const char *dst_with_prefix, const char *gw, unsigned protocol) {
        live_route r = { .oif = ifindex, .protocol = protocol, .type = RTN_UNICAST, .metric = 100 };

        if (gw) {
                r.gateway = ip(gw);
                r.has_gateway = true;
        }
        if (dst_with_prefix)
                r.dst = prefix(dst_with_prefix);
        else
                r.dst = (ip_addr) { .family = gw ? r.gateway.family : AF_INET };
        assert_int_equal(live_state_add_route(s, &r), 0);
}

static live_state *guest(bool dhcp) {
        live_state *s = live_state_new();

        assert_non_null(s);
        add_link(s, 1, "lo", ARPHRD_LOOPBACK, NULL);
        add_link(s, 2, "gv", ARPHRD_ETHER, GV_MAC);
        if (dhcp)
                add_addr(s, 1, "127.0.0.1/8", false);
        add_addr(s, 2, "192.0.2.58/24", dhcp);
        add_route(s, 2, "192.0.2.0/24", NULL, RTPROT_KERNEL);
        add_route(s, 2, NULL, "192.0.2.1", dhcp ? RTPROT_DHCP : RTPROT_STATIC);
        return s;
}

live_state *guest_on_dhcp(void) {
        return guest(true);
}

live_state *guest_static(void) {
        return guest(false);
}
