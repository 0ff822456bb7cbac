/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "hostwatch/machine.h"

void machine_init(Machine *m, const BackoffParams *p, backoff_random_fn random, void *userdata,
                  bool authenticate) {
        *m = (Machine) { .state = HOSTWATCH_STATE_DISCOVERING, .authenticate = authenticate };
        backoff_init(&m->backoff, p, random, userdata);
}

bool machine_state_holds_slot(HostWatchState s) {
        return s == HOSTWATCH_STATE_CONNECTING || s == HOSTWATCH_STATE_AUTHENTICATING;
}

static void enter(Machine *m, HostWatchState s, uint64_t now, uint64_t deadline) {
        m->state = s;
        m->entered_usec = now;
        m->deadline_usec = deadline;
}

static unsigned enter_discovering(Machine *m, uint64_t now) {
        /* One round of candidates is one attempt of the backoff schedule. */
        m->probe_timeout_usec = backoff_attempt(&m->backoff, now);
        m->txn_round = m->txn != 0;
        enter(m, HOSTWATCH_STATE_DISCOVERING, now, now + MACHINE_DISCOVER_TIMEOUT_USEC);
        return MACHINE_ACTION_DISCOVER;
}

/* A failed round: wait as the backoff says. A verified address that failed is lost; so is
 * a pending transaction whose round failed (once, until a round proves it again). */
static unsigned enter_waiting(Machine *m, HostWatchState s, uint64_t now, unsigned actions) {
        if (m->verified) {
                m->verified = false;
                actions |= MACHINE_ACTION_LOST;
        } else if (m->txn_round && !m->txn_lost)
                actions |= MACHINE_ACTION_LOST;
        if (m->txn_round) {
                m->txn_proven = false;
                if (actions & MACHINE_ACTION_LOST)
                        m->txn_lost = true;
        }
        enter(m, s, now, backoff_failed(&m->backoff, now));
        return actions;
}

static unsigned enter_verified(Machine *m, uint64_t now) {
        m->verified = true;
        if (m->txn_round) {
                m->txn_proven = true;
                m->txn_lost = false;
        }
        backoff_reset(&m->backoff);
        m->proven_usec = now;
        enter(m, HOSTWATCH_STATE_VERIFIED, now, now + MACHINE_REVERIFY_USEC);
        return MACHINE_ACTION_ABORT_PROBE | MACHINE_ACTION_REACHED;
}

unsigned machine_start(Machine *m, uint64_t now) {
        return enter_discovering(m, now);
}

unsigned machine_handle(Machine *m, MachineEvent e, uint64_t now) {
        unsigned abort = machine_state_holds_slot(m->state) ? MACHINE_ACTION_ABORT_PROBE : 0;

        switch (m->state) {
        case HOSTWATCH_STATE_DISCOVERING:
                if (e == MACHINE_EVENT_CANDIDATES) {
                        enter(m, HOSTWATCH_STATE_QUEUED, now, now + MACHINE_QUEUE_TIMEOUT_USEC);
                        return MACHINE_ACTION_REQUEST_SLOT;
                }
                if (e == MACHINE_EVENT_NO_CANDIDATE || e == MACHINE_EVENT_DEADLINE)
                        return enter_waiting(m, HOSTWATCH_STATE_BACKOFF, now, 0);
                return 0;
        case HOSTWATCH_STATE_QUEUED:
                if (e == MACHINE_EVENT_SLOT) {
                        enter(m, HOSTWATCH_STATE_CONNECTING, now, now + m->probe_timeout_usec);
                        return MACHINE_ACTION_START_PROBE;
                }
                if (e == MACHINE_EVENT_DEADLINE)
                        return enter_waiting(m, HOSTWATCH_STATE_BACKOFF, now, 0);
                if (e == MACHINE_EVENT_NEW_ADDRESS)
                        return enter_discovering(m, now);
                return 0;
        case HOSTWATCH_STATE_CONNECTING:
        case HOSTWATCH_STATE_AUTHENTICATING:
                switch (e) {
                case MACHINE_EVENT_CONNECTED:
                        if (m->state != HOSTWATCH_STATE_CONNECTING)
                                return 0;
                        if (m->authenticate) {
                                enter(m, HOSTWATCH_STATE_AUTHENTICATING, now, now + MACHINE_AUTH_TIMEOUT_USEC);
                                return 0;
                        }
                        return enter_verified(m, now);
                case MACHINE_EVENT_AUTHENTICATED:
                        if (m->state != HOSTWATCH_STATE_AUTHENTICATING)
                                return 0;
                        return enter_verified(m, now);
                case MACHINE_EVENT_PROBE_FAILED_MORE:
                        enter(m, HOSTWATCH_STATE_QUEUED, now, now + MACHINE_QUEUE_TIMEOUT_USEC);
                        return abort | MACHINE_ACTION_REQUEST_SLOT;
                case MACHINE_EVENT_PROBE_FAILED:
                case MACHINE_EVENT_DEADLINE:
                        return enter_waiting(m, HOSTWATCH_STATE_BACKOFF, now, abort);
                case MACHINE_EVENT_KEY_MISMATCH:
                        return enter_waiting(m, HOSTWATCH_STATE_KEY_MISMATCH, now, abort);
                case MACHINE_EVENT_NEW_ADDRESS:
                        return abort | enter_discovering(m, now);
                case MACHINE_EVENT_CANDIDATES:
                case MACHINE_EVENT_NO_CANDIDATE:
                case MACHINE_EVENT_SLOT:
                case MACHINE_EVENT_RECHECK:
                case MACHINE_EVENT_VOUCHED:
                case _MACHINE_EVENT_MAX:
                case _MACHINE_EVENT_INVALID:
                        return 0;
                }
                return 0;
        case HOSTWATCH_STATE_VERIFIED:
                /* The agent vouches: the next look in 30 s, SSH only when the proof is old. */
                if (e == MACHINE_EVENT_VOUCHED && now - m->proven_usec < MACHINE_VOUCHED_MAX_USEC) {
                        m->deadline_usec = now + MACHINE_REVERIFY_USEC;
                        return 0;
                }
                if (e == MACHINE_EVENT_DEADLINE || e == MACHINE_EVENT_VOUCHED || e == MACHINE_EVENT_NEW_ADDRESS ||
                    e == MACHINE_EVENT_RECHECK) {
                        /* A new address is not proven yet; a re-check of the same one keeps
                         * the proof until it fails (and a failure is then a loss). */
                        if (e == MACHINE_EVENT_NEW_ADDRESS)
                                m->verified = m->txn_proven = false;
                        return enter_discovering(m, now);
                }
                return 0;
        case HOSTWATCH_STATE_BACKOFF:
        case HOSTWATCH_STATE_KEY_MISMATCH:
                /* A report of a new address skips the wait. */
                if (e == MACHINE_EVENT_DEADLINE || e == MACHINE_EVENT_NEW_ADDRESS)
                        return enter_discovering(m, now);
                return 0;
        case HOSTWATCH_STATE_REMOVED:
        case _HOSTWATCH_STATE_MAX:
        case _HOSTWATCH_STATE_INVALID:
                return 0;
        }
        return 0;
}

