/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's config grammar: every key, and every error with its line:column. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hostwatch/daemon-config.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINkOgKFL+iAn8O2vjFSoilxi8m2z6CCTCfeazOfyfQRo"

static HwConfig *parse_ok(const char *text) {
        HwConfig *c = NULL;
        char *error = NULL;
        int r = hw_config_parse("hw.yaml", text, strlen(text), &c, &error);

        if (r < 0)
                print_error("unexpected error: %s\n", error ? error : "(none)");
        assert_int_equal(r, 0);
        assert_null(error);
        return c;
}

static void parse_fails(const char *text, const char *expect) {
        HwConfig *c = NULL;
        char *error = NULL;
        int r = hw_config_parse("hw.yaml", text, strlen(text), &c, &error);

        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_non_null(error);
        if (strncmp(error, expect, strlen(expect)) != 0)
                print_error("got:    %s\nexpect: %s...\n", error, expect);
        assert_true(strncmp(error, expect, strlen(expect)) == 0);
        free(error);
}

static void test_every_key(void **state) {
        HwConfig *c = parse_ok(
                "defaults:\n"
                "  ssh: { user: admin, identity: /etc/netguard/hostwatch/id_ed25519, port: 2222 }\n"
                "  backoff: { initial: 0.5, multiplier: 2, jitter: 0, max: 60, min-connect-timeout: 10 }\n"
                "  max-in-flight: 16\n"
                "  heartbeat: 7\n"
                "metrics: { file: /var/lib/node_exporter/hostwatch.prom, interval: 30,\n"
                "           socket: /run/netguard-hostwatch/metrics.sock }\n"
                "machines:\n"
                "  - name: vm1\n"
                "    channel: /run/netguard-hostwatch/vm1.sock\n"
                "    macaddress: \"52:54:00:12:34:56\"\n"
                "    networks: [192.0.2.0/24, \"2001:db8::/64\"]\n"
                "    host-key: \"" KEY "\"\n"
                "    leases: [/var/lib/misc/dnsmasq.leases]\n"
                "    probe-networks: true\n"
                "    ssh: { user: root, port: 22 }\n"
                "  - name: vm2\n"
                "    macaddress: \"52:54:00:12:34:57\"\n"
                "    networks: [198.51.100.0/24]\n"
                "    known-hosts: /etc/netguard/vm2.known_hosts\n");

        assert_string_equal(c->ssh.user, "admin");
        assert_string_equal(c->ssh.identity, "/etc/netguard/hostwatch/id_ed25519");
        assert_int_equal(c->ssh.port, 2222);
        assert_int_equal(c->backoff_initial_usec, 500000);
        assert_true(c->backoff_multiplier == 2);
        assert_true(c->backoff_jitter == 0);
        assert_int_equal(c->backoff_max_usec, 60000000);
        assert_int_equal(c->min_connect_timeout_usec, 10000000);
        assert_int_equal(c->max_in_flight, 16);
        assert_int_equal(c->heartbeat_sec, 7);
        assert_string_equal(c->metrics_file, "/var/lib/node_exporter/hostwatch.prom");
        assert_int_equal(c->metrics_interval_sec, 30);
        assert_string_equal(c->metrics_socket, "/run/netguard-hostwatch/metrics.sock");
        assert_int_equal(c->n_machines, 2);

        const HwMachineDef *m = hw_config_find(c, "vm1");
        assert_non_null(m);
        assert_string_equal(m->channel, "/run/netguard-hostwatch/vm1.sock");
        assert_string_equal(m->macaddress, "52:54:00:12:34:56");
        assert_string_equal(m->networks[0], "192.0.2.0/24");
        assert_string_equal(m->networks[1], "2001:db8::/64");
        assert_null(m->networks[2]);
        assert_string_equal(m->host_key, KEY);
        assert_string_equal(m->leases[0], "/var/lib/misc/dnsmasq.leases");
        assert_true(m->probe_networks);
        assert_string_equal(m->ssh.user, "root");
        assert_int_equal(m->ssh.port, 22);
        /* not overridden: inherited from defaults */
        assert_string_equal(m->ssh.identity, "/etc/netguard/hostwatch/id_ed25519");
        assert_int_equal(m->line, 9);
        assert_int_equal(m->column, 5);

        m = hw_config_find(c, "vm2");
        assert_non_null(m);
        assert_string_equal(m->known_hosts, "/etc/netguard/vm2.known_hosts");
        assert_null(m->host_key);
        assert_string_equal(m->ssh.user, "admin");
        assert_int_equal(m->ssh.port, 2222);
        assert_false(m->probe_networks);
        assert_null(hw_config_find(c, "vm3"));

        /* copies compare equal; a change does not */
        HwMachineDef copy;
        assert_int_equal(hw_machine_def_copy(m, &copy), 0);
        assert_true(hw_machine_def_equal(m, &copy));
        copy.ssh.port = 1;
        assert_false(hw_machine_def_equal(m, &copy));
        hw_machine_def_done(&copy);
        hw_config_free(c);
}

