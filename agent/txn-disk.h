/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The file side of `netguard try`: one transaction's journal, staging, known-good,
 * rejected copies and /etc writes, under a root directory ("/" in production):
 *   root/etc/netplan          the configuration that boots; written only by begin (the
 *                             known-good put back when the edits there are the
 *                             candidate), commit, abort and recovery
 *   root/run/netplan          the pending candidate (staging.h); a reboot wipes it
 *   root/var/lib/netguard     known-good/, rejected/, transactions/<id>.journal and
 *                             transactions/<id>/candidate/ (the candidate, whole)
 *   root/run/netguard         volatile state (not used here yet)
 *
 * Crash safety: every step is journalled (journal.h) before or after its effect so that
 * txn_disk_recover() after a crash at any point leaves root/etc/netplan byte-identical to
 * the known-good or to the committed candidate, never a mix: a transaction whose journal
 * holds `commit-begun` is finished (rolled forward), anything else pending is rolled
 * back; run/netplan is cleared of our staging and the candidate is kept under rejected/.
 * fault_point() (common/fault.h) sits between every two steps; the names are in
 * fault_point_names[] ("begin:…", "commit:…", "abort:…", "force:…").
 *
 * Journal steps written here: begun, candidate-saved, etc-restored, staging, staged,
 * commit-begun, etc-written, known-good, unstaged, committed (final), abort-begun,
 * rejected-kept, etc-reverted, unstaged, rolled-back (final). The engine adds its own
 * with txn_disk_step() (any other name). Not thread-safe; one txn_disk per root. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/known-good.h"
#include "agent/netplan-set.h"
#include "common/macro.h"

/* An origin or reason longer than this is cut (they are one journal field each). */
#define TXN_DISK_TEXT_MAX 1024

typedef struct txn_disk txn_disk;

typedef enum txn_recovery_action {
        TXN_RECOVERY_NOTHING,           /* no transaction was pending */
        TXN_RECOVERY_ROLLED_BACK,       /* pending, not committing: known-good restored */
        TXN_RECOVERY_ROLLED_FORWARD,    /* its commit had begun: finished */
        _TXN_RECOVERY_MAX,
        _TXN_RECOVERY_INVALID = -EINVAL,
} txn_recovery_action;

typedef struct txn_recovery {
        txn_recovery_action action;
        uint64_t id;                    /* 0 with TXN_RECOVERY_NOTHING and no journal */
        char *journal;                  /* journal_log's description of what was found */
        char *rejected_path;            /* where the candidate was kept (rolled back) */
        char *detail;                   /* one line for the log */
        /* The links the transaction's apply renamed (set-name), as its last `links-renamed`
         * step says ("FROM>TO ...", apply_renames_parse()); NULL when none or when it was
         * committed (the names are the configuration's then). A rollback names them back. */
        char *renamed;
} txn_recovery;

typedef struct txn_history_entry {
        uint64_t id;
        uint64_t start_usec;            /* CLOCK_REALTIME of `begun`, 0 if unknown */
        char *origin;
        char *state;                    /* "pending", "committing", "committed", "rolled-back", "unknown" */
        char *reason;                   /* why it was rolled back, or NULL */
        char *journal;                  /* the journal's description */
        char **steps;                   /* step names in order, NULL-terminated */
} txn_history_entry;

typedef struct txn_history {
        txn_history_entry *entries;     /* newest first */
        size_t n_entries;
} txn_history;

/* Creates the state directories under root; when no known-good exists yet, saves what is
 * in root/etc/netplan now as the first one (source "first start"). A corrupt known-good
 * does not fail open (the agent must still run): begin/commit/abort/recover then fail
 * with -EBADMSG and txn_disk_last_error() says why. */
