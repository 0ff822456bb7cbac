/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Precedence and merging across files, as netplan 0.106 does it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netplan/tests/np-test.h"

typedef struct fixture {
        char *root;
        np_config *c;
        np_diag_list diags;
} fixture;

static int setup(void **state) {
        fixture *f = calloc(1, sizeof(*f));
        f->root = np_test_root();
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture *f = *state;
        np_config_free(f->c);
        np_diag_list_clear(&f->diags);
        np_test_rmrf(f->root);
        free(f->root);
        free(f);
        return 0;
}

static int load(fixture *f) {
        np_config_free(f->c);
        f->c = NULL;
        np_diag_list_clear(&f->diags);
        return np_test_load(f->root, NULL, &f->c, &f->diags);
}

static void test_shadowing(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "lib/netplan/30-x.yaml", "network: {ethernets: {eth0: {mtu: 1000}}}\n");
        np_test_write(f->root, "etc/netplan/30-x.yaml", "network: {ethernets: {eth0: {mtu: 9000}}}\n");
        np_test_write(f->root, "run/netplan/30-x.yaml", "network: {ethernets: {eth0: {mtu: 1400}}}\n");
        /* not read at all: wrong extension, hidden */
        np_test_write(f->root, "etc/netplan/99-z.yml", "network: {ethernets: {eth0: {mtu: 1}}}\n");
        np_test_write(f->root, "etc/netplan/.99-z.yaml", "network: {ethernets: {eth0: {mtu: 2}}}\n");
        assert_int_equal(load(f), 0);
        assert_int_equal(np_config_n_files(f->c), 1);
        assert_non_null(strstr(np_config_file_at(f->c, 0), "/run/netplan/30-x.yaml"));
        const np_netdef *d = np_config_netdef_by_id(f->c, "eth0");
        assert_string_equal(np_node_scalar(np_node_get(d->node, "mtu")), "1400");
}

static void test_order_and_last_wins(void **state) {
        fixture *f = *state;
        /* parse order is strcmp of basenames, whatever the directory */
        np_test_write(f->root, "run/netplan/10-a.yaml", "network: {ethernets: {eth0: {dhcp4: true, mtu: 1500}}}\n");
        np_test_write(f->root, "etc/netplan/20-b.yaml", "network: {ethernets: {eth0: {dhcp4: false}}}\n");
        np_test_write(f->root, "lib/netplan/15-c.yaml", "network: {ethernets: {eth0: {mtu: 1400}}}\n");
        assert_int_equal(load(f), 0);
        assert_int_equal(np_config_n_files(f->c), 3);
        assert_non_null(strstr(np_config_file_at(f->c, 0), "10-a.yaml"));
        assert_non_null(strstr(np_config_file_at(f->c, 1), "15-c.yaml"));
        assert_non_null(strstr(np_config_file_at(f->c, 2), "20-b.yaml"));
        const np_netdef *d = np_config_netdef_by_id(f->c, "eth0");
        assert_false(d->dhcp4);
        assert_non_null(strstr(d->dhcp4_pos.file, "20-b.yaml"));
        assert_string_equal(np_node_scalar(np_node_get(d->node, "mtu")), "1400");
        /* the definition's position is where it was first defined */
        assert_non_null(strstr(d->pos.file, "10-a.yaml"));
}

static void test_lists_append_dedup(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "etc/netplan/10-a.yaml",
                      "network:\n  ethernets:\n    eth0:\n      addresses: [10.0.0.5/24]\n"
                      "      routes: [{to: 198.51.100.0/24, via: 10.0.0.1}]\n");
        np_test_write(f->root, "etc/netplan/20-b.yaml",
                      "network:\n  ethernets:\n    eth0:\n      addresses: [10.0.0.6/24, 10.0.0.5/24]\n"
                      "      routes: [{to: 198.51.100.0/24, via: 10.0.0.1}, {to: 203.0.113.0/24, via: 10.0.0.1}]\n");
        assert_int_equal(load(f), 0);
        const np_netdef *d = np_config_netdef_by_id(f->c, "eth0");
        assert_int_equal(d->n_addresses, 2);
        assert_string_equal(d->addresses[0].text, "10.0.0.5/24");
        assert_string_equal(d->addresses[1].text, "10.0.0.6/24");
        assert_int_equal(d->n_routes, 2);
}

