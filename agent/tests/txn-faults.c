/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fault matrix of `netguard try`'s file side (issue 11: "kill -9 at every step").
 *
 * For each scenario (a candidate given as files or taken from the user's edits in
 * etc/netplan; committed or rolled back) and each fault point the scenario reaches
 * (per-file points at each file), a child runs the sequence in a fresh root with
 * NETGUARD_FAULT=<point> and dies there with 137, as kill -9 leaves it. Then the parent
 * runs txn_disk_recover() (and, from a second fresh crash, txn_disk_force_rollback())
 * and checks:
 *   - etc/netplan is byte-identical to the original known-good or to the candidate,
 *     never a mix, and the known-good store says the same;
 *   - run/netplan holds no file (the root has no foreign ones);
 *   - no byte of the candidate is lost: each candidate file is in etc/netplan or in a
 *     rejected directory (top or etc/);
 *   - a rollback left the rejected directory recovery named;
 *   - a new transaction can begin afterwards.
 * Then crashes inside recovery itself (a second fault during the rollback or the
 * roll-forward, then recovery again) and inside the forced rollback (then forced again), and the journal's last record cut at every byte
 * and corrupted (one byte flipped), then recovery.
 * Prints one line per case and the totals; exits 1 if any case failed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/journal.h"
#include "agent/known-good.h"
#include "agent/netplan-set.h"
#include "agent/txn-disk.h"
#include "common/fault.h"
#include "common/file-read.h"
#include "common/fs-util.h"

static const char *const KG[][2] = {
        { "10-base.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n" },
        { "20-extra.yaml", "network:\n  version: 2\n  ethernets:\n    eth1:\n      addresses: [192.0.2.10/24]\n" },
        { "40-same.yaml", "network:\n  version: 2\n" },
};
static const char *const CAND[][2] = {
        { "10-base.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [198.51.100.7/24]\n" },
        { "30-new.yaml", "network:\n  version: 2\n  bridges:\n    br0:\n      interfaces: [eth1]\n" },
        { "40-same.yaml", "network:\n  version: 2\n" },
};

typedef enum scenario_kind { FILES_COMMIT, FILES_ABORT, ETC_COMMIT, ETC_ABORT, _SCENARIO_MAX } scenario_kind;
static const char *const scenario_names[] = { "files-commit", "files-abort", "etc-commit", "etc-abort" };

static char base[4096] = "/tmp/ng-txn-faults.XXXXXX";
static unsigned n_cases, n_failed, n_points, n_points_hit, n_back, n_forward, n_nothing, n_force;
static netplan_set *kg_set, *cand_set;
static bool hit[64];     /* per fault_point_names[] entry: reached by some case */

static netplan_set *make_set(const char *const (*files)[2], size_t n) {
        netplan_set *s;

        if (netplan_set_new(&s) < 0)
                abort();
        for (size_t i = 0; i < n; i++)
                if (netplan_set_put(s, files[i][0], files[i][1], strlen(files[i][1])) < 0)
                        abort();
        return s;
}

static char *pathf(const char *fmt, ...) _printf_(1, 2);
static char *pathf(const char *fmt, ...) {
        va_list ap;
        char *p;

        va_start(ap, fmt);
        if (vasprintf(&p, fmt, ap) < 0)
                abort();
        va_end(ap);
        return p;
}

/* A fresh root whose etc/netplan holds the known-good (the agent's first start saves it). */
static char *new_root(unsigned n) {
        char *root = pathf("%s/case-%u", base, n);
        _cleanup_free_ char *etc = pathf("%s/etc/netplan", root);
        txn_disk *d;

        if (rm_rf(root) < 0 || mkdir_p(etc, 0755) < 0 || netplan_set_write_dir(kg_set, etc) < 0)
                abort();
        if (txn_disk_open(root, &d) < 0)
                abort();
        txn_disk_free(d);
        return root;
}