int txn_disk_open(const char *root, txn_disk **ret);
txn_disk *txn_disk_free(txn_disk *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(txn_disk *, txn_disk_free);

/* The message of the last failure of any call below ("" if none): names the file and
 * what to do. Valid until the next call. */
const char *txn_disk_last_error(txn_disk *d);

/* Starts a transaction. candidate is the whole configuration to try (what
 * root/etc/netplan will hold if committed); NULL: the user's edits in root/etc/netplan
 * are the candidate, saved first into the transaction's directory, then the known-good
 * files are put back in etc (atomically per file). The candidate is staged in
 * root/run/netplan. origin: one line saying who asked (journalled).
 * -EBUSY a transaction is pending, or (candidate given) etc/netplan differs from the
 * known-good (try the edits without FILE, or mark them known-good, first); -EEXIST
 * run/netplan already holds a file the staging would overwrite; -EBADMSG corrupt
 * known-good; -ENODATA (candidate NULL) etc/netplan holds no edits. */
int txn_disk_begin(txn_disk *d, const netplan_set *candidate, const char *origin, uint64_t *ret_id);

/* Appends an engine step (e.g. "applied", "confirm-wait") with a free-text detail (may
 * be NULL) to the pending transaction's journal. -ESRCH id is not pending; -EINVAL a
 * reserved step name. */
int txn_disk_step(txn_disk *d, uint64_t id, const char *step, const char *detail);

/* Makes the pending candidate the configuration: journal commit-begun, candidate →
 * root/etc/netplan (atomically per file; etc files the candidate lacks are first copied
 * to transactions/<id>/removed/, then removed), known-good := candidate, staging
 * removed, journal committed. */
int txn_disk_commit(txn_disk *d, uint64_t id);

/* Rejects the pending candidate: journal abort-begun (reason), candidate (and any file
 * found changed in etc or run) kept in rejected/<id>/, staging removed, root/etc/netplan
 * := known-good, journal rolled-back. ret_rejected_path may be NULL. */
int txn_disk_abort(txn_disk *d, uint64_t id, const char *reason, char **ret_rejected_path);

/* At start: finds the newest transaction and finishes it as the header comment says.
 * Tolerates a missing, torn or corrupt journal (ret->journal says what was found; a
 * journal whose `begun` record is missing changed nothing and is only marked). */
int txn_disk_recover(txn_disk *d, txn_recovery *ret);
void txn_recovery_done(txn_recovery *r);

/* `netguard rollback --force`: depends on no journal or marker. Copies every file of
 * root/run/netplan and root/etc/netplan that differs from the known-good into
 * rejected/<id or "forced">/ (run/ and etc/ subdirectories), then writes the known-good
 * into etc (removing etc files it lacks) and removes those run/netplan files; a pending
 * transaction's journal gets rolled-back (best effort). If the known-good is unreadable
 * it changes nothing and fails (-EBADMSG, -ENOENT) saying so. ret_rejected_path (may be
 * NULL) gets the rejected directory, or NULL when nothing differed. */
int txn_disk_force_rollback(txn_disk *d, const char *reason, char **ret_rejected_path);

/* HOST_REACHED with no try pending: what is in root/etc/netplan now becomes the
 * known-good (source = proof, one line). -EBUSY while a transaction is pending; 0 and
 * nothing written when it already is the known-good. */
int txn_disk_mark_known_good(txn_disk *d, const char *proof);

/* 1 and *ret_id when a transaction is pending (begun, not committed or rolled back), 0
 * when none. */
int txn_disk_pending(txn_disk *d, uint64_t *ret_id);

/* The known-good in force (NULL when unreadable), and the pending candidate (NULL when
 * none). Owned by d; valid until the next call that changes them. */
const known_good *txn_disk_known_good(txn_disk *d);
const netplan_set *txn_disk_candidate(txn_disk *d);

/* The transactions whose journals are kept (at most JOURNAL_KEEP), newest first. */
int txn_disk_history(txn_disk *d, txn_history **ret);
txn_history *txn_history_free(txn_history *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(txn_history *, txn_history_free);

const char *txn_recovery_action_to_string(txn_recovery_action a);
