/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* np_netdef_matches: how networkd applies netplan's [Match] sections. */
#include <stdlib.h>
#include <string.h>

#include "netplan/tests/np-test.h"

static np_config *cfg;
static char *root;

static int setup(void **state) {
        np_diag_list diags = {};
        root = np_test_root();
        np_test_write(root, "etc/netplan/a.yaml",
                      "network:\n"
                      "  ethernets:\n"
                      "    byid: {dhcp4: true}\n"
                      "    byname: {match: {name: \"en*\"}}\n"
                      "    bymac:\n"
                      "      match: {macaddress: \"52:54:00:AB:CD:EF\"}\n"
                      "      set-name: mgmt0\n"
                      "    bydriver: {match: {driver: [\"virtio_n?t\", e1000e]}}\n"
                      "    byall: {match: {name: eth1, driver: ixgbe, macaddress: \"02:00:00:00:00:01\"}}\n"
                      "    any: {match: {}}\n");
        assert_int_equal(np_test_load(root, NULL, &cfg, &diags), 0);
        np_diag_list_clear(&diags);
        return 0;
}

static int teardown(void **state) {
        cfg = np_config_free(cfg);
        np_test_rmrf(root);
        free(root);
        return 0;
}

static bool m(const char *id, const char *name, const uint8_t *mac, const uint8_t *perm, const char *driver) {
        const np_netdef *d = np_config_netdef_by_id(cfg, id);
        assert_non_null(d);
        np_link_info l = { .name = name, .mac = mac, .perm_mac = perm, .driver = driver };
        return np_netdef_matches(d, &l);
}

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void test_by_id(void **state) {
        assert_true(m("byid", "byid", NULL, NULL, NULL));
        assert_false(m("byid", "byid0", NULL, NULL, NULL));
        assert_false(m("byid", NULL, NULL, NULL, NULL));
}

static void test_by_name_glob(void **state) {
        assert_true(m("byname", "ens3", NULL, NULL, NULL));
        assert_true(m("byname", "en", NULL, NULL, NULL));
        assert_false(m("byname", "eth0", NULL, NULL, NULL));
}

static void test_by_mac_permanent_first(void **state) {
        /* the permanent address decides when the kernel reports one */
        assert_true(m("bymac", "whatever", mac_b, mac_a, NULL));
        assert_false(m("bymac", "whatever", mac_a, mac_b, NULL));
        /* without a permanent address nothing matches: networkd's PermanentMACAddress= */
        assert_false(m("bymac", "whatever", mac_a, NULL, NULL));
        assert_false(m("bymac", "whatever", NULL, NULL, NULL));
        /* set-name does not change what matches */
        assert_false(m("bymac", "mgmt0", mac_b, NULL, NULL));
}

static void test_by_driver(void **state) {
        assert_true(m("bydriver", "x", NULL, NULL, "virtio_net"));
        assert_true(m("bydriver", "x", NULL, NULL, "e1000e"));
        assert_false(m("bydriver", "x", NULL, NULL, "e1000"));
        assert_false(m("bydriver", "x", NULL, NULL, NULL));
}

static void test_all_properties(void **state) {
        assert_true(m("byall", "eth1", NULL, mac_b, "ixgbe"));
        assert_false(m("byall", "eth2", NULL, mac_b, "ixgbe"));
        assert_false(m("byall", "eth1", NULL, mac_a, "ixgbe"));
        assert_false(m("byall", "eth1", NULL, mac_b, "igb"));
        assert_false(m("byall", "eth1", mac_b, NULL, "ixgbe"));
        /* an empty match matches everything */
        assert_true(m("any", "anything", NULL, NULL, NULL));
        assert_false(np_netdef_matches(NULL, NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_by_id),
                cmocka_unit_test(test_by_name_glob),
                cmocka_unit_test(test_by_mac_permanent_first),
                cmocka_unit_test(test_by_driver),
                cmocka_unit_test(test_all_properties),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
