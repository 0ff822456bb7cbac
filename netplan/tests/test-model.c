/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed view of definitions and the generic tree, with positions. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netplan/tests/np-test.h"

static const char *const mgmt =
        "network:\n"                                    /* 1 */
        "  version: 2\n"                                /* 2 */
        "  ethernets:\n"                                /* 3 */
        "    mgmt0:\n"                                  /* 4 */
        "      match:\n"                                /* 5 */
        "        macaddress: \"52:54:00:AA:bb:01\"\n"   /* 6 */
        "      set-name: mgmt0\n"                       /* 7 */
        "      dhcp4: yes\n"                            /* 8 */
        "      dhcp6: off\n"                            /* 9 */
        "      dhcp-identifier: mac\n"                  /* 10 */
        "      addresses: [192.0.2.77/24, \"2001:db8::7/64\"]\n" /* 11 */
        "      gateway4: 192.0.2.1\n"                   /* 12 */
        "      routes:\n"                               /* 13 */
        "        - to: default\n"                       /* 14 */
        "          via: 192.0.2.1\n"                    /* 15 */
        "          metric: 50\n"                        /* 16 */
        "        - to: 198.51.100.0/24\n"               /* 17 */
        "          via: 192.0.2.254\n"                  /* 18 */
        "          table: 7\n"                          /* 19 */
        "          on-link: true\n"                     /* 20 */
        "    eth1:\n"                                   /* 21 */
        "      activation-mode: manual\n"               /* 22 */
        "      macaddress: 02:00:00:00:00:09\n"         /* 23 */
        "      link-local: []\n"                        /* 24 */
        "      optional: true\n"                        /* 25 */
        "    eth2:\n"                                   /* 26 */
        "      match: {driver: [virtio*, e1000]}\n"     /* 27 */
        "  bonds:\n"                                    /* 28 */
        "    bond0:\n"                                  /* 29 */
        "      interfaces: [eth1, eth2]\n"              /* 30 */
        "      parameters: {mode: active-backup}\n"     /* 31 */
        "  vlans:\n"                                    /* 32 */
        "    vlan5:\n"                                  /* 33 */
        "      id: 5\n"                                 /* 34 */
        "      link: bond0\n"                           /* 35 */
        "      renderer: NetworkManager\n";             /* 36 */