/* The sequence of one scenario; in a child, so a fault point ends it. */
static int run_sequence(const char *root, scenario_kind k) {
        _cleanup_(txn_disk_freep) txn_disk *d = NULL;
        uint64_t id;
        int r;

        r = txn_disk_open(root, &d);
        if (r < 0)
                return r;
        if (k == ETC_COMMIT || k == ETC_ABORT) {
                _cleanup_free_ char *etc = pathf("%s/etc/netplan", root), *extra = pathf("%s/20-extra.yaml", etc);

                /* the user's edits: what the candidate is */
                if (netplan_set_write_dir(cand_set, etc) < 0 || unlink(extra) < 0)
                        return -EIO;
                r = txn_disk_begin(d, NULL, "fault matrix (etc edits)", &id);
        } else
                r = txn_disk_begin(d, cand_set, "fault matrix (files)", &id);
        if (r < 0) {
                fprintf(stderr, "begin: %s\n", txn_disk_last_error(d));
                return r;
        }
        r = txn_disk_step(d, id, "applied", "the engine's step");
        if (r < 0)
                return r;
        if (k == FILES_COMMIT || k == ETC_COMMIT)
                r = txn_disk_commit(d, id);
        else
                r = txn_disk_abort(d, id, "fault matrix: timeout", NULL);
        if (r < 0)
                fprintf(stderr, "finish: %s\n", txn_disk_last_error(d));
        return r;
}

/* Runs fn in a child with $NETGUARD_FAULT=point; 137: died at the point; 0: finished. */
static int in_child(const char *point, const char *root, scenario_kind k, bool recover_only) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                abort();
        if (pid == 0) {
                if (point)
                        setenv(FAULT_ENV, point, 1);
                fault_reset();
                if (recover_only) {
                        txn_disk *d;
                        txn_recovery rec;

                        if (txn_disk_open(root, &d) < 0)
                                _exit(3);
                        if (point && strncmp(point, "force:", 6) == 0)
                                _exit(txn_disk_force_rollback(d, "fault matrix", NULL) < 0 ? 3 : 0);
                        _exit(txn_disk_recover(d, &rec) < 0 ? 3 : 0);
                }
                _exit(run_sequence(root, k) < 0 ? 2 : 0);
        }
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                abort();
        return WEXITSTATUS(status);
}

static bool file_in(const char *dir, const netplan_file *f) {
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;

        if (netplan_set_read_dir(dir, &s, NULL) < 0)
                return false;
        return netplan_file_equal(netplan_set_find(s, f->name), f);
}

/* Every candidate file is in etc/netplan or in some rejected directory (top, etc/ or
 * run/). A candidate given as files is the user's own copy until begin saved it. */
static bool candidate_kept(const char *root, bool etc_edits, char *why, size_t whysize) {
        _cleanup_free_ char *etc = pathf("%s/etc/netplan", root), *rej = pathf("%s/var/lib/netguard/rejected", root),
                            *saved = pathf("%s/var/lib/netguard/transactions/1/candidate", root);
        _cleanup_(netplan_set_freep) netplan_set *all = NULL;
        struct stat st;
        DIR *d;
        struct dirent *de;

        if (!etc_edits && stat(saved, &st) < 0)
                return true;
        if (netplan_set_new(&all) < 0)
                abort();
        d = opendir(rej);
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                for (const char *const *sub = (const char *const[]) { "", "/etc", "/run", NULL }; *sub; sub++) {
                        _cleanup_free_ char *p = pathf("%s/%s%s", rej, de->d_name, *sub);
                        _cleanup_(netplan_set_freep) netplan_set *s = NULL;

                        if (netplan_set_read_dir(p, &s, NULL) < 0)
                                continue;
                        for (size_t i = 0; i < s->n_files; i++) {
                                const netplan_file *want = netplan_set_find(cand_set, s->files[i].name);

                                /* keyed by name: only whether an identical copy exists matters */
                                if (netplan_file_equal(want, &s->files[i]))
                                        (void) netplan_set_put(all, want->name, want->data, want->size);
                        }
                }
        }
        if (d)
                closedir(d);
        for (size_t i = 0; i < cand_set->n_files; i++) {
                const netplan_file *f = &cand_set->files[i];

                if (file_in(etc, f) || netplan_set_find(all, f->name))
                        continue;
                snprintf(why, whysize, "candidate file %s lost", f->name);
                return false;
        }
        return true;
}

/* The invariants after recovery or a forced rollback; returns "known-good" or
 * "candidate" (what etc holds), or NULL with why filled. */