unsigned machine_remove(Machine *m, uint64_t now) {
        unsigned actions = machine_state_holds_slot(m->state) ? MACHINE_ACTION_ABORT_PROBE : 0;

        m->verified = m->txn_proven = false;
        enter(m, HOSTWATCH_STATE_REMOVED, now, UINT64_MAX);
        return actions;
}

unsigned machine_txn_begin(Machine *m, uint64_t txn, uint64_t now) {
        unsigned abort = machine_state_holds_slot(m->state) ? MACHINE_ACTION_ABORT_PROBE : 0;

        if (txn == 0 || txn == m->txn || m->state == HOSTWATCH_STATE_REMOVED)
                return 0;
        m->txn = txn;
        m->txn_proven = m->txn_lost = false;
        switch (m->state) {
        case HOSTWATCH_STATE_DISCOVERING:
        case HOSTWATCH_STATE_QUEUED:
        case HOSTWATCH_STATE_CONNECTING:
        case HOSTWATCH_STATE_AUTHENTICATING:
        case HOSTWATCH_STATE_VERIFIED:
        case HOSTWATCH_STATE_BACKOFF:
        case HOSTWATCH_STATE_KEY_MISMATCH:
                /* A verified address keeps its proof while it is checked again (as at the
                 * re-check deadline): if the check fails, that is a loss. */
                return abort | enter_discovering(m, now);
        case HOSTWATCH_STATE_REMOVED:
        case _HOSTWATCH_STATE_MAX:
        case _HOSTWATCH_STATE_INVALID:
                return 0;
        }
        return 0;
}

void machine_txn_end(Machine *m, uint64_t txn) {
        if (txn != 0 && txn != m->txn)
                return;
        m->txn = 0;
        m->txn_round = m->txn_proven = m->txn_lost = false;
}

uint64_t machine_round_txn(const Machine *m) {
        return m->txn_round ? m->txn : 0;
}

const char *machine_event_to_string(MachineEvent e) {
        static const char *const table[_MACHINE_EVENT_MAX] = {
                [MACHINE_EVENT_CANDIDATES] = "candidates",
                [MACHINE_EVENT_NO_CANDIDATE] = "no-candidate",
                [MACHINE_EVENT_SLOT] = "slot",
                [MACHINE_EVENT_CONNECTED] = "connected",
                [MACHINE_EVENT_AUTHENTICATED] = "authenticated",
                [MACHINE_EVENT_PROBE_FAILED] = "probe-failed",
                [MACHINE_EVENT_PROBE_FAILED_MORE] = "probe-failed-more",
                [MACHINE_EVENT_KEY_MISMATCH] = "key-mismatch",
                [MACHINE_EVENT_NEW_ADDRESS] = "new-address",
                [MACHINE_EVENT_DEADLINE] = "deadline",
                [MACHINE_EVENT_RECHECK] = "recheck",
                [MACHINE_EVENT_VOUCHED] = "vouched",
        };
        return e >= 0 && e < _MACHINE_EVENT_MAX ? table[e] : NULL;
}
