/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state machine of STATES.md walked edge by edge with an injected clock: every state's
 * deadline fires and takes its failure edge, and removal works from every state. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostwatch/machine.h"

#define S(x) HOSTWATCH_STATE_##x
#define E(x) MACHINE_EVENT_##x
#define A(x) MACHINE_ACTION_##x

static uint32_t half(void *userdata) {
        return UINT32_C(1) << 31;       /* jitter 0: the middle of the range */
}

static void init(Machine *m, bool auth, uint64_t now) {
        machine_init(m, &BACKOFF_PARAMS_DEFAULT, half, NULL, auth);
        assert_int_equal(machine_start(m, now), A(DISCOVER));
        assert_int_equal(m->state, S(DISCOVERING));
        assert_int_equal(m->deadline_usec, now + MACHINE_DISCOVER_TIMEOUT_USEC);
}

/* Drives a fresh machine into state s; returns the time. */
static uint64_t reach(Machine *m, HostWatchState s, bool auth) {
        uint64_t now = 1000;

        init(m, auth, now);
        if (s == S(DISCOVERING))
                return now;
        if (s == S(BACKOFF)) {
                machine_handle(m, E(NO_CANDIDATE), now);
                return now;
        }
        assert_int_equal(machine_handle(m, E(CANDIDATES), now), A(REQUEST_SLOT));
        if (s == S(QUEUED))
                return now;
        assert_int_equal(machine_handle(m, E(SLOT), now), A(START_PROBE));
        if (s == S(CONNECTING))
                return now;
        if (s == S(KEY_MISMATCH)) {
                machine_handle(m, E(KEY_MISMATCH), now);
                return now;
        }
        machine_handle(m, E(CONNECTED), now);
        if (s == S(AUTHENTICATING)) {
                assert_int_equal(m->state, S(AUTHENTICATING));
                return now;
        }
        if (auth)
                machine_handle(m, E(AUTHENTICATED), now);
        assert_int_equal(m->state, S(VERIFIED));
        return now;
}

static void test_happy_path(void **state) {
        Machine m;
        uint64_t now = 5;

        init(&m, false, now);
        assert_int_equal(machine_handle(&m, E(CANDIDATES), now), A(REQUEST_SLOT));
        assert_int_equal(m.state, S(QUEUED));
        assert_int_equal(m.deadline_usec, now + MACHINE_QUEUE_TIMEOUT_USEC);
        assert_int_equal(machine_handle(&m, E(SLOT), now), A(START_PROBE));
        assert_int_equal(m.state, S(CONNECTING));
        /* the first round's probe gets max(1 s, 20 s) */
        assert_int_equal(m.deadline_usec, now + 20 * USEC_PER_SEC);
        assert_int_equal(machine_handle(&m, E(CONNECTED), now + 7), A(ABORT_PROBE) | A(REACHED));
        assert_int_equal(m.state, S(VERIFIED));
        assert_true(m.verified);
        assert_int_equal(m.deadline_usec, now + 7 + MACHINE_REVERIFY_USEC);
}

static void test_with_login(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(AUTHENTICATING), true);

        assert_int_equal(m.deadline_usec, now + MACHINE_AUTH_TIMEOUT_USEC);
        assert_int_equal(machine_handle(&m, E(AUTHENTICATED), now), A(ABORT_PROBE) | A(REACHED));
        assert_int_equal(m.state, S(VERIFIED));
        /* a refused login is a failed probe */
        now = reach(&m, S(AUTHENTICATING), true);
        assert_int_equal(machine_handle(&m, E(PROBE_FAILED), now), A(ABORT_PROBE));
        assert_int_equal(m.state, S(BACKOFF));
}

/* Each state's deadline: the edge taken when it passes. */
static void test_deadlines(void **state) {
        static const struct {
                HostWatchState from, to;
                unsigned actions;
                bool auth;
        } table[] = {
                { S(DISCOVERING), S(BACKOFF), 0, false },
                { S(QUEUED), S(BACKOFF), 0, false },
                { S(CONNECTING), S(BACKOFF), A(ABORT_PROBE), false },
                { S(AUTHENTICATING), S(BACKOFF), A(ABORT_PROBE), true },
                { S(VERIFIED), S(DISCOVERING), A(DISCOVER), false },
                { S(BACKOFF), S(DISCOVERING), A(DISCOVER), false },
                { S(KEY_MISMATCH), S(DISCOVERING), A(DISCOVER), false },
        };
        for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
                Machine m;
                uint64_t now = reach(&m, table[i].from, table[i].auth), deadline = m.deadline_usec;

                assert_int_equal(m.state, table[i].from);
                assert_true(deadline > now && deadline != UINT64_MAX);
                /* nothing happens before the deadline... */
                assert_int_equal(m.state, table[i].from);
                /* ...and at it, the failure edge */
                assert_int_equal(machine_handle(&m, E(DEADLINE), deadline), table[i].actions);
                assert_int_equal(m.state, table[i].to);
                assert_int_equal(m.entered_usec, deadline);
                /* a round that outlived its backoff window retries at once (gRPC) */
                assert_true(m.deadline_usec >= deadline && m.deadline_usec != UINT64_MAX);
        }
}