static void test_forward_reference_across_files(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "etc/netplan/10-a.yaml", "network:\n  bridges:\n    br0:\n      interfaces: [eth0]\n");
        np_test_write(f->root, "etc/netplan/20-b.yaml", "network:\n  ethernets:\n    eth0: {}\n");
        assert_int_equal(load(f), -EINVAL);
        assert_null(f->c);
        assert_string_equal(np_test_first_error(f->root, &f->diags),
                            "etc/netplan/10-a.yaml:4:20: Error in network definition: br0: interface 'eth0' is not defined");
        /* the same within one file, in any order, is fine */
        np_test_rmrf(f->root);
        np_test_write(f->root, "etc/netplan/10-a.yaml",
                      "network:\n  bridges:\n    br0:\n      interfaces: [eth0]\n  ethernets:\n    eth0: {}\n");
        assert_int_equal(load(f), 0);
        assert_string_equal(np_config_netdef_by_id(f->c, "br0")->interfaces[0], "eth0");
}

static void test_type_change(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "etc/netplan/10-a.yaml", "network:\n  ethernets:\n    eth0: {}\n");
        np_test_write(f->root, "etc/netplan/20-b.yaml", "network:\n  bonds:\n    eth0: {}\n");
        assert_int_equal(load(f), -EINVAL);
        assert_string_equal(np_test_first_error(f->root, &f->diags),
                            "etc/netplan/20-b.yaml:3:5: Error in network definition: Updated definition 'eth0' changes device type");
}

static void test_renderer_last_wins(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "etc/netplan/10-a.yaml",
                      "network:\n  renderer: NetworkManager\n  ethernets:\n    eth0: {dhcp4: true}\n");
        np_test_write(f->root, "etc/netplan/20-b.yaml", "network:\n  renderer: networkd\n");
        np_test_write(f->root, "etc/netplan/30-c.yaml",
                      "network:\n  ethernets:\n    renderer: NetworkManager\n    eth1: {}\n  bonds:\n    bond0: {renderer: NetworkManager}\n");
        assert_int_equal(load(f), 0);
        assert_string_equal(np_config_renderer(f->c), "networkd");
        assert_string_equal(np_config_netdef_by_id(f->c, "eth0")->renderer, "networkd");
        assert_string_equal(np_config_netdef_by_id(f->c, "eth1")->renderer, "NetworkManager");
        assert_string_equal(np_config_netdef_by_id(f->c, "bond0")->renderer, "NetworkManager");
}

static void test_candidates(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "etc/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0: {dhcp4: true}\n");
        np_test_write(f->root, "cand/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0:\n      addresses: [192.0.2.9/24]\n");
        char cand[4096];
        snprintf(cand, sizeof cand, "%s/cand/50-cloud-init.yaml", f->root);
        const char *const cands[] = { cand };
        np_load_options o = { .root_dir = f->root, .candidates = cands, .n_candidates = 1, .netplan_version = "0.106" };
        assert_int_equal(np_config_load(&o, &f->c, &f->diags), 0);
        assert_int_equal(np_config_n_files(f->c), 1);
        assert_string_equal(np_config_file_at(f->c, 0), cand);
        const np_netdef *d = np_config_netdef_by_id(f->c, "eth0");
        assert_false(d->dhcp4);
        assert_int_equal(d->n_addresses, 1);
        assert_string_equal(d->addresses[0].pos.file, cand);
        assert_int_equal(f->diags.n, 0);
}

/* A second load through the same cache reads nothing again: the file is gone from disk
 * and the load still sees it. */
static void test_file_cache(void **state) {
        fixture *f = *state;
        _cleanup_(np_file_cache_freep) np_file_cache *cache = np_file_cache_new();
        np_config *again = NULL;
        char path[4096];

        assert_non_null(cache);
        np_test_write(f->root, "etc/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0: {dhcp4: true}\n");
        np_load_options o = { .root_dir = f->root, .netplan_version = "0.106", .cache = cache };
        assert_int_equal(np_config_load(&o, &f->c, &f->diags), 0);
        snprintf(path, sizeof path, "%s/etc/netplan/50-cloud-init.yaml", f->root);
        assert_int_equal(truncate(path, 0), 0);
        assert_int_equal(np_config_load(&o, &again, &f->diags), 0);
        assert_true(np_config_netdef_by_id(again, "eth0")->dhcp4);
        np_config_free(again);
        /* without the cache the file is read again: now empty */
        o.cache = NULL;
        assert_int_equal(np_config_load(&o, &again, &f->diags), 0);
        assert_null(np_config_netdef_by_id(again, "eth0"));
        np_config_free(again);
}

