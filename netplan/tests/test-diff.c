/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* np_config_diff: which definitions changed and which keys. */
#include <stdlib.h>
#include <string.h>

#include "netplan/tests/np-test.h"

static np_config *load_one(const char *root, const char *yaml) {
        np_config *c = NULL;
        np_diag_list diags = {};
        np_test_write(root, "etc/netplan/50-x.yaml", yaml);
        assert_int_equal(np_test_load(root, NULL, &c, &diags), 0);
        np_diag_list_clear(&diags);
        return c;
}

static const np_change *find(const np_diff *d, const char *id, const char *path) {
        for (size_t i = 0; i < d->n; i++)
                if (strcmp(d->changes[i].id, id) == 0 &&
                    ((!path && !d->changes[i].path) || (path && d->changes[i].path && strcmp(d->changes[i].path, path) == 0)))
                        return &d->changes[i];
        return NULL;
}

static void test_diff(void **state) {
        char *root = np_test_root();
        np_config *a = load_one(root,
                                "network:\n  ethernets:\n    mgmt0:\n      dhcp4: true\n      addresses: [192.0.2.5/24]\n"
                                "      nameservers: {addresses: [192.0.2.53]}\n"
                                "    eth1: {dhcp4: yes}\n    gone: {}\n");
        np_config *b = load_one(root,
                                "network:\n  ethernets:\n    mgmt0:\n      dhcp4: false\n      addresses: [198.51.100.5/24]\n"
                                "      nameservers: {addresses: [192.0.2.53], search: [example.org]}\n"
                                "      set-name: mgmt0\n      match: {name: ens3}\n"
                                "    eth1: {dhcp4: true}\n    new0: {}\n");
        np_diff d = {};
        assert_int_equal(np_config_diff(a, b, &d), 0);

        const np_change *c = find(&d, "mgmt0", "dhcp4");
        assert_non_null(c);
        assert_int_equal(c->kind, NP_CHANGE_MODIFIED);
        assert_int_equal(c->old_pos.line, 4);
        assert_int_equal(c->new_pos.line, 4);
        assert_non_null(find(&d, "mgmt0", "addresses"));
        c = find(&d, "mgmt0", "nameservers.search");
        assert_non_null(c);
        assert_int_equal(c->kind, NP_CHANGE_ADDED);
        assert_null(find(&d, "mgmt0", "nameservers.addresses"));
        assert_int_equal(find(&d, "mgmt0", "set-name")->kind, NP_CHANGE_ADDED);
        assert_int_equal(find(&d, "mgmt0", "match")->kind, NP_CHANGE_ADDED);
        /* yes == true: no change */
        assert_null(find(&d, "eth1", "dhcp4"));
        c = find(&d, "gone", NULL);
        assert_non_null(c);
        assert_int_equal(c->kind, NP_CHANGE_REMOVED);
        c = find(&d, "new0", NULL);
        assert_non_null(c);
        assert_int_equal(c->kind, NP_CHANGE_ADDED);
        assert_int_equal(c->type, NP_DEF_ETHERNET);
        assert_int_equal(d.n, 7);
        np_diff_clear(&d);
        assert_int_equal(d.n, 0);

        /* identical configurations: nothing */
        assert_int_equal(np_config_diff(a, a, &d), 0);
        assert_int_equal(d.n, 0);
        np_diff_clear(&d);

        np_config_free(a);
        np_config_free(b);
        np_test_rmrf(root);
        free(root);
}

static void test_membership_and_type(void **state) {
        char *root = np_test_root();
        np_config *a = load_one(root, "network:\n  ethernets:\n    eth0: {}\n    eth1: {}\n  bonds:\n    bond0: {interfaces: [eth0]}\n");
        np_config *b = load_one(root, "network:\n  ethernets:\n    eth0: {}\n    eth1: {}\n  bonds:\n    bond0: {interfaces: [eth0, eth1]}\n"
                                      "  bridges:\n    eth9: {}\n");
        np_diff d = {};
        assert_int_equal(np_config_diff(a, b, &d), 0);
        assert_int_equal(find(&d, "bond0", "interfaces")->kind, NP_CHANGE_MODIFIED);
        assert_int_equal(find(&d, "eth9", NULL)->type, NP_DEF_BRIDGE);
        assert_int_equal(d.n, 2);
        np_diff_clear(&d);
        np_config_free(a);
        np_config_free(b);
        np_test_rmrf(root);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_diff),
                cmocka_unit_test(test_membership_and_type),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