/* Every failed round waits per the backoff schedule; a success resets it. */
static void test_backoff_rounds(void **state) {
        Machine m;
        uint64_t now = 0, expect = USEC_PER_SEC;

        init(&m, false, now);
        for (int k = 0; k < 12; k++) {
                machine_handle(&m, E(CANDIDATES), now);
                machine_handle(&m, E(SLOT), now);
                machine_handle(&m, E(PROBE_FAILED), now + 10);
                assert_int_equal(m.state, S(BACKOFF));
                assert_int_equal(m.deadline_usec, now + expect);
                now = m.deadline_usec;
                assert_int_equal(machine_handle(&m, E(DEADLINE), now), A(DISCOVER));
                expect = (uint64_t) ((double) expect * 1.6);
                if (expect > 120 * USEC_PER_SEC)
                        expect = 120 * USEC_PER_SEC;
        }
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        machine_handle(&m, E(CONNECTED), now);
        assert_int_equal(m.state, S(VERIFIED));
        assert_int_equal(machine_handle(&m, E(DEADLINE), m.deadline_usec), A(DISCOVER));
        now = m.entered_usec;
        machine_handle(&m, E(NO_CANDIDATE), now);
        assert_int_equal(m.deadline_usec, now + USEC_PER_SEC);  /* reset after the success */
}

/* A verified machine whose re-check fails is lost (HOST_LOST); a key mismatch too. */
static void test_lost(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(VERIFIED), false);

        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        assert_true(m.verified);        /* the proof stands while it is checked again */
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(PROBE_FAILED), now), A(ABORT_PROBE) | A(LOST));
        assert_false(m.verified);

        now = reach(&m, S(VERIFIED), false);
        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(KEY_MISMATCH), now), A(ABORT_PROBE) | A(LOST));
        assert_int_equal(m.state, S(KEY_MISMATCH));
}

/* The agent's snapshot no longer holds the address proven (none in the networks): checked
 * at once, keeping the proof until the check fails, so that a failure is a loss. Elsewhere
 * a round is under way already: nothing. */
static void test_recheck(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(VERIFIED), false);

        assert_int_equal(machine_handle(&m, E(RECHECK), now + 1), A(DISCOVER));
        assert_int_equal(m.state, S(DISCOVERING));
        assert_true(m.verified);
        machine_handle(&m, E(CANDIDATES), now + 1);
        machine_handle(&m, E(SLOT), now + 1);
        assert_int_equal(machine_handle(&m, E(PROBE_FAILED), now + 2), A(ABORT_PROBE) | A(LOST));
        for (HostWatchState s = 0; s < S(REMOVED); s++) {
                if (s == S(VERIFIED))
                        continue;
                now = reach(&m, s, true);
                assert_int_equal(machine_handle(&m, E(RECHECK), now + 1), 0);
                assert_int_equal(m.state, s);
        }
}

/* At the verified deadline an agent that vouches for the address (alive, reporting it)
 * keeps the machine verified without SSH until the proof is MACHINE_VOUCHED_MAX_USEC old;
 * then, or without it, SSH again. Elsewhere it means nothing. */
static void test_vouched(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(VERIFIED), false), t = now + MACHINE_REVERIFY_USEC;

        assert_int_equal(machine_handle(&m, E(VOUCHED), t), 0);
        assert_int_equal(m.state, S(VERIFIED));
        assert_int_equal(m.deadline_usec, t + MACHINE_REVERIFY_USEC);
        assert_int_equal(machine_handle(&m, E(VOUCHED), now + MACHINE_VOUCHED_MAX_USEC), A(DISCOVER));
        assert_int_equal(m.state, S(DISCOVERING));
        assert_true(m.verified);
        assert_non_null(machine_event_to_string(E(VOUCHED)));
        for (HostWatchState s = 0; s < S(REMOVED); s++) {
                if (s == S(VERIFIED))
                        continue;
                now = reach(&m, s, true);
                assert_int_equal(machine_handle(&m, E(VOUCHED), now + 1), 0);
                assert_int_equal(m.state, s);
        }
}

