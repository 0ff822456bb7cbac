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

#include "agent/txn-disk.h"
#include "common/file-read.h"
#include "common/fs-util.h"

static char root[] = "/tmp/test-txn-disk.XXXXXX";

static int setup(void **state) {
        (void) state;
        return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state) {
        (void) state;
        return rm_rf(root);
}

static char *rootf(const char *rel) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", root, rel) > 0);
        return p;
}

static void write_rel(const char *rel, const char *data) {
        _cleanup_free_ char *p = rootf(rel);
        FILE *f;

        f = fopen(p, "we");
        assert_non_null(f);
        fputs(data, f);
        assert_int_equal(fclose(f), 0);
}

static char *read_rel(const char *rel) {
        _cleanup_free_ char *p = rootf(rel);
        char *data = NULL;
        size_t n;

        if (read_file_bounded(p, 1 << 20, 0, &data, &n, NULL) < 0)
                return NULL;
        return data;
}

static netplan_set *read_set(const char *rel) {
        _cleanup_free_ char *p = rootf(rel);
        netplan_set *s = NULL;

        assert_int_equal(netplan_set_read_dir(p, &s, NULL), 0);
        return s;
}

/* A fresh root: etc/netplan with 10-a and 20-b, opened once (the first known-good). */
static txn_disk *fresh(void) {
        _cleanup_free_ char *etc = rootf("etc/netplan");
        txn_disk *d;

        assert_int_equal(rm_rf(root), 0);
        assert_int_equal(mkdir_p(etc, 0755), 0);
        write_rel("etc/netplan/10-a.yaml", "network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n");
        write_rel("etc/netplan/20-b.yaml", "network: {version: 2}\n# b\n");
        assert_int_equal(txn_disk_open(root, &d), 0);
        return d;
}

static netplan_set *candidate(void) {
        netplan_set *s;
        const char *a = "network: {version: 2, ethernets: {eth0: {addresses: [192.0.2.7/24]}}}\n";

        assert_int_equal(netplan_set_new(&s), 0);
        assert_int_equal(netplan_set_put(s, "10-a.yaml", a, strlen(a)), 0);
        assert_int_equal(netplan_set_put(s, "30-c.yaml", "network: {version: 2}\n# c\n", 27), 0);
        return s;
}

static void test_first_known_good(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *etc = read_set("etc/netplan");
        const known_good *k = txn_disk_known_good(d);
        txn_recovery rec;

        (void) state;
        assert_non_null(k);
        assert_true(netplan_set_equal(k->set, etc));
        assert_string_equal(k->source, "first start");
        assert_int_equal(txn_disk_pending(d, NULL), 0);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_NOTHING);
        txn_recovery_done(&rec);
}