static void test_typed_view(void **state) {
        char *root = np_test_root();
        np_config *c = NULL;
        np_diag_list diags = {};

        np_test_write(root, "etc/netplan/50-mgmt.yaml", mgmt);
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);
        assert_int_equal(diags.n_errors, 0);
        assert_int_equal(np_config_n_netdefs(c), 5);
        assert_string_equal(np_config_renderer(c), "networkd");

        const np_netdef *d = np_config_netdef_by_id(c, "mgmt0");
        assert_non_null(d);
        assert_int_equal(d->type, NP_DEF_ETHERNET);
        assert_int_equal(d->pos.line, 4);
        assert_int_equal(d->pos.column, 5);
        assert_true(d->has_match);
        assert_string_equal(d->match_macaddress, "52:54:00:aa:bb:01");
        assert_null(d->match_name);
        assert_string_equal(d->set_name, "mgmt0");
        assert_int_equal(d->set_name_pos.line, 7);
        assert_true(d->dhcp4);
        assert_int_equal(d->dhcp4_pos.line, 8);
        assert_int_equal(d->dhcp4_pos.column, 7);
        assert_false(d->dhcp6);
        assert_int_equal(d->dhcp6_pos.line, 9);
        assert_string_equal(d->dhcp_identifier, "mac");
        assert_string_equal(d->renderer, "networkd");
        assert_true(d->link_local_ipv6);
        assert_false(d->link_local_ipv4);

        assert_int_equal(d->n_addresses, 2);
        assert_int_equal(d->addresses[0].addr.family, AF_INET);
        assert_int_equal(d->addresses[0].addr.prefixlen, 24);
        assert_string_equal(d->addresses[0].text, "192.0.2.77/24");
        assert_int_equal(d->addresses[0].pos.line, 11);
        assert_int_equal(d->addresses[0].pos.column, 19);
        struct in_addr a;
        inet_pton(AF_INET, "192.0.2.77", &a);
        assert_memory_equal(&d->addresses[0].addr.in, &a, sizeof a);
        assert_int_equal(d->addresses[1].addr.family, AF_INET6);
        assert_int_equal(d->addresses[1].addr.prefixlen, 64);

        assert_string_equal(d->gateway4, "192.0.2.1");
        assert_int_equal(d->gateway4_pos.line, 12);
        assert_null(d->gateway6);

        assert_int_equal(d->n_routes, 2);
        assert_true(d->routes[0].to_default);
        assert_true(d->routes[0].has_via);
        assert_int_equal(d->routes[0].family, AF_INET);
        assert_int_equal(d->routes[0].metric, 50);
        assert_int_equal(d->routes[0].table, 0);
        assert_int_equal(d->routes[0].pos.line, 14);
        assert_false(d->routes[1].to_default);
        assert_int_equal(d->routes[1].to.prefixlen, 24);
        assert_int_equal(d->routes[1].table, 7);
        assert_int_equal(d->routes[1].metric, UINT32_MAX);
        assert_true(d->routes[1].on_link);

        d = np_config_netdef_by_id(c, "eth1");
        assert_non_null(d);
        assert_false(d->has_match);
        assert_string_equal(d->activation_mode, "manual");
        assert_int_equal(d->activation_mode_pos.line, 22);
        assert_string_equal(d->macaddress, "02:00:00:00:00:09");
        assert_false(d->link_local_ipv6);
        assert_true(d->optional);

        d = np_config_netdef_by_id(c, "eth2");
        assert_non_null(d->match_drivers);
        assert_string_equal(d->match_drivers[0], "virtio*");
        assert_string_equal(d->match_drivers[1], "e1000");
        assert_null(d->match_drivers[2]);

        d = np_config_netdef_by_id(c, "bond0");
        assert_int_equal(d->type, NP_DEF_BOND);
        assert_non_null(d->interfaces);
        assert_string_equal(d->interfaces[0], "eth1");
        assert_string_equal(d->interfaces[1], "eth2");
        assert_null(d->interfaces[2]);
        assert_int_equal(d->interfaces_pos.line, 30);

        d = np_config_netdef_by_id(c, "vlan5");
        assert_string_equal(d->link, "bond0");
        assert_int_equal(d->link_pos.line, 35);
        assert_string_equal(d->renderer, "NetworkManager");

        /* the generic tree */
        const np_node *net = np_config_root(c);
        assert_int_equal(np_node_get_type(net), NP_NODE_MAPPING);
        const np_node *eth = np_node_get(net, "ethernets");
        assert_int_equal(np_node_count(eth), 3);
        assert_string_equal(np_node_key_at(eth, 0), "mgmt0");
        const np_node *m0 = np_node_at(eth, 0);
        assert_string_equal(np_node_scalar(np_node_get(m0, "dhcp4")), "yes");
        assert_int_equal(np_node_key_pos(m0, "dhcp4").line, 8);
        assert_int_equal(np_node_get_pos(np_node_get(m0, "dhcp4")).column, 14);
        assert_null(np_node_scalar(m0));
        assert_null(np_node_get(m0, "nope"));
        assert_int_equal(np_node_key_pos(m0, "nope").line, 0);
        assert_string_equal(np_node_scalar(np_node_at(np_node_get(m0, "addresses"), 1)), "2001:db8::7/64");
        assert_true(strstr(np_config_file_at(c, 0), "etc/netplan/50-mgmt.yaml") != NULL);
        assert_int_equal(np_config_n_files(c), 1);

        np_config_free(c);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

static void test_sections(void **state) {
        assert_string_equal(np_def_type_to_section(NP_DEF_BOND), "bonds");
        assert_string_equal(np_def_type_to_section(NP_DEF_NM_DEVICE), "nm-devices");
        assert_int_equal(np_def_type_from_section("vrfs"), NP_DEF_VRF);
        assert_int_equal(np_def_type_from_section("dummy-devices"), NP_DEF_DUMMY);
        assert_int_equal(np_def_type_from_section("openvswitch"), _NP_DEF_TYPE_INVALID);
        assert_int_equal(np_def_type_from_section("nope"), _NP_DEF_TYPE_INVALID);
        assert_null(np_def_type_to_section(_NP_DEF_TYPE_MAX));
}

static void test_empty(void **state) {
        char *root = np_test_root();
        np_config *c = NULL;
        np_diag_list diags = {};

        /* no directories at all: valid and empty, like netplan */
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);
        assert_int_equal(np_config_n_netdefs(c), 0);
        assert_null(np_config_root(c));
        char *dump = np_config_dump(c);
        assert_string_equal(dump, "");
        free(dump);
        np_config_free(c);

        /* an empty file and a comment-only file are valid */
        np_test_write(root, "etc/netplan/00-empty.yaml", "");
        np_test_write(root, "etc/netplan/01-comment.yaml", "# nothing\n");
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);
        assert_int_equal(np_config_n_files(c), 2);
        np_config_free(c);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

