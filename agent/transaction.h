/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The state machine of one `netguard try` transaction (agent/STATES.md), pure: events and
 * the time come in, the new state, its deadline and the actions the owner must take go
 * out. No I/O, no clock of its own: the engine (agent/engine.c) does the work and answers
 * with events; tests drive it from a table. Every non-final state has a deadline and an
 * edge taken when it passes. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define TXN_USEC_PER_SEC 1000000ULL
/* Writing a handful of small files to /run/netplan and the journal: seconds would be a
 * broken disk. */
#define TXN_STAGE_TIMEOUT_USEC (15 * TXN_USEC_PER_SEC)
/* `netplan apply` / generate + reload: its own child timeout is below this. */
#define TXN_APPLY_TIMEOUT_USEC (90 * TXN_USEC_PER_SEC)
/* Commit and abort on disk: a few renames and fsyncs. */
#define TXN_DISK_TIMEOUT_USEC (15 * TXN_USEC_PER_SEC)
/* After the old configuration is re-applied, how long its management address may take
 * to come back (a DHCP lease, DAD). */
#define TXN_VERIFY_TIMEOUT_USEC (30 * TXN_USEC_PER_SEC)

typedef enum txn_state {
        TXN_STAGING,            /* candidate written to /run/netplan, journal begun */
        TXN_APPLYING,           /* the apply backend runs with the candidate */
        TXN_AWAITING_CONFIRM,   /* applied; confirmation or rollback pending */
        TXN_COMMITTING,         /* confirmed: the candidate goes to /etc/netplan */
        TXN_ROLLING_BACK,       /* aborted on disk: known-good back, candidate rejected */
        TXN_REAPPLYING_OLD,     /* the apply backend runs with the known-good config */
        TXN_VERIFYING_OLD,      /* waiting for the old management address */
        TXN_CONFIRMED,          /* final */
        TXN_ROLLED_BACK,        /* final */
        TXN_FAILED,             /* final: the reason says what did not work */
        _TXN_STATE_MAX,
        _TXN_STATE_INVALID = -EINVAL,
} txn_state;

typedef enum txn_event {
        TXN_EVENT_STAGED,               /* txn_disk_begin succeeded */
        TXN_EVENT_STAGE_FAILED,
        TXN_EVENT_APPLIED,              /* the backend exited 0 */
        TXN_EVENT_APPLY_FAILED,         /* non-zero exit, killed, timeout, bus error */
        TXN_EVENT_CONFIRM,              /* host proof, local proof or `netguard confirm` */
        TXN_EVENT_ROLLBACK,             /* `netguard rollback` */
        TXN_EVENT_HOST_LOST,            /* HOST_LOST from the host */
        TXN_EVENT_MGMT_LOST,            /* the management address missing longer than grace */
        TXN_EVENT_COMMITTED,            /* txn_disk_commit succeeded */
        TXN_EVENT_COMMIT_FAILED,
        TXN_EVENT_ABORTED,              /* txn_disk_abort succeeded */
        TXN_EVENT_ABORT_FAILED,
        TXN_EVENT_OLD_ADDRESS_BACK,     /* the known-good management address is held again */
        TXN_EVENT_DEADLINE,             /* the state's deadline passed */
        TXN_EVENT_HOST_REACHED,         /* HOST_REACHED for this transaction while applying */
        _TXN_EVENT_MAX,
        _TXN_EVENT_INVALID = -EINVAL,
} txn_event;

/* What the owner does after a transition, in this order. */
enum {
        TXN_ACTION_CANCEL_APPLY = 1u << 0,      /* kill a running apply child */
        TXN_ACTION_APPLY_NEW = 1u << 1,         /* run the backend on the candidate */
        TXN_ACTION_WATCH_CONFIRM = 1u << 2,     /* start the confirmation (local/host/manual) */
        TXN_ACTION_COMMIT = 1u << 3,            /* txn_disk_commit, answer COMMITTED/COMMIT_FAILED */
        TXN_ACTION_ABORT = 1u << 4,             /* txn_disk_abort, answer ABORTED/ABORT_FAILED */
        TXN_ACTION_FORCE_RESTORE = 1u << 5,     /* txn_disk_force_rollback (the journal failed us) */
        TXN_ACTION_DELETE_LINKS = 1u << 6,      /* the virtual links the candidate created */
        TXN_ACTION_APPLY_OLD = 1u << 7,         /* run the backend on the known-good config */
        TXN_ACTION_VERIFY_OLD = 1u << 8,        /* watch for the old management address */
        TXN_ACTION_REPORT = 1u << 9,            /* TXN message to the host, D-Bus signal, log */
        TXN_ACTION_HOLD_PROOF = 1u << 10,       /* keep the host's proof until awaiting-confirm */
        TXN_ACTION_USE_PROOF = 1u << 11,        /* after watch-confirm: the held proof confirms */
};

typedef struct txn_timeouts {
        uint64_t confirm_usec;          /* try.timeout or --timeout */
        uint64_t stage_usec, apply_usec, disk_usec, verify_usec; /* 0: the defaults above */
} txn_timeouts;

typedef struct txn {
        uint64_t id;
        txn_state state;
        uint64_t entered_usec;
        uint64_t deadline_usec;
        txn_timeouts timeouts;
        /* Why it is rolling back or failed; "" while all goes well. Set on the first edge
         * that gives one (a later failure of the rollback itself is appended). */
        char reason[256];
        /* A host proof (HOST_REACHED for this id) came while applying: it is used on
         * entering awaiting-confirm and dropped by any other transition. */
        bool proof_held;
} txn;

/* A new transaction in STAGING (its deadline set): the owner stages the candidate. */
void txn_init(txn *t, uint64_t id, const txn_timeouts *to, uint64_t now);
/* A transaction found pending at start: straight to ROLLING_BACK with the reason (actions:
 * ABORT). Forced (guard mode, `rollback --force`): the known-good is restored whatever
 * the journal says, into REAPPLYING_OLD (actions: FORCE_RESTORE, DELETE_LINKS, APPLY_OLD). */
unsigned txn_init_rollback(txn *t, uint64_t id, const txn_timeouts *to, bool force, const char *reason,
                           uint64_t now);
/* Returns the actions; an event that does not apply in the state changes nothing (0).
 * detail (may be NULL) explains a failure event and goes into the reason. */
unsigned txn_handle(txn *t, txn_event e, const char *detail, uint64_t now);

bool txn_state_is_final(txn_state s);
const char *txn_state_to_string(txn_state s);
txn_state txn_state_from_string(const char *s);
const char *txn_event_to_string(txn_event e);
txn_event txn_event_from_string(const char *s);
