/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/agent-config.h"
#include "agent/host-hint.h"
#include "common/file-read.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* What we write, agent-config reads back as the same hint. */
static void test_round_trip(void **state) {
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        _cleanup_free_ char *text = NULL;
        ProtoHostHello h = { .version_min = 1, .version_max = 1, .instance = 1 };

        (void) state;
        memcpy(h.mgmt_mac, mac, 6);
        assert_int_equal(ip_addr_from_string("2001:db8::1", AF_UNSPEC, &h.host_address), 0);
        assert_int_equal(host_hint_format(&h, &text), 0);
        assert_int_equal(agent_config_parse("hint", text, strlen(text), &c, NULL), 0);
        assert_true(c->has_mgmt_mac);
        assert_memory_equal(c->mgmt_mac, mac, 6);
        assert_true(ip_addr_equal(&c->mgmt_host, &h.host_address));
}

static void test_partial(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *e = NULL;
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        ProtoHostHello h = {};

        (void) state;
        assert_int_equal(host_hint_format(&h, &e), 0);
        assert_string_equal(e, "");
        memcpy(h.mgmt_mac, mac, 6);
        assert_int_equal(host_hint_format(&h, &a), 0);
        assert_non_null(strstr(a, "management: { macaddress: \"52:54:00:12:34:56\" }\n"));
        memset(h.mgmt_mac, 0, 6);
        assert_int_equal(ip_addr_from_string("192.0.2.1", AF_UNSPEC, &h.host_address), 0);
        assert_int_equal(host_hint_format(&h, &b), 0);
        assert_non_null(strstr(b, "management: { host: 192.0.2.1 }\n"));
        assert_int_equal(agent_config_parse("hint", b, strlen(b), &c, NULL), 0);
        assert_false(c->has_mgmt_mac);
        assert_true(ip_addr_is_set(&c->mgmt_host));
}

static void test_write(void **state) {
        char dir[] = "/tmp/test-host-hint-XXXXXX";
        _cleanup_free_ char *path = NULL, *data = NULL, *sub = NULL;
        _cleanup_(agent_config_freep) agent_config *c = NULL;
        ProtoHostHello h = {};
        size_t n;

        (void) state;
        assert_non_null(mkdtemp(dir));
        assert_true(asprintf(&sub, "%s/netguard", dir) > 0);
        assert_true(asprintf(&path, "%s/host-hint.yaml", sub) > 0);
        memcpy(h.mgmt_mac, mac, 6);
        /* The directory is made; the file replaced whole. */
        assert_int_equal(host_hint_write(path, &h), 0);
        assert_int_equal(ip_addr_from_string("192.0.2.1", AF_UNSPEC, &h.host_address), 0);
        assert_int_equal(host_hint_write(path, &h), 0);
        assert_int_equal(agent_config_load(path, &c, NULL), 0);
        assert_true(c->has_mgmt_mac);
        assert_true(ip_addr_is_set(&c->mgmt_host));
        assert_int_equal(read_file_bounded(path, 4096, 0, &data, &n, NULL), 0);
        /* A HELLO without hints removes the old one. */
        h = (ProtoHostHello) {};
        assert_int_equal(host_hint_write(path, &h), 0);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(host_hint_write(path, &h), 0);
        assert_int_equal(rmdir(sub), 0);
        assert_int_equal(rmdir(dir), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_partial),
                cmocka_unit_test(test_write),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
