/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hostwatch/backoff.h"
#include "netguard/hostwatch.h"

/* The per-machine state machine of STATES.md, pure: events and the time come in, the new
 * state, its deadline and the actions the owner must take go out. */

/* Discovery reads local files and one netlink dump, so it ends at once; the deadline is
 * there so that no state can last forever, not because we expect to hit it. */
#define MACHINE_DISCOVER_TIMEOUT_USEC (5 * USEC_PER_SEC)
/* Every probe ahead of us in the queue has its own deadline; this bounds the wait when the
 * global cap is held by many slow probes. */
#define MACHINE_QUEUE_TIMEOUT_USEC (60 * USEC_PER_SEC)
/* Public-key login is one round trip after the handshake; sshd's LoginGraceTime is 120 s,
 * we do not wait that long for a machine we only want to see alive. */
#define MACHINE_AUTH_TIMEOUT_USEC (10 * USEC_PER_SEC)
/* A verified address is proven again this often (the guest may move without an agent). */
#define MACHINE_REVERIFY_USEC (30 * USEC_PER_SEC)
/* ...unless the agent vouches for it (alive, its snapshot holds the address): then SSH
 * proves it again only this often. 10,000 machines proven every 30 s were 333 SSH
 * handshakes a second on an idle host; every hour they are 2.8. */
#define MACHINE_VOUCHED_MAX_USEC (3600 * USEC_PER_SEC)

typedef enum MachineEvent {
        MACHINE_EVENT_CANDIDATES,       /* discovery found at least one address to try */
        MACHINE_EVENT_NO_CANDIDATE,     /* discovery found nothing */
        MACHINE_EVENT_SLOT,             /* an SSH slot is ours */
        MACHINE_EVENT_CONNECTED,        /* handshake done, host key matched */
        MACHINE_EVENT_AUTHENTICATED,    /* login with the identity worked */
        MACHINE_EVENT_PROBE_FAILED,     /* this candidate failed, none left */
        MACHINE_EVENT_PROBE_FAILED_MORE, /* this candidate failed, another waits */
        MACHINE_EVENT_KEY_MISMATCH,     /* the server's key is not the pinned one */
        MACHINE_EVENT_NEW_ADDRESS,      /* the agent reported an address we do not have */
        MACHINE_EVENT_DEADLINE,         /* the state's deadline passed */
        MACHINE_EVENT_RECHECK,          /* the agent no longer reports the verified address */
        MACHINE_EVENT_VOUCHED,          /* the verified deadline passed, the agent vouches (above) */
        _MACHINE_EVENT_MAX,
        _MACHINE_EVENT_INVALID = -EINVAL,
} MachineEvent;

/* What the owner does after a transition, in this order. */
enum {
        MACHINE_ACTION_ABORT_PROBE = 1u << 0,   /* drop the SSH session, give the slot back */
        MACHINE_ACTION_LOST = 1u << 1,          /* a verified address stopped answering */
        MACHINE_ACTION_REACHED = 1u << 2,       /* SSH proven: tell the guest (HOST_REACHED) */
        MACHINE_ACTION_DISCOVER = 1u << 3,      /* collect candidates, answer with an event */
        MACHINE_ACTION_REQUEST_SLOT = 1u << 4,  /* answer SLOT when one is free */
        MACHINE_ACTION_START_PROBE = 1u << 5,   /* SSH to the current candidate */
};

typedef struct Machine {
        HostWatchState state;
        uint64_t entered_usec;
        uint64_t deadline_usec;
        Backoff backoff;
        uint64_t probe_timeout_usec;    /* per candidate in this round, from the backoff */
        bool verified;
        uint64_t proven_usec;           /* of the last SSH proof */
        bool authenticate;              /* an identity is configured: log in as proof */
        /* The guest's pending transaction (TXN pending), 0 = none. Only a round started
         * after it began proves it: one in progress then used the old picture. */
        uint64_t txn;
        bool txn_round;                 /* this round started while txn was pending */
        bool txn_proven;                /* a round of txn succeeded and nothing failed since */
        bool txn_lost;                  /* a loss was reported for txn (once until proven again) */
} Machine;

void machine_init(Machine *m, const BackoffParams *p, backoff_random_fn random, void *userdata,
                  bool authenticate);
/* The first transition (into DISCOVERING): returns actions. */
unsigned machine_start(Machine *m, uint64_t now);
/* Returns the actions; an event that does not apply in the state changes nothing (0). */
unsigned machine_handle(Machine *m, MachineEvent e, uint64_t now);
/* Removal, from any state: the actions that free what the state holds; state REMOVED. */
unsigned machine_remove(Machine *m, uint64_t now);
/* The guest began transaction txn (≥ 1): verify again at once, whatever the state (not at
 * the next backoff or re-check); returns the actions. The same txn again changes nothing. */
unsigned machine_txn_begin(Machine *m, uint64_t txn, uint64_t now);
/* txn was confirmed, rolled back or failed (0: whatever is pending): proofs stop naming it. */
void machine_txn_end(Machine *m, uint64_t txn);
/* The transaction a REACHED or LOST of the current round is about (0: none). */
uint64_t machine_round_txn(const Machine *m);

bool machine_state_holds_slot(HostWatchState s);
const char *machine_event_to_string(MachineEvent e);