/* A candidate stands in etc/: a run/ file of its name shadows it when it is applied, so
 * that file is what is judged, and a warning says so. */
static void test_candidate_shadowed_by_run(void **state) {
        fixture *f = *state;
        np_test_write(f->root, "etc/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0: {dhcp4: true}\n");
        np_test_write(f->root, "run/netplan/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0: {dhcp6: true}\n");
        np_test_write(f->root, "cand/50-cloud-init.yaml", "network:\n  ethernets:\n    eth0:\n      addresses: [192.0.2.9/24]\n");
        char cand[4096], run[4096];
        snprintf(cand, sizeof cand, "%s/cand/50-cloud-init.yaml", f->root);
        snprintf(run, sizeof run, "%s/run/netplan/50-cloud-init.yaml", f->root);
        const char *const cands[] = { cand };
        np_load_options o = { .root_dir = f->root, .candidates = cands, .n_candidates = 1, .netplan_version = "0.106" };
        assert_int_equal(np_config_load(&o, &f->c, &f->diags), 0);
        assert_int_equal(np_config_n_files(f->c), 1);
        assert_string_equal(np_config_file_at(f->c, 0), run);
        const np_netdef *d = np_config_netdef_by_id(f->c, "eth0");
        assert_false(d->dhcp4);
        assert_true(d->dhcp6);
        assert_int_equal(d->n_addresses, 0);
        assert_int_equal(f->diags.n, 1);
        assert_int_equal(f->diags.items[0].severity, NP_SEVERITY_WARNING);
        assert_string_equal(f->diags.items[0].pos.file, cand);
        assert_non_null(strstr(f->diags.items[0].message, "shadowed by"));
        assert_non_null(strstr(f->diags.items[0].message, run));
}

static void test_duplicate_keys(void **state) {
        fixture *f = *state;
        /* one mapping naming a key twice: the last one wins, silently */
        np_test_write(f->root, "etc/netplan/10-a.yaml",
                      "network:\n  ethernets:\n    eth0:\n      dhcp4: true\n      dhcp4: false\n"
                      "  ethernets:\n    eth1: {}\n");
        assert_int_equal(load(f), 0);
        assert_false(np_config_netdef_by_id(f->c, "eth0")->dhcp4);
        assert_non_null(np_config_netdef_by_id(f->c, "eth1"));
}

static void test_implicit_match_name(void **state) {
        fixture *f = *state;
        /* eth0 first defined without match: netplan matches it by name "eth0" and keeps
         * that name when a later file adds a match by MAC */
        np_test_write(f->root, "etc/netplan/10-a.yaml", "network:\n  ethernets:\n    eth0: {dhcp4: true}\n");
        np_test_write(f->root, "etc/netplan/20-b.yaml",
                      "network:\n  ethernets:\n    eth0: {match: {macaddress: \"52:54:00:00:00:01\"}}\n");
        assert_int_equal(load(f), 0);
        const np_netdef *d = np_config_netdef_by_id(f->c, "eth0");
        assert_true(d->has_match);
        assert_string_equal(d->match_name, "eth0");
        assert_true(d->match_name_implicit);
        static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
        np_link_info renamed = { .name = "ens3", .mac = mac };
        assert_false(np_netdef_matches(d, &renamed));
        char *s = np_config_dump(f->c);
        assert_non_null(strstr(s, "      match:\n        name: eth0\n        macaddress: 52:54:00:00:00:01\n"));
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_shadowing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_order_and_last_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lists_append_dedup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forward_reference_across_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_type_change, setup, teardown),
                cmocka_unit_test_setup_teardown(test_renderer_last_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_candidates, setup, teardown),
                cmocka_unit_test_setup_teardown(test_candidate_shadowed_by_run, setup, teardown),
                cmocka_unit_test_setup_teardown(test_file_cache, setup, teardown),
                cmocka_unit_test_setup_teardown(test_duplicate_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_implicit_match_name, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
