/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

#include "agent/journal.h"
#include "common/file-read.h"
#include "common/fs-util.h"

static char dir[] = "/tmp/test-journal.XXXXXX";

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

/* Journal 1 with three records: begun, staged, a step with awkward values. */
static void write_three(void) {
        _cleanup_(journal_freep) journal *j = NULL;
        char *fields[] = { (char *) "origin=netguard try a.yaml", (char *) "why=two\nlines \\ and a backslash", NULL };

        clean();
        assert_int_equal(journal_create(dir, 1, &j), 0);
        assert_int_equal(journal_append(j, "begun", fields), 0);
        assert_int_equal(journal_appendf(j, "staged", "files", "a.yaml/00", (const char *) NULL), 0);
        assert_int_equal(journal_appendf(j, "applied", "detail", "netplan apply", "skipped", (const char *) NULL,
                                         (const char *) NULL),
                         0);
}

static void read_image(uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ char *p = NULL;
        char *data;

        assert_true(asprintf(&p, "%s/1.journal", dir) > 0);
        assert_int_equal(read_file_bounded(p, JOURNAL_FILE_MAX, 0, &data, ret_size, NULL), 0);
        *ret = (uint8_t *) data;
}

static void test_round_trip(void **state) {
        _cleanup_(journal_log_freep) journal_log *l = NULL;

        (void) state;
        write_three();
        assert_int_equal(journal_read(dir, 1, &l), 0);
        assert_int_equal(l->end, JOURNAL_END_CLEAN);
        assert_int_equal(l->n_records, 3);
        assert_string_equal(l->records[0].step, "begun");
        assert_string_equal(journal_record_get(&l->records[0], "origin"), "netguard try a.yaml");
        assert_string_equal(journal_record_get(&l->records[0], "why"), "two\nlines \\ and a backslash");
        assert_null(journal_record_get(&l->records[0], "orig"));
        assert_string_equal(journal_record_get(journal_log_find(l, "staged"), "files"), "a.yaml/00");
        /* a NULL value leaves its key out */
        assert_null(journal_record_get(journal_log_last(l), "skipped"));
        assert_string_equal(l->description, "3 records, ends cleanly after step 'applied'");
        assert_int_equal(l->valid_size, l->size);
}

static void test_missing(void **state) {
        _cleanup_(journal_log_freep) journal_log *l = NULL;

        (void) state;
        clean();
        assert_int_equal(journal_read(dir, 7, &l), 0);
        assert_int_equal(l->end, JOURNAL_END_MISSING);
        assert_int_equal(l->n_records, 0);
        assert_string_equal(l->description, "no journal");
}

/* Cut at every byte: whole records before the cut are kept, the message says where. */
static void test_torn_everywhere(void **state) {
        _cleanup_free_ uint8_t *img = NULL;
        _cleanup_(journal_log_freep) journal_log *full = NULL;
        size_t size;

        (void) state;
        write_three();
        read_image(&img, &size);
        assert_int_equal(journal_parse(img, size, 1, &full), 0);
        for (size_t cut = 0; cut < size; cut++) {
                _cleanup_(journal_log_freep) journal_log *l = NULL;
                size_t whole = 0;

                assert_int_equal(journal_parse(img, cut, 1, &l), 0);
                for (size_t i = 0; i < full->n_records; i++)
                        if (full->records[i].offset + JOURNAL_HEADER_SIZE <= cut &&
                            (i + 1 == full->n_records ? size : full->records[i + 1].offset) <= cut)
                                whole++;
                assert_int_equal(l->n_records, whole);
                if (cut == 0 || (whole < full->n_records && full->records[whole].offset == cut)) {
                        assert_int_equal(l->end, JOURNAL_END_CLEAN);
                        continue;
                }
                assert_int_equal(l->end, JOURNAL_END_TORN);
                assert_int_equal(l->valid_size, full->records[whole].offset);
        }
        {
                _cleanup_(journal_log_freep) journal_log *l = NULL;
                _cleanup_free_ char *want = NULL;
                size_t cut = full->records[2].offset + 5;

                assert_int_equal(journal_parse(img, cut, 1, &l), 0);
                assert_true(asprintf(&want, "ends mid-record at byte %zu after step 'staged' (2 whole records)",
                                     (size_t) full->records[2].offset) > 0);
                assert_string_equal(l->description, want);
        }
        {
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                assert_int_equal(journal_parse(img, 3, 1, &l), 0);
                assert_string_equal(l->description, "ends mid-record at byte 0 before any record (0 whole records)");
        }
}

