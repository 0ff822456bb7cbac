/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "agent/transaction.h"
#include "common/macro.h"

static const char *const state_names[_TXN_STATE_MAX] = {
        [TXN_STAGING] = "staging",
        [TXN_APPLYING] = "applying",
        [TXN_AWAITING_CONFIRM] = "awaiting-confirm",
        [TXN_COMMITTING] = "committing",
        [TXN_ROLLING_BACK] = "rolling-back",
        [TXN_REAPPLYING_OLD] = "reapplying-old",
        [TXN_VERIFYING_OLD] = "verifying-old",
        [TXN_CONFIRMED] = "confirmed",
        [TXN_ROLLED_BACK] = "rolled-back",
        [TXN_FAILED] = "failed",
};

static const char *const event_names[_TXN_EVENT_MAX] = {
        [TXN_EVENT_STAGED] = "staged",
        [TXN_EVENT_STAGE_FAILED] = "stage-failed",
        [TXN_EVENT_APPLIED] = "applied",
        [TXN_EVENT_APPLY_FAILED] = "apply-failed",
        [TXN_EVENT_CONFIRM] = "confirm",
        [TXN_EVENT_ROLLBACK] = "rollback",
        [TXN_EVENT_HOST_LOST] = "host-lost",
        [TXN_EVENT_MGMT_LOST] = "mgmt-lost",
        [TXN_EVENT_COMMITTED] = "committed",
        [TXN_EVENT_COMMIT_FAILED] = "commit-failed",
        [TXN_EVENT_ABORTED] = "aborted",
        [TXN_EVENT_ABORT_FAILED] = "abort-failed",
        [TXN_EVENT_OLD_ADDRESS_BACK] = "old-address-back",
        [TXN_EVENT_DEADLINE] = "deadline",
        [TXN_EVENT_HOST_REACHED] = "host-reached",
};

const char *txn_state_to_string(txn_state s) {
        return s >= 0 && s < _TXN_STATE_MAX ? state_names[s] : NULL;
}

txn_state txn_state_from_string(const char *s) {
        for (int i = 0; s && i < _TXN_STATE_MAX; i++)
                if (strcmp(state_names[i], s) == 0)
                        return (txn_state) i;
        return _TXN_STATE_INVALID;
}

const char *txn_event_to_string(txn_event e) {
        return e >= 0 && e < _TXN_EVENT_MAX ? event_names[e] : NULL;
}

txn_event txn_event_from_string(const char *s) {
        for (int i = 0; s && i < _TXN_EVENT_MAX; i++)
                if (strcmp(event_names[i], s) == 0)
                        return (txn_event) i;
        return _TXN_EVENT_INVALID;
}

bool txn_state_is_final(txn_state s) {
        return s == TXN_CONFIRMED || s == TXN_ROLLED_BACK || s == TXN_FAILED;
}

static uint64_t or_default(uint64_t v, uint64_t d) {
        return v > 0 ? v : d;
}

static uint64_t timeout_of(const txn *t, txn_state s) {
        switch (s) {
        case TXN_STAGING:
                return or_default(t->timeouts.stage_usec, TXN_STAGE_TIMEOUT_USEC);
        case TXN_APPLYING:
        case TXN_REAPPLYING_OLD:
                return or_default(t->timeouts.apply_usec, TXN_APPLY_TIMEOUT_USEC);
        case TXN_AWAITING_CONFIRM:
                return t->timeouts.confirm_usec;
        case TXN_COMMITTING:
        case TXN_ROLLING_BACK:
                return or_default(t->timeouts.disk_usec, TXN_DISK_TIMEOUT_USEC);
        case TXN_VERIFYING_OLD:
                return or_default(t->timeouts.verify_usec, TXN_VERIFY_TIMEOUT_USEC);
        case TXN_CONFIRMED:
        case TXN_ROLLED_BACK:
        case TXN_FAILED:
                return 0;
        case _TXN_STATE_MAX:
        case _TXN_STATE_INVALID:
                break;
        }
        return 0;
}

static void enter(txn *t, txn_state s, uint64_t now) {
        uint64_t to = timeout_of(t, s);

        t->state = s;
        t->entered_usec = now;
        /* A held proof is for the step into awaiting-confirm only (taken before this). */
        t->proof_held = false;
        /* A final state has none; a non-final one always has one (at least 1 s). */
        t->deadline_usec = txn_state_is_final(s) ? 0 : now + (to > 0 ? to : TXN_USEC_PER_SEC);
}

/* The first reason stays; what went wrong later on the way back is appended. */
static void add_reason(txn *t, const char *what, const char *detail) {
        size_t n = strlen(t->reason);

        if (n >= sizeof(t->reason) - 1)
                return;
        snprintf(t->reason + n, sizeof(t->reason) - n, "%s%s%s%s", n > 0 ? "; " : "", what,
                 detail && *detail ? ": " : "", detail && *detail ? detail : "");
}

/* The known-good files are back (or forced back): the links the candidate made go, then
 * the old configuration is applied. */
static unsigned reapply(txn *t, uint64_t now, unsigned extra) {
        enter(t, TXN_REAPPLYING_OLD, now);
        return extra | TXN_ACTION_DELETE_LINKS | TXN_ACTION_APPLY_OLD;
}

void txn_init(txn *t, uint64_t id, const txn_timeouts *to, uint64_t now) {
        *t = (txn) { .id = id };
        if (to)
                t->timeouts = *to;
        enter(t, TXN_STAGING, now);
}