/* The agent's report of a new address skips every wait. */
static void test_new_address_skips_wait(void **state) {
        static const HostWatchState from[] = { S(QUEUED), S(CONNECTING), S(AUTHENTICATING), S(VERIFIED),
                                               S(BACKOFF), S(KEY_MISMATCH) };
        for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
                Machine m;
                uint64_t now = reach(&m, from[i], true);
                unsigned a = machine_handle(&m, E(NEW_ADDRESS), now + 1);

                assert_int_equal(m.state, S(DISCOVERING));
                assert_true(a & A(DISCOVER));
                assert_int_equal(!!(a & A(ABORT_PROBE)), machine_state_holds_slot(from[i]));
                assert_false(m.verified);
        }
}

/* A candidate failing while others wait goes back to the queue, keeping the round. */
static void test_next_candidate(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(CONNECTING), false), timeout = m.deadline_usec - now;

        assert_int_equal(machine_handle(&m, E(PROBE_FAILED_MORE), now + 3), A(ABORT_PROBE) | A(REQUEST_SLOT));
        assert_int_equal(m.state, S(QUEUED));
        machine_handle(&m, E(SLOT), now + 4);
        assert_int_equal(m.deadline_usec, now + 4 + timeout);
}

/* Events that do not apply change nothing. */
static void test_ignored_events(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(BACKOFF), false), deadline = m.deadline_usec;

        assert_int_equal(machine_handle(&m, E(SLOT), now), 0);
        assert_int_equal(machine_handle(&m, E(CONNECTED), now), 0);
        assert_int_equal(machine_handle(&m, E(AUTHENTICATED), now), 0);
        assert_int_equal(m.state, S(BACKOFF));
        assert_int_equal(m.deadline_usec, deadline);
        now = reach(&m, S(CONNECTING), false);
        assert_int_equal(machine_handle(&m, E(AUTHENTICATED), now), 0);
        assert_int_equal(m.state, S(CONNECTING));
}

/* Removal from every state ends at once in REMOVED and frees what the state held. */
static void test_remove_everywhere(void **state) {
        for (HostWatchState s = 0; s < S(REMOVED); s++) {
                Machine m;
                uint64_t now = reach(&m, s, true);
                unsigned a;

                assert_int_equal(m.state, s);
                a = machine_remove(&m, now);
                assert_int_equal(m.state, S(REMOVED));
                assert_int_equal(a, machine_state_holds_slot(s) ? A(ABORT_PROBE) : 0u);
                assert_false(m.verified);
                /* and nothing moves it again */
                for (MachineEvent e = 0; e < _MACHINE_EVENT_MAX; e++)
                        assert_int_equal(machine_handle(&m, e, now + 1), 0);
                assert_int_equal(m.state, S(REMOVED));
                assert_non_null(machine_event_to_string(E(DEADLINE)));
        }
}

/* A transaction begins (TXN pending): from every state the machine verifies again at once,
 * and a round in progress (begun on the old picture) is dropped. */
static void test_txn_begin_everywhere(void **state) {
        for (HostWatchState s = 0; s < S(REMOVED); s++) {
                Machine m;
                uint64_t now = reach(&m, s, true), deadline = m.deadline_usec;
                unsigned a = machine_txn_begin(&m, 17, now + 1);

                assert_int_equal(m.state, S(DISCOVERING));
                assert_int_equal(a, A(DISCOVER) | (machine_state_holds_slot(s) ? A(ABORT_PROBE) : 0u));
                assert_int_equal(m.entered_usec, now + 1);
                /* not at the next backoff or re-check: now */
                assert_true(m.deadline_usec == now + 1 + MACHINE_DISCOVER_TIMEOUT_USEC);
                (void) deadline;
                assert_int_equal(m.txn, 17);
                assert_int_equal(machine_round_txn(&m), 17);
                assert_false(m.txn_proven);
                /* the same transaction again (a resend) changes nothing */
                assert_int_equal(machine_txn_begin(&m, 17, now + 2), 0);
                assert_int_equal(m.entered_usec, now + 1);
                /* an old probe's answer cannot prove it: the round it belonged to is gone */
                assert_int_equal(machine_handle(&m, E(CONNECTED), now + 3), 0);
                assert_int_equal(m.state, S(DISCOVERING));
        }
        /* removed: nothing */
        Machine m;
        uint64_t now = reach(&m, S(VERIFIED), false);
        machine_remove(&m, now);
        assert_int_equal(machine_txn_begin(&m, 5, now), 0);
        assert_int_equal(m.state, S(REMOVED));
        /* id 0 is no transaction */
        now = reach(&m, S(VERIFIED), false);
        assert_int_equal(machine_txn_begin(&m, 0, now), 0);
        assert_int_equal(m.state, S(VERIFIED));
}

