/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's state directory: records round-trip, a write replaces a record whole,
 * torn temp files are ignored and swept, damaged records are refused, not guessed at. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostwatch/store.h"

static char dir[] = "/tmp/test-hostwatch-store.XXXXXX";

static void write_file(const char *name, const char *text) {
        char path[256];
        FILE *f;

        snprintf(path, sizeof path, "%s/machines/%s", dir, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static bool exists(const char *name) {
        char path[256];
        snprintf(path, sizeof path, "%s/machines/%s", dir, name);
        return access(path, F_OK) == 0;
}

static void test_round_trip(void **state) {
        Store *s = NULL;
        StoreRecord in = { .address = "2001:db8::7", .evidence = "agent", .verified_realtime_usec = 1234567 }, out;

        assert_int_equal(store_open(dir, &s), 0);
        assert_int_equal(store_load(s, "vm1", &out), -ENOENT);
        assert_int_equal(store_save(s, "vm1", &in), 0);
        assert_int_equal(store_load(s, "vm1", &out), 0);
        assert_string_equal(out.address, "2001:db8::7");
        assert_string_equal(out.evidence, "agent");
        assert_int_equal(out.verified_realtime_usec, 1234567);
        /* a second save replaces the first whole */
        snprintf(in.address, sizeof in.address, "192.0.2.9");
        assert_int_equal(store_save(s, "vm1", &in), 0);
        assert_int_equal(store_load(s, "vm1", &out), 0);
        assert_string_equal(out.address, "192.0.2.9");
        /* no temp file left behind by a save */
        assert_false(exists(".vm1.tmp"));
        assert_int_equal(store_remove(s, "vm1"), 0);
        assert_int_equal(store_load(s, "vm1", &out), -ENOENT);
        assert_int_equal(store_remove(s, "vm1"), 0);
        /* names are one path component with a suffix: ".." cannot escape */
        assert_int_equal(store_save(s, "..", &in), 0);
        assert_true(exists("...json"));
        assert_int_equal(store_remove(s, ".."), 0);
        store_free(s);
}

/* kill -9 in the middle of a save: the temp file holds half a record, the record is the old
 * one; the next open sweeps the temp file and reads the old record. */
static void test_torn_write(void **state) {
        Store *s = NULL;
        StoreRecord in = { .address = "192.0.2.5", .evidence = "lease" }, out;

        assert_int_equal(store_open(dir, &s), 0);
        assert_int_equal(store_save(s, "vm2", &in), 0);
        store_free(s);
        write_file(".vm2.tmp4242", "{\"address\":\"192.0.2.");
        assert_int_equal(store_open(dir, &s), 0);
        assert_false(exists(".vm2.tmp4242"));
        assert_int_equal(store_load(s, "vm2", &out), 0);
        assert_string_equal(out.address, "192.0.2.5");
        store_free(s);
}

static void test_damaged(void **state) {
        Store *s = NULL;
        StoreRecord out;
        char big[STORE_RECORD_MAX + 16];

        assert_int_equal(store_open(dir, &s), 0);
        write_file("a.json", "{\"address\":\"192.0.2.");
        assert_int_equal(store_load(s, "a", &out), -EBADMSG);
        write_file("b.json", "{\"address\":\"not an address\"}");
        assert_int_equal(store_load(s, "b", &out), -EBADMSG);
        write_file("c.json", "[1,2]");
        assert_int_equal(store_load(s, "c", &out), -EBADMSG);
        write_file("d.json", "{\"address\":7}");
        assert_int_equal(store_load(s, "d", &out), -EBADMSG);
        memset(big, ' ', sizeof big - 1);
        big[sizeof big - 1] = 0;
        write_file("e.json", big);
        assert_int_equal(store_load(s, "e", &out), -EBADMSG);
        write_file("f.json", "{\"address\":\"\"}");
        assert_int_equal(store_load(s, "f", &out), 0);
        assert_string_equal(out.address, "");
        store_free(s);
}

/* host-key: tofu: the learned pin survives a save of a new address and a reopen (the
 * restart after kill -9); a record without one has none; a damaged pin refuses the
 * record rather than let the machine learn a key again. */
static void test_pin_round_trip(void **state) {
        static const char key[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ7aXyGQ0bL2hS6vQ3Jt5m1mJqk0sVb1pJd8z2F0Gm8P";
        Store *s = NULL;
        StoreRecord in = { .address = "2001:db8::7", .evidence = "agent", .verified_realtime_usec = 5,
                           .host_key_learned_realtime_usec = 77 }, out;

        snprintf(in.host_key, sizeof in.host_key, "%s", key);
        snprintf(in.host_key_fingerprint, sizeof in.host_key_fingerprint, "SHA256:abc");
        assert_int_equal(store_open(dir, &s), 0);
        assert_int_equal(store_save(s, "tofu1", &in), 0);
        store_free(s);
        assert_int_equal(store_open(dir, &s), 0);
        assert_int_equal(store_load(s, "tofu1", &out), 0);
        assert_string_equal(out.host_key, key);
        assert_string_equal(out.host_key_fingerprint, "SHA256:abc");
        assert_int_equal(out.host_key_learned_realtime_usec, 77);
        assert_string_equal(out.address, "2001:db8::7");
        /* a new address keeps the pin when the caller passes it on */
        snprintf(out.address, sizeof out.address, "192.0.2.1");
        assert_int_equal(store_save(s, "tofu1", &out), 0);
        assert_int_equal(store_load(s, "tofu1", &out), 0);
        assert_string_equal(out.host_key, key);
        assert_string_equal(out.address, "192.0.2.1");
        /* a record without a pin: none */
        write_file("nopin.json", "{\"address\":\"192.0.2.3\"}");
        assert_int_equal(store_load(s, "nopin", &out), 0);
        assert_string_equal(out.host_key, "");
        /* damaged pins */
        write_file("p1.json", "{\"address\":\"\",\"host_key\":7}");
        assert_int_equal(store_load(s, "p1", &out), -EBADMSG);
        write_file("p2.json", "{\"address\":\"\",\"host_key\":\"ssh-ed25519\"}");
        assert_int_equal(store_load(s, "p2", &out), -EBADMSG);
        write_file("p3.json", "{\"address\":\"\",\"host_key\":\"ssh-ed25519 AAAA\\nevil\"}");
        assert_int_equal(store_load(s, "p3", &out), -EBADMSG);
        write_file("p4.json", "{\"address\":\"\",\"host_key\":\"ssh-ed25519 AAAA extra\"}");
        assert_int_equal(store_load(s, "p4", &out), -EBADMSG);
        store_free(s);
}

static void test_host_key_valid(void **state) {
        assert_true(store_host_key_valid("ssh-ed25519 AAAA+/=="));
        assert_true(store_host_key_valid("ecdsa-sha2-nistp256 AAAA"));
        assert_false(store_host_key_valid(""));
        assert_false(store_host_key_valid(" AAAA"));
        assert_false(store_host_key_valid("ssh-ed25519 "));
        assert_false(store_host_key_valid("ssh-ed25519"));
        assert_false(store_host_key_valid("ssh-ed25519  AAAA"));
        assert_false(store_host_key_valid("ssh ed25519 AAAA"));
        assert_false(store_host_key_valid("ssh-ed25519 AA\tAA"));
}

static int teardown(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_torn_write),
                cmocka_unit_test(test_damaged),
                cmocka_unit_test(test_pin_round_trip),
                cmocka_unit_test(test_host_key_valid),
        };
        if (!mkdtemp(dir))
                return 1;
        return cmocka_run_group_tests(tests, NULL, teardown);
}