static const char *check_root(const char *root, bool etc_edits, bool new_try, char *why, size_t whysize) {
        _cleanup_free_ char *etc = pathf("%s/etc/netplan", root), *run = pathf("%s/run/netplan", root),
                            *kgdir = pathf("%s/var/lib/netguard/known-good", root);
        _cleanup_(netplan_set_freep) netplan_set *e = NULL, *r = NULL;
        _cleanup_(known_good_freep) known_good *k = NULL;
        _cleanup_(txn_disk_freep) txn_disk *d = NULL;
        const char *which;
        uint64_t id;

        if (netplan_set_read_dir(etc, &e, NULL) < 0 || netplan_set_read_dir(run, &r, NULL) < 0) {
                snprintf(why, whysize, "cannot read etc or run");
                return NULL;
        }
        if (netplan_set_equal(e, kg_set))
                which = "known-good";
        else if (netplan_set_equal(e, cand_set))
                which = "candidate";
        else {
                snprintf(why, whysize, "etc/netplan is a mix (%zu files)", e->n_files);
                return NULL;
        }
        if (r->n_files > 0) {
                snprintf(why, whysize, "run/netplan still holds %s", r->files[0].name);
                return NULL;
        }
        /* etc holding the user's untried edits (a try that never began) keeps the old known-good */
        if (known_good_load(kgdir, &k, NULL) < 0 ||
            !(netplan_set_equal(k->set, e) || (etc_edits && netplan_set_equal(k->set, kg_set)))) {
                snprintf(why, whysize, "the known-good store is not what etc holds (%s)", which);
                return NULL;
        }
        if (!candidate_kept(root, etc_edits, why, whysize))
                return NULL;
        /* and the next transaction can start (then is rolled back) */
        if (txn_disk_open(root, &d) < 0 || txn_disk_pending(d, NULL) != 0) {
                snprintf(why, whysize, "still pending after recovery");
                return NULL;
        }
        if (new_try && strcmp(which, "known-good") == 0) {
                if (txn_disk_begin(d, cand_set, "after", &id) < 0 || txn_disk_abort(d, id, "after", NULL) < 0) {
                        snprintf(why, whysize, "a new try fails: %s", txn_disk_last_error(d));
                        return NULL;
                }
        }
        return which;
}

static void report(const char *label, const char *outcome, const char *which, const char *why) {
        n_cases++;
        if (!which) {
                n_failed++;
                printf("FAIL %-48s %s: %s\n", label, outcome, why);
        } else
                printf("ok   %-48s %s, etc = %s\n", label, outcome, which);
}

static const char *recover_in_parent(const char *root, bool etc_edits, bool new_try, char *why, size_t whysize,
                                     txn_recovery_action *ret) {
        _cleanup_(txn_disk_freep) txn_disk *d = NULL;
        txn_recovery rec = {};
        const char *which;

        if (txn_disk_open(root, &d) < 0 || txn_disk_recover(d, &rec) < 0) {
                snprintf(why, whysize, "recover failed: %s", d ? txn_disk_last_error(d) : "open");
                return NULL;
        }
        *ret = rec.action;
        if (rec.action == TXN_RECOVERY_ROLLED_BACK) {
                struct stat st;

                if (!rec.rejected_path || stat(rec.rejected_path, &st) < 0) {
                        snprintf(why, whysize, "rolled back but no rejected directory (%s)",
                                 rec.rejected_path ? rec.rejected_path : "none named");
                        txn_recovery_done(&rec);
                        return NULL;
                }
        }
        txn_recovery_done(&rec);
        txn_disk_free(TAKE_PTR(d));
        which = check_root(root, etc_edits, new_try, why, whysize);
        if (which && rec.action == TXN_RECOVERY_ROLLED_FORWARD && strcmp(which, "candidate") != 0) {
                snprintf(why, whysize, "rolled forward but etc is the known-good");
                return NULL;
        }
        return which;
}

/* The points of txn-disk (other modules add their own names to the table). */
static bool point_is_ours(const char *point) {
        return strncmp(point, "begin:", 6) == 0 || strncmp(point, "commit:", 7) == 0 ||
               strncmp(point, "abort:", 6) == 0 || strncmp(point, "force:", 6) == 0;
}

static bool point_applies(const char *point, scenario_kind k) {
        bool commit = k == FILES_COMMIT || k == ETC_COMMIT;

        if (strncmp(point, "begin:", 6) == 0)
                return true;
        if (strncmp(point, "commit:", 7) == 0)
                return commit;
        if (strncmp(point, "abort:", 6) == 0)
                return !commit;
        return false;
}