static void test_files_commit(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *cand = candidate(), *etc0 = read_set("etc/netplan"), *etc = NULL,
                                                 *run = NULL;
        _cleanup_(txn_history_freep) txn_history *h = NULL;
        _cleanup_free_ char *shadow = NULL;
        uint64_t id, pid;

        (void) state;
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), 0);
        assert_int_equal(id, 1);
        assert_int_equal(txn_disk_pending(d, &pid), 1);
        assert_int_equal(pid, 1);
        assert_true(netplan_set_equal(txn_disk_candidate(d), cand));
        /* etc untouched; run holds the candidate and an empty shadow for 20-b */
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, etc0));
        run = read_set("run/netplan");
        assert_int_equal(run->n_files, 3);
        shadow = read_rel("run/netplan/20-b.yaml");
        assert_string_equal(shadow, "network: {version: 2}\n");
        assert_int_equal(txn_disk_begin(d, cand, "again", &pid), -EBUSY);
        assert_non_null(strstr(txn_disk_last_error(d), "transaction 1 is pending"));
        assert_int_equal(txn_disk_step(d, id, "applied", "netplan apply: 0.4 s"), 0);
        assert_int_equal(txn_disk_step(d, id, "staged", NULL), -EINVAL);
        assert_int_equal(txn_disk_step(d, 9, "applied", NULL), -ESRCH);
        assert_int_equal(txn_disk_mark_known_good(d, "HOST_REACHED"), -EBUSY);

        assert_int_equal(txn_disk_commit(d, id), 0);
        assert_int_equal(txn_disk_pending(d, NULL), 0);
        etc = netplan_set_free(etc);
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, cand));
        run = netplan_set_free(run);
        run = read_set("run/netplan");
        assert_int_equal(run->n_files, 0);
        assert_true(netplan_set_equal(txn_disk_known_good(d)->set, cand));
        assert_string_equal(txn_disk_known_good(d)->source, "confirmed try 1");
        /* the file the candidate removed was backed up first */
        free(shadow), shadow = read_rel("var/lib/netguard/transactions/1/removed/20-b.yaml");
        assert_string_equal(shadow, "network: {version: 2}\n# b\n");

        assert_int_equal(txn_disk_history(d, &h), 0);
        assert_int_equal(h->n_entries, 1);
        assert_string_equal(h->entries[0].state, "committed");
        assert_string_equal(h->entries[0].origin, "test");
        assert_true(h->entries[0].start_usec > 0);
        assert_string_equal(h->entries[0].steps[0], "begun");
        assert_string_equal(h->entries[0].steps[4], "applied");
        assert_string_equal(h->entries[0].journal, "10 records, ends cleanly after step 'committed'");
}

static void test_etc_edits_abort(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *etc0 = read_set("etc/netplan"), *etc = NULL, *run = NULL,
                                                 *rej = NULL;
        _cleanup_(txn_history_freep) txn_history *h = NULL;
        _cleanup_free_ char *path = NULL, *reason = NULL, *run_a = NULL;
        uint64_t id;

        (void) state;
        assert_int_equal(txn_disk_begin(d, NULL, "test", &id), -ENODATA);
        write_rel("etc/netplan/10-a.yaml", "network: {version: 2, ethernets: {eth0: {dhcp4: false}}}\n");
        write_rel("etc/netplan/40-new.yaml", "network: {version: 2}\n# new\n");
        assert_int_equal(txn_disk_begin(d, NULL, "test", &id), 0);
        /* the known-good is back in etc, the edits are staged in run */
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, etc0));
        run_a = read_rel("run/netplan/10-a.yaml");
        assert_string_equal(run_a, "network: {version: 2, ethernets: {eth0: {dhcp4: false}}}\n");

        assert_int_equal(txn_disk_abort(d, id, "timeout: no confirmation in 120 s", &path), 0);
        assert_non_null(strstr(path, "/var/lib/netguard/rejected/1"));
        etc = netplan_set_free(etc);
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, etc0));
        run = read_set("run/netplan");
        assert_int_equal(run->n_files, 0);
        rej = read_set("var/lib/netguard/rejected/1");
        assert_int_equal(rej->n_files, 3);
        assert_non_null(netplan_set_find(rej, "40-new.yaml"));
        reason = read_rel("var/lib/netguard/rejected/1/REASON");
        assert_string_equal(reason, "timeout: no confirmation in 120 s\n");
        assert_int_equal(txn_disk_history(d, &h), 0);
        assert_string_equal(h->entries[0].state, "rolled-back");
        assert_string_equal(h->entries[0].reason, "timeout: no confirmation in 120 s");
}

