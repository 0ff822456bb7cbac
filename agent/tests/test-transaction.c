/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The transaction state machine against the edge table of agent/STATES.md: every (state,
 * event) pair is driven through txn_handle(); a pair in the table must give its next
 * state, deadline and actions, a pair not in it must change nothing. The path of
 * STATES.md is argv[1] (meson passes it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/transaction.h"
#include "common/macro.h"

#define MAX_EDGES 128

typedef struct edge {
        txn_state from, to;
        txn_event event;
        unsigned actions;
        bool walked;
} edge;

static const char *states_md;
static edge edges[MAX_EDGES];
static size_t n_edges;

static const struct {
        const char *name;
        unsigned bit;
} action_names[] = {
        { "cancel-apply", TXN_ACTION_CANCEL_APPLY },
        { "apply-new", TXN_ACTION_APPLY_NEW },
        { "watch-confirm", TXN_ACTION_WATCH_CONFIRM },
        { "commit", TXN_ACTION_COMMIT },
        { "abort", TXN_ACTION_ABORT },
        { "force-restore", TXN_ACTION_FORCE_RESTORE },
        { "delete-links", TXN_ACTION_DELETE_LINKS },
        { "apply-old", TXN_ACTION_APPLY_OLD },
        { "verify-old", TXN_ACTION_VERIFY_OLD },
        { "report", TXN_ACTION_REPORT },
        { "hold-proof", TXN_ACTION_HOLD_PROOF },
        { "use-proof", TXN_ACTION_USE_PROOF },
};

static char *trim(char *s) {
        char *e;

        while (*s == ' ' || *s == '`')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '`' || e[-1] == '\n'))
                *--e = 0;
        return s;
}

static unsigned parse_actions(char *s, unsigned line) {
        unsigned bits = 0;

        for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
                char *a = trim(tok);
                unsigned bit = 0;

                if (!*a)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(action_names); i++)
                        if (strcmp(action_names[i].name, a) == 0)
                                bit = action_names[i].bit;
                if (bit == 0)
                        fail_msg("STATES.md:%u: unknown action '%s'", line, a);
                bits |= bit;
        }
        return bits;
}

/* The rows of "| `from` | `event` | `to` | actions |" after the "## Events" heading. */
static int load_table(void **state) {
        _cleanup_fclose_ FILE *f = NULL;
        char buf[512];
        unsigned line = 0;
        bool in_section = false;

        (void) state;
        f = fopen(states_md, "re");
        if (!f)
                fail_msg("cannot open %s", states_md);
        while (fgets(buf, sizeof(buf), f)) {
                char *cols[5] = {};
                size_t n = 0;
                char *p;

                line++;
                if (strncmp(buf, "## ", 3) == 0)
                        in_section = strncmp(buf, "## Events", 9) == 0;
                if (!in_section || strncmp(buf, "| `", 3) != 0)
                        continue;
                p = buf + 1;
                while (n < 5) {
                        char *bar = strchr(p, '|');

                        if (!bar)
                                break;
                        *bar = 0;
                        cols[n++] = p;
                        p = bar + 1;
                }
                if (n != 4)
                        fail_msg("STATES.md:%u: expected 4 columns", line);
                assert_true(n_edges < MAX_EDGES);
                edge *e = &edges[n_edges++];
                e->from = txn_state_from_string(trim(cols[0]));
                e->event = txn_event_from_string(trim(cols[1]));
                e->to = txn_state_from_string(trim(cols[2]));
                if (e->from < 0 || e->event < 0 || e->to < 0)
                        fail_msg("STATES.md:%u: unknown state or event", line);
                e->actions = parse_actions(cols[3], line);
                for (size_t i = 0; i + 1 < n_edges; i++)
                        if (edges[i].from == e->from && edges[i].event == e->event)
                                fail_msg("STATES.md:%u: %s/%s listed twice", line, txn_state_to_string(e->from),
                                         txn_event_to_string(e->event));
        }
        if (n_edges < 10)
                fail_msg("STATES.md: only %zu edges found", n_edges);
        return 0;
}

