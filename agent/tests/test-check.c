/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Each rule of check.c triggered and not triggered, on hand-built definitions and live
 * states (no netlink, no files). */
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/check.h"
#include "agent/tests/live-fixture.h"

#define FILE_NAME "/etc/netplan/50-test.yaml"

#define MAX_DEFS 4
#define MAX_ITEMS 4

typedef struct fixture {
        live_state *live;
        np_netdef defs[MAX_DEFS];
        const np_netdef *defp[MAX_DEFS];
        size_t n;
        np_netdef old[MAX_DEFS];
        const np_netdef *oldp[MAX_DEFS];
        size_t n_old;
        bool has_old;
        np_address addrs[MAX_DEFS * 2][MAX_ITEMS];
        np_route routes[MAX_DEFS * 2][MAX_ITEMS];
        char *members[MAX_DEFS * 2][MAX_ITEMS + 1];
        host_peer host;
        bool nm;                        /* NetworkManager installed */
        check_result res;
} fixture;

static np_pos P(unsigned line, unsigned col) {
        return (np_pos) { FILE_NAME, line, col };
}

/* A definition named id (no match: matches by id), like netplan's resolved defaults. */
static np_netdef *def(fixture *f, bool old, const char *id, np_def_type type) {
        size_t *n = old ? &f->n_old : &f->n;
        np_netdef *d = old ? &f->old[*n] : &f->defs[*n];

        assert_true(*n < MAX_DEFS);
        *d = (np_netdef) {
                .id = (char *) id,
                .type = type,
                .pos = P(3 + 10 * (unsigned) *n, 5),
                .renderer = (char *) "networkd",
                .link_local_ipv6 = true,
                .addresses = f->addrs[(old ? MAX_DEFS : 0) + *n],
                .routes = f->routes[(old ? MAX_DEFS : 0) + *n],
        };
        if (old) {
                f->oldp[*n] = d;
                f->has_old = true;
        } else
                f->defp[*n] = d;
        (*n)++;
        return d;
}

static np_netdef *eth(fixture *f, const char *id) {
        return def(f, false, id, NP_DEF_ETHERNET);
}

static void dhcp4(np_netdef *d, bool on) {
        d->dhcp4 = on;
        d->dhcp4_pos = P(d->pos.line + 1, 7);
}

static void address(np_netdef *d, const char *text) {
        np_address *a = &d->addresses[d->n_addresses];

        assert_true(d->n_addresses < MAX_ITEMS);
        a->addr = prefix(text);
        a->text = (char *) text;
        a->pos = P(d->pos.line + 3, 11 + 2 * (unsigned) d->n_addresses);
        d->addresses_pos = P(d->pos.line + 2, 7);
        d->n_addresses++;
}

static void route(np_netdef *d, const char *to, const char *via) {
        np_route *r = &d->routes[d->n_routes];

        assert_true(d->n_routes < MAX_ITEMS);
        *r = (np_route) { .metric = UINT32_MAX, .has_via = true, .via = ip(via), .pos = P(d->pos.line + 5, 11) };
        r->family = r->via.family;
        if (strcmp(to, "default") == 0)
                r->to_default = true;
        else
                r->to = prefix(to);
        d->routes_pos = P(d->pos.line + 4, 7);
        d->n_routes++;
}

static void host_gateway(fixture *f, const char *gw) {
        f->host = (host_peer) { .source = HOST_SOURCE_GATEWAY, .addr = ip(gw) };
}

static void host_config(fixture *f, const char *h) {
        f->host = (host_peer) { .source = HOST_SOURCE_AGENT_CONFIG, .addr = ip(h) };
}

static int setup_dhcp(void **state) {
        fixture *f = calloc(1, sizeof(fixture));
        assert_non_null(f);
        f->live = guest_on_dhcp();
        host_gateway(f, "192.0.2.1");
        *state = f;
        return 0;
}

static int setup_static(void **state) {
        fixture *f = calloc(1, sizeof(fixture));
        assert_non_null(f);
        f->live = guest_static();
        host_gateway(f, "192.0.2.1");
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        check_result_clear(&f->res);
        live_state_free(f->live);
        free(f);
        return 0;
}