static void test_corrupt(void **state) {
        _cleanup_free_ uint8_t *img = NULL;
        _cleanup_(journal_log_freep) journal_log *full = NULL;
        size_t size, second;

        (void) state;
        write_three();
        read_image(&img, &size);
        assert_int_equal(journal_parse(img, size, 1, &full), 0);
        second = full->records[1].offset;

        /* one bit of the second record's payload: CRC */
        {
                _cleanup_(journal_log_freep) journal_log *l = NULL;
                _cleanup_free_ char *want = NULL;

                img[second + JOURNAL_HEADER_SIZE + 2] ^= 1;
                assert_int_equal(journal_parse(img, size, 1, &l), 0);
                assert_int_equal(l->end, JOURNAL_END_CORRUPT);
                assert_int_equal(l->n_records, 1);
                assert_true(asprintf(&want, "corrupt record at byte %zu (CRC mismatch) after step 'begun' (1 whole record)",
                                     second) > 0);
                assert_string_equal(l->description, want);
                img[second + JOURNAL_HEADER_SIZE + 2] ^= 1;
        }
        /* the magic */
        {
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                img[second] = 'X';
                assert_int_equal(journal_parse(img, size, 1, &l), 0);
                assert_int_equal(l->end, JOURNAL_END_CORRUPT);
                assert_non_null(strstr(l->description, "(bad magic)"));
                img[second] = 'N';
        }
        /* a length over the limit is never allocated */
        {
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                img[second + 7] = 0x7f;
                assert_int_equal(journal_parse(img, size, 1, &l), 0);
                assert_int_equal(l->end, JOURNAL_END_CORRUPT);
                assert_non_null(strstr(l->description, "(length over the limit)"));
        }
        /* garbage */
        {
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                assert_int_equal(journal_parse((const uint8_t *) "hello world, not a journal", 26, 1, &l), 0);
                assert_int_equal(l->end, JOURNAL_END_CORRUPT);
                assert_int_equal(l->n_records, 0);
        }
}

/* Opening for append cuts a torn tail (a copy is kept) so new records are readable. */
static void test_open_after_tear(void **state) {
        _cleanup_(journal_freep) journal *j = NULL;
        _cleanup_(journal_log_freep) journal_log *l = NULL;
        _cleanup_free_ char *p = NULL, *damaged = NULL;
        struct stat st;

        (void) state;
        write_three();
        assert_true(asprintf(&p, "%s/1.journal", dir) > 0);
        assert_true(asprintf(&damaged, "%s/1.journal.damaged", dir) > 0);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(truncate(p, st.st_size - 3), 0);
        assert_int_equal(journal_open(dir, 1, &j), 0);
        assert_int_equal(stat(damaged, &st), 0);
        assert_int_equal(journal_appendf(j, "recover", "found", "torn", (const char *) NULL), 0);
        assert_int_equal(journal_read(dir, 1, &l), 0);
        assert_int_equal(l->end, JOURNAL_END_CLEAN);
        assert_int_equal(l->n_records, 3);
        assert_string_equal(l->records[2].step, "recover");
}

static void test_refuses(void **state) {
        _cleanup_(journal_freep) journal *j = NULL, *j2 = NULL;
        char *bad[] = { (char *) "novalue", NULL };
        _cleanup_free_ char *huge = malloc(JOURNAL_RECORD_MAX + 1);

        (void) state;
        clean();
        assert_int_equal(journal_create(dir, 3, &j), 0);
        assert_int_equal(journal_create(dir, 3, &j2), -EEXIST);
        assert_int_equal(journal_append(j, "", NULL), -EINVAL);
        assert_int_equal(journal_append(j, "two\nlines", NULL), -EINVAL);
        assert_int_equal(journal_append(j, "x", bad), -EINVAL);
        assert_non_null(huge);
        memset(huge, 'a', JOURNAL_RECORD_MAX);
        huge[JOURNAL_RECORD_MAX] = 0;
        assert_int_equal(journal_appendf(j, "x", "k", huge, (const char *) NULL), -E2BIG);
}

static void test_ids_and_prune(void **state) {
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n;
        uint64_t next;

        (void) state;
        clean();
        assert_int_equal(journal_next_id(dir, &next), 0);
        assert_int_equal(next, 1);
        for (uint64_t id = 1; id <= 12; id++) {
                _cleanup_(journal_freep) journal *j = NULL;
                _cleanup_free_ char *sub = NULL;

                assert_int_equal(journal_create(dir, id, &j), 0);
                assert_true(asprintf(&sub, "%s/%" PRIu64 "/candidate", dir, id) > 0);
                assert_int_equal(mkdir_p(sub, 0700), 0);
        }
        {
                /* a transaction directory without its journal still takes its id */
                _cleanup_free_ char *sub = NULL;

                assert_true(asprintf(&sub, "%s/20", dir) > 0);
                assert_int_equal(mkdir(sub, 0700), 0);
        }
        assert_int_equal(journal_next_id(dir, &next), 0);
        assert_int_equal(next, 21);
        assert_int_equal(journal_prune(dir, 5, 2), 6);
        assert_int_equal(journal_list(dir, &ids, &n), 0);
        assert_int_equal(n, 6);
        assert_int_equal(ids[0], 2);
        assert_int_equal(ids[1], 8);
        assert_int_equal(ids[5], 12);
        assert_int_equal(journal_next_id(dir, &next), 0);
        assert_int_equal(next, 21);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_missing),
                cmocka_unit_test(test_torn_everywhere), cmocka_unit_test(test_corrupt),
                cmocka_unit_test(test_open_after_tear), cmocka_unit_test(test_refuses),
                cmocka_unit_test(test_ids_and_prune),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