static void matrix(void) {
        unsigned n = 0;
        size_t total = fault_point_count();

        if (total > ELEMENTSOF(hit))
                abort();

        for (scenario_kind k = 0; k < _SCENARIO_MAX; k++)
                for (size_t p = 0; p < total; p++) {
                        const char *point = fault_point_names[p];
                        bool per_file = strstr(point, "-file") != NULL;

                        if (!point_applies(point, k))
                                continue;
                        for (unsigned nth = 1; nth <= (per_file ? 4u : 1u); nth++) {
                                for (int force = 0; force <= 1; force++) {
                                        _cleanup_free_ char *root = new_root(++n), *label = NULL, *spec = NULL;
                                        char why[512] = "";
                                        const char *which;
                                        txn_recovery_action action = TXN_RECOVERY_NOTHING;
                                        int ex;

                                        spec = per_file ? pathf("%s:%u", point, nth) : pathf("%s", point);
                                        label = pathf("%s %s%s", scenario_names[k], spec, force ? " +force" : "");
                                        ex = in_child(spec, root, k, false);
                                        if (ex == 0) {
                                                /* not reached (fewer files than nth, or the other path) */
                                                (void) rm_rf(root);
                                                break;
                                        }
                                        if (ex != FAULT_EXIT_STATUS) {
                                                report(label, "child", NULL, "the sequence failed before the point");
                                                continue;
                                        }
                                        hit[p] = true;
                                        if (force) {
                                                _cleanup_(txn_disk_freep) txn_disk *d = NULL;

                                                if (txn_disk_open(root, &d) < 0 ||
                                                    txn_disk_force_rollback(d, "fault matrix", NULL) < 0) {
                                                        report(label, "force", NULL, d ? txn_disk_last_error(d) : "open");
                                                        continue;
                                                }
                                                txn_disk_free(TAKE_PTR(d));
                                                which = check_root(root, k == ETC_COMMIT || k == ETC_ABORT, true, why, sizeof why);
                                                n_force++;
                                                report(label, "forced rollback", which, why);
                                        } else {
                                                which = recover_in_parent(root, k == ETC_COMMIT || k == ETC_ABORT, true, why, sizeof why, &action);
                                                if (which)
                                                        action == TXN_RECOVERY_ROLLED_BACK      ? n_back++
                                                        : action == TXN_RECOVERY_ROLLED_FORWARD ? n_forward++
                                                                                                : n_nothing++;
                                                report(label, which ? txn_recovery_action_to_string(action) : "recover",
                                                       which, why);
                                        }
                                        if (which)
                                                (void) rm_rf(root);
                                }
                        }
                }
}

/* A crash inside recovery: first at `first`, then in the recovering child at each
 * point of the rollback or roll-forward, then recovery in the parent. */
static void double_faults(void) {
        static const struct {
                scenario_kind k;
                const char *first;
                const char *prefix;
        } cases[] = {
                { ETC_ABORT, "begin:staged", "abort:" },
                { ETC_COMMIT, "begin:etc-file:1", "abort:" },
                { FILES_COMMIT, "commit:etc-file:1", "commit:" },
                { ETC_COMMIT, "commit:begun", "commit:" },
                { ETC_ABORT, "begin:staged", "force:" },
                { ETC_COMMIT, "begin:etc-file:1", "force:" },
                { FILES_COMMIT, "commit:etc-file:1", "force:" },
        };
        unsigned n = 1000;

        for (size_t c = 0; c < ELEMENTSOF(cases); c++)
                for (size_t p = 0; p < fault_point_count(); p++) {
                        const char *point = fault_point_names[p];

                        if (strncmp(point, cases[c].prefix, strlen(cases[c].prefix)) != 0)
                                continue;
                        _cleanup_free_ char *root = new_root(++n), *label = NULL, *spec = NULL;
                        char why[512] = "";
                        const char *which;
                        txn_recovery_action action = TXN_RECOVERY_NOTHING;

                        spec = strstr(point, "-file") ? pathf("%s:1", point) : pathf("%s", point);
                        label = pathf("%s %s, %s killed at %s", scenario_names[cases[c].k], cases[c].first,
                                      strncmp(point, "force:", 6) == 0 ? "forced rollback" : "recovery", spec);
                        if (in_child(cases[c].first, root, cases[c].k, false) != FAULT_EXIT_STATUS) {
                                report(label, "child", NULL, "first fault not reached");
                                continue;
                        }
                        /* recovery may also finish without reaching it (nothing left to do there) */
                        if (in_child(spec, root, cases[c].k, true) == FAULT_EXIT_STATUS)
                                hit[p] = true;
                        else {
                                char *l = pathf("%s (not reached)", label);

                                free(label);
                                label = l;
                        }
                        if (strncmp(point, "force:", 6) == 0) {
                                _cleanup_(txn_disk_freep) txn_disk *d = NULL;

                                if (txn_disk_open(root, &d) < 0 || txn_disk_force_rollback(d, "again", NULL) < 0) {
                                        report(label, "force", NULL, d ? txn_disk_last_error(d) : "open");
                                        continue;
                                }
                                txn_disk_free(TAKE_PTR(d));
                                which = check_root(root, cases[c].k >= ETC_COMMIT, true, why, sizeof why);
                                report(label, "forced rollback", which, why);
                        } else {
                                which = recover_in_parent(root, cases[c].k >= ETC_COMMIT, true, why, sizeof why, &action);
                                report(label, which ? txn_recovery_action_to_string(action) : "recover", which, why);
                        }
                        if (which)
                                (void) rm_rf(root);
                }
}