static void run_host(fixture *f, const host_peer *host) {
        check_input in = {
                .defs = f->defp,
                .n_defs = f->n,
                .old_known = f->has_old,
                .old_defs = f->oldp,
                .n_old_defs = f->n_old,
                .live = f->live,
                .mgmt = live_state_link_by_name(f->live, "gv"),
                .host = host,
                .fallback_file = FILE_NAME,
                .network_manager_present = f->nm,
        };
        assert_non_null(in.mgmt);
        check_result_clear(&f->res);
        assert_int_equal(check_run(&in, &f->res), 0);
}

static void run(fixture *f) {
        run_host(f, &f->host);
}

static const check_finding *find(const fixture *f, rule_id r) {
        for (size_t i = 0; i < f->res.n; i++)
                if (f->res.findings[i].rule == r)
                        return &f->res.findings[i];
        return NULL;
}

static void assert_clean(const fixture *f) {
        for (size_t i = 0; i < f->res.n; i++)
                print_message("unexpected %s: %s\n", rule_get(f->res.findings[i].rule)->code,
                              f->res.findings[i].message);
        assert_int_equal(f->res.n, 0);
}

static void assert_only(const fixture *f, rule_id r) {
        for (size_t i = 0; i < f->res.n; i++)
                if (f->res.findings[i].rule != r)
                        print_message("unexpected %s: %s\n", rule_get(f->res.findings[i].rule)->code,
                                      f->res.findings[i].message);
        assert_int_equal(f->res.n, 1);
        assert_int_equal(f->res.findings[0].rule, r);
}

/* ---- the safe patterns -------------------------------------------------------------------- */

static void test_safe_keep_dhcp_and_extra_interface(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        np_netdef *extra = eth(f, "ens4");
        address(extra, "198.51.100.7/24");
        run(f);
        assert_clean(f);
        assert_string_equal(f->res.mgmt_definition, "gv");
}

static void test_safe_static_current_address(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.58/24");
        route(d, "default", "192.0.2.1");
        run(f);
        assert_clean(f);
}

/* ---- NG001 -------------------------------------------------------------------------------- */

static void test_ng001(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "ens4");
        dhcp4(d, true);
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNMATCHED);
        const check_finding *x = find(f, RULE_MANAGEMENT_UNMATCHED);
        assert_int_equal(x->severity, RULE_SEVERITY_ERROR);
        assert_int_equal(f->res.n_errors, 1);
        assert_non_null(strstr(x->message, "gv"));
        assert_non_null(strstr(x->hint, "52:54:00:12:34:56"));
        assert_non_null(strstr(x->hint, "dhcp4: true"));
        assert_null(f->res.mgmt_definition);
}

static void test_ng001_points_at_changed_match(void **state) {
        fixture *f = *state;
        np_netdef *o = def(f, true, "gv", NP_DEF_ETHERNET);
        dhcp4(o, true);
        np_netdef *d = eth(f, "mgmt");
        d->has_match = true;
        d->match_name = (char *) "ens*";
        d->match_pos = P(4, 7);
        dhcp4(d, true);
        /* The old definition "gv" is gone; now "mgmt" matches ens* only. */
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNMATCHED);
        assert_non_null(strstr(f->res.findings[0].message, "'gv' did before"));
}

static void test_ng001_not_when_matched_by_mac(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "mgmt");
        d->has_match = true;
        d->match_macaddress = (char *) "52:54:00:12:34:56";
        d->match_pos = P(4, 7);
        dhcp4(d, true);
        run(f);
        assert_clean(f);
        assert_string_equal(f->res.mgmt_definition, "mgmt");
}

/* Without a known host only the rules that need none run, and the result says so. */
static void test_host_unknown(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "ens4");
        dhcp4(d, true);
        run_host(f, NULL);
        assert_only(f, RULE_MANAGEMENT_UNMATCHED);
        np_netdef *g = eth(f, "gv");
        address(g, "198.51.100.7/24");
        run_host(f, NULL);
        assert_clean(f);
        assert_true(f->res.incomplete);
}

/* ---- NG002 -------------------------------------------------------------------------------- */

