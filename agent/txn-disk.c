/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/journal.h"
#include "agent/rejected.h"
#include "agent/staging.h"
#include "agent/txn-disk.h"
#include "common/fault.h"
#include "common/file-read.h"
#include "common/fs-util.h"
#include "common/strv.h"

struct txn_disk {
        char *root;
        char *etc;              /* root/etc/netplan */
        char *run;              /* root/run/netplan */
        char *state;            /* root/var/lib/netguard */
        char *kgdir;            /* state/known-good */
        char *rejdir;           /* state/rejected */
        char *txndir;           /* state/transactions */
        char *runstate;         /* root/run/netguard */

        known_good *kg;
        char *kg_error;
        int kg_r;

        char *error;

        /* the pending transaction (0: none) and what this process knows of it */
        uint64_t pending;
        journal *j;
        netplan_set *candidate;
        netplan_set *plan;
};

/* Steps this module writes; txn_disk_step() refuses them so the journal stays readable. */
static const char *const reserved_steps[] = {
        "begun", "candidate-saved", "etc-restored", "staging", "staged", "commit-begun", "etc-written",
        "known-good", "unstaged", "committed", "abort-begun", "rejected-kept", "etc-reverted", "rolled-back",
        "recover", NULL,
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int set_error(txn_disk *d, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(txn_disk *d, int r, const char *fmt, ...) {
        char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        free(d->error);
        d->error = s;
        return r;
}

const char *txn_disk_last_error(txn_disk *d) {
        return d->error ? d->error : "";
}

static void forget_pending(txn_disk *d) {
        d->pending = 0;
        d->j = journal_free(d->j);
        d->candidate = netplan_set_free(d->candidate);
        d->plan = netplan_set_free(d->plan);
}

txn_disk *txn_disk_free(txn_disk *d) {
        if (!d)
                return NULL;
        forget_pending(d);
        known_good_free(d->kg);
        free(d->kg_error);
        free(d->error);
        free(d->root);
        free(d->etc);
        free(d->run);
        free(d->state);
        free(d->kgdir);
        free(d->rejdir);
        free(d->txndir);
        free(d->runstate);
        free(d);
        return NULL;
}

static int reload_known_good(txn_disk *d) {
        known_good *k = NULL;

        d->kg = known_good_free(d->kg);
        d->kg_error = mfree(d->kg_error);
        d->kg_r = known_good_load(d->kgdir, &k, &d->kg_error);
        if (d->kg_r == 0)
                d->kg = k;
        return d->kg_r;
}

static int need_known_good(txn_disk *d) {
        if (d->kg)
                return 0;
        return set_error(d, d->kg_r < 0 ? d->kg_r : -EBADMSG,
                         "the known-good configuration is unreadable: %s; nothing was changed (restore %s from a "
                         "backup, or remove it to take what %s holds as the known-good at the next start)",
                         d->kg_error ? d->kg_error : "unknown error", d->kgdir, d->etc);
}

static int read_etc(txn_disk *d, netplan_set **ret) {
        _cleanup_free_ char *err = NULL;
        int r = netplan_set_read_dir(d->etc, ret, &err);

        if (r < 0)
                return set_error(d, r, "%s", err ? err : strerror(-r));
        return 0;
}

static char *txn_subdir(txn_disk *d, uint64_t id, const char *sub) {
        char *p;

        if (asprintf(&p, "%s/%" PRIu64 "%s%s", d->txndir, id, sub ? "/" : "", sub ? sub : "") < 0)
                return NULL;
        return p;
}

/* Status of a journal: its `begun`, whether it is final, whether its commit began. */
typedef struct journal_facts {
        const journal_record *begun;
        bool final;
        bool committing;
        const char *final_step;
} journal_facts;

static journal_facts facts_of(const journal_log *l) {
        journal_facts f = { .begun = journal_log_find(l, "begun") };
        const journal_record *last = journal_log_last(l);

        if (last && (strcmp(last->step, "committed") == 0 || strcmp(last->step, "rolled-back") == 0)) {
                f.final = true;
                f.final_step = last->step;
        }
        f.committing = journal_log_find(l, "commit-begun") != NULL;
        return f;
}

int txn_disk_open(const char *root, txn_disk **ret) {
        _cleanup_(txn_disk_freep) txn_disk *d = calloc(1, sizeof *d);
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n;
        int r;

        if (!d)
                return -ENOMEM;
        d->root = strdup(root);
        if (!d->root || asprintf(&d->etc, "%s/etc/netplan", root) < 0 ||
            asprintf(&d->run, "%s/run/netplan", root) < 0 || asprintf(&d->state, "%s/var/lib/netguard", root) < 0 ||
            asprintf(&d->runstate, "%s/run/netguard", root) < 0 || !(d->kgdir = path_join(d->state, "known-good")) ||
            !(d->rejdir = path_join(d->state, "rejected")) || !(d->txndir = path_join(d->state, "transactions")))
                return -ENOMEM;
        for (const char *const *p = (const char *const[]) { d->kgdir, d->rejdir, d->txndir, NULL }; *p; p++) {
                r = mkdir_p(*p, 0700);
                if (r < 0)
                        return r;
        }
        r = mkdir_p(d->runstate, 0755);
        if (r < 0)
                return r;

        if (!known_good_exists(d->kgdir)) {
                _cleanup_(netplan_set_freep) netplan_set *etc = NULL;
                _cleanup_free_ char *err = NULL;

                r = netplan_set_read_dir(d->etc, &etc, &err);
                if (r < 0) {
                        d->kg_r = r;
                        if (asprintf(&d->kg_error, "no known-good yet, and %s cannot be taken as the first: %s", d->etc,
                                     err ? err : strerror(-r)) < 0)
                                d->kg_error = NULL;
                } else {
                        r = known_good_save(d->kgdir, etc, now_usec(), "first start");
                        if (r < 0)
                                return r;
                }
        }
        if (!d->kg_error)
                (void) reload_known_good(d);

        r = journal_list(d->txndir, &ids, &n);
        if (r < 0)
                return r;
        if (n > 0) {
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                r = journal_read(d->txndir, ids[n - 1], &l);
                if (r < 0)
                        return r;
                journal_facts f = facts_of(l);
                if (f.begun && !f.final)
                        d->pending = ids[n - 1];
        }
        *ret = TAKE_PTR(d);
        return 0;
}

/* Makes dir hold exactly target: target's files written atomically where they differ
 * (fault point after each), then files target lacks removed (copied to backup first, if
 * given), then the directory fsynced. */
static int write_exactly(txn_disk *d, const char *dir, const netplan_set *target, const char *backup,
                         const char *point) {
        _cleanup_(netplan_set_freep) netplan_set *now = NULL;
        _cleanup_free_ char *err = NULL;
        int r;

        r = netplan_set_read_dir(dir, &now, &err);
        if (r < 0)
                return set_error(d, r, "%s", err ? err : strerror(-r));
        for (size_t i = 0; i < target->n_files; i++) {
                const netplan_file *f = &target->files[i];

                if (netplan_file_equal(netplan_set_find(now, f->name), f))
                        continue;
                r = netplan_file_write_atomic(dir, f->name, f->data, f->size, 0600);
                if (r < 0)
                        return set_error(d, r, "%s/%s: cannot write: %s", dir, f->name, strerror(-r));
                fault_point(point);
        }
        for (size_t i = 0; i < now->n_files; i++) {
                const netplan_file *f = &now->files[i];
                _cleanup_free_ char *p = NULL;

                if (netplan_set_find(target, f->name))
                        continue;
                if (backup) {
                        r = netplan_file_write_atomic(backup, f->name, f->data, f->size, 0600);
                        if (r < 0)
                                return set_error(d, r, "%s/%s: cannot back up: %s", backup, f->name, strerror(-r));
                }
                p = path_join(dir, f->name);
                if (!p)
                        return -ENOMEM;
                if (unlink(p) < 0 && errno != ENOENT)
                        return set_error(d, -errno, "%s: cannot remove: %m", p);
                fault_point(point);
        }
        r = fsync_directory(dir);
        if (r < 0 && r != -ENOENT)
                return set_error(d, r, "%s: fsync: %s", dir, strerror(-r));
        return 0;
}

static int journal_step(txn_disk *d, const char *step, ...) {
        _cleanup_strv_free_ char **fields = NULL;
        va_list ap;
        int r = 0;

        va_start(ap, step);
        for (;;) {
                const char *k = va_arg(ap, const char *), *v;
                _cleanup_free_ char *kv = NULL;

                if (!k)
                        break;
                v = va_arg(ap, const char *);
                if (!v)
                        continue;
                if (asprintf(&kv, "%s=%.*s", k, TXN_DISK_TEXT_MAX, v) < 0 || strv_push(&fields, kv) < 0) {
                        r = -ENOMEM;
                        break;
                }
        }
        va_end(ap);
        if (r < 0)
                return r;
        r = journal_append(d->j, step, fields);
        if (r < 0)
                return set_error(d, r, "%s/%" PRIu64 ".journal: cannot append '%s': %s", d->txndir, d->pending, step,
                                 strerror(-r));
        return 0;
}

static int plan_record(const netplan_set *plan, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_files; i++) {
                char hex[SHA256_HEX_SIZE];

                sha256_to_hex(plan->files[i].sha256, hex);
                fprintf(f, "%s%s/%s", i ? " " : "", plan->files[i].name, hex);
        }
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

/* The staging plan from the journal's `staging` record: names and checksums, with the
 * bytes taken from the candidate, the empty shadow, or the file in run/netplan when its
 * checksum is the recorded one (the candidate's copy may be unreadable). A name none of
 * these match is left out: its file, if any, is not ours to remove. */
static int plan_from_record(const journal_record *rec, const netplan_set *candidate, const char *rundir,
                            netplan_set **ret) {
        _cleanup_(netplan_set_freep) netplan_set *plan = NULL;
        _cleanup_free_ char *list = NULL;
        uint8_t shadow[SHA256_DIGEST_SIZE];
        const char *files = journal_record_get(rec, "files");
        char *tok, *save = NULL;
        int r;

        r = netplan_set_new(&plan);
        if (r < 0)
                return r;
        sha256(STAGING_EMPTY_SHADOW, strlen(STAGING_EMPTY_SHADOW), shadow);
        list = strdup(files ? files : "");
        if (!list)
                return -ENOMEM;
        for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                char *slash = strrchr(tok, '/');
                uint8_t want[SHA256_DIGEST_SIZE];
                const netplan_file *f;

                if (!slash || sha256_from_hex(slash + 1, want) < 0)
                        continue;
                *slash = 0;
                f = netplan_set_find(candidate, tok);
                if (f && memcmp(f->sha256, want, sizeof want) == 0)
                        r = netplan_set_put(plan, tok, f->data, f->size);
                else if (memcmp(shadow, want, sizeof want) == 0)
                        r = netplan_set_put(plan, tok, STAGING_EMPTY_SHADOW, strlen(STAGING_EMPTY_SHADOW));
                else {
                        _cleanup_free_ char *p = path_join(rundir, tok), *data = NULL;
                        uint8_t got[SHA256_DIGEST_SIZE];
                        size_t size;

                        r = 0;
                        if (p && read_file_bounded(p, NETPLAN_SET_MAX_FILE_SIZE, 0, &data, &size, NULL) >= 0) {
                                sha256(data, size, got);
                                if (memcmp(got, want, sizeof got) == 0)
                                        r = netplan_set_put(plan, tok, data, size);
                        }
                }
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(plan);
        return 0;
}

/* The candidate saved in the transaction's directory, if whole and matching `begun`. */
static int load_candidate(txn_disk *d, uint64_t id, const journal_record *begun, netplan_set **ret) {
        _cleanup_free_ char *dir = txn_subdir(d, id, "candidate");
        _cleanup_(netplan_set_freep) netplan_set *s = NULL;
        const char *want = journal_record_get(begun, "candidate");
        char hex[SHA256_HEX_SIZE];
        struct stat st;
        int r;

        if (!dir)
                return -ENOMEM;
        if (stat(dir, &st) < 0)
                return -ENOENT;
        r = netplan_set_read_dir(dir, &s, NULL);
        if (r < 0)
                return r;
        netplan_set_digest_hex(s, hex);
        if (!want || strcmp(hex, want) != 0)
                return -EBADMSG;
        *ret = TAKE_PTR(s);
        return 0;
}

static int save_candidate(txn_disk *d, uint64_t id, const netplan_set *cand) {
        _cleanup_free_ char *top = txn_subdir(d, id, NULL), *tmp = txn_subdir(d, id, "candidate.tmp"),
                            *final = txn_subdir(d, id, "candidate");
        int r;

        if (!top || !tmp || !final)
                return -ENOMEM;
        r = rm_rf(tmp);
        if (r >= 0)
                r = mkdir_p(tmp, 0700);
        if (r >= 0)
                r = netplan_set_write_dir(cand, tmp);
        if (r >= 0)
                r = fsync_directory(tmp);
        if (r >= 0 && rename(tmp, final) < 0)
                r = -errno;
        if (r >= 0)
                r = fsync_directory(top);
        if (r >= 0)
                r = fsync_directory(d->txndir);
        if (r < 0)
                return set_error(d, r, "%s: cannot save the candidate: %s", final, strerror(-r));
        return 0;
}

/* Makes d's view of the pending transaction whole: journal open for appending, the
 * candidate and the staging plan loaded from disk when this process did not begin it. */
static int attach(txn_disk *d, uint64_t id, const journal_log *l) {
        journal_facts f = facts_of(l);
        const journal_record *staging = journal_log_find(l, "staging");
        int r;

        if (d->pending != id) {
                forget_pending(d);
                d->pending = id;
        }
        if (!d->j) {
                r = journal_open(d->txndir, id, &d->j);
                if (r < 0)
                        return set_error(d, r, "%s/%" PRIu64 ".journal: cannot open: %s", d->txndir, id,
                                         strerror(-r));
        }
        if (!d->candidate && f.begun)
                (void) load_candidate(d, id, f.begun, &d->candidate);
        if (!d->plan && staging) {
                r = plan_from_record(staging, d->candidate, d->run, &d->plan);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void prune(txn_disk *d) {
        (void) journal_prune(d->txndir, JOURNAL_KEEP, d->pending);
}

/* Rolls the pending transaction back (its journal attached): rejected copy, staging
 * removed, etc := known-good, journal final. Each step is skipped if the journal says it
 * was done (a second recovery after a crash in this one). */
static int roll_back(txn_disk *d, const journal_log *l, const char *reason, char **ret_rejected) {
        _cleanup_(netplan_set_freep) netplan_set *etc = NULL, *etc_extra = NULL, *foreign = NULL, *staged = NULL;
        _cleanup_free_ char *path = NULL, *idstr = NULL;
        const journal_record *kept = journal_log_find(l, "rejected-kept");
        int r;

        r = need_known_good(d);
        if (r < 0)
                return r;
        if (asprintf(&idstr, "%" PRIu64, d->pending) < 0)
                return -ENOMEM;

        if (!kept) {
                /* what etc holds that is neither known-good nor the candidate: the user's */
                r = read_etc(d, &etc);
                if (r < 0)
                        return r;
                r = netplan_set_new(&etc_extra);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < etc->n_files; i++) {
                        const netplan_file *f = &etc->files[i];

                        if (netplan_file_equal(netplan_set_find(d->kg->set, f->name), f) ||
                            netplan_file_equal(netplan_set_find(d->candidate, f->name), f))
                                continue;
                        r = netplan_set_put(etc_extra, f->name, f->data, f->size);
                        if (r < 0)
                                return r;
                }
                /* the saved candidate unreadable: the staged copies are the ones left */
                if (!d->candidate && d->plan) {
                        r = netplan_set_new(&staged);
                        if (r < 0)
                                return r;
                        for (size_t i = 0; i < d->plan->n_files; i++) {
                                const netplan_file *f = &d->plan->files[i];

                                if (f->size == strlen(STAGING_EMPTY_SHADOW) &&
                                    memcmp(f->data, STAGING_EMPTY_SHADOW, f->size) == 0)
                                        continue;
                                r = netplan_set_put(staged, f->name, f->data, f->size);
                                if (r < 0)
                                        return r;
                        }
                }
                r = rejected_save(d->rejdir, idstr, reason, d->candidate ?: staged, etc_extra, NULL, &path);
                if (r < 0)
                        return set_error(d, r, "%s/%s: cannot keep the rejected candidate: %s; nothing was removed",
                                         d->rejdir, idstr, strerror(-r));
                r = journal_step(d, "rejected-kept", "path", path, (const char *) NULL);
                if (r < 0)
                        return r;
        } else {
                path = strdup(journal_record_get(kept, "path") ?: "");
                if (!path)
                        return -ENOMEM;
        }
        fault_point("abort:rejected-kept");

        r = staging_clear(d->run, d->plan, &foreign);
        if (r < 0)
                return set_error(d, r, "%s: cannot remove the staged candidate: %s", d->run, strerror(-r));
        if (foreign) {
                _cleanup_free_ char *fpath = NULL, *freason = NULL;

                if (asprintf(&freason, "changed in %s while transaction %s was pending (%s)", d->run, idstr,
                             reason ? reason : "") < 0)
                        return -ENOMEM;
                r = rejected_save(d->rejdir, idstr, freason, NULL, NULL, foreign, &fpath);
                if (r < 0)
                        return set_error(d, r, "%s: cannot keep files changed in %s: %s", d->rejdir, d->run,
                                         strerror(-r));
                r = staging_remove_foreign(d->run, foreign);
                if (r < 0)
                        return set_error(d, r, "%s: cannot remove: %s", d->run, strerror(-r));
        }
        r = journal_step(d, "unstaged", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("abort:unstaged");

        r = write_exactly(d, d->etc, d->kg->set, NULL, "abort:etc-file");
        if (r < 0)
                return r;
        r = journal_step(d, "etc-reverted", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("abort:etc-restored");

        r = journal_step(d, "rolled-back", "reason", reason, (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("abort:done");
        forget_pending(d);
        prune(d);
        if (ret_rejected)
                *ret_rejected = TAKE_PTR(path);
        return 0;
}

/* Finishes a commit whose `commit-begun` is journalled; every step is idempotent. */
static int roll_forward(txn_disk *d) {
        _cleanup_(netplan_set_freep) netplan_set *foreign = NULL;
        _cleanup_free_ char *backup = txn_subdir(d, d->pending, "removed"), *source = NULL, *idstr = NULL;
        int r;

        if (!backup || asprintf(&idstr, "%" PRIu64, d->pending) < 0)
                return -ENOMEM;
        if (!d->candidate)
                return set_error(d, -EBADMSG, "transaction %s: the candidate is not readable", idstr);
        r = write_exactly(d, d->etc, d->candidate, backup, "commit:etc-file");
        if (r < 0)
                return r;
        r = journal_step(d, "etc-written", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("commit:etc-written");

        if (!d->kg || !netplan_set_equal(d->kg->set, d->candidate)) {
                if (asprintf(&source, "confirmed try %s", idstr) < 0)
                        return -ENOMEM;
                r = known_good_save(d->kgdir, d->candidate, now_usec(), source);
                if (r < 0)
                        return set_error(d, r, "%s: cannot save the known-good: %s", d->kgdir, strerror(-r));
                (void) reload_known_good(d);
        }
        r = journal_step(d, "known-good", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("commit:known-good");

        r = staging_clear(d->run, d->plan, &foreign);
        if (r < 0)
                return set_error(d, r, "%s: cannot remove the staged candidate: %s", d->run, strerror(-r));
        if (foreign) {
                _cleanup_free_ char *freason = NULL;

                if (asprintf(&freason, "changed in %s while transaction %s was pending", d->run, idstr) < 0)
                        return -ENOMEM;
                r = rejected_save(d->rejdir, idstr, freason, NULL, NULL, foreign, NULL);
                if (r < 0)
                        return set_error(d, r, "%s: cannot keep files changed in %s: %s", d->rejdir, d->run,
                                         strerror(-r));
                (void) staging_remove_foreign(d->run, foreign);
        }
        r = journal_step(d, "unstaged", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("commit:unstaged");

        r = journal_step(d, "committed", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("commit:done");
        forget_pending(d);
        prune(d);
        return 0;
}

int txn_disk_begin(txn_disk *d, const netplan_set *candidate, const char *origin, uint64_t *ret_id) {
        _cleanup_(netplan_set_freep) netplan_set *etc = NULL, *cand = NULL, *plan = NULL;
        _cleanup_free_ char *files = NULL, *err = NULL, *time = NULL, *reason = NULL;
        char cand_hex[SHA256_HEX_SIZE], kg_hex[SHA256_HEX_SIZE];
        bool from_etc = !candidate;
        uint64_t id;
        int r;

        free(d->error), d->error = NULL;
        if (d->pending)
                return set_error(d, -EBUSY, "transaction %" PRIu64 " is pending: confirm or roll it back first",
                                 d->pending);
        r = need_known_good(d);
        if (r < 0)
                return r;
        r = read_etc(d, &etc);
        if (r < 0)
                return r;
        if (from_etc) {
                if (netplan_set_equal(etc, d->kg->set))
                        return set_error(d, -ENODATA, "%s holds the known-good configuration: no edits to try",
                                         d->etc);
                cand = TAKE_PTR(etc);
        } else {
                if (!netplan_set_equal(etc, d->kg->set))
                        return set_error(d, -EBUSY,
                                         "%s differs from the known-good configuration: try those edits first "
                                         "(`netguard try` without FILE), or restore it",
                                         d->etc);
                r = netplan_set_copy(candidate, &cand);
                if (r < 0)
                        return r;
        }
        r = staging_plan(cand, d->kg->set, &plan);
        if (r < 0)
                return r;
        for (size_t i = 0; i < plan->n_files; i++) {
                _cleanup_free_ char *p = path_join(d->run, plan->files[i].name);
                struct stat st;

                if (!p)
                        return -ENOMEM;
                if (lstat(p, &st) == 0)
                        return set_error(d, -EEXIST,
                                         "%s exists: it would shadow the candidate's file; move it away (or run "
                                         "`netguard rollback --force`) and try again",
                                         p);
        }
        r = plan_record(plan, &files);
        if (r < 0)
                return r;

        r = journal_next_id(d->txndir, &id);
        if (r < 0)
                return set_error(d, r, "%s: cannot list transactions: %s", d->txndir, strerror(-r));
        r = journal_create(d->txndir, id, &d->j);
        if (r < 0)
                return set_error(d, r, "%s/%" PRIu64 ".journal: cannot create: %s", d->txndir, id, strerror(-r));
        d->pending = id;
        fault_point("begin:journal-created");

        netplan_set_digest_hex(cand, cand_hex);
        netplan_set_digest_hex(d->kg->set, kg_hex);
        if (asprintf(&time, "%" PRIu64, now_usec()) < 0)
                return -ENOMEM;
        r = journal_step(d, "begun", "time", time, "origin", origin ? origin : "", "from-etc", from_etc ? "yes" : "no",
                         "candidate", cand_hex, "known-good", kg_hex, (const char *) NULL);
        if (r < 0)
                goto undo;
        fault_point("begin:begun");

        r = save_candidate(d, id, cand);
        if (r < 0)
                goto undo;
        d->candidate = TAKE_PTR(cand);
        r = journal_step(d, "candidate-saved", (const char *) NULL);
        if (r < 0)
                goto undo;
        fault_point("begin:candidate-saved");

        if (from_etc) {
                r = write_exactly(d, d->etc, d->kg->set, NULL, "begin:etc-file");
                if (r < 0)
                        goto undo;
                r = journal_step(d, "etc-restored", (const char *) NULL);
                if (r < 0)
                        goto undo;
                fault_point("begin:etc-restored");
        }

        r = journal_step(d, "staging", "files", files, (const char *) NULL);
        if (r < 0)
                goto undo;
        d->plan = TAKE_PTR(plan);
        fault_point("begin:staging-recorded");

        r = staging_write(d->run, d->plan, &err);
        if (r < 0) {
                set_error(d, r, "%s", err ? err : strerror(-r));
                goto undo;
        }
        r = journal_step(d, "staged", (const char *) NULL);
        if (r < 0)
                goto undo;
        fault_point("begin:staged");

        *ret_id = id;
        return 0;

undo:
        /* leave no half transaction: roll it back now, keeping the first error's message */
        {
                _cleanup_free_ char *msg = d->error ? strdup(d->error) : NULL;
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                if (asprintf(&reason, "begin failed: %s", msg ? msg : strerror(-r)) < 0)
                        reason = NULL;
                if (journal_read(d->txndir, id, &l) >= 0) {
                        (void) journal_step(d, "abort-begun", "reason", reason, (const char *) NULL);
                        (void) roll_back(d, l, reason, NULL);
                }
                if (msg)
                        set_error(d, r, "%s", msg);
        }
        return r;
}

static int check_pending(txn_disk *d, uint64_t id, journal_log **ret) {
        int r;

        free(d->error), d->error = NULL;
        if (id == 0 || d->pending != id)
                return set_error(d, -ESRCH, "transaction %" PRIu64 " is not pending", id);
        r = journal_read(d->txndir, id, ret);
        if (r < 0)
                return set_error(d, r, "%s/%" PRIu64 ".journal: cannot read: %s", d->txndir, id, strerror(-r));
        return attach(d, id, *ret);
}

int txn_disk_step(txn_disk *d, uint64_t id, const char *step, const char *detail) {
        _cleanup_(journal_log_freep) journal_log *l = NULL;
        int r;

        if (!step || !*step || strchr(step, '\n') || strchr(step, '=') || strchr(step, ':'))
                return set_error(d, -EINVAL, "'%s': not a step name", step ? step : "");
        for (const char *const *p = reserved_steps; *p; p++)
                if (strcmp(*p, step) == 0)
                        return set_error(d, -EINVAL, "'%s' is a step txn-disk writes itself", step);
        r = check_pending(d, id, &l);
        if (r < 0)
                return r;
        return journal_step(d, step, "detail", detail, (const char *) NULL);
}

int txn_disk_commit(txn_disk *d, uint64_t id) {
        _cleanup_(journal_log_freep) journal_log *l = NULL;
        int r;

        r = check_pending(d, id, &l);
        if (r < 0)
                return r;
        if (!journal_log_find(l, "staged"))
                return set_error(d, -EBUSY, "transaction %" PRIu64 " was not staged whole: roll it back", id);
        if (!d->candidate)
                return set_error(d, -EBADMSG,
                                 "transaction %" PRIu64 ": the saved candidate is missing or does not match its "
                                 "checksum: roll it back",
                                 id);
        r = journal_step(d, "commit-begun", (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("commit:begun");
        return roll_forward(d);
}

int txn_disk_abort(txn_disk *d, uint64_t id, const char *reason, char **ret_rejected_path) {
        _cleanup_(journal_log_freep) journal_log *l = NULL;
        int r;

        r = check_pending(d, id, &l);
        if (r < 0)
                return r;
        if (facts_of(l).committing)
                return set_error(d, -EBUSY, "transaction %" PRIu64 " is being committed", id);
        r = need_known_good(d);
        if (r < 0)
                return r;
        r = journal_step(d, "abort-begun", "reason", reason, (const char *) NULL);
        if (r < 0)
                return r;
        fault_point("abort:begun");
        return roll_back(d, l, reason, ret_rejected_path);
}

void txn_recovery_done(txn_recovery *r) {
        if (!r)
                return;
        free(r->journal);
        free(r->rejected_path);
        free(r->detail);
        free(r->renamed);
        *r = (txn_recovery) {};
}

int txn_disk_recover(txn_disk *d, txn_recovery *ret) {
        _cleanup_(journal_log_freep) journal_log *l = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        _cleanup_free_ char *reason = NULL, *path = NULL, *detail = NULL, *desc = NULL, *renamed = NULL;
        txn_recovery_action action;
        journal_facts f;
        uint64_t id;
        size_t n;
        int r;

        free(d->error), d->error = NULL;
        r = need_known_good(d);
        if (r < 0)
                return r;
        r = journal_list(d->txndir, &ids, &n);
        if (r < 0)
                return set_error(d, r, "%s: cannot list transactions: %s", d->txndir, strerror(-r));
        if (n == 0) {
                *ret = (txn_recovery) { .action = TXN_RECOVERY_NOTHING };
                if (!(ret->journal = strdup("no journal")) || !(ret->detail = strdup("no transaction was ever begun")))
                        return -ENOMEM;
                return 0;
        }
        id = ids[n - 1];
        r = journal_read(d->txndir, id, &l);
        if (r < 0)
                return set_error(d, r, "%s/%" PRIu64 ".journal: cannot read: %s", d->txndir, id, strerror(-r));
        desc = strdup(l->description);
        if (!desc)
                return -ENOMEM;
        f = facts_of(l);
        /* Also after a final rolled-back: a kill between the abort and the re-apply leaves
         * the renames to undo (the re-apply marker says so); a committed one keeps them. */
        if (!f.committing && !(f.final && strcmp(f.final_step, "committed") == 0)) {
                const char *rn = journal_record_get(journal_log_find(l, "links-renamed"), "detail");

                if (rn && *rn && !(renamed = strdup(rn)))
                        return -ENOMEM;
        }
        if (f.final) {
                action = TXN_RECOVERY_NOTHING;
                if (asprintf(&detail, "transaction %" PRIu64 " was %s", id, f.final_step) < 0)
                        return -ENOMEM;
        } else if (!f.begun) {
                /* crashed before `begun` was durable: nothing else was done yet */
                r = attach(d, id, l);
                if (r < 0)
                        return r;
                (void) journal_step(d, "rolled-back", "reason", "never begun: the agent stopped before its first record",
                                    (const char *) NULL);
                forget_pending(d);
                action = TXN_RECOVERY_NOTHING;
                if (asprintf(&detail, "transaction %" PRIu64 " never began (journal: %s)", id, desc) < 0)
                        return -ENOMEM;
        } else {
                r = attach(d, id, l);
                if (r < 0)
                        return r;
                r = journal_step(d, "recover", "found", desc, (const char *) NULL);
                if (r < 0)
                        return r;
                if (f.committing && d->candidate) {
                        r = roll_forward(d);
                        if (r < 0)
                                return r;
                        action = TXN_RECOVERY_ROLLED_FORWARD;
                        if (asprintf(&detail, "transaction %" PRIu64 " was committing: finished (journal: %s)", id,
                                     desc) < 0)
                                return -ENOMEM;
                } else {
                        if (asprintf(&reason, "the agent restarted with transaction %" PRIu64 " pending (journal: %s)",
                                     id, desc) < 0)
                                return -ENOMEM;
                        if (!journal_log_find(l, "abort-begun")) {
                                r = journal_step(d, "abort-begun", "reason", reason, (const char *) NULL);
                                if (r < 0)
                                        return r;
                        } else {
                                free(reason);
                                reason = strdup(journal_record_get(journal_log_find(l, "abort-begun"), "reason") ?: "");
                                if (!reason)
                                        return -ENOMEM;
                        }
                        r = roll_back(d, l, reason, &path);
                        if (r < 0)
                                return r;
                        action = TXN_RECOVERY_ROLLED_BACK;
                        if (asprintf(&detail, "transaction %" PRIu64 " was pending: rolled back, candidate kept in %s (journal: %s)",
                                     id, path ? path : "?", desc) < 0)
                                return -ENOMEM;
                }
        }
        *ret = (txn_recovery) {
                .action = action,
                .id = id,
                .journal = TAKE_PTR(desc),
                .rejected_path = TAKE_PTR(path),
                .detail = TAKE_PTR(detail),
                .renamed = TAKE_PTR(renamed),
        };
        return 0;
}

int txn_disk_force_rollback(txn_disk *d, const char *reason, char **ret_rejected_path) {
        _cleanup_(known_good_freep) known_good *kg = NULL;
        _cleanup_(netplan_set_freep) netplan_set *etc = NULL, *run = NULL, *etc_diff = NULL, *run_diff = NULL, *cand = NULL;
        _cleanup_free_ char *err = NULL, *path = NULL, *idstr = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        uint64_t pending = 0;
        bool etc_ok;
        size_t n;
        int r;

        free(d->error), d->error = NULL;
        /* verified afresh: the cached copy may predate damage */
        r = known_good_load(d->kgdir, &kg, &err);
        if (r < 0)
                return set_error(d, r, "the known-good configuration is unreadable: %s; nothing was changed",
                                 err ? err : strerror(-r));
        r = read_etc(d, &etc);
        if (r < 0)
                return r;
        r = netplan_set_read_dir(d->run, &run, &err);
        if (r < 0)
                return set_error(d, r, "%s; nothing was changed", err ? err : strerror(-r));
        if (netplan_set_new(&etc_diff) < 0 || netplan_set_new(&run_diff) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < etc->n_files; i++)
                if (!netplan_file_equal(netplan_set_find(kg->set, etc->files[i].name), &etc->files[i]) &&
                    netplan_set_put(etc_diff, etc->files[i].name, etc->files[i].data, etc->files[i].size) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < run->n_files; i++)
                if (!netplan_file_equal(netplan_set_find(kg->set, run->files[i].name), &run->files[i]) &&
                    netplan_set_put(run_diff, run->files[i].name, run->files[i].data, run->files[i].size) < 0)
                        return -ENOMEM;
        etc_ok = netplan_set_equal(etc, kg->set);

        /* a pending transaction names the copy, if a journal says so: not needed otherwise */
        if (journal_list(d->txndir, &ids, &n) >= 0 && n > 0) {
                _cleanup_(journal_log_freep) journal_log *l = NULL;

                if (journal_read(d->txndir, ids[n - 1], &l) >= 0 && !facts_of(l).final)
                        pending = ids[n - 1];
        }
        if (pending ? asprintf(&idstr, "%" PRIu64, pending) < 0 : !(idstr = strdup("forced")))
                return -ENOMEM;
        if (pending) {
                /* its saved candidate joins the copy (pruning would remove it one day) */
                _cleanup_free_ char *cdir = txn_subdir(d, pending, "candidate");

                if (cdir)
                        (void) netplan_set_read_dir(cdir, &cand, NULL);
        }

        if (etc_diff->n_files > 0 || run_diff->n_files > 0 || (cand && cand->n_files > 0)) {
                _cleanup_free_ char *why = NULL;

                if (asprintf(&why, "forced rollback: %s", reason ? reason : "(no reason given)") < 0)
                        return -ENOMEM;
                r = rejected_save(d->rejdir, idstr, why, cand, etc_diff, run_diff, &path);
                if (r < 0)
                        return set_error(d, r, "%s: cannot keep the files that differ: %s; nothing was changed",
                                         d->rejdir, strerror(-r));
        }
        fault_point("force:rejected-kept");

        if (!etc_ok) {
                r = write_exactly(d, d->etc, kg->set, NULL, "force:etc-file");
                if (r < 0)
                        return r;
        }
        fault_point("force:etc-restored");

        /* every run/netplan file goes: those equal to the known-good's have a copy there */
        r = staging_remove_foreign(d->run, run);
        if (r < 0)
                return set_error(d, r, "%s: cannot remove: %s", d->run, strerror(-r));
        fault_point("force:unstaged");

        if (pending) {
                _cleanup_free_ char *why = NULL;

                forget_pending(d);
                d->pending = pending;
                if (journal_open(d->txndir, pending, &d->j) >= 0 &&
                    asprintf(&why, "forced rollback: %s", reason ? reason : "(no reason given)") >= 0)
                        (void) journal_step(d, "rolled-back", "reason", why, "forced", "yes", (const char *) NULL);
        }
        forget_pending(d);
        known_good_free(d->kg);
        d->kg = TAKE_PTR(kg);
        if (d->kg->warning)
                set_error(d, 0, "%s", d->kg->warning);
        if (ret_rejected_path)
                *ret_rejected_path = TAKE_PTR(path);
        return 0;
}

int txn_disk_mark_known_good(txn_disk *d, const char *proof) {
        _cleanup_(netplan_set_freep) netplan_set *etc = NULL;
        int r;

        free(d->error), d->error = NULL;
        if (d->pending)
                return set_error(d, -EBUSY, "transaction %" PRIu64 " is pending", d->pending);
        r = read_etc(d, &etc);
        if (r < 0)
                return r;
        if (d->kg && netplan_set_equal(etc, d->kg->set))
                return 0;
        r = known_good_save(d->kgdir, etc, now_usec(), proof ? proof : "proof");
        if (r < 0)
                return set_error(d, r, "%s: cannot save the known-good: %s", d->kgdir, strerror(-r));
        return reload_known_good(d);
}

int txn_disk_pending(txn_disk *d, uint64_t *ret_id) {
        if (!d->pending)
                return 0;
        if (ret_id)
                *ret_id = d->pending;
        return 1;
}

const known_good *txn_disk_known_good(txn_disk *d) {
        return d->kg;
}

const netplan_set *txn_disk_candidate(txn_disk *d) {
        return d->pending ? d->candidate : NULL;
}

static void entry_done(txn_history_entry *e) {
        free(e->origin);
        free(e->state);
        free(e->reason);
        free(e->journal);
        strv_free(e->steps);
}

txn_history *txn_history_free(txn_history *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n_entries; i++)
                entry_done(&h->entries[i]);
        free(h->entries);
        free(h);
        return NULL;
}

int txn_disk_history(txn_disk *d, txn_history **ret) {
        _cleanup_(txn_history_freep) txn_history *h = calloc(1, sizeof *h);
        _cleanup_free_ uint64_t *ids = NULL;
        size_t n;
        int r;

        if (!h)
                return -ENOMEM;
        r = journal_list(d->txndir, &ids, &n);
        if (r < 0)
                return set_error(d, r, "%s: cannot list transactions: %s", d->txndir, strerror(-r));
        h->entries = calloc(n ? n : 1, sizeof *h->entries);
        if (!h->entries)
                return -ENOMEM;
        for (size_t i = n; i > 0; i--) {
                _cleanup_(journal_log_freep) journal_log *l = NULL;
                txn_history_entry *e = &h->entries[h->n_entries];
                const journal_record *ab, *rb;
                const char *state, *t, *reason;
                journal_facts f;

                r = journal_read(d->txndir, ids[i - 1], &l);
                if (r < 0)
                        return r;
                h->n_entries++;
                f = facts_of(l);
                e->id = ids[i - 1];
                t = journal_record_get(f.begun, "time");
                e->start_usec = t ? strtoull(t, NULL, 10) : 0;
                state = f.final ? f.final_step : !f.begun ? "unknown" : f.committing ? "committing" : "pending";
                rb = journal_log_find(l, "rolled-back");
                ab = journal_log_find(l, "abort-begun");
                reason = journal_record_get(rb, "reason") ?: journal_record_get(ab, "reason");
                if (!(e->state = strdup(state)) || !(e->journal = strdup(l->description)) ||
                    !(e->origin = strdup(journal_record_get(f.begun, "origin") ?: "")) ||
                    (reason && !(e->reason = strdup(reason))))
                        return -ENOMEM;
                for (size_t k = 0; k < l->n_records; k++)
                        if (strv_push(&e->steps, l->records[k].step) < 0)
                                return -ENOMEM;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

const char *txn_recovery_action_to_string(txn_recovery_action a) {
        switch (a) {
        case TXN_RECOVERY_NOTHING:
                return "nothing";
        case TXN_RECOVERY_ROLLED_BACK:
                return "rolled-back";
        case TXN_RECOVERY_ROLLED_FORWARD:
                return "rolled-forward";
        case _TXN_RECOVERY_MAX:
        case _TXN_RECOVERY_INVALID:
                break;
        }
        return NULL;
}