unsigned txn_init_rollback(txn *t, uint64_t id, const txn_timeouts *to, bool force, const char *reason,
                           uint64_t now) {
        txn_init(t, id, to, now);
        add_reason(t, reason ? reason : "rollback", NULL);
        if (force)
                return reapply(t, now, TXN_ACTION_FORCE_RESTORE);
        enter(t, TXN_ROLLING_BACK, now);
        return TXN_ACTION_ABORT;
}

/* Into ROLLING_BACK: the candidate goes to rejected/, the known-good comes back. */
static unsigned roll_back(txn *t, const char *what, const char *detail, uint64_t now, unsigned extra) {
        add_reason(t, what, detail);
        enter(t, TXN_ROLLING_BACK, now);
        return extra | TXN_ACTION_ABORT | TXN_ACTION_REPORT;
}

static unsigned fail(txn *t, const char *what, const char *detail, uint64_t now, unsigned extra) {
        add_reason(t, what, detail);
        enter(t, TXN_FAILED, now);
        return extra | TXN_ACTION_REPORT;
}

unsigned txn_handle(txn *t, txn_event e, const char *detail, uint64_t now) {
        switch (t->state) {
        case TXN_STAGING:
                switch (e) {
                case TXN_EVENT_STAGED:
                        enter(t, TXN_APPLYING, now);
                        return TXN_ACTION_APPLY_NEW | TXN_ACTION_REPORT;
                case TXN_EVENT_STAGE_FAILED:
                        return fail(t, "cannot stage the candidate", detail, now, TXN_ACTION_ABORT);
                case TXN_EVENT_DEADLINE:
                        return fail(t, "staging the candidate took too long", detail, now, TXN_ACTION_ABORT);
                default:
                        return 0;
                }
        case TXN_APPLYING:
                switch (e) {
                case TXN_EVENT_APPLIED: {
                        bool held = t->proof_held;

                        enter(t, TXN_AWAITING_CONFIRM, now);
                        return TXN_ACTION_WATCH_CONFIRM | TXN_ACTION_REPORT | (held ? TXN_ACTION_USE_PROOF : 0);
                }
                case TXN_EVENT_HOST_REACHED:
                        /* A fast host proves the new address before the apply returns: the
                         * state and its deadline stay, the proof waits for the apply. */
                        t->proof_held = true;
                        return TXN_ACTION_HOLD_PROOF;
                case TXN_EVENT_APPLY_FAILED:
                        return roll_back(t, "applying the candidate failed", detail, now, 0);
                case TXN_EVENT_ROLLBACK:
                        return roll_back(t, "rollback requested", detail, now, TXN_ACTION_CANCEL_APPLY);
                case TXN_EVENT_DEADLINE:
                        return roll_back(t, "applying the candidate took too long", detail, now,
                                         TXN_ACTION_CANCEL_APPLY);
                default:
                        return 0;
                }
        case TXN_AWAITING_CONFIRM:
                switch (e) {
                case TXN_EVENT_CONFIRM:
                        enter(t, TXN_COMMITTING, now);
                        return TXN_ACTION_COMMIT;
                case TXN_EVENT_ROLLBACK:
                        return roll_back(t, "rollback requested", detail, now, 0);
                case TXN_EVENT_HOST_LOST:
                        return roll_back(t, "the host lost the guest", detail, now, 0);
                case TXN_EVENT_MGMT_LOST:
                        return roll_back(t, "the management address is gone", detail, now, 0);
                case TXN_EVENT_DEADLINE:
                        return roll_back(t, "not confirmed in time", detail, now, 0);
                default:
                        return 0;
                }
        case TXN_COMMITTING:
                switch (e) {
                case TXN_EVENT_COMMITTED:
                        enter(t, TXN_CONFIRMED, now);
                        return TXN_ACTION_REPORT;
                case TXN_EVENT_COMMIT_FAILED:
                        return roll_back(t, "cannot commit the candidate", detail, now, 0);
                case TXN_EVENT_DEADLINE:
                        return roll_back(t, "committing took too long", detail, now, 0);
                default:
                        return 0;
                }
        case TXN_ROLLING_BACK:
                switch (e) {
                case TXN_EVENT_ABORTED:
                        return reapply(t, now, 0);
                case TXN_EVENT_ABORT_FAILED:
                        add_reason(t, "the journal's rollback failed, known-good forced back", detail);
                        return reapply(t, now, TXN_ACTION_FORCE_RESTORE);
                case TXN_EVENT_DEADLINE:
                        add_reason(t, "the journal's rollback took too long, known-good forced back", detail);
                        return reapply(t, now, TXN_ACTION_FORCE_RESTORE);
                default:
                        return 0;
                }
        case TXN_REAPPLYING_OLD:
                switch (e) {
                case TXN_EVENT_APPLIED:
                        enter(t, TXN_VERIFYING_OLD, now);
                        return TXN_ACTION_VERIFY_OLD;
                case TXN_EVENT_APPLY_FAILED:
                        return fail(t, "re-applying the known-good configuration failed", detail, now, 0);
                case TXN_EVENT_DEADLINE:
                        return fail(t, "re-applying the known-good configuration took too long", detail, now,
                                    TXN_ACTION_CANCEL_APPLY);
                default:
                        return 0;
                }
        case TXN_VERIFYING_OLD:
                switch (e) {
                case TXN_EVENT_OLD_ADDRESS_BACK:
                        enter(t, TXN_ROLLED_BACK, now);
                        return TXN_ACTION_REPORT;
                case TXN_EVENT_DEADLINE:
                        return fail(t, "the old management address did not come back", detail, now, 0);
                default:
                        return 0;
                }
        case TXN_CONFIRMED:
        case TXN_ROLLED_BACK:
        case TXN_FAILED:
                return 0;
        case _TXN_STATE_MAX:
        case _TXN_STATE_INVALID:
                break;
        }
        return 0;
}