static void test_ng002_brief_failure(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "198.51.100.7/24");
        run(f);
        const check_finding *x = find(f, RULE_MANAGEMENT_UNADDRESSED);
        assert_non_null(x);
        assert_int_equal(x->severity, RULE_SEVERITY_ERROR);
        assert_string_equal(x->file, FILE_NAME);
        assert_int_equal(x->line, d->addresses[0].pos.line);
        assert_int_equal(x->column, d->addresses[0].pos.column);
        assert_non_null(strstr(x->hint, "keep `dhcp4: true`"));
        assert_non_null(strstr(x->hint, "192.0.2.58/24"));
        assert_non_null(strstr(x->hint, "extra interface"));
        assert_true(f->res.n_errors >= 1);
}

static void test_ng002_dhcp_off(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, false);
        run(f);
        const check_finding *x = find(f, RULE_MANAGEMENT_UNADDRESSED);
        assert_non_null(x);
        assert_int_equal(x->line, d->dhcp4_pos.line);
}

/* DHCP on a link whose address is static: DHCP is an address source (no NG002), but
 * nothing shows the host side serves it, so the address may move (NG003 warning). */
static void test_ng002_dhcp_without_lease(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        run(f);
        assert_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
        const check_finding *x = find(f, RULE_MANAGEMENT_ADDRESS_MOVES);
        assert_non_null(x);
        assert_int_equal(x->line, d->dhcp4_pos.line);
        assert_non_null(strstr(x->message, "no lease"));
        assert_non_null(strstr(x->hint, "192.0.2.58/24"));
        assert_int_equal(f->res.n_errors, 0);
}

/* No lease, but DHCP was already configured on disk: the current state came from it. */
static void test_ng002_not_dhcp_kept_from_disk(void **state) {
        fixture *f = *state;
        np_netdef *o = def(f, true, "gv", NP_DEF_ETHERNET);
        dhcp4(o, true);
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        np_netdef *extra = eth(f, "ens4");
        address(extra, "198.51.100.7/24");
        run(f);
        assert_clean(f);
}

static void test_ng002_not_with_static_plus_dhcp(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        address(d, "192.0.2.58/24");
        route(d, "default", "192.0.2.1");
        run(f);
        assert_clean(f);
}

/* DHCPv6 does not help a host that reaches the guest over IPv4. */
static void test_ng002_wrong_family(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        d->dhcp6 = true;
        d->dhcp6_pos = P(4, 7);
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

/* ---- NG003 -------------------------------------------------------------------------------- */

static void test_ng003(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.77/24");
        route(d, "default", "192.0.2.1");
        run(f);
        assert_only(f, RULE_MANAGEMENT_ADDRESS_MOVES);
        const check_finding *x = &f->res.findings[0];
        assert_int_equal(x->severity, RULE_SEVERITY_WARNING);
        assert_int_equal(f->res.n_errors, 0);
        assert_non_null(strstr(x->message, "192.0.2.77"));
        assert_non_null(strstr(x->message, "192.0.2.58"));
        assert_non_null(strstr(x->hint, "192.0.2.58/24"));
}

static void test_ng003_not_with_current_address(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.58/24");
        address(d, "192.0.2.77/24");
        route(d, "default", "192.0.2.1");
        run(f);
        assert_clean(f);
}

/* ---- NG004 -------------------------------------------------------------------------------- */

static void test_ng004(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->activation_mode = (char *) "off";
        d->activation_mode_pos = P(6, 24);
        run(f);
        assert_only(f, RULE_MANAGEMENT_DOWN);
        assert_int_equal(f->res.findings[0].line, 6);
        assert_int_equal(f->res.findings[0].column, 24);
        assert_int_equal(f->res.n_errors, 1);
}

static void test_ng004_not_manual(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->activation_mode = (char *) "manual";
        d->activation_mode_pos = P(6, 24);
        run(f);
        assert_clean(f);
}

/* ---- NG005 -------------------------------------------------------------------------------- */

static void enslave(fixture *f, np_netdef *master, const char *member) {
        size_t idx = (size_t) (master - f->defs);
        f->members[idx][0] = (char *) member;
        f->members[idx][1] = NULL;
        master->interfaces = f->members[idx];
        master->interfaces_pos = P(master->pos.line + 1, 7);
}

static void test_ng005(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "gv");
        address(br, "198.51.100.9/24");
        run(f);
        assert_only(f, RULE_MANAGEMENT_ENSLAVED);
        const check_finding *x = &f->res.findings[0];
        assert_int_equal(x->line, br->interfaces_pos.line);
        assert_non_null(strstr(x->message, "br0"));
        assert_non_null(strstr(x->hint, "dhcp4: true"));
}