static void test_defaults(void **state) {
        HwConfig *c = parse_ok("");

        assert_int_equal(c->n_machines, 0);
        assert_int_equal(c->backoff_initial_usec, 0);   /* 0: the library's default */
        assert_true(c->backoff_jitter < 0);
        assert_int_equal(c->max_in_flight, 0);
        assert_int_equal(c->heartbeat_sec, 0);          /* auto */
        assert_null(c->metrics_file);
        assert_null(c->metrics_socket);
        hw_config_free(c);

        c = parse_ok("defaults:\n  heartbeat: auto\n");
        assert_int_equal(c->heartbeat_sec, 0);
        hw_config_free(c);

        c = parse_ok("machines:\n  - name: a\n    macaddress: \"52:54:00:00:00:01\"\n    networks: [192.0.2.0/24]\n"
                     "    host-key: \"" KEY "\"\n");
        assert_false(c->machines[0].tofu);
        assert_string_equal(c->machines[0].ssh.user, "root");
        assert_int_equal(c->machines[0].ssh.port, 22);
        assert_null(c->machines[0].ssh.identity);
        hw_config_free(c);
}

/* host-key: tofu: a machine of its own, with the identity from defaults or its own; an
 * explicit key or known-hosts beside it is refused; without any identity it is refused
 * at the machine's line (a key exchange alone proves nothing). */
static void test_tofu(void **state) {
        HwConfig *c = parse_ok("defaults:\n  ssh: { identity: /etc/netguard/id }\n"
                               "machines:\n  - name: a\n    macaddress: \"52:54:00:00:00:01\"\n"
                               "    networks: [192.0.2.0/24]\n    host-key: tofu\n"
                               "  - name: b\n    macaddress: \"52:54:00:00:00:02\"\n"
                               "    networks: [192.0.2.0/24]\n    host-key: \"" KEY "\"\n");
        const HwMachineDef *a = hw_config_find(c, "a"), *b = hw_config_find(c, "b");
        HwMachineDef copy;

        assert_true(a->tofu);
        assert_null(a->host_key);
        assert_null(a->known_hosts);
        assert_string_equal(a->ssh.identity, "/etc/netguard/id");
        assert_false(b->tofu);
        /* tofu is part of the machine: a reload from tofu to a key redoes it */
        assert_int_equal(hw_machine_def_copy(a, &copy), 0);
        assert_true(copy.tofu);
        assert_true(hw_machine_def_equal(a, &copy));
        copy.tofu = false;
        assert_false(hw_machine_def_equal(a, &copy));
        hw_machine_def_done(&copy);
        hw_config_free(c);

        c = parse_ok("machines:\n  - name: a\n    macaddress: \"52:54:00:00:00:01\"\n    networks: [192.0.2.0/24]\n"
                     "    host-key: tofu\n    ssh: { identity: /etc/netguard/id-a }\n");
        assert_true(c->machines[0].tofu);
        assert_string_equal(c->machines[0].ssh.identity, "/etc/netguard/id-a");
        hw_config_free(c);

        parse_fails("machines:\n  - name: a\n    macaddress: \"52:54:00:00:00:01\"\n    networks: [192.0.2.0/24]\n"
                    "    host-key: tofu\n",
                    "hw.yaml:2:5: machine 'a': host-key: tofu needs ssh.identity (here or in defaults)");
        parse_fails("defaults:\n  ssh: { identity: /etc/netguard/id }\n"
                    "machines:\n  - name: a\n    macaddress: \"52:54:00:00:00:01\"\n    networks: [192.0.2.0/24]\n"
                    "    host-key: tofu\n    known-hosts: /etc/netguard/a.known_hosts\n",
                    "hw.yaml:4:5: machine 'a': give one of 'host-key' or 'known-hosts', not both");
        parse_fails("machines:\n  - name: a\n    host-key: TOFU\n", "hw.yaml:3:15: invalid host-key 'TOFU...'");
}

