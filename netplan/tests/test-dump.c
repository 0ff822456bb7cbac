/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* np_config_dump: the merged model as `netplan get all` prints it on 0.106. */
#include <stdlib.h>
#include <string.h>

#include "netplan/tests/np-test.h"

static char *dump_of(const char *const *rel, const char *const *yaml, size_t n) {
        char *root = np_test_root();
        np_config *c = NULL;
        np_diag_list diags = {};
        for (size_t i = 0; i < n; i++)
                np_test_write(root, rel[i], yaml[i]);
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);
        char *s = np_config_dump(c);
        assert_non_null(s);
        np_config_free(c);
        np_diag_list_clear(&diags);
        np_test_rmrf(root);
        free(root);
        return s;
}

static void test_normalised(void **state) {
        const char *rel[] = { "etc/netplan/10-a.yaml", "etc/netplan/20-b.yaml" };
        const char *yaml[] = {
                "network:\n"
                "  version: 2\n"
                "  ethernets:\n"
                "    eth0:\n"
                "      dhcp4: yes\n"
                "      dhcp-identifier: duid\n"
                "      link-local: [ipv6]\n"
                "      addresses: [\"2001:db8::1/64\", 192.0.2.1/24]\n"
                "      routes: [{to: 198.51.100.0/24, type: unicast}]\n"
                "  bonds:\n"
                "    bond0:\n"
                "      interfaces: [eth0]\n"
                "      parameters: {all-slaves-active: on}\n",
                "network:\n"
                "  renderer: networkd\n"
                "  ethernets:\n"
                "    eth0:\n"
                "      dhcp6: n\n"
                "  wifis:\n"
                "    wl0:\n"
                "      access-points:\n"
                "        home: {password: \"s3cr3t-pass\", mode: infrastructure, band: 5G}\n",
        };
        char *s = dump_of(rel, yaml, 2);
        const char *want =
                "network:\n"
                "  version: 2\n"
                "  renderer: networkd\n"
                "  ethernets:\n"
                "    eth0:\n"
                "      dhcp4: true\n"
                "      addresses:\n"
                "      - 192.0.2.1/24\n"
                "      - 2001:db8::1/64\n"
                "      routes:\n"
                "      - to: 198.51.100.0/24\n"
                "        scope: link\n"
                "      dhcp6: false\n"
                "  wifis:\n"
                "    wl0:\n"
                "      access-points:\n"
                "        home:\n"
                "          band: 5GHz\n"
                "          auth:\n"
                "            key-management: psk\n"
                "            password: s3cr3t-pass\n"
                "  bonds:\n"
                "    bond0:\n"
                "      interfaces:\n"
                "      - eth0\n"
                "      parameters:\n"
                "        all-members-active: true\n";
        assert_string_equal(s, want);
        free(s);
}

static void test_renderer_and_empty(void **state) {
        const char *rel[] = { "etc/netplan/a.yaml" };
        const char *yaml[] = { "network:\n  bridges:\n    renderer: NetworkManager\n    br0: {parameters: {}}\n" };
        char *s = dump_of(rel, yaml, 1);
        assert_string_equal(s, "network:\n  version: 2\n  bridges:\n    br0:\n      parameters: {}\n      renderer: NetworkManager\n");
        free(s);
        const char *yaml2[] = { "network:\n  version: 2\n" };
        s = dump_of(rel, yaml2, 1);
        assert_string_equal(s, "");
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_normalised),
                cmocka_unit_test(test_renderer_and_empty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