static void test_ng005_not_when_bridge_has_dhcp(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "gv");
        dhcp4(br, true);
        br->macaddress = (char *) "52:54:00:12:34:56";
        br->macaddress_pos = P(br->pos.line + 3, 19);
        run(f);
        assert_clean(f);
}

/* ---- NG006 -------------------------------------------------------------------------------- */

static void test_ng006(void **state) {
        fixture *f = *state;
        host_config(f, "203.0.113.1");
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.58/24");
        run(f);
        assert_only(f, RULE_HOST_UNREACHABLE);
        assert_non_null(strstr(f->res.findings[0].message, "203.0.113.1"));
        assert_non_null(strstr(f->res.findings[0].hint, "routes:"));
}

static void test_ng006_not_with_route(void **state) {
        fixture *f = *state;
        host_config(f, "203.0.113.1");
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.58/24");
        route(d, "203.0.113.0/24", "192.0.2.254");
        run(f);
        assert_clean(f);
}

/* A route through a gateway that is not on the link does not count. */
static void test_ng006_route_via_offlink_gateway(void **state) {
        fixture *f = *state;
        host_config(f, "203.0.113.1");
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.58/24");
        route(d, "default", "198.51.100.1");
        run(f);
        assert_only(f, RULE_HOST_UNREACHABLE);
}

/* ---- NG007 -------------------------------------------------------------------------------- */

static void test_ng007(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "mgmt");
        d->has_match = true;
        d->match_macaddress = (char *) "52:54:00:12:34:56";
        d->set_name = (char *) "mgmt0";
        d->set_name_pos = P(7, 17);
        dhcp4(d, true);
        run(f);
        assert_only(f, RULE_MANAGEMENT_RENAMED);
        assert_int_equal(f->res.findings[0].severity, RULE_SEVERITY_WARNING);
        assert_int_equal(f->res.findings[0].line, 7);
        assert_int_equal(f->res.n_errors, 0);
}

static void test_ng007_not_same_name(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "mgmt");
        d->has_match = true;
        d->match_macaddress = (char *) "52:54:00:12:34:56";
        d->set_name = (char *) "gv";
        d->set_name_pos = P(7, 17);
        dhcp4(d, true);
        run(f);
        assert_clean(f);
}

/* ---- NG008 -------------------------------------------------------------------------------- */

static void test_ng010_macaddress(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->macaddress = (char *) "52:54:00:aa:bb:cc";
        d->macaddress_pos = P(8, 19);
        run(f);
        assert_only(f, RULE_MANAGEMENT_MAC_CHANGES);
        assert_int_equal(f->res.findings[0].severity, RULE_SEVERITY_ERROR);
        assert_int_equal(f->res.findings[0].line, 8);
        assert_non_null(strstr(f->res.findings[0].hint, "52:54:00:12:34:56"));
}

static void test_ng008_identifier(void **state) {
        fixture *f = *state;
        np_netdef *o = def(f, true, "gv", NP_DEF_ETHERNET);
        dhcp4(o, true);
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->dhcp_identifier = (char *) "mac";
        d->dhcp_identifier_pos = P(9, 24);
        run(f);
        assert_only(f, RULE_DHCP_IDENTITY_CHANGES);
        assert_int_equal(f->res.findings[0].line, 9);
        assert_non_null(strstr(f->res.findings[0].message, "duid to mac"));
}

static void test_ng008_not_same_identity(void **state) {
        fixture *f = *state;
        np_netdef *o = def(f, true, "gv", NP_DEF_ETHERNET);
        dhcp4(o, true);
        o->dhcp_identifier = (char *) "mac";
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->dhcp_identifier = (char *) "mac";
        d->dhcp_identifier_pos = P(9, 24);
        d->macaddress = (char *) "52:54:00:12:34:56";
        d->macaddress_pos = P(8, 19);
        run(f);
        assert_clean(f);
}

/* The bridge asks for the lease with its own MAC. */
static void test_ng010_bridge_mac(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "gv");
        dhcp4(br, true);
        run(f);
        assert_only(f, RULE_MANAGEMENT_MAC_CHANGES);
        assert_non_null(strstr(f->res.findings[0].hint, "macaddress"));
}

/* With the host only known as "on-link in the current subnet", a static address in that
 * subnet is fine and one outside is not. */
