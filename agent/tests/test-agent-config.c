/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent-config.h"

static int parse(const char *text, agent_config **ret, char **error) {
        return agent_config_parse("agent.yaml", text, strlen(text), ret, error);
}

static void test_full(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
        struct in_addr host;

        (void) state;
        assert_int_equal(parse("management: { macaddress: \"52:54:00:12:34:56\", host: 192.0.2.1 }\n"
                               "port: /dev/virtio-ports/io.netguard.agent.0\n"
                               "apply: networkd\n"
                               "try: { timeout: 60, grace: 5, confirm: local }\n"
                               "heartbeat: 5\n"
                               "reopen: 2\n",
                               &c, NULL),
                         0);
        assert_true(c->has_mgmt_mac);
        assert_memory_equal(c->mgmt_mac, mac, 6);
        assert_int_equal(c->mgmt_mac_pos.line, 1);
        assert_int_equal(c->mgmt_mac_pos.column, 27);
        assert_null(c->mgmt_name);
        assert_true(ip_addr_is_set(&c->mgmt_host));
        assert_int_equal(c->mgmt_host.family, AF_INET);
        inet_pton(AF_INET, "192.0.2.1", &host);
        assert_int_equal(c->mgmt_host.in.s_addr, host.s_addr);
        assert_string_equal(c->port, "/dev/virtio-ports/io.netguard.agent.0");
        assert_int_equal(c->apply, AGENT_APPLY_NETWORKD);
        assert_int_equal(c->try_timeout, 60);
        assert_int_equal(c->try_grace, 5);
        assert_int_equal(c->try_confirm, AGENT_CONFIRM_LOCAL);
        assert_int_equal(c->heartbeat, 5);
        assert_int_equal(c->reopen, 2);
}

static void test_defaults(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL, *d = NULL;

        (void) state;
        assert_int_equal(parse("", &c, NULL), 0);
        assert_false(c->has_mgmt_mac);
        assert_null(c->mgmt_name);
        assert_false(ip_addr_is_set(&c->mgmt_host));
        assert_int_equal(c->apply, AGENT_APPLY_NETPLAN);
        assert_int_equal(c->try_timeout, 120);
        assert_int_equal(c->try_grace, 10);
        assert_int_equal(c->try_confirm, AGENT_CONFIRM_HOST);
        assert_int_equal(c->heartbeat, AGENT_HEARTBEAT_DEFAULT);
        assert_int_equal(c->reopen, AGENT_REOPEN_DEFAULT);
        assert_int_equal(parse("# only a comment\n", &d, NULL), 0);
}

static void test_name_and_ipv6_host(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;

        (void) state;
        assert_int_equal(parse("management:\n  name: enp1s0\n  host: 2001:db8::1\n", &c, NULL), 0);
        assert_string_equal(c->mgmt_name, "enp1s0");
        assert_int_equal(c->mgmt_name_pos.line, 2);
        assert_int_equal(c->mgmt_name_pos.column, 9);
        assert_int_equal(c->mgmt_host.family, AF_INET6);
}

static void test_apply_argv(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        _cleanup_free_ char *error = NULL;

        (void) state;
        assert_int_equal(parse("apply: [/usr/sbin/netplan, apply]\n", &c, NULL), 0);
        assert_int_equal(c->apply, AGENT_APPLY_COMMAND);
        assert_string_equal(c->apply_argv[0], "/usr/sbin/netplan");
        assert_string_equal(c->apply_argv[1], "apply");
        assert_null(c->apply_argv[2]);
        assert_int_equal(parse("apply: [netplan]\n", &c, &error), -EINVAL);
        assert_non_null(strstr(error, "absolute"));
}

static void expect_error(const char *text, const char *where, const char *what) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        _cleanup_free_ char *error = NULL;

        assert_int_equal(parse(text, &c, &error), -EINVAL);
        assert_null(c);
        assert_non_null(error);
        if (strncmp(error, where, strlen(where)) != 0 || !strstr(error, what))
                fail_msg("'%s' gave '%s', expected '%s...%s'", text, error, where, what);
}