static void test_refusals(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *cand = candidate(), *etc = NULL;
        _cleanup_free_ char *run = rootf("run/netplan"), *jdir = rootf("var/lib/netguard/transactions/1.journal");
        struct stat st;
        uint64_t id;

        (void) state;
        /* an unrelated shadow in run/netplan under a name the candidate needs */
        assert_int_equal(mkdir_p(run, 0755), 0);
        write_rel("run/netplan/30-c.yaml", "someone's\n");
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), -EEXIST);
        assert_non_null(strstr(txn_disk_last_error(d), "run/netplan/30-c.yaml exists"));
        assert_int_equal(stat(jdir, &st), -1);
        assert_int_equal(txn_disk_pending(d, NULL), 0);
        {
                _cleanup_free_ char *p = rootf("run/netplan/30-c.yaml");

                assert_int_equal(unlink(p), 0);
        }
        /* etc edited outside a try: a FILE candidate is refused */
        write_rel("etc/netplan/20-b.yaml", "edited\n");
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), -EBUSY);
        assert_non_null(strstr(txn_disk_last_error(d), "differs from the known-good"));
        /* HOST_REACHED with no try pending makes it the known-good */
        assert_int_equal(txn_disk_mark_known_good(d, "HOST_REACHED seq 4"), 0);
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(txn_disk_known_good(d)->set, etc));
        assert_string_equal(txn_disk_known_good(d)->source, "HOST_REACHED seq 4");
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), 0);
        assert_int_equal(txn_disk_abort(d, id, "test", NULL), 0);
}

/* No journal, no marker: whatever differs from the known-good is copied, then replaced. */
static void test_force_rollback(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *etc0 = read_set("etc/netplan"), *etc = NULL, *run = NULL;
        _cleanup_free_ char *run_dir = rootf("run/netplan"), *path = NULL, *data = NULL, *b = NULL;

        (void) state;
        assert_int_equal(mkdir_p(run_dir, 0755), 0);
        write_rel("etc/netplan/10-a.yaml", "a plain netplan apply's edit\n");
        write_rel("etc/netplan/50-x.yaml", "another\n");
        b = rootf("etc/netplan/20-b.yaml");
        assert_int_equal(unlink(b), 0);
        write_rel("run/netplan/70-run.yaml", "runtime\n");
        assert_int_equal(txn_disk_force_rollback(d, "guard: HOST_LOST for 30 s", &path), 0);
        assert_non_null(strstr(path, "/rejected/forced"));
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, etc0));
        run = read_set("run/netplan");
        assert_int_equal(run->n_files, 0);
        data = read_rel("var/lib/netguard/rejected/forced/etc/10-a.yaml");
        assert_string_equal(data, "a plain netplan apply's edit\n");
        free(data), data = read_rel("var/lib/netguard/rejected/forced/etc/50-x.yaml");
        assert_string_equal(data, "another\n");
        free(data), data = read_rel("var/lib/netguard/rejected/forced/run/70-run.yaml");
        assert_string_equal(data, "runtime\n");
        free(data), data = read_rel("var/lib/netguard/rejected/forced/REASON");
        assert_string_equal(data, "forced rollback: guard: HOST_LOST for 30 s\n");
        /* nothing differs any more: nothing copied */
        free(path), path = NULL;
        assert_int_equal(txn_disk_force_rollback(d, "again", &path), 0);
        assert_null(path);
}

/* An unreadable known-good: forced rollback says so and changes nothing; begin refuses. */
static void test_known_good_unreadable(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *cand = candidate(), *etc = NULL;
        uint64_t id;

        (void) state;
        write_rel("etc/netplan/10-a.yaml", "user edit\n");
        write_rel("var/lib/netguard/known-good/gen-0000000001/20-b.yaml", "rotted\n");
        assert_int_equal(txn_disk_force_rollback(d, "test", NULL), -EBADMSG);
        if (!strstr(txn_disk_last_error(d), "20-b.yaml: 7 bytes with sha256"))
                fail_msg("%s", txn_disk_last_error(d));
        assert_non_null(strstr(txn_disk_last_error(d), "nothing was changed"));
        etc = read_set("etc/netplan");
        assert_string_equal((const char *) netplan_set_find(etc, "10-a.yaml")->data, "user edit\n");

        d = txn_disk_free(d);
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_null(txn_disk_known_good(d));
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), -EBADMSG);
        assert_non_null(strstr(txn_disk_last_error(d), "the known-good configuration is unreadable"));
}