static const edge *find_edge(txn_state s, txn_event ev) {
        for (size_t i = 0; i < n_edges; i++)
                if (edges[i].from == s && edges[i].event == ev)
                        return &edges[i];
        return NULL;
}

static const txn_timeouts timeouts = { .confirm_usec = 120 * TXN_USEC_PER_SEC };

/* Puts t into state s the way the engine would get there. */
static void reach(txn *t, txn_state s, uint64_t now) {
        switch (s) {
        case TXN_STAGING:
                txn_init(t, 7, &timeouts, now);
                return;
        case TXN_ROLLING_BACK:
                (void) txn_init_rollback(t, 7, &timeouts, false, "test", now);
                return;
        case TXN_FAILED:
                reach(t, TXN_STAGING, now);
                (void) txn_handle(t, TXN_EVENT_STAGE_FAILED, NULL, now);
                break;
        case TXN_APPLYING:
                reach(t, TXN_STAGING, now);
                (void) txn_handle(t, TXN_EVENT_STAGED, NULL, now);
                break;
        case TXN_AWAITING_CONFIRM:
                reach(t, TXN_APPLYING, now);
                (void) txn_handle(t, TXN_EVENT_APPLIED, NULL, now);
                break;
        case TXN_COMMITTING:
                reach(t, TXN_AWAITING_CONFIRM, now);
                (void) txn_handle(t, TXN_EVENT_CONFIRM, NULL, now);
                break;
        case TXN_CONFIRMED:
                reach(t, TXN_COMMITTING, now);
                (void) txn_handle(t, TXN_EVENT_COMMITTED, NULL, now);
                break;
        case TXN_REAPPLYING_OLD:
                reach(t, TXN_ROLLING_BACK, now);
                (void) txn_handle(t, TXN_EVENT_ABORTED, NULL, now);
                break;
        case TXN_VERIFYING_OLD:
                reach(t, TXN_REAPPLYING_OLD, now);
                (void) txn_handle(t, TXN_EVENT_APPLIED, NULL, now);
                break;
        case TXN_ROLLED_BACK:
                reach(t, TXN_VERIFYING_OLD, now);
                (void) txn_handle(t, TXN_EVENT_OLD_ADDRESS_BACK, NULL, now);
                break;
        case _TXN_STATE_MAX:
        case _TXN_STATE_INVALID:
                fail();
        }
        assert_int_equal(t->state, s);
}

static void test_every_pair(void **state) {
        const uint64_t t0 = 1000 * TXN_USEC_PER_SEC;

        (void) state;
        for (int s = 0; s < _TXN_STATE_MAX; s++)
                for (int ev = 0; ev < _TXN_EVENT_MAX; ev++) {
                        const edge *e = find_edge((txn_state) s, (txn_event) ev);
                        txn t, before;
                        uint64_t now;
                        unsigned a;

                        reach(&t, (txn_state) s, t0);
                        before = t;
                        /* The deadline event comes when it is due, others at once. */
                        now = ev == TXN_EVENT_DEADLINE && t.deadline_usec ? t.deadline_usec : t0 + 1;
                        a = txn_handle(&t, (txn_event) ev, "detail", now);
                        if (!e) {
                                if (a != 0 || memcmp(&t, &before, sizeof(t)) != 0)
                                        fail_msg("%s/%s is not in STATES.md but the code takes it (to %s, actions %#x)",
                                                 txn_state_to_string(s), txn_event_to_string(ev),
                                                 txn_state_to_string(t.state), a);
                                continue;
                        }
                        if (t.state != e->to || a != e->actions)
                                fail_msg("%s/%s: STATES.md says %s with %#x, the code gives %s with %#x",
                                         txn_state_to_string(s), txn_event_to_string(ev), txn_state_to_string(e->to),
                                         e->actions, txn_state_to_string(t.state), a);
                        /* An edge back to its own state (a proof held while applying) keeps
                         * the state's entry and deadline: it must not stretch them. */
                        if (e->to == e->from) {
                                assert_int_equal(t.entered_usec, before.entered_usec);
                                assert_int_equal(t.deadline_usec, before.deadline_usec);
                                edges[e - edges].walked = true;
                                continue;
                        }
                        assert_int_equal(t.entered_usec, now);
                        if (txn_state_is_final(t.state))
                                assert_int_equal(t.deadline_usec, 0);
                        else
                                assert_true(t.deadline_usec > now);
                        /* Every edge into rolling back or failure says why. */
                        if (t.state == TXN_ROLLING_BACK || t.state == TXN_FAILED)
                                assert_non_null(strstr(t.reason, "detail"));
                        edges[e - edges].walked = true;
                }
        for (size_t i = 0; i < n_edges; i++)
                assert_true(edges[i].walked);
}