static void test_errors(void **state) {
        (void) state;
        expect_error("mangement: {name: eth0}\n", "agent.yaml:1:1: ", "unknown key 'mangement'");
        expect_error("management:\n  name: eth0\n  hots: 192.0.2.1\n", "agent.yaml:3:3: ", "management.hots");
        expect_error("management: {macaddress: 52:54:00:12:34}\n", "agent.yaml:1:26: ", "invalid MAC");
        expect_error("management: {host: 192.0.2.300}\n", "agent.yaml:1:20: ", "invalid IP");
        expect_error("management: {name: a/b}\n", "agent.yaml:1:20: ", "invalid interface name");
        expect_error("management: {name: eth0, macaddress: \"52:54:00:12:34:56\"}\n", "agent.yaml:1:", "either");
        expect_error("management: eth0\n", "agent.yaml:1:13: ", "needs a mapping");
        expect_error("try: {timeout: 0}\n", "agent.yaml:1:16: ", "try.timeout");
        expect_error("try: {confirm: later}\n", "agent.yaml:1:16: ", "try.confirm");
        expect_error("try: {retries: 3}\n", "agent.yaml:1:7: ", "try.retries");
        expect_error("heartbeat: 0\n", "agent.yaml:1:12: ", "'heartbeat' '0' (seconds, 1-3600)");
        expect_error("reopen: 601\n", "agent.yaml:1:9: ", "'reopen' '601' (seconds, 1-600)");
        expect_error("reopen: [1]\n", "agent.yaml:1:9: ", "'reopen' needs a scalar");
        expect_error("apply: systemd\n", "agent.yaml:1:8: ", "apply");
        expect_error("port: relative\n", "agent.yaml:1:7: ", "absolute");
        expect_error("- a\n- b\n", "agent.yaml:1:1: ", "mapping");
        expect_error("management: {name: [eth0]}\n", "agent.yaml:1:20: ", "scalar");
        expect_error("management: {name: eth0\n", "agent.yaml:2:1: ", "invalid YAML");
}

static void test_guard(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL, *d = NULL;

        (void) state;
        assert_int_equal(parse("guard: {restore-after: 300}\n", &c, NULL), 0);
        assert_int_equal(c->guard_restore_after, 300);
        /* Off unless asked for. */
        assert_int_equal(parse("try: {timeout: 60}\n", &d, NULL), 0);
        assert_int_equal(d->guard_restore_after, 0);
        expect_error("guard: {restore-after: 5}\n", "agent.yaml:1:24: ", "'guard.restore-after' '5' (seconds, 10-86400)");
        expect_error("guard: {restore-after: 86401}\n", "agent.yaml:1:24: ", "guard.restore-after");
        expect_error("guard:\n  restore_after: 60\n", "agent.yaml:2:3: ", "guard.restore_after");
        expect_error("guard: 60\n", "agent.yaml:1:8: ", "needs a mapping");
}

static void test_load(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        char path[] = "/tmp/test-agent-config-XXXXXX";
        int fd;

        (void) state;
        assert_int_equal(agent_config_load("/nonexistent/agent.yaml", &c, NULL), -ENOENT);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "management: {name: gv}\n", 23), 23);
        assert_int_equal(agent_config_load(path, &c, NULL), 0);
        assert_string_equal(c->mgmt_name, "gv");
        assert_string_equal(c->path, path);
        agent_config_free(TAKE_PTR(c));

        /* Bigger than a config can be. */
        char block[4096];
        memset(block, '#', sizeof(block));
        for (unsigned i = 0; i <= AGENT_CONFIG_MAX_SIZE / sizeof(block); i++)
                assert_int_equal(write(fd, block, sizeof(block)), (ssize_t) sizeof(block));
        assert_int_equal(agent_config_load(path, &c, NULL), -EFBIG);
        close(fd);
        unlink(path);

        assert_int_equal(agent_config_load("/tmp", &c, NULL), -EISDIR);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_name_and_ipv6_host),
                cmocka_unit_test(test_apply_argv),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_guard),
                cmocka_unit_test(test_load),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