/* A crashed root kept in memory, so each cut of the journal starts from the same bytes
 * without running (and forking) the sequence again. */
typedef struct snap_entry {
        char *rel;
        int type;               /* 'd', 'f', 'l' */
        char *data;
        size_t size;
} snap_entry;

typedef struct snapshot {
        snap_entry *e;
        size_t n;
} snapshot;

static void snap_walk(snapshot *s, const char *root, const char *rel, unsigned depth) {
        _cleanup_free_ char *dir = rel[0] ? pathf("%s/%s", root, rel) : pathf("%s", root);
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d || depth > 10)
                abort();
        while ((de = readdir(d))) {
                snap_entry e = {};
                struct stat st;
                _cleanup_free_ char *full = NULL;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                e.rel = rel[0] ? pathf("%s/%s", rel, de->d_name) : pathf("%s", de->d_name);
                full = pathf("%s/%s", root, e.rel);
                if (lstat(full, &st) < 0)
                        abort();
                if (S_ISDIR(st.st_mode))
                        e.type = 'd';
                else if (S_ISLNK(st.st_mode)) {
                        char buf[256];
                        ssize_t k = readlink(full, buf, sizeof buf - 1);

                        if (k < 0)
                                abort();
                        e.type = 'l', e.data = strndup(buf, (size_t) k);
                } else {
                        e.type = 'f';
                        if (read_file_bounded(full, 1 << 22, 0, &e.data, &e.size, NULL) < 0)
                                abort();
                }
                s->e = realloc(s->e, (s->n + 1) * sizeof *s->e);
                if (!s->e)
                        abort();
                s->e[s->n++] = e;
                if (e.type == 'd')
                        snap_walk(s, root, e.rel, depth + 1);
        }
        closedir(d);
}

static void snap_restore(const snapshot *s, const char *root) {
        if (rm_rf(root) < 0 || mkdir(root, 0700) < 0)
                abort();
        for (size_t i = 0; i < s->n; i++) {
                _cleanup_free_ char *full = pathf("%s/%s", root, s->e[i].rel);

                if (s->e[i].type == 'd') {
                        if (mkdir(full, 0700) < 0)
                                abort();
                } else if (s->e[i].type == 'l') {
                        if (symlink(s->e[i].data, full) < 0)
                                abort();
                } else {
                        FILE *f = fopen(full, "we");

                        if (!f || fwrite(s->e[i].data, 1, s->e[i].size, f) != s->e[i].size || fclose(f) != 0)
                                abort();
                }
        }
}

static void snap_free(snapshot *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->e[i].rel);
                free(s->e[i].data);
        }
        free(s->e);
}