static void test_subnet_host(void **state) {
        fixture *f = *state;
        f->host = (host_peer) { .source = HOST_SOURCE_SUBNET, .addr = prefix("192.0.2.0/24") };
        np_netdef *d = eth(f, "gv");
        address(d, "192.0.2.58/24");
        run(f);
        assert_clean(f);
        d->addresses[0].addr = prefix("198.51.100.7/24");
        d->addresses[0].text = (char *) "198.51.100.7/24";
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNADDRESSED);
}


/* ---- issue 8: IPv6 evidence, stacked links, networkd's matching and order, renderer -------- */

/* gv with a static 2001:db8:0:1::58/64 and a default route via 2001:db8:0:1::1; with ra,
 * the route was learned from a router advertisement and the address by SLAAC. */
static int setup_v6(void **state, bool ra, bool dual) {
        fixture *f = calloc(1, sizeof(fixture));

        assert_non_null(f);
        f->live = live_state_new();
        assert_non_null(f->live);
        add_link(f->live, 2, "gv", ARPHRD_ETHER, GV_MAC);
        if (dual) {
                add_addr(f->live, 2, "192.0.2.58/24", true);
                add_route(f->live, 2, NULL, "192.0.2.1", RTPROT_DHCP);
        }
        add_addr(f->live, 2, "2001:db8:0:1::58/64", ra);
        add_route(f->live, 2, "2001:db8:0:1::/64", NULL, ra ? RTPROT_RA : RTPROT_KERNEL);
        add_route(f->live, 2, NULL, "2001:db8:0:1::1", ra ? RTPROT_RA : RTPROT_STATIC);
        host_gateway(f, dual ? "192.0.2.1" : "2001:db8:0:1::1");
        *state = f;
        return 0;
}

static int setup_v6_static(void **state) {
        return setup_v6(state, false, false);
}

static int setup_v6_ra(void **state) {
        return setup_v6(state, true, false);
}

static int setup_dual(void **state) {
        return setup_v6(state, true, true);
}

static void dhcp6(np_netdef *d, bool on) {
        d->dhcp6 = on;
        d->dhcp6_pos = P(d->pos.line + 1, 7);
}

/* The case: netplan's defaults (link-local, accept-ra) are no address source
 * unless a router is seen advertising on the link. */
static void test_v6_move_to_other_prefix(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "2001:db8:0:2::58/64");
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
        assert_true(f->res.n_errors >= 1);
}

static void test_v6_static_removed(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        run(f);
        const check_finding *x = find(f, RULE_MANAGEMENT_UNADDRESSED);
        assert_non_null(x);
        assert_non_null(strstr(x->message, "IPv6"));
        assert_non_null(strstr(x->hint, "2001:db8:0:1::58/64"));
}

static void test_v6_same_prefix_moves(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "2001:db8:0:1::77/64");
        run(f);
        assert_only(f, RULE_MANAGEMENT_ADDRESS_MOVES);
        assert_non_null(strstr(f->res.findings[0].message, "2001:db8:0:1::77"));
}

static void test_v6_keep_current(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "2001:db8:0:1::58/64");
        run(f);
        assert_clean(f);
}

/* A router advertises on the link: RA (on by default) brings the address back. */
static void test_v6_ra_evidence(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        run(f);
        assert_clean(f);
}

static void test_v6_ra_off(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        d->link_local_ipv6 = false;
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

/* dhcp6: true with no lease and no router seen on the link is no address source (the
 * reality test lost the guest there); with an RA route and a lease it is. */
/* The link's address is its SLAAC (EUI-64) one: a new MAC moves it, dhcp6 or not. */
static void test_v6_eui64_macaddress(void **state) {
        fixture *f = *state;
        f->live->addresses[0].addr = prefix("2001:db8:0:1:5054:ff:fe12:3456/64");
        f->host = (host_peer) { .source = HOST_SOURCE_AGENT_CONFIG, .addr = ip("2001:db8:0:1::1") };
        np_netdef *d = eth(f, "gv");
        dhcp6(d, true);
        d->macaddress = (char *) "52:54:00:aa:bb:cc";
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_MAC_CHANGES));
}