static void test_version_from_dpkg(void **state) {
        char *root = np_test_root();
        np_diag_list diags = {};

        np_test_write(root, "etc/netplan/a.yaml", "network:\n  dummy-devices:\n    dm0: {}\n");
        np_test_write(root, "var/lib/dpkg/status",
                      "Package: netplan-generator\nVersion: 9.9\n\nPackage: netplan.io\nStatus: install ok installed\n"
                      "Version: 1.1.2-2\n\n");
        np_load_options o = { .root_dir = root };
        np_config *c = NULL;
        /* 1.1 knows dummy-devices */
        assert_int_equal(np_config_load(&o, &c, &diags), 0);
        np_config_free(c);
        np_diag_list_clear(&diags);

        np_test_write(root, "var/lib/dpkg/status", "Package: netplan.io\nVersion: 0.106-2+deb12u1\n");
        assert_int_equal(np_config_load(&o, &c, &diags), -EINVAL);
        assert_int_equal(diags.items[0].kind, NP_DIAG_NEWER_NETPLAN);
        assert_string_equal(diags.items[0].newer_version, "0.107");
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

/* accept-ra as netplan 0.106 reads it (checked with its generator: IPv6AcceptRA=no for
 * "NO" and "fAlSe", yes for "On") and where each member of a bond, bridge or VRF is named. */
static const char *const members =
        "network:\n"                                    /* 1 */
        "  version: 2\n"                                /* 2 */
        "  bonds:\n"                                    /* 3 */
        "    bond0:\n"                                  /* 4 */
        "      interfaces:\n"                           /* 5 */
        "        - eth2\n"                              /* 6 */
        "        - eth1\n"                              /* 7 */
        "  ethernets:\n"                                /* 8 */
        "    eth1: {accept-ra: NO}\n"                   /* 9 */
        "    eth2:\n"                                   /* 10 */
        "      accept-ra: On\n"                         /* 11 */
        "    eth3:\n"                                   /* 12 */
        "      accept-ra: fAlSe\n"                      /* 13 */
        "    eth4: {}\n"                                /* 14 */
        "  bridges:\n"                                  /* 15 */
        "    br0: {interfaces: [eth4]}\n"               /* 16 */
        "  vrfs:\n"                                     /* 17 */
        "    vrf0: {table: 10, interfaces: [eth3]}\n";  /* 18 */

static void test_accept_ra_and_member_pos(void **state) {
        char *root = np_test_root();
        np_config *c = NULL;
        np_diag_list diags = {};

        np_test_write(root, "etc/netplan/50-a.yaml", members);
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);

        const np_netdef *d = np_config_netdef_by_id(c, "eth1");
        assert_int_equal(d->accept_ra, NP_TRISTATE_FALSE);
        assert_int_equal(d->accept_ra_pos.line, 9);
        assert_int_equal(d->accept_ra_pos.column, 12);
        d = np_config_netdef_by_id(c, "eth2");
        assert_int_equal(d->accept_ra, NP_TRISTATE_TRUE);
        assert_int_equal(d->accept_ra_pos.line, 11);
        d = np_config_netdef_by_id(c, "eth3");
        assert_int_equal(d->accept_ra, NP_TRISTATE_FALSE);
        assert_int_equal(d->accept_ra_pos.line, 13);
        d = np_config_netdef_by_id(c, "eth4");
        assert_int_equal(d->accept_ra, NP_TRISTATE_UNSET);
        assert_int_equal(d->accept_ra_pos.line, 0);
        assert_null(d->interfaces);
        assert_null(d->interfaces_pos_each);

        /* members come in definition order, each with its own entry of the list */
        d = np_config_netdef_by_id(c, "bond0");
        assert_string_equal(d->interfaces[0], "eth1");
        assert_string_equal(d->interfaces[1], "eth2");
        assert_null(d->interfaces[2]);
        assert_int_equal(d->interfaces_pos.line, 5);
        assert_int_equal(d->interfaces_pos_each[0].line, 7);
        assert_int_equal(d->interfaces_pos_each[0].column, 11);
        assert_int_equal(d->interfaces_pos_each[1].line, 6);
        d = np_config_netdef_by_id(c, "br0");
        assert_string_equal(d->interfaces[0], "eth4");
        assert_int_equal(d->interfaces_pos_each[0].line, 16);
        assert_int_equal(d->interfaces_pos_each[0].column, 24);
        d = np_config_netdef_by_id(c, "vrf0");
        assert_string_equal(d->interfaces[0], "eth3");
        assert_int_equal(d->interfaces_pos_each[0].line, 18);
        assert_int_equal(d->interfaces_pos_each[0].column, 36);
        np_config_free(c);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

/* Over two files: each member points into the file that lists it, and the later
 * accept-ra wins (netplan 0.106: IPv6AcceptRA=no on bond0, yes on eth2). */
static void test_member_pos_across_files(void **state) {
        char *root = np_test_root();
        np_config *c = NULL;
        np_diag_list diags = {};

        np_test_write(root, "etc/netplan/10-a.yaml",
                      "network:\n"
                      "  ethernets:\n"
                      "    eth1: {}\n"
                      "  bonds:\n"
                      "    bond0:\n"
                      "      interfaces: [eth1]\n"
                      "      accept-ra: yes\n");
        np_test_write(root, "etc/netplan/20-b.yaml",
                      "network:\n"
                      "  ethernets:\n"
                      "    eth2: {accept-ra: true}\n"
                      "  bonds:\n"
                      "    bond0:\n"
                      "      interfaces: [eth2]\n"
                      "      accept-ra: false\n");
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);

        const np_netdef *d = np_config_netdef_by_id(c, "bond0");
        assert_string_equal(d->interfaces[0], "eth1");
        assert_string_equal(d->interfaces[1], "eth2");
        assert_non_null(strstr(d->interfaces_pos_each[0].file, "10-a.yaml"));
        assert_int_equal(d->interfaces_pos_each[0].line, 6);
        assert_int_equal(d->interfaces_pos_each[0].column, 20);
        assert_non_null(strstr(d->interfaces_pos_each[1].file, "20-b.yaml"));
        assert_int_equal(d->interfaces_pos_each[1].line, 6);
        assert_int_equal(d->accept_ra, NP_TRISTATE_FALSE);
        assert_non_null(strstr(d->accept_ra_pos.file, "20-b.yaml"));
        assert_int_equal(d->accept_ra_pos.line, 7);
        d = np_config_netdef_by_id(c, "eth2");
        assert_int_equal(d->accept_ra, NP_TRISTATE_TRUE);
        np_config_free(c);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

/* A view built by hand (as agent/ tests do) has no per-member positions. */
static void test_member_pos_fallback(void **state) {
        char *members_v[] = { (char *) "eth1", (char *) "eth2", NULL };
        np_pos each[] = { { "a.yaml", 7, 11 }, { "a.yaml", 0, 0 } };
        np_netdef d = { .pos = { "a.yaml", 4, 5 }, .interfaces = members_v };

        assert_int_equal(np_netdef_member_pos(&d, 0).line, 4);
        d.interfaces_pos = (np_pos) { "a.yaml", 5, 7 };
        assert_int_equal(np_netdef_member_pos(&d, 1).line, 5);
        d.interfaces_pos_each = each;
        assert_int_equal(np_netdef_member_pos(&d, 0).line, 7);
        assert_int_equal(np_netdef_member_pos(&d, 0).column, 11);
        assert_int_equal(np_netdef_member_pos(&d, 1).line, 5);
}

/* The renderer of each definition as netplan 0.106 renders it (checked with its
 * generator: e0 to networkd, e1/br0/nm0 to NetworkManager, v1 to neither). */
static void test_renderer(void **state) {
        char *root = np_test_root();
        np_config *c = NULL;
        np_diag_list diags = {};

        np_test_write(root, "etc/netplan/a.yaml",
                      "network:\n"
                      "  version: 2\n"
                      "  renderer: NetworkManager\n"
                      "  ethernets:\n"
                      "    renderer: networkd\n"
                      "    e0: {dhcp4: true}\n"
                      "    e1: {dhcp4: true, renderer: NetworkManager}\n"
                      "  bridges:\n"
                      "    br0: {interfaces: [e0], dhcp4: true}\n"
                      "  nm-devices:\n"
                      "    nm0:\n"
                      "      networkmanager:\n"
                      "        passthrough: {connection.type: \"wifi\"}\n"
                      "  vlans:\n"
                      "    v1: {id: 1, link: e0, renderer: sriov}\n");
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);
        assert_string_equal(np_config_renderer(c), "NetworkManager");
        static const struct {
                const char *id, *renderer;
                bool explicit_;
        } want[] = {
                { "e0", "networkd", true },
                { "e1", "NetworkManager", true },
                { "br0", "NetworkManager", false },
                { "nm0", "NetworkManager", false },
                { "v1", "sriov", true },
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
                const np_netdef *d = np_config_netdef_by_id(c, want[i].id);
                assert_non_null(d);
                assert_string_equal(d->renderer, want[i].renderer);
                assert_int_equal(d->renderer_explicit, want[i].explicit_);
        }
        np_config_free(c);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_typed_view),
                cmocka_unit_test(test_sections),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_version_from_dpkg),
                cmocka_unit_test(test_accept_ra_and_member_pos),
                cmocka_unit_test(test_member_pos_across_files),
                cmocka_unit_test(test_member_pos_fallback),
                cmocka_unit_test(test_renderer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
