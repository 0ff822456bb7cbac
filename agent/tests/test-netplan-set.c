/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
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

#include "agent/netplan-set.h"
#include "common/fs-util.h"

static char dir[] = "/tmp/test-netplan-set.XXXXXX";

static char *in_dir(const char *name) {
        char *p = path_join(dir, name);

        assert_non_null(p);
        return p;
}

static void put_file(const char *name, const char *data, size_t n) {
        _cleanup_free_ char *p = in_dir(name);
        FILE *f = fopen(p, "we");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        (void) state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        (void) state;
        return rm_rf(dir);
}

static int clean(void **state) {
        (void) state;
        assert_int_equal(rm_rf(dir), 0);
        assert_int_equal(mkdir(dir, 0700), 0);
        return 0;
}

static void test_names(void **state) {
        (void) state;
        assert_true(netplan_name_valid("50-cloud-init.yaml"));
        assert_true(netplan_name_valid("a.yaml"));
        assert_false(netplan_name_valid(".yaml"));
        assert_false(netplan_name_valid(".hidden.yaml"));
        assert_false(netplan_name_valid("a.yml"));
        assert_false(netplan_name_valid("a b.yaml"));
        assert_false(netplan_name_valid("a/b.yaml"));
        assert_false(netplan_name_valid("a\n.yaml"));
}

/* Sorted by strcmp as netplan orders files, replaced by name, checksummed. */
static void test_put_sorted(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL, *c = NULL;
        uint8_t d1[SHA256_DIGEST_SIZE], d2[SHA256_DIGEST_SIZE];

        (void) state;
        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put(s, "90-z.yaml", "z", 1), 0);
        assert_int_equal(netplan_set_put(s, "10-a.yaml", "a", 1), 0);
        assert_int_equal(netplan_set_put(s, "50-m.yaml", "m", 1), 0);
        assert_int_equal(netplan_set_put(s, "bad name.yaml", "m", 1), -EINVAL);
        assert_int_equal(s->n_files, 3);
        assert_string_equal(s->files[0].name, "10-a.yaml");
        assert_string_equal(s->files[1].name, "50-m.yaml");
        assert_string_equal(s->files[2].name, "90-z.yaml");
        netplan_set_digest(s, d1);
        assert_int_equal(netplan_set_copy(s, &c), 0);
        assert_true(netplan_set_equal(s, c));
        assert_int_equal(netplan_set_put(c, "50-m.yaml", "M", 1), 0);
        assert_int_equal(c->n_files, 3);
        assert_false(netplan_set_equal(s, c));
        netplan_set_digest(c, d2);
        assert_memory_not_equal(d1, d2, sizeof d1);
        assert_int_equal(netplan_set_remove(c, "50-m.yaml"), 0);
        assert_int_equal(netplan_set_remove(c, "50-m.yaml"), -ENOENT);
        assert_null(netplan_set_find(c, "50-m.yaml"));
        assert_non_null(netplan_set_find(c, "90-z.yaml"));
}

static void test_manifest(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;
        _cleanup_free_ char *m = NULL;
        uint8_t d[SHA256_DIGEST_SIZE], want[SHA256_DIGEST_SIZE];

        (void) state;
        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put(s, "b.yaml", "abc", 3), 0);
        assert_int_equal(netplan_set_put(s, "a.yaml", "", 0), 0);
        assert_int_equal(netplan_set_manifest(s, &m), 0);
        assert_string_equal(m, "a.yaml 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                               "b.yaml 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
        /* the set's digest is that of its MANIFEST body */
        netplan_set_digest(s, d);
        sha256(m, strlen(m), want);
        assert_memory_equal(d, want, sizeof d);
}

static void test_bounds(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;
        _cleanup_free_ char *big = calloc(1, NETPLAN_SET_MAX_FILE_SIZE + 1);
        char name[32];

        (void) state;
        assert_non_null(big);
        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put(s, "big.yaml", big, NETPLAN_SET_MAX_FILE_SIZE + 1), -EFBIG);
        assert_int_equal(netplan_set_put(s, "big.yaml", big, NETPLAN_SET_MAX_FILE_SIZE), 0);
        for (int i = 0; i < NETPLAN_SET_MAX_FILES - 1; i++) {
                snprintf(name, sizeof name, "%03d.yaml", i);
                assert_int_equal(netplan_set_put(s, name, "x", 1), 0);
        }
        assert_int_equal(netplan_set_put(s, "one-more.yaml", "x", 1), -E2BIG);
        /* replacing one in a full set is fine */
        assert_int_equal(netplan_set_put(s, "000.yaml", "y", 1), 0);
}