/* metrics.socket: an absolute path short enough for sun_path; file and socket together. */
static void test_metrics_socket(void **state) {
        HwConfig *c = parse_ok("metrics: { socket: /run/hw/metrics.sock }\n");

        assert_string_equal(c->metrics_socket, "/run/hw/metrics.sock");
        assert_null(c->metrics_file);
        hw_config_free(c);
        c = parse_ok("metrics: { file: /tmp/x.prom, socket: /run/hw/m.sock }\n");
        assert_string_equal(c->metrics_socket, "/run/hw/m.sock");
        assert_string_equal(c->metrics_file, "/tmp/x.prom");
        hw_config_free(c);
        parse_fails("metrics: { socket: rel.sock }\n", "hw.yaml:1:20: 'metrics.socket'");
        parse_fails("metrics: { socket: /x/"
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }\n",
                    "hw.yaml:1:20: 'metrics.socket' is longer than a unix socket path");
        parse_fails("metrics: { socket: [a] }\n", "hw.yaml:1:20: ");
        parse_fails("metrics: { sockets: /x }\n", "hw.yaml:1:12: unknown key 'metrics.sockets'");
}

#define M "machines:\n  - name: vm1\n    macaddress: \"52:54:00:12:34:56\"\n    networks: [192.0.2.0/24]\n"