static void test_v6_dhcp6_without_lease(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp6(d, true);
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

static void test_v6_dhcp6_with_router(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp6(d, true);
        run(f);
        assert_clean(f);
}

/* A bridge asking with its own MAC: SLAAC derives a new address from it (NG010); DHCPv6
 * knows the client by its DUID and keeps the lease (2001:db8:0:1::58 is no EUI-64). */
static void test_v6_bridge_own_mac(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "gv");
        br->link_local_ipv6 = true;
        run(f);
        assert_only(f, RULE_MANAGEMENT_MAC_CHANGES);
        dhcp6(br, true);
        run(f);
        assert_clean(f);
}

/* networkd starts DHCPv6 on an RA's managed flag: with RAs refused, dhcp6 gets nothing. */
static void test_v6_dhcp6_accept_ra_off(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp6(d, true);
        d->accept_ra = NP_TRISTATE_FALSE;
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

/* Without a link-local address neither RA nor DHCPv6 works. */
static void test_v6_dhcp6_no_link_local(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp6(d, true);
        d->link_local_ipv6 = false;
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

/* Dual stack, host reached over IPv4: the IPv4 side decides. */
static void test_dual_v4_kept(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->link_local_ipv6 = false;
        run(f);
        assert_clean(f);
}

static void test_dual_v4_lost(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        address(d, "2001:db8:0:1::58/64");
        run(f);
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

/* gv in bond0, bond0 in br0: the bridge's addressing is what counts. */
static void test_chain_bridge_has_dhcp(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *bond = def(f, false, "bond0", NP_DEF_BOND);
        enslave(f, bond, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "bond0");
        dhcp4(br, true);
        br->macaddress = (char *) "52:54:00:12:34:56";
        run(f);
        assert_clean(f);
}

static void test_chain_bridge_unaddressed(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *bond = def(f, false, "bond0", NP_DEF_BOND);
        enslave(f, bond, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "bond0");
        address(br, "198.51.100.9/24");
        run(f);
        assert_only(f, RULE_MANAGEMENT_ENSLAVED);
        assert_non_null(strstr(f->res.findings[0].message, "bond bond0, and through it bridge br0"));
        assert_non_null(strstr(f->res.findings[0].hint, "give br0"));
        /* the finding points at the management link's entry in bond0 */
        assert_int_equal(f->res.findings[0].line, bond->interfaces_pos.line);
}

/* networkd compares PermanentMACAddress=: a link without one matches no macaddress. */
static void test_ng001_mac_without_permanent(void **state) {
        fixture *f = *state;
        live_link *gv = (live_link *) live_state_link_by_name(f->live, "gv");
        gv->has_perm_mac = false;
        memset(gv->perm_mac, 0, sizeof(gv->perm_mac));
        np_netdef *d = eth(f, "mgmt");
        d->has_match = true;
        d->match_macaddress = (char *) "52:54:00:12:34:56";
        d->match_pos = P(4, 7);
        dhcp4(d, true);
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNMATCHED);
        const check_finding *x = &f->res.findings[0];
        assert_non_null(strstr(x->message, "no permanent MAC"));
        assert_int_equal(x->line, 4);
        assert_non_null(strstr(x->hint, "match it by name"));
}

/* A typo in the MAC: the message shows the link's MAC and what the definition matches. */
static void test_ng001_shows_both_macs(void **state) {
        fixture *f = *state;
        np_netdef *o = def(f, true, "mgmt", NP_DEF_ETHERNET);
        o->has_match = true;
        o->match_macaddress = (char *) "52:54:00:12:34:56";
        dhcp4(o, true);
        np_netdef *d = eth(f, "mgmt");
        d->has_match = true;
        d->match_macaddress = (char *) "52:54:00:12:34:65";
        d->match_pos = P(4, 7);
        dhcp4(d, true);
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNMATCHED);
        const check_finding *x = &f->res.findings[0];
        assert_non_null(strstr(x->message, "(52:54:00:12:34:56) any more"));
        assert_non_null(strstr(x->message, "now matches macaddress 52:54:00:12:34:65"));
        assert_int_equal(x->line, 4);
}

/* Two definitions match gv: networkd takes 10-netplan-gv.1.network before
 * 10-netplan-gv.network ('1' < 'n'), not the lower id. */
static void test_networkd_file_order(void **state) {
        fixture *f = *state;
        np_netdef *a = eth(f, "gv");
        dhcp4(a, true);
        np_netdef *b = eth(f, "gv.1");
        b->has_match = true;
        b->match_name = (char *) "gv";
        b->match_pos = P(14, 7);
        address(b, "198.51.100.7/24");
        run(f);
        assert_string_equal(f->res.mgmt_definition, "gv.1");
        assert_non_null(find(f, RULE_MANAGEMENT_UNADDRESSED));
}

static void test_ng009(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->renderer = (char *) "NetworkManager";
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNRENDERED);
        assert_non_null(strstr(f->res.findings[0].message, "NetworkManager"));
}