/* The round after the TXN proves it (REACHED names it); the end of the transaction stops
 * naming it. */
static void test_txn_proof(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(BACKOFF), false);

        assert_int_equal(machine_round_txn(&m), 0);
        machine_txn_begin(&m, 9, now);
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(CONNECTED), now + 5), A(ABORT_PROBE) | A(REACHED));
        assert_int_equal(machine_round_txn(&m), 9);
        assert_true(m.txn_proven);
        /* the re-check of the proof still names it while it is pending */
        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        assert_int_equal(machine_round_txn(&m), 9);
        assert_true(m.txn_proven);
        now = m.entered_usec;
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(CONNECTED), now), A(ABORT_PROBE) | A(REACHED));
        /* the agent reports yet another address: the proof was for the old one */
        machine_handle(&m, E(NEW_ADDRESS), m.entered_usec + 1);
        assert_false(m.txn_proven);
        assert_int_equal(machine_round_txn(&m), 9);
        now = m.entered_usec;
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(CONNECTED), now), A(ABORT_PROBE) | A(REACHED));
        assert_true(m.txn_proven);
        /* another transaction's end changes nothing; its own ends it */
        machine_txn_end(&m, 8);
        assert_int_equal(m.txn, 9);
        machine_txn_end(&m, 9);
        assert_int_equal(m.txn, 0);
        assert_int_equal(machine_round_txn(&m), 0);
        assert_false(m.txn_proven);
        assert_int_equal(m.state, S(VERIFIED));
        /* and a failure then is an ordinary loss of a verified address */
        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        now = m.entered_usec;
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(PROBE_FAILED), now), A(ABORT_PROBE) | A(LOST));
        assert_int_equal(machine_round_txn(&m), 0);
}

/* A round of a pending transaction that fails is a loss even when nothing was verified
 * before (HOST_LOST naming it), once until a round proves it again. */
static void test_txn_lost(void **state) {
        Machine m;
        uint64_t now = reach(&m, S(BACKOFF), false);

        assert_false(m.verified);
        machine_txn_begin(&m, 3, now);
        assert_int_equal(machine_handle(&m, E(NO_CANDIDATE), now), A(LOST));
        assert_int_equal(machine_round_txn(&m), 3);
        assert_int_equal(m.state, S(BACKOFF));
        assert_true(m.txn_lost);
        /* the next failed round says nothing more */
        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        now = m.entered_usec;
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(PROBE_FAILED), now), A(ABORT_PROBE));
        /* proven at last, then lost again: reported again */
        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        now = m.entered_usec;
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(CONNECTED), now), A(ABORT_PROBE) | A(REACHED));
        assert_false(m.txn_lost);
        machine_handle(&m, E(DEADLINE), m.deadline_usec);
        now = m.entered_usec;
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(KEY_MISMATCH), now), A(ABORT_PROBE) | A(LOST));
        assert_int_equal(m.state, S(KEY_MISMATCH));
        assert_false(m.txn_proven);

        /* verified before the transaction, and the check it triggers fails: lost, naming it */
        now = reach(&m, S(VERIFIED), false);
        assert_int_equal(machine_txn_begin(&m, 4, now), A(DISCOVER));
        assert_true(m.verified);        /* the old proof stands while it is checked */
        machine_handle(&m, E(CANDIDATES), now);
        machine_handle(&m, E(SLOT), now);
        assert_int_equal(machine_handle(&m, E(DEADLINE), m.deadline_usec), A(ABORT_PROBE) | A(LOST));
        assert_int_equal(machine_round_txn(&m), 4);
        assert_false(m.verified);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_happy_path),
                cmocka_unit_test(test_with_login),
                cmocka_unit_test(test_deadlines),
                cmocka_unit_test(test_backoff_rounds),
                cmocka_unit_test(test_lost),
                cmocka_unit_test(test_new_address_skips_wait),
                cmocka_unit_test(test_next_candidate),
                cmocka_unit_test(test_ignored_events),
                cmocka_unit_test(test_remove_everywhere),
                cmocka_unit_test(test_recheck),
                cmocka_unit_test(test_vouched),
                cmocka_unit_test(test_txn_begin_everywhere),
                cmocka_unit_test(test_txn_proof),
                cmocka_unit_test(test_txn_lost),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