/* Every non-final state has a deadline edge and a failure edge (to rolling back or failed). */
static void test_every_state_has_a_way_out(void **state) {
        (void) state;
        for (int s = 0; s < _TXN_STATE_MAX; s++) {
                bool deadline = false, failure = false;

                if (txn_state_is_final((txn_state) s))
                        continue;
                for (size_t i = 0; i < n_edges; i++) {
                        if (edges[i].from != (txn_state) s)
                                continue;
                        if (edges[i].event == TXN_EVENT_DEADLINE)
                                deadline = true;
                        if (edges[i].to == TXN_FAILED || edges[i].to == TXN_ROLLING_BACK ||
                            (edges[i].actions & TXN_ACTION_FORCE_RESTORE))
                                failure = true;
                }
                if (!deadline || !failure)
                        fail_msg("%s: deadline edge %d, failure edge %d", txn_state_to_string(s), deadline, failure);
        }
}

static void test_deadlines(void **state) {
        txn t;

        (void) state;
        txn_init(&t, 1, &timeouts, 0);
        assert_int_equal(t.deadline_usec, TXN_STAGE_TIMEOUT_USEC);
        (void) txn_handle(&t, TXN_EVENT_STAGED, NULL, 5);
        assert_int_equal(t.deadline_usec, 5 + TXN_APPLY_TIMEOUT_USEC);
        (void) txn_handle(&t, TXN_EVENT_APPLIED, NULL, 10);
        assert_int_equal(t.deadline_usec, 10 + 120 * TXN_USEC_PER_SEC);
        /* A zero confirm timeout still gets a deadline. */
        txn_init(&t, 1, &(txn_timeouts) {}, 0);
        (void) txn_handle(&t, TXN_EVENT_STAGED, NULL, 0);
        (void) txn_handle(&t, TXN_EVENT_APPLIED, NULL, 0);
        assert_true(t.deadline_usec > 0);
}

static void test_reasons_accumulate(void **state) {
        txn t;

        (void) state;
        reach(&t, TXN_AWAITING_CONFIRM, 0);
        (void) txn_handle(&t, TXN_EVENT_DEADLINE, NULL, t.deadline_usec);
        assert_string_equal(t.reason, "not confirmed in time");
        (void) txn_handle(&t, TXN_EVENT_ABORT_FAILED, "EIO", 1);
        (void) txn_handle(&t, TXN_EVENT_APPLY_FAILED, "exit 1", 2);
        assert_int_equal(t.state, TXN_FAILED);
        assert_non_null(strstr(t.reason, "not confirmed in time; "));
        assert_non_null(strstr(t.reason, "exit 1"));
}

static void test_forced(void **state) {
        txn t;

        (void) state;
        assert_int_equal(txn_init_rollback(&t, 3, NULL, true, "guard", 0),
                         TXN_ACTION_FORCE_RESTORE | TXN_ACTION_DELETE_LINKS | TXN_ACTION_APPLY_OLD);
        assert_int_equal(t.state, TXN_REAPPLYING_OLD);
        assert_string_equal(t.reason, "guard");
        assert_int_equal(txn_handle(&t, TXN_EVENT_APPLIED, NULL, 1), TXN_ACTION_VERIFY_OLD);
}