static void test_errors(void **state) {
        parse_fails("defaults: [1\n", "hw.yaml:2:1: invalid YAML");
        parse_fails("bogus: 1\n", "hw.yaml:1:1: unknown key 'bogus': expected defaults, machines or metrics");
        parse_fails("- 1\n", "hw.yaml:1:1: 'the config' needs a mapping");
        parse_fails("defaults:\n  sssh: {}\n", "hw.yaml:2:3: unknown key 'defaults.sssh'");
        parse_fails("defaults:\n  ssh: { usr: x }\n", "hw.yaml:2:10: unknown key 'defaults.ssh.usr'");
        parse_fails("defaults:\n  ssh: { port: 0 }\n", "hw.yaml:2:16: invalid 'ssh.port' '0'");
        parse_fails("defaults:\n  ssh: { port: 65536 }\n", "hw.yaml:2:16: invalid 'ssh.port' '65536'");
        parse_fails("defaults:\n  ssh: { identity: id }\n", "hw.yaml:2:20: 'ssh.identity' must be an absolute path");
        parse_fails("defaults:\n  ssh: { user: \"\" }\n", "hw.yaml:2:16: 'ssh.user' is empty");
        parse_fails("defaults:\n  ssh: { user: [a] }\n", "hw.yaml:2:16: 'ssh.user' needs a single value");
        parse_fails("defaults:\n  ssh: 1\n", "hw.yaml:2:8: 'defaults.ssh' needs a mapping");
        parse_fails("defaults:\n  backoff: { initial: 0 }\n", "hw.yaml:2:23: invalid 'backoff.initial' '0'");
        parse_fails("defaults:\n  backoff: { initial: x }\n", "hw.yaml:2:23: invalid 'backoff.initial' 'x'");
        parse_fails("defaults:\n  backoff: { multiplier: 0.5 }\n", "hw.yaml:2:26: invalid 'backoff.multiplier'");
        parse_fails("defaults:\n  backoff: { jitter: 2 }\n", "hw.yaml:2:22: invalid 'backoff.jitter'");
        parse_fails("defaults:\n  backoff: { max: 100000 }\n", "hw.yaml:2:19: invalid 'backoff.max'");
        parse_fails("defaults:\n  backoff: { min-connect-timeout: nan }\n",
                    "hw.yaml:2:35: invalid 'backoff.min-connect-timeout'");
        parse_fails("defaults:\n  backoff: { speed: 1 }\n", "hw.yaml:2:14: unknown key 'defaults.backoff.speed'");
        parse_fails("defaults:\n  max-in-flight: 0\n", "hw.yaml:2:18: invalid 'defaults.max-in-flight' '0'");
        parse_fails("defaults:\n  max-in-flight: -1\n", "hw.yaml:2:18: invalid 'defaults.max-in-flight' '-1'");
        parse_fails("defaults:\n  heartbeat: 3601\n", "hw.yaml:2:14: invalid 'defaults.heartbeat' '3601'");
        parse_fails("defaults:\n  heartbeat: often\n", "hw.yaml:2:14: invalid 'defaults.heartbeat' 'often': give 'auto'");
        parse_fails("metrics: { interval: 0 }\n", "hw.yaml:1:22: invalid 'metrics.interval' '0'");
        parse_fails("metrics: { file: x.prom }\n", "hw.yaml:1:18: 'metrics.file' must be an absolute path");
        parse_fails("metrics: { port: 9100 }\n", "hw.yaml:1:12: unknown key 'metrics.port'");
        parse_fails("machines: 1\n", "hw.yaml:1:11: 'machines' needs a list of machines");
        parse_fails("machines:\n  - 1\n", "hw.yaml:2:5: 'machines[]' needs a mapping");
        parse_fails("machines:\n  - macaddress: \"52:54:00:12:34:56\"\n", "hw.yaml:2:5: a machine needs a 'name'");
        parse_fails("machines:\n  - name: vm/1\n", "hw.yaml:2:11: invalid machine name 'vm/1'");
        parse_fails("machines:\n  - name: vm1\n", "hw.yaml:2:5: machine 'vm1' needs a 'macaddress'");
        parse_fails("machines:\n  - name: vm1\n    macaddress: 52:54:00\n", "hw.yaml:3:17: invalid MAC address '52:54:00'");
        parse_fails("machines:\n  - name: vm1\n    macaddress: \"52:54:00:12:34:56\"\n",
                    "hw.yaml:2:5: machine 'vm1' needs 'networks'");
        parse_fails(M, "hw.yaml:2:5: machine 'vm1' needs 'host-key'");
        parse_fails(M "    host-key: \"AAAA\"\n", "hw.yaml:5:15: invalid host-key 'AAAA...'");
        parse_fails(M "    host-key: \"" KEY "\"\n    known-hosts: /k\n",
                    "hw.yaml:2:5: machine 'vm1': give one of 'host-key' or 'known-hosts', not both");
        parse_fails(M "    known-hosts: k\n", "hw.yaml:5:18: 'known-hosts' must be an absolute path");
        parse_fails("machines:\n  - name: vm1\n    networks: 192.0.2.0/24\n", "hw.yaml:3:15: 'networks' needs a list");
        parse_fails("machines:\n  - name: vm1\n    networks: [192.0.2.0]\n", "hw.yaml:3:16: invalid network '192.0.2.0'");
        parse_fails("machines:\n  - name: vm1\n    networks: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q]\n",
                    "hw.yaml:3:15: 'networks' has 17 entries; at most 16");
        parse_fails(M "    leases: [rel]\n", "hw.yaml:5:14: 'leases' entries must be absolute paths");
        parse_fails(M "    probe-networks: maybe\n", "hw.yaml:5:21: invalid 'probe-networks' 'maybe'");
        parse_fails(M "    channel: /x/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                    "hw.yaml:5:14: 'channel' is longer than a unix socket path");
        parse_fails(M "    colour: red\n", "hw.yaml:5:5: unknown key 'machines[].colour'");
        parse_fails(M "    name: vm2\n", "hw.yaml:5:5: 'name' is given twice here");
        parse_fails(M "    host-key: tofu\n" "  - name: vm1\n    macaddress: \"52:54:00:12:34:57\"\n"
                      "    networks: [192.0.2.0/24]\n    host-key: tofu\n",
                    "hw.yaml:6:5: machine name 'vm1' is used twice (first at line 2)");
        {
                HwConfig *c = NULL;
                char *error = NULL;
                assert_int_equal(hw_config_parse("hw.yaml", "a\0b", 3, &c, &error), -EINVAL);
                assert_string_equal(error, "hw.yaml:1:1: contains a NUL byte: is it a text file?");
                free(error);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_key),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_tofu),
                cmocka_unit_test(test_metrics_socket),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
