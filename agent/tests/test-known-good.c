/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/known-good.h"
#include "common/fs-util.h"

static char dir[] = "/tmp/test-known-good.XXXXXX";

static int setup(void **state) {
        (void) state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        (void) state;
        return rm_rf(dir);
}

static void clean(void) {
        assert_int_equal(rm_rf(dir), 0);
        assert_int_equal(mkdir(dir, 0700), 0);
}

static netplan_set *set_of(const char *a, const char *b) {
        netplan_set *s;

        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put(s, "10-a.yaml", a, strlen(a)), 0);
        if (b)
                assert_int_equal(netplan_set_put(s, "20-b.yaml", b, strlen(b)), 0);
        return s;
}

static void overwrite(const char *rel, const char *data) {
        _cleanup_free_ char *p = NULL;
        FILE *f;

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(data, f);
        assert_int_equal(fclose(f), 0);
}

static void test_none(void **state) {
        _cleanup_(known_good_freep) known_good *k = NULL;
        _cleanup_free_ char *err = NULL;

        (void) state;
        clean();
        assert_false(known_good_exists(dir));
        assert_int_equal(known_good_load(dir, &k, &err), -ENOENT);
        assert_non_null(strstr(err, "no known-good configuration saved"));
}

/* Saved, switched, loaded with its proof; only the current and previous generations stay. */
static void test_generations(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s1 = set_of("one\n", "b\n"), *s2 = set_of("two\n", NULL),
                                                 *s3 = set_of("three\n", NULL);
        _cleanup_(known_good_freep) known_good *k = NULL;
        _cleanup_free_ char *g1 = NULL, *g2 = NULL, *g3 = NULL;
        struct stat st;

        (void) state;
        clean();
        assert_int_equal(known_good_save(dir, s1, 1000, "first start"), 0);
        assert_int_equal(known_good_load(dir, &k, NULL), 0);
        assert_true(netplan_set_equal(k->set, s1));
        assert_string_equal(k->source, "first start");
        assert_int_equal(k->time_usec, 1000);
        assert_int_equal(k->generation, 1);
        assert_false(k->from_previous);
        k = known_good_free(k);

        assert_int_equal(known_good_save(dir, s2, 2000, "confirmed try 1"), 0);
        assert_int_equal(known_good_save(dir, s3, 3000, "HOST_REACHED"), 0);
        assert_int_equal(known_good_load(dir, &k, NULL), 0);
        assert_true(netplan_set_equal(k->set, s3));
        assert_int_equal(k->generation, 3);
        assert_string_equal(k->source, "HOST_REACHED");
        assert_true(asprintf(&g1, "%s/gen-0000000001", dir) > 0);
        assert_true(asprintf(&g2, "%s/gen-0000000002", dir) > 0);
        assert_true(asprintf(&g3, "%s/gen-0000000003", dir) > 0);
        assert_int_equal(stat(g1, &st), -1);
        assert_int_equal(stat(g2, &st), 0);
        assert_int_equal(stat(g3, &st), 0);
        assert_int_equal(known_good_save(dir, s1, 4000, "two\nlines"), -EINVAL);
}

/* A changed file, a changed MANIFEST, a missing or extra file: each named; the previous
 * generation is used and says why. */
static void test_corrupt(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s1 = set_of("one\n", "b\n"), *s2 = set_of("two\n", "b\n");
        static const struct {
                const char *rel, *data, *want;
        } damage[] = {
                { "gen-0000000002/10-a.yaml", "tampered\n", "gen-0000000002/10-a.yaml: 9 bytes with sha256" },
                { "gen-0000000002/30-extra.yaml", "x\n", "gen-0000000002/30-extra.yaml: not listed in the MANIFEST" },
                { "gen-0000000002/MANIFEST", "garbage\n", "MANIFEST: malformed line 'garbage'" },
                { "gen-0000000002/MANIFEST", "", "MANIFEST: no 'set' line (cut short)" },
        };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(damage); i++) {
                _cleanup_(known_good_freep) known_good *k = NULL;

                clean();
                assert_int_equal(known_good_save(dir, s1, 1000, "first start"), 0);
                assert_int_equal(known_good_save(dir, s2, 2000, "confirmed try 1"), 0);
                overwrite(damage[i].rel, damage[i].data);
                assert_int_equal(known_good_load(dir, &k, NULL), 0);
                assert_true(k->from_previous);
                assert_true(netplan_set_equal(k->set, s1));
                if (!strstr(k->warning, damage[i].want))
                        fail_msg("%s: %s", damage[i].rel, k->warning);
                assert_non_null(strstr(k->warning, "using the previous known-good (generation 1, proven by first start)"));
        }
        {
                /* a missing file */
                _cleanup_(known_good_freep) known_good *k = NULL;
                _cleanup_free_ char *p = NULL;

                clean();
                assert_int_equal(known_good_save(dir, s1, 1000, "first start"), 0);
                assert_int_equal(known_good_save(dir, s2, 2000, "confirmed try 1"), 0);
                assert_true(asprintf(&p, "%s/gen-0000000002/20-b.yaml", dir) > 0);
                assert_int_equal(unlink(p), 0);
                assert_int_equal(known_good_load(dir, &k, NULL), 0);
                assert_non_null(strstr(k->warning, "20-b.yaml: listed in the MANIFEST but missing"));
        }
        {
                /* no previous generation to fall back on */
                _cleanup_(known_good_freep) known_good *k = NULL;
                _cleanup_free_ char *err = NULL;

                clean();
                assert_int_equal(known_good_save(dir, s1, 1000, "first start"), 0);
                overwrite("gen-0000000001/10-a.yaml", "tampered\n");
                assert_int_equal(known_good_load(dir, &k, &err), -EBADMSG);
                assert_null(k);
                assert_non_null(strstr(err, "(the file was changed after it was proven)"));
                assert_non_null(strstr(err, "no previous generation is readable"));
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_none),
                cmocka_unit_test(test_generations),
                cmocka_unit_test(test_corrupt),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