/* The journal's last record cut at every byte, and one byte of it flipped. */
static void torn_journals(void) {
        static const struct {
                scenario_kind k;
                const char *point;
        } cases[] = {
                { ETC_COMMIT, "begin:begun" },     { ETC_COMMIT, "begin:staging-recorded" },
                { ETC_COMMIT, "begin:staged" },    { FILES_COMMIT, "commit:begun" },
                { ETC_COMMIT, "commit:etc-written" }, { ETC_ABORT, "abort:begun" },
                { ETC_ABORT, "abort:rejected-kept" },
        };
        unsigned n = 5000;

        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                _cleanup_free_ char *root = new_root(++n);
                _cleanup_free_ char *dir = pathf("%s/var/lib/netguard/transactions", root);
                _cleanup_free_ char *jpath = pathf("%s/1.journal", dir);
                _cleanup_(journal_log_freep) journal_log *l = NULL;
                snapshot snap = {};
                uint64_t last_off, size;
                unsigned bad = 0, runs = 0;

                if (in_child(cases[c].point, root, cases[c].k, false) != FAULT_EXIT_STATUS ||
                    journal_read(dir, 1, &l) < 0 || l->n_records == 0) {
                        report(cases[c].point, "torn", NULL, "setup failed");
                        continue;
                }
                last_off = journal_log_last(l)->offset;
                size = l->size;
                snap_walk(&snap, root, "", 0);

                for (uint64_t cut = last_off; cut <= size; cut++) {
                        for (int flip = 0; flip <= 1; flip++) {
                                char why[512] = "";
                                const char *which;
                                txn_recovery_action action;

                                /* every header byte, every 8th payload byte: a flip anywhere fails the CRC alike */
                                if (flip && (cut == size || (cut - last_off >= JOURNAL_HEADER_SIZE && (cut - last_off) % 8 != 0)))
                                        continue;
                                snap_restore(&snap, root);
                                if (!flip && truncate(jpath, (off_t) cut) < 0)
                                        abort();
                                if (flip) {
                                        int fd = open(jpath, O_RDWR | O_CLOEXEC);
                                        unsigned char b;

                                        if (fd < 0 || pread(fd, &b, 1, (off_t) cut) != 1)
                                                abort();
                                        b ^= 0x40;
                                        if (pwrite(fd, &b, 1, (off_t) cut) != 1)
                                                abort();
                                        close(fd);
                                }
                                which = recover_in_parent(root, cases[c].k >= ETC_COMMIT, false, why, sizeof why, &action);
                                runs++;
                                n_cases++;
                                if (!which) {
                                        n_failed++, bad++;
                                        printf("FAIL %s %s %s at byte %" PRIu64 ": %s\n", scenario_names[cases[c].k],
                                               cases[c].point, flip ? "flipped" : "cut", cut, why);
                                }
                        }
                }
                snap_free(&snap);
                if (bad == 0)
                        (void) rm_rf(root);
                printf("%s   %s %s: last record at bytes %" PRIu64 "-%" PRIu64 ", %u cuts and flips recovered, %u failed\n",
                       bad ? "FAIL" : "ok", scenario_names[cases[c].k], cases[c].point, last_off, size, runs - bad, bad);
        }
}

int main(void) {
        const char *tmp = getenv("NETGUARD_FAULTS_DIR");
        struct stat st;

        /* kill -9 leaves what the page cache holds, so fsync's cost buys nothing here:
         * tmpfs keeps the run short (on a busy disk it takes minutes) */
        if (!tmp && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
                tmp = "/dev/shm";

        if (tmp) {
                _cleanup_free_ char *b = pathf("%s/ng-txn-faults.XXXXXX", tmp);

                if (strlen(b) >= sizeof base)
                        return 2;
                strcpy(base, b);
        }
        if (!mkdtemp(base)) {
                perror("mkdtemp");
                return 2;
        }
        kg_set = make_set(KG, ELEMENTSOF(KG));
        cand_set = make_set(CAND, ELEMENTSOF(CAND));
        setvbuf(stdout, NULL, _IOLBF, 0);

        matrix();
        double_faults();
        torn_journals();

        for (size_t p = 0; p < fault_point_count(); p++)
                if (point_is_ours(fault_point_names[p])) {
                        n_points++;
                        n_points_hit += hit[p];
                        if (!hit[p])
                                printf("FAIL fault point %s was never reached\n", fault_point_names[p]);
                }
        n_failed += n_points - n_points_hit;
        printf("fault points of txn-disk: %u, reached: %u\n",
               n_points, n_points_hit);
        printf("cases: %u, failed: %u (after recovery: %u rolled back, %u rolled forward, %u nothing pending; %u forced rollbacks)\n",
               n_cases, n_failed, n_back, n_forward, n_nothing, n_force);
        if (n_failed == 0)
                (void) rm_rf(base);
        else
                printf("failed roots kept under %s\n", base);
        netplan_set_free(kg_set);
        netplan_set_free(cand_set);
        return n_failed ? 1 : 0;
}