/* HOST_REACHED before the apply returns: held, used on entering awaiting-confirm (the
 * actions say so once), dropped by any other edge out of applying. */
static void test_held_proof(void **state) {
        static const txn_event others[] = { TXN_EVENT_APPLY_FAILED, TXN_EVENT_ROLLBACK, TXN_EVENT_DEADLINE };
        txn t;
        unsigned a;

        (void) state;
        reach(&t, TXN_APPLYING, 0);
        assert_false(t.proof_held);
        assert_int_equal(txn_handle(&t, TXN_EVENT_HOST_REACHED, "ssh", 1), TXN_ACTION_HOLD_PROOF);
        assert_true(t.proof_held);
        assert_int_equal(t.state, TXN_APPLYING);
        a = txn_handle(&t, TXN_EVENT_APPLIED, NULL, 2);
        assert_int_equal(a, TXN_ACTION_WATCH_CONFIRM | TXN_ACTION_REPORT | TXN_ACTION_USE_PROOF);
        assert_int_equal(t.state, TXN_AWAITING_CONFIRM);
        assert_false(t.proof_held);
        /* The engine answers the proof with confirm. */
        assert_int_equal(txn_handle(&t, TXN_EVENT_CONFIRM, "ssh", 3), TXN_ACTION_COMMIT);
        assert_int_equal(t.state, TXN_COMMITTING);

        /* Without a proof, entering awaiting-confirm uses none. */
        reach(&t, TXN_APPLYING, 0);
        assert_int_equal(txn_handle(&t, TXN_EVENT_APPLIED, NULL, 2), TXN_ACTION_WATCH_CONFIRM | TXN_ACTION_REPORT);

        /* Any other edge out of applying drops it: nothing later uses it. */
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                reach(&t, TXN_APPLYING, 0);
                (void) txn_handle(&t, TXN_EVENT_HOST_REACHED, "ssh", 1);
                a = txn_handle(&t, others[i], NULL, t.deadline_usec);
                assert_int_equal(t.state, TXN_ROLLING_BACK);
                assert_false(a & TXN_ACTION_USE_PROOF);
                assert_false(t.proof_held);
                (void) txn_handle(&t, TXN_EVENT_ABORTED, NULL, t.deadline_usec + 1);
                assert_false(t.proof_held);
        }

        /* Outside applying, HOST_REACHED is no event of the machine's. */
        reach(&t, TXN_AWAITING_CONFIRM, 0);
        assert_int_equal(txn_handle(&t, TXN_EVENT_HOST_REACHED, "ssh", 1), 0);
        assert_false(t.proof_held);
}

static void test_names(void **state) {
        (void) state;
        for (int s = 0; s < _TXN_STATE_MAX; s++)
                assert_int_equal(txn_state_from_string(txn_state_to_string(s)), s);
        for (int e = 0; e < _TXN_EVENT_MAX; e++)
                assert_int_equal(txn_event_from_string(txn_event_to_string(e)), e);
        assert_int_equal(txn_state_from_string("nope"), _TXN_STATE_INVALID);
        assert_null(txn_state_to_string(_TXN_STATE_MAX));
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_pair),
                cmocka_unit_test(test_every_state_has_a_way_out),
                cmocka_unit_test(test_deadlines),
                cmocka_unit_test(test_reasons_accumulate),
                cmocka_unit_test(test_forced),
                cmocka_unit_test(test_held_proof),
                cmocka_unit_test(test_names),
        };

        if (argc < 2) {
                fprintf(stderr, "usage: %s STATES.md\n", argv[0]);
                return 2;
        }
        states_md = argv[1];
        return cmocka_run_group_tests(tests, load_table, NULL);
}
