/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics in netplan's own format and wording (verified against 0.106). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netplan/tests/np-test.h"

static void expect(const char *yaml, int want_r, const char *want_line) {
        char *root = np_test_root();
        np_diag_list diags = {};
        np_test_write(root, "etc/netplan/01-test.yaml", yaml);
        int r = np_test_load(root, NULL, NULL, &diags);
        if (r != want_r || strcmp(np_test_first_error(root, &diags), want_line) != 0)
                fail_msg("got %d '%s', want %d '%s'", r, np_test_first_error(root, &diags), want_r, want_line);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

#define E(line) "etc/netplan/01-test.yaml:" line

static void test_definition_errors(void **state) {
        expect("network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp5: true\n", -EINVAL,
               E("5:7: Error in network definition: unknown key 'dhcp5'"));
        expect("network:\n  ethernets:\n    eth0: {dhcp4: 1}\n", -EINVAL,
               E("3:19: Error in network definition: invalid boolean value '1'"));
        expect("network:\n  ethernets:\n    eth0:\n      addresses: [10.0.0.300/24]\n", -EINVAL,
               E("4:18: Error in network definition: malformed address '10.0.0.300/24', must be X.X.X.X/NN or X:X:X:X:X:X:X:X/NN"));
        expect("network:\n  ethernets:\n    eth0:\n      addresses: [10.0.0.3]\n", -EINVAL,
               E("4:18: Error in network definition: address '10.0.0.3' is missing /prefixlength"));
        expect("network:\n  ethernets:\n    eth0:\n      addresses: [10.0.0.3/0]\n", -EINVAL,
               E("4:18: Error in network definition: invalid prefix length in address '10.0.0.3/0'"));
        expect("network:\n  ethernets:\n    eth0:\n      macaddress: 00:11:22:33:44\n", -EINVAL,
               E("4:19: Error in network definition: Invalid MAC address '00:11:22:33:44', must be XX:XX:XX:XX:XX:XX or "
                 "XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX:XX"));
        expect("network:\n  ethernets:\n    eth0:\n      set-name: x\n", -EINVAL,
               E("4:7: Error in network definition: eth0: 'set-name:' requires 'match:' properties"));
        expect("network:\n  ethernets:\n    eth*: {}\n", -EINVAL,
               E("3:5: Error in network definition: Definition ID 'eth*' must not use globbing"));
        expect("network:\n  version: 3\n", -EINVAL, E("2:12: Error in network definition: Only version 2 is supported"));
        expect("network:\n  renderer: systemd\n", -EINVAL, E("2:13: Error in network definition: unknown renderer 'systemd'"));
        expect("network:\n  ethernets: []\n", -EINVAL, E("2:14: Error in network definition: expected mapping (check indentation)"));
        expect("network:\n  vlans:\n    v1: {id: 1}\n", -EINVAL, E("3:9: Error in network definition: v1: missing 'link' property"));
        expect("network:\n  vlans:\n    v1: {id: 1, link: eth9}\n", -EINVAL,
               E("3:23: Error in network definition: v1: interface 'eth9' is not defined"));
        /* several undefined ids: netplan names the first in its GHashTable's order */
        expect("network:\n  bridges:\n    br0:\n      interfaces: [eth0, eth1, ens3, wlan0]\n", -EINVAL,
               E("4:32: Error in network definition: br0: interface 'ens3' is not defined"));
        expect("network:\n  bonds:\n    bond0:\n      interfaces: [zz9, abc]\n  bridges:\n    br0:\n      interfaces: [abc, eth7]\n",
               -EINVAL, E("4:20: Error in network definition: bond0: interface 'zz9' is not defined"));
        expect("network:\n  ethernets:\n    eth0:\n      routes: [{to: abc/24, via: 10.0.0.1}]\n", -EINVAL,
               E("4:21: Error in network definition: invalid IP family '-1'"));
        /* flags from a fixed set, in any case */
        expect("network:\n  ethernets:\n    eth0:\n      link-local: [IPv4, ipv5]\n", -EINVAL,
               E("4:19: Error in network definition: invalid value for link-local: 'ipv5'"));
        expect("network:\n  ethernets:\n    eth0:\n      optional-addresses: [DHCP4, nope]\n", -EINVAL,
               E("4:27: Error in network definition: invalid value for optional-addresses: 'nope'"));
        expect("network:\n  ethernets:\n    eth0:\n      link-local: [[x]]\n", -EINVAL,
               E("4:20: Error in network definition: expected scalar"));
        expect("network:\n  tunnels:\n    vx0:\n      mode: vxlan\n      id: 5\n      checksums: [UDP, bogus]\n", -EINVAL,
               E("6:18: Error in network definition: invalid value for checksums: 'bogus'"));
        expect("network:\n  renderer: NetworkManager\n  ethernets:\n    eth0: {match: {driver: e1000}}\n", -EINVAL,
               "ERROR: eth0: NetworkManager definitions do not support matching by driver");
}

static void test_yaml_errors(void **state) {
        expect("network:\n  ethernets:\n    e:\n\tdhcp4: true\n", -EINVAL,
               E("4:1: Invalid YAML: tabs are not allowed for indent:"));
        expect("network:\n  version: 2\n  ethernets:\n    e:\n      dhcp4: true\n     dhcp6: true\n", -EINVAL,
               E("6:6: Invalid YAML: inconsistent indentation:"));
        expect("network:\n  ethernets:\n    e:\n      dhcp4: *nope\n", -EINVAL,
               E("4:14: Invalid YAML: aliases are not supported:"));
        expect("network:\n  ethernets:\n    e: {dhcp4: true\n", -EINVAL,
               E("4:1: Invalid YAML: did not find expected ',' or '}':"));
        expect("network:\n  ethernets:\n    e:\n      dhcp4: @x\n", -EINVAL,
               E("4:14: Invalid YAML: found character that cannot start any token:"));
        /* defined anchors and aliases are resolved, as libyaml's loader does for netplan */
        expect("network:\n  ethernets:\n    e: &x {dhcp4: true}\n    f: *x\n", 0, "");
}

static void test_full_format(void **state) {
        char *root = np_test_root();
        np_diag_list diags = {};
        np_test_write(root, "etc/netplan/01-test.yaml", "network:\n  ethernets:\n    eth0:\n      dhcp5: true\n");
        assert_int_equal(np_test_load(root, NULL, NULL, &diags), -EINVAL);
        assert_int_equal(diags.n_errors, 1);
        const np_diag *d = &diags.items[0];
        assert_int_equal(d->kind, NP_DIAG_DEFINITION);
        assert_int_equal(d->pos.line, 4);
        assert_int_equal(d->pos.column, 7);
        assert_string_equal(d->message, "unknown key 'dhcp5'");
        assert_string_equal(d->source_line, "      dhcp5: true");
        char *s = np_diag_format(d);
        char want[4096];
        snprintf(want, sizeof want, "%s/etc/netplan/01-test.yaml:4:7: Error in network definition: unknown key 'dhcp5'\n"
                                    "      dhcp5: true\n      ^\n", root);
        assert_string_equal(s, want);
        free(s);
        np_diag_list_clear(&diags);
        assert_int_equal(diags.n, 0);
        np_test_rmrf(root);
        free(root);
}

static void test_newer_netplan(void **state) {
        char *root = np_test_root();
        np_diag_list diags = {};
        np_test_write(root, "etc/netplan/01-test.yaml",
                      "network:\n  ethernets:\n    eth0:\n      routes: [{to: default, via: 10.0.0.1, advertised-mss: 1400}]\n");
        assert_int_equal(np_test_load(root, "0.106", NULL, &diags), -EINVAL);
        assert_int_equal(diags.items[0].kind, NP_DIAG_NEWER_NETPLAN);
        assert_string_equal(diags.items[0].newer_version, "1.1");
        /* worded as netplan 0.106 words it */
        assert_string_equal(np_test_first_error(root, &diags),
                            "etc/netplan/01-test.yaml:4:45: Error in network definition: unknown key 'advertised-mss'");
        np_diag_list_clear(&diags);
        assert_int_equal(np_test_load(root, "1.1", NULL, &diags), 0);
        np_diag_list_clear(&diags);

        np_test_write(root, "etc/netplan/01-test.yaml",
                      "network:\n  wifis:\n    wl0:\n      access-points:\n        home: {auth: {key-management: sae}}\n");
        assert_int_equal(np_test_load(root, "0.106", NULL, &diags), -EINVAL);
        assert_int_equal(diags.items[0].kind, NP_DIAG_NEWER_NETPLAN);
        assert_string_equal(diags.items[0].newer_version, "0.107");
        np_diag_list_clear(&diags);
        assert_int_equal(np_test_load(root, "0.107", NULL, &diags), 0);
        np_diag_list_clear(&diags);
        /* a malformed version is refused */
        assert_int_equal(np_test_load(root, "banana", NULL, &diags), -EINVAL);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

static void test_warnings(void **state) {
        char *root = np_test_root();
        np_diag_list diags = {};
        np_test_write(root, "etc/netplan/01-test.yaml", "network:\n  ethernets:\n    eth0: {gateway4: 10.0.0.1}\n");
        char path[4096];
        snprintf(path, sizeof path, "%s/etc/netplan/01-test.yaml", root);
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(np_test_load(root, NULL, NULL, &diags), 0);
        assert_int_equal(diags.n_errors, 0);
        assert_int_equal(diags.n, 2);
        bool perm = false, gw = false;
        for (size_t i = 0; i < diags.n; i++) {
                assert_int_equal(diags.items[i].severity, NP_SEVERITY_WARNING);
                perm = perm || strstr(diags.items[i].message, "are too open") != NULL;
                gw = gw || strstr(diags.items[i].message, "`gateway4` has been deprecated") != NULL;
        }
        assert_true(perm && gw);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_definition_errors),
                cmocka_unit_test(test_yaml_errors),
                cmocka_unit_test(test_full_format),
                cmocka_unit_test(test_newer_netplan),
                cmocka_unit_test(test_warnings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