static void test_ng009_not_with_network_manager(void **state) {
        fixture *f = *state;
        np_netdef *d = eth(f, "gv");
        dhcp4(d, true);
        d->renderer = (char *) "NetworkManager";
        f->nm = true;
        run(f);
        assert_clean(f);
}

static void test_ng009_bridge(void **state) {
        fixture *f = *state;
        eth(f, "gv");
        np_netdef *br = def(f, false, "br0", NP_DEF_BRIDGE);
        enslave(f, br, "gv");
        dhcp4(br, true);
        br->renderer = (char *) "NetworkManager";
        run(f);
        assert_only(f, RULE_MANAGEMENT_UNRENDERED);
        assert_non_null(strstr(f->res.findings[0].message, "'br0'"));
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_safe_keep_dhcp_and_extra_interface, setup_dhcp),
                T(test_safe_static_current_address, setup_dhcp),
                T(test_ng001, setup_dhcp),
                T(test_ng001_points_at_changed_match, setup_dhcp),
                T(test_ng001_not_when_matched_by_mac, setup_dhcp),
                T(test_host_unknown, setup_dhcp),
                T(test_ng002_brief_failure, setup_dhcp),
                T(test_ng002_dhcp_off, setup_dhcp),
                T(test_ng002_dhcp_without_lease, setup_static),
                T(test_ng002_not_with_static_plus_dhcp, setup_static),
                T(test_ng002_not_dhcp_kept_from_disk, setup_static),
                T(test_ng002_wrong_family, setup_dhcp),
                T(test_ng003, setup_dhcp),
                T(test_ng003_not_with_current_address, setup_dhcp),
                T(test_ng004, setup_dhcp),
                T(test_ng004_not_manual, setup_dhcp),
                T(test_ng005, setup_dhcp),
                T(test_ng005_not_when_bridge_has_dhcp, setup_dhcp),
                T(test_ng006, setup_static),
                T(test_ng006_not_with_route, setup_static),
                T(test_ng006_route_via_offlink_gateway, setup_static),
                T(test_ng007, setup_dhcp),
                T(test_ng007_not_same_name, setup_dhcp),
                T(test_ng010_macaddress, setup_dhcp),
                T(test_ng008_identifier, setup_dhcp),
                T(test_ng008_not_same_identity, setup_dhcp),
                T(test_ng010_bridge_mac, setup_dhcp),
                T(test_subnet_host, setup_dhcp),
                T(test_v6_move_to_other_prefix, setup_v6_static),
                T(test_v6_static_removed, setup_v6_static),
                T(test_v6_same_prefix_moves, setup_v6_static),
                T(test_v6_keep_current, setup_v6_static),
                T(test_v6_ra_evidence, setup_v6_ra),
                T(test_v6_ra_off, setup_v6_ra),
                T(test_v6_dhcp6_without_lease, setup_v6_static),
                T(test_v6_dhcp6_with_router, setup_v6_ra),
                T(test_v6_bridge_own_mac, setup_v6_ra),
                T(test_v6_eui64_macaddress, setup_v6_ra),
                T(test_v6_dhcp6_accept_ra_off, setup_v6_ra),
                T(test_v6_dhcp6_no_link_local, setup_v6_ra),
                T(test_dual_v4_kept, setup_dual),
                T(test_dual_v4_lost, setup_dual),
                T(test_chain_bridge_has_dhcp, setup_dhcp),
                T(test_chain_bridge_unaddressed, setup_dhcp),
                T(test_ng001_mac_without_permanent, setup_dhcp),
                T(test_ng001_shows_both_macs, setup_dhcp),
                T(test_networkd_file_order, setup_dhcp),
                T(test_ng009, setup_dhcp),
                T(test_ng009_not_with_network_manager, setup_dhcp),
                T(test_ng009_bridge, setup_dhcp),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