/* After a restart with a try pending: recovery rolls it back and says what it found. */
static void test_recover_pending(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *cand = candidate(), *etc0 = read_set("etc/netplan"), *etc = NULL;
        txn_recovery rec;
        uint64_t id;

        (void) state;
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), 0);
        d = txn_disk_free(d);
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_int_equal(txn_disk_pending(d, &id), 1);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_ROLLED_BACK);
        assert_string_equal(rec.journal, "4 records, ends cleanly after step 'staged'");
        assert_non_null(strstr(rec.rejected_path, "/rejected/1"));
        txn_recovery_done(&rec);
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, etc0));
        assert_int_equal(txn_disk_pending(d, NULL), 0);
}

/* The saved candidate damaged: the staged files are recognised by their recorded
 * checksums, kept as the rejected candidate, and removed. */
static void test_recover_damaged_candidate(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *cand = candidate(), *etc0 = read_set("etc/netplan"), *etc = NULL,
                                                 *run = NULL, *rej = NULL;
        txn_recovery rec;
        uint64_t id;

        (void) state;
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), 0);
        d = txn_disk_free(d);
        write_rel("var/lib/netguard/transactions/1/candidate/10-a.yaml", "damaged\n");
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_ROLLED_BACK);
        txn_recovery_done(&rec);
        etc = read_set("etc/netplan");
        assert_true(netplan_set_equal(etc, etc0));
        run = read_set("run/netplan");
        assert_int_equal(run->n_files, 0);
        rej = read_set("var/lib/netguard/rejected/1");
        assert_true(netplan_set_equal(rej, cand));
}

/* The renames the candidate's apply did (engine step links-renamed) come back from the
 * journal at recovery, for the rollback to undo; a committed transaction's do not. */
static void test_recover_renames(void **state) {
        _cleanup_(txn_disk_freep) txn_disk *d = fresh();
        _cleanup_(netplan_set_freep) netplan_set *cand = candidate(), *cand2 = candidate();
        txn_recovery rec;
        uint64_t id;

        (void) state;
        assert_int_equal(txn_disk_begin(d, cand, "test", &id), 0);
        assert_int_equal(txn_disk_step(d, id, "apply-started", "networkd"), 0);
        assert_int_equal(txn_disk_step(d, id, "links-renamed", "ens4>mgmt0 eth1>wan"), 0);
        d = txn_disk_free(d);                   /* kill -9 after links-renamed */
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_ROLLED_BACK);
        assert_non_null(rec.renamed);
        assert_string_equal(rec.renamed, "ens4>mgmt0 eth1>wan");
        txn_recovery_done(&rec);
        assert_null(rec.renamed);

        /* Rolled back, then killed before the re-apply: still there to undo. */
        d = txn_disk_free(d);
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_NOTHING);
        assert_string_equal(rec.renamed, "ens4>mgmt0 eth1>wan");
        txn_recovery_done(&rec);

        /* No rename journalled: none. */
        assert_int_equal(txn_disk_begin(d, cand2, "test", &id), 0);
        d = txn_disk_free(d);
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_ROLLED_BACK);
        assert_null(rec.renamed);
        txn_recovery_done(&rec);

        /* Committed: the new names are the configuration's. */
        cand2 = netplan_set_free(cand2);
        cand2 = candidate();
        assert_int_equal(txn_disk_begin(d, cand2, "test", &id), 0);
        assert_int_equal(txn_disk_step(d, id, "links-renamed", "ens4>mgmt0"), 0);
        assert_int_equal(txn_disk_commit(d, id), 0);
        d = txn_disk_free(d);
        assert_int_equal(txn_disk_open(root, &d), 0);
        assert_int_equal(txn_disk_recover(d, &rec), 0);
        assert_int_equal(rec.action, TXN_RECOVERY_NOTHING);
        assert_null(rec.renamed);
        txn_recovery_done(&rec);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_first_known_good), cmocka_unit_test(test_files_commit),
                cmocka_unit_test(test_etc_edits_abort),  cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_force_rollback),   cmocka_unit_test(test_known_good_unreadable),
                cmocka_unit_test(test_recover_pending),  cmocka_unit_test(test_recover_damaged_candidate),
                cmocka_unit_test(test_recover_renames),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
