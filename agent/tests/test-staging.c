/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* staging.c and rejected.c: the candidate's shadows in run/netplan and the copies kept. */
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

#include "agent/rejected.h"
#include "agent/staging.h"
#include "common/file-read.h"
#include "common/fs-util.h"

static char dir[] = "/tmp/test-staging.XXXXXX";

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

static void put(netplan_set *s, const char *name, const char *data) {
        assert_int_equal(netplan_set_put(s, name, data, strlen(data)), 0);
}

static char *slurp(const char *rel) {
        _cleanup_free_ char *p = NULL;
        char *data = NULL;
        size_t n;

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        if (read_file_bounded(p, 1 << 20, 0, &data, &n, NULL) < 0)
                return NULL;
        return data;
}

static void test_plan(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *cand = NULL, *base = NULL, *plan = NULL;

        (void) state;
        assert_int_equal(netplan_set_new(&cand), 0);
        assert_int_equal(netplan_set_new(&base), 0);
        put(base, "10-a.yaml", "old a\n");
        put(base, "20-b.yaml", "old b\n");
        put(cand, "10-a.yaml", "new a\n");
        put(cand, "30-c.yaml", "new c\n");
        assert_int_equal(staging_plan(cand, base, &plan), 0);
        assert_int_equal(plan->n_files, 3);
        assert_memory_equal(netplan_set_find(plan, "10-a.yaml")->data, "new a\n", 6);
        /* the file the candidate removes is shadowed by an empty configuration */
        assert_string_equal((const char *) netplan_set_find(plan, "20-b.yaml")->data, "network: {version: 2}\n");
        assert_non_null(netplan_set_find(plan, "30-c.yaml"));
}

/* Only our own files go, and only while they hold our bytes; a changed one is returned. */
static void test_clear_only_own(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *plan = NULL, *foreign = NULL;
        _cleanup_free_ char *run = NULL, *err = NULL, *other = NULL, *changed = NULL, *gone = NULL;
        FILE *f;

        (void) state;
        clean();
        assert_true(asprintf(&run, "%s/run/netplan", dir) > 0);
        assert_int_equal(netplan_set_new(&plan), 0);
        put(plan, "10-a.yaml", "a\n");
        put(plan, "20-b.yaml", "b\n");
        put(plan, "30-c.yaml", "c\n");
        assert_int_equal(staging_write(run, plan, &err), 0);
        /* someone else's file, and one of ours changed behind our back */
        assert_int_equal(mkdir_p(run, 0755), 0);
        assert_true(asprintf(&other, "%s/99-other.yaml", run) > 0);
        f = fopen(other, "we");
        assert_non_null(f);
        fputs("x\n", f);
        fclose(f);
        assert_true(asprintf(&changed, "%s/20-b.yaml", run) > 0);
        f = fopen(changed, "we");
        assert_non_null(f);
        fputs("edited by hand\n", f);
        fclose(f);
        assert_true(asprintf(&gone, "%s/30-c.yaml", run) > 0);
        assert_int_equal(unlink(gone), 0);

        assert_int_equal(staging_clear(run, plan, &foreign), 1);
        assert_null(slurp("run/netplan/10-a.yaml"));
        free(err), err = slurp("run/netplan/20-b.yaml");
        assert_string_equal(err, "edited by hand\n");
        free(err), err = slurp("run/netplan/99-other.yaml");
        assert_string_equal(err, "x\n");
        assert_non_null(foreign);
        assert_int_equal(foreign->n_files, 1);
        assert_string_equal(foreign->files[0].name, "20-b.yaml");
        /* after copying it, the caller removes exactly that */
        assert_int_equal(staging_remove_foreign(run, foreign), 1);
        assert_null(slurp("run/netplan/20-b.yaml"));
        free(err), err = slurp("run/netplan/99-other.yaml");
        assert_non_null(err);
}

static void test_write_refuses_existing(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *plan = NULL;
        _cleanup_free_ char *run = NULL, *err = NULL, *data = NULL;

        (void) state;
        clean();
        assert_true(asprintf(&run, "%s/run/netplan", dir) > 0);
        assert_int_equal(netplan_set_new(&plan), 0);
        put(plan, "10-a.yaml", "a\n");
        put(plan, "20-b.yaml", "b\n");
        assert_int_equal(staging_write(run, plan, NULL), 0);
        put(plan, "20-b.yaml", "other\n");
        put(plan, "05-first.yaml", "first\n");
        assert_int_equal(staging_write(run, plan, &err), -EEXIST);
        assert_non_null(strstr(err, "10-a.yaml exists"));
        /* nothing was written before the refusal */
        assert_null(slurp("run/netplan/05-first.yaml"));
        data = slurp("run/netplan/20-b.yaml");
        assert_string_equal(data, "b\n");
}

/* Never overwritten: a second rejection of the same id gets <id>.2, then <id>.3. */
static void test_rejected_never_overwrites(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *cand = NULL, *etc = NULL, *run = NULL;
        _cleanup_free_ char *rej = NULL, *p1 = NULL, *p2 = NULL, *p3 = NULL, *data = NULL;

        (void) state;
        clean();
        assert_true(asprintf(&rej, "%s/rejected", dir) > 0);
        assert_int_equal(netplan_set_new(&cand), 0);
        assert_int_equal(netplan_set_new(&etc), 0);
        assert_int_equal(netplan_set_new(&run), 0);
        put(cand, "10-a.yaml", "candidate\n");
        put(etc, "50-user.yaml", "user edit\n");
        put(run, "99-x.yaml", "run file\n");
        assert_int_equal(rejected_save(rej, "7", "timeout: the host never confirmed", cand, NULL, NULL, &p1), 0);
        assert_int_equal(rejected_save(rej, "7", "second", cand, etc, run, &p2), 0);
        assert_int_equal(rejected_save(rej, "7", "third", NULL, NULL, NULL, &p3), 0);
        assert_non_null(strstr(p1, "/rejected/7"));
        assert_non_null(strstr(p2, "/rejected/7.2"));
        assert_non_null(strstr(p3, "/rejected/7.3"));
        data = slurp("rejected/7/REASON");
        assert_string_equal(data, "timeout: the host never confirmed\n");
        free(data), data = slurp("rejected/7/10-a.yaml");
        assert_string_equal(data, "candidate\n");
        free(data), data = slurp("rejected/7/MANIFEST");
        assert_non_null(strstr(data, "10-a.yaml 10 "));
        assert_non_null(strstr(data, "\nset "));
        free(data), data = slurp("rejected/7.2/etc/50-user.yaml");
        assert_string_equal(data, "user edit\n");
        free(data), data = slurp("rejected/7.2/run/99-x.yaml");
        assert_string_equal(data, "run file\n");
        free(data), data = slurp("rejected/7.2/REASON");
        assert_string_equal(data, "second\n");
        /* an empty directory left by a crash between claim and rename is skipped, not replaced */
        {
                _cleanup_free_ char *p = NULL, *p4 = NULL;

                assert_true(asprintf(&p, "%s/8", rej) > 0);
                assert_int_equal(mkdir(p, 0700), 0);
                assert_int_equal(rejected_save(rej, "8", "after a crash", cand, NULL, NULL, &p4), 0);
                assert_non_null(strstr(p4, "/rejected/8.2"));
        }
        assert_int_equal(rejected_save(rej, "../x", "bad id", cand, NULL, NULL, NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_clear_only_own),
                cmocka_unit_test(test_write_refuses_existing),
                cmocka_unit_test(test_rejected_never_overwrites),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