static void test_read_dir(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;
        _cleanup_free_ char *err = NULL, *missing = in_dir("nope");

        (void) state;
        clean(NULL);
        assert_int_equal(netplan_set_read_dir(missing, &s, &err), 0);
        assert_int_equal(s->n_files, 0);
        s = netplan_set_free(s);

        put_file("20-b.yaml", "b: 1\n", 5);
        put_file("10-a.yaml", "a: 1\n", 5);
        put_file("README", "not yaml", 8);
        put_file(".hidden.yaml", "h", 1);
        put_file("x.yaml.bak", "h", 1);
        assert_int_equal(netplan_set_read_dir(dir, &s, &err), 0);
        assert_int_equal(s->n_files, 2);
        assert_string_equal(s->files[0].name, "10-a.yaml");
        assert_memory_equal(s->files[1].data, "b: 1\n", 5);
        s = netplan_set_free(s);

        /* a symlink is refused with its name, not followed */
        {
                _cleanup_free_ char *l = in_dir("30-link.yaml");

                assert_int_equal(symlink("/etc/passwd", l), 0);
                assert_int_equal(netplan_set_read_dir(dir, &s, &err), -ELOOP);
                assert_non_null(strstr(err, "30-link.yaml: a symlink"));
                assert_int_equal(unlink(l), 0);
        }
        /* a directory named *.yaml */
        {
                _cleanup_free_ char *p = in_dir("40-dir.yaml");

                assert_int_equal(mkdir(p, 0700), 0);
                assert_int_equal(netplan_set_read_dir(dir, &s, &err), -EISDIR);
                assert_non_null(strstr(err, "40-dir.yaml: not a regular file"));
                assert_int_equal(rmdir(p), 0);
        }
        /* a FIFO never blocks */
        {
                _cleanup_free_ char *p = in_dir("45-fifo.yaml");

                assert_int_equal(mkfifo(p, 0600), 0);
                assert_int_equal(netplan_set_read_dir(dir, &s, &err), -EBADFD);
                assert_int_equal(unlink(p), 0);
        }
        /* too large */
        {
                _cleanup_free_ char *p = in_dir("50-big.yaml");
                int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

                assert_true(fd >= 0);
                assert_int_equal(ftruncate(fd, NETPLAN_SET_MAX_FILE_SIZE + 1), 0);
                close(fd);
                assert_int_equal(netplan_set_read_dir(dir, &s, &err), -EFBIG);
                assert_non_null(strstr(err, "50-big.yaml: larger than"));
                assert_int_equal(unlink(p), 0);
        }
        /* too many */
        for (int i = 0; i < NETPLAN_SET_MAX_FILES; i++) {
                char name[32];

                snprintf(name, sizeof name, "n%03d.yaml", i);
                put_file(name, "x", 1);
        }
        assert_int_equal(netplan_set_read_dir(dir, &s, &err), -E2BIG);
        assert_non_null(strstr(err, "more than 256"));
        assert_null(s);
}

/* Written file by file through a temp name: no temp file is left, content and mode are
 * right, and an existing file is replaced whole. */
static void test_write_atomic(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL, *back = NULL;
        _cleanup_free_ char *sub = in_dir("etc/netplan"), *p = NULL;
        struct stat st;

        (void) state;
        clean(NULL);
        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put(s, "10-a.yaml", "one\n", 4), 0);
        assert_int_equal(netplan_set_put(s, "20-b.yaml", "two\n", 4), 0);
        assert_int_equal(netplan_set_write_dir(s, sub), 0);
        assert_int_equal(netplan_set_put(s, "10-a.yaml", "replaced\n", 9), 0);
        assert_int_equal(netplan_set_write_dir(s, sub), 0);
        assert_int_equal(netplan_set_read_dir(sub, &back, NULL), 0);
        assert_true(netplan_set_equal(s, back));
        p = path_join(sub, "10-a.yaml");
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        {
                /* nothing but the two files: no ".#…" temp left behind */
                _cleanup_free_ char *cmd = NULL;
                FILE *f;
                char line[256];
                int n = 0;

                assert_true(asprintf(&cmd, "ls -A '%s'", sub) > 0);
                f = popen(cmd, "r");
                assert_non_null(f);
                while (fgets(line, sizeof line, f))
                        n++;
                pclose(f);
                assert_int_equal(n, 2);
        }
        assert_int_equal(netplan_file_write_atomic(sub, "../evil.yaml", "x", 1, 0600), -EINVAL);
}

static void test_put_path(void **state) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;
        _cleanup_free_ char *p = in_dir("cand.yaml"), *l = in_dir("link.yaml"), *bad = in_dir("cand.txt");

        (void) state;
        clean(NULL);
        put_file("cand.yaml", "c\n", 2);
        put_file("cand.txt", "c\n", 2);
        assert_int_equal(symlink(p, l), 0);
        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put_path(s, p), 0);
        /* a candidate named on the command line may be a symlink: followed, named by its own basename */
        assert_int_equal(netplan_set_put_path(s, l), 0);
        assert_int_equal(netplan_set_put_path(s, bad), -EINVAL);
        assert_int_equal(s->n_files, 2);
        assert_non_null(netplan_set_find(s, "link.yaml"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),      cmocka_unit_test(test_put_sorted),
                cmocka_unit_test(test_manifest),   cmocka_unit_test(test_bounds),
                cmocka_unit_test(test_read_dir),   cmocka_unit_test(test_write_atomic),
                cmocka_unit_test(test_put_path),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
